//! Hostile and interrupted input: breakout archives through `import` and `load` (security.md
//! §1.3), an 8 GiB zero-padded tar and a gzip bomb with bounded memory, and `kill -9` in the
//! middle of an import or a load.

use libdocker_e2e::tar::{docker_archive, TarBuilder};
use libdocker_e2e::{run_measuring_rss, stderr, Env};
use std::io::Write;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;

/// A host directory that archives try to reach: `victim/hello` (mode 0400), and nothing else.
struct Victim {
    dir: tempfile::TempDir,
}

impl Victim {
    fn new() -> Victim {
        let dir = tempfile::Builder::new().prefix("ldvictim-").tempdir().unwrap();
        std::fs::create_dir(dir.path().join("victim")).unwrap();
        std::fs::write(dir.path().join("victim/hello"), "hello").unwrap();
        std::fs::set_permissions(dir.path().join("victim/hello"), std::fs::Permissions::from_mode(0o400)).unwrap();
        Victim { dir }
    }
    fn path(&self) -> String {
        self.dir.path().join("victim").display().to_string()
    }
    fn assert_untouched(&self, case: &str) {
        let names: Vec<String> = std::fs::read_dir(self.dir.path().join("victim"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, vec!["hello".to_string()], "{case}: the victim directory changed");
        let m = std::fs::metadata(self.dir.path().join("victim/hello")).unwrap();
        assert_eq!(m.mode() & 0o7777, 0o400, "{case}: the victim's mode changed");
        assert_eq!(m.nlink(), 1, "{case}: the victim was hard-linked");
        assert_eq!(std::fs::read_to_string(self.dir.path().join("victim/hello")).unwrap(), "hello", "{case}");
        let top: Vec<_> = std::fs::read_dir(self.dir.path()).unwrap().collect();
        assert_eq!(top.len(), 1, "{case}: something appeared beside the victim");
    }
}

/// The breakout matrix (security.md §1.3), aimed at a real host directory: relative `..` names
/// and links, absolute links into the host victim, two-hop symlinks, symlink-then-hardlink chmod
/// (CVE-2021-32760), whiteouts through symlinks, and the absolute hardlink that must work.
fn cases(v: &str) -> Vec<(&'static str, Vec<u8>)> {
    let hello = format!("{v}/hello");
    vec![
        ("F1 ../victim/dotdot", TarBuilder::new().file("../victim/dotdot", b"x").finish()),
        ("F2 /../victim/slash-dotdot", TarBuilder::new().file("/../victim/slash-dotdot", b"x").finish()),
        ("P1 ..", TarBuilder::new().file("..", b"x").finish()),
        ("P2 ../pwned", TarBuilder::new().file("../pwned", b"x").finish()),
        ("P3 ../../pwned", TarBuilder::new().file("../../pwned", b"x").finish()),
        ("S-prefix", TarBuilder::new().hardlink("grab", "../dest-evil/secret").finish()),
        ("H1 hardlink ../victim", TarBuilder::new().hardlink("dotdot", "../victim/hello").finish()),
        ("H2 hardlink absolute host", TarBuilder::new().hardlink("abs", &hello).finish()),
        (
            "H3 hardlink dir + file",
            TarBuilder::new().hardlink("loophole-victim", v).file("loophole-victim/file", b"x").finish(),
        ),
        (
            "H4 hardlink dir + symlink",
            TarBuilder::new()
                .hardlink("loophole-victim", v)
                .symlink("symlink", "loophole-victim/hello")
                .file("symlink", b"x")
                .finish(),
        ),
        (
            "Y1 symlink ../victim + file",
            TarBuilder::new().symlink("loophole-victim", "../victim").file("loophole-victim/file", b"x").finish(),
        ),
        (
            "Y2 symlink abs host + file",
            TarBuilder::new().symlink("loophole-victim", v).file("loophole-victim/file", b"x").finish(),
        ),
        (
            "Y3 symlink abs host + overwrite",
            TarBuilder::new().symlink("loophole-victim", v).file("loophole-victim/hello", b"x").finish(),
        ),
        (
            "Y4 symlink + hardlink through it",
            TarBuilder::new().symlink("loophole-victim", v).hardlink("hardlink", "loophole-victim/hello").finish(),
        ),
        (
            "Y5 symlink dir/loophole -> ../../victim",
            TarBuilder::new()
                .dir("dir")
                .symlink("dir/loophole", "../../victim")
                .file("dir/loophole/newdir/newfile", b"x")
                .finish(),
        ),
        (
            "Y6 symlink /../../../..host",
            TarBuilder::new().symlink("link", &format!("/../../../..{v}")).file("link/file", b"x").finish(),
        ),
        (
            "2-hop",
            TarBuilder::new()
                .dir("inner")
                .symlink("inner/go_up", "..")
                .symlink("inner/go_up/escape", &format!("../..{v}"))
                .file("inner/go_up/escape/newfile", b"x")
                .finish(),
        ),
        (
            "CVE-2021-32760 symlink then hardlink chmod",
            TarBuilder::new().symlink("outside", &hello).hardlink("sketchylink", "outside").finish(),
        ),
        ("whiteout through symlink", TarBuilder::new().symlink("a", v).file("a/.wh.hello", b"").finish()),
        ("opaque through symlink", TarBuilder::new().symlink("a", v).file("a/.wh..wh..opq", b"").finish()),
        ("invalid whiteout .wh.", TarBuilder::new().file(".wh.", b"").finish()),
        ("invalid whiteout .wh..", TarBuilder::new().file(".wh..", b"").finish()),
    ]
}

#[test]
fn breakout_archives_are_contained_in_import_and_load() {
    let victim = Victim::new();
    let env = Env::new();
    for (name, tar) in cases(&victim.path()) {
        // import: contained or refused, never a host change.
        let out = env.dock_stdin(&["import", "-", "evil:1"], &tar);
        victim.assert_untouched(&format!("import {name}"));
        if !out.status.success() {
            assert_eq!(out.status.code(), Some(1), "{name}: {}", stderr(&out));
        }
        // load: the same tar as a layer of a saved image.
        let (archive, _) = docker_archive(std::slice::from_ref(&tar), "evil:2");
        let out = env.dock_stdin(&["load"], &archive);
        victim.assert_untouched(&format!("load {name}"));
        if !out.status.success() {
            assert_eq!(out.status.code(), Some(1), "{name}: {}", stderr(&out));
        }
        let _ = env.dock(&["rmi", "-f", "evil:1", "evil:2"]);
    }
    // Nothing escaped into the state root either: only store directories, nothing staged.
    assert_eq!(std::fs::read_dir(env.path().join("tmp")).unwrap().count(), 0);
    // The absolute hardlink that Docker images contain must work (kaniko writes them).
    let ok =
        TarBuilder::new().file("usr/bin/perlbug", b"perl").hardlink("usr/bin/perlthanks", "/usr/bin/perlbug").finish();
    let out = env.dock_stdin(&["import", "-", "links:1"], &ok);
    assert!(out.status.success(), "{}", stderr(&out));
    env.finish();
}

#[test]
fn an_8_gib_zero_padded_tar_and_a_gzip_bomb_use_bounded_memory() {
    let env = Env::new();
    // An empty tar followed by 8 GiB of zeros (moby's TestImportExtremelyLargeImageWorks).
    let feed: Box<dyn FnOnce(std::process::ChildStdin) + Send> = Box::new(|mut stdin| {
        let zeros = vec![0u8; 1 << 20];
        let _ = stdin.write_all(&TarBuilder::new().finish());
        for _ in 0..(8 << 10) {
            if stdin.write_all(&zeros).is_err() {
                return;
            }
        }
    });
    let (status, rss_kb, err) = run_measuring_rss(env.cmd(&["import", "-", "big:1"]), Some(feed));
    assert!(status.success(), "{err}");
    assert!(rss_kb < 256 * 1024, "peak RSS {rss_kb} kB");
    // The whole stream is the layer (diff id over all 8 GiB), yet stored in a few bytes.
    let doc = env.inspect("big:1");
    assert_eq!(doc["Size"], 0);

    // A gzip bomb: one file of 2 GiB of zeros, compressed to a few MB.
    let dir = tempfile::tempdir().unwrap();
    let bomb = dir.path().join("bomb.tar.gz");
    {
        let f = std::fs::File::create(&bomb).unwrap();
        let mut gz = flate2::write::GzEncoder::new(f, flate2::Compression::fast());
        let size: u64 = 2 << 30;
        let header = TarBuilder::new().file("zeros", b"").finish();
        // Patch the size field of the (empty) file entry to 2 GiB, then stream the zeros.
        let mut h = header[..512].to_vec();
        let octal = format!("{size:011o}\0");
        h[124..136].copy_from_slice(octal.as_bytes());
        h[148..156].copy_from_slice(b"        ");
        let sum: u32 = h.iter().map(|&b| b as u32).sum();
        h[148..156].copy_from_slice(format!("{sum:06o}\0 ").as_bytes());
        gz.write_all(&h).unwrap();
        let zeros = vec![0u8; 1 << 20];
        for _ in 0..(size >> 20) {
            gz.write_all(&zeros).unwrap();
        }
        gz.write_all(&[0u8; 1024]).unwrap();
        gz.finish().unwrap();
    }
    let (status, rss_kb, err) = run_measuring_rss(env.cmd(&["import", bomb.to_str().unwrap(), "bomb:1"]), None);
    assert!(status.success(), "{err}");
    assert!(rss_kb < 256 * 1024, "peak RSS {rss_kb} kB");
    // The 2 GiB file is stored as a hole.
    let layer = std::fs::read_dir(env.path().join("layers"))
        .unwrap()
        .flatten()
        .find(|e| e.path().join("diff/zeros").exists())
        .unwrap();
    let m = std::fs::metadata(layer.path().join("diff/zeros")).unwrap();
    assert_eq!(m.len(), 2 << 30);
    assert!(m.blocks() < 1024, "{} blocks", m.blocks());
    env.ok(&["rmi", "big:1", "bomb:1"]);
    env.finish();
}

/// `kill -9` a `dock` mid-stream; the next use of the root sees nothing of it.
fn kill_mid_stream(env: &Env, args: &[&str], data: &[u8]) {
    let mut child = env
        .cmd(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(&data[..data.len() / 2]).unwrap();
    stdin.flush().unwrap();
    std::thread::sleep(std::time::Duration::from_millis(200));
    child.kill().unwrap();
    child.wait().unwrap();
    drop(stdin);
}

#[test]
fn kill_9_mid_import_or_load_leaves_nothing() {
    let env = Env::new();
    let tar = std::fs::read(libdocker_e2e::busybox_tar()).unwrap();
    kill_mid_stream(&env, &["import", "-", "half:1"], &tar);
    let (archive, _) = docker_archive(std::slice::from_ref(&tar), "half:2");
    kill_mid_stream(&env, &["load"], &archive);
    // The next open sweeps what the dead writers staged; no image, no layer.
    assert_eq!(env.ok(&["images", "-a", "-q"]), "");
    assert_eq!(std::fs::read_dir(env.path().join("layers")).unwrap().count(), 0);
    assert_eq!(std::fs::read_dir(env.path().join("tmp")).unwrap().count(), 0);
    // And the same operations then succeed.
    assert!(env.dock_stdin(&["import", "-", "half:1"], &tar).status.success());
    assert!(env.dock_stdin(&["load"], &archive).status.success());
    assert!(Path::new(&env.path().join("images")).exists());
    env.ok(&["rmi", "half:1", "half:2"]);
    env.finish();
}

/// Issue 11's bounded inputs and names: endless files are refused at their cap, a name of any
/// length can be claimed, a name no kind accepts is "No such object", /proc stays uncovered.
#[test]
fn endless_inputs_long_names_and_proc_mounts_are_refused_clearly() {
    let env = Env::new();
    env.busybox();
    let err = env.fails(&["create", "--env-file", "/dev/zero", "busybox", "true"], 125);
    assert!(err.contains("bufio.Scanner: token too long"), "{err}");
    let err = env.fails(&["build", "-f", "/dev/zero", env.path().to_str().unwrap()], 1);
    assert!(err.contains("larger than 16 MiB"), "{err}");
    let err = env.fails(&["create", "-e", "=x", "busybox", "true"], 125);
    assert!(err.contains("invalid environment variable: =x"), "{err}");

    let long = "n".repeat(300);
    env.ok(&["create", "--name", &long, "busybox", "true"]);
    let err = env.fails(&["create", "--name", &long, "busybox", "true"], 125);
    assert!(err.contains("is already in use"), "{err}");
    assert_eq!(env.ok(&["inspect", "-f", "{{.Name}}", &long]).trim(), format!("/{long}"));
    env.ok(&["rm", &long]);
    let err = env.fails(&["inspect", &long], 1);
    assert!(err.starts_with(&format!("Error: No such object: {long}")), "{err}");

    for (v, want) in [
        ("/tmp:/proc", "\"/proc\" cannot be mounted because it is not of type proc"),
        ("/tmp:/proc/sys", "\"/proc/sys\" cannot be mounted because it is inside /proc"),
    ] {
        let err = env.fails(&["create", "-v", v, "busybox", "true"], 125);
        assert!(err.contains(want), "{v}: {err}");
    }
    assert_eq!(env.ok(&["ps", "-aq"]), "");
    env.finish();
}
