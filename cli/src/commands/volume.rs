//! `volume create|ls|inspect|rm|prune`.

use crate::format::{human_size, table};
use crate::{CmdResult, Failure};
use clap::{Args, Subcommand};
use engine::types::VolumeCreateOptions;
use engine::Engine;
use std::io::IsTerminal;

#[derive(Subcommand)]
pub enum VolumeCommand {
    /// Create a volume
    Create {
        /// Set metadata for a volume
        #[arg(short = 'l', long = "label")]
        label: Vec<String>,
        /// Specify volume driver name
        #[arg(short = 'd', long = "driver", default_value = "local")]
        driver: String,
        name: Option<String>,
    },
    /// List volumes
    #[command(visible_alias = "list")]
    Ls {
        /// Only display volume names
        #[arg(short = 'q', long = "quiet")]
        quiet: bool,
    },
    /// Display detailed information on one or more volumes
    Inspect {
        #[arg(required = true)]
        names: Vec<String>,
    },
    /// Remove one or more volumes
    #[command(visible_alias = "remove")]
    Rm(RmArgs),
    /// Remove unused local volumes
    Prune {
        /// Remove all unused volumes, not just anonymous ones
        #[arg(short = 'a', long = "all")]
        all: bool,
        /// Do not prompt for confirmation
        #[arg(short = 'f', long = "force")]
        force: bool,
    },
}

#[derive(Args)]
pub struct RmArgs {
    /// Force the removal of one or more volumes
    #[arg(short = 'f', long = "force")]
    force: bool,
    #[arg(required = true)]
    names: Vec<String>,
}

pub fn run(engine: &Engine, cmd: VolumeCommand) -> CmdResult {
    match cmd {
        VolumeCommand::Create { label, driver, name } => {
            let labels = engine::options::labels("--label", &[], &label).map_err(|e| Failure::new(125, e.message()))?;
            let v = engine.volume_create(&VolumeCreateOptions {
                name: name.unwrap_or_default(),
                driver,
                labels,
                ..Default::default()
            })?;
            println!("{}", v.name);
        }
        VolumeCommand::Ls { quiet } => {
            let list = engine.volume_list()?;
            if quiet {
                for v in &list.volumes {
                    println!("{}", v.name);
                }
            } else {
                let mut rows = vec![vec!["DRIVER".to_string(), "VOLUME NAME".into()]];
                rows.extend(list.volumes.iter().map(|v| vec![v.driver.clone(), v.name.clone()]));
                print!("{}", table(&rows));
            }
        }
        VolumeCommand::Inspect { names } => {
            let mut docs = Vec::new();
            let mut failed = false;
            for n in &names {
                match engine.volume_inspect(n) {
                    Ok(v) => docs.push(serde_json::to_value(v).expect("volume json")),
                    Err(e) => {
                        eprintln!("Error: {e}");
                        failed = true;
                    }
                }
            }
            super::image::print_json_indent(&serde_json::Value::Array(docs));
            if failed {
                return Err(Failure::silent(1));
            }
        }
        VolumeCommand::Rm(a) => {
            let mut failed = false;
            for n in &a.names {
                match engine.volume_remove(n, a.force) {
                    Ok(()) => println!("{n}"),
                    Err(e) => {
                        eprintln!("Error response from daemon: {e}");
                        failed = true;
                    }
                }
            }
            if failed {
                return Err(Failure::silent(1));
            }
        }
        VolumeCommand::Prune { all, force } => {
            if !force && std::io::stdin().is_terminal() {
                eprint!("WARNING! This will remove anonymous local volumes not used by at least one container.\nAre you sure you want to continue? [y/N] ");
                let mut answer = String::new();
                let _ = std::io::stdin().read_line(&mut answer);
                if !answer.trim().eq_ignore_ascii_case("y") {
                    return Ok(());
                }
            }
            let r = engine.volume_prune(all)?;
            if !r.volumes_deleted.is_empty() {
                println!("Deleted Volumes:");
                for v in &r.volumes_deleted {
                    println!("{v}");
                }
                println!();
            }
            println!("Total reclaimed space: {}", human_size(r.space_reclaimed as i64));
        }
    }
    Ok(())
}
