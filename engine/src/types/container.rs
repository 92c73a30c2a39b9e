//! Container documents of the Engine API (v1.41): create, inspect, list, wait, exec, changes,
//! top, stats, and the options of the container operations.

use super::config::ContainerConfig;
use super::host_config::HostConfig;
use super::network::{NetworkSettings, NetworkingConfig, SummaryNetworkSettings};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

/// The body of `POST /containers/create`: a `ContainerConfig` with `HostConfig` and
/// `NetworkingConfig` beside its fields (moby's `ContainerCreateConfig`, which embeds `Config`).
///
/// Decoded by hand, whatever the decoder: the embedded config cannot be a serde `flatten` (a
/// flattened struct is decoded without its field list, so its keys would match exactly only), so
/// the two nested documents are taken out by name and each part goes through [`super::decode`].
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ContainerCreateRequest {
    #[serde(flatten)]
    pub config: ContainerConfig,
    pub host_config: HostConfig,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub networking_config: Option<NetworkingConfig>,
}

impl<'de> Deserialize<'de> for ContainerCreateRequest {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        let mut body = match Value::deserialize(d)? {
            Value::Object(o) => o,
            Value::Null => Default::default(),
            other => return Err(D::Error::custom(format!("expected an object, found {other}"))),
        };
        let mut take = |name: &str| -> Value {
            let key = if body.contains_key(name) {
                Some(name.to_string())
            } else {
                body.keys().find(|k| k.eq_ignore_ascii_case(name)).cloned()
            };
            key.and_then(|k| body.remove(&k)).unwrap_or(Value::Null)
        };
        let host = take("HostConfig");
        let net = take("NetworkingConfig");
        use super::decode::decode_part;
        Ok(ContainerCreateRequest {
            host_config: decode_part("HostConfig", &host).map_err(D::Error::custom)?,
            networking_config: decode_part("NetworkingConfig", &net).map_err(D::Error::custom)?,
            config: decode_part("", &Value::Object(body)).map_err(D::Error::custom)?,
        })
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ContainerCreateResponse {
    pub id: String,
    pub warnings: Vec<String>,
}

/// `State` of `ContainerInspect`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ContainerState {
    pub status: String,
    pub running: bool,
    pub paused: bool,
    pub restarting: bool,
    #[serde(rename = "OOMKilled")]
    pub oom_killed: bool,
    pub dead: bool,
    pub pid: i64,
    pub exit_code: i64,
    pub error: String,
    pub started_at: String,
    pub finished_at: String,
}

/// `MountPoint` of inspect and list.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct MountPoint {
    #[serde(rename = "Type")]
    pub kind: String,
    #[serde(skip_serializing_if = "String::is_empty", default)]
    pub name: String,
    pub source: String,
    pub destination: String,
    #[serde(skip_serializing_if = "String::is_empty", default)]
    pub driver: String,
    pub mode: String,
    #[serde(rename = "RW")]
    pub rw: bool,
    pub propagation: String,
}

/// `GET /containers/{id}/json`
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ContainerInspect {
    pub id: String,
    pub created: String,
    pub path: String,
    pub args: Vec<String>,
    pub state: ContainerState,
    pub image: String,
    pub resolv_conf_path: String,
    pub hostname_path: String,
    pub hosts_path: String,
    pub log_path: String,
    pub name: String,
    pub restart_count: i64,
    pub driver: String,
    pub platform: String,
    pub mount_label: String,
    pub process_label: String,
    pub app_armor_profile: String,
    #[serde(rename = "ExecIDs")]
    pub exec_ids: Option<Vec<String>>,
    pub host_config: HostConfig,
    pub graph_driver: super::image::GraphDriver,
    pub mounts: Vec<MountPoint>,
    pub config: ContainerConfig,
    pub network_settings: NetworkSettings,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Port {
    #[serde(rename = "IP", skip_serializing_if = "Option::is_none")]
    pub ip: Option<String>,
    pub private_port: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub public_port: Option<u16>,
    #[serde(rename = "Type")]
    pub kind: String,
}

/// `GET /containers/json` item.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ContainerSummary {
    pub id: String,
    pub names: Vec<String>,
    pub image: String,
    #[serde(rename = "ImageID")]
    pub image_id: String,
    pub command: String,
    pub created: i64,
    pub ports: Vec<Port>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub size_rw: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub size_root_fs: Option<i64>,
    pub labels: BTreeMap<String, String>,
    pub state: String,
    pub status: String,
    pub host_config: SummaryHostConfig,
    pub network_settings: SummaryNetworkSettings,
    pub mounts: Vec<MountPoint>,
}

/// `HostConfig` of a list item.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct SummaryHostConfig {
    #[serde(skip_serializing_if = "String::is_empty")]
    pub network_mode: String,
}

/// Options of `container_list` (`GET /containers/json?all=&limit=&size=&filters=`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct ContainerListOptions {
    pub all: bool,
    /// Only the `limit` most recently created (implies all).
    pub limit: Option<usize>,
    pub size: bool,
    /// `status`, `name`, `label`, `id`, `exited`, `ancestor`, `before`, `since`.
    pub filters: BTreeMap<String, Vec<String>>,
}

/// `POST /containers/{id}/wait` response.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ContainerWaitResponse {
    pub status_code: i64,
    /// `null` when the wait itself went well (Docker always sends the key).
    pub error: Option<WaitError>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct WaitError {
    pub message: String,
}

/// Options of `container_logs` (`GET /containers/{id}/logs`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct LogsOptions {
    pub follow: bool,
    pub stdout: bool,
    pub stderr: bool,
    /// Unix seconds (fractions allowed); 0 = from the start.
    pub since: f64,
    pub until: f64,
    pub timestamps: bool,
    /// `all` (default) or a number of lines from the end.
    pub tail: String,
}

/// Options of `container_attach` (`POST /containers/{id}/attach`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct AttachOptions {
    pub stream: bool,
    pub stdin: bool,
    pub stdout: bool,
    pub stderr: bool,
    /// Replay the log first: all of it, or with `LogsOfRun` only the current run's.
    pub logs: bool,
    pub logs_of_run: bool,
}

/// `GET /containers/{id}/changes` item. Kind 0 modified, 1 added, 2 deleted.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ChangeItem {
    pub path: String,
    pub kind: u8,
}

/// `GET /containers/{id}/top`
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct TopResponse {
    pub titles: Vec<String>,
    pub processes: Vec<Vec<String>>,
}

/// `POST /containers/{id}/exec` body.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct ExecConfig {
    pub attach_stdin: bool,
    pub attach_stdout: bool,
    pub attach_stderr: bool,
    pub detach_keys: String,
    pub tty: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub console_size: Option<[u16; 2]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub env: Option<Vec<String>>,
    pub cmd: Vec<String>,
    pub privileged: bool,
    pub user: String,
    pub working_dir: String,
}

/// `POST /exec/{id}/start` body.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct ExecStartConfig {
    pub detach: bool,
    pub tty: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub console_size: Option<[u16; 2]>,
}

/// `GET /exec/{id}/json`
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ExecInspect {
    #[serde(rename = "ID")]
    pub id: String,
    pub running: bool,
    pub exit_code: Option<i64>,
    pub process_config: ExecProcessConfig,
    pub open_stdin: bool,
    pub open_stderr: bool,
    pub open_stdout: bool,
    pub can_remove: bool,
    #[serde(rename = "ContainerID")]
    pub container_id: String,
    pub detach_keys: String,
    pub pid: i64,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExecProcessConfig {
    pub privileged: bool,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub user: String,
    pub tty: bool,
    pub entrypoint: String,
    pub arguments: Vec<String>,
}

/// Options of `container_commit` (`POST /commit?container=&repo=&tag=&comment=&author=&pause=&changes=`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct CommitOptions {
    /// `repo[:tag]`
    pub reference: Option<String>,
    pub comment: String,
    pub author: String,
    pub pause: bool,
    pub changes: Vec<String>,
    /// A config to merge (the request body).
    pub config: Option<ContainerConfig>,
}

/// `POST /containers/prune` response.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PruneReport {
    pub containers_deleted: Vec<String>,
    pub space_reclaimed: u64,
}

/// `GET /containers/{id}/archive` header (`X-Docker-Container-Path-Stat`) document.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PathStat {
    pub name: String,
    pub size: i64,
    /// A Go `os.FileMode`: the permission bits, and the type and special bits high (see
    /// [`PathStat::go_file_mode`]).
    pub mode: u32,
    pub mtime: String,
    pub link_target: String,
}

impl PathStat {
    pub const MODE_DIR: u32 = 1 << 31;
    pub const MODE_SYMLINK: u32 = 1 << 27;
    pub const MODE_DEVICE: u32 = 1 << 26;
    pub const MODE_NAMED_PIPE: u32 = 1 << 25;
    pub const MODE_SOCKET: u32 = 1 << 24;
    pub const MODE_SETUID: u32 = 1 << 23;
    pub const MODE_SETGID: u32 = 1 << 22;
    pub const MODE_CHAR_DEVICE: u32 = 1 << 21;
    pub const MODE_STICKY: u32 = 1 << 20;

    /// A `st_mode` as Go's `os.Lstat` reports it (`fillFileStatFromSys`): permissions in the low
    /// 9 bits, the file type and setuid/setgid/sticky as Go's own high bits.
    pub fn go_file_mode(st_mode: u32) -> u32 {
        let mut m = st_mode & 0o777;
        m |= match st_mode & libc::S_IFMT {
            libc::S_IFBLK => Self::MODE_DEVICE,
            libc::S_IFCHR => Self::MODE_DEVICE | Self::MODE_CHAR_DEVICE,
            libc::S_IFDIR => Self::MODE_DIR,
            libc::S_IFIFO => Self::MODE_NAMED_PIPE,
            libc::S_IFLNK => Self::MODE_SYMLINK,
            libc::S_IFSOCK => Self::MODE_SOCKET,
            _ => 0,
        };
        for (bit, go) in
            [(libc::S_ISUID, Self::MODE_SETUID), (libc::S_ISGID, Self::MODE_SETGID), (libc::S_ISVTX, Self::MODE_STICKY)]
        {
            if st_mode & bit != 0 {
                m |= go;
            }
        }
        m
    }

    pub fn is_dir(&self) -> bool {
        self.mode & Self::MODE_DIR != 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_modes_as_go() {
        // Observed from Docker 20.10: a directory 0755 and a symlink.
        assert_eq!(PathStat::go_file_mode(libc::S_IFDIR | 0o755), 2147484141);
        assert_eq!(PathStat::go_file_mode(libc::S_IFLNK | 0o777), 134218239);
        assert_eq!(PathStat::go_file_mode(libc::S_IFREG | 0o644), 0o644);
        assert_eq!(PathStat::go_file_mode(libc::S_IFDIR | libc::S_ISVTX | 0o777), (1 << 31) | (1 << 20) | 0o777);
        assert_eq!(PathStat::go_file_mode(libc::S_IFREG | libc::S_ISUID | 0o755), (1 << 23) | 0o755);
        assert_eq!(PathStat::go_file_mode(libc::S_IFCHR | 0o666), (1 << 26) | (1 << 21) | 0o666);
        assert_eq!(PathStat::go_file_mode(libc::S_IFIFO | 0o600), (1 << 25) | 0o600);
        assert!(PathStat { mode: PathStat::go_file_mode(libc::S_IFDIR | 0o700), ..Default::default() }.is_dir());
    }

    #[test]
    fn wait_response_always_has_error() {
        let v = serde_json::to_value(ContainerWaitResponse::default()).unwrap();
        assert_eq!(v, serde_json::json!({"StatusCode": 0, "Error": null}));
    }
}
