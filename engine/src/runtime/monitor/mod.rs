//! The container monitor: a small single-threaded process per container (ARCHITECTURE.md
//! "Processes"). The engine executes it (`libdocker-monitor run <state-dir>`); it detaches, starts
//! the container (clone into new namespaces → [`super::init`]), reports the outcome on its stdout
//! (a pipe to the engine), then stays outside the container as its parent: it writes the
//! json-file log, serves `monitor.sock` (attach, resize, kill, stop, wait), records the exit in
//! `state.json`, applies the restart policy, and exits after the container.
//!
//! Liveness: the monitor holds `flock(monitor.lock)` for its whole life; anyone who can take that
//! lock knows the monitor is gone (e.g. `kill -9`), and the container with it (PDEATHSIG).

pub mod exec;
pub mod fdpass;
pub mod logs;
mod supervise;

use super::cgroups::Cgroup;
use super::init::{Init, Stdio};
use super::spec::Spec;
use super::state::{State, Status};
use crate::error::{Error, IoContext, Result};
use std::io::Write;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::path::{Path, PathBuf};

/// What the engine reads from the monitor's stdout once the first start succeeded or failed.
#[derive(serde::Serialize, serde::Deserialize, Debug, Default)]
#[serde(rename_all = "PascalCase")]
pub struct StartReport {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pid: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exit_code: Option<i32>,
    /// The `ErrorKind` name of a failed init step (a user that does not exist is the caller's
    /// error, a failed mount the system's); absent for the monitor's own failures.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
}

/// The monitor's own failures as `(message, 125)` tuples convert with `?`.
impl From<(String, i32)> for StartReport {
    fn from((message, code): (String, i32)) -> StartReport {
        StartReport::failed(message, code)
    }
}

impl StartReport {
    /// A run that could not start: 127 not found, 126 not executable, 128 an init step, 125 ours.
    pub(crate) fn failed(message: impl Into<String>, code: i32) -> StartReport {
        StartReport { error: Some(message.into()), exit_code: Some(code), ..Default::default() }
    }
    fn message(&self) -> String {
        self.error.clone().unwrap_or_else(|| "container init failed".into())
    }
    fn code(&self) -> i32 {
        self.exit_code.unwrap_or(125)
    }
}

/// What the monitor does after a container's last exit that is the container layer's business,
/// not the runtime's: implemented there (`container::remove::AutoRemove`) and handed to [`main`]
/// by the monitor binary, so that `runtime/` never imports `container/`.
pub trait AfterExit {
    /// `--rm`: take the container out of the store (out of every listing, its name free). Returns
    /// the rest of the work (deleting its files), which the monitor runs after letting go of its
    /// lock, so whoever waits for the removal goes on meanwhile; `None` if there is nothing to do.
    fn auto_remove(&self, state_dir: &Path) -> Option<Box<dyn FnOnce()>>;
}

/// `libdocker-monitor` entry point; returns the process exit code.
pub fn main(after_exit: &dyn AfterExit) -> i32 {
    let args: Vec<String> = std::env::args().collect();
    match (args.get(1).map(String::as_str), args.get(2)) {
        (Some("run"), Some(dir)) => match run(Path::new(dir), after_exit) {
            Ok(()) => 0,
            Err(e) => {
                report(&StartReport::failed(e.message(), 125));
                1
            }
        },
        (Some("exec"), Some(dir)) if args.len() == 4 => exec::main(Path::new(dir), &args[3]),
        _ => {
            eprintln!("usage: libdocker-monitor run STATE_DIR | exec STATE_DIR EXEC_ID");
            2
        }
    }
}

/// Write the start report on stdout (the engine's pipe) and detach stdout from it.
fn report(r: &StartReport) {
    let mut line = serde_json::to_vec(r).expect("report json");
    line.push(b'\n');
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(&line);
    let _ = out.flush();
    drop(out);
    redirect_to_null(1);
}

fn redirect_to_null(fd: RawFd) {
    // SAFETY: open + dup2 of /dev/null onto a standard fd.
    unsafe {
        let null = libc::open(c"/dev/null".as_ptr(), libc::O_RDWR | libc::O_CLOEXEC);
        if null >= 0 {
            libc::dup2(null, fd);
            libc::close(null);
        }
    }
}

/// One started run of the container.
pub(crate) struct Run {
    pub pid: i32,
    pub cgroup: Cgroup,
    /// Container stdout/stderr (pipes), or the pty master as stdout.
    pub stdout: OwnedFd,
    pub stderr: Option<OwnedFd>,
    /// Write end of the container's stdin (pipe) — for a tty, a dup of the master.
    pub stdin: Option<OwnedFd>,
    pub tty_master: Option<RawFd>,
    /// The init waits at the gate before `execve` (see [`super::init::Gate`]).
    go: Option<OwnedFd>,
    report: OwnedFd,
}

impl Run {
    /// Let the init exec; Err if the exec itself failed (it exited with 126/127).
    pub(crate) fn release(&mut self) -> std::result::Result<(), StartReport> {
        let Some(go) = self.go.take() else { return Ok(()) };
        crate::trace::point("monitor: release");
        let _ = rustix::io::write(&go, b"g");
        drop(go);
        let msg = read_all(&self.report);
        if msg.is_empty() {
            return Ok(());
        }
        let mut r: StartReport = serde_json::from_slice(&msg).unwrap_or_default();
        r.exit_code = Some(r.exit_code.unwrap_or(128));
        r.error = Some(r.error.unwrap_or_else(|| "exec failed".into()));
        // SAFETY: reap the child that failed to exec.
        unsafe { libc::waitpid(self.pid, std::ptr::null_mut(), 0) };
        let _ = self.cgroup.destroy();
        Err(r)
    }
}

fn read_all(fd: &OwnedFd) -> Vec<u8> {
    let mut msg = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match rustix::io::read(fd, &mut buf) {
            Ok(0) => break,
            Ok(n) => msg.extend_from_slice(&buf[..n]),
            Err(rustix::io::Errno::INTR) => continue,
            Err(_) => break,
        }
    }
    msg
}

fn run(state_dir: &Path, after_exit: &dyn AfterExit) -> Result<()> {
    crate::trace::point("monitor: main");
    let spec: Spec = serde_json::from_slice(&std::fs::read(state_dir.join("spec.json")).ctx("read spec.json")?)
        .map_err(|e| Error::internal(format!("spec.json: {e}")))?;
    daemonize()?;
    let lock = lock_monitor(state_dir)?;
    let mut state = State::load(state_dir).unwrap_or_default();
    state.monitor_pid = std::process::id() as i32;
    state.stopped_by_user = false;
    let mut sup = supervise::Supervisor::new(&spec, state)?;

    let mut first = true;
    loop {
        match start(&spec) {
            Ok(mut run) => {
                // Recorded before anyone is told: whoever sees the start sees it running.
                sup.state.status = Status::Running;
                sup.state.pid = run.pid;
                sup.state.error.clear();
                sup.state.oom_killed = false;
                sup.state.exit_code = 0;
                sup.state.started_at = crate::types::rfc3339_nanos(std::time::SystemTime::now());
                sup.state.finished_at = super::state::ZERO_TIME.into();
                sup.save();
                if first {
                    report(&StartReport { pid: Some(run.pid), ..Default::default() });
                    sup.wait_for_clients(std::time::Duration::from_secs(10));
                    first = false;
                }
                if let Err(failed) = run.release() {
                    let code = failed.code();
                    sup.record_exit(code, failed.message(), false);
                    sup.finish_waiters(code);
                    if !sup.restart_wanted(code) {
                        break;
                    }
                    continue;
                }
                trim_resident();
                let code = sup.supervise(run);
                if !sup.restart_wanted(code) {
                    break;
                }
            }
            Err(failed) => {
                let code = failed.code();
                sup.record_exit(code, failed.message(), false);
                if first {
                    report(&failed);
                    sup.finish_waiters(code);
                    break;
                }
                // A restart that fails to start counts as an exit of the run.
                sup.finish_waiters(code);
                if !sup.restart_wanted(code) {
                    break;
                }
            }
        }
    }
    crate::trace::point("monitor: shutdown");
    sup.shutdown();
    if spec.auto_remove {
        if let Some(rest) = after_exit.auto_remove(state_dir) {
            // Removed: whoever waits for that may go on while the files are deleted.
            drop(lock);
            crate::trace::point("monitor: removed");
            rest();
            return Ok(());
        }
    }
    // The kernel releases the lock as the process exits (after its memory is gone), so whoever
    // waits on the lock never sees this process still alive afterwards.
    crate::trace::point("monitor: exit");
    std::mem::forget(lock);
    Ok(())
}

/// Leave the engine's process tree: the engine reaps our parent at once; we live on, reparented.
fn daemonize() -> Result<()> {
    // SAFETY: single-threaded at this point; fork then setsid.
    unsafe {
        match libc::fork() {
            -1 => return Err(Error::io("fork", std::io::Error::last_os_error())),
            0 => {}
            _ => libc::_exit(0),
        }
        libc::setsid();
    }
    redirect_to_null(0);
    redirect_to_null(2);
    Ok(())
}

fn lock_monitor(dir: &Path) -> Result<std::fs::File> {
    let f = super::launch::open_lock_file(dir)?;
    rustix::fs::flock(&f, rustix::fs::FlockOperation::NonBlockingLockExclusive)
        .map_err(|_| Error::conflict("the container already has a monitor"))?;
    Ok(f)
}

fn pipe() -> Result<(OwnedFd, OwnedFd)> {
    rustix::pipe::pipe_with(rustix::pipe::PipeFlags::CLOEXEC).ctx("pipe")
}

/// Start one run: cgroup, stdio, clone into new namespaces, wait until exec succeeded.
/// Err = (message, exit code for the state: 127 not found, 126 not executable, else 125/128).
fn start(spec: &Spec) -> std::result::Result<Run, StartReport> {
    crate::trace::point("monitor: start");
    let Some(resources) = &spec.cgroup else { return Err(StartReport::failed("no cgroup in spec", 125)) };
    let seccomp = match &spec.process.seccomp {
        Some(p) => {
            let bytes = std::fs::read(p).map_err(|e| (format!("read seccomp program: {e}"), 125))?;
            Some(
                crate::runtime::seccomp::Program::from_bytes(&bytes)
                    .map_err(|e| (format!("seccomp program: {e}"), 125))?,
            )
        }
        None => None,
    };
    let p = &spec.process;
    let io_err = |what: &'static str| move |e: Error| (format!("{what}: {e}"), 125);
    let (cgroups_r, cgroups_w) = pipe().map_err(io_err("cgroup pipe"))?;
    let mut init = Init { spec, cgroup_paths: Some(cgroups_r), seccomp, gate: None };
    let (report_r, report_w) = pipe().map_err(io_err("report pipe"))?;
    let (go_r, go_w) = pipe().map_err(io_err("gate pipe"))?;
    let (child_stdio, stdout, stderr, stdin, console) = if p.tty {
        let (a, b) = rustix::net::socketpair(
            rustix::net::AddressFamily::UNIX,
            rustix::net::SocketType::STREAM,
            rustix::net::SocketFlags::CLOEXEC,
            None,
        )
        .map_err(|e| (format!("socketpair: {e}"), 125))?;
        (Stdio::Tty { console_socket: b }, None, None, None, Some(a))
    } else {
        let (out_r, out_w) = pipe().map_err(io_err("stdout pipe"))?;
        let (err_r, err_w) = pipe().map_err(io_err("stderr pipe"))?;
        let (in_r, in_w) = if p.open_stdin {
            let (r, w) = pipe().map_err(io_err("stdin pipe"))?;
            (r, Some(w))
        } else {
            let null = rustix::fs::open(
                "/dev/null",
                rustix::fs::OFlags::RDONLY | rustix::fs::OFlags::CLOEXEC,
                rustix::fs::Mode::empty(),
            )
            .map_err(|e| (format!("open /dev/null: {e}"), 125))?;
            (null, None)
        };
        (Stdio::Pipes { stdin: in_r, stdout: out_w, stderr: err_w }, Some(out_r), Some(err_r), in_w, None)
    };

    let mut flags = libc::CLONE_NEWNS as u64 | libc::SIGCHLD as u64;
    if spec.namespaces.pid {
        flags |= libc::CLONE_NEWPID as u64;
    }
    if spec.namespaces.uts {
        flags |= libc::CLONE_NEWUTS as u64;
    }
    if spec.namespaces.ipc {
        flags |= libc::CLONE_NEWIPC as u64;
    }
    if spec.namespaces.net {
        flags |= libc::CLONE_NEWNET as u64;
    }
    // SAFETY: the monitor is single-threaded; clone without CLONE_VM and a NULL stack behaves like
    // fork (copy-on-write) but puts the child in new namespaces.
    let pid = unsafe { libc::syscall(libc::SYS_clone, flags, 0usize, 0usize, 0usize, 0usize) } as i32;
    if pid < 0 {
        return Err(StartReport::failed(format!("clone: {}", std::io::Error::last_os_error()), 125));
    }
    if pid == 0 {
        drop(report_r);
        drop(go_w);
        drop(cgroups_w);
        init.gate = Some(super::init::Gate { ready: report_w.as_raw_fd(), go: go_r });
        drop(console);
        drop(stdout);
        drop(stderr);
        drop(stdin);
        child(&init, child_stdio, report_w);
    }
    drop(report_w);
    drop(go_r);
    drop(child_stdio);
    init.cgroup_paths = None;

    // The init mounts the root filesystem meanwhile (on the other core): creating the cgroup and
    // joining it (a v1 join waits for an RCU grace period) overlap with that. The init needs the
    // cgroup directories only for /sys/fs/cgroup, and the cgroup itself only at exec.
    crate::trace::point("monitor: cloned");
    let joined = (|| -> Result<Cgroup> {
        let mut res = resources.clone();
        res.privileged = spec.privileged;
        // A cgroup left by a monitor that was killed is ours to replace.
        if let Ok(old) = Cgroup::open(&spec.id) {
            let _ = old.destroy();
        }
        let cgroup = Cgroup::create(&spec.id, &res)?;
        // v1: the init joins by itself (fast, see Cgroup::self_join_files); v2: we move it.
        if cgroup.self_join_files().is_none() {
            if let Err(e) = cgroup.add_process(pid) {
                let _ = cgroup.destroy();
                return Err(e.context("join the cgroup"));
            }
        }
        Ok(cgroup)
    })();
    let cgroup = match joined {
        Ok(cg) => {
            let mut lines = String::new();
            for f in cg.self_join_files().unwrap_or_default() {
                lines.push_str(&format!("join\t{}\n", f.display()));
            }
            for (dir, name) in cgroup_binds(&cg) {
                lines.push_str(&format!("bind\t{}\t{name}\n", dir.display()));
            }
            lines.push_str("end\n");
            let _ = rustix::io::write(&cgroups_w, lines.as_bytes());
            drop(cgroups_w);
            cg
        }
        Err(e) => {
            drop(cgroups_w);
            // SAFETY: kill + reap our own child.
            unsafe {
                libc::kill(pid, libc::SIGKILL);
                libc::waitpid(pid, std::ptr::null_mut(), 0);
            }
            return Err(StartReport::failed(e.message(), 125));
        }
    };
    // `R` = the init reached the gate before execve; anything else is its error report.
    crate::trace::point("monitor: joined cgroup");
    let mut first = [0u8; 1];
    let got = loop {
        match rustix::io::read(&report_r, &mut first) {
            Err(rustix::io::Errno::INTR) => continue,
            r => break r,
        }
    };
    if got != Ok(1) || first[0] != b'R' {
        let mut msg = if got == Ok(1) { first.to_vec() } else { Vec::new() };
        msg.extend(read_all(&report_r));
        let r: StartReport = serde_json::from_slice(&msg).unwrap_or_default();
        // SAFETY: reap the child that reported failure.
        unsafe { libc::waitpid(pid, std::ptr::null_mut(), 0) };
        let _ = cgroup.destroy();
        return Err(StartReport { error: Some(r.message()), exit_code: Some(r.code()), ..r });
    }
    let (stdout, stderr, stdin, tty_master) = match console {
        Some(sock) => match fdpass::recv_fd(sock.as_raw_fd()) {
            Ok(Some(master)) => {
                // SAFETY: we own the received fd.
                let m = unsafe { OwnedFd::from_raw_fd(master) };
                let input = m.try_clone().ok();
                if let Some(size) = p.console_size {
                    resize_tty(master, size[0], size[1]);
                }
                (m, None, input, Some(master))
            }
            _ => {
                // SAFETY: kill + reap our own child.
                unsafe {
                    libc::kill(pid, libc::SIGKILL);
                    libc::waitpid(pid, std::ptr::null_mut(), 0);
                }
                let _ = cgroup.destroy();
                return Err(StartReport::failed("did not receive the container's pty", 125));
            }
        },
        None => (stdout.expect("stdout pipe"), stderr, stdin, None),
    };
    for fd in [Some(&stdout), stderr.as_ref(), stdin.as_ref()].into_iter().flatten() {
        set_nonblocking(fd.as_raw_fd());
    }
    Ok(Run { pid, cgroup, stdout, stderr, stdin, tty_master, go: Some(go_w), report: report_r })
}

/// The child side of clone: never returns. If the monitor dies first, PDEATHSIG ends it (and
/// the gate before exec never opens).
fn child(init: &Init, stdio: Stdio, report_w: OwnedFd) -> ! {
    // SAFETY: async-signal-safe calls only, in a fresh single-threaded child.
    unsafe {
        // Die with the monitor: an orphaned container would have nobody to record its exit.
        libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
        // The monitor blocks signals and Rust ignores SIGPIPE: the container gets defaults.
        let mut empty: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut empty);
        libc::sigprocmask(libc::SIG_SETMASK, &empty, std::ptr::null_mut());
        for sig in [libc::SIGPIPE, libc::SIGCHLD, libc::SIGTERM, libc::SIGINT, libc::SIGHUP] {
            libc::signal(sig, libc::SIG_DFL);
        }
    }
    let e = init.run(stdio);
    let report = StartReport {
        error: Some(e.message),
        exit_code: Some(e.code),
        kind: e.kind.map(|k| k.name().into()),
        pid: None,
    };
    let mut line = serde_json::to_vec(&report).unwrap_or_default();
    line.push(b'\n');
    let _ = rustix::io::write(&report_w, &line);
    // SAFETY: as above.
    unsafe { libc::_exit(e.code) }
}

pub(crate) fn resize_tty(master: RawFd, height: u16, width: u16) {
    let ws = libc::winsize { ws_row: height, ws_col: width, ws_xpixel: 0, ws_ypixel: 0 };
    // SAFETY: TIOCSWINSZ with a valid winsize on a pty master.
    unsafe { libc::ioctl(master, libc::TIOCSWINSZ, &ws) };
}

pub(crate) fn set_nonblocking(fd: RawFd) {
    // SAFETY: fcntl flag update on an fd we own.
    unsafe {
        let fl = libc::fcntl(fd, libc::F_GETFL);
        libc::fcntl(fd, libc::F_SETFL, fl | libc::O_NONBLOCK);
    }
}

/// The container's own cgroup directories, shown read-only under /sys/fs/cgroup: one per v1
/// hierarchy (named as on the host), or the whole v2 directory.
fn cgroup_binds(cg: &Cgroup) -> Vec<(PathBuf, String)> {
    use crate::runtime::cgroups::{Hierarchy, Version};
    if cg.version() == Version::V2 {
        return cg.paths().into_iter().take(1).map(|p| (p, String::new())).collect();
    }
    let Ok(h) = Hierarchy::detect() else { return vec![] };
    let mut out: Vec<(PathBuf, String)> = Vec::new();
    for (controller, mount) in h.v1_mounts() {
        let (Some(dir), Some(name)) = (cg.path(controller), mount.file_name()) else { continue };
        let name = name.to_string_lossy().into_owned();
        if !out.iter().any(|(_, n)| *n == name) {
            out.push((dir.to_path_buf(), name));
        }
    }
    out
}

/// From here on the monitor only waits in `poll` and copies bytes: give back the pages that
/// starting the container touched (the code pages of our own executable are dropped from our
/// page tables — they stay in the page cache, shared — and free heap goes back to the kernel), so
/// each idle monitor keeps only what its loop uses. Only executable mappings: read-only data may
/// hold relocated pointers (RELRO), which refaulting from the file would undo.
fn trim_resident() {
    let Ok(maps) = std::fs::read_to_string("/proc/self/maps") else { return };
    let exe = std::fs::read_link("/proc/self/exe").map(|p| p.display().to_string()).unwrap_or_default();
    for line in maps.lines() {
        let mut f = line.split_whitespace();
        let (Some(range), Some(perms)) = (f.next(), f.next()) else { continue };
        let path = f.nth(3).unwrap_or("");
        if path != exe || !perms.contains('x') || perms.contains('w') {
            continue;
        }
        let Some((a, b)) = range.split_once('-') else { continue };
        let (Ok(start), Ok(end)) = (usize::from_str_radix(a, 16), usize::from_str_radix(b, 16)) else { continue };
        // SAFETY: read-only private file mappings refault from the file on the next access.
        unsafe { libc::madvise(start as *mut libc::c_void, end - start, libc::MADV_DONTNEED) };
    }
    // SAFETY: glibc's malloc_trim only returns free memory.
    unsafe { libc::malloc_trim(0) };
}

/// The monitor's socket of a container's state directory.
pub fn socket_path(state_dir: &Path) -> PathBuf {
    state_dir.join("monitor.sock")
}

/// Run `f` with a short path that names the monitor socket of `state_dir`: socket addresses are
/// limited to 108 bytes, state roots are not, so the path goes through an fd of the directory
/// (`/proc/self/fd/N/monitor.sock`).
pub fn with_socket_addr<T>(state_dir: &Path, f: impl FnOnce(&Path) -> std::io::Result<T>) -> std::io::Result<T> {
    let dir = rustix::fs::open(
        state_dir,
        rustix::fs::OFlags::PATH | rustix::fs::OFlags::DIRECTORY | rustix::fs::OFlags::CLOEXEC,
        rustix::fs::Mode::empty(),
    )?;
    f(Path::new(&format!("/proc/self/fd/{}/monitor.sock", dir.as_raw_fd())))
}
