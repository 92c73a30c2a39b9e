//! Images through `dock`: import (every compression), references, list/inspect/history,
//! tag/rmi, save/load round trips and their archive layout, and bad input that must leave
//! nothing registered.

use libdocker_e2e::tar::{docker_archive, TarBuilder};
use libdocker_e2e::{busybox_tar, sha256, stderr, stdout, Env};
use serde_json::Value;
use std::process::{Command, Stdio};

fn compress(tool: &str, data: &[u8]) -> Vec<u8> {
    let mut c = Command::new(tool)
        .arg("-c")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{tool}: {e}"));
    let mut stdin = c.stdin.take().unwrap();
    let d = data.to_vec();
    let t = std::thread::spawn(move || std::io::Write::write_all(&mut stdin, &d));
    let out = c.wait_with_output().unwrap();
    t.join().unwrap().unwrap();
    out.stdout
}

/// Every image state of a root is consistent: configs hash to their ids (CVE-2014-8178 check).
fn assert_store_verified(env: &Env) {
    for e in std::fs::read_dir(env.path().join("images")).unwrap().flatten() {
        let raw = std::fs::read(e.path().join("config.json")).unwrap();
        assert_eq!(sha256(&raw), format!("sha256:{}", e.file_name().to_string_lossy()));
    }
}

/// Nothing registered and nothing staged.
fn assert_empty(env: &Env) {
    assert_eq!(env.ok(&["images", "-a", "-q"]), "");
    let layers = std::fs::read_dir(env.path().join("layers")).unwrap().count();
    assert_eq!(layers, 0, "no layer may remain");
    assert_eq!(std::fs::read_dir(env.path().join("tmp")).unwrap().count(), 0, "staging must be empty");
}

#[test]
fn import_every_compression_gives_the_same_layer() {
    let env = Env::new();
    let plain = std::fs::read(busybox_tar()).unwrap();
    let diff = sha256(&plain);
    let dir = tempfile::tempdir().unwrap();
    for (i, tool) in ["cat", "gzip", "bzip2", "xz", "zstd"].iter().enumerate() {
        let data = if *tool == "cat" { plain.clone() } else { compress(tool, &plain) };
        let f = dir.path().join(format!("rootfs.{tool}"));
        std::fs::write(&f, &data).unwrap();
        let tag = format!("bb:{i}");
        let id = env.ok(&["import", f.to_str().unwrap(), &tag]);
        assert!(id.trim().starts_with("sha256:") && id.trim().len() == 71, "{id}");
        let doc = env.inspect(&tag);
        assert_eq!(doc["RootFS"]["Layers"], serde_json::json!([diff]), "{tool}");
        assert_eq!(doc["Id"].as_str().unwrap(), id.trim());
    }
    // Also from stdin.
    let out = env.dock_stdin(&["import", "-", "bb:stdin"], &compress("gzip", &plain));
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(env.inspect("bb:stdin")["RootFS"]["Layers"][0], diff);
    // One unpacked layer serves all six images.
    assert_eq!(std::fs::read_dir(env.path().join("layers")).unwrap().count(), 1);
    assert_store_verified(&env);
    env.finish();
}

#[test]
fn import_changes_and_message_reach_the_config() {
    let env = Env::new();
    let tar = busybox_tar().to_str().unwrap();
    env.ok(&[
        "import",
        "-c",
        "CMD [\"/bin/sh\", \"-c\", \"echo hi\"]",
        "-c",
        "ENV A=1 B=two",
        "-c",
        "EXPOSE 80/tcp 53/udp",
        "-c",
        "USER app",
        "-c",
        "WORKDIR /home/app",
        "-c",
        "LABEL k=v",
        "-c",
        "VOLUME /data",
        "-c",
        "ENTRYPOINT [\"/bin/env\"]",
        "-m",
        "first import",
        tar,
        "changed:1",
    ]);
    let c = env.inspect("changed:1");
    let cfg = &c["Config"];
    assert_eq!(cfg["Cmd"], serde_json::json!(["/bin/sh", "-c", "echo hi"]));
    assert_eq!(cfg["Entrypoint"], serde_json::json!(["/bin/env"]));
    let env_list: Vec<&str> = cfg["Env"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
    assert!(env_list.contains(&"A=1") && env_list.contains(&"B=two"), "{env_list:?}");
    assert!(cfg["ExposedPorts"]["80/tcp"].is_object() && cfg["ExposedPorts"]["53/udp"].is_object());
    assert_eq!(cfg["User"], "app");
    assert_eq!(cfg["WorkingDir"], "/home/app");
    assert_eq!(cfg["Labels"]["k"], "v");
    assert!(cfg["Volumes"]["/data"].is_object());
    let hist = env.ok(&["history", "--no-trunc", "changed:1"]);
    assert!(hist.contains("first import"), "{hist}");
    // A change that is not a config instruction is refused, and nothing is imported.
    let err = env.fails(&["import", "-c", "RUN echo no", tar, "bad:1"], 1);
    assert!(err.contains("RUN") && err.contains("not a valid change"), "{err}");
    assert!(env.dock(&["inspect", "bad:1"]).status.code() == Some(1));
    env.finish();
}

#[test]
fn references_and_ids_resolve_like_docker() {
    let env = Env::new();
    env.busybox();
    let id = env.inspect("busybox")["Id"].as_str().unwrap().to_string();
    let hex = id.trim_start_matches("sha256:");
    for name in [
        "busybox",
        "busybox:latest",
        "docker.io/library/busybox:latest",
        "library/busybox",
        &id,
        hex,
        &hex[..12],
        &hex[..5],
    ] {
        assert_eq!(env.inspect(name)["Id"], id.as_str(), "{name}");
    }
    let err = env.fails(&["inspect", "--type", "image", "nosuch"], 1);
    assert!(err.contains("No such object: nosuch"), "{err}");
    let err = env.fails(&["rmi", "x"], 1);
    assert!(err.contains("No such image: x:latest"), "{err}");
    let err = env.fails(&["tag", "busybox", "Uppercase:tag"], 1);
    assert!(err.contains("invalid reference format") && err.contains("must be lowercase"), "{err}");
    env.finish();
}

#[test]
fn images_history_tag_rmi_output() {
    let env = Env::new();
    env.busybox();
    env.ok(&["tag", "busybox", "other/name:v1"]);
    env.ok(&["tag", "busybox:latest", "localhost:5000/x:y"]);
    let list = env.ok(&["images"]);
    let lines: Vec<&str> = list.lines().collect();
    assert!(lines[0].starts_with("REPOSITORY") && lines[0].contains("IMAGE ID") && lines[0].contains("SIZE"), "{list}");
    assert_eq!(lines.len(), 4, "{list}");
    assert!(list.contains("other/name") && list.contains("localhost:5000/x"));
    let q = env.ok(&["images", "-q"]);
    assert_eq!(q.lines().count(), 3);
    assert!(q.lines().all(|l| l.len() == 12));
    let nt = env.ok(&["images", "-q", "--no-trunc"]);
    assert!(nt.lines().all(|l| l.starts_with("sha256:") && l.len() == 71));
    assert_eq!(env.ok(&["images", "busybox"]).lines().count(), 2);
    assert_eq!(env.ok(&["images", "-f", "reference=other/*"]).lines().count(), 2);
    let h = env.ok(&["history", "busybox"]);
    assert!(h.starts_with("IMAGE") && h.contains("Imported from -"), "{h}");

    // Untag one of three references: only "Untagged".
    let out = env.ok(&["rmi", "other/name:v1"]);
    assert_eq!(out.trim(), "Untagged: other/name:v1");
    // By id with two references left: conflict without -f.
    let id = env.inspect("busybox")["Id"].as_str().unwrap().to_string();
    let err = env.fails(&["rmi", &id[7..19]], 1);
    assert!(err.contains("must be forced") && err.contains("referenced in multiple repositories"), "{err}");
    let out = env.ok(&["rmi", "localhost:5000/x:y"]);
    assert_eq!(out.trim(), "Untagged: localhost:5000/x:y");
    // The last reference: untag and delete, and the layer goes too.
    let out = env.ok(&["rmi", "busybox"]);
    assert_eq!(out, format!("Untagged: busybox:latest\nDeleted: {id}\n"));
    assert_empty(&env);
    env.finish();
}

#[test]
fn save_load_round_trip_and_layout() {
    let env = Env::new();
    env.busybox();
    env.ok(&["tag", "busybox", "second:2"]);
    let dir = tempfile::tempdir().unwrap();
    let archive = dir.path().join("out.tar");
    env.ok(&["save", "-o", archive.to_str().unwrap(), "busybox", "second:2"]);
    // The layout of Docker >= 25, every blob named by its digest.
    let listing = Command::new("tar").arg("-tf").arg(&archive).output().unwrap();
    let names = stdout(&listing);
    for must in ["manifest.json", "index.json", "oci-layout", "repositories", "blobs/sha256/"] {
        assert!(names.lines().any(|l| l == must), "{must} missing from {names}");
    }
    let x = tempfile::tempdir().unwrap();
    assert!(Command::new("tar").arg("-xf").arg(&archive).arg("-C").arg(x.path()).status().unwrap().success());
    for e in std::fs::read_dir(x.path().join("blobs/sha256")).unwrap().flatten() {
        let data = std::fs::read(e.path()).unwrap();
        assert_eq!(sha256(&data), format!("sha256:{}", e.file_name().to_string_lossy()));
    }
    let manifest: Value = serde_json::from_slice(&std::fs::read(x.path().join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest[0]["RepoTags"], serde_json::json!(["busybox:latest", "second:2"]));
    let index: Value = serde_json::from_slice(&std::fs::read(x.path().join("index.json")).unwrap()).unwrap();
    assert_eq!(index["manifests"].as_array().unwrap().len(), 2);

    // Saved to stdout: the same bytes.
    let out = env.dock(&["save", "busybox", "second:2"]);
    assert!(out.status.success());
    assert_eq!(out.stdout, std::fs::read(&archive).unwrap());

    // Load into a fresh root: same id, same tags, same layer.
    let other = Env::new();
    let loaded = other.ok(&["load", "-i", archive.to_str().unwrap()]);
    assert_eq!(loaded, "Loaded image: busybox:latest\nLoaded image: second:2\n");
    assert_eq!(other.inspect("busybox")["Id"], env.inspect("busybox")["Id"]);
    assert_eq!(other.inspect("second:2")["RootFS"], env.inspect("busybox")["RootFS"]);
    // From stdin, gzip-compressed.
    let third = Env::new();
    let gz = compress("gzip", &std::fs::read(&archive).unwrap());
    let out = third.dock_stdin(&["load"], &gz);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(third.inspect("second:2")["Id"], env.inspect("busybox")["Id"]);
    assert_store_verified(&third);
    env.finish();
    other.finish();
    third.finish();
}

#[test]
fn saving_by_id_writes_no_tags_and_loads_untagged() {
    let env = Env::new();
    env.busybox();
    let id = env.inspect("busybox")["Id"].as_str().unwrap().to_string();
    let out = env.dock(&["save", &id]);
    assert!(out.status.success());
    let other = Env::new();
    let loaded = other.dock_stdin(&["load"], &out.stdout);
    assert_eq!(stdout(&loaded), format!("Loaded image ID: {id}\n"));
    env.finish();
    other.finish();
}

#[test]
fn bad_input_is_refused_and_nothing_is_registered() {
    let env = Env::new();
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, data: &[u8]| {
        let p = dir.path().join(name);
        std::fs::write(&p, data).unwrap();
        p.to_str().unwrap().to_string()
    };
    let good = TarBuilder::new().file("a", b"hello").finish();

    // A corrupt tar: a header checksum that does not match.
    let mut corrupt = good.clone();
    corrupt[0] ^= 0xff;
    let err = env.fails(&["import", &write("corrupt.tar", &corrupt), "x:1"], 1);
    assert!(err.contains("invalid tar header"), "{err}");
    // A truncated gzip.
    let gz = compress("gzip", &std::fs::read(busybox_tar()).unwrap());
    let err = env.fails(&["import", &write("trunc.tar.gz", &gz[..gz.len() / 2]), "x:2"], 1);
    assert!(err.to_lowercase().contains("gzip"), "{err}");
    // Garbage.
    let err = env.fails(&["import", &write("garbage", &[7u8; 4096]), "x:3"], 1);
    assert!(err.contains("tar"), "{err}");
    // An invalid reference is refused before anything is read.
    let err = env.fails(&["import", &write("good.tar", &good), "Uppercase:tag"], 1);
    assert!(err.contains("must be lowercase"), "{err}");
    // A missing image.
    let err = env.fails(&["save", "x"], 1);
    assert!(err.contains("No such image: x"), "{err}");
    assert_empty(&env);

    // load: a manifest naming a missing blob.
    let layer = TarBuilder::new().file("f", b"data").finish();
    let (archive, _) = docker_archive(std::slice::from_ref(&layer), "t:1");
    let dropped = {
        let config = serde_json::to_vec(&serde_json::json!({
            "architecture": "amd64", "os": "linux", "config": {},
            "rootfs": {"type": "layers", "diff_ids": [sha256(&layer)]},
        }))
        .unwrap();
        let cfg_name = format!("blobs/sha256/{}", &sha256(&config)[7..]);
        let m = serde_json::json!([{"Config": cfg_name, "RepoTags": ["t:1"], "Layers": [format!("blobs/sha256/{}", &sha256(&layer)[7..])]}]);
        TarBuilder::new().file(&cfg_name, &config).file("manifest.json", &serde_json::to_vec(&m).unwrap()).finish()
    };
    let err = env.fails(&["load", "-i", &write("missing.tar", &dropped)], 1);
    assert!(err.contains("missing from the archive"), "{err}");
    // A layer whose content does not match its diff id (one byte changed).
    let mut bad = archive.clone();
    let pos = bad.windows(4).position(|w| w == b"data").unwrap();
    bad[pos] = b'D';
    let err = env.fails(&["load", "-i", &write("mismatch.tar", &bad)], 1);
    assert!(err.contains("layer 0") || err.contains("invalid diffID") || err.contains("does not match"), "{err}");
    // Manifest paths outside the archive.
    for (cfg, layer_path) in
        [("../x.json", "blobs/sha256/aa"), ("/etc/passwd", "blobs/sha256/aa"), ("c.json", "../x/layer.tar")]
    {
        let m = serde_json::json!([{"Config": cfg, "RepoTags": ["p:1"], "Layers": [layer_path]}]);
        let t = TarBuilder::new().file("manifest.json", &serde_json::to_vec(&m).unwrap()).finish();
        let err = env.fails(&["load", "-i", &write("paths.tar", &t)], 1);
        assert!(err.contains("invalid path in manifest"), "{cfg} {layer_path}: {err}");
    }
    // A manifest.json too large to be real is refused by size, not read into memory.
    let huge = vec![b'['; 40 << 20];
    let t = TarBuilder::new().file("manifest.json", &huge).finish();
    let err = env.fails(&["load", "-i", &write("huge.tar", &t)], 1);
    assert!(err.contains("too large"), "{err}");
    assert_empty(&env);
    env.finish();
}

#[test]
fn concurrent_imports_of_one_tar_give_one_image() {
    let env = Env::new();
    let tar = busybox_tar().to_str().unwrap().to_string();
    let handles: Vec<_> = (0..2)
        .map(|_| {
            let mut c = env.cmd(&["import", &tar, "same:1"]);
            std::thread::spawn(move || c.output().unwrap())
        })
        .collect();
    let outs: Vec<_> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    for o in &outs {
        assert!(o.status.success(), "{}", stderr(o));
    }
    assert_eq!(stdout(&outs[0]), stdout(&outs[1]), "both imports must name the same image");
    assert_eq!(env.ok(&["images", "-a", "-q"]).lines().count(), 1);
    assert_eq!(std::fs::read_dir(env.path().join("layers")).unwrap().count(), 1);
    env.finish();
}

#[test]
fn closed_stdout_ends_dock_like_sigpipe_ends_docker() {
    let env = Env::new();
    env.busybox();
    // A pipe whose reading end is already closed: every write fails with EPIPE.
    let (r, w) = std::io::pipe().unwrap();
    drop(r);
    let out = env.cmd(&["history", "--no-trunc", "busybox"]).stdin(Stdio::null()).stdout(w).output().unwrap();
    assert_eq!(out.status.code(), Some(141), "128 + SIGPIPE");
    assert!(!stderr(&out).contains("panicked"), "{}", stderr(&out));
    env.finish();
}
