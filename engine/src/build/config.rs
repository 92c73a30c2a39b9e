//! Dockerfile instructions that only change the image config — CMD, ENTRYPOINT, ENV, EXPOSE,
//! HEALTHCHECK, LABEL, ONBUILD, SHELL, STOPSIGNAL, USER, VOLUME, WORKDIR — applied to a
//! `RunConfig`. Shared by the builder and by `import --change` / `commit --change`.
//! Instructions must already be expanded (see `Instruction::expand`).

use super::dockerfile::{Command, Instruction};
use crate::error::{Error, Result};
use crate::types::config::Empty;
use crate::types::RunConfig;

/// The default `SHELL`.
pub fn default_shell() -> Vec<String> {
    vec!["/bin/sh".into(), "-c".into()]
}

/// Does `instr` only change the config?
pub fn is_config_instruction(instr: &Instruction) -> bool {
    matches!(
        instr.command,
        Command::Cmd(_)
            | Command::Entrypoint(_)
            | Command::Env(_)
            | Command::Expose(_)
            | Command::Healthcheck(_)
            | Command::Label(_)
            | Command::Onbuild(_)
            | Command::Shell(_)
            | Command::StopSignal(_)
            | Command::User(_)
            | Command::Volume(_)
            | Command::Workdir(_)
    )
}

pub fn apply(config: &mut RunConfig, instr: &Instruction) -> Result<()> {
    let shell = config.shell.clone().unwrap_or_else(default_shell);
    match &instr.command {
        Command::Cmd(c) => config.cmd = Some(c.with_shell(&shell)),
        Command::Entrypoint(c) => {
            config.entrypoint = if c.args.is_empty() && !c.prepend_shell { None } else { Some(c.with_shell(&shell)) };
        }
        Command::Env(kvs) => {
            let env = config.env.get_or_insert_with(Vec::new);
            for kv in kvs {
                set_env(env, &kv.key, &kv.value);
            }
        }
        Command::Expose(ports) => {
            let set = config.exposed_ports.get_or_insert_with(Default::default);
            for p in ports {
                for port in expand_port(p)? {
                    set.insert(port, Empty {});
                }
            }
        }
        Command::Healthcheck(h) => config.healthcheck = Some(h.clone()),
        Command::Label(kvs) => {
            let labels = config.labels.get_or_insert_with(Default::default);
            for kv in kvs {
                labels.insert(kv.key.clone(), kv.value.clone());
            }
        }
        Command::Onbuild(o) => config.on_build.get_or_insert_with(Vec::new).push(o.expression.clone()),
        Command::Shell(s) => config.shell = Some(s.clone()),
        Command::StopSignal(s) => {
            crate::runtime::signal::parse(s)?;
            config.stop_signal = s.clone();
        }
        Command::User(u) => config.user = u.clone(),
        Command::Volume(paths) => {
            let set = config.volumes.get_or_insert_with(Default::default);
            for p in paths {
                if p.trim().is_empty() {
                    return Err(Error::invalid("VOLUME specified can not be an empty string"));
                }
                set.insert(p.clone(), Empty {});
            }
        }
        Command::Workdir(w) => {
            // A relative WORKDIR continues the previous one, as Docker's filepath.Join does.
            let joined = if w.starts_with('/') {
                w.clone()
            } else {
                format!("{}/{w}", if config.working_dir.is_empty() { "/" } else { &config.working_dir })
            };
            config.working_dir = format!("/{}", crate::safefs::clean_path(&joined, true)?.display());
        }
        _ => return Err(Error::invalid(format!("{} does not change the image config", instr.name()))),
    }
    Ok(())
}

/// Replace or append `key=value`.
pub fn set_env(env: &mut Vec<String>, key: &str, value: &str) {
    let entry = format!("{key}={value}");
    match env.iter_mut().find(|e| e.split('=').next() == Some(key)) {
        Some(e) => *e = entry,
        None => env.push(entry),
    }
}

/// `80`, `80/udp`, `8000-8002/tcp` → `["80/tcp"]`, … (Docker's `nat.ParsePortSpecs`).
pub fn expand_port(spec: &str) -> Result<Vec<String>> {
    let (ports, proto) = spec.split_once('/').unwrap_or((spec, "tcp"));
    let proto = proto.to_ascii_lowercase();
    if !matches!(proto.as_str(), "tcp" | "udp" | "sctp") {
        return Err(Error::invalid(format!("invalid proto: {proto}")));
    }
    let bad = || Error::invalid(format!("invalid containerPort: {ports}"));
    let (a, b) = match ports.split_once('-') {
        Some((a, b)) => (a.parse::<u16>().map_err(|_| bad())?, b.parse::<u16>().map_err(|_| bad())?),
        None => {
            let p = ports.parse::<u16>().map_err(|_| bad())?;
            (p, p)
        }
    };
    if b < a {
        return Err(Error::invalid(format!("invalid range specified for container port: {ports}")));
    }
    Ok((a..=b).map(|p| format!("{p}/{proto}")).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::build::dockerfile::parse_change;

    fn apply_all(changes: &[&str]) -> RunConfig {
        let mut c = RunConfig::default();
        for ch in changes {
            let i = parse_change(ch).unwrap();
            let env = c.env.clone().unwrap_or_default();
            let i = i
                .expand('\\', |k| env.iter().find_map(|e| e.strip_prefix(&format!("{k}=")).map(str::to_string)))
                .unwrap();
            apply(&mut c, &i).unwrap();
        }
        c
    }

    #[test]
    fn config_instructions() {
        let c = apply_all(&[
            "ENV A=1 B=$A",
            "CMD echo hi",
            "EXPOSE 80 8000-8001/udp",
            "WORKDIR /a",
            "WORKDIR b",
            "LABEL x=y",
            "VOLUME /v",
            "USER app",
            "STOPSIGNAL SIGINT",
            "ONBUILD RUN true",
        ]);
        assert_eq!(
            c.env.unwrap(),
            vec!["A=1".to_string(), "B=".into()],
            "Docker expands with the values from before the line"
        );
        assert_eq!(c.cmd.unwrap(), vec!["/bin/sh".to_string(), "-c".into(), "echo hi".into()]);
        assert_eq!(
            c.exposed_ports.unwrap().keys().cloned().collect::<Vec<_>>(),
            vec!["80/tcp", "8000/udp", "8001/udp"]
        );
        assert_eq!(c.working_dir, "/a/b");
        assert_eq!(c.labels.unwrap()["x"], "y");
        assert!(c.volumes.unwrap().contains_key("/v"));
        assert_eq!(c.user, "app");
        assert_eq!(c.stop_signal, "SIGINT");
        assert_eq!(c.on_build.unwrap(), vec!["RUN true".to_string()]);
        let c = apply_all(&["SHELL [\"/bin/ash\", \"-e\", \"-c\"]", "ENTRYPOINT run it"]);
        assert_eq!(c.entrypoint.unwrap(), vec!["/bin/ash".to_string(), "-e".into(), "-c".into(), "run it".into()]);
        assert!(expand_port("70000").is_err());
        assert!(expand_port("80/xyz").is_err());
    }
}
