//! The resource part of the Engine API's `HostConfig` (PascalCase field names) and its validation
//! with dockerd's messages (the flags' grammar, `-m 512m`, is `crate::options`).
//!
//! Serialised (PascalCase) into the runtime spec the monitor reads. `Privileged` belongs to
//! `HostConfig` and is copied into [`Resources::privileged`] by whoever builds the cgroup.

use crate::error::{Error, Result};
use serde::{Deserialize, Deserializer, Serialize};

/// dockerd's `linuxMinMemory`: not a kernel limit, room for a functional container.
const MIN_MEMORY: i64 = 6 * 1024 * 1024;
/// The kernel's bounds of `cpu.shares` (`MIN_SHARES`, `MAX_SHARES`).
pub(crate) const MIN_CPU_SHARES: i64 = 2;
pub(crate) const MAX_CPU_SHARES: i64 = 262_144;
/// The CFS period dockerd uses for `NanoCpus` (100 ms, in µs).
pub(crate) const NANO_CPUS_PERIOD: i64 = 100_000;

/// Resource limits of a container, as in the Engine API's `HostConfig`.
///
/// Zero means "not set" for every number, as in the API. `MemorySwap` is memory + swap: `-1`
/// means unlimited swap and `0` (with `Memory` set) means twice `Memory`, as dockerd sets it.
/// `PidsLimit` ≤ 0 or null means unlimited.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Resources {
    /// Memory limit in bytes.
    #[serde(default)]
    pub memory: i64,
    /// Memory + swap limit in bytes; -1 = unlimited swap.
    #[serde(default)]
    pub memory_swap: i64,
    /// Soft limit in bytes (v1 `memory.soft_limit_in_bytes`, v2 `memory.low`).
    #[serde(default)]
    pub memory_reservation: i64,
    /// Relative CPU weight (v1 `cpu.shares`, v2 `cpu.weight` after conversion).
    #[serde(default)]
    pub cpu_shares: i64,
    /// CPU quota in units of 1e-9 CPUs (`--cpus 1.5` = 1500000000).
    #[serde(default)]
    pub nano_cpus: i64,
    /// CFS quota in µs per period.
    #[serde(default)]
    pub cpu_quota: i64,
    /// CFS period in µs.
    #[serde(default)]
    pub cpu_period: i64,
    /// Maximum number of processes; null, 0 or negative = unlimited.
    #[serde(default)]
    pub pids_limit: Option<i64>,
    /// Host devices given to the container (`--device`); their cgroup permissions are allowed.
    #[serde(default, deserialize_with = "null_default")]
    pub devices: Vec<DeviceMapping>,
    /// Extra device cgroup rules (`--device-cgroup-rule "c 1:3 mr"`).
    #[serde(default, deserialize_with = "null_default")]
    pub device_cgroup_rules: Vec<String>,
    /// `HostConfig.Privileged`: every device is allowed. Not part of the wire `Resources`.
    #[serde(skip)]
    pub privileged: bool,
}

/// A host device given to a container (`--device /dev/sda:/dev/xvda:rwm`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DeviceMapping {
    #[serde(default)]
    pub path_on_host: String,
    #[serde(default)]
    pub path_in_container: String,
    /// Some of `r`, `w`, `m`; empty means `rwm`.
    #[serde(default)]
    pub cgroup_permissions: String,
}

fn null_default<'de, D, T>(d: D) -> std::result::Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

impl Resources {
    /// dockerd's checks of the resources (`verifyPlatformContainerResources`), with its
    /// messages, against the CPUs this process may run on. Returns dockerd's warnings for
    /// values that are adjusted rather than refused.
    pub fn validate(&self) -> Result<Vec<String>> {
        self.validate_with_cpus(available_cpus())
    }

    /// [`Resources::validate`] for a host with `ncpus` CPUs.
    pub fn validate_with_cpus(&self, ncpus: u32) -> Result<Vec<String>> {
        let mut warnings = Vec::new();
        // memory
        if self.memory != 0 && self.memory < MIN_MEMORY {
            return Err(Error::invalid("Minimum memory limit allowed is 6MB"));
        }
        if self.memory > 0 && self.memory_swap != 0 && self.memory_swap != -1 && self.memory_swap < self.memory {
            return Err(Error::invalid("Minimum memoryswap limit should be larger than memory limit, see usage"));
        }
        if self.memory == 0 && self.memory_swap > 0 {
            return Err(Error::invalid(
                "You should always set the Memory limit when using Memoryswap limit, see usage",
            ));
        }
        if self.memory_reservation > 0 && self.memory_reservation < MIN_MEMORY {
            return Err(Error::invalid("Minimum memory reservation allowed is 6MB"));
        }
        if self.memory > 0 && self.memory_reservation > 0 && self.memory < self.memory_reservation {
            return Err(Error::invalid(
                "Minimum memory limit can not be less than memory reservation limit, see usage",
            ));
        }
        // cpu
        if self.nano_cpus > 0 && self.cpu_period > 0 {
            return Err(Error::invalid("Conflicting options: Nano CPUs and CPU Period cannot both be set"));
        }
        if self.nano_cpus > 0 && self.cpu_quota > 0 {
            return Err(Error::invalid("Conflicting options: Nano CPUs and CPU Quota cannot both be set"));
        }
        if self.nano_cpus < 0 || self.nano_cpus > i64::from(ncpus) * 1_000_000_000 {
            return Err(Error::invalid(format!(
                "Range of CPUs is from 0.01 to {ncpus}.00, as there are only {ncpus} CPUs available"
            )));
        }
        if self.cpu_shares < 0 {
            return Err(Error::invalid("shares: invalid argument"));
        }
        if self.cpu_shares > 0 && self.cpu_shares < MIN_CPU_SHARES {
            warnings.push(format!(
                "Changing requested CPUShares of {} to minimum allowed of {MIN_CPU_SHARES}",
                self.cpu_shares
            ));
        } else if self.cpu_shares > MAX_CPU_SHARES {
            warnings.push(format!(
                "Changing requested CPUShares of {} to maximum allowed of {MAX_CPU_SHARES}",
                self.cpu_shares
            ));
        }
        if self.cpu_period != 0 && (self.cpu_period < 1000 || self.cpu_period > 1_000_000) {
            return Err(Error::invalid(
                "CPU cfs period can not be less than 1ms (i.e. 1000) or larger than 1s (i.e. 1000000)",
            ));
        }
        if self.cpu_quota > 0 && self.cpu_quota < 1000 {
            return Err(Error::invalid("CPU cfs quota can not be less than 1ms (i.e. 1000)"));
        }
        // devices
        for rule in &self.device_cgroup_rules {
            super::DeviceRule::parse(rule)?;
        }
        for d in &self.devices {
            if d.path_on_host.is_empty() {
                return Err(Error::invalid("invalid device mapping: empty PathOnHost"));
            }
            if !d.cgroup_permissions.is_empty() {
                super::Access::parse(&d.cgroup_permissions)
                    .map_err(|_| Error::invalid(format!("invalid device mode: {}", d.cgroup_permissions)))?;
            }
        }
        Ok(warnings)
    }

    /// The memory + swap limit to apply: `None` without a memory limit, `Some(-1)` for
    /// unlimited swap, `2 × Memory` when `MemorySwap` is 0 (dockerd's default).
    pub(crate) fn effective_memory_swap(&self) -> Option<i64> {
        if self.memory <= 0 {
            return None;
        }
        Some(match self.memory_swap {
            0 => self.memory.saturating_mul(2),
            s if s < 0 => -1,
            s => s,
        })
    }

    /// `cpu.shares` as dockerd adjusts it into the kernel's range; `None` when unset.
    pub(crate) fn effective_cpu_shares(&self) -> Option<u64> {
        (self.cpu_shares > 0).then(|| self.cpu_shares.clamp(MIN_CPU_SHARES, MAX_CPU_SHARES) as u64)
    }

    /// (CFS quota, CFS period) in µs, as dockerd derives them (NanoCpus → 100 ms period). Zero
    /// means "leave as is"; a negative quota means unlimited.
    pub(crate) fn effective_cfs(&self) -> (i64, i64) {
        if self.nano_cpus > 0 {
            let quota = (i128::from(self.nano_cpus) * i128::from(NANO_CPUS_PERIOD) / 1_000_000_000) as i64;
            return (quota, NANO_CPUS_PERIOD);
        }
        (self.cpu_quota, self.cpu_period)
    }

    /// `pids.max`, `None` for unlimited.
    pub(crate) fn effective_pids_limit(&self) -> Option<i64> {
        self.pids_limit.filter(|&n| n > 0)
    }
}

/// The number of CPUs this process may run on (dockerd's `sysinfo.NumCPU`: the affinity mask).
pub(crate) fn available_cpus() -> u32 {
    // SAFETY: a zeroed cpu_set_t is a valid empty set; sched_getaffinity fills it.
    unsafe {
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        if libc::sched_getaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &mut set) == 0 {
            let n = libc::CPU_COUNT(&set);
            if n > 0 {
                return n as u32;
            }
        }
    }
    std::thread::available_parallelism().map(|n| n.get() as u32).unwrap_or(1)
}
