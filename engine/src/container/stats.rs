//! `stats`: samples of the container's cgroup counters, each carrying the one before it as
//! `precpu_stats`/`preread` so that a CPU percentage needs nothing else (Docker's document).

use crate::error::Result;
use crate::runtime::cgroups::Cgroup;
use crate::store::Store;
use crate::stream::{self, Cancel, Output, Sink};
use crate::types::Stats;
use std::time::Duration;

/// Docker's sampling interval.
const EVERY: Duration = Duration::from_secs(1);

fn sample(c: &super::Container) -> Result<Stats> {
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

fn follows(s: &mut Stats, prev: &Stats) {
    s.precpu_stats = prev.cpu_stats.clone();
    s.preread = prev.read.clone();
}

/// `GET /containers/{id}/stats?stream=false[&one-shot=true]`: one sample; unless `one_shot`, taken
/// a second after a first one (its `precpu_stats`), as Docker does.
pub fn stats(store: &Store, name: &str, one_shot: bool, cancel: Option<&Cancel>) -> Result<Stats> {
    let c = super::load(store, name)?;
    let first = sample(&c)?;
    if one_shot || !c.is_running() {
        return Ok(first);
    }
    stream::sleep(EVERY, cancel)?;
    let mut s = sample(&c)?;
    follows(&mut s, &first);
    Ok(s)
}

/// `GET /containers/{id}/stats`: a sample every second to the sink (`Output::Stats`) until the
/// container stops (its last sample is sent) or the sink stops the stream.
pub fn stream(store: &Store, name: &str, sink: &mut dyn Sink) -> Result<()> {
    let id = super::resolve(store, name)?;
    let mut prev: Option<Stats> = None;
    loop {
        let Some(c) = super::Container::load(store, &id)? else { return Ok(()) };
        let mut s = sample(&c)?;
        if let Some(p) = &prev {
            follows(&mut s, p);
        }
        sink.send(Output::Stats(&s))?;
        if !c.is_running() {
            return Ok(());
        }
        prev = Some(s);
        stream::sleep(EVERY, sink.cancel())?;
    }
}
