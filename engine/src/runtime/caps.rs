//! Linux capabilities: names, Docker's default set, `--cap-add`/`--cap-drop`/`--privileged`
//! resolution (engine side), and applying a set in the container's init (monitor side).
//!
//! Docker gives a container one set and uses it as the bounding, permitted and effective sets;
//! inheritable and ambient stay empty (CVE-2022-24769: a non-empty inheritable set let file
//! capabilities raise privileges). [`resolve`] computes the set from the request the way moby's
//! `oci/caps.TweakCapabilities` does; [`apply`] installs it right before `execve`.

use crate::error::{Error, Result};
use rustix::thread::{self as rthread, CapabilitySet, CapabilitySets};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::io;
use std::sync::OnceLock;

// Capability numbers (linux/capability.h).
pub const CHOWN: u8 = 0;
pub const DAC_OVERRIDE: u8 = 1;
pub const DAC_READ_SEARCH: u8 = 2;
pub const FOWNER: u8 = 3;
pub const FSETID: u8 = 4;
pub const KILL: u8 = 5;
pub const SETGID: u8 = 6;
pub const SETUID: u8 = 7;
pub const SETPCAP: u8 = 8;
pub const LINUX_IMMUTABLE: u8 = 9;
pub const NET_BIND_SERVICE: u8 = 10;
pub const NET_BROADCAST: u8 = 11;
pub const NET_ADMIN: u8 = 12;
pub const NET_RAW: u8 = 13;
pub const IPC_LOCK: u8 = 14;
pub const IPC_OWNER: u8 = 15;
pub const SYS_MODULE: u8 = 16;
pub const SYS_RAWIO: u8 = 17;
pub const SYS_CHROOT: u8 = 18;
pub const SYS_PTRACE: u8 = 19;
pub const SYS_PACCT: u8 = 20;
pub const SYS_ADMIN: u8 = 21;
pub const SYS_BOOT: u8 = 22;
pub const SYS_NICE: u8 = 23;
pub const SYS_RESOURCE: u8 = 24;
pub const SYS_TIME: u8 = 25;
pub const SYS_TTY_CONFIG: u8 = 26;
pub const MKNOD: u8 = 27;
pub const LEASE: u8 = 28;
pub const AUDIT_WRITE: u8 = 29;
pub const AUDIT_CONTROL: u8 = 30;
pub const SETFCAP: u8 = 31;
pub const MAC_OVERRIDE: u8 = 32;
pub const MAC_ADMIN: u8 = 33;
pub const SYSLOG: u8 = 34;
pub const WAKE_ALARM: u8 = 35;
pub const BLOCK_SUSPEND: u8 = 36;
pub const AUDIT_READ: u8 = 37;
pub const PERFMON: u8 = 38;
pub const BPF: u8 = 39;
pub const CHECKPOINT_RESTORE: u8 = 40;

/// The newest capability this table names (kernel 5.9).
pub const LAST_KNOWN: u8 = CHECKPOINT_RESTORE;

/// `NAMES[n]` is the name of capability `n`, as Docker and the OCI spec spell it.
pub const NAMES: [&str; LAST_KNOWN as usize + 1] = [
    "CAP_CHOWN",
    "CAP_DAC_OVERRIDE",
    "CAP_DAC_READ_SEARCH",
    "CAP_FOWNER",
    "CAP_FSETID",
    "CAP_KILL",
    "CAP_SETGID",
    "CAP_SETUID",
    "CAP_SETPCAP",
    "CAP_LINUX_IMMUTABLE",
    "CAP_NET_BIND_SERVICE",
    "CAP_NET_BROADCAST",
    "CAP_NET_ADMIN",
    "CAP_NET_RAW",
    "CAP_IPC_LOCK",
    "CAP_IPC_OWNER",
    "CAP_SYS_MODULE",
    "CAP_SYS_RAWIO",
    "CAP_SYS_CHROOT",
    "CAP_SYS_PTRACE",
    "CAP_SYS_PACCT",
    "CAP_SYS_ADMIN",
    "CAP_SYS_BOOT",
    "CAP_SYS_NICE",
    "CAP_SYS_RESOURCE",
    "CAP_SYS_TIME",
    "CAP_SYS_TTY_CONFIG",
    "CAP_MKNOD",
    "CAP_LEASE",
    "CAP_AUDIT_WRITE",
    "CAP_AUDIT_CONTROL",
    "CAP_SETFCAP",
    "CAP_MAC_OVERRIDE",
    "CAP_MAC_ADMIN",
    "CAP_SYSLOG",
    "CAP_WAKE_ALARM",
    "CAP_BLOCK_SUSPEND",
    "CAP_AUDIT_READ",
    "CAP_PERFMON",
    "CAP_BPF",
    "CAP_CHECKPOINT_RESTORE",
];

/// The name of capability `cap` (`"CAP_SYS_ADMIN"`), if this table knows it.
pub fn name(cap: u8) -> Option<&'static str> {
    NAMES.get(cap as usize).copied()
}

/// The number of a capability named the way Docker accepts it: any case, with or without the
/// `CAP_` prefix (`sys_admin`, `CAP_SYS_ADMIN`, `Sys_Admin`).
pub fn parse(name: &str) -> Option<u8> {
    let upper = name.to_ascii_uppercase();
    let full = if upper.starts_with("CAP_") { upper } else { format!("CAP_{upper}") };
    NAMES.iter().position(|n| *n == full).map(|n| n as u8)
}

/// A set of capabilities, bit `n` = capability `n` (the layout of `/proc/<pid>/status` `CapEff`).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct CapSet(pub u64);

impl CapSet {
    pub const EMPTY: CapSet = CapSet(0);

    /// Docker's 14 default capabilities (moby `oci/caps/defaults.go`): CHOWN, DAC_OVERRIDE, FSETID,
    /// FOWNER, MKNOD, NET_RAW, SETGID, SETUID, SETFCAP, SETPCAP, NET_BIND_SERVICE, SYS_CHROOT, KILL,
    /// AUDIT_WRITE.
    pub const DOCKER_DEFAULT: CapSet = CapSet::of(&[
        CHOWN,
        DAC_OVERRIDE,
        FSETID,
        FOWNER,
        MKNOD,
        NET_RAW,
        SETGID,
        SETUID,
        SETFCAP,
        SETPCAP,
        NET_BIND_SERVICE,
        SYS_CHROOT,
        KILL,
        AUDIT_WRITE,
    ]);

    /// The set of the given capability numbers.
    pub const fn of(caps: &[u8]) -> CapSet {
        let mut bits = 0u64;
        let mut i = 0;
        while i < caps.len() {
            bits |= 1 << caps[i];
            i += 1;
        }
        CapSet(bits)
    }

    pub const fn bits(self) -> u64 {
        self.0
    }
    pub const fn contains(self, cap: u8) -> bool {
        cap < 64 && self.0 & (1 << cap) != 0
    }
    pub const fn with(self, cap: u8) -> CapSet {
        CapSet(self.0 | (1 << cap))
    }
    pub const fn without(self, cap: u8) -> CapSet {
        CapSet(self.0 & !(1 << cap))
    }
    pub const fn union(self, other: CapSet) -> CapSet {
        CapSet(self.0 | other.0)
    }
    pub const fn intersect(self, other: CapSet) -> CapSet {
        CapSet(self.0 & other.0)
    }
    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }
    /// The capability numbers in the set, ascending.
    pub fn iter(self) -> impl Iterator<Item = u8> {
        (0u8..64).filter(move |c| self.contains(*c))
    }
    /// The names of the capabilities in the set, ascending by number (`CAP_<n>` for numbers this
    /// table does not name).
    pub fn names(self) -> Vec<String> {
        self.iter().map(|c| name(c).map_or_else(|| format!("CAP_{c}"), str::to_string)).collect()
    }
}

impl fmt::Debug for CapSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CapSet({:#x} {:?})", self.0, self.names())
    }
}

/// The highest capability number the running kernel knows: `/proc/sys/kernel/cap_last_cap`, or,
/// without /proc, the last number `PR_CAPBSET_READ` accepts. Read once.
pub fn last_cap() -> u8 {
    static LAST: OnceLock<u8> = OnceLock::new();
    *LAST.get_or_init(|| {
        if let Ok(s) = std::fs::read_to_string("/proc/sys/kernel/cap_last_cap") {
            if let Ok(n) = s.trim().parse::<u8>() {
                return n.min(63);
            }
        }
        (0u8..64)
            .take_while(|c| rthread::capability_is_in_bounding_set(CapabilitySet::from_bits_retain(1 << c)).is_ok())
            .last()
            .unwrap_or(LAST_KNOWN)
    })
}

/// Every capability both this table and the running kernel know (`0..=min(last_cap, 40)`).
pub fn known() -> CapSet {
    let last = last_cap().min(LAST_KNOWN);
    CapSet(if last >= 63 { u64::MAX } else { (1u64 << (last + 1)) - 1 })
}

/// The capabilities a container can be given here: those [`known`], restricted (as moby's
/// `caps.initCaps` does with the daemon's `CapEff`) to the effective set of this process when that
/// is not empty — inside a restricted environment (Docker-in-Docker, a sandbox without
/// `CAP_SYS_RESOURCE`) a container cannot get what its creator lacks. `--privileged` gets exactly
/// this set. Read once.
pub fn available() -> CapSet {
    static AVAIL: OnceLock<CapSet> = OnceLock::new();
    *AVAIL.get_or_init(|| {
        let eff = rthread::capabilities(None).map(|s| s.effective.bits()).unwrap_or(0);
        if eff == 0 {
            known()
        } else {
            known().intersect(CapSet(eff))
        }
    })
}

/// The container's capability set from `HostConfig.CapAdd`, `CapDrop` and `Privileged`, with
/// moby's rules (`oci/caps.TweakCapabilities` over `DefaultCapabilities`):
///
/// - `privileged`: every [`available`] capability; add/drop are ignored.
/// - Names are case-insensitive, with or without `CAP_`; `ALL` is a name in either list. An unknown
///   name is `InvalidArgument` `unknown capability: "CAP_FOO"`; a known one the kernel or this
///   environment lacks is `capability not supported by your kernel or not available in the
///   current environment: "CAP_X"`. Drops are checked before adds.
/// - `ALL` in `cap_add`: every available capability except those in `cap_drop` (so
///   `--cap-add ALL --cap-drop ALL` keeps them all: `ALL` in the drop list names no capability).
/// - otherwise `ALL` in `cap_drop`: exactly `cap_add`.
/// - otherwise: the defaults minus `cap_drop`, then plus `cap_add` — a capability in both lists is
///   kept (add wins).
pub fn resolve<S: AsRef<str>>(cap_add: &[S], cap_drop: &[S], privileged: bool) -> Result<CapSet> {
    if privileged {
        return Ok(available());
    }
    if cap_add.is_empty() && cap_drop.is_empty() {
        return Ok(CapSet::DOCKER_DEFAULT);
    }
    let drop = normalize(cap_drop)?;
    let add = normalize(cap_add)?;
    Ok(if add.all {
        available().intersect(CapSet(!drop.set.0))
    } else if drop.all {
        add.set
    } else {
        CapSet(CapSet::DOCKER_DEFAULT.0 & !drop.set.0).union(add.set)
    })
}

struct Normalized {
    all: bool,
    set: CapSet,
}

fn normalize<S: AsRef<str>>(list: &[S]) -> Result<Normalized> {
    let mut out = Normalized { all: false, set: CapSet::EMPTY };
    for raw in list {
        let upper = raw.as_ref().to_ascii_uppercase();
        if upper == "ALL" {
            out.all = true;
            continue;
        }
        let full = if upper.starts_with("CAP_") { upper } else { format!("CAP_{upper}") };
        let Some(cap) = parse(&full) else {
            return Err(Error::invalid(format!("unknown capability: {full:?}")));
        };
        if !available().contains(cap) {
            return Err(Error::invalid(format!(
                "capability not supported by your kernel or not available in the current environment: {full:?}"
            )));
        }
        out.set = out.set.with(cap);
    }
    Ok(out)
}

/// A failed step of [`apply`]: which step, and the kernel's error.
#[derive(Debug)]
pub struct StepError {
    pub step: &'static str,
    pub cap: Option<u8>,
    pub source: io::Error,
}

impl fmt::Display for StepError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.cap.map(|c| name(c).unwrap_or("CAP_?")) {
            Some(cap) => write!(f, "capabilities: {} {cap}: {}", self.step, self.source),
            None => write!(f, "capabilities: {}: {}", self.step, self.source),
        }
    }
}

impl std::error::Error for StepError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.source)
    }
}

fn step_err(step: &'static str, cap: Option<u8>, e: rustix::io::Errno) -> io::Error {
    let source = io::Error::from_raw_os_error(e.raw_os_error());
    io::Error::new(source.kind(), StepError { step, cap, source })
}

/// Make `set` the calling thread's capabilities, in the container's init right before `execve`.
///
/// Runs as root, before or after the switch to the container's user (that switch must have set
/// `PR_SET_KEEPCAPS` first, as runc does, so that the permitted set survives `setresuid`). Steps:
///
/// 1. raise the effective set to the permitted set (a `setresuid` away from 0 cleared it, and
///    `PR_CAPBSET_DROP` needs `CAP_SETPCAP` in it);
/// 2. drop every capability not in `set` from the bounding set (`PR_CAPBSET_DROP`, up to the
///    last one the kernel accepts — no `/proc` needed);
/// 3. clear the ambient set (`PR_CAP_AMBIENT_CLEAR_ALL`);
/// 4. `capset` v3: inheritable = ∅, permitted = effective = `set`.
///
/// The same for root and non-root users, as moby does since moby#45511 (2023; in 25.0, backported
/// to 24.0 as moby#46221), which undid moby#36587 (2018) that emptied permitted/effective in the
/// spec for non-root users — "moby ≥ 20.10 leaves them empty" is no longer true. The spec asks
/// for permitted = effective = bounding = the set whatever the user, and `execve` decides. For uid 0
/// the exec'd program gets permitted = effective = the bounding set; for another uid, with no file
/// capabilities and an empty ambient set, permitted and effective become empty while the bounding
/// set stays. (The difference to an empty pre-exec set only shows for a binary with file
/// capabilities under `no-new-privileges`.)
///
/// Uses raw system calls only and allocates only to report an error, so it is safe in a forked
/// child. Errors name the step (`capabilities: PR_CAPBSET_DROP CAP_MKNOD: Operation not
/// permitted`); the inner error is a [`StepError`].
pub fn apply(set: CapSet) -> io::Result<()> {
    let current = rthread::capabilities(None).map_err(|e| step_err("capget", None, e))?;
    rthread::set_capabilities(
        None,
        CapabilitySets { effective: current.permitted, permitted: current.permitted, inheritable: current.inheritable },
    )
    .map_err(|e| step_err("capset (raise effective to permitted)", None, e))?;

    for cap in 0u8..64 {
        if set.contains(cap) {
            continue;
        }
        match rthread::remove_capability_from_bounding_set(CapabilitySet::from_bits_retain(1 << cap)) {
            Ok(()) => {}
            // Past the kernel's last capability.
            Err(rustix::io::Errno::INVAL) => break,
            Err(e) => return Err(step_err("PR_CAPBSET_DROP", Some(cap), e)),
        }
    }

    match rthread::clear_ambient_capability_set() {
        // EINVAL: a kernel before 4.3 has no ambient set, so there is nothing to clear.
        Ok(()) | Err(rustix::io::Errno::INVAL) => {}
        Err(e) => return Err(step_err("PR_CAP_AMBIENT_CLEAR_ALL", None, e)),
    }

    let caps = CapabilitySet::from_bits_retain(set.0);
    rthread::set_capabilities(
        None,
        CapabilitySets { effective: caps, permitted: caps, inheritable: CapabilitySet::empty() },
    )
    .map_err(|e| step_err("capset", None, e))
}

#[cfg(test)]
pub(crate) mod testchild {
    //! Run a closure in a forked child and collect what it reports through a pipe. The test harness
    //! is multi-threaded, so the child only makes raw system calls: everything it needs (paths,
    //! argv, programs) is prepared before the fork, and it never returns into the harness.

    use std::ffi::CString;

    pub struct Reporter {
        fd: i32,
    }

    impl Reporter {
        pub fn write(&mut self, s: &[u8]) {
            let mut s = s;
            while !s.is_empty() {
                let n = unsafe { libc::write(self.fd, s.as_ptr().cast(), s.len()) };
                if n <= 0 {
                    return;
                }
                s = &s[n as usize..];
            }
        }
        /// `key=value\n` with a signed number, formatted without allocating.
        pub fn kv(&mut self, key: &str, v: i64) {
            let mut buf = [0u8; 24];
            let mut i = buf.len();
            let neg = v < 0;
            let mut u = v.unsigned_abs();
            loop {
                i -= 1;
                buf[i] = b'0' + (u % 10) as u8;
                u /= 10;
                if u == 0 {
                    break;
                }
            }
            if neg {
                i -= 1;
                buf[i] = b'-';
            }
            self.write(key.as_bytes());
            self.write(b"=");
            self.write(&buf[i..]);
            self.write(b"\n");
        }
        /// The result of a raw syscall: its return value, or `-errno`.
        pub fn sys(&mut self, key: &str, rc: i64) {
            let v = if rc < 0 { -(unsafe { *libc::__errno_location() } as i64) } else { rc };
            self.kv(key, v);
        }
        /// Copy `/proc/self/status` into the report.
        pub fn status(&mut self) {
            let fd = unsafe { libc::open(c"/proc/self/status".as_ptr(), libc::O_RDONLY | libc::O_CLOEXEC) };
            if fd < 0 {
                self.write(b"status=unreadable\n");
                return;
            }
            let mut buf = [0u8; 4096];
            loop {
                let n = unsafe { libc::read(fd, buf.as_mut_ptr().cast(), buf.len()) };
                if n <= 0 {
                    break;
                }
                self.write(&buf[..n as usize]);
            }
            unsafe { libc::close(fd) };
        }
        /// Replace the child with `argv[0]`, its stdout going into the report. Returns only on
        /// failure.
        pub fn exec(&mut self, argv: &Argv) {
            unsafe {
                libc::dup2(self.fd, 1);
                libc::execv(argv.ptrs[0], argv.ptrs.as_ptr());
            }
            self.sys("exec", -1);
        }
    }

    /// An argv prepared before the fork.
    pub struct Argv {
        _strings: Vec<CString>,
        ptrs: Vec<*const libc::c_char>,
    }

    pub fn argv(args: &[&str]) -> Argv {
        let strings: Vec<CString> = args.iter().map(|a| CString::new(*a).unwrap()).collect();
        let mut ptrs: Vec<*const libc::c_char> = strings.iter().map(|s| s.as_ptr()).collect();
        ptrs.push(std::ptr::null());
        Argv { _strings: strings, ptrs }
    }

    pub struct Outcome {
        /// The exit code, or 128 + the signal number.
        pub code: i32,
        pub report: String,
    }

    impl Outcome {
        /// The value of `key=` (the last one), or of a `/proc/self/status` line `Key:\tvalue`.
        pub fn get(&self, key: &str) -> Option<&str> {
            self.report.lines().rev().find_map(|l| {
                l.strip_prefix(key).and_then(|r| r.strip_prefix('=').or_else(|| r.strip_prefix(':'))).map(str::trim)
            })
        }
        pub fn num(&self, key: &str) -> i64 {
            let v = self.get(key).unwrap_or_else(|| panic!("no {key} in report:\n{}", self.report));
            v.parse().unwrap_or_else(|_| panic!("{key}={v} is not a number"))
        }
    }

    /// Fork; in the child run `f` (its return value is the exit code unless it execs); in the parent
    /// collect the report and the exit status.
    pub fn run(f: impl FnOnce(&mut Reporter) -> i32) -> Outcome {
        let mut fds = [0i32; 2];
        assert_eq!(unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) }, 0);
        let pid = unsafe { libc::fork() };
        assert!(pid >= 0, "fork failed");
        if pid == 0 {
            unsafe { libc::close(fds[0]) };
            let mut r = Reporter { fd: fds[1] };
            let code = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(&mut r))).unwrap_or(101);
            unsafe { libc::_exit(code) };
        }
        unsafe { libc::close(fds[1]) };
        let mut out = Vec::new();
        let mut buf = [0u8; 4096];
        loop {
            let n = unsafe { libc::read(fds[0], buf.as_mut_ptr().cast(), buf.len()) };
            if n <= 0 {
                break;
            }
            out.extend_from_slice(&buf[..n as usize]);
        }
        unsafe { libc::close(fds[0]) };
        let mut status = 0;
        assert_eq!(unsafe { libc::waitpid(pid, &mut status, 0) }, pid);
        let code = if libc::WIFEXITED(status) { libc::WEXITSTATUS(status) } else { 128 + libc::WTERMSIG(status) };
        Outcome { code, report: String::from_utf8_lossy(&out).into_owned() }
    }

    /// The tests that change credentials run as root, as the whole suite does (scripts/test.sh):
    /// elsewhere they fail, never pass without checking anything.
    pub fn require_root() {
        assert_eq!(unsafe { libc::geteuid() }, 0, "this test needs root: run the tests as root (scripts/test.sh)");
    }
}

#[cfg(test)]
mod tests {
    use super::testchild::{self, Outcome};
    use super::*;
    use crate::error::ErrorKind;

    fn r(add: &[&str], drop: &[&str]) -> Result<CapSet> {
        resolve(add, drop, false)
    }

    #[test]
    fn table_is_consistent() {
        assert_eq!(NAMES.len(), 41);
        assert_eq!(name(CHOWN), Some("CAP_CHOWN"));
        assert_eq!(name(SYS_ADMIN), Some("CAP_SYS_ADMIN"));
        assert_eq!(name(AUDIT_WRITE), Some("CAP_AUDIT_WRITE"));
        assert_eq!(name(SETFCAP), Some("CAP_SETFCAP"));
        assert_eq!(name(SYSLOG), Some("CAP_SYSLOG"));
        assert_eq!(name(CHECKPOINT_RESTORE), Some("CAP_CHECKPOINT_RESTORE"));
        assert_eq!(name(41), None);
        for (n, full) in NAMES.iter().enumerate() {
            assert_eq!(parse(full), Some(n as u8));
            assert_eq!(parse(&full[4..].to_lowercase()), Some(n as u8));
        }
    }

    #[test]
    fn docker_default_mask() {
        assert_eq!(CapSet::DOCKER_DEFAULT.bits(), 0xa80425fb);
        assert_eq!(CapSet::DOCKER_DEFAULT.iter().count(), 14);
        assert!(!CapSet::DOCKER_DEFAULT.contains(SYS_ADMIN));
        assert_eq!(r(&[], &[]).unwrap(), CapSet::DOCKER_DEFAULT);
    }

    #[test]
    fn kernel_caps() {
        let last = last_cap();
        assert!(last >= 36, "cap_last_cap {last}");
        if let Ok(s) = std::fs::read_to_string("/proc/sys/kernel/cap_last_cap") {
            assert_eq!(s.trim(), last.to_string());
        }
        assert!(known().contains(last.min(LAST_KNOWN)));
        assert!(!known().contains(last.min(LAST_KNOWN) + 1));
        assert_eq!(available().bits() & !known().bits(), 0);
    }

    #[test]
    fn names_any_case_with_or_without_prefix() {
        let want = CapSet::DOCKER_DEFAULT.with(SYS_ADMIN);
        for n in ["SYS_ADMIN", "sys_admin", "CAP_SYS_ADMIN", "cap_sys_admin", "Sys_Admin"] {
            assert_eq!(r(&[n], &[]).unwrap(), want, "{n}");
        }
        assert_eq!(r(&[], &["mknod"]).unwrap(), CapSet::DOCKER_DEFAULT.without(MKNOD));
        assert_eq!(r(&[], &["CAP_NET_RAW"]).unwrap(), CapSet::DOCKER_DEFAULT.without(NET_RAW));
    }

    #[test]
    fn unknown_names_are_invalid() {
        let e = r(&["FOO"], &[]).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidArgument);
        assert_eq!(e.message(), r#"unknown capability: "CAP_FOO""#);
        let e = r(&[], &["cap_bar"]).unwrap_err();
        assert_eq!(e.message(), r#"unknown capability: "CAP_BAR""#);
        // "CAP_ALL" is not the magic word.
        assert_eq!(r(&["cap_all"], &[]).unwrap_err().message(), r#"unknown capability: "CAP_ALL""#);
        // Drops are checked first.
        assert_eq!(r(&["FOO"], &["BAR"]).unwrap_err().message(), r#"unknown capability: "CAP_BAR""#);
        // Privileged ignores the lists entirely, as moby does.
        assert_eq!(resolve(&["FOO"], &[], true).unwrap(), available());
    }

    #[test]
    fn unavailable_capability_is_refused() {
        // Whatever this environment lacks (this sandbox has no CAP_SYS_RESOURCE) is refused with
        // moby's message; when it lacks nothing there is nothing to check.
        if let Some(cap) = known().iter().find(|c| !available().contains(*c)) {
            let e = r(&[NAMES[cap as usize]], &[]).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::InvalidArgument);
            assert_eq!(
                e.message(),
                format!(
                    "capability not supported by your kernel or not available in the current environment: {:?}",
                    NAMES[cap as usize]
                )
            );
        }
    }

    #[test]
    fn drop_then_add() {
        let d = CapSet::DOCKER_DEFAULT;
        assert_eq!(
            r(&["NET_ADMIN", "sys_ptrace"], &["chown", "KILL"]).unwrap(),
            d.without(CHOWN).without(KILL).with(NET_ADMIN).with(SYS_PTRACE)
        );
        // In both lists: added back (add is applied after drop).
        assert_eq!(r(&["CHOWN"], &["CHOWN"]).unwrap(), d);
        // Dropping something not in the defaults is a no-op.
        assert_eq!(r(&[], &["SYS_ADMIN"]).unwrap(), d);
        // Duplicates are harmless.
        assert_eq!(r(&["NET_ADMIN", "net_admin"], &[]).unwrap(), d.with(NET_ADMIN));
    }

    #[test]
    fn all_in_either_list() {
        // --cap-drop ALL: exactly the adds.
        assert_eq!(r(&[], &["ALL"]).unwrap(), CapSet::EMPTY);
        assert_eq!(r(&["chown", "NET_BIND_SERVICE"], &["all"]).unwrap(), CapSet::of(&[CHOWN, NET_BIND_SERVICE]));
        // Other drops beside ALL do not matter then.
        assert_eq!(r(&["CHOWN"], &["ALL", "CHOWN"]).unwrap(), CapSet::of(&[CHOWN]));
        // --cap-add ALL: everything available except the drops.
        assert_eq!(r(&["ALL"], &[]).unwrap(), available());
        assert_eq!(r(&["all"], &["MKNOD", "sys_admin"]).unwrap(), available().without(MKNOD).without(SYS_ADMIN));
        // Both ALL: add wins (ALL in the drop list names no capability).
        assert_eq!(r(&["ALL"], &["ALL"]).unwrap(), available());
    }

    #[test]
    fn privileged_is_everything_available() {
        let p = resolve::<&str>(&[], &[], true).unwrap();
        assert_eq!(p, available());
        assert!(p.contains(SYS_ADMIN) || !available().contains(SYS_ADMIN));
        assert!(p.iter().count() >= 14);
    }

    #[test]
    fn capset_serde_and_debug() {
        let j = serde_json::to_string(&CapSet::DOCKER_DEFAULT).unwrap();
        assert_eq!(j, "2818844155");
        assert_eq!(serde_json::from_str::<CapSet>(&j).unwrap(), CapSet::DOCKER_DEFAULT);
        let d = format!("{:?}", CapSet::of(&[CHOWN, KILL]));
        assert!(d.contains("CAP_CHOWN") && d.contains("CAP_KILL"), "{d}");
    }

    // --- applying a set in a forked child (root only) ---

    fn caps_of(o: &Outcome) -> [u64; 5] {
        ["CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"]
            .map(|k| u64::from_str_radix(o.get(k).unwrap_or_else(|| panic!("no {k}:\n{}", o.report)), 16).unwrap())
    }

    fn apply_in_child(set: CapSet) -> Outcome {
        testchild::run(|r| match apply(set) {
            Ok(()) => {
                r.status();
                0
            }
            Err(_) => 1,
        })
    }

    #[test]
    fn apply_default_set() {
        testchild::require_root();
        let o = apply_in_child(CapSet::DOCKER_DEFAULT);
        assert_eq!(o.code, 0, "{}", o.report);
        let [inh, prm, eff, bnd, amb] = caps_of(&o);
        assert_eq!((inh, amb), (0, 0));
        assert_eq!((prm, eff, bnd), (0xa80425fb, 0xa80425fb, 0xa80425fb));
    }

    #[test]
    fn apply_drop_and_add_cases() {
        testchild::require_root();
        for (add, drop) in [
            (&["SYS_ADMIN"][..], &["MKNOD", "NET_RAW"][..]),
            (&[][..], &["ALL"][..]),
            (&["CHOWN"][..], &["ALL"][..]),
            (&["ALL"][..], &["SYS_ADMIN"][..]),
        ] {
            let set = r(add, drop).unwrap();
            let o = apply_in_child(set);
            assert_eq!(o.code, 0, "{add:?} {drop:?}: {}", o.report);
            let [inh, prm, eff, bnd, amb] = caps_of(&o);
            assert_eq!((inh, amb), (0, 0), "{add:?} {drop:?}");
            assert_eq!((prm, eff, bnd), (set.0, set.0, set.0), "{add:?} {drop:?}");
        }
    }

    #[test]
    fn apply_then_exec_as_root_and_as_non_root() {
        testchild::require_root();
        let cat = testchild::argv(&["/bin/cat", "/proc/self/status"]);
        // uid 0: the exec'd program keeps the set.
        let o = testchild::run(|r| {
            if apply(CapSet::DOCKER_DEFAULT).is_err() {
                return 1;
            }
            r.exec(&cat);
            2
        });
        assert_eq!(o.code, 0, "{}", o.report);
        assert_eq!(caps_of(&o), [0, 0xa80425fb, 0xa80425fb, 0xa80425fb, 0]);

        // uid 1000 (switched with PR_SET_KEEPCAPS, as runc does): before exec the sets are what the
        // spec asked for; after exec permitted/effective are empty and the bounding set stays.
        let o = testchild::run(|r| unsafe {
            r.sys("keepcaps", libc::prctl(libc::PR_SET_KEEPCAPS, 1, 0, 0, 0) as i64);
            r.sys("setgroups", libc::setgroups(0, std::ptr::null()) as i64);
            r.sys("setresgid", libc::setresgid(1000, 1000, 1000) as i64);
            r.sys("setresuid", libc::setresuid(1000, 1000, 1000) as i64);
            if apply(CapSet::DOCKER_DEFAULT).is_err() {
                return 1;
            }
            r.status();
            r.write(b"--- after exec ---\n");
            r.exec(&cat);
            2
        });
        assert_eq!(o.code, 0, "{}", o.report);
        let (before, after) = o.report.split_once("--- after exec ---\n").unwrap();
        let before = Outcome { code: 0, report: before.to_string() };
        let after = Outcome { code: 0, report: after.to_string() };
        assert_eq!(before.get("Uid").unwrap().split_whitespace().next(), Some("1000"));
        assert_eq!(caps_of(&before), [0, 0xa80425fb, 0xa80425fb, 0xa80425fb, 0]);
        assert_eq!(after.get("Uid").unwrap().split_whitespace().next(), Some("1000"));
        assert_eq!(caps_of(&after), [0, 0, 0, 0xa80425fb, 0]);
    }

    #[test]
    fn apply_error_names_the_step() {
        testchild::require_root();
        // Without CAP_SETPCAP the bounding set cannot shrink: drop it first, then ask again.
        let o = testchild::run(|r| {
            if apply(CapSet::of(&[CHOWN])).is_err() {
                return 1;
            }
            match apply(CapSet::EMPTY) {
                Ok(()) => 2,
                Err(e) => {
                    let msg = e.to_string();
                    r.write(msg.as_bytes());
                    r.write(b"\n");
                    let inner = e.get_ref().and_then(|i| i.downcast_ref::<StepError>());
                    if inner.map(|s| s.step) == Some("PR_CAPBSET_DROP") {
                        0
                    } else {
                        3
                    }
                }
            }
        });
        assert_eq!(o.code, 0, "{}", o.report);
        assert!(o.report.contains("capabilities: PR_CAPBSET_DROP CAP_CHOWN: Operation not permitted"), "{}", o.report);
    }
}
