//! Shared pieces of the benchmark programs: timing and our binaries. Fixtures and the throwaway
//! Docker daemon come from the end-to-end test support crate (one copy of each).

pub use libdocker_e2e::{bin_dir, busybox_tar, dock_bin as dock, Dockerd};

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

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
