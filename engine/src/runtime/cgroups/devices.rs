//! The device allow-list: rules, Docker's default list, and the kernel's v1 semantics.
//!
//! The rules of a container, in the order dockerd and runc apply them:
//! 1. dockerd's default spec (moby `oci/defaults.go`): deny `a`; allow `c 1:5`, `c 1:3`, `c 1:9`,
//!    `c 1:8`, `c 5:0`, `c 5:1` rwm; deny `c 10:229` (fuse) rwm;
//! 2. the `Devices` of the container (each device node's cgroup permissions), then its
//!    `DeviceCgroupRules`;
//! 3. runc's always-allowed devices (libcontainer `specconv.AllowedDevices`): `c *:* m`, `b *:* m`,
//!    `c 1:3`, `c 1:8`, `c 1:7`, `c 5:0`, `c 1:5`, `c 1:9`, `c 136:*`, `c 5:2`, `c 10:200` rwm.
//!
//! Privileged containers get `a` (allow everything) instead.
//!
//! [`DevicePolicy::from_rules`] folds a rule list exactly as the v1 kernel does when the rules
//! are written one by one to `devices.allow`/`devices.deny` (security/device_cgroup.c): an `a` rule
//! resets the default behaviour and clears the exceptions; a rule of the other kind than the
//! default adds an exception (merging the access of an identical type/major/minor); a rule of the
//! same kind as the default removes access from the identical exception. The v1 code writes the
//! folded policy; the v2 code compiles it into an eBPF program with the same answers.

use super::resources::Resources;
use crate::error::{Error, Result};
use std::fmt;
use std::os::unix::fs::FileTypeExt;
use std::path::Path;

/// `r`, `w`, `m` bits (the kernel's `ACC_MKNOD` = 1, `ACC_READ` = 2, `ACC_WRITE` = 4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Access(u8);

impl Access {
    pub const MKNOD: Access = Access(1);
    pub const READ: Access = Access(2);
    pub const WRITE: Access = Access(4);
    pub const ALL: Access = Access(7);

    pub fn bits(self) -> u8 {
        self.0
    }
    pub fn from_bits(bits: u8) -> Access {
        Access(bits & 7)
    }
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }
    /// Every bit of `other` is in `self`.
    pub fn contains(self, other: Access) -> bool {
        other.0 & !self.0 == 0
    }

    /// One to three of `r`, `w`, `m` (repeats allowed, as in Docker's rule syntax).
    pub fn parse(s: &str) -> Result<Access> {
        if s.is_empty() || s.len() > 3 {
            return Err(Error::invalid(format!("invalid device access {s:?}")));
        }
        let mut a = 0;
        for c in s.chars() {
            a |= match c {
                'm' => 1,
                'r' => 2,
                'w' => 4,
                _ => return Err(Error::invalid(format!("invalid device access {s:?}"))),
            };
        }
        Ok(Access(a))
    }
}

impl fmt::Display for Access {
    /// In the kernel's order: `rwm`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0 & 2 != 0 {
            f.write_str("r")?;
        }
        if self.0 & 4 != 0 {
            f.write_str("w")?;
        }
        if self.0 & 1 != 0 {
            f.write_str("m")?;
        }
        Ok(())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DeviceType {
    /// `a`: every device (resets the list in the kernel's v1 semantics).
    All,
    Char,
    Block,
}

impl DeviceType {
    fn letter(self) -> char {
        match self {
            DeviceType::All => 'a',
            DeviceType::Char => 'c',
            DeviceType::Block => 'b',
        }
    }
}

/// One allow or deny rule of the device cgroup. `None` major/minor = `*`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DeviceRule {
    pub allow: bool,
    pub kind: DeviceType,
    pub major: Option<u32>,
    pub minor: Option<u32>,
    pub access: Access,
}

impl DeviceRule {
    pub const fn allow(kind: DeviceType, major: Option<u32>, minor: Option<u32>, access: Access) -> Self {
        DeviceRule { allow: true, kind, major, minor, access }
    }
    pub const fn deny(kind: DeviceType, major: Option<u32>, minor: Option<u32>, access: Access) -> Self {
        DeviceRule { allow: false, kind, major, minor, access }
    }

    /// A `DeviceCgroupRules` entry: `^([acb]) ([0-9]+|\*):([0-9]+|\*) ([rwm]{1,3})$`, an allow
    /// rule. Numbers above 2^31-1 are refused (no real device has them).
    pub fn parse(s: &str) -> Result<DeviceRule> {
        let bad = || Error::invalid(format!("invalid device cgroup rule format: '{s}'"));
        let parts: Vec<&str> = s.split(' ').collect();
        let [kind, numbers, access] = parts[..] else {
            return Err(bad());
        };
        let kind = match kind {
            "a" => DeviceType::All,
            "c" => DeviceType::Char,
            "b" => DeviceType::Block,
            _ => return Err(bad()),
        };
        let (major, minor) = numbers.split_once(':').ok_or_else(bad)?;
        let number = |n: &str| -> Result<Option<u32>> {
            if n == "*" {
                return Ok(None);
            }
            if n.is_empty() || !n.bytes().all(|b| b.is_ascii_digit()) {
                return Err(bad());
            }
            match n.parse::<u32>() {
                Ok(v) if v <= i32::MAX as u32 => Ok(Some(v)),
                _ => Err(bad()),
            }
        };
        let (major, minor) = (number(major)?, number(minor)?);
        let access = Access::parse(access).map_err(|_| bad())?;
        Ok(DeviceRule::allow(kind, major, minor, access))
    }
}

impl fmt::Display for DeviceRule {
    /// The v1 `devices.allow`/`devices.deny` line: `c 1:3 rwm`, `b *:* m`, `a *:* rwm`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = |v: Option<u32>| v.map_or("*".to_string(), |v| v.to_string());
        write!(f, "{} {}:{} {}", self.kind.letter(), n(self.major), n(self.minor), self.access)
    }
}

const C: DeviceType = DeviceType::Char;
const B: DeviceType = DeviceType::Block;
const RWM: Access = Access::ALL;

/// dockerd's default device rules (moby `oci/defaults.go` `DefaultLinuxSpec`).
pub(crate) const DOCKER_DEFAULT: [DeviceRule; 8] = [
    DeviceRule::deny(DeviceType::All, None, None, RWM),
    DeviceRule::allow(C, Some(1), Some(5), RWM),   // /dev/zero
    DeviceRule::allow(C, Some(1), Some(3), RWM),   // /dev/null
    DeviceRule::allow(C, Some(1), Some(9), RWM),   // /dev/urandom
    DeviceRule::allow(C, Some(1), Some(8), RWM),   // /dev/random
    DeviceRule::allow(C, Some(5), Some(0), RWM),   // /dev/tty
    DeviceRule::allow(C, Some(5), Some(1), RWM),   // /dev/console
    DeviceRule::deny(C, Some(10), Some(229), RWM), // /dev/fuse
];

/// runc's devices allowed in every container, appended after the container's own rules
/// (libcontainer `specconv.AllowedDevices`).
pub(crate) const RUNC_ALWAYS: [DeviceRule; 11] = [
    DeviceRule::allow(C, None, None, Access::MKNOD), // mknod of any char device
    DeviceRule::allow(B, None, None, Access::MKNOD), // mknod of any block device
    DeviceRule::allow(C, Some(1), Some(3), RWM),     // /dev/null
    DeviceRule::allow(C, Some(1), Some(8), RWM),     // /dev/random
    DeviceRule::allow(C, Some(1), Some(7), RWM),     // /dev/full
    DeviceRule::allow(C, Some(5), Some(0), RWM),     // /dev/tty
    DeviceRule::allow(C, Some(1), Some(5), RWM),     // /dev/zero
    DeviceRule::allow(C, Some(1), Some(9), RWM),     // /dev/urandom
    DeviceRule::allow(C, Some(136), None, RWM),      // /dev/pts/*
    DeviceRule::allow(C, Some(5), Some(2), RWM),     // /dev/ptmx
    DeviceRule::allow(C, Some(10), Some(200), RWM),  // /dev/net/tun
];

/// The ordered rule list of a container (see the module doc).
pub(crate) fn rules_for(res: &Resources) -> Result<Vec<DeviceRule>> {
    if res.privileged {
        return Ok(vec![DeviceRule::allow(DeviceType::All, None, None, RWM)]);
    }
    let mut rules = DOCKER_DEFAULT.to_vec();
    for d in &res.devices {
        let access = if d.cgroup_permissions.is_empty() {
            RWM
        } else {
            Access::parse(&d.cgroup_permissions)
                .map_err(|_| Error::invalid(format!("invalid device mode: {}", d.cgroup_permissions)))?
        };
        device_rules_from_path(Path::new(&d.path_on_host), access, &mut rules)?;
    }
    for r in &res.device_cgroup_rules {
        rules.push(DeviceRule::parse(r)?);
    }
    rules.extend_from_slice(&RUNC_ALWAYS);
    Ok(rules)
}

pub(crate) fn policy_for(res: &Resources) -> Result<DevicePolicy> {
    Ok(DevicePolicy::from_rules(&rules_for(res)?))
}

/// An allow rule per device node at `path` (a node, or a directory of nodes walked recursively,
/// as dockerd does for `--device /dev/snd`). Symlinks in `path` are resolved first.
fn device_rules_from_path(path: &Path, access: Access, out: &mut Vec<DeviceRule>) -> Result<()> {
    let gather = |e: &dyn fmt::Display| {
        Error::invalid(format!(
            "error gathering device information while adding custom device {:?}: {e}",
            path.display().to_string()
        ))
    };
    let resolved = std::fs::canonicalize(path).map_err(|e| gather(&e))?;
    let meta = std::fs::metadata(&resolved).map_err(|e| gather(&e))?;
    if meta.is_dir() {
        let mut stack = vec![resolved];
        while let Some(dir) = stack.pop() {
            let Ok(entries) = std::fs::read_dir(&dir) else {
                continue;
            };
            for entry in entries.flatten() {
                let Ok(ft) = entry.file_type() else { continue };
                if ft.is_dir() {
                    stack.push(entry.path());
                } else if let Some(rule) = rule_of_node(&entry.path(), access) {
                    out.push(rule);
                }
            }
        }
        return Ok(());
    }
    match rule_of_node(&resolved, access) {
        Some(rule) => {
            out.push(rule);
            Ok(())
        }
        None => Err(gather(&"not a device node")),
    }
}

fn rule_of_node(path: &Path, access: Access) -> Option<DeviceRule> {
    use std::os::unix::fs::MetadataExt;
    let meta = std::fs::symlink_metadata(path).ok()?;
    let kind = if meta.file_type().is_char_device() {
        DeviceType::Char
    } else if meta.file_type().is_block_device() {
        DeviceType::Block
    } else {
        return None;
    };
    let rdev = meta.rdev();
    Some(DeviceRule::allow(kind, Some(libc::major(rdev)), Some(libc::minor(rdev)), access))
}

/// An entry of the kernel's exception list: never of type `a`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Exception {
    pub kind: DeviceType,
    pub major: Option<u32>,
    pub minor: Option<u32>,
    pub access: Access,
}

impl Exception {
    fn same_device(&self, r: &DeviceRule) -> bool {
        self.kind == r.kind && self.major == r.major && self.minor == r.minor
    }
    /// Type, major and minor match (`*` matches every number).
    fn covers_device(&self, kind: DeviceType, major: u32, minor: u32) -> bool {
        self.kind == kind
            && (self.major.is_none() || self.major == Some(major))
            && (self.minor.is_none() || self.minor == Some(minor))
    }
    fn as_rule(&self, allow: bool) -> DeviceRule {
        DeviceRule { allow, kind: self.kind, major: self.major, minor: self.minor, access: self.access }
    }
}

/// The state a v1 device cgroup ends up in after a rule list: a default and its exceptions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DevicePolicy {
    /// True: everything is allowed except the exceptions. False: only the exceptions are.
    pub default_allow: bool,
    pub exceptions: Vec<Exception>,
}

impl DevicePolicy {
    /// Fold `rules` in order, as the v1 kernel does (see the module doc). A fresh cgroup under an
    /// unrestricted parent starts as "allow everything".
    pub fn from_rules(rules: &[DeviceRule]) -> DevicePolicy {
        let mut p = DevicePolicy { default_allow: true, exceptions: Vec::new() };
        for r in rules {
            if r.kind == DeviceType::All {
                p.default_allow = r.allow;
                p.exceptions.clear();
                continue;
            }
            if r.allow != p.default_allow {
                // An exception to the default: add it, merging an identical device's access.
                match p.exceptions.iter_mut().find(|e| e.same_device(r)) {
                    Some(e) => e.access = Access::from_bits(e.access.bits() | r.access.bits()),
                    None => {
                        p.exceptions.push(Exception { kind: r.kind, major: r.major, minor: r.minor, access: r.access })
                    }
                }
            } else {
                // Same kind as the default: take access away from the identical exception.
                for e in p.exceptions.iter_mut().filter(|e| e.same_device(r)) {
                    e.access = Access::from_bits(e.access.bits() & !r.access.bits());
                }
                p.exceptions.retain(|e| !e.access.is_empty());
            }
        }
        p
    }

    /// Whether `access` to the device is allowed, by the kernel's v1 rules: with a deny default
    /// one exception must cover the device and every requested bit; with an allow default any
    /// exception that covers the device and shares a requested bit denies.
    pub fn allows(&self, kind: DeviceType, major: u32, minor: u32, access: Access) -> bool {
        if self.default_allow {
            !self.exceptions.iter().any(|e| e.covers_device(kind, major, minor) && e.access.bits() & access.bits() != 0)
        } else {
            self.exceptions.iter().any(|e| e.covers_device(kind, major, minor) && e.access.contains(access))
        }
    }

    /// True when nothing is restricted (privileged).
    pub fn allows_everything(&self) -> bool {
        self.default_allow && self.exceptions.is_empty()
    }

    /// The v1 writes that produce this policy in a fresh cgroup: (file, line) in order.
    pub fn v1_writes(&self) -> Vec<(&'static str, String)> {
        let (reset, add) =
            if self.default_allow { ("devices.allow", "devices.deny") } else { ("devices.deny", "devices.allow") };
        let mut w = vec![(reset, "a".to_string())];
        w.extend(self.exceptions.iter().map(|e| (add, e.as_rule(!self.default_allow).to_string())));
        w
    }

    /// What v1 `devices.list` shows for this policy: `a *:* rwm` when the default is allow, else
    /// the exceptions.
    pub fn v1_list(&self) -> Vec<String> {
        if self.default_allow {
            vec!["a *:* rwm".to_string()]
        } else {
            self.exceptions.iter().map(|e| e.as_rule(true).to_string()).collect()
        }
    }
}
