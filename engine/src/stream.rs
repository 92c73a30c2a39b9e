//! Streams: the one way a long operation hands output to its caller ([`Sink`]) and the one way a
//! caller stops it ([`Cancel`]).
//!
//! Contract, for every long call of the façade (build, import, load, save, export, logs and
//! attach with follow, wait, exec, stats with stream):
//! - output (a container's stdout/stderr, Docker's JSON progress messages, stats samples) goes to
//!   one [`Sink`], on the calling thread, in order, before the call returns;
//! - the caller stops the call by returning an error from [`Sink::send`] (usually
//!   [`Error::canceled`]), or at any moment — also while nothing is being sent (a silent container,
//!   a wait) — by cancelling the [`Cancel`] token the sink carries;
//! - a stopped call returns promptly with that error (`ErrorKind::Canceled` for a cancellation),
//!   leaves nothing half-made (a build's intermediate container, a half-loaded image, a partial
//!   output file), and leaves no thread of its own running.

use crate::error::{Error, Result};
use crate::types::{JsonMessage, Stats};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, OwnedFd};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// One piece of a long operation's output.
#[derive(Debug, Clone, Copy)]
pub enum Output<'a> {
    /// Bytes a container (or exec) process wrote to its stdout (or its terminal).
    Stdout(&'a [u8]),
    /// Bytes a container (or exec) process wrote to its stderr.
    Stderr(&'a [u8]),
    /// A progress or status message (Docker's jsonmessage: build steps, import/load progress).
    Message(&'a JsonMessage),
    /// A stats sample (`GET /containers/{id}/stats`).
    Stats(&'a Stats),
}

impl Output<'_> {
    /// stdcopy's stream number: 1 stdout, 2 stderr (0 for the others).
    pub fn stream(&self) -> u8 {
        match self {
            Output::Stdout(_) => 1,
            Output::Stderr(_) => 2,
            _ => 0,
        }
    }
}

/// Where a long operation's output goes.
pub trait Sink {
    /// Take one piece of output. An error stops the operation, which returns that error.
    fn send(&mut self, out: Output<'_>) -> Result<()>;

    /// The token that stops the operation while it sends nothing. `None`: only `send` can stop it.
    fn cancel(&self) -> Option<&Cancel> {
        None
    }
}

/// Any `FnMut(Output) -> Result<()>` is a sink without a token.
impl<F: FnMut(Output<'_>) -> Result<()>> Sink for F {
    fn send(&mut self, out: Output<'_>) -> Result<()> {
        self(out)
    }
}

/// What a caller feeds to a container's (or an exec's) stdin.
pub enum Stdin {
    /// A file descriptor (a terminal, a socket, a pipe): polled beside the output, so the call
    /// needs no thread and ends as soon as the process does. EOF closes the process's stdin.
    Fd(OwnedFd),
    /// Any reader (bytes in memory, a file): copied by a thread of the call, which ends with the
    /// call — so it must reach EOF or fail; for anything that may block forever, give an fd.
    Reader(Box<dyn std::io::Read + Send>),
}

impl std::fmt::Debug for Stdin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Stdin::Fd(fd) => write!(f, "Stdin::Fd({})", fd.as_raw_fd()),
            Stdin::Reader(_) => f.write_str("Stdin::Reader"),
        }
    }
}

/// A sink that keeps nothing and never stops the operation.
pub struct Discard;

impl Sink for Discard {
    fn send(&mut self, _: Output<'_>) -> Result<()> {
        Ok(())
    }
}

/// A sink plus the token that stops the operation: `WithCancel(|o| …, &token)`.
pub struct WithCancel<'c, S>(pub S, pub &'c Cancel);

impl<S: Sink> Sink for WithCancel<'_, S> {
    fn send(&mut self, out: Output<'_>) -> Result<()> {
        self.1.check()?;
        self.0.send(out)
    }
    fn cancel(&self) -> Option<&Cancel> {
        Some(self.1)
    }
}

/// Send a progress message (the common case of the image and build code).
pub fn message(sink: &mut dyn Sink, m: &JsonMessage) -> Result<()> {
    sink.send(Output::Message(m))
}

/// Is the sink's token cancelled? As an error, for `?`.
pub fn check(sink: &dyn Sink) -> Result<()> {
    sink.cancel().map_or(Ok(()), Cancel::check)
}

/// A writer that fails with `Canceled` once the token is cancelled: how `save` and `export`,
/// whose output is a byte stream rather than a sink's pieces, stop (checked at every write).
pub struct CancelWriter<'c, W: ?Sized> {
    inner: &'c mut W,
    cancel: Option<&'c Cancel>,
}

impl<'c, W: std::io::Write + ?Sized> CancelWriter<'c, W> {
    pub fn new(inner: &'c mut W, cancel: Option<&'c Cancel>) -> Self {
        CancelWriter { inner, cancel }
    }
}

impl<W: std::io::Write + ?Sized> std::io::Write for CancelWriter<'_, W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if let Some(c) = self.cancel {
            c.check()?;
        }
        self.inner.write(buf)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// A cancellation token, shared by clones: once [`Cancel::cancel`] is called, every operation
/// watching it stops. Its [`Cancel::fd`] (an eventfd) becomes readable at that moment, so blocking
/// waits `poll` it beside what they wait on and wake at once; cost: one fd per token.
#[derive(Clone, Debug)]
pub struct Cancel(Arc<Inner>);

#[derive(Debug)]
struct Inner {
    canceled: AtomicBool,
    event: OwnedFd,
}

impl Cancel {
    pub fn new() -> Result<Cancel> {
        // SAFETY: eventfd returns a new fd or -1.
        let fd = unsafe { libc::eventfd(0, libc::EFD_CLOEXEC | libc::EFD_NONBLOCK) };
        if fd < 0 {
            return Err(Error::io("eventfd", std::io::Error::last_os_error()));
        }
        // SAFETY: we own the new fd.
        let event = unsafe { OwnedFd::from_raw_fd(fd) };
        Ok(Cancel(Arc::new(Inner { canceled: AtomicBool::new(false), event })))
    }

    /// Stop every operation watching this token. Idempotent; callable from any thread.
    pub fn cancel(&self) {
        if !self.0.canceled.swap(true, Ordering::SeqCst) {
            let one = 1u64.to_ne_bytes();
            // SAFETY: an 8-byte write to our eventfd.
            unsafe { libc::write(self.0.event.as_raw_fd(), one.as_ptr().cast(), 8) };
        }
    }

    pub fn is_canceled(&self) -> bool {
        self.0.canceled.load(Ordering::SeqCst)
    }

    /// `Err(Canceled)` once cancelled.
    pub fn check(&self) -> Result<()> {
        if self.is_canceled() {
            Err(Error::canceled())
        } else {
            Ok(())
        }
    }

    /// Readable once cancelled (it stays readable).
    pub fn fd(&self) -> BorrowedFd<'_> {
        self.0.event.as_fd()
    }
}

/// What [`wait_readable`] saw.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ready {
    /// The fd is readable (or hung up: a read will say which).
    Readable,
    TimedOut,
}

/// Block until `fd` is readable, `timeout` passes, or `cancel` is cancelled (→ `Canceled`).
pub fn wait_readable(fd: BorrowedFd<'_>, cancel: Option<&Cancel>, timeout: Option<Duration>) -> Result<Ready> {
    let mut fds = [
        libc::pollfd { fd: fd.as_raw_fd(), events: libc::POLLIN, revents: 0 },
        libc::pollfd { fd: cancel.map_or(-1, |c| c.fd().as_raw_fd()), events: libc::POLLIN, revents: 0 },
    ];
    let deadline = timeout.map(|t| std::time::Instant::now() + t);
    loop {
        if let Some(c) = cancel {
            c.check()?;
        }
        let ms = match deadline {
            None => -1,
            Some(d) => d.saturating_duration_since(std::time::Instant::now()).as_millis().min(i32::MAX as u128) as i32,
        };
        // SAFETY: a valid array of two pollfds (a negative fd is ignored by poll).
        let n = unsafe { libc::poll(fds.as_mut_ptr(), 2, ms) };
        if n < 0 {
            let e = std::io::Error::last_os_error();
            if e.kind() == std::io::ErrorKind::Interrupted {
                continue;
            }
            return Err(Error::io("poll", e));
        }
        if fds[1].revents != 0 {
            return Err(Error::canceled());
        }
        if fds[0].revents != 0 {
            return Ok(Ready::Readable);
        }
        if n == 0 && deadline.is_some() {
            return Ok(Ready::TimedOut);
        }
    }
}

/// Sleep for `d` unless `cancel` is cancelled first (→ `Canceled`).
pub fn sleep(d: Duration, cancel: Option<&Cancel>) -> Result<()> {
    match cancel {
        None => {
            std::thread::sleep(d);
            Ok(())
        }
        Some(c) => {
            // The token's own fd never becomes readable by itself before the deadline unless
            // cancelled, so waiting on it is a cancellable sleep.
            let mut fds = [libc::pollfd { fd: c.fd().as_raw_fd(), events: libc::POLLIN, revents: 0 }];
            let ms = d.as_millis().min(i32::MAX as u128) as i32;
            // SAFETY: a valid pollfd.
            unsafe { libc::poll(fds.as_mut_ptr(), 1, ms) };
            c.check()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;

    #[test]
    fn cancel_wakes_a_blocked_wait_at_once() {
        let (r, _w) = std::os::unix::net::UnixStream::pair().unwrap();
        let c = Cancel::new().unwrap();
        let c2 = c.clone();
        let t = std::time::Instant::now();
        std::thread::scope(|s| {
            s.spawn(move || {
                std::thread::sleep(Duration::from_millis(50));
                c2.cancel();
            });
            let e = wait_readable(r.as_fd(), Some(&c), None).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::Canceled);
        });
        assert!(t.elapsed() < Duration::from_secs(2));
        assert!(c.is_canceled());
        assert_eq!(sleep(Duration::from_secs(30), Some(&c)).unwrap_err().kind(), ErrorKind::Canceled);
    }

    #[test]
    fn readable_and_timeout() {
        use std::io::Write;
        let (r, mut w) = std::os::unix::net::UnixStream::pair().unwrap();
        assert_eq!(wait_readable(r.as_fd(), None, Some(Duration::from_millis(10))).unwrap(), Ready::TimedOut);
        w.write_all(b"x").unwrap();
        assert_eq!(wait_readable(r.as_fd(), None, Some(Duration::from_secs(5))).unwrap(), Ready::Readable);
    }

    #[test]
    fn closures_and_with_cancel_are_sinks() {
        let mut got = Vec::new();
        let mut s = |o: Output<'_>| {
            if let Output::Stdout(b) = o {
                got.extend_from_slice(b);
            }
            Ok(())
        };
        s.send(Output::Stdout(b"hi")).unwrap();
        let c = Cancel::new().unwrap();
        let mut w = WithCancel(&mut s, &c);
        w.send(Output::Stdout(b"!")).unwrap();
        c.cancel();
        assert_eq!(w.send(Output::Stdout(b"?")).unwrap_err().kind(), ErrorKind::Canceled);
        assert!(check(&w).is_err());
        drop(w);
        assert_eq!(got, b"hi!");
    }
}
