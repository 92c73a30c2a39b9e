//! Safe filesystem primitives shared by every capability.
//!
//! - [`RootDir`]: a directory handle inside which every path taken from an image, a tar, a
//!   Dockerfile or a request is resolved with `openat2(RESOLVE_IN_ROOT)`, never by joining strings
//!   (ARCHITECTURE.md "Storage"; security.md §1.3). A symlink `x -> /` inside the root resolves to
//!   the root itself, so nothing is ever reached outside it.
//! - [`write_atomic`]: temp file → fsync → rename → fsync of the directory.
//! - [`clean_path`]: the lexical normalisation of names found in archives and manifests.

mod atomic;
mod root;

pub use atomic::{fsync_dir, write_atomic, write_output_file, write_replace};
pub use root::{fd_path, is_plain_name, sorted_names, RootDir};

use crate::error::{Error, Result};
use std::path::{Component, Path, PathBuf};

/// Normalise a path found in an archive, a manifest or a request into a relative path with no
/// `.`/`..`/empty components. A leading `/` is ignored (entries are relative to their root, as tar
/// and Docker treat them), and `..` that climbs above the root is clamped at the root the way
/// `filepath.Clean("/" + p)` does when `clamp_dotdot`; otherwise it is refused. Names need not be
/// UTF-8 (tar entry names are bytes).
pub fn clean_path(p: impl AsRef<Path>, clamp_dotdot: bool) -> Result<PathBuf> {
    let p = p.as_ref();
    if p.as_os_str().as_encoded_bytes().contains(&0) {
        return Err(Error::invalid(format!("invalid path {p:?}: contains NUL")));
    }
    let mut out: Vec<&std::ffi::OsStr> = Vec::new();
    for c in p.components() {
        match c {
            Component::RootDir | Component::CurDir | Component::Prefix(_) => {}
            Component::ParentDir => {
                if out.pop().is_none() && !clamp_dotdot {
                    return Err(Error::invalid(format!("invalid path {p:?}: it points outside its root")));
                }
            }
            Component::Normal(n) => out.push(n),
        }
    }
    Ok(out.iter().collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_paths() {
        assert_eq!(clean_path("/a/./b//c/", false).unwrap(), PathBuf::from("a/b/c"));
        assert_eq!(clean_path("a/../b", false).unwrap(), PathBuf::from("b"));
        assert!(clean_path("../x", false).is_err());
        assert!(clean_path("a/../../x", false).is_err());
        assert_eq!(clean_path("/../victim/x", true).unwrap(), PathBuf::from("victim/x"));
        assert_eq!(clean_path(".", false).unwrap(), PathBuf::from(""));
        use std::os::unix::ffi::OsStrExt;
        let raw = Path::new(std::ffi::OsStr::from_bytes(b"/a/\xff/../b"));
        assert_eq!(clean_path(raw, false).unwrap(), PathBuf::from("a/b"));
    }
}
