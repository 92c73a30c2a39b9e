//! Renders the engine's `jsonmessage` progress as a one-line bar on a terminal (stderr), the way
//! the docker CLI draws `Loading layer [====>   ]  12.3MB/700MB`. Off a terminal it prints nothing.

use engine::types::JsonMessage;
use std::io::{IsTerminal, Write};

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
