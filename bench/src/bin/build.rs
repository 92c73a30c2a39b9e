//! `dock build` figures: a 5-step Dockerfile (2 RUN, COPY, ENV, CMD) built cold (`--no-cache`)
//! and fully cached, against the floor (the same work by hand: two `unshare -mpfuin chroot
//! ROOTFS sh -c …`, one `cp`) and, when installed, Docker 20.10's classic builder
//! (`DOCKER_BUILDKIT=0`) on a throwaway daemon (its own data root, exec root, pid file and
//! socket, `--bridge none --iptables=false`, stopped by its pid afterwards).
//!
//! Goals (issue 4): cold ≤ 0.1× Docker's time, fully cached ≤ 0.2× Docker's cached time.
//! Run: `cargo build --release --workspace && target/release/bench-build [--runs N] [--install-docker]`
//! (`--install-docker`: `apt-get install -y docker.io` first when `dockerd` is missing).

use libdocker_bench::*;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

const DOCKERFILE: &str =
    "FROM busybox\nRUN echo one > /one\nCOPY data.txt /data.txt\nRUN cat /data.txt > /two\nENV A=b\nCMD [\"sh\"]\n";

struct Figures {
    cold: Vec<Duration>,
    cached: Vec<Duration>,
}

impl Figures {
    fn row(&self, name: &str) -> String {
        let min = |v: &[Duration]| *v.iter().min().expect("runs");
        format!(
            "| {name} | {} (min {}) | {} (min {}) |",
            ms(median(self.cold.clone())),
            ms(min(&self.cold)),
            ms(median(self.cached.clone())),
            ms(min(&self.cached))
        )
    }
}

/// Cold (`--no-cache`) then cached builds of `ctx` with `build(extra args)`; one warm-up of each.
fn measure(runs: usize, ctx: &Path, build: impl Fn(&[&str]) -> Command) -> Figures {
    let ctx = ctx.to_str().expect("utf-8 path");
    time(&mut build(&["--no-cache", "-q", ctx]));
    let cold = (0..runs).map(|_| time(&mut build(&["--no-cache", "-q", ctx]))).collect();
    time(&mut build(&["-q", ctx]));
    let cached = (0..runs).map(|_| time(&mut build(&["-q", ctx]))).collect();
    Figures { cold, cached }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let runs: usize = args.iter().skip_while(|a| *a != "--runs").nth(1).and_then(|n| n.parse().ok()).unwrap_or(15);
    if args.iter().any(|a| a == "--install-docker") && Command::new("dockerd").arg("--version").output().is_err() {
        sh("apt-get install -y docker.io");
    }
    // Short: the monitor's socket lives at <root>/containers/<64 hex>/monitor.sock (≤ 108 bytes).
    let work = PathBuf::from("/var/tmp/ldbb");
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(&work).unwrap();
    let tar = busybox_tar().to_path_buf();
    let ctx = work.join("context");
    std::fs::create_dir_all(&ctx).unwrap();
    std::fs::write(ctx.join("Dockerfile"), DOCKERFILE).unwrap();
    std::fs::write(ctx.join("data.txt"), "some data\n").unwrap();

    // The floor: the steps' work done by hand in a plain root filesystem.
    let rootfs = work.join("rootfs");
    std::fs::create_dir_all(&rootfs).unwrap();
    sh(&format!("tar -xf {} -C {}", tar.display(), rootfs.display()));
    let in_root = |script: &str| {
        let mut c = Command::new("unshare");
        c.arg("-mpfuin").arg("chroot").arg(&rootfs).args(["/bin/sh", "-c", script]);
        c
    };
    let floor: Vec<Duration> = (0..runs)
        .map(|_| {
            time_fn(|| {
                time(&mut in_root("echo one > /one"));
                std::fs::copy(ctx.join("data.txt"), rootfs.join("data.txt")).unwrap();
                time(&mut in_root("cat /data.txt > /two"));
            })
        })
        .collect();

    let root = work.join("r");
    let dock = |extra: &[&str]| {
        let mut c = Command::new(dock());
        c.env("LIBDOCKER_ROOT", &root).arg("build").args(extra);
        c
    };
    let mut import = Command::new(libdocker_bench::dock());
    import.env("LIBDOCKER_ROOT", &root).arg("import").arg(&tar).arg("busybox");
    time(&mut import);
    let ours = measure(runs, &ctx, dock);

    println!("5-step Dockerfile (2 RUN, COPY, ENV, CMD), {runs} runs each, median (min):");
    println!();
    println!("| builder | cold (`--no-cache`) | fully cached |");
    println!("|---|---|---|");
    println!("| floor: 2× unshare+chroot sh, 1 cp | {} | |", ms(median(floor.clone())));
    println!("{}", ours.row("`dock build`"));

    if let Some(d) = Dockerd::start(&work.join("dockerd")) {
        let mut load = d.docker();
        load.arg("import").arg(&tar).arg("busybox");
        time(&mut load);
        let docker = measure(runs, &ctx, |extra| {
            let mut c = d.docker();
            c.args(["build", "--network", "none"]).args(extra);
            c
        });
        println!("{}", docker.row("Docker 20.10, classic builder"));
        println!();
        let cold = ratio(median(ours.cold.clone()), median(docker.cold.clone()));
        let cached = ratio(median(ours.cached.clone()), median(docker.cached.clone()));
        println!("| ratio `dock build` / Docker | cold | cached |");
        println!("|---|---|---|");
        println!("| medians | {cold} (goal ≤ 0.10x) | {cached} (goal ≤ 0.20x) |");
    } else {
        println!();
        println!("(dockerd is not installed: no Docker figures; --install-docker installs Debian's docker.io)");
    }
    let _ = std::fs::remove_dir_all(&work);
}
