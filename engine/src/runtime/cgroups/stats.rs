//! One sample of a container's cgroup counters (`pids_stats`, `memory_stats`, `cpu_stats` of the
//! Engine API's stats document, whose types are in `types::stats`), and the host figures every
//! document carries.
//!
//! As documented by the API, on cgroup v2 `cpu_usage.percpu_usage`, `memory_stats.max_usage` and
//! `memory_stats.failcnt` are not set, and `memory_stats.stats` has v2's keys.

pub use crate::types::stats::{CpuStats, CpuUsage, MemoryStats, PidsStats, ThrottlingData};

/// What a cgroup tells about its processes now (serialised as those parts of the document).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Stats {
    pub pids_stats: PidsStats,
    pub memory_stats: MemoryStats,
    pub cpu_stats: CpuStats,
}

/// Host figures every stats document carries: `system_cpu_usage`, `online_cpus`, and the memory
/// limit clamped to the host's memory (dockerd does the same for unlimited containers).
pub(crate) fn fill_host_figures(s: &mut Stats) {
    s.cpu_stats.system_cpu_usage = system_cpu_usage();
    // SAFETY: sysconf has no preconditions.
    let online = unsafe { libc::sysconf(libc::_SC_NPROCESSORS_ONLN) };
    if online > 0 {
        s.cpu_stats.online_cpus = Some(online as u32);
    }
    if let Some(host) = host_memory() {
        s.memory_stats.limit = Some(s.memory_stats.limit.map_or(host, |l| l.min(host)));
    }
}

/// Clock ticks per second of `/proc/stat` and `cpuacct.stat` (USER_HZ).
pub(crate) fn clock_ticks() -> u64 {
    // SAFETY: sysconf has no preconditions.
    let t = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    if t > 0 {
        t as u64
    } else {
        100
    }
}

/// The sum of the first seven fields of `/proc/stat`'s `cpu` line, in ns (dockerd's
/// `getSystemCPUUsage`).
fn system_cpu_usage() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/stat").ok()?;
    let line = text.lines().find(|l| l.starts_with("cpu "))?;
    let ticks: u64 = line.split_whitespace().skip(1).take(7).filter_map(|f| f.parse::<u64>().ok()).sum();
    Some(ticks.saturating_mul(1_000_000_000) / clock_ticks())
}

/// `MemTotal` of `/proc/meminfo` in bytes.
fn host_memory() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = text.lines().find(|l| l.starts_with("MemTotal:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}
