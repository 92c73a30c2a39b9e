//! The container's init, run in the child the monitor cloned into new namespaces: a flat list of
//! named steps (as crun/runc), each failing with its name, ending in `execve`. Single-threaded,
//! no allocation-heavy work after the pivot; errors travel back to the monitor on `report_fd`.

use super::mounts::{plan, Executor};
use super::spec::{Process, Spec};
use super::user;
use crate::error::{Error, IoContext, Result};
use crate::safefs::RootDir;
use rustix::fs::{Mode, OFlags};
use std::ffi::CString;
use std::os::fd::{AsRawFd, OwnedFd, RawFd};
use std::path::Path;

/// How the child's stdio is wired: fds already open in the child, dup'ed onto 0, 1, 2.
pub enum Stdio {
    Pipes {
        stdin: OwnedFd,
        stdout: OwnedFd,
        stderr: OwnedFd,
    },
    /// Open a pty inside the container's devpts and send its master to the monitor on this socket.
    Tty {
        console_socket: OwnedFd,
    },
}

/// Holds the process right before `execve` until the monitor says go: the monitor learns that
/// everything up to exec succeeded (a `R` byte on `ready`), can connect the first attached
/// client, and only then lets the process run, so no output is ever produced unobserved.
pub struct Gate {
    pub ready: RawFd,
    pub go: OwnedFd,
}

/// What a failed start reports (and exits with): 127 not found, 126 not executable, else 128
/// with the failed step's error kind.
pub struct InitError {
    pub message: String,
    pub code: i32,
    pub kind: Option<crate::ErrorKind>,
}

impl InitError {
    fn new(message: impl Into<String>, code: i32) -> InitError {
        InitError { message: message.into(), code, kind: None }
    }
    /// A named step failed.
    fn step(step: &str, e: Error) -> InitError {
        InitError { message: format!("{step}: {e}"), code: 128, kind: Some(e.kind()) }
    }
}

pub struct Init<'a> {
    pub spec: &'a Spec,
    /// The monitor writes the container's cgroups here once it has created them, then closes it:
    /// `join\t<tasks file>` lines (v1: the init moves itself in), `bind\t<host dir>\t<name>` lines
    /// (shown under /sys/fs/cgroup), `end`.
    pub cgroup_paths: Option<OwnedFd>,
    pub seccomp: Option<super::seccomp::Program>,
    pub gate: Option<Gate>,
}

impl Init<'_> {
    /// Set up everything and exec the container's process. Returns only on failure.
    pub fn run(&self, stdio: Stdio) -> InitError {
        let fail = InitError::step;
        // SAFETY: plain syscall; the mode of files we create must not depend on the monitor's umask.
        unsafe { libc::umask(0o022) };
        if let Err(e) = close_extra_fds() {
            return fail("close inherited fds", e);
        }
        let mut ex = Executor::new();
        let mut console: Option<(OwnedFd, OwnedFd)> = None;
        crate::trace::point("init: begin");
        let mut steps = plan(self.spec);
        let mut i = 0;
        while i < steps.len() {
            if steps[i] == super::mounts::Step::CgroupMounts {
                crate::trace::point("init: waiting for cgroups");
                let binds = match read_cgroup_paths(self.cgroup_paths.as_ref()) {
                    Ok(b) => b,
                    Err(e) => return fail("wait for the container's cgroups", e),
                };
                steps.splice(i..=i, super::mounts::cgroup_steps(&binds));
                continue;
            }
            let step = steps[i].clone();
            i += 1;
            if step == super::mounts::Step::PivotRoot {
                // The pty must come from the container's own devpts (visible inside as /dev/pts/N),
                // so it is opened between mounting /dev/pts and leaving the host's view.
                if let Stdio::Tty { .. } = &stdio {
                    match open_pty(&self.spec.rootfs.target) {
                        Ok(p) => console = Some(p),
                        Err(e) => return fail("open the container's pty", e),
                    }
                }
            }
            if let Err(e) = ex.apply(&step) {
                return fail("prepare the root filesystem", e);
            }
            if matches!(
                step,
                super::mounts::Step::Overlay { .. }
                    | super::mounts::Step::PivotRoot
                    | super::mounts::Step::Fs { fstype: "sysfs", .. }
            ) {
                crate::trace::point(match step {
                    super::mounts::Step::Overlay { .. } => "init: overlay",
                    super::mounts::Step::PivotRoot => "init: pivoted",
                    _ => "init: sysfs",
                });
            }
        }
        crate::trace::point("init: mounted");
        if let Err(e) = self.identity() {
            return fail("set hostname", e);
        }
        if self.spec.namespaces.net {
            if let Err(e) = loopback_up() {
                return fail("bring up lo", e);
            }
        }
        start_process(
            &self.spec.process,
            &self.spec.hostname,
            stdio,
            console,
            self.seccomp.as_ref(),
            self.gate.as_ref(),
        )
    }

    fn identity(&self) -> Result<()> {
        if self.spec.namespaces.uts {
            if !self.spec.hostname.is_empty() {
                rustix::system::sethostname(self.spec.hostname.as_bytes()).ctx("sethostname")?;
            }
            if !self.spec.domainname.is_empty() {
                rustix::system::setdomainname(self.spec.domainname.as_bytes()).ctx("setdomainname")?;
            }
        }
        Ok(())
    }
}

/// The part of init shared by the container's first process and `exec`: user, environment,
/// working directory, stdio, no_new_privs, seccomp, credentials, capabilities, execve.
/// `console` is the pty (master, slave) when the process has a tty.
pub fn start_process(
    p: &Process,
    hostname: &str,
    stdio: Stdio,
    console: Option<(OwnedFd, OwnedFd)>,
    seccomp: Option<&super::seccomp::Program>,
    gate: Option<&Gate>,
) -> InitError {
    let fail = InitError::step;
    crate::trace::point("init: process");
    let user = match read_user(&p.user) {
        Ok(u) => u,
        Err(e) => return InitError::new(e.message(), 126),
    };
    let env = environment(p, &user, hostname);
    if let Err(e) = enter_cwd(&p.cwd) {
        return fail("chdir to the working directory", e);
    }
    if let Err(e) = wire_stdio(stdio, console) {
        return fail("set up stdio", e);
    }
    crate::trace::point("init: user, cwd, stdio");
    let exe = match find_executable(p, &env) {
        Ok(x) => x,
        Err(e) => return e,
    };
    if p.no_new_privileges {
        // SAFETY: prctl with constant arguments.
        if unsafe { libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) } != 0 {
            return fail("set no_new_privs", Error::io("prctl", std::io::Error::last_os_error()));
        }
    }
    // The filter goes in while we are still root with all capabilities (installing needs
    // CAP_SYS_ADMIN or no_new_privs); what follows (setgroups, setres*id, capset, execve) is
    // allowed by the profile.
    if let Some(prog) = seccomp {
        if let Err(e) = super::seccomp::install(prog) {
            return fail("load the seccomp filter", Error::io("seccomp", e));
        }
    }
    if let Err(e) = switch_user(&user) {
        return fail("switch user", e);
    }
    if let Err(e) = super::caps::apply(super::caps::CapSet(p.capabilities)) {
        return fail("apply capabilities", Error::io("capabilities", e));
    }
    crate::trace::point("init: at the gate");
    if let Some(g) = gate {
        let mut b = [0u8; 1];
        // SAFETY: one-byte write to the report pipe we were given.
        unsafe { libc::write(g.ready, b"R".as_ptr().cast(), 1) };
        if !matches!(rustix::io::read(&g.go, &mut b), Ok(1)) {
            return InitError::new("the monitor went away before the start", 128);
        }
    }
    exec(&exe, &p.args, &env)
}

/// Wait for the container's cgroups (see [`Init::cgroup_paths`]), join them if asked, and return
/// the directories to show under /sys/fs/cgroup.
fn read_cgroup_paths(fd: Option<&OwnedFd>) -> Result<Vec<(std::path::PathBuf, String)>> {
    let Some(fd) = fd else { return Ok(vec![]) };
    let mut text = Vec::new();
    let mut buf = [0u8; 1024];
    loop {
        match rustix::io::read(fd, &mut buf) {
            Ok(0) => break,
            Ok(n) => text.extend_from_slice(&buf[..n]),
            Err(rustix::io::Errno::INTR) => continue,
            Err(e) => return Err(Error::io("read cgroup paths", e)),
        }
    }
    let text = String::from_utf8_lossy(&text);
    if !text.ends_with("end\n") {
        return Err(Error::internal("the monitor could not create the cgroups"));
    }
    let mut join = Vec::new();
    let mut binds = Vec::new();
    for line in text.lines() {
        let mut f = line.split('\t');
        match (f.next(), f.next(), f.next()) {
            (Some("join"), Some(p), None) => join.push(std::path::PathBuf::from(p)),
            (Some("bind"), Some(p), Some(n)) => binds.push((std::path::PathBuf::from(p), n.to_string())),
            _ => {}
        }
    }
    super::cgroups::join_self(&join)?;
    Ok(binds)
}

/// Every fd above 2 is closed at exec: nothing of the monitor's leaks into the container
/// (CVE-2024-21626).
pub fn close_extra_fds() -> Result<()> {
    // SAFETY: close_range marks fds CLOEXEC; no memory is touched.
    let r = unsafe { libc::syscall(libc::SYS_close_range, 3u32, u32::MAX, libc::CLOSE_RANGE_CLOEXEC) };
    if r < 0 {
        return Err(Error::io("close_range", std::io::Error::last_os_error()));
    }
    Ok(())
}

/// Open `/dev/pts/ptmx` of the container (before the pivot, through the root) and its peer.
pub fn open_pty(rootfs: &Path) -> Result<(OwnedFd, OwnedFd)> {
    let root = RootDir::open(rootfs)?;
    let master = root
        .open_in(Path::new("dev/pts/ptmx"), OFlags::RDWR | OFlags::NOCTTY, Mode::empty())
        .ctx("open /dev/pts/ptmx")?;
    rustix::pty::unlockpt(&master).ctx("unlockpt")?;
    // SAFETY: TIOCGPTPEER returns a new fd for the slave side of this very master.
    let slave =
        unsafe { libc::ioctl(master.as_raw_fd(), libc::TIOCGPTPEER, libc::O_RDWR | libc::O_NOCTTY | libc::O_CLOEXEC) };
    if slave < 0 {
        return Err(Error::io("open the pty peer", std::io::Error::last_os_error()));
    }
    // SAFETY: a fresh fd that we own.
    let slave = unsafe { <OwnedFd as std::os::fd::FromRawFd>::from_raw_fd(slave) };
    Ok((master, slave))
}

fn wire_stdio(stdio: Stdio, console: Option<(OwnedFd, OwnedFd)>) -> Result<()> {
    let dup_to = |from: RawFd, to: RawFd| -> Result<()> {
        // SAFETY: dup2 on fds we own; the target numbers are the standard streams.
        if unsafe { libc::dup2(from, to) } < 0 {
            return Err(Error::io(format_args!("dup2 to {to}"), std::io::Error::last_os_error()));
        }
        Ok(())
    };
    match stdio {
        Stdio::Pipes { stdin, stdout, stderr } => {
            dup_to(stdin.as_raw_fd(), 0)?;
            dup_to(stdout.as_raw_fd(), 1)?;
            dup_to(stderr.as_raw_fd(), 2)?;
        }
        Stdio::Tty { console_socket } => {
            let (master, slave) = console.ok_or_else(|| Error::internal("tty requested but no pty"))?;
            super::monitor::fdpass::send_fd(console_socket.as_raw_fd(), master.as_raw_fd())
                .ctx("send the pty master")?;
            drop(master);
            // SAFETY: setsid + TIOCSCTTY make the pty our controlling terminal.
            unsafe {
                libc::setsid();
                if libc::ioctl(slave.as_raw_fd(), libc::TIOCSCTTY, 0) < 0 {
                    return Err(Error::io("TIOCSCTTY", std::io::Error::last_os_error()));
                }
            }
            for fd in 0..3 {
                dup_to(slave.as_raw_fd(), fd)?;
            }
        }
    }
    Ok(())
}

fn loopback_up() -> Result<()> {
    // SAFETY: a datagram socket and two ioctls on a stack ifreq, all local.
    unsafe {
        let s = libc::socket(libc::AF_INET, libc::SOCK_DGRAM | libc::SOCK_CLOEXEC, 0);
        if s < 0 {
            return Err(Error::io("socket", std::io::Error::last_os_error()));
        }
        let mut ifr: libc::ifreq = std::mem::zeroed();
        for (i, b) in b"lo".iter().enumerate() {
            ifr.ifr_name[i] = *b as libc::c_char;
        }
        let mut r = libc::ioctl(s, libc::SIOCGIFFLAGS, &mut ifr);
        if r == 0 {
            ifr.ifr_ifru.ifru_flags |= libc::IFF_UP as libc::c_short;
            r = libc::ioctl(s, libc::SIOCSIFFLAGS, &ifr);
        }
        let err = std::io::Error::last_os_error();
        libc::close(s);
        if r < 0 {
            return Err(Error::io("ioctl lo", err));
        }
    }
    Ok(())
}

fn read_user(spec: &str) -> Result<user::ExecUser> {
    let passwd = std::fs::read_to_string("/etc/passwd").ok();
    let group = std::fs::read_to_string("/etc/group").ok();
    user::resolve(spec, passwd.as_deref(), group.as_deref())
}

/// Docker's additions: PATH if unset, HOSTNAME, HOME from passwd, TERM for a tty.
pub fn environment(p: &Process, user: &user::ExecUser, hostname: &str) -> Vec<String> {
    let mut env = p.env.clone();
    let has = |env: &[String], k: &str| env.iter().any(|e| e.split_once('=').map(|(n, _)| n) == Some(k));
    if !has(&env, "PATH") {
        env.insert(0, "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin".into());
    }
    if !has(&env, "HOSTNAME") && !hostname.is_empty() {
        env.insert(1.min(env.len()), format!("HOSTNAME={hostname}"));
    }
    if p.tty && !has(&env, "TERM") {
        env.push("TERM=xterm".into());
    }
    if !has(&env, "HOME") {
        env.push(format!("HOME={}", user.home));
    }
    env
}

/// chdir inside the root only: created if missing (in-root, through symlinks safely), magic
/// links refused, and getcwd checked afterwards (CVE-2024-21626).
fn enter_cwd(cwd: &str) -> Result<()> {
    let root = RootDir::open(Path::new("/"))?;
    let rel = Path::new(cwd.trim_start_matches('/'));
    let fd = match root.open_dir(rel) {
        Ok(fd) => fd,
        Err(rustix::io::Errno::NOENT) => root.mkdir_all(rel, 0o755)?,
        Err(e) => {
            return Err(Error::invalid(format!(
                "the working directory {cwd} is not a directory inside the container: {e}"
            )))
        }
    };
    rustix::process::fchdir(&fd).ctx(format_args!("chdir {cwd}"))?;
    let now = rustix::process::getcwd(Vec::new()).ctx("getcwd")?;
    let now = now.to_string_lossy();
    if !now.starts_with('/') {
        return Err(Error::permission(format!("the working directory {cwd} is outside the container")));
    }
    Ok(())
}

fn switch_user(u: &user::ExecUser) -> Result<()> {
    let mut groups: Vec<libc::gid_t> = vec![u.gid];
    groups.extend(u.additional_gids.iter().copied().filter(|g| *g != u.gid));
    // SAFETY: plain credential syscalls with owned data; the process is single-threaded, so the
    // raw syscalls (not glibc's all-threads wrappers) are what we want.
    unsafe {
        if libc::prctl(libc::PR_SET_KEEPCAPS, 1, 0, 0, 0) != 0 {
            return Err(Error::io("PR_SET_KEEPCAPS", std::io::Error::last_os_error()));
        }
        if libc::syscall(libc::SYS_setgroups, groups.len(), groups.as_ptr()) != 0 {
            return Err(Error::io("setgroups", std::io::Error::last_os_error()));
        }
        if libc::syscall(libc::SYS_setresgid, u.gid, u.gid, u.gid) != 0 {
            return Err(Error::io("setresgid", std::io::Error::last_os_error()));
        }
        if libc::syscall(libc::SYS_setresuid, u.uid, u.uid, u.uid) != 0 {
            return Err(Error::io("setresuid", std::io::Error::last_os_error()));
        }
    }
    Ok(())
}

/// Resolve `args[0]` against the container's `PATH` (as Go's exec.LookPath does for Docker).
fn find_executable(p: &Process, env: &[String]) -> std::result::Result<CString, InitError> {
    let Some(arg0) = p.args.first() else {
        return Err(InitError::new("no command specified", 127));
    };
    let not_found = |why: &str| InitError::new(format!("exec: \"{arg0}\": {why}"), 127);
    let check = |path: &Path| -> std::result::Result<bool, InitError> {
        match std::fs::metadata(path) {
            Ok(m) if m.is_file() && std::os::unix::fs::PermissionsExt::mode(&m.permissions()) & 0o111 != 0 => Ok(true),
            Ok(m) if m.is_dir() => Err(InitError::new(format!("exec: \"{arg0}\": is a directory"), 126)),
            Ok(_) => Err(InitError::new(format!("exec: \"{arg0}\": permission denied"), 126)),
            Err(_) => Ok(false),
        }
    };
    let found = if arg0.contains('/') {
        let p = Path::new(arg0);
        if !check(p)? {
            return Err(not_found("no such file or directory"));
        }
        p.to_path_buf()
    } else {
        let path = env
            .iter()
            .find_map(|e| e.strip_prefix("PATH="))
            .unwrap_or("/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
        let mut hit = None;
        for dir in path.split(':').filter(|d| !d.is_empty()) {
            let cand = Path::new(dir).join(arg0);
            if check(&cand).unwrap_or(false) {
                hit = Some(cand);
                break;
            }
        }
        hit.ok_or_else(|| not_found("executable file not found in $PATH"))?
    };
    CString::new(found.into_os_string().into_encoded_bytes()).map_err(|_| not_found("invalid path"))
}

fn exec(exe: &CString, args: &[String], env: &[String]) -> InitError {
    let cstrs = |v: &[String]| -> Vec<CString> {
        v.iter()
            .map(|s| CString::new(s.as_bytes()).unwrap_or_else(|_| CString::new(s.replace('\0', "")).expect("no NUL")))
            .collect()
    };
    let argv = cstrs(args);
    let envp = cstrs(env);
    let mut argv_p: Vec<*const libc::c_char> = argv.iter().map(|c| c.as_ptr()).collect();
    argv_p.push(std::ptr::null());
    let mut envp_p: Vec<*const libc::c_char> = envp.iter().map(|c| c.as_ptr()).collect();
    envp_p.push(std::ptr::null());
    // SAFETY: NUL-terminated arrays of NUL-terminated strings that outlive the call.
    unsafe { libc::execve(exe.as_ptr(), argv_p.as_ptr(), envp_p.as_ptr()) };
    let e = std::io::Error::last_os_error();
    let code = match e.raw_os_error() {
        Some(libc::ENOENT) => 127,
        _ => 126,
    };
    InitError::new(format!("exec {}: {e}", exe.to_string_lossy()), code)
}
