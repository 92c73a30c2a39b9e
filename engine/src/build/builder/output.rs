//! The build's output: the lines of Docker's classic builder as `{"stream": …}` messages, the
//! result as `{"aux": {"ID": …}}`. With `q` (quiet) the lines are held back and only released
//! if the build fails, as moby does, so that a quiet build that fails still explains why.
//!
//! Every call answers whether the build may go on: the sink's answer for what is sent, the
//! sink's cancellation token for what is held back.

use crate::error::Result;
use crate::stream::{self, Cancel, Sink};
use crate::types::JsonMessage;

pub struct Output<'p> {
    sink: &'p mut dyn Sink,
    quiet: bool,
    held: Vec<JsonMessage>,
    /// The incomplete UTF-8 sequence at the end of the last chunk of `RUN` output.
    partial: Vec<u8>,
}

impl<'p> Output<'p> {
    pub fn new(sink: &'p mut dyn Sink, quiet: bool) -> Output<'p> {
        Output { sink, quiet, held: Vec::new(), partial: Vec::new() }
    }

    /// The token that stops the build while nothing is sent (a silent `RUN`).
    pub fn cancel(&self) -> Option<&Cancel> {
        self.sink.cancel()
    }

    fn send(&mut self, m: JsonMessage) -> Result<()> {
        if self.quiet {
            self.held.push(m);
            stream::check(self.sink)
        } else {
            stream::message(self.sink, &m)
        }
    }

    /// One line of builder output (`Step 1/2 : FROM busybox`); the newline is added.
    pub fn line(&mut self, text: impl std::fmt::Display) -> Result<()> {
        self.send(JsonMessage::stream(format!("{text}\n")))
    }

    /// A chunk of a `RUN` command's output, as it comes: whole UTF-8 characters only, the rest of
    /// a character split across chunks waits for the next one.
    pub fn bytes(&mut self, chunk: &[u8]) -> Result<()> {
        self.partial.extend_from_slice(chunk);
        let valid = complete_prefix(&self.partial);
        if valid == 0 {
            return Ok(());
        }
        let rest = self.partial.split_off(valid);
        let text = String::from_utf8_lossy(&self.partial).into_owned();
        self.partial = rest;
        self.send(JsonMessage::stream(text))
    }

    /// The end of a `RUN` command's output: whatever is left, replaced if incomplete.
    pub fn end_bytes(&mut self) -> Result<()> {
        if self.partial.is_empty() {
            return Ok(());
        }
        let text = String::from_utf8_lossy(&std::mem::take(&mut self.partial)).into_owned();
        self.send(JsonMessage::stream(text))
    }

    /// Progress of a download (`ADD http://…`): shown by front ends that draw bars; never held.
    pub fn progress(&mut self, current: u64, total: Option<u64>) -> Result<()> {
        if self.quiet {
            return stream::check(self.sink);
        }
        stream::message(self.sink, &JsonMessage::progress("Downloading", "", current, total))
    }

    /// `{"aux": {"ID": "sha256:…"}}` (never held: clients take the id from it, e.g. `--iidfile`).
    pub fn image_id(&mut self, id: &str) -> Result<()> {
        stream::message(self.sink, &JsonMessage { aux: Some(serde_json::json!({ "ID": id })), ..Default::default() })
    }

    /// The last word of a quiet build: the image id alone.
    pub fn quiet_result(&mut self, id: &str) -> Result<()> {
        if self.quiet {
            stream::message(self.sink, &JsonMessage::stream(format!("{id}\n")))?;
        }
        Ok(())
    }

    /// The build failed: release what a quiet build held back (a caller who stopped the build
    /// gets nothing more).
    pub fn failed(&mut self) {
        if stream::check(self.sink).is_err() {
            return;
        }
        let _ = self.end_bytes();
        for m in std::mem::take(&mut self.held) {
            if stream::message(self.sink, &m).is_err() {
                return;
            }
        }
    }
}

/// The length of `b` without a UTF-8 sequence cut short at its end (invalid bytes elsewhere are
/// left for lossy decoding).
fn complete_prefix(b: &[u8]) -> usize {
    for back in 1..=b.len().min(3) {
        let i = b.len() - back;
        let needed = match b[i] {
            0xC0..=0xDF => 2,
            0xE0..=0xEF => 3,
            0xF0..=0xF7 => 4,
            0x80..=0xBF => continue,
            _ => return b.len(),
        };
        return if back < needed { i } else { b.len() };
    }
    b.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collect(quiet: bool, f: impl FnOnce(&mut Output)) -> Vec<String> {
        let mut got = Vec::new();
        let mut sink = |o: crate::stream::Output<'_>| {
            if let crate::stream::Output::Message(m) = o {
                got.push(m.stream.clone().unwrap_or_else(|| format!("{:?}", m.aux)));
            }
            Ok(())
        };
        let mut out = Output::new(&mut sink, quiet);
        f(&mut out);
        drop(out);
        got
    }

    #[test]
    fn run_output_keeps_characters_whole() {
        let euro = "€".as_bytes();
        let got = collect(false, |o| {
            o.bytes(b"a").unwrap();
            o.bytes(&euro[..1]).unwrap();
            o.bytes(&euro[1..]).unwrap();
            o.bytes(b"\xff b").unwrap();
            o.bytes(&euro[..2]).unwrap();
            o.end_bytes().unwrap();
        });
        assert_eq!(got, ["a", "€", "\u{fffd} b", "\u{fffd}"]);
    }

    #[test]
    fn quiet_holds_lines_until_failure() {
        let got = collect(true, |o| {
            o.line("Step 1/1 : FROM x").unwrap();
            o.quiet_result("sha256:1").unwrap();
        });
        assert_eq!(got, ["sha256:1\n"]);
        let got = collect(true, |o| {
            o.line("Step 1/1 : FROM x").unwrap();
            o.failed();
        });
        assert_eq!(got, ["Step 1/1 : FROM x\n"]);
    }
}
