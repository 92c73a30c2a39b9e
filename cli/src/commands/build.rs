//! `dock build`: docker's flags and output over `Engine::image_build`.

use crate::{CmdResult, Failure};
use clap::{ArgAction, Args};
use engine::build::BuildContext;
use engine::options::{BuildFlags, Lookup};
use engine::stream::Output;
use engine::Engine;
use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(Args)]
pub struct BuildArgs {
    /// Name and optionally a tag in the 'name:tag' format
    #[arg(short = 't', long = "tag", value_name = "NAME[:TAG]")]
    tag: Vec<String>,
    /// Name of the Dockerfile (default: 'PATH/Dockerfile'); '-' reads it from stdin
    #[arg(short = 'f', long = "file", value_name = "PATH")]
    file: Option<String>,
    /// Set build-time variables
    #[arg(long = "build-arg", value_name = "NAME[=VALUE]")]
    build_arg: Vec<String>,
    /// Set the target build stage to build
    #[arg(long)]
    target: Option<String>,
    /// Do not use cache when building the image
    #[arg(long = "no-cache")]
    no_cache: bool,
    /// Suppress the build output and print image ID on success
    #[arg(short = 'q', long = "quiet")]
    quiet: bool,
    /// Set metadata for an image
    #[arg(long = "label", value_name = "KEY[=VALUE]")]
    label: Vec<String>,
    /// Remove intermediate containers after a build (--rm=false keeps them)
    #[arg(long = "rm", default_value_t = true, action = ArgAction::Set, num_args = 0..=1,
          require_equals = true, default_missing_value = "true", value_name = "BOOL")]
    rm: bool,
    /// Always remove intermediate containers
    #[arg(long = "force-rm")]
    force_rm: bool,
    /// Networking mode of the RUN instructions: none (default) or host
    #[arg(long = "network", value_name = "MODE")]
    network: Option<String>,
    /// Add a custom host-to-IP mapping (host:ip) to RUN containers
    #[arg(long = "add-host", value_name = "HOST:IP")]
    add_host: Vec<String>,
    /// Write the image ID to the file
    #[arg(long = "iidfile", value_name = "FILE")]
    iidfile: Option<PathBuf>,
    /// Memory limit of RUN containers
    #[arg(short = 'm', long = "memory")]
    memory: Option<String>,
    /// Swap limit of RUN containers equal to memory plus swap: '-1' to enable unlimited swap
    #[arg(long = "memory-swap")]
    memory_swap: Option<String>,
    /// CPU shares (relative weight) of RUN containers
    #[arg(short = 'c', long = "cpu-shares", default_value_t = 0)]
    cpu_shares: i64,
    /// Limit the CPU CFS period of RUN containers
    #[arg(long = "cpu-period", default_value_t = 0)]
    cpu_period: i64,
    /// Limit the CPU CFS quota of RUN containers
    #[arg(long = "cpu-quota", default_value_t = 0)]
    cpu_quota: i64,
    /// Always attempt to pull a newer version of the image (not supported: no registry)
    #[arg(long = "pull")]
    pull: bool,
    /// Set platform (only this host's)
    #[arg(long = "platform")]
    platform: Option<String>,
    /// The build context: a directory, or '-' for a tar or a Dockerfile on stdin
    #[arg(value_name = "PATH | -")]
    context: String,
}

pub fn build(engine: &Engine, a: BuildArgs) -> CmdResult {
    let flags = BuildFlags {
        tag: a.tag,
        target: a.target,
        no_cache: a.no_cache,
        quiet: a.quiet,
        label: a.label,
        rm: Some(a.rm),
        force_rm: a.force_rm,
        add_host: a.add_host,
        memory: a.memory,
        memory_swap: a.memory_swap,
        cpu_shares: a.cpu_shares,
        cpu_period: a.cpu_period,
        cpu_quota: a.cpu_quota,
        pull: a.pull,
        platform: a.platform,
        build_arg: a.build_arg,
    };
    // A refused flag: docker's exit status for usage errors.
    let mut opts = flags.options(&Lookup::process()).map_err(|e| Failure::new(125, e.message()))?;
    opts.network_mode = a.network.unwrap_or_default();
    if let Some(f) = &a.iidfile {
        // Never leave a stale id behind if this build fails.
        match std::fs::remove_file(f) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                return Err(Failure::new(1, format!("Removing image ID file: {e}")))
            }
            _ => {}
        }
    }

    let stdin_dockerfile = a.file.as_deref() == Some("-");
    let mut stdin_data;
    let (dir, dockerfile_text);
    let context = if a.context == "-" {
        if stdin_dockerfile {
            return Err(Failure::new(1, "invalid argument: can't use stdin for both build context and dockerfile"));
        }
        opts.dockerfile = a.file.unwrap_or_default();
        stdin_data = std::io::stdin().lock();
        BuildContext::Stream(&mut stdin_data)
    } else {
        if a.context.contains("://") || a.context.starts_with("git@") {
            return Err(Failure::new(
                1,
                format!("unable to prepare context: remote contexts are not supported: {}", a.context),
            ));
        }
        dir = PathBuf::from(&a.context);
        dockerfile_text = match a.file.as_deref() {
            None => None,
            Some("-") => {
                Some(engine::build::builder::read_dockerfile_from(std::io::stdin().lock(), "-").map_err(|e| Failure::new(1, e.message().to_string()))?)
            }
            // `-f` is relative to the current directory: inside the context it is named by its
            // path there, outside it its text is sent, as the docker CLI does.
            Some(f) => match inside(&dir, Path::new(f)) {
                Some(rel) => {
                    opts.dockerfile = rel;
                    None
                }
                None => {
                    opts.dockerfile = f.to_string();
                    let fail = |e: &dyn std::fmt::Display| {
                        Failure::new(1, format!("unable to prepare context: unable to read Dockerfile {f}: {e}"))
                    };
                    let file = std::fs::File::open(f).map_err(|e| fail(&e))?;
                    Some(engine::build::builder::read_dockerfile_from(file, f).map_err(|e| fail(&e.message()))?)
                }
            },
        };
        BuildContext::Dir { path: &dir, dockerfile: dockerfile_text }
    };

    let quiet = opts.quiet;
    let mut bar = crate::output::Bar::new(quiet);
    let mut streamed = false;
    let mut held = String::new();
    let mut image_id = None;
    let mut progress = |o: Output<'_>| {
        let Output::Message(m) = o else { return Ok(()) };
        // Downloads (ADD <url>) draw a bar on a terminal.
        bar.update(m);
        if let Some(s) = &m.stream {
            bar.done();
            streamed = true;
            if quiet {
                held.push_str(s);
            } else {
                let mut o = std::io::stdout().lock();
                let _ = o.write_all(s.as_bytes());
                let _ = o.flush();
            }
        }
        if let Some(id) = m.aux.as_ref().and_then(|a| a.get("ID")).and_then(|v| v.as_str()) {
            image_id = Some(id.to_string());
        }
        Ok(())
    };
    let result = engine.image_build(context, &opts, &mut progress);
    bar.done();
    match result {
        Ok(id) => {
            if quiet {
                print!("{held}");
            }
            if let Some(f) = &a.iidfile {
                let id = image_id.unwrap_or(id);
                std::fs::write(f, id).map_err(|e| Failure::new(1, format!("Cannot write image ID file: {e}")))?;
            }
            Ok(())
        }
        Err(e) => {
            if quiet {
                eprint!("{held}");
            }
            // An error after the build started streaming reads as Docker's in-stream errors;
            // before, as an error response.
            let msg = e.message();
            if streamed {
                eprintln!("{msg}");
            } else {
                eprintln!("Error: {msg}");
            }
            Err(Failure::silent(exit_code(&e)))
        }
    }
}

/// docker build exits with a failed RUN's exit code (the error's details carry it); else 1.
fn exit_code(e: &engine::Error) -> u8 {
    e.details().exit_code.map(|n| u8::try_from(n.rem_euclid(256)).unwrap_or(1)).filter(|n| *n != 0).unwrap_or(1)
}

/// `file` (relative to the current directory) as a path inside `dir`, if it is in it.
fn inside(dir: &Path, file: &Path) -> Option<String> {
    let dir = dir.canonicalize().ok()?;
    let file = file.canonicalize().ok()?;
    file.strip_prefix(&dir).ok().map(|p| p.to_string_lossy().into_owned())
}
