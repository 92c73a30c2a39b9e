//! dock's flags through the engine's option grammar (`engine::options`): what `create` records
//! for them, docker's refusals (exit 125, nothing created), and the attach defaults of `create`
//! that `start -ai` relies on.

use libdocker_e2e::{stderr, stdout, Env};
use serde_json::json;
use std::io::Write;
use std::process::Stdio;
use std::time::{Duration, Instant};

#[test]
fn create_records_what_docker_records() {
    let env = Env::new();
    env.busybox();
    let dir = tempfile::tempdir().unwrap();
    let env_file = dir.path().join("env");
    std::fs::write(&env_file, "# settings\nFROM_FILE=1\nFROM_CALLER\n").unwrap();
    let label_file = dir.path().join("labels");
    std::fs::write(&label_file, "from.file=yes\n").unwrap();
    let (env_file, label_file) = (env_file.to_str().unwrap(), label_file.to_str().unwrap());
    #[rustfmt::skip]
    let args = [
        "create", "--name", "cfg", "-i", "-a", "STDERR",
        "-e", "A=1", "-e", "FROM_CALLER", "-e", "UNSET_HERE", "--env-file", env_file,
        "-l", "a=b", "--label-file", label_file,
        "--health-cmd", "true", "--health-interval", "30s", "--health-retries", "2",
        "--restart", "on-failure:2", "-m", "64m", "--memory-swap", "-1", "--cpus", "0.5",
        "--tmpfs", "/run:size=1m", "--mount", "type=tmpfs,target=/t,tmpfs-size=1m",
        "busybox", "true",
    ];
    let out = env.cmd(&args).env("FROM_CALLER", "yes").env_remove("UNSET_HERE").output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let doc = env.inspect("cfg");
    let (c, h) = (&doc["Config"], &doc["HostConfig"]);
    // The file's lines, then -e's; a bare KEY takes dock's value, and is dropped where it has none.
    let vars: Vec<&str> = c["Env"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
    for want in ["FROM_FILE=1", "FROM_CALLER=yes", "A=1"] {
        assert!(vars.contains(&want), "{want} not in {vars:?}");
    }
    assert!(!vars.iter().any(|v| v.starts_with("UNSET_HERE")), "{vars:?}");
    assert_eq!(c["Labels"], json!({"a": "b", "from.file": "yes"}));
    assert_eq!(c["Healthcheck"], json!({"Test": ["CMD-SHELL", "true"], "Interval": 30_000_000_000i64, "Retries": 2}));
    // docker's `create` records the attach of a later `start -a`: here stdin (-i) and stderr.
    assert_eq!(
        [&c["AttachStdin"], &c["AttachStdout"], &c["AttachStderr"], &c["OpenStdin"], &c["StdinOnce"]],
        [&json!(true), &json!(false), &json!(true), &json!(true), &json!(true)]
    );
    assert_eq!(h["RestartPolicy"], json!({"Name": "on-failure", "MaximumRetryCount": 2}));
    assert_eq!((&h["Memory"], &h["MemorySwap"], &h["NanoCpus"]), (&json!(64 << 20), &json!(-1), &json!(500_000_000)));
    assert_eq!(h["Tmpfs"], json!({"/run": "size=1m"}));
    assert_eq!(h["Mounts"][0]["TmpfsOptions"]["SizeBytes"], json!(1 << 20));
    env.ok(&["rm", "cfg"]);
    env.finish();
}

#[test]
fn refused_flags_say_what_docker_says() {
    let env = Env::new();
    env.busybox();
    for (args, msg) in [
        (
            &["run", "-m", "12x", "busybox", "true"][..],
            r#"invalid argument "12x" for "-m, --memory" flag: invalid suffix: 'x'"#,
        ),
        (
            &["create", "--memory-swap", "lots", "busybox"],
            r#"invalid argument "lots" for "--memory-swap" flag: invalid size: 'lots'"#,
        ),
        (&["create", "--cpus", "1/3", "busybox"], r#"invalid argument "1/3" for "--cpus" flag: value is too precise"#),
        (
            &["create", "--device", "sda", "busybox"],
            r#"invalid argument "sda" for "--device" flag: sda is not an absolute path"#,
        ),
        (
            &["create", "--mount", "type=bind,src=/", "busybox"],
            r#"invalid argument "type=bind,src=/" for "--mount" flag: target is required"#,
        ),
        (
            &["create", "-e", "=x", "busybox"],
            r#"invalid argument "=x" for "-e, --env" flag: invalid environment variable: =x"#,
        ),
        (&["create", "--env-file", "/no/such/file", "busybox"], "open /no/such/file: No such file or directory"),
        (&["create", "-a", "stdall", "busybox"], "valid streams are STDIN, STDOUT and STDERR"),
        (&["run", "-d", "-a", "stdout", "busybox", "true"], "Conflicting options: -a and -d"),
        (
            &["create", "--restart", "always:x", "busybox"],
            "invalid restart policy format: maximum retry count must be an integer",
        ),
        (
            &["create", "--no-healthcheck", "--health-cmd", "true", "busybox"],
            "--no-healthcheck conflicts with --health-* options",
        ),
        (
            &["volume", "create", "--label", "=x"],
            r#"invalid argument "=x" for "--label" flag: invalid label '=x': empty name"#,
        ),
        (
            &["ps", "-f", "status"],
            r#"invalid argument "status" for "-f, --filter" flag: bad format of filter (expected name=value)"#,
        ),
        (
            &["logs", "--since", "soon", "x"],
            r#"invalid value for "since": failed to parse value as time or duration: "soon""#,
        ),
        (&["build", "-m", "1q", "."], r#"invalid argument "1q" for "-m, --memory" flag: invalid suffix: 'q'"#),
    ] {
        let err = env.fails(args, 125);
        assert!(err.contains(msg), "dock {}: {err}", args.join(" "));
    }
    assert_eq!(env.ok(&["ps", "-aq"]), "", "refused flags create nothing");
    assert_eq!(env.ok(&["volume", "ls", "-q"]), "");
    env.finish();
}

#[test]
fn stdin_of_create_i_closes_with_the_attached_clients() {
    let env = Env::new();
    env.busybox();
    env.ok(&["create", "--name", "cat", "-i", "busybox", "cat"]);
    // StdinOnce: when our stdin ends, so does cat's, and the container exits (without it, cat
    // would wait for more forever: a deadline turns that into a failure).
    let mut child = env
        .cmd(&["start", "-ai", "cat"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(b"hello\n").unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            child.kill().unwrap();
            env.ok(&["rm", "-f", "cat"]);
            panic!("start -ai did not end with its stdin");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = child.wait_with_output().unwrap();
    assert_eq!((out.status.code(), stdout(&out)), (Some(0), "hello\n".to_string()), "{}", stderr(&out));
    env.ok(&["rm", "cat"]);
    env.finish();
}
