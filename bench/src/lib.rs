//! Shared pieces of the benchmark programs: timing, our binaries, fixtures, and a throwaway
//! Docker daemon (Debian's docker.io) with its own data root, for side-by-side figures.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Where cargo put `dock` and the monitor (the bench runs from the same target directory).
pub fn bin_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("current exe");
    let mut dir = exe.parent().expect("exe dir").to_path_buf();
    if dir.ends_with("deps") {
        dir.pop();
    }
    dir
}

pub fn dock() -> PathBuf {
    let p = bin_dir().join("dock");
    assert!(p.exists(), "{} is missing: cargo build --release --workspace", p.display());
    p
}

pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..").canonicalize().expect("repo root")
}

/// Time one run of `cmd`; panics with its stderr if it fails.
pub fn time(cmd: &mut Command) -> Duration {
    let t = Instant::now();
    let out = cmd.stdout(Stdio::null()).stderr(Stdio::piped()).output().expect("run");
    let d = t.elapsed();
    assert!(out.status.success(), "{cmd:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    d
}

/// Time a closure.
pub fn time_fn(f: impl FnOnce()) -> Duration {
    let t = Instant::now();
    f();
    t.elapsed()
}

pub fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

pub fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1e3)
}

pub fn ratio(ours: Duration, base: Duration) -> String {
    format!("{:.2}x", ours.as_secs_f64() / base.as_secs_f64())
}

/// Run a shell command line; panic on failure.
pub fn sh(script: &str) {
    let st = Command::new("sh").arg("-c").arg(script).status().expect("sh");
    assert!(st.success(), "sh -c {script:?} failed");
}

/// The busybox root filesystem tar (tests/fixtures), built once.
pub fn busybox_tar(dir: &Path) -> PathBuf {
    let out = dir.join("busybox.tar");
    if !out.exists() {
        let st = Command::new("sh")
            .arg(repo_root().join("tests/fixtures/busybox-rootfs.sh"))
            .arg(&out)
            .stderr(Stdio::null())
            .status()
            .expect("busybox-rootfs.sh");
        assert!(st.success(), "building the busybox fixture failed (apt-get install busybox-static)");
    }
    out
}

/// A Docker 20.10 daemon of our own, when `dockerd` is installed (Debian's docker.io).
pub struct Dockerd {
    dir: PathBuf,
    pub host: String,
    pid: i32,
}

impl Dockerd {
    pub fn start(dir: &Path) -> Option<Dockerd> {
        if Command::new("dockerd").arg("--version").output().is_err() {
            return None;
        }
        std::fs::create_dir_all(dir).ok()?;
        let sock = dir.join("docker.sock");
        let pidfile = dir.join("dockerd.pid");
        let log = std::fs::File::create(dir.join("dockerd.log")).ok()?;
        let child = Command::new("dockerd")
            .arg("--data-root")
            .arg(dir.join("data"))
            .arg("--exec-root")
            .arg(dir.join("exec"))
            .arg("--pidfile")
            .arg(&pidfile)
            .arg("-H")
            .arg(format!("unix://{}", sock.display()))
            .args(["--bridge", "none", "--iptables=false", "--ip-masq=false"])
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .ok()?;
        let d = Dockerd { dir: dir.to_path_buf(), host: format!("unix://{}", sock.display()), pid: child.id() as i32 };
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            if d.docker().arg("info").stdout(Stdio::null()).stderr(Stdio::null()).status().is_ok_and(|s| s.success()) {
                return Some(d);
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        eprintln!("dockerd did not come up; see {}", d.dir.join("dockerd.log").display());
        None
    }

    /// A `docker` CLI command bound to this daemon.
    pub fn docker(&self) -> Command {
        let mut c = Command::new("docker");
        c.env("DOCKER_HOST", &self.host).env("DOCKER_BUILDKIT", "0");
        c
    }
}

impl Drop for Dockerd {
    fn drop(&mut self) {
        // SAFETY: signalling the daemon we started, by its pid.
        unsafe { libc::kill(self.pid, libc::SIGTERM) };
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline && Path::new(&format!("/proc/{}", self.pid)).exists() {
            let mut st = 0;
            // SAFETY: reaping our own child.
            unsafe { libc::waitpid(self.pid, &mut st, libc::WNOHANG) };
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = Command::new("sh")
            .arg("-c")
            .arg(format!("grep -o ' {}[^ ]*' /proc/mounts | sort -r | xargs -r -n1 umount -l", self.dir.display()))
            .status();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
