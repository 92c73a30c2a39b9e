//! Layers made by GNU tar: apply, compare the tree, reassemble byte for byte. Runs as root.

use engine::archive::{apply_layer, reassemble, reassemble_to_file, ApplyOptions, Compression};
use engine::digest::Digest;
use std::collections::BTreeMap;
use std::os::unix::fs::MetadataExt;
use std::path::Path;
use std::process::Command;

fn sh(script: &str) {
    let out = Command::new("sh").arg("-euc").arg(script).output().unwrap();
    assert!(out.status.success(), "{script}\n{}", String::from_utf8_lossy(&out.stderr));
}

/// A tree with every kind of node tar can hold.
fn make_tree(src: &Path) {
    make_nodes(src);
    for (file, name, value) in [("dir/file.txt", "user.test", "hello"), ("random.bin", "trusted.foo", "bar"), ("dir", "user.dir", "yes")] {
        rustix::fs::lsetxattr(&src.join(file), name, value.as_bytes(), rustix::fs::XattrFlags::empty()).unwrap();
    }
    sh(&format!(
        "cd {} && find . -depth -exec touch -h -d '@1600000000.25' {{}} + && touch -d '@1500000000' dir/file.txt && touch -d '@1400000000' dir",
        src.display()
    ));
}

fn make_nodes(src: &Path) {
    let long_comp = "c".repeat(120);
    let deep = format!("{}/{}/{}", "d".repeat(100), "e".repeat(100), "f".repeat(100));
    sh(&format!(
        r#"
        cd {src}
        mkdir -p dir sticky "long/{long_comp}" "{deep}"
        printf 'hello world\n' > dir/file.txt
        : > dir/empty
        head -c 300000 /dev/urandom > random.bin
        printf 'deep file' > "{deep}/file"
        printf 'long' > "long/{long_comp}/{long_comp}"
        printf '#!/bin/sh\n' > setuid && chmod 4755 setuid
        printf 'g' > setgid && chown 1000:1000 setgid && chmod 2750 setgid
        chmod 1777 sticky
        chown 1234:5678 dir/file.txt && chmod 640 dir/file.txt
        chown 1000:1000 dir
        ln -s dir/file.txt link && chown -h 1234:5678 link
        ln -s /etc/passwd abs
        ln -s "$(printf 't%.0s' $(seq 150))" longlink
        printf 'shared' > hard1 && ln hard1 hard2 && ln hard1 "long/{long_comp}/hard3"
        mkfifo fifo && chmod 640 fifo
        mknod null c 1 3 && chmod 666 null
        mknod loop b 7 200 && chmod 660 loop && chown 0:6 loop
        head -c 1000000 /dev/zero > zeros
        truncate -s 3M sparse
        {{ printf 'start'; head -c 300000 /dev/zero; printf 'middle'; head -c 200000 /dev/zero; printf 'end'; }} > mixed
        "#,
        src = src.display()
    ));
}

/// One line per node: everything that must survive a round trip.
fn listing(root: &Path, with_xattrs: bool, nanos: bool) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut inodes: BTreeMap<u64, String> = BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(p) = stack.pop() {
        let md = std::fs::symlink_metadata(&p).unwrap();
        let rel = p.strip_prefix(root).unwrap().to_string_lossy().into_owned();
        let ft = md.file_type();
        let mut line = format!(
            "mode={:o} uid={} gid={} mtime={}",
            md.mode(),
            md.uid(),
            md.gid(),
            if nanos { format!("{}.{}", md.mtime(), md.mtime_nsec()) } else { md.mtime().to_string() }
        );
        if ft.is_dir() {
            for e in std::fs::read_dir(&p).unwrap() {
                stack.push(e.unwrap().path());
            }
        } else if ft.is_symlink() {
            line += &format!(" -> {}", std::fs::read_link(&p).unwrap().display());
        } else if ft.is_file() {
            line += &format!(" size={} sha={}", md.len(), Digest::of(&std::fs::read(&p).unwrap()));
            if md.nlink() > 1 {
                let first = inodes.entry(md.ino()).or_insert_with(|| rel.clone()).clone();
                line += &format!(" links={} first-of-inode-sorted={}", md.nlink(), first.len());
            }
        } else {
            line += &format!(" rdev={}", md.rdev());
        }
        if with_xattrs && !ft.is_symlink() {
            line += &format!(" xattrs={:?}", xattrs_of(&p));
        }
        out.insert(rel, line);
    }
    out
}

fn xattrs_of(p: &Path) -> Vec<(String, String)> {
    let mut names = vec![0u8; 4096];
    let n = rustix::fs::llistxattr(p, &mut names[..]).unwrap();
    let mut out: Vec<(String, String)> = names[..n]
        .split(|&b| b == 0)
        .filter(|n| !n.is_empty())
        .map(|name| {
            let name = std::str::from_utf8(name).unwrap();
            let mut v = vec![0u8; 4096];
            let k = rustix::fs::lgetxattr(p, name, &mut v[..]).unwrap();
            (name.to_string(), String::from_utf8_lossy(&v[..k]).into_owned())
        })
        .collect();
    out.sort();
    out
}

fn hardlink_groups(root: &Path) -> Vec<Vec<String>> {
    let mut by_ino: BTreeMap<u64, Vec<String>> = BTreeMap::new();
    let out = Command::new("find").arg(root).args(["-type", "f", "-links", "+1", "-printf", "%i %P\n"]).output().unwrap();
    for l in String::from_utf8_lossy(&out.stdout).lines() {
        let (ino, p) = l.split_once(' ').unwrap();
        by_ino.entry(ino.parse().unwrap()).or_default().push(p.to_string());
    }
    let mut groups: Vec<Vec<String>> = by_ino.into_values().map(|mut v| {
        v.sort();
        v
    }).collect();
    groups.sort();
    groups
}

fn sha_file(p: &Path) -> Digest {
    Digest::of(&std::fs::read(p).unwrap())
}

#[test]
fn gnu_tar_round_trips() {
    let t = tempfile::tempdir().unwrap();
    let src = t.path().join("src");
    std::fs::create_dir(&src).unwrap();
    make_tree(&src);
    let formats: [(&str, &str, bool); 2] = [("gnu", "--format=gnu", false), ("posix", "--format=posix --xattrs --xattrs-include=*", true)];
    for (fname, fflags, xattrs) in formats {
        let tar = t.path().join(format!("{fname}.tar"));
        sh(&format!("tar --sort=name --numeric-owner {fflags} -cf {} -C {} .", tar.display(), src.display()));
        let plain_digest = sha_file(&tar);
        let plain_len = std::fs::metadata(&tar).unwrap().len();
        for (kind, tool) in [
            (Compression::None, ""),
            (Compression::Gzip, "gzip -c"),
            (Compression::Bzip2, "bzip2 -c"),
            (Compression::Xz, "xz -T1 -c"),
            (Compression::Zstd, "zstd -q -c"),
        ] {
            let input = if tool.is_empty() {
                tar.clone()
            } else {
                let p = t.path().join(format!("{fname}.tar.{}", kind.name()));
                sh(&format!("{tool} {} > {}", tar.display(), p.display()));
                p
            };
            let staging = t.path().join(format!("layer-{fname}-{}", kind.name()));
            std::fs::create_dir(&staging).unwrap();
            let f = std::fs::File::open(&input).unwrap();
            let applied = apply_layer(f, &staging, &ApplyOptions { blob_digest: true }).unwrap();
            let what = format!("{fname}/{}", kind.name());
            assert_eq!(applied.compression, kind, "{what}");
            assert_eq!(applied.diff_id, plain_digest, "{what}");
            assert_eq!(applied.tar_size, plain_len, "{what}");
            assert_eq!(applied.blob_digest, Some(sha_file(&input)), "{what}");

            let diff = staging.join("diff");
            assert_eq!(listing(&src, xattrs, xattrs), listing(&diff, xattrs, xattrs), "{what}");
            assert_eq!(hardlink_groups(&src), hardlink_groups(&diff), "{what}");
            // Zeros cost no disk.
            for z in ["zeros", "sparse"] {
                let md = std::fs::metadata(diff.join(z)).unwrap();
                assert!(md.blocks() <= 8, "{what}: {z} uses {} blocks", md.blocks());
            }

            let mut out = Vec::new();
            assert_eq!(reassemble(&staging, &mut out).unwrap(), plain_len, "{what}");
            assert!(Digest::of(&out) == plain_digest, "{what}: reassembled tar differs");
            let outf = t.path().join("out.tar");
            let f = std::fs::File::create(&outf).unwrap();
            reassemble_to_file(&staging, &f).unwrap();
            assert_eq!(sha_file(&outf), plain_digest, "{what}: reassembled file differs");
            std::fs::remove_dir_all(&staging).unwrap();
        }
    }
}
