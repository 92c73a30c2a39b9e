//! The end-to-end test harness: each test gets its own state root ([`Env`]), runs the real `dock`
//! binary against it, and must leave nothing behind ([`Env::finish`] checks mounts, processes,
//! cgroups and staging directories).
//!
//! Fixtures: a busybox image made from Debian's `busybox-static` with the static probe inside
//! (`tests/fixtures/busybox-rootfs.sh`), imported with our own `import`.

pub mod tar;

use serde_json::Value;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// `target/debug` (or `target/release`): where cargo put `dock`, the monitor and the probe.
pub fn bin_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("current exe");
    let mut dir = exe.parent().expect("exe dir").to_path_buf();
    if dir.ends_with("deps") {
        dir.pop();
    }
    dir
}

pub fn dock_bin() -> PathBuf {
    let p = bin_dir().join("dock");
    assert!(p.exists(), "{} is missing: build the workspace first (cargo build [--release] --workspace)", p.display());
    p
}

/// The repository root (for fixtures).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().expect("repo root")
}

/// The busybox root filesystem tar with the probe, built once per test process.
pub fn busybox_tar() -> &'static Path {
    static TAR: OnceLock<PathBuf> = OnceLock::new();
    TAR.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("libdocker-fixture-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("fixture dir");
        let out = dir.join("busybox.tar");
        let probe = bin_dir().join("probe");
        assert!(probe.exists(), "{} is missing: run `cargo build --workspace` first", probe.display());
        let st = Command::new("sh")
            .arg(repo_root().join("tests/fixtures/busybox-rootfs.sh"))
            .arg(&out)
            .arg("--with-probe")
            .arg(&probe)
            .stderr(Stdio::null())
            .status()
            .expect("run busybox-rootfs.sh");
        assert!(st.success(), "building the busybox fixture failed");
        out
    })
}

/// One test's private world: a fresh state root.
pub struct Env {
    pub root: tempfile::TempDir,
    finished: bool,
}

impl Default for Env {
    fn default() -> Self {
        Self::new()
    }
}

impl Env {
    pub fn new() -> Env {
        let root = tempfile::Builder::new().prefix("ldtest-").tempdir().expect("state root");
        Env { root, finished: false }
    }

    pub fn path(&self) -> &Path {
        self.root.path()
    }

    /// A `dock` command bound to this root.
    pub fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::new(dock_bin());
        c.env("LIBDOCKER_ROOT", self.root.path()).args(args);
        c
    }

    /// Run `dock args` and return its output (whatever the exit code).
    pub fn dock(&self, args: &[&str]) -> Output {
        self.cmd(args).stdin(Stdio::null()).output().expect("run dock")
    }

    /// Run `dock args` with `input` on stdin.
    pub fn dock_stdin(&self, args: &[&str], input: &[u8]) -> Output {
        let mut child = self
            .cmd(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn dock");
        let mut stdin = child.stdin.take().expect("stdin");
        let data = input.to_vec();
        let writer = std::thread::spawn(move || {
            let _ = stdin.write_all(&data);
        });
        let out = child.wait_with_output().expect("wait dock");
        let _ = writer.join();
        out
    }

    /// Run `dock args`, require success, return stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.dock(args);
        assert!(
            out.status.success(),
            "dock {} failed ({}):\nstdout: {}\nstderr: {}",
            args.join(" "),
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Run `dock args`, require failure with `code`, return stderr.
    pub fn fails(&self, args: &[&str], code: i32) -> String {
        let out = self.dock(args);
        let err = String::from_utf8_lossy(&out.stderr).into_owned();
        assert_eq!(
            out.status.code(),
            Some(code),
            "dock {}: expected exit {code}, got {} (stderr: {err})",
            args.join(" "),
            out.status
        );
        err
    }

    /// Import the busybox fixture as `busybox:latest`.
    pub fn busybox(&self) -> &Self {
        self.ok(&["import", busybox_tar().to_str().expect("utf-8 path"), "busybox"]);
        self
    }

    /// `dock run --rm [run_args] busybox probe [probe_args]` → the probe's JSON.
    pub fn probe(&self, run_args: &[&str], probe_args: &[&str]) -> Value {
        let mut args = vec!["run", "--rm"];
        args.extend_from_slice(run_args);
        args.push("busybox");
        args.push("/usr/local/bin/probe");
        args.extend_from_slice(probe_args);
        let out = self.ok(&args);
        serde_json::from_str(out.trim()).unwrap_or_else(|e| panic!("probe output is not JSON ({e}): {out}"))
    }

    /// `inspect X` → the first document.
    pub fn inspect(&self, name: &str) -> Value {
        let v: Value = serde_json::from_str(&self.ok(&["inspect", name])).expect("inspect json");
        v[0].clone()
    }

    /// Assert that nothing this root started is still around (monitors, container processes,
    /// cgroups, mounts, staging), then remove the root.
    pub fn finish(mut self) {
        self.finished = true;
        let leaks = self.leaks();
        self.cleanup();
        assert!(leaks.is_empty(), "leaked: {leaks:#?}");
    }

    /// Everything of ours that is still alive or present. A monitor of an `--rm` container may
    /// still be deleting its files for a few milliseconds after the removal was reported: what
    /// goes away within a short grace period is not a leak.
    pub fn leaks(&self) -> Vec<String> {
        let deadline = Instant::now() + Duration::from_secs(3);
        loop {
            let found = self.leaks_now();
            if found.is_empty() || Instant::now() >= deadline {
                return found;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn leaks_now(&self) -> Vec<String> {
        let mut out = Vec::new();
        let root = self.root.path().to_string_lossy().into_owned();
        for m in std::fs::read_to_string("/proc/self/mountinfo").unwrap_or_default().lines() {
            if m.contains(&root) {
                out.push(format!("mount: {m}"));
            }
        }
        for id in container_ids(self.root.path()) {
            for ctrl in ["memory", "pids", "cpu", "devices", "freezer", "cpuacct"] {
                let p = PathBuf::from(format!("/sys/fs/cgroup/{ctrl}/libdocker/{id}"));
                if p.exists() {
                    out.push(format!("cgroup: {}", p.display()));
                }
            }
        }
        for pid in processes_under(self.root.path()) {
            let cmd = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
            out.push(format!("process: {pid} {}", String::from_utf8_lossy(&cmd).replace('\0', " ")));
        }
        if let Ok(rd) = std::fs::read_dir(self.root.path().join("tmp")) {
            for e in rd.flatten() {
                out.push(format!("staging: {}", e.path().display()));
            }
        }
        out
    }

    /// Best effort: stop every container of this root and remove the root.
    fn cleanup(&mut self) {
        let ids = container_ids(self.root.path());
        if !ids.is_empty() {
            let mut args = vec!["rm", "-f"];
            args.extend(ids.iter().map(String::as_str));
            let _ = self.dock(&args);
        }
        for pid in processes_under(self.root.path()) {
            // SAFETY: plain kill of a leaked process.
            unsafe { libc::kill(pid, libc::SIGKILL) };
        }
    }
}

impl Drop for Env {
    fn drop(&mut self) {
        if !self.finished {
            self.cleanup();
        }
    }
}

pub fn container_ids(root: &Path) -> Vec<String> {
    std::fs::read_dir(root.join("containers"))
        .map(|rd| rd.flatten().map(|e| e.file_name().to_string_lossy().into_owned()).collect())
        .unwrap_or_default()
}

/// Processes whose command line or cwd mention the root (monitors run with the state dir as an
/// argument; container processes have their root under it).
pub fn processes_under(root: &Path) -> Vec<i32> {
    let needle = root.to_string_lossy().into_owned();
    let mut out = Vec::new();
    let me = std::process::id() as i32;
    for e in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Ok(pid) = e.file_name().to_string_lossy().parse::<i32>() else { continue };
        if pid == me {
            continue;
        }
        let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
        let cmd = String::from_utf8_lossy(&cmdline);
        let mountinfo = std::fs::read_to_string(format!("/proc/{pid}/mountinfo")).unwrap_or_default();
        let root_mount = mountinfo.lines().next().unwrap_or("");
        if cmd.contains(&needle) || root_mount.contains(&needle) {
            out.push(pid);
        }
    }
    out
}

/// `sha256:` of bytes.
pub fn sha256(b: &[u8]) -> String {
    use sha2::Digest;
    let d = sha2::Sha256::digest(b);
    let mut s = String::from("sha256:");
    for x in d.iter() {
        s.push_str(&format!("{x:02x}"));
    }
    s
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Peak resident memory (KiB) of a child run to completion, from wait4's rusage.
pub fn run_measuring_rss(
    mut cmd: Command,
    input: Option<Box<dyn FnOnce(std::process::ChildStdin) + Send>>,
) -> (std::process::ExitStatus, i64, String) {
    cmd.stdout(Stdio::null()).stderr(Stdio::piped());
    if input.is_some() {
        cmd.stdin(Stdio::piped());
    } else {
        cmd.stdin(Stdio::null());
    }
    let mut child = cmd.spawn().expect("spawn");
    let feeder = match (input, child.stdin.take()) {
        (Some(f), Some(stdin)) => Some(std::thread::spawn(move || f(stdin))),
        _ => None,
    };
    let mut err = String::new();
    if let Some(mut e) = child.stderr.take() {
        use std::io::Read;
        let _ = e.read_to_string(&mut err);
    }
    let pid = child.id() as i32;
    let mut status = 0;
    // SAFETY: wait4 on our own child with a zeroed rusage.
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::wait4(pid, &mut status, 0, &mut ru) };
    if let Some(f) = feeder {
        let _ = f.join();
    }
    use std::os::unix::process::ExitStatusExt;
    (std::process::ExitStatus::from_raw(status), ru.ru_maxrss, err)
}

/// For a test that needs a tool of the host as a peer (`dockerd`, `skopeo`): fails, saying how to
/// install it, when `tool --version` does not run.
pub fn require_tool(tool: &str) {
    let ok = Command::new(tool).arg("--version").output().is_ok_and(|o| o.status.success());
    assert!(ok, "this test needs {tool} (apt-get install docker.io skopeo, as scripts/setup-debian.sh does)");
}

/// A Docker 20.10 daemon of our own, when `dockerd` is installed (Debian's docker.io).
pub struct Dockerd {
    dir: PathBuf,
    pub host: String,
    pid: i32,
}

impl Dockerd {
    pub fn start(dir: &Path) -> Option<Dockerd> {
        // (Debian's docker.io: dockerd 20.10 with its own containerd and runc.)
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
