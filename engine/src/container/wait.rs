//! `wait`: block until the container stops and return its exit code.

use crate::error::{Error, Result};
use crate::runtime::launch;
use crate::runtime::protocol::Request;
use crate::store::Store;
use crate::types::ContainerWaitResponse;

/// Conditions: `not-running` (default), `next-exit`, `removed`.
pub fn wait(store: &Store, name: &str, condition: &str) -> Result<ContainerWaitResponse> {
    let c = super::load(store, name)?;
    match condition {
        "" | "not-running" | "next-exit" | "removed" => {}
        other => return Err(Error::invalid(format!("invalid condition: {other:?}"))),
    }
    let code = if c.is_running() || condition == "next-exit" {
        match launch::connect(&c.dir, &Request::Wait)? {
            Some(mut s) => match launch::read_reply(&mut s)? {
                Some(r) => r.status_code.map(i64::from),
                None => None,
            },
            None => None,
        }
    } else {
        None
    };
    // Once exited for good, wait for the monitor to finish its bookkeeping too.
    if super::Container::load(store, &c.id)?.is_none_or(|c| !c.is_running()) {
        super::stop::wait_monitor_gone(&c.dir);
    }
    let code = match code {
        Some(c) => c,
        // The monitor is gone: the state it (or the reconciliation) recorded is final.
        None => {
            super::Container::load(store, &c.id)?.map(|c| c.state.exit_code as i64).unwrap_or(c.state.exit_code as i64)
        }
    };
    if condition == "removed" {
        super::stop::wait_monitor_gone(&c.dir);
        while c.dir.exists() {
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
    }
    Ok(ContainerWaitResponse { status_code: code, error: None })
}
