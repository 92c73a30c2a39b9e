//! Time points for finding where a start or a build spends its time: with `LIBDOCKER_TRACE=FILE`
//! set, every process (engine, monitor, container init) appends `<monotonic µs> <pid> <label>`
//! lines to FILE. Unset (the normal case), a point costs one check of a cached flag. The file is
//! opened once per process (and inherited across fork, so the container's init can still write
//! after it left the host's filesystem).

use std::io::Write;
use std::sync::OnceLock;

static FILE: OnceLock<Option<std::fs::File>> = OnceLock::new();

pub fn point(label: &str) {
    let Some(mut f) = FILE
        .get_or_init(|| {
            let path = std::env::var_os("LIBDOCKER_TRACE")?;
            std::fs::OpenOptions::new().create(true).append(true).open(path).ok()
        })
        .as_ref()
    else {
        return;
    };
    let t = rustix::time::clock_gettime(rustix::time::ClockId::Monotonic);
    let us = t.tv_sec as u64 * 1_000_000 + t.tv_nsec as u64 / 1000;
    // One write per line, so lines from several processes never interleave.
    let line = format!("{us} {} {label}\n", rustix::process::getpid().as_raw_nonzero());
    let _ = f.write_all(line.as_bytes());
}
