//! Content hashes of COPY/ADD sources for the build cache, in Docker's forms: `file:<hex>` for a
//! file, `dir:<hex>` for a directory, `multi:<hex>` for several sources.
//!
//! What is hashed is what the copy reproduces: names, kinds, permission bits, sizes, link
//! targets and contents. Owners are not (the copy sets them: root, or `--chown`), nor times, as
//! in Docker, so a checkout with fresh mtimes still hits the cache.

use crate::archive::{Filter, Visit};
use crate::error::{Error, IoContext, Result};
use crate::safefs::RootDir;
use rustix::fs::{AtFlags, FileType, Mode, OFlags, Stat};
use sha2::{Digest as _, Sha256};
use std::ffi::OsStr;
use std::io::Read;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

/// The hash of the source `rel` inside `root` (already resolved: its last component is not
/// followed). Directories are walked with `filter` (`.dockerignore`), children in byte order.
pub fn hash_source(root: &RootDir, rel: &Path, filter: Option<Filter<'_>>) -> Result<String> {
    let fd = root
        .open_in(rel, OFlags::PATH | OFlags::NOFOLLOW, Mode::empty())
        .ctx(format_args!("open /{}", rel.display()))?;
    let st = rustix::fs::fstat(&fd).ctx(format_args!("stat /{}", rel.display()))?;
    if FileType::from_raw_mode(st.st_mode) != FileType::Directory {
        let mut h = Sha256::new();
        let parent =
            root.open_dir(rel.parent().unwrap_or(Path::new(""))).ctx(format_args!("open /{}", rel.display()))?;
        let name = rel.file_name().map(OsStr::as_bytes).unwrap_or(b".");
        entry(&mut h, parent.as_fd(), OsStr::from_bytes(name), b"", &st)?;
        return Ok(format!("file:{}", crate::digest::to_hex(&h.finalize())));
    }
    let dir = root
        .open_in(rel, OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW, Mode::empty())
        .ctx(format_args!("open /{}", rel.display()))?;
    let mut h = Sha256::new();
    walk(&mut h, &dir, b"", filter)?;
    Ok(format!("dir:{}", crate::digest::to_hex(&h.finalize())))
}

/// Docker's `hashStringSlice`: several source hashes as one.
pub fn combine(prefix: &str, hashes: &[String]) -> String {
    format!("{prefix}:{}", crate::digest::to_hex(&Sha256::digest(hashes.join(",").as_bytes())))
}

/// The hash of data that is not a file yet (a heredoc, `COPY <<EOF`), as the file it becomes.
pub fn hash_inline(name: &str, mode: u32, data: &[u8]) -> String {
    let mut h = Sha256::new();
    record(&mut h, name.as_bytes(), 'f', mode, data.len() as u64, b"", &Sha256::digest(data));
    format!("file:{}", crate::digest::to_hex(&h.finalize()))
}

fn walk(h: &mut Sha256, dir: &OwnedFd, prefix: &[u8], filter: Option<Filter<'_>>) -> Result<()> {
    for n in crate::safefs::sorted_names(dir.as_fd())? {
        let path = if prefix.is_empty() { n.clone() } else { [prefix, b"/", &n].concat() };
        let name = OsStr::from_bytes(&n);
        let st = match rustix::fs::statat(dir, name, AtFlags::SYMLINK_NOFOLLOW) {
            Ok(st) => st,
            Err(rustix::io::Errno::NOENT) => continue,
            Err(e) => return Err(Error::io(format_args!("stat {}", String::from_utf8_lossy(&path)), e)),
        };
        let is_dir = FileType::from_raw_mode(st.st_mode) == FileType::Directory;
        let visit = filter.map_or(Visit::Include, |f| f(&path, is_dir));
        match visit {
            Visit::Skip => continue,
            Visit::Descend if !is_dir => continue,
            Visit::Descend => {}
            Visit::Include => entry(h, dir.as_fd(), name, &path, &st)?,
        }
        if is_dir {
            let sub = rustix::fs::openat(
                dir,
                name,
                OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC,
                Mode::empty(),
            )
            .ctx(format_args!("open {}", String::from_utf8_lossy(&path)))?;
            walk(h, &sub, &path, filter)?;
        }
    }
    Ok(())
}

/// One node: its record, with the digest of its content for a regular file.
fn entry(h: &mut Sha256, dir: BorrowedFd<'_>, name: &OsStr, path: &[u8], st: &Stat) -> Result<()> {
    let mode = st.st_mode & 0o7777;
    let shown = || String::from_utf8_lossy(path).into_owned();
    match FileType::from_raw_mode(st.st_mode) {
        FileType::RegularFile => {
            let fd = rustix::fs::openat(
                dir,
                name,
                OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::NONBLOCK | OFlags::NOCTTY | OFlags::CLOEXEC,
                Mode::empty(),
            )
            .ctx(format_args!("open {}", shown()))?;
            let mut f = std::fs::File::from(fd);
            let mut content = Sha256::new();
            let mut buf = vec![0u8; 256 << 10];
            let mut size = 0u64;
            loop {
                let n = f.read(&mut buf).ctx(format_args!("read {}", shown()))?;
                if n == 0 {
                    break;
                }
                size += n as u64;
                content.update(&buf[..n]);
            }
            record(h, path, 'f', mode, size, b"", &content.finalize());
        }
        FileType::Directory => record(h, path, 'd', mode, 0, b"", &[]),
        FileType::Symlink => {
            let target = rustix::fs::readlinkat(dir, name, Vec::new()).ctx(format_args!("readlink {}", shown()))?;
            record(h, path, 'l', 0, 0, target.as_bytes(), &[]);
        }
        FileType::CharacterDevice | FileType::BlockDevice => {
            let dev = format!("{}:{}", rustix::fs::major(st.st_rdev), rustix::fs::minor(st.st_rdev));
            record(h, path, 'c', mode, 0, dev.as_bytes(), &[]);
        }
        FileType::Fifo => record(h, path, 'p', mode, 0, b"", &[]),
        // Sockets are not copied.
        _ => {}
    }
    Ok(())
}

fn record(h: &mut Sha256, path: &[u8], kind: char, mode: u32, size: u64, link: &[u8], content: &[u8]) {
    h.update(path);
    h.update(format!("\0{kind}{mode:o}\0{size}\0").as_bytes());
    h.update(link);
    h.update(b"\0");
    h.update(content);
    h.update(b"\n");
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn hashes_follow_content_not_times() {
        let t = tempfile::tempdir().unwrap();
        let d = t.path().join("d");
        std::fs::create_dir_all(d.join("sub")).unwrap();
        std::fs::write(d.join("sub/a"), b"a").unwrap();
        std::os::unix::fs::symlink("sub/a", d.join("l")).unwrap();
        let root = RootDir::open(t.path()).unwrap();
        let h1 = hash_source(&root, Path::new("d"), None).unwrap();
        assert!(h1.starts_with("dir:"));
        let f1 = hash_source(&root, Path::new("d/sub/a"), None).unwrap();
        assert!(f1.starts_with("file:"));

        // Times do not matter.
        let old = std::fs::File::options().write(true).open(d.join("sub/a")).unwrap();
        old.set_modified(std::time::UNIX_EPOCH).unwrap();
        assert_eq!(hash_source(&root, Path::new("d"), None).unwrap(), h1);
        // Content, mode and link targets do.
        std::fs::write(d.join("sub/a"), b"b").unwrap();
        let h2 = hash_source(&root, Path::new("d"), None).unwrap();
        assert_ne!(h2, h1);
        assert_ne!(hash_source(&root, Path::new("d/sub/a"), None).unwrap(), f1);
        std::fs::set_permissions(d.join("sub/a"), std::fs::Permissions::from_mode(0o600)).unwrap();
        let h3 = hash_source(&root, Path::new("d"), None).unwrap();
        assert_ne!(h3, h2);
        std::fs::remove_file(d.join("l")).unwrap();
        std::os::unix::fs::symlink("elsewhere", d.join("l")).unwrap();
        assert_ne!(hash_source(&root, Path::new("d"), None).unwrap(), h3);

        // Filtered entries are left out.
        let before = hash_source(&root, Path::new("d"), None).unwrap();
        std::fs::write(d.join("ignored"), b"x").unwrap();
        let skip = |p: &[u8], _: bool| if p == b"ignored" { Visit::Skip } else { Visit::Include };
        assert_eq!(hash_source(&root, Path::new("d"), Some(&skip)).unwrap(), before);
        assert_ne!(hash_source(&root, Path::new("d"), None).unwrap(), before);

        assert!(combine("multi", &[f1.clone(), h1.clone()]).starts_with("multi:"));
        assert_ne!(hash_inline("a", 0o644, b"x"), hash_inline("a", 0o644, b"y"));
    }
}
