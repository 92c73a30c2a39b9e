//! libdocker's engine: the one façade ([`Engine`]) over an image store, safe archives and
//! containers. It knows nothing of its front ends (CLI, HTTP, C, Python, Node):
//! they all call [`Engine`] with the Engine API's own JSON types ([`types`]) and get
//! [`Error`]s of one taxonomy ([`ErrorKind`]).

pub mod archive;
pub mod build;
pub mod container;
pub mod digest;
pub mod engine;
pub mod error;
pub mod image;
pub mod runtime;
pub mod safefs;
pub mod store;
pub mod stream;
pub mod system;
pub mod trace;
pub mod types;
pub mod volume;

pub use engine::Engine;

/// The container monitor's entry point (the `libdocker-monitor` binary and the ffi's embedded
/// copy): the runtime's monitor, with the container layer's after-exit work.
pub fn monitor_main() -> i32 {
    runtime::monitor::main(&container::remove::AutoRemove)
}
pub use error::{Error, ErrorKind, Result};
