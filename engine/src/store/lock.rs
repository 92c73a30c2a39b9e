//! The store-wide writer lock: `flock(LOCK_EX)` on `<root>/.lock`, released on drop or process death.

use crate::error::{IoContext, Result};
use rustix::fs::{flock, FlockOperation};
use std::fs::File;
use std::path::Path;

/// Proof that the holder may publish objects and edit references.
#[derive(Debug)]
pub struct StoreLock {
    _file: File,
}

impl StoreLock {
    pub(super) fn acquire(path: &Path) -> Result<StoreLock> {
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(path)
            .ctx(format_args!("open {}", path.display()))?;
        loop {
            match flock(&file, FlockOperation::LockExclusive) {
                Err(rustix::io::Errno::INTR) => continue,
                r => break r.ctx(format_args!("lock {}", path.display()))?,
            }
        }
        Ok(StoreLock { _file: file })
    }
}
