//! Small helpers shared by the subcommands: errno handling, JSON error fields, /proc parsing.

use serde_json::{Map, Value};
use std::ffi::{CStr, CString, OsStr};
use std::os::unix::ffi::OsStrExt;

/// The calling thread's errno.
pub fn errno() -> i32 {
    std::io::Error::last_os_error().raw_os_error().unwrap_or(0)
}

/// The C library's message for `e` ("Operation not permitted").
pub fn strerror(e: i32) -> String {
    let mut buf = [0 as libc::c_char; 256];
    // libc binds the XSI strerror_r on glibc: 0 on success, the message in `buf`.
    let rc = unsafe { libc::strerror_r(e, buf.as_mut_ptr(), buf.len()) };
    if rc != 0 {
        return format!("errno {e}");
    }
    unsafe { CStr::from_ptr(buf.as_ptr()) }.to_string_lossy().into_owned()
}

/// The symbolic name of common errno values, so tests can assert `"EPERM"` instead of `1`.
pub fn errno_name(e: i32) -> Option<&'static str> {
    Some(match e {
        libc::EPERM => "EPERM",
        libc::ENOENT => "ENOENT",
        libc::ESRCH => "ESRCH",
        libc::EINTR => "EINTR",
        libc::EIO => "EIO",
        libc::ENXIO => "ENXIO",
        libc::E2BIG => "E2BIG",
        libc::ENOEXEC => "ENOEXEC",
        libc::EBADF => "EBADF",
        libc::ECHILD => "ECHILD",
        libc::EAGAIN => "EAGAIN",
        libc::ENOMEM => "ENOMEM",
        libc::EACCES => "EACCES",
        libc::EFAULT => "EFAULT",
        libc::ENOTBLK => "ENOTBLK",
        libc::EBUSY => "EBUSY",
        libc::EEXIST => "EEXIST",
        libc::EXDEV => "EXDEV",
        libc::ENODEV => "ENODEV",
        libc::ENOTDIR => "ENOTDIR",
        libc::EISDIR => "EISDIR",
        libc::EINVAL => "EINVAL",
        libc::ENFILE => "ENFILE",
        libc::EMFILE => "EMFILE",
        libc::ENOTTY => "ENOTTY",
        libc::ETXTBSY => "ETXTBSY",
        libc::EFBIG => "EFBIG",
        libc::ENOSPC => "ENOSPC",
        libc::ESPIPE => "ESPIPE",
        libc::EROFS => "EROFS",
        libc::EMLINK => "EMLINK",
        libc::EPIPE => "EPIPE",
        libc::ERANGE => "ERANGE",
        libc::EDEADLK => "EDEADLK",
        libc::ENAMETOOLONG => "ENAMETOOLONG",
        libc::ENOSYS => "ENOSYS",
        libc::ENOTEMPTY => "ENOTEMPTY",
        libc::ELOOP => "ELOOP",
        libc::ENODATA => "ENODATA",
        libc::EOVERFLOW => "EOVERFLOW",
        libc::EOPNOTSUPP => "EOPNOTSUPP",
        libc::EADDRINUSE => "EADDRINUSE",
        libc::EADDRNOTAVAIL => "EADDRNOTAVAIL",
        libc::ENETUNREACH => "ENETUNREACH",
        libc::ECONNREFUSED => "ECONNREFUSED",
        libc::ETIMEDOUT => "ETIMEDOUT",
        libc::EDQUOT => "EDQUOT",
        _ => return None,
    })
}

/// `{"ok", "errno", "errno_name", "error"}` for a result: `Ok` gives errno 0 and null names.
pub fn status_fields(res: Result<(), i32>) -> Map<String, Value> {
    let mut m = Map::new();
    match res {
        Ok(()) => {
            m.insert("ok".into(), Value::Bool(true));
            m.insert("errno".into(), Value::from(0));
            m.insert("errno_name".into(), Value::Null);
            m.insert("error".into(), Value::Null);
        }
        Err(e) => {
            m.insert("ok".into(), Value::Bool(false));
            m.insert("errno".into(), Value::from(e));
            m.insert("errno_name".into(), errno_name(e).map(Value::from).unwrap_or(Value::Null));
            m.insert("error".into(), Value::from(strerror(e)));
        }
    }
    m
}

/// A path argument as a C string (arguments cannot contain NUL, so this does not fail).
pub fn cpath(p: &OsStr) -> CString {
    CString::new(p.as_bytes()).unwrap_or_else(|_| CString::new("\u{fffd}").unwrap())
}

/// `readlink(path)` as a lossy string, or None.
pub fn readlink(path: &str) -> Option<String> {
    std::fs::read_link(path).ok().map(|p| p.to_string_lossy().into_owned())
}

/// The `Key:\tvalue` lines of /proc/self/status.
pub fn proc_status() -> Vec<(String, String)> {
    let text = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    text.lines().filter_map(|l| l.split_once(':')).map(|(k, v)| (k.trim().to_string(), v.trim().to_string())).collect()
}

pub fn status_field(status: &[(String, String)], key: &str) -> Option<String> {
    status.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone())
}

/// Value of a string field, or JSON null.
pub fn opt_str(v: Option<String>) -> Value {
    v.map(Value::from).unwrap_or(Value::Null)
}

/// The first `n` bytes of `data` as lossy UTF-8.
pub fn prefix(data: &[u8], n: usize) -> String {
    String::from_utf8_lossy(&data[..data.len().min(n)]).into_owned()
}

/// A file's content as a number when it is one, else the trimmed string ("max"); null if absent.
pub fn read_value(path: &str) -> Value {
    match std::fs::read_to_string(path) {
        Ok(s) => number_or_string(s.trim()),
        Err(_) => Value::Null,
    }
}

pub fn number_or_string(s: &str) -> Value {
    if let Ok(n) = s.parse::<i64>() {
        Value::from(n)
    } else if let Ok(n) = s.parse::<u64>() {
        Value::from(n)
    } else {
        Value::from(s)
    }
}
