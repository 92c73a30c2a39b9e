//! Many processes on one state root: names are claimed atomically, and hundreds of lifecycles
//! in parallel all succeed and leak nothing.

use libdocker_e2e::{stderr, Env};

#[test]
fn fifty_creates_of_one_name_one_wins() {
    let env = Env::new();
    env.busybox();
    let handles: Vec<_> = (0..50)
        .map(|_| {
            let mut c = env.cmd(&["create", "--name", "same", "busybox", "true"]);
            std::thread::spawn(move || c.output().unwrap())
        })
        .collect();
    let outs: Vec<_> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    let ok = outs.iter().filter(|o| o.status.success()).count();
    let conflicts = outs
        .iter()
        .filter(|o| o.status.code() == Some(125) && stderr(o).contains("is already in use by container"))
        .count();
    assert_eq!((ok, conflicts), (1, 49), "{:?}", outs.iter().map(stderr).collect::<Vec<_>>());
    assert_eq!(env.ok(&["ps", "-aq"]).lines().count(), 1);
    env.ok(&["rm", "same"]);
    env.finish();
}

#[test]
fn two_hundred_parallel_lifecycles() {
    let env = Env::new();
    env.busybox();
    let threads = 8;
    let per_thread = 25;
    let handles: Vec<_> = (0..threads)
        .map(|t| {
            let cmds: Vec<_> = (0..per_thread)
                .map(|i| {
                    let name = format!("c{t}-{i}");
                    (
                        env.cmd(&["create", "--name", &name, "busybox", "sh", "-c", &format!("exit {}", i % 3)]),
                        env.cmd(&["start", &name]),
                        env.cmd(&["wait", &name]),
                        env.cmd(&["rm", &name]),
                        i % 3,
                    )
                })
                .collect();
            std::thread::spawn(move || {
                let mut ok = 0;
                for (mut create, mut start, mut wait, mut rm, code) in cmds {
                    let c = create.output().unwrap();
                    let s = start.output().unwrap();
                    let w = wait.output().unwrap();
                    let r = rm.output().unwrap();
                    let waited = String::from_utf8_lossy(&w.stdout).trim().to_string();
                    if c.status.success() && s.status.success() && waited == code.to_string() && r.status.success() {
                        ok += 1;
                    } else {
                        eprintln!("create {c:?}\nstart {s:?}\nwait {w:?}\nrm {r:?}");
                    }
                }
                ok
            })
        })
        .collect();
    let ok: usize = handles.into_iter().map(|h| h.join().unwrap()).sum();
    assert_eq!(ok, threads * per_thread);
    assert_eq!(env.ok(&["ps", "-aq"]), "");
    // No overlay directories, names or cgroups left behind.
    assert_eq!(std::fs::read_dir(env.path().join("containers")).unwrap().count(), 0);
    assert_eq!(std::fs::read_dir(env.path().join("names")).unwrap().count(), 0);
    env.finish();
}
