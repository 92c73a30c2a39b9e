//! libdocker's engine: the one façade ([`Engine`]) over an image store, safe archives and
//! containers. It knows nothing of its front ends (CLI, HTTP, C, Python, Node):
//! they all call [`Engine`] with the Engine API's own JSON types ([`types`]) and get
//! [`Error`]s of one taxonomy ([`ErrorKind`]).

// The front ends' surface: the façade, its types, errors and streams, and docker's option
// grammar. Also public, for programs outside this crate that are part of the engine: `runtime`
// (the monitor binary), `archive`, `build`, `digest`, `safefs` (the integration tests, the fuzz
// targets; `build::BuildContext` is an argument of the façade) and `trace` (profiling points).
pub mod archive;
pub mod build;
pub(crate) mod container;
pub mod digest;
mod engine;
pub mod error;
pub(crate) mod image;
pub mod options;
pub mod runtime;
pub mod safefs;
pub(crate) mod store;
pub mod stream;
pub(crate) mod system;
pub mod trace;
pub mod types;
pub(crate) mod volume;

pub use engine::Engine;

/// The container monitor's entry point (the `libdocker-monitor` binary and the ffi's embedded
/// copy): the runtime's monitor, with the container layer's after-exit work.
pub fn monitor_main() -> i32 {
    runtime::monitor::main(&container::remove::AutoRemove)
}
pub use error::{Error, ErrorKind, Result};
