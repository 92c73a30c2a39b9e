//! `attach`: the container's live output (after, optionally, its log so far) and its stdin,
//! through the monitor's socket. The log replay and the live stream meet exactly at the offset the
//! monitor reports when it registers the client, so nothing is lost or repeated.

use super::logs::Sink;
use crate::error::{Error, IoContext, Result};
use crate::runtime::launch;
use crate::runtime::monitor::logs::LogLine;
use crate::runtime::protocol::{self, Reply, Request};
use crate::store::Store;
use crate::types::AttachOptions;
use std::io::{BufRead, BufReader, Read, Seek, Write};

/// Returns the exit code when the stream ended because the container exited.
pub fn attach(
    store: &Store,
    name: &str,
    opts: &AttachOptions,
    stdin: Option<Box<dyn Read + Send>>,
    out: Sink,
) -> Result<Option<i64>> {
    let c = super::load(store, name)?;
    if !opts.stream {
        if opts.logs {
            replay(&c.log_path(), 0, u64::MAX, opts, out)?;
        }
        return Ok(None);
    }
    if !c.is_running() {
        return Err(Error::conflict("You cannot attach to a stopped container, start it first"));
    }
    if c.is_paused() {
        return Err(Error::conflict("You cannot attach to a paused container, unpause it first"));
    }
    stream(&c, opts, stdin, out)
}

/// `run` without `-d` and `start -a`: start the container held before exec, attach, release it
/// (by attaching): every byte of output reaches the caller, even from a process that exits at
/// once and a container removed by `--rm` right after.
pub fn start_attached(
    store: &Store,
    name: &str,
    opts: &AttachOptions,
    stdin: Option<Box<dyn Read + Send>>,
    out: Sink,
) -> Result<Option<i64>> {
    let c = super::load(store, name)?;
    let monitor = super::start::start(store, &c.id, true)?;
    let code = stream(&c, &AttachOptions { stream: true, logs: false, ..opts.clone() }, stdin, out)?;
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
    stdin: Option<Box<dyn Read + Send>>,
    out: Sink,
) -> Result<Option<i64>> {
    let req = Request::Attach { stdin: opts.stdin && stdin.is_some(), stdout: opts.stdout, stderr: opts.stderr };
    let Some(mut sock) = launch::connect(&c.dir, &req)? else {
        return Err(Error::conflict("You cannot attach to a stopped container, start it first"));
    };
    let reply: Reply = launch::read_reply(&mut sock)?.ok_or_else(|| Error::conflict("the container exited"))?;
    if let Some(e) = reply.error {
        return Err(Error::conflict(e));
    }
    if opts.logs {
        let from = if opts.logs_of_run { reply.run_log_offset.unwrap_or(0) } else { 0 };
        replay(&c.log_path(), from, reply.log_offset.unwrap_or(0), opts, out)?;
    }
    let copier = match (opts.stdin, stdin) {
        (true, Some(mut input)) => {
            let mut w = sock.try_clone().ctx("clone the attach socket")?;
            Some(std::thread::spawn(move || {
                let mut buf = [0u8; 32 * 1024];
                loop {
                    match input.read(&mut buf) {
                        Ok(0) | Err(_) => break,
                        Ok(n) => {
                            if w.write_all(&buf[..n]).is_err() {
                                return;
                            }
                        }
                    }
                }
                // stdin EOF reaches the container (if it was started with StdinOnce).
                let _ = w.shutdown(std::net::Shutdown::Write);
            }))
        }
        _ => None,
    };
    let mut buf = Vec::new();
    let mut code = None;
    loop {
        match protocol::read_frame(&mut sock, &mut buf) {
            Ok(Some(protocol::EXIT)) => {
                let r: Reply = serde_json::from_slice(&buf).unwrap_or_default();
                code = r.status_code.map(i64::from);
                break;
            }
            Ok(Some(stream)) => out(stream, &buf)?,
            Ok(None) => break,
            Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => break,
            Err(e) => return Err(Error::io("read from the monitor", e)),
        }
    }
    let _ = sock.shutdown(std::net::Shutdown::Both);
    // The stdin copier may be blocked reading a terminal: it is left to end with the process.
    drop(copier);
    Ok(code)
}

/// Send the log's lines between byte offsets `from` and `to`.
fn replay(path: &std::path::Path, from: u64, to: u64, opts: &AttachOptions, out: Sink) -> Result<()> {
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
        let (stream, wanted) =
            if l.stream == "stderr" { (protocol::STDERR, opts.stderr) } else { (protocol::STDOUT, opts.stdout) };
        if wanted {
            out(stream, l.log.as_bytes())?;
        }
    }
}
