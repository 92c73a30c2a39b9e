//! The subcommands that try one thing (read, write, mknod, unshare, a syscall…) and report it.

use crate::util::*;
use serde_json::{json, Map, Value};
use std::ffi::{OsStr, OsString};
use std::os::unix::ffi::OsStrExt;

/// Reads stop after this many bytes (`/dev/zero` or an unmasked `/proc/kcore` never end).
const MAX_READ: usize = 1 << 20;
const PREFIX: usize = 200;

fn with(mut m: Map<String, Value>, extra: Value) -> Value {
    if let Value::Object(e) = extra {
        m.extend(e);
    }
    Value::Object(m)
}

/// Read `fd` to EOF (at most `max` bytes); the bytes and the read error, if any.
fn read_fd(fd: i32, max: usize) -> (Vec<u8>, Result<(), i32>, bool) {
    let mut data = Vec::new();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let want = buf.len().min(max + 1 - data.len().min(max));
        let n = unsafe { libc::read(fd, buf.as_mut_ptr().cast(), want) };
        if n < 0 {
            let e = errno();
            if e == libc::EINTR {
                continue;
            }
            return (data, Err(e), false);
        }
        if n == 0 {
            return (data, Ok(()), false);
        }
        data.extend_from_slice(&buf[..n as usize]);
        if data.len() > max {
            data.truncate(max);
            return (data, Ok(()), true);
        }
    }
}

/// `probe read PATH`: open (O_RDONLY|O_NONBLOCK) and read up to 1 MiB.
/// `stage` says which step failed ("open" or "read"), null on success.
pub fn read(path: &OsStr) -> Value {
    let c = cpath(path);
    let fd = unsafe { libc::open(c.as_ptr(), libc::O_RDONLY | libc::O_NONBLOCK | libc::O_CLOEXEC) };
    if fd < 0 {
        let e = errno();
        return with(
            status_fields(Err(e)),
            json!({"path": path.to_string_lossy(), "stage": "open", "bytes": 0, "truncated": false, "content_prefix": ""}),
        );
    }
    let (data, res, truncated) = read_fd(fd, MAX_READ);
    unsafe { libc::close(fd) };
    let stage = if res.is_err() { Value::from("read") } else { Value::Null };
    with(
        status_fields(res),
        json!({
            "path": path.to_string_lossy(),
            "stage": stage,
            "bytes": data.len(),
            "truncated": truncated,
            "content_prefix": prefix(&data, PREFIX),
        }),
    )
}

/// `probe write PATH [DATA]`: open with O_WRONLY|O_CREAT|O_APPEND (mode 0644), write DATA if any.
pub fn write(path: &OsStr, data: Option<&OsStr>) -> Value {
    let c = cpath(path);
    let data = data.map(|d| d.as_bytes().to_vec()).unwrap_or_default();
    let fd = unsafe {
        libc::open(c.as_ptr(), libc::O_WRONLY | libc::O_CREAT | libc::O_APPEND | libc::O_CLOEXEC, 0o644 as libc::c_uint)
    };
    if fd < 0 {
        let e = errno();
        return with(status_fields(Err(e)), json!({"path": path.to_string_lossy(), "stage": "open", "bytes": 0}));
    }
    let mut written = 0usize;
    let mut res = Ok(());
    while written < data.len() {
        let n = unsafe { libc::write(fd, data[written..].as_ptr().cast(), data.len() - written) };
        if n < 0 {
            let e = errno();
            if e == libc::EINTR {
                continue;
            }
            res = Err(e);
            break;
        }
        written += n as usize;
    }
    let mut stage = if res.is_err() { Value::from("write") } else { Value::Null };
    if unsafe { libc::close(fd) } != 0 && res.is_ok() {
        res = Err(errno());
        stage = Value::from("close");
    }
    with(status_fields(res), json!({"path": path.to_string_lossy(), "stage": stage, "bytes": written}))
}

/// `probe ls PATH`: the entry names, sorted, without "." and "..".
pub fn ls(path: &OsStr) -> Value {
    match std::fs::read_dir(path) {
        Ok(rd) => {
            let mut names = Vec::new();
            let mut res = Ok(());
            for ent in rd {
                match ent {
                    Ok(e) => names.push(e.file_name().to_string_lossy().into_owned()),
                    Err(e) => {
                        res = Err(e.raw_os_error().unwrap_or(0));
                        break;
                    }
                }
            }
            names.sort();
            with(status_fields(res), json!({"path": path.to_string_lossy(), "entries": names}))
        }
        Err(e) => with(
            status_fields(Err(e.raw_os_error().unwrap_or(0))),
            json!({"path": path.to_string_lossy(), "entries": []}),
        ),
    }
}

fn file_type(mode: libc::mode_t) -> &'static str {
    match mode & libc::S_IFMT {
        libc::S_IFREG => "file",
        libc::S_IFDIR => "dir",
        libc::S_IFLNK => "symlink",
        libc::S_IFCHR => "char",
        libc::S_IFBLK => "block",
        libc::S_IFIFO => "fifo",
        libc::S_IFSOCK => "socket",
        _ => "unknown",
    }
}

/// `probe stat [-L] PATH`: lstat(2) (stat(2) with -L). `mode` is the octal permission string
/// with the setuid/setgid/sticky bits ("0755", "1777"); `target` is the link text of a symlink.
pub fn stat(path: &OsStr, follow: bool) -> Value {
    let c = cpath(path);
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    let rc = unsafe {
        if follow {
            libc::stat(c.as_ptr(), &mut st)
        } else {
            libc::lstat(c.as_ptr(), &mut st)
        }
    };
    if rc != 0 {
        let e = errno();
        return with(status_fields(Err(e)), json!({"path": path.to_string_lossy(), "type": Value::Null}));
    }
    let kind = file_type(st.st_mode);
    let target = if kind == "symlink" {
        opt_str(std::fs::read_link(path).ok().map(|p| p.to_string_lossy().into_owned()))
    } else {
        Value::Null
    };
    with(
        status_fields(Ok(())),
        json!({
            "path": path.to_string_lossy(),
            "type": kind,
            "mode": format!("{:04o}", st.st_mode & 0o7777),
            "uid": st.st_uid,
            "gid": st.st_gid,
            "rdev_major": libc::major(st.st_rdev),
            "rdev_minor": libc::minor(st.st_rdev),
            "nlink": st.st_nlink,
            "size": st.st_size,
            "ino": st.st_ino,
            "dev_major": libc::major(st.st_dev),
            "dev_minor": libc::minor(st.st_dev),
            "target": target,
        }),
    )
}

/// `probe mknod PATH c|b MAJ MIN`: mknod(2) with mode 0666, then open it O_RDONLY|O_NONBLOCK
/// and read one byte (the device cgroup decides at open). Reports the three steps.
pub fn mknod(path: &OsStr, kind: &str, major: u32, minor: u32) -> Value {
    let c = cpath(path);
    let ftype = if kind == "b" { libc::S_IFBLK } else { libc::S_IFCHR };
    let rc = unsafe { libc::mknod(c.as_ptr(), ftype | 0o666, libc::makedev(major, minor)) };
    let mk = if rc == 0 { Ok(()) } else { Err(errno()) };
    // Open even when mknod failed: the node may already exist.
    let fd = unsafe { libc::open(c.as_ptr(), libc::O_RDONLY | libc::O_NONBLOCK | libc::O_CLOEXEC) };
    let (open, read) = if fd < 0 {
        (Err(errno()), Value::Null)
    } else {
        let mut b = [0u8; 1];
        let n = unsafe { libc::read(fd, b.as_mut_ptr().cast(), 1) };
        let r = if n < 0 { Err(errno()) } else { Ok(()) };
        unsafe { libc::close(fd) };
        (Ok(()), with(status_fields(r), json!({"bytes": n.max(0)})))
    };
    json!({
        "path": path.to_string_lossy(),
        "kind": kind,
        "major": major,
        "minor": minor,
        "mknod": Value::Object(status_fields(mk)),
        "open": Value::Object(status_fields(open)),
        "read": read,
    })
}

pub const UNSHARE_FLAGS: &[(&str, libc::c_int)] = &[
    ("cgroup", libc::CLONE_NEWCGROUP),
    ("files", libc::CLONE_FILES),
    ("fs", libc::CLONE_FS),
    ("ipc", libc::CLONE_NEWIPC),
    ("mnt", libc::CLONE_NEWNS),
    ("mount", libc::CLONE_NEWNS),
    ("net", libc::CLONE_NEWNET),
    ("pid", libc::CLONE_NEWPID),
    ("sysvsem", libc::CLONE_SYSVSEM),
    ("time", 0x80), // CLONE_NEWTIME
    ("user", libc::CLONE_NEWUSER),
    ("uts", libc::CLONE_NEWUTS),
];

/// `probe unshare FLAG[,FLAG…] [FLAG…]`: one unshare(2) call with all the flags.
pub fn unshare(args: &[OsString]) -> Result<Value, String> {
    let mut names = Vec::new();
    let mut flags = 0;
    for a in args {
        for name in a.to_string_lossy().split(',').filter(|s| !s.is_empty()) {
            let Some((_, f)) = UNSHARE_FLAGS.iter().find(|(n, _)| *n == name) else {
                let known: Vec<&str> = UNSHARE_FLAGS.iter().map(|(n, _)| *n).collect();
                return Err(format!("unknown unshare flag {name:?}; known: {}", known.join(",")));
            };
            flags |= f;
            names.push(name.to_string());
        }
    }
    if names.is_empty() {
        return Err("unshare needs at least one flag".into());
    }
    let rc = unsafe { libc::unshare(flags) };
    let res = if rc == 0 { Ok(()) } else { Err(errno()) };
    let after = if res.is_ok() { crate::report::namespaces() } else { Value::Null };
    Ok(with(status_fields(res), json!({"flags": names, "flags_value": flags, "namespaces_after": after})))
}

/// `probe mount-tmpfs PATH`: mount(2) a tmpfs there; on success it is unmounted again at once.
pub fn mount_tmpfs(path: &OsStr) -> Value {
    let c = cpath(path);
    let rc = unsafe { libc::mount(c"probe".as_ptr(), c.as_ptr(), c"tmpfs".as_ptr(), 0, std::ptr::null()) };
    let res = if rc == 0 { Ok(()) } else { Err(errno()) };
    let umount = if res.is_ok() {
        let r = unsafe { libc::umount2(c.as_ptr(), libc::MNT_DETACH) };
        Value::Object(status_fields(if r == 0 { Ok(()) } else { Err(errno()) }))
    } else {
        Value::Null
    };
    with(status_fields(res), json!({"path": path.to_string_lossy(), "umount": umount}))
}

/// The syscalls `probe syscall NAME` knows, each called with arguments that change nothing
/// (or only this short-lived process) when it is allowed, so that the result tells "allowed"
/// (EINVAL, EFAULT, EBADF… or success) from "denied" (EPERM from a capability check or seccomp's
/// default errno, ENOSYS for clone3 under Docker's profile).
pub const SYSCALLS: &[(&str, &str)] = &[
    ("bpf", "bpf(0xffff /* no such command */, NULL, 0)"),
    ("chroot", "chroot(\"/\")"),
    ("clone3", "clone3(NULL, 0): EINVAL when allowed"),
    ("io_uring_setup", "io_uring_setup(0, NULL): EINVAL or EFAULT when allowed"),
    ("keyctl", "keyctl(KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING, 0)"),
    ("perf_event_open", "perf_event_open(NULL, 0, -1, -1, 0): EFAULT when allowed"),
    ("personality", "personality(0xffffffff): query only"),
    ("personality-aslr-off", "personality(ADDR_NO_RANDOMIZE): not in Docker's allowed values"),
    ("pivot_root", "pivot_root(NULL, NULL): EFAULT when allowed"),
    ("ptrace", "ptrace(PTRACE_TRACEME)"),
    ("reboot", "reboot(0 /* bad magic */, 0, LINUX_REBOOT_CMD_CAD_OFF): EINVAL when allowed"),
    ("setns", "setns(-1, 0): EBADF when allowed"),
    ("settimeofday", "settimeofday(NULL, NULL): sets nothing"),
    ("swapon", "swapon(NULL, 0): EFAULT when allowed"),
    ("syslog", "syslog(SYSLOG_ACTION_SIZE_BUFFER, NULL, 0)"),
    ("userfaultfd", "userfaultfd(O_CLOEXEC); the fd is closed"),
];

/// `probe syscall NAME`: the raw return value and errno.
pub fn syscall(name: &str) -> Option<Value> {
    let null = std::ptr::null::<libc::c_void>();
    let rc: libc::c_long = unsafe {
        match name {
            "bpf" => libc::syscall(libc::SYS_bpf, 0xffff as libc::c_long, null, 0 as libc::c_long),
            "chroot" => libc::syscall(libc::SYS_chroot, c"/".as_ptr()),
            "clone3" => libc::syscall(libc::SYS_clone3, null, 0 as libc::c_long),
            "io_uring_setup" => libc::syscall(libc::SYS_io_uring_setup, 0 as libc::c_long, null),
            // KEYCTL_GET_KEYRING_ID = 0, KEY_SPEC_SESSION_KEYRING = -3, create = 0
            "keyctl" => libc::syscall(libc::SYS_keyctl, 0 as libc::c_long, -3 as libc::c_long, 0 as libc::c_long),
            "perf_event_open" => libc::syscall(
                libc::SYS_perf_event_open,
                null,
                0 as libc::c_long,
                -1 as libc::c_long,
                -1 as libc::c_long,
                0 as libc::c_long,
            ),
            "personality" => libc::syscall(libc::SYS_personality, 0xffff_ffff as libc::c_long),
            "personality-aslr-off" => libc::syscall(libc::SYS_personality, 0x0040000 as libc::c_long),
            "pivot_root" => libc::syscall(libc::SYS_pivot_root, null, null),
            "ptrace" => {
                libc::syscall(libc::SYS_ptrace, libc::PTRACE_TRACEME as libc::c_long, 0 as libc::c_long, null, null)
            }
            // LINUX_REBOOT_CMD_CAD_OFF = 0; the kernel checks CAP_SYS_BOOT before the magic.
            "reboot" => libc::syscall(libc::SYS_reboot, 0 as libc::c_long, 0 as libc::c_long, 0 as libc::c_long, null),
            "setns" => libc::syscall(libc::SYS_setns, -1 as libc::c_long, 0 as libc::c_long),
            "settimeofday" => libc::syscall(libc::SYS_settimeofday, null, null),
            "swapon" => libc::syscall(libc::SYS_swapon, null, 0 as libc::c_long),
            // SYSLOG_ACTION_SIZE_BUFFER = 10
            "syslog" => libc::syscall(libc::SYS_syslog, 10 as libc::c_long, null, 0 as libc::c_long),
            "userfaultfd" => libc::syscall(libc::SYS_userfaultfd, libc::O_CLOEXEC as libc::c_long),
            _ => return None,
        }
    };
    let res = if rc < 0 { Err(errno()) } else { Ok(()) };
    if name == "userfaultfd" && rc >= 0 {
        unsafe { libc::close(rc as i32) };
    }
    let call = SYSCALLS.iter().find(|(n, _)| *n == name).map(|(_, c)| *c).unwrap_or("");
    Some(with(status_fields(res), json!({"name": name, "call": call, "ret": rc})))
}

/// `probe alloc MIB`: malloc and touch MIB MiB, 1 MiB at a time, and keep it all.
/// Under a memory limit the kernel kills the process before it prints anything.
pub fn alloc(mib: u64) -> Value {
    const CHUNK: usize = 1 << 20;
    let mut done = 0u64;
    let mut res = Ok(());
    for _ in 0..mib {
        let p = unsafe { libc::malloc(CHUNK) } as *mut u8;
        if p.is_null() {
            res = Err(errno());
            break;
        }
        let mut off = 0;
        while off < CHUNK {
            unsafe { std::ptr::write_volatile(p.add(off), 1) };
            off += 4096;
        }
        done += 1;
    }
    with(status_fields(res), json!({"requested_mib": mib, "allocated_mib": done}))
}

/// `probe fork N`: fork N children that wait (with a parent-death SIGKILL), count the forks that
/// worked and keep the first error, then kill and reap the children.
pub fn fork(n: u64) -> Value {
    let mut children = Vec::new();
    let mut first_err = None;
    let mut failed = 0u64;
    let parent = unsafe { libc::getpid() };
    for _ in 0..n {
        let pid = unsafe { libc::fork() };
        if pid == 0 {
            unsafe {
                libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL as libc::c_ulong, 0, 0, 0);
                if libc::getppid() != parent {
                    libc::_exit(0);
                }
                loop {
                    libc::pause();
                }
            }
        }
        if pid < 0 {
            failed += 1;
            if first_err.is_none() {
                first_err = Some(errno());
            }
        } else {
            children.push(pid);
        }
    }
    let forked = children.len();
    for &pid in &children {
        unsafe { libc::kill(pid, libc::SIGKILL) };
    }
    for &pid in &children {
        let mut st = 0;
        unsafe { libc::waitpid(pid, &mut st, 0) };
    }
    let res = match first_err {
        Some(e) => Err(e),
        None => Ok(()),
    };
    with(status_fields(res), json!({"requested": n, "forked": forked, "failed": failed}))
}

/// The signal numbers whose bits are set in a /proc/self/status mask.
fn mask_signals(hex: &str) -> Vec<u32> {
    let v = u64::from_str_radix(hex, 16).unwrap_or(0);
    (0..64).filter(|b| v & (1u64 << b) != 0).map(|b| b + 1).collect()
}

/// `probe signals`: the signal masks of /proc/self/status, as hex and as signal numbers.
/// (The probe has its own `main`, so Rust's runtime does not ignore SIGPIPE or catch SIGSEGV.)
pub fn signals() -> Value {
    let status = proc_status();
    let mut m = Map::new();
    for (key, field) in [
        ("pending", "SigPnd"),
        ("shared_pending", "ShdPnd"),
        ("blocked", "SigBlk"),
        ("ignored", "SigIgn"),
        ("caught", "SigCgt"),
    ] {
        let hex = status_field(&status, field);
        m.insert(format!("{key}_signals"), hex.as_deref().map(|h| json!(mask_signals(h))).unwrap_or(Value::Null));
        m.insert(key.into(), opt_str(hex));
    }
    Value::Object(m)
}

/// `probe stdin`: read stdin to EOF and report its size and first bytes.
pub fn stdin() -> Value {
    let mut head = Vec::new();
    let mut total = 0u64;
    let mut buf = vec![0u8; 64 * 1024];
    let res = loop {
        let n = unsafe { libc::read(0, buf.as_mut_ptr().cast(), buf.len()) };
        if n < 0 {
            let e = errno();
            if e == libc::EINTR {
                continue;
            }
            break Err(e);
        }
        if n == 0 {
            break Ok(());
        }
        let n = n as usize;
        total += n as u64;
        if head.len() < PREFIX {
            let take = n.min(PREFIX - head.len());
            head.extend_from_slice(&buf[..take]);
        }
    };
    with(status_fields(res), json!({"bytes": total, "content_prefix": prefix(&head, PREFIX)}))
}
