//! `--change` of `import` and `commit`: Dockerfile instructions that edit the config (Docker's
//! `BuildFromConfig`): CMD, ENTRYPOINT, ENV, EXPOSE, HEALTHCHECK, LABEL, ONBUILD, STOPSIGNAL,
//! USER, VOLUME, WORKDIR. Variables expand against the config's own environment.

use crate::build::{config, dockerfile};
use crate::error::{Error, Result};
use crate::types::RunConfig;

pub fn apply(mut cfg: RunConfig, changes: &[String]) -> Result<RunConfig> {
    for change in changes {
        let instr =
            dockerfile::parse_change(change).map_err(|e| Error::invalid(format!("invalid change {change:?}: {e}")))?;
        if !config::is_config_instruction(&instr) || matches!(instr.command, dockerfile::Command::Shell(_)) {
            return Err(Error::invalid(format!("{} is not a valid change command", instr.name())));
        }
        let env = cfg.env.clone().unwrap_or_default();
        let lookup =
            |k: &str| env.iter().find_map(|e| e.strip_prefix(k).and_then(|r| r.strip_prefix('=')).map(str::to_string));
        let instr = instr.expand('\\', lookup)?;
        config::apply(&mut cfg, &instr)?;
    }
    Ok(cfg)
}
