//! The engine's side of the monitor: find and execute it, read its start report, talk to its
//! socket. Executing a separate program (never forking the host process, which may be a
//! many-threaded Python or Node) keeps the library safe to embed.

use super::monitor::StartReport;
use super::protocol::{Reply, Request};
use crate::error::{Error, IoContext, Result};
use std::io::{BufRead, BufReader, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

pub const MONITOR_NAME: &str = "libdocker-monitor";

/// `$LIBDOCKER_SHIM`, else next to the running program (or its parent: cargo's test binaries live
/// in `deps/`), else next to the library itself (`libdocker.so`), else the install location.
pub fn monitor_path() -> Result<PathBuf> {
    if let Some(p) = std::env::var_os("LIBDOCKER_SHIM") {
        return Ok(PathBuf::from(p));
    }
    let mut candidates: Vec<PathBuf> = Vec::new();
    if let Ok(exe) = std::env::current_exe() {
        if let Some(dir) = exe.parent() {
            candidates.push(dir.join(MONITOR_NAME));
            if let Some(up) = dir.parent() {
                candidates.push(up.join(MONITOR_NAME));
            }
        }
    }
    if let Some(dir) = library_dir() {
        candidates.push(dir.join(MONITOR_NAME));
        candidates.push(dir.join("libdocker").join(MONITOR_NAME));
    }
    candidates.push(PathBuf::from("/usr/local/lib/libdocker").join(MONITOR_NAME));
    candidates.push(PathBuf::from("/usr/lib/libdocker").join(MONITOR_NAME));
    candidates
        .into_iter()
        .find(|p| p.is_file())
        .ok_or_else(|| Error::not_found(format!("cannot find {MONITOR_NAME} (set LIBDOCKER_SHIM to its path)")))
}

/// The directory of the shared object that contains this code (when loaded as `libdocker.so`).
fn library_dir() -> Option<PathBuf> {
    let mut info: libc::Dl_info = unsafe { std::mem::zeroed() };
    // SAFETY: dladdr only reads the address of one of our own functions.
    let ok = unsafe { libc::dladdr(library_dir as *const libc::c_void, &mut info) };
    if ok == 0 || info.dli_fname.is_null() {
        return None;
    }
    // SAFETY: dladdr returned a NUL-terminated path.
    let p = unsafe { std::ffi::CStr::from_ptr(info.dli_fname) };
    let p = Path::new(<std::ffi::OsStr as std::os::unix::ffi::OsStrExt>::from_bytes(p.to_bytes()));
    p.parent().map(Path::to_path_buf)
}

/// Execute the monitor for the container in `state_dir` and wait for its start report. The
/// process is held before exec until the clients registered for this start have connected
/// (`runtime::clients`).
pub fn start(state_dir: &Path) -> Result<StartReport> {
    let monitor = monitor_path()?;
    let mut child = Command::new(&monitor)
        .arg("run")
        .arg(state_dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .ctx(format_args!("execute {}", monitor.display()))?;
    let out = child.stdout.take().expect("piped stdout");
    // The direct child exits as soon as the real monitor has detached.
    let _ = child.wait();
    let mut line = String::new();
    BufReader::new(out).read_line(&mut line).ctx("read the monitor's report")?;
    if line.trim().is_empty() {
        return Err(Error::internal("the monitor exited without reporting"));
    }
    serde_json::from_str(line.trim()).map_err(|e| Error::internal(format!("bad monitor report {line:?}: {e}")))
}

/// Connect to the monitor and send `req`. `None` when there is no live monitor to talk to.
pub fn connect(state_dir: &Path, req: &Request) -> Result<Option<UnixStream>> {
    let sock = super::monitor::socket_path(state_dir);
    let mut s = match super::monitor::with_socket_addr(state_dir, |addr| UnixStream::connect(addr)) {
        Ok(s) => s,
        Err(e) if matches!(e.kind(), std::io::ErrorKind::NotFound | std::io::ErrorKind::ConnectionRefused) => {
            return Ok(None)
        }
        Err(e) => return Err(Error::io(format_args!("connect {}", sock.display()), e)),
    };
    let mut line = serde_json::to_vec(req).expect("request json");
    line.push(b'\n');
    match s.write_all(&line) {
        Ok(()) => Ok(Some(s)),
        // It exited between our connect and our send (a pending connection is reset when the
        // listener closes): as if it had gone before, its last state is on disk.
        Err(e) if matches!(e.kind(), std::io::ErrorKind::BrokenPipe | std::io::ErrorKind::ConnectionReset) => Ok(None),
        Err(e) => Err(Error::io("send to the monitor", e)),
    }
}

/// Read one reply line. `None` if the monitor closed without answering (it exited).
pub fn read_reply(s: &mut UnixStream) -> Result<Option<Reply>> {
    let mut line = Vec::new();
    let mut b = [0u8; 1];
    loop {
        match std::io::Read::read(s, &mut b) {
            Ok(0) => break,
            Ok(_) if b[0] == b'\n' => break,
            Ok(_) => line.push(b[0]),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => break,
            Err(e) => return Err(Error::io("read from the monitor", e)),
        }
    }
    if line.is_empty() {
        return Ok(None);
    }
    serde_json::from_slice(&line).map(Some).map_err(|e| Error::internal(format!("bad monitor reply: {e}")))
}

/// A request with a one-line reply.
pub fn request(state_dir: &Path, req: &Request) -> Result<Option<Reply>> {
    match connect(state_dir, req)? {
        Some(mut s) => read_reply(&mut s),
        None => Ok(None),
    }
}

/// The container's `monitor.lock`, which its monitor holds locked for its whole life.
pub(crate) fn open_lock_file(dir: &Path) -> Result<std::fs::File> {
    std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(dir.join("monitor.lock"))
        .ctx("open monitor.lock")
}

/// An open handle on a container's `monitor.lock`: it stays valid when `--rm` removes the
/// directory, so its holder can wait for the monitor's end.
pub struct MonitorHandle(std::fs::File);

impl MonitorHandle {
    pub fn open(dir: &Path) -> Result<MonitorHandle> {
        Ok(MonitorHandle(open_lock_file(dir)?))
    }

    /// Block until the monitor has exited (it holds the lock for its whole life).
    pub fn wait(&self) {
        let _ = rustix::fs::flock(&self.0, rustix::fs::FlockOperation::LockShared);
        let _ = rustix::fs::flock(&self.0, rustix::fs::FlockOperation::Unlock);
    }
}
