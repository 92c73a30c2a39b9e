//! The monitor's event loop: container output → json-file log and attached clients; client
//! requests (attach, resize, kill, stop, wait); the exit; the restart policy's backoff.
//! One thread, one `poll`; clients that read too slowly are dropped, never waited for.

use super::logs::JsonLog;
use super::Run;
use crate::runtime::protocol::{self, Reply, Request};
use crate::runtime::spec::Spec;
use crate::runtime::state::{State, Status};
use std::io::{Read, Write};
use std::os::fd::{AsFd, AsRawFd, OwnedFd, RawFd};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// A client's unsent output beyond this is a client too slow to keep: it is dropped.
const MAX_CLIENT_BACKLOG: usize = 8 << 20;
/// Stdin waiting for the container to read it; beyond this we stop reading from clients.
const MAX_STDIN_BACKLOG: usize = 1 << 20;
const INITIAL_BACKOFF: Duration = Duration::from_millis(100);
const MAX_BACKOFF: Duration = Duration::from_secs(60);
/// A run that lasted this long resets the backoff (Docker's rule).
const BACKOFF_RESET_AFTER: Duration = Duration::from_secs(10);

struct Client {
    sock: UnixStream,
    stdout: bool,
    stderr: bool,
    stdin: bool,
    out: Vec<u8>,
    /// The client's write side is closed (stdin EOF).
    read_closed: bool,
    dead: bool,
}

pub(super) struct Supervisor<'a> {
    spec: &'a Spec,
    dir: PathBuf,
    pub state: State,
    log: JsonLog,
    listener: UnixListener,
    sigfd: OwnedFd,
    clients: Vec<Client>,
    waiters: Vec<UnixStream>,
    /// Tokens of clients registered before the start that have connected (see `runtime::clients`).
    connected: Vec<String>,
    run_log_offset: u64,
    backoff: Duration,
    started: Instant,
    last_code: i32,
}

impl<'a> Supervisor<'a> {
    pub fn new(spec: &'a Spec, state: State) -> crate::Result<Supervisor<'a>> {
        use crate::error::IoContext;
        let dir = spec.state_dir.clone();
        // SAFETY: signal mask manipulation in a single-threaded process.
        let sigfd = unsafe {
            let mut set: libc::sigset_t = std::mem::zeroed();
            libc::sigemptyset(&mut set);
            for s in [libc::SIGCHLD, libc::SIGTERM, libc::SIGINT, libc::SIGHUP] {
                libc::sigaddset(&mut set, s);
            }
            libc::sigprocmask(libc::SIG_BLOCK, &set, std::ptr::null_mut());
            let mut chld: libc::sigset_t = std::mem::zeroed();
            libc::sigemptyset(&mut chld);
            libc::sigaddset(&mut chld, libc::SIGCHLD);
            let fd = libc::signalfd(-1, &chld, libc::SFD_CLOEXEC | libc::SFD_NONBLOCK);
            if fd < 0 {
                return Err(crate::Error::io("signalfd", std::io::Error::last_os_error()));
            }
            <OwnedFd as std::os::fd::FromRawFd>::from_raw_fd(fd)
        };
        let sock = super::socket_path(&dir);
        let _ = std::fs::remove_file(&sock);
        // The socket is created 0600 (umask), never wider for an instant, under a temporary name
        // and renamed once it listens: whoever sees `monitor.sock` can connect (a client waiting
        // for the start watches for the name; between bind and listen it would be refused).
        // SAFETY: umask is process-wide and we are single-threaded.
        let old = unsafe { libc::umask(0o177) };
        let listener = super::with_socket_addr(&dir, |addr| {
            let tmp = addr.with_file_name("monitor.sock.new");
            let _ = std::fs::remove_file(&tmp);
            let l = UnixListener::bind(&tmp)?;
            std::fs::rename(&tmp, addr)?;
            Ok(l)
        });
        // SAFETY: restoring the previous umask.
        unsafe { libc::umask(old) };
        let listener = listener.ctx("bind monitor.sock")?;
        listener.set_nonblocking(true).ctx("monitor.sock")?;
        let log = JsonLog::open(&spec.log_path).ctx("open the container log")?;
        Ok(Supervisor {
            spec,
            dir,
            state,
            log,
            listener,
            sigfd,
            clients: Vec::new(),
            waiters: Vec::new(),
            connected: Vec::new(),
            run_log_offset: 0,
            backoff: INITIAL_BACKOFF,
            started: Instant::now(),
            last_code: 0,
        })
    }

    pub fn save(&self) {
        let _ = self.state.save(&self.dir);
    }

    /// Serve one run until the container's init exits; returns its exit code.
    pub fn supervise(&mut self, mut run: Run) -> i32 {
        self.started = Instant::now();
        self.run_log_offset = self.log.offset;
        let mut stdin_backlog: Vec<u8> = Vec::new();
        let mut stdout_open = true;
        let mut stderr_open = run.stderr.is_some();
        let mut kill_at: Option<Instant> = None;
        let mut status: Option<i32> = None;
        let mut buf = vec![0u8; 64 * 1024];

        while status.is_none() {
            let mut fds: Vec<libc::pollfd> = Vec::new();
            let pfd = |fd: RawFd, events: i16| libc::pollfd { fd, events, revents: 0 };
            fds.push(pfd(self.sigfd.as_raw_fd(), libc::POLLIN));
            fds.push(pfd(self.listener.as_raw_fd(), libc::POLLIN));
            fds.push(pfd(if stdout_open { run.stdout.as_raw_fd() } else { -1 }, libc::POLLIN));
            fds.push(pfd(
                if stderr_open { run.stderr.as_ref().map_or(-1, |f| f.as_raw_fd()) } else { -1 },
                libc::POLLIN,
            ));
            let stdin_fd = run.stdin.as_ref().map_or(-1, |f| f.as_raw_fd());
            fds.push(pfd(if stdin_backlog.is_empty() { -1 } else { stdin_fd }, libc::POLLOUT));
            let base = fds.len();
            for c in &self.clients {
                let mut ev = 0;
                if c.stdin && !c.read_closed && stdin_backlog.len() < MAX_STDIN_BACKLOG {
                    ev |= libc::POLLIN;
                }
                if !c.out.is_empty() {
                    ev |= libc::POLLOUT;
                }
                fds.push(pfd(c.sock.as_raw_fd(), ev));
            }
            let timeout = kill_at.map_or(-1, |t| t.saturating_duration_since(Instant::now()).as_millis() as i32);
            // SAFETY: a valid array of pollfds.
            let n = unsafe { libc::poll(fds.as_mut_ptr(), fds.len() as libc::nfds_t, timeout) };
            if n < 0 {
                continue; // EINTR
            }
            if kill_at.is_some_and(|t| Instant::now() >= t) {
                // SAFETY: our own child; its pid cannot be reused before we reap it.
                unsafe { libc::kill(run.pid, libc::SIGKILL) };
                kill_at = None;
            }
            if fds[2].revents != 0 {
                stdout_open = self.pump(&run.stdout, protocol::STDOUT, &mut buf);
            }
            if fds[3].revents != 0 {
                if let Some(e) = &run.stderr {
                    stderr_open = self.pump(e, protocol::STDERR, &mut buf);
                }
            }
            if fds[4].revents != 0 {
                if let Some(w) = &run.stdin {
                    match rustix::io::write(w, &stdin_backlog) {
                        Ok(n) => {
                            stdin_backlog.drain(..n);
                        }
                        Err(rustix::io::Errno::AGAIN) => {}
                        Err(_) => {
                            stdin_backlog.clear();
                            run.stdin = None;
                        }
                    }
                }
            }
            for (i, c) in self.clients.iter_mut().enumerate() {
                let re = fds[base + i].revents;
                if re & libc::POLLOUT != 0 {
                    flush(c);
                }
                if re & (libc::POLLIN | libc::POLLHUP | libc::POLLERR) != 0 && c.stdin && !c.read_closed {
                    match c.sock.read(&mut buf) {
                        Ok(0) | Err(_) => {
                            c.read_closed = true;
                            if self.spec.process.stdin_once {
                                run.stdin = None;
                            }
                        }
                        Ok(n) => stdin_backlog.extend_from_slice(&buf[..n]),
                    }
                } else if re & (libc::POLLHUP | libc::POLLERR) != 0 && c.out.is_empty() && !c.stdin {
                    c.dead = true;
                }
            }
            self.clients.retain(|c| !c.dead);
            if run.stdin.is_none() {
                stdin_backlog.clear();
            }
            if fds[1].revents != 0 {
                self.accept(Some(&run), &mut kill_at);
            }
            if fds[0].revents != 0 {
                let mut si = [0u8; 128];
                while rustix::io::read(&self.sigfd, &mut si).is_ok() {}
                status = reap(run.pid);
            }
        }
        crate::trace::point("monitor: exited");
        let code = status.unwrap_or(128);
        // The init is gone; the kernel kills the rest of its pid namespace. Collect the output
        // still in the pipes, but never wait long for a straggler holding one open.
        let deadline = Instant::now() + Duration::from_millis(500);
        while (stdout_open || stderr_open) && Instant::now() < deadline {
            let mut fds = [
                libc::pollfd {
                    fd: if stdout_open { run.stdout.as_raw_fd() } else { -1 },
                    events: libc::POLLIN,
                    revents: 0,
                },
                libc::pollfd {
                    fd: if stderr_open { run.stderr.as_ref().map_or(-1, |f| f.as_raw_fd()) } else { -1 },
                    events: libc::POLLIN,
                    revents: 0,
                },
            ];
            // SAFETY: a valid pollfd array.
            if unsafe { libc::poll(fds.as_mut_ptr(), 2, 50) } <= 0 {
                continue;
            }
            if fds[0].revents != 0 {
                stdout_open = self.pump(&run.stdout, protocol::STDOUT, &mut buf);
            }
            if fds[1].revents != 0 {
                if let Some(e) = &run.stderr {
                    stderr_open = self.pump(e, protocol::STDERR, &mut buf);
                }
            }
        }
        let _ = self.log.flush_partial();
        let oom = run.cgroup.oom_killed().unwrap_or(false);
        let _ = run.cgroup.destroy();
        crate::trace::point("monitor: cgroup destroyed");
        self.record_exit(code, String::new(), oom);
        self.finish_waiters(code);
        code
    }

    /// The run ended (or never started, with `error`): record it in state.json.
    pub fn record_exit(&mut self, code: i32, error: String, oom_killed: bool) {
        self.state.status = Status::Exited;
        self.state.pid = 0;
        self.state.exit_code = code;
        self.state.error = error;
        self.state.oom_killed = oom_killed;
        self.state.finished_at = crate::types::rfc3339_nanos(std::time::SystemTime::now());
        self.save();
    }

    /// Read what the container wrote; false at EOF.
    fn pump(&mut self, fd: &OwnedFd, stream: u8, buf: &mut [u8]) -> bool {
        loop {
            match rustix::io::read(fd, &mut *buf) {
                Ok(0) => return false,
                Ok(n) => {
                    let data = &buf[..n];
                    let _ = self.log.write(stream, data);
                    let frame_stream = if self.spec.process.tty { protocol::STDOUT } else { stream };
                    for c in &mut self.clients {
                        let wants = if stream == protocol::STDERR { c.stderr } else { c.stdout };
                        if wants && !c.dead {
                            c.out.extend_from_slice(&protocol::frame_header(frame_stream, n));
                            c.out.extend_from_slice(data);
                            flush(c);
                            if c.out.len() > MAX_CLIENT_BACKLOG {
                                c.dead = true;
                            }
                        }
                    }
                    if n < buf.len() {
                        return true;
                    }
                }
                Err(rustix::io::Errno::AGAIN) | Err(rustix::io::Errno::INTR) => return true,
                Err(_) => return false,
            }
        }
    }

    /// Accept and answer one request.
    fn accept(&mut self, run: Option<&Run>, kill_at: &mut Option<Instant>) {
        while let Ok((sock, _)) = self.listener.accept() {
            let _ = sock.set_nonblocking(false);
            let _ = sock.set_read_timeout(Some(Duration::from_secs(2)));
            let Some(req) = read_request(&sock) else { continue };
            let mut reply = Reply::default();
            let pid = run.map(|r| r.pid);
            match req {
                Request::Attach { stdin, stdout, stderr, client } => {
                    self.connected.extend(client);
                    reply.log_offset = Some(self.log.offset);
                    reply.run_log_offset = Some(self.run_log_offset);
                    if write_reply(&sock, &reply) {
                        let _ = sock.set_nonblocking(true);
                        self.clients.push(Client {
                            sock,
                            stdout,
                            stderr,
                            stdin: stdin && (self.spec.process.open_stdin || self.spec.process.tty),
                            out: Vec::new(),
                            read_closed: false,
                            dead: false,
                        });
                    }
                    continue;
                }
                Request::Resize { height, width } => match run.and_then(|r| r.tty_master) {
                    Some(m) => super::resize_tty(m, height, width),
                    None => reply.error = Some("the container has no tty".into()),
                },
                Request::Kill { signal } => match pid {
                    Some(p) => {
                        self.state.stopped_by_user = true;
                        self.save();
                        // SAFETY: our own unreaped child.
                        if unsafe { libc::kill(p, signal) } != 0 {
                            reply.error = Some(format!("kill: {}", std::io::Error::last_os_error()));
                        }
                    }
                    None => reply.error = Some(format!("container {} is not running", self.spec.id)),
                },
                Request::Stop { signal, timeout } => {
                    self.state.stopped_by_user = true;
                    self.save();
                    if let Some(p) = pid {
                        // SAFETY: as above.
                        unsafe { libc::kill(p, signal) };
                        if timeout >= 0 {
                            let t = Instant::now() + Duration::from_secs(timeout as u64);
                            *kill_at = Some(kill_at.map_or(t, |k| k.min(t)));
                        }
                        self.waiters.push(sock);
                    } else {
                        reply.status_code = Some(self.last_code);
                        write_reply(&sock, &reply);
                    }
                    continue;
                }
                Request::Wait { client } => {
                    self.connected.extend(client);
                    self.waiters.push(sock);
                    continue;
                }
                Request::ResizeExec { .. } => reply.error = Some("not an exec monitor".into()),
            }
            write_reply(&sock, &reply);
        }
    }

    /// Before the first exec: serve requests until every client that registered before the
    /// start (attach and wait calls made before `start`) has connected, has died, or `timeout`
    /// has passed. Nobody registered (the common case): no wait at all.
    pub fn wait_for_clients(&mut self, timeout: Duration) {
        let until = Instant::now() + timeout;
        let mut kill_at = None;
        loop {
            let missing =
                super::super::clients::pending(&self.dir).into_iter().filter(|t| !self.connected.contains(t)).count();
            if missing == 0 || Instant::now() >= until {
                return;
            }
            let mut fds = [libc::pollfd { fd: self.listener.as_raw_fd(), events: libc::POLLIN, revents: 0 }];
            // A client that dies while we wait frees us at the next look (every 50 ms at most).
            let ms = until.saturating_duration_since(Instant::now()).as_millis().min(50) as i32;
            // SAFETY: a valid pollfd.
            if unsafe { libc::poll(fds.as_mut_ptr(), 1, ms.max(1)) } > 0 {
                self.accept(None, &mut kill_at);
            }
        }
    }

    /// Tell waiters and attached clients that the run ended with `code`.
    pub fn finish_waiters(&mut self, code: i32) {
        self.last_code = code;
        let reply = Reply { status_code: Some(code), ..Default::default() };
        for w in self.waiters.drain(..) {
            write_reply(&w, &reply);
        }
        let exit = serde_json::to_vec(&reply).expect("reply json");
        for mut c in self.clients.drain(..) {
            c.out.extend_from_slice(&protocol::frame_header(protocol::EXIT, exit.len()));
            c.out.extend_from_slice(&exit);
            let _ = c.sock.set_nonblocking(false);
            let _ = c.sock.set_write_timeout(Some(Duration::from_secs(2)));
            let _ = c.sock.write_all(&c.out);
        }
    }

    /// Decide on a restart; if one is due, wait out the backoff (still serving requests).
    pub fn restart_wanted(&mut self, code: i32) -> bool {
        let policy = &self.spec.restart;
        if !policy.should_restart(code, self.state.restart_count, self.state.stopped_by_user) {
            return false;
        }
        if self.started.elapsed() >= BACKOFF_RESET_AFTER {
            self.backoff = INITIAL_BACKOFF;
        }
        self.state.status = Status::Restarting;
        self.save();
        let until = Instant::now() + self.backoff;
        self.backoff = (self.backoff * 2).min(MAX_BACKOFF);
        let mut kill_at = None;
        while Instant::now() < until {
            let mut fds = [libc::pollfd { fd: self.listener.as_raw_fd(), events: libc::POLLIN, revents: 0 }];
            let ms = until.saturating_duration_since(Instant::now()).as_millis() as i32;
            // SAFETY: a valid pollfd.
            if unsafe { libc::poll(fds.as_mut_ptr(), 1, ms.max(1)) } > 0 {
                self.accept(None, &mut kill_at);
                if self.state.stopped_by_user {
                    return false;
                }
            }
        }
        self.state.restart_count += 1;
        true
    }

    /// Final state: unlink the socket (requests now fall back to state.json).
    pub fn shutdown(&mut self) {
        let _ = std::fs::remove_file(super::socket_path(&self.dir));
        let reply = Reply { status_code: Some(self.last_code), ..Default::default() };
        for w in self.waiters.drain(..) {
            write_reply(&w, &reply);
        }
        let _ = self.listener.as_fd();
    }
}

fn flush(c: &mut Client) {
    while !c.out.is_empty() {
        match c.sock.write(&c.out) {
            Ok(0) => {
                c.dead = true;
                return;
            }
            Ok(n) => {
                c.out.drain(..n);
            }
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => return,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(_) => {
                c.dead = true;
                c.out.clear();
                return;
            }
        }
    }
}

fn read_request(sock: &UnixStream) -> Option<Request> {
    let mut line = Vec::new();
    let mut b = [0u8; 512];
    let mut s = sock;
    while !line.contains(&b'\n') && line.len() < 4096 {
        match s.read(&mut b) {
            Ok(0) | Err(_) => break,
            Ok(n) => line.extend_from_slice(&b[..n]),
        }
    }
    let end = line.iter().position(|&c| c == b'\n').unwrap_or(line.len());
    serde_json::from_slice(&line[..end]).ok()
}

fn write_reply(sock: &UnixStream, r: &Reply) -> bool {
    let mut line = serde_json::to_vec(r).expect("reply json");
    line.push(b'\n');
    let mut s = sock;
    s.write_all(&line).is_ok()
}

/// The exit code of `pid` if it has exited (Docker's convention: 128+n for signal n).
fn reap(pid: i32) -> Option<i32> {
    let mut st = 0;
    // SAFETY: waitpid on our own child with a valid status pointer.
    let r = unsafe { libc::waitpid(pid, &mut st, libc::WNOHANG) };
    if r != pid {
        return None;
    }
    if libc::WIFEXITED(st) {
        Some(libc::WEXITSTATUS(st))
    } else if libc::WIFSIGNALED(st) {
        Some(128 + libc::WTERMSIG(st))
    } else {
        None
    }
}
