//! `libdocker-monitor exec <state-dir> <exec-id>`: run one more process in a running container.
//!
//! The exec monitor joins the container's cgroup and namespaces (non-dumpable first, so no
//! container process can ptrace it or open its /proc entries: CVE-2016-9962), forks the process
//! (which runs the same tail of init as the container's first process), and relays its stdio:
//! fd 0 → the process's stdin, its output → fd 1 as stdcopy frames, ending with an EXIT frame
//! carrying `{"StatusCode": n}` (or `{"Error": …}` if it never started).
//!
//! It leaves the engine's process tree at once (its parent exits), so a caller that stops
//! listening never has a child left to reap; it records the exec's state itself (running, then
//! the exit code, written before the EXIT frame), and with a terminal serves `<exec-id>.sock`
//! for resizes.

use super::fdpass;
use crate::runtime::cgroups::Cgroup;
use crate::runtime::init::{close_extra_fds, start_process, Stdio};
use crate::runtime::protocol::{self, Reply};
use crate::runtime::spec::{ExecSpec, Spec};
use crate::runtime::state::{ExecState, State};
use std::io::Write;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::path::Path;

pub fn main(state_dir: &Path, exec_id: &str) -> i32 {
    // SAFETY: single-threaded; the parent exits and the engine reaps it at once.
    unsafe {
        match libc::fork() {
            -1 => {
                send_exit(&Reply::failed("fork", 126));
                return 126;
            }
            0 => {
                libc::setsid();
            }
            _ => libc::_exit(0),
        }
    }
    match run(state_dir, exec_id) {
        Ok(code) => code,
        Err(msg) => {
            send_exit(&Reply { error: Some(msg), status_code: Some(126), ..Default::default() });
            126
        }
    }
}

fn send_exit(r: &Reply) {
    let body = serde_json::to_vec(r).expect("reply json");
    let mut out = std::io::stdout().lock();
    let _ = protocol::write_frame(&mut out, protocol::EXIT, &body);
    let _ = out.flush();
}

fn run(state_dir: &Path, exec_id: &str) -> Result<i32, String> {
    let read_json = |name: &Path| -> Result<Vec<u8>, String> {
        std::fs::read(name).map_err(|e| format!("read {}: {e}", name.display()))
    };
    let spec: Spec = serde_json::from_slice(&read_json(&state_dir.join("spec.json"))?).map_err(|e| e.to_string())?;
    let exec: ExecSpec = serde_json::from_slice(&read_json(&state_dir.join("exec").join(format!("{exec_id}.json")))?)
        .map_err(|e| e.to_string())?;
    let state = State::load(state_dir).map_err(|e| format!("read container state: {e}"))?;
    if state.pid <= 0 {
        return Err(format!("container {} is not running", spec.id));
    }
    let seccomp = match (&spec.process.seccomp, exec.privileged) {
        (Some(p), false) => {
            let bytes = std::fs::read(p).map_err(|e| format!("read seccomp program: {e}"))?;
            Some(crate::runtime::seccomp::Program::from_bytes(&bytes).map_err(|e| format!("seccomp program: {e}"))?)
        }
        _ => None,
    };
    // The exec directory, for the state and the resize socket once we are in the container's
    // mount namespace (where the state root's paths mean nothing).
    let exec_dir = rustix::fs::open(
        state_dir.join("exec").as_path(),
        rustix::fs::OFlags::PATH | rustix::fs::OFlags::DIRECTORY | rustix::fs::OFlags::CLOEXEC,
        rustix::fs::Mode::empty(),
    )
    .map_err(|e| format!("open the exec directory: {e}"))?;
    let resize = if exec.process.tty { Some(bind_resize_socket(&exec_dir, exec_id)?) } else { None };
    // SAFETY: prctl with constant arguments.
    unsafe { libc::prctl(libc::PR_SET_DUMPABLE, 0, 0, 0, 0) };

    // Open every namespace before entering any: /proc changes meaning once we are inside.
    let mut ns: Vec<(OwnedFd, i32)> = Vec::new();
    for (name, flag) in [
        ("ipc", libc::CLONE_NEWIPC),
        ("uts", libc::CLONE_NEWUTS),
        ("net", libc::CLONE_NEWNET),
        ("pid", libc::CLONE_NEWPID),
        ("mnt", libc::CLONE_NEWNS),
    ] {
        let p = format!("/proc/{}/ns/{name}", state.pid);
        let fd = rustix::fs::open(
            p.as_str(),
            rustix::fs::OFlags::RDONLY | rustix::fs::OFlags::CLOEXEC,
            rustix::fs::Mode::empty(),
        )
        .map_err(|e| format!("open {p}: {e}"))?;
        ns.push((fd, flag));
    }
    let cgroup = Cgroup::open(&spec.id).map_err(|e| e.to_string())?;
    let joined = match cgroup.self_join_files() {
        Some(files) => crate::runtime::cgroups::join_self(&files),
        None => cgroup.add_process(std::process::id() as i32),
    };
    joined.map_err(|e| format!("join the container's cgroup: {e}"))?;
    for (fd, flag) in &ns {
        // SAFETY: setns with an fd we opened.
        if unsafe { libc::setns(fd.as_raw_fd(), *flag) } != 0 {
            return Err(format!("setns: {}", std::io::Error::last_os_error()));
        }
    }
    drop(ns);

    let p = &exec.process;
    let pipe = || rustix::pipe::pipe_with(rustix::pipe::PipeFlags::CLOEXEC).map_err(|e| format!("pipe: {e}"));
    let (report_r, report_w) = pipe()?;
    let (console_parent, console_child) = if p.tty {
        let (a, b) = rustix::net::socketpair(
            rustix::net::AddressFamily::UNIX,
            rustix::net::SocketType::STREAM,
            rustix::net::SocketFlags::CLOEXEC,
            None,
        )
        .map_err(|e| format!("socketpair: {e}"))?;
        (Some(a), Some(b))
    } else {
        (None, None)
    };
    let (out_r, out_w) = pipe()?;
    let (err_r, err_w) = pipe()?;
    let (in_r, in_w) = pipe()?;

    // SAFETY: single-threaded fork; the child only runs init's tail and execs.
    let pid = unsafe { libc::fork() };
    if pid < 0 {
        return Err(format!("fork: {}", std::io::Error::last_os_error()));
    }
    if pid == 0 {
        drop(report_r);
        drop(out_r);
        drop(err_r);
        drop(in_w);
        drop(console_parent);
        // SAFETY: async-signal-safe setup in the fresh child.
        unsafe {
            libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
            let mut empty: libc::sigset_t = std::mem::zeroed();
            libc::sigemptyset(&mut empty);
            libc::sigprocmask(libc::SIG_SETMASK, &empty, std::ptr::null_mut());
            libc::signal(libc::SIGPIPE, libc::SIG_DFL);
        }
        let _ = close_extra_fds();
        let (stdio, console) = match console_child {
            Some(sock) => match crate::runtime::init::open_pty(Path::new("/")) {
                Ok(pty) => (Stdio::Tty { console_socket: sock }, Some(pty)),
                Err(e) => child_fail(&report_w, &e.to_string(), 126),
            },
            None => (Stdio::Pipes { stdin: in_r, stdout: out_w, stderr: err_w }, None),
        };
        let e = start_process(p, &spec.hostname, stdio, console, seccomp.as_ref(), None);
        child_fail(&report_w, &e.message, e.code);
    }
    drop(report_w);
    drop(out_w);
    drop(err_w);
    drop(in_r);
    drop(console_child);

    let mut msg = Vec::new();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        match rustix::io::read(&report_r, &mut buf) {
            Ok(0) => break,
            Ok(n) => msg.extend_from_slice(&buf[..n]),
            Err(rustix::io::Errno::INTR) => continue,
            Err(e) => return Err(format!("read exec report: {e}")),
        }
    }
    if !msg.is_empty() {
        let r: super::StartReport = serde_json::from_slice(&msg).unwrap_or_default();
        let code = reap_blocking(pid);
        let code = r.exit_code.unwrap_or(code);
        save_state(&exec_dir, exec_id, &ExecState { running: false, exit_code: Some(code as i64), pid: 0 });
        send_exit(&Reply { error: r.error, status_code: Some(code), ..Default::default() });
        return Ok(code);
    }
    save_state(&exec_dir, exec_id, &ExecState { running: true, exit_code: None, pid });
    if exec.detach {
        // Started: tell the engine (an EXIT frame without a status) and run on unobserved.
        send_exit(&Reply::default());
        super::redirect_to_null(0);
        super::redirect_to_null(1);
    }
    let (output, errors, input): (OwnedFd, Option<OwnedFd>, OwnedFd) = match console_parent {
        Some(sock) => match fdpass::recv_fd(sock.as_raw_fd()) {
            // SAFETY: we own the received fd.
            Ok(Some(m)) => {
                let master = unsafe { OwnedFd::from_raw_fd(m) };
                if let Some(size) = p.console_size {
                    super::resize_tty(m, size[0], size[1]);
                }
                let input = master.try_clone().map_err(|e| e.to_string())?;
                (master, None, input)
            }
            _ => return Err("did not receive the exec's pty".into()),
        },
        None => (out_r, Some(err_r), in_w),
    };
    relay(output, errors, input, p.tty, resize.as_ref());
    let code = reap_blocking(pid);
    save_state(&exec_dir, exec_id, &ExecState { running: false, exit_code: Some(code as i64), pid: 0 });
    if let Some(_sock) = resize {
        let _ = rustix::fs::unlinkat(&exec_dir, format!("{exec_id}.sock").as_str(), rustix::fs::AtFlags::empty());
    }
    if !exec.detach {
        send_exit(&Reply { status_code: Some(code), ..Default::default() });
    }
    Ok(code)
}

fn child_fail(report: &OwnedFd, message: &str, code: i32) -> ! {
    let r = super::StartReport::failed(message, code);
    let _ = rustix::io::write(report, &serde_json::to_vec(&r).unwrap_or_default());
    // SAFETY: leave the child without running destructors.
    unsafe { libc::_exit(code) }
}

/// Write the exec's state (temp file → rename, relative to the exec directory's fd).
fn save_state(dir: &OwnedFd, exec_id: &str, s: &ExecState) {
    let name = ExecState::file_name(exec_id);
    let tmp = format!(".tmp-{name}");
    let Ok(fd) = rustix::fs::openat(
        dir,
        tmp.as_str(),
        rustix::fs::OFlags::WRONLY
            | rustix::fs::OFlags::CREATE
            | rustix::fs::OFlags::TRUNC
            | rustix::fs::OFlags::CLOEXEC,
        rustix::fs::Mode::from_raw_mode(0o600),
    ) else {
        return;
    };
    let _ = rustix::io::write(&fd, &serde_json::to_vec(s).unwrap_or_default());
    drop(fd);
    let _ = rustix::fs::renameat(dir, tmp.as_str(), dir, name.as_str());
}

/// `<exec-id>.sock` in the exec directory: resize requests for the exec's terminal.
fn bind_resize_socket(dir: &OwnedFd, exec_id: &str) -> Result<std::os::unix::net::UnixListener, String> {
    let path = format!("/proc/self/fd/{}/{exec_id}.sock", dir.as_raw_fd());
    let _ = std::fs::remove_file(&path);
    // SAFETY: umask is process-wide; the exec monitor is single-threaded.
    let old = unsafe { libc::umask(0o177) };
    let l = std::os::unix::net::UnixListener::bind(&path);
    // SAFETY: restoring the previous umask.
    unsafe { libc::umask(old) };
    let l = l.map_err(|e| format!("bind the exec's resize socket: {e}"))?;
    l.set_nonblocking(true).map_err(|e| e.to_string())?;
    Ok(l)
}

/// Answer resize requests waiting on the listener (the terminal is `master`).
fn serve_resize(l: &std::os::unix::net::UnixListener, master: RawFd) {
    use std::io::{BufRead, BufReader};
    while let Ok((sock, _)) = l.accept() {
        let _ = sock.set_nonblocking(false);
        let _ = sock.set_read_timeout(Some(std::time::Duration::from_secs(2)));
        let mut line = String::new();
        let _ = BufReader::new(&sock).read_line(&mut line);
        let mut reply = Reply::default();
        match serde_json::from_str::<protocol::Request>(line.trim()) {
            Ok(protocol::Request::ResizeExec { height, width }) => super::resize_tty(master, height, width),
            _ => reply.error = Some("bad request".into()),
        }
        let mut out = serde_json::to_vec(&reply).unwrap_or_default();
        out.push(b'\n');
        let _ = (&sock).write_all(&out);
    }
}

/// Copy our stdin to the process and its output to our stdout (framed) until its output closes.
fn relay(
    output: OwnedFd,
    errors: Option<OwnedFd>,
    input: OwnedFd,
    tty: bool,
    resize: Option<&std::os::unix::net::UnixListener>,
) {
    let mut out_open = true;
    let mut err_open = errors.is_some();
    let mut in_open = true;
    let mut input = Some(input);
    let mut buf = vec![0u8; 64 * 1024];
    let mut stdout = std::io::stdout().lock();
    while out_open || err_open {
        let mut fds = [
            libc::pollfd { fd: if out_open { output.as_raw_fd() } else { -1 }, events: libc::POLLIN, revents: 0 },
            libc::pollfd {
                fd: if err_open { errors.as_ref().map_or(-1, |e| e.as_raw_fd()) } else { -1 },
                events: libc::POLLIN,
                revents: 0,
            },
            libc::pollfd { fd: if in_open { 0 } else { -1 }, events: libc::POLLIN, revents: 0 },
            libc::pollfd { fd: resize.map_or(-1, |l| l.as_raw_fd()), events: libc::POLLIN, revents: 0 },
        ];
        // SAFETY: a valid pollfd array.
        if unsafe { libc::poll(fds.as_mut_ptr(), 4, -1) } < 0 {
            continue;
        }
        if fds[3].revents != 0 {
            if let Some(l) = resize {
                serve_resize(l, output.as_raw_fd());
            }
        }
        for (i, stream) in [(0usize, protocol::STDOUT), (1, protocol::STDERR)] {
            if fds[i].revents == 0 {
                continue;
            }
            let fd: RawFd = fds[i].fd;
            // SAFETY: reading into our buffer from an fd we own.
            let n = unsafe { libc::read(fd, buf.as_mut_ptr().cast(), buf.len()) };
            if n <= 0 {
                if i == 0 {
                    out_open = false;
                } else {
                    err_open = false;
                }
                continue;
            }
            let s = if tty { protocol::STDOUT } else { stream };
            if protocol::write_frame(&mut stdout, s, &buf[..n as usize]).and_then(|()| stdout.flush()).is_err() {
                // Nobody listens any more: keep draining so the process is not blocked.
            }
        }
        if fds[2].revents != 0 {
            // SAFETY: as above.
            let n = unsafe { libc::read(0, buf.as_mut_ptr().cast(), buf.len()) };
            if n <= 0 {
                in_open = false;
                input = None; // EOF for the process
            } else if let Some(w) = &input {
                let _ = rustix::io::write(w, &buf[..n as usize]);
            }
        }
    }
    drop(input);
}

fn reap_blocking(pid: i32) -> i32 {
    let mut st = 0;
    loop {
        // SAFETY: waitpid on our own child.
        let r = unsafe { libc::waitpid(pid, &mut st, 0) };
        if r == pid {
            break;
        }
        if r < 0 && std::io::Error::last_os_error().raw_os_error() != Some(libc::EINTR) {
            return 128;
        }
    }
    if libc::WIFEXITED(st) {
        libc::WEXITSTATUS(st)
    } else if libc::WIFSIGNALED(st) {
        128 + libc::WTERMSIG(st)
    } else {
        128
    }
}
