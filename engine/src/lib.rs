//! libdocker's engine: the one façade ([`Engine`]) over an image store, safe archives and
//! (in later issues) containers. It knows nothing of its front ends (CLI, HTTP, C, Python, Node):
//! they all call [`Engine`] with the Engine API's own JSON types ([`types`]) and get
//! [`Error`]s of one taxonomy ([`ErrorKind`]).

pub mod archive;
pub mod build;
pub mod digest;
pub mod error;
pub mod runtime;
pub mod safefs;
pub mod store;
pub mod types;

pub use error::{Error, ErrorKind, Result};
