//! The cgroup part of the Engine API's `/containers/{id}/stats` document: `pids_stats`,
//! `memory_stats` and `cpu_stats` with the API's field names (snake_case there). The engine adds
//! `read`, `preread`, `precpu_stats` (the previous read), `networks` and `blkio_stats`.
//!
//! As documented by the API, on cgroup v2 `cpu_usage.percpu_usage`, `memory_stats.max_usage` and
//! `memory_stats.failcnt` are not set, and `memory_stats.stats` has v2's keys.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stats {
    pub pids_stats: PidsStats,
    pub memory_stats: MemoryStats,
    pub cpu_stats: CpuStats,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PidsStats {
    /// Processes in the cgroup now.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub current: Option<u64>,
    /// `pids.max`; absent when unlimited.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u64>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemoryStats {
    /// Bytes in use (v1 `memory.usage_in_bytes`, v2 `memory.current`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usage: Option<u64>,
    /// v1 only: `memory.max_usage_in_bytes`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_usage: Option<u64>,
    /// `memory.stat` as is.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub stats: BTreeMap<String, u64>,
    /// v1 only: `memory.failcnt`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failcnt: Option<u64>,
    /// The limit, or the host's memory when unlimited (as dockerd reports it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u64>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CpuStats {
    pub cpu_usage: CpuUsage,
    /// The host's total CPU time in ns (`/proc/stat`), for the percentage.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system_cpu_usage: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub online_cpus: Option<u32>,
    pub throttling_data: ThrottlingData,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CpuUsage {
    /// CPU time used, ns.
    pub total_usage: u64,
    /// v1 only: per CPU, ns (`cpuacct.usage_percpu`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub percpu_usage: Option<Vec<u64>>,
    /// System time, ns.
    pub usage_in_kernelmode: u64,
    /// User time, ns.
    pub usage_in_usermode: u64,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ThrottlingData {
    pub periods: u64,
    pub throttled_periods: u64,
    /// ns.
    pub throttled_time: u64,
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
