//! [`RootDir`]: resolve paths inside a directory as if it were `/`.

use crate::error::{Error, IoContext, Result};
use rustix::fs::{openat2, Mode, OFlags, ResolveFlags};
use rustix::io::Errno;
use std::ffi::{OsStr, OsString};
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::path::{Path, PathBuf};

/// A directory that acts as `/` for every path resolved through it.
///
/// Resolution uses `openat2(RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS)`: `..` stops at the root,
/// absolute symlinks are relative to the root, `/proc/self/fd/N`-style magic links are refused.
/// This is what defeats the two-hop symlink and "symlink then hardlink" breakouts (security.md §1.3).
#[derive(Debug)]
pub struct RootDir {
    fd: OwnedFd,
    path: PathBuf,
}

const RESOLVE: ResolveFlags = ResolveFlags::IN_ROOT.union(ResolveFlags::NO_MAGICLINKS);

impl RootDir {
    pub fn open(path: &Path) -> Result<RootDir> {
        let fd = rustix::fs::open(path, OFlags::PATH | OFlags::DIRECTORY | OFlags::CLOEXEC, Mode::empty())
            .ctx_lookup(format_args!("open {}", path.display()))?;
        Ok(RootDir { fd, path: path.to_path_buf() })
    }

    /// A root from a directory fd that has no usable host path, e.g. a detached mount
    /// (`fsmount`); `label` names it in messages.
    pub fn from_fd(fd: OwnedFd, label: PathBuf) -> RootDir {
        RootDir { fd, path: label }
    }

    /// The host path of the root (for messages and for handing to the kernel as a mount source).
    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }

    /// Open `rel` inside the root with `flags` (O_CLOEXEC is added). Symlinks are followed but
    /// never leave the root. An empty `rel` is the root itself.
    pub fn open_in(&self, rel: &Path, flags: OFlags, mode: Mode) -> rustix::io::Result<OwnedFd> {
        let rel: &Path = if rel.as_os_str().is_empty() { Path::new(".") } else { rel };
        loop {
            match openat2(&self.fd, rel, flags | OFlags::CLOEXEC, mode, RESOLVE) {
                // openat2 returns EAGAIN when a concurrent rename raced the lookup: retry.
                Err(Errno::AGAIN) | Err(Errno::INTR) => continue,
                r => return r,
            }
        }
    }

    /// An `O_PATH` handle on the directory `rel` (which must exist).
    pub fn open_dir(&self, rel: &Path) -> rustix::io::Result<OwnedFd> {
        self.open_in(rel, OFlags::PATH | OFlags::DIRECTORY, Mode::empty())
    }

    /// Create `rel` and its missing parents (mode `mode`) inside the root; return a handle on it.
    /// Only missing levels cost anything: the deepest existing parent is found first.
    pub fn mkdir_all(&self, rel: &Path, mode: u32) -> Result<OwnedFd> {
        match self.open_dir(rel) {
            Ok(fd) => return Ok(fd),
            Err(Errno::NOENT) => {}
            Err(e) => return Err(Error::io(format_args!("open directory /{}", rel.display()), e)),
        }
        let (Some(parent), Some(name)) = (rel.parent(), rel.file_name()) else {
            return Err(Error::io(format_args!("open directory /{}", rel.display()), Errno::NOENT));
        };
        let parent_fd = self.mkdir_all(parent, mode)?;
        match rustix::fs::mkdirat(&parent_fd, name, Mode::from_raw_mode(mode)) {
            Ok(()) | Err(Errno::EXIST) => {}
            Err(e) => return Err(Error::io(format_args!("mkdir /{}", rel.display()), e)),
        }
        self.open_dir(rel).map_err(|e| match e {
            // mkdirat said EEXIST but it still does not resolve: a dangling symlink.
            Errno::NOENT => {
                Error::invalid(format!("cannot create directory /{}: it is a dangling symbolic link", rel.display()))
            }
            e => Error::io(format_args!("open directory /{}", rel.display()), e),
        })
    }

    /// The directory that holds `rel` (created if `create`) and `rel`'s last component.
    /// The last component itself is never resolved, so the caller acts on the entry, not on
    /// what a symlink there points to.
    pub fn parent_of(&self, rel: &Path, create: bool) -> Result<(OwnedFd, OsString)> {
        let name =
            rel.file_name().ok_or_else(|| Error::invalid(format!("invalid path /{}", rel.display())))?.to_os_string();
        let parent = rel.parent().unwrap_or(Path::new(""));
        let fd = if create {
            self.mkdir_all(parent, 0o755)?
        } else {
            self.open_dir(parent).ctx(format_args!("open directory /{}", parent.display()))?
        };
        Ok((fd, name))
    }
}

/// The host path an fd really refers to (for checks like "the cwd is inside the root").
pub fn fd_path(fd: BorrowedFd<'_>) -> Result<PathBuf> {
    let link = format!("/proc/self/fd/{}", std::os::fd::AsRawFd::as_raw_fd(&fd));
    std::fs::read_link(&link).ctx(format_args!("readlink {link}"))
}

/// The names in the directory `dir` (without `.` and `..`), sorted bytewise: the order archives
/// and content hashes walk a tree in, so that the same tree always gives the same bytes.
pub fn sorted_names(dir: BorrowedFd<'_>) -> Result<Vec<Vec<u8>>> {
    let mut names = Vec::new();
    for e in rustix::fs::Dir::read_from(dir).ctx("read directory")? {
        let e = e.ctx("read directory")?;
        let n = e.file_name().to_bytes();
        if n != b"." && n != b".." {
            names.push(n.to_vec());
        }
    }
    names.sort_unstable();
    Ok(names)
}

/// Is `name` a single plain path component (no `/`, not `.` or `..`, not empty)?
pub fn is_plain_name(name: &OsStr) -> bool {
    let b = name.as_encoded_bytes();
    !b.is_empty() && b != b"." && b != b".." && !b.contains(&b'/')
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    #[test]
    fn symlinks_stay_inside() {
        let t = tempfile::tempdir().unwrap();
        let root = t.path().join("root");
        std::fs::create_dir_all(root.join("real")).unwrap();
        symlink("/", root.join("up")).unwrap();
        symlink("../../..", root.join("real/up2")).unwrap();
        let r = RootDir::open(&root).unwrap();
        let fd = r.mkdir_all(Path::new("up/real/up2/made"), 0o755).unwrap();
        assert_eq!(fd_path(fd.as_fd()).unwrap(), root.join("made"));
        assert!(!t.path().join("made").exists());
    }

    #[test]
    fn dangling_symlink_is_refused() {
        let t = tempfile::tempdir().unwrap();
        symlink("/nowhere", t.path().join("d")).unwrap();
        let r = RootDir::open(t.path()).unwrap();
        let e = r.mkdir_all(Path::new("d/x"), 0o755).unwrap_err();
        assert!(e.message().contains("dangling"), "{e}");
    }
}
