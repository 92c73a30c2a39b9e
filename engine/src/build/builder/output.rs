//! The build's output: the lines of Docker's classic builder as `{"stream": …}` messages, the
//! result as `{"aux": {"ID": …}}`. With `q` (quiet) the lines are held back and only released
//! if the build fails, as moby does, so that a quiet build that fails still explains why.

use crate::types::{JsonMessage, Progress};

pub struct Output<'p> {
    progress: Progress<'p>,
    quiet: bool,
    held: Vec<JsonMessage>,
    /// The incomplete UTF-8 sequence at the end of the last chunk of `RUN` output.
    partial: Vec<u8>,
}

impl<'p> Output<'p> {
    pub fn new(progress: Progress<'p>, quiet: bool) -> Output<'p> {
        Output { progress, quiet, held: Vec::new(), partial: Vec::new() }
    }

    fn send(&mut self, m: JsonMessage) {
        if self.quiet {
            self.held.push(m);
        } else {
            (self.progress)(&m);
        }
    }

    /// One line of builder output (`Step 1/2 : FROM busybox`); the newline is added.
    pub fn line(&mut self, text: impl std::fmt::Display) {
        self.send(JsonMessage::stream(format!("{text}\n")));
    }

    /// A chunk of a `RUN` command's output, as it comes: whole UTF-8 characters only, the rest of
    /// a character split across chunks waits for the next one.
    pub fn bytes(&mut self, chunk: &[u8]) {
        self.partial.extend_from_slice(chunk);
        let valid = complete_prefix(&self.partial);
        if valid == 0 {
            return;
        }
        let rest = self.partial.split_off(valid);
        let text = String::from_utf8_lossy(&self.partial).into_owned();
        self.partial = rest;
        self.send(JsonMessage::stream(text));
    }

    /// The end of a `RUN` command's output: whatever is left, replaced if incomplete.
    pub fn end_bytes(&mut self) {
        if !self.partial.is_empty() {
            let text = String::from_utf8_lossy(&std::mem::take(&mut self.partial)).into_owned();
            self.send(JsonMessage::stream(text));
        }
    }

    /// Progress of a download (`ADD http://…`): shown by front ends that draw bars; never held.
    pub fn progress(&mut self, current: u64, total: Option<u64>) {
        if !self.quiet {
            (self.progress)(&JsonMessage::progress("Downloading", "", current, total));
        }
    }

    /// `{"aux": {"ID": "sha256:…"}}` (never held: clients take the id from it, e.g. `--iidfile`).
    pub fn image_id(&mut self, id: &str) {
        (self.progress)(&JsonMessage { aux: Some(serde_json::json!({ "ID": id })), ..Default::default() });
    }

    /// The last word of a quiet build: the image id alone.
    pub fn quiet_result(&mut self, id: &str) {
        if self.quiet {
            (self.progress)(&JsonMessage::stream(format!("{id}\n")));
        }
    }

    /// The build failed: release what a quiet build held back.
    pub fn failed(&mut self) {
        self.end_bytes();
        for m in std::mem::take(&mut self.held) {
            (self.progress)(&m);
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
        let mut sink = |m: &JsonMessage| got.push(m.stream.clone().unwrap_or_else(|| format!("{:?}", m.aux)));
        let mut out = Output::new(&mut sink, quiet);
        f(&mut out);
        drop(out);
        got
    }

    #[test]
    fn run_output_keeps_characters_whole() {
        let euro = "€".as_bytes();
        let got = collect(false, |o| {
            o.bytes(b"a");
            o.bytes(&euro[..1]);
            o.bytes(&euro[1..]);
            o.bytes(b"\xff b");
            o.bytes(&euro[..2]);
            o.end_bytes();
        });
        assert_eq!(got, ["a", "€", "\u{fffd} b", "\u{fffd}"]);
    }

    #[test]
    fn quiet_holds_lines_until_failure() {
        let got = collect(true, |o| {
            o.line("Step 1/1 : FROM x");
            o.quiet_result("sha256:1");
        });
        assert_eq!(got, ["sha256:1\n"]);
        let got = collect(true, |o| {
            o.line("Step 1/1 : FROM x");
            o.failed();
        });
        assert_eq!(got, ["Step 1/1 : FROM x\n"]);
    }
}
