//! The container lifecycle through `dock`: run/create/start/stop/kill/restart/wait/rm, ps,
//! logs, attach, exec, top, diff, export, commit, cp, pause, rename, stats, restart policies,
//! a monitor killed with SIGKILL, and errors of the right kind.

use libdocker_e2e::{stderr, stdout, Env};
use std::time::{Duration, Instant};

fn wait_until(what: &str, mut f: impl FnMut() -> bool) {
    let start = Instant::now();
    while !f() {
        assert!(start.elapsed() < Duration::from_secs(20), "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn run_exit_codes_and_output() {
    let env = Env::new();
    env.busybox();
    assert_eq!(env.ok(&["run", "--rm", "busybox", "echo", "hello", "world"]), "hello world\n");
    let out = env.dock(&["run", "--rm", "busybox", "sh", "-c", "echo out; echo err >&2; exit 3"]);
    assert_eq!((out.status.code(), stdout(&out), stderr(&out)), (Some(3), "out\n".into(), "err\n".into()));
    let out = env.dock(&["run", "--rm", "busybox", "nosuch"]);
    assert_eq!(out.status.code(), Some(127), "{}", stderr(&out));
    assert!(stderr(&out).contains("executable file not found"));
    let out = env.dock(&["run", "--rm", "busybox", "/etc/passwd"]);
    assert_eq!(out.status.code(), Some(126), "{}", stderr(&out));
    // A signal ends the process with 128+n (pid 1 ignores signals sent from inside its own
    // namespace, so the kill comes from outside).
    let killer = {
        let mut c = env.cmd(&["run", "--name", "victim", "busybox", "sleep", "30"]);
        std::thread::spawn(move || c.output().unwrap())
    };
    wait_until("victim running", || {
        env.dock(&["inspect", "victim"]).status.success() && env.inspect("victim")["State"]["Running"] == true
    });
    env.ok(&["kill", "-s", "KILL", "victim"]);
    assert_eq!(killer.join().unwrap().status.code(), Some(137));
    env.ok(&["rm", "victim"]);
    let out = env.dock_stdin(&["run", "--rm", "-i", "busybox", "sh", "-c", "wc -c"], b"12345");
    assert_eq!(stdout(&out).trim(), "5");
    let out = env.ok(&[
        "run",
        "--rm",
        "-e",
        "A=1",
        "--env",
        "B=two",
        "-w",
        "/tmp",
        "--entrypoint",
        "/bin/sh",
        "busybox",
        "-c",
        "echo $A $B $(pwd)",
    ]);
    assert_eq!(out, "1 two /tmp\n");
    // --rm removed every container.
    assert_eq!(env.ok(&["ps", "-aq"]), "");
    env.finish();
}

#[test]
fn detached_lifecycle_logs_stop_restart_wait_rm() {
    let env = Env::new();
    env.busybox();
    let id = env.ok(&[
        "run",
        "-d",
        "--name",
        "web",
        "-l",
        "role=test",
        "busybox",
        "sh",
        "-c",
        "echo started; trap 'echo bye; exit 7' TERM; while :; do sleep 0.1; done",
    ]);
    let id = id.trim();
    assert_eq!(id.len(), 64);
    wait_until("log line", || env.ok(&["logs", "web"]).contains("started"));
    let ps = env.ok(&["ps"]);
    assert!(ps.contains("web") && ps.contains("Up "), "{ps}");
    assert_eq!(env.ok(&["ps", "-q", "-f", "label=role=test"]).trim(), &id[..12]);
    assert_eq!(env.ok(&["ps", "-q", "-f", "name=we"]).trim(), &id[..12]);
    assert_eq!(env.ok(&["ps", "-q", "-f", "status=exited"]), "");
    let i = env.inspect("web");
    assert_eq!(i["State"]["Status"], "running");
    assert!(i["State"]["Pid"].as_i64().unwrap() > 0);
    assert_eq!(i["Name"], "/web");
    // top sees the container's processes.
    let top = env.ok(&["top", "web"]);
    assert!(top.starts_with("UID") && top.contains("sh -c"), "{top}");
    // stop: SIGTERM reaches the trap.
    env.ok(&["stop", "-t", "5", "web"]);
    assert_eq!(env.inspect("web")["State"]["ExitCode"], 7);
    assert!(env.ok(&["logs", "web"]).contains("bye"));
    assert_eq!(env.ok(&["wait", "web"]).trim(), "7");
    let ps = env.ok(&["ps", "-a"]);
    assert!(ps.contains("Exited (7)"), "{ps}");
    // restart, then kill with a signal: exit 128+9.
    env.ok(&["restart", "web"]);
    assert_eq!(env.inspect("web")["State"]["Running"], true);
    env.ok(&["kill", "-s", "KILL", "web"]);
    wait_until("exit", || env.inspect("web")["State"]["Running"] == false);
    assert_eq!(env.inspect("web")["State"]["ExitCode"], 137);
    // logs options.
    let logs = env.ok(&["logs", "--tail", "1", "web"]);
    assert_eq!(logs.lines().count(), 1);
    let ts = env.ok(&["logs", "-t", "web"]);
    assert!(ts.lines().all(|l| l.as_bytes().get(4) == Some(&b'-') && l.contains('T')), "{ts}");
    env.ok(&["rename", "web", "web2"]);
    assert_eq!(env.inspect("web2")["Id"], id);
    env.ok(&["rm", "web2"]);
    assert_eq!(env.ok(&["ps", "-aq"]), "");
    env.finish();
}

#[test]
fn exec_cp_diff_export_commit_pause() {
    let env = Env::new();
    env.busybox();
    env.ok(&["run", "-d", "--name", "c1", "busybox", "sleep", "60"]);
    assert_eq!(env.ok(&["exec", "c1", "echo", "hi"]), "hi\n");
    let out = env.dock(&["exec", "c1", "sh", "-c", "exit 5"]);
    assert_eq!(out.status.code(), Some(5));
    let out = env.dock(&["exec", "c1", "nosuch"]);
    assert_eq!(out.status.code(), Some(127), "{}", stderr(&out));
    assert_eq!(
        env.ok(&["exec", "-u", "app", "-w", "/tmp", "-e", "X=1", "c1", "sh", "-c", "echo $(id -u) $(pwd) $X"]),
        "1000 /tmp 1\n"
    );
    let out = env.dock_stdin(&["exec", "-i", "c1", "cat"], b"piped");
    assert_eq!(stdout(&out), "piped");
    env.ok(&["exec", "-d", "c1", "sh", "-c", "echo bg > /bg"]);
    wait_until("exec -d", || env.dock(&["exec", "c1", "cat", "/bg"]).status.success());
    // The exec sees only its own fds and the container's seccomp.
    let v: serde_json::Value =
        serde_json::from_str(&env.ok(&["exec", "c1", "/usr/local/bin/probe", "report"])).unwrap();
    assert_eq!(v["seccomp"], 2);
    let fds: Vec<i64> = v["fds"].as_array().unwrap().iter().map(|f| f["fd"].as_i64().unwrap()).collect();
    assert_eq!(fds, vec![0, 1, 2]);

    // cp in both directions.
    let host = tempfile::tempdir().unwrap();
    std::fs::write(host.path().join("a.txt"), "to the container").unwrap();
    env.ok(&["cp", host.path().join("a.txt").to_str().unwrap(), "c1:/tmp/"]);
    assert_eq!(env.ok(&["exec", "c1", "cat", "/tmp/a.txt"]), "to the container");
    env.ok(&["exec", "c1", "sh", "-c", "mkdir -p /out/sub && echo deep > /out/sub/f"]);
    env.ok(&["cp", "c1:/out", host.path().join("got").to_str().unwrap()]);
    assert_eq!(std::fs::read_to_string(host.path().join("got/sub/f")).unwrap(), "deep\n");
    // A path that climbs out is relative to the container root (TestCpGarbagePath).
    env.ok(&["cp", "c1:../../../../etc/hostname", host.path().join("hn").to_str().unwrap()]);
    assert_eq!(
        std::fs::read_to_string(host.path().join("hn")).unwrap().trim(),
        &env.inspect("c1")["Id"].as_str().unwrap()[..12]
    );

    let diff = env.ok(&["diff", "c1"]);
    assert!(diff.lines().any(|l| l == "A /bg") && diff.lines().any(|l| l == "C /tmp"), "{diff}");

    // pause/unpause.
    env.ok(&["pause", "c1"]);
    assert_eq!(env.inspect("c1")["State"]["Status"], "paused");
    assert!(env.ok(&["ps"]).contains("(Paused)"));
    let err = env.fails(&["exec", "c1", "true"], 1);
    assert!(err.contains("paused"), "{err}");
    env.ok(&["unpause", "c1"]);
    let stats = env.ok(&["stats", "--no-stream", "c1"]);
    assert!(stats.contains("MEM USAGE") && stats.contains(" c1 "), "{stats}");

    // commit, then run the new image.
    let new = env.ok(&["commit", "-m", "snap", "-c", "CMD [\"cat\", \"/bg\"]", "c1", "snap:1"]);
    assert!(new.starts_with("sha256:"));
    assert_eq!(env.ok(&["run", "--rm", "snap:1"]), "bg\n");
    let h = env.ok(&["history", "snap:1"]);
    assert!(h.contains("snap"), "{h}");
    // export of a running and of a stopped container.
    let out = env.dock(&["export", "c1"]);
    assert!(out.status.success());
    let names = tar_names(&out.stdout);
    assert!(names.iter().any(|n| n == "bg") && names.iter().any(|n| n == "bin/busybox"), "{names:?}");
    env.ok(&["stop", "-t", "0", "c1"]);
    let out = env.dock(&["export", "c1"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(tar_names(&out.stdout).iter().any(|n| n == "bg"));
    env.ok(&["rm", "c1"]);
    env.ok(&["rmi", "snap:1"]);
    env.finish();
}

fn tar_names(tar: &[u8]) -> Vec<String> {
    let mut c = std::process::Command::new("tar")
        .arg("-t")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = c.stdin.take().unwrap();
    let data = tar.to_vec();
    let t = std::thread::spawn(move || std::io::Write::write_all(&mut stdin, &data));
    let out = c.wait_with_output().unwrap();
    let _ = t.join();
    stdout(&out).lines().map(|l| l.trim_start_matches("./").trim_end_matches('/').to_string()).collect()
}

#[test]
fn restart_policies_are_applied_by_the_monitor() {
    let env = Env::new();
    env.busybox();
    env.ok(&["run", "-d", "--name", "flaky", "--restart", "on-failure:2", "busybox", "sh", "-c", "exit 3"]);
    wait_until("two restarts", || {
        let i = env.inspect("flaky");
        i["State"]["Status"] == "exited" && i["RestartCount"] == 2
    });
    assert_eq!(env.inspect("flaky")["State"]["ExitCode"], 3);
    env.ok(&["run", "-d", "--name", "always", "--restart", "always", "busybox", "sh", "-c", "sleep 0.05"]);
    wait_until("a restart", || env.inspect("always")["RestartCount"].as_i64().unwrap() >= 2);
    env.ok(&["stop", "always"]);
    assert_eq!(env.inspect("always")["State"]["Running"], false);
    env.ok(&["rm", "flaky", "always"]);
    env.finish();
}

#[test]
fn a_killed_monitor_means_an_exited_container() {
    let env = Env::new();
    env.busybox();
    env.ok(&["run", "-d", "--name", "orphan", "busybox", "sleep", "60"]);
    let i = env.inspect("orphan");
    let pid = i["State"]["Pid"].as_i64().unwrap() as i32;
    // The monitor is the container init's parent.
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    let ppid: i32 = stat[stat.rfind(')').unwrap() + 2..].split(' ').nth(1).unwrap().parse().unwrap();
    // SAFETY: killing the monitor we started.
    unsafe { libc::kill(ppid, libc::SIGKILL) };
    wait_until("the container to die with its monitor", || !std::path::Path::new(&format!("/proc/{pid}")).exists());
    let i = env.inspect("orphan");
    assert_eq!(i["State"]["Status"], "exited");
    assert_eq!(i["State"]["Running"], false);
    env.ok(&["rm", "orphan"]);
    env.finish();
}

#[test]
fn errors_have_the_right_kind_and_leave_nothing() {
    let env = Env::new();
    env.busybox();
    let err = env.fails(&["run", "nosuch"], 125);
    assert!(err.contains("No such image"), "{err}");
    let err = env.fails(&["run", "--name=-bad", "busybox", "true"], 125);
    assert!(err.contains("Invalid container name"), "{err}");
    let err = env.fails(&["run", "-v", "rel/path:/x", "busybox", "true"], 125);
    assert!(err.contains("invalid characters for a local volume name"), "{err}");
    let err = env.fails(&["run", "-v", "/:/", "busybox", "true"], 125);
    assert!(err.contains("destination can't be '/'"), "{err}");
    let err = env.fails(&["run", "--cap-add", "NOPE", "busybox", "true"], 125);
    assert!(err.contains("unknown capability"), "{err}");
    let err = env.fails(&["run", "-m", "12x", "busybox", "true"], 125);
    assert!(err.contains("invalid"), "{err}");
    let err = env.fails(&["run", "-m", "1m", "busybox", "true"], 125);
    assert!(err.contains("Minimum memory limit allowed is 6MB"), "{err}");
    let err = env.fails(&["run", "-p", "80:80", "busybox", "true"], 125);
    assert!(err.contains("not supported yet"), "{err}");
    let err = env.fails(&["run", "--restart", "sometimes", "busybox", "true"], 125);
    assert!(err.contains("invalid restart policy"), "{err}");
    assert_eq!(env.ok(&["ps", "-aq"]), "", "failed creates leave no container");

    env.ok(&["run", "-d", "--name", "busy", "busybox", "sleep", "60"]);
    let err = env.fails(&["rm", "busy"], 1);
    assert!(err.contains("container is running"), "{err}");
    let err = env.fails(&["run", "--name", "busy", "busybox", "true"], 125);
    assert!(err.contains("is already in use"), "{err}");
    env.ok(&["rm", "-f", "busy"]);
    env.ok(&["create", "--name", "stopped", "busybox", "true"]);
    let err = env.fails(&["kill", "stopped"], 1);
    assert!(err.contains("is not running"), "{err}");
    let err = env.fails(&["stop", "nosuch"], 1);
    assert!(err.contains("No such container: nosuch"), "{err}");
    let err = env.fails(&["logs", "nosuch"], 1);
    assert!(err.contains("No such container: nosuch"), "{err}");
    env.ok(&["rm", "stopped"]);
    // An image in use cannot be removed without -f; with -f its layers stay for the container.
    env.ok(&["create", "--name", "user", "busybox", "true"]);
    let err = env.fails(&["rmi", "busybox"], 1);
    assert!(err.contains("must force"), "{err}");
    env.ok(&["rm", "user"]);
    env.finish();
}

#[test]
fn volumes_and_prune() {
    let env = Env::new();
    env.busybox();
    env.ok(&["volume", "create", "--label", "a=b", "data"]);
    let v: serde_json::Value = serde_json::from_str(&env.ok(&["volume", "inspect", "data"])).unwrap();
    assert_eq!(v[0]["Driver"], "local");
    assert_eq!(v[0]["Labels"]["a"], "b");
    env.ok(&["create", "--name", "holder", "-v", "data:/d", "busybox", "true"]);
    let err = env.fails(&["volume", "rm", "data"], 1);
    assert!(err.contains("volume is in use"), "{err}");
    env.ok(&["run", "--name", "done", "busybox", "true"]);
    let pruned = env.ok(&["container", "prune", "-f"]);
    assert!(pruned.contains("Deleted Containers") && pruned.contains("Total reclaimed space"), "{pruned}");
    assert_eq!(env.ok(&["ps", "-aq"]), "");
    env.ok(&["volume", "rm", "data"]);
    assert_eq!(env.ok(&["volume", "ls", "-q"]), "");
    env.finish();
}

#[test]
fn attach_tty_follow_and_signal_proxy() {
    let env = Env::new();
    env.busybox();
    // attach: the live output, then the exit code.
    env.ok(&["run", "-d", "--name", "late", "busybox", "sh", "-c", "sleep 0.5; echo late; exit 4"]);
    let out = env.dock(&["attach", "--no-stdin", "late"]);
    assert_eq!((out.status.code(), stdout(&out)), (Some(4), "late\n".to_string()), "{}", stderr(&out));
    // logs -f follows until the container stops; --since filters by time.
    env.ok(&["run", "-d", "--name", "ticker", "busybox", "sh", "-c", "for i in 1 2 3; do echo $i; sleep 0.2; done"]);
    assert_eq!(env.ok(&["logs", "-f", "ticker"]), "1\n2\n3\n");
    assert_eq!(env.ok(&["logs", "--since", "2100-01-01T00:00:00Z", "ticker"]), "");
    assert_eq!(env.ok(&["logs", "--since", "10m", "ticker"]), "1\n2\n3\n");
    // -t: the process has a terminal (from the container's own devpts), output comes through it.
    let v: serde_json::Value =
        serde_json::from_str(env.ok(&["run", "--rm", "-t", "busybox", "/usr/local/bin/probe", "report"]).trim())
            .unwrap();
    assert_eq!(v["tty"]["stdout"], true);
    assert!(v["env"].as_array().unwrap().iter().any(|e| e == "TERM=xterm"));
    let tty = env.ok(&["run", "--rm", "-t", "busybox", "tty"]);
    assert!(tty.starts_with("/dev/pts/"), "{tty:?}");
    // Signals sent to `dock run` reach the container (--sig-proxy).
    let child = env
        .cmd(&[
            "run",
            "--name",
            "trap",
            "busybox",
            "sh",
            "-c",
            "trap 'echo got-term; exit 9' TERM; while :; do sleep 0.1; done",
        ])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    wait_until("trap running", || {
        env.dock(&["inspect", "trap"]).status.success() && env.inspect("trap")["State"]["Running"] == true
    });
    std::thread::sleep(Duration::from_millis(200));
    // SAFETY: signalling the dock process we started.
    unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
    let out = child.wait_with_output().unwrap();
    assert_eq!((out.status.code(), stdout(&out)), (Some(9), "got-term\n".to_string()));
    env.ok(&["rm", "late", "ticker", "trap"]);
    env.finish();
}
