//! `attach`: the container's live output (after, optionally, its log so far) and its stdin,
//! through the monitor's socket. The log replay and the live stream meet exactly at the offset the
//! monitor reports when it registers the client, so nothing is lost or repeated.
//!
//! A container that is not running can be attached to: the call registers (see
//! `runtime::clients`) and waits for the next start, whose process is held before `execve` until
//! the registered clients are connected — so the docker CLI's `run` (attach, wait, then start)
//! sees every byte, as `start_attached` does in one call.

use super::watch::{self, Next};
use crate::error::{Error, IoContext, Result};
use crate::runtime::clients::Registration;
use crate::runtime::launch;
use crate::runtime::monitor::logs::LogLine;
use crate::runtime::protocol::{Reply, Request};
use crate::store::Store;
use crate::stream::{wait_readable, Output, Sink, Stdin};
use crate::types::AttachOptions;
use std::io::{BufRead, BufReader, Read, Seek};
use std::os::fd::{AsFd, OwnedFd};

/// Returns the exit code when the stream ended because the container exited.
pub fn attach(
    store: &Store,
    name: &str,
    opts: &AttachOptions,
    stdin: Option<Stdin>,
    sink: &mut dyn Sink,
) -> Result<Option<i64>> {
    let c = super::load(store, name)?;
    if !opts.stream {
        if opts.logs {
            replay(&c.log_path(), 0, u64::MAX, opts, sink)?;
        }
        return Ok(None);
    }
    if c.is_paused() {
        return Err(Error::conflict("You cannot attach to a paused container, unpause it first"));
    }
    if c.state.status == crate::runtime::state::Status::Restarting {
        return Err(Error::conflict("You cannot attach to a restarting container, wait until it is running"));
    }
    if c.is_running() {
        return stream(&c, opts, stdin, None, sink);
    }
    // Not running: the whole of its next run.
    let reg = Registration::new(&c.dir)?;
    match watch::next_start(&c.dir, sink.cancel())? {
        Next::Started => stream(&c, opts, stdin, Some(&reg), sink),
        Next::Removed => Err(super::no_such_container(name)),
    }
}

/// `run` without `-d` and `start -a`: register, start, attach (which releases the process held
/// before exec): every byte of output reaches the caller, even from a process that exits at once
/// and a container removed by `--rm` right after.
pub fn start_attached(
    store: &Store,
    name: &str,
    opts: &AttachOptions,
    stdin: Option<Stdin>,
    sink: &mut dyn Sink,
) -> Result<Option<i64>> {
    let c = super::load(store, name)?;
    let reg = Registration::new(&c.dir)?;
    let monitor = super::start::start(store, &c.id)?;
    let code = stream(&c, &AttachOptions { stream: true, logs: false, ..opts.clone() }, stdin, Some(&reg), sink)?;
    drop(reg);
    // Return once the monitor is done with its bookkeeping (and with `--rm`, the removal), as
    // `docker run` waits for `condition=removed`; a restart policy keeps it alive: no wait then.
    if c.host_config.auto_remove || super::Container::load(store, &c.id)?.is_some_and(|c| !c.is_running()) {
        monitor.wait();
    }
    Ok(code)
}

fn stream(
    c: &super::Container,
    opts: &AttachOptions,
    stdin: Option<Stdin>,
    client: Option<&Registration>,
    sink: &mut dyn Sink,
) -> Result<Option<i64>> {
    let with_stdin = opts.stdin && stdin.is_some();
    let req = Request::Attach {
        stdin: with_stdin,
        stdout: opts.stdout,
        stderr: opts.stderr,
        client: client.map(|r| r.token().to_string()),
    };
    let Some(mut sock) = launch::connect(&c.dir, &req)? else {
        return Err(Error::conflict("You cannot attach to a stopped container, start it first"));
    };
    wait_readable(sock.as_fd(), sink.cancel(), None)?;
    let reply: Reply = launch::read_reply(&mut sock)?.ok_or_else(|| Error::conflict("the container exited"))?;
    if let Some(e) = reply.error {
        return Err(Error::conflict(e));
    }
    if opts.logs {
        let from = if opts.logs_of_run { reply.run_log_offset.unwrap_or(0) } else { 0 };
        replay(&c.log_path(), from, reply.log_offset.unwrap_or(0), opts, sink)?;
    }
    let from: OwnedFd = sock.into();
    let to = if with_stdin { Some(from.try_clone().ctx("dup the attach socket")?) } else { None };
    let end = super::stdio::relay(&from, to, if with_stdin { stdin } else { None }, sink)?;
    Ok(end.and_then(|r| r.status_code.map(i64::from)))
}

/// Send the log's lines between byte offsets `from` and `to`.
fn replay(path: &std::path::Path, from: u64, to: u64, opts: &AttachOptions, sink: &mut dyn Sink) -> Result<()> {
    let mut f = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(Error::io("open the log", e)),
    };
    f.seek(std::io::SeekFrom::Start(from)).ctx("seek the log")?;
    let mut r = BufReader::new(f.take(to.saturating_sub(from)));
    let mut line = String::new();
    loop {
        line.clear();
        if r.read_line(&mut line).ctx("read the log")? == 0 {
            return Ok(());
        }
        let Ok(l) = serde_json::from_str::<LogLine>(&line) else { continue };
        if l.stream == "stderr" {
            if opts.stderr {
                sink.send(Output::Stderr(l.log.as_bytes()))?;
            }
        } else if opts.stdout {
            sink.send(Output::Stdout(l.log.as_bytes()))?;
        }
    }
}
