//! Named volumes of the `local` driver: `<root>/volumes/<name>/_data` plus `meta.json`.
//! A volume is created atomically (staged, then renamed into place), so concurrent
//! `run -v same:/x` calls agree on one volume.

use crate::error::{Error, IoContext, Result};
use crate::store::Store;
use crate::types::volume::{Volume, VolumeCreateOptions, VolumeListResponse, VolumePruneReport};
use std::collections::BTreeMap;
use std::path::PathBuf;

fn volumes_dir(store: &Store) -> PathBuf {
    store.root().join("volumes")
}

/// The directory containers mount.
pub fn data_dir(store: &Store, name: &str) -> PathBuf {
    volumes_dir(store).join(name).join("_data")
}

pub fn no_such_volume(name: &str) -> Error {
    Error::not_found(format!("get {name}: no such volume"))
}

/// Docker's local-volume names: `[a-zA-Z0-9][a-zA-Z0-9_.-]+`.
pub fn validate_name(name: &str) -> Result<()> {
    let b = name.as_bytes();
    let ok = b.len() >= 2
        && b[0].is_ascii_alphanumeric()
        && b[1..].iter().all(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'.' | b'-'));
    if ok {
        Ok(())
    } else {
        Err(Error::invalid(format!(
            "create {name}: \"{name}\" includes invalid characters for a local volume name, only \"[a-zA-Z0-9][a-zA-Z0-9_.-]\" are allowed. If you intended to pass a host directory, use absolute path"
        )))
    }
}

/// Create (or, if it exists, return) a volume. An empty name makes an anonymous one.
pub fn create(store: &Store, opts: &VolumeCreateOptions) -> Result<Volume> {
    if !opts.driver.is_empty() && opts.driver != "local" {
        return Err(Error::unsupported(format!("volume driver {:?} is not supported (only \"local\")", opts.driver)));
    }
    if !opts.driver_opts.is_empty() {
        return Err(Error::unsupported("volume driver options are not supported"));
    }
    let name = if opts.name.is_empty() { crate::digest::random_hex(32) } else { opts.name.clone() };
    validate_name(&name)?;
    if let Ok(v) = inspect(store, &name) {
        return Ok(v);
    }
    let vol = Volume {
        name: name.clone(),
        driver: "local".into(),
        mountpoint: data_dir(store, &name).display().to_string(),
        created_at: crate::types::rfc3339_nanos(std::time::SystemTime::now()),
        labels: opts.labels.clone(),
        scope: "local".into(),
        options: BTreeMap::new(),
    };
    let staging = store.staging()?;
    let dir = staging.path().join("volume");
    std::fs::create_dir_all(dir.join("_data")).ctx("create volume")?;
    std::fs::write(dir.join("meta.json"), serde_json::to_vec_pretty(&vol).expect("volume json"))
        .ctx("write volume meta")?;
    std::fs::create_dir_all(volumes_dir(store)).ctx("create volumes directory")?;
    match std::fs::rename(&dir, volumes_dir(store).join(&name)) {
        Ok(()) => Ok(vol),
        // Another process created it first: use theirs.
        Err(e) if matches!(e.raw_os_error(), Some(libc::EEXIST) | Some(libc::ENOTEMPTY)) => inspect(store, &name),
        Err(e) => Err(Error::io(format_args!("create volume {name}"), e)),
    }
}

pub fn inspect(store: &Store, name: &str) -> Result<Volume> {
    if validate_name(name).is_err() {
        return Err(no_such_volume(name));
    }
    let p = volumes_dir(store).join(name).join("meta.json");
    match std::fs::read(&p) {
        Ok(b) => serde_json::from_slice(&b).map_err(|e| Error::corrupt(format!("volume {name}: {e}"))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(no_such_volume(name)),
        Err(e) => Err(Error::io(format_args!("read {}", p.display()), e)),
    }
}

pub fn list(store: &Store) -> Result<VolumeListResponse> {
    let mut out = VolumeListResponse::default();
    if let Ok(rd) = std::fs::read_dir(volumes_dir(store)) {
        for e in rd.flatten() {
            if let Ok(v) = inspect(store, &e.file_name().to_string_lossy()) {
                out.volumes.push(v);
            }
        }
    }
    out.volumes.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}

/// Containers (ids) that mount volume `name`.
pub fn users(store: &Store, name: &str) -> Result<Vec<String>> {
    let mut out = Vec::new();
    for id in crate::container::ids(store)? {
        if let Some(c) = crate::container::Container::load(store, &id)? {
            if c.mounts.iter().any(|m| m.kind == "volume" && m.name == name) {
                out.push(id);
            }
        }
    }
    Ok(out)
}

pub fn remove(store: &Store, name: &str, force: bool) -> Result<()> {
    inspect(store, name)?;
    let users = users(store, name)?;
    if !users.is_empty() {
        return Err(Error::conflict(format!("remove {name}: volume is in use - [{}]", users.join(", "))));
    }
    let _ = force;
    let trash = store.tmp_dir().join(format!("trash-{}", crate::digest::random_hex(8)));
    std::fs::rename(volumes_dir(store).join(name), &trash).ctx(format_args!("remove volume {name}"))?;
    crate::store::remove_tree(&trash).ctx(format_args!("remove volume {name}"))
}

/// Remove unused volumes: anonymous ones, or all unused with `all` (Docker ≥ 23 semantics).
pub fn prune(store: &Store, all: bool) -> Result<VolumePruneReport> {
    let mut report = VolumePruneReport::default();
    for v in list(store)?.volumes {
        let anonymous = crate::digest::is_hex64(&v.name);
        if (anonymous || all) && users(store, &v.name)?.is_empty() {
            let size = dir_size(&data_dir(store, &v.name));
            if remove(store, &v.name, false).is_ok() {
                report.volumes_deleted.push(v.name);
                report.space_reclaimed += size;
            }
        }
    }
    Ok(report)
}

/// Bytes of the regular files under `p` (best effort).
pub fn dir_size(p: &std::path::Path) -> u64 {
    let mut total = 0;
    let mut stack = vec![p.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else { continue };
        for e in rd.flatten() {
            match e.file_type() {
                Ok(t) if t.is_dir() => stack.push(e.path()),
                Ok(t) if t.is_file() => total += e.metadata().map(|m| m.len()).unwrap_or(0),
                _ => {}
            }
        }
    }
    total
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::container::tests::{state, Root};
    use crate::runtime::state::Status;
    use crate::types::MountPoint;
    use crate::ErrorKind;

    fn named(name: &str) -> VolumeCreateOptions {
        VolumeCreateOptions { name: name.into(), ..Default::default() }
    }

    fn mount_of(volume: &str) -> Vec<MountPoint> {
        vec![MountPoint { kind: "volume".into(), name: volume.into(), destination: "/v".into(), ..Default::default() }]
    }

    #[test]
    fn create_is_idempotent_and_checks_its_input() {
        let r = Root::new();
        let v = create(&r.store, &named("data")).unwrap();
        assert_eq!((v.driver.as_str(), v.scope.as_str()), ("local", "local"));
        assert_eq!(v.mountpoint, data_dir(&r.store, "data").display().to_string());
        assert!(data_dir(&r.store, "data").is_dir());
        std::fs::write(data_dir(&r.store, "data").join("f"), b"x").unwrap();
        // The same name again: the same volume, its content untouched.
        assert_eq!(create(&r.store, &named("data")).unwrap(), v);
        assert!(data_dir(&r.store, "data").join("f").exists());
        assert_eq!(inspect(&r.store, "data").unwrap(), v);

        let anonymous = create(&r.store, &VolumeCreateOptions::default()).unwrap();
        assert!(crate::digest::is_hex64(&anonymous.name), "{}", anonymous.name);
        let e = create(&r.store, &named("a/b")).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidArgument);
        assert!(e.message().starts_with("create a/b: \"a/b\" includes invalid characters"), "{e}");
        let nfs = VolumeCreateOptions { driver: "nfs".into(), ..named("x1") };
        assert_eq!(create(&r.store, &nfs).unwrap_err().kind(), ErrorKind::Unsupported);
        let opts = VolumeCreateOptions { driver_opts: [("o".into(), "x".into())].into(), ..named("x2") };
        assert_eq!(create(&r.store, &opts).unwrap_err().kind(), ErrorKind::Unsupported);
        assert!(inspect(&r.store, "x1").is_err() && inspect(&r.store, "x2").is_err(), "refused: nothing made");
        let e = inspect(&r.store, "nope").unwrap_err();
        assert_eq!((e.kind(), e.message()), (ErrorKind::NotFound, "get nope: no such volume"));
        let listed: Vec<String> = list(&r.store).unwrap().volumes.into_iter().map(|v| v.name).collect();
        assert_eq!(listed, [anonymous.name, "data".to_string()], "sorted by name");
    }

    #[test]
    fn a_volume_in_use_is_not_removed() {
        let r = Root::new();
        create(&r.store, &named("data")).unwrap();
        // Any container that mounts it holds it, running or not.
        let c = r.container("1", "user", state(Status::Exited, 0), mount_of("data"));
        let e = remove(&r.store, "data", false).unwrap_err();
        assert_eq!(
            (e.kind(), e.message()),
            (ErrorKind::Conflict, &*format!("remove data: volume is in use - [{}]", c.id))
        );
        assert_eq!(remove(&r.store, "data", true).unwrap_err().kind(), ErrorKind::Conflict, "force does not help");
        assert!(data_dir(&r.store, "data").is_dir());
        crate::container::remove::remove(&r.store, &c.id, false, false).unwrap();
        remove(&r.store, "data", false).unwrap();
        assert_eq!(inspect(&r.store, "data").unwrap_err().kind(), ErrorKind::NotFound);
        assert_eq!(remove(&r.store, "data", false).unwrap_err().kind(), ErrorKind::NotFound);
    }

    #[test]
    fn prune_takes_unused_anonymous_volumes_or_with_all_every_unused_one() {
        let r = Root::new();
        let anon = create(&r.store, &VolumeCreateOptions::default()).unwrap().name;
        let anon_used = create(&r.store, &VolumeCreateOptions::default()).unwrap().name;
        create(&r.store, &named("named")).unwrap();
        create(&r.store, &named("named-used")).unwrap();
        std::fs::create_dir_all(data_dir(&r.store, &anon).join("d")).unwrap();
        std::fs::write(data_dir(&r.store, &anon).join("d/f"), b"1234567").unwrap();
        r.container("1", "a", None, mount_of(&anon_used));
        r.container("2", "b", None, mount_of("named-used"));

        let report = prune(&r.store, false).unwrap();
        assert_eq!((report.volumes_deleted, report.space_reclaimed), (vec![anon.clone()], 7));
        let report = prune(&r.store, true).unwrap();
        assert_eq!(report.volumes_deleted, ["named"]);
        let left: Vec<String> = list(&r.store).unwrap().volumes.into_iter().map(|v| v.name).collect();
        let mut want = vec![anon_used, "named-used".to_string()];
        want.sort();
        assert_eq!(left, want);
        assert_eq!(prune(&r.store, true).unwrap().volumes_deleted, Vec::<String>::new());
    }
}
