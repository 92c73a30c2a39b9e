//! `dock`: docker's verbs and flags over the engine, in process (no daemon). argv → one façade
//! call → docker's output and exit codes. Nothing here knows how the engine works.

mod commands;
mod format;
mod progress;
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
    Run(commands::container::RunArgs),
    /// Create a new container
    Create(commands::container::CreateArgs),
    /// Start one or more stopped containers
    Start(commands::container::StartArgs),
    /// Stop one or more running containers
    Stop(commands::container::StopArgs),
    /// Restart one or more containers
    Restart(commands::container::StopArgs),
    /// Kill one or more running containers
    Kill(commands::container::KillArgs),
    /// Block until one or more containers stop, then print their exit codes
    Wait(commands::container::NamesArgs),
    /// Remove one or more containers
    Rm(commands::container::RmArgs),
    /// List containers
    Ps(commands::container::PsArgs),
    /// Fetch the logs of a container
    Logs(commands::container::LogsArgs),
    /// Attach local standard input, output, and error streams to a running container
    Attach(commands::container::AttachArgs),
    /// Display the running processes of a container
    Top(commands::container::TopArgs),
    /// Inspect changes to files or directories on a container's filesystem
    Diff(commands::container::OneArg),
    /// Export a container's filesystem as a tar archive
    Export(commands::container::ExportArgs),
    /// Create a new image from a container's changes
    Commit(commands::container::CommitArgs),
    /// Execute a command in a running container
    Exec(commands::container::ExecArgs),
    /// Copy files/folders between a container and the local filesystem
    Cp(commands::container::CpArgs),
    /// Pause all processes within one or more containers
    Pause(commands::container::NamesArgs),
    /// Unpause all processes within one or more containers
    Unpause(commands::container::NamesArgs),
    /// Rename a container
    Rename(commands::container::RenameArgs),
    /// Display a live stream of container(s) resource usage statistics
    Stats(commands::container::StatsArgs),
    /// List port mappings or a specific mapping for the container
    Port(commands::container::OneArg),
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
    Build(commands::build::BuildArgs),
    /// Import the contents from a tarball to create a filesystem image
    Import(commands::image::ImportArgs),
    /// List images
    Images(commands::image::ImagesArgs),
    /// Return low-level information on Docker objects
    Inspect(commands::image::InspectArgs),
    /// Show the history of an image
    History(commands::image::HistoryArgs),
    /// Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE
    Tag(commands::image::TagArgs),
    /// Remove one or more images
    Rmi(commands::image::RmiArgs),
    /// Save one or more images to a tar archive (streamed to STDOUT by default)
    Save(commands::image::SaveArgs),
    /// Load an image from a tar archive or STDIN
    Load(commands::image::LoadArgs),
    /// Show the version information
    Version,
    /// Display system-wide information
    Info,
}

#[derive(Subcommand)]
enum ContainerCommand {
    /// Remove all stopped containers
    Prune(commands::container::PruneArgs),
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
        Command::Run(a) => c::run(&engine, a),
        Command::Create(a) => c::create(&engine, a),
        Command::Start(a) => c::start(&engine, a),
        Command::Stop(a) => c::stop(&engine, a),
        Command::Restart(a) => c::restart(&engine, a),
        Command::Kill(a) => c::kill(&engine, a),
        Command::Wait(a) => c::wait(&engine, a),
        Command::Rm(a) => c::rm(&engine, a),
        Command::Ps(a) => c::ps(&engine, a),
        Command::Logs(a) => c::logs(&engine, a),
        Command::Attach(a) => c::attach(&engine, a),
        Command::Top(a) => c::top(&engine, a),
        Command::Diff(a) => c::diff(&engine, a),
        Command::Export(a) => c::export(&engine, a),
        Command::Commit(a) => c::commit(&engine, a),
        Command::Exec(a) => c::exec(&engine, a),
        Command::Cp(a) => c::cp(&engine, a),
        Command::Pause(a) => c::pause(&engine, a),
        Command::Unpause(a) => c::unpause(&engine, a),
        Command::Rename(a) => c::rename(&engine, a),
        Command::Stats(a) => c::stats(&engine, a),
        Command::Port(a) => c::port(&engine, a),
        Command::Container { command: ContainerCommand::Prune(a) } => c::prune(&engine, a),
        Command::Volume { command } => commands::volume::run(&engine, command),
        Command::Build(a) => commands::build::build(&engine, a),
        Command::Import(a) => i::import(&engine, a),
        Command::Images(a) => i::images(&engine, a),
        Command::Inspect(a) => i::inspect(&engine, a),
        Command::History(a) => i::history(&engine, a),
        Command::Tag(a) => i::tag(&engine, a),
        Command::Rmi(a) => i::rmi(&engine, a),
        Command::Save(a) => i::save(&engine, a),
        Command::Load(a) => i::load(&engine, a),
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
