//! Crash-safe writes: an interrupted write is never visible under the final name.

use crate::error::{IoContext, Result};
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

/// Write `bytes` to `path` as temp file (same directory) → fsync → rename → fsync of the directory.
/// Readers see either the old content or the new one, never a mix, even after `kill -9` or power loss.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    // A dot-name with ".tmp-" is what `Store::open` sweeps up if we die before the rename.
    let tmp = dir.join(format!(".tmp-{}-{name}", crate::digest::random_hex(6)));
    let result = (|| {
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&tmp)
            .ctx(format_args!("create {}", tmp.display()))?;
        f.write_all(bytes).ctx(format_args!("write {}", tmp.display()))?;
        f.sync_all().ctx(format_args!("fsync {}", tmp.display()))?;
        std::fs::rename(&tmp, path).ctx(format_args!("rename to {}", path.display()))?;
        fsync_dir(dir)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// fsync a directory so that a rename into it survives a power loss.
pub fn fsync_dir(dir: &Path) -> Result<()> {
    let f = std::fs::File::open(dir).ctx(format_args!("open {}", dir.display()))?;
    f.sync_all().ctx(format_args!("fsync {}", dir.display()))
}

/// Replace `path` atomically (temp file → rename) without the fsyncs: for state that is only
/// meaningful while the machine is up (a running container's state), where a crash loses the
/// state's subject too. Readers still never see a torn file.
pub fn write_replace(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let tmp = dir.join(format!(".tmp-{}-{name}", crate::digest::random_hex(6)));
    let result = std::fs::write(&tmp, bytes)
        .ctx(format_args!("write {}", tmp.display()))
        .and_then(|()| std::fs::rename(&tmp, path).ctx(format_args!("rename to {}", path.display())));
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// Write a user's output file (`save -o`, `export -o`, the C ABI's file variants) through `f`:
/// a regular file (or a new one) is written as temp file → fsync → rename, so a failed or
/// cancelled write leaves no partial file and an existing file untouched; anything else that
/// exists there (`/dev/stdout`, a fifo) is written in place. New files get `mode`.
pub fn write_output_file(path: &Path, mode: u32, f: impl FnOnce(&mut (dyn Write + Send)) -> Result<()>) -> Result<()> {
    if std::fs::metadata(path).is_ok_and(|m| !m.is_file()) {
        let mut out =
            std::fs::OpenOptions::new().write(true).open(path).ctx(format_args!("open {}", path.display()))?;
        return f(&mut out);
    }
    let name = path
        .file_name()
        .ok_or_else(|| crate::Error::invalid(format!("not a file path: {}", path.display())))?
        .to_string_lossy()
        .into_owned();
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let tmp = dir.join(format!(".{name}.partial-{}", crate::digest::random_hex(6)));
    let result = (|| {
        let file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(mode)
            .open(&tmp)
            .ctx_lookup(format_args!("create {}", tmp.display()))?;
        let mut w = std::io::BufWriter::with_capacity(1 << 20, file);
        f(&mut w)?;
        let file =
            w.into_inner().map_err(|e| crate::Error::io(format_args!("write {}", tmp.display()), e.into_error()))?;
        file.sync_all().ctx(format_args!("fsync {}", tmp.display()))?;
        std::fs::rename(&tmp, path).ctx(format_args!("rename to {}", path.display()))
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}
