//! Image operations over the store: import, list/inspect/history, tag/rmi, save, load.

pub mod changes;
pub mod import;
pub mod load;
pub mod progress;
pub mod query;
pub mod remove;
pub mod resolve;
pub mod save;

use crate::error::{Error, Result};

/// The host's architecture in Docker's terms.
pub fn host_arch() -> &'static str {
    match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        "x86" => "386",
        other => other,
    }
}

/// `os/arch` of a new image: `--platform` if given (only linux, only this host's architecture:
/// we cannot run anything else), else the host's.
pub fn platform(requested: Option<&str>) -> Result<(String, String)> {
    let host = ("linux".to_string(), host_arch().to_string());
    let Some(p) = requested.filter(|p| !p.is_empty()) else { return Ok(host) };
    let mut parts = p.split('/');
    let (os, arch) = (parts.next().unwrap_or(""), parts.next().unwrap_or(host_arch()));
    if os != "linux" || arch != host_arch() {
        return Err(Error::invalid(format!("unsupported platform {p:?}: this engine runs linux/{} only", host_arch())));
    }
    Ok(host)
}
