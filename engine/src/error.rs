//! The one error taxonomy (ARCHITECTURE.md rule 3).
//!
//! Every failure of the engine is an [`Error`]: a [`ErrorKind`] chosen by what the caller can do
//! about it, a message for people (Docker's wording where clients parse it: "No such image: x",
//! "No such container: x"), structured [`ErrorDetails`] for what front ends must act on (never
//! parsed out of the message), and the underlying OS error kept for logs.
//!
//! Each kind has a stable number that is never reused; the front ends map the kind exactly once
//! each: HTTP status ([`ErrorKind::http_status`]), C code (`DOCKER_E*` = the number), Python
//! exception class and JS `err.code` ([`ErrorKind::name`]).
//!
//! How kinds are chosen:
//! - the caller named something that does not exist → `NotFound` (said where the lookup is made:
//!   an OS `ENOENT` alone means nothing to the caller and is `Io`, see [`IoContext::ctx_lookup`]);
//! - the caller's input is malformed, or names a command the container cannot run → `InvalidArgument`;
//! - the operating system failed us (disk full, I/O) → `Io`; a broken invariant of ours → `Internal`;
//! - the caller stopped the operation (a stream callback said stop, a token was cancelled, the
//!   HTTP client went away) → `Canceled`.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::sync::Arc;

/// What went wrong, in the terms a caller can act on. Numbers are stable and never reused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(i32)]
pub enum ErrorKind {
    /// The named object (image, container, volume, network, file) does not exist. HTTP 404.
    NotFound = 1,
    /// The request conflicts with the current state (name in use, image in use, not running). HTTP 409.
    Conflict = 2,
    /// The caller's input is malformed or out of range (bad reference, bad tar, bad JSON, a command
    /// that cannot be executed). HTTP 400.
    InvalidArgument = 3,
    /// Nothing to do: already started, already stopped. HTTP 304.
    NotModified = 4,
    /// The operation is not allowed (read-only target, unprivileged). HTTP 403.
    PermissionDenied = 5,
    /// A valid request for something this engine does not do. HTTP 501.
    Unsupported = 6,
    /// The operating system refused an operation (disk full, I/O error). HTTP 500.
    Io = 7,
    /// A bug or broken invariant inside the engine. HTTP 500.
    Internal = 8,
    /// Stored data failed verification (digest mismatch on read). HTTP 500.
    Corrupt = 9,
    /// The caller stopped the operation before it finished; nothing it was making is left behind.
    /// The number is the one the C ABI issued first (`DOCKER_ECANCELED`) and keeps.
    Canceled = 1004,
}

impl ErrorKind {
    pub const ALL: [ErrorKind; 10] = [
        ErrorKind::NotFound,
        ErrorKind::Conflict,
        ErrorKind::InvalidArgument,
        ErrorKind::NotModified,
        ErrorKind::PermissionDenied,
        ErrorKind::Unsupported,
        ErrorKind::Io,
        ErrorKind::Internal,
        ErrorKind::Corrupt,
        ErrorKind::Canceled,
    ];

    /// The stable number (also the C `docker_code`).
    pub fn code(self) -> i32 {
        self as i32
    }

    pub fn from_code(code: i32) -> Option<ErrorKind> {
        Self::ALL.into_iter().find(|k| k.code() == code)
    }

    /// The stable name: the JS `err.code`, the Python exception class, the C macro suffix.
    pub fn name(self) -> &'static str {
        match self {
            ErrorKind::NotFound => "NotFound",
            ErrorKind::Conflict => "Conflict",
            ErrorKind::InvalidArgument => "InvalidArgument",
            ErrorKind::NotModified => "NotModified",
            ErrorKind::PermissionDenied => "PermissionDenied",
            ErrorKind::Unsupported => "Unsupported",
            ErrorKind::Io => "Io",
            ErrorKind::Internal => "Internal",
            ErrorKind::Corrupt => "Corrupt",
            ErrorKind::Canceled => "Canceled",
        }
    }

    pub fn from_name(name: &str) -> Option<ErrorKind> {
        Self::ALL.into_iter().find(|k| k.name() == name)
    }

    /// The HTTP status of the Engine API for this kind (moby `httpstatus`). A canceled request
    /// has nobody left to read its status; 499 (nginx's "client closed request") is what a log
    /// or a proxy sees.
    pub fn http_status(self) -> u16 {
        match self {
            ErrorKind::NotFound => 404,
            ErrorKind::Conflict => 409,
            ErrorKind::InvalidArgument => 400,
            ErrorKind::NotModified => 304,
            ErrorKind::PermissionDenied => 403,
            ErrorKind::Unsupported => 501,
            ErrorKind::Io | ErrorKind::Internal | ErrorKind::Corrupt => 500,
            ErrorKind::Canceled => 499,
        }
    }
}

/// Why a container's (or an exec's) process could not be executed. The docker CLI turns these
/// into exit codes 127 and 126.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum StartFailure {
    /// The command does not exist (exit 127).
    CommandNotFound,
    /// The command exists but cannot be executed: a directory, no permission (exit 126).
    CommandNotExecutable,
}

/// The failing step of a build.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct BuildStep {
    /// 1-based, as `Step N/M` prints it.
    pub number: usize,
    pub total: usize,
    /// The instruction as written (`RUN make`).
    pub instruction: String,
}

/// What a front end needs to act on a failure, beyond its kind: never parsed out of the message.
/// The C ABI, Python and Node see it as JSON (these PascalCase names); absent fields are unknown.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct ErrorDetails {
    /// The exit status that goes with the failure: a `RUN` step's code, a container or exec that
    /// could not start (126, 127, else 125 as docker).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exit_code: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_failure: Option<StartFailure>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub build_step: Option<BuildStep>,
}

impl ErrorDetails {
    pub fn is_empty(&self) -> bool {
        *self == ErrorDetails::default()
    }
}

/// An engine error. Cheap to clone (the source is shared).
#[derive(Clone)]
pub struct Error {
    kind: ErrorKind,
    message: String,
    details: ErrorDetails,
    /// The OS (or library) error this one came from, for logs and `std::error::Error::source`.
    source: Option<Arc<dyn std::error::Error + Send + Sync>>,
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Error {
        Error { kind, message: message.into(), details: ErrorDetails::default(), source: None }
    }
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }
    pub fn message(&self) -> &str {
        &self.message
    }
    pub fn details(&self) -> &ErrorDetails {
        &self.details
    }

    /// The same error with these details merged in (fields already set are kept).
    pub fn with_details(mut self, d: ErrorDetails) -> Error {
        let cur = &mut self.details;
        cur.exit_code = cur.exit_code.or(d.exit_code);
        cur.start_failure = cur.start_failure.or(d.start_failure);
        if cur.build_step.is_none() {
            cur.build_step = d.build_step;
        }
        self
    }
    pub fn with_exit_code(self, code: i64) -> Error {
        self.with_details(ErrorDetails { exit_code: Some(code), ..Default::default() })
    }
    /// The same error under another kind (a lookup turning an `Io` into `NotFound`).
    pub fn with_kind(mut self, kind: ErrorKind) -> Error {
        self.kind = kind;
        self
    }

    pub fn not_found(m: impl Into<String>) -> Error {
        Error::new(ErrorKind::NotFound, m)
    }
    pub fn conflict(m: impl Into<String>) -> Error {
        Error::new(ErrorKind::Conflict, m)
    }
    pub fn invalid(m: impl Into<String>) -> Error {
        Error::new(ErrorKind::InvalidArgument, m)
    }
    pub fn not_modified(m: impl Into<String>) -> Error {
        Error::new(ErrorKind::NotModified, m)
    }
    pub fn permission(m: impl Into<String>) -> Error {
        Error::new(ErrorKind::PermissionDenied, m)
    }
    pub fn unsupported(m: impl Into<String>) -> Error {
        Error::new(ErrorKind::Unsupported, m)
    }
    pub fn internal(m: impl Into<String>) -> Error {
        Error::new(ErrorKind::Internal, m)
    }
    pub fn corrupt(m: impl Into<String>) -> Error {
        Error::new(ErrorKind::Corrupt, m)
    }
    /// The operation was stopped by its caller.
    pub fn canceled() -> Error {
        Error::new(ErrorKind::Canceled, "canceled")
    }

    /// An OS error with what we were doing, e.g. `Error::io("write /x/y", e)`: kind `Io` whatever
    /// the errno (an `ENOENT` deep inside an operation is not the caller's "no such object"; a
    /// lookup says so itself with [`IoContext::ctx_lookup`]). An [`Error`] of ours carried
    /// through a `Read`/`Write` chain comes back out as itself.
    pub fn io(context: impl fmt::Display, err: impl Into<std::io::Error>) -> Error {
        let err: std::io::Error = err.into();
        if let Some(inner) = err.get_ref().and_then(|e| e.downcast_ref::<Error>()) {
            return inner.clone();
        }
        let message = format!("{context}: {}", io_message(&err));
        Error { kind: ErrorKind::Io, message, details: ErrorDetails::default(), source: Some(Arc::new(err)) }
    }

    /// The same error with more context in front: "loading layer 2: <message>".
    pub fn context(mut self, what: impl fmt::Display) -> Error {
        self.message = format!("{what}: {}", self.message);
        self
    }

    /// Wrap for transport through `std::io::Read`/`Write` chains; [`Error::io`] unwraps it again.
    pub fn into_io(self) -> std::io::Error {
        std::io::Error::other(self)
    }

    /// The errno of the underlying OS error, if there is one.
    pub fn raw_os_error(&self) -> Option<i32> {
        self.source.as_ref()?.downcast_ref::<std::io::Error>()?.raw_os_error()
    }
}

/// `std::io::Error`'s text without Rust's ` (os error N)` suffix: the errno's own words, as
/// Docker prints them ("No space left on device").
fn io_message(e: &std::io::Error) -> String {
    let s = e.to_string();
    match s.rfind(" (os error ") {
        Some(i) if s.ends_with(')') => s[..i].to_string(),
        _ => s,
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Error");
        d.field("kind", &self.kind).field("message", &self.message);
        if !self.details.is_empty() {
            d.field("details", &self.details);
        }
        if let Some(s) = &self.source {
            d.field("source", s);
        }
        d.finish()
    }
}

/// Two errors are equal when a caller could not tell them apart: kind, message and details.
impl PartialEq for Error {
    fn eq(&self, other: &Error) -> bool {
        self.kind == other.kind && self.message == other.message && self.details == other.details
    }
}
impl Eq for Error {}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source.as_deref().map(|e| e as &(dyn std::error::Error + 'static))
    }
}

impl From<serde_json::Error> for Error {
    fn from(e: serde_json::Error) -> Error {
        Error::invalid(format!("invalid JSON: {e}"))
    }
}

/// `.ctx("reading x")?` on io results.
pub trait IoContext<T> {
    /// An OS failure while doing `what`: kind `Io`.
    fn ctx(self, what: impl fmt::Display) -> Result<T>;
    /// A lookup of something the caller named (an input file, a path in a container): `ENOENT`
    /// means it does not exist (`NotFound`); anything else is `Io`.
    fn ctx_lookup(self, what: impl fmt::Display) -> Result<T>;
}

impl<T> IoContext<T> for std::io::Result<T> {
    fn ctx(self, what: impl fmt::Display) -> Result<T> {
        self.map_err(|e| Error::io(what, e))
    }
    fn ctx_lookup(self, what: impl fmt::Display) -> Result<T> {
        self.map_err(|e| lookup_error(Error::io(what, e)))
    }
}

impl<T> IoContext<T> for rustix::io::Result<T> {
    fn ctx(self, what: impl fmt::Display) -> Result<T> {
        self.map_err(|e| Error::io(what, std::io::Error::from(e)))
    }
    fn ctx_lookup(self, what: impl fmt::Display) -> Result<T> {
        self.map_err(|e| lookup_error(Error::io(what, std::io::Error::from(e))))
    }
}

impl<T> IoContext<T> for Result<T> {
    fn ctx(self, what: impl fmt::Display) -> Result<T> {
        self.map_err(|e| e.context(what))
    }
    fn ctx_lookup(self, what: impl fmt::Display) -> Result<T> {
        self.map_err(|e| lookup_error(e.context(what)))
    }
}

/// `ENOENT` from a lookup: the named thing does not exist.
pub fn lookup_error(e: Error) -> Error {
    match e.raw_os_error() {
        Some(libc::ENOENT) if e.kind == ErrorKind::Io => e.with_kind(ErrorKind::NotFound),
        _ => e,
    }
}

/// Kinds carried by `std::io::Error` round trips stay intact.
impl From<Error> for std::io::Error {
    fn from(e: Error) -> std::io::Error {
        e.into_io()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_stable_and_unique() {
        let mut seen = std::collections::HashSet::new();
        for k in ErrorKind::ALL {
            assert!(seen.insert(k.code()), "duplicate code {k:?}");
            assert_eq!(ErrorKind::from_code(k.code()), Some(k));
            assert_eq!(ErrorKind::from_name(k.name()), Some(k));
        }
        // These numbers are part of the C ABI: never change them.
        assert_eq!(ErrorKind::NotFound.code(), 1);
        assert_eq!(ErrorKind::Corrupt.code(), 9);
        assert_eq!(ErrorKind::Canceled.code(), 1004);
    }

    #[test]
    fn io_round_trip_keeps_kind_and_details() {
        let e = Error::conflict("x in use").with_exit_code(3);
        let io: std::io::Error = e.clone().into();
        assert_eq!(Error::io("ctx", io), e);
    }

    #[test]
    fn os_errors_are_io_unless_a_lookup_says_otherwise() {
        let enoent = || std::io::Error::from_raw_os_error(libc::ENOENT);
        let e = Error::io("spawn the monitor", enoent());
        assert_eq!(e.kind(), ErrorKind::Io);
        assert_eq!(e.message(), "spawn the monitor: No such file or directory");
        assert_eq!(e.raw_os_error(), Some(libc::ENOENT));
        let r: std::io::Result<()> = Err(enoent());
        assert_eq!(r.ctx_lookup("open /x").unwrap_err().kind(), ErrorKind::NotFound);
        let r: std::io::Result<()> = Err(std::io::Error::from_raw_os_error(libc::ENOSPC));
        let e = r.ctx_lookup("write /x").unwrap_err();
        assert_eq!((e.kind(), e.message()), (ErrorKind::Io, "write /x: No space left on device"));
    }

    #[test]
    fn details_serialize_as_documented() {
        let d = ErrorDetails {
            exit_code: Some(127),
            start_failure: Some(StartFailure::CommandNotFound),
            build_step: Some(BuildStep { number: 2, total: 3, instruction: "RUN nope".into() }),
        };
        assert_eq!(
            serde_json::to_string(&d).unwrap(),
            r#"{"ExitCode":127,"StartFailure":"CommandNotFound","BuildStep":{"Number":2,"Total":3,"Instruction":"RUN nope"}}"#
        );
        assert_eq!(serde_json::to_string(&ErrorDetails::default()).unwrap(), "{}");
    }
}
