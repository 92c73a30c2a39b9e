//! Staging directories under `tmp/`, each owned by a live process through a flock.
//!
//! `tmp/<rand>.lock` is created and locked first, then `tmp/<rand>/`. The sweep at `Store::open`
//! removes every `<rand>` whose lock it can take (its writer died: `kill -9`, power loss) and every
//! directory without a lock file. A live writer is never disturbed, so many processes can share a
//! root.

use crate::error::{IoContext, Result};
use rustix::fs::{flock, FlockOperation};
use std::fs::File;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

#[derive(Debug)]
pub struct Staging {
    dir: PathBuf,
    lock_path: PathBuf,
    _lock: File,
}

impl Staging {
    pub(super) fn create(tmp: &Path) -> Result<Staging> {
        loop {
            let name = crate::digest::random_hex(16);
            let lock_path = tmp.join(format!("{name}.lock"));
            let lock = std::fs::OpenOptions::new()
                .create_new(true)
                .write(true)
                .open(&lock_path)
                .ctx(format_args!("create {}", lock_path.display()))?;
            flock(&lock, FlockOperation::LockExclusive).ctx("lock staging")?;
            // A sweeper may have unlinked the file between create and flock: then start again.
            let still_ours = std::fs::metadata(&lock_path)
                .map(|m| m.ino() == lock.metadata().map(|l| l.ino()).unwrap_or(0))
                .unwrap_or(false);
            if !still_ours {
                continue;
            }
            let dir = tmp.join(&name);
            std::fs::create_dir(&dir).ctx(format_args!("create {}", dir.display()))?;
            return Ok(Staging { dir, lock_path, _lock: lock });
        }
    }

    pub fn path(&self) -> &Path {
        &self.dir
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        let _ = remove_tree(&self.dir);
        let _ = std::fs::remove_file(&self.lock_path);
    }
}

/// Remove a tree, tolerating its absence. Directories that hold overlay whiteouts or immutable
/// modes are still removable by root.
pub fn remove_tree(p: &Path) -> std::io::Result<()> {
    match std::fs::remove_dir_all(p) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotADirectory => std::fs::remove_file(p),
        r => r,
    }
}

/// Remove what dead writers left in `tmp/`.
pub(super) fn sweep(tmp: &Path) -> Result<()> {
    let entries = std::fs::read_dir(tmp).ctx(format_args!("read {}", tmp.display()))?;
    let mut names: Vec<String> = Vec::new();
    for e in entries.flatten() {
        names.push(e.file_name().to_string_lossy().into_owned());
    }
    for name in &names {
        if let Some(base) = name.strip_suffix(".lock") {
            let lock_path = tmp.join(name);
            let Ok(f) = File::open(&lock_path) else { continue };
            if flock(&f, FlockOperation::NonBlockingLockExclusive).is_ok() {
                let _ = remove_tree(&tmp.join(base));
                let _ = std::fs::remove_file(&lock_path);
            }
        } else if !names.contains(&format!("{name}.lock")) {
            // No owner at all: a directory whose lock file a previous sweep already removed, or a
            // trash directory renamed here for deletion.
            let _ = remove_tree(&tmp.join(name));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sweep_spares_live_and_removes_dead() {
        let t = tempfile::tempdir().unwrap();
        let live = Staging::create(t.path()).unwrap();
        std::fs::write(live.path().join("x"), b"x").unwrap();
        // A dead writer: lock file not held, and an ownerless directory.
        std::fs::create_dir(t.path().join("dead")).unwrap();
        std::fs::write(t.path().join("dead.lock"), b"").unwrap();
        std::fs::create_dir(t.path().join("orphan")).unwrap();
        sweep(t.path()).unwrap();
        assert!(live.path().join("x").exists());
        assert!(!t.path().join("dead").exists());
        assert!(!t.path().join("orphan").exists());
        let p = live.path().to_path_buf();
        drop(live);
        assert!(!p.exists());
    }
}
