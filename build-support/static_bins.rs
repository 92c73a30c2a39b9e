//! Makes a package's binaries static executables with a plain `cargo build` (shared by the probe,
//! which runs inside containers without their libraries, by the monitor, which stays resident
//! once per container and should map as little as possible, and by `dock`, whose start-up is on
//! the path of every `dock run`: no dynamic loader, no relocations, ~0.3 ms less per command).
//!
//! The usual way is `-C target-feature=+crt-static`, but cargo can only set rustflags for a whole
//! build (and, without `--target`, for build scripts and proc-macros too), never for one package.
//! So for the package's binaries only (`rustc-link-arg-bins`), this script asks for what rustc itself
//! asks for under crt-static:
//!
//! * `-static -no-pie`: static start files, no program interpreter, and a fixed load address, so
//!   nothing is relocated at start-up (a static PIE relocates itself: thousands of entries);
//! * the C libraries as static archives. rustc (without crt-static) asks the linker for
//!   `-Bdynamic -lgcc_s -lutil -lrt -lpthread -lm -ldl -lc`. A search directory that comes first
//!   holds a `lib<name>.so` for each of these that is a one-line linker script naming the static
//!   archive instead (`GROUP ( -l:libc.a -l:libgcc_eh.a -l:libgcc.a )`), which is the same set
//!   rustc links under crt-static (`-lc -lgcc_eh -lgcc`).
//!
//! The test binaries of this package stay ordinary dynamic executables: the arguments are given
//! to bins only. When the build already has crt-static (e.g. `RUSTFLAGS=-Ctarget-feature=+crt-static
//! cargo build --target x86_64-unknown-linux-gnu`), or the target is not linux-gnu, nothing is done.

use std::env;
use std::fs;
use std::path::PathBuf;
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-changed={}", file!());
    let os = env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    let target_env = env::var("CARGO_CFG_TARGET_ENV").unwrap_or_default();
    let features = env::var("CARGO_CFG_TARGET_FEATURE").unwrap_or_default();
    if os != "linux" || target_env != "gnu" || features.split(',').any(|f| f == "crt-static") {
        return;
    }

    // Fail early, with a hint, when the static C library is missing (Debian: libc6-dev).
    let cc = env::var("CC").unwrap_or_else(|_| "cc".to_string());
    if let Ok(out) = Command::new(&cc).arg("-print-file-name=libc.a").output() {
        let path = String::from_utf8_lossy(&out.stdout).trim().to_string();
        if out.status.success() && !path.contains('/') {
            panic!(
                "{} is linked statically but `{cc} -print-file-name=libc.a` finds no \
                 libc.a; install the static C library (Debian: apt-get install libc6-dev)",
                env::var("CARGO_PKG_NAME").unwrap_or_default()
            );
        }
    }

    let dir = PathBuf::from(env::var_os("OUT_DIR").expect("OUT_DIR")).join("static-libs");
    fs::create_dir_all(&dir).expect("create static-libs dir");
    // libc.a and libgcc_eh.a need each other, so both scripts name the three archives together.
    let c_and_gcc = "GROUP ( -l:libc.a -l:libgcc_eh.a -l:libgcc.a )\n";
    for name in ["gcc_s", "c", "m", "pthread", "dl", "rt", "util"] {
        let script = match name {
            "gcc_s" | "c" => c_and_gcc.to_string(),
            // glibc >= 2.34 keeps these as empty archives; older glibc has real code in them.
            _ => format!("GROUP ( -l:lib{name}.a )\n"),
        };
        fs::write(dir.join(format!("lib{name}.so")), script).expect("write linker script");
    }
    println!("cargo:rustc-link-arg-bins=-L{}", dir.display());
    println!("cargo:rustc-link-arg-bins=-static");
    println!("cargo:rustc-link-arg-bins=-no-pie");
}
