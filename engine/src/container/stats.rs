//! `stats --no-stream`: one sample of the container's cgroup counters.

use crate::error::Result;
use crate::runtime::cgroups::Cgroup;
use crate::store::Store;
use crate::types::Stats;

pub fn stats(store: &Store, name: &str) -> Result<Stats> {
    let c = super::load(store, name)?;
    let mut s = Stats {
        read: crate::types::rfc3339_nanos(std::time::SystemTime::now()),
        preread: crate::runtime::state::ZERO_TIME.into(),
        name: format!("/{}", c.name),
        id: c.id.clone(),
        ..Default::default()
    };
    if c.is_running() {
        let sample = Cgroup::open(&c.id)?.stats()?;
        s.pids_stats = sample.pids_stats;
        s.memory_stats = sample.memory_stats;
        s.cpu_stats = sample.cpu_stats;
    }
    Ok(s)
}
