//! Real tools as test peers: Docker 20.10 (Debian's docker.io, a daemon started here with its own
//! data root and no network setup) loads and runs what we save, and we load what it saves;
//! skopeo reads our archives. The tests are `#[ignore]`d with the tool they need, and fail without
//! it: `scripts/test.sh` (whose setup installs both) runs them with `--ignored`.

use libdocker_e2e::{require_tool, stderr, stdout, Dockerd, Env};
use std::process::Command;

fn ok(mut c: Command) -> String {
    let out = c.output().unwrap();
    assert!(out.status.success(), "{c:?}: {}", stderr(&out));
    stdout(&out)
}

#[test]
#[ignore = "needs Docker (docker.io) as a test peer"]
fn docker_loads_runs_and_saves_interchangeably() {
    require_tool("dockerd");
    let work = tempfile::Builder::new().prefix("ldinterop-").tempdir_in("/var/tmp").unwrap();
    let Some(d) = Dockerd::start(&work.path().join("dockerd")) else { panic!("dockerd did not start") };
    let env = Env::new();
    env.busybox();
    env.ok(&["tag", "busybox", "ours:1"]);

    // Our save → docker load → docker run.
    let ours = work.path().join("ours.tar");
    env.ok(&["save", "-o", ours.to_str().unwrap(), "ours:1"]);
    let loaded = ok({
        let mut c = d.docker();
        c.args(["load", "-i"]).arg(&ours);
        c
    });
    assert!(loaded.contains("Loaded image: ours:1"), "{loaded}");
    let ran = ok({
        let mut c = d.docker();
        c.args(["run", "--rm", "--network", "none", "ours:1", "sh", "-c", "echo from-docker; cat /etc/passwd | wc -l"]);
        c
    });
    assert!(ran.starts_with("from-docker\n"), "{ran}");
    let docker_id = ok({
        let mut c = d.docker();
        c.args(["inspect", "-f", "{{.Id}}", "ours:1"]);
        c
    });
    assert_eq!(docker_id.trim(), env.inspect("ours:1")["Id"], "Docker computes the same image id");

    // A multi-layer image built by Docker (classic builder) → docker save → our load.
    let ctx = work.path().join("ctx");
    std::fs::create_dir_all(&ctx).unwrap();
    std::fs::write(
        ctx.join("Dockerfile"),
        "FROM ours:1\nRUN echo one > /one\nRUN mkdir -p /d && echo two > /d/two && rm /bin/vi\nENV A=b\nLABEL made.by=docker\nCMD [\"cat\", \"/one\"]\n",
    )
    .unwrap();
    ok({
        let mut c = d.docker();
        c.args(["build", "-q", "-t", "multi:1"]).arg(&ctx);
        c
    });
    let theirs = work.path().join("theirs.tar");
    ok({
        let mut c = d.docker();
        c.args(["save", "-o"]).arg(&theirs).arg("multi:1");
        c
    });
    let other = Env::new();
    let out = other.ok(&["load", "-i", theirs.to_str().unwrap()]);
    assert_eq!(out, "Loaded image: multi:1\n");
    let docker_inspect: serde_json::Value = serde_json::from_str(&ok({
        let mut c = d.docker();
        c.args(["image", "inspect", "multi:1"]);
        c
    }))
    .unwrap();
    let mine = other.inspect("multi:1");
    assert_eq!(mine["Id"], docker_inspect[0]["Id"], "same config");
    assert_eq!(mine["RootFS"]["Layers"], docker_inspect[0]["RootFS"]["Layers"], "same layers");
    assert_eq!(mine["RepoTags"], serde_json::json!(["multi:1"]));
    assert_eq!(mine["Config"]["Labels"]["made.by"], "docker");
    // And it runs here, whiteouts included.
    assert_eq!(other.ok(&["run", "--rm", "multi:1"]), "one\n");
    assert_eq!(other.ok(&["run", "--rm", "multi:1", "cat", "/d/two"]), "two\n");
    let out = other.dock(&["run", "--rm", "multi:1", "ls", "/bin/vi"]);
    assert_ne!(out.status.code(), Some(0), "/bin/vi was deleted by a layer");
    env.finish();
    other.finish();
}

#[test]
#[ignore = "needs skopeo as a test peer"]
fn skopeo_reads_our_archives() {
    require_tool("skopeo");
    let env = Env::new();
    env.busybox();
    let dir = tempfile::tempdir().unwrap();
    let archive = dir.path().join("bb.tar");
    env.ok(&["save", "-o", archive.to_str().unwrap(), "busybox"]);
    let id = env.inspect("busybox")["Id"].as_str().unwrap().to_string();
    let layers = env.inspect("busybox")["RootFS"]["Layers"].clone();
    for transport in ["docker-archive", "oci-archive"] {
        let out = ok({
            let mut c = Command::new("skopeo");
            c.arg("inspect").arg(format!("{transport}:{}", archive.display()));
            c
        });
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v["Os"], "linux", "{transport}");
        assert_eq!(v["Layers"], layers, "{transport}");
        let raw = ok({
            let mut c = Command::new("skopeo");
            c.arg("inspect").arg("--config").arg("--raw").arg(format!("{transport}:{}", archive.display()));
            c
        });
        assert_eq!(
            libdocker_e2e::sha256(raw.trim_end().as_bytes()),
            id,
            "{transport}: the config is ours, byte for byte"
        );
    }
    // skopeo's own OCI archive of it loads back here.
    let oci = dir.path().join("oci.tar");
    ok({
        let mut c = Command::new("skopeo");
        c.arg("copy")
            .arg(format!("docker-archive:{}", archive.display()))
            .arg(format!("oci-archive:{}:busybox:v2", oci.display()));
        c
    });
    let other = Env::new();
    assert_eq!(other.ok(&["load", "-i", oci.to_str().unwrap()]), "Loaded image: busybox:v2\n");
    assert_eq!(other.ok(&["run", "--rm", "busybox:v2", "echo", "ok"]), "ok\n");
    env.finish();
    other.finish();
}
