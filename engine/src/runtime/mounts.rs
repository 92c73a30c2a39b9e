//! The container's filesystem: a pure plan ([`plan`]: spec → list of [`Step`]s, unit-tested
//! without root) and an executor ([`apply`]) that performs one step with the new mount API.
//!
//! Every destination is resolved inside the container root with `openat2(RESOLVE_IN_ROOT)` and
//! mounted through the resulting fd (`move_mount` onto an fd): a symlink in the image can never
//! send a mount outside the root (CVE-2021-30465), and `/proc`, `/sys`, `/dev` must be real
//! directories (CVE-2019-16884 family). Masks bind the `/dev/null` we created ourselves, after
//! checking it really is char 1:3 (CVE-2025-31133).

use super::spec::{MountKind, Spec};
use crate::error::{Error, IoContext, Result};
use crate::safefs::RootDir;
use rustix::fs::{Mode, OFlags};
use rustix::mount::{
    fsconfig_create, fsconfig_set_flag, fsconfig_set_string, fsmount, fsopen, move_mount, open_tree, FsMountFlags,
    FsOpenFlags, MountAttrFlags, MoveMountFlags, OpenTreeFlags,
};
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::path::{Path, PathBuf};

/// What a bind mount's destination must be created as when missing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Create {
    Dir,
    File,
}

/// One step of setting up the root filesystem, in order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Step {
    /// Nothing we mount propagates back to the host.
    MakeRootPrivate,
    Overlay {
        target: PathBuf,
        layers_dir: PathBuf,
        lower: Vec<PathBuf>,
        upper: PathBuf,
        work: PathBuf,
    },
    /// A read-only overlay of absolute lower directories (top first), for reading a container's
    /// files outside of it (export).
    ReadOnlyOverlay {
        target: PathBuf,
        lower: Vec<PathBuf>,
    },
    /// Refuse to start when an image path that we mount over is a symlink.
    RequireDirectory {
        dest: String,
    },
    RefuseSymlink {
        dest: String,
    },
    /// A fresh filesystem (`proc`, `tmpfs`, `devpts`, `mqueue`, `sysfs`) at `dest` inside the root.
    Fs {
        fstype: &'static str,
        dest: String,
        options: Vec<(String, String)>,
        attrs: u32,
        create: bool,
    },
    Bind {
        source: PathBuf,
        dest: String,
        readonly: bool,
        create: Create,
        attrs: u32,
    },
    Device {
        dest: String,
        kind: char,
        major: u32,
        minor: u32,
        mode: u32,
    },
    Symlink {
        target: String,
        dest: String,
    },
    /// The merged root becomes `/`; everything after this is relative to the new root.
    PivotRoot,
    /// Hide a path: /dev/null over files, an empty read-only tmpfs over directories.
    Mask {
        path: String,
    },
    /// Bind a path over itself read-only.
    ReadOnly {
        path: String,
    },
    /// `--read-only`: the root mount itself (not its submounts) becomes read-only.
    RootReadOnly,
    /// Make the mount at `path` read-only in place (not its submounts).
    SetReadOnly {
        path: String,
    },
    /// The container's own cgroups under /sys/fs/cgroup: expanded by [`cgroup_steps`] once the
    /// monitor has created them (it does so while the init mounts the rest).
    CgroupMounts,
}

const NOSUID: u32 = 0x2; // MOUNT_ATTR_NOSUID
const NODEV: u32 = 0x4; // MOUNT_ATTR_NODEV
const NOEXEC: u32 = 0x8; // MOUNT_ATTR_NOEXEC
const RDONLY: u32 = 0x1; // MOUNT_ATTR_RDONLY
const STRICTATIME: u32 = 0x20; // MOUNT_ATTR_STRICTATIME

/// The cgroup mounts: `binds` are (host cgroup dir, name under /sys/fs/cgroup) pairs of the
/// container's own cgroups, shown read-only inside (a tmpfs holding one bind per hierarchy; a
/// name of `""` binds the directory over /sys/fs/cgroup itself, for cgroup v2).
pub fn cgroup_steps(binds: &[(PathBuf, String)]) -> Vec<Step> {
    let mut s = Vec::new();
    if binds.is_empty() {
        return s;
    }
    s.push(Step::Fs {
        fstype: "tmpfs",
        dest: "/sys/fs/cgroup".into(),
        options: opts(&[("mode", "755")]),
        attrs: NOSUID | NOEXEC | NODEV,
        create: false,
    });
    for (host, sub) in binds {
        s.push(Step::Bind {
            source: host.clone(),
            dest: format!("/sys/fs/cgroup/{sub}"),
            readonly: true,
            create: Create::Dir,
            attrs: NOSUID | NOEXEC | NODEV,
        });
    }
    s.push(Step::SetReadOnly { path: "/sys/fs/cgroup".into() });
    s
}

fn opts(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

/// The plan for `spec`: Docker's default mounts, then the user's, then the /etc files, pivot, masks.
pub fn plan(spec: &Spec) -> Vec<Step> {
    let r = &spec.rootfs;
    let mut s = vec![
        Step::MakeRootPrivate,
        Step::Overlay {
            target: r.target.clone(),
            layers_dir: r.layers_dir.clone(),
            lower: r.lower.clone(),
            upper: r.upper.clone(),
            work: r.work.clone(),
        },
        Step::RequireDirectory { dest: "/proc".into() },
        Step::RequireDirectory { dest: "/dev".into() },
        Step::RequireDirectory { dest: "/sys".into() },
        Step::RefuseSymlink { dest: "/dev/null".into() },
        Step::Fs {
            fstype: "proc",
            dest: "/proc".into(),
            options: vec![],
            attrs: NOSUID | NOEXEC | NODEV,
            create: true,
        },
        Step::Fs {
            fstype: "tmpfs",
            dest: "/dev".into(),
            options: opts(&[("mode", "755"), ("size", "65536k")]),
            attrs: NOSUID | STRICTATIME,
            create: true,
        },
    ];
    for d in &spec.devices {
        s.push(Step::Device { dest: d.path.clone(), kind: d.kind, major: d.major, minor: d.minor, mode: d.mode });
    }
    for (target, dest) in [
        ("/proc/self/fd", "/dev/fd"),
        ("/proc/self/fd/0", "/dev/stdin"),
        ("/proc/self/fd/1", "/dev/stdout"),
        ("/proc/self/fd/2", "/dev/stderr"),
        ("pts/ptmx", "/dev/ptmx"),
    ] {
        s.push(Step::Symlink { target: target.into(), dest: dest.into() });
    }
    s.push(Step::Fs {
        fstype: "devpts",
        dest: "/dev/pts".into(),
        options: opts(&[("newinstance", ""), ("ptmxmode", "0666"), ("mode", "0620"), ("gid", "5")]),
        attrs: NOSUID | NOEXEC,
        create: true,
    });
    s.push(Step::Fs {
        fstype: "tmpfs",
        dest: "/dev/shm".into(),
        options: opts(&[("mode", "1777"), ("size", "65536k")]),
        attrs: NOSUID | NODEV | NOEXEC,
        create: true,
    });
    s.push(Step::Fs {
        fstype: "mqueue",
        dest: "/dev/mqueue".into(),
        options: vec![],
        attrs: NOSUID | NODEV | NOEXEC,
        create: true,
    });
    let sys_ro = if spec.privileged { 0 } else { RDONLY };
    s.push(Step::Fs {
        fstype: "sysfs",
        dest: "/sys".into(),
        options: vec![],
        attrs: NOSUID | NOEXEC | NODEV | sys_ro,
        create: true,
    });
    s.push(Step::CgroupMounts);
    for m in &spec.mounts {
        let mut attrs = 0;
        if m.nosuid {
            attrs |= NOSUID;
        }
        if m.nodev {
            attrs |= NODEV;
        }
        if m.noexec {
            attrs |= NOEXEC;
        }
        match m.kind {
            MountKind::Bind => s.push(Step::Bind {
                source: m.source.clone(),
                dest: m.destination.clone(),
                readonly: m.readonly,
                create: if m.source.is_dir() { Create::Dir } else { Create::File },
                attrs,
            }),
            MountKind::Tmpfs => s.push(Step::Fs {
                fstype: "tmpfs",
                dest: m.destination.clone(),
                options: m
                    .data
                    .split(',')
                    .filter(|o| !o.is_empty())
                    .map(|o| match o.split_once('=') {
                        Some((k, v)) => (k.to_string(), v.to_string()),
                        None => (o.to_string(), String::new()),
                    })
                    .collect(),
                attrs: attrs | if m.readonly { RDONLY } else { 0 },
                create: true,
            }),
        }
    }
    for (host, dest) in &spec.etc_files {
        s.push(Step::Bind {
            source: host.clone(),
            dest: dest.clone(),
            readonly: r.readonly,
            create: Create::File,
            attrs: 0,
        });
    }
    s.push(Step::PivotRoot);
    if !spec.privileged {
        for p in &spec.masked_paths {
            s.push(Step::Mask { path: p.clone() });
        }
        for p in &spec.readonly_paths {
            s.push(Step::ReadOnly { path: p.clone() });
        }
    }
    if r.readonly {
        s.push(Step::RootReadOnly);
    }
    s
}

/// Performs steps in the container's init (its own mount namespace, still root).
pub struct Executor {
    /// The merged root before the pivot; `/` after.
    root: Option<RootDir>,
    /// The container's /dev/null, checked once, for the masks.
    null: Option<OwnedFd>,
}

impl Executor {
    pub fn new() -> Executor {
        Executor { root: None, null: None }
    }

    fn root(&self) -> Result<&RootDir> {
        self.root.as_ref().ok_or_else(|| Error::internal("mount step before the root filesystem"))
    }

    pub fn apply(&mut self, step: &Step) -> Result<()> {
        match step {
            Step::MakeRootPrivate => rustix::mount::mount_change(
                "/",
                rustix::mount::MountPropagationFlags::REC | rustix::mount::MountPropagationFlags::PRIVATE,
            )
            .ctx("make / private"),
            Step::Overlay { target, layers_dir, lower, upper, work } => {
                let lower: Vec<PathBuf> = lower.iter().map(|l| layers_dir.join(l)).collect();
                let mnt = detached_overlay(&lower, Some((upper, work)))?;
                let t = rustix::fs::open(target, OFlags::PATH | OFlags::DIRECTORY | OFlags::CLOEXEC, Mode::empty())
                    .ctx(format_args!("open {}", target.display()))?;
                attach(&mnt, t.as_fd()).ctx("mount the root filesystem")?;
                self.root = Some(RootDir::open(target)?);
                Ok(())
            }
            Step::ReadOnlyOverlay { target, lower } => {
                let mnt = detached_overlay(lower, None)?;
                let t = rustix::fs::open(target, OFlags::PATH | OFlags::DIRECTORY | OFlags::CLOEXEC, Mode::empty())
                    .ctx(format_args!("open {}", target.display()))?;
                attach(&mnt, t.as_fd()).ctx("mount the read-only view")?;
                self.root = Some(RootDir::open(target)?);
                Ok(())
            }
            Step::RequireDirectory { dest } => {
                match self.root()?.open_in(rel(dest), OFlags::PATH | OFlags::NOFOLLOW, Mode::empty()) {
                    Ok(fd) => {
                        let st = rustix::fs::fstat(&fd).ctx(format_args!("stat {dest}"))?;
                        if rustix::fs::FileType::from_raw_mode(st.st_mode) != rustix::fs::FileType::Directory {
                            return Err(Error::invalid(format!(
                                "refusing to mount over {dest}: it must be an ordinary directory in the image, not a symbolic link or file"
                            )));
                        }
                        Ok(())
                    }
                    Err(rustix::io::Errno::NOENT) => Ok(()),
                    Err(e) => Err(Error::io(format_args!("open {dest}"), e)),
                }
            }
            Step::RefuseSymlink { dest } => {
                match self.root()?.open_in(rel(dest), OFlags::PATH | OFlags::NOFOLLOW, Mode::empty()) {
                    Ok(fd) => {
                        let st = rustix::fs::fstat(&fd).ctx(format_args!("stat {dest}"))?;
                        if rustix::fs::FileType::from_raw_mode(st.st_mode) == rustix::fs::FileType::Symlink {
                            return Err(Error::invalid(format!(
                                "refusing to start: {dest} in the image is a symbolic link"
                            )));
                        }
                        Ok(())
                    }
                    Err(_) => Ok(()),
                }
            }
            Step::Fs { fstype, dest, options, attrs, create } => {
                let fs = fsopen(*fstype, FsOpenFlags::FSOPEN_CLOEXEC).ctx(format_args!("fsopen {fstype}"))?;
                for (k, v) in options {
                    if v.is_empty() {
                        fsconfig_set_flag(&fs, k.as_str()).ctx(format_args!("{fstype} option {k}"))?;
                    } else {
                        fsconfig_set_string(&fs, k.as_str(), v.as_str())
                            .ctx(format_args!("{fstype} option {k}={v}"))?;
                    }
                }
                fsconfig_create(&fs).ctx(format_args!("create {fstype}"))?;
                let mnt = fsmount(&fs, FsMountFlags::FSMOUNT_CLOEXEC, MountAttrFlags::from_bits_retain(*attrs))
                    .ctx(format_args!("fsmount {fstype}"))?;
                let target = self.target(dest, if *create { Some(Create::Dir) } else { None })?;
                attach(&mnt, target.as_fd()).ctx(format_args!("mount {fstype} on {dest}"))
            }
            Step::Bind { source, dest, readonly, create, attrs } => {
                let tree = open_tree(
                    rustix::fs::CWD,
                    source,
                    OpenTreeFlags::OPEN_TREE_CLONE | OpenTreeFlags::OPEN_TREE_CLOEXEC | OpenTreeFlags::AT_RECURSIVE,
                )
                .ctx(format_args!("bind source {}", source.display()))?;
                let set = attrs | if *readonly { RDONLY } else { 0 };
                if set != 0 {
                    mount_setattr(tree.as_fd(), set, true).ctx(format_args!("set options of {dest}"))?;
                }
                let target = self.target(dest, Some(*create))?;
                attach(&tree, target.as_fd()).ctx(format_args!("bind {} on {dest}", source.display()))
            }
            Step::Device { dest, kind, major, minor, mode } => {
                let root = self.root()?;
                let (parent, name) = root.parent_of(rel(dest), true)?;
                let ft = if *kind == 'b' {
                    rustix::fs::FileType::BlockDevice
                } else {
                    rustix::fs::FileType::CharacterDevice
                };
                rustix::fs::mknodat(
                    &parent,
                    &name,
                    ft,
                    Mode::from_raw_mode(*mode),
                    rustix::fs::makedev(*major, *minor),
                )
                .ctx(format_args!("mknod {dest}"))?;
                // mknod honours the umask; the mode must be exact.
                rustix::fs::chmodat(&parent, &name, Mode::from_raw_mode(*mode), rustix::fs::AtFlags::empty())
                    .ctx(format_args!("chmod {dest}"))
            }
            Step::Symlink { target, dest } => {
                let (parent, name) = self.root()?.parent_of(rel(dest), true)?;
                match rustix::fs::symlinkat(target.as_str(), &parent, &name) {
                    Ok(()) | Err(rustix::io::Errno::EXIST) => Ok(()),
                    Err(e) => Err(Error::io(format_args!("symlink {dest}"), e)),
                }
            }
            Step::PivotRoot => {
                let root = self.root()?;
                rustix::process::fchdir(root.fd()).ctx("chdir to the new root")?;
                pivot_root_dot().ctx("pivot_root")?;
                rustix::mount::unmount(".", rustix::mount::UnmountFlags::DETACH).ctx("detach the old root")?;
                rustix::process::chdir("/").ctx("chdir /")?;
                self.root = Some(RootDir::open(Path::new("/"))?);
                Ok(())
            }
            Step::Mask { path } => {
                let root = self.root()?;
                let target = match root.open_in(rel(path), OFlags::PATH | OFlags::NOFOLLOW, Mode::empty()) {
                    Ok(fd) => fd,
                    Err(rustix::io::Errno::NOENT) => return Ok(()),
                    Err(e) => return Err(Error::io(format_args!("open {path}"), e)),
                };
                let st = rustix::fs::fstat(&target).ctx(format_args!("stat {path}"))?;
                if rustix::fs::FileType::from_raw_mode(st.st_mode) == rustix::fs::FileType::Directory {
                    let fs = fsopen("tmpfs", FsOpenFlags::FSOPEN_CLOEXEC).ctx("fsopen tmpfs")?;
                    fsconfig_set_string(&fs, "size", "0").ctx("tmpfs size")?;
                    fsconfig_create(&fs).ctx("create tmpfs")?;
                    let mnt = fsmount(&fs, FsMountFlags::FSMOUNT_CLOEXEC, MountAttrFlags::from_bits_retain(RDONLY))
                        .ctx("fsmount tmpfs")?;
                    attach(&mnt, target.as_fd()).ctx(format_args!("mask {path}"))
                } else {
                    if self.null.is_none() {
                        self.null = Some(self.dev_null()?);
                    }
                    let null = self.null.as_ref().expect("checked above");
                    let clone = open_tree(
                        null,
                        "",
                        OpenTreeFlags::OPEN_TREE_CLONE
                            | OpenTreeFlags::OPEN_TREE_CLOEXEC
                            | OpenTreeFlags::AT_EMPTY_PATH,
                    )
                    .ctx("clone /dev/null")?;
                    attach(&clone, target.as_fd()).ctx(format_args!("mask {path}"))
                }
            }
            Step::ReadOnly { path } => {
                let root = self.root()?;
                let target = match root.open_in(rel(path), OFlags::PATH | OFlags::NOFOLLOW, Mode::empty()) {
                    Ok(fd) => fd,
                    Err(rustix::io::Errno::NOENT) => return Ok(()),
                    Err(e) => return Err(Error::io(format_args!("open {path}"), e)),
                };
                let tree = open_tree(
                    &target,
                    "",
                    OpenTreeFlags::OPEN_TREE_CLONE
                        | OpenTreeFlags::OPEN_TREE_CLOEXEC
                        | OpenTreeFlags::AT_RECURSIVE
                        | OpenTreeFlags::AT_EMPTY_PATH,
                )
                .ctx(format_args!("clone {path}"))?;
                mount_setattr(tree.as_fd(), RDONLY | NOSUID | NODEV | NOEXEC, true)
                    .ctx(format_args!("read-only {path}"))?;
                attach(&tree, target.as_fd()).ctx(format_args!("read-only {path}"))
            }
            Step::SetReadOnly { path } => {
                let fd = self
                    .root()?
                    .open_in(rel(path), OFlags::PATH | OFlags::DIRECTORY, Mode::empty())
                    .ctx(format_args!("open {path}"))?;
                mount_setattr(fd.as_fd(), RDONLY, false).ctx(format_args!("make {path} read-only"))
            }
            Step::CgroupMounts => Err(Error::internal("cgroup mounts must be expanded by cgroup_steps")),
            Step::RootReadOnly => {
                let root = rustix::fs::open("/", OFlags::PATH | OFlags::DIRECTORY | OFlags::CLOEXEC, Mode::empty())
                    .ctx("open /")?;
                mount_setattr(root.as_fd(), RDONLY, false).ctx("make / read-only")
            }
        }
    }

    /// Open (creating if asked) a mount destination inside the root.
    fn target(&self, dest: &str, create: Option<Create>) -> Result<OwnedFd> {
        let root = self.root()?;
        match root.open_in(rel(dest), OFlags::PATH, Mode::empty()) {
            Ok(fd) => Ok(fd),
            Err(rustix::io::Errno::NOENT) if create.is_some() => match create {
                Some(Create::Dir) => root.mkdir_all(rel(dest), 0o755),
                _ => {
                    let (parent, name) = root.parent_of(rel(dest), true)?;
                    let f = rustix::fs::openat(
                        &parent,
                        &name,
                        OFlags::CREATE | OFlags::WRONLY | OFlags::NOFOLLOW | OFlags::CLOEXEC,
                        Mode::from_raw_mode(0o644),
                    )
                    .ctx(format_args!("create {dest}"))?;
                    drop(f);
                    root.open_in(rel(dest), OFlags::PATH, Mode::empty()).ctx(format_args!("open {dest}"))
                }
            },
            Err(e) => Err(Error::io(format_args!("mount destination {dest}"), e)),
        }
    }

    /// The container's own /dev/null, checked to be the real char device 1:3.
    fn dev_null(&self) -> Result<OwnedFd> {
        let root = self.root()?;
        let fd = root
            .open_in(Path::new("dev/null"), OFlags::PATH | OFlags::NOFOLLOW, Mode::empty())
            .ctx("open /dev/null")?;
        let st = rustix::fs::fstat(&fd).ctx("stat /dev/null")?;
        let is_null = rustix::fs::FileType::from_raw_mode(st.st_mode) == rustix::fs::FileType::CharacterDevice
            && rustix::fs::major(st.st_rdev) == 1
            && rustix::fs::minor(st.st_rdev) == 3;
        if !is_null {
            return Err(Error::invalid("refusing to mask paths: /dev/null is not the null device"));
        }
        open_tree(
            &fd,
            "",
            OpenTreeFlags::OPEN_TREE_CLONE | OpenTreeFlags::OPEN_TREE_CLOEXEC | OpenTreeFlags::AT_EMPTY_PATH,
        )
        .ctx("clone /dev/null")
    }
}

impl Default for Executor {
    fn default() -> Self {
        Self::new()
    }
}

fn rel(p: &str) -> &Path {
    Path::new(p.trim_start_matches('/'))
}

/// Attach a detached mount onto the directory or file that `target` refers to.
/// A new overlay mount that is attached nowhere: usable through the returned fd only (as a
/// [`RootDir`] with [`RootDir::from_fd`]), invisible in every mount table, and gone when the fd is
/// closed, so nothing can leak on the host. `lower` are absolute directories, top first; with
/// `upper_work` the overlay is writable, else read-only (which needs two lowers or more).
pub fn detached_overlay(lower: &[PathBuf], upper_work: Option<(&Path, &Path)>) -> Result<OwnedFd> {
    let fs = fsopen("overlay", FsOpenFlags::FSOPEN_CLOEXEC).ctx("fsopen overlay")?;
    for l in lower {
        // lowerdir+ (one layer per call) has no 4 KiB option-string limit.
        fsconfig_set_string(&fs, "lowerdir+", l).ctx(format_args!("overlay lowerdir {}", l.display()))?;
    }
    let attrs = match upper_work {
        Some((upper, work)) => {
            fsconfig_set_string(&fs, "upperdir", upper).ctx("overlay upperdir")?;
            fsconfig_set_string(&fs, "workdir", work).ctx("overlay workdir")?;
            MountAttrFlags::empty()
        }
        None => MountAttrFlags::from_bits_retain(RDONLY),
    };
    fsconfig_create(&fs).ctx("create overlay")?;
    fsmount(&fs, FsMountFlags::FSMOUNT_CLOEXEC, attrs).ctx("fsmount overlay")
}

fn attach(mnt: &OwnedFd, target: BorrowedFd<'_>) -> rustix::io::Result<()> {
    move_mount(mnt, "", target, "", MoveMountFlags::MOVE_MOUNT_F_EMPTY_PATH | MoveMountFlags::MOVE_MOUNT_T_EMPTY_PATH)
}

/// `mount_setattr(fd, "", AT_EMPTY_PATH [| AT_RECURSIVE], {attr_set})` (not wrapped by rustix).
fn mount_setattr(fd: BorrowedFd<'_>, attr_set: u32, recursive: bool) -> std::io::Result<()> {
    #[repr(C)]
    struct MountAttr {
        attr_set: u64,
        attr_clr: u64,
        propagation: u64,
        userns_fd: u64,
    }
    let attr = MountAttr { attr_set: attr_set as u64, attr_clr: 0, propagation: 0, userns_fd: 0 };
    let mut flags = libc::AT_EMPTY_PATH as libc::c_uint;
    if recursive {
        flags |= 0x8000; // AT_RECURSIVE
    }
    // SAFETY: valid fd, NUL-terminated empty path, a correctly sized struct.
    let r = unsafe {
        libc::syscall(
            libc::SYS_mount_setattr,
            std::os::fd::AsRawFd::as_raw_fd(&fd),
            c"".as_ptr(),
            flags,
            &attr as *const MountAttr,
            std::mem::size_of::<MountAttr>(),
        )
    };
    if r < 0 {
        Err(std::io::Error::last_os_error())
    } else {
        Ok(())
    }
}

fn pivot_root_dot() -> std::io::Result<()> {
    // SAFETY: two NUL-terminated paths.
    let r = unsafe { libc::syscall(libc::SYS_pivot_root, c".".as_ptr(), c".".as_ptr()) };
    if r < 0 {
        Err(std::io::Error::last_os_error())
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runtime::spec::{Device, Mount, Rootfs};

    fn spec() -> Spec {
        Spec {
            rootfs: Rootfs { target: "/s/rootfs".into(), readonly: true, ..Default::default() },
            devices: vec![Device { path: "/dev/null".into(), kind: 'c', major: 1, minor: 3, mode: 0o666 }],
            mounts: vec![Mount {
                kind: MountKind::Tmpfs,
                source: "".into(),
                destination: "/run".into(),
                readonly: false,
                data: "size=1m,mode=1777".into(),
                propagation: String::new(),
                nosuid: true,
                nodev: true,
                noexec: false,
            }],
            masked_paths: vec!["/proc/kcore".into()],
            readonly_paths: vec!["/proc/sys".into()],
            etc_files: vec![("/s/hostname".into(), "/etc/hostname".into())],
            ..Default::default()
        }
    }

    #[test]
    fn plan_orders_steps_like_docker() {
        let steps = plan(&spec());
        let pos = |f: &dyn Fn(&Step) -> bool| steps.iter().position(f).unwrap();
        let pivot = pos(&|s| *s == Step::PivotRoot);
        assert!(pos(&|s| matches!(s, Step::Overlay { .. })) < pos(&|s| matches!(s, Step::Fs { fstype: "proc", .. })));
        assert!(
            pos(&|s| matches!(s, Step::RequireDirectory { dest } if dest == "/proc"))
                < pos(&|s| matches!(s, Step::Fs { fstype: "proc", .. }))
        );
        assert!(
            pos(&|s| matches!(s, Step::Device { .. })) > pos(&|s| matches!(s, Step::Fs { dest, .. } if dest == "/dev"))
        );
        assert!(pos(&|s| matches!(s, Step::Bind { dest, .. } if dest == "/etc/hostname")) < pivot);
        assert!(pos(&|s| matches!(s, Step::Mask { .. })) > pivot);
        assert_eq!(steps.last(), Some(&Step::RootReadOnly));
        let tmpfs = steps.iter().find(|s| matches!(s, Step::Fs { dest, .. } if dest == "/run")).unwrap();
        assert!(
            matches!(tmpfs, Step::Fs { options, attrs, .. } if options.len() == 2 && attrs & NOSUID != 0 && attrs & NOEXEC == 0)
        );
        // /sys is read-only unless privileged.
        assert!(steps.iter().any(|s| matches!(s, Step::Fs { fstype: "sysfs", attrs, .. } if attrs & RDONLY != 0)));
    }

    #[test]
    fn privileged_skips_masks() {
        let mut s = spec();
        s.privileged = true;
        let steps = plan(&s);
        assert!(!steps.iter().any(|s| matches!(s, Step::Mask { .. } | Step::ReadOnly { .. })));
    }
}
