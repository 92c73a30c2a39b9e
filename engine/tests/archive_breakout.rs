//! The breakout matrix of security.md §1.3 (moby/go-archive's, plus CVE cases), for both
//! `apply_layer` and `untar`. Each case may fail or succeed, but afterwards nothing outside the
//! destination changed (the victim keeps its one file, content and mode), the destination holds no
//! copy of the victim's file, and `abs-hardlink` succeeds. Runs as root.

use engine::archive::tar::{Header, Kind, Time, Writer};
use engine::archive::{apply_layer, reassemble, untar, ApplyOptions, UntarOptions};
use engine::safefs::RootDir;
use std::collections::BTreeMap;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

const HELLO: &[u8] = b"hello, I am the victim\n";

enum E {
    Reg(&'static str),
    Dir(String),
    Sym(&'static str, String),
    Hard(&'static str, String),
}
use E::*;

fn s(x: &str) -> String {
    x.to_string()
}

/// The cases; `victim` is the absolute host path of the victim directory, `root` the name of the
/// extraction root (for the prefix-sharing sibling).
fn cases(victim: &Path, parent: &Path, root: &str) -> Vec<(&'static str, Vec<E>)> {
    let v = victim.display().to_string();
    let loophole = |link: fn(&'static str, String) -> E| link("loophole-victim", s("../victim"));
    let mut out = vec![
        ("F1 ../", vec![Reg("../victim/dotdot")]),
        ("F2 /../", vec![Reg("/../victim/slash-dotdot")]),
        ("P1 ..", vec![Reg("..")]),
        ("P2 ../pwned", vec![Reg("../pwned")]),
        ("P3 ../../pwned", vec![Reg("../../pwned")]),
        ("S-prefix", vec![Hard("grab", format!("../{root}-evil/secret"))]),
    ];
    for (kind, link) in [("H", Hard as fn(&'static str, String) -> E), ("Y", Sym as fn(&'static str, String) -> E)] {
        let cases: [(&'static str, Vec<E>); 6] = [
            ("1 dotdot", vec![link("dotdot", s("../victim/hello"))]),
            ("2 slash-dotdot", vec![link("slash-dotdot", s("/../victim/hello"))]),
            ("3 write through", vec![loophole(link), Reg("loophole-victim/file")]),
            ("4 then symlink", vec![loophole(link), Sym("symlink", s("loophole-victim/hello"))]),
            ("5 then hardlink", vec![loophole(link), Hard("hardlink", s("loophole-victim/hello"))]),
            ("6 overwrite", vec![loophole(link), Reg("loophole-victim")]),
        ];
        for (n, entries) in cases {
            out.push((if kind == "H" { leak(format!("H{n}")) } else { leak(format!("Y{n}")) }, entries));
        }
    }
    out.extend([
        ("Y7 nested", vec![Sym("dir/loophole", s("../../victim")), Reg("dir/loophole/newdir/newfile")]),
        (
            "2-hop",
            vec![
                Dir(s("inner")),
                Sym("inner/go_up", s("..")),
                Sym("inner/go_up/escape", s("../victim")),
                Reg("inner/go_up/escape/newfile"),
            ],
        ),
        ("abs-hardlink", vec![Reg("usr/bin/perlbug"), Hard("usr/bin/perlthanks", s("/usr/bin/perlbug"))]),
        ("HL->SL", vec![Sym("symlink1", s("regfile")), Hard("symlink2", s("symlink1")), Reg("regfile")]),
        ("WH .wh.", vec![Reg(".wh.")]),
        ("WH .wh..", vec![Reg(".wh..")]),
        ("WH .wh...", vec![Reg(".wh...")]),
        ("WH through symlink", vec![Sym("a", v.clone()), Reg("a/.wh.hello")]),
        ("WH opaque through symlink", vec![Sym("a", v.clone()), Reg("a/.wh..wh..opq")]),
        ("WH plnk", vec![Reg(".wh..wh.plnk/1234.5678"), Hard("usr/x", s("/.wh..wh.plnk/1234.5678"))]),
        ("CVE-2021-32760", vec![Sym("outside", format!("{v}/hello")), Hard("sketchylink", s("outside"))]),
        ("CVE-2014-9356", vec![Sym("link", format!("/../../../..{v}")), Reg("link/file")]),
        ("CVE-2026-46703", vec![Sym("escape", parent.display().to_string()), Reg("escape/victim/pwned.txt")]),
    ]);
    // The same with the symlinks' targets present inside the root: followed, but in the root.
    let in_root = v.trim_start_matches('/').to_string();
    let parent_in_root = parent.display().to_string().trim_start_matches('/').to_string();
    out.extend([
        ("Y3 in-root", vec![Dir(s("victim")), loophole(Sym), Reg("loophole-victim/file")]),
        (
            "2-hop in-root",
            vec![
                Dir(s("victim")),
                Dir(s("inner")),
                Sym("inner/go_up", s("..")),
                Sym("inner/go_up/escape", s("../victim")),
                Reg("inner/go_up/escape/newfile"),
            ],
        ),
        (
            "CVE-2014-9356 in-root",
            vec![Dir(in_root.clone()), Sym("link", format!("/../../../..{v}")), Reg("link/file")],
        ),
        (
            "CVE-2026-46703 in-root",
            vec![Dir(parent_in_root), Sym("escape", parent.display().to_string()), Reg("escape/victim/pwned.txt")],
        ),
        ("WH in-root", vec![Dir(in_root.clone()), Sym("a", v.clone()), Reg("a/.wh.hello")]),
        ("WH opaque in-root", vec![Dir(in_root), Sym("a", v.clone()), Reg("a/.wh..wh..opq")]),
    ]);
    out
}

fn leak(s: String) -> &'static str {
    Box::leak(s.into_boxed_str())
}

fn tar_of(entries: &[E]) -> Vec<u8> {
    let mut w = Writer::new(Vec::new());
    for e in entries {
        let (path, kind, link, data): (&str, Kind, &str, &[u8]) = match e {
            Reg(p) => (p, Kind::Regular, "", b"pwned\n"),
            Dir(p) => (p.as_str(), Kind::Dir, "", b""),
            Sym(p, t) => (p, Kind::Symlink, t, b""),
            Hard(p, t) => (p, Kind::Link, t, b""),
        };
        let h = Header {
            path: path.as_bytes().to_vec(),
            link: link.as_bytes().to_vec(),
            kind,
            // What a hardlink/symlink header's mode would do if it were applied to the target.
            mode: 0o777,
            size: data.len() as u64,
            mtime: Time { secs: 1_000_000_000, nanos: 0 },
            ..Header::default()
        };
        w.append(&h, data).unwrap();
    }
    w.finish().unwrap()
}

/// Every node under `dir` except those in `skip`: what must not change.
/// Every path under `dir` but those in `skip`, with its metadata and content. `own_dir`'s mtime is
/// left out: the extraction legitimately adds its root (and tar-split) there.
fn snapshot(dir: &Path, skip: &[PathBuf], own_dir: &Path) -> BTreeMap<PathBuf, String> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(p) = stack.pop() {
        if skip.contains(&p) {
            continue;
        }
        let md = std::fs::symlink_metadata(&p).unwrap();
        let mtime = if p == own_dir { 0 } else { md.mtime() };
        let mut line = format!("{:o} {}:{} {} {}", md.mode(), md.uid(), md.gid(), mtime, md.ino());
        if md.is_dir() {
            for e in std::fs::read_dir(&p).unwrap() {
                stack.push(e.unwrap().path());
            }
        } else if md.is_symlink() {
            line += &format!(" -> {}", std::fs::read_link(&p).unwrap().display());
        } else {
            line += &format!(" {:?}", std::fs::read(&p).unwrap());
        }
        out.insert(p, line);
    }
    out
}

/// No regular file under `root` is the victim's file or a copy of it.
fn no_copy_of_hello(root: &Path, hello_ino: u64) -> Result<(), String> {
    let mut stack = vec![root.to_path_buf()];
    while let Some(p) = stack.pop() {
        let md = std::fs::symlink_metadata(&p).unwrap();
        if md.is_dir() {
            stack.extend(std::fs::read_dir(&p).unwrap().map(|e| e.unwrap().path()));
        } else if md.is_file() && (md.ino() == hello_ino || std::fs::read(&p).unwrap() == HELLO) {
            return Err(format!("{} is the victim's file", p.display()));
        }
    }
    Ok(())
}

#[derive(Clone, Copy, PartialEq, Debug)]
enum Mode {
    Apply,
    Untar,
}

/// Run one case; Err describes a breach.
fn run(mode: Mode, name: &str, make: impl Fn(&Path, &Path, &str) -> Vec<E>) -> Result<String, String> {
    let t = tempfile::tempdir().unwrap();
    let base = t.path().join("base");
    // The extraction root and its parent, which holds the victims.
    let (parent, root_name) = match mode {
        Mode::Apply => (base.join("stage"), "diff"),
        Mode::Untar => (base.clone(), "dest"),
    };
    let root = parent.join(root_name);
    let victim = parent.join("victim");
    std::fs::create_dir_all(&victim).unwrap();
    std::fs::write(victim.join("hello"), HELLO).unwrap();
    std::fs::set_permissions(victim.join("hello"), std::fs::Permissions::from_mode(0o400)).unwrap();
    let evil = parent.join(format!("{root_name}-evil"));
    std::fs::create_dir(&evil).unwrap();
    std::fs::write(evil.join("secret"), HELLO).unwrap();
    if mode == Mode::Untar {
        std::fs::create_dir(&root).unwrap();
    }
    let hello_ino = std::fs::metadata(victim.join("hello")).unwrap().ino();

    let tar = tar_of(&make(&victim, &parent, root_name));
    let ours = [root.clone(), parent.join("tar-split"), parent.join("dup")];
    let before = snapshot(t.path(), &ours, &parent);
    let result = match mode {
        Mode::Apply => apply_layer(&tar[..], &parent, &ApplyOptions::default()).map(|_| ()),
        Mode::Untar => untar(&tar[..], &RootDir::open(&root).unwrap(), Path::new(""), &UntarOptions::default()),
    };
    let after = snapshot(t.path(), &ours, &parent);
    if before != after {
        let changed: Vec<_> = after.iter().filter(|(k, v)| before.get(*k) != Some(v)).map(|(k, _)| k).collect();
        let gone: Vec<_> = before.keys().filter(|k| !after.contains_key(*k)).collect();
        return Err(format!("{name}: outside the destination, changed or new: {changed:?}, removed: {gone:?}"));
    }
    if root.exists() {
        no_copy_of_hello(&root, hello_ino).map_err(|e| format!("{name}: {e}"))?;
    }
    if name == "abs-hardlink" {
        result.as_ref().map_err(|e| format!("{name} must succeed: {e}"))?;
        let a = std::fs::metadata(root.join("usr/bin/perlbug")).unwrap();
        let b = std::fs::metadata(root.join("usr/bin/perlthanks")).unwrap();
        if a.ino() != b.ino() {
            return Err(format!("{name}: not the same inode"));
        }
    }
    if mode == Mode::Apply && result.is_ok() {
        let mut out = Vec::new();
        reassemble(&parent, &mut out).map_err(|e| format!("{name}: reassemble: {e}"))?;
        if out != tar {
            return Err(format!("{name}: reassembled tar differs"));
        }
    }
    Ok(match result {
        Ok(()) => "extracted, contained".to_string(),
        Err(e) => format!("refused: {e}"),
    })
}

fn matrix(mode: Mode) {
    let probe = tempfile::tempdir().unwrap();
    let all = cases(probe.path(), probe.path(), "dest");
    assert_eq!(all.len(), 37, "28 matrix cases, 3 CVE cases, 6 with in-root targets");
    let mut breaches = Vec::new();
    for (i, &(name, _)) in all.iter().enumerate() {
        let outcome = run(mode, name, |victim, parent, root| cases(victim, parent, root).swap_remove(i).1);
        match outcome {
            Ok(what) => eprintln!("{mode:?} {name:<28} {what}"),
            Err(breach) => breaches.push(breach),
        }
    }
    assert!(breaches.is_empty(), "{mode:?} breaches:\n{}", breaches.join("\n"));
}

#[test]
fn breakout_matrix_apply_layer() {
    matrix(Mode::Apply);
}

#[test]
fn breakout_matrix_untar() {
    matrix(Mode::Untar);
}
