//! `exec`: run another process in a running container, through a short-lived exec monitor
//! (`libdocker-monitor exec`). Exec records live in `<container>/exec/<exec-id>.json` (the spec
//! the exec monitor reads) and `<exec-id>.state.json` (what happened).

use crate::error::{Error, IoContext, Result};
use crate::runtime::launch;
use crate::runtime::protocol::{Reply, Request};
use crate::runtime::spec::{ExecSpec, Process};
use crate::runtime::state::ExecState;
use crate::store::Store;
use crate::stream::{Sink, Stdin};
use crate::types::{ExecConfig, ExecInspect, ExecProcessConfig, ExecStartConfig};
use std::os::fd::OwnedFd;
use std::process::{Command, Stdio};

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
    crate::safefs::write_replace(&dir.join(ExecState::file_name(id)), &serde_json::to_vec(s).expect("exec state json"))
}

fn load_state(dir: &std::path::Path, id: &str) -> ExecState {
    std::fs::read(dir.join(ExecState::file_name(id)))
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_default()
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
/// A caller that stops listening leaves the process running (as Docker does), its output unread.
pub fn start(
    store: &Store,
    exec_id: &str,
    opts: &ExecStartConfig,
    stdin: Option<Stdin>,
    sink: &mut dyn Sink,
) -> Result<Option<i64>> {
    let (dir, mut spec) = find(store, exec_id)?;
    let c = super::load(store, &spec.container_id)?;
    if !c.is_running() {
        return Err(Error::conflict(format!("Container {} is not running", c.id)));
    }
    if c.is_paused() {
        return Err(Error::conflict(format!("Container {} is paused, unpause the container before exec", c.id)));
    }
    if load_state(&dir, exec_id).running {
        return Err(Error::conflict(format!("Error: Exec command {exec_id} is already running")));
    }
    spec.detach = opts.detach;
    if opts.console_size.is_some() {
        spec.process.console_size = opts.console_size;
    }
    // (The exec monitor applies the container's own seccomp program, from its spec.json.)
    spec.process.seccomp =
        if spec.privileged { None } else { c.dir.join("seccomp.bpf").exists().then(|| c.dir.join("seccomp.bpf")) };
    crate::safefs::write_replace(&dir.join(format!("{exec_id}.json")), &serde_json::to_vec(&spec).expect("exec json"))?;
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
    let to = child.stdin.take().map(OwnedFd::from);
    let from = OwnedFd::from(child.stdout.take().expect("piped stdout"));
    // The exec monitor leaves at once (its parent exits): nothing of ours outlives this call.
    let _ = child.wait();
    let end = super::stdio::relay(&from, to, if with_stdin { stdin } else { None }, sink)?;
    match end {
        Some(Reply { error: Some(e), status_code, .. }) => {
            Err(super::start::process_start_error("exec failed", &e, status_code, None))
        }
        Some(r) => Ok(r.status_code.map(i64::from)),
        // The exec monitor died without its last word: what it recorded, if anything.
        None => Ok(load_state(&dir, exec_id).exit_code),
    }
}

/// `POST /exec/{id}/resize?h=&w=`: resize the terminal of a running exec.
pub fn resize(store: &Store, exec_id: &str, height: u16, width: u16) -> Result<()> {
    let (dir, spec) = find(store, exec_id)?;
    if !spec.process.tty {
        return Err(Error::conflict(format!("exec {exec_id} has no terminal to resize")));
    }
    let sock = dir.join(format!("{exec_id}.sock"));
    let mut s = match std::os::unix::net::UnixStream::connect(&sock) {
        Ok(s) => s,
        Err(e) if matches!(e.kind(), std::io::ErrorKind::NotFound | std::io::ErrorKind::ConnectionRefused) => {
            return Err(Error::conflict(format!("exec {exec_id} is not running")))
        }
        Err(e) => return Err(Error::io(format_args!("connect {}", sock.display()), e)),
    };
    let mut line = serde_json::to_vec(&Request::ResizeExec { height, width }).expect("request json");
    line.push(b'\n');
    std::io::Write::write_all(&mut s, &line).ctx("send the resize")?;
    match launch::read_reply(&mut s)? {
        Some(Reply { error: Some(e), .. }) => Err(Error::conflict(e)),
        _ => Ok(()),
    }
}

pub fn inspect(store: &Store, exec_id: &str) -> Result<ExecInspect> {
    let (dir, spec) = find(store, exec_id)?;
    let state = load_state(&dir, exec_id);
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
        pid: state.pid as i64,
    })
}
