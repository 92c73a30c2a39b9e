//! The boundary itself: handles, the error object, strings in and out, the panic guard, and the
//! stream callback. Every exported function goes through [`call`].

use crate::*;
use engine::Engine;
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::ffi::{c_char, c_void, CStr, CString};
use std::panic::{catch_unwind, AssertUnwindSafe};

/// A result code: `DOCKER_OK` (0) or one of the `DOCKER_E*` codes. Codes are never reused.
pub type docker_code = c_int;

/// An open state root (the engine). Opened with `docker_engine_open`, closed with
/// `docker_engine_close`. One handle may be used by several threads at once.
pub struct docker_engine {
    pub(crate) engine: Engine,
}

/// A failure: its code, a message for people, and its details as JSON. Owned by the caller; free
/// it with `docker_error_free`.
pub struct docker_error {
    code: docker_code,
    message: CString,
    details: CString,
}

/// Receives output while an operation runs, on the calling thread, before the function returns.
/// `stream` is `DOCKER_STREAM_STDOUT`, `DOCKER_STREAM_STDERR` or `DOCKER_STREAM_JSON`; `data`
/// (`len` bytes, not NUL-terminated) is valid only during the call. Return 0 to go on; any other
/// value stops the operation, which then fails with `DOCKER_ECANCELED` and leaves nothing it was
/// making behind (a build's container, a half-loaded image).
pub type docker_stream_cb =
    Option<unsafe extern "C" fn(user_data: *mut c_void, stream: c_int, data: *const u8, len: usize) -> c_int>;

/// A failure on its way to C.
#[derive(Debug)]
pub(crate) struct Fail {
    code: docker_code,
    message: String,
    details: engine::error::ErrorDetails,
}

impl Fail {
    pub(crate) fn new(code: docker_code, message: impl Into<String>) -> Fail {
        Fail { code, message: message.into(), details: Default::default() }
    }
}

impl From<engine::Error> for Fail {
    fn from(e: engine::Error) -> Fail {
        Fail { code: e.kind().code(), message: e.message().to_string(), details: e.details().clone() }
    }
}

pub(crate) type Res<T> = Result<T, Fail>;

/// The stable name of a code ("NotFound", "Null", …); "Unknown" for numbers never issued.
pub(crate) fn code_name(code: docker_code) -> &'static str {
    match code {
        DOCKER_OK => "OK",
        DOCKER_ENULL => "Null",
        DOCKER_EUTF8 => "Utf8",
        DOCKER_EPANIC => "Panic",
        c => engine::ErrorKind::from_code(c).map_or("Unknown", engine::ErrorKind::name),
    }
}

/// Run `f` behind the panic boundary; on failure write a new error to `*err` (when `err` is not
/// NULL) and return its code.
pub(crate) fn call(err: *mut *mut docker_error, f: impl FnOnce() -> Res<()>) -> docker_code {
    let result = catch_unwind(AssertUnwindSafe(f)).unwrap_or_else(|payload| {
        let what = payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".into());
        // The payload is dropped here, still inside a frame that can unwind no further than us.
        let _ = catch_unwind(AssertUnwindSafe(move || drop(payload)));
        Err(Fail::new(DOCKER_EPANIC, format!("internal error (panic): {what}")))
    });
    match result {
        Ok(()) => DOCKER_OK,
        Err(fail) => {
            let code = fail.code;
            if !err.is_null() {
                let details = serde_json::to_string(&fail.details).unwrap_or_else(|_| "{}".into());
                let e = Box::new(docker_error { code, message: c_string(fail.message), details: c_string(details) });
                // SAFETY: the caller passes NULL or a writable `docker_error *` slot.
                unsafe { *err = Box::into_raw(e) };
            }
            code
        }
    }
}

/// A Rust string as a C string: an interior NUL (never in JSON, rare in messages) becomes U+FFFD.
pub(crate) fn c_string(s: String) -> CString {
    CString::new(s).unwrap_or_else(|e| {
        let s = String::from_utf8_lossy(&e.into_vec()).replace('\0', "\u{FFFD}");
        CString::new(s).expect("no NUL left")
    })
}

/// A required string argument.
pub(crate) fn str_arg<'a>(p: *const c_char, name: &str) -> Res<&'a str> {
    opt_str(p, name)?.ok_or_else(|| Fail::new(DOCKER_ENULL, format!("{name} is NULL")))
}

/// An optional string argument (NULL → None).
pub(crate) fn opt_str<'a>(p: *const c_char, name: &str) -> Res<Option<&'a str>> {
    if p.is_null() {
        return Ok(None);
    }
    // SAFETY: the caller passes a NUL-terminated string that outlives the call.
    let bytes = unsafe { CStr::from_ptr(p) }.to_bytes();
    std::str::from_utf8(bytes).map(Some).map_err(|e| Fail::new(DOCKER_EUTF8, format!("{name} is not valid UTF-8: {e}")))
}

/// An optional non-empty string argument (NULL or "" → None).
pub(crate) fn opt_nonempty<'a>(p: *const c_char, name: &str) -> Res<Option<&'a str>> {
    Ok(opt_str(p, name)?.filter(|s| !s.is_empty()))
}

/// An Engine API JSON document, decoded as Docker's server decodes one (`engine::types::decode`:
/// keys in any case, unknown keys ignored, `null` = zero); NULL, "" or "null" give the type's
/// defaults.
pub(crate) fn json_arg<T: DeserializeOwned + Default>(p: *const c_char, name: &str) -> Res<T> {
    match opt_str(p, name)?.map(str::trim) {
        None | Some("") | Some("null") => Ok(T::default()),
        Some(s) => Ok(engine::types::decode(name, s.as_bytes())?),
    }
}

/// A required JSON document (NULL is an error; "" and "null" still give the defaults).
pub(crate) fn json_required<T: DeserializeOwned + Default>(p: *const c_char, name: &str) -> Res<T> {
    if p.is_null() {
        return Err(Fail::new(DOCKER_ENULL, format!("{name} is NULL")));
    }
    json_arg(p, name)
}

/// The engine behind a handle.
pub(crate) fn engine<'a>(p: *const docker_engine) -> Res<&'a Engine> {
    if p.is_null() {
        return Err(Fail::new(DOCKER_ENULL, "engine is NULL"));
    }
    // SAFETY: a non-NULL handle comes from docker_engine_open and is not closed yet.
    Ok(unsafe { &(*p).engine })
}

/// A required out-parameter, checked before any work is done and written only on success.
pub(crate) struct Out<T>(*mut T);

impl<T> Out<T> {
    pub(crate) fn required(p: *mut T, name: &str) -> Res<Out<T>> {
        if p.is_null() {
            return Err(Fail::new(DOCKER_ENULL, format!("{name} is NULL")));
        }
        Ok(Out(p))
    }
    /// An out-parameter that may be NULL (the result is then dropped).
    pub(crate) fn optional(p: *mut T) -> Out<T> {
        Out(p)
    }
    pub(crate) fn write(self, v: T) {
        if !self.0.is_null() {
            // SAFETY: checked non-NULL; the caller passes a writable slot.
            unsafe { self.0.write(v) };
        }
    }
}

impl Out<*mut c_char> {
    pub(crate) fn write_string(self, s: String) {
        if !self.0.is_null() {
            self.write(c_string(s).into_raw());
        }
    }
    pub(crate) fn write_json(self, v: &impl Serialize) -> Res<()> {
        let s = serde_json::to_string(v).map_err(|e| Fail::new(DOCKER_EINTERNAL, format!("encode JSON: {e}")))?;
        self.write_string(s);
        Ok(())
    }
}

/// A stream callback with its user data, as the engine's sink: container output on
/// `DOCKER_STREAM_STDOUT`/`STDERR`, progress messages and stats as JSON on `DOCKER_STREAM_JSON`;
/// a non-zero return stops the operation (`DOCKER_ECANCELED`).
pub(crate) struct Stream {
    cb: docker_stream_cb,
    user_data: *mut c_void,
}

impl Stream {
    pub(crate) fn new(cb: docker_stream_cb, user_data: *mut c_void) -> Stream {
        Stream { cb, user_data }
    }

    fn deliver(&mut self, stream: c_int, data: &[u8]) -> engine::Result<()> {
        let Some(cb) = self.cb else { return Ok(()) };
        if data.is_empty() {
            return Ok(());
        }
        // SAFETY: the caller's callback, with the caller's user data and a buffer valid for the call.
        if unsafe { cb(self.user_data, stream, data.as_ptr(), data.len()) } != 0 {
            return Err(engine::Error::canceled().context("stopped by the stream callback"));
        }
        Ok(())
    }
}

impl engine::stream::Sink for Stream {
    fn send(&mut self, out: engine::stream::Output<'_>) -> engine::Result<()> {
        use engine::stream::Output;
        match out {
            Output::Stdout(b) => self.deliver(DOCKER_STREAM_STDOUT, b),
            Output::Stderr(b) => self.deliver(DOCKER_STREAM_STDERR, b),
            Output::Message(m) => self.deliver(DOCKER_STREAM_JSON, &serde_json::to_vec(m).unwrap_or_default()),
            Output::Stats(s) => self.deliver(DOCKER_STREAM_JSON, &serde_json::to_vec(s).unwrap_or_default()),
        }
    }
}

/// An optional file descriptor for a container's stdin: a duplicate is made (close-on-exec) and
/// owned by the library, which reads it until end of file and then closes it. -1 → None.
pub(crate) fn stdin_from_fd(fd: c_int) -> Res<Option<engine::stream::Stdin>> {
    if fd < 0 {
        return Ok(None);
    }
    // SAFETY: F_DUPFD_CLOEXEC on a caller's descriptor only creates a new one.
    let dup = unsafe { libc::fcntl(fd, libc::F_DUPFD_CLOEXEC, 0) };
    if dup < 0 {
        let e = std::io::Error::last_os_error();
        return Err(Fail::new(DOCKER_EINVALIDARGUMENT, format!("stdin_fd {fd}: {e}")));
    }
    // SAFETY: `dup` is a fresh descriptor that we own.
    Ok(Some(engine::stream::Stdin::Fd(unsafe { <std::os::fd::OwnedFd as std::os::fd::FromRawFd>::from_raw_fd(dup) })))
}

// ---- the exported functions of the boundary --------------------------------------------------

/// Free a string that the library returned (an `out_json`, `out_id`, …). NULL is allowed.
/// Never pass a string that the library did not allocate, and never free one twice.
#[no_mangle]
pub unsafe extern "C" fn docker_string_free(s: *mut c_char) {
    if !s.is_null() {
        let _ = catch_unwind(|| {
            // SAFETY: `s` came from CString::into_raw in this library.
            drop(unsafe { CString::from_raw(s) })
        });
    }
}

/// The code of an error; `DOCKER_ENULL` when `err` is NULL.
#[no_mangle]
pub unsafe extern "C" fn docker_error_code(err: *const docker_error) -> docker_code {
    if err.is_null() {
        return DOCKER_ENULL;
    }
    // SAFETY: a non-NULL error comes from this library and is not freed yet.
    unsafe { (*err).code }
}

/// The message of an error, NUL-terminated UTF-8, valid until `docker_error_free(err)`. Never NULL
/// (an empty string when `err` is NULL). Engine messages keep Docker's wording where clients parse
/// it ("No such container: x", "No such image: x").
#[no_mangle]
pub unsafe extern "C" fn docker_error_message(err: *const docker_error) -> *const c_char {
    if err.is_null() {
        return c"".as_ptr();
    }
    // SAFETY: a non-NULL error comes from this library and is not freed yet.
    unsafe { (*err).message.as_ptr() }
}

/// What the caller may act on beyond the code, as a JSON object, valid until
/// `docker_error_free(err)`: `{"ExitCode": 127, "StartFailure": "CommandNotFound"}` for a
/// command that could not run (`"CommandNotExecutable"` → 126), `{"ExitCode": n, "BuildStep":
/// {"Number", "Total", "Instruction"}}` for a failed build step; `{}` when there is nothing more
/// (or `err` is NULL). Never NULL.
#[no_mangle]
pub unsafe extern "C" fn docker_error_details(err: *const docker_error) -> *const c_char {
    if err.is_null() {
        return c"{}".as_ptr();
    }
    // SAFETY: a non-NULL error comes from this library and is not freed yet.
    unsafe { (*err).details.as_ptr() }
}

/// Free an error. NULL is allowed.
#[no_mangle]
pub unsafe extern "C" fn docker_error_free(err: *mut docker_error) {
    if !err.is_null() {
        let _ = catch_unwind(|| {
            // SAFETY: `err` came from Box::into_raw in this library.
            drop(unsafe { Box::from_raw(err) })
        });
    }
}

/// The stable name of a code: "OK", the engine's kind name ("NotFound", "Conflict",
/// "InvalidArgument", …), "Null", "Utf8", "Panic", "Canceled"; "Unknown" for a number never
/// issued. A static string: do not free it.
#[no_mangle]
pub extern "C" fn docker_code_name(code: docker_code) -> *const c_char {
    // The names are ASCII without NUL: keep static C copies.
    static NAMES: std::sync::OnceLock<Vec<(docker_code, CString)>> = std::sync::OnceLock::new();
    let names = NAMES.get_or_init(|| {
        let mut v: Vec<(docker_code, CString)> =
            [DOCKER_OK, DOCKER_ENULL, DOCKER_EUTF8, DOCKER_EPANIC, DOCKER_ECANCELED]
                .into_iter()
                .chain(engine::ErrorKind::ALL.into_iter().map(engine::ErrorKind::code))
                .map(|c| (c, CString::new(code_name(c)).expect("ASCII name")))
                .collect();
        v.push((-1, CString::new("Unknown").expect("ASCII name")));
        v
    });
    names.iter().find(|(c, _)| *c == code).unwrap_or_else(|| names.last().expect("Unknown")).1.as_ptr()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(e: *mut docker_error) -> String {
        // SAFETY: `e` is an error from `call`, freed just after.
        let m = unsafe { CStr::from_ptr(docker_error_message(e)) }.to_str().unwrap().to_string();
        unsafe { docker_error_free(e) };
        m
    }

    #[test]
    fn a_panic_stops_at_the_boundary() {
        let mut err: *mut docker_error = std::ptr::null_mut();
        let code = call(&mut err, || panic!("boom {}", 42));
        assert_eq!(code, DOCKER_EPANIC);
        // SAFETY: `err` was just written by `call`.
        assert_eq!(unsafe { docker_error_code(err) }, DOCKER_EPANIC);
        assert_eq!(message(err), "internal error (panic): boom 42");
        // err may be NULL
        assert_eq!(call(std::ptr::null_mut(), || panic!("boom")), DOCKER_EPANIC);
    }

    #[test]
    fn engine_errors_keep_kind_and_message() {
        let mut err: *mut docker_error = std::ptr::null_mut();
        let code = call(&mut err, || Err(engine::Error::not_found("No such container: x").into()));
        assert_eq!(code, DOCKER_ENOTFOUND);
        assert_eq!(message(err), "No such container: x");
    }

    #[test]
    fn success_leaves_err_alone() {
        let sentinel = 0x10 as *mut docker_error;
        let mut err = sentinel;
        assert_eq!(call(&mut err, || Ok(())), DOCKER_OK);
        assert_eq!(err, sentinel);
    }

    #[test]
    fn messages_with_nul_stay_whole() {
        let mut err: *mut docker_error = std::ptr::null_mut();
        call(&mut err, || Err(Fail::new(DOCKER_EIO, "a\0b")));
        assert_eq!(message(err), "a\u{FFFD}b");
    }

    #[test]
    fn string_arguments() {
        assert_eq!(str_arg(c"abc".as_ptr(), "x").unwrap(), "abc");
        let e = str_arg(std::ptr::null(), "id").unwrap_err();
        assert_eq!((e.code, e.message.as_str()), (DOCKER_ENULL, "id is NULL"));
        let e = str_arg(c"\xff".as_ptr(), "id").unwrap_err();
        assert_eq!(e.code, DOCKER_EUTF8);
        assert!(e.message.starts_with("id is not valid UTF-8"), "{}", e.message);
        let d: engine::types::ImageListOptions = json_arg(std::ptr::null(), "o").unwrap();
        assert_eq!(d, Default::default());
        let e = json_arg::<engine::types::ImageListOptions>(c"{".as_ptr(), "o").unwrap_err();
        assert_eq!(e.code, DOCKER_EINVALIDARGUMENT);
        assert!(e.message.starts_with("invalid JSON in o: "), "{}", e.message);
        // Decoded as Docker's server decodes: any case, unknown keys ignored, null = zero.
        let d: engine::types::ImageListOptions =
            json_arg(c"{\"all\": true, \"Digests\": null, \"Extra\": 1}".as_ptr(), "o").unwrap();
        assert!(d.all && !d.digests);
        let e = json_arg::<engine::types::ImageListOptions>(c"{\"All\": 1}".as_ptr(), "o").unwrap_err();
        assert_eq!(e.message, "invalid o: All: invalid type: integer `1`, expected a boolean");
    }
}
