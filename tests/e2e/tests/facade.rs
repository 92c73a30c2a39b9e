//! The façade's contract as front ends rely on it (ARCHITECTURE.md "Streams, cancellation,
//! errors"), driven in process through `engine::Engine` against a real root with the busybox
//! image: attach and wait before start see the whole run; long calls stop when their sink or
//! token says so, promptly, leaving nothing behind; exit codes come from error details.

use engine::error::StartFailure;
use engine::stream::{Cancel, Output, WithCancel};
use engine::types::*;
use engine::{Engine, ErrorKind};
use libdocker_e2e::Env;
use std::time::{Duration, Instant};

fn open(env: &Env) -> Engine {
    Engine::open(&OpenOptions { root: Some(env.path().to_path_buf()) }).unwrap()
}

fn create(e: &Engine, cmd: &[&str], tty: bool) -> String {
    let req = ContainerCreateRequest {
        config: ContainerConfig {
            image: "busybox".into(),
            cmd: Some(cmd.iter().map(|s| s.to_string()).collect()),
            tty,
            attach_stdout: true,
            attach_stderr: true,
            ..Default::default()
        },
        ..Default::default()
    };
    e.container_create(None, &req).unwrap().id
}

fn all_output() -> AttachOptions {
    AttachOptions { stream: true, stdout: true, stderr: true, ..Default::default() }
}

/// The docker CLI's `run`: attach, then wait(next-exit), then start — from three threads, as
/// three HTTP requests would come. The attach sees every byte of a process that exits at once,
/// the wait its exit code.
#[test]
fn attach_and_wait_before_start_see_the_whole_run() {
    let env = Env::new();
    env.busybox();
    let e = open(&env);
    for round in 0..5 {
        let id = create(&e, &["sh", "-c", &format!("echo out{round}; echo err{round} >&2; exit 7")], false);
        let (attached, waited) = std::thread::scope(|s| {
            let a = s.spawn(|| {
                let mut got = (Vec::new(), Vec::new());
                let code = e
                    .container_attach(&id, &all_output(), None, &mut |o: Output<'_>| {
                        match o {
                            Output::Stdout(b) => got.0.extend_from_slice(b),
                            Output::Stderr(b) => got.1.extend_from_slice(b),
                            _ => {}
                        }
                        Ok(())
                    })
                    .unwrap();
                (code, got)
            });
            let w = s.spawn(|| e.container_wait(&id, "next-exit", None).unwrap());
            // Both are registered before the start (their registrations are what the start
            // waits for); give them a moment to be, as the CLI's requests would be.
            std::thread::sleep(Duration::from_millis(100));
            e.container_start(&id).unwrap();
            (a.join().unwrap(), w.join().unwrap())
        });
        let (code, (out, err)) = attached;
        assert_eq!(code, Some(7));
        assert_eq!(String::from_utf8_lossy(&out), format!("out{round}\n"));
        assert_eq!(String::from_utf8_lossy(&err), format!("err{round}\n"));
        assert_eq!(waited.status_code, 7);
        e.container_remove(&id, true, false).unwrap();
    }
    env.finish();
}

/// `wait next-exit` on a created container waits for the run its next start makes (it used to
/// return at once); `wait removed` on an --rm container gets the exit code, then the removal.
#[test]
fn wait_next_exit_and_removed_wait_for_the_next_run() {
    let env = Env::new();
    env.busybox();
    let e = open(&env);
    let id = create(&e, &["sh", "-c", "exit 3"], false);
    std::thread::scope(|s| {
        let w = s.spawn(|| e.container_wait(&id, "next-exit", None).unwrap().status_code);
        std::thread::sleep(Duration::from_millis(300));
        assert!(!w.is_finished(), "next-exit returned before any start");
        e.container_start(&id).unwrap();
        assert_eq!(w.join().unwrap(), 3);
    });
    // not-running on a stopped container: at once, its last code.
    assert_eq!(e.container_wait(&id, "not-running", None).unwrap().status_code, 3);
    e.container_remove(&id, false, false).unwrap();

    let req = ContainerCreateRequest {
        config: ContainerConfig { image: "busybox".into(), cmd: Some(vec!["false".into()]), ..Default::default() },
        host_config: HostConfig { auto_remove: true, ..Default::default() },
        ..Default::default()
    };
    let id = e.container_create(None, &req).unwrap().id;
    std::thread::scope(|s| {
        let w = s.spawn(|| e.container_wait(&id, "removed", None).unwrap().status_code);
        std::thread::sleep(Duration::from_millis(100));
        e.container_start(&id).unwrap();
        assert_eq!(w.join().unwrap(), 1);
    });
    assert_eq!(e.container_inspect(&id).unwrap_err().kind(), ErrorKind::NotFound);
    assert_eq!(e.container_wait("nope", "", None).unwrap_err().kind(), ErrorKind::NotFound);
    assert_eq!(e.container_wait(&id, "sometime", None).unwrap_err().kind(), ErrorKind::InvalidArgument);
    env.finish();
}

/// A token cancels what sends nothing: a wait on a silent container, an attach to it, a
/// `logs -f` that has printed all there is. Each returns `Canceled` within a moment.
#[test]
fn a_token_stops_silent_waits_promptly() {
    let env = Env::new();
    env.busybox();
    let e = open(&env);
    let id = create(&e, &["sleep", "600"], false);
    e.container_start(&id).unwrap();
    let cancel_after = |c: &Cancel, ms: u64| {
        let c = c.clone();
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(ms));
            c.cancel();
        })
    };
    for what in ["wait", "attach", "logs"] {
        let c = Cancel::new().unwrap();
        let t = cancel_after(&c, 200);
        let started = Instant::now();
        let r = match what {
            "wait" => e.container_wait(&id, "", Some(&c)).map(|_| ()),
            "attach" => {
                e.container_attach(&id, &all_output(), None, &mut WithCancel(engine::stream::Discard, &c)).map(|_| ())
            }
            _ => e.container_logs(
                &id,
                &LogsOptions { follow: true, stdout: true, stderr: true, ..Default::default() },
                &mut WithCancel(engine::stream::Discard, &c),
            ),
        };
        t.join().unwrap();
        assert_eq!(r.unwrap_err().kind(), ErrorKind::Canceled, "{what}");
        assert!(started.elapsed() < Duration::from_secs(2), "{what} took {:?}", started.elapsed());
    }
    // A wait before the start, cancelled: its registration goes, and the start does not wait for it.
    let id2 = create(&e, &["true"], false);
    let c = Cancel::new().unwrap();
    let t = cancel_after(&c, 100);
    assert_eq!(e.container_wait(&id2, "next-exit", Some(&c)).unwrap_err().kind(), ErrorKind::Canceled);
    t.join().unwrap();
    let started = Instant::now();
    e.container_start(&id2).unwrap();
    assert_eq!(e.container_wait(&id2, "", None).unwrap().status_code, 0);
    assert!(started.elapsed() < Duration::from_secs(3), "the start waited for a client that was gone");
    e.container_remove(&id, true, false).unwrap();
    e.container_remove(&id2, true, false).unwrap();
    env.finish();
}

/// A `logs -f` of a chatty container, stopped by its sink mid-way: `Canceled`, promptly.
#[test]
fn a_sink_stops_logs_follow_mid_way() {
    let env = Env::new();
    env.busybox();
    let e = open(&env);
    let id = create(&e, &["sh", "-c", "i=0; while true; do echo line$i; i=$((i+1)); sleep 0.01; done"], false);
    e.container_start(&id).unwrap();
    let mut lines = 0;
    let started = Instant::now();
    let r = e.container_logs(
        &id,
        &LogsOptions { follow: true, stdout: true, stderr: true, ..Default::default() },
        &mut |o: Output<'_>| {
            if let Output::Stdout(b) = o {
                lines += b.iter().filter(|c| **c == b'\n').count();
            }
            if lines >= 20 {
                return Err(engine::Error::canceled());
            }
            Ok(())
        },
    );
    assert_eq!(r.unwrap_err().kind(), ErrorKind::Canceled);
    assert!(lines >= 20 && started.elapsed() < Duration::from_secs(10));
    e.container_remove(&id, true, false).unwrap();
    env.finish();
}

/// A build stopped while its `RUN` runs silently (by the token) and while it prints (by the
/// sink): `Canceled`, promptly, and no intermediate container, image or tag is left.
#[test]
fn a_build_stops_mid_run_and_leaves_nothing() {
    let env = Env::new();
    env.busybox();
    let e = open(&env);
    let images_before = e.image_list(&ImageListOptions { all: true, ..Default::default() }).unwrap().len();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("Dockerfile"), "FROM busybox\nRUN echo started; sleep 600\nRUN true\n").unwrap();
    let opts = ImageBuildOptions { tags: vec!["never:1".into()], ..Default::default() };
    // By the token, while the RUN sleeps.
    let c = Cancel::new().unwrap();
    let c2 = c.clone();
    let mut started_at = None;
    let t0 = Instant::now();
    let r = e.image_build(
        engine::build::BuildContext::Dir { path: dir.path(), dockerfile: None },
        &opts,
        &mut WithCancel(
            |o: Output<'_>| {
                if let Output::Message(m) = o {
                    if m.stream.as_deref().is_some_and(|s| s.contains("started")) && started_at.is_none() {
                        started_at = Some(Instant::now());
                        let c2 = c2.clone();
                        std::thread::spawn(move || {
                            std::thread::sleep(Duration::from_millis(200));
                            c2.cancel();
                        });
                    }
                }
                Ok(())
            },
            &c,
        ),
    );
    assert_eq!(r.unwrap_err().kind(), ErrorKind::Canceled);
    assert!(started_at.is_some(), "the RUN never started");
    assert!(t0.elapsed() < Duration::from_secs(30));
    // By the sink, at the first line of output.
    let r = e.image_build(
        engine::build::BuildContext::Dir { path: dir.path(), dockerfile: None },
        &opts,
        &mut |o: Output<'_>| match o {
            Output::Message(m) if m.stream.as_deref().is_some_and(|s| s.contains("started")) => {
                Err(engine::Error::canceled())
            }
            _ => Ok(()),
        },
    );
    assert_eq!(r.unwrap_err().kind(), ErrorKind::Canceled);
    assert!(e.container_list(&ContainerListOptions { all: true, ..Default::default() }).unwrap().is_empty());
    assert_eq!(e.image_list(&ImageListOptions { all: true, ..Default::default() }).unwrap().len(), images_before);
    assert_eq!(e.image_inspect("never:1").unwrap_err().kind(), ErrorKind::NotFound);
    env.finish();
}

/// A load stopped by its sink at the first progress message: `Canceled`, and the store holds
/// nothing of it (the same archive then loads whole).
#[test]
fn a_load_stops_mid_way_and_leaves_nothing() {
    let env = Env::new();
    env.busybox();
    let e = open(&env);
    let archive = env.path().join("../busybox-save.tar");
    e.image_save_file(&["busybox".to_string()], &archive, None).unwrap();
    let env2 = Env::new();
    let e2 = open(&env2);
    let mut seen = 0;
    let r = e2.image_load_file(&archive, &mut |o: Output<'_>| {
        if let Output::Message(m) = o {
            if m.status.as_deref() == Some("Loading layer") {
                seen += 1;
                return Err(engine::Error::canceled());
            }
        }
        Ok(())
    });
    assert_eq!(r.unwrap_err().kind(), ErrorKind::Canceled);
    assert_eq!(seen, 1);
    assert!(e2.image_list(&ImageListOptions { all: true, ..Default::default() }).unwrap().is_empty());
    let layers = std::fs::read_dir(env2.path().join("layers")).map(|d| d.count()).unwrap_or(0);
    assert_eq!(layers, 0, "a cancelled load left layers");
    let loaded = e2.image_load_file(&archive, &mut engine::stream::Discard).unwrap();
    assert_eq!(loaded.tags, ["busybox:latest"]);
    std::fs::remove_file(&archive).unwrap();
    env2.finish();
    env.finish();
}

/// Exit codes travel in error details, never in message text: a command not found is 127, not
/// executable 126 (kind InvalidArgument, as Docker's 400); a failing RUN carries its code and
/// step; an exec of a missing command 127.
#[test]
fn exit_codes_come_from_error_details() {
    let env = Env::new();
    env.busybox();
    let e = open(&env);
    for (cmd, code, why) in
        [("nope", 127, StartFailure::CommandNotFound), ("/etc", 126, StartFailure::CommandNotExecutable)]
    {
        let id = create(&e, &[cmd], false);
        let err = e.container_start(&id).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidArgument, "{err:?}");
        assert_eq!(err.details().exit_code, Some(code));
        assert_eq!(err.details().start_failure, Some(why));
        e.container_remove(&id, true, false).unwrap();
    }
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("Dockerfile"), "FROM busybox\nRUN exit 5\n").unwrap();
    let err = e
        .image_build(
            engine::build::BuildContext::Dir { path: dir.path(), dockerfile: None },
            &ImageBuildOptions::default(),
            &mut engine::stream::Discard,
        )
        .unwrap_err();
    assert_eq!(err.details().exit_code, Some(5));
    let step = err.details().build_step.clone().unwrap();
    assert_eq!((step.number, step.total, step.instruction.as_str()), (2, 2, "RUN exit 5"));
    let id = create(&e, &["sleep", "600"], false);
    e.container_start(&id).unwrap();
    let x = e
        .exec_create(&id, &ExecConfig { cmd: vec!["nope".into()], attach_stdout: true, ..Default::default() })
        .unwrap();
    let err = e.exec_start(&x, &ExecStartConfig::default(), None, &mut engine::stream::Discard).unwrap_err();
    assert_eq!(err.details().exit_code, Some(127), "{err:?}");
    let x = e
        .exec_create(&id, &ExecConfig { cmd: vec!["sh".into(), "-c".into(), "exit 4".into()], ..Default::default() })
        .unwrap();
    assert_eq!(e.exec_start(&x, &ExecStartConfig::default(), None, &mut engine::stream::Discard).unwrap(), Some(4));
    // The exec's record says so before the call returns (clients read it right after the stream).
    let i = e.exec_inspect(&x).unwrap();
    assert_eq!((i.running, i.exit_code), (false, Some(4)));
    e.container_remove(&id, true, false).unwrap();
    env.finish();
}

/// Stats carry the previous sample as `precpu_stats` (what a CPU percentage needs); the stream
/// ends when its sink says so.
#[test]
fn stats_carry_precpu_and_stream() {
    let env = Env::new();
    env.busybox();
    let e = open(&env);
    let id = create(&e, &["sh", "-c", "while true; do :; done"], false);
    e.container_start(&id).unwrap();
    let s = e.container_stats(&id, false, None).unwrap();
    assert!(s.cpu_stats.cpu_usage.total_usage > s.precpu_stats.cpu_usage.total_usage);
    assert_ne!(s.preread, "0001-01-01T00:00:00Z");
    let mut n = 0;
    let r = e.container_stats_stream(&id, &mut |o: Output<'_>| {
        if let Output::Stats(s) = o {
            n += 1;
            if n == 2 {
                assert!(s.precpu_stats.cpu_usage.total_usage > 0);
                return Err(engine::Error::canceled());
            }
        }
        Ok(())
    });
    assert_eq!(r.unwrap_err().kind(), ErrorKind::Canceled);
    e.container_remove(&id, true, false).unwrap();
    env.finish();
}

/// Engines are cheap handles: clones share one root across threads.
#[test]
fn engine_clones_share_across_threads() {
    let env = Env::new();
    env.busybox();
    let e = open(&env);
    let ids: Vec<String> = std::thread::scope(|s| {
        let hs: Vec<_> = (0..4)
            .map(|_| {
                let e = e.clone();
                s.spawn(move || create(&e, &["true"], false))
            })
            .collect();
        hs.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert_eq!(e.container_list(&ContainerListOptions { all: true, ..Default::default() }).unwrap().len(), 4);
    for id in ids {
        e.container_remove(&id, false, false).unwrap();
    }
    env.finish();
}
