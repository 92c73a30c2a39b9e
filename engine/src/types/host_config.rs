//! `HostConfig` of the Engine API, with every field of moby's `container.HostConfig` (its embedded
//! `Resources` inline, as on the wire), in Go's order and with Go's zero values: nil lists and
//! maps are `null`, fields tagged `omitempty` in moby are left out when empty.
//!
//! The engine implements some of these fields; the others are accepted only at their zero (or
//! Docker's default) value and refused otherwise at create ("not supported"): see
//! [`HostConfig::unsupported`]. The runtime has its own types (`runtime::cgroups::Resources`),
//! converted from these by the container layer.

use super::config::{is_empty_list, is_empty_map, string_or_list};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// `PortMap`: `"80/tcp"` → the host bindings (`null` for an exposed port not published).
pub type PortMap = BTreeMap<String, Option<Vec<PortBinding>>>;

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct HostConfig {
    /// `HOST:CTR[:ro]` or `VOLUME:CTR[:ro]`
    pub binds: Option<Vec<String>>,
    /// Written by the client (docker CLI `--cidfile`); the server only keeps it.
    #[serde(rename = "ContainerIDFile")]
    pub container_id_file: String,
    pub log_config: LogConfig,
    /// `none`, `host`, `default`, `bridge`, `container:<id>`.
    pub network_mode: String,
    pub port_bindings: PortMap,
    pub restart_policy: RestartPolicy,
    pub auto_remove: bool,
    pub volume_driver: String,
    pub volumes_from: Option<Vec<String>>,
    /// `[height, width]` of the tty; `[0, 0]` when unknown.
    pub console_size: [u16; 2],
    #[serde(deserialize_with = "string_or_list")]
    pub cap_add: Option<Vec<String>>,
    #[serde(deserialize_with = "string_or_list")]
    pub cap_drop: Option<Vec<String>>,
    pub cgroupns_mode: String,
    pub dns: Option<Vec<String>>,
    pub dns_options: Option<Vec<String>>,
    pub dns_search: Option<Vec<String>>,
    pub extra_hosts: Option<Vec<String>>,
    pub group_add: Option<Vec<String>>,
    pub ipc_mode: String,
    pub cgroup: String,
    pub links: Option<Vec<String>>,
    pub oom_score_adj: i64,
    pub pid_mode: String,
    pub privileged: bool,
    pub publish_all_ports: bool,
    pub readonly_rootfs: bool,
    pub security_opt: Option<Vec<String>>,
    #[serde(skip_serializing_if = "is_empty_map")]
    pub storage_opt: Option<BTreeMap<String, String>>,
    /// `{"/run": "size=64m,mode=1777"}`
    #[serde(skip_serializing_if = "is_empty_map")]
    pub tmpfs: Option<BTreeMap<String, String>>,
    #[serde(rename = "UTSMode")]
    pub uts_mode: String,
    pub userns_mode: String,
    pub shm_size: i64,
    #[serde(skip_serializing_if = "is_empty_map")]
    pub sysctls: Option<BTreeMap<String, String>>,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub runtime: String,
    pub isolation: String,

    // ---- Resources (embedded in Go, so inline on the wire) ----
    pub cpu_shares: i64,
    pub memory: i64,
    pub nano_cpus: i64,
    pub cgroup_parent: String,
    pub blkio_weight: u16,
    pub blkio_weight_device: Option<Vec<WeightDevice>>,
    pub blkio_device_read_bps: Option<Vec<ThrottleDevice>>,
    pub blkio_device_write_bps: Option<Vec<ThrottleDevice>>,
    #[serde(rename = "BlkioDeviceReadIOps")]
    pub blkio_device_read_iops: Option<Vec<ThrottleDevice>>,
    #[serde(rename = "BlkioDeviceWriteIOps")]
    pub blkio_device_write_iops: Option<Vec<ThrottleDevice>>,
    pub cpu_period: i64,
    pub cpu_quota: i64,
    pub cpu_realtime_period: i64,
    pub cpu_realtime_runtime: i64,
    pub cpuset_cpus: String,
    pub cpuset_mems: String,
    pub devices: Option<Vec<DeviceMapping>>,
    pub device_cgroup_rules: Option<Vec<String>>,
    pub device_requests: Option<Vec<DeviceRequest>>,
    pub kernel_memory: i64,
    #[serde(rename = "KernelMemoryTCP")]
    pub kernel_memory_tcp: i64,
    pub memory_reservation: i64,
    /// Memory + swap; -1 = unlimited swap.
    pub memory_swap: i64,
    pub memory_swappiness: Option<i64>,
    pub oom_kill_disable: Option<bool>,
    /// `null`, 0 or negative = unlimited.
    pub pids_limit: Option<i64>,
    pub ulimits: Option<Vec<Ulimit>>,
    pub cpu_count: i64,
    pub cpu_percent: i64,
    #[serde(rename = "IOMaximumIOps")]
    pub io_maximum_iops: u64,
    #[serde(rename = "IOMaximumBandwidth")]
    pub io_maximum_bandwidth: u64,
    // ---- end of Resources ----
    #[serde(skip_serializing_if = "is_empty_list")]
    pub mounts: Option<Vec<Mount>>,
    /// `null` = Docker's defaults; a list (even empty) replaces them.
    pub masked_paths: Option<Vec<String>>,
    pub readonly_paths: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub init: Option<bool>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct RestartPolicy {
    /// `""`/`no`, `always`, `unless-stopped`, `on-failure`
    pub name: String,
    pub maximum_retry_count: i64,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct LogConfig {
    #[serde(rename = "Type")]
    pub kind: String,
    pub config: BTreeMap<String, String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct PortBinding {
    pub host_ip: String,
    pub host_port: String,
}

/// `--device /dev/sda:/dev/xvda:rwm`
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct DeviceMapping {
    pub path_on_host: String,
    pub path_in_container: String,
    /// Some of `r`, `w`, `m`; empty means `rwm`.
    pub cgroup_permissions: String,
}

/// `--gpus`
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct DeviceRequest {
    pub driver: String,
    pub count: i64,
    #[serde(rename = "DeviceIDs")]
    pub device_ids: Option<Vec<String>>,
    pub capabilities: Option<Vec<Vec<String>>>,
    pub options: Option<BTreeMap<String, String>>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct WeightDevice {
    pub path: String,
    pub weight: u16,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct ThrottleDevice {
    pub path: String,
    pub rate: u64,
}

/// `--ulimit nofile=1024:2048`
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct Ulimit {
    pub name: String,
    pub hard: i64,
    pub soft: i64,
}

/// `HostConfig.Mounts[]` (`--mount`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct Mount {
    /// `bind`, `volume`, `tmpfs`
    #[serde(rename = "Type", skip_serializing_if = "String::is_empty")]
    pub kind: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub source: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub target: String,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub read_only: bool,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub consistency: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bind_options: Option<BindOptions>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub volume_options: Option<VolumeOptions>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tmpfs_options: Option<TmpfsOptions>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct BindOptions {
    #[serde(skip_serializing_if = "String::is_empty")]
    pub propagation: String,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub non_recursive: bool,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct VolumeOptions {
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub no_copy: bool,
    #[serde(skip_serializing_if = "is_empty_map")]
    pub labels: Option<BTreeMap<String, String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub driver_config: Option<VolumeDriverConfig>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct VolumeDriverConfig {
    #[serde(skip_serializing_if = "String::is_empty")]
    pub name: String,
    #[serde(skip_serializing_if = "is_empty_map")]
    pub options: Option<BTreeMap<String, String>>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct TmpfsOptions {
    #[serde(skip_serializing_if = "crate::types::config::is_zero")]
    pub size_bytes: i64,
    #[serde(skip_serializing_if = "is_zero_u32")]
    pub mode: u32,
}

fn is_zero_u32(n: &u32) -> bool {
    *n == 0
}

/// The shm size every container gets (`/dev/shm` is a 64 MiB tmpfs), Docker's default.
pub const DEFAULT_SHM_SIZE: i64 = 64 << 20;

impl HostConfig {
    /// The first field set to something this engine does not implement, with its wire name:
    /// create refuses it (`Unsupported`) rather than ignore it. Zero values, and the values
    /// Docker itself fills in by default, are accepted.
    pub fn unsupported(&self) -> Option<&'static str> {
        let s = |v: &str, ok: &[&str]| v.is_empty() || ok.contains(&v);
        let checks: [(&'static str, bool); 31] = [
            ("VolumeDriver", s(&self.volume_driver, &["local"])),
            ("VolumesFrom", is_empty_list(&self.volumes_from)),
            // No cgroup namespace is made: `private` would not be true.
            ("CgroupnsMode", s(&self.cgroupns_mode, &["host"])),
            ("GroupAdd", is_empty_list(&self.group_add)),
            ("IpcMode", s(&self.ipc_mode, &["private", "shareable"])),
            ("Cgroup", self.cgroup.is_empty()),
            ("Links", is_empty_list(&self.links)),
            ("OomScoreAdj", self.oom_score_adj == 0),
            ("PidMode", self.pid_mode.is_empty()),
            ("StorageOpt", is_empty_map(&self.storage_opt)),
            ("UTSMode", self.uts_mode.is_empty()),
            ("UsernsMode", s(&self.userns_mode, &["host"])),
            ("ShmSize", self.shm_size == 0 || self.shm_size == DEFAULT_SHM_SIZE),
            ("Sysctls", is_empty_map(&self.sysctls)),
            ("Runtime", s(&self.runtime, &["runc"])),
            ("Isolation", s(&self.isolation, &["default"])),
            ("CgroupParent", self.cgroup_parent.is_empty()),
            ("BlkioWeight", self.blkio_weight == 0),
            ("BlkioWeightDevice", is_empty_list(&self.blkio_weight_device)),
            (
                "BlkioDeviceReadBps, BlkioDeviceWriteBps, BlkioDeviceReadIOps, BlkioDeviceWriteIOps",
                is_empty_list(&self.blkio_device_read_bps)
                    && is_empty_list(&self.blkio_device_write_bps)
                    && is_empty_list(&self.blkio_device_read_iops)
                    && is_empty_list(&self.blkio_device_write_iops),
            ),
            ("CpuRealtimePeriod", self.cpu_realtime_period == 0),
            ("CpuRealtimeRuntime", self.cpu_realtime_runtime == 0),
            ("CpusetCpus, CpusetMems", self.cpuset_cpus.is_empty() && self.cpuset_mems.is_empty()),
            ("DeviceRequests", is_empty_list(&self.device_requests)),
            ("KernelMemory, KernelMemoryTCP", self.kernel_memory == 0 && self.kernel_memory_tcp == 0),
            // -1 (the docker CLI's default) means "the kernel's default", which is what we leave.
            ("MemorySwappiness", self.memory_swappiness.is_none_or(|n| n == -1)),
            ("OomKillDisable", self.oom_kill_disable != Some(true)),
            ("Ulimits", is_empty_list(&self.ulimits)),
            ("CpuCount, CpuPercent", self.cpu_count == 0 && self.cpu_percent == 0),
            ("IOMaximumIOps, IOMaximumBandwidth", self.io_maximum_iops == 0 && self.io_maximum_bandwidth == 0),
            ("Init", self.init != Some(true)),
        ];
        checks.into_iter().find(|(_, ok)| !ok).map(|(name, _)| name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_host_config_is_supported_and_has_docker_keys() {
        let h = HostConfig::default();
        assert_eq!(h.unsupported(), None);
        let v = serde_json::to_value(&h).unwrap();
        for k in ["Binds", "ContainerIDFile", "LogConfig", "PortBindings", "VolumesFrom", "ConsoleSize", "CpuShares"] {
            assert!(v.get(k).is_some(), "{k} missing");
        }
        for k in ["KernelMemoryTCP", "IOMaximumIOps", "BlkioDeviceReadIOps", "UTSMode", "MaskedPaths", "PidsLimit"] {
            assert!(v.get(k).is_some(), "{k} missing");
        }
        for k in ["Mounts", "Tmpfs", "Sysctls", "StorageOpt", "Runtime", "Init"] {
            assert!(v.get(k).is_none(), "{k} is omitempty in moby");
        }
        assert_eq!(v["ConsoleSize"], serde_json::json!([0, 0]));
        assert_eq!(v["PortBindings"], serde_json::json!({}));
        assert_eq!(v["Binds"], serde_json::Value::Null);
    }

    #[test]
    fn unimplemented_fields_are_named() {
        let docker_defaults = HostConfig {
            ipc_mode: "private".into(),
            shm_size: DEFAULT_SHM_SIZE,
            memory_swappiness: Some(-1),
            oom_kill_disable: Some(false),
            runtime: "runc".into(),
            ulimits: Some(vec![]),
            ..Default::default()
        };
        assert_eq!(docker_defaults.unsupported(), None);
        let cases: Vec<(HostConfig, &str)> = vec![
            (HostConfig { shm_size: 1 << 30, ..Default::default() }, "ShmSize"),
            (HostConfig { oom_score_adj: 500, ..Default::default() }, "OomScoreAdj"),
            (HostConfig { memory_swappiness: Some(0), ..Default::default() }, "MemorySwappiness"),
            (HostConfig { pid_mode: "host".into(), ..Default::default() }, "PidMode"),
            (HostConfig { links: Some(vec!["a:b".into()]), ..Default::default() }, "Links"),
            (HostConfig { cpuset_cpus: "0".into(), ..Default::default() }, "CpusetCpus, CpusetMems"),
            (
                HostConfig {
                    ulimits: Some(vec![Ulimit { name: "nofile".into(), hard: 1, soft: 1 }]),
                    ..Default::default()
                },
                "Ulimits",
            ),
            (HostConfig { init: Some(true), ..Default::default() }, "Init"),
            (HostConfig { cgroupns_mode: "private".into(), ..Default::default() }, "CgroupnsMode"),
        ];
        for (h, name) in cases {
            assert_eq!(h.unsupported(), Some(name));
        }
    }
}
