//! Time points for finding where a start or a build spends its time: with `LIBDOCKER_TRACE=FILE`
//! set, every process (engine, monitor, container init) appends `<monotonic µs> <pid> <label>`
//! lines to FILE. Unset (the normal case), a point costs one check of a cached flag.

use std::io::Write;
use std::sync::OnceLock;

static FILE: OnceLock<Option<std::path::PathBuf>> = OnceLock::new();

pub fn point(label: &str) {
    let Some(path) = FILE.get_or_init(|| std::env::var_os("LIBDOCKER_TRACE").map(Into::into)) else { return };
    let t = rustix::time::clock_gettime(rustix::time::ClockId::Monotonic);
    let us = t.tv_sec as u64 * 1_000_000 + t.tv_nsec as u64 / 1000;
    if let Ok(mut f) = std::fs::OpenOptions::new().create(true).append(true).open(path) {
        let _ = writeln!(f, "{us} {} {label}", std::process::id());
    }
}
