//! `stop`, `kill`, `restart`: requests to the container's monitor, which owns the process.

use crate::error::{Error, Result};
use crate::runtime::launch;
use crate::runtime::protocol::Request;
use crate::store::Store;

/// SIGTERM (or the image's STOPSIGNAL), then SIGKILL after `timeout` seconds (default 10).
pub fn stop(store: &Store, name: &str, timeout: Option<i64>, signal: Option<&str>) -> Result<()> {
    let c = super::load(store, name)?;
    if !c.is_running() {
        return Err(Error::not_modified(format!("container {} is already stopped", c.id)));
    }
    let signal = match signal {
        Some(s) => crate::runtime::signal::parse(s)?,
        None if c.config.stop_signal.is_empty() => libc::SIGTERM,
        None => crate::runtime::signal::parse(&c.config.stop_signal)?,
    };
    let timeout = timeout.or(c.config.stop_timeout).unwrap_or(10);
    if c.is_paused() {
        let _ = super::pause::unpause(store, &c.id);
    }
    // The reply comes when the process has exited (or the monitor is already gone); a stopped
    // container does not restart, so its monitor is about to exit: wait for that too.
    launch::request(&c.dir, &Request::Stop { signal, timeout })?;
    wait_monitor_gone(&c.dir);
    Ok(())
}

pub fn kill(store: &Store, name: &str, signal: Option<&str>) -> Result<()> {
    let c = super::load(store, name)?;
    let signal = crate::runtime::signal::parse(signal.unwrap_or("KILL"))?;
    if !c.is_running() {
        return Err(Error::conflict(format!("Container {} is not running", c.id)));
    }
    match launch::request(&c.dir, &Request::Kill { signal })? {
        Some(r) => match r.error {
            Some(e) => Err(Error::conflict(e)),
            None => Ok(()),
        },
        None => Err(Error::conflict(format!("Container {} is not running", c.id))),
    }
}

pub fn restart(store: &Store, name: &str, timeout: Option<i64>) -> Result<()> {
    match stop(store, name, timeout, None) {
        Ok(()) => {}
        Err(e) if e.kind() == crate::ErrorKind::NotModified => {}
        Err(e) => return Err(e),
    }
    // The monitor may still be finishing its exit bookkeeping: wait for it to let go.
    let c = super::load(store, name)?;
    wait_monitor_gone(&c.dir);
    super::start::start(store, &c.id).map(|_| ())
}

/// Block (briefly) until the monitor of `dir` has released its lock.
pub fn wait_monitor_gone(dir: &std::path::Path) {
    if let Ok(h) = crate::runtime::launch::MonitorHandle::open(dir) {
        h.wait();
    }
}
