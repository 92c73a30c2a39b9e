//! What a container sees by default, asserted from inside with the probe: namespaces, the 14
//! capabilities, seccomp, masked and read-only paths, /sys, devices and the device cgroup,
//! limits, fds, the working directory (CVE-2024-21626), users.

use libdocker_e2e::{stderr, Env};
use serde_json::Value;

fn own_ns(kind: &str) -> String {
    std::fs::read_link(format!("/proc/self/ns/{kind}")).unwrap().to_string_lossy().into_owned()
}

fn mount<'a>(r: &'a Value, point: &str) -> &'a Value {
    r["mounts"]
        .as_array()
        .unwrap()
        .iter()
        .rev()
        .find(|m| m["mount_point"] == point)
        .unwrap_or_else(|| panic!("no mount {point}"))
}

fn has_opt(m: &Value, opt: &str) -> bool {
    m["options"].as_array().unwrap().iter().any(|o| o == opt)
}

#[test]
fn default_container_identity_namespaces_caps_seccomp() {
    let env = Env::new();
    env.busybox();
    let r = env.probe(&["--hostname", "box1"], &["report"]);
    assert_eq!(r["pid"], 1, "the process is PID 1 of its own pid namespace");
    assert_eq!(r["hostname"], "box1");
    for ns in ["mnt", "pid", "uts", "ipc", "net"] {
        assert_ne!(r["namespaces"][ns].as_str().unwrap(), own_ns(ns), "{ns} namespace must be new");
    }
    let caps = &r["caps"];
    for set in ["eff", "prm", "bnd"] {
        assert_eq!(caps[set], "00000000a80425fb", "Cap{set}");
    }
    assert_eq!(caps["inh"], "0000000000000000");
    assert_eq!(caps["amb"], "0000000000000000");
    assert_eq!(r["seccomp"], 2);
    assert_eq!(r["no_new_privs"], false);
    assert_eq!(r["uid"], 0);
    assert_eq!(r["cwd"], "/");
    // Only the standard streams are open at exec.
    let fds: Vec<i64> = r["fds"].as_array().unwrap().iter().map(|f| f["fd"].as_i64().unwrap()).collect();
    assert_eq!(fds, vec![0, 1, 2], "{:?}", r["fds"]);
    let env_vars: Vec<&str> = r["env"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
    assert!(env_vars.contains(&"HOME=/root") && env_vars.contains(&"HOSTNAME=box1"), "{env_vars:?}");
    env.finish();
}

#[test]
fn seccomp_denies_namespaces_mount_and_keyring() {
    let env = Env::new();
    env.busybox();
    let u = env.probe(&[], &["unshare", "user"]);
    assert_eq!(u["errno_name"], "EPERM", "{u}");
    let m = env.probe(&[], &["unshare", "mnt"]);
    assert_eq!(m["errno_name"], "EPERM", "{m}");
    let t = env.probe(&[], &["mount-tmpfs", "/mnt"]);
    assert_eq!(t["errno_name"], "EPERM", "{t}");
    let k = env.probe(&[], &["syscall", "keyctl"]);
    assert_eq!(k["errno_name"], "EPERM", "{k}");
    let c = env.probe(&[], &["syscall", "clone3"]);
    assert_eq!(c["errno_name"], "ENOSYS", "{c}");
    // With CAP_SYS_ADMIN the profile allows new namespaces (integration-cli TestRunSeccompDefaultProfileNS).
    let m = env.probe(&["--cap-add", "SYS_ADMIN"], &["unshare", "mnt"]);
    assert_eq!(m["ok"], true, "{m}");
    // Unconfined: no filter at all.
    let r = env.probe(&["--security-opt", "seccomp=unconfined"], &["report"]);
    assert_eq!(r["seccomp"], 0);
    env.finish();
}

#[test]
fn masked_and_readonly_paths_and_sys() {
    let env = Env::new();
    env.busybox();
    // (This kernel has no /proc/kcore; /proc/keys and /proc/timer_list are masked the same way.)
    let k = env.probe(&[], &["read", "/proc/keys"]);
    assert_eq!(k["bytes"], 0, "/proc/keys reads as empty: {k}");
    let s = env.probe(&[], &["stat", "/proc/timer_list"]);
    assert_eq!(
        (s["type"].as_str(), s["rdev_major"].as_i64(), s["rdev_minor"].as_i64()),
        (Some("char"), Some(1), Some(3))
    );
    let f = env.probe(&[], &["ls", "/sys/firmware"]);
    assert_eq!(f["entries"], serde_json::json!([]));
    let w = env.probe(&[], &["write", "/proc/sysrq-trigger", "h"]);
    assert_eq!(w["ok"], false, "{w}");
    let w = env.probe(&[], &["write", "/proc/sys/kernel/core_pattern", "|/x"]);
    assert_eq!(w["errno_name"], "EROFS", "{w}");
    let w = env.probe(&[], &["write", "/sys/kernel/profiling", "1"]);
    assert_eq!(w["ok"], false, "{w}");
    let r = env.probe(&[], &["report"]);
    assert!(has_opt(mount(&r, "/sys"), "ro"), "/sys must be read-only");
    for p in ["/proc", "/dev/shm"] {
        let m = mount(&r, p);
        assert!(has_opt(m, "nosuid") && has_opt(m, "nodev") && has_opt(m, "noexec"), "{p}: {m}");
    }
    for m in r["mounts"].as_array().unwrap() {
        if m["mount_point"].as_str().unwrap().starts_with("/sys/fs/cgroup") {
            assert!(has_opt(m, "ro"), "cgroup mounts are read-only: {m}");
        }
    }
    // --privileged lifts the masks.
    let k = env.probe(&["--privileged"], &["stat", "/proc/timer_list"]);
    assert_ne!(k["type"], "char");
    env.finish();
}

#[test]
fn devices_and_device_cgroup() {
    let env = Env::new();
    env.busybox();
    for (dev, maj, min) in
        [("null", 1, 3), ("zero", 1, 5), ("full", 1, 7), ("random", 1, 8), ("urandom", 1, 9), ("tty", 5, 0)]
    {
        let s = env.probe(&[], &["stat", &format!("/dev/{dev}")]);
        assert_eq!(
            (s["type"].as_str(), s["rdev_major"].as_i64(), s["rdev_minor"].as_i64()),
            (Some("char"), Some(maj), Some(min)),
            "{dev}"
        );
    }
    let s = env.probe(&[], &["stat", "/dev/ptmx"]);
    assert_eq!(s["type"], "symlink");
    // mknod is allowed (CAP_MKNOD, cgroup `m`), but reading a disallowed device is not.
    let m = env.probe(&[], &["mknod", "/tmp/mem", "c", "1", "1"]);
    assert_eq!(m["mknod"]["ok"], true, "{m}");
    assert_eq!(m["open"]["errno_name"], "EPERM", "{m}");
    let m = env.probe(&[], &["mknod", "/tmp/sda", "b", "8", "0"]);
    assert_eq!(m["open"]["errno_name"], "EPERM", "{m}");
    // Without CAP_MKNOD, mknod itself fails (integration-cli TestRunCapDropCannotMknod).
    let m = env.probe(&["--cap-drop", "MKNOD"], &["mknod", "/tmp/x", "b", "8", "0"]);
    assert_eq!(m["mknod"]["errno_name"], "EPERM", "{m}");
    env.finish();
}

#[test]
fn memory_and_pids_limits_are_enforced() {
    let env = Env::new();
    env.busybox();
    let out = env.dock(&["run", "--name", "oom", "-m", "32m", "busybox", "/usr/local/bin/probe", "alloc", "200"]);
    assert_eq!(out.status.code(), Some(137), "{}", stderr(&out));
    let i = env.inspect("oom");
    assert_eq!(i["State"]["OOMKilled"], true);
    assert_eq!(i["State"]["ExitCode"], 137);
    assert_eq!(i["HostConfig"]["Memory"], 32 << 20);
    let r = env.probe(&["-m", "64m"], &["alloc", "8"]);
    assert_eq!(r["allocated_mib"], 8);
    let f = env.probe(&["--pids-limit", "10"], &["fork", "30"]);
    assert!(f["forked"].as_i64().unwrap() < 10 && f["errno_name"] == "EAGAIN", "{f}");
    let r = env.probe(&["--pids-limit", "10", "--cpu-shares", "512", "--cpus", "0.5"], &["report"]);
    assert_eq!(r["cgroup"]["pids_max"], 10);
    assert_eq!(r["cgroup"]["cpu_shares"], 512);
    assert_eq!(r["cgroup"]["cpu_quota"], 50000);
    env.ok(&["rm", "oom"]);
    env.finish();
}

#[test]
fn working_directory_never_reaches_host_files() {
    let env = Env::new();
    env.busybox();
    for fd in 3..64 {
        let fd = fd.to_string();
        let path = format!("/proc/self/fd/{fd}");
        let out = env.dock(&["run", "--rm", "-w", &path, "busybox", "/usr/local/bin/probe", "cwd"]);
        if out.status.success() {
            let v: Value = serde_json::from_slice(&out.stdout).unwrap();
            let cwd = v["cwd"].as_str().unwrap();
            assert!(cwd.starts_with('/') && !cwd.contains("unreachable"), "fd {fd}: cwd {cwd}");
        } else {
            let e = stderr(&out);
            assert!(e.contains("working directory"), "fd {fd}: {e}");
        }
    }
    // A missing -w directory is created inside the container.
    let v = env.probe(&["-w", "/new/dir"], &["cwd"]);
    assert_eq!(v["cwd"], "/new/dir");
    env.finish();
}

#[test]
fn users_from_the_image_passwd() {
    let env = Env::new();
    env.busybox();
    let r = env.probe(&["-u", "app"], &["report"]);
    assert_eq!((r["uid"].as_i64(), r["gid"].as_i64()), (Some(1000), Some(1000)));
    assert_eq!(r["groups"], serde_json::json!([1000, 2000]));
    assert!(r["env"].as_array().unwrap().iter().any(|e| e == "HOME=/home/app"));
    let r = env.probe(&["-u", "1234:55"], &["report"]);
    assert_eq!((r["uid"].as_i64(), r["gid"].as_i64()), (Some(1234), Some(55)));
    let r = env.probe(&["-u", "app:extra"], &["report"]);
    assert_eq!(r["gid"], 2000);
    let out = env.dock(&["run", "--rm", "-u", "nosuch", "busybox", "true"]);
    assert_ne!(out.status.code(), Some(0));
    assert!(stderr(&out).contains("unable to find user nosuch"), "{}", stderr(&out));
    let r = env.probe(&["--security-opt", "no-new-privileges"], &["report"]);
    assert_eq!(r["no_new_privs"], true);
    env.finish();
}

#[test]
fn mounts_binds_volumes_tmpfs_readonly() {
    let env = Env::new();
    env.busybox();
    let host = tempfile::tempdir().unwrap();
    std::fs::write(host.path().join("in.txt"), "from host").unwrap();
    let bind = format!("{}:/data", host.path().display());
    let v = env.probe(&["-v", &bind], &["read", "/data/in.txt"]);
    assert_eq!(v["content_prefix"], "from host");
    let w = env.probe(&["-v", &format!("{bind}:ro")], &["write", "/data/x", "y"]);
    assert_eq!(w["errno_name"], "EROFS");
    // Named volume: created on first use, shared between containers.
    env.ok(&["run", "--rm", "-v", "vol1:/v", "busybox", "sh", "-c", "echo kept > /v/f"]);
    let r = env.probe(&["-v", "vol1:/v"], &["read", "/v/f"]);
    assert_eq!(r["content_prefix"], "kept\n");
    let vols = env.ok(&["volume", "ls", "-q"]);
    assert!(vols.lines().any(|l| l == "vol1"), "{vols}");
    // tmpfs and --read-only.
    let r = env.probe(&["--read-only", "--tmpfs", "/scratch:size=1m"], &["report"]);
    assert!(has_opt(mount(&r, "/"), "ro"));
    assert_eq!(mount(&r, "/scratch")["fstype"], "tmpfs");
    let w = env.probe(&["--read-only"], &["write", "/etc/x", "y"]);
    assert_eq!(w["errno_name"], "EROFS");
    let w = env.probe(&["--read-only", "--tmpfs", "/scratch"], &["write", "/scratch/x", "y"]);
    assert_eq!(w["ok"], true);
    // --mount type=bind with a source that does not exist is refused.
    let err = env.fails(&["run", "--rm", "--mount", "type=bind,source=/no/such/dir,target=/x", "busybox", "true"], 125);
    assert!(err.contains("bind source path does not exist"), "{err}");
    env.ok(&["volume", "rm", "vol1"]);
    env.finish();
}

#[test]
fn symlinked_proc_in_the_image_is_refused() {
    let env = Env::new();
    let layer = libdocker_e2e::tar::TarBuilder::new()
        .file_mode("bin/busybox", &std::fs::read("/bin/busybox").unwrap(), 0o755)
        .symlink("bin/true", "busybox")
        .dir("bad-proc")
        .symlink("proc", "/bad-proc")
        .finish();
    let out = env.dock_stdin(&["import", "-", "badproc"], &layer);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = env.dock(&["run", "--rm", "badproc", "/bin/true"]);
    assert_ne!(out.status.code(), Some(0));
    assert!(stderr(&out).contains("/proc"), "{}", stderr(&out));
    env.finish();
}
