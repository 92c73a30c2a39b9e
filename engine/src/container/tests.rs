//! The lifecycle's state machine without processes: each test has its own state root, writes the
//! files a create and a monitor would (`config.json`, `state.json`), and stands in for a live
//! monitor by holding `monitor.lock` as the monitor does for its life. Only `paused` needs a real
//! (frozen) cgroup, and so root.

use super::{list, names, record::monitor_alive, remove, rename, resolve, stop, wait, Container};
use crate::digest::Digest;
use crate::error::ErrorKind;
use crate::runtime::state::{State, Status};
use crate::store::Store;
use crate::types::{ContainerListOptions, MountPoint};
use std::collections::BTreeMap;

/// A state root of its own, removed with the fixture.
pub(crate) struct Root {
    _dir: tempfile::TempDir,
    pub store: Store,
}

impl Root {
    pub fn new() -> Root {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        Root { _dir: dir, store }
    }

    /// A published container as `create` leaves it (name claimed, record written, the claim let
    /// go), with `state` as its monitor would have written it. `id` is padded to a full id.
    pub fn container(&self, id: &str, name: &str, state: Option<State>, mounts: Vec<MountPoint>) -> Container {
        let id = format!("{id:0<64}");
        let dir = super::container_dir(&self.store, &id);
        std::fs::create_dir_all(&dir).unwrap();
        let claim = names::reserve(&self.store, name, &id).unwrap();
        let c = Container {
            id: id.clone(),
            created: crate::types::rfc3339_nanos(std::time::SystemTime::now()),
            name: name.into(),
            path: "true".into(),
            args: vec![],
            config: Default::default(),
            host_config: Default::default(),
            image: Digest::of(b"an image this root does not hold"),
            image_name: "busybox".into(),
            layers: vec![],
            mounts,
            anonymous_volumes: vec![],
            state: State::default(),
            dir: dir.clone(),
        };
        c.save().unwrap();
        if let Some(s) = state {
            s.save(&dir).unwrap();
        }
        drop(claim);
        c
    }

    pub fn load(&self, id: &str) -> Option<Container> {
        Container::load(&self.store, id).unwrap()
    }
}

/// A state as a monitor writes it, started and finished two hours ago.
pub(crate) fn state(status: Status, exit_code: i32) -> Option<State> {
    let then = std::time::SystemTime::now() - std::time::Duration::from_secs(7200);
    let then = crate::types::rfc3339_nanos(then);
    Some(State { status, exit_code, pid: 4242, started_at: then.clone(), finished_at: then, ..Default::default() })
}

/// Stands in for a live monitor: the exclusive lock on `monitor.lock` a monitor holds for its life.
pub(crate) struct FakeMonitor(#[allow(dead_code)] std::fs::File);

pub(crate) fn monitor(c: &Container) -> FakeMonitor {
    let f = std::fs::File::create(c.dir.join("monitor.lock")).unwrap();
    rustix::fs::flock(&f, rustix::fs::FlockOperation::NonBlockingLockExclusive).unwrap();
    FakeMonitor(f)
}

// ---- the record and its state ----

#[test]
fn running_without_a_live_monitor_is_exited_137_once_for_everyone() {
    let r = Root::new();
    for status in [Status::Running, Status::Restarting] {
        let c = r.container(if status == Status::Running { "a1" } else { "a2" }, "xy", state(status, 0), vec![]);
        let seen = r.load(&c.id).unwrap();
        assert_eq!(seen.state.status, Status::Exited, "{status:?}");
        assert_eq!((seen.state.exit_code, seen.state.pid), (137, 0));
        assert_eq!(seen.state.error, "the container's monitor exited unexpectedly");
        assert!(!seen.is_running());
        // Recorded: the next reader sees the same exit, not a new one.
        let on_disk = State::load(&c.dir).unwrap();
        assert_eq!(on_disk, seen.state);
        assert_eq!(r.load(&c.id).unwrap().state, seen.state);
        names::release(&r.store, "xy", &c.id).unwrap();
    }
}

#[test]
fn running_with_a_live_monitor_stays_running_until_it_dies() {
    let r = Root::new();
    let c = r.container("b1", "web", state(Status::Running, 0), vec![]);
    let m = monitor(&c);
    assert!(monitor_alive(&c.dir));
    let seen = r.load(&c.id).unwrap();
    assert_eq!((seen.state.status, seen.state.pid), (Status::Running, 4242));
    assert!(seen.is_running());
    assert_eq!(State::load(&c.dir).unwrap().status, Status::Running, "nothing written while it lives");
    drop(m);
    assert!(!monitor_alive(&c.dir));
    assert_eq!(r.load(&c.id).unwrap().state.exit_code, 137);
}

#[test]
fn states_without_a_process_are_left_as_recorded() {
    let r = Root::new();
    let created = r.container("c1", "never-started", None, vec![]);
    assert_eq!(r.load(&created.id).unwrap().state, State::default());
    assert!(!created.dir.join("state.json").exists(), "loading writes nothing");
    let exited = r.container("c2", "done", state(Status::Exited, 3), vec![]);
    let seen = r.load(&exited.id).unwrap();
    assert_eq!((seen.state.status, seen.state.exit_code), (Status::Exited, 3));
    let dead = r.container("c3", "dead", state(Status::Dead, 0), vec![]);
    assert_eq!(r.load(&dead.id).unwrap().state.status, Status::Dead);
    assert!(r.load(&format!("{:0<64}", "c4")).is_none(), "no record, no container");
}

#[test]
fn a_damaged_record_is_corrupt() {
    let r = Root::new();
    let c = r.container("d1", "damaged", None, vec![]);
    std::fs::write(c.dir.join("config.json"), b"{not json").unwrap();
    let e = Container::load(&r.store, &c.id).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Corrupt, "{e}");
}

#[test]
fn status_words_and_strings() {
    let r = Root::new();
    let word = |id: &str, name: &str, s: Option<State>| {
        let c = r.load(&r.container(id, name, s, vec![]).id).unwrap();
        (c.status_word(), list::status_string(&c))
    };
    assert_eq!(word("e1", "created", None), ("created", "Created".into()));
    let (w, s) = word("e2", "exited", state(Status::Exited, 3));
    assert_eq!((w, s.as_str()), ("exited", "Exited (3) 2 hours ago"));
    assert_eq!(word("e3", "dead", state(Status::Dead, 0)), ("dead", "Dead".into()));
    // The monitor gone: exited 137, whatever the state file said.
    assert_eq!(word("e4", "gone", state(Status::Running, 0)).0, "exited");
    let c = r.container("e5", "up", state(Status::Running, 0), vec![]);
    let _m = monitor(&c);
    let c = r.load(&c.id).unwrap();
    assert_eq!((c.status_word(), list::status_string(&c).as_str()), ("running", "Up 2 hours"));
}

#[test]
fn a_running_container_with_a_frozen_cgroup_is_paused() {
    crate::runtime::caps::testchild::require_root();
    let r = Root::new();
    let c = r.container(&crate::digest::random_hex(32), "frozen", state(Status::Running, 0), vec![]);
    let _m = monitor(&c);
    let cg = crate::runtime::cgroups::Cgroup::create(&c.id, &Default::default()).unwrap();
    struct Destroy<'a>(&'a crate::runtime::cgroups::Cgroup);
    impl Drop for Destroy<'_> {
        fn drop(&mut self) {
            let _ = self.0.thaw();
            let _ = self.0.destroy();
        }
    }
    let _destroy = Destroy(&cg);
    let c = r.load(&c.id).unwrap();
    assert_eq!(c.status_word(), "running");
    cg.freeze().unwrap();
    assert_eq!(c.status_word(), "paused");
    assert!(list::status_string(&c).ends_with("(Paused)"), "{}", list::status_string(&c));
    // Paused is a running container's word only.
    let exited = Container { state: State { status: Status::Exited, ..c.state.clone() }, ..c.clone() };
    assert_eq!(exited.status_word(), "exited");
    assert_eq!(super::pause::pause(&r.store, &c.id).unwrap_err().kind(), ErrorKind::Conflict, "already paused");
    super::pause::unpause(&r.store, &c.id).unwrap();
    assert_eq!(c.status_word(), "running");
}

// ---- names and lookup ----

#[test]
fn resolve_order_is_dockers() {
    let r = Root::new();
    let a = r.container("abc123", "first", None, vec![]);
    let b = r.container("abd456", "second", None, vec![]);
    // A name made of hex digits, and a container whose id starts with it.
    let named = r.container("f00", "abc1", None, vec![]);
    let id = |s: &str| resolve(&r.store, s);
    assert_eq!(id(&a.id).unwrap(), a.id, "full id");
    assert_eq!(id("first").unwrap(), a.id, "name");
    assert_eq!(id("/second").unwrap(), b.id, "name with docker's slash");
    assert_eq!(id("abc12").unwrap(), a.id, "unique prefix");
    assert_eq!(id("ABD").unwrap(), b.id, "prefixes are case-insensitive");
    assert_eq!(id("abc1").unwrap(), named.id, "a name before a prefix");
    let e = id("ab").unwrap_err();
    assert_eq!((e.kind(), e.message()), (ErrorKind::InvalidArgument, "multiple IDs found with provided prefix: ab"));
    let e = id("nothing").unwrap_err();
    assert_eq!((e.kind(), e.message()), (ErrorKind::NotFound, "No such container: nothing"));
    assert_eq!(id("").unwrap_err().kind(), ErrorKind::InvalidArgument);
    assert_eq!(id("99").unwrap_err().kind(), ErrorKind::NotFound, "a prefix of nothing");
    // A name whose container is gone (its file left by a crash) names nothing.
    names::reserve(&r.store, "orphan", &format!("{:0<64}", "dead")).map(drop).unwrap();
    assert_eq!(id("orphan").unwrap_err().kind(), ErrorKind::NotFound);
}

#[test]
fn of_many_racing_claims_on_one_name_exactly_one_wins() {
    let r = Root::new();
    let barrier = std::sync::Barrier::new(16);
    let results: Vec<_> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..16)
            .map(|i| {
                let (store, barrier) = (&r.store, &barrier);
                s.spawn(move || {
                    let id = format!("{i:0>64}");
                    barrier.wait();
                    names::reserve(store, "same", &id).map(|claim| (id, claim))
                })
            })
            .collect();
        // Every claim is still held here (as during a create): none can look stale.
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let winners: Vec<&String> = results.iter().filter_map(|r| r.as_ref().ok().map(|(id, _)| id)).collect();
    assert_eq!(winners.len(), 1, "{winners:?}");
    assert_eq!(names::lookup(&r.store, "same").unwrap().as_ref(), Some(winners[0]));
    for e in results.iter().filter_map(|r| r.as_ref().err()) {
        assert_eq!(e.kind(), ErrorKind::Conflict);
        assert!(
            e.message().starts_with("Conflict. The container name \"/same\" is already in use by container"),
            "{e}"
        );
    }
}

#[test]
fn claims_released_reclaimed_and_kept() {
    let r = Root::new();
    let (one, two) = (format!("{:0<64}", "1"), format!("{:0<64}", "2"));
    // A claim whose create died before publishing (no claim held, no container): stale, taken over.
    drop(names::reserve(&r.store, "crashed", &one).unwrap());
    let _claim = names::reserve(&r.store, "crashed", &two).unwrap();
    assert_eq!(names::lookup(&r.store, "crashed").unwrap(), Some(two.clone()));
    // A claim still held (a create in progress) is not stale, though nothing is published yet.
    let _held = names::reserve(&r.store, "busy", &one).unwrap();
    assert_eq!(names::reserve(&r.store, "busy", &two).map(drop).unwrap_err().kind(), ErrorKind::Conflict);
    // A published container's name.
    let c = r.container("3", "taken", None, vec![]);
    let e = names::reserve(&r.store, "taken", &two).map(drop).unwrap_err();
    assert_eq!(
        e.message(),
        format!(
            "Conflict. The container name \"/taken\" is already in use by container \"{}\". {}",
            c.id, "You have to remove (or rename) that container to be able to reuse that name."
        )
    );
    // Only the holder gives a name back.
    names::release(&r.store, "taken", &two).unwrap();
    assert_eq!(names::lookup(&r.store, "taken").unwrap(), Some(c.id.clone()));
    names::release(&r.store, "taken", &c.id).unwrap();
    assert_eq!(names::lookup(&r.store, "taken").unwrap(), None);
    names::release(&r.store, "taken", &c.id).unwrap();
    // Generated names are claimed too, and differ.
    let (n1, _c1) = names::generate(&r.store, &one).unwrap();
    let (n2, _c2) = names::generate(&r.store, &two).unwrap();
    assert_ne!(n1, n2);
    assert!(names::validate(&n1).is_ok() && names::lookup(&r.store, &n1).unwrap() == Some(one));
    assert_eq!(names::lookup(&r.store, "no/such").unwrap(), None, "an invalid name names nothing");
}

#[test]
fn rename_claims_the_new_name_then_frees_the_old() {
    let r = Root::new();
    let a = r.container("4a", "old", None, vec![]);
    r.container("4b", "other", None, vec![]);
    let e = rename::rename(&r.store, "old", "other").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Conflict);
    assert_eq!(r.load(&a.id).unwrap().name, "old", "a refused rename changes nothing");
    assert_eq!(rename::rename(&r.store, "old", "old").unwrap_err().kind(), ErrorKind::InvalidArgument);
    assert_eq!(rename::rename(&r.store, "old", "b@d").unwrap_err().kind(), ErrorKind::InvalidArgument);
    rename::rename(&r.store, "old", "new").unwrap();
    assert_eq!(r.load(&a.id).unwrap().name, "new");
    assert_eq!(resolve(&r.store, "new").unwrap(), a.id);
    assert_eq!(names::lookup(&r.store, "old").unwrap(), None);
}

// ---- verbs on containers that do not run ----

#[test]
fn stop_kill_wait_and_pause_of_a_stopped_container() {
    let r = Root::new();
    let c = r.container("5", "stopped", state(Status::Exited, 3), vec![]);
    let e = stop::stop(&r.store, "stopped", None, None).unwrap_err();
    assert_eq!((e.kind(), e.message()), (ErrorKind::NotModified, &*format!("container {} is already stopped", c.id)));
    let e = stop::kill(&r.store, "stopped", None).unwrap_err();
    assert_eq!((e.kind(), e.message()), (ErrorKind::Conflict, &*format!("Container {} is not running", c.id)));
    assert_eq!(stop::kill(&r.store, "stopped", Some("NOPE")).unwrap_err().kind(), ErrorKind::InvalidArgument);
    assert_eq!(wait::wait(&r.store, "stopped", "", None).unwrap().status_code, 3);
    assert_eq!(wait::wait(&r.store, "stopped", "not-running", None).unwrap().status_code, 3);
    assert_eq!(wait::wait(&r.store, "stopped", "sometime", None).unwrap_err().kind(), ErrorKind::InvalidArgument);
    assert_eq!(super::pause::pause(&r.store, "stopped").unwrap_err().kind(), ErrorKind::Conflict);
    assert_eq!(super::pause::unpause(&r.store, "stopped").unwrap_err().kind(), ErrorKind::Conflict);
    // Its monitor killed: waiting reads the reconciled exit.
    r.container("6", "killed", state(Status::Running, 0), vec![]);
    assert_eq!(wait::wait(&r.store, "killed", "", None).unwrap().status_code, 137);
}

#[test]
fn remove_refuses_a_running_container_without_force() {
    let r = Root::new();
    let c = r.container("7", "busy", state(Status::Running, 0), vec![]);
    let _m = monitor(&c);
    let e = remove::remove(&r.store, "busy", false, false).unwrap_err();
    assert_eq!(
        (e.kind(), e.message()),
        (ErrorKind::Conflict, "container is running: stop the container before removing or force remove")
    );
    assert!(r.load(&c.id).is_some() && names::lookup(&r.store, "busy").unwrap().is_some(), "nothing removed");
}

#[test]
fn remove_takes_the_record_the_name_and_with_v_the_anonymous_volumes() {
    let r = Root::new();
    let anon = crate::volume::create(&r.store, &Default::default()).unwrap().name;
    let named = crate::volume::create(
        &r.store,
        &crate::types::VolumeCreateOptions { name: "keep".into(), ..Default::default() },
    )
    .unwrap()
    .name;
    let mounts =
        [&anon, &named].map(|v| MountPoint { kind: "volume".into(), name: v.to_string(), ..Default::default() });
    let mut c = r.container("8", "gone", state(Status::Exited, 0), mounts.to_vec());
    c.anonymous_volumes = vec![anon.clone()];
    c.save().unwrap();
    remove::remove(&r.store, "gone", false, true).unwrap();
    assert!(r.load(&c.id).is_none() && !c.dir.exists());
    assert_eq!(names::lookup(&r.store, "gone").unwrap(), None);
    assert_eq!(resolve(&r.store, &c.id).unwrap_err().kind(), ErrorKind::NotFound);
    assert_eq!(crate::volume::inspect(&r.store, &anon).unwrap_err().kind(), ErrorKind::NotFound, "-v: anonymous gone");
    assert!(crate::volume::inspect(&r.store, &named).is_ok(), "named volumes stay");
    // Without -v the anonymous volume stays too.
    let anon2 = crate::volume::create(&r.store, &Default::default()).unwrap().name;
    let mut c = r.container("9", "gone2", None, vec![]);
    c.anonymous_volumes = vec![anon2.clone()];
    c.save().unwrap();
    remove::remove(&r.store, "gone2", false, false).unwrap();
    assert!(crate::volume::inspect(&r.store, &anon2).is_ok());
    assert_eq!(remove::remove(&r.store, "gone2", false, false).unwrap_err().kind(), ErrorKind::NotFound);
}

#[test]
fn prune_removes_what_is_not_running() {
    let r = Root::new();
    let created = r.container("a", "created", None, vec![]);
    let exited = r.container("b", "exited", state(Status::Exited, 1), vec![]);
    std::fs::create_dir_all(exited.dir.join("upper")).unwrap();
    std::fs::write(exited.dir.join("upper/file"), b"12345").unwrap();
    let running = r.container("c", "running", state(Status::Running, 0), vec![]);
    let _m = monitor(&running);
    let report = remove::prune(&r.store).unwrap();
    let mut deleted = report.containers_deleted.clone();
    deleted.sort();
    assert_eq!(deleted, [created.id.clone(), exited.id.clone()]);
    assert_eq!(report.space_reclaimed, 5);
    assert_eq!(super::ids(&r.store).unwrap(), [running.id.clone()]);
    assert_eq!(resolve(&r.store, "running").unwrap(), running.id);
}

#[test]
fn list_shows_running_unless_all_and_filters_by_state() {
    let r = Root::new();
    r.container("1a", "made", None, vec![]);
    r.container("1b", "failed", state(Status::Exited, 2), vec![]);
    let up = r.container("1c", "up", state(Status::Running, 0), vec![]);
    let _m = monitor(&up);
    let names_of = |opts: ContainerListOptions| -> Vec<String> {
        let mut v: Vec<String> = list::list(&r.store, &opts).unwrap().into_iter().map(|c| c.names[0].clone()).collect();
        v.sort();
        v
    };
    assert_eq!(names_of(ContainerListOptions::default()), ["/up"]);
    assert_eq!(names_of(ContainerListOptions { all: true, ..Default::default() }), ["/failed", "/made", "/up"]);
    let filtered = |k: &str, v: &str| ContainerListOptions {
        all: true,
        filters: BTreeMap::from([(k.to_string(), vec![v.to_string()])]),
        ..Default::default()
    };
    assert_eq!(names_of(filtered("status", "exited")), ["/failed"]);
    assert_eq!(names_of(filtered("status", "created")), ["/made"]);
    assert_eq!(names_of(filtered("exited", "2")), ["/failed"]);
    let e = list::list(&r.store, &filtered("status", "sleeping")).unwrap_err();
    assert_eq!((e.kind(), e.message()), (ErrorKind::InvalidArgument, "invalid filter 'status=sleeping'"));
    let summaries = list::list(&r.store, &ContainerListOptions { all: true, ..Default::default() }).unwrap();
    let by_name = |n: &str| summaries.iter().find(|c| c.names[0] == n).unwrap();
    assert_eq!((by_name("/up").state.as_str(), by_name("/failed").state.as_str()), ("running", "exited"));
}
