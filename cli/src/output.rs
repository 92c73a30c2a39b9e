//! Where a command's stream goes: container output to our stdout and stderr as it comes, and the
//! engine's `jsonmessage` progress as a one-line bar on a terminal (stderr), the way the docker
//! CLI draws `Loading layer [====>   ]  12.3MB/700MB` (off a terminal the bar prints nothing).

use engine::stream::{Output, Sink};
use engine::types::JsonMessage;
use std::io::{IsTerminal, Write};

/// The sink of most commands: output to stdout/stderr, unbuffered; progress to the bar. Our
/// stdout closed early (`dock logs c | head`) ends dock quietly, as SIGPIPE ends docker.
pub struct Console {
    pub bar: Bar,
}

impl Console {
    pub fn new() -> Console {
        Console { bar: Bar::new(false) }
    }
}

impl Sink for Console {
    fn send(&mut self, out: Output<'_>) -> engine::Result<()> {
        let r = match out {
            Output::Stdout(b) => write_now(&mut std::io::stdout().lock(), b),
            Output::Stderr(b) => write_now(&mut std::io::stderr().lock(), b),
            Output::Message(m) => {
                self.bar.update(m);
                Ok(())
            }
            Output::Stats(_) => Ok(()),
        };
        match r {
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => std::process::exit(128 + libc::SIGPIPE),
            r => r.map_err(|e| engine::Error::io("write output", e)),
        }
    }
}

fn write_now(w: &mut dyn Write, b: &[u8]) -> std::io::Result<()> {
    w.write_all(b)?;
    w.flush()
}

pub struct Bar {
    on_tty: bool,
    drawn: bool,
}

impl Bar {
    pub fn new(quiet: bool) -> Bar {
        Bar { on_tty: !quiet && std::io::stderr().is_terminal(), drawn: false }
    }

    pub fn update(&mut self, m: &JsonMessage) {
        if !self.on_tty {
            return;
        }
        let (Some(status), Some(detail)) = (&m.status, &m.progress_detail) else { return };
        let current = detail.current.unwrap_or(0);
        let line = match detail.total.filter(|t| *t > 0) {
            Some(total) => {
                let width = 50usize;
                let filled = ((current.min(total) as f64 / total as f64) * width as f64) as usize;
                let arrow = if filled < width { ">" } else { "" };
                format!(
                    "{status} [{}{arrow}{}] {:>9}/{}",
                    "=".repeat(filled),
                    " ".repeat(width.saturating_sub(filled + arrow.len())),
                    crate::format::human_size(current as i64),
                    crate::format::human_size(total as i64)
                )
            }
            None => format!("{status} {}", crate::format::human_size(current as i64)),
        };
        let mut e = std::io::stderr().lock();
        let _ = write!(e, "\r\x1b[2K{line}");
        let _ = e.flush();
        self.drawn = true;
    }

    pub fn done(&mut self) {
        if self.drawn {
            eprintln!();
            self.drawn = false;
        }
    }
}

impl Drop for Bar {
    fn drop(&mut self) {
        self.done();
    }
}
