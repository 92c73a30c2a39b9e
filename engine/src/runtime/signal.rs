//! Signal names and numbers as `docker kill -s` and `STOPSIGNAL` accept them.

use crate::error::{Error, Result};

const SIGNALS: &[(&str, i32)] = &[
    ("HUP", libc::SIGHUP),
    ("INT", libc::SIGINT),
    ("QUIT", libc::SIGQUIT),
    ("ILL", libc::SIGILL),
    ("TRAP", libc::SIGTRAP),
    ("ABRT", libc::SIGABRT),
    ("IOT", libc::SIGIOT),
    ("BUS", libc::SIGBUS),
    ("FPE", libc::SIGFPE),
    ("KILL", libc::SIGKILL),
    ("USR1", libc::SIGUSR1),
    ("SEGV", libc::SIGSEGV),
    ("USR2", libc::SIGUSR2),
    ("PIPE", libc::SIGPIPE),
    ("ALRM", libc::SIGALRM),
    ("TERM", libc::SIGTERM),
    ("STKFLT", libc::SIGSTKFLT),
    ("CHLD", libc::SIGCHLD),
    ("CONT", libc::SIGCONT),
    ("STOP", libc::SIGSTOP),
    ("TSTP", libc::SIGTSTP),
    ("TTIN", libc::SIGTTIN),
    ("TTOU", libc::SIGTTOU),
    ("URG", libc::SIGURG),
    ("XCPU", libc::SIGXCPU),
    ("XFSZ", libc::SIGXFSZ),
    ("VTALRM", libc::SIGVTALRM),
    ("PROF", libc::SIGPROF),
    ("WINCH", libc::SIGWINCH),
    ("IO", libc::SIGIO),
    ("POLL", libc::SIGPOLL),
    ("PWR", libc::SIGPWR),
    ("SYS", libc::SIGSYS),
];

/// `KILL`, `SIGKILL`, `sigkill`, `9`, `RTMIN+3`.
pub fn parse(s: &str) -> Result<i32> {
    let bad = || Error::invalid(format!("Invalid signal: {s}"));
    let t = s.trim();
    if let Ok(n) = t.parse::<i32>() {
        return if (1..=64).contains(&n) { Ok(n) } else { Err(bad()) };
    }
    let up = t.to_ascii_uppercase();
    let name = up.strip_prefix("SIG").unwrap_or(&up);
    if let Some((_, n)) = SIGNALS.iter().find(|(k, _)| *k == name) {
        return Ok(*n);
    }
    let rt = |base: i32, rest: &str| -> Result<i32> {
        let off: i32 = if rest.is_empty() { 0 } else { rest.parse().map_err(|_| bad())? };
        let n = base + off;
        if (libc::SIGRTMIN()..=libc::SIGRTMAX()).contains(&n) {
            Ok(n)
        } else {
            Err(bad())
        }
    };
    if let Some(rest) = name.strip_prefix("RTMIN") {
        return rt(libc::SIGRTMIN(), rest.trim_start_matches('+'));
    }
    if let Some(rest) = name.strip_prefix("RTMAX") {
        return rt(libc::SIGRTMAX(), rest);
    }
    Err(bad())
}

#[cfg(test)]
mod tests {
    #[test]
    fn names() {
        assert_eq!(super::parse("SIGTERM").unwrap(), 15);
        assert_eq!(super::parse("kill").unwrap(), 9);
        assert_eq!(super::parse("1").unwrap(), 1);
        assert_eq!(super::parse("RTMIN+1").unwrap(), libc::SIGRTMIN() + 1);
        assert!(super::parse("NOPE").is_err());
        assert!(super::parse("0").is_err());
    }
}
