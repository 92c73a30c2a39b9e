//! The flags of `docker run` and `docker create` (the docker CLI's `containerOptions` and its
//! `parse`) → the create request: every grammar of this module applied to its flag, and the
//! docker CLI's defaults — above all which streams are attached (`-a`, `-i`, `-d`) and
//! `StdinOnce`.

use super::tmpfs::tmpfs;
use super::{cpus::nano_cpus, device::device, env::env, env::env_file, env::Lookup, health::HealthFlags};
use super::{labels::labels, memory, mount::mount, non_empty, optional_flag, parse_flag, restart::restart_policy};
use crate::error::{Error, Result};
use crate::types::{ContainerConfig, ContainerCreateRequest, HostConfig};
use std::path::PathBuf;

/// `run`/`create` flags as typed (none parsed yet). The name (`--name`) and the network flags
/// (`-p`, `-P`, `--network`) are not here: the name is the create call's argument, the network
/// flags belong to the network work.
#[derive(Debug, Clone, Default)]
pub struct ContainerFlags {
    pub image: String,
    pub command: Vec<String>,
    /// `-e`
    pub env: Vec<String>,
    pub env_file: Vec<PathBuf>,
    /// `-w`
    pub workdir: Option<String>,
    /// `-u`
    pub user: Option<String>,
    /// `-h`
    pub hostname: Option<String>,
    /// `--entrypoint` (`""` resets the image's).
    pub entrypoint: Option<String>,
    /// `-m`
    pub memory: Option<String>,
    pub memory_swap: Option<String>,
    /// `-c`
    pub cpu_shares: Option<i64>,
    pub cpus: Option<String>,
    pub pids_limit: Option<i64>,
    /// `-v`
    pub volume: Vec<String>,
    pub mount: Vec<String>,
    pub tmpfs: Vec<String>,
    pub read_only: bool,
    pub cap_add: Vec<String>,
    pub cap_drop: Vec<String>,
    pub privileged: bool,
    pub security_opt: Vec<String>,
    pub restart: Option<String>,
    /// `-l`
    pub label: Vec<String>,
    pub label_file: Vec<PathBuf>,
    pub dns: Vec<String>,
    pub add_host: Vec<String>,
    pub stop_signal: Option<String>,
    pub stop_timeout: Option<i64>,
    pub device: Vec<String>,
    pub health: HealthFlags,
    pub init: bool,
    /// `-i`
    pub interactive: bool,
    /// `-t`
    pub tty: bool,
    /// `-a`
    pub attach: Vec<String>,
    /// `run -d`. `create` is not detached: like docker's, it records the attach defaults.
    pub detach: bool,
    pub rm: bool,
    pub platform: Option<String>,
    /// The caller's terminal (rows, columns), recorded with `-t`.
    pub console_size: Option<[u16; 2]>,
}

impl ContainerFlags {
    /// The create request these flags make (`HostConfig.NetworkMode` and the port fields left at
    /// their zero values). Refusals carry the docker CLI's messages, framed per flag.
    pub fn request(&self, lookup: &Lookup) -> Result<ContainerCreateRequest> {
        if self.detach && !self.attach.is_empty() {
            return Err(Error::invalid("Conflicting options: -a and -d"));
        }
        if self.init {
            return Err(Error::unsupported("--init is not supported by this engine"));
        }
        if let Some(p) = &self.platform {
            crate::image::platform(Some(p))?;
        }
        let mut streams = Vec::new();
        for a in &self.attach {
            streams.push(parse_flag("-a, --attach", a, stream)?);
        }
        let mut env_vars = Vec::new();
        for f in &self.env_file {
            env_vars.extend(env_file(f, lookup)?);
        }
        for e in &self.env {
            env_vars.extend(parse_flag("-e, --env", e, |e| env(e, lookup))?);
        }
        let labels = labels("-l, --label", &self.label_file, &self.label)?;
        let devices: Vec<_> = self.device.iter().map(|d| parse_flag("--device", d, device)).collect::<Result<_>>()?;
        let mounts: Vec<_> = self.mount.iter().map(|m| parse_flag("--mount", m, mount)).collect::<Result<_>>()?;
        let restart_policy = self.restart.as_deref().map(restart_policy).transpose()?.unwrap_or_default();

        // docker's attach defaults: without -a, stdout and stderr; -i attaches stdin too; a
        // detached run attaches nothing. Stdin closes with the attached client's (StdinOnce).
        let wants = |s: &str| streams.iter().any(|x| x == s);
        let attached = !self.detach;
        let attach_stdin = attached && (wants("stdin") || self.interactive);
        let attach_stdout = attached && (streams.is_empty() || wants("stdout"));
        let attach_stderr = attached && (streams.is_empty() || wants("stderr"));
        let config = ContainerConfig {
            hostname: self.hostname.clone().unwrap_or_default(),
            user: self.user.clone().unwrap_or_default(),
            attach_stdin,
            attach_stdout,
            attach_stderr,
            tty: self.tty,
            open_stdin: self.interactive,
            stdin_once: self.interactive && attach_stdin,
            env: non_empty(env_vars),
            cmd: non_empty(self.command.clone()),
            healthcheck: self.health.config()?,
            image: self.image.clone(),
            working_dir: self.workdir.clone().unwrap_or_default(),
            entrypoint: self.entrypoint.as_ref().map(|e| if e.is_empty() { vec![] } else { vec![e.clone()] }),
            // docker's CLI always sends a map, so inspect shows `{}`, never `null`.
            labels: Some(labels),
            stop_signal: self.stop_signal.clone().unwrap_or_default(),
            stop_timeout: self.stop_timeout,
            ..Default::default()
        };
        let host_config = HostConfig {
            binds: non_empty(self.volume.clone()),
            mounts: non_empty(mounts),
            tmpfs: non_empty(tmpfs(&self.tmpfs)),
            readonly_rootfs: self.read_only,
            cap_add: non_empty(self.cap_add.clone()),
            cap_drop: non_empty(self.cap_drop.clone()),
            privileged: self.privileged,
            security_opt: non_empty(self.security_opt.clone()),
            restart_policy,
            auto_remove: self.rm,
            dns: non_empty(self.dns.clone()),
            extra_hosts: non_empty(self.add_host.clone()),
            console_size: if self.tty { self.console_size.unwrap_or_default() } else { [0, 0] },
            memory: optional_flag("-m, --memory", &self.memory, memory::memory)?,
            memory_swap: optional_flag("--memory-swap", &self.memory_swap, memory::memory_swap)?,
            cpu_shares: self.cpu_shares.unwrap_or(0),
            nano_cpus: optional_flag("--cpus", &self.cpus, nano_cpus)?,
            pids_limit: self.pids_limit,
            devices: non_empty(devices),
            ..Default::default()
        };
        Ok(ContainerCreateRequest { config, host_config, networking_config: None })
    }
}

/// `-a stdin|stdout|stderr`, any case.
fn stream(s: &str) -> Result<String> {
    let lower = s.to_ascii_lowercase();
    match lower.as_str() {
        "stdin" | "stdout" | "stderr" => Ok(lower),
        _ => Err(Error::invalid("valid streams are STDIN, STDOUT and STDERR")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::options::env::tests::{caller, file};
    use crate::types::DeviceMapping;
    use crate::types::{Mount, RestartPolicy};
    use crate::ErrorKind;

    fn flags(image: &str) -> ContainerFlags {
        ContainerFlags { image: image.into(), ..Default::default() }
    }

    fn refused(f: &ContainerFlags) -> (ErrorKind, String) {
        let e = f.request(&caller()).unwrap_err();
        (e.kind(), e.message().to_string())
    }

    #[test]
    fn no_flags_is_the_image_as_it_is() {
        let r = flags("busybox").request(&caller()).unwrap();
        let c = &r.config;
        assert_eq!(c.image, "busybox");
        assert_eq!(
            (c.cmd.as_ref(), c.entrypoint.as_ref(), c.env.as_ref(), c.labels.as_ref()),
            (None, None, None, Some(&Default::default()))
        );
        assert_eq!((c.attach_stdin, c.attach_stdout, c.attach_stderr), (false, true, true));
        assert_eq!((c.open_stdin, c.stdin_once, c.tty), (false, false, false));
        assert_eq!(c.healthcheck, None);
        assert_eq!(r.host_config, HostConfig::default());
    }

    #[test]
    fn attach_defaults_are_dockers() {
        let r = |f: ContainerFlags| {
            let c = f.request(&caller()).unwrap().config;
            (c.attach_stdin, c.attach_stdout, c.attach_stderr, c.open_stdin, c.stdin_once)
        };
        let base = || flags("busybox");
        assert_eq!(r(ContainerFlags { interactive: true, ..base() }), (true, true, true, true, true));
        assert_eq!(r(ContainerFlags { detach: true, ..base() }), (false, false, false, false, false));
        // -d -i: stdin kept open for a later attach, but nothing attached now.
        assert_eq!(r(ContainerFlags { detach: true, interactive: true, ..base() }), (false, false, false, true, false));
        let a = |s: &[&str]| s.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        assert_eq!(r(ContainerFlags { attach: a(&["STDERR"]), ..base() }), (false, false, true, false, false));
        assert_eq!(r(ContainerFlags { attach: a(&["stdout", "stdin"]), ..base() }), (true, true, false, false, false));
        assert_eq!(
            r(ContainerFlags { attach: a(&["stdout"]), interactive: true, ..base() }),
            (true, true, false, true, true)
        );
        let f = ContainerFlags { attach: a(&["stdout"]), detach: true, ..base() };
        assert_eq!(refused(&f), (ErrorKind::InvalidArgument, "Conflicting options: -a and -d".into()));
        let f = ContainerFlags { attach: a(&["stdall"]), ..base() };
        assert_eq!(
            refused(&f).1,
            r#"invalid argument "stdall" for "-a, --attach" flag: valid streams are STDIN, STDOUT and STDERR"#
        );
    }

    #[test]
    fn every_flag_lands_where_docker_puts_it() {
        let env_file = file(b"FROM_FILE=1\nHOME\n");
        let label_file = file(b"from.file=yes\n");
        let f = ContainerFlags {
            image: "busybox".into(),
            command: vec!["sh".into(), "-c".into(), "true".into()],
            env: vec!["A=1".into(), "HOME".into(), "UNSET".into()],
            env_file: vec![env_file.path().into()],
            workdir: Some("/w".into()),
            user: Some("1:2".into()),
            hostname: Some("h".into()),
            entrypoint: Some("".into()),
            memory: Some("64m".into()),
            memory_swap: Some("-1".into()),
            cpu_shares: Some(512),
            cpus: Some("1.5".into()),
            pids_limit: Some(10),
            volume: vec!["/a:/b:ro".into()],
            mount: vec!["type=tmpfs,target=/t".into()],
            tmpfs: vec!["/run:size=1m".into()],
            read_only: true,
            cap_add: vec!["NET_ADMIN".into()],
            cap_drop: vec!["ALL".into()],
            privileged: true,
            security_opt: vec!["no-new-privileges".into()],
            restart: Some("on-failure:3".into()),
            label: vec!["a=b".into()],
            label_file: vec![label_file.path().into()],
            dns: vec!["1.1.1.1".into()],
            add_host: vec!["h:1.2.3.4".into()],
            stop_signal: Some("SIGINT".into()),
            stop_timeout: Some(3),
            device: vec!["/dev/fuse".into()],
            health: HealthFlags { cmd: Some("true".into()), ..Default::default() },
            tty: true,
            rm: true,
            console_size: Some([24, 80]),
            ..Default::default()
        };
        let r = f.request(&caller()).unwrap();
        let c = &r.config;
        assert_eq!(c.cmd.as_deref().unwrap(), ["sh", "-c", "true"]);
        assert_eq!(c.env.as_deref().unwrap(), ["FROM_FILE=1", "HOME=/root", "A=1", "HOME=/root"]);
        assert_eq!((c.working_dir.as_str(), c.user.as_str(), c.hostname.as_str()), ("/w", "1:2", "h"));
        assert_eq!(c.entrypoint, Some(vec![]));
        assert_eq!(c.labels.as_ref().unwrap().len(), 2);
        assert_eq!((c.stop_signal.as_str(), c.stop_timeout), ("SIGINT", Some(3)));
        assert_eq!(c.healthcheck.as_ref().unwrap().test.as_deref().unwrap(), ["CMD-SHELL", "true"]);
        assert!(c.tty);
        let h = &r.host_config;
        assert_eq!(h.binds.as_deref().unwrap(), ["/a:/b:ro"]);
        assert_eq!(
            h.mounts.as_deref().unwrap(),
            [Mount { kind: "tmpfs".into(), target: "/t".into(), ..Default::default() }]
        );
        assert_eq!(h.tmpfs.as_ref().unwrap()["/run"], "size=1m");
        assert!(h.readonly_rootfs && h.privileged && h.auto_remove);
        assert_eq!(
            (h.cap_add.as_deref().unwrap(), h.cap_drop.as_deref().unwrap()),
            (&["NET_ADMIN".to_string()][..], &["ALL".to_string()][..])
        );
        assert_eq!(h.restart_policy, RestartPolicy { name: "on-failure".into(), maximum_retry_count: 3 });
        assert_eq!(h.console_size, [24, 80]);
        let res = h;
        assert_eq!((res.memory, res.memory_swap, res.cpu_shares, res.nano_cpus), (64 << 20, -1, 512, 1_500_000_000));
        assert_eq!(res.pids_limit, Some(10));
        assert_eq!(
            res.devices.as_deref().unwrap(),
            [DeviceMapping {
                path_on_host: "/dev/fuse".into(),
                path_in_container: "/dev/fuse".into(),
                cgroup_permissions: "rwm".into()
            }]
        );
        assert_eq!(h.network_mode, "", "the network flags are not this module's");

        // Without -t the terminal size is not recorded.
        let f = ContainerFlags { console_size: Some([24, 80]), ..flags("busybox") };
        assert_eq!(f.request(&caller()).unwrap().host_config.console_size, [0, 0]);
    }

    #[test]
    fn refusals_are_framed_per_flag() {
        let base = || flags("busybox");
        for (f, msg) in [
            (
                ContainerFlags { memory: Some("12x".into()), ..base() },
                r#"invalid argument "12x" for "-m, --memory" flag: invalid suffix: 'x'"#,
            ),
            (
                ContainerFlags { memory: Some("-1".into()), ..base() },
                r#"invalid argument "-1" for "-m, --memory" flag: invalid size: '-1'"#,
            ),
            (
                ContainerFlags { memory_swap: Some("x".into()), ..base() },
                r#"invalid argument "x" for "--memory-swap" flag: invalid size: 'x'"#,
            ),
            (
                ContainerFlags { cpus: Some("lots".into()), ..base() },
                r#"invalid argument "lots" for "--cpus" flag: failed to parse lots as a rational number"#,
            ),
            (
                ContainerFlags { device: vec!["sda".into()], ..base() },
                r#"invalid argument "sda" for "--device" flag: sda is not an absolute path"#,
            ),
            (
                ContainerFlags { mount: vec!["type=bind".into()], ..base() },
                r#"invalid argument "type=bind" for "--mount" flag: target is required"#,
            ),
            (
                ContainerFlags { env: vec!["=x".into()], ..base() },
                r#"invalid argument "=x" for "-e, --env" flag: invalid environment variable: =x"#,
            ),
            (
                ContainerFlags { label: vec!["=x".into()], ..base() },
                r#"invalid argument "=x" for "-l, --label" flag: invalid label '=x': empty name"#,
            ),
            (
                ContainerFlags { restart: Some("always:x".into()), ..base() },
                "invalid restart policy format: maximum retry count must be an integer",
            ),
            (
                ContainerFlags { health: HealthFlags { interval: Some("1".into()), ..Default::default() }, ..base() },
                r#"invalid argument "1" for "--health-interval" flag: time: missing unit in duration "1""#,
            ),
        ] {
            assert_eq!(refused(&f), (ErrorKind::InvalidArgument, msg.to_string()));
        }
        assert_eq!(refused(&ContainerFlags { init: true, ..base() }).0, ErrorKind::Unsupported);
        let f = ContainerFlags { env_file: vec!["/no/such/file".into()], ..base() };
        assert_eq!(refused(&f), (ErrorKind::NotFound, "open /no/such/file: No such file or directory".into()));
        let f = ContainerFlags { platform: Some("windows/amd64".into()), ..base() };
        assert!(refused(&f).1.contains("unsupported platform"));
        assert!(ContainerFlags { platform: Some("linux".into()), ..base() }.request(&caller()).is_ok());
    }
}
