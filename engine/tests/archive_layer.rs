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
    for (file, name, value) in
        [("dir/file.txt", "user.test", "hello"), ("random.bin", "trusted.foo", "bar"), ("dir", "user.dir", "yes")]
    {
        rustix::fs::lsetxattr(src.join(file), name, value.as_bytes(), rustix::fs::XattrFlags::empty()).unwrap();
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
    let out =
        Command::new("find").arg(root).args(["-type", "f", "-links", "+1", "-printf", "%i %P\n"]).output().unwrap();
    for l in String::from_utf8_lossy(&out.stdout).lines() {
        let (ino, p) = l.split_once(' ').unwrap();
        by_ino.entry(ino.parse().unwrap()).or_default().push(p.to_string());
    }
    let mut groups: Vec<Vec<String>> = by_ino
        .into_values()
        .map(|mut v| {
            v.sort();
            v
        })
        .collect();
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
    let formats: [(&str, &str, bool); 2] =
        [("gnu", "--format=gnu", false), ("posix", "--format=posix --xattrs --xattrs-include=*", true)];
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

// ---- archives built entry by entry ----

use engine::archive::tar::{Header, Kind, Time, Writer};
use engine::archive::{untar, write_tree, UntarOptions, WriteOptions};
use engine::safefs::RootDir;
use engine::ErrorKind;
use std::io::Read;
use std::os::unix::fs::FileTypeExt;

fn h(path: &str, kind: Kind) -> Header {
    Header {
        path: path.as_bytes().to_vec(),
        kind,
        mode: if kind == Kind::Dir { 0o755 } else { 0o644 },
        mtime: Time { secs: 1_600_000_000, nanos: 0 },
        ..Header::default()
    }
}

fn reg(path: &str, data: &[u8]) -> (Header, Vec<u8>) {
    (Header { size: data.len() as u64, ..h(path, Kind::Regular) }, data.to_vec())
}
fn dir(path: &str) -> (Header, Vec<u8>) {
    (h(path, Kind::Dir), Vec::new())
}
fn link(path: &str, kind: Kind, target: &str) -> (Header, Vec<u8>) {
    (Header { link: target.as_bytes().to_vec(), ..h(path, kind) }, Vec::new())
}

fn build(entries: &[(Header, Vec<u8>)]) -> Vec<u8> {
    let mut w = Writer::new(Vec::new());
    for (h, d) in entries {
        w.append(h, &d[..]).unwrap();
    }
    w.finish().unwrap()
}

fn apply_bytes(tar: &[u8], staging: &Path) -> engine::Result<engine::archive::AppliedLayer> {
    std::fs::create_dir_all(staging).unwrap();
    apply_layer(tar, staging, &ApplyOptions::default())
}

fn reassembled(staging: &Path) -> Vec<u8> {
    let mut out = Vec::new();
    reassemble(staging, &mut out).unwrap();
    out
}

fn is_whiteout(p: &Path) -> bool {
    let md = std::fs::symlink_metadata(p).unwrap();
    md.file_type().is_char_device() && md.rdev() == 0
}

#[test]
fn duplicates_and_replacements_reassemble_exactly() {
    let t = tempfile::tempdir().unwrap();
    let mut big = vec![7u8; 200_000];
    big[70_000..140_000].fill(0);
    let mut tar = build(&[
        reg("a", b"first"),
        reg("a", b"second"),
        reg("f", b"file then dir"),
        dir("f/"),
        reg("f/x", b"inside"),
        dir("d/"),
        reg("d/y", b"in d"),
        link("d", Kind::Symlink, "f"),
        reg("d/z", b"through the link"),
        reg("h", b"hard"),
        link("h2", Kind::Link, "h"),
        reg("h", b"new h"),
        reg(".wh.h2", b""),
        reg("e/big", &big),
        reg(".wh.e", b""),
        dir("p/"),
        reg("p/q", b"q"),
        reg("p/.wh..wh..opq", b""),
        reg(".wh..wh.plnk/123.456", b"aufs"),
        (Header { mode: 0o750, ..h("./", Kind::Dir) }, Vec::new()),
    ]);
    // Whatever follows the end-of-archive marker belongs to the stream too.
    tar.extend_from_slice(b"trailing garbage");
    tar.resize(tar.len() + 100_000, 0);

    let staging = t.path().join("layer");
    let applied = apply_bytes(&tar, &staging).unwrap();
    assert_eq!(applied.diff_id, Digest::of(&tar));
    assert_eq!(applied.tar_size, tar.len() as u64);
    assert!(reassembled(&staging) == tar, "reassembled bytes differ");

    let d = staging.join("diff");
    assert_eq!(std::fs::read(d.join("a")).unwrap(), b"second");
    assert_eq!(std::fs::read(d.join("f/x")).unwrap(), b"inside");
    assert_eq!(std::fs::read(d.join("f/z")).unwrap(), b"through the link");
    assert_eq!(std::fs::read_link(d.join("d")).unwrap(), Path::new("f"));
    assert_eq!(std::fs::read(d.join("h")).unwrap(), b"new h");
    assert!(is_whiteout(&d.join("h2")) && is_whiteout(&d.join("e")));
    assert!(!d.join(".wh..wh.plnk").exists());
    let opaque = rustix::fs::lgetxattr(d.join("p"), "trusted.overlay.opaque", &mut [0u8; 4][..]).unwrap();
    assert_eq!(opaque, 1);
    assert_eq!(std::fs::metadata(&d).unwrap().mode() & 0o7777, 0o750);
    assert!(std::fs::read_dir(staging.join("dup")).unwrap().count() >= 4);

    // A damaged layer file fails verification.
    let mut out = Vec::new();
    engine::archive::reassemble_verified(&staging, &applied.diff_id, &mut out).unwrap();
    std::fs::write(d.join("f/x"), b"INSIDE").unwrap();
    let e = engine::archive::reassemble_verified(&staging, &applied.diff_id, &mut Vec::new()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Corrupt);
    assert_eq!(e.message(), format!("layer {} failed verification", applied.diff_id));
}

#[test]
fn upper_dir_commits_to_whiteouts_and_back() {
    let t = tempfile::tempdir().unwrap();
    let upper = t.path().join("upper");
    std::fs::create_dir(&upper).unwrap();
    sh(&format!(
        r#"cd {}
        mkdir -p opq/sub keep
        printf x > opq/sub/f && printf y > keep/f && ln keep/f keep/f2 && ln -s ../keep/f keep/l
        mknod gone c 0 0 && chown 12:34 gone
        mknod keep/wh c 0 0 && ln keep/wh keep/wh2
        mkfifo keep/fifo
        "#,
        upper.display()
    ));
    rustix::fs::lsetxattr(upper.join("opq"), "trusted.overlay.opaque", b"y", rustix::fs::XattrFlags::empty()).unwrap();
    rustix::fs::lsetxattr(upper.join("keep/f"), "user.k", b"v", rustix::fs::XattrFlags::empty()).unwrap();
    sh(&format!("cd {} && find . -exec touch -h -d @1600000000 {{}} +", upper.display()));

    let root = RootDir::open(&upper).unwrap();
    let opts = WriteOptions { whiteouts: true, top_name: None, filter: None };
    let mut tar = Vec::new();
    let n = write_tree(&root, Path::new(""), &mut tar, &opts).unwrap();
    assert_eq!(n, tar.len() as u64);

    let mut names = Vec::new();
    let mut rd = engine::archive::tar::Reader::new(&tar[..]);
    while let Some(e) = rd.next_entry().unwrap() {
        names.push((String::from_utf8(e.header.path.clone()).unwrap(), e.header.kind, e.header.mode, e.header.uid));
    }
    let find = |n: &str| names.iter().find(|e| e.0 == n).unwrap_or_else(|| panic!("{n} missing: {names:?}")).clone();
    assert_eq!(find(".wh.gone"), (".wh.gone".into(), Kind::Regular, 0o600, 12));
    assert_eq!(find("keep/.wh.wh2").1, Kind::Regular, "whiteouts sharing an inode are not hardlinks");
    assert_eq!(find("keep/f2").1, Kind::Link);
    let opq = names.iter().position(|e| e.0 == "opq/").unwrap();
    assert_eq!(names[opq + 1].0, "opq/.wh..wh..opq");

    // Applied as a layer, it gives back the same tree: the same bytes when written again.
    let staging = t.path().join("layer");
    apply_bytes(&tar, &staging).unwrap();
    assert!(reassembled(&staging) == tar);
    let mut again = Vec::new();
    write_tree(&RootDir::open(&staging.join("diff")).unwrap(), Path::new(""), &mut again, &opts).unwrap();
    assert!(again == tar, "write_tree of the applied layer differs");

    // cp-style: a top entry under another name.
    let mut cp = Vec::new();
    let opts = WriteOptions { whiteouts: false, top_name: Some("copy".into()), filter: None };
    write_tree(&root, Path::new("keep"), &mut cp, &opts).unwrap();
    let mut rd = engine::archive::tar::Reader::new(&cp[..]);
    let first = rd.next_entry().unwrap().unwrap();
    assert_eq!(first.header.path, b"copy/");
    assert_eq!(rd.next_entry().unwrap().unwrap().header.path, b"copy/f");
}

#[test]
fn a_tar_cannot_fake_overlay_metadata() {
    let t = tempfile::tempdir().unwrap();
    let xattrs = vec![
        (b"trusted.overlay.opaque".to_vec(), b"y".to_vec()),
        (b"trusted.overlay.redirect".to_vec(), b"/elsewhere".to_vec()),
        (b"user.kept".to_vec(), b"1".to_vec()),
    ];
    let tar = build(&[(Header { xattrs: xattrs.clone(), ..h("d/", Kind::Dir) }, Vec::new()), {
        let (hd, data) = reg("d/f", b"x");
        (Header { xattrs, ..hd }, data)
    }]);
    let staging = t.path().join("layer");
    apply_bytes(&tar, &staging).unwrap();
    for p in ["d", "d/f"] {
        let got = xattrs_of(&staging.join("diff").join(p));
        assert_eq!(got, vec![("user.kept".to_string(), "1".to_string())], "{p}");
    }
    assert!(reassembled(&staging) == tar);
}

fn expect_invalid(tar: &[u8], what: &str) {
    let t = tempfile::tempdir().unwrap();
    let e = apply_bytes(tar, t.path()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidArgument, "{e}");
    assert!(e.message().contains(what), "expected {what:?} in {:?}", e.message());
    // The caller deletes the staging directory: it is still there.
    assert!(t.path().join("diff").is_dir());
}

#[test]
fn bad_input_is_invalid_argument() {
    let good = build(&[reg("a", &[1u8; 3000]), reg("b", b"b")]);

    let mut bad_sum = good.clone();
    bad_sum[3584 + 20] ^= 0x40;
    expect_invalid(&bad_sum, "invalid tar header at offset 3584");
    expect_invalid(&good[..2000], "unexpected end of tar archive");
    expect_invalid(&good[..3584], "unexpected end of tar archive");

    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    std::io::Write::write_all(&mut gz, &good).unwrap();
    let gz = gz.finish().unwrap();
    expect_invalid(&gz[..gz.len() - 30], "gzip stream is truncated");

    let garbage: Vec<u8> = (0..4096u32).map(|i| (i * 7919 % 251) as u8 + 1).collect();
    expect_invalid(&garbage, "invalid tar header at offset 0");

    let mut big_pax = h("p", Kind::Regular);
    big_pax.xattrs = vec![(b"user.x".to_vec(), vec![b'x'; 2 << 20])];
    expect_invalid(&build(&[(big_pax, Vec::new())]), "too large");

    for name in [".wh.", ".wh..", ".wh...", "a/.wh.."] {
        expect_invalid(&build(&[reg(name, b"")]), "invalid whiteout entry");
    }
    expect_invalid(&build(&[link("l", Kind::Link, "nothing/here")]), "does not exist");
    expect_invalid(&build(&[reg("../x", b"")]), "points outside the destination");
}

#[test]
fn gnu_sparse_files_are_unsupported() {
    let t = tempfile::tempdir().unwrap();
    sh(&format!(
        "cd {0} && mkdir s && truncate -s 1M s/f && printf x >> s/f && tar --sparse -cf sparse.tar -C s .",
        t.path().display()
    ));
    let f = std::fs::File::open(t.path().join("sparse.tar")).unwrap();
    std::fs::create_dir(t.path().join("layer")).unwrap();
    let e = apply_layer(f, &t.path().join("layer"), &ApplyOptions::default()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unsupported, "{e}");
}

#[test]
fn untar_options() {
    let t = tempfile::tempdir().unwrap();
    let root_path = t.path().join("root");
    std::fs::create_dir_all(root_path.join("existing")).unwrap();
    let root = RootDir::open(&root_path).unwrap();
    let tar = build(&[
        reg("usr/bin/perlbug", b"perl"),
        link("/usr/bin/perlthanks", Kind::Link, "/usr/bin/perlbug"),
        reg(".wh.kept", b"plain file"),
        (Header { mode: 0o4755, uid: 7, gid: 8, ..reg("suid", b"s").0 }, b"s".to_vec()),
    ]);
    let opts = UntarOptions { chown: Some((1000, 1001)), chmod: None, no_overwrite_dir_non_dir: false };
    untar(&tar[..], &root, Path::new("/dest/./sub"), &opts).unwrap();
    let dest = root_path.join("dest/sub");
    let a = std::fs::metadata(dest.join("usr/bin/perlbug")).unwrap();
    let b = std::fs::metadata(dest.join("usr/bin/perlthanks")).unwrap();
    assert_eq!(a.ino(), b.ino());
    assert_eq!((a.uid(), a.gid()), (1000, 1001));
    assert_eq!(std::fs::read(dest.join(".wh.kept")).unwrap(), b"plain file");
    let s = std::fs::metadata(dest.join("suid")).unwrap();
    assert_eq!((s.mode() & 0o7777, s.uid(), s.gid()), (0o4755, 1000, 1001));

    // Compressed input works the same.
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    std::io::Write::write_all(&mut gz, &build(&[reg("z", b"zipped")])).unwrap();
    untar(&gz.finish().unwrap()[..], &root, Path::new(""), &UntarOptions::default()).unwrap();
    assert_eq!(std::fs::read(root_path.join("z")).unwrap(), b"zipped");

    let strict = UntarOptions { chown: None, chmod: None, no_overwrite_dir_non_dir: true };
    let e = untar(&build(&[reg("existing", b"x")])[..], &root, Path::new(""), &strict).unwrap_err();
    assert!(e.message().contains("cannot overwrite directory with non-directory"), "{e}");
    let e = untar(&build(&[dir("z/")])[..], &root, Path::new(""), &strict).unwrap_err();
    assert!(e.message().contains("cannot overwrite non-directory with directory"), "{e}");
    assert!(root_path.join("existing").is_dir());

    // A mode for every node (COPY --chmod), symlinks aside.
    let tar = build(&[dir("m/"), reg("m/f", b"f"), link("m/l", Kind::Symlink, "f")]);
    let opts = UntarOptions { chmod: Some(0o750), ..Default::default() };
    untar(&tar[..], &root, Path::new("chmodded"), &opts).unwrap();
    for p in ["m", "m/f"] {
        assert_eq!(std::fs::metadata(root_path.join("chmodded").join(p)).unwrap().mode() & 0o7777, 0o750, "{p}");
    }
    assert!(std::fs::symlink_metadata(root_path.join("chmodded/m/l")).unwrap().file_type().is_symlink());
}

#[test]
fn write_tree_filters_nodes() {
    use engine::archive::{write_tree, Visit, WriteOptions};
    let t = tempfile::tempdir().unwrap();
    sh(&format!(
        "cd {} && mkdir -p src/skip/deep src/desc/in src/keep && touch src/skip/deep/x src/desc/in/y src/desc/z src/keep/w src/top",
        t.path().display()
    ));
    let root = engine::safefs::RootDir::open(&t.path().join("src")).unwrap();
    let seen = std::sync::Mutex::new(Vec::new());
    let filter = |p: &[u8], is_dir: bool| {
        seen.lock().unwrap().push((String::from_utf8_lossy(p).into_owned(), is_dir));
        match p {
            b"skip" => Visit::Skip,
            b"desc" | b"desc/z" => Visit::Descend,
            _ => Visit::Include,
        }
    };
    let names = |opts: &WriteOptions| {
        let mut tar = Vec::new();
        write_tree(&root, Path::new(""), &mut tar, opts).unwrap();
        let mut rd = engine::archive::tar::Reader::new(&tar[..]);
        let mut out = Vec::new();
        while let Some(e) = rd.next_entry().unwrap() {
            out.push(String::from_utf8(e.header.path.clone()).unwrap());
        }
        out
    };
    let got = names(&WriteOptions { filter: Some(&filter), ..Default::default() });
    assert_eq!(got, ["desc/in/", "desc/in/y", "keep/", "keep/w", "top"]);
    assert!(!seen.lock().unwrap().iter().any(|(p, _)| p.starts_with("skip/")), "a skipped tree is not walked");
    assert!(seen.lock().unwrap().contains(&("desc".to_string(), true)));

    // With a top name, paths given to the filter stay relative to `rel`.
    seen.lock().unwrap().clear();
    let mut tar = Vec::new();
    let opts = WriteOptions { top_name: Some("copy".into()), filter: Some(&filter), ..Default::default() };
    write_tree(&root, Path::new("desc"), &mut tar, &opts).unwrap();
    let paths: Vec<String> = seen.lock().unwrap().iter().map(|(p, _)| p.clone()).collect();
    assert_eq!(paths, ["", "in", "in/y", "z"]);
}

// ---- bounded memory: each scenario runs in a child process, alone, so VmHWM is its own ----

fn vm_hwm() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with("VmHWM:")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse::<u64>().unwrap() * 1024
}

/// True in the child; in the parent, run the child and check it passed.
fn run_alone(test: &str) -> bool {
    if std::env::var("ARCHIVE_TEST_ALONE").as_deref() == Ok(test) {
        return true;
    }
    let out = Command::new(std::env::current_exe().unwrap())
        .args([test, "--exact", "--nocapture", "--test-threads=1"])
        .env("ARCHIVE_TEST_ALONE", test)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success() && text.contains("1 passed"), "{text}");
    for l in text.lines().filter_map(|l| l.split_once("rss growth")) {
        eprintln!("rss growth{}", l.1);
    }
    false
}

/// 1 GiB; in debug builds (unoptimised inflate and sha256 take minutes per GiB) 128 MiB.
const GIB: u64 = if cfg!(debug_assertions) { 128 << 20 } else { 1 << 30 };
const RSS_BUDGET: u64 = 64 << 20;

#[test]
fn bounded_memory_zero_padded_tar() {
    if !run_alone("bounded_memory_zero_padded_tar") {
        return;
    }
    let t = tempfile::tempdir().unwrap();
    let before = vm_hwm();
    // An empty archive followed by 1 GiB of zeros (CVE-2017-14992's shape).
    let applied = apply_layer(std::io::repeat(0).take(GIB), t.path(), &ApplyOptions::default()).unwrap();
    let grew = vm_hwm() - before;
    println!("rss growth (zero padded): {} KiB", grew >> 10);
    assert!(grew < RSS_BUDGET, "peak RSS grew by {grew} bytes");
    assert_eq!(applied.tar_size, GIB);
    let split = std::fs::metadata(t.path().join("tar-split")).unwrap().len();
    assert!(split < 64, "tar-split is {split} bytes");
    let mut count = CountingSink(0);
    reassemble(t.path(), &mut count).unwrap();
    assert_eq!(count.0, GIB);
}

#[test]
fn bounded_memory_gzip_bomb() {
    if !run_alone("bounded_memory_gzip_bomb") {
        return;
    }
    let t = tempfile::tempdir().unwrap();
    let header = engine::archive::tar::encode(&Header { size: GIB, ..h("zeros", Kind::Regular) }).unwrap();
    std::fs::write(t.path().join("header"), &header).unwrap();
    sh(&format!(
        "cd {} && {{ cat header; head -c {GIB} /dev/zero; head -c 1024 /dev/zero; }} | gzip -1 > bomb.tar.gz",
        t.path().display()
    ));
    let staging = t.path().join("layer");
    std::fs::create_dir(&staging).unwrap();
    let before = vm_hwm();
    let f = std::fs::File::open(t.path().join("bomb.tar.gz")).unwrap();
    let applied = apply_layer(f, &staging, &ApplyOptions::default()).unwrap();
    let grew = vm_hwm() - before;
    println!("rss growth (gzip bomb): {} KiB", grew >> 10);
    assert!(grew < RSS_BUDGET, "peak RSS grew by {grew} bytes");
    assert_eq!(applied.compression, Compression::Gzip);
    assert_eq!(applied.unpacked_size, GIB);
    let md = std::fs::metadata(staging.join("diff/zeros")).unwrap();
    assert_eq!(md.len(), GIB);
    assert!(md.blocks() <= 8, "the zero file uses {} blocks", md.blocks());
}

struct CountingSink(u64);

impl std::io::Write for CountingSink {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0 += b.len() as u64;
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

// ---- performance sanity (release build; see the report in the test output) ----

/// CPU seconds (user + system) used so far by this process and by its waited-for children.
fn cpu_seconds() -> f64 {
    let mut total = 0.0;
    for who in [libc::RUSAGE_SELF, libc::RUSAGE_CHILDREN] {
        let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
        assert_eq!(unsafe { libc::getrusage(who, &mut ru) }, 0);
        for tv in [ru.ru_utime, ru.ru_stime] {
            total += tv.tv_sec as f64 + tv.tv_usec as f64 / 1e6;
        }
    }
    total
}

/// Run `setup` (untimed) then `f`, three times; the machine is shared, so report the best wall
/// time and the CPU time of that run.
fn timed(what: &str, setup: &str, mut f: impl FnMut()) -> (f64, f64) {
    let mut best = (f64::MAX, 0.0);
    for _ in 0..3 {
        sh(setup);
        sh("sync");
        let (c0, t0) = (cpu_seconds(), std::time::Instant::now());
        f();
        let (wall, cpu) = (t0.elapsed().as_secs_f64(), cpu_seconds() - c0);
        if wall < best.0 {
            best = (wall, cpu);
        }
    }
    eprintln!("{what:<40} wall {:.3} s   cpu {:.3} s", best.0, best.1);
    best
}

/// `cargo test --release -p libdocker-engine --test archive_layer -- --ignored --nocapture perf`
/// Uses `$ARCHIVE_PERF_TAR` or makes /tmp/usr-lib.tar from /usr/lib/x86_64-linux-gnu.
#[test]
#[ignore]
fn perf_against_gnu_tar() {
    let tar = std::env::var("ARCHIVE_PERF_TAR").unwrap_or_else(|_| "/tmp/usr-lib.tar".into());
    if !Path::new(&tar).exists() {
        sh(&format!("tar -cf {tar} -C /usr/lib x86_64-linux-gnu"));
    }
    let size = std::fs::metadata(&tar).unwrap().len();
    eprintln!("input: {tar}, {} MB", size / 1_000_000);
    let t = tempfile::tempdir_in("/tmp").unwrap();
    let work = t.path().display().to_string();

    let gnu_x =
        timed("tar -xf", &format!("rm -rf {work}/x && mkdir {work}/x"), || sh(&format!("tar -xf {tar} -C {work}/x")));
    let ours_x = timed("apply_layer", &format!("rm -rf {work}/layer && mkdir {work}/layer"), || {
        apply_layer(std::fs::File::open(&tar).unwrap(), &t.path().join("layer"), &ApplyOptions::default()).unwrap();
    });
    let gnu_c = timed("tar -cf of the tree", &format!("rm -f {work}/gnu.tar"), || {
        sh(&format!("tar -cf {work}/gnu.tar -C {work}/x ."))
    });
    let ours_file = timed("reassemble_to_file", &format!("rm -f {work}/ours.tar"), || {
        let f = std::fs::File::create(t.path().join("ours.tar")).unwrap();
        reassemble_to_file(&t.path().join("layer"), &f).unwrap();
    });
    let ours_stream = timed("reassemble (buffered writes to a file)", &format!("rm -f {work}/ours.tar"), || {
        let mut f = std::fs::File::create(t.path().join("ours.tar")).unwrap();
        reassemble(&t.path().join("layer"), &mut f).unwrap();
    });
    assert_eq!(sha_file(&t.path().join("ours.tar")), sha_file(Path::new(&tar)));
    for (what, ours, gnu) in [
        ("apply_layer / tar -xf", ours_x, gnu_x),
        ("reassemble_to_file / tar -cf", ours_file, gnu_c),
        ("reassemble / tar -cf", ours_stream, gnu_c),
    ] {
        eprintln!("{what:<40} wall {:.2}x   cpu {:.2}x", ours.0 / gnu.0, ours.1 / gnu.1);
    }
}
