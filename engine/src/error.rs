//! The one error taxonomy (ARCHITECTURE.md rule 3).
//!
//! Every failure of the engine is an [`Error`] with an [`ErrorKind`]. Each kind has a stable number
//! that is never reused; the front ends map the kind exactly once each: HTTP status
//! ([`ErrorKind::http_status`]), C code (`DOCKER_E*` = the number), Python exception subclass, JS
//! `err.code` ([`ErrorKind::name`]). Messages keep Docker's wording where clients parse them
//! ("No such image: x", "No such container: x").

use std::fmt;

/// What went wrong, in the terms a caller can act on. Numbers are stable and never reused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(i32)]
pub enum ErrorKind {
    /// The named object (image, container, volume, layer, file) does not exist. HTTP 404.
    NotFound = 1,
    /// The request conflicts with the current state (name in use, image in use, not running). HTTP 409.
    Conflict = 2,
    /// The caller's input is malformed or out of range (bad reference, bad tar, bad JSON). HTTP 400.
    InvalidArgument = 3,
    /// Nothing to do: already started, already stopped. HTTP 304.
    NotModified = 4,
    /// The operation is not allowed (read-only target, unprivileged). HTTP 403.
    PermissionDenied = 5,
    /// A valid request for something this engine does not do (yet). HTTP 501.
    Unsupported = 6,
    /// The operating system refused an operation (disk full, I/O error). HTTP 500.
    Io = 7,
    /// A bug or broken invariant inside the engine. HTTP 500.
    Internal = 8,
    /// Stored data failed verification (digest mismatch on read). HTTP 500.
    Corrupt = 9,
}

impl ErrorKind {
    pub const ALL: [ErrorKind; 9] = [
        ErrorKind::NotFound,
        ErrorKind::Conflict,
        ErrorKind::InvalidArgument,
        ErrorKind::NotModified,
        ErrorKind::PermissionDenied,
        ErrorKind::Unsupported,
        ErrorKind::Io,
        ErrorKind::Internal,
        ErrorKind::Corrupt,
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
        }
    }

    /// The HTTP status of the Engine API for this kind (moby `httpstatus`).
    pub fn http_status(self) -> u16 {
        match self {
            ErrorKind::NotFound => 404,
            ErrorKind::Conflict => 409,
            ErrorKind::InvalidArgument => 400,
            ErrorKind::NotModified => 304,
            ErrorKind::PermissionDenied => 403,
            ErrorKind::Unsupported => 501,
            ErrorKind::Io | ErrorKind::Internal | ErrorKind::Corrupt => 500,
        }
    }
}

/// An engine error: a kind and a message meant for people (and for clients that parse Docker's).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    kind: ErrorKind,
    message: String,
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Error {
        Error { kind, message: message.into() }
    }
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }
    pub fn message(&self) -> &str {
        &self.message
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
    /// An I/O error with what we were doing, e.g. `Error::io("write /x/y", e)`.
    pub fn io(context: impl fmt::Display, err: impl Into<std::io::Error>) -> Error {
        let err: std::io::Error = err.into();
        let kind = match err.kind() {
            std::io::ErrorKind::NotFound => ErrorKind::NotFound,
            std::io::ErrorKind::PermissionDenied => ErrorKind::PermissionDenied,
            std::io::ErrorKind::InvalidData | std::io::ErrorKind::InvalidInput => ErrorKind::InvalidArgument,
            _ => ErrorKind::Io,
        };
        // Errors we raised ourselves inside a Read/Write chain carry our own Error: unwrap it.
        if let Some(inner) = err.get_ref().and_then(|e| e.downcast_ref::<Error>()) {
            return inner.clone();
        }
        Error::new(kind, format!("{context}: {err}"))
    }

    /// The same error with more context in front: "loading layer 2: <message>".
    pub fn context(self, what: impl fmt::Display) -> Error {
        Error { kind: self.kind, message: format!("{what}: {}", self.message) }
    }

    /// Wrap for transport through `std::io::Read`/`Write` chains; [`Error::io`] unwraps it again.
    pub fn into_io(self) -> std::io::Error {
        std::io::Error::other(self)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

impl From<serde_json::Error> for Error {
    fn from(e: serde_json::Error) -> Error {
        Error::invalid(format!("invalid JSON: {e}"))
    }
}

/// `.ctx("reading x")?` on io results.
pub trait IoContext<T> {
    fn ctx(self, what: impl fmt::Display) -> Result<T>;
}

impl<T> IoContext<T> for std::io::Result<T> {
    fn ctx(self, what: impl fmt::Display) -> Result<T> {
        self.map_err(|e| Error::io(what, e))
    }
}

impl<T> IoContext<T> for rustix::io::Result<T> {
    fn ctx(self, what: impl fmt::Display) -> Result<T> {
        self.map_err(|e| Error::io(what, std::io::Error::from(e)))
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
        }
        // These numbers are part of the C ABI: never change them.
        assert_eq!(ErrorKind::NotFound.code(), 1);
        assert_eq!(ErrorKind::Corrupt.code(), 9);
    }

    #[test]
    fn io_round_trip_keeps_kind() {
        let e = Error::conflict("x in use");
        let io: std::io::Error = e.clone().into();
        assert_eq!(Error::io("ctx", io), e);
    }
}
