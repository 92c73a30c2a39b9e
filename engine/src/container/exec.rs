//! `exec`: run another process in a running container, through a short-lived exec monitor
//! (`libdocker-monitor exec`). Exec records live in `<container>/exec/<exec-id>.json` (the spec
//! the exec monitor reads) and `<exec-id>.state.json` (what happened).

use super::logs::Sink;
use crate::error::{Error, IoContext, Result};
use crate::runtime::launch;
use crate::runtime::protocol::{self, Reply};
use crate::runtime::spec::{ExecSpec, Process};
use crate::store::Store;
use crate::types::{ExecConfig, ExecInspect, ExecProcessConfig, ExecStartConfig};
use serde::{Deserialize, Serialize};
use std::io::{Read, Write};
use std::process::{Command, Stdio};

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ExecState {
    running: bool,
    exit_code: Option<i64>,
}

/// `POST /containers/{id}/exec`: validate and record; returns the exec id.
pub fn create(store: &Store, name: &str, cfg: &ExecConfig) -> Result<String> {
    let c = super::load(store, name)?;
    if cfg.cmd.is_empty() {
        return Err(Error::invalid("No exec command specified"));
    }
    if !c.is_running() {
        return Err(Error::conflict(format!("Container {} is not running", c.id)));
    }
    if c.is_paused() {
        return Err(Error::conflict(format!("Container {} is paused, unpause the container before exec", c.id)));
    }
    let (nnp, _) = super::create::security_options(&c.host_config)?;
    let h = &c.host_config;
    let caps = crate::runtime::caps::resolve(
        h.cap_add.as_deref().unwrap_or(&[]),
        h.cap_drop.as_deref().unwrap_or(&[]),
        h.privileged || cfg.privileged,
    )?;
    let mut env = c.config.env.clone().unwrap_or_default();
    for e in cfg.env.iter().flatten() {
        let key = e.split('=').next().unwrap_or("");
        env.retain(|x| x.split('=').next() != Some(key));
        env.push(e.clone());
    }
    let id = crate::digest::random_hex(32);
    let spec = ExecSpec {
        id: id.clone(),
        container_id: c.id.clone(),
        process: Process {
            args: cfg.cmd.clone(),
            env,
            cwd: if !cfg.working_dir.is_empty() {
                cfg.working_dir.clone()
            } else if !c.config.working_dir.is_empty() {
                c.config.working_dir.clone()
            } else {
                "/".into()
            },
            user: if cfg.user.is_empty() { c.config.user.clone() } else { cfg.user.clone() },
            tty: cfg.tty,
            open_stdin: cfg.attach_stdin,
            stdin_once: true,
            no_new_privileges: nnp,
            capabilities: caps.0,
            seccomp: None,
            console_size: cfg.console_size,
            stop_signal: libc::SIGKILL,
        },
        privileged: cfg.privileged || h.privileged,
        detach: false,
    };
    if !spec.process.cwd.starts_with('/') {
        return Err(Error::invalid(format!(
            "the working directory '{}' is invalid, it needs to be an absolute path",
            spec.process.cwd
        )));
    }
    let dir = c.dir.join("exec");
    std::fs::create_dir_all(&dir).ctx("create exec directory")?;
    crate::safefs::write_replace(&dir.join(format!("{id}.json")), &serde_json::to_vec(&spec).expect("exec json"))?;
    save_state(&dir, &id, &ExecState::default())?;
    Ok(id)
}

fn save_state(dir: &std::path::Path, id: &str, s: &ExecState) -> Result<()> {
    crate::safefs::write_replace(
        &dir.join(format!("{id}.state.json")),
        &serde_json::to_vec(s).expect("exec state json"),
    )
}

/// Find an exec by id: (container dir, spec).
fn find(store: &Store, exec_id: &str) -> Result<(std::path::PathBuf, ExecSpec)> {
    if crate::digest::is_hex64(exec_id) {
        for cid in super::ids(store)? {
            let dir = super::container_dir(store, &cid).join("exec");
            if let Ok(b) = std::fs::read(dir.join(format!("{exec_id}.json"))) {
                let spec: ExecSpec =
                    serde_json::from_slice(&b).map_err(|e| Error::corrupt(format!("exec {exec_id}: {e}")))?;
                return Ok((dir, spec));
            }
        }
    }
    Err(Error::not_found(format!("No such exec instance: {exec_id}")))
}

/// `POST /exec/{id}/start`: run it; with `detach`, return once it started. Returns the exit code.
pub fn start(
    store: &Store,
    exec_id: &str,
    opts: &ExecStartConfig,
    stdin: Option<Box<dyn Read + Send>>,
    out: Sink,
) -> Result<Option<i64>> {
    let (dir, mut spec) = find(store, exec_id)?;
    let c = super::load(store, &spec.container_id)?;
    if !c.is_running() {
        return Err(Error::conflict(format!("Container {} is not running", c.id)));
    }
    if c.is_paused() {
        return Err(Error::conflict(format!("Container {} is paused, unpause the container before exec", c.id)));
    }
    spec.detach = opts.detach;
    if opts.console_size.is_some() {
        spec.process.console_size = opts.console_size;
    }
    // (The exec monitor applies the container's own seccomp program, from its spec.json.)
    spec.process.seccomp =
        if spec.privileged { None } else { c.dir.join("seccomp.bpf").exists().then(|| c.dir.join("seccomp.bpf")) };
    crate::safefs::write_replace(&dir.join(format!("{exec_id}.json")), &serde_json::to_vec(&spec).expect("exec json"))?;
    save_state(&dir, exec_id, &ExecState { running: true, exit_code: None })?;
    let with_stdin = spec.process.open_stdin && stdin.is_some() && !opts.detach;
    let monitor = launch::monitor_path()?;
    let mut child = Command::new(&monitor)
        .arg("exec")
        .arg(&c.dir)
        .arg(exec_id)
        .stdin(if with_stdin { Stdio::piped() } else { Stdio::null() })
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .ctx(format_args!("execute {}", monitor.display()))?;
    let copier = match (child.stdin.take(), stdin) {
        (Some(mut w), Some(mut input)) if with_stdin => Some(std::thread::spawn(move || {
            let mut buf = [0u8; 32 * 1024];
            while let Ok(n) = input.read(&mut buf) {
                if n == 0 || w.write_all(&buf[..n]).is_err() {
                    break;
                }
            }
        })),
        _ => None,
    };
    let mut output = child.stdout.take().expect("piped stdout");
    let mut buf = Vec::new();
    let mut result: Result<Option<i64>> = Ok(None);
    loop {
        match protocol::read_frame(&mut output, &mut buf) {
            Ok(Some(protocol::EXIT)) => {
                let r: Reply = serde_json::from_slice(&buf).unwrap_or_default();
                result = match r.error {
                    Some(e) => Err(Error::invalid(format!("exec failed: {e}"))).map_err(|e: Error| {
                        // Keep Docker's exit-code convention visible to the CLI.
                        e.context(format!("exit code {}", r.status_code.unwrap_or(126)))
                    }),
                    None => Ok(r.status_code.map(i64::from)),
                };
                if opts.detach {
                    break;
                }
            }
            Ok(Some(stream)) => {
                if let Err(e) = out(stream, &buf) {
                    result = Err(e);
                    break;
                }
            }
            Ok(None) => break,
            Err(_) => break,
        }
    }
    if !opts.detach {
        let _ = child.wait();
    } else {
        // The exec monitor detached (its parent exits at once).
        let _ = child.wait();
    }
    drop(copier);
    let code = result.as_ref().ok().copied().flatten();
    let _ = save_state(
        &dir,
        exec_id,
        &ExecState { running: opts.detach && result.is_ok(), exit_code: if opts.detach { None } else { code } },
    );
    result
}

pub fn inspect(store: &Store, exec_id: &str) -> Result<ExecInspect> {
    let (dir, spec) = find(store, exec_id)?;
    let state: ExecState = std::fs::read(dir.join(format!("{exec_id}.state.json")))
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_default();
    let mut args = spec.process.args.clone();
    let entry = if args.is_empty() { String::new() } else { args.remove(0) };
    Ok(ExecInspect {
        id: spec.id.clone(),
        running: state.running,
        exit_code: state.exit_code,
        container_id: spec.container_id.clone(),
        open_stdin: spec.process.open_stdin,
        open_stderr: true,
        open_stdout: true,
        process_config: ExecProcessConfig {
            privileged: spec.privileged,
            user: spec.process.user.clone(),
            tty: spec.process.tty,
            entrypoint: entry,
            arguments: args,
        },
        // Docker's CanRemove is about its in-memory exec store; our records go with the container.
        can_remove: false,
        detach_keys: String::new(),
        pid: 0,
    })
}
