//! libdocker's C ABI: `libdocker.so` / `libdocker.a` and the generated `include/docker.h`.
//!
//! A thin adapter over [`engine::Engine`] (ARCHITECTURE.md rule 1): every function checks its
//! pointers, turns C strings into `&str`, parses the Engine API JSON documents with the engine's
//! own serde types (rule 2), calls one façade method inside a panic boundary, and reports an
//! [`engine::ErrorKind`] as its stable number (rule 3). The rules a C caller relies on are written
//! at the top of the header (`cbindgen.toml`'s `header`) and kept by [`boundary`].
//!
//! Nothing here declares an option struct: the C caller sends the same JSON document as the HTTP
//! body.

#![allow(non_camel_case_types)]
#![deny(unsafe_op_in_unsafe_fn)]

// The header lists the functions in this order (cbindgen follows the modules as declared).
mod boundary;
// the library and the engine handle
mod system;
// images
mod image;
// containers and execs
mod container;
// volumes
mod volume;

pub use boundary::{docker_code, docker_engine, docker_error, docker_stream_cb};

use std::os::raw::c_int;

// ---- version ---------------------------------------------------------------------------------
//
// DOCKER_VERSION_MAJOR/_MINOR/_PATCH/_STRING are written into the header by its generator
// (ffi/tests/header.rs) from this crate's Cargo.toml version, the same one that `docker_version()`
// returns: there is no second copy to keep in step.

// ---- result codes ----------------------------------------------------------------------------
//
// 0 is success. 1 to 999 are engine::ErrorKind's numbers (the engine may add kinds there; each C
// macro is DOCKER_E + the kind's name in capitals). 1000 and up were first issued by the C
// boundary: NULL, UTF-8 and panic remain C's own; Canceled (1004) became an engine kind when the
// engine learnt to be cancelled, keeping its number. A number, once published, keeps its meaning
// forever and is never reused.

/// Success.
pub const DOCKER_OK: docker_code = 0;
/// The named object (image, container, exec, volume, file) does not exist ("No such container: x").
pub const DOCKER_ENOTFOUND: docker_code = 1;
/// The request conflicts with the current state (name in use, image in use, not running).
pub const DOCKER_ECONFLICT: docker_code = 2;
/// Malformed or out-of-range input: bad reference, bad tar, malformed JSON ("invalid JSON: …").
pub const DOCKER_EINVALIDARGUMENT: docker_code = 3;
/// Nothing to do: already started, already stopped.
pub const DOCKER_ENOTMODIFIED: docker_code = 4;
/// The operation is not allowed (read-only target, unprivileged).
pub const DOCKER_EPERMISSIONDENIED: docker_code = 5;
/// A valid request for something this engine does not do.
pub const DOCKER_EUNSUPPORTED: docker_code = 6;
/// The operating system refused an operation (disk full, I/O error).
pub const DOCKER_EIO: docker_code = 7;
/// A bug or broken invariant inside the engine.
pub const DOCKER_EINTERNAL: docker_code = 8;
/// Stored data failed verification (digest mismatch on read).
pub const DOCKER_ECORRUPT: docker_code = 9;
/// A pointer argument that must not be NULL was NULL (the message names the argument).
pub const DOCKER_ENULL: docker_code = 1001;
/// A string argument is not valid UTF-8 (the message names the argument and the byte offset).
pub const DOCKER_EUTF8: docker_code = 1002;
/// A bug: a Rust panic was stopped at the C boundary. The engine handle stays usable.
pub const DOCKER_EPANIC: docker_code = 1003;
/// The operation was stopped: the stream callback returned non-zero. Nothing it was making is left.
pub const DOCKER_ECANCELED: docker_code = 1004;

// ---- streams ---------------------------------------------------------------------------------

/// `stream` value of a callback call: the container's standard output (raw bytes).
pub const DOCKER_STREAM_STDOUT: c_int = 1;
/// `stream` value of a callback call: the container's standard error (raw bytes).
pub const DOCKER_STREAM_STDERR: c_int = 2;
/// `stream` value of a callback call: one complete Engine API JSON message (Docker's
/// `jsonmessage`: `{"status": …}`, `{"stream": …}`, `{"id", "progressDetail"}`, `{"error"}`),
/// without a trailing newline and not NUL-terminated. Used by progress and build output.
pub const DOCKER_STREAM_JSON: c_int = 3;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn docker_version_is_cargo_toml_version() {
        // SAFETY: docker_version returns a static NUL-terminated string.
        let v = unsafe { std::ffi::CStr::from_ptr(system::docker_version()) };
        assert_eq!(v.to_str().unwrap(), env!("CARGO_PKG_VERSION"));
    }

    /// Every engine kind has its C macro with the same number; C-only codes never collide.
    #[test]
    fn codes_match_the_engine_taxonomy() {
        let c_codes = [
            DOCKER_ENOTFOUND,
            DOCKER_ECONFLICT,
            DOCKER_EINVALIDARGUMENT,
            DOCKER_ENOTMODIFIED,
            DOCKER_EPERMISSIONDENIED,
            DOCKER_EUNSUPPORTED,
            DOCKER_EIO,
            DOCKER_EINTERNAL,
            DOCKER_ECORRUPT,
            DOCKER_ECANCELED,
        ];
        assert_eq!(c_codes.len(), engine::ErrorKind::ALL.len(), "a new ErrorKind needs its DOCKER_E macro");
        for (kind, c) in engine::ErrorKind::ALL.into_iter().zip(c_codes) {
            assert_eq!(kind.code(), c, "{kind:?}");
            assert!((1..1000).contains(&c) || kind == engine::ErrorKind::Canceled);
            assert_eq!(boundary::code_name(c), kind.name());
        }
        let only_c = [DOCKER_ENULL, DOCKER_EUTF8, DOCKER_EPANIC];
        for c in only_c {
            assert!(c >= 1000, "C-only codes live at 1000 and up");
            assert_ne!(boundary::code_name(c), "Unknown");
        }
        let mut all: Vec<_> = c_codes.iter().chain(&only_c).chain([&DOCKER_OK]).collect();
        all.sort();
        all.dedup();
        assert_eq!(all.len(), c_codes.len() + only_c.len() + 1, "codes must be unique");
    }

    /// The header names every kind's macro as `DOCKER_E` + the kind's name in capitals.
    #[test]
    fn macro_names_follow_the_kind_names() {
        let header = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../include/docker.h")).unwrap();
        for kind in engine::ErrorKind::ALL {
            let line = format!("#define DOCKER_E{} {}", kind.name().to_uppercase(), kind.code());
            assert!(header.contains(&line), "include/docker.h lacks `{line}`");
        }
        let lines = [
            format!("#define DOCKER_VERSION_MAJOR {}", env!("CARGO_PKG_VERSION_MAJOR")),
            format!("#define DOCKER_VERSION_MINOR {}", env!("CARGO_PKG_VERSION_MINOR")),
            format!("#define DOCKER_VERSION_PATCH {}", env!("CARGO_PKG_VERSION_PATCH")),
            format!("#define DOCKER_VERSION_STRING \"{}\"", env!("CARGO_PKG_VERSION")),
        ];
        for line in lines {
            assert!(header.contains(&line), "include/docker.h lacks `{line}` (the Cargo.toml version)");
        }
    }
}
