//! `create`: validate the request, merge it with the image's config, claim the name, stage the
//! container directory, publish it with one rename.

use super::record::{write_file, Container};
use super::{container_dir, containers_dir, names};
use crate::digest::Digest;
use crate::error::{Error, IoContext, Result};
use crate::runtime::cgroups::{DeviceMapping, Resources};
use crate::store::Store;
use crate::types::{
    ContainerConfig, ContainerCreateRequest, ContainerCreateResponse, HostConfig, MountPoint, VolumeCreateOptions,
};
use std::path::Path;

pub fn create(store: &Store, name: Option<&str>, req: &ContainerCreateRequest) -> Result<ContainerCreateResponse> {
    crate::trace::point("create: begin");
    let name = name.filter(|n| !n.is_empty()).map(names::validate).transpose()?;
    if req.config.image.is_empty() {
        return Err(Error::invalid("no image specified: config.Image is empty"));
    }
    let image = crate::image::resolve::resolve(store, &req.config.image)?;
    let host = &req.host_config;
    validate_host_config(host)?;
    validate_networking(req)?;
    let mut config = merge_config(&req.config, &image.config.config.clone().into());
    let (path, args) = command(&config)?;
    let id = crate::digest::random_hex(32);
    if config.hostname.is_empty() {
        config.hostname = super::short(&id).to_string();
    }
    let requested = plan_mounts(host)?;
    let mut host = host.clone();
    // What Docker records for what it defaults, as true here (clients read `LogConfig.Type`:
    // docker-py returns a container's output only for `json-file`).
    for (field, default) in
        [(&mut host.log_config.kind, "json-file"), (&mut host.cgroupns_mode, "host"), (&mut host.ipc_mode, "private")]
    {
        if field.is_empty() {
            *field = default.into();
        }
    }
    if host.shm_size == 0 {
        host.shm_size = crate::types::DEFAULT_SHM_SIZE;
    }
    let layers = Digest::chain_ids(&image.config.rootfs.diff_ids);
    store.layer_stack(&image.config.rootfs.diff_ids)?;

    let (name, claim) = match name {
        Some(n) => (n.to_string(), names::reserve(store, n, &id)?),
        None => names::generate(store, &id)?,
    };
    let result = (|| {
        let staging = store.staging()?;
        let dir = staging.path().join("container");
        for d in ["upper", "work", "rootfs"] {
            std::fs::create_dir_all(dir.join(d)).ctx(format_args!("create {d}"))?;
        }
        let (mounts, anonymous) = realize_mounts(store, &requested, &config)?;
        let c = Container {
            id: id.clone(),
            created: crate::types::rfc3339_nanos(std::time::SystemTime::now()),
            name: name.clone(),
            path,
            args,
            config,
            host_config: host,
            image: image.id.clone(),
            image_name: req.config.image.clone(),
            layers,
            mounts,
            anonymous_volumes: anonymous,
            state: Default::default(),
            dir: dir.clone(),
        };
        write_etc_files(&dir, &c)?;
        c.state.save(&dir)?;
        c.save()?;
        std::fs::create_dir_all(containers_dir(store)).ctx("create containers directory")?;
        // Publish under the writer lock so that an `rmi` collecting layers sees either no
        // container or one that pins its layers — and re-check that they still exist.
        let lock = store.lock()?;
        store.layer_stack(&image.config.rootfs.diff_ids)?;
        super::record::ensure_init_layer(store, &c.layers)?;
        std::fs::rename(&dir, container_dir(store, &id)).ctx("publish container")?;
        drop(lock);
        Ok(())
    })();
    if let Err(e) = result {
        let _ = names::release(store, &name, &id);
        return Err(e);
    }
    drop(claim);
    crate::trace::point("create: done");
    Ok(ContainerCreateResponse { id, warnings: vec![] })
}

/// Docker's merge: what the request leaves empty comes from the image.
pub fn merge_config(user: &ContainerConfig, image: &ContainerConfig) -> ContainerConfig {
    let mut c = user.clone();
    if c.user.is_empty() {
        c.user = image.user.clone();
    }
    // Env: the image's, with the request's values overriding by name.
    let mut env: Vec<String> = image.env.clone().unwrap_or_default();
    for e in user.env.clone().unwrap_or_default() {
        let key = e.split('=').next().unwrap_or("").to_string();
        env.retain(|x| x.split('=').next() != Some(key.as_str()));
        env.push(e);
    }
    c.env = if env.is_empty() { None } else { Some(env) };
    // An entrypoint given on the command line drops the image's CMD too.
    if user.entrypoint.is_none() {
        c.entrypoint = image.entrypoint.clone();
        if user.cmd.as_ref().is_none_or(|v| v.is_empty()) {
            c.cmd = image.cmd.clone();
        }
    }
    if c.working_dir.is_empty() {
        c.working_dir = image.working_dir.clone();
    }
    for (mine, theirs) in [(&mut c.exposed_ports, &image.exposed_ports), (&mut c.volumes, &image.volumes)] {
        if let Some(t) = theirs {
            let m = mine.get_or_insert_with(Default::default);
            for (k, v) in t {
                m.entry(k.clone()).or_insert_with(|| v.clone());
            }
        }
    }
    if let Some(l) = &image.labels {
        let m = c.labels.get_or_insert_with(Default::default);
        for (k, v) in l {
            m.entry(k.clone()).or_insert_with(|| v.clone());
        }
    }
    if c.stop_signal.is_empty() {
        c.stop_signal = image.stop_signal.clone();
    }
    if c.healthcheck.is_none() {
        c.healthcheck = image.healthcheck.clone();
    }
    if c.shell.is_none() {
        c.shell = image.shell.clone();
    }
    c
}

/// Path and arguments: ENTRYPOINT + CMD.
fn command(c: &ContainerConfig) -> Result<(String, Vec<String>)> {
    let mut full: Vec<String> = c.entrypoint.clone().unwrap_or_default();
    full.extend(c.cmd.clone().unwrap_or_default());
    if full.is_empty() || full[0].is_empty() {
        return Err(Error::invalid("No command specified"));
    }
    let path = full.remove(0);
    Ok((path, full))
}

/// The runtime's limits for a container's `HostConfig`.
pub(crate) fn resources(h: &HostConfig) -> Resources {
    Resources {
        memory: h.memory,
        memory_swap: h.memory_swap,
        memory_reservation: h.memory_reservation,
        cpu_shares: h.cpu_shares,
        nano_cpus: h.nano_cpus,
        cpu_quota: h.cpu_quota,
        cpu_period: h.cpu_period,
        pids_limit: h.pids_limit,
        devices: h
            .devices
            .iter()
            .flatten()
            .map(|d| DeviceMapping {
                path_on_host: d.path_on_host.clone(),
                path_in_container: d.path_in_container.clone(),
                cgroup_permissions: d.cgroup_permissions.clone(),
            })
            .collect(),
        device_cgroup_rules: h.device_cgroup_rules.clone().unwrap_or_default(),
        privileged: h.privileged,
    }
}

pub fn validate_host_config(h: &HostConfig) -> Result<()> {
    // Clients send every field, mostly at its zero value; only set ones we do not implement are errors.
    if let Some(field) = h.unsupported() {
        return Err(Error::unsupported(format!("HostConfig.{field} is not supported by this engine")));
    }
    match h.network_mode.as_str() {
        "" | "default" | "none" | "host" => {}
        "bridge" => {
            return Err(Error::unsupported("the bridge network is not supported yet: use --network none or host"))
        }
        m if m.starts_with("container:") => {
            return Err(Error::unsupported("--network container:<id> is not supported yet"))
        }
        m => return Err(Error::not_found(format!("network {m} not found"))),
    }
    let publishes = !h.port_bindings.is_empty() || h.publish_all_ports;
    if publishes {
        return Err(Error::unsupported(
            "publishing ports (-p/-P) is not supported yet: it comes with the bridge network",
        ));
    }
    let rp = &h.restart_policy;
    match rp.name.as_str() {
        "" | "no" | "always" | "unless-stopped" if rp.maximum_retry_count == 0 => {}
        "" | "no" | "always" | "unless-stopped" => {
            return Err(Error::invalid(format!("maximum retry count cannot be used with restart policy '{}'", rp.name)))
        }
        "on-failure" if rp.maximum_retry_count >= 0 => {}
        "on-failure" => return Err(Error::invalid("maximum retry count cannot be negative")),
        other => return Err(Error::invalid(format!("invalid restart policy: unknown policy '{other}'"))),
    }
    if h.auto_remove && !matches!(rp.name.as_str(), "" | "no") {
        return Err(Error::invalid("conflicting options: cannot specify both --restart and --rm"));
    }
    if !matches!(h.log_config.kind.as_str(), "" | "json-file") {
        return Err(Error::unsupported(format!(
            "log driver {:?} is not supported (only json-file)",
            h.log_config.kind
        )));
    }
    crate::runtime::caps::resolve(
        h.cap_add.as_deref().unwrap_or(&[]),
        h.cap_drop.as_deref().unwrap_or(&[]),
        h.privileged,
    )?;
    security_options(h)?;
    resources(h).validate()?;
    let s = h.console_size;
    if s[0] == 0 && s[1] != 0 || s[1] == 0 && s[0] != 0 {
        return Err(Error::invalid("console size must have both a height and a width"));
    }
    Ok(())
}

/// `NetworkingConfig`: only the container's own network mode, with nothing asked of its endpoint
/// (the docker CLI sends an empty `default` entry); anything else would be ignored, so it is
/// refused.
fn validate_networking(req: &ContainerCreateRequest) -> Result<()> {
    let mode = req.host_config.network_mode.as_str();
    for (name, ep) in req.networking_config.iter().flat_map(|n| &n.endpoints_config) {
        if name != mode && !(name == "default" && mode.is_empty()) {
            return Err(Error::unsupported(format!(
                "NetworkingConfig: connecting to network {name:?} is not supported (the container's network is {:?})",
                if mode.is_empty() { "default" } else { mode }
            )));
        }
        let asked = ep.ipam_config.as_ref().is_some_and(|c| *c != Default::default())
            || ep.links.as_ref().is_some_and(|l| !l.is_empty())
            || ep.aliases.as_ref().is_some_and(|a| !a.is_empty())
            || ep.driver_opts.as_ref().is_some_and(|o| !o.is_empty())
            || !ep.mac_address.is_empty();
        if asked {
            return Err(Error::unsupported(format!(
                "NetworkingConfig: endpoint settings for network {name:?} (addresses, aliases, links, driver options) are not supported"
            )));
        }
    }
    Ok(())
}

/// `--security-opt`: (no_new_privileges, seccomp unconfined).
pub fn security_options(h: &HostConfig) -> Result<(bool, bool)> {
    let mut nnp = false;
    let mut unconfined = h.privileged;
    for o in h.security_opt.as_deref().unwrap_or(&[]) {
        let (k, v) = o.split_once(['=', ':']).unwrap_or((o.as_str(), "true"));
        match (k, v) {
            ("no-new-privileges", "true" | "") => nnp = true,
            ("no-new-privileges", "false") => nnp = false,
            ("seccomp", "unconfined") => unconfined = true,
            ("apparmor", "unconfined") | ("label", "disable") => {}
            _ => {
                return Err(Error::invalid(format!(
                    "invalid --security-opt: {o:?} (supported: no-new-privileges, seccomp=unconfined)"
                )))
            }
        }
    }
    Ok((nnp, unconfined))
}

/// A mount as requested, before volumes exist.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Requested {
    /// `bind`, `volume`, `tmpfs`
    pub kind: &'static str,
    /// Host path (bind), volume name (volume; empty = anonymous), "" (tmpfs).
    pub source: String,
    pub destination: String,
    pub readonly: bool,
    /// tmpfs options or the bind's mode string.
    pub data: String,
    pub propagation: String,
    /// `-v` creates a missing host directory; `--mount` refuses it.
    pub create_source: bool,
}

fn check_destination(dest: &str, what: &str) -> Result<String> {
    if !dest.starts_with('/') {
        return Err(Error::invalid(format!(
            "invalid mount config for type \"{what}\": invalid mount path: '{dest}' mount path must be absolute"
        )));
    }
    let clean = format!("/{}", crate::safefs::clean_path(dest, true)?.display());
    if clean == "/" {
        return Err(Error::invalid("invalid specification: destination can't be '/'"));
    }
    Ok(clean)
}

/// runc's `checkProcMount`: nothing may cover the container's procfs or a file in it (a bind of
/// a host directory over /proc/sys would hide the masks and read-only paths of the default
/// profile), except the files lxcfs emulates, and only by a bind.
fn check_not_proc(r: &Requested) -> Result<()> {
    const LXCFS: [&str; 10] = [
        "/proc/cpuinfo",
        "/proc/diskstats",
        "/proc/meminfo",
        "/proc/stat",
        "/proc/swaps",
        "/proc/uptime",
        "/proc/loadavg",
        "/proc/slabinfo",
        "/proc/net/dev",
        "/proc/sys/kernel/ns_last_pid",
    ];
    let d = r.destination.as_str();
    if d == "/proc" {
        return Err(Error::invalid(format!("{d:?} cannot be mounted because it is not of type proc")));
    }
    if d.starts_with("/proc/") && !(r.kind == "bind" && LXCFS.contains(&d)) {
        return Err(Error::invalid(format!("{d:?} cannot be mounted because it is inside /proc")));
    }
    Ok(())
}

/// `-v`, `--mount` and `--tmpfs` in one list; later duplicates of a destination are an error.
pub fn plan_mounts(h: &HostConfig) -> Result<Vec<Requested>> {
    let mut out: Vec<Requested> = Vec::new();
    for b in h.binds.as_deref().unwrap_or(&[]) {
        let parts: Vec<&str> = b.split(':').collect();
        let (src, dst, mode) = match parts.as_slice() {
            [dst] => ("", *dst, ""),
            [src, dst] => (*src, *dst, ""),
            [src, dst, mode] => (*src, *dst, *mode),
            _ => return Err(Error::invalid(format!("invalid volume specification: '{b}'"))),
        };
        let mut readonly = false;
        let mut propagation = String::new();
        for m in mode.split(',').filter(|m| !m.is_empty()) {
            match m {
                "ro" => readonly = true,
                "rw" | "z" | "Z" | "nocopy" | "consistent" | "cached" | "delegated" => {}
                "private" | "rprivate" | "shared" | "rshared" | "slave" | "rslave" => propagation = m.into(),
                _ => return Err(Error::invalid(format!("invalid mode: {m}"))),
            }
        }
        let kind = if src.starts_with('/') { "bind" } else { "volume" };
        if kind == "volume" && !src.is_empty() {
            crate::volume::validate_name(src)?;
        }
        let destination = check_destination(dst, kind)?;
        out.push(Requested {
            kind,
            source: src.into(),
            destination,
            readonly,
            data: mode.into(),
            propagation,
            create_source: true,
        });
    }
    for m in h.mounts.as_deref().unwrap_or(&[]) {
        let kind: &'static str = match m.kind.as_str() {
            "bind" => "bind",
            "volume" => "volume",
            "tmpfs" => "tmpfs",
            other => {
                return Err(Error::invalid(format!("mount type {other:?} is not supported (bind, volume, tmpfs)")))
            }
        };
        let destination = check_destination(&m.target, kind)?;
        let mut data = String::new();
        match kind {
            "bind" => {
                if !m.source.starts_with('/') {
                    return Err(Error::invalid(format!(
                        "invalid mount config for type \"bind\": invalid mount path: '{}' mount path must be absolute",
                        m.source
                    )));
                }
                if !Path::new(&m.source).exists() {
                    return Err(Error::invalid(format!(
                        "invalid mount config for type \"bind\": bind source path does not exist: {}",
                        m.source
                    )));
                }
            }
            "volume" if !m.source.is_empty() => crate::volume::validate_name(&m.source)?,
            "tmpfs" => {
                if !m.source.is_empty() {
                    return Err(Error::invalid(
                        "invalid mount config for type \"tmpfs\": source must not be specified",
                    ));
                }
                if let Some(t) = &m.tmpfs_options {
                    let mut o = Vec::new();
                    if t.size_bytes > 0 {
                        o.push(format!("size={}", t.size_bytes));
                    }
                    if t.mode != 0 {
                        o.push(format!("mode={:o}", t.mode));
                    }
                    data = o.join(",");
                }
            }
            _ => {}
        }
        out.push(Requested {
            kind,
            source: m.source.clone(),
            destination,
            readonly: m.read_only,
            data,
            propagation: m.bind_options.as_ref().map(|b| b.propagation.clone()).unwrap_or_default(),
            create_source: false,
        });
    }
    for (dest, opts) in h.tmpfs.iter().flatten() {
        let destination = check_destination(dest, "tmpfs")?;
        let mut readonly = false;
        let mut data = Vec::new();
        for o in opts.split(',').filter(|o| !o.is_empty()) {
            match o {
                "ro" => readonly = true,
                "rw" | "nosuid" | "nodev" | "exec" | "noexec" | "suid" | "dev" => {}
                o if o.starts_with("size=")
                    || o.starts_with("mode=")
                    || o.starts_with("uid=")
                    || o.starts_with("gid=")
                    || o.starts_with("nr_inodes=") =>
                {
                    data.push(o.to_string())
                }
                o => return Err(Error::invalid(format!("invalid tmpfs option {o:?}"))),
            }
        }
        out.push(Requested {
            kind: "tmpfs",
            source: String::new(),
            destination,
            readonly,
            data: data.join(","),
            propagation: String::new(),
            create_source: false,
        });
    }
    let mut seen = std::collections::HashSet::new();
    for r in &out {
        check_not_proc(r)?;
        if !seen.insert(r.destination.clone()) {
            return Err(Error::invalid(format!("Duplicate mount point: {}", r.destination)));
        }
    }
    Ok(out)
}

/// Create the volumes (named ones if missing; anonymous ones for the image's VOLUMEs not
/// covered by a mount) and describe every mount as Docker's `MountPoint`.
fn realize_mounts(
    store: &Store,
    req: &[Requested],
    config: &ContainerConfig,
) -> Result<(Vec<MountPoint>, Vec<String>)> {
    let mut out = Vec::new();
    let mut anonymous = Vec::new();
    let mut all: Vec<Requested> = req.to_vec();
    for v in config.volumes.iter().flat_map(|m| m.keys()) {
        let dest = check_destination(v, "volume")?;
        if !all.iter().any(|r| r.destination == dest) {
            all.push(Requested {
                kind: "volume",
                source: String::new(),
                destination: dest,
                readonly: false,
                data: String::new(),
                propagation: String::new(),
                create_source: false,
            });
        }
    }
    for r in &all {
        let (source, name) = match r.kind {
            "bind" => {
                if r.create_source && !Path::new(&r.source).exists() {
                    std::fs::create_dir_all(&r.source).ctx(format_args!("create bind source {}", r.source))?;
                }
                (r.source.clone(), String::new())
            }
            "volume" => {
                let v = crate::volume::create(
                    store,
                    &VolumeCreateOptions { name: r.source.clone(), ..Default::default() },
                )?;
                if r.source.is_empty() {
                    anonymous.push(v.name.clone());
                }
                (v.mountpoint, v.name)
            }
            _ => (String::new(), String::new()),
        };
        out.push(MountPoint {
            kind: r.kind.to_string(),
            name,
            source,
            destination: r.destination.clone(),
            driver: if r.kind == "volume" { "local".into() } else { String::new() },
            mode: r.data.clone(),
            rw: !r.readonly,
            propagation: if r.kind == "bind" {
                if r.propagation.is_empty() {
                    "rprivate".into()
                } else {
                    r.propagation.clone()
                }
            } else {
                String::new()
            },
        });
    }
    Ok((out, anonymous))
}

fn write_etc_files(dir: &Path, c: &Container) -> Result<()> {
    let host = &c.host_config;
    write_file(dir, "hostname", &format!("{}\n", c.config.hostname))?;
    let mut hosts = if host.network_mode == "host" {
        std::fs::read_to_string("/etc/hosts").unwrap_or_default()
    } else {
        "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\nfe00::0\tip6-localnet\nff00::0\tip6-mcastprefix\nff02::1\tip6-allnodes\nff02::2\tip6-allrouters\n".to_string()
    };
    for e in host.extra_hosts.iter().flatten() {
        let (name, ip) =
            e.split_once(':').ok_or_else(|| Error::invalid(format!("invalid --add-host {e:?}: expected host:ip")))?;
        hosts.push_str(&format!("{ip}\t{name}\n"));
    }
    write_file(dir, "hosts", &hosts)?;
    let resolv = match &host.dns {
        Some(servers) if !servers.is_empty() => {
            let mut s: String = servers.iter().map(|d| format!("nameserver {d}\n")).collect();
            if let Some(search) = host.dns_search.as_ref().filter(|s| !s.is_empty()) {
                s.push_str(&format!("search {}\n", search.join(" ")));
            }
            if let Some(opts) = host.dns_options.as_ref().filter(|s| !s.is_empty()) {
                s.push_str(&format!("options {}\n", opts.join(" ")));
            }
            s
        }
        _ => std::fs::read_to_string("/etc/resolv.conf").unwrap_or_default(),
    };
    write_file(dir, "resolv.conf", &resolv)
}

/// The record's directory and the mount destinations in mount order (parents first).
pub fn mount_order(mounts: &[MountPoint]) -> Vec<&MountPoint> {
    let mut v: Vec<&MountPoint> = mounts.iter().collect();
    v.sort_by_key(|m| m.destination.matches('/').count());
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binds_are_validated_like_docker() {
        let h =
            |b: &[&str]| HostConfig { binds: Some(b.iter().map(|s| s.to_string()).collect()), ..Default::default() };
        assert!(plan_mounts(&h(&["/tmp:/x:ro"])).unwrap()[0].readonly);
        assert_eq!(plan_mounts(&h(&["vol:/data"])).unwrap()[0].kind, "volume");
        let e = plan_mounts(&h(&["rel/path:/x"])).unwrap_err();
        assert!(e.message().contains("includes invalid characters for a local volume name"), "{e}");
        let e = plan_mounts(&h(&["/tmp:x"])).unwrap_err();
        assert!(e.message().contains("must be absolute"), "{e}");
        let e = plan_mounts(&h(&["/:/"])).unwrap_err();
        assert!(e.message().contains("destination can't be '/'"), "{e}");
        assert!(plan_mounts(&h(&["/tmp:/x", "/var:/x"])).unwrap_err().message().contains("Duplicate"));
        assert!(plan_mounts(&h(&["/tmp:/x:bogus"])).is_err());
    }

    #[test]
    fn nothing_covers_proc() {
        let h =
            |b: &[&str]| HostConfig { binds: Some(b.iter().map(|s| s.to_string()).collect()), ..Default::default() };
        let e = plan_mounts(&h(&["/tmp:/proc"])).unwrap_err();
        assert_eq!(e.message(), r#""/proc" cannot be mounted because it is not of type proc"#);
        for dest in ["/proc/sys", "/proc//sys/../sys/kernel", "/proc/1/root"] {
            let e = plan_mounts(&h(&[&format!("/tmp:{dest}")])).unwrap_err();
            assert!(e.message().ends_with("cannot be mounted because it is inside /proc"), "{dest}: {e}");
        }
        let tmpfs = HostConfig { tmpfs: Some([("/proc/sys".to_string(), String::new())].into()), ..Default::default() };
        assert!(plan_mounts(&tmpfs).is_err());
        // What lxcfs emulates may be bound, and a path that only starts with "/proc" is not /proc.
        plan_mounts(&h(&["/tmp/x:/proc/meminfo", "/tmp:/process"])).unwrap();
    }

    #[test]
    fn merge_takes_image_defaults() {
        let image = ContainerConfig {
            env: Some(vec!["PATH=/bin".into(), "A=1".into()]),
            cmd: Some(vec!["sh".into()]),
            working_dir: "/w".into(),
            ..Default::default()
        };
        let user = ContainerConfig { env: Some(vec!["A=2".into()]), ..Default::default() };
        let m = merge_config(&user, &image);
        assert_eq!(m.env.unwrap(), vec!["PATH=/bin".to_string(), "A=2".into()]);
        assert_eq!(m.cmd.unwrap(), vec!["sh".to_string()]);
        assert_eq!(m.working_dir, "/w");
        let user = ContainerConfig { entrypoint: Some(vec!["/x".into()]), ..Default::default() };
        assert_eq!(merge_config(&user, &image).cmd, None);
    }

    #[test]
    fn networking_config_is_checked_not_ignored() {
        let req = |json: &str| -> ContainerCreateRequest { crate::types::decode("body", json.as_bytes()).unwrap() };
        let cli = req(r#"{"HostConfig": {"NetworkMode": "default"},
            "NetworkingConfig": {"EndpointsConfig": {"default": {"IPAMConfig": null, "Aliases": null, "MacAddress": ""}}}}"#);
        validate_networking(&cli).unwrap();
        validate_networking(&req(r#"{"NetworkingConfig": {"EndpointsConfig": {"default": {}}}}"#)).unwrap();
        let other =
            req(r#"{"HostConfig": {"NetworkMode": "none"}, "NetworkingConfig": {"EndpointsConfig": {"web": {}}}}"#);
        let e = validate_networking(&other).unwrap_err();
        assert_eq!(e.kind(), crate::ErrorKind::Unsupported);
        assert!(e.message().contains("\"web\""), "{e}");
        let alias = req(r#"{"HostConfig": {"NetworkMode": "host"},
            "NetworkingConfig": {"EndpointsConfig": {"host": {"Aliases": ["db"]}}}}"#);
        assert_eq!(validate_networking(&alias).unwrap_err().kind(), crate::ErrorKind::Unsupported);
    }

    #[test]
    fn unimplemented_host_config_is_refused_by_name() {
        let mut h = HostConfig { oom_score_adj: 100, ..Default::default() };
        let e = validate_host_config(&h).unwrap_err();
        assert_eq!(e.kind(), crate::ErrorKind::Unsupported);
        assert_eq!(e.message(), "HostConfig.OomScoreAdj is not supported by this engine");
        h.oom_score_adj = 0;
        h.shm_size = crate::types::DEFAULT_SHM_SIZE;
        h.memory_swappiness = Some(-1);
        validate_host_config(&h).unwrap();
    }

    #[test]
    fn restart_policies() {
        let mut h = HostConfig::default();
        h.restart_policy.name = "sometimes".into();
        assert!(validate_host_config(&h).unwrap_err().message().contains("invalid restart policy"));
        h.restart_policy.name = "always".into();
        h.auto_remove = true;
        assert!(validate_host_config(&h).is_err());
    }
}
