//! `ps`: the containers, newest first, with Docker's status strings and filters.

use super::Container;
use crate::error::{Error, Result};
use crate::runtime::state::Status;
use crate::store::Store;
use crate::types::units::human_duration;
use crate::types::{unix_seconds, ContainerListOptions, ContainerSummary, SummaryHostConfig, SummaryNetworkSettings};
use std::collections::BTreeMap;

pub fn list(store: &Store, opts: &ContainerListOptions) -> Result<Vec<ContainerSummary>> {
    let filter = Filter::new(store, &opts.filters)?;
    let mut all: Vec<Container> = Vec::new();
    for id in super::ids(store)? {
        if let Some(c) = Container::load(store, &id)? {
            all.push(c);
        }
    }
    all.sort_by(|a, b| b.created.cmp(&a.created).then_with(|| a.id.cmp(&b.id)));
    let show_all = opts.all || opts.limit.is_some() || !filter.status.is_empty();
    let mut out = Vec::new();
    for c in &all {
        if !show_all && !c.is_running() {
            continue;
        }
        if !filter.keep(store, c) {
            continue;
        }
        out.push(summary(store, c, opts.size));
        if opts.limit.is_some_and(|l| out.len() >= l) {
            break;
        }
    }
    Ok(out)
}

fn summary(store: &Store, c: &Container, size: bool) -> ContainerSummary {
    let mut command = c.path.clone();
    for a in &c.args {
        command.push(' ');
        command.push_str(a);
    }
    // Docker shows the name the container was created with while it still means the same image.
    let image = match crate::image::resolve::resolve(store, &c.image_name) {
        Ok(i) if i.id == c.image => c.image_name.clone(),
        _ => c.image.short().to_string(),
    };
    ContainerSummary {
        id: c.id.clone(),
        names: vec![format!("/{}", c.name)],
        image,
        image_id: c.image.to_string(),
        command,
        created: unix_seconds(Some(&c.created)),
        ports: vec![],
        size_rw: size.then(|| crate::volume::dir_size(&c.dir.join("upper")) as i64),
        size_root_fs: None,
        labels: c.config.labels.clone().unwrap_or_default(),
        state: c.status_word().to_string(),
        status: status_string(c),
        host_config: SummaryHostConfig {
            network_mode: if c.host_config.network_mode.is_empty() {
                "default".to_string()
            } else {
                c.host_config.network_mode.clone()
            },
        },
        network_settings: SummaryNetworkSettings { networks: super::inspect::networks(c) },
        mounts: c.mounts.clone(),
    }
}

/// `Up 5 minutes`, `Up 2 seconds (Paused)`, `Exited (0) 3 seconds ago`, `Created`, `Restarting (1) …`.
pub fn status_string(c: &Container) -> String {
    let now =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0);
    let since = |t: &str| human_duration(now - unix_seconds(Some(t)));
    match c.state.status {
        Status::Running if c.is_paused() => format!("Up {} (Paused)", since(&c.state.started_at)),
        Status::Running => format!("Up {}", since(&c.state.started_at)),
        Status::Restarting => format!("Restarting ({}) {} ago", c.state.exit_code, since(&c.state.finished_at)),
        Status::Created => "Created".into(),
        Status::Exited => format!("Exited ({}) {} ago", c.state.exit_code, since(&c.state.finished_at)),
        Status::Dead => "Dead".into(),
    }
}

struct Filter {
    status: Vec<String>,
    names: Vec<String>,
    ids: Vec<String>,
    labels: Vec<(String, Option<String>)>,
    exited: Vec<i32>,
    ancestors: Vec<crate::digest::Digest>,
}

impl Filter {
    fn new(store: &Store, filters: &BTreeMap<String, Vec<String>>) -> Result<Filter> {
        let mut f =
            Filter { status: vec![], names: vec![], ids: vec![], labels: vec![], exited: vec![], ancestors: vec![] };
        for (k, vs) in filters {
            for v in vs {
                match k.as_str() {
                    "status" => {
                        if !["created", "restarting", "running", "removing", "paused", "exited", "dead"]
                            .contains(&v.as_str())
                        {
                            return Err(Error::invalid(format!("invalid filter 'status={v}'")));
                        }
                        f.status.push(v.clone())
                    }
                    "name" => f.names.push(v.trim_start_matches('/').to_string()),
                    "id" => f.ids.push(v.clone()),
                    "label" => f.labels.push(match v.split_once('=') {
                        Some((a, b)) => (a.to_string(), Some(b.to_string())),
                        None => (v.clone(), None),
                    }),
                    "exited" => {
                        f.exited.push(v.parse().map_err(|_| Error::invalid(format!("invalid filter 'exited={v}'")))?)
                    }
                    "ancestor" => {
                        if let Ok(img) = crate::image::resolve::resolve(store, v) {
                            f.ancestors.push(img.id)
                        }
                    }
                    _ => return Err(Error::invalid(format!("invalid filter '{k}'"))),
                }
            }
        }
        Ok(f)
    }

    fn keep(&self, _store: &Store, c: &Container) -> bool {
        if !self.status.is_empty() && !self.status.iter().any(|s| s == c.status_word()) {
            return false;
        }
        // Docker matches names as a substring (regexp without anchors).
        if !self.names.is_empty() && !self.names.iter().any(|n| c.name.contains(n.as_str())) {
            return false;
        }
        if !self.ids.is_empty() && !self.ids.iter().any(|i| c.id.starts_with(i.as_str())) {
            return false;
        }
        let labels = c.config.labels.as_ref();
        for (k, v) in &self.labels {
            match (labels.and_then(|l| l.get(k)), v) {
                (None, _) => return false,
                (Some(have), Some(want)) if have != want => return false,
                _ => {}
            }
        }
        if !self.exited.is_empty() && !(c.state.status == Status::Exited && self.exited.contains(&c.state.exit_code)) {
            return false;
        }
        if !self.ancestors.is_empty() && !self.ancestors.contains(&c.image) {
            return false;
        }
        true
    }
}
