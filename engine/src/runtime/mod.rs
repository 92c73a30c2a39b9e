//! The container runtime: namespaces, mounts, rootfs, cgroups, capabilities, seccomp, process launch.

pub mod cgroups;
