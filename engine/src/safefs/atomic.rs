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
