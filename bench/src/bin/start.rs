//! Container start-up figures, against the floor (`unshare -mpfuin chroot ROOTFS true`) and,
//! when installed, Docker 20.10.
//!
//! Goals (issue 3): `dock run --rm busybox true` median ≤ 3× the floor; monitor resident memory
//! ≤ 1.5 MB per running container; 100 `run -d` sleepers started in ≤ 2 s.
//! Run: `cargo build --release --workspace && target/release/start [--runs N]`.

use libdocker_bench::*;
use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

fn status_kb(pid: &str, key: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with(key))
        .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        .unwrap_or(0)
}

fn pss_kb(pid: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup"))
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with("Pss:"))
        .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        .unwrap_or(0)
}

fn main() {
    let runs: usize = std::env::args().skip_while(|a| a != "--runs").nth(1).and_then(|n| n.parse().ok()).unwrap_or(50);
    let work = PathBuf::from("/var/tmp/libdocker-bench-start");
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(&work).unwrap();
    let tar = busybox_tar().to_path_buf();
    let rootfs = work.join("rootfs");
    std::fs::create_dir_all(&rootfs).unwrap();
    sh(&format!("tar -xf {} -C {}", tar.display(), rootfs.display()));
    let root = work.join("root");
    let dock = || {
        let mut c = Command::new(dock());
        c.env("LIBDOCKER_ROOT", &root);
        c
    };
    assert!(dock().arg("import").arg(&tar).arg("busybox").output().unwrap().status.success());

    // Start-up latency: the floor and ours alternate, so that the machine's drift (a shared VM)
    // weighs on both alike.
    for _ in 0..3 {
        time(dock().args(["run", "--rm", "busybox", "true"]));
    }
    let (mut floors, mut ourses) = (Vec::new(), Vec::new());
    for _ in 0..runs {
        floors.push(time(Command::new("unshare").arg("-mpfuin").arg("chroot").arg(&rootfs).arg("/bin/true")));
        ourses.push(time(dock().args(["run", "--rm", "busybox", "true"])));
    }
    let (floor, ours) = (median(floors), median(ourses));

    // Resident memory of the monitors of 10 running containers.
    let mut ids = Vec::new();
    for _ in 0..10 {
        let out = dock().args(["run", "-d", "busybox", "sleep", "1000"]).output().unwrap();
        ids.push(String::from_utf8_lossy(&out.stdout).trim().to_string());
    }
    std::thread::sleep(Duration::from_millis(300));
    let mut rss = Vec::new();
    let mut pss = Vec::new();
    for id in &ids {
        let out = dock().args(["inspect", "-f", "{{.State.Pid}}", id]).output().unwrap();
        let pid = String::from_utf8_lossy(&out.stdout).trim().to_string();
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
        let monitor = stat.rsplit(')').next().and_then(|r| r.split_whitespace().nth(1)).unwrap_or("0").to_string();
        rss.push(status_kb(&monitor, "VmRSS:"));
        pss.push(pss_kb(&monitor));
    }
    let mut rm = dock();
    rm.args(["rm", "-f"]).args(&ids);
    time(&mut rm);
    let max_rss = *rss.iter().max().unwrap();
    let mean_pss = pss.iter().sum::<u64>() / pss.len() as u64;

    // 100 detached sleepers.
    let mut sleepers = Vec::new();
    let hundred = time_fn(|| {
        for _ in 0..100 {
            let out = dock().args(["run", "-d", "busybox", "sleep", "1000"]).output().unwrap();
            assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
            sleepers.push(String::from_utf8_lossy(&out.stdout).trim().to_string());
        }
    });
    let mut rm = dock();
    rm.args(["rm", "-f"]).args(&sleepers);
    time(&mut rm);

    println!("| measure | floor / goal | libdocker | ratio |");
    println!("|---|---|---|---|");
    println!(
        "| `run --rm busybox true`, median of {runs} | unshare+chroot {} | {} | {} (goal ≤ 3x) |",
        ms(floor),
        ms(ours),
        ratio(ours, floor)
    );
    println!(
        "| monitor resident memory, 10 running containers | ≤ 1.5 MB | max RSS {} kB, mean PSS {} kB | |",
        max_rss, mean_pss
    );
    println!("| 100 `run -d` sleepers | ≤ 2 s | {} | |", ms(hundred));

    if let Some(d) = Dockerd::start(&work.join("dockerd")) {
        let saved = work.join("bb.tar");
        assert!(dock().args(["save", "-o"]).arg(&saved).arg("busybox").output().unwrap().status.success());
        time(d.docker().arg("load").arg("-i").arg(&saved));
        let n = runs.min(20);
        let docker = median(
            (0..n).map(|_| time(d.docker().args(["run", "--rm", "--network", "none", "busybox", "true"]))).collect(),
        );
        let twenty = time_fn(|| {
            for _ in 0..20 {
                time(d.docker().args(["run", "-d", "--network", "none", "busybox", "sleep", "1000"]));
            }
        });
        let shim_rss: u64 = {
            let out = Command::new("pgrep").arg("-f").arg("containerd-shim").output().unwrap();
            String::from_utf8_lossy(&out.stdout).lines().map(|p| status_kb(p.trim(), "VmRSS:")).max().unwrap_or(0)
        };
        let _ = d
            .docker()
            .args(["rm", "-f"])
            .args(String::from_utf8_lossy(&d.docker().args(["ps", "-aq"]).output().unwrap().stdout).split_whitespace())
            .output();
        println!();
        println!("| measure | Docker 20.10 | libdocker vs Docker |");
        println!("|---|---|---|");
        println!(
            "| `run --rm busybox true`, median of {n} | {} ({} of the floor) | {} |",
            ms(docker),
            ratio(docker, floor),
            ratio(ours, docker)
        );
        println!("| shim resident memory | containerd-shim {} kB | |", shim_rss);
        println!("| 20 `run -d` sleepers | {} | (libdocker: 100 in {}) |", ms(twenty), ms(hundred));
    } else {
        println!("\n(dockerd not installed: no Docker column; apt-get install docker.io)");
    }
    let _ = std::fs::remove_dir_all(&work);
}
