//! `start`: turn the record into a validated runtime spec and execute the monitor.

use super::create::{mount_order, security_options};
use super::Container;
use crate::error::{Error, Result};
use crate::runtime::launch::MonitorHandle;
use crate::runtime::spec::{Device, Mount, MountKind, Namespaces, Process, RestartPolicy, Rootfs, Spec};
use crate::store::Store;
use std::path::PathBuf;

/// Docker's masked and read-only paths (moby `oci/defaults.go`).
pub const MASKED_PATHS: &[&str] = &[
    "/proc/asound",
    "/proc/acpi",
    "/proc/interrupts",
    "/proc/kcore",
    "/proc/keys",
    "/proc/latency_stats",
    "/proc/timer_list",
    "/proc/timer_stats",
    "/proc/sched_debug",
    "/proc/scsi",
    "/sys/firmware",
    "/sys/devices/virtual/powercap",
];
pub const READONLY_PATHS: &[&str] = &["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"];

/// The standard devices (runtime-spec "default devices").
pub fn default_devices() -> Vec<Device> {
    [("null", 1, 3), ("zero", 1, 5), ("full", 1, 7), ("random", 1, 8), ("urandom", 1, 9), ("tty", 5, 0)]
        .iter()
        .map(|(n, ma, mi)| Device { path: format!("/dev/{n}"), kind: 'c', major: *ma, minor: *mi, mode: 0o666 })
        .collect()
}

/// Start the container. Its process is held before exec until the clients registered for this
/// start (attach and wait calls made before it, see `runtime::clients`) are connected. Returns a
/// handle on the monitor's lock: it stays valid when `--rm` removes the directory, so the caller
/// can wait for the monitor's end.
pub fn start(store: &Store, name: &str) -> Result<MonitorHandle> {
    let c = super::load(store, name)?;
    if c.is_running() {
        return Err(Error::not_modified(format!("container {} is already started", c.id)));
    }
    let spec = build_spec(store, &c)?;
    crate::safefs::write_replace(&c.dir.join("spec.json"), &serde_json::to_vec(&spec).expect("spec json"))?;
    let handle = MonitorHandle::open(&c.dir)?;
    crate::trace::point("start: spec written");
    let report = crate::runtime::launch::start(&c.dir)?;
    crate::trace::point("start: monitor reported");
    match report.error {
        None => Ok(handle),
        Some(msg) => {
            // The monitor records the failure (and removes an `--rm` container): let it finish.
            handle.wait();
            let what = format!("failed to start container {}", super::short(&c.id));
            Err(process_start_error(&what, &msg, report.exit_code, report.kind.as_deref()))
        }
    }
}

/// A container's (or an exec's) process that could not start, as docker reports it: a command
/// not found (exit 127) or not executable (126) is the caller's error (HTTP 400, as moby's
/// `translateContainerdStartErr`), with the reason in the details; a failed set-up step keeps
/// its own kind (a missing user is the caller's, a failed mount the system's); the rest is ours.
pub(crate) fn process_start_error(what: &str, msg: &str, code: Option<i32>, kind: Option<&str>) -> Error {
    use crate::error::{ErrorDetails, ErrorKind, StartFailure};
    let (kind, failure, exit) = match code {
        Some(127) => (ErrorKind::InvalidArgument, Some(StartFailure::CommandNotFound), 127),
        Some(126) => (ErrorKind::InvalidArgument, Some(StartFailure::CommandNotExecutable), 126),
        _ => match kind.and_then(ErrorKind::from_name).unwrap_or(ErrorKind::Internal) {
            // "Not found" would read as "no such container" to an HTTP client.
            ErrorKind::NotFound => (ErrorKind::InvalidArgument, None, 125),
            k => (k, None, 125),
        },
    };
    Error::new(kind, format!("{what}: {msg}")).with_details(ErrorDetails {
        exit_code: Some(exit),
        start_failure: failure,
        ..Default::default()
    })
}

pub fn build_spec(store: &Store, c: &Container) -> Result<Spec> {
    let h = &c.host_config;
    let (nnp, unconfined) = security_options(h)?;
    let caps = crate::runtime::caps::resolve(
        h.cap_add.as_deref().unwrap_or(&[]),
        h.cap_drop.as_deref().unwrap_or(&[]),
        h.privileged,
    )?;
    let seccomp = if unconfined { None } else { Some(seccomp_program(store, caps)?) };
    let host_net = h.network_mode == "host";
    let mut mounts = Vec::new();
    for m in mount_order(&c.mounts) {
        let tmpfs = m.kind == "tmpfs";
        mounts.push(Mount {
            kind: if tmpfs { MountKind::Tmpfs } else { MountKind::Bind },
            source: PathBuf::from(&m.source),
            destination: m.destination.clone(),
            readonly: !m.rw,
            data: if tmpfs { m.mode.clone() } else { String::new() },
            propagation: m.propagation.clone(),
            nosuid: tmpfs,
            nodev: tmpfs,
            noexec: tmpfs,
        });
    }
    let mut args = vec![c.path.clone()];
    args.extend(c.args.iter().cloned());
    let stop_signal = if c.config.stop_signal.is_empty() {
        libc::SIGTERM
    } else {
        crate::runtime::signal::parse(&c.config.stop_signal)?
    };
    Ok(Spec {
        id: c.id.clone(),
        state_dir: c.dir.clone(),
        rootfs: Rootfs {
            layers_dir: store.layers_dir(),
            lower: c.lower_layers(),
            upper: c.dir.join("upper"),
            work: c.dir.join("work"),
            target: c.dir.join("rootfs"),
            readonly: h.readonly_rootfs,
        },
        process: Process {
            args,
            env: c.config.env.clone().unwrap_or_default(),
            cwd: if c.config.working_dir.is_empty() { "/".into() } else { c.config.working_dir.clone() },
            user: c.config.user.clone(),
            tty: c.config.tty,
            open_stdin: c.config.open_stdin,
            stdin_once: c.config.stdin_once,
            no_new_privileges: nnp,
            capabilities: caps.0,
            seccomp,
            console_size: Some(h.console_size).filter(|s| s[0] > 0 && s[1] > 0),
            stop_signal,
        },
        hostname: if host_net {
            rustix::system::uname().nodename().to_string_lossy().into_owned()
        } else {
            c.config.hostname.clone()
        },
        domainname: c.config.domainname.clone(),
        namespaces: Namespaces { net: !host_net, pid: true, ipc: true, uts: !host_net },
        mounts,
        // A client's list replaces Docker's defaults, as in Docker.
        masked_paths: match &h.masked_paths {
            Some(p) => p.clone(),
            None => MASKED_PATHS.iter().map(|s| s.to_string()).chain(thermal_throttle_paths()).collect(),
        },
        readonly_paths: match &h.readonly_paths {
            Some(p) => p.clone(),
            None => READONLY_PATHS.iter().map(|s| s.to_string()).collect(),
        },
        devices: devices(h)?,
        cgroup: Some(super::create::resources(h)),
        privileged: h.privileged,
        restart: RestartPolicy {
            name: if h.restart_policy.name.is_empty() { "no".into() } else { h.restart_policy.name.clone() },
            maximum_retry_count: h.restart_policy.maximum_retry_count.max(0) as u32,
        },
        log_path: c.log_path(),
        auto_remove: h.auto_remove,
        etc_files: ["hostname", "hosts", "resolv.conf"].iter().map(|f| (c.dir.join(f), format!("/etc/{f}"))).collect(),
    })
}

/// The compiled filter for a capability set, written once per set and shared by every container
/// (`<root>/seccomp/<caps>.bpf`): it only depends on the capabilities.
fn seccomp_program(store: &Store, caps: crate::runtime::caps::CapSet) -> Result<PathBuf> {
    let dir = store.root().join("seccomp");
    let p = dir.join(format!("{:016x}.bpf", caps.0));
    if !p.exists() {
        use crate::error::IoContext;
        std::fs::create_dir_all(&dir).ctx("create the seccomp directory")?;
        crate::safefs::write_replace(&p, &crate::runtime::seccomp::build(caps)?.to_bytes())?;
    }
    Ok(p)
}

/// `/sys/devices/system/cpu/cpu*/thermal_throttle` (masked by Docker since GHSA-6fw5-f8r9-fgfm).
fn thermal_throttle_paths() -> Vec<String> {
    let mut v = Vec::new();
    if let Ok(rd) = std::fs::read_dir("/sys/devices/system/cpu") {
        for e in rd.flatten() {
            let n = e.file_name().to_string_lossy().into_owned();
            if n.starts_with("cpu") && n[3..].bytes().all(|b| b.is_ascii_digit()) && n.len() > 3 {
                v.push(format!("/sys/devices/system/cpu/{n}/thermal_throttle"));
            }
        }
    }
    v.sort();
    v
}

/// The standard devices, or all of the host's with `--privileged`, plus `--device` mappings.
fn devices(h: &crate::types::HostConfig) -> Result<Vec<Device>> {
    use std::os::unix::fs::{FileTypeExt, MetadataExt};
    let mut v = if h.privileged { host_devices() } else { default_devices() };
    for d in h.devices.iter().flatten() {
        let m = std::fs::metadata(&d.path_on_host).map_err(|e| {
            Error::invalid(format!(
                "error gathering device information while adding custom device {:?}: {e}",
                d.path_on_host
            ))
        })?;
        let kind = if m.file_type().is_char_device() {
            'c'
        } else if m.file_type().is_block_device() {
            'b'
        } else {
            return Err(Error::invalid(format!("{:?} is not a device", d.path_on_host)));
        };
        let path = if d.path_in_container.is_empty() { d.path_on_host.clone() } else { d.path_in_container.clone() };
        v.retain(|x| x.path != path);
        v.push(Device {
            path,
            kind,
            major: rustix::fs::major(m.rdev()),
            minor: rustix::fs::minor(m.rdev()),
            mode: m.mode() & 0o777,
        });
    }
    Ok(v)
}

/// `--privileged`: every character and block device of the host's /dev (top level).
fn host_devices() -> Vec<Device> {
    let mut v = default_devices();
    if let Ok(rd) = std::fs::read_dir("/dev") {
        for e in rd.flatten() {
            let Ok(m) = std::fs::symlink_metadata(e.path()) else { continue };
            use std::os::unix::fs::{FileTypeExt, MetadataExt};
            let ft = m.file_type();
            let kind = if ft.is_char_device() {
                'c'
            } else if ft.is_block_device() {
                'b'
            } else {
                continue;
            };
            let path = format!("/dev/{}", e.file_name().to_string_lossy());
            if v.iter().any(|d| d.path == path) || path == "/dev/ptmx" || path == "/dev/console" {
                continue;
            }
            let rdev = m.rdev();
            v.push(Device {
                path,
                kind,
                major: rustix::fs::major(rdev),
                minor: rustix::fs::minor(rdev),
                mode: m.mode() & 0o7777,
            });
        }
    }
    v
}
