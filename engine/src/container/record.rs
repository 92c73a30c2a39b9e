//! A container's record (`config.json`, the engine's) joined with its state (`state.json`, the
//! monitor's). Loading reconciles the two: a container whose monitor died (`kill -9`) is exited.

use crate::digest::Digest;
use crate::error::{Error, IoContext, Result};
use crate::runtime::state::{State, Status};
use crate::store::Store;
use crate::types::{ContainerConfig, HostConfig, MountPoint};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Container {
    pub id: String,
    pub created: String,
    /// Without the leading `/`.
    pub name: String,
    pub path: String,
    pub args: Vec<String>,
    pub config: ContainerConfig,
    pub host_config: HostConfig,
    /// Image id.
    pub image: Digest,
    /// What the user asked for (`ps` shows it).
    pub image_name: String,
    /// Chain ids of the image's layers, bottom first: they stay while this container exists.
    pub layers: Vec<Digest>,
    pub mounts: Vec<MountPoint>,
    /// Volumes created for this container alone (removed by `rm -v`).
    pub anonymous_volumes: Vec<String>,
    #[serde(skip)]
    pub state: State,
    #[serde(skip)]
    pub dir: PathBuf,
}

impl Container {
    /// Load by full id; `None` if it does not exist (any more).
    pub fn load(store: &Store, id: &str) -> Result<Option<Container>> {
        let dir = super::container_dir(store, id);
        let raw = match std::fs::read(dir.join("config.json")) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(Error::io(format_args!("read container {id}"), e)),
        };
        let mut c: Container = serde_json::from_slice(&raw)
            .map_err(|e| Error::corrupt(format!("container {id}: invalid config.json: {e}")))?;
        c.dir = dir;
        c.state = match State::load(&c.dir) {
            Ok(s) => s,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => State::default(),
            Err(e) => return Err(Error::io(format_args!("read state of {id}"), e)),
        };
        c.reconcile();
        Ok(Some(c))
    }

    /// Persist the record (atomic replace).
    pub fn save(&self) -> Result<()> {
        crate::safefs::write_replace(
            &self.dir.join("config.json"),
            &serde_json::to_vec_pretty(self).expect("record json"),
        )
    }

    /// A running state with no live monitor means the monitor was killed: the container died
    /// with it (PDEATHSIG). Record that, once, for everyone.
    fn reconcile(&mut self) {
        if !matches!(self.state.status, Status::Running | Status::Restarting) || monitor_alive(&self.dir) {
            return;
        }
        // The state we read may predate the monitor's last word: it records the exit, then lets
        // go of its lock. Read again now that it is known to be gone; only a state still running
        // means it died without recording (kill -9).
        if let Ok(fresh) = State::load(&self.dir) {
            if !matches!(fresh.status, Status::Running | Status::Restarting) {
                self.state = fresh;
                return;
            }
        }
        self.state.status = Status::Exited;
        self.state.pid = 0;
        self.state.exit_code = 137;
        self.state.error = "the container's monitor exited unexpectedly".into();
        self.state.finished_at = crate::types::rfc3339_nanos(std::time::SystemTime::now());
        let _ = self.state.save(&self.dir);
    }

    pub fn is_running(&self) -> bool {
        matches!(self.state.status, Status::Running | Status::Restarting)
    }

    /// Frozen by `pause` (only meaningful while running).
    pub fn is_paused(&self) -> bool {
        self.state.status == Status::Running
            && crate::runtime::cgroups::Cgroup::open(&self.id).and_then(|c| c.is_frozen()).unwrap_or(false)
    }

    /// Docker's status word: created, running, paused, restarting, exited, dead.
    pub fn status_word(&self) -> &'static str {
        if self.is_paused() {
            "paused"
        } else {
            self.state.status.as_str()
        }
    }

    /// The read-only layers under the container's upper directory, top first, relative to the
    /// store's layers directory: the image's init layer (the mount targets /etc/hostname,
    /// /etc/hosts, /etc/resolv.conf — kept out of `diff` and `commit`, as Docker's init layer
    /// does), then the image's layers.
    pub fn lower_layers(&self) -> Vec<PathBuf> {
        let mut v: Vec<PathBuf> =
            self.layers.last().map(|top| PathBuf::from(top.hex()).join(INIT_DIR)).into_iter().collect();
        v.extend(self.layers.iter().rev().map(|l| PathBuf::from(l.hex()).join("diff")));
        v
    }

    pub fn log_path(&self) -> PathBuf {
        self.dir.join(format!("{}-json.log", self.id))
    }
}

/// The init layer's directory inside the image's top layer directory.
pub const INIT_DIR: &str = "init";

/// Create the init layer of an image (once; shared by all its containers), as Docker's: the
/// files the runtime bind-mounts over (/etc/hostname, /etc/hosts, /etc/resolv.conf) and the
/// mount points /proc, /sys, /dev when the image lacks them, so that no container's upper
/// directory — nothing `diff` and `commit` see — gets them. An image whose /proc (or /sys, /dev)
/// is a symlink keeps it, and is refused at start, not papered over.
pub fn ensure_init_layer(store: &Store, layers: &[Digest]) -> Result<()> {
    let Some(top) = layers.last() else { return Ok(()) };
    let dest = store.layer_dir(top).join(INIT_DIR);
    if dest.exists() {
        return Ok(());
    }
    let staging = store.staging()?;
    let init = staging.path().join(INIT_DIR);
    std::fs::create_dir_all(init.join("etc")).ctx("create the init layer")?;
    for f in ["etc/hostname", "etc/hosts", "etc/resolv.conf"] {
        std::fs::write(init.join(f), b"").ctx("create the init layer")?;
    }
    let diffs: Vec<PathBuf> = layers.iter().rev().map(|l| store.layer_diff(l)).collect();
    for d in ["proc", "sys", "dev"] {
        if !image_has(&diffs, d) {
            std::fs::create_dir(init.join(d)).ctx("create the init layer")?;
        }
    }
    match std::fs::rename(&init, &dest) {
        Ok(()) => Ok(()),
        // Made by another container's create meanwhile: the same content.
        Err(e) if matches!(e.raw_os_error(), Some(libc::EEXIST) | Some(libc::ENOTEMPTY)) => Ok(()),
        Err(e) => Err(Error::io("publish the init layer", e)),
    }
}

/// Does a top-level `name` exist in the image whose layer directories are `diffs` (top first)?
/// The topmost layer that mentions it decides: a whiteout (0/0 char device) removes it.
fn image_has(diffs: &[PathBuf], name: &str) -> bool {
    use std::os::unix::fs::{FileTypeExt, MetadataExt};
    for d in diffs {
        if let Ok(m) = std::fs::symlink_metadata(d.join(name)) {
            return !(m.file_type().is_char_device() && m.rdev() == 0);
        }
    }
    false
}

/// Is the monitor of the container in `dir` alive? (It holds an exclusive flock for its life.)
pub fn monitor_alive(dir: &Path) -> bool {
    let Ok(f) = std::fs::File::open(dir.join("monitor.lock")) else { return false };
    match rustix::fs::flock(&f, rustix::fs::FlockOperation::NonBlockingLockShared) {
        Ok(()) => false,
        Err(_) => true,
    }
}

/// Write a file the container will see (hostname, hosts, resolv.conf).
pub(crate) fn write_file(dir: &Path, name: &str, content: &str) -> Result<()> {
    std::fs::write(dir.join(name), content).ctx(format_args!("write {name}"))
}
