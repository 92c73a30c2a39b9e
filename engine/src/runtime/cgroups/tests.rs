//! Tests of the cgroup module. The pure ones (validation, device semantics, the eBPF program in
//! an interpreter) run anywhere; the others create real cgroups and need root. Each of those uses
//! its own id and destroys its cgroup even when it fails (`Guard`). Those that need a particular
//! host (cgroup v1, a cgroup2 mount) are `#[ignore]`d with what they need and assert it when run:
//! `scripts/test.sh` runs them on the test host, which has all of it.
//!
//! Children are forked from the (multi-threaded) test process, so they only make raw libc calls
//! on data prepared before the fork; each waits on a pipe until the parent has put it in the
//! cgroup.

use super::*;
use crate::error::ErrorKind;
use std::ffi::CString;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

// ---------- helpers ----------

fn unique(tag: &str) -> String {
    static N: AtomicUsize = AtomicUsize::new(0);
    format!("test-{tag}-{}-{}", std::process::id(), N.fetch_add(1, Ordering::Relaxed))
}

/// Destroys the cgroup when dropped, so that a failing test leaks nothing.
struct Guard(Cgroup);

impl Drop for Guard {
    fn drop(&mut self) {
        if let Err(e) = self.0.destroy() {
            eprintln!("cleanup of cgroup {}: {e}", self.0.id());
        }
    }
}

impl std::ops::Deref for Guard {
    type Target = Cgroup;
    fn deref(&self) -> &Cgroup {
        &self.0
    }
}

fn host() -> Hierarchy {
    Hierarchy::detect().expect("detecting cgroups")
}

/// The cgroup2 hierarchy: the host's on v2, the controller-less `unified` mount of a hybrid host.
fn unified() -> Option<Hierarchy> {
    let h = host();
    match h.version() {
        Version::V2 => Some(h),
        Version::V1 => h.cgroup2_mount().map(Hierarchy::v2_at),
    }
}

fn assert_no_leftovers(h: &Hierarchy, id: &str) {
    let left = h.leftovers().unwrap();
    assert!(!left.iter().any(|p| p.ends_with(id)), "leaked cgroup dirs for {id}: {left:?}");
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display())).trim().to_string()
}

/// A forked child that runs `body` once released, then `_exit`s with its result.
struct Child {
    pid: i32,
    go: Option<i32>,
    reaped: bool,
}

fn fork_child(body: impl FnOnce() -> i32) -> Child {
    let mut fds = [0i32; 2];
    // SAFETY: plain pipe2/fork; the child only uses libc calls and pre-allocated data.
    unsafe {
        assert_eq!(libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC), 0);
        let pid = libc::fork();
        assert!(pid >= 0, "fork failed");
        if pid == 0 {
            libc::close(fds[1]);
            let mut b = 0u8;
            if libc::read(fds[0], (&mut b as *mut u8).cast(), 1) != 1 {
                libc::_exit(120);
            }
            let code = body();
            libc::_exit(code);
        }
        libc::close(fds[0]);
        Child { pid, go: Some(fds[1]), reaped: false }
    }
}

impl Child {
    fn release(&mut self) {
        if let Some(fd) = self.go.take() {
            // SAFETY: our own pipe fd.
            unsafe {
                assert_eq!(libc::write(fd, b"x".as_ptr().cast(), 1), 1);
                libc::close(fd);
            }
        }
    }

    /// Wait for the child: `Ok(exit code)` or `Err(signal)`.
    fn wait(&mut self) -> Result<i32, i32> {
        let mut status = 0;
        // SAFETY: waiting for our own child.
        let r = unsafe { libc::waitpid(self.pid, &mut status, 0) };
        assert_eq!(r, self.pid, "waitpid");
        self.reaped = true;
        if libc::WIFSIGNALED(status) {
            Err(libc::WTERMSIG(status))
        } else {
            Ok(libc::WEXITSTATUS(status))
        }
    }
}

impl Drop for Child {
    fn drop(&mut self) {
        if let Some(fd) = self.go.take() {
            // SAFETY: our own fd.
            unsafe { libc::close(fd) };
        }
        if !self.reaped {
            // SAFETY: our own child.
            unsafe {
                libc::kill(self.pid, libc::SIGKILL);
                libc::waitpid(self.pid, std::ptr::null_mut(), 0);
            }
        }
    }
}

/// A page shared with forked children.
struct Shared(*mut AtomicU64);

impl Shared {
    fn new() -> Shared {
        // SAFETY: a fresh anonymous shared mapping, zeroed by the kernel.
        let p = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                4096,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_SHARED | libc::MAP_ANONYMOUS,
                -1,
                0,
            )
        };
        assert_ne!(p, libc::MAP_FAILED);
        Shared(p.cast())
    }
    fn get(&self) -> u64 {
        // SAFETY: the mapping lives as long as self.
        unsafe { (*self.0).load(Ordering::SeqCst) }
    }
}

impl Drop for Shared {
    fn drop(&mut self) {
        // SAFETY: our own mapping.
        unsafe { libc::munmap(self.0.cast(), 4096) };
    }
}

fn wait_for(what: &str, mut f: impl FnMut() -> bool) {
    let start = std::time::Instant::now();
    while !f() {
        assert!(start.elapsed() < Duration::from_secs(10), "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(5));
    }
}

const MIB: i64 = 1024 * 1024;

// ---------- pure ----------

#[test]
fn mountinfo_parsing_finds_controllers_comounts_and_unified() {
    let text = "\
31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid - cgroup cgroup rw,cpu,cpuacct
35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
36 31 0:33 / /sys/fs/cgroup/my\\040devices rw shared:5 - cgroup cgroup rw,devices,clone_children
40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,xattr,name=systemd
41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw,nsdelegate
50 23 0:32 /sub /mnt/memory-again rw - cgroup cgroup rw,memory
";
    let (v1, v2) = parse_mountinfo(text);
    assert_eq!(v1.get("cpu").unwrap(), Path::new("/sys/fs/cgroup/cpu,cpuacct"));
    assert_eq!(v1.get("cpuacct").unwrap(), Path::new("/sys/fs/cgroup/cpu,cpuacct"));
    assert_eq!(v1.get("memory").unwrap(), Path::new("/sys/fs/cgroup/memory"));
    assert_eq!(v1.get("devices").unwrap(), Path::new("/sys/fs/cgroup/my devices"));
    assert!(!v1.contains_key("name=systemd") && !v1.contains_key("xattr"));
    assert_eq!(v1.len(), 4);
    assert_eq!(v2.unwrap(), Path::new("/sys/fs/cgroup/unified"));
}

#[test]
fn this_host_is_detected() {
    let h = host();
    if h.version() == Version::V1 {
        assert!(h.v1_mount("memory").is_some(), "{h:?}");
    } else {
        assert!(h.cgroup2_mount().is_some());
    }
}

fn invalid(res: &Resources) -> String {
    let e = res.validate_with_cpus(2).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidArgument);
    e.message().to_string()
}

#[test]
fn validation_uses_dockers_messages() {
    let ok = Resources { memory: 6 * MIB, ..Default::default() };
    assert!(ok.validate_with_cpus(2).unwrap().is_empty());
    assert_eq!(
        invalid(&Resources { memory: 6 * MIB - 1, ..Default::default() }),
        "Minimum memory limit allowed is 6MB"
    );
    assert_eq!(
        invalid(&Resources { memory: 64 * MIB, memory_swap: 32 * MIB, ..Default::default() }),
        "Minimum memoryswap limit should be larger than memory limit, see usage"
    );
    assert_eq!(
        invalid(&Resources { memory: 64 * MIB, memory_swap: -5, ..Default::default() }),
        "Minimum memoryswap limit should be larger than memory limit, see usage"
    );
    for swap in [-1, 0, 64 * MIB, 128 * MIB] {
        Resources { memory: 64 * MIB, memory_swap: swap, ..Default::default() }.validate_with_cpus(2).unwrap();
    }
    assert_eq!(
        invalid(&Resources { memory_swap: 64 * MIB, ..Default::default() }),
        "You should always set the Memory limit when using Memoryswap limit, see usage"
    );
    assert_eq!(
        invalid(&Resources { memory_reservation: MIB, ..Default::default() }),
        "Minimum memory reservation allowed is 6MB"
    );
    assert_eq!(
        invalid(&Resources { memory: 8 * MIB, memory_reservation: 16 * MIB, ..Default::default() }),
        "Minimum memory limit can not be less than memory reservation limit, see usage"
    );
    assert_eq!(
        invalid(&Resources { nano_cpus: 1_000_000_000, cpu_period: 100_000, ..Default::default() }),
        "Conflicting options: Nano CPUs and CPU Period cannot both be set"
    );
    assert_eq!(
        invalid(&Resources { nano_cpus: 1_000_000_000, cpu_quota: 50_000, ..Default::default() }),
        "Conflicting options: Nano CPUs and CPU Quota cannot both be set"
    );
    assert_eq!(
        invalid(&Resources { nano_cpus: 3_000_000_000, ..Default::default() }),
        "Range of CPUs is from 0.01 to 2.00, as there are only 2 CPUs available"
    );
    assert_eq!(
        invalid(&Resources { nano_cpus: -1, ..Default::default() }),
        "Range of CPUs is from 0.01 to 2.00, as there are only 2 CPUs available"
    );
    Resources { nano_cpus: 2_000_000_000, ..Default::default() }.validate_with_cpus(2).unwrap();
    assert_eq!(
        invalid(&Resources { cpu_period: 999, ..Default::default() }),
        "CPU cfs period can not be less than 1ms (i.e. 1000) or larger than 1s (i.e. 1000000)"
    );
    assert_eq!(
        invalid(&Resources { cpu_quota: 999, ..Default::default() }),
        "CPU cfs quota can not be less than 1ms (i.e. 1000)"
    );
    assert_eq!(
        invalid(&Resources { device_cgroup_rules: vec!["c 1:3".into()], ..Default::default() }),
        "invalid device cgroup rule format: 'c 1:3'"
    );
    // Warnings, not errors.
    let w = Resources { cpu_shares: 1, ..Default::default() }.validate_with_cpus(2).unwrap();
    assert_eq!(w, ["Changing requested CPUShares of 1 to minimum allowed of 2"]);
    let w = Resources { cpu_shares: 300_000, ..Default::default() }.validate_with_cpus(2).unwrap();
    assert_eq!(w, ["Changing requested CPUShares of 300000 to maximum allowed of 262144"]);
    // pids ≤ 0 is unlimited.
    for n in [-1, 0] {
        let r = Resources { pids_limit: Some(n), ..Default::default() };
        r.validate_with_cpus(2).unwrap();
        assert_eq!(r.effective_pids_limit(), None);
    }
}

#[test]
fn resources_use_the_engine_api_names() {
    let r: Resources = serde_json::from_str(
        r#"{"Memory":67108864,"MemorySwap":-1,"MemoryReservation":0,"CpuShares":512,
            "NanoCpus":1500000000,"CpuQuota":0,"CpuPeriod":0,"PidsLimit":null,
            "Devices":null,"DeviceCgroupRules":["c 1:3 mr"],"Privileged":true,"Other":1}"#,
    )
    .unwrap();
    assert_eq!(r.memory, 64 * MIB);
    assert_eq!(r.memory_swap, -1);
    assert_eq!(r.cpu_shares, 512);
    assert_eq!(r.nano_cpus, 1_500_000_000);
    assert_eq!(r.pids_limit, None);
    assert!(r.devices.is_empty());
    assert!(!r.privileged, "Privileged is HostConfig's, not Resources'");
    let v = serde_json::to_value(&r).unwrap();
    for k in [
        "Memory",
        "MemorySwap",
        "MemoryReservation",
        "CpuShares",
        "NanoCpus",
        "CpuQuota",
        "CpuPeriod",
        "PidsLimit",
        "Devices",
        "DeviceCgroupRules",
    ] {
        assert!(v.get(k).is_some(), "{k} missing from {v}");
    }
    assert!(v.get("Privileged").is_none());
    let d: DeviceMapping =
        serde_json::from_str(r#"{"PathOnHost":"/dev/sda","PathInContainer":"/dev/xvda","CgroupPermissions":"rwm"}"#)
            .unwrap();
    assert_eq!(d.path_in_container, "/dev/xvda");
}

#[test]
fn device_rules_parse_and_print() {
    let r = DeviceRule::parse("c 1:3 mr").unwrap();
    assert_eq!(r, DeviceRule::allow(DeviceType::Char, Some(1), Some(3), Access::from_bits(3)));
    assert_eq!(r.to_string(), "c 1:3 rm");
    assert_eq!(DeviceRule::parse("b *:* m").unwrap().to_string(), "b *:* m");
    assert_eq!(DeviceRule::parse("a 7:1 rwm").unwrap().kind, DeviceType::All);
    for bad in [
        "c 1:3",
        "x 1:3 r",
        "c 1:3 rx",
        "c 1 r",
        "c a:3 r",
        "c 1:3 rwmr",
        "c  1:3 r",
        "c 1:3 r ",
        "c 99999999999:1 r",
        "c 2147483648:1 r",
    ] {
        let e = DeviceRule::parse(bad).unwrap_err();
        assert_eq!(e.message(), format!("invalid device cgroup rule format: '{bad}'"));
    }
}

fn default_policy() -> DevicePolicy {
    devices::policy_for(&Resources::default()).unwrap()
}

#[test]
fn the_default_allow_list_is_dockers() {
    let p = default_policy();
    assert!(!p.default_allow);
    assert_eq!(
        p.v1_list(),
        [
            "c 1:5 rwm",
            "c 1:3 rwm",
            "c 1:9 rwm",
            "c 1:8 rwm",
            "c 5:0 rwm",
            "c 5:1 rwm",
            "c *:* m",
            "b *:* m",
            "c 1:7 rwm",
            "c 136:* rwm",
            "c 5:2 rwm",
            "c 10:200 rwm",
        ]
    );
    use DeviceType::{Block as B, Char as C};
    let rw = Access::from_bits(6);
    for (maj, min) in [(1, 3), (1, 5), (1, 7), (1, 8), (1, 9), (5, 0), (5, 1), (5, 2), (136, 0), (136, 7), (10, 200)] {
        assert!(p.allows(C, maj, min, rw), "c {maj}:{min}");
    }
    // mknod of anything, opening only the list.
    assert!(p.allows(C, 1, 1, Access::MKNOD));
    assert!(!p.allows(C, 1, 1, Access::READ));
    assert!(p.allows(B, 8, 0, Access::MKNOD));
    assert!(!p.allows(B, 8, 0, Access::READ));
    assert!(p.allows(C, 10, 229, Access::MKNOD));
    assert!(!p.allows(C, 10, 229, rw));
    assert!(p.allows(C, 1, 3, Access::ALL));
    // Privileged: everything.
    let p = devices::policy_for(&Resources { privileged: true, ..Default::default() }).unwrap();
    assert!(p.allows_everything());
    assert_eq!(p.v1_list(), ["a *:* rwm"]);
    assert_eq!(p.v1_writes(), [("devices.allow", "a".to_string())]);
    // Extra rules come after the defaults.
    let p = devices::policy_for(&Resources {
        device_cgroup_rules: vec!["c 10:229 rwm".into(), "b 8:* r".into()],
        ..Default::default()
    })
    .unwrap();
    assert!(p.allows(C, 10, 229, rw));
    assert!(p.allows(B, 8, 3, Access::READ));
    assert!(!p.allows(B, 8, 3, Access::WRITE));
}

#[test]
fn device_mappings_allow_their_node() {
    let p = devices::policy_for(&Resources {
        devices: vec![DeviceMapping {
            path_on_host: "/dev/full".into(),
            path_in_container: "/dev/x".into(),
            cgroup_permissions: "r".into(),
        }],
        ..Default::default()
    })
    .unwrap();
    // /dev/full is 1:7: already rwm by runc's list; the mapping's rule is merged into it.
    assert!(p.allows(DeviceType::Char, 1, 7, Access::READ));
    let e = devices::policy_for(&Resources {
        devices: vec![DeviceMapping { path_on_host: "/etc/hostname".into(), ..Default::default() }],
        ..Default::default()
    })
    .unwrap_err();
    assert!(e.message().contains("not a device node"), "{e}");
    let e = devices::policy_for(&Resources {
        devices: vec![DeviceMapping { path_on_host: "/dev/nonexistent-x".into(), ..Default::default() }],
        ..Default::default()
    })
    .unwrap_err();
    assert!(e.message().starts_with("error gathering device information"), "{e}");
}

#[test]
fn rules_fold_like_the_v1_kernel() {
    use DeviceType::Char as C;
    let a = |s: &str| Access::parse(s).unwrap();
    let p = DevicePolicy::from_rules(&[
        DeviceRule::deny(DeviceType::All, None, None, Access::ALL),
        DeviceRule::allow(C, Some(1), Some(3), a("r")),
        DeviceRule::allow(C, Some(1), Some(3), a("w")), // merged: rw
        DeviceRule::allow(C, Some(4), None, a("rwm")),
        DeviceRule::deny(C, Some(4), None, a("w")),      // partial removal: rm
        DeviceRule::deny(C, Some(4), Some(1), a("rwm")), // no identical exception: no effect
        DeviceRule::allow(C, Some(9), Some(9), a("r")),
        DeviceRule::deny(C, Some(9), Some(9), a("r")), // removed entirely
    ]);
    assert_eq!(p.v1_list(), ["c 1:3 rw", "c 4:* rm"]);
    assert!(p.allows(C, 4, 1, a("r")));
    assert!(!p.allows(C, 4, 1, a("rw")));
    // An `a` rule resets everything before it.
    let p = DevicePolicy::from_rules(&[
        DeviceRule::allow(C, Some(1), Some(3), a("r")),
        DeviceRule::allow(DeviceType::All, None, None, Access::ALL),
        DeviceRule::deny(C, Some(1), Some(1), a("r")),
    ]);
    assert!(p.default_allow);
    assert_eq!(p.v1_writes(), [("devices.allow", "a".into()), ("devices.deny", "c 1:1 r".into())]);
    assert!(!p.allows(C, 1, 1, a("rw")), "allow default: any shared bit denies");
    assert!(p.allows(C, 1, 1, a("w")));
    assert!(p.allows(C, 1, 2, a("r")));
}

#[test]
fn the_bpf_program_answers_as_the_policy() {
    use DeviceType::{Block as B, Char as C};
    let a = |s: &str| Access::parse(s).unwrap();
    let policies = vec![
        default_policy(),
        devices::policy_for(&Resources { privileged: true, ..Default::default() }).unwrap(),
        DevicePolicy::from_rules(&[
            DeviceRule::allow(DeviceType::All, None, None, Access::ALL),
            DeviceRule::deny(C, Some(1), Some(1), a("rw")),
            DeviceRule::deny(B, Some(8), None, a("w")),
            DeviceRule::deny(C, None, Some(5), a("m")),
        ]),
        DevicePolicy::from_rules(&[
            DeviceRule::deny(DeviceType::All, None, None, Access::ALL),
            DeviceRule::allow(B, None, Some(0), a("r")),
            DeviceRule::allow(C, Some(4), None, a("wm")),
        ]),
    ];
    let mut checked = 0;
    for p in &policies {
        let prog = bpf::device_program(p);
        for (kind, ty) in [(B, 1u32), (C, 2u32)] {
            for major in [0, 1, 4, 5, 8, 10, 136, 4095] {
                for minor in [0, 1, 2, 3, 5, 7, 8, 9, 200, 229, 1 << 19] {
                    for bits in 0..8u8 {
                        let ctx = (u32::from(bits) << 16) | ty;
                        let got = bpf::interpret(&prog, ctx, major, minor);
                        let want = p.allows(kind, major, minor, Access::from_bits(bits));
                        assert_eq!(got == 1, want, "{p:?} {kind:?} {major}:{minor} {bits}");
                        checked += 1;
                    }
                }
            }
        }
    }
    assert!(checked > 1000);
}

#[test]
fn limits_become_these_files() {
    let res = Resources {
        memory: 64 * MIB,
        memory_reservation: 32 * MIB,
        cpu_shares: 512,
        cpu_quota: 50_000,
        cpu_period: 100_000,
        pids_limit: Some(10),
        ..Default::default()
    };
    let files = |w: Vec<v1::LimitWrite>| -> Vec<(String, String)> {
        w.into_iter().map(|w| (w.file.to_string(), w.value)).collect()
    };
    let s = |a: &str, b: &str| (a.to_string(), b.to_string());
    assert_eq!(
        files(v1::limit_writes(&res)),
        [
            s("memory.limit_in_bytes", "67108864"),
            s("memory.memsw.limit_in_bytes", "134217728"), // MemorySwap 0 → 2 × Memory
            s("memory.soft_limit_in_bytes", "33554432"),
            s("cpu.shares", "512"),
            s("cpu.cfs_period_us", "100000"),
            s("cpu.cfs_quota_us", "50000"),
            s("pids.max", "10"),
        ]
    );
    assert_eq!(
        files(v2::limit_writes(&res)),
        [
            s("memory.max", "67108864"),
            s("memory.swap.max", "67108864"),
            s("memory.low", "33554432"),
            s("cpu.weight", &v2::cpu_shares_to_weight(512).to_string()),
            s("cpu.max", "50000 100000"),
            s("pids.max", "10"),
        ]
    );
    let res = Resources { memory: 64 * MIB, memory_swap: -1, nano_cpus: 1_500_000_000, ..Default::default() };
    assert_eq!(
        files(v1::limit_writes(&res)),
        [
            s("memory.limit_in_bytes", "67108864"),
            s("memory.memsw.limit_in_bytes", "-1"),
            s("cpu.cfs_period_us", "100000"),
            s("cpu.cfs_quota_us", "150000"),
        ]
    );
    assert_eq!(
        files(v2::limit_writes(&res)),
        [s("memory.max", "67108864"), s("memory.swap.max", "max"), s("cpu.max", "150000 100000")]
    );
    let res = Resources { cpu_period: 50_000, ..Default::default() };
    assert_eq!(files(v2::limit_writes(&res)), [s("cpu.max", "max 50000")]);
    assert!(v1::limit_writes(&Resources::default()).is_empty());
    assert!(v2::limit_writes(&Resources::default()).is_empty());
}

#[test]
fn cpu_shares_convert_to_weight_as_runc() {
    assert_eq!(v2::cpu_shares_to_weight(0), 0);
    assert_eq!(v2::cpu_shares_to_weight(2), 1);
    assert_eq!(v2::cpu_shares_to_weight(1), 1);
    assert_eq!(v2::cpu_shares_to_weight(3), 2);
    assert_eq!(v2::cpu_shares_to_weight(262_143), 10_000);
    assert_eq!(v2::cpu_shares_to_weight(1024), 100);
    assert_eq!(v2::cpu_shares_to_weight(262_144), 10_000);
    let mut last = 0;
    for s in (2..262_144).step_by(997) {
        let w = v2::cpu_shares_to_weight(s);
        assert!((1..=10_000).contains(&w) && w >= last, "{s} → {w}");
        last = w;
    }
}

#[test]
fn bad_ids_are_refused() {
    let long = "x".repeat(129);
    for id in ["", ".", "..", "a/b", "../x", "a b", long.as_str()] {
        let e = Cgroup::create_in(&host(), id, &Resources::default()).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidArgument, "{id:?}");
    }
}

// ---------- real cgroups (root) ----------

#[test]
#[ignore = "needs a cgroup v1 host"]
fn v1_create_writes_every_limit_and_destroy_removes_it() {
    let h = host();
    assert_eq!(h.version(), Version::V1, "this test needs a cgroup v1 host");
    let id = unique("limits");
    let res = Resources {
        memory: 64 * MIB,
        memory_swap: 128 * MIB,
        memory_reservation: 32 * MIB,
        cpu_shares: 512,
        cpu_quota: 50_000,
        cpu_period: 100_000,
        pids_limit: Some(10),
        ..Default::default()
    };
    let cg = Guard(Cgroup::create_in(&h, &id, &res).unwrap());
    assert_eq!(cg.version(), Version::V1);
    let at = |ctrl: &str, file: &str| read(&cg.path(ctrl).unwrap().join(file));
    assert_eq!(at("memory", "memory.limit_in_bytes"), "67108864");
    assert_eq!(at("memory", "memory.memsw.limit_in_bytes"), "134217728");
    assert_eq!(at("memory", "memory.soft_limit_in_bytes"), "33554432");
    assert_eq!(at("cpu", "cpu.shares"), "512");
    assert_eq!(at("cpu", "cpu.cfs_quota_us"), "50000");
    assert_eq!(at("cpu", "cpu.cfs_period_us"), "100000");
    assert_eq!(at("pids", "pids.max"), "10");
    let list: Vec<String> = at("devices", "devices.list").lines().map(str::to_string).collect();
    assert_eq!(list, default_policy().v1_list());
    assert_eq!(at("freezer", "freezer.state"), "THAWED");
    for p in cg.paths() {
        assert!(p.ends_with(Path::new(PARENT).join(&id)), "{}", p.display());
        assert!(p.is_dir());
    }
    assert!(h.leftovers().unwrap().iter().any(|p| p.ends_with(&id)));

    // A second create of the same id conflicts and leaves the first intact.
    let e = Cgroup::create_in(&h, &id, &res).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Conflict, "{e}");
    assert!(cg.paths().iter().all(|p| p.is_dir()));

    // open() finds it; destroy() removes every directory and is idempotent.
    let opened = Cgroup::open_in(&h, &id).unwrap();
    assert_eq!(opened.paths(), cg.paths());
    opened.destroy().unwrap();
    assert!(cg.paths().iter().all(|p| !p.exists()));
    opened.destroy().unwrap();
    assert_no_leftovers(&h, &id);
    assert_eq!(Cgroup::open_in(&h, &id).unwrap_err().kind(), ErrorKind::NotFound);
    // The shared parents stay.
    assert!(h.v1_mount("memory").unwrap().join(PARENT).is_dir());
}

#[test]
fn nano_cpus_become_quota_and_period() {
    let h = host();
    let id = unique("nanocpus");
    let res = Resources { nano_cpus: 1_500_000_000, cpu_shares: 1, ..Default::default() };
    let cg = Guard(Cgroup::create_in(&h, &id, &res).unwrap());
    let dir = cg.path("cpu").unwrap();
    match h.version() {
        Version::V1 => {
            assert_eq!(read(&dir.join("cpu.cfs_quota_us")), "150000");
            assert_eq!(read(&dir.join("cpu.cfs_period_us")), "100000");
            assert_eq!(read(&dir.join("cpu.shares")), "2", "shares clamped to the minimum");
        }
        Version::V2 => {
            assert_eq!(read(&dir.join("cpu.max")), "150000 100000");
            assert_eq!(read(&dir.join("cpu.weight")), "1");
        }
    }
    drop(cg);
    assert_no_leftovers(&h, &id);
}

#[test]
fn memory_limit_is_enforced_by_the_oom_killer() {
    let h = host();
    let id = unique("oom");
    let cg = Guard(Cgroup::create_in(&h, &id, &Resources { memory: 16 * MIB, ..Default::default() }).unwrap());
    assert!(!cg.oom_killed().unwrap());
    let mut child = fork_child(|| unsafe {
        let len = 64 << 20;
        let p = libc::mmap(
            std::ptr::null_mut(),
            len,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
            -1,
            0,
        );
        if p == libc::MAP_FAILED {
            return 2;
        }
        let mut off = 0;
        while off < len {
            std::ptr::write_volatile((p as *mut u8).add(off), 1);
            off += 4096;
        }
        0
    });
    cg.add_process(child.pid).unwrap();
    assert_eq!(cg.pids().unwrap(), [child.pid]);
    child.release();
    assert_eq!(child.wait(), Err(libc::SIGKILL), "the child touching 64 MiB must be OOM-killed");
    assert!(cg.oom_killed().unwrap());
    let s = cg.stats().unwrap();
    if h.version() == Version::V1 {
        assert!(s.memory_stats.failcnt.unwrap() > 0, "{s:?}");
        assert!(s.memory_stats.max_usage.unwrap() <= 16 * MIB as u64, "{s:?}");
    }
    drop(cg);
    assert_no_leftovers(&h, &id);
}

#[test]
fn pids_limit_makes_fork_fail_with_eagain() {
    let h = host();
    let id = unique("pids");
    let cg = Guard(Cgroup::create_in(&h, &id, &Resources { pids_limit: Some(4), ..Default::default() }).unwrap());
    // Forks until fork fails; exits with the number of successful forks when the failure is EAGAIN.
    let mut child = fork_child(|| unsafe {
        let mut kids = [0i32; 16];
        let mut n = 0;
        let mut result = 100;
        while n < kids.len() {
            let p = libc::fork();
            if p == 0 {
                libc::pause();
                libc::_exit(0);
            }
            if p < 0 {
                result = if *libc::__errno_location() == libc::EAGAIN { n as i32 } else { 101 };
                break;
            }
            kids[n] = p;
            n += 1;
        }
        for &k in &kids[..n] {
            libc::kill(k, libc::SIGKILL);
            libc::waitpid(k, std::ptr::null_mut(), 0);
        }
        result
    });
    cg.add_process(child.pid).unwrap();
    child.release();
    // The child itself counts: 3 more processes fit under pids.max = 4.
    assert_eq!(child.wait(), Ok(3));
    drop(cg);
    assert_no_leftovers(&h, &id);
}

/// mknod is allowed for any device (`c *:* m`, `b *:* m`) but only listed devices open: a node
/// for /dev/mem (c 1:1) or sda (b 8:0) gives EPERM, one for /dev/null (c 1:3) works, as does
/// /dev/null itself. Exit code 0 = all as expected.
fn device_probe(dir: &Path) -> impl FnOnce() -> i32 {
    let path = |n: &str| CString::new(dir.join(n).to_str().unwrap()).unwrap();
    let (null, mem, sda, fuse) = (path("null"), path("mem"), path("sda"), path("fuse"));
    move || unsafe {
        let mode = 0o600;
        if libc::mknod(null.as_ptr(), libc::S_IFCHR | mode, libc::makedev(1, 3)) != 0 {
            return 10;
        }
        if libc::mknod(mem.as_ptr(), libc::S_IFCHR | mode, libc::makedev(1, 1)) != 0 {
            return 11;
        }
        if libc::mknod(sda.as_ptr(), libc::S_IFBLK | mode, libc::makedev(8, 0)) != 0 {
            return 12;
        }
        if libc::mknod(fuse.as_ptr(), libc::S_IFCHR | mode, libc::makedev(10, 229)) != 0 {
            return 13;
        }
        let fd = libc::open(null.as_ptr(), libc::O_RDWR);
        if fd < 0 {
            return 20;
        }
        libc::close(fd);
        let fd = libc::open(c"/dev/null".as_ptr(), libc::O_RDWR);
        if fd < 0 {
            return 21;
        }
        libc::close(fd);
        for (i, p) in [&mem, &sda, &fuse].into_iter().enumerate() {
            let fd = libc::open(p.as_ptr(), libc::O_RDONLY);
            if fd >= 0 {
                return 30 + i as i32;
            }
            if *libc::__errno_location() != libc::EPERM {
                return 40 + i as i32;
            }
        }
        0
    }
}

fn check_device_allow_list(h: &Hierarchy, tag: &str) {
    let id = unique(tag);
    let cg = Guard(Cgroup::create_in(h, &id, &Resources::default()).unwrap());
    let tmp = tempfile::tempdir().unwrap();
    let mut child = fork_child(device_probe(tmp.path()));
    cg.add_process(child.pid).unwrap();
    child.release();
    assert_eq!(child.wait(), Ok(0), "see device_probe for the meaning of the code");
    // The same nodes open outside the cgroup: the refusals above are the cgroup's.
    let mut outside = fork_child(|| unsafe {
        let fd = libc::open(c"/dev/full".as_ptr(), libc::O_RDONLY);
        if fd < 0 {
            1
        } else {
            0
        }
    });
    outside.release();
    assert_eq!(outside.wait(), Ok(0));
    drop(cg);
    assert_no_leftovers(h, &id);
}

#[test]
fn device_allow_list_is_enforced() {
    check_device_allow_list(&host(), "devices");
}

#[test]
fn privileged_allows_every_device() {
    let h = host();
    let id = unique("privileged");
    let cg = Guard(Cgroup::create_in(&h, &id, &Resources { privileged: true, ..Default::default() }).unwrap());
    if h.version() == Version::V1 {
        assert_eq!(read(&cg.path("devices").unwrap().join("devices.list")), "a *:* rwm");
    }
    let tmp = tempfile::tempdir().unwrap();
    let node = CString::new(tmp.path().join("full").to_str().unwrap()).unwrap();
    let mut child = fork_child(move || unsafe {
        if libc::mknod(node.as_ptr(), libc::S_IFCHR | 0o600, libc::makedev(1, 7)) != 0 {
            return 1;
        }
        let fd = libc::open(node.as_ptr(), libc::O_RDONLY);
        if fd < 0 {
            2
        } else {
            0
        }
    });
    cg.add_process(child.pid).unwrap();
    child.release();
    assert_eq!(child.wait(), Ok(0));
    drop(cg);
    assert_no_leftovers(&h, &id);
}

/// A child that counts in shared memory every millisecond.
fn counting_child(counter: &Shared) -> Child {
    let c = counter.0 as usize;
    fork_child(move || unsafe {
        let c = c as *mut AtomicU64;
        loop {
            (*c).fetch_add(1, Ordering::SeqCst);
            let ts = libc::timespec { tv_sec: 0, tv_nsec: 1_000_000 };
            libc::nanosleep(&ts, std::ptr::null_mut());
        }
    })
}

fn check_freeze_thaw(h: &Hierarchy, tag: &str) {
    let id = unique(tag);
    let cg = Guard(Cgroup::create_in(h, &id, &Resources::default()).unwrap());
    let counter = Shared::new();
    let mut child = counting_child(&counter);
    cg.add_process(child.pid).unwrap();
    child.release();
    wait_for("the child to count", || counter.get() > 3);
    assert!(!cg.is_frozen().unwrap());

    cg.freeze().unwrap();
    assert!(cg.is_frozen().unwrap());
    let frozen_at = counter.get();
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(counter.get(), frozen_at, "a frozen child does not run");
    cg.freeze().unwrap(); // freezing twice is fine

    cg.thaw().unwrap();
    assert!(!cg.is_frozen().unwrap());
    wait_for("the thawed child to count again", || counter.get() > frozen_at + 3);

    // Destroying a frozen cgroup kills its processes too.
    cg.freeze().unwrap();
    assert_eq!(cg.pids().unwrap(), [child.pid]);
    cg.destroy().unwrap();
    assert_eq!(child.wait(), Err(libc::SIGKILL));
    assert!(cg.paths().iter().all(|p| !p.exists()));
    drop(cg);
    assert_no_leftovers(h, &id);
}

#[test]
fn freeze_and_thaw_a_running_child() {
    check_freeze_thaw(&host(), "freeze");
}

#[test]
fn destroy_kills_every_process_and_nested_cgroups() {
    let h = host();
    let id = unique("destroy");
    let cg = Guard(Cgroup::create_in(&h, &id, &Resources::default()).unwrap());
    let counter = Shared::new();
    let mut a = counting_child(&counter);
    let mut b = counting_child(&counter);
    cg.add_process(a.pid).unwrap();
    cg.add_process(b.pid).unwrap();
    a.release();
    b.release();
    // A sub-cgroup made by someone inside (v1: in the pids hierarchy), with b moved into it.
    let sub = cg.path("pids").unwrap().join("inner");
    std::fs::create_dir(&sub).unwrap();
    std::fs::write(sub.join("cgroup.procs"), b.pid.to_string()).unwrap();
    let mut pids = vec![a.pid, b.pid];
    pids.sort();
    assert_eq!(cg.pids().unwrap(), pids);
    cg.destroy().unwrap();
    assert_eq!(a.wait(), Err(libc::SIGKILL));
    assert_eq!(b.wait(), Err(libc::SIGKILL));
    assert!(!sub.exists());
    cg.destroy().unwrap();
    drop(cg);
    assert_no_leftovers(&h, &id);
}

#[test]
fn stats_are_sane() {
    let h = host();
    let id = unique("stats");
    let res = Resources { memory: 64 * MIB, pids_limit: Some(10), ..Default::default() };
    let cg = Guard(Cgroup::create_in(&h, &id, &res).unwrap());
    let ready = Shared::new();
    let r = ready.0 as usize;
    let mut child = fork_child(move || unsafe {
        // Burn ~50 ms of CPU, touch 8 MiB, say ready, sleep.
        let mut t0: libc::timespec = std::mem::zeroed();
        let mut t1: libc::timespec = std::mem::zeroed();
        libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut t0);
        loop {
            libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut t1);
            if (t1.tv_sec - t0.tv_sec) * 1_000_000_000 + (t1.tv_nsec - t0.tv_nsec) > 50_000_000 {
                break;
            }
        }
        let len = 8 << 20;
        let p = libc::mmap(
            std::ptr::null_mut(),
            len,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
            -1,
            0,
        );
        let mut off = 0;
        while off < len {
            std::ptr::write_volatile((p as *mut u8).add(off), 1);
            off += 4096;
        }
        (*(r as *mut AtomicU64)).store(1, Ordering::SeqCst);
        loop {
            libc::pause();
        }
    });
    cg.add_process(child.pid).unwrap();
    child.release();
    wait_for("the child to be ready", || ready.get() == 1);
    let s = cg.stats().unwrap();
    let m = &s.memory_stats;
    assert!(m.usage.unwrap() >= 8 * MIB as u64, "{s:?}");
    assert_eq!(m.limit, Some(64 * MIB as u64));
    assert!(!m.stats.is_empty());
    assert_eq!(s.pids_stats.current, Some(1));
    assert_eq!(s.pids_stats.limit, Some(10));
    let c = &s.cpu_stats;
    assert!(c.cpu_usage.total_usage >= 40_000_000, "{s:?}");
    assert!(c.system_cpu_usage.unwrap() > c.cpu_usage.total_usage);
    assert!(c.online_cpus.unwrap() >= 1);
    if h.version() == Version::V1 {
        let per = c.cpu_usage.percpu_usage.as_ref().unwrap();
        assert!(!per.is_empty() && per.iter().sum::<u64>() > 0);
        assert!(m.max_usage.unwrap() >= m.usage.unwrap());
    }
    let json = serde_json::to_value(&s).unwrap();
    assert!(json["memory_stats"]["usage"].as_u64().is_some());
    assert!(json["cpu_stats"]["cpu_usage"]["total_usage"].as_u64().is_some());
    assert!(json["cpu_stats"]["throttling_data"]["periods"].as_u64().is_some());
    assert_eq!(json["pids_stats"]["current"], 1);
    // Without a memory limit the host's memory is reported.
    drop(cg);
    assert_eq!(child.wait(), Err(libc::SIGKILL));
    assert_no_leftovers(&h, &id);
}

#[test]
fn a_missing_process_is_not_found() {
    let h = host();
    let id = unique("nopid");
    let cg = Guard(Cgroup::create_in(&h, &id, &Resources::default()).unwrap());
    let mut child = fork_child(|| 0);
    let pid = child.pid;
    child.release();
    assert_eq!(child.wait(), Ok(0));
    assert_eq!(cg.add_process(pid).unwrap_err().kind(), ErrorKind::NotFound);
    assert_eq!(cg.add_process(0).unwrap_err().kind(), ErrorKind::InvalidArgument);
    drop(cg);
    assert_no_leftovers(&h, &id);
}

// ---------- cgroup v2 on a hybrid host's unified mount ----------

#[test]
#[ignore = "needs a cgroup2 mount (a v2 or hybrid host)"]
fn v2_device_program_is_enforced() {
    let h = unified().expect("this test needs a cgroup2 mount");
    check_device_allow_list(&h, "v2devices");
}

#[test]
#[ignore = "needs a cgroup2 mount (a v2 or hybrid host)"]
fn v2_freeze_thaw_and_kill() {
    let h = unified().expect("this test needs a cgroup2 mount");
    check_freeze_thaw(&h, "v2freeze");
}

#[test]
#[ignore = "needs a cgroup2 mount without the memory controller (a hybrid host)"]
fn v2_limits_without_their_controller_are_unsupported() {
    let h = unified().expect("this test needs a cgroup2 mount");
    let root = h.cgroup2_mount().unwrap();
    let available = std::fs::read_to_string(root.join("cgroup.controllers")).unwrap();
    assert!(
        !available.split_whitespace().any(|c| c == "memory"),
        "this test needs a cgroup2 mount without the memory controller (a hybrid host)"
    );
    let id = unique("v2nomem");
    let e = Cgroup::create_in(&h, &id, &Resources { memory: 64 * MIB, ..Default::default() }).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unsupported, "{e}");
    assert!(e.message().contains("memory"), "{e}");
    assert_no_leftovers(&h, &id);
    // Without limits it works: stats count the processes, oom is false.
    let cg = Guard(Cgroup::create_in(&h, &id, &Resources::default()).unwrap());
    assert_eq!(cg.version(), Version::V2);
    let s = cg.stats().unwrap();
    assert_eq!(s.pids_stats.current, Some(0));
    assert!(!cg.oom_killed().unwrap());
    drop(cg);
    assert_no_leftovers(&h, &id);
}
