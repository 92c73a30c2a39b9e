//! `probe report`: what the process sees of itself (ids, caps, namespaces, mounts, fds, limits).

use crate::util::*;
use serde_json::{json, Map, Value};
use std::ffi::CStr;

pub fn report() -> Value {
    // The fd list first, before anything else here opens a file.
    let fds = fds();
    let status = proc_status();
    let (cwd, cwd_errno) = match raw_getcwd() {
        Ok(c) => (Value::from(c), Value::from(0)),
        Err(e) => (Value::Null, Value::from(e)),
    };
    let (hostname, domainname) = uname_names();
    let env: Vec<String> =
        std::env::vars_os().map(|(k, v)| format!("{}={}", k.to_string_lossy(), v.to_string_lossy())).collect();
    let argv: Vec<String> = std::env::args_os().map(|a| a.to_string_lossy().into_owned()).collect();

    json!({
        "pid": unsafe { libc::getpid() },
        "ppid": unsafe { libc::getppid() },
        "uid": unsafe { libc::getuid() },
        "gid": unsafe { libc::getgid() },
        "euid": unsafe { libc::geteuid() },
        "egid": unsafe { libc::getegid() },
        "groups": groups(),
        "cwd": cwd,
        "cwd_errno": cwd_errno,
        "cwd_link": opt_str(readlink("/proc/self/cwd")),
        "root_link": opt_str(readlink("/proc/self/root")),
        "exe": opt_str(readlink("/proc/self/exe")),
        "argv": argv,
        "hostname": hostname,
        "domainname": domainname,
        "env": env,
        "caps": caps(&status),
        "no_new_privs": no_new_privs(&status),
        "seccomp": status_field(&status, "Seccomp").and_then(|s| s.parse::<i64>().ok()),
        "seccomp_filters": status_field(&status, "Seccomp_filters").and_then(|s| s.parse::<i64>().ok()),
        "namespaces": namespaces(),
        "mounts": mounts(),
        "fds": fds,
        "cgroup": cgroup(),
        "rlimits": rlimits(),
        "umask": umask(&status),
        "tty": {
            "stdin": unsafe { libc::isatty(0) } == 1,
            "stdout": unsafe { libc::isatty(1) } == 1,
            "stderr": unsafe { libc::isatty(2) } == 1,
        },
        "oom_score_adj": read_value("/proc/self/oom_score_adj"),
        "lsm_label": opt_str(
            std::fs::read_to_string("/proc/self/attr/current")
                .ok()
                .map(|s| s.trim_end_matches(['\n', '\0']).to_string())
        ),
    })
}

/// The supplementary group ids.
pub fn groups() -> Vec<u32> {
    let n = unsafe { libc::getgroups(0, std::ptr::null_mut()) };
    if n <= 0 {
        return Vec::new();
    }
    let mut v = vec![0 as libc::gid_t; n as usize];
    let n = unsafe { libc::getgroups(n, v.as_mut_ptr()) };
    v.truncate(n.max(0) as usize);
    v
}

/// getcwd(2) straight from the kernel: a cwd outside the process's root comes back with the
/// kernel's "(unreachable)" prefix instead of glibc's ENOENT, which is the fact tests want.
pub fn raw_getcwd() -> Result<String, i32> {
    let mut buf = vec![0u8; libc::PATH_MAX as usize + 1];
    let rc = unsafe { libc::syscall(libc::SYS_getcwd, buf.as_mut_ptr(), buf.len()) };
    if rc < 0 {
        return Err(errno());
    }
    let len = buf.iter().position(|&b| b == 0).unwrap_or(buf.len());
    Ok(String::from_utf8_lossy(&buf[..len]).into_owned())
}

fn uname_names() -> (Value, Value) {
    let mut u: libc::utsname = unsafe { std::mem::zeroed() };
    if unsafe { libc::uname(&mut u) } != 0 {
        return (Value::Null, Value::Null);
    }
    let s = |f: &[libc::c_char]| unsafe { CStr::from_ptr(f.as_ptr()) }.to_string_lossy().into_owned();
    (Value::from(s(&u.nodename)), Value::from(s(&u.domainname)))
}

fn caps(status: &[(String, String)]) -> Value {
    let mut m = Map::new();
    for (key, field) in [("inh", "CapInh"), ("prm", "CapPrm"), ("eff", "CapEff"), ("bnd", "CapBnd"), ("amb", "CapAmb")]
    {
        m.insert(key.into(), opt_str(status_field(status, field)));
    }
    Value::Object(m)
}

fn no_new_privs(status: &[(String, String)]) -> Value {
    if let Some(v) = status_field(status, "NoNewPrivs") {
        return Value::Bool(v == "1");
    }
    let rc = unsafe { libc::prctl(libc::PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) };
    if rc < 0 {
        Value::Null
    } else {
        Value::Bool(rc == 1)
    }
}

pub const NAMESPACES: &[&str] =
    &["cgroup", "ipc", "mnt", "net", "pid", "pid_for_children", "time", "time_for_children", "user", "uts"];

pub fn namespaces() -> Value {
    let mut m = Map::new();
    for ns in NAMESPACES {
        m.insert((*ns).into(), opt_str(readlink(&format!("/proc/self/ns/{ns}"))));
    }
    Value::Object(m)
}

/// Undo the octal escapes (`\040` for a space) the kernel uses in mountinfo fields.
fn unescape(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\' && i + 3 < b.len() && b[i + 1..i + 4].iter().all(|c| (b'0'..=b'7').contains(c)) {
            let v = (b[i + 1] - b'0') as u32 * 64 + (b[i + 2] - b'0') as u32 * 8 + (b[i + 3] - b'0') as u32;
            out.push(v as u8);
            i += 4;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// /proc/self/mountinfo, one object per line. `options` is the per-mount options followed by the
/// superblock options that are not already there; both lists are also given as they are.
pub fn mounts() -> Value {
    let text = std::fs::read_to_string("/proc/self/mountinfo").unwrap_or_default();
    let mut out = Vec::new();
    for line in text.lines() {
        let fields: Vec<&str> = line.split(' ').collect();
        let Some(sep) = fields.iter().position(|f| *f == "-") else {
            continue;
        };
        if sep < 6 || fields.len() < sep + 4 {
            continue;
        }
        let mount_options: Vec<String> = fields[5].split(',').map(unescape).collect();
        let super_options: Vec<String> = fields[sep + 3].split(',').map(unescape).collect();
        let mut options = mount_options.clone();
        for o in &super_options {
            if !options.contains(o) {
                options.push(o.clone());
            }
        }
        out.push(json!({
            "id": fields[0].parse::<u64>().ok(),
            "parent": fields[1].parse::<u64>().ok(),
            "major_minor": fields[2],
            "root": unescape(fields[3]),
            "mount_point": unescape(fields[4]),
            "mount_options": mount_options,
            "optional": fields[6..sep].iter().map(|s| unescape(s)).collect::<Vec<_>>(),
            "fstype": unescape(fields[sep + 1]),
            "source": unescape(fields[sep + 2]),
            "super_options": super_options,
            "options": options,
        }));
    }
    Value::Array(out)
}

/// The open fds with their readlink targets, without the fd that reads /proc/self/fd.
pub fn fds() -> Value {
    let mut out: Vec<(i64, String)> = Vec::new();
    let dir = unsafe { libc::opendir(c"/proc/self/fd".as_ptr()) };
    if dir.is_null() {
        return Value::Null;
    }
    let own = unsafe { libc::dirfd(dir) };
    loop {
        let ent = unsafe { libc::readdir(dir) };
        if ent.is_null() {
            break;
        }
        let name = unsafe { CStr::from_ptr((*ent).d_name.as_ptr()) }.to_string_lossy().into_owned();
        let Ok(fd) = name.parse::<i64>() else {
            continue;
        };
        if fd == own as i64 {
            continue;
        }
        let target = readlink(&format!("/proc/self/fd/{fd}")).unwrap_or_default();
        out.push((fd, target));
    }
    unsafe { libc::closedir(dir) };
    out.sort();
    Value::Array(out.into_iter().map(|(fd, target)| json!({"fd": fd, "target": target})).collect())
}

/// The process's own cgroup directory and the hierarchy version.
/// v2: `/sys/fs/cgroup/<path from /proc/self/cgroup>` when that exists (no cgroupns), else
/// `/sys/fs/cgroup` (a cgroupns or a bind-mounted own cgroup). v1: the same per controller.
fn cgroup_dir(version: u8, controller: &str, own: &[(String, String)]) -> String {
    let base = if version == 2 { "/sys/fs/cgroup".to_string() } else { format!("/sys/fs/cgroup/{controller}") };
    let path = own
        .iter()
        .find(|(ctrls, _)| if version == 2 { ctrls.is_empty() } else { ctrls.split(',').any(|c| c == controller) })
        .map(|(_, p)| p.clone());
    if let Some(p) = path {
        let full = format!("{base}{}", if p == "/" { String::new() } else { p });
        if std::path::Path::new(&full).is_dir() {
            return full;
        }
    }
    base
}

pub fn cgroup() -> Value {
    // /proc/self/cgroup lines: "hierarchy-id:controllers:path".
    let own: Vec<(String, String)> = std::fs::read_to_string("/proc/self/cgroup")
        .unwrap_or_default()
        .lines()
        .filter_map(|l| {
            let mut it = l.splitn(3, ':');
            let _id = it.next()?;
            Some((it.next()?.to_string(), it.next()?.to_string()))
        })
        .collect();
    let v2 = std::path::Path::new("/sys/fs/cgroup/cgroup.controllers").exists();
    let v1 = !v2
        && (std::path::Path::new("/sys/fs/cgroup/memory").is_dir()
            || std::path::Path::new("/sys/fs/cgroup/pids").is_dir());
    let proc_cgroup: Vec<String> = own.iter().map(|(c, p)| format!("{c}:{p}")).collect();
    if v2 {
        let d = cgroup_dir(2, "", &own);
        let (quota, period) = match std::fs::read_to_string(format!("{d}/cpu.max")) {
            Ok(s) => {
                let mut it = s.split_whitespace();
                (
                    it.next().map(number_or_string).unwrap_or(Value::Null),
                    it.next().map(number_or_string).unwrap_or(Value::Null),
                )
            }
            Err(_) => (Value::Null, Value::Null),
        };
        json!({
            "version": 2,
            "dir": d,
            "proc_self_cgroup": proc_cgroup,
            "memory_limit": read_value(&format!("{d}/memory.max")),
            "memory_swap_limit": read_value(&format!("{d}/memory.swap.max")),
            "pids_max": read_value(&format!("{d}/pids.max")),
            "cpu_shares": Value::Null,
            "cpu_weight": read_value(&format!("{d}/cpu.weight")),
            "cpu_quota": quota,
            "cpu_period": period,
            "cpuset_cpus": read_value(&format!("{d}/cpuset.cpus")),
        })
    } else if v1 {
        let mem = cgroup_dir(1, "memory", &own);
        let pids = cgroup_dir(1, "pids", &own);
        let cpu = cgroup_dir(1, "cpu", &own);
        let cpuset = cgroup_dir(1, "cpuset", &own);
        json!({
            "version": 1,
            "dir": mem,
            "proc_self_cgroup": proc_cgroup,
            "memory_limit": read_value(&format!("{mem}/memory.limit_in_bytes")),
            "memory_swap_limit": read_value(&format!("{mem}/memory.memsw.limit_in_bytes")),
            "pids_max": read_value(&format!("{pids}/pids.max")),
            "cpu_shares": read_value(&format!("{cpu}/cpu.shares")),
            "cpu_weight": Value::Null,
            "cpu_quota": read_value(&format!("{cpu}/cpu.cfs_quota_us")),
            "cpu_period": read_value(&format!("{cpu}/cpu.cfs_period_us")),
            "cpuset_cpus": read_value(&format!("{cpuset}/cpuset.cpus")),
        })
    } else {
        json!({
            "version": Value::Null,
            "dir": Value::Null,
            "proc_self_cgroup": proc_cgroup,
            "memory_limit": Value::Null,
            "memory_swap_limit": Value::Null,
            "pids_max": Value::Null,
            "cpu_shares": Value::Null,
            "cpu_weight": Value::Null,
            "cpu_quota": Value::Null,
            "cpu_period": Value::Null,
            "cpuset_cpus": Value::Null,
        })
    }
}

fn rlimit_value(v: libc::rlim_t) -> Value {
    if v == libc::RLIM_INFINITY {
        Value::from("unlimited")
    } else {
        Value::from(v)
    }
}

/// Every rlimit as `[soft, hard]`; RLIM_INFINITY is the string "unlimited".
pub fn rlimits() -> Value {
    let list = [
        ("as", libc::RLIMIT_AS),
        ("core", libc::RLIMIT_CORE),
        ("cpu", libc::RLIMIT_CPU),
        ("data", libc::RLIMIT_DATA),
        ("fsize", libc::RLIMIT_FSIZE),
        ("locks", libc::RLIMIT_LOCKS),
        ("memlock", libc::RLIMIT_MEMLOCK),
        ("msgqueue", libc::RLIMIT_MSGQUEUE),
        ("nice", libc::RLIMIT_NICE),
        ("nofile", libc::RLIMIT_NOFILE),
        ("nproc", libc::RLIMIT_NPROC),
        ("rss", libc::RLIMIT_RSS),
        ("rtprio", libc::RLIMIT_RTPRIO),
        ("rttime", libc::RLIMIT_RTTIME),
        ("sigpending", libc::RLIMIT_SIGPENDING),
        ("stack", libc::RLIMIT_STACK),
    ];
    let mut m = Map::new();
    for (name, res) in list {
        let mut r = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
        let v = if unsafe { libc::getrlimit(res, &mut r) } == 0 {
            json!([rlimit_value(r.rlim_cur), rlimit_value(r.rlim_max)])
        } else {
            Value::Null
        };
        m.insert(name.into(), v);
    }
    Value::Object(m)
}

/// The umask as an octal string ("0022"), read from /proc/self/status (no set-and-restore race);
/// kernels before 4.7 lack the field, then umask(2) is set and restored.
fn umask(status: &[(String, String)]) -> Value {
    if let Some(u) = status_field(status, "Umask") {
        return Value::from(u);
    }
    let old = unsafe { libc::umask(0o022) };
    unsafe { libc::umask(old) };
    Value::from(format!("{:04o}", old))
}
