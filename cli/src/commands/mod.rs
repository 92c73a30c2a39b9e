//! One module per group of docker commands.
pub mod build;
pub mod container;
pub mod image;
pub mod system;
pub mod volume;

use crate::{CmdResult, Failure};

/// Run `f` for each name (as docker does for `rm a b c`), `show` each success, report each
/// failure on stderr, and exit 1 if any failed.
pub fn for_each<T>(
    names: &[String],
    mut f: impl FnMut(&str) -> engine::Result<T>,
    mut show: impl FnMut(&str, T),
) -> CmdResult {
    let mut failed = false;
    for n in names {
        match f(n) {
            Ok(v) => show(n, v),
            Err(e) => {
                eprintln!("Error response from daemon: {e}");
                failed = true;
            }
        }
    }
    if failed {
        Err(Failure::silent(1))
    } else {
        Ok(())
    }
}
