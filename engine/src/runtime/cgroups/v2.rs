//! cgroup v2: one directory `<root>/libdocker/<id>`. The controllers cpu, memory and pids are
//! enabled in the `cgroup.subtree_control` of the root and of `libdocker` when the root offers
//! them (a limit whose controller is missing is an error; a missing controller without a limit
//! only leaves its stats empty). The freezer (`cgroup.freeze`), `cgroup.kill` and device programs
//! are core features that need no controller.

use super::bpf;
use super::devices::DevicePolicy;
use super::resources::Resources;
use super::stats::Stats;
use super::v1::LimitWrite;
use super::{
    kill_all, mkdir_new, mkdir_parent, parse_keyed, parse_limit, poll_until, procs_recursive, read_optional,
    read_string, read_u64, remove_tree, write_file, write_pid, Hierarchy, PARENT,
};
use crate::error::{Error, ErrorKind, Result};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The controllers enabled for container cgroups when available.
const WANTED: [&str; 3] = ["cpu", "memory", "pids"];

fn lw(controller: &'static str, file: &'static str, value: impl ToString, optional: bool) -> LimitWrite {
    LimitWrite { controller, file, value: value.to_string(), optional }
}

/// cgroup v1 `cpu.shares` [2, 262144] (default 1024) → v2 `cpu.weight` [1, 10000] (default 100),
/// as runc converts it today (opencontainers/cgroups `ConvertCPUSharesToCgroupV2Value`, a quadratic
/// in log2 that maps 2 → 1, 1024 → 100, 262144 → 10000; runc before 1.3 used the linear
/// `1 + (shares - 2) * 9999 / 262142`). 0 means unset.
pub(crate) fn cpu_shares_to_weight(shares: u64) -> u64 {
    if shares == 0 {
        return 0;
    }
    if shares <= 2 {
        return 1;
    }
    if shares >= 262_144 {
        return 10_000;
    }
    let l = (shares as f64).log2();
    let exponent = (l * l + 125.0 * l) / 612.0 - 7.0 / 34.0;
    10f64.powf(exponent).ceil() as u64
}

/// The v2 files and values for `res`, in order. `memory.swap.max` is swap alone (MemorySwap −
/// Memory), optional because it is absent without swap accounting.
pub(crate) fn limit_writes(res: &Resources) -> Vec<LimitWrite> {
    let mut w = Vec::new();
    if res.memory > 0 {
        w.push(lw("memory", "memory.max", res.memory, false));
    }
    match res.effective_memory_swap() {
        Some(-1) => w.push(lw("memory", "memory.swap.max", "max", true)),
        Some(swap) => w.push(lw("memory", "memory.swap.max", (swap - res.memory).max(0), true)),
        None => {}
    }
    if res.memory_reservation > 0 {
        w.push(lw("memory", "memory.low", res.memory_reservation, false));
    }
    if let Some(shares) = res.effective_cpu_shares() {
        w.push(lw("cpu", "cpu.weight", cpu_shares_to_weight(shares), false));
    }
    let (quota, period) = res.effective_cfs();
    if quota != 0 || period != 0 {
        let q = if quota > 0 { quota.to_string() } else { "max".to_string() };
        let p = if period > 0 { period } else { super::resources::NANO_CPUS_PERIOD };
        w.push(lw("cpu", "cpu.max", format!("{q} {p}"), false));
    }
    if let Some(n) = res.effective_pids_limit() {
        w.push(lw("pids", "pids.max", n, false));
    }
    w
}

#[derive(Debug)]
pub(crate) struct V2 {
    dir: PathBuf,
}

fn root_of(h: &Hierarchy) -> Result<&Path> {
    h.cgroup2_mount().ok_or_else(|| Error::unsupported("no cgroup2 file system is mounted"))
}

fn words(text: &str) -> Vec<String> {
    text.split_whitespace().map(str::to_string).collect()
}

/// Enable `controllers` for the children of `dir`; a failure matters only for `required` ones.
fn enable_controllers(dir: &Path, controllers: &[&str], required: &[&str]) -> Result<()> {
    let control = dir.join("cgroup.subtree_control");
    let enabled = words(&read_string(&control)?);
    for c in controllers {
        if enabled.iter().any(|e| e == c) {
            continue;
        }
        if let Err(e) = write_file(&control, &format!("+{c}")) {
            if required.contains(c) {
                return Err(e);
            }
        }
    }
    Ok(())
}

impl V2 {
    pub fn create(h: &Hierarchy, id: &str, res: &Resources, policy: &DevicePolicy) -> Result<V2> {
        let root = root_of(h)?;
        let available = words(&read_string(&root.join("cgroup.controllers"))?);
        let writes = limit_writes(res);
        let mut required: Vec<&str> = Vec::new();
        for w in writes.iter().filter(|w| !w.optional) {
            if !available.iter().any(|a| a == w.controller) {
                return Err(Error::unsupported(format!(
                    "the {} cgroup v2 controller is not available in {} (needed for {})",
                    w.controller,
                    root.display(),
                    w.file
                )));
            }
            if !required.contains(&w.controller) {
                required.push(w.controller);
            }
        }
        let enable: Vec<&str> = WANTED.iter().copied().filter(|c| available.iter().any(|a| a == c)).collect();
        enable_controllers(root, &enable, &required)?;
        let parent = root.join(PARENT);
        mkdir_parent(&parent)?;
        enable_controllers(&parent, &enable, &required)?;
        let dir = parent.join(id);
        mkdir_new(&dir)?;
        let cg = V2 { dir };
        if let Err(e) = cg.populate(&writes, policy) {
            let _ = remove_tree(&cg.dir);
            return Err(e);
        }
        Ok(cg)
    }

    fn populate(&self, writes: &[LimitWrite], policy: &DevicePolicy) -> Result<()> {
        for w in writes {
            let path = self.dir.join(w.file);
            if w.optional && !path.exists() {
                continue;
            }
            write_file(&path, &w.value)?;
        }
        if !policy.allows_everything() {
            bpf::attach_device_filter(&self.dir, policy)?;
        }
        Ok(())
    }

    pub fn open(h: &Hierarchy, id: &str) -> Result<V2> {
        let dir = root_of(h)?.join(PARENT).join(id);
        if !dir.is_dir() {
            return Err(Error::not_found(format!("No such cgroup: {id}")));
        }
        Ok(V2 { dir })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn add_process(&self, pid: i32) -> Result<()> {
        write_pid(&self.dir, pid)
    }

    pub fn pids(&self) -> Result<Vec<i32>> {
        procs_recursive(&self.dir)
    }

    fn events(&self) -> Result<std::collections::BTreeMap<String, u64>> {
        Ok(read_optional(&self.dir.join("cgroup.events"))?.map(|t| parse_keyed(&t)).unwrap_or_default())
    }

    fn set_frozen(&self, frozen: bool) -> Result<()> {
        let control = self.dir.join("cgroup.freeze");
        if !control.exists() && self.dir.exists() {
            return Err(Error::unsupported("this kernel has no cgroup v2 freezer (cgroup.freeze)"));
        }
        write_file(&control, if frozen { "1" } else { "0" })?;
        let want = u64::from(frozen);
        let done = poll_until(Duration::from_secs(5), || Ok(self.events()?.get("frozen").copied() == Some(want)))?;
        if !done {
            if frozen {
                let _ = write_file(&control, "0");
            }
            let what = if frozen { "freezing" } else { "thawing" };
            return Err(Error::new(ErrorKind::Io, format!("timed out {what} {}", self.dir.display())));
        }
        Ok(())
    }

    pub fn freeze(&self) -> Result<()> {
        self.set_frozen(true)
    }

    pub fn thaw(&self) -> Result<()> {
        self.set_frozen(false)
    }

    pub fn is_frozen(&self) -> Result<bool> {
        Ok(self.events()?.get("frozen") == Some(&1))
    }

    pub fn stats(&self) -> Result<Stats> {
        let d = &self.dir;
        let mut s = Stats::default();
        let m = &mut s.memory_stats;
        m.usage = read_u64(&d.join("memory.current"))?;
        m.limit = read_optional(&d.join("memory.max"))?.and_then(|v| parse_limit(&v));
        if let Some(text) = read_optional(&d.join("memory.stat"))? {
            m.stats = parse_keyed(&text);
        }
        if let Some(text) = read_optional(&d.join("cpu.stat"))? {
            let st = parse_keyed(&text);
            let get = |k: &str| st.get(k).copied().unwrap_or(0);
            let u = &mut s.cpu_stats.cpu_usage;
            u.total_usage = get("usage_usec").saturating_mul(1000);
            u.usage_in_usermode = get("user_usec").saturating_mul(1000);
            u.usage_in_kernelmode = get("system_usec").saturating_mul(1000);
            let t = &mut s.cpu_stats.throttling_data;
            t.periods = get("nr_periods");
            t.throttled_periods = get("nr_throttled");
            t.throttled_time = get("throttled_usec").saturating_mul(1000);
        }
        s.pids_stats.current = read_u64(&d.join("pids.current"))?;
        s.pids_stats.limit = read_optional(&d.join("pids.max"))?.and_then(|v| parse_limit(&v));
        if s.pids_stats.current.is_none() {
            // Without the pids controller, count the processes.
            s.pids_stats.current = Some(self.pids()?.len() as u64);
        }
        Ok(s)
    }

    pub fn oom_killed(&self) -> Result<bool> {
        let Some(text) = read_optional(&self.dir.join("memory.events"))? else {
            return Ok(false);
        };
        Ok(parse_keyed(&text).get("oom_kill").is_some_and(|&n| n > 0))
    }

    pub fn destroy(&self) -> Result<()> {
        // Empty and childless (the usual case): one rmdir, which the kernel refuses otherwise.
        match std::fs::remove_dir(&self.dir) {
            Ok(()) => return Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            Err(_) => {}
        }
        let kill = self.dir.join("cgroup.kill");
        let freeze = self.dir.join("cgroup.freeze");
        let emptied = poll_until(Duration::from_secs(5), || {
            if self.pids()?.is_empty() {
                return Ok(true);
            }
            if kill.exists() {
                // Kills every process of the cgroup and its descendants, frozen or not.
                let _ = write_file(&kill, "1");
            } else {
                let _ = write_file(&freeze, "1");
                kill_all(&self.pids()?);
                let _ = write_file(&freeze, "0");
            }
            Ok(false)
        });
        let mut first_err = emptied.err();
        if let Err(e) = remove_tree(&self.dir) {
            first_err.get_or_insert(e);
        }
        first_err.map_or(Ok(()), Err)
    }
}
