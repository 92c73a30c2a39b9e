//! Relaying a process's stdio between its monitor and the caller: stdcopy frames from the monitor
//! (a container's `monitor.sock`, an exec monitor's stdout) to the caller's [`Sink`], and the
//! caller's [`Stdin`] back, until the process ends, the sink says stop, or the sink's token is
//! cancelled. One `poll` loop on the calling thread; a stdin given as a reader is copied by a
//! scoped thread that ends with the call, so no thread outlives it.

use crate::error::{Error, Result};
use crate::runtime::protocol::{self, Reply};
use crate::stream::{Output, Sink, Stdin};
use std::io::{Read, Write};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd, RawFd};

/// Relay until the end of the stream. `from` carries frames; `to` (when the caller gives stdin)
/// takes the caller's bytes and is shut down (socket) or closed (pipe) at the caller's EOF.
/// Returns the reply of the closing EXIT frame, or `None` if the stream just ended.
pub(crate) fn relay(
    from: &OwnedFd,
    to: Option<OwnedFd>,
    stdin: Option<Stdin>,
    sink: &mut dyn Sink,
) -> Result<Option<Reply>> {
    set_nonblocking(from.as_raw_fd(), true);
    match (stdin, to) {
        (Some(Stdin::Reader(input)), Some(to)) => {
            let done = std::sync::atomic::AtomicBool::new(false);
            std::thread::scope(|s| {
                let copier = s.spawn(|| copy_reader(input, &to, &done));
                let r = frames(from, None, sink);
                // Ends a copier blocked on a full socket; one blocked reading its input ends
                // when that input does (see `Stdin::Reader`).
                done.store(true, std::sync::atomic::Ordering::SeqCst);
                shutdown(to.as_raw_fd(), libc::SHUT_RDWR);
                let _ = copier.join();
                r
            })
        }
        (Some(Stdin::Fd(input)), Some(to)) => {
            frames(from, Some(FdStdin { input, to: Some(to), pending: Vec::new() }), sink)
        }
        _ => frames(from, None, sink),
    }
}

struct FdStdin {
    input: OwnedFd,
    /// `None` once the caller's stdin reached EOF (and the process's was closed).
    to: Option<OwnedFd>,
    pending: Vec<u8>,
}

fn frames(from: &OwnedFd, mut stdin: Option<FdStdin>, sink: &mut dyn Sink) -> Result<Option<Reply>> {
    if let Some(s) = &stdin {
        if let Some(to) = &s.to {
            set_nonblocking(to.as_raw_fd(), true);
        }
    }
    let cancel_fd = sink.cancel().map_or(-1, |c| c.fd().as_raw_fd());
    let mut buf: Vec<u8> = Vec::with_capacity(64 * 1024);
    let mut chunk = vec![0u8; 64 * 1024];
    loop {
        let (in_fd, out_fd) = match &stdin {
            Some(FdStdin { input, to: Some(_), pending }) if pending.is_empty() => (input.as_raw_fd(), -1),
            Some(FdStdin { to: Some(to), .. }) => (-1, to.as_raw_fd()),
            _ => (-1, -1),
        };
        let mut fds = [
            libc::pollfd { fd: from.as_raw_fd(), events: libc::POLLIN, revents: 0 },
            libc::pollfd { fd: cancel_fd, events: libc::POLLIN, revents: 0 },
            libc::pollfd { fd: in_fd, events: libc::POLLIN, revents: 0 },
            libc::pollfd { fd: out_fd, events: libc::POLLOUT, revents: 0 },
        ];
        // SAFETY: a valid array of pollfds (negative fds are ignored).
        if unsafe { libc::poll(fds.as_mut_ptr(), fds.len() as libc::nfds_t, -1) } < 0 {
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
            match read_some(from.as_fd(), &mut chunk) {
                Ok(0) => return Ok(None),
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
                Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => return Ok(None),
                Err(e) => return Err(Error::io("read from the monitor", e)),
            }
            let mut at = 0;
            while let Some((stream, payload)) = next_frame(&buf[at..]) {
                at += 8 + payload.len();
                match stream {
                    protocol::EXIT => {
                        return Ok(Some(serde_json::from_slice(payload).unwrap_or_default()));
                    }
                    protocol::STDERR => sink.send(Output::Stderr(payload))?,
                    _ => sink.send(Output::Stdout(payload))?,
                }
            }
            buf.drain(..at);
        }
        if let Some(s) = &mut stdin {
            if fds[2].revents != 0 {
                match read_some(s.input.as_fd(), &mut chunk) {
                    Ok(n) if n > 0 => s.pending.extend_from_slice(&chunk[..n]),
                    Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
                    // EOF (or a broken stdin): the process's stdin closes.
                    _ => {
                        if let Some(to) = s.to.take() {
                            shutdown(to.as_raw_fd(), libc::SHUT_WR);
                        }
                    }
                }
            }
            if fds[3].revents != 0 {
                if let Some(to) = &s.to {
                    match rustix::io::write(to, &s.pending) {
                        Ok(n) => {
                            s.pending.drain(..n);
                        }
                        Err(rustix::io::Errno::AGAIN) | Err(rustix::io::Errno::INTR) => {}
                        // The process's stdin is gone: what the caller types goes nowhere.
                        Err(_) => {
                            s.pending.clear();
                            s.to = None;
                        }
                    }
                }
            }
        }
    }
}

/// `[stream, 0, 0, 0, len u32 BE] payload` at the start of `b`, if complete.
fn next_frame(b: &[u8]) -> Option<(u8, &[u8])> {
    if b.len() < 8 {
        return None;
    }
    let len = u32::from_be_bytes([b[4], b[5], b[6], b[7]]) as usize;
    b.get(8..8 + len).map(|p| (b[0], p))
}

fn read_some(fd: BorrowedFd<'_>, buf: &mut [u8]) -> std::io::Result<usize> {
    loop {
        match rustix::io::read(fd, &mut *buf) {
            Err(rustix::io::Errno::INTR) => continue,
            r => return r.map_err(std::io::Error::from),
        }
    }
}

/// The thread of a `Stdin::Reader`: copy until EOF, then shut the process's stdin.
fn copy_reader(mut input: Box<dyn Read + Send>, to: &OwnedFd, done: &std::sync::atomic::AtomicBool) {
    let mut buf = [0u8; 32 * 1024];
    let mut out = std::fs::File::from(to.try_clone().expect("dup the stdin socket"));
    loop {
        let n = match input.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        let mut data = &buf[..n];
        while !data.is_empty() {
            if done.load(std::sync::atomic::Ordering::SeqCst) {
                return;
            }
            match out.write(data) {
                Ok(k) => data = &data[k..],
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => wait_writable(to.as_raw_fd()),
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(_) => return,
            }
        }
    }
    shutdown(to.as_raw_fd(), libc::SHUT_WR);
}

fn wait_writable(fd: RawFd) {
    let mut p = [libc::pollfd { fd, events: libc::POLLOUT, revents: 0 }];
    // SAFETY: a valid pollfd; 100 ms so that `done` is looked at again.
    unsafe { libc::poll(p.as_mut_ptr(), 1, 100) };
}

/// Half-close a socket (a pipe is closed by dropping it; ENOTSOCK is ignored).
fn shutdown(fd: RawFd, how: libc::c_int) {
    // SAFETY: shutdown on an fd we own.
    unsafe { libc::shutdown(fd, how) };
}

pub(crate) fn set_nonblocking(fd: RawFd, on: bool) {
    // SAFETY: fcntl flag update on an fd we own.
    unsafe {
        let fl = libc::fcntl(fd, libc::F_GETFL);
        let fl = if on { fl | libc::O_NONBLOCK } else { fl & !libc::O_NONBLOCK };
        libc::fcntl(fd, libc::F_SETFL, fl);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stream::{Cancel, WithCancel};
    use std::os::unix::net::UnixStream;

    fn frame(stream: u8, data: &[u8]) -> Vec<u8> {
        let mut v = protocol::frame_header(stream, data.len()).to_vec();
        v.extend_from_slice(data);
        v
    }

    #[test]
    fn frames_to_the_sink_and_stdin_back() {
        let (ours, mut theirs) = UnixStream::pair().unwrap();
        let (stdin_r, mut stdin_w) = UnixStream::pair().unwrap();
        stdin_w.write_all(b"typed").unwrap();
        drop(stdin_w);
        let from: OwnedFd = ours.into();
        let to = from.try_clone().unwrap();
        let monitor = std::thread::spawn(move || {
            let mut got = Vec::new();
            theirs.read_to_end(&mut got).unwrap(); // ends at our half-close
            let mut w = &theirs;
            // Split across writes: the relay must reassemble frames.
            let mut all = frame(1, b"out");
            all.extend(frame(2, b"err"));
            all.extend(frame(protocol::EXIT, br#"{"StatusCode":3}"#));
            for piece in all.chunks(5) {
                w.write_all(piece).unwrap();
                std::thread::sleep(std::time::Duration::from_millis(2));
            }
            got
        });
        let mut out = Vec::new();
        let mut sink = |o: Output<'_>| {
            out.push((
                o.stream(),
                match o {
                    Output::Stdout(b) | Output::Stderr(b) => b.to_vec(),
                    _ => vec![],
                },
            ));
            Ok(())
        };
        let reply = relay(&from, Some(to), Some(Stdin::Fd(stdin_r.into())), &mut sink).unwrap().unwrap();
        assert_eq!(reply.status_code, Some(3));
        assert_eq!(out, [(1, b"out".to_vec()), (2, b"err".to_vec())]);
        assert_eq!(monitor.join().unwrap(), b"typed");
    }

    #[test]
    fn a_cancelled_token_ends_a_silent_stream() {
        let (ours, _theirs) = UnixStream::pair().unwrap();
        let from: OwnedFd = ours.into();
        let c = Cancel::new().unwrap();
        let c2 = c.clone();
        let t = std::thread::spawn(move || {
            std::thread::sleep(std::time::Duration::from_millis(50));
            c2.cancel();
        });
        let e = relay(&from, None, None, &mut WithCancel(crate::stream::Discard, &c)).unwrap_err();
        assert_eq!(e.kind(), crate::ErrorKind::Canceled);
        t.join().unwrap();
    }
}
