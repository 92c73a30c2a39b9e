//! Puts the container monitor into the Python package (`python/libdocker/libdocker-monitor`), next
//! to the extension module: the engine finds it there through dladdr (runtime::launch::
//! monitor_path), so a wheel carries all it needs to run containers and nothing else is installed.
//!
//! The monitor is a binary of its own crate and cargo cannot depend on a binary, so a release build
//! (what `pip install` and `maturin build` make) runs a nested `cargo build -p libdocker-monitor`
//! into a target directory of its own (sharing the outer one would deadlock on its lock). Cost:
//! the engine is compiled a second time for the monitor on a first build. Debug builds (`cargo
//! build --workspace`) skip it and stay quick; they copy the workspace's debug monitor when it is
//! there. `LIBDOCKER_MONITOR_BIN=/path` ships that file instead.

use std::env;
use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    let manifest = PathBuf::from(env::var("CARGO_MANIFEST_DIR").unwrap());
    let workspace = manifest.parent().and_then(Path::parent).unwrap().to_path_buf();
    let dest = manifest.join("python/libdocker/libdocker-monitor");
    println!("cargo:rerun-if-env-changed=LIBDOCKER_MONITOR_BIN");
    for dir in ["engine/src", "monitor/src", "build-support", "Cargo.lock"] {
        println!("cargo:rerun-if-changed={}", workspace.join(dir).display());
    }
    // OUT_DIR is <target>/[<triple>/]<profile>/build/<pkg>-<hash>/out.
    let out = PathBuf::from(env::var("OUT_DIR").unwrap());
    let profile_dir = out.ancestors().nth(3).unwrap().to_path_buf();
    let target_dir = out.ancestors().find(|p| p.join("CACHEDIR.TAG").is_file()).unwrap_or(profile_dir.parent().unwrap());

    let source = if let Some(p) = env::var_os("LIBDOCKER_MONITOR_BIN") {
        PathBuf::from(p)
    } else if env::var("PROFILE").as_deref() == Ok("release") {
        let nested = target_dir.join("python-monitor");
        let cargo = env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let mut cmd = Command::new(cargo);
        cmd.args(["build", "--release", "-p", "libdocker-monitor", "--manifest-path"])
            .arg(workspace.join("Cargo.toml"))
            .arg("--target-dir")
            .arg(&nested);
        // What cargo told this build script is not for the nested build (its own target dir,
        // flags, cfgs); the registry and network settings are.
        for (k, _) in env::vars() {
            let keep = ["CARGO_HOME", "CARGO_NET", "CARGO_HTTP", "CARGO_REGISTR", "CARGO_MAKEFLAGS"];
            if (k.starts_with("CARGO_") && !keep.iter().any(|p| k.starts_with(p)))
                || ["RUSTFLAGS", "OUT_DIR", "TARGET", "HOST", "PROFILE", "OPT_LEVEL", "DEBUG", "NUM_JOBS"].contains(&k.as_str())
            {
                cmd.env_remove(k);
            }
        }
        let status = cmd.status().expect("run cargo for the monitor");
        assert!(status.success(), "building libdocker-monitor for the Python package failed");
        nested.join("release/libdocker-monitor")
    } else {
        let dev = profile_dir.join("libdocker-monitor");
        if !dev.is_file() {
            println!("cargo:warning=no {} yet: this debug build of the binding ships no monitor", dev.display());
            return;
        }
        dev
    };
    let tmp = dest.with_extension("tmp");
    std::fs::copy(&source, &tmp).unwrap_or_else(|e| panic!("copy {}: {e}", source.display()));
    std::fs::rename(&tmp, &dest).unwrap();
}
