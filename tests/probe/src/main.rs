//! `probe`: a small static binary that test images carry and containers run. Each subcommand
//! prints exactly one line with one JSON object on stdout, so tests assert facts (caps, mounts,
//! namespaces, limits, errnos) instead of grepping text. See tests/README.md.
//!
//! The crate has its own C `main` (`#![no_main]`): Rust's usual start-up would set SIGPIPE to
//! ignored, install SIGSEGV/SIGBUS handlers and reopen closed stdio fds on /dev/null, and all of
//! these would change the very facts the probe reports (`signals`, `fds`).

#![no_main]

mod ops;
mod report;
mod util;

use serde_json::{json, Value};
use std::ffi::{CStr, OsStr, OsString};
use std::os::unix::ffi::OsStrExt;

const USAGE: &str = "usage: probe [report] | read PATH | write PATH [DATA] | ls PATH | stat [-L] PATH | \
mknod PATH c|b MAJ MIN | unshare FLAG[,FLAG] | mount-tmpfs PATH | syscall NAME | alloc MIB | \
fork N | sleep SECS | exit CODE | echo ARGS... | fds | cwd | signals | stdin";

/// What a subcommand ends with: its JSON line and the exit code.
struct Outcome {
    json: Value,
    code: i32,
}

fn ok(json: Value) -> Outcome {
    Outcome { json, code: 0 }
}

fn usage_error(msg: impl Into<String>) -> Outcome {
    Outcome { json: json!({"error": msg.into(), "usage": USAGE}), code: 2 }
}

/// Write the line with write(2): no buffering, and a closed stdout is not a panic.
fn emit(v: &Value) {
    let mut line = serde_json::to_string(v).unwrap_or_else(|_| "{\"error\":\"json\"}".into());
    line.push('\n');
    let mut b = line.as_bytes();
    while !b.is_empty() {
        let n = unsafe { libc::write(1, b.as_ptr().cast(), b.len()) };
        if n < 0 {
            if util::errno() == libc::EINTR {
                continue;
            }
            return;
        }
        b = &b[n as usize..];
    }
}

fn arg<'a>(args: &'a [OsString], i: usize, what: &str) -> Result<&'a OsStr, Outcome> {
    args.get(i).map(|s| s.as_os_str()).ok_or_else(|| usage_error(format!("missing {what}")))
}

fn num<T: std::str::FromStr>(args: &[OsString], i: usize, what: &str) -> Result<T, Outcome> {
    let s = arg(args, i, what)?;
    s.to_str()
        .and_then(|s| s.parse::<T>().ok())
        .ok_or_else(|| usage_error(format!("{what} must be a number, not {:?}", s.to_string_lossy())))
}

fn run(args: &[OsString]) -> Result<Outcome, Outcome> {
    let cmd = args.first().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "report".into());
    let rest = if args.is_empty() { &[][..] } else { &args[1..] };
    Ok(match cmd.as_str() {
        "report" => ok(report::report()),
        "read" => ok(ops::read(arg(rest, 0, "PATH")?)),
        "write" => ok(ops::write(arg(rest, 0, "PATH")?, rest.get(1).map(|s| s.as_os_str()))),
        "ls" => ok(ops::ls(arg(rest, 0, "PATH")?)),
        "stat" => {
            if rest.first().map(|s| s.as_bytes()) == Some(b"-L") {
                ok(ops::stat(arg(rest, 1, "PATH")?, true))
            } else {
                ok(ops::stat(arg(rest, 0, "PATH")?, false))
            }
        }
        "mknod" => {
            let path = arg(rest, 0, "PATH")?;
            let kind = arg(rest, 1, "type (c or b)")?.to_string_lossy().into_owned();
            if kind != "c" && kind != "b" {
                return Err(usage_error(format!("mknod type must be c or b, not {kind:?}")));
            }
            let major: u32 = num(rest, 2, "MAJ")?;
            let minor: u32 = num(rest, 3, "MIN")?;
            ok(ops::mknod(path, &kind, major, minor))
        }
        "unshare" => ok(ops::unshare(rest).map_err(usage_error)?),
        "mount-tmpfs" => ok(ops::mount_tmpfs(arg(rest, 0, "PATH")?)),
        "syscall" => {
            let name = arg(rest, 0, "NAME")?.to_string_lossy().into_owned();
            match ops::syscall(&name) {
                Some(v) => ok(v),
                None => {
                    let known: Vec<&str> = ops::SYSCALLS.iter().map(|(n, _)| *n).collect();
                    return Err(usage_error(format!("unknown syscall {name:?}; known: {}", known.join(","))));
                }
            }
        }
        "alloc" => ok(ops::alloc(num(rest, 0, "MIB")?)),
        "fork" => ok(ops::fork(num(rest, 0, "N")?)),
        "sleep" => {
            let secs: f64 = num(rest, 0, "SECS")?;
            if !(secs >= 0.0 && secs.is_finite()) {
                return Err(usage_error("SECS must be a non-negative number"));
            }
            // Printed before sleeping, so a test can see from the logs that the process runs.
            emit(&json!({"sleeping": secs, "pid": unsafe { libc::getpid() }}));
            std::thread::sleep(std::time::Duration::from_secs_f64(secs));
            return Ok(Outcome { json: Value::Null, code: 0 });
        }
        "exit" => {
            let code: i32 = num(rest, 0, "CODE")?;
            Outcome { json: json!({"exit": code, "status": code & 0xff}), code }
        }
        "echo" => ok(json!({"args": rest.iter().map(|a| a.to_string_lossy().into_owned()).collect::<Vec<_>>()})),
        "fds" => ok(json!({"fds": report::fds()})),
        "cwd" => {
            let (cwd, e) = match report::raw_getcwd() {
                Ok(c) => (Value::from(c), 0),
                Err(e) => (Value::Null, e),
            };
            ok(json!({"cwd": cwd, "cwd_errno": e, "cwd_link": util::opt_str(util::readlink("/proc/self/cwd"))}))
        }
        "signals" => ok(ops::signals()),
        "stdin" => ok(ops::stdin()),
        "help" | "-h" | "--help" => ok(json!({"usage": USAGE})),
        other => return Err(usage_error(format!("unknown subcommand {other:?}"))),
    })
}

/// # Safety
/// Called by the C runtime with a valid `argv` of `argc` strings.
#[no_mangle]
pub unsafe extern "C" fn main(argc: libc::c_int, argv: *const *const libc::c_char) -> libc::c_int {
    let args: Vec<OsString> = (1..argc.max(1) as usize)
        .map(|i| unsafe { OsStr::from_bytes(CStr::from_ptr(*argv.add(i)).to_bytes()).to_os_string() })
        .collect();
    let outcome = std::panic::catch_unwind(|| run(&args));
    let out = match outcome {
        Ok(Ok(o)) | Ok(Err(o)) => o,
        Err(_) => Outcome { json: json!({"error": "probe panicked"}), code: 3 },
    };
    if !out.json.is_null() {
        emit(&out.json);
    }
    out.code
}
