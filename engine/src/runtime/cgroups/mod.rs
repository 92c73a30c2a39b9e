//! Control groups of containers: limits, device allow-list, freeze, stats, clean-up.
//!
//! One container = one cgroup named after its id, always under a `libdocker` parent so that
//! nothing outside it is ever touched:
//! - cgroup v1: `<mount of ctrl>/libdocker/<id>` for each of memory, cpu, cpuacct (one directory
//!   when co-mounted as `cpu,cpuacct`), pids, devices and freezer that is mounted; the device
//!   allow-list is written to `devices.deny`/`devices.allow`.
//! - cgroup v2: `<root>/libdocker/<id>` with cpu, memory and pids enabled in the
//!   `cgroup.subtree_control` of its parents; the device allow-list is an eBPF
//!   `BPF_PROG_TYPE_CGROUP_DEVICE` program attached to the cgroup ([`bpf`]).
//!
//! Who calls what: the container monitor (a small single-threaded program, see ARCHITECTURE.md
//! "Processes") calls [`Cgroup::create`], [`Cgroup::add_process`] for the init before it execs,
//! [`Cgroup::oom_killed`] when the init has exited and [`Cgroup::destroy`]. The engine calls
//! [`Cgroup::open`] for `stats`, `pause`/`unpause` ([`Cgroup::freeze`]/[`Cgroup::thaw`]), `top`
//! ([`Cgroup::pids`]), and [`Cgroup::destroy`] to clean up after a monitor killed with SIGKILL.
//!
//! The `libdocker` parent directories are kept; only `<id>` directories are ever removed.

mod bpf;
mod devices;
mod resources;
mod stats;
mod v1;
mod v2;

#[cfg(test)]
mod tests;

pub use devices::{Access, DevicePolicy, DeviceRule, DeviceType, Exception};
pub use resources::{DeviceMapping, Resources};
pub use stats::{CpuStats, CpuUsage, MemoryStats, PidsStats, Stats, ThrottlingData};

use crate::error::{Error, IoContext, Result};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// The name of the parent cgroup of every container cgroup, in every hierarchy.
pub const PARENT: &str = "libdocker";

/// Where cgroup file systems are mounted on every distribution we support.
const CGROUP_ROOT: &str = "/sys/fs/cgroup";

const CGROUP2_SUPER_MAGIC: i64 = 0x6367_7270;

/// The v1 controllers known to the kernel (anything else in a cgroup mount's options is an option).
const V1_CONTROLLERS: [&str; 14] = [
    "cpu",
    "cpuacct",
    "cpuset",
    "memory",
    "devices",
    "freezer",
    "blkio",
    "pids",
    "net_cls",
    "net_prio",
    "perf_event",
    "hugetlb",
    "rdma",
    "misc",
];

/// The cgroup version a [`Cgroup`] lives in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Version {
    V1,
    V2,
}

impl std::fmt::Display for Version {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Version::V1 => "1",
            Version::V2 => "2",
        })
    }
}

/// What the host offers: the cgroup version in use and where things are mounted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hierarchy {
    version: Version,
    /// v1: controller name → mount point (co-mounted controllers share one).
    v1: BTreeMap<String, PathBuf>,
    /// The cgroup2 mount: the root of everything on v2, the controller-less `unified` mount of a
    /// hybrid v1 host (if any).
    cgroup2: Option<PathBuf>,
}

impl Hierarchy {
    /// Look at the host: `statfs(/sys/fs/cgroup)` tells v2 (cgroup2 magic) from v1 (a tmpfs of
    /// per-controller mounts), and `/proc/self/mountinfo` tells where each v1 controller and the
    /// cgroup2 file system are mounted.
    /// Detected once per process (the mounts under /sys/fs/cgroup do not move while we run).
    pub fn detect() -> Result<Hierarchy> {
        static DETECTED: std::sync::OnceLock<Hierarchy> = std::sync::OnceLock::new();
        if let Some(h) = DETECTED.get() {
            return Ok(h.clone());
        }
        let h = Self::detect_now()?;
        Ok(DETECTED.get_or_init(|| h).clone())
    }

    fn detect_now() -> Result<Hierarchy> {
        let fs = rustix::fs::statfs(CGROUP_ROOT).ctx(format!("statfs {CGROUP_ROOT}"))?;
        let mountinfo = std::fs::read_to_string("/proc/self/mountinfo").ctx("reading /proc/self/mountinfo")?;
        let (v1, cgroup2) = parse_mountinfo(&mountinfo);
        #[allow(clippy::unnecessary_cast)]
        if fs.f_type as i64 == CGROUP2_SUPER_MAGIC {
            return Ok(Hierarchy::v2_at(CGROUP_ROOT));
        }
        if v1.is_empty() {
            return Err(Error::unsupported(format!("no cgroup controllers are mounted under {CGROUP_ROOT}")));
        }
        Ok(Hierarchy { version: Version::V1, v1, cgroup2 })
    }

    /// A v2 hierarchy rooted at `root`, a cgroup2 mount point. Used for `/sys/fs/cgroup` on a v2
    /// host, and for the controller-less `unified` mount of a hybrid host (its freezer, `cgroup.kill`
    /// and device programs work; limits do not, for lack of controllers).
    pub fn v2_at(root: impl Into<PathBuf>) -> Hierarchy {
        Hierarchy { version: Version::V2, v1: BTreeMap::new(), cgroup2: Some(root.into()) }
    }

    pub fn version(&self) -> Version {
        self.version
    }

    /// v1 only: where `controller` (e.g. "memory") is mounted.
    pub fn v1_mount(&self, controller: &str) -> Option<&Path> {
        self.v1.get(controller).map(PathBuf::as_path)
    }

    /// v1 only: every mounted controller and its mount point.
    pub fn v1_mounts(&self) -> &BTreeMap<String, PathBuf> {
        &self.v1
    }

    /// The cgroup2 mount: the v2 root, or a hybrid host's `unified` mount.
    pub fn cgroup2_mount(&self) -> Option<&Path> {
        self.cgroup2.as_deref()
    }

    /// The `libdocker/<id>` directories present in this hierarchy (every mounted v1 controller,
    /// or the v2 root), sorted. Tests assert that their own ids are not in it.
    pub fn leftovers(&self) -> Result<Vec<PathBuf>> {
        let parents: Vec<PathBuf> = match self.version {
            Version::V1 => {
                let mut p: Vec<PathBuf> = self.v1.values().map(|m| m.join(PARENT)).collect();
                p.dedup();
                p
            }
            Version::V2 => self.cgroup2.iter().map(|r| r.join(PARENT)).collect(),
        };
        let mut out = Vec::new();
        for parent in parents {
            let entries = match std::fs::read_dir(&parent) {
                Ok(e) => e,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                Err(e) => return Err(Error::io(format!("listing {}", parent.display()), e)),
            };
            for entry in entries {
                let entry = entry.ctx(format!("listing {}", parent.display()))?;
                if entry.file_type().map(|t| t.is_dir()).unwrap_or(false) {
                    out.push(entry.path());
                }
            }
        }
        out.sort();
        out.dedup();
        Ok(out)
    }
}

/// [`Hierarchy::leftovers`] of the detected hierarchy.
pub fn leftovers() -> Result<Vec<PathBuf>> {
    Hierarchy::detect()?.leftovers()
}

/// Parse `/proc/self/mountinfo`: v1 controller → mount point, and the first cgroup2 mount point.
/// For a controller mounted twice, the first mount of the hierarchy's root (`/`) wins.
fn parse_mountinfo(text: &str) -> (BTreeMap<String, PathBuf>, Option<PathBuf>) {
    let mut v1: BTreeMap<String, (PathBuf, bool)> = BTreeMap::new();
    let mut cgroup2 = None;
    for line in text.lines() {
        // id parent major:minor root mount-point options [optional...] - fstype source super-options
        let Some((left, right)) = line.split_once(" - ") else {
            continue;
        };
        let left: Vec<&str> = left.split(' ').collect();
        let right: Vec<&str> = right.split(' ').collect();
        if left.len() < 5 || right.len() < 3 {
            continue;
        }
        let (root, mount_point) = (left[3], unescape_mountinfo(left[4]));
        match right[0] {
            "cgroup2" if cgroup2.is_none() => cgroup2 = Some(PathBuf::from(mount_point)),
            "cgroup" => {
                for opt in right[2].split(',') {
                    if !V1_CONTROLLERS.contains(&opt) {
                        continue;
                    }
                    let at_root = root == "/";
                    match v1.get(opt) {
                        Some((_, true)) => {}
                        Some((_, false)) if !at_root => {}
                        _ => {
                            v1.insert(opt.to_string(), (PathBuf::from(&mount_point), at_root));
                        }
                    }
                }
            }
            _ => {}
        }
    }
    (v1.into_iter().map(|(k, (p, _))| (k, p)).collect(), cgroup2)
}

/// mountinfo escapes space, tab, newline and backslash as `\ooo`.
fn unescape_mountinfo(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\' && i + 3 < b.len() && b[i + 1..i + 4].iter().all(|c| (b'0'..=b'7').contains(c)) {
            out.push((b[i + 1] - b'0') * 64 + (b[i + 2] - b'0') * 8 + (b[i + 3] - b'0'));
            i += 4;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A container's cgroup (in every v1 hierarchy we use, or the one v2 hierarchy).
#[derive(Debug)]
pub struct Cgroup {
    id: String,
    imp: Imp,
}

#[derive(Debug)]
enum Imp {
    V1(v1::V1),
    V2(v2::V2),
}

impl Cgroup {
    /// Create the cgroup of container `id` with the limits and device allow-list of `res`, in the
    /// detected hierarchy. Fails with `Conflict` if it already exists, `InvalidArgument` for bad
    /// limits (Docker's messages, see [`Resources::validate`]), `Unsupported` when a controller
    /// that a limit needs is not available. Nothing is left behind on failure.
    pub fn create(id: &str, res: &Resources) -> Result<Cgroup> {
        Self::create_in(&Hierarchy::detect()?, id, res)
    }

    /// [`Cgroup::create`] in a given hierarchy.
    pub fn create_in(h: &Hierarchy, id: &str, res: &Resources) -> Result<Cgroup> {
        validate_id(id)?;
        res.validate()?;
        let policy = devices::policy_for(res)?;
        let imp = match h.version {
            Version::V1 => Imp::V1(v1::V1::create(h, id, res, &policy)?),
            Version::V2 => Imp::V2(v2::V2::create(h, id, res, &policy)?),
        };
        Ok(Cgroup { id: id.to_string(), imp })
    }

    /// The cgroup of an existing container, in the detected hierarchy. `NotFound` if none of its
    /// directories exists.
    pub fn open(id: &str) -> Result<Cgroup> {
        Self::open_in(&Hierarchy::detect()?, id)
    }

    /// [`Cgroup::open`] in a given hierarchy.
    pub fn open_in(h: &Hierarchy, id: &str) -> Result<Cgroup> {
        validate_id(id)?;
        let imp = match h.version {
            Version::V1 => Imp::V1(v1::V1::open(h, id)?),
            Version::V2 => Imp::V2(v2::V2::open(h, id)?),
        };
        Ok(Cgroup { id: id.to_string(), imp })
    }

    pub fn id(&self) -> &str {
        &self.id
    }

    pub fn version(&self) -> Version {
        match self.imp {
            Imp::V1(_) => Version::V1,
            Imp::V2(_) => Version::V2,
        }
    }

    /// The cgroup's directories (one per distinct v1 mount, or the single v2 directory).
    pub fn paths(&self) -> Vec<PathBuf> {
        match &self.imp {
            Imp::V1(c) => c.dirs(),
            Imp::V2(c) => vec![c.dir().to_path_buf()],
        }
    }

    /// v1: the directory of `controller` (e.g. "memory"), if that controller is used.
    /// v2: the cgroup's directory whatever the controller.
    pub fn path(&self, controller: &str) -> Option<&Path> {
        match &self.imp {
            Imp::V1(c) => c.dir_of(controller),
            Imp::V2(c) => Some(c.dir()),
        }
    }

    /// Move process `pid` (all its threads) into the cgroup.
    pub fn add_process(&self, pid: i32) -> Result<()> {
        if pid <= 0 {
            return Err(Error::invalid(format!("invalid pid {pid}")));
        }
        match &self.imp {
            Imp::V1(c) => c.add_process(pid),
            Imp::V2(c) => c.add_process(pid),
        }
    }

    /// How a single-threaded process joins this cgroup itself, quickly: on v1, writing `0` (the
    /// calling thread) to each controller's `tasks` file moves one thread without taking the
    /// global threadgroup lock whose writer waits for an RCU grace period — milliseconds saved
    /// on every container start. The returned files are for [`join_self`]. On v2 there is no such
    /// path: `None`, and the parent uses [`Cgroup::add_process`].
    pub fn self_join_files(&self) -> Option<Vec<PathBuf>> {
        match &self.imp {
            Imp::V1(_) => Some(self.paths().into_iter().map(|d| d.join("tasks")).collect()),
            Imp::V2(_) => None,
        }
    }

    /// Every process in the cgroup and its descendants, sorted (for `top`).
    pub fn pids(&self) -> Result<Vec<i32>> {
        match &self.imp {
            Imp::V1(c) => c.pids(),
            Imp::V2(c) => c.pids(),
        }
    }

    /// Freeze every process (pause); returns once the kernel reports the cgroup frozen.
    pub fn freeze(&self) -> Result<()> {
        match &self.imp {
            Imp::V1(c) => c.freeze(),
            Imp::V2(c) => c.freeze(),
        }
    }

    /// Thaw every process (unpause); returns once the kernel reports the cgroup thawed.
    pub fn thaw(&self) -> Result<()> {
        match &self.imp {
            Imp::V1(c) => c.thaw(),
            Imp::V2(c) => c.thaw(),
        }
    }

    pub fn is_frozen(&self) -> Result<bool> {
        match &self.imp {
            Imp::V1(c) => c.is_frozen(),
            Imp::V2(c) => c.is_frozen(),
        }
    }

    /// Memory, CPU and pids figures in the Engine API's `stats` shapes.
    pub fn stats(&self) -> Result<Stats> {
        let mut s = match &self.imp {
            Imp::V1(c) => c.stats()?,
            Imp::V2(c) => c.stats()?,
        };
        stats::fill_host_figures(&mut s);
        Ok(s)
    }

    /// Whether the kernel's OOM killer killed a process of this cgroup (v1: `oom_kill` of
    /// `memory.oom_control`; v2: `oom_kill` of `memory.events`). False without a memory controller.
    pub fn oom_killed(&self) -> Result<bool> {
        match &self.imp {
            Imp::V1(c) => c.oom_killed(),
            Imp::V2(c) => c.oom_killed(),
        }
    }

    /// Kill whatever is left with SIGKILL (thawing a frozen cgroup), then remove every directory
    /// with short retries on EBUSY. Idempotent: missing directories are fine.
    pub fn destroy(&self) -> Result<()> {
        match &self.imp {
            Imp::V1(c) => c.destroy(),
            Imp::V2(c) => c.destroy(),
        }
    }
}

/// Container ids become directory names: a plain name of `[A-Za-z0-9_.-]`, at most 128 bytes.
fn validate_id(id: &str) -> Result<()> {
    let ok = !id.is_empty()
        && id.len() <= 128
        && id != "."
        && id != ".."
        && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.' || b == b'-');
    if ok {
        Ok(())
    } else {
        Err(Error::invalid(format!("invalid cgroup name {id:?}")))
    }
}

// ---- small file helpers shared by v1.rs and v2.rs ----

/// Write `value` to a cgroup interface file in one `write(2)`, as the kernel expects.
fn write_file(path: &Path, value: &str) -> Result<()> {
    write_raw(path, value).ctx(format!("writing {value:?} to {}", path.display()))
}

fn write_raw(path: &Path, value: &str) -> std::io::Result<()> {
    let mut f = std::fs::OpenOptions::new().write(true).open(path)?;
    f.write_all(value.as_bytes())
}

fn read_string(path: &Path) -> Result<String> {
    std::fs::read_to_string(path).ctx(format!("reading {}", path.display()))
}

/// Read a file that may be missing (controller not enabled, old kernel).
fn read_optional(path: &Path) -> Result<Option<String>> {
    match std::fs::read_to_string(path) {
        Ok(s) => Ok(Some(s)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Error::io(format!("reading {}", path.display()), e)),
    }
}

/// A single number, or `max` (→ `None`).
fn parse_limit(s: &str) -> Option<u64> {
    let s = s.trim();
    if s == "max" {
        None
    } else {
        s.parse().ok()
    }
}

fn read_u64(path: &Path) -> Result<Option<u64>> {
    Ok(read_optional(path)?.and_then(|s| s.trim().parse().ok()))
}

/// `key value` lines (memory.stat, cpu.stat, memory.events, memory.oom_control, cgroup.events).
fn parse_keyed(text: &str) -> BTreeMap<String, u64> {
    text.lines()
        .filter_map(|l| {
            let (k, v) = l.split_once(' ')?;
            Some((k.to_string(), v.trim().parse().ok()?))
        })
        .collect()
}

/// The pids in `dir/cgroup.procs` and in every sub-cgroup below it. A missing `dir` has none.
fn procs_recursive(dir: &Path) -> Result<Vec<i32>> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        match read_optional(&d.join("cgroup.procs"))? {
            Some(text) => out.extend(text.lines().filter_map(|l| l.trim().parse::<i32>().ok())),
            None => continue,
        }
        for sub in subdirs(&d)? {
            stack.push(sub);
        }
    }
    out.sort_unstable();
    out.dedup();
    Ok(out)
}

fn subdirs(dir: &Path) -> Result<Vec<PathBuf>> {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(Error::io(format!("listing {}", dir.display()), e)),
    };
    let mut out = Vec::new();
    for entry in entries {
        let entry = entry.ctx(format!("listing {}", dir.display()))?;
        if entry.file_type().map(|t| t.is_dir()).unwrap_or(false) {
            out.push(entry.path());
        }
    }
    Ok(out)
}

/// Move `pid` into the cgroup of `dir`. EINVAL can mean the task is still being created
/// (TASK_NEW): retry a few times.
fn write_pid(dir: &Path, pid: i32) -> Result<()> {
    let path = dir.join("cgroup.procs");
    let mut tries = 0;
    loop {
        match write_raw(&path, &pid.to_string()) {
            Ok(()) => return Ok(()),
            Err(e) if e.raw_os_error() == Some(libc::EINVAL) && tries < 5 => {
                tries += 1;
                std::thread::sleep(Duration::from_millis(20));
            }
            Err(e) if e.raw_os_error() == Some(libc::ESRCH) => {
                return Err(Error::not_found(format!("no such process: {pid}")))
            }
            Err(e) => return Err(Error::io(format!("adding {pid} to {}", path.display()), e)),
        }
    }
}

fn kill_all(pids: &[i32]) {
    for &pid in pids {
        // SAFETY: kill(2) with a pid read from our own cgroup; ESRCH (already gone) is fine.
        unsafe {
            libc::kill(pid, libc::SIGKILL);
        }
    }
}

/// Call `f` until it says done or `timeout` passes; sleeps 1 ms, growing to 20 ms.
fn poll_until(timeout: Duration, mut f: impl FnMut() -> Result<bool>) -> Result<bool> {
    let start = Instant::now();
    let mut pause = Duration::from_millis(1);
    loop {
        if f()? {
            return Ok(true);
        }
        if start.elapsed() >= timeout {
            return Ok(false);
        }
        std::thread::sleep(pause);
        pause = (pause * 2).min(Duration::from_millis(20));
    }
}

/// Remove `dir` and any sub-cgroups below it (deepest first), retrying EBUSY for a short while
/// (the kernel releases a cgroup shortly after its last task exits). A missing `dir` is fine.
fn remove_tree(dir: &Path) -> Result<()> {
    for sub in subdirs(dir)? {
        remove_tree(&sub)?;
    }
    let mut pause = Duration::from_millis(5);
    let start = Instant::now();
    loop {
        match std::fs::remove_dir(dir) {
            Ok(()) => return Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            Err(e) if e.raw_os_error() == Some(libc::EBUSY) && start.elapsed() < Duration::from_secs(3) => {
                std::thread::sleep(pause);
                pause = (pause * 2).min(Duration::from_millis(100));
            }
            Err(e) if e.raw_os_error() == Some(libc::EBUSY) => {
                return Err(Error::conflict(format!(
                    "removing cgroup {}: still busy (processes left in it)",
                    dir.display()
                )))
            }
            Err(e) => return Err(Error::io(format!("removing cgroup {}", dir.display()), e)),
        }
    }
}

/// Create `path` as a new cgroup directory: `Conflict` if it exists.
fn mkdir_new(path: &Path) -> Result<()> {
    match std::fs::create_dir(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            Err(Error::conflict(format!("cgroup {} already exists", path.display())))
        }
        Err(e) => Err(Error::io(format!("creating cgroup {}", path.display()), e)),
    }
}

/// Create the shared `libdocker` parent if needed (concurrent creators are fine).
fn mkdir_parent(path: &Path) -> Result<()> {
    match std::fs::create_dir(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(Error::io(format!("creating cgroup {}", path.display()), e)),
    }
}

/// Move the calling thread (of a single-threaded process) into the cgroups whose `tasks` files
/// [`Cgroup::self_join_files`] gave.
pub fn join_self(tasks_files: &[PathBuf]) -> Result<()> {
    for f in tasks_files {
        std::fs::write(f, "0").map_err(|e| Error::io(format_args!("join {}", f.display()), e))?;
    }
    Ok(())
}
