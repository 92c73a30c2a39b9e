//! tests/fixtures/busybox-rootfs.sh with the probe: the tar is deterministic and has the
//! documented entries, and an extracted copy runs `sh` and the probe as pid 1 of new namespaces
//! (`unshare -mpfuin` + chroot). Needs root, /bin/busybox (busybox-static), tar, unshare and
//! chroot, as the whole suite does (scripts/setup-debian.sh installs them): without them it fails
//! saying which is missing. The mount namespace is private and dies with the process: nothing
//! leaks.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

const PROBE: &str = env!("CARGO_BIN_EXE_probe");

fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/busybox-rootfs.sh")
}

/// The host paths of unshare and chroot, or what this host lacks.
fn tools() -> Result<(String, String), String> {
    if unsafe { libc::geteuid() } != 0 {
        return Err("not root".into());
    }
    if !Path::new("/bin/busybox").exists() {
        return Err("no /bin/busybox (apt-get install busybox-static)".into());
    }
    let find = |tool: &str| -> Result<String, String> {
        let out = Command::new("sh").arg("-c").arg(format!("command -v {tool}")).output();
        match out {
            Ok(o) if o.status.success() => Ok(String::from_utf8_lossy(&o.stdout).trim().to_string()),
            _ => Err(format!("no {tool}")),
        }
    };
    find("tar")?;
    Ok((find("unshare")?, find("chroot")?))
}

struct Scratch(PathBuf);
impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn run(cmd: &mut Command) -> String {
    let out = cmd.output().expect("spawn");
    assert!(out.status.success(), "{cmd:?} failed: {}\n{}", out.status, String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn rootfs_tar_is_deterministic_and_runs_in_namespaces() {
    let (unshare, chroot) = tools().unwrap_or_else(|why| panic!("this test needs root and its tools: {why}"));
    let dir = std::env::temp_dir().join(format!("libdocker-probe-rootfs-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let scratch = Scratch(dir.clone());

    let (a, b) = (dir.join("a.tar"), dir.join("b.tar"));
    for t in [&a, &b] {
        run(Command::new("sh").arg(script()).arg(t).arg("--with-probe").arg(PROBE));
    }
    assert_eq!(std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap(), "two builds differ");

    let listing = run(Command::new("tar").arg("-tvf").arg(&a));
    let line = |name: &str| -> String {
        listing
            .lines()
            .find(|l| l.split_whitespace().nth(5) == Some(name))
            .unwrap_or_else(|| panic!("{name} not in the tar:\n{listing}"))
            .to_string()
    };
    assert!(line("bin/busybox").starts_with("-rwxr-xr-x 0/0 "));
    assert!(line("bin/sh").ends_with("bin/sh -> busybox"));
    assert!(line("usr/bin/env").ends_with("-> ../../bin/busybox"));
    assert!(line("usr/local/bin/probe").starts_with("-rwxr-xr-x 0/0 "));
    assert!(line("home/app/").starts_with("drwxr-xr-x 1000/1000 "));
    assert!(line("root/").starts_with("drwx------ 0/0 "));
    assert!(line("tmp/").starts_with("drwxrwxrwt 0/0 "));
    for d in ["proc/", "sys/", "dev/", "run/", "var/", "etc/passwd", "etc/group"] {
        assert!(line(d).contains(" 2013-06-03 00:00 "), "{d}");
    }
    assert!(!listing.contains("etc/hostname"));

    let root = dir.join("rootfs");
    std::fs::create_dir(&root).unwrap();
    run(Command::new("tar").arg("-xpf").arg(&a).arg("--numeric-owner").arg("-C").arg(&root));

    let in_ns = |args: &[&str]| -> String {
        let mut c = Command::new(&unshare);
        c.arg("-mpfuin")
            .arg(format!("--mount-proc={}", root.join("proc").display()))
            .arg(&chroot)
            .arg(&root)
            .args(args)
            .env_clear()
            .env("PATH", "/bin:/usr/bin:/usr/local/bin");
        run(&mut c)
    };
    assert_eq!(in_ns(&["/bin/sh", "-c", "echo ok"]), "ok\n");
    assert_eq!(in_ns(&["/bin/sh", "-c", "id app"]), "uid=1000(app) gid=1000(app) groups=1000(app),2000(extra)\n");

    let report: Value = serde_json::from_str(&in_ns(&["/usr/local/bin/probe", "report"])).unwrap();
    assert_eq!(report["pid"], 1);
    assert_eq!(report["cwd"], "/");
    assert_eq!(report["exe"], "/usr/local/bin/probe");
    assert_eq!(report["env"], serde_json::json!(["PATH=/bin:/usr/bin:/usr/local/bin"]));
    let host: Value = serde_json::from_str(&run(&mut Command::new(PROBE))).unwrap();
    for ns in ["mnt", "pid", "net", "uts", "ipc"] {
        assert_ne!(report["namespaces"][ns], host["namespaces"][ns], "{ns} namespace not new");
    }
    let mounts = report["mounts"].as_array().unwrap();
    assert!(mounts.iter().any(|m| m["fstype"] == "proc"), "{mounts:?}");

    drop(scratch);
    assert!(!dir.exists());
}
