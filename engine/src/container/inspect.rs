//! `inspect` of a container: the Engine API's `ContainerInspect` document.

use super::Container;
use crate::error::Result;
use crate::runtime::state::Status;
use crate::store::Store;
use crate::types::{ContainerInspect, ContainerState, EndpointSettings, GraphDriver, NetworkSettings};
use std::collections::BTreeMap;

pub fn inspect(store: &Store, name: &str) -> Result<ContainerInspect> {
    let c = super::load(store, name)?;
    Ok(document(store, &c))
}

pub fn document(store: &Store, c: &Container) -> ContainerInspect {
    let s = &c.state;
    let paused = c.is_paused();
    let zero = crate::runtime::state::ZERO_TIME;
    let or_zero = |t: &str| if t.is_empty() { zero.to_string() } else { t.to_string() };
    let mut data = BTreeMap::new();
    let lower: Vec<String> =
        c.lower_layers().iter().map(|l| store.layers_dir().join(l).display().to_string()).collect();
    data.insert("LowerDir".to_string(), lower.join(":"));
    data.insert("UpperDir".to_string(), c.dir.join("upper").display().to_string());
    data.insert("WorkDir".to_string(), c.dir.join("work").display().to_string());
    data.insert("MergedDir".to_string(), c.dir.join("rootfs").display().to_string());
    let host_net = c.host_config.network_mode == "host";
    ContainerInspect {
        id: c.id.clone(),
        created: c.created.clone(),
        path: c.path.clone(),
        args: c.args.clone(),
        state: ContainerState {
            status: c.status_word().to_string(),
            running: c.is_running() && s.status == Status::Running,
            paused,
            restarting: s.status == Status::Restarting,
            oom_killed: s.oom_killed,
            dead: s.status == Status::Dead,
            pid: s.pid as i64,
            exit_code: s.exit_code as i64,
            error: s.error.clone(),
            started_at: or_zero(&s.started_at),
            finished_at: or_zero(&s.finished_at),
        },
        image: c.image.to_string(),
        resolv_conf_path: c.dir.join("resolv.conf").display().to_string(),
        hostname_path: c.dir.join("hostname").display().to_string(),
        hosts_path: c.dir.join("hosts").display().to_string(),
        log_path: c.log_path().display().to_string(),
        name: format!("/{}", c.name),
        restart_count: s.restart_count as i64,
        driver: "overlay2".into(),
        platform: "linux".into(),
        mount_label: String::new(),
        process_label: String::new(),
        app_armor_profile: String::new(),
        exec_ids: None,
        host_config: c.host_config.clone(),
        graph_driver: GraphDriver { name: "overlay2".into(), data },
        mounts: c.mounts.iter().filter(|m| m.kind != "tmpfs").cloned().collect(),
        config: c.config.clone(),
        network_settings: NetworkSettings {
            sandbox_key: if s.pid > 0 && !host_net { format!("/proc/{}/ns/net", s.pid) } else { String::new() },
            networks: networks(c),
            ..Default::default()
        },
    }
}

/// The networks a container is on, by name, as inspect and list show them. Without the bridge
/// network yet, `default` (and no mode) means `none`; Docker shows an entry for `none` and
/// `host` too, with no addresses.
pub(crate) fn networks(c: &Container) -> BTreeMap<String, EndpointSettings> {
    let name = match c.host_config.network_mode.as_str() {
        "" | "default" => "none",
        m => m,
    };
    BTreeMap::from([(name.to_string(), EndpointSettings::default())])
}
