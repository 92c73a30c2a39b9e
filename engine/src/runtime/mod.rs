//! The container runtime: namespaces, mounts, the root filesystem, cgroups, capabilities, seccomp
//! and the process launch.
//!
//! The engine (a library, possibly inside a multi-threaded Python or Node host) computes everything
//! here ahead of time and writes it into the container's spec; the small single-threaded monitor
//! and the container's init only apply it, right before `execve`.

pub mod caps;
pub mod cgroups;
pub mod clients;
pub mod init;
pub mod launch;
pub mod monitor;
pub mod mounts;
pub mod protocol;
pub mod seccomp;
pub mod signal;
pub mod spec;
pub mod state;
pub mod user;
