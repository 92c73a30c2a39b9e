//! Clients waiting for a container's next start: the Engine API's `attach` and `wait` (`next-exit`,
//! `removed`) may come before `start` (the docker CLI's `run` does attach → wait → start), and
//! must then see the whole run: every byte of output, its exit code.
//!
//! ```text
//! <state-dir>/clients/<token>   one file per waiting client, flock'ed by it for as long as it waits
//! ```
//! A client registers (creates and locks its file) *before* it looks for the monitor. A monitor,
//! at its first start, reads the live registrations (a file whose lock is free is a client that
//! died: removed) and holds the process at the gate before `execve` until each of them has
//! connected — its `Attach`/`Wait` request names the token — or died, or a timeout passed. A
//! registration made after that read finds the monitor's socket and connects as a live client.
//! Cost when nobody waits: one failed `openat` of `clients/` per start.

use crate::error::{Error, IoContext, Result};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

const DIR: &str = "clients";

/// A client's registration; dropping it unregisters.
#[derive(Debug)]
pub struct Registration {
    path: PathBuf,
    token: String,
    _file: std::fs::File,
}

impl Registration {
    pub fn new(state_dir: &Path) -> Result<Registration> {
        let dir = state_dir.join(DIR);
        match std::fs::create_dir(&dir) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(Error::io("register the client", e)),
        }
        let token = crate::digest::random_hex(8);
        let path = dir.join(&token);
        let file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .custom_flags(libc::O_CLOEXEC)
            .mode(0o600)
            .open(&path)
            .ctx("register the client")?;
        rustix::fs::flock(&file, rustix::fs::FlockOperation::NonBlockingLockExclusive).ctx("lock the registration")?;
        Ok(Registration { path, token, _file: file })
    }

    pub fn token(&self) -> &str {
        &self.token
    }
}

impl Drop for Registration {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Tokens of the clients registered and still alive; stale registrations are removed.
pub fn pending(state_dir: &Path) -> Vec<String> {
    let dir = state_dir.join(DIR);
    let Ok(rd) = std::fs::read_dir(&dir) else { return Vec::new() };
    let mut live = Vec::new();
    for e in rd.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        if is_alive(&dir.join(&name)) {
            live.push(name);
        } else {
            let _ = std::fs::remove_file(dir.join(&name));
        }
    }
    live
}

/// Is the client that registered `token` still waiting?
pub fn alive(state_dir: &Path, token: &str) -> bool {
    is_alive(&state_dir.join(DIR).join(token))
}

fn is_alive(path: &Path) -> bool {
    let Ok(f) = std::fs::File::open(path) else { return false };
    rustix::fs::flock(&f, rustix::fs::FlockOperation::NonBlockingLockShared).is_err()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registrations_live_while_held() {
        let t = tempfile::tempdir().unwrap();
        assert!(pending(t.path()).is_empty());
        let a = Registration::new(t.path()).unwrap();
        let b = Registration::new(t.path()).unwrap();
        let mut p = pending(t.path());
        p.sort();
        let mut want = vec![a.token().to_string(), b.token().to_string()];
        want.sort();
        assert_eq!(p, want);
        assert!(alive(t.path(), a.token()));
        drop(a);
        assert_eq!(pending(t.path()), [b.token().to_string()]);
        // A registration whose owner died without unregistering (its lock is free) is stale.
        std::fs::write(t.path().join(DIR).join("dead"), b"").unwrap();
        assert_eq!(pending(t.path()), [b.token().to_string()]);
        assert!(!t.path().join(DIR).join("dead").exists());
    }
}
