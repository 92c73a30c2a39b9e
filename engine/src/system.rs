//! `version` and `info`: facts about this engine and host.

use crate::error::Result;
use crate::store::Store;
use crate::types::system::{ComponentVersion, Platform};
use crate::types::{SystemInfo, SystemVersion};

/// The Docker release this engine answers as: `Version` of `/version`, `ServerVersion` of
/// `/info`, `docker_version` of the image configs it writes. Clients compare it as a Docker
/// version (testcontainers-java refuses anything below 1.6.0), so it is Docker's numbering, not
/// libdocker's ([`VERSION`], kept in `/version`'s `Components` and the `Platform` name).
pub const DOCKER_VERSION: &str = "25.0.0";
/// The newest Engine API version we speak (Docker 25's), and the oldest a modern client may
/// negotiate (docker-py's floor). Docker 0.4's own v1.0–v1.2 paths are served apart.
pub const API_VERSION: &str = "1.44";
pub const MIN_API_VERSION: &str = "1.24";
/// libdocker's own version.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

pub fn version() -> SystemVersion {
    let kernel = kernel_release();
    SystemVersion {
        platform: Platform { name: "libdocker".into() },
        components: vec![
            ComponentVersion { name: "Engine".into(), version: DOCKER_VERSION.into() },
            ComponentVersion { name: "libdocker".into(), version: VERSION.into() },
        ],
        version: DOCKER_VERSION.into(),
        api_version: API_VERSION.into(),
        min_api_version: MIN_API_VERSION.into(),
        git_commit: option_env!("LIBDOCKER_GIT_COMMIT").unwrap_or("unknown").into(),
        go_version: "n/a (Rust)".into(),
        os: "linux".into(),
        arch: crate::image::host_arch().into(),
        kernel_version: kernel,
        build_time: String::new(),
    }
}

pub fn info(store: &Store, containers: [i64; 4]) -> Result<SystemInfo> {
    let [total, running, paused, stopped] = containers;
    let cgroup_version = cgroup_version();
    Ok(SystemInfo {
        id: String::new(),
        containers: total,
        containers_running: running,
        containers_paused: paused,
        containers_stopped: stopped,
        images: store.image_ids()?.len() as i64,
        driver: "overlay2".into(),
        driver_status: vec![
            ["Backing Filesystem".into(), backing_filesystem(store)],
            ["Layers".into(), store.layers()?.len().to_string()],
        ],
        docker_root_dir: store.root().display().to_string(),
        cgroup_driver: "cgroupfs".into(),
        cgroup_version: cgroup_version.to_string(),
        kernel_version: kernel_release(),
        operating_system: os_pretty_name(),
        os_type: "linux".into(),
        architecture: std::env::consts::ARCH.into(),
        ncpu: std::thread::available_parallelism().map(|n| n.get() as i64).unwrap_or(1),
        mem_total: mem_total(),
        name: rustix::system::uname().nodename().to_string_lossy().into_owned(),
        server_version: DOCKER_VERSION.into(),
        memory_limit: true,
        swap_limit: std::path::Path::new("/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes").exists(),
        cpu_cfs_period: true,
        cpu_cfs_quota: true,
        cpu_shares: true,
        pids_limit: true,
        security_options: vec!["name=seccomp,profile=default".into()],
    })
}

pub fn kernel_release() -> String {
    rustix::system::uname().release().to_string_lossy().into_owned()
}

/// 2 when `/sys/fs/cgroup` is the unified hierarchy, else 1 (this machine: v1, hybrid).
pub fn cgroup_version() -> u8 {
    match rustix::fs::statfs("/sys/fs/cgroup") {
        Ok(s) if s.f_type as i64 == 0x6367_7270 => 2, // CGROUP2_SUPER_MAGIC
        _ => 1,
    }
}

fn os_pretty_name() -> String {
    std::fs::read_to_string("/etc/os-release")
        .ok()
        .and_then(|s| s.lines().find_map(|l| l.strip_prefix("PRETTY_NAME=").map(|v| v.trim_matches('"').to_string())))
        .unwrap_or_else(|| "Linux".into())
}

fn mem_total() -> i64 {
    std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|s| {
            let l = s.lines().find(|l| l.starts_with("MemTotal:"))?;
            let kb: i64 = l.split_whitespace().nth(1)?.parse().ok()?;
            Some(kb * 1024)
        })
        .unwrap_or(0)
}

fn backing_filesystem(store: &Store) -> String {
    match rustix::fs::statfs(store.root()) {
        Ok(s) => match s.f_type as i64 {
            0xEF53 => "extfs".into(),
            0x5846_5342 => "xfs".into(),
            0x9123_683E => "btrfs".into(),
            0x0102_1994 => "tmpfs".into(),
            other => format!("0x{other:x}"),
        },
        Err(_) => "unknown".into(),
    }
}
