//! The cgroup v2 device filter: a `BPF_PROG_TYPE_CGROUP_DEVICE` program compiled from a
//! [`DevicePolicy`], loaded and attached to the container's cgroup with `bpf(2)`.
//!
//! The kernel calls the program with a `struct bpf_cgroup_dev_ctx { u32 access_type; u32 major;
//! u32 minor; }` where `access_type = (access << 16) | type` (access: mknod 1, read 2, write 4;
//! type: block 1, char 2), and refuses the access with EPERM when it returns 0.
//!
//! The program is a straight line of blocks, one per exception, each falling through to the next
//! when the request does not match, and ends with the default:
//! ```text
//!   r2 = ctx->access_type; r3 = r2 & 0xffff (type); r2 >>= 16 (access)
//!   r4 = ctx->major; r5 = ctx->minor
//!   for each exception:
//!     if r3 != type: next
//!     deny default:  r6 = r2 & ~access; if r6 != 0: next   (every requested bit granted)
//!     allow default: r6 = r2 & access;  if r6 == 0: next   (some requested bit refused)
//!     if major set and r4 != major: next
//!     if minor set and r5 != minor: next
//!     return !default
//!   return default
//! ```
//! which answers exactly as [`DevicePolicy::allows`] (the v1 kernel's semantics); the tests run
//! the program in a small interpreter against that function.

use super::devices::{DevicePolicy, DeviceType};
use crate::error::{Error, Result};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::path::Path;

// Instruction classes, operations and sources (include/uapi/linux/bpf_common.h, bpf.h).
const LDX_MEM_W: u8 = 0x61; // BPF_LDX | BPF_MEM | BPF_W
const ALU64_MOV_X: u8 = 0xbf; // BPF_ALU64 | BPF_MOV | BPF_X
const ALU64_MOV_K: u8 = 0xb7; // BPF_ALU64 | BPF_MOV | BPF_K
const ALU64_AND_K: u8 = 0x57; // BPF_ALU64 | BPF_AND | BPF_K
const ALU64_RSH_K: u8 = 0x77; // BPF_ALU64 | BPF_RSH | BPF_K
const JMP_JNE_K: u8 = 0x55; // BPF_JMP | BPF_JNE | BPF_K
const JMP_JEQ_K: u8 = 0x15; // BPF_JMP | BPF_JEQ | BPF_K
const JMP_EXIT: u8 = 0x95; // BPF_JMP | BPF_EXIT

const BPF_PROG_LOAD: libc::c_long = 5;
const BPF_PROG_ATTACH: libc::c_long = 8;
const BPF_PROG_TYPE_CGROUP_DEVICE: u32 = 15;
const BPF_CGROUP_DEVICE: u32 = 6;
const BPF_F_ALLOW_MULTI: u32 = 1 << 1;

const DEV_BLOCK: i32 = 1;
const DEV_CHAR: i32 = 2;

/// One eBPF instruction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Insn {
    pub code: u8,
    pub dst: u8,
    pub src: u8,
    pub off: i16,
    pub imm: i32,
}

impl Insn {
    const fn new(code: u8, dst: u8, src: u8, off: i16, imm: i32) -> Insn {
        Insn { code, dst, src, off, imm }
    }
    /// `struct bpf_insn` in memory: code, dst:4 | src:4, off (LE), imm (LE).
    fn encode(&self) -> [u8; 8] {
        let mut b = [0u8; 8];
        b[0] = self.code;
        b[1] = (self.dst & 0x0f) | (self.src << 4);
        b[2..4].copy_from_slice(&self.off.to_le_bytes());
        b[4..8].copy_from_slice(&self.imm.to_le_bytes());
        b
    }
}

/// Compile `policy` into a device program (see the module doc).
pub(crate) fn device_program(policy: &DevicePolicy) -> Vec<Insn> {
    let mut prog = vec![
        Insn::new(LDX_MEM_W, 2, 1, 0, 0),
        Insn::new(ALU64_MOV_X, 3, 2, 0, 0),
        Insn::new(ALU64_AND_K, 3, 0, 0, 0xffff),
        Insn::new(ALU64_RSH_K, 2, 0, 0, 16),
        Insn::new(LDX_MEM_W, 4, 1, 4, 0),
        Insn::new(LDX_MEM_W, 5, 1, 8, 0),
    ];
    let on_match = if policy.default_allow { 0 } else { 1 };
    for e in &policy.exceptions {
        // Jumps are emitted with off = 0 and patched to the block's end ("next").
        let mut block = Vec::new();
        let mut jumps = Vec::new();
        let ty = match e.kind {
            DeviceType::Block => DEV_BLOCK,
            DeviceType::Char => DEV_CHAR,
            DeviceType::All => unreachable!("exceptions are never of type a"),
        };
        jumps.push(block.len());
        block.push(Insn::new(JMP_JNE_K, 3, 0, 0, ty));
        let access = i32::from(e.access.bits());
        block.push(Insn::new(ALU64_MOV_X, 6, 2, 0, 0));
        if policy.default_allow {
            block.push(Insn::new(ALU64_AND_K, 6, 0, 0, access));
            jumps.push(block.len());
            block.push(Insn::new(JMP_JEQ_K, 6, 0, 0, 0));
        } else {
            // !access sign-extends: unknown high bits never count as granted.
            block.push(Insn::new(ALU64_AND_K, 6, 0, 0, !access));
            jumps.push(block.len());
            block.push(Insn::new(JMP_JNE_K, 6, 0, 0, 0));
        }
        if let Some(major) = e.major {
            jumps.push(block.len());
            block.push(Insn::new(JMP_JNE_K, 4, 0, 0, major as i32));
        }
        if let Some(minor) = e.minor {
            jumps.push(block.len());
            block.push(Insn::new(JMP_JNE_K, 5, 0, 0, minor as i32));
        }
        block.push(Insn::new(ALU64_MOV_K, 0, 0, 0, on_match));
        block.push(Insn::new(JMP_EXIT, 0, 0, 0, 0));
        let len = block.len();
        for j in jumps {
            block[j].off = (len - j - 1) as i16;
        }
        prog.extend(block);
    }
    prog.push(Insn::new(ALU64_MOV_K, 0, 0, 0, if policy.default_allow { 1 } else { 0 }));
    prog.push(Insn::new(JMP_EXIT, 0, 0, 0, 0));
    prog
}

/// `union bpf_attr` for BPF_PROG_LOAD, up to `expected_attach_type`.
#[repr(C)]
#[derive(Default)]
struct ProgLoadAttr {
    prog_type: u32,
    insn_cnt: u32,
    insns: u64,
    license: u64,
    log_level: u32,
    log_size: u32,
    log_buf: u64,
    kern_version: u32,
    prog_flags: u32,
    prog_name: [u8; 16],
    prog_ifindex: u32,
    expected_attach_type: u32,
}

/// `union bpf_attr` for BPF_PROG_ATTACH.
#[repr(C)]
#[derive(Default)]
struct ProgAttachAttr {
    target_fd: u32,
    attach_bpf_fd: u32,
    attach_type: u32,
    attach_flags: u32,
    replace_bpf_fd: u32,
}

fn bpf<T>(cmd: libc::c_long, attr: &mut T) -> std::io::Result<libc::c_long> {
    // SAFETY: attr is a properly laid out, fully initialised bpf_attr prefix of its size; the
    // kernel zero-extends the rest.
    let r = unsafe { libc::syscall(libc::SYS_bpf, cmd, attr as *mut T, std::mem::size_of::<T>() as libc::c_uint) };
    if r < 0 {
        Err(std::io::Error::last_os_error())
    } else {
        Ok(r)
    }
}

/// Load `prog` as a cgroup device program. The verifier's log is in the error if it refuses it.
fn load(prog: &[Insn]) -> Result<OwnedFd> {
    let code: Vec<u8> = prog.iter().flat_map(|i| i.encode()).collect();
    let license = c"Apache-2.0";
    let mut name = [0u8; 16];
    name[..13].copy_from_slice(b"libdocker_dev");
    let mut attr = ProgLoadAttr {
        prog_type: BPF_PROG_TYPE_CGROUP_DEVICE,
        insn_cnt: prog.len() as u32,
        insns: code.as_ptr() as u64,
        license: license.as_ptr() as u64,
        prog_name: name,
        expected_attach_type: BPF_CGROUP_DEVICE,
        ..Default::default()
    };
    match bpf(BPF_PROG_LOAD, &mut attr) {
        // SAFETY: a successful BPF_PROG_LOAD returns a new fd that we own.
        Ok(fd) => Ok(unsafe { OwnedFd::from_raw_fd(fd as i32) }),
        Err(e) => {
            // Again with the verifier's log, for the message.
            let mut log = vec![0u8; 64 * 1024];
            attr.log_level = 1;
            attr.log_size = log.len() as u32;
            attr.log_buf = log.as_mut_ptr() as u64;
            if let Ok(fd) = bpf(BPF_PROG_LOAD, &mut attr) {
                // SAFETY: as above.
                return Ok(unsafe { OwnedFd::from_raw_fd(fd as i32) });
            }
            let end = log.iter().position(|&b| b == 0).unwrap_or(log.len());
            let log = String::from_utf8_lossy(&log[..end]);
            let msg = format!("loading the device cgroup eBPF program: {e}");
            Err(match e.raw_os_error() {
                Some(libc::EPERM) => Error::permission(format!("{msg} (needs CAP_BPF or CAP_SYS_ADMIN)")),
                Some(libc::ENOSYS) => Error::unsupported(format!("{msg} (kernel without bpf())")),
                _ if log.trim().is_empty() => Error::internal(msg),
                _ => Error::internal(format!("{msg}; verifier: {}", log.trim())),
            })
        }
    }
}

/// Compile `policy`, load it and attach it to the cgroup directory `dir` (with
/// `BPF_F_ALLOW_MULTI`, so programs of ancestors keep applying too). The attachment lives as long
/// as the cgroup; the program fd is closed on return.
pub(crate) fn attach_device_filter(dir: &Path, policy: &DevicePolicy) -> Result<()> {
    let prog = load(&device_program(policy))?;
    let cgroup = std::fs::File::open(dir).map_err(|e| Error::io(format!("opening cgroup {}", dir.display()), e))?;
    let mut attr = ProgAttachAttr {
        target_fd: cgroup.as_raw_fd() as u32,
        attach_bpf_fd: prog.as_raw_fd() as u32,
        attach_type: BPF_CGROUP_DEVICE,
        attach_flags: BPF_F_ALLOW_MULTI,
        ..Default::default()
    };
    bpf(BPF_PROG_ATTACH, &mut attr).map_err(|e| {
        let msg = format!("attaching the device eBPF program to {}: {e}", dir.display());
        match e.raw_os_error() {
            Some(libc::EPERM) => Error::permission(msg),
            Some(libc::EINVAL) | Some(libc::EOPNOTSUPP) => Error::unsupported(msg),
            _ => Error::internal(msg),
        }
    })?;
    Ok(())
}

/// Run a program of the instructions [`device_program`] emits on a device context; for tests.
#[cfg(test)]
pub(crate) fn interpret(prog: &[Insn], access_type: u32, major: u32, minor: u32) -> u64 {
    let ctx = [access_type, major, minor];
    let mut r = [0u64; 11];
    let mut pc = 0usize;
    loop {
        let i = prog[pc];
        let (d, s) = (i.dst as usize, i.src as usize);
        let k = i.imm as i64 as u64; // sign-extended, as the kernel does for 64-bit ops
        let mut next = pc + 1;
        match i.code {
            LDX_MEM_W => {
                assert_eq!(s, 1, "loads are from the context");
                r[d] = u64::from(ctx[i.off as usize / 4]);
            }
            ALU64_MOV_X => r[d] = r[s],
            ALU64_MOV_K => r[d] = k,
            ALU64_AND_K => r[d] &= k,
            ALU64_RSH_K => r[d] >>= k,
            JMP_JNE_K => {
                if r[d] != k {
                    next = (pc as i64 + 1 + i64::from(i.off)) as usize;
                }
            }
            JMP_JEQ_K => {
                if r[d] == k {
                    next = (pc as i64 + 1 + i64::from(i.off)) as usize;
                }
            }
            JMP_EXIT => return r[0],
            other => panic!("unexpected opcode {other:#x}"),
        }
        pc = next;
    }
}
