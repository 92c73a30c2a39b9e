//! `version` and `info`.

use crate::format::bytes_size;
use crate::CmdResult;
use engine::Engine;

pub fn version(engine: &Engine) -> CmdResult {
    let v = engine.version();
    println!("Client:");
    println!(" Version:           {}", v.version);
    println!(" API version:       {}", v.api_version);
    println!(" OS/Arch:           {}/{}", v.os, v.arch);
    println!(" Context:           in-process (no daemon)");
    println!();
    println!("Server: {}", v.platform.name);
    println!(" Engine:");
    println!("  Version:          {}", v.version);
    println!("  API version:      {} (minimum version {})", v.api_version, v.min_api_version);
    println!("  Git commit:       {}", v.git_commit);
    println!("  OS/Arch:          {}/{}", v.os, v.arch);
    println!("  Kernel Version:   {}", v.kernel_version);
    Ok(())
}

pub fn info(engine: &Engine) -> CmdResult {
    let i = engine.info()?;
    println!("Containers: {}", i.containers);
    println!(" Running: {}", i.containers_running);
    println!(" Paused: {}", i.containers_paused);
    println!(" Stopped: {}", i.containers_stopped);
    println!("Images: {}", i.images);
    println!("Server Version: {}", i.server_version);
    println!("Storage Driver: {}", i.driver);
    for [k, v] in &i.driver_status {
        println!(" {k}: {v}");
    }
    println!("Cgroup Driver: {}", i.cgroup_driver);
    println!("Cgroup Version: {}", i.cgroup_version);
    println!("Security Options:");
    for s in &i.security_options {
        println!(" {}", s.trim_start_matches("name="));
    }
    println!("Kernel Version: {}", i.kernel_version);
    println!("Operating System: {}", i.operating_system);
    println!("OSType: {}", i.os_type);
    println!("Architecture: {}", i.architecture);
    println!("CPUs: {}", i.ncpu);
    println!("Total Memory: {}", bytes_size(i.mem_total));
    println!("Name: {}", i.name);
    println!("Docker Root Dir: {}", i.docker_root_dir);
    Ok(())
}
