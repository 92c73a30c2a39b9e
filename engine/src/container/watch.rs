//! Waiting for a container's next start (a live monitor with its socket) or for its removal,
//! without polling: inotify on the container's directory, with the caller's token beside it.
//! A once-a-second look covers what inotify cannot report (a monitor that dies unseen).

use super::record::monitor_alive;
use crate::error::{Error, Result};
use crate::stream::{wait_readable, Cancel};
use std::os::fd::{AsFd, AsRawFd, FromRawFd, OwnedFd};
use std::path::Path;
use std::time::Duration;

const RECHECK: Duration = Duration::from_secs(1);

/// What happened to a container that was not running.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Next {
    /// A monitor runs it now: connect to its socket.
    Started,
    /// It was removed.
    Removed,
}

struct DirWatch(OwnedFd);

impl DirWatch {
    fn new(dir: &Path) -> Result<DirWatch> {
        // SAFETY: inotify_init1 returns a new fd or -1.
        let fd = unsafe { libc::inotify_init1(libc::IN_CLOEXEC | libc::IN_NONBLOCK) };
        if fd < 0 {
            return Err(Error::io("inotify_init1", std::io::Error::last_os_error()));
        }
        // SAFETY: we own the new fd.
        let fd = unsafe { OwnedFd::from_raw_fd(fd) };
        let path = std::ffi::CString::new(dir.as_os_str().as_encoded_bytes())
            .map_err(|_| Error::invalid("a path with a NUL byte"))?;
        let mask = libc::IN_CREATE | libc::IN_MOVED_TO | libc::IN_DELETE_SELF | libc::IN_MOVE_SELF;
        // SAFETY: a valid inotify fd and NUL-terminated path.
        if unsafe { libc::inotify_add_watch(fd.as_raw_fd(), path.as_ptr(), mask) } < 0 {
            let e = std::io::Error::last_os_error();
            return Err(if e.raw_os_error() == Some(libc::ENOENT) {
                Error::not_found("the container was removed")
            } else {
                Error::io("inotify_add_watch", e)
            });
        }
        Ok(DirWatch(fd))
    }

    /// Block until something changed in the directory (or a second passed), then forget what.
    fn wait(&self, cancel: Option<&Cancel>) -> Result<()> {
        wait_readable(self.0.as_fd(), cancel, Some(RECHECK))?;
        let mut buf = [0u8; 4096];
        // SAFETY: draining our non-blocking inotify fd into a local buffer.
        while unsafe { libc::read(self.0.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len()) } > 0 {}
        Ok(())
    }
}

/// Block until the container in `dir` is started (its monitor serves its socket) or removed.
pub(crate) fn next_start(dir: &Path, cancel: Option<&Cancel>) -> Result<Next> {
    let w = match DirWatch::new(dir) {
        Ok(w) => w,
        Err(e) if e.kind() == crate::ErrorKind::NotFound => return Ok(Next::Removed),
        Err(e) => return Err(e),
    };
    loop {
        if !dir.join("config.json").exists() {
            return Ok(Next::Removed);
        }
        // The monitor takes its lock before it binds its socket: both say "serving".
        if crate::runtime::monitor::socket_path(dir).exists() && monitor_alive(dir) {
            return Ok(Next::Started);
        }
        w.wait(cancel)?;
    }
}

/// Block until the container in `dir` is removed.
pub(crate) fn removed(dir: &Path, cancel: Option<&Cancel>) -> Result<()> {
    let w = match DirWatch::new(dir) {
        Ok(w) => w,
        Err(e) if e.kind() == crate::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e),
    };
    while dir.join("config.json").exists() {
        w.wait(cancel)?;
    }
    Ok(())
}
