//! Docker's option grammar, once for every front end: the strings a user types (`-m 512m`,
//! `--restart on-failure:3`, `--mount type=bind,src=.,dst=/x`, `--env-file f`, `--since 10m`) and
//! the defaults the docker CLI fills in (which streams `run` attaches, `StdinOnce`, what `logs`
//! shows) become the Engine API's own types ([`crate::types`]). The CLI, and the Python and Node
//! helpers that take docker-style arguments, call these instead of parsing anything themselves.
//!
//! Invariants:
//! - pure: a grammar reads only its input; what comes from the caller's process (its environment
//!   for `-e KEY`, the files of `--env-file`, its terminal size, its clock for `--since 10m`) is
//!   passed in or read through the one place named for it ([`Lookup`], a path argument, `now`);
//! - a refused input is an [`Error`] of kind `InvalidArgument` with the docker CLI's message (a
//!   file that cannot be read is `NotFound`/`Io`, a valid request this engine cannot honour is
//!   `Unsupported`); nothing is silently dropped unless docker drops it too;
//! - each grammar (one file each) states its message bare (`invalid size: 'x'`); the aggregates
//!   ([`ContainerFlags`], [`ExecFlags`], [`LogsFlags`], [`BuildFlags`]) frame a flag's value the
//!   way the docker CLI's flag parser does ([`flag_error`]).
//!
//! `-p` is [`ports::publish`]; `--network` and `-P` are the create request's own fields.

mod attach;
mod build;
mod copy;
mod cpus;
mod device;
mod duration;
mod env;
mod exec;
mod filters;
mod health;
mod labels;
mod logs;
mod memory;
mod mount;
pub mod ports;
mod restart;
mod run;
mod tmpfs;

pub use attach::{attach_options, run_attach_options, start_attach_options};
pub use build::{build_args, BuildFlags};
pub use copy::{copy_endpoint, CopyEndpoint};
pub use cpus::nano_cpus;
pub use device::device;
pub use duration::{duration, timestamp};
pub use env::{env, env_file, Lookup};
pub use exec::ExecFlags;
pub use filters::filters;
pub use health::HealthFlags;
pub use labels::{label, label_file, labels};
pub use logs::LogsFlags;
pub use memory::{memory, memory_swap};
pub use mount::mount;
pub use restart::restart_policy;
pub use run::ContainerFlags;
pub use tmpfs::tmpfs;

use crate::build::dockerfile::compat::quote;
use crate::error::{Error, ErrorKind};

/// A value its flag refused, framed as the docker CLI's flag parser (pflag) frames it:
/// `invalid argument "12x" for "-m, --memory" flag: invalid suffix: 'x'`. Only the grammar's own
/// refusals are framed; an unreadable file or an unsupported option keeps its message and kind.
pub fn flag_error(flag: &str, value: &str, e: Error) -> Error {
    if e.kind() != ErrorKind::InvalidArgument {
        return e;
    }
    Error::invalid(format!("invalid argument {} for {} flag: {}", quote(value), quote(flag), e.message()))
}

/// `grammar(value)`, its refusal framed for `flag`.
fn parse_flag<T>(flag: &str, value: &str, grammar: impl FnOnce(&str) -> crate::Result<T>) -> crate::Result<T> {
    grammar(value).map_err(|e| flag_error(flag, value, e))
}

/// An optional flag's number: 0 (the API's "not set") when absent.
fn optional_flag(flag: &str, value: &Option<String>, grammar: fn(&str) -> crate::Result<i64>) -> crate::Result<i64> {
    value.as_deref().map_or(Ok(0), |v| parse_flag(flag, v, grammar))
}

/// `None` for an empty list or map, as the API's optional fields want it.
fn non_empty<T: IsEmpty>(v: T) -> Option<T> {
    (!v.is_empty()).then_some(v)
}

trait IsEmpty {
    fn is_empty(&self) -> bool;
}
impl<T> IsEmpty for Vec<T> {
    fn is_empty(&self) -> bool {
        Vec::is_empty(self)
    }
}
impl<K, V> IsEmpty for std::collections::BTreeMap<K, V> {
    fn is_empty(&self) -> bool {
        std::collections::BTreeMap::is_empty(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flag_errors_are_framed_like_pflag() {
        let e = flag_error("-m, --memory", "12x", Error::invalid("invalid suffix: 'x'"));
        assert_eq!(e.message(), r#"invalid argument "12x" for "-m, --memory" flag: invalid suffix: 'x'"#);
        assert_eq!(e.kind(), ErrorKind::InvalidArgument);
        // Go's %q: quotes and control characters escaped.
        let e = flag_error("--label", "a\"b\n", Error::invalid("x"));
        assert_eq!(e.message(), r#"invalid argument "a\"b\n" for "--label" flag: x"#);
        // Not the grammar's refusal: kept as it is.
        let e = flag_error("--env-file", "f", Error::not_found("open f: No such file or directory"));
        assert_eq!((e.kind(), e.message()), (ErrorKind::NotFound, "open f: No such file or directory"));
    }
}
