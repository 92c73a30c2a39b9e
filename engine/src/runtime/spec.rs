//! The validated, fully resolved description of one container run (like an OCI runtime spec, but
//! only what we need). The engine writes it to `<state>/spec.json` at start; the monitor reads it
//! and does exactly this, nothing more: all policy (defaults, validation, image merging, seccomp
//! compilation) happened in the engine.

use serde::{Deserialize, Serialize};
use std::path::PathBuf;

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Spec {
    pub id: String,
    /// `<root>/containers/<id>`: state.json, logs, the monitor socket live here.
    pub state_dir: PathBuf,
    pub rootfs: Rootfs,
    pub process: Process,
    pub hostname: String,
    pub domainname: String,
    pub namespaces: Namespaces,
    /// In mount order (parents before children).
    pub mounts: Vec<Mount>,
    pub masked_paths: Vec<String>,
    pub readonly_paths: Vec<String>,
    /// Device nodes created in the container's /dev.
    pub devices: Vec<Device>,
    /// The cgroup limits; `None` = no cgroup at all (never used by the engine, kept for tests).
    pub cgroup: Option<crate::runtime::cgroups::Resources>,
    pub privileged: bool,
    pub restart: RestartPolicy,
    /// json-file log path.
    pub log_path: PathBuf,
    /// Remove the container when it exits for good (`--rm`).
    pub auto_remove: bool,
    /// Host files bind-mounted over /etc/hostname, /etc/hosts, /etc/resolv.conf.
    pub etc_files: Vec<(PathBuf, String)>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Rootfs {
    /// Directory all lower paths are relative to (short mount options: no 4 KiB limit trouble).
    pub layers_dir: PathBuf,
    /// Image layers' diff dirs, relative to `layers_dir`, TOP FIRST (overlay lowerdir order).
    pub lower: Vec<PathBuf>,
    pub upper: PathBuf,
    pub work: PathBuf,
    /// The mount point of the merged root (only inside the container's mount namespace).
    pub target: PathBuf,
    pub readonly: bool,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Process {
    pub args: Vec<String>,
    pub env: Vec<String>,
    /// Absolute path inside the container.
    pub cwd: String,
    /// `""`, `name`, `uid`, `name:group`, `uid:gid`: resolved inside the container's root.
    pub user: String,
    pub tty: bool,
    pub open_stdin: bool,
    pub stdin_once: bool,
    pub no_new_privileges: bool,
    /// Capability mask (bounding; also permitted/effective for uid 0).
    pub capabilities: u64,
    /// The compiled seccomp program, `None` = unconfined.
    pub seccomp: Option<PathBuf>,
    /// `[height, width]` of the tty.
    pub console_size: Option<[u16; 2]>,
    pub stop_signal: i32,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Namespaces {
    /// false = share the host's network namespace (`--network host`).
    pub net: bool,
    pub pid: bool,
    pub ipc: bool,
    pub uts: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum MountKind {
    /// A host path (bind mount or named volume's `_data`).
    Bind,
    Tmpfs,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Mount {
    pub kind: MountKind,
    pub source: PathBuf,
    /// Absolute path inside the container, resolved in-root at mount time.
    pub destination: String,
    pub readonly: bool,
    /// tmpfs `size=`, `mode=` and similar data options.
    pub data: String,
    /// `rprivate` (default), `private`, `rslave`, `slave`, `rshared`, `shared`.
    pub propagation: String,
    pub nosuid: bool,
    pub nodev: bool,
    pub noexec: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Device {
    pub path: String,
    /// 'c' or 'b'
    pub kind: char,
    pub major: u32,
    pub minor: u32,
    pub mode: u32,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct RestartPolicy {
    /// `no`, `always`, `unless-stopped`, `on-failure`
    pub name: String,
    pub maximum_retry_count: u32,
}

impl RestartPolicy {
    /// Should the monitor start the container again after it exited with `code`?
    /// `restarts` = restarts done so far; a stop by the user never restarts.
    pub fn should_restart(&self, code: i32, restarts: u32, stopped_by_user: bool) -> bool {
        if stopped_by_user {
            return false;
        }
        match self.name.as_str() {
            "always" | "unless-stopped" => true,
            "on-failure" => code != 0 && (self.maximum_retry_count == 0 || restarts < self.maximum_retry_count),
            _ => false,
        }
    }
}

/// One `exec` in a running container: `<state>/exec/<exec-id>.json`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ExecSpec {
    pub id: String,
    pub container_id: String,
    pub process: Process,
    pub privileged: bool,
    pub detach: bool,
}
