//! The content-addressed store under the state root.
//!
//! ```text
//! <root>/                      0700
//!   .lock                      flock: held exclusively while a writer commits (never while it unpacks)
//!   tmp/<rand>/ + <rand>.lock  staging; a writer holds the .lock; anything unlocked here is garbage
//!   layers/<chain-hex>/        diff/ (overlay lowerdir), tar-split, meta.json
//!   images/<id-hex>/           config.json (exact bytes, sha256 = id), meta.json (local facts)
//!   repositories.json          {"Refs": {"docker.io/library/busybox:latest": "sha256:…"}}
//! ```
//! Writers stage everything under `tmp/` and publish with one `rename` under the lock, so readers
//! never lock and never see half an object; `open` sweeps what a killed writer left behind.

pub mod images;
pub mod layers;
mod lock;
pub mod reference;
pub mod refs;
mod staging;

pub use images::{Image, ImageMeta};
pub use lock::StoreLock;
pub use reference::Reference;
pub use staging::{remove_tree, Staging};

use crate::error::{IoContext, Result};
use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
use std::path::{Path, PathBuf};

pub const DEFAULT_ROOT: &str = "/var/lib/libdocker";

/// A handle on one state root. Cheap to share; every process using the same root sees the same
/// objects (all coordination is on disk).
#[derive(Debug)]
pub struct Store {
    root: PathBuf,
}

impl Store {
    /// Open (creating if needed) the store at `root`, and clean up what interrupted writers left.
    pub fn open(root: &Path) -> Result<Store> {
        let store = Store { root: root.to_path_buf() };
        let mut b = std::fs::DirBuilder::new();
        b.recursive(true).mode(0o700);
        b.create(root).ctx(format_args!("create state root {}", root.display()))?;
        // Image layers hold setuid binaries: nobody but root may traverse (CVE-2021-41091).
        std::fs::set_permissions(root, std::fs::Permissions::from_mode(0o700))
            .ctx(format_args!("chmod {}", root.display()))?;
        for d in [store.tmp_dir(), store.layers_dir(), store.images_dir()] {
            b.create(&d).ctx(format_args!("create {}", d.display()))?;
        }
        staging::sweep(&store.tmp_dir())?;
        Ok(store)
    }

    pub fn root(&self) -> &Path {
        &self.root
    }
    pub fn tmp_dir(&self) -> PathBuf {
        self.root.join("tmp")
    }
    pub fn layers_dir(&self) -> PathBuf {
        self.root.join("layers")
    }
    pub fn images_dir(&self) -> PathBuf {
        self.root.join("images")
    }

    /// Take the store-wide writer lock (blocks until other writers have committed).
    pub fn lock(&self) -> Result<StoreLock> {
        StoreLock::acquire(&self.root.join(".lock"))
    }

    /// A fresh staging directory under `tmp/`, removed on drop unless its content was moved out.
    pub fn staging(&self) -> Result<Staging> {
        Staging::create(&self.tmp_dir())
    }
}
