//! Docker's default seccomp profile, compiled by the engine into a classic BPF program that the
//! container's init installs right before `execve`.
//!
//! # What the filter does
//!
//! The rules are moby/profiles `seccomp/default.json` (2026, commit 02e898b: AF_ALG and the removed
//! socket families denied, the keyring calls denied again), selected the way moby's `setupSeccomp`
//! does for an amd64 host and the container's capability set (its bounding set), and compiled with
//! runc's semantics:
//!
//! - default action `ERRNO(EPERM)`; 361 system calls allowed unconditionally;
//! - `socket` only for the address families moby allows (not AF_ALG 38, AF_VSOCK 40, nor the
//!   families the kernel removed); `personality` only for 0, 8, 0x20000, 0x20008 and 0xffffffff;
//! - calls allowed only with a capability: CAP_SYS_ADMIN (mount, umount2, unshare, setns, the new
//!   mount API, bpf, perf_event_open, sethostname, …, and `clone`/`clone3` without limits),
//!   SYS_PTRACE (kcmp, pidfd_getfd, process_madvise), SYS_CHROOT (chroot), SYS_MODULE, SYS_BOOT,
//!   SYS_TIME, SYS_PACCT, SYS_RAWIO (iopl, ioperm), SYS_NICE (mbind, set_mempolicy, …),
//!   SYS_TTY_CONFIG (vhangup), SYSLOG, DAC_READ_SEARCH (open_by_handle_at), BPF, PERFMON;
//! - without CAP_SYS_ADMIN: `clone` only without namespace flags (`flags & 0x7E020000 == 0`), and
//!   `clone3` fails with ENOSYS (its flags are behind a pointer) so that libc falls back to `clone`;
//! - like runc's `-ENOSYS` stub (runc#2750): a system call numbered above the highest one the
//!   profile names (466 on both ABIs) fails with ENOSYS, not EPERM, so libc's fallbacks for newer
//!   calls work.
//!
//! Always denied (not in any rule): add_key, keyctl, request_key, kexec_load, kexec_file_load,
//! pivot_root, swapon, swapoff, userfaultfd, io_uring_*, move_pages, migrate_pages, nfsservctl,
//! sysfs, _sysctl, uselib, ustat, vm86*, create_module, get_kernel_syms, query_module, …
//!
//! # Architectures
//!
//! Docker's profile maps amd64 to x86_64 + x86 + x32. This filter checks `seccomp_data.arch` first:
//!
//! - x86_64 (`AUDIT_ARCH_X86_64`, call numbers below 0x40000000): the rules above;
//! - i386 (`AUDIT_ARCH_I386`: 32-bit programs, and `int 0x80` from 64-bit ones): the same rules by
//!   name with the i386 numbers, as libseccomp resolves them — `socketcall` and `ipc` are allowed
//!   there as in Docker (their arguments are behind pointers, so the socket family list cannot
//!   apply to them); argument checks compare the low 32 bits;
//! - x32 (`AUDIT_ARCH_X86_64` with bit 30 set in the number): ENOSYS for every call, as on a kernel
//!   built without x32. **Docker allows x32 by the same rules**; x32 programs are practically
//!   extinct and this keeps one ABI fewer reachable.
//! - any other architecture: the process is killed (cannot happen on an x86_64 kernel).
//!
//! # Why not `seccompiler`
//!
//! seccompiler 0.5 cannot express this profile: one filter has a single match action (we need
//! ALLOW, ERRNO(EPERM) and ERRNO(ENOSYS)), it targets one architecture and kills on any other (so
//! 32-bit programs would die instead of being filtered like in Docker), has no i386 table, and its
//! `apply_filter` always sets `no_new_privs`, which Docker does not. The compiler below is small: a
//! balanced search over syscall-number ranges per ABI (11 instructions run for `read`, at most ≈30
//! for any call but `socket` with a rare family), argument checks as libseccomp compiles them, and
//! long jumps where a branch is too far for 8-bit offsets.
//!
//! # Installing
//!
//! The engine calls [`for_container`] (or [`build`]) and writes [`Program::to_bytes`] (or the serde
//! form) into the container's spec; the init calls [`install`]. Docker does not force
//! `no_new_privs`; without it the kernel lets only a thread with CAP_SYS_ADMIN install a filter. So
//! the init's order, as runc's `standard_init_linux.go` has it when no-new-privileges is off, is:
//!
//! 1. everything that needs calls the filter denies (mounts, pivot_root, sethostname, setns, the
//!    session keyring, a `personality` other than the five allowed values…);
//! 2. [`install`], still root with the full capability set;
//! 3. the switch to the container's user (`PR_SET_KEEPCAPS`, setgroups, setresgid, setresuid) and
//!    [`caps::apply`](super::caps::apply) — all of which the filter allows;
//! 4. close inherited fds, `execve`.
//!
//! With `--security-opt no-new-privileges` the init sets `PR_SET_NO_NEW_PRIVS` and may install the
//! filter last, after the capabilities are dropped, as runc then does. [`install`] never sets the
//! flag itself; without CAP_SYS_ADMIN and without the flag it fails with `PermissionDenied` and says
//! so.

use crate::error::{Error, Result};
use crate::runtime::caps::{self, CapSet};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::io;
use std::sync::{LazyLock, OnceLock};

// ---------------------------------------------------------------------------------------------
// The profile
// ---------------------------------------------------------------------------------------------

/// What the filter answers for a system call.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Action {
    Allow,
    /// Fail with this errno.
    Errno(u16),
    KillProcess,
}

impl Action {
    /// The `SECCOMP_RET_*` value.
    pub const fn ret(self) -> u32 {
        match self {
            Action::Allow => RET_ALLOW,
            Action::Errno(e) => RET_ERRNO | e as u32,
            Action::KillProcess => RET_KILL_PROCESS,
        }
    }
    /// The action of a `SECCOMP_RET_*` value this module produces.
    pub fn from_ret(ret: u32) -> Option<Action> {
        match ret & RET_ACTION_FULL {
            RET_ALLOW => Some(Action::Allow),
            RET_ERRNO => Some(Action::Errno((ret & RET_DATA) as u16)),
            RET_KILL_PROCESS => Some(Action::KillProcess),
            _ => None,
        }
    }
}

/// A comparison of one system call argument, as in the OCI spec / libseccomp (`SCMP_CMP_*`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    Ne,
    Lt,
    Le,
    Eq,
    Ge,
    Gt,
    /// `arg & mask == value`.
    MaskedEq(u64),
}

/// `args[arg] <op> value`, compared as unsigned 64-bit numbers (the low 32 bits on i386).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cmp {
    pub arg: u8,
    pub op: Op,
    pub value: u64,
}

impl Cmp {
    const fn new(arg: u8, op: Op, value: u64) -> Cmp {
        Cmp { arg, op, value }
    }

    /// Whether the comparison holds for these arguments (the reference semantics the compiled
    /// program must match).
    pub fn holds(&self, args: &[u64; 6], is_64: bool) -> bool {
        let trunc = |v: u64| if is_64 { v } else { v & 0xffff_ffff };
        let a = trunc(args[self.arg as usize]);
        let v = trunc(self.value);
        match self.op {
            Op::Ne => a != v,
            Op::Lt => a < v,
            Op::Le => a <= v,
            Op::Eq => a == v,
            Op::Ge => a >= v,
            Op::Gt => a > v,
            Op::MaskedEq(m) => a & trunc(m) == v,
        }
    }
}

/// One rule of the profile, with its `includes`/`excludes` filters already specialised to amd64.
struct Entry {
    /// The profile's own names (read by the tests that compare against the profile).
    #[cfg_attr(not(test), allow(dead_code))]
    names: &'static [&'static str],
    action: Action,
    /// All must hold.
    args: Vec<Cmp>,
    /// `includes.caps`: every one must be in the container's set.
    needs: CapSet,
    /// `excludes.caps`: none may be in the container's set.
    unless: CapSet,
    /// `includes.minKernel`.
    min_kernel: Option<(u32, u32)>,
    /// The call numbers of `names`, per ABI ([`Abi::column`]); names the ABI lacks are skipped, as
    /// runc does with names libseccomp cannot resolve.
    nrs: [Vec<u32>; 2],
}

const EPERM: u16 = libc::EPERM as u16;
const ENOSYS: u16 = libc::ENOSYS as u16;

/// `CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET |
/// CLONE_NEWCGROUP`.
pub const CLONE_NAMESPACE_FLAGS: u64 = 0x7E02_0000;

/// The socket address families moby's profile allows beyond `domain < 12` (AF_UNIX … AF_ROSE):
/// all the kernel still implements except AF_ALG (38) and AF_VSOCK (40).
const SOCKET_FAMILIES: &[u64] =
    &[13, 14, 15, 16, 17, 18, 21, 22, 24, 26, 27, 28, 29, 30, 31, 32, 33, 35, 36, 39, 41, 42, 43, 44, 45];

/// The unconditional allow list of moby/profiles `default.json` (361 names, in its order).
#[rustfmt::skip]
const ALLOWED: &[&str] = &[
    "accept", "accept4", "access", "adjtimex", "alarm", "bind", "brk", "cachestat", "capget",
    "capset", "chdir", "chmod", "chown", "chown32", "clock_adjtime", "clock_adjtime64",
    "clock_getres", "clock_getres_time64", "clock_gettime", "clock_gettime64", "clock_nanosleep",
    "clock_nanosleep_time64", "close", "close_range", "connect", "copy_file_range", "creat", "dup",
    "dup2", "dup3", "epoll_create", "epoll_create1", "epoll_ctl", "epoll_ctl_old", "epoll_pwait",
    "epoll_pwait2", "epoll_wait", "epoll_wait_old", "eventfd", "eventfd2", "execve", "execveat",
    "exit", "exit_group", "faccessat", "faccessat2", "fadvise64", "fadvise64_64", "fallocate",
    "fanotify_mark", "fchdir", "fchmod", "fchmodat", "fchmodat2", "fchown", "fchown32", "fchownat",
    "fcntl", "fcntl64", "fdatasync", "fgetxattr", "flistxattr", "flock", "fork", "fremovexattr",
    "fsetxattr", "fstat", "fstat64", "fstatat64", "fstatfs", "fstatfs64", "fsync", "ftruncate",
    "ftruncate64", "futex", "futex_requeue", "futex_time64", "futex_wait", "futex_waitv",
    "futex_wake", "futimesat", "getcpu", "getcwd", "getdents", "getdents64", "getegid", "getegid32",
    "geteuid", "geteuid32", "getgid", "getgid32", "getgroups", "getgroups32", "getitimer",
    "getpeername", "getpgid", "getpgrp", "getpid", "getppid", "getpriority", "getrandom",
    "getresgid", "getresgid32", "getresuid", "getresuid32", "getrlimit", "get_robust_list",
    "getrusage", "getsid", "getsockname", "getsockopt", "get_thread_area", "gettid", "gettimeofday",
    "getuid", "getuid32", "getxattr", "getxattrat", "inotify_add_watch", "inotify_init",
    "inotify_init1", "inotify_rm_watch", "io_cancel", "ioctl", "io_destroy", "io_getevents",
    "io_pgetevents", "io_pgetevents_time64", "ioprio_get", "ioprio_set", "io_setup", "io_submit",
    "ipc", "kill", "landlock_add_rule", "landlock_create_ruleset", "landlock_restrict_self",
    "lchown", "lchown32", "lgetxattr", "link", "linkat", "listen", "listmount", "listxattr",
    "listxattrat", "llistxattr", "_llseek", "lremovexattr", "lseek", "lsetxattr", "lstat",
    "lstat64", "madvise", "map_shadow_stack", "membarrier", "memfd_create", "memfd_secret",
    "mincore", "mkdir", "mkdirat", "mknod", "mknodat", "mlock", "mlock2", "mlockall", "mmap",
    "mmap2", "mprotect", "mq_getsetattr", "mq_notify", "mq_open", "mq_timedreceive",
    "mq_timedreceive_time64", "mq_timedsend", "mq_timedsend_time64", "mq_unlink", "mremap", "mseal",
    "msgctl", "msgget", "msgrcv", "msgsnd", "msync", "munlock", "munlockall", "munmap",
    "name_to_handle_at", "nanosleep", "newfstatat", "_newselect", "open", "openat", "openat2",
    "pause", "pidfd_open", "pidfd_send_signal", "pipe", "pipe2", "pkey_alloc", "pkey_free",
    "pkey_mprotect", "poll", "ppoll", "ppoll_time64", "prctl", "pread64", "preadv", "preadv2",
    "prlimit64", "process_mrelease", "pselect6", "pselect6_time64", "pwrite64", "pwritev",
    "pwritev2", "read", "readahead", "readlink", "readlinkat", "readv", "recv", "recvfrom",
    "recvmmsg", "recvmmsg_time64", "recvmsg", "remap_file_pages", "removexattr", "removexattrat",
    "rename", "renameat", "renameat2", "restart_syscall", "riscv_hwprobe", "rmdir", "rseq",
    "rt_sigaction", "rt_sigpending", "rt_sigprocmask", "rt_sigqueueinfo", "rt_sigreturn",
    "rt_sigsuspend", "rt_sigtimedwait", "rt_sigtimedwait_time64", "rt_tgsigqueueinfo",
    "sched_getaffinity", "sched_getattr", "sched_getparam", "sched_get_priority_max",
    "sched_get_priority_min", "sched_getscheduler", "sched_rr_get_interval",
    "sched_rr_get_interval_time64", "sched_setaffinity", "sched_setattr", "sched_setparam",
    "sched_setscheduler", "sched_yield", "seccomp", "select", "semctl", "semget", "semop",
    "semtimedop", "semtimedop_time64", "send", "sendfile", "sendfile64", "sendmmsg", "sendmsg",
    "sendto", "setfsgid", "setfsgid32", "setfsuid", "setfsuid32", "setgid", "setgid32", "setgroups",
    "setgroups32", "setitimer", "setpgid", "setpriority", "setregid", "setregid32", "setresgid",
    "setresgid32", "setresuid", "setresuid32", "setreuid", "setreuid32", "setrlimit",
    "set_robust_list", "setsid", "setsockopt", "set_thread_area", "set_tid_address", "setuid",
    "setuid32", "setxattr", "setxattrat", "shmat", "shmctl", "shmdt", "shmget", "shutdown",
    "sigaltstack", "signalfd", "signalfd4", "sigprocmask", "sigreturn", "socketcall", "socketpair",
    "splice", "stat", "stat64", "statfs", "statfs64", "statmount", "statx", "symlink", "symlinkat",
    "sync", "sync_file_range", "syncfs", "sysinfo", "tee", "tgkill", "time", "timer_create",
    "timer_delete", "timer_getoverrun", "timer_gettime", "timer_gettime64", "timer_settime",
    "timer_settime64", "timerfd_create", "timerfd_gettime", "timerfd_gettime64", "timerfd_settime",
    "timerfd_settime64", "times", "tkill", "truncate", "truncate64", "ugetrlimit", "umask", "uname",
    "unlink", "unlinkat", "uretprobe", "utime", "utimensat", "utimensat_time64", "utimes", "vfork",
    "vmsplice", "wait4", "waitid", "waitpid", "write", "writev",
];

static PROFILE: LazyLock<Vec<Entry>> = LazyLock::new(|| {
    use caps::*;
    let mut p: Vec<Entry> = Vec::new();
    let mut add = |names: &'static [&'static str], action, args: Vec<Cmp>, needs: &[u8], unless: &[u8]| {
        p.push(Entry {
            names,
            action,
            args,
            needs: CapSet::of(needs),
            unless: CapSet::of(unless),
            min_kernel: None,
            nrs: [resolve_names(names, Abi::X86_64), resolve_names(names, Abi::I386)],
        });
        p.len() - 1
    };
    let allow = Action::Allow;
    add(ALLOWED, allow, vec![], &[], &[]);
    // For everyone from kernel 4.8 on (before it, ptrace could bypass seccomp).
    let ptrace = add(&["process_vm_readv", "process_vm_writev", "ptrace"], allow, vec![], &[], &[]);
    add(&["socket"], allow, vec![Cmp::new(0, Op::Lt, 12)], &[], &[]);
    for &af in SOCKET_FAMILIES {
        add(&["socket"], allow, vec![Cmp::new(0, Op::Eq, af)], &[], &[]);
    }
    for v in [0, 0x0008, 0x20000, 0x20008, 0xffff_ffff] {
        add(&["personality"], allow, vec![Cmp::new(0, Op::Eq, v)], &[], &[]);
    }
    // Arch-specific entries: on amd64 moby keeps arch_prctl (amd64, x32) and modify_ldt (amd64,
    // x32, x86); the ppc64le, arm/arm64, s390/s390x and riscv64 entries and the s390 variant of
    // the clone rule do not apply.
    add(&["arch_prctl"], allow, vec![], &[], &[]);
    add(&["modify_ldt"], allow, vec![], &[], &[]);
    add(&["open_by_handle_at"], allow, vec![], &[DAC_READ_SEARCH], &[]);
    add(
        &[
            "bpf",
            "clone",
            "clone3",
            "fanotify_init",
            "fsconfig",
            "fsmount",
            "fsopen",
            "fspick",
            "lookup_dcookie",
            "lsm_get_self_attr",
            "lsm_list_modules",
            "lsm_set_self_attr",
            "mount",
            "mount_setattr",
            "move_mount",
            "open_tree",
            "perf_event_open",
            "quotactl",
            "quotactl_fd",
            "setdomainname",
            "sethostname",
            "setns",
            "syslog",
            "umount",
            "umount2",
            "unshare",
        ],
        allow,
        vec![],
        &[SYS_ADMIN],
        &[],
    );
    add(&["clone"], allow, vec![Cmp::new(0, Op::MaskedEq(CLONE_NAMESPACE_FLAGS), 0)], &[], &[SYS_ADMIN]);
    add(&["clone3"], Action::Errno(ENOSYS), vec![], &[], &[SYS_ADMIN]);
    add(&["reboot"], allow, vec![], &[SYS_BOOT], &[]);
    add(&["chroot"], allow, vec![], &[SYS_CHROOT], &[]);
    add(&["delete_module", "init_module", "finit_module"], allow, vec![], &[SYS_MODULE], &[]);
    add(&["acct"], allow, vec![], &[SYS_PACCT], &[]);
    add(
        &["kcmp", "pidfd_getfd", "process_madvise", "process_vm_readv", "process_vm_writev", "ptrace"],
        allow,
        vec![],
        &[SYS_PTRACE],
        &[],
    );
    add(&["iopl", "ioperm"], allow, vec![], &[SYS_RAWIO], &[]);
    add(&["settimeofday", "stime", "clock_settime", "clock_settime64"], allow, vec![], &[SYS_TIME], &[]);
    add(&["vhangup"], allow, vec![], &[SYS_TTY_CONFIG], &[]);
    add(&["get_mempolicy", "mbind", "set_mempolicy", "set_mempolicy_home_node"], allow, vec![], &[SYS_NICE], &[]);
    add(&["syslog"], allow, vec![], &[SYSLOG], &[]);
    add(&["bpf"], allow, vec![], &[BPF], &[]);
    add(&["perf_event_open"], allow, vec![], &[PERFMON], &[]);
    p[ptrace].min_kernel = Some((4, 8));
    p
});

/// The rules that apply to a container with capability (bounding) set `caps` on this kernel.
fn selected(caps: CapSet) -> impl Iterator<Item = &'static Entry> {
    PROFILE.iter().filter(move |e| {
        caps.intersect(e.needs) == e.needs
            && caps.intersect(e.unless).is_empty()
            && match e.min_kernel {
                Some((maj, min)) => kernel_at_least(maj, min),
                None => true,
            }
    })
}

fn kernel_at_least(maj: u32, min: u32) -> bool {
    static VERSION: OnceLock<(u32, u32)> = OnceLock::new();
    let v = *VERSION.get_or_init(|| {
        let uname = rustix::system::uname();
        let release = uname.release().to_string_lossy();
        let mut it = release.split(|c: char| !c.is_ascii_digit()).map(|s| s.parse().unwrap_or(0));
        match (it.next(), it.next()) {
            (Some(a), Some(b)) => (a, b),
            // Unparsable: assume a current kernel.
            _ => (u32::MAX, 0),
        }
    });
    v >= (maj, min)
}

// ---------------------------------------------------------------------------------------------
// System call numbers
// ---------------------------------------------------------------------------------------------

/// An ABI the filter distinguishes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Abi {
    X86_64,
    I386,
}

/// `AUDIT_ARCH_X86_64`.
pub const AUDIT_ARCH_X86_64: u32 = 0xC000_003E;
/// `AUDIT_ARCH_I386`.
pub const AUDIT_ARCH_I386: u32 = 0x4000_0003;
/// `__X32_SYSCALL_BIT`: x32 calls arrive as `AUDIT_ARCH_X86_64` with this bit in the number.
pub const X32_SYSCALL_BIT: u32 = 0x4000_0000;

impl Abi {
    const fn column(self) -> usize {
        match self {
            Abi::X86_64 => 0,
            Abi::I386 => 1,
        }
    }
    pub const fn audit_arch(self) -> u32 {
        match self {
            Abi::X86_64 => AUDIT_ARCH_X86_64,
            Abi::I386 => AUDIT_ARCH_I386,
        }
    }
    const fn is_64(self) -> bool {
        matches!(self, Abi::X86_64)
    }
}

/// The number of system call `name` on `abi`, for the names the profile uses.
pub fn syscall_number(name: &str, abi: Abi) -> Option<u32> {
    let i = SYSCALLS.binary_search_by(|(n, _, _)| (*n).cmp(name)).ok()?;
    let (_, x86_64, i386) = SYSCALLS[i];
    let nr = if abi == Abi::X86_64 { x86_64 } else { i386 };
    u32::try_from(nr).ok()
}

fn resolve_names(names: &[&str], abi: Abi) -> Vec<u32> {
    names.iter().filter_map(|n| syscall_number(n, abi)).collect()
}

/// (name, x86_64 number, i386 number; -1 = the ABI has no such call) for every name the profile
/// uses, sorted by name. From the kernel's UAPI `asm/unistd_64.h` and `asm/unistd_32.h` (as of
/// Linux 6.17, whose last call is 469). `recv`, `send` and `riscv_hwprobe` exist on neither ABI.
#[rustfmt::skip]
const SYSCALLS: &[(&str, i32, i32)] = &[
    ("_llseek", -1, 140), ("_newselect", -1, 142), ("accept", 43, -1), ("accept4", 288, 364),
    ("access", 21, 33), ("acct", 163, 51), ("adjtimex", 159, 124), ("alarm", 37, 27),
    ("arch_prctl", 158, 384), ("bind", 49, 361), ("bpf", 321, 357), ("brk", 12, 45),
    ("cachestat", 451, 451), ("capget", 125, 184), ("capset", 126, 185), ("chdir", 80, 12),
    ("chmod", 90, 15), ("chown", 92, 182), ("chown32", -1, 212), ("chroot", 161, 61),
    ("clock_adjtime", 305, 343), ("clock_adjtime64", -1, 405), ("clock_getres", 229, 266),
    ("clock_getres_time64", -1, 406), ("clock_gettime", 228, 265), ("clock_gettime64", -1, 403),
    ("clock_nanosleep", 230, 267), ("clock_nanosleep_time64", -1, 407), ("clock_settime", 227, 264),
    ("clock_settime64", -1, 404), ("clone", 56, 120), ("clone3", 435, 435), ("close", 3, 6),
    ("close_range", 436, 436), ("connect", 42, 362), ("copy_file_range", 326, 377),
    ("creat", 85, 8), ("delete_module", 176, 129), ("dup", 32, 41), ("dup2", 33, 63),
    ("dup3", 292, 330), ("epoll_create", 213, 254), ("epoll_create1", 291, 329),
    ("epoll_ctl", 233, 255), ("epoll_ctl_old", 214, -1), ("epoll_pwait", 281, 319),
    ("epoll_pwait2", 441, 441), ("epoll_wait", 232, 256), ("epoll_wait_old", 215, -1),
    ("eventfd", 284, 323), ("eventfd2", 290, 328), ("execve", 59, 11), ("execveat", 322, 358),
    ("exit", 60, 1), ("exit_group", 231, 252), ("faccessat", 269, 307), ("faccessat2", 439, 439),
    ("fadvise64", 221, 250), ("fadvise64_64", -1, 272), ("fallocate", 285, 324),
    ("fanotify_init", 300, 338), ("fanotify_mark", 301, 339), ("fchdir", 81, 133),
    ("fchmod", 91, 94), ("fchmodat", 268, 306), ("fchmodat2", 452, 452), ("fchown", 93, 95),
    ("fchown32", -1, 207), ("fchownat", 260, 298), ("fcntl", 72, 55), ("fcntl64", -1, 221),
    ("fdatasync", 75, 148), ("fgetxattr", 193, 231), ("finit_module", 313, 350),
    ("flistxattr", 196, 234), ("flock", 73, 143), ("fork", 57, 2), ("fremovexattr", 199, 237),
    ("fsconfig", 431, 431), ("fsetxattr", 190, 228), ("fsmount", 432, 432), ("fsopen", 430, 430),
    ("fspick", 433, 433), ("fstat", 5, 108), ("fstat64", -1, 197), ("fstatat64", -1, 300),
    ("fstatfs", 138, 100), ("fstatfs64", -1, 269), ("fsync", 74, 118), ("ftruncate", 77, 93),
    ("ftruncate64", -1, 194), ("futex", 202, 240), ("futex_requeue", 456, 456),
    ("futex_time64", -1, 422), ("futex_wait", 455, 455), ("futex_waitv", 449, 449),
    ("futex_wake", 454, 454), ("futimesat", 261, 299), ("get_mempolicy", 239, 275),
    ("get_robust_list", 274, 312), ("get_thread_area", 211, 244), ("getcpu", 309, 318),
    ("getcwd", 79, 183), ("getdents", 78, 141), ("getdents64", 217, 220), ("getegid", 108, 50),
    ("getegid32", -1, 202), ("geteuid", 107, 49), ("geteuid32", -1, 201), ("getgid", 104, 47),
    ("getgid32", -1, 200), ("getgroups", 115, 80), ("getgroups32", -1, 205), ("getitimer", 36, 105),
    ("getpeername", 52, 368), ("getpgid", 121, 132), ("getpgrp", 111, 65), ("getpid", 39, 20),
    ("getppid", 110, 64), ("getpriority", 140, 96), ("getrandom", 318, 355),
    ("getresgid", 120, 171), ("getresgid32", -1, 211), ("getresuid", 118, 165),
    ("getresuid32", -1, 209), ("getrlimit", 97, 76), ("getrusage", 98, 77), ("getsid", 124, 147),
    ("getsockname", 51, 367), ("getsockopt", 55, 365), ("gettid", 186, 224),
    ("gettimeofday", 96, 78), ("getuid", 102, 24), ("getuid32", -1, 199), ("getxattr", 191, 229),
    ("getxattrat", 464, 464), ("init_module", 175, 128), ("inotify_add_watch", 254, 292),
    ("inotify_init", 253, 291), ("inotify_init1", 294, 332), ("inotify_rm_watch", 255, 293),
    ("io_cancel", 210, 249), ("io_destroy", 207, 246), ("io_getevents", 208, 247),
    ("io_pgetevents", 333, 385), ("io_pgetevents_time64", -1, 416), ("io_setup", 206, 245),
    ("io_submit", 209, 248), ("ioctl", 16, 54), ("ioperm", 173, 101), ("iopl", 172, 110),
    ("ioprio_get", 252, 290), ("ioprio_set", 251, 289), ("ipc", -1, 117), ("kcmp", 312, 349),
    ("kill", 62, 37), ("landlock_add_rule", 445, 445), ("landlock_create_ruleset", 444, 444),
    ("landlock_restrict_self", 446, 446), ("lchown", 94, 16), ("lchown32", -1, 198),
    ("lgetxattr", 192, 230), ("link", 86, 9), ("linkat", 265, 303), ("listen", 50, 363),
    ("listmount", 458, 458), ("listxattr", 194, 232), ("listxattrat", 465, 465),
    ("llistxattr", 195, 233), ("lookup_dcookie", 212, 253), ("lremovexattr", 198, 236),
    ("lseek", 8, 19), ("lsetxattr", 189, 227), ("lsm_get_self_attr", 459, 459),
    ("lsm_list_modules", 461, 461), ("lsm_set_self_attr", 460, 460), ("lstat", 6, 107),
    ("lstat64", -1, 196), ("madvise", 28, 219), ("map_shadow_stack", 453, 453), ("mbind", 237, 274),
    ("membarrier", 324, 375), ("memfd_create", 319, 356), ("memfd_secret", 447, 447),
    ("mincore", 27, 218), ("mkdir", 83, 39), ("mkdirat", 258, 296), ("mknod", 133, 14),
    ("mknodat", 259, 297), ("mlock", 149, 150), ("mlock2", 325, 376), ("mlockall", 151, 152),
    ("mmap", 9, 90), ("mmap2", -1, 192), ("modify_ldt", 154, 123), ("mount", 165, 21),
    ("mount_setattr", 442, 442), ("move_mount", 429, 429), ("mprotect", 10, 125),
    ("mq_getsetattr", 245, 282), ("mq_notify", 244, 281), ("mq_open", 240, 277),
    ("mq_timedreceive", 243, 280), ("mq_timedreceive_time64", -1, 419), ("mq_timedsend", 242, 279),
    ("mq_timedsend_time64", -1, 418), ("mq_unlink", 241, 278), ("mremap", 25, 163),
    ("mseal", 462, 462), ("msgctl", 71, 402), ("msgget", 68, 399), ("msgrcv", 70, 401),
    ("msgsnd", 69, 400), ("msync", 26, 144), ("munlock", 150, 151), ("munlockall", 152, 153),
    ("munmap", 11, 91), ("name_to_handle_at", 303, 341), ("nanosleep", 35, 162),
    ("newfstatat", 262, -1), ("open", 2, 5), ("open_by_handle_at", 304, 342),
    ("open_tree", 428, 428), ("openat", 257, 295), ("openat2", 437, 437), ("pause", 34, 29),
    ("perf_event_open", 298, 336), ("personality", 135, 136), ("pidfd_getfd", 438, 438),
    ("pidfd_open", 434, 434), ("pidfd_send_signal", 424, 424), ("pipe", 22, 42),
    ("pipe2", 293, 331), ("pkey_alloc", 330, 381), ("pkey_free", 331, 382),
    ("pkey_mprotect", 329, 380), ("poll", 7, 168), ("ppoll", 271, 309), ("ppoll_time64", -1, 414),
    ("prctl", 157, 172), ("pread64", 17, 180), ("preadv", 295, 333), ("preadv2", 327, 378),
    ("prlimit64", 302, 340), ("process_madvise", 440, 440), ("process_mrelease", 448, 448),
    ("process_vm_readv", 310, 347), ("process_vm_writev", 311, 348), ("pselect6", 270, 308),
    ("pselect6_time64", -1, 413), ("ptrace", 101, 26), ("pwrite64", 18, 181), ("pwritev", 296, 334),
    ("pwritev2", 328, 379), ("quotactl", 179, 131), ("quotactl_fd", 443, 443), ("read", 0, 3),
    ("readahead", 187, 225), ("readlink", 89, 85), ("readlinkat", 267, 305), ("readv", 19, 145),
    ("reboot", 169, 88), ("recvfrom", 45, 371), ("recvmmsg", 299, 337),
    ("recvmmsg_time64", -1, 417), ("recvmsg", 47, 372), ("remap_file_pages", 216, 257),
    ("removexattr", 197, 235), ("removexattrat", 466, 466), ("rename", 82, 38),
    ("renameat", 264, 302), ("renameat2", 316, 353), ("restart_syscall", 219, 0), ("rmdir", 84, 40),
    ("rseq", 334, 386), ("rt_sigaction", 13, 174), ("rt_sigpending", 127, 176),
    ("rt_sigprocmask", 14, 175), ("rt_sigqueueinfo", 129, 178), ("rt_sigreturn", 15, 173),
    ("rt_sigsuspend", 130, 179), ("rt_sigtimedwait", 128, 177), ("rt_sigtimedwait_time64", -1, 421),
    ("rt_tgsigqueueinfo", 297, 335), ("sched_get_priority_max", 146, 159),
    ("sched_get_priority_min", 147, 160), ("sched_getaffinity", 204, 242),
    ("sched_getattr", 315, 352), ("sched_getparam", 143, 155), ("sched_getscheduler", 145, 157),
    ("sched_rr_get_interval", 148, 161), ("sched_rr_get_interval_time64", -1, 423),
    ("sched_setaffinity", 203, 241), ("sched_setattr", 314, 351), ("sched_setparam", 142, 154),
    ("sched_setscheduler", 144, 156), ("sched_yield", 24, 158), ("seccomp", 317, 354),
    ("select", 23, 82), ("semctl", 66, 394), ("semget", 64, 393), ("semop", 65, -1),
    ("semtimedop", 220, -1), ("semtimedop_time64", -1, 420), ("sendfile", 40, 187),
    ("sendfile64", -1, 239), ("sendmmsg", 307, 345), ("sendmsg", 46, 370), ("sendto", 44, 369),
    ("set_mempolicy", 238, 276), ("set_mempolicy_home_node", 450, 450),
    ("set_robust_list", 273, 311), ("set_thread_area", 205, 243), ("set_tid_address", 218, 258),
    ("setdomainname", 171, 121), ("setfsgid", 123, 139), ("setfsgid32", -1, 216),
    ("setfsuid", 122, 138), ("setfsuid32", -1, 215), ("setgid", 106, 46), ("setgid32", -1, 214),
    ("setgroups", 116, 81), ("setgroups32", -1, 206), ("sethostname", 170, 74),
    ("setitimer", 38, 104), ("setns", 308, 346), ("setpgid", 109, 57), ("setpriority", 141, 97),
    ("setregid", 114, 71), ("setregid32", -1, 204), ("setresgid", 119, 170),
    ("setresgid32", -1, 210), ("setresuid", 117, 164), ("setresuid32", -1, 208),
    ("setreuid", 113, 70), ("setreuid32", -1, 203), ("setrlimit", 160, 75), ("setsid", 112, 66),
    ("setsockopt", 54, 366), ("settimeofday", 164, 79), ("setuid", 105, 23), ("setuid32", -1, 213),
    ("setxattr", 188, 226), ("setxattrat", 463, 463), ("shmat", 30, 397), ("shmctl", 31, 396),
    ("shmdt", 67, 398), ("shmget", 29, 395), ("shutdown", 48, 373), ("sigaltstack", 131, 186),
    ("signalfd", 282, 321), ("signalfd4", 289, 327), ("sigprocmask", -1, 126),
    ("sigreturn", -1, 119), ("socket", 41, 359), ("socketcall", -1, 102), ("socketpair", 53, 360),
    ("splice", 275, 313), ("stat", 4, 106), ("stat64", -1, 195), ("statfs", 137, 99),
    ("statfs64", -1, 268), ("statmount", 457, 457), ("statx", 332, 383), ("stime", -1, 25),
    ("symlink", 88, 83), ("symlinkat", 266, 304), ("sync", 162, 36), ("sync_file_range", 277, 314),
    ("syncfs", 306, 344), ("sysinfo", 99, 116), ("syslog", 103, 103), ("tee", 276, 315),
    ("tgkill", 234, 270), ("time", 201, 13), ("timer_create", 222, 259), ("timer_delete", 226, 263),
    ("timer_getoverrun", 225, 262), ("timer_gettime", 224, 261), ("timer_gettime64", -1, 408),
    ("timer_settime", 223, 260), ("timer_settime64", -1, 409), ("timerfd_create", 283, 322),
    ("timerfd_gettime", 287, 326), ("timerfd_gettime64", -1, 410), ("timerfd_settime", 286, 325),
    ("timerfd_settime64", -1, 411), ("times", 100, 43), ("tkill", 200, 238), ("truncate", 76, 92),
    ("truncate64", -1, 193), ("ugetrlimit", -1, 191), ("umask", 95, 60), ("umount", -1, 22),
    ("umount2", 166, 52), ("uname", 63, 122), ("unlink", 87, 10), ("unlinkat", 263, 301),
    ("unshare", 272, 310), ("uretprobe", 335, -1), ("utime", 132, 30), ("utimensat", 280, 320),
    ("utimensat_time64", -1, 412), ("utimes", 235, 271), ("vfork", 58, 190), ("vhangup", 153, 111),
    ("vmsplice", 278, 316), ("wait4", 61, 114), ("waitid", 247, 284), ("waitpid", -1, 7),
    ("write", 1, 4), ("writev", 20, 146),
];

// ---------------------------------------------------------------------------------------------
// The program
// ---------------------------------------------------------------------------------------------

const RET_KILL_PROCESS: u32 = 0x8000_0000;
const RET_ERRNO: u32 = 0x0005_0000;
const RET_ALLOW: u32 = 0x7fff_0000;
const RET_ACTION_FULL: u32 = 0xffff_0000;
const RET_DATA: u32 = 0x0000_ffff;

const BPF_LD_W_ABS: u16 = 0x20;
const BPF_ALU_AND_K: u16 = 0x54;
const BPF_JA: u16 = 0x05;
const BPF_JEQ_K: u16 = 0x15;
const BPF_JGT_K: u16 = 0x25;
const BPF_JGE_K: u16 = 0x35;
const BPF_JSET_K: u16 = 0x45;
const BPF_RET_K: u16 = 0x06;

/// The kernel's limit on a filter's length (`BPF_MAXINSNS`).
pub const MAX_INSNS: usize = 4096;

const OFF_NR: u32 = 0;
const OFF_ARCH: u32 = 4;
const fn off_arg_lo(i: u8) -> u32 {
    16 + 8 * i as u32
}

/// One BPF instruction, laid out as the kernel's `struct sock_filter`.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Insn {
    pub code: u16,
    pub jt: u8,
    pub jf: u8,
    pub k: u32,
}

const _: () = assert!(std::mem::size_of::<Insn>() == std::mem::size_of::<libc::sock_filter>());
const _: () = assert!(std::mem::align_of::<Insn>() == std::mem::align_of::<libc::sock_filter>());

/// The input of a seccomp filter (`struct seccomp_data`), for [`Program::evaluate`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct SeccompData {
    pub nr: u32,
    pub arch: u32,
    pub instruction_pointer: u64,
    pub args: [u64; 6],
}

impl SeccompData {
    /// A call on `abi` with these arguments (missing ones are 0).
    pub fn call(abi: Abi, nr: u32, args: &[u64]) -> SeccompData {
        let mut a = [0u64; 6];
        a[..args.len()].copy_from_slice(args);
        SeccompData { nr, arch: abi.audit_arch(), instruction_pointer: 0, args: a }
    }

    fn word(&self, off: u32) -> u32 {
        // Offsets are multiples of 4: the low word of a u64 at 8n, the high one at 8n + 4.
        let q = |v: u64| if off & 4 == 0 { v as u32 } else { (v >> 32) as u32 };
        match off {
            0 => self.nr,
            4 => self.arch,
            8 | 12 => q(self.instruction_pointer),
            16..=63 => q(self.args[((off - 16) / 8) as usize]),
            _ => 0,
        }
    }
}

/// A compiled filter: a flat `sock_filter` array, ready for [`install`].
///
/// Stored in a spec as bytes ([`Program::to_bytes`]: 8 per instruction — `code` u16, `jt` u8, `jf`
/// u8, `k` u32, little-endian) or, with serde, as those bytes in hex.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Program(Vec<Insn>);

impl Program {
    pub fn instructions(&self) -> &[Insn] {
        &self.0
    }
    pub fn len(&self) -> usize {
        self.0.len()
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.0.len() * 8);
        for i in &self.0 {
            out.extend_from_slice(&i.code.to_le_bytes());
            out.push(i.jt);
            out.push(i.jf);
            out.extend_from_slice(&i.k.to_le_bytes());
        }
        out
    }

    /// Decode and check a program: 1 to 4096 instructions, only the instructions this module
    /// emits (loads of `seccomp_data` words, AND, forward jumps inside the program, returns), and
    /// the last one a return. The bytes are our own stored program: a bad one is `Corrupt`.
    pub fn from_bytes(bytes: &[u8]) -> Result<Program> {
        let chunks = bytes.chunks_exact(8);
        if !chunks.remainder().is_empty() || bytes.is_empty() || bytes.len() / 8 > MAX_INSNS {
            return Err(Error::corrupt(format!(
                "seccomp program: {} bytes is not 1 to {MAX_INSNS} instructions of 8 bytes",
                bytes.len()
            )));
        }
        let insns: Vec<Insn> = chunks
            .map(|c| Insn {
                code: u16::from_le_bytes([c[0], c[1]]),
                jt: c[2],
                jf: c[3],
                k: u32::from_le_bytes([c[4], c[5], c[6], c[7]]),
            })
            .collect();
        let n = insns.len();
        for (pc, i) in insns.iter().enumerate() {
            let bad = |why: &str| Err(Error::corrupt(format!("seccomp program: instruction {pc} ({i:?}): {why}")));
            let fits = |off: usize| pc + 1 + off < n;
            match i.code {
                BPF_LD_W_ABS if i.k % 4 == 0 && i.k < 64 => {}
                BPF_LD_W_ABS => return bad("load outside seccomp_data"),
                BPF_ALU_AND_K | BPF_RET_K => {}
                BPF_JA if fits(i.k as usize) => {}
                BPF_JEQ_K | BPF_JGT_K | BPF_JGE_K | BPF_JSET_K if fits(i.jt as usize) && fits(i.jf as usize) => {}
                BPF_JA | BPF_JEQ_K | BPF_JGT_K | BPF_JGE_K | BPF_JSET_K => return bad("jump past the end"),
                _ => return bad("unexpected instruction"),
            }
        }
        if insns[n - 1].code != BPF_RET_K {
            return Err(Error::corrupt("seccomp program: does not end with a return"));
        }
        Ok(Program(insns))
    }

    /// Run the program on `data` as the kernel would; the `SECCOMP_RET_*` value
    /// ([`Action::from_ret`] decodes it).
    pub fn evaluate(&self, data: &SeccompData) -> u32 {
        self.run(data).0
    }

    /// The result and the number of instructions executed.
    fn run(&self, data: &SeccompData) -> (u32, usize) {
        let mut a: u32 = 0;
        let mut pc = 0usize;
        let mut steps = 0;
        while let Some(i) = self.0.get(pc) {
            steps += 1;
            let jump = |cond: bool| pc + 1 + if cond { i.jt as usize } else { i.jf as usize };
            pc = match i.code {
                BPF_LD_W_ABS => {
                    a = data.word(i.k);
                    pc + 1
                }
                BPF_ALU_AND_K => {
                    a &= i.k;
                    pc + 1
                }
                BPF_JA => pc + 1 + i.k as usize,
                BPF_JEQ_K => jump(a == i.k),
                BPF_JGT_K => jump(a > i.k),
                BPF_JGE_K => jump(a >= i.k),
                BPF_JSET_K => jump(a & i.k != 0),
                BPF_RET_K => return (i.k, steps),
                _ => break,
            };
        }
        (RET_KILL_PROCESS, steps)
    }

    /// The action for a call on `abi` (a shorthand for tests and diagnostics).
    pub fn action(&self, abi: Abi, nr: u32, args: &[u64]) -> Option<Action> {
        Action::from_ret(self.evaluate(&SeccompData::call(abi, nr, args)))
    }
}

impl Serialize for Program {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let bytes = self.to_bytes();
        let mut out = String::with_capacity(bytes.len() * 2);
        for b in bytes {
            out.push(HEX[(b >> 4) as usize] as char);
            out.push(HEX[(b & 15) as usize] as char);
        }
        s.serialize_str(&out)
    }
}

impl<'de> Deserialize<'de> for Program {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Program, D::Error> {
        use serde::de::Error as _;
        let s = String::deserialize(d)?;
        let digit = |c: u8| (c as char).to_digit(16).map(|v| v as u8);
        if s.len() % 2 != 0 {
            return Err(D::Error::custom("seccomp program: odd number of hex digits"));
        }
        let bytes = s
            .as_bytes()
            .chunks_exact(2)
            .map(|p| Some(digit(p[0])? << 4 | digit(p[1])?))
            .collect::<Option<Vec<u8>>>()
            .ok_or_else(|| D::Error::custom("seccomp program: not hex"))?;
        Program::from_bytes(&bytes).map_err(|e| D::Error::custom(e.message()))
    }
}

// ---------------------------------------------------------------------------------------------
// Compiling
// ---------------------------------------------------------------------------------------------

/// What a call number does on one ABI, after merging every selected rule that names it.
#[derive(Clone, Debug, PartialEq)]
enum Decision {
    Default,
    Act(Action),
    /// `action` if any of the rules (each a conjunction) holds, else the default.
    Cond(Action, Vec<Vec<Cmp>>),
}

/// Merge a rule into a call's decision the way libseccomp does: an unconditional rule absorbs
/// conditional ones with the same action; two different actions for one call are a conflict.
fn merge(d: &mut Decision, action: Action, args: &[Cmp]) -> Result<()> {
    let conflict = || Err(Error::internal("seccomp profile: two actions for one system call"));
    match d {
        Decision::Default if args.is_empty() => *d = Decision::Act(action),
        Decision::Default => *d = Decision::Cond(action, vec![args.to_vec()]),
        Decision::Act(a) if *a == action => {}
        Decision::Cond(a, _) if *a == action && args.is_empty() => *d = Decision::Act(action),
        Decision::Cond(a, rules) if *a == action => rules.push(args.to_vec()),
        _ => return conflict(),
    }
    Ok(())
}

/// A program assembled backwards: every jump goes forward, so when a jump is emitted its targets
/// already exist and the distances are known. A [`Label`] is an index into the reversed vector.
struct Asm {
    rev: Vec<Insn>,
}

type Label = usize;

impl Asm {
    fn push(&mut self, i: Insn) -> Label {
        self.rev.push(i);
        self.rev.len() - 1
    }
    /// The offset from the instruction pushed next to `l`.
    fn dist(&self, l: Label) -> usize {
        self.rev.len() - l - 1
    }
    fn stmt(&mut self, code: u16, k: u32) -> Label {
        self.push(Insn { code, jt: 0, jf: 0, k })
    }
    fn ret(&mut self, k: u32) -> Label {
        self.stmt(BPF_RET_K, k)
    }
    fn ja(&mut self, to: Label) -> Label {
        let k = self.dist(to) as u32;
        self.stmt(BPF_JA, k)
    }
    /// A conditional jump; a target more than 255 instructions away goes through a `JA`.
    fn jump(&mut self, code: u16, k: u32, t: Label, f: Label) -> Label {
        let (mut t, mut f) = (t, f);
        loop {
            if self.dist(t) > 255 {
                t = self.ja(t);
            } else if self.dist(f) > 255 {
                f = self.ja(f);
            } else {
                break;
            }
        }
        let (jt, jf) = (self.dist(t) as u8, self.dist(f) as u8);
        self.push(Insn { code, jt, jf, k })
    }
    fn finish(mut self) -> Program {
        self.rev.reverse();
        Program(self.rev)
    }

    /// Code that goes to `ok` when `c` holds and to `fail` otherwise, as libseccomp compiles it:
    /// on a 64-bit ABI the high word decides first, then the low word.
    fn cmp(&mut self, c: &Cmp, is_64: bool, ok: Label, fail: Label) -> Label {
        let lo_off = off_arg_lo(c.arg);
        let hi_off = lo_off + 4;
        let (vhi, vlo) = ((c.value >> 32) as u32, c.value as u32);
        match c.op {
            Op::Eq | Op::Ne => {
                let (t, f) = if c.op == Op::Eq { (ok, fail) } else { (fail, ok) };
                self.jump(BPF_JEQ_K, vlo, t, f);
                let lo = self.stmt(BPF_LD_W_ABS, lo_off);
                if !is_64 {
                    return lo;
                }
                // hi != vhi decides alone: Eq fails, Ne holds.
                self.jump(BPF_JEQ_K, vhi, lo, f);
                self.stmt(BPF_LD_W_ABS, hi_off)
            }
            Op::MaskedEq(mask) => {
                let (mhi, mlo) = ((mask >> 32) as u32, mask as u32);
                if vlo & !mlo != 0 || (is_64 && vhi & !mhi != 0) {
                    return self.ja(fail); // value bits outside the mask: never holds
                }
                self.jump(BPF_JEQ_K, vlo, ok, fail);
                self.stmt(BPF_ALU_AND_K, mlo);
                let lo = self.stmt(BPF_LD_W_ABS, lo_off);
                if !is_64 || (mhi == 0 && vhi == 0) {
                    return lo; // the high word cannot matter
                }
                self.jump(BPF_JEQ_K, vhi, lo, fail);
                self.stmt(BPF_ALU_AND_K, mhi);
                self.stmt(BPF_LD_W_ABS, hi_off)
            }
            Op::Gt | Op::Ge | Op::Lt | Op::Le => {
                // The low-word test, and where a high word above/below the value's goes.
                // a < v ⇔ !(a >= v); a <= v ⇔ !(a > v).
                let (code, t, f, above, below) = match c.op {
                    Op::Gt => (BPF_JGT_K, ok, fail, ok, fail),
                    Op::Ge => (BPF_JGE_K, ok, fail, ok, fail),
                    Op::Lt => (BPF_JGE_K, fail, ok, fail, ok),
                    _ => (BPF_JGT_K, fail, ok, fail, ok),
                };
                self.jump(code, vlo, t, f);
                let lo = self.stmt(BPF_LD_W_ABS, lo_off);
                if !is_64 {
                    return lo;
                }
                // hi > vhi: `above`; hi == vhi: the low word decides; hi < vhi: `below`.
                let eq = self.jump(BPF_JEQ_K, vhi, lo, below);
                self.jump(BPF_JGT_K, vhi, above, eq);
                self.stmt(BPF_LD_W_ABS, hi_off)
            }
        }
    }

    /// The code for a conditional call: each rule (a conjunction) in turn, `action` on the first
    /// that holds, `fallback` when none does.
    fn cond(&mut self, action: Action, rules: &[Vec<Cmp>], is_64: bool, fallback: u32) -> Label {
        let mut next = self.ret(fallback);
        for rule in rules.iter().rev() {
            let mut ok = self.ret(action.ret());
            for c in rule.iter().rev() {
                ok = self.cmp(c, is_64, ok, next);
            }
            next = ok;
        }
        next
    }
}

/// A run of call numbers `start..` (up to the next segment) with one outcome.
#[derive(Clone, Copy, PartialEq)]
enum Leaf {
    Ret(u32),
    Cond(u32),
}

/// The block for one ABI: expects nothing in A; loads the call number, answers ENOSYS above the
/// highest number the profile names, then a balanced search over the number ranges.
fn abi_block(asm: &mut Asm, abi: Abi, entries: &[&Entry]) -> Result<Label> {
    let col = abi.column();
    let max = entries.iter().flat_map(|e| e.nrs[col].iter().copied()).max();
    let Some(max) = max else {
        return Err(Error::internal("seccomp profile: no system call on this ABI"));
    };
    let mut table = vec![Decision::Default; max as usize + 1];
    for e in entries {
        for &nr in &e.nrs[col] {
            merge(&mut table[nr as usize], e.action, &e.args)?;
        }
    }
    let default = Action::Errno(EPERM).ret();
    let mut segs: Vec<(u32, Leaf)> = Vec::new();
    for (nr, d) in table.iter().enumerate() {
        let leaf = match d {
            Decision::Default => Leaf::Ret(default),
            Decision::Act(a) => Leaf::Ret(a.ret()),
            Decision::Cond(..) => Leaf::Cond(nr as u32),
        };
        if matches!(leaf, Leaf::Ret(_)) && segs.last().map(|s| s.1) == Some(leaf) {
            continue;
        }
        segs.push((nr as u32, leaf));
    }

    fn tree(asm: &mut Asm, segs: &[(u32, Leaf)], table: &[Decision], is_64: bool, default: u32) -> Label {
        if let [(_, leaf)] = segs {
            return match *leaf {
                Leaf::Ret(k) => asm.ret(k),
                Leaf::Cond(nr) => match &table[nr as usize] {
                    Decision::Cond(a, rules) => asm.cond(*a, rules, is_64, default),
                    _ => unreachable!("a Cond leaf has a Cond decision"),
                },
            };
        }
        let mid = segs.len() / 2;
        let right = tree(asm, &segs[mid..], table, is_64, default);
        let left = tree(asm, &segs[..mid], table, is_64, default);
        asm.jump(BPF_JGE_K, segs[mid].0, right, left)
    }

    let search = tree(asm, &segs, &table, abi.is_64(), default);
    // Above the profile's last call (which also catches x32 numbers and -1): ENOSYS.
    let enosys = asm.ret(Action::Errno(ENOSYS).ret());
    asm.jump(BPF_JGT_K, max, enosys, search);
    Ok(asm.stmt(BPF_LD_W_ABS, OFF_NR))
}

/// Compile Docker's default profile for a container whose capability (bounding) set is `caps`.
///
/// Pure computation (no system calls after the first use, which reads the kernel version once):
/// ≈640 instructions, built in ≈10 µs in a release build (the `build_time` test measures it), so
/// it is computed at every start rather than cached.
pub fn build(caps: CapSet) -> Result<Program> {
    if !cfg!(target_arch = "x86_64") {
        return Err(Error::unsupported("seccomp: the default profile is compiled for x86_64 only"));
    }
    let entries: Vec<&Entry> = selected(caps).collect();
    let mut asm = Asm { rev: Vec::with_capacity(2048) };
    let i386 = abi_block(&mut asm, Abi::I386, &entries)?;
    let x86_64 = abi_block(&mut asm, Abi::X86_64, &entries)?;
    let kill = asm.ret(RET_KILL_PROCESS);
    let is_i386 = asm.jump(BPF_JEQ_K, AUDIT_ARCH_I386, i386, kill);
    asm.jump(BPF_JEQ_K, AUDIT_ARCH_X86_64, x86_64, is_i386);
    asm.stmt(BPF_LD_W_ABS, OFF_ARCH);
    let program = asm.finish();
    if program.len() > MAX_INSNS {
        return Err(Error::internal(format!("seccomp program too long: {}", program.len())));
    }
    Ok(program)
}

// ---------------------------------------------------------------------------------------------
// Choosing and installing
// ---------------------------------------------------------------------------------------------

/// The container's seccomp choice (`HostConfig.SecurityOpt` `seccomp=…`).
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub enum Profile {
    /// Docker's default profile (also `seccomp=builtin`).
    #[default]
    Default,
    /// `seccomp=unconfined`: no filter.
    Unconfined,
}

impl Profile {
    /// The choice made by `HostConfig.SecurityOpt`: the last `seccomp=<value>` entry (or the legacy
    /// `seccomp:<value>`); other options are left to their own parsers. `unconfined` → no filter;
    /// `builtin` or empty → the default. A custom JSON profile (what `docker run --security-opt
    /// seccomp=file.json` sends) is `Unsupported` for now; anything else is `InvalidArgument`.
    pub fn from_security_opts<S: AsRef<str>>(opts: &[S]) -> Result<Profile> {
        let mut profile = Profile::Default;
        for opt in opts {
            let opt = opt.as_ref();
            let value = match opt.split_once('=').or_else(|| opt.split_once(':')) {
                Some(("seccomp", v)) => v.trim(),
                _ => continue,
            };
            profile = match value {
                "unconfined" => Profile::Unconfined,
                "builtin" | "" => Profile::Default,
                v if v.starts_with('{') => {
                    return Err(Error::unsupported("custom seccomp profiles are not supported yet"))
                }
                v => return Err(Error::invalid(format!("Decoding seccomp profile failed: not a JSON profile: {v:?}"))),
            };
        }
        Ok(profile)
    }
}

/// Whether the running kernel has seccomp filters (`prctl(PR_GET_SECCOMP)` works).
pub fn supported() -> bool {
    static SUPPORTED: OnceLock<bool> = OnceLock::new();
    *SUPPORTED.get_or_init(|| rustix::thread::secure_computing_mode().is_ok())
}

/// The filter a container gets, as moby's `WithSeccomp` decides: none when it is `--privileged` or
/// `seccomp=unconfined`, none on a kernel without seccomp (Docker then runs the container without
/// its default profile), otherwise the default profile for its capability set.
pub fn for_container(profile: &Profile, caps: CapSet, privileged: bool) -> Result<Option<Program>> {
    if privileged || *profile == Profile::Unconfined || !supported() {
        return Ok(None);
    }
    build(caps).map(Some)
}

/// Install `program` on the calling thread (`seccomp(SECCOMP_SET_MODE_FILTER, 0, …)`), in the
/// container's init right before it drops capabilities and execs (see the module docs for the
/// order). Never sets `no_new_privs`: the caller needs CAP_SYS_ADMIN or must have set it. Makes
/// one system call and does not allocate unless it fails, so it is safe in a forked child.
pub fn install(program: &Program) -> io::Result<()> {
    if program.is_empty() || program.len() > MAX_INSNS {
        return Err(io::Error::new(io::ErrorKind::InvalidInput, "seccomp: empty or oversized program"));
    }
    let fprog = libc::sock_fprog {
        len: program.len() as u16,
        // The kernel only reads the program; Insn has sock_filter's layout (checked above).
        filter: program.0.as_ptr() as *mut libc::sock_filter,
    };
    const SECCOMP_SET_MODE_FILTER: libc::c_long = 1;
    // SAFETY: fprog points at program.len() valid instructions that outlive the call.
    let rc = unsafe {
        libc::syscall(libc::SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0 as libc::c_long, &fprog as *const libc::sock_fprog)
    };
    if rc == 0 {
        return Ok(());
    }
    let errno = io::Error::last_os_error().raw_os_error().unwrap_or(0);
    Err(io::Error::new(io::Error::from_raw_os_error(errno).kind(), InstallError { errno }))
}

/// Why [`install`] failed: the inner error of the `io::Error` it returns (the errno survives the
/// wrapping here; `io::Error::raw_os_error` of the outer error is `None`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InstallError {
    pub errno: i32,
}

impl InstallError {
    /// The errno of an error [`install`] returned.
    pub fn errno_of(e: &io::Error) -> Option<i32> {
        e.get_ref().and_then(|i| i.downcast_ref::<InstallError>()).map(|i| i.errno)
    }
}

impl std::fmt::Display for InstallError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let os = io::Error::from_raw_os_error(self.errno);
        if self.errno == libc::EACCES {
            write!(
                f,
                "seccomp: installing the filter needs CAP_SYS_ADMIN or no_new_privs; install it \
                 before dropping capabilities: {os}"
            )
        } else {
            write!(f, "seccomp: installing the filter: {os}")
        }
    }
}

impl std::error::Error for InstallError {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runtime::caps::testchild::{self, Reporter};
    use crate::runtime::caps::{self as c, CapSet};

    const D: CapSet = CapSet::DOCKER_DEFAULT;
    const ALLOW: Option<Action> = Some(Action::Allow);
    const DENY: Option<Action> = Some(Action::Errno(EPERM));
    const NOSYS: Option<Action> = Some(Action::Errno(ENOSYS));

    fn nr(name: &str) -> u32 {
        syscall_number(name, Abi::X86_64).unwrap_or_else(|| panic!("{name}"))
    }
    fn nr32(name: &str) -> u32 {
        syscall_number(name, Abi::I386).unwrap_or_else(|| panic!("{name}"))
    }

    #[test]
    fn table_sorted_and_complete() {
        assert!(SYSCALLS.windows(2).all(|w| w[0].0 < w[1].0), "SYSCALLS must be sorted and unique");
        assert_eq!(ALLOWED.len(), 361);
        let unknown: Vec<&str> = PROFILE
            .iter()
            .flat_map(|e| e.names.iter().copied())
            .filter(|n| syscall_number(n, Abi::X86_64).is_none() && syscall_number(n, Abi::I386).is_none())
            .collect();
        assert_eq!(unknown, ["recv", "riscv_hwprobe", "send"]);
        // Spot checks against the kernel's tables (libc has the x86_64 numbers).
        assert_eq!((nr("read"), nr("unshare"), nr("clone3"), nr("removexattrat")), (0, 272, 435, 466));
        for (name, n) in [
            ("getpid", libc::SYS_getpid),
            ("personality", libc::SYS_personality),
            ("mount", libc::SYS_mount),
            ("socket", libc::SYS_socket),
            ("clone", libc::SYS_clone),
            ("statx", libc::SYS_statx),
            ("pidfd_open", libc::SYS_pidfd_open),
        ] {
            assert_eq!(nr(name) as i64, n, "{name}");
        }
        assert_eq!((nr32("getpid"), nr32("unshare"), nr32("socketcall"), nr32("socket")), (20, 310, 102, 359));
        assert_eq!(syscall_number("socketcall", Abi::X86_64), None);
        assert_eq!(syscall_number("arch_prctl", Abi::I386), Some(384));
        // Calls no rule names are not in the table at all: they get the default.
        assert_eq!(syscall_number("keyctl", Abi::X86_64), None);
    }

    /// The profile's meaning, evaluated directly from the rules (what the program must compute):
    /// the first selected rule naming the call whose conditions hold, ENOSYS above the highest
    /// number named, else EPERM.
    struct Reference {
        max: [u32; 2],
        rules: Vec<(&'static Entry, [std::collections::HashSet<u32>; 2])>,
    }

    impl Reference {
        fn new(caps: CapSet) -> Reference {
            let rules: Vec<_> =
                selected(caps).map(|e| (e, [0, 1].map(|c| e.nrs[c].iter().copied().collect()))).collect();
            let max = [0, 1].map(|c| rules.iter().flat_map(|(e, _)| e.nrs[c].iter().copied()).max().unwrap());
            Reference { max, rules }
        }
        fn action(&self, abi: Abi, nr: u32, args: &[u64; 6]) -> Action {
            let col = abi.column();
            if nr > self.max[col] {
                return Action::Errno(ENOSYS);
            }
            for (e, nrs) in &self.rules {
                if nrs[col].contains(&nr) && e.args.iter().all(|c| c.holds(args, abi.is_64())) {
                    return e.action;
                }
            }
            Action::Errno(EPERM)
        }
    }

    fn cap_variants() -> Vec<CapSet> {
        vec![
            D,
            CapSet::EMPTY,
            D.with(c::SYS_ADMIN),
            D.without(c::SYS_CHROOT),
            D.with(c::SYS_PTRACE).with(c::SYSLOG).with(c::BPF).with(c::PERFMON),
            D.with(c::DAC_READ_SEARCH).with(c::SYS_NICE).with(c::SYS_TIME).with(c::SYS_BOOT),
            CapSet(caps::known().bits()),
        ]
    }

    #[test]
    fn program_matches_the_rules_exhaustively() {
        let arg0s: &[u64] = &[
            0,
            1,
            2,
            8,
            10,
            11,
            12,
            13,
            16,
            17,
            19,
            20,
            23,
            37,
            38,
            39,
            40,
            45,
            46,
            0x20000,
            0x20008,
            0x40000,
            0xffff_ffff,
            0x1_0000_0002,
            0x1_ffff_ffff,
            17 | 0x1000_0000,
            17 | 0x2_0000,
            CLONE_NAMESPACE_FLAGS,
            0x0100_0000 | 17,
            u64::MAX,
        ];
        for caps in cap_variants() {
            let p = build(caps).unwrap();
            let reference = Reference::new(caps);
            for abi in [Abi::X86_64, Abi::I386] {
                for n in (0..520).chain([X32_SYSCALL_BIT, X32_SYSCALL_BIT | 39, u32::MAX]) {
                    for &a0 in arg0s {
                        let args = [a0, a0 ^ 1, 0, 0, 0, 0];
                        let got = p.action(abi, n, &args);
                        let want = reference.action(abi, n, &args);
                        assert_eq!(got, Some(want), "{caps:?} {abi:?} nr {n} arg0 {a0:#x}");
                    }
                }
            }
            // Any other architecture dies.
            let other = SeccompData { nr: 0, arch: 0xC000_00B7, ..Default::default() };
            assert_eq!(Action::from_ret(p.evaluate(&other)), Some(Action::KillProcess));
        }
    }

    #[test]
    fn comparisons_compile_like_their_definition() {
        // Every operator on both ABIs against values around the 32-bit boundary.
        let values = [0u64, 1, 5, 0xffff_fffe, 0xffff_ffff, 0x1_0000_0000, 0x1_0000_0005, u64::MAX];
        let ops = [Op::Ne, Op::Lt, Op::Le, Op::Eq, Op::Ge, Op::Gt, Op::MaskedEq(0xff), Op::MaskedEq(0x1_0000_00f0)];
        for op in ops {
            for &v in &values {
                let c = Cmp::new(2, op, v);
                for is_64 in [true, false] {
                    let mut asm = Asm { rev: vec![] };
                    let no = asm.ret(0);
                    let yes = asm.ret(1);
                    asm.cmp(&c, is_64, yes, no);
                    let p = asm.finish();
                    for &a in &values {
                        let d = SeccompData { args: [0, 0, a, 0, 0, 0], ..Default::default() };
                        let want = c.holds(&d.args, is_64) as u32;
                        assert_eq!(p.evaluate(&d), want, "{op:?} {v:#x} on {a:#x}, 64-bit {is_64}");
                    }
                }
            }
        }
    }

    #[test]
    fn default_profile_decisions() {
        let p = build(D).unwrap();
        let x = |name: &str, args: &[u64]| p.action(Abi::X86_64, nr(name), args);
        for name in [
            "read",
            "write",
            "openat",
            "getpid",
            "execve",
            "fork",
            "wait4",
            "capset",
            "prctl",
            "setresuid",
            "close_range",
            "ptrace",
        ] {
            assert_eq!(x(name, &[]), ALLOW, "{name}");
        }
        for name in [
            "mount",
            "umount2",
            "unshare",
            "setns",
            "bpf",
            "perf_event_open",
            "reboot",
            "init_module",
            "sethostname",
            "open_by_handle_at",
            "kcmp",
            "syslog",
            "settimeofday",
            "acct",
            "iopl",
            "vhangup",
            "mbind",
        ] {
            assert_eq!(x(name, &[]), DENY, "{name}");
        }
        // Named by no rule: the default.
        for (name, n) in [
            ("keyctl", libc::SYS_keyctl),
            ("add_key", libc::SYS_add_key),
            ("request_key", libc::SYS_request_key),
            ("pivot_root", libc::SYS_pivot_root),
            ("kexec_load", libc::SYS_kexec_load),
            ("swapon", libc::SYS_swapon),
            ("userfaultfd", libc::SYS_userfaultfd),
            ("io_uring_setup", libc::SYS_io_uring_setup),
            ("move_pages", libc::SYS_move_pages),
        ] {
            assert_eq!(p.action(Abi::X86_64, n as u32, &[]), DENY, "{name}");
        }
        assert_eq!(x("chroot", &[]), ALLOW, "SYS_CHROOT is a default capability");
        assert_eq!(x("clone3", &[]), NOSYS);
        assert_eq!(x("clone", &[libc::SIGCHLD as u64]), ALLOW);
        assert_eq!(x("clone", &[0x3d0f00]), ALLOW, "pthread_create's flags");
        assert_eq!(x("clone", &[libc::CLONE_NEWUSER as u64 | 17]), DENY);
        assert_eq!(x("clone", &[libc::CLONE_NEWNS as u64]), DENY);
        assert_eq!(x("socket", &[libc::AF_INET as u64, 1]), ALLOW);
        assert_eq!(x("socket", &[libc::AF_UNIX as u64]), ALLOW);
        assert_eq!(x("socket", &[libc::AF_NETLINK as u64]), ALLOW);
        assert_eq!(x("socket", &[libc::AF_PACKET as u64]), ALLOW);
        assert_eq!(x("socket", &[libc::AF_ALG as u64]), DENY);
        assert_eq!(x("socket", &[libc::AF_VSOCK as u64]), DENY);
        assert_eq!(x("socket", &[12]), DENY, "AF_DECnet");
        assert_eq!(x("socket", &[46]), DENY, "past AF_MCTP");
        assert_eq!(x("socket", &[0x1_0000_0002]), DENY, "high bits set");
        assert_eq!(x("personality", &[0xffff_ffff]), ALLOW);
        assert_eq!(x("personality", &[0x0040000]), DENY, "ADDR_NO_RANDOMIZE");
        // Above the profile's last call: ENOSYS (open_tree_attr 467, file_getattr 468, …).
        assert_eq!(p.action(Abi::X86_64, 466, &[]), ALLOW);
        assert_eq!(p.action(Abi::X86_64, 467, &[]), NOSYS);
        assert_eq!(p.action(Abi::X86_64, 100_000, &[]), NOSYS);
        // Holes inside the table: EPERM, as runc does.
        assert_eq!(p.action(Abi::X86_64, 400, &[]), DENY);
        // x32: ENOSYS for everything.
        assert_eq!(p.action(Abi::X86_64, X32_SYSCALL_BIT | nr("getpid"), &[]), NOSYS);
        // i386 by name.
        let y = |name: &str, args: &[u64]| p.action(Abi::I386, nr32(name), args);
        for name in ["getpid", "socketcall", "ipc", "mmap2", "waitpid", "_llseek", "chown32"] {
            assert_eq!(y(name, &[]), ALLOW, "i386 {name}");
        }
        // keyctl 288, unshare 310, mount 21, pivot_root 217, vm86 166 on i386.
        for (name, n) in [("keyctl", 288), ("unshare", 310), ("mount", 21), ("pivot_root", 217), ("vm86", 166)] {
            assert_eq!(p.action(Abi::I386, n, &[]), DENY, "i386 {name}");
        }
        assert_eq!(y("clone3", &[]), NOSYS);
        assert_eq!(y("clone", &[libc::CLONE_NEWUSER as u64]), DENY);
        assert_eq!(y("socket", &[libc::AF_VSOCK as u64]), DENY);
        assert_eq!(y("personality", &[0xffff_ffff]), ALLOW);
    }

    #[test]
    fn capabilities_open_their_calls() {
        let admin = build(D.with(c::SYS_ADMIN)).unwrap();
        for name in ["mount", "umount2", "unshare", "setns", "sethostname", "bpf", "fsopen", "clone3"] {
            assert_eq!(admin.action(Abi::X86_64, nr(name), &[]), ALLOW, "{name}");
        }
        assert_eq!(admin.action(Abi::X86_64, nr("clone"), &[libc::CLONE_NEWUSER as u64]), ALLOW);
        assert_eq!(admin.action(Abi::X86_64, libc::SYS_keyctl as u32, &[]), DENY, "not even with SYS_ADMIN");
        assert_eq!(admin.action(Abi::X86_64, libc::SYS_pivot_root as u32, &[]), DENY, "not even with SYS_ADMIN");

        let no_chroot = build(D.without(c::SYS_CHROOT)).unwrap();
        assert_eq!(no_chroot.action(Abi::X86_64, nr("chroot"), &[]), DENY);
        let ptrace = build(D.with(c::SYS_PTRACE)).unwrap();
        assert_eq!(ptrace.action(Abi::X86_64, nr("kcmp"), &[]), ALLOW);
        assert_eq!(ptrace.action(Abi::X86_64, nr("pidfd_getfd"), &[]), ALLOW);
        let syslog = build(D.with(c::SYSLOG)).unwrap();
        assert_eq!(syslog.action(Abi::X86_64, nr("syslog"), &[]), ALLOW);
        let time = build(D.with(c::SYS_TIME)).unwrap();
        assert_eq!(time.action(Abi::X86_64, nr("clock_settime"), &[]), ALLOW);
        assert_eq!(time.action(Abi::I386, nr32("stime"), &[]), ALLOW);
    }

    #[test]
    fn evaluation_is_short() {
        // Every system call pays for the filter: a balanced search, not a linear scan.
        let p = build(D).unwrap();
        let mut worst = 0;
        for abi in [Abi::X86_64, Abi::I386] {
            for n in 0..470 {
                let name_is_socket = n == nr("socket") && abi == Abi::X86_64 || n == nr32("socket") && abi == Abi::I386;
                let (_, steps) = p.run(&SeccompData::call(abi, n, &[libc::AF_INET as u64]));
                if !name_is_socket {
                    worst = worst.max(steps);
                }
            }
        }
        let (_, read) = p.run(&SeccompData::call(Abi::X86_64, 0, &[]));
        let (_, af_mctp) = p.run(&SeccompData::call(Abi::X86_64, nr("socket"), &[45]));
        eprintln!("filter steps: read {read}, worst non-socket call {worst}, socket(AF_MCTP) {af_mctp}");
        assert!(worst <= 40, "{worst}");
        assert!(af_mctp <= 160, "{af_mctp}");
    }

    #[test]
    fn program_round_trips() {
        let p = build(D).unwrap();
        assert!(p.len() < MAX_INSNS);
        let bytes = p.to_bytes();
        assert_eq!(bytes.len(), p.len() * 8);
        assert_eq!(Program::from_bytes(&bytes).unwrap(), p);
        let json = serde_json::to_string(&p).unwrap();
        assert_eq!(serde_json::from_str::<Program>(&json).unwrap(), p);
        // Deterministic.
        assert_eq!(build(D).unwrap(), p);

        assert_eq!(Program::from_bytes(&bytes[..7]).unwrap_err().kind(), crate::ErrorKind::Corrupt);
        assert!(Program::from_bytes(&[]).is_err());
        let mut bad = bytes.clone();
        let last = bad.len() - 8;
        bad[last..].copy_from_slice(&[0x05, 0, 0, 0, 0, 0, 0, 0]); // JA past the end
        assert!(Program::from_bytes(&bad).is_err());
        let mut bad = bytes.clone();
        bad[0..2].copy_from_slice(&0x30u16.to_le_bytes()); // LD B ABS: not ours
        assert!(Program::from_bytes(&bad).is_err());
        assert!(serde_json::from_str::<Program>("\"zz\"").is_err());
    }

    #[test]
    fn security_opts() {
        let p = |o: &[&str]| Profile::from_security_opts(o);
        assert_eq!(p(&[]).unwrap(), Profile::Default);
        assert_eq!(p(&["seccomp=unconfined"]).unwrap(), Profile::Unconfined);
        assert_eq!(p(&["seccomp:unconfined"]).unwrap(), Profile::Unconfined);
        assert_eq!(p(&["no-new-privileges", "seccomp=builtin"]).unwrap(), Profile::Default);
        assert_eq!(p(&["label=disable", "apparmor=unconfined"]).unwrap(), Profile::Default);
        assert_eq!(p(&["seccomp=unconfined", "seccomp=builtin"]).unwrap(), Profile::Default);
        assert_eq!(
            p(&[r#"seccomp={"defaultAction":"SCMP_ACT_ALLOW"}"#]).unwrap_err().kind(),
            crate::ErrorKind::Unsupported
        );
        assert_eq!(p(&["seccomp=/etc/profile.json"]).unwrap_err().kind(), crate::ErrorKind::InvalidArgument);

        assert!(for_container(&Profile::Default, D, true).unwrap().is_none(), "privileged");
        assert!(for_container(&Profile::Unconfined, D, false).unwrap().is_none());
        assert_eq!(for_container(&Profile::Default, D, false).unwrap(), Some(build(D).unwrap()));
    }

    #[test]
    fn build_time() {
        // Runs at every container start.
        let _ = build(D).unwrap(); // first use: the profile's tables and the kernel version
        let n = 200;
        let t = std::time::Instant::now();
        for i in 0..n {
            let caps = if i % 2 == 0 { D } else { D.with(c::SYS_ADMIN) };
            std::hint::black_box(build(caps).unwrap());
        }
        let per = t.elapsed() / n;
        eprintln!("seccomp::build: {per:?} per program ({} instructions)", build(D).unwrap().len());
        let limit = if cfg!(debug_assertions) { 20 } else { 1 };
        assert!(per < std::time::Duration::from_millis(limit), "{per:?}");
    }

    // --- installing in a forked child (root only) ---

    const CLONE_NEWNS: i64 = libc::CLONE_NEWNS as i64;
    const CLONE_NEWUSER: i64 = libc::CLONE_NEWUSER as i64;

    /// The checks a child makes under the filter; results as `name=value` (value = -errno).
    fn probe(r: &mut Reporter) {
        unsafe {
            r.status();
            r.sys("unshare_user", libc::syscall(libc::SYS_unshare, CLONE_NEWUSER));
            r.sys("unshare_ns", libc::syscall(libc::SYS_unshare, CLONE_NEWNS));
            r.sys(
                "mount",
                libc::syscall(
                    libc::SYS_mount,
                    c"none".as_ptr(),
                    c"/nonexistent-libdocker-test".as_ptr(),
                    c"tmpfs".as_ptr(),
                    0 as libc::c_long,
                    0 as libc::c_long,
                ),
            );
            r.sys("keyctl", libc::syscall(libc::SYS_keyctl, 0 as libc::c_long, -3 as libc::c_long, 0 as libc::c_long));
            r.sys("clone3", libc::syscall(libc::SYS_clone3, 0 as libc::c_long, 0 as libc::c_long));
            r.sys(
                "pivot_root",
                libc::syscall(libc::SYS_pivot_root, c"/nonexistent-a".as_ptr(), c"/nonexistent-b".as_ptr()),
            );
            r.sys("vsock", libc::socket(libc::AF_VSOCK, libc::SOCK_STREAM, 0) as i64);
            let s = libc::socket(libc::AF_INET, libc::SOCK_DGRAM, 0);
            r.sys("inet", s as i64);
            libc::close(s);
            r.sys("getpid", libc::syscall(libc::SYS_getpid));
            r.sys("syscall467", libc::syscall(467));
            // open, read, write
            let fd = libc::open(c"/proc/self/stat".as_ptr(), libc::O_RDONLY | libc::O_CLOEXEC);
            let mut buf = [0u8; 64];
            r.sys("read", libc::read(fd, buf.as_mut_ptr().cast(), buf.len()) as i64);
            libc::close(fd);
            // fork + wait
            let pid = libc::fork();
            if pid == 0 {
                libc::_exit(7);
            }
            let mut st = 0;
            libc::waitpid(pid, &mut st, 0);
            r.kv("fork_exit", if pid > 0 && libc::WIFEXITED(st) { libc::WEXITSTATUS(st) as i64 } else { -1 });
        }
    }

    /// Install `program` in a child, probe, then exec /bin/true (exit 0 = execve works).
    fn in_filtered_child(program: &Program) -> testchild::Outcome {
        let t = testchild::argv(&["/bin/true"]);
        testchild::run(|r| {
            if let Err(e) = install(program) {
                r.kv("install", -(InstallError::errno_of(&e).unwrap_or(0) as i64));
                return 1;
            }
            probe(r);
            r.exec(&t);
            2
        })
    }

    const EPERM_: i64 = -(libc::EPERM as i64);
    const ENOSYS_: i64 = -(libc::ENOSYS as i64);

    /// Installing a filter needs root (as the whole suite runs) and a kernel with seccomp filters
    /// (every kernel the engine supports; on one without, containers would run unfiltered).
    fn require_root_and_seccomp() {
        testchild::require_root();
        assert!(supported(), "this test needs a kernel with seccomp filters (CONFIG_SECCOMP_FILTER)");
    }

    #[test]
    fn installed_default_profile() {
        require_root_and_seccomp();
        let o = in_filtered_child(&build(D).unwrap());
        assert_eq!(o.code, 0, "exec /bin/true under the filter:\n{}", o.report);
        assert_eq!(o.get("Seccomp"), Some("2"));
        assert_eq!(o.get("NoNewPrivs"), Some("0"), "Docker does not set no_new_privs");
        assert_eq!(o.num("unshare_user"), EPERM_);
        assert_eq!(o.num("unshare_ns"), EPERM_);
        assert_eq!(o.num("mount"), EPERM_, "a filter-less root would get ENOENT");
        assert_eq!(o.num("keyctl"), EPERM_);
        assert_eq!(o.num("clone3"), ENOSYS_);
        assert_eq!(o.num("pivot_root"), EPERM_);
        assert_eq!(o.num("vsock"), EPERM_);
        assert!(o.num("inet") >= 0);
        assert!(o.num("getpid") > 0);
        assert_eq!(o.num("syscall467"), ENOSYS_);
        assert!(o.num("read") > 0);
        assert_eq!(o.num("fork_exit"), 7);
    }

    /// The same probes with no filter: the control that shows the EPERMs are the filter's.
    fn unfiltered() -> testchild::Outcome {
        testchild::run(|r| {
            probe(r);
            0
        })
    }

    #[test]
    fn without_a_filter_the_probes_differ() {
        testchild::require_root();
        let o = unfiltered();
        assert_eq!(o.code, 0, "{}", o.report);
        assert_eq!(o.get("Seccomp"), Some("0"));
        assert_eq!(o.num("mount"), -(libc::ENOENT as i64));
        assert_eq!(o.num("pivot_root"), -(libc::ENOENT as i64));
        assert_eq!(o.num("clone3"), -(libc::EINVAL as i64));
        assert_eq!(o.num("unshare_ns"), 0);
        assert_ne!(o.num("keyctl"), EPERM_);
    }

    #[test]
    fn installed_with_sys_admin() {
        require_root_and_seccomp();
        let o = in_filtered_child(&build(D.with(c::SYS_ADMIN)).unwrap());
        assert_eq!(o.code, 0, "{}", o.report);
        assert_eq!(o.get("Seccomp"), Some("2"));
        // The child is still root with every capability, so with SYS_ADMIN in the set the filter
        // no longer stands in the way: the calls do what they do without a filter.
        assert_eq!(o.num("unshare_ns"), 0);
        let control = unfiltered();
        for probe in ["unshare_user", "unshare_ns", "mount", "clone3"] {
            assert_eq!(o.num(probe), control.num(probe), "{probe}");
        }
        // What the profile never allows stays denied.
        assert_eq!(o.num("keyctl"), EPERM_);
        assert_eq!(o.num("pivot_root"), EPERM_);
        assert_eq!(o.num("vsock"), EPERM_);
    }

    #[test]
    fn filter_then_non_root_user_then_caps() {
        // The init's order: install as root, switch user with KEEPCAPS, apply the capabilities,
        // exec. Every step after the install must pass the filter.
        require_root_and_seccomp();
        let program = build(D).unwrap();
        let cat = testchild::argv(&["/bin/cat", "/proc/self/status"]);
        let o = testchild::run(|r| unsafe {
            if install(&program).is_err() {
                return 1;
            }
            r.sys("keepcaps", libc::prctl(libc::PR_SET_KEEPCAPS, 1, 0, 0, 0) as i64);
            r.sys("setgroups", libc::setgroups(0, std::ptr::null()) as i64);
            r.sys("setresgid", libc::setresgid(1000, 1000, 1000) as i64);
            r.sys("setresuid", libc::setresuid(1000, 1000, 1000) as i64);
            if c::apply(D).is_err() {
                return 3;
            }
            // As uid 1000 without CAP_SYS_ADMIN a second filter needs no_new_privs.
            r.kv(
                "second_install",
                install(&program).err().and_then(|e| InstallError::errno_of(&e)).unwrap_or(0) as i64,
            );
            r.exec(&cat);
            4
        });
        assert_eq!(o.code, 0, "{}", o.report);
        for step in ["keepcaps", "setgroups", "setresgid", "setresuid"] {
            assert_eq!(o.num(step), 0, "{step}");
        }
        assert_eq!(o.num("second_install"), libc::EACCES as i64);
        assert_eq!(o.get("Seccomp"), Some("2"));
        assert_eq!(o.get("Seccomp_filters"), Some("1"));
        assert_eq!(o.get("CapEff"), Some("0000000000000000"));
        assert_eq!(o.get("CapBnd"), Some("00000000a80425fb"));
    }

    #[test]
    fn install_without_privilege_explains_the_order() {
        require_root_and_seccomp();
        let program = build(D).unwrap();
        let o = testchild::run(|r| {
            if c::apply(D).is_err() {
                return 1;
            }
            match install(&program) {
                Ok(()) => 2,
                Err(e) => {
                    r.write(e.to_string().as_bytes());
                    (e.kind() == io::ErrorKind::PermissionDenied) as i32 - 1
                }
            }
        });
        assert_eq!(o.code, 0, "{}", o.report);
        assert!(o.report.contains("needs CAP_SYS_ADMIN or no_new_privs"), "{}", o.report);
    }

    /// An i386 system call from this 64-bit process (`int 0x80`).
    #[cfg(target_arch = "x86_64")]
    unsafe fn int80(nr: u32, a1: u32, a2: u32) -> i32 {
        let ret: i32;
        // rbx is reserved by LLVM: swap the first argument in and out around the trap.
        std::arch::asm!(
            "xchg {b}, rbx",
            "int 0x80",
            "xchg {b}, rbx",
            b = inout(reg) a1 as u64 => _,
            inlateout("eax") nr as i32 => ret,
            in("ecx") a2,
            in("edx") 0u32,
            options(nostack)
        );
        ret
    }

    /// Some kernels are built or booted without IA32 emulation (`int 0x80` then kills the
    /// process): the test host has it; `scripts/test.sh` runs this with `--ignored`.
    #[cfg(target_arch = "x86_64")]
    #[test]
    #[ignore = "needs the i386 ABI (a kernel with IA32 emulation)"]
    fn installed_i386_abi() {
        require_root_and_seccomp();
        let plain = testchild::run(|r| {
            r.kv("getpid32", unsafe { int80(20, 0, 0) } as i64);
            r.kv("getpid", unsafe { libc::getpid() } as i64);
            0
        });
        assert!(
            plain.code == 0 && plain.num("getpid32") == plain.num("getpid"),
            "this test needs the i386 ABI, which this kernel lacks ({})",
            plain.report
        );
        let program = build(D).unwrap();
        let o = testchild::run(|r| unsafe {
            if install(&program).is_err() {
                return 1;
            }
            r.kv("getpid32", int80(20, 0, 0) as i64);
            r.kv("getpid", libc::getpid() as i64);
            r.kv("keyctl32", int80(288, 0, (-3i32) as u32) as i64);
            r.kv("unshare32", int80(310, libc::CLONE_NEWUSER as u32, 0) as i64);
            r.kv("clone3_32", int80(435, 0, 0) as i64);
            r.kv("nr467_32", int80(467, 0, 0) as i64);
            0
        });
        assert_eq!(o.code, 0, "{}", o.report);
        assert_eq!(o.num("getpid32"), o.num("getpid"));
        assert_eq!(o.num("keyctl32"), EPERM_);
        assert_eq!(o.num("unshare32"), EPERM_);
        assert_eq!(o.num("clone3_32"), ENOSYS_);
        assert_eq!(o.num("nr467_32"), ENOSYS_);
    }
}
