//! `wait`: block until the container stops and return its exit code.
//!
//! Conditions (the Engine API's): `not-running` (default) returns at once for a container that is
//! not running; `next-exit` waits for the end of the next run — of the current one if it runs,
//! else of the next start, which the call registers for (see `runtime::clients`) so that a wait
//! made before `start` (the docker CLI's `run`) cannot miss an exit however fast; `removed` waits
//! for that exit and then for the container's removal.

use super::watch::{self, Next};
use crate::error::{Error, Result};
use crate::runtime::clients::Registration;
use crate::runtime::launch;
use crate::runtime::protocol::Request;
use crate::store::Store;
use crate::stream::{wait_readable, Cancel};
use crate::types::ContainerWaitResponse;
use std::os::fd::AsFd;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Condition {
    NotRunning,
    NextExit,
    Removed,
}

impl Condition {
    pub fn parse(s: &str) -> Result<Condition> {
        match s {
            "" | "not-running" => Ok(Condition::NotRunning),
            "next-exit" => Ok(Condition::NextExit),
            "removed" => Ok(Condition::Removed),
            other => Err(Error::invalid(format!("invalid condition: {other:?}"))),
        }
    }
}

pub fn wait(store: &Store, name: &str, condition: &str, cancel: Option<&Cancel>) -> Result<ContainerWaitResponse> {
    let condition = Condition::parse(condition)?;
    let c = super::load(store, name)?;
    let code = if c.is_running() {
        wait_run(&c, None, cancel)?
    } else if condition == Condition::NotRunning {
        Some(c.state.exit_code as i64)
    } else {
        let reg = Registration::new(&c.dir)?;
        match watch::next_start(&c.dir, cancel)? {
            Next::Started => wait_run(&c, Some(&reg), cancel)?,
            // Removed without another run: its last exit is the answer.
            Next::Removed => Some(c.state.exit_code as i64),
        }
    };
    // Once exited for good, wait for the monitor to finish its bookkeeping too.
    if super::Container::load(store, &c.id)?.is_none_or(|c| !c.is_running()) {
        super::stop::wait_monitor_gone(&c.dir);
    }
    let code = match code {
        Some(code) => code,
        // The monitor is gone: the state it (or the reconciliation) recorded is final.
        None => super::Container::load(store, &c.id)?.map_or(c.state.exit_code, |c| c.state.exit_code) as i64,
    };
    if condition == Condition::Removed {
        watch::removed(&c.dir, cancel)?;
    }
    Ok(ContainerWaitResponse { status_code: code, error: None })
}

/// The exit code of the run the live monitor serves, `None` if the monitor went away unseen.
fn wait_run(c: &super::Container, client: Option<&Registration>, cancel: Option<&Cancel>) -> Result<Option<i64>> {
    let req = Request::Wait { client: client.map(|r| r.token().to_string()) };
    let Some(mut sock) = launch::connect(&c.dir, &req)? else { return Ok(None) };
    wait_readable(sock.as_fd(), cancel, None)?;
    Ok(launch::read_reply(&mut sock)?.and_then(|r| r.status_code).map(i64::from))
}
