//! Runs the built `probe` on the host and checks that every subcommand prints one line of JSON
//! with the documented keys and the documented exit code. Nothing here changes the host: the
//! mount is tried on a path that does not exist, unshare only moves the short-lived probe, and
//! the syscalls use arguments that are no-ops (see `SYSCALLS` in src/ops.rs).

use serde_json::Value;
use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

const PROBE: &str = env!("CARGO_BIN_EXE_probe");

/// Run the probe; the parsed JSON line and the exit code.
fn probe_with_stdin(args: &[&str], stdin: &[u8]) -> (Value, i32) {
    let mut child = Command::new(PROBE)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn probe");
    child.stdin.take().unwrap().write_all(stdin).unwrap();
    let out = child.wait_with_output().expect("wait probe");
    let text = String::from_utf8(out.stdout).expect("stdout is UTF-8");
    assert!(text.ends_with('\n'), "{args:?}: output does not end with a newline: {text:?}");
    assert_eq!(text.lines().count(), 1, "{args:?}: not exactly one line: {text:?}");
    let v: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{args:?}: bad JSON ({e}): {text}"));
    assert!(v.is_object(), "{args:?}: not an object: {text}");
    (v, out.status.code().expect("exit code"))
}

fn probe(args: &[&str]) -> (Value, i32) {
    probe_with_stdin(args, b"")
}

fn has_keys(v: &Value, keys: &[&str], what: &str) {
    for k in keys {
        assert!(v.get(k).is_some(), "{what}: key {k:?} missing in {v}");
    }
}

const STATUS: &[&str] = &["ok", "errno", "errno_name", "error"];

fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("libdocker-probe-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[test]
fn binary_is_static() {
    // An ELF without a PT_INTERP program header needs no dynamic loader (static or static-pie).
    let elf = std::fs::read(PROBE).unwrap();
    assert_eq!(&elf[..4], b"\x7fELF");
    assert_eq!(elf[4], 2, "64-bit");
    let u16_at = |o: usize| u16::from_le_bytes([elf[o], elf[o + 1]]) as usize;
    let phoff = u64::from_le_bytes(elf[0x20..0x28].try_into().unwrap()) as usize;
    let (phentsize, phnum) = (u16_at(0x36), u16_at(0x38));
    for i in 0..phnum {
        let p = phoff + i * phentsize;
        let p_type = u32::from_le_bytes(elf[p..p + 4].try_into().unwrap());
        assert_ne!(p_type, 3, "probe has a PT_INTERP header: it is dynamically linked");
    }
}

#[test]
fn report_has_documented_keys() {
    for args in [&[][..], &["report"][..]] {
        let (v, code) = probe(args);
        assert_eq!(code, 0);
        has_keys(
            &v,
            &[
                "pid",
                "ppid",
                "uid",
                "gid",
                "euid",
                "egid",
                "groups",
                "cwd",
                "hostname",
                "domainname",
                "env",
                "caps",
                "no_new_privs",
                "seccomp",
                "namespaces",
                "mounts",
                "fds",
                "cgroup",
                "rlimits",
                "umask",
                "tty",
                "exe",
                "argv",
            ],
            "report",
        );
        assert_eq!(v["pid"].as_i64().unwrap(), v["pid"].as_i64().unwrap());
        assert!(v["env"].is_array());
        has_keys(&v["caps"], &["inh", "prm", "eff", "bnd", "amb"], "caps");
        for c in ["inh", "prm", "eff", "bnd", "amb"] {
            let hex = v["caps"][c].as_str().unwrap();
            assert_eq!(hex.len(), 16, "cap {c} = {hex}");
            assert!(u64::from_str_radix(hex, 16).is_ok());
        }
        assert!(v["no_new_privs"].is_boolean());
        assert!(v["seccomp"].is_i64());
        has_keys(&v["namespaces"], &["mnt", "pid", "net", "uts", "ipc", "user", "cgroup"], "namespaces");
        assert!(v["namespaces"]["mnt"].as_str().unwrap().starts_with("mnt:["));
        let mounts = v["mounts"].as_array().unwrap();
        assert!(!mounts.is_empty());
        for m in mounts {
            has_keys(m, &["mount_point", "fstype", "source", "options", "mount_options", "super_options"], "mount");
        }
        assert!(mounts.iter().any(|m| m["mount_point"] == "/proc" && m["fstype"] == "proc"));
        has_keys(
            &v["cgroup"],
            &["version", "memory_limit", "pids_max", "cpu_shares", "cpu_quota", "cpu_period"],
            "cgroup",
        );
        has_keys(&v["rlimits"], &["nofile", "nproc"], "rlimits");
        assert_eq!(v["rlimits"]["nofile"].as_array().unwrap().len(), 2);
        let umask = v["umask"].as_str().unwrap();
        assert!(umask.len() == 4 && umask.chars().all(|c| c.is_digit(8)), "umask {umask}");
        has_keys(&v["tty"], &["stdin", "stdout"], "tty");
        assert_eq!(v["tty"]["stdout"], false, "stdout is a pipe here");
        assert_eq!(v["exe"].as_str().unwrap(), std::fs::canonicalize(PROBE).unwrap().to_str().unwrap());
    }
}

#[test]
fn fds_lists_stdio_but_not_its_own_directory_fd() {
    for (v, code) in [probe(&["fds"]), probe(&["report"])] {
        assert_eq!(code, 0);
        let fds = v["fds"].as_array().unwrap();
        for f in fds {
            has_keys(f, &["fd", "target"], "fd");
            let t = f["target"].as_str().unwrap();
            assert!(!t.ends_with("/fd") || !t.starts_with("/proc/"), "the listing's own fd is listed: {t}");
        }
        let nums: Vec<i64> = fds.iter().map(|f| f["fd"].as_i64().unwrap()).collect();
        for fd in [0, 1, 2] {
            assert!(nums.contains(&fd), "fd {fd} missing: {nums:?}");
        }
        assert!(fds[1]["target"].as_str().unwrap().starts_with("pipe:["));
    }
}

#[test]
fn read_write_ls_stat() {
    let d = scratch("rw");
    let f = d.join("file");
    let fs = f.to_str().unwrap();

    let (v, code) = probe(&["write", fs, "hello"]);
    assert_eq!(code, 0);
    has_keys(&v, &[STATUS, &["bytes", "stage", "path"]].concat(), "write");
    assert_eq!((v["ok"].clone(), v["bytes"].clone()), (true.into(), 5.into()));
    let (v, _) = probe(&["write", fs, " world"]); // appends
    assert_eq!(v["ok"], true);

    let (v, code) = probe(&["read", fs]);
    assert_eq!(code, 0);
    has_keys(&v, &[STATUS, &["bytes", "content_prefix", "stage", "truncated"]].concat(), "read");
    assert_eq!(v["content_prefix"], "hello world");
    assert_eq!(v["bytes"], 11);

    let (v, _) = probe(&["read", d.join("missing").to_str().unwrap()]);
    assert_eq!(
        (v["ok"].clone(), v["errno_name"].clone(), v["stage"].clone()),
        (false.into(), "ENOENT".into(), "open".into())
    );
    assert_eq!(v["errno"], libc::ENOENT);
    assert!(v["error"].as_str().unwrap().contains("No such file"));

    let (v, _) = probe(&["read", "/dev/zero"]);
    assert_eq!((v["bytes"].clone(), v["truncated"].clone()), ((1 << 20).into(), true.into()));

    let (v, code) = probe(&["ls", d.to_str().unwrap()]);
    assert_eq!(code, 0);
    has_keys(&v, &[STATUS, &["entries"]].concat(), "ls");
    assert_eq!(v["entries"], serde_json::json!(["file"]));

    let (v, code) = probe(&["stat", fs]);
    assert_eq!(code, 0);
    has_keys(
        &v,
        &[STATUS, &["type", "mode", "uid", "gid", "rdev_major", "rdev_minor", "nlink", "size", "target"]].concat(),
        "stat",
    );
    assert_eq!((v["type"].clone(), v["size"].clone(), v["nlink"].clone()), ("file".into(), 11.into(), 1.into()));
    let (v, _) = probe(&["stat", "/dev/null"]);
    assert_eq!(
        (v["type"].clone(), v["rdev_major"].clone(), v["rdev_minor"].clone()),
        ("char".into(), 1.into(), 3.into())
    );
    assert_eq!(v["mode"], "0666");

    let link = d.join("link");
    std::os::unix::fs::symlink("file", &link).unwrap();
    let (v, _) = probe(&["stat", link.to_str().unwrap()]);
    assert_eq!((v["type"].clone(), v["target"].clone()), ("symlink".into(), "file".into()));
    let (v, _) = probe(&["stat", "-L", link.to_str().unwrap()]);
    assert_eq!(v["type"], "file");

    std::fs::remove_dir_all(&d).unwrap();
}

#[test]
fn mknod_reports_both_steps() {
    let d = scratch("mknod");
    let node = d.join("null");
    let (v, code) = probe(&["mknod", node.to_str().unwrap(), "c", "1", "3"]);
    assert_eq!(code, 0);
    has_keys(&v, &["mknod", "open", "read", "path", "major", "minor"], "mknod");
    has_keys(&v["mknod"], STATUS, "mknod.mknod");
    has_keys(&v["open"], STATUS, "mknod.open");
    if v["mknod"]["ok"] == true {
        // Root on the host: the node is /dev/null.
        assert_eq!(v["open"]["ok"], true);
        assert_eq!(v["read"]["bytes"], 0);
    } else {
        assert_eq!(v["mknod"]["errno_name"], "EPERM");
    }
    let (_, code) = probe(&["mknod", node.to_str().unwrap(), "x", "1", "3"]);
    assert_eq!(code, 2);
    std::fs::remove_dir_all(&d).unwrap();
}

#[test]
fn unshare_mount_and_syscalls() {
    let (v, code) = probe(&["unshare", "user"]);
    assert_eq!(code, 0);
    has_keys(&v, &[STATUS, &["flags", "flags_value", "namespaces_after"]].concat(), "unshare");
    assert_eq!(v["flags"], serde_json::json!(["user"]));
    let (v, _) = probe(&["unshare", "user,mnt", "net"]);
    assert_eq!(v["flags"], serde_json::json!(["user", "mnt", "net"]));
    let (v, code) = probe(&["unshare", "nonsense"]);
    assert_eq!(code, 2);
    has_keys(&v, &["error"], "unshare nonsense");

    let (v, code) = probe(&["mount-tmpfs", "/nonexistent-libdocker-probe-dir"]);
    assert_eq!(code, 0);
    has_keys(&v, &[STATUS, &["path", "umount"]].concat(), "mount-tmpfs");
    assert_eq!(v["ok"], false);

    for name in [
        "bpf",
        "chroot",
        "clone3",
        "io_uring_setup",
        "keyctl",
        "perf_event_open",
        "personality",
        "personality-aslr-off",
        "pivot_root",
        "ptrace",
        "reboot",
        "setns",
        "settimeofday",
        "swapon",
        "syslog",
        "userfaultfd",
    ] {
        let (v, code) = probe(&["syscall", name]);
        assert_eq!(code, 0, "syscall {name}");
        has_keys(&v, &[STATUS, &["name", "ret", "call"]].concat(), name);
        assert_eq!(v["name"], name);
        assert!(v["ret"].is_i64());
        assert_eq!(v["ok"], v["ret"].as_i64().unwrap() >= 0, "{name}: {v}");
    }
    // With the capability, a harmless call gives its documented "allowed" errno; without, EPERM.
    let root = unsafe { libc::geteuid() } == 0;
    let expect = if root { "EFAULT" } else { "EPERM" };
    assert_eq!(probe(&["syscall", "pivot_root"]).0["errno_name"], expect);
    assert_eq!(probe(&["syscall", "setns"]).0["errno_name"], "EBADF");
    let (_, code) = probe(&["syscall", "nonsense"]);
    assert_eq!(code, 2);
}

#[test]
fn alloc_fork_sleep_exit_echo() {
    let (v, code) = probe(&["alloc", "4"]);
    assert_eq!(code, 0);
    has_keys(&v, &[STATUS, &["requested_mib", "allocated_mib"]].concat(), "alloc");
    assert_eq!(v["allocated_mib"], 4);

    let (v, code) = probe(&["fork", "3"]);
    assert_eq!(code, 0);
    has_keys(&v, &[STATUS, &["requested", "forked", "failed"]].concat(), "fork");
    assert_eq!((v["forked"].clone(), v["ok"].clone()), (3.into(), true.into()));

    let (v, code) = probe(&["sleep", "0.01"]);
    assert_eq!(code, 0);
    has_keys(&v, &["sleeping", "pid"], "sleep");

    let (v, code) = probe(&["exit", "7"]);
    assert_eq!((code, v["exit"].clone()), (7, 7.into()));
    let (_, code) = probe(&["exit", "0"]);
    assert_eq!(code, 0);

    let (v, code) = probe(&["echo", "a", "b c", ""]);
    assert_eq!(code, 0);
    assert_eq!(v["args"], serde_json::json!(["a", "b c", ""]));
}

#[test]
fn cwd_signals_stdin() {
    let (v, code) = probe(&["cwd"]);
    assert_eq!(code, 0);
    has_keys(&v, &["cwd", "cwd_errno", "cwd_link"], "cwd");
    let here = std::env::current_dir().unwrap();
    assert_eq!(v["cwd"].as_str().unwrap(), here.to_str().unwrap());

    let (v, code) = probe(&["signals"]);
    assert_eq!(code, 0);
    has_keys(
        &v,
        &["blocked", "ignored", "caught", "pending", "blocked_signals", "ignored_signals", "caught_signals"],
        "signals",
    );
    // Rust's Command resets SIGPIPE for its children and the probe's own main() neither ignores
    // SIGPIPE nor installs handlers, so both sets are empty.
    assert_eq!(v["caught_signals"], serde_json::json!([]), "{v}");
    assert!(!v["ignored_signals"].as_array().unwrap().contains(&13.into()), "{v}");

    let input = vec![b'x'; 300_000];
    let (v, code) = probe_with_stdin(&["stdin"], &input);
    assert_eq!(code, 0);
    has_keys(&v, &[STATUS, &["bytes", "content_prefix"]].concat(), "stdin");
    assert_eq!(v["bytes"], 300_000);
    assert_eq!(v["content_prefix"].as_str().unwrap().len(), 200);
}

#[test]
fn unknown_subcommand_and_bad_arguments_exit_2_with_json() {
    for args in [&["bogus"][..], &["read"][..], &["alloc", "lots"][..], &["sleep", "-1"][..]] {
        let (v, code) = probe(args);
        assert_eq!(code, 2, "{args:?}");
        has_keys(&v, &["error", "usage"], "usage error");
    }
}
