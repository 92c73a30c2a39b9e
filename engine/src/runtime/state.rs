//! `<state>/state.json`: what the monitor knows about a container's runs. Written atomically by the
//! monitor (and by whoever finds the monitor dead); read by everyone.

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    #[default]
    Created,
    Running,
    Restarting,
    Exited,
    Dead,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Created => "created",
            Status::Running => "running",
            Status::Restarting => "restarting",
            Status::Exited => "exited",
            Status::Dead => "dead",
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct State {
    pub status: Status,
    /// Host pid of the container's init while running.
    pub pid: i32,
    pub exit_code: i32,
    pub error: String,
    #[serde(rename = "OOMKilled")]
    pub oom_killed: bool,
    pub started_at: String,
    pub finished_at: String,
    pub restart_count: u32,
    pub monitor_pid: i32,
    /// Stopped by `stop`/`kill` from a user: policies other than `always` do not restart it.
    pub stopped_by_user: bool,
}

pub const ZERO_TIME: &str = "0001-01-01T00:00:00Z";

impl State {
    pub fn load(dir: &std::path::Path) -> std::io::Result<State> {
        let b = std::fs::read(dir.join("state.json"))?;
        serde_json::from_slice(&b).map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))
    }

    pub fn save(&self, dir: &std::path::Path) -> crate::Result<()> {
        crate::safefs::write_replace(&dir.join("state.json"), &serde_json::to_vec(self).expect("state json"))
    }
}

/// `<state>/exec/<exec-id>.state.json`: what an exec's monitor knows about its process. Written
/// by the exec monitor (running at start, the exit code before its stream's last frame, so that
/// whoever saw the stream end reads the code), read by `exec inspect`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct ExecState {
    pub running: bool,
    pub exit_code: Option<i64>,
    pub pid: i32,
}

impl ExecState {
    pub fn file_name(exec_id: &str) -> String {
        format!("{exec_id}.state.json")
    }
}
