//! The merged view of a container's filesystem for `cp`, `export` and `diff`-like readers.
//!
//! [`with_rootfs`] (cp): a running container's own root through `/proc/<pid>/root` (its mounts,
//! volumes included); a stopped one's overlay mounted in a private mount namespace of a
//! short-lived thread — when the thread ends, its namespace and the mount vanish with it:
//! nothing is ever mounted on the host.
//! [`with_image_view`] (export): the container's filesystem alone, no mounts, as a read-only
//! overlay of its upper directory over its image layers (also while it runs).

use super::Container;
use crate::error::{Error, Result};
use crate::runtime::mounts::{Executor, Step};
use crate::safefs::RootDir;
use crate::store::Store;
use std::path::{Path, PathBuf};

pub fn with_rootfs<T: Send>(store: &Store, c: &Container, f: impl FnOnce(&RootDir) -> Result<T> + Send) -> Result<T> {
    if c.is_running() && c.state.pid > 0 {
        let root = RootDir::open(Path::new(&format!("/proc/{}/root", c.state.pid)))?;
        // The pid must still be this container's init (it could have exited in between).
        if !super::record::monitor_alive(&c.dir) {
            return Err(Error::conflict(format!("container {} exited", c.id)));
        }
        return f(&root);
    }
    let lower = c.lower_layers();
    in_private_mount(
        Step::Overlay {
            target: c.dir.join("rootfs"),
            layers_dir: store.layers_dir(),
            lower,
            upper: c.dir.join("upper"),
            work: c.dir.join("work"),
        },
        f,
    )
}

/// The container's own files (upper over image layers), read-only, without any mount.
pub fn with_image_view<T: Send>(
    store: &Store,
    c: &Container,
    f: impl FnOnce(&RootDir) -> Result<T> + Send,
) -> Result<T> {
    // The upper directory as the top lower layer: its whiteouts hide what they hide, and a
    // running container's overlay is left alone (only upper/work directories are exclusive).
    let mut lower: Vec<PathBuf> = vec![c.dir.join("upper")];
    lower.extend(c.lower_layers().iter().map(|l| store.layers_dir().join(l)));
    if lower.len() == 1 {
        return f(&RootDir::open(&lower[0])?);
    }
    let target = c.dir.join("export");
    std::fs::create_dir_all(&target).map_err(|e| Error::io("create export mount point", e))?;
    let r = in_private_mount(Step::ReadOnlyOverlay { target: target.clone(), lower }, f);
    let _ = std::fs::remove_dir(&target);
    r
}

/// Run `f` on a filesystem mounted by `step` in a private mount namespace of its own thread.
fn in_private_mount<T: Send>(step: Step, f: impl FnOnce(&RootDir) -> Result<T> + Send) -> Result<T> {
    std::thread::scope(|s| {
        s.spawn(move || -> Result<T> {
            // SAFETY: unshare affects only this thread (CLONE_NEWNS implies CLONE_FS).
            if unsafe { libc::unshare(libc::CLONE_NEWNS) } != 0 {
                return Err(Error::io("unshare a private mount namespace", std::io::Error::last_os_error()));
            }
            let mut ex = Executor::new();
            ex.apply(&Step::MakeRootPrivate)?;
            ex.apply(&step)?;
            let target = match &step {
                Step::Overlay { target, .. } | Step::ReadOnlyOverlay { target, .. } => target.clone(),
                _ => return Err(Error::internal("not a root filesystem step")),
            };
            let root = RootDir::open(&target)?;
            f(&root)
        })
        .join()
        .map_err(|_| Error::internal("rootfs thread panicked"))?
    })
}
