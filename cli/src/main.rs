//! `dock`: docker's verbs and flags over the engine, in process (no daemon). argv → one façade
//! call → docker's output and exit codes. Nothing here knows how the engine works.

mod commands;
mod format;
mod output;
mod template;

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(name = "dock", version, about = "A self-sufficient runtime for containers (libdocker)")]
struct Cli {
    /// State root (default: $LIBDOCKER_ROOT, else /var/lib/libdocker)
    #[arg(long, global = true, value_name = "PATH")]
    root: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Create and run a new container from an image
    Run(Lazy<commands::container::RunArgs>),
    /// Create a new container
    Create(Lazy<commands::container::CreateArgs>),
    /// Start one or more stopped containers
    Start(Lazy<commands::container::StartArgs>),
    /// Stop one or more running containers
    Stop(Lazy<commands::container::StopArgs>),
    /// Restart one or more containers
    Restart(Lazy<commands::container::StopArgs>),
    /// Kill one or more running containers
    Kill(Lazy<commands::container::KillArgs>),
    /// Block until one or more containers stop, then print their exit codes
    Wait(Lazy<commands::container::NamesArgs>),
    /// Remove one or more containers
    Rm(Lazy<commands::container::RmArgs>),
    /// List containers
    Ps(Lazy<commands::container::PsArgs>),
    /// Fetch the logs of a container
    Logs(Lazy<commands::container::LogsArgs>),
    /// Attach local standard input, output, and error streams to a running container
    Attach(Lazy<commands::container::AttachArgs>),
    /// Display the running processes of a container
    Top(Lazy<commands::container::TopArgs>),
    /// Inspect changes to files or directories on a container's filesystem
    Diff(Lazy<commands::container::OneArg>),
    /// Export a container's filesystem as a tar archive
    Export(Lazy<commands::container::ExportArgs>),
    /// Create a new image from a container's changes
    Commit(Lazy<commands::container::CommitArgs>),
    /// Execute a command in a running container
    Exec(Lazy<commands::container::ExecArgs>),
    /// Copy files/folders between a container and the local filesystem
    Cp(Lazy<commands::container::CpArgs>),
    /// Pause all processes within one or more containers
    Pause(Lazy<commands::container::NamesArgs>),
    /// Unpause all processes within one or more containers
    Unpause(Lazy<commands::container::NamesArgs>),
    /// Rename a container
    Rename(Lazy<commands::container::RenameArgs>),
    /// Display a live stream of container(s) resource usage statistics
    Stats(Lazy<commands::container::StatsArgs>),
    /// List port mappings or a specific mapping for the container
    Port(Lazy<commands::container::OneArg>),
    /// Manage containers
    Container {
        #[command(subcommand)]
        command: ContainerCommand,
    },
    /// Manage volumes
    Volume {
        #[command(subcommand)]
        command: commands::volume::VolumeCommand,
    },
    /// Build an image from a Dockerfile
    Build(Lazy<commands::build::BuildArgs>),
    /// Import the contents from a tarball to create a filesystem image
    Import(Lazy<commands::image::ImportArgs>),
    /// List images
    Images(Lazy<commands::image::ImagesArgs>),
    /// Return low-level information on Docker objects
    Inspect(Lazy<commands::image::InspectArgs>),
    /// Show the history of an image
    History(Lazy<commands::image::HistoryArgs>),
    /// Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE
    Tag(Lazy<commands::image::TagArgs>),
    /// Remove one or more images
    Rmi(Lazy<commands::image::RmiArgs>),
    /// Save one or more images to a tar archive (streamed to STDOUT by default)
    Save(Lazy<commands::image::SaveArgs>),
    /// Load an image from a tar archive or STDIN
    Load(Lazy<commands::image::LoadArgs>),
    /// Show the version information
    Version,
    /// Display system-wide information
    Info,
}

#[derive(Subcommand)]
enum ContainerCommand {
    /// Remove all stopped containers
    Prune(Lazy<commands::container::PruneArgs>),
}

/// A subcommand's arguments, added to the parser only when that subcommand is the one used:
/// otherwise clap builds all ~140 arguments of every subcommand on each run (0.3 ms of the 8 ms
/// of a `dock run --rm`). Help, errors and parsing are unchanged.
struct Lazy<T>(T);

impl<T: clap::FromArgMatches> clap::FromArgMatches for Lazy<T> {
    fn from_arg_matches(m: &clap::ArgMatches) -> Result<Self, clap::Error> {
        T::from_arg_matches(m).map(Lazy)
    }
    fn update_from_arg_matches(&mut self, m: &clap::ArgMatches) -> Result<(), clap::Error> {
        self.0.update_from_arg_matches(m)
    }
}

impl<T: clap::Args> clap::Args for Lazy<T> {
    fn augment_args(cmd: clap::Command) -> clap::Command {
        cmd.defer(T::augment_args)
    }
    fn augment_args_for_update(cmd: clap::Command) -> clap::Command {
        cmd.defer(T::augment_args_for_update)
    }
    fn group_id() -> Option<clap::Id> {
        T::group_id()
    }
}

/// A command's failure: what to print and the exit code (docker: 1 for command errors).
pub struct Failure {
    pub code: u8,
    pub message: Option<String>,
}

impl From<engine::Error> for Failure {
    fn from(e: engine::Error) -> Failure {
        Failure { code: 1, message: Some(e.message().to_string()) }
    }
}

impl Failure {
    pub fn new(code: u8, message: impl Into<String>) -> Failure {
        Failure { code, message: Some(message.into()) }
    }
    /// Errors were already printed (e.g. `rmi a b` where one failed): only the exit code is left.
    pub fn silent(code: u8) -> Failure {
        Failure { code, message: None }
    }
}

pub type CmdResult = Result<(), Failure>;

/// `dock images | head -1`: stdout closed early ends dock quietly, as SIGPIPE ends docker (Rust
/// ignores SIGPIPE, which we keep so that a monitor closing its socket is an error, not a
/// death; `println!` then panics on EPIPE).
fn quiet_on_closed_stdout() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let msg = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or("");
        if msg.starts_with("failed printing to stdout") && msg.contains("Broken pipe") {
            std::process::exit(128 + libc::SIGPIPE);
        }
        default(info);
    }));
}

fn main() -> ExitCode {
    engine::trace::point("dock: main");
    quiet_on_closed_stdout();
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            // docker exits 125 on a usage error, 0 for --help/--version.
            return ExitCode::from(if e.use_stderr() { 125 } else { 0 });
        }
    };
    engine::trace::point("dock: parsed");
    let opts = engine::types::OpenOptions { root: cli.root.clone() };
    let engine = match engine::Engine::open(&opts) {
        Ok(e) => e,
        Err(e) => {
            eprintln!("Error: {e}");
            return ExitCode::from(125);
        }
    };
    engine::trace::point("dock: engine open");
    use commands::{container as c, image as i};
    let result = match cli.command {
        Command::Run(Lazy(a)) => c::run(&engine, a),
        Command::Create(Lazy(a)) => c::create(&engine, a),
        Command::Start(Lazy(a)) => c::start(&engine, a),
        Command::Stop(Lazy(a)) => c::stop(&engine, a),
        Command::Restart(Lazy(a)) => c::restart(&engine, a),
        Command::Kill(Lazy(a)) => c::kill(&engine, a),
        Command::Wait(Lazy(a)) => c::wait(&engine, a),
        Command::Rm(Lazy(a)) => c::rm(&engine, a),
        Command::Ps(Lazy(a)) => c::ps(&engine, a),
        Command::Logs(Lazy(a)) => c::logs(&engine, a),
        Command::Attach(Lazy(a)) => c::attach(&engine, a),
        Command::Top(Lazy(a)) => c::top(&engine, a),
        Command::Diff(Lazy(a)) => c::diff(&engine, a),
        Command::Export(Lazy(a)) => c::export(&engine, a),
        Command::Commit(Lazy(a)) => c::commit(&engine, a),
        Command::Exec(Lazy(a)) => c::exec(&engine, a),
        Command::Cp(Lazy(a)) => c::cp(&engine, a),
        Command::Pause(Lazy(a)) => c::pause(&engine, a),
        Command::Unpause(Lazy(a)) => c::unpause(&engine, a),
        Command::Rename(Lazy(a)) => c::rename(&engine, a),
        Command::Stats(Lazy(a)) => c::stats(&engine, a),
        Command::Port(Lazy(a)) => c::port(&engine, a),
        Command::Container { command: ContainerCommand::Prune(Lazy(a)) } => c::prune(&engine, a),
        Command::Volume { command } => commands::volume::run(&engine, command),
        Command::Build(Lazy(a)) => commands::build::build(&engine, a),
        Command::Import(Lazy(a)) => i::import(&engine, a),
        Command::Images(Lazy(a)) => i::images(&engine, a),
        Command::Inspect(Lazy(a)) => i::inspect(&engine, a),
        Command::History(Lazy(a)) => i::history(&engine, a),
        Command::Tag(Lazy(a)) => i::tag(&engine, a),
        Command::Rmi(Lazy(a)) => i::rmi(&engine, a),
        Command::Save(Lazy(a)) => i::save(&engine, a),
        Command::Load(Lazy(a)) => i::load(&engine, a),
        Command::Version => commands::system::version(&engine),
        Command::Info => commands::system::info(&engine),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) => {
            if let Some(m) = f.message {
                eprintln!("Error: {m}");
            }
            ExitCode::from(f.code)
        }
    }
}
