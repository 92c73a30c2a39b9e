//! Image store figures: import, save and load of a ~700 MB / ~3,000-file tree, against the
//! physical floor (`tar -x` / `tar -c` of the same data) and, when installed, Docker 20.10.
//!
//! Goals (issue 2): import ≤ 1.2× `tar -x`, save ≤ 1.2× `tar -c`, load ≤ 1.2× `tar -x`.
//! Run: `cargo build --release --workspace && target/release/images [--runs N]`.

use libdocker_bench::*;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

const TARGET_BYTES: u64 = 700 << 20;
const TARGET_FILES: usize = 3000;

/// Files from /usr/lib in a fixed order: ~3,000 in all, most of them small (as an image's are)
/// and enough big ones (shared libraries, ≥ 1 MB) to make ~700 MB.
fn pick_files() -> (Vec<PathBuf>, u64) {
    let mut all = Vec::new();
    let mut stack = vec![PathBuf::from("/usr/lib")];
    while let Some(dir) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&dir) else { continue };
        let mut entries: Vec<_> = rd.flatten().collect();
        entries.sort_by_key(|e| std::cmp::Reverse(e.file_name()));
        for e in entries {
            let Ok(m) = e.path().symlink_metadata() else { continue };
            if m.is_dir() {
                stack.push(e.path());
            } else if m.is_file() {
                all.push((e.path(), m.len()));
            }
        }
    }
    let (big, small): (Vec<_>, Vec<_>) = all.into_iter().partition(|(_, len)| *len >= 1 << 20);
    // Big files up to ~90% of the bytes, small ones up to the count, big ones again for the rest.
    let mut files = Vec::new();
    let mut total = 0u64;
    let mut big = big.into_iter();
    for (p, len) in big.by_ref() {
        if total + len > TARGET_BYTES * 9 / 10 {
            break;
        }
        total += len;
        files.push(p);
    }
    for (p, len) in small.into_iter().take(TARGET_FILES.saturating_sub(files.len())) {
        total += len;
        files.push(p);
    }
    for (p, len) in big {
        if total >= TARGET_BYTES {
            break;
        }
        total += len;
        files.push(p);
    }
    (files, total)
}

fn main() {
    let runs: usize = std::env::args().skip_while(|a| a != "--runs").nth(1).and_then(|n| n.parse().ok()).unwrap_or(3);
    let work = PathBuf::from("/var/tmp/libdocker-bench-images");
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(&work).unwrap();
    let (files, bytes) = pick_files();
    let list = work.join("files.txt");
    std::fs::write(&list, files.iter().map(|f| f.display().to_string()).collect::<Vec<_>>().join("\n")).unwrap();
    let tar = work.join("input.tar");
    sh(&format!("tar -cf {} -P -T {} 2>/dev/null", tar.display(), list.display()));
    let tar_size = std::fs::metadata(&tar).unwrap().len();
    println!("input: {} files, {} MB of data, {} MB tar", files.len(), bytes >> 20, tar_size >> 20);

    let dock = dock();
    let fresh = |name: &str| -> PathBuf {
        let p = work.join(name);
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).unwrap();
        p
    };
    // Each run starts with no dirty pages left from the one before (whose write-back would
    // otherwise land on whichever command runs next).
    let best = |f: &mut dyn FnMut() -> Duration| -> Duration {
        (0..runs)
            .map(|_| {
                sh("sync");
                f()
            })
            .min()
            .unwrap()
    };

    // Floor: tar -x of the file, tar -c of the extracted tree.
    let tar_x = best(&mut || {
        let d = fresh("x");
        sh("sync");
        time(Command::new("tar").arg("-xf").arg(&tar).arg("-C").arg(&d))
    });
    let tree = work.join("x");
    let tar_c = best(&mut || {
        time(Command::new("sh").arg("-c").arg(format!("tar -cf {}/c.tar -C {} .", work.display(), tree.display())))
    });

    // Ours, each in a fresh state root.
    let root = |name: &str| fresh(name);
    let import = best(&mut || {
        let r = root("root-import");
        sh("sync");
        time(Command::new(&dock).env("LIBDOCKER_ROOT", &r).arg("import").arg(&tar).arg("big:1"))
    });
    let saved = work.join("saved.tar");
    let save = best(&mut || {
        let _ = std::fs::remove_file(&saved);
        time(
            Command::new(&dock)
                .env("LIBDOCKER_ROOT", work.join("root-import"))
                .args(["save", "-o"])
                .arg(&saved)
                .arg("big:1"),
        )
    });
    let load = best(&mut || {
        let r = root("root-load");
        sh("sync");
        time(Command::new(&dock).env("LIBDOCKER_ROOT", &r).arg("load").arg("-i").arg(&saved))
    });

    println!();
    println!("| operation | floor | libdocker | ratio | goal |");
    println!("|---|---|---|---|---|");
    println!("| import | tar -x {} | {} | {} | ≤ 1.2x |", ms(tar_x), ms(import), ratio(import, tar_x));
    println!("| save | tar -c {} | {} | {} | ≤ 1.2x |", ms(tar_c), ms(save), ratio(save, tar_c));
    println!("| load | tar -x {} | {} | {} | ≤ 1.2x |", ms(tar_x), ms(load), ratio(load, tar_x));

    if let Some(d) = Dockerd::start(&work.join("dockerd")) {
        let dimport = best(&mut || {
            let _ = d.docker().args(["rmi", "-f", "big:1"]).output();
            time(d.docker().arg("import").arg(&tar).arg("big:1"))
        });
        let dsaved = work.join("docker-saved.tar");
        let dsave = best(&mut || time(d.docker().args(["save", "-o"]).arg(&dsaved).arg("big:1")));
        let dload = best(&mut || {
            let _ = d.docker().args(["rmi", "-f", "big:1"]).output();
            time(d.docker().arg("load").arg("-i").arg(&dsaved))
        });
        println!();
        println!("| operation | Docker 20.10 | ratio to floor | libdocker vs Docker |");
        println!("|---|---|---|---|");
        println!("| import | {} | {} | {} |", ms(dimport), ratio(dimport, tar_x), ratio(import, dimport));
        println!("| save | {} | {} | {} |", ms(dsave), ratio(dsave, tar_c), ratio(save, dsave));
        println!("| load | {} | {} | {} |", ms(dload), ratio(dload, tar_x), ratio(load, dload));
    } else {
        println!("\n(dockerd not installed: no Docker column; apt-get install docker.io)");
    }
    let _ = std::fs::remove_dir_all(Path::new(&work));
}
