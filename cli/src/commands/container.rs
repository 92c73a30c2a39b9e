//! Container commands: run, create, start, stop, kill, restart, wait, rm, ps, logs, attach,
//! top, diff, export, commit, exec, cp, pause, unpause, rename, stats, port, container prune.

use crate::format::{ago, ellipsis, human_size, short_id, table};
use crate::output::Console;
use crate::{CmdResult, Failure};
use clap::Args;
use engine::options::{self, CopyEndpoint, Lookup};
use engine::stream::Stdin;
use engine::types::*;
use engine::{Engine, ErrorKind};
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

// The flags `run` and `create` share (docker's names). A plain comment: a doc comment here would
// become the about text of `run --help` (the subcommands are built lazily, after their own).
#[derive(Args)]
pub struct CreateFlags {
    /// Assign a name to the container
    #[arg(long)]
    name: Option<String>,
    /// Set environment variables
    #[arg(short = 'e', long = "env")]
    env: Vec<String>,
    /// Read in a file of environment variables
    #[arg(long = "env-file")]
    env_file: Vec<PathBuf>,
    /// Working directory inside the container
    #[arg(short = 'w', long = "workdir")]
    workdir: Option<String>,
    /// Username or UID (format: <name|uid>[:<group|gid>])
    #[arg(short = 'u', long = "user")]
    user: Option<String>,
    /// Container host name
    #[arg(short = 'h', long = "hostname")]
    hostname: Option<String>,
    /// Overwrite the default ENTRYPOINT of the image
    #[arg(long)]
    entrypoint: Option<String>,
    /// Memory limit
    #[arg(short = 'm', long = "memory")]
    memory: Option<String>,
    /// Swap limit equal to memory plus swap: '-1' to enable unlimited swap
    #[arg(long = "memory-swap")]
    memory_swap: Option<String>,
    /// CPU shares (relative weight)
    #[arg(short = 'c', long = "cpu-shares")]
    cpu_shares: Option<i64>,
    /// Number of CPUs
    #[arg(long)]
    cpus: Option<String>,
    /// Tune container pids limit (set -1 for unlimited)
    #[arg(long = "pids-limit")]
    pids_limit: Option<i64>,
    /// Bind mount a volume
    #[arg(short = 'v', long = "volume")]
    volume: Vec<String>,
    /// Attach a filesystem mount to the container
    #[arg(long)]
    mount: Vec<String>,
    /// Mount a tmpfs directory
    #[arg(long)]
    tmpfs: Vec<String>,
    /// Mount the container's root filesystem as read only
    #[arg(long = "read-only")]
    read_only: bool,
    /// Connect a container to a network (none, host)
    #[arg(long = "network", visible_alias = "net")]
    network: Option<String>,
    /// Publish a container's port(s) to the host
    #[arg(short = 'p', long = "publish")]
    publish: Vec<String>,
    /// Publish all exposed ports to random ports
    #[arg(short = 'P', long = "publish-all")]
    publish_all: bool,
    /// Add Linux capabilities
    #[arg(long = "cap-add")]
    cap_add: Vec<String>,
    /// Drop Linux capabilities
    #[arg(long = "cap-drop")]
    cap_drop: Vec<String>,
    /// Give extended privileges to this container
    #[arg(long)]
    privileged: bool,
    /// Security Options
    #[arg(long = "security-opt")]
    security_opt: Vec<String>,
    /// Restart policy to apply when a container exits
    #[arg(long)]
    restart: Option<String>,
    /// Set meta data on a container
    #[arg(short = 'l', long = "label")]
    label: Vec<String>,
    /// Read in a line delimited file of labels
    #[arg(long = "label-file")]
    label_file: Vec<PathBuf>,
    /// Set custom DNS servers
    #[arg(long)]
    dns: Vec<String>,
    /// Add a custom host-to-IP mapping (host:ip)
    #[arg(long = "add-host")]
    add_host: Vec<String>,
    /// Signal to stop the container
    #[arg(long = "stop-signal")]
    stop_signal: Option<String>,
    /// Timeout (in seconds) to stop a container
    #[arg(long = "stop-timeout")]
    stop_timeout: Option<i64>,
    /// Add a host device to the container
    #[arg(long)]
    device: Vec<String>,
    /// Command to run to check health
    #[arg(long = "health-cmd")]
    health_cmd: Option<String>,
    /// Time between running the check (ms|s|m|h) (default 0s)
    #[arg(long = "health-interval")]
    health_interval: Option<String>,
    /// Maximum time to allow one check to run (ms|s|m|h) (default 0s)
    #[arg(long = "health-timeout")]
    health_timeout: Option<String>,
    /// Start period for the container to initialize before starting health-retries countdown (ms|s|m|h)
    #[arg(long = "health-start-period")]
    health_start_period: Option<String>,
    /// Time between running the check during the start period (ms|s|m|h)
    #[arg(long = "health-start-interval")]
    health_start_interval: Option<String>,
    /// Consecutive failures needed to report unhealthy
    #[arg(long = "health-retries")]
    health_retries: Option<i64>,
    /// Disable any container-specified HEALTHCHECK
    #[arg(long = "no-healthcheck")]
    no_healthcheck: bool,
    /// Run an init inside the container
    #[arg(long)]
    init: bool,
    /// Keep STDIN open even if not attached
    #[arg(short = 'i', long = "interactive")]
    interactive: bool,
    /// Allocate a pseudo-TTY
    #[arg(short = 't', long = "tty")]
    tty: bool,
    /// Attach to STDIN, STDOUT or STDERR
    #[arg(short = 'a', long = "attach")]
    attach: Vec<String>,
    /// Automatically remove the container when it exits
    #[arg(long)]
    rm: bool,
    /// Set platform if server is multi-platform capable
    #[arg(long)]
    platform: Option<String>,
    /// IMAGE [COMMAND] [ARG...]: options end at the image, as in docker
    #[arg(
        value_name = "IMAGE [COMMAND] [ARG...]",
        required = true,
        trailing_var_arg = true,
        allow_hyphen_values = true
    )]
    image_and_command: Vec<String>,
}

impl CreateFlags {
    fn image(&self) -> &str {
        &self.image_and_command[0]
    }

    /// The flags for the engine's grammar (everything but the name and the network flags).
    fn options(&self, detach: bool) -> options::ContainerFlags {
        options::ContainerFlags {
            image: self.image().to_string(),
            command: self.image_and_command[1..].to_vec(),
            env: self.env.clone(),
            env_file: self.env_file.clone(),
            workdir: self.workdir.clone(),
            user: self.user.clone(),
            hostname: self.hostname.clone(),
            entrypoint: self.entrypoint.clone(),
            memory: self.memory.clone(),
            memory_swap: self.memory_swap.clone(),
            cpu_shares: self.cpu_shares,
            cpus: self.cpus.clone(),
            pids_limit: self.pids_limit,
            volume: self.volume.clone(),
            mount: self.mount.clone(),
            tmpfs: self.tmpfs.clone(),
            read_only: self.read_only,
            cap_add: self.cap_add.clone(),
            cap_drop: self.cap_drop.clone(),
            privileged: self.privileged,
            security_opt: self.security_opt.clone(),
            restart: self.restart.clone(),
            label: self.label.clone(),
            label_file: self.label_file.clone(),
            dns: self.dns.clone(),
            add_host: self.add_host.clone(),
            stop_signal: self.stop_signal.clone(),
            stop_timeout: self.stop_timeout,
            device: self.device.clone(),
            health: options::HealthFlags {
                cmd: self.health_cmd.clone(),
                interval: self.health_interval.clone(),
                timeout: self.health_timeout.clone(),
                start_period: self.health_start_period.clone(),
                start_interval: self.health_start_interval.clone(),
                retries: self.health_retries,
                no_healthcheck: self.no_healthcheck,
            },
            init: self.init,
            interactive: self.interactive,
            tty: self.tty,
            attach: self.attach.clone(),
            detach,
            rm: self.rm,
            platform: self.platform.clone(),
            console_size: if self.tty { terminal_size() } else { None },
        }
    }
}

/// A refused flag: docker's exit status for usage errors.
fn usage(msg: impl Into<String>) -> Failure {
    Failure::new(125, msg)
}

fn build_request(f: &CreateFlags, detach: bool) -> Result<ContainerCreateRequest, Failure> {
    let mut req = f.options(detach).request(&Lookup::process()).map_err(|e| usage(e.message()))?;
    let port_bindings = options::ports::port_bindings(&f.publish).map_err(|e| usage(e.message()))?;
    let host = &mut req.host_config;
    host.network_mode = f.network.clone().unwrap_or_else(|| "default".into());
    host.port_bindings = port_bindings;
    host.publish_all_ports = f.publish_all;
    Ok(req)
}

fn terminal_size() -> Option<[u16; 2]> {
    let mut ws: libc::winsize = unsafe { std::mem::zeroed() };
    // SAFETY: TIOCGWINSZ into a local winsize.
    let ok = unsafe { libc::ioctl(1, libc::TIOCGWINSZ, &mut ws) } == 0;
    (ok && ws.ws_row > 0).then_some([ws.ws_row, ws.ws_col])
}

/// Create, printing docker's errors (exit 125); returns the id and the config asked for.
fn create_container(engine: &Engine, f: &CreateFlags, detach: bool) -> Result<(String, ContainerConfig), Failure> {
    let req = build_request(f, detach)?;
    match engine.container_create(f.name.as_deref(), &req) {
        Ok(r) => {
            for w in r.warnings {
                eprintln!("WARNING: {w}");
            }
            Ok((r.id, req.config))
        }
        Err(e) if e.kind() == ErrorKind::NotFound && e.message().starts_with("No such image") => {
            eprintln!("Unable to find image '{}' locally", f.image());
            Err(Failure::new(125, e.message().to_string()))
        }
        Err(e) => Err(Failure::new(125, e.message().to_string())),
    }
}

/// A failed start: exit 127 when the command was not found, 126 when it could not be executed,
/// else 125, as the docker CLI's `runStartContainerErr` — from the error's details.
fn start_failure(e: engine::Error) -> Failure {
    let code = e.details().exit_code.filter(|c| (1..=255).contains(c)).unwrap_or(125);
    Failure::new(code as u8, e.message().to_string())
}

#[derive(Args)]
#[command(disable_help_flag = true)]
pub struct RunArgs {
    /// Print help (-h is --hostname, as in docker)
    #[arg(long, action = clap::ArgAction::Help)]
    help: Option<bool>,
    /// Run container in background and print container ID
    #[arg(short = 'd', long = "detach")]
    detach: bool,
    #[command(flatten)]
    flags: CreateFlags,
}

pub fn run(engine: &Engine, a: RunArgs) -> CmdResult {
    let (id, config) = create_container(engine, &a.flags, a.detach)?;
    if a.detach {
        engine.container_start(&id).map_err(|e| start_failure(e))?;
        println!("{id}");
        return Ok(());
    }
    let code = start_attached(engine, &id, &options::run_attach_options(&config), config.tty)?;
    if code != 0 {
        return Err(Failure::silent(code.clamp(0, 255) as u8));
    }
    Ok(())
}

/// Start and stay attached (to the streams of `opts`) until the container exits; returns its
/// exit code.
fn start_attached(engine: &Engine, id: &str, opts: &AttachOptions, tty: bool) -> Result<i64, Failure> {
    let stdin = if opts.stdin { Some(our_stdin()?) } else { None };
    let raw = if tty && opts.stdin && std::io::stdin().is_terminal() { RawTerminal::enter() } else { None };
    // Without a tty, signals sent to `dock` go to the container (docker's --sig-proxy).
    if !tty {
        proxy_signals(engine.root(), id);
    }
    let attached = engine.container_start_attached(id, opts, stdin, &mut Console::new());
    drop(raw);
    match attached {
        Ok(Some(code)) => Ok(code),
        Err(e) => Err(start_failure(e)),
        // The stream ended without an exit status (we were detached): ask.
        Ok(None) => match engine.container_wait(id, "", None) {
            Ok(w) => Ok(w.status_code),
            Err(e) if e.kind() == ErrorKind::NotFound => Ok(0),
            Err(e) => Err(Failure::new(125, e.message().to_string())),
        },
    }
}

/// Our stdin for a container: polled by the engine beside the output (no thread that could
/// outlive the call).
fn our_stdin() -> Result<Stdin, Failure> {
    use std::os::fd::AsFd;
    let fd = std::io::stdin().as_fd().try_clone_to_owned().map_err(|e| Failure::new(125, format!("stdin: {e}")))?;
    Ok(Stdin::Fd(fd))
}

/// Forward SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2 received by this process to the
/// container, from a thread that waits for them (they are blocked everywhere else).
fn proxy_signals(root: &Path, id: &str) {
    const SIGNALS: [libc::c_int; 6] =
        [libc::SIGINT, libc::SIGTERM, libc::SIGHUP, libc::SIGQUIT, libc::SIGUSR1, libc::SIGUSR2];
    // SAFETY: building a signal set and blocking it in this (main) thread; threads spawned later
    // inherit the mask, so only the proxy thread receives these signals.
    let set = unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        for s in SIGNALS {
            libc::sigaddset(&mut set, s);
        }
        libc::pthread_sigmask(libc::SIG_BLOCK, &set, std::ptr::null_mut());
        set
    };
    let (root, id) = (root.to_path_buf(), id.to_string());
    let _ = std::thread::Builder::new().name("sig-proxy".into()).spawn(move || {
        let Ok(engine) = Engine::open(&OpenOptions { root: Some(root) }) else { return };
        loop {
            let mut sig: libc::c_int = 0;
            // SAFETY: waiting on the set built above.
            if unsafe { libc::sigwait(&set, &mut sig) } != 0 {
                return;
            }
            let _ = engine.container_kill(&id, Some(&sig.to_string()));
        }
    });
}

/// The terminal in raw mode while a `-it` container is attached; restored on drop.
struct RawTerminal(libc::termios);

impl RawTerminal {
    fn enter() -> Option<RawTerminal> {
        let mut t: libc::termios = unsafe { std::mem::zeroed() };
        // SAFETY: tcgetattr/tcsetattr on stdin with a local termios.
        unsafe {
            if libc::tcgetattr(0, &mut t) != 0 {
                return None;
            }
            let saved = t;
            libc::cfmakeraw(&mut t);
            libc::tcsetattr(0, libc::TCSANOW, &t);
            Some(RawTerminal(saved))
        }
    }
}

impl Drop for RawTerminal {
    fn drop(&mut self) {
        // SAFETY: restoring the saved attributes.
        unsafe { libc::tcsetattr(0, libc::TCSANOW, &self.0) };
    }
}

#[derive(Args)]
#[command(disable_help_flag = true)]
pub struct CreateArgs {
    /// Print help (-h is --hostname, as in docker)
    #[arg(long, action = clap::ArgAction::Help)]
    help: Option<bool>,
    #[command(flatten)]
    flags: CreateFlags,
}

pub fn create(engine: &Engine, a: CreateArgs) -> CmdResult {
    let (id, _) = create_container(engine, &a.flags, false)?;
    println!("{id}");
    Ok(())
}

#[derive(Args)]
pub struct StartArgs {
    /// Attach STDOUT/STDERR and forward signals
    #[arg(short = 'a', long = "attach")]
    attach: bool,
    /// Attach container's STDIN
    #[arg(short = 'i', long = "interactive")]
    interactive: bool,
    #[arg(required = true)]
    containers: Vec<String>,
}

pub fn start(engine: &Engine, a: StartArgs) -> CmdResult {
    if a.attach || a.interactive {
        if a.containers.len() > 1 {
            return Err(Failure::new(1, "you cannot start and attach multiple containers at once"));
        }
        let name = &a.containers[0];
        let info = engine.container_inspect(name)?;
        let opts = options::start_attach_options(a.interactive, &info.config);
        let code = start_attached(engine, &info.id, &opts, info.config.tty).map_err(|mut fl| {
            fl.code = if fl.code == 125 { 1 } else { fl.code };
            fl
        })?;
        return if code == 0 { Ok(()) } else { Err(Failure::silent(code.clamp(0, 255) as u8)) };
    }
    each(&a.containers, |c| match engine.container_start(c) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == ErrorKind::NotModified => Ok(()),
        Err(e) => Err(e),
    })
}

/// Run `f` for each name, print the name on success (docker's style), exit 1 if any failed.
fn each(names: &[String], f: impl FnMut(&str) -> engine::Result<()>) -> CmdResult {
    super::for_each(names, f, |n, ()| println!("{n}"))
}

#[derive(Args)]
pub struct StopArgs {
    /// Seconds to wait before killing the container
    #[arg(short = 't', long = "time")]
    time: Option<i64>,
    /// Signal to send to the container
    #[arg(short = 's', long = "signal")]
    signal: Option<String>,
    #[arg(required = true)]
    containers: Vec<String>,
}

pub fn stop(engine: &Engine, a: StopArgs) -> CmdResult {
    each(&a.containers, |c| match engine.container_stop(c, a.time, a.signal.as_deref()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == ErrorKind::NotModified => Ok(()),
        Err(e) => Err(e),
    })
}

pub fn restart(engine: &Engine, a: StopArgs) -> CmdResult {
    each(&a.containers, |c| engine.container_restart(c, a.time))
}

#[derive(Args)]
pub struct KillArgs {
    /// Signal to send to the container
    #[arg(short = 's', long = "signal")]
    signal: Option<String>,
    #[arg(required = true)]
    containers: Vec<String>,
}

pub fn kill(engine: &Engine, a: KillArgs) -> CmdResult {
    each(&a.containers, |c| engine.container_kill(c, a.signal.as_deref()))
}

#[derive(Args)]
pub struct NamesArgs {
    #[arg(required = true)]
    containers: Vec<String>,
}

pub fn wait(engine: &Engine, a: NamesArgs) -> CmdResult {
    super::for_each(&a.containers, |c| engine.container_wait(c, "", None), |_, w| println!("{}", w.status_code))
}

pub fn pause(engine: &Engine, a: NamesArgs) -> CmdResult {
    each(&a.containers, |c| engine.container_pause(c))
}

pub fn unpause(engine: &Engine, a: NamesArgs) -> CmdResult {
    each(&a.containers, |c| engine.container_unpause(c))
}

#[derive(Args)]
pub struct RmArgs {
    /// Force the removal of a running container (uses SIGKILL)
    #[arg(short = 'f', long = "force")]
    force: bool,
    /// Remove anonymous volumes associated with the container
    #[arg(short = 'v', long = "volumes")]
    volumes: bool,
    #[arg(required = true)]
    containers: Vec<String>,
}

pub fn rm(engine: &Engine, a: RmArgs) -> CmdResult {
    each(&a.containers, |c| engine.container_remove(c, a.force, a.volumes))
}

#[derive(Args)]
pub struct PsArgs {
    /// Show all containers (default shows just running)
    #[arg(short = 'a', long = "all")]
    all: bool,
    /// Only display container IDs
    #[arg(short = 'q', long = "quiet")]
    quiet: bool,
    /// Show the latest created container (includes all states)
    #[arg(short = 'l', long = "latest")]
    latest: bool,
    /// Show n last created containers (includes all states)
    #[arg(short = 'n', long = "last")]
    last: Option<usize>,
    /// Don't truncate output
    #[arg(long = "no-trunc")]
    no_trunc: bool,
    /// Display total file sizes
    #[arg(short = 's', long = "size")]
    size: bool,
    /// Filter output based on conditions provided
    #[arg(short = 'f', long = "filter")]
    filter: Vec<String>,
}

pub fn ps(engine: &Engine, a: PsArgs) -> CmdResult {
    let mut opts = ContainerListOptions { all: a.all, size: a.size, ..Default::default() };
    if a.latest {
        opts.limit = Some(1);
    } else if let Some(n) = a.last.filter(|n| *n > 0) {
        opts.limit = Some(n);
    }
    opts.filters = options::filters(&a.filter).map_err(|e| usage(e.message()))?;
    let list = engine.container_list(&opts)?;
    if a.quiet {
        for c in &list {
            println!("{}", if a.no_trunc { c.id.clone() } else { short_id(&c.id, false) });
        }
        return Ok(());
    }
    let mut rows = vec![vec![
        "CONTAINER ID".to_string(),
        "IMAGE".into(),
        "COMMAND".into(),
        "CREATED".into(),
        "STATUS".into(),
        "PORTS".into(),
        "NAMES".into(),
    ]];
    if a.size {
        rows[0].push("SIZE".into());
    }
    for c in &list {
        let command =
            if a.no_trunc { format!("\"{}\"", c.command) } else { format!("\"{}\"", ellipsis(&c.command, 20)) };
        let mut row = vec![
            short_id(&c.id, a.no_trunc),
            if a.no_trunc { c.image.clone() } else { ellipsis(&c.image, 30) },
            command,
            ago(c.created),
            c.status.clone(),
            String::new(),
            c.names.iter().map(|n| n.trim_start_matches('/')).collect::<Vec<_>>().join(","),
        ];
        if a.size {
            row.push(format!("{} (virtual -)", human_size(c.size_rw.unwrap_or(0))));
        }
        rows.push(row);
    }
    print!("{}", table(&rows));
    Ok(())
}

#[derive(Args)]
pub struct LogsArgs {
    /// Follow log output
    #[arg(short = 'f', long = "follow")]
    follow: bool,
    /// Show timestamps
    #[arg(short = 't', long = "timestamps")]
    timestamps: bool,
    /// Number of lines to show from the end of the logs
    #[arg(short = 'n', long = "tail", default_value = "all")]
    tail: String,
    /// Show logs since timestamp (e.g. 2013-01-02T13:23:37Z) or relative (e.g. 42m for 42 minutes)
    #[arg(long)]
    since: Option<String>,
    /// Show logs before a timestamp or relative
    #[arg(long)]
    until: Option<String>,
    container: String,
}

pub fn logs(engine: &Engine, a: LogsArgs) -> CmdResult {
    let flags = options::LogsFlags {
        follow: a.follow,
        timestamps: a.timestamps,
        tail: Some(a.tail),
        since: a.since,
        until: a.until,
    };
    let opts = flags.options(std::time::SystemTime::now()).map_err(|e| usage(e.message()))?;
    engine.container_logs(&a.container, &opts, &mut Console::new())?;
    Ok(())
}

#[derive(Args)]
pub struct AttachArgs {
    /// Do not attach STDIN
    #[arg(long = "no-stdin")]
    no_stdin: bool,
    container: String,
}

pub fn attach(engine: &Engine, a: AttachArgs) -> CmdResult {
    let info = engine.container_inspect(&a.container)?;
    let opts = options::attach_options(a.no_stdin, &info.config);
    let raw = if info.config.tty && opts.stdin && std::io::stdin().is_terminal() { RawTerminal::enter() } else { None };
    // The engine attaches to a stopped container from its next start on; docker's CLI refuses.
    if !info.state.running {
        return Err(Failure::new(1, "You cannot attach to a stopped container, start it first"));
    }
    let stdin = if opts.stdin { Some(our_stdin()?) } else { None };
    let r = engine.container_attach(&info.id, &opts, stdin, &mut Console::new());
    drop(raw);
    match r? {
        Some(code) if code != 0 => Err(Failure::silent(code.clamp(0, 255) as u8)),
        _ => Ok(()),
    }
}

#[derive(Args)]
pub struct TopArgs {
    container: String,
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    ps_args: Vec<String>,
}

pub fn top(engine: &Engine, a: TopArgs) -> CmdResult {
    let t = engine.container_top(&a.container, &a.ps_args.join(" "))?;
    let mut rows = vec![t.titles.clone()];
    rows.extend(t.processes);
    print!("{}", table(&rows));
    Ok(())
}

#[derive(Args)]
pub struct OneArg {
    container: String,
}

pub fn diff(engine: &Engine, a: OneArg) -> CmdResult {
    for c in engine.container_changes(&a.container)? {
        let k = match c.kind {
            0 => 'C',
            1 => 'A',
            _ => 'D',
        };
        println!("{k} {}", c.path);
    }
    Ok(())
}

#[derive(Args)]
pub struct ExportArgs {
    /// Write to a file, instead of STDOUT
    #[arg(short = 'o', long = "output")]
    output: Option<PathBuf>,
    container: String,
}

pub fn export(engine: &Engine, a: ExportArgs) -> CmdResult {
    match &a.output {
        Some(p) => engine.container_export_file(&a.container, p, None)?,
        None => {
            if std::io::stdout().is_terminal() {
                return Err(Failure::new(1, "cowardly refusing to save to a terminal. Use the -o flag or redirect"));
            }
            let mut out = std::io::BufWriter::with_capacity(1 << 20, std::io::stdout());
            engine.container_export(&a.container, &mut out, None)?;
            out.flush().map_err(|e| Failure::new(1, format!("write: {e}")))?;
        }
    }
    Ok(())
}

#[derive(Args)]
pub struct CommitArgs {
    /// Commit message
    #[arg(short = 'm', long = "message")]
    message: Option<String>,
    /// Author
    #[arg(short = 'a', long = "author")]
    author: Option<String>,
    /// Apply Dockerfile instruction to the created image
    #[arg(short = 'c', long = "change")]
    change: Vec<String>,
    /// Pause container during commit
    #[arg(short = 'p', long = "pause", default_value_t = true, action = clap::ArgAction::Set)]
    pause: bool,
    container: String,
    #[arg(value_name = "REPOSITORY[:TAG]")]
    reference: Option<String>,
}

pub fn commit(engine: &Engine, a: CommitArgs) -> CmdResult {
    let id = engine.container_commit(
        &a.container,
        &CommitOptions {
            reference: a.reference,
            comment: a.message.unwrap_or_default(),
            author: a.author.unwrap_or_default(),
            pause: a.pause,
            changes: a.change,
            config: None,
        },
    )?;
    println!("{id}");
    Ok(())
}

#[derive(Args)]
pub struct ExecArgs {
    /// Detached mode: run command in the background
    #[arg(short = 'd', long = "detach")]
    detach: bool,
    /// Keep STDIN open even if not attached
    #[arg(short = 'i', long = "interactive")]
    interactive: bool,
    /// Allocate a pseudo-TTY
    #[arg(short = 't', long = "tty")]
    tty: bool,
    /// Set environment variables
    #[arg(short = 'e', long = "env")]
    env: Vec<String>,
    /// Read in a file of environment variables
    #[arg(long = "env-file")]
    env_file: Vec<PathBuf>,
    /// Username or UID
    #[arg(short = 'u', long = "user")]
    user: Option<String>,
    /// Working directory inside the container
    #[arg(short = 'w', long = "workdir")]
    workdir: Option<String>,
    /// Give extended privileges to the command
    #[arg(long)]
    privileged: bool,
    /// CONTAINER COMMAND [ARG...]
    #[arg(value_name = "CONTAINER COMMAND [ARG...]", required = true, num_args = 2.., trailing_var_arg = true, allow_hyphen_values = true)]
    container_and_command: Vec<String>,
}

pub fn exec(engine: &Engine, a: ExecArgs) -> CmdResult {
    let container = a.container_and_command[0].clone();
    let flags = options::ExecFlags {
        command: a.container_and_command[1..].to_vec(),
        detach: a.detach,
        interactive: a.interactive,
        tty: a.tty,
        env: a.env,
        env_file: a.env_file,
        user: a.user,
        workdir: a.workdir,
        privileged: a.privileged,
        console_size: if a.tty { terminal_size() } else { None },
    };
    let cfg = flags.config(&Lookup::process()).map_err(|e| usage(e.message()))?;
    let exec_id = engine.exec_create(&container, &cfg)?;
    let raw =
        if flags.tty && flags.interactive && std::io::stdin().is_terminal() { RawTerminal::enter() } else { None };
    let stdin = if cfg.attach_stdin { Some(our_stdin()?) } else { None };
    let r = engine.exec_start(&exec_id, &flags.start_config(), stdin, &mut Console::new());
    drop(raw);
    match r {
        Ok(Some(code)) if code != 0 => Err(Failure::silent(code.clamp(0, 255) as u8)),
        Ok(_) => Ok(()),
        // A command that could not run: 127 not found, 126 not executable, from the details.
        Err(e) => {
            Err(Failure::new(e.details().exit_code.filter(|c| (1..=255).contains(c)).unwrap_or(126) as u8, e.message()))
        }
    }
}

#[derive(Args)]
pub struct CpArgs {
    /// SRC: CONTAINER:SRC_PATH or a local path
    src: String,
    /// DEST: CONTAINER:DEST_PATH or a local path
    dest: String,
}

pub fn cp(engine: &Engine, a: CpArgs) -> CmdResult {
    match (options::copy_endpoint(&a.src), options::copy_endpoint(&a.dest)) {
        (CopyEndpoint::Container { container, path }, CopyEndpoint::Local(dest)) => {
            engine.container_copy_from(container, path, Path::new(dest))?
        }
        (CopyEndpoint::Local(src), CopyEndpoint::Container { container, path }) => {
            engine.container_copy_to(container, Path::new(src), path)?
        }
        (CopyEndpoint::Container { .. }, CopyEndpoint::Container { .. }) => {
            return Err(Failure::new(1, "copying between containers is not supported"))
        }
        (CopyEndpoint::Local(_), CopyEndpoint::Local(_)) => {
            return Err(Failure::new(1, "must specify at least one container source"))
        }
    }
    Ok(())
}

#[derive(Args)]
pub struct RenameArgs {
    container: String,
    new_name: String,
}

pub fn rename(engine: &Engine, a: RenameArgs) -> CmdResult {
    engine.container_rename(&a.container, &a.new_name)?;
    Ok(())
}

#[derive(Args)]
pub struct StatsArgs {
    /// Disable streaming stats and only pull the first result
    #[arg(long = "no-stream")]
    no_stream: bool,
    /// Show all containers (default shows just running)
    #[arg(short = 'a', long = "all")]
    all: bool,
    containers: Vec<String>,
}

pub fn stats(engine: &Engine, a: StatsArgs) -> CmdResult {
    let names: Vec<String> = if a.containers.is_empty() {
        engine
            .container_list(&ContainerListOptions { all: a.all, ..Default::default() })?
            .into_iter()
            .map(|c| c.id)
            .collect()
    } else {
        a.containers.clone()
    };
    loop {
        let mut rows = vec![vec![
            "CONTAINER ID".to_string(),
            "NAME".into(),
            "CPU %".into(),
            "MEM USAGE / LIMIT".into(),
            "MEM %".into(),
            "NET I/O".into(),
            "BLOCK I/O".into(),
            "PIDS".into(),
        ]];
        // One sample per container, each a second after the one it carries as `precpu_stats`:
        // taken side by side.
        let samples: Vec<engine::Result<Stats>> = std::thread::scope(|s| {
            let handles: Vec<_> =
                names.iter().map(|n| s.spawn(move || engine.container_stats(n, false, None))).collect();
            handles.into_iter().map(|h| h.join().expect("stats thread")).collect()
        });
        for s2 in samples {
            let s2 = s2?;
            let cpu = cpu_percent(&s2);
            let mem = s2.memory_stats.usage.unwrap_or(0);
            let limit = s2.memory_stats.limit.unwrap_or(0);
            let pct = if limit > 0 { mem as f64 / limit as f64 * 100.0 } else { 0.0 };
            rows.push(vec![
                short_id(&s2.id, false),
                s2.name.trim_start_matches('/').to_string(),
                format!("{cpu:.2}%"),
                format!("{} / {}", crate::format::bytes_size(mem as i64), crate::format::bytes_size(limit as i64)),
                format!("{pct:.2}%"),
                "0B / 0B".into(),
                "0B / 0B".into(),
                s2.pids_stats.current.unwrap_or(0).to_string(),
            ]);
        }
        print!("{}", table(&rows));
        if a.no_stream {
            return Ok(());
        }
    }
}

/// The docker CLI's CPU percentage: the container's share of the host's CPU time between the
/// sample and its `precpu_stats`, times the CPUs online.
fn cpu_percent(s: &Stats) -> f64 {
    let (cpu, pre) = (&s.cpu_stats, &s.precpu_stats);
    let cpu_delta = cpu.cpu_usage.total_usage.saturating_sub(pre.cpu_usage.total_usage) as f64;
    let system_delta = cpu.system_cpu_usage.unwrap_or(0).saturating_sub(pre.system_cpu_usage.unwrap_or(0)) as f64;
    let online = cpu.online_cpus.unwrap_or(1) as f64;
    if cpu_delta > 0.0 && system_delta > 0.0 {
        cpu_delta / system_delta * online * 100.0
    } else {
        0.0
    }
}

pub fn port(engine: &Engine, a: OneArg) -> CmdResult {
    let i = engine.container_inspect(&a.container)?;
    for (private, bindings) in &i.network_settings.ports {
        for b in bindings.iter().flatten() {
            println!("{private} -> {}:{}", if b.host_ip.is_empty() { "0.0.0.0" } else { &b.host_ip }, b.host_port);
        }
    }
    Ok(())
}

#[derive(Args)]
pub struct PruneArgs {
    /// Do not prompt for confirmation
    #[arg(short = 'f', long = "force")]
    force: bool,
}

pub fn prune(engine: &Engine, a: PruneArgs) -> CmdResult {
    if !a.force && std::io::stdin().is_terminal() {
        eprint!("WARNING! This will remove all stopped containers.\nAre you sure you want to continue? [y/N] ");
        let mut answer = String::new();
        let _ = std::io::stdin().read_line(&mut answer);
        if !answer.trim().eq_ignore_ascii_case("y") {
            return Ok(());
        }
    }
    let r = engine.container_prune()?;
    if !r.containers_deleted.is_empty() {
        println!("Deleted Containers:");
        for id in &r.containers_deleted {
            println!("{id}");
        }
        println!();
    }
    println!("Total reclaimed space: {}", human_size(r.space_reclaimed as i64));
    Ok(())
}
