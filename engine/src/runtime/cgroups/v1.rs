//! cgroup v1: a directory `<mount>/libdocker/<id>` in each hierarchy of the controllers we use
//! (memory, cpu, cpuacct, pids, devices, freezer; co-mounted ones share a directory). cpuset and
//! blkio are not used: no limit of ours needs them, and a new cpuset cgroup would need
//! `cpuset.cpus`/`cpuset.mems` copied from its parent before it could take a process.

use super::devices::DevicePolicy;
use super::resources::Resources;
use super::stats::{clock_ticks, Stats};
use super::{
    kill_all, mkdir_new, mkdir_parent, parse_keyed, parse_limit, poll_until, procs_recursive, read_optional,
    read_string, read_u64, remove_tree, write_file, write_pid, Hierarchy, PARENT,
};
use crate::error::{Error, ErrorKind, Result};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The controllers a container's cgroup is made of, when mounted.
pub(crate) const CONTROLLERS: [&str; 6] = ["memory", "cpu", "cpuacct", "pids", "devices", "freezer"];

/// One interface file to write at creation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LimitWrite {
    pub controller: &'static str,
    pub file: &'static str,
    pub value: String,
    /// Skipped when the file does not exist (swap accounting off): dockerd discards such a limit
    /// with a warning.
    pub optional: bool,
}

fn lw(controller: &'static str, file: &'static str, value: impl ToString, optional: bool) -> LimitWrite {
    LimitWrite { controller, file, value: value.to_string(), optional }
}

/// The v1 files and values for `res`, in the order they must be written (the memory limit before
/// memory+swap, which may not be below it; the CFS period before the quota).
pub(crate) fn limit_writes(res: &Resources) -> Vec<LimitWrite> {
    let mut w = Vec::new();
    if res.memory > 0 {
        w.push(lw("memory", "memory.limit_in_bytes", res.memory, false));
    }
    if let Some(swap) = res.effective_memory_swap() {
        w.push(lw("memory", "memory.memsw.limit_in_bytes", swap, true));
    }
    if res.memory_reservation > 0 {
        w.push(lw("memory", "memory.soft_limit_in_bytes", res.memory_reservation, false));
    }
    if let Some(shares) = res.effective_cpu_shares() {
        w.push(lw("cpu", "cpu.shares", shares, false));
    }
    let (quota, period) = res.effective_cfs();
    if period != 0 {
        w.push(lw("cpu", "cpu.cfs_period_us", period, false));
    }
    if quota != 0 {
        w.push(lw("cpu", "cpu.cfs_quota_us", if quota < 0 { -1 } else { quota }, false));
    }
    if let Some(n) = res.effective_pids_limit() {
        w.push(lw("pids", "pids.max", n, false));
    }
    w
}

#[derive(Debug)]
pub(crate) struct V1 {
    /// controller → its directory (co-mounted controllers map to the same one).
    dirs: BTreeMap<&'static str, PathBuf>,
}

impl V1 {
    pub fn create(h: &Hierarchy, id: &str, res: &Resources, policy: &DevicePolicy) -> Result<V1> {
        let writes = limit_writes(res);
        for w in writes.iter().filter(|w| !w.optional) {
            if h.v1_mount(w.controller).is_none() {
                return Err(Error::unsupported(format!(
                    "the {} cgroup controller is not mounted (needed for {})",
                    w.controller, w.file
                )));
            }
        }
        if !policy.allows_everything() && h.v1_mount("devices").is_none() {
            return Err(Error::unsupported(
                "the devices cgroup controller is not mounted: the device allow-list cannot be enforced",
            ));
        }
        let dirs: BTreeMap<&'static str, PathBuf> =
            CONTROLLERS.iter().filter_map(|&c| Some((c, h.v1_mount(c)?.join(PARENT).join(id)))).collect();
        if dirs.is_empty() {
            return Err(Error::unsupported("none of the cgroup v1 controllers we use is mounted"));
        }
        let cg = V1 { dirs };
        let mut created = Vec::new();
        if let Err(e) = cg.populate(&writes, policy, &mut created) {
            for d in created.iter().rev() {
                let _ = remove_tree(d);
            }
            return Err(e);
        }
        Ok(cg)
    }

    fn populate(&self, writes: &[LimitWrite], policy: &DevicePolicy, created: &mut Vec<PathBuf>) -> Result<()> {
        for dir in self.dirs() {
            if let Some(parent) = dir.parent() {
                mkdir_parent(parent)?;
            }
            mkdir_new(&dir)?;
            created.push(dir);
        }
        for w in writes {
            let Some(dir) = self.dir_of(w.controller) else {
                continue;
            };
            let path = dir.join(w.file);
            if w.optional && !path.exists() {
                continue;
            }
            write_file(&path, &w.value)?;
        }
        if let Some(dir) = self.dir_of("devices") {
            for (file, line) in policy.v1_writes() {
                write_file(&dir.join(file), &line)?;
            }
        }
        Ok(())
    }

    pub fn open(h: &Hierarchy, id: &str) -> Result<V1> {
        let dirs: BTreeMap<&'static str, PathBuf> = CONTROLLERS
            .iter()
            .filter_map(|&c| Some((c, h.v1_mount(c)?.join(PARENT).join(id))))
            .filter(|(_, d)| d.is_dir())
            .collect();
        if dirs.is_empty() {
            return Err(Error::not_found(format!("No such cgroup: {id}")));
        }
        Ok(V1 { dirs })
    }

    /// The distinct directories, in a stable order.
    pub fn dirs(&self) -> Vec<PathBuf> {
        let mut v: Vec<PathBuf> = self.dirs.values().cloned().collect();
        v.sort();
        v.dedup();
        v
    }

    pub fn dir_of(&self, controller: &str) -> Option<&Path> {
        self.dirs.get(controller).map(PathBuf::as_path)
    }

    pub fn add_process(&self, pid: i32) -> Result<()> {
        for dir in self.dirs() {
            write_pid(&dir, pid)?;
        }
        Ok(())
    }

    pub fn pids(&self) -> Result<Vec<i32>> {
        let mut all = Vec::new();
        for dir in self.dirs() {
            all.extend(procs_recursive(&dir)?);
        }
        all.sort_unstable();
        all.dedup();
        Ok(all)
    }

    fn freezer_state(&self) -> Result<PathBuf> {
        self.dir_of("freezer")
            .map(|d| d.join("freezer.state"))
            .ok_or_else(|| Error::unsupported("the freezer cgroup controller is not mounted"))
    }

    pub fn freeze(&self) -> Result<()> {
        let state = self.freezer_state()?;
        // Writing FROZEN again while FREEZING re-tries the tasks that were busy.
        let frozen = poll_until(Duration::from_secs(5), || {
            write_file(&state, "FROZEN")?;
            Ok(read_string(&state)?.trim() == "FROZEN")
        })?;
        if !frozen {
            let _ = write_file(&state, "THAWED");
            return Err(Error::new(ErrorKind::Io, format!("timed out freezing {}", state.display())));
        }
        Ok(())
    }

    pub fn thaw(&self) -> Result<()> {
        let state = self.freezer_state()?;
        let thawed = poll_until(Duration::from_secs(5), || {
            write_file(&state, "THAWED")?;
            Ok(read_string(&state)?.trim() == "THAWED")
        })?;
        if !thawed {
            return Err(Error::new(ErrorKind::Io, format!("timed out thawing {}", state.display())));
        }
        Ok(())
    }

    pub fn is_frozen(&self) -> Result<bool> {
        let Some(dir) = self.dir_of("freezer") else {
            return Ok(false);
        };
        Ok(read_optional(&dir.join("freezer.state"))?.is_some_and(|s| s.trim() == "FROZEN"))
    }

    pub fn stats(&self) -> Result<Stats> {
        let mut s = Stats::default();
        if let Some(d) = self.dir_of("memory") {
            let m = &mut s.memory_stats;
            m.usage = read_u64(&d.join("memory.usage_in_bytes"))?;
            m.max_usage = read_u64(&d.join("memory.max_usage_in_bytes"))?;
            m.failcnt = read_u64(&d.join("memory.failcnt"))?;
            m.limit = read_u64(&d.join("memory.limit_in_bytes"))?;
            if let Some(text) = read_optional(&d.join("memory.stat"))? {
                m.stats = parse_keyed(&text);
            }
        }
        if let Some(d) = self.dir_of("cpuacct") {
            let u = &mut s.cpu_stats.cpu_usage;
            u.total_usage = read_u64(&d.join("cpuacct.usage"))?.unwrap_or(0);
            if let Some(text) = read_optional(&d.join("cpuacct.usage_percpu"))? {
                u.percpu_usage = Some(text.split_whitespace().filter_map(|v| v.parse().ok()).collect());
            }
            if let Some(text) = read_optional(&d.join("cpuacct.stat"))? {
                let st = parse_keyed(&text);
                let ns = |ticks: u64| ticks.saturating_mul(1_000_000_000) / clock_ticks();
                u.usage_in_usermode = ns(st.get("user").copied().unwrap_or(0));
                u.usage_in_kernelmode = ns(st.get("system").copied().unwrap_or(0));
            }
        }
        if let Some(d) = self.dir_of("cpu") {
            if let Some(text) = read_optional(&d.join("cpu.stat"))? {
                let st = parse_keyed(&text);
                let t = &mut s.cpu_stats.throttling_data;
                t.periods = st.get("nr_periods").copied().unwrap_or(0);
                t.throttled_periods = st.get("nr_throttled").copied().unwrap_or(0);
                t.throttled_time = st.get("throttled_time").copied().unwrap_or(0);
            }
        }
        if let Some(d) = self.dir_of("pids") {
            s.pids_stats.current = read_u64(&d.join("pids.current"))?;
            s.pids_stats.limit = read_optional(&d.join("pids.max"))?.and_then(|v| parse_limit(&v));
        }
        Ok(s)
    }

    pub fn oom_killed(&self) -> Result<bool> {
        let Some(d) = self.dir_of("memory") else {
            return Ok(false);
        };
        let Some(text) = read_optional(&d.join("memory.oom_control"))? else {
            return Ok(false);
        };
        Ok(parse_keyed(&text).get("oom_kill").is_some_and(|&n| n > 0))
    }

    pub fn destroy(&self) -> Result<()> {
        // The usual case, a container whose processes are all gone and that made no child
        // cgroups: one rmdir per hierarchy (the kernel refuses it with EBUSY otherwise, so it
        // also checks). Only what that leaves goes through the freeze/kill/wait below.
        let mut left = false;
        for dir in self.dirs() {
            match std::fs::remove_dir(&dir) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(_) => left = true,
            }
        }
        if !left {
            return Ok(());
        }
        let state = self.dir_of("freezer").map(|d| d.join("freezer.state")).filter(|p| p.exists());
        // Freeze so that nothing forks between listing and killing, kill, thaw so that the
        // killed (and formerly paused) tasks run to their death; until the cgroup is empty.
        let emptied = poll_until(Duration::from_secs(5), || {
            if self.pids()?.is_empty() {
                return Ok(true);
            }
            if let Some(state) = &state {
                let _ = write_file(state, "FROZEN");
            }
            kill_all(&self.pids()?);
            if let Some(state) = &state {
                let _ = write_file(state, "THAWED");
            }
            Ok(false)
        });
        let mut first_err = emptied.err();
        for dir in self.dirs() {
            if let Err(e) = remove_tree(&dir) {
                first_err.get_or_insert(e);
            }
        }
        first_err.map_or(Ok(()), Err)
    }
}
