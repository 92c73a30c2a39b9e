//! Progress of long reads as Docker's `jsonmessage`s (`{"status":"Importing","progressDetail":…}`),
//! rate-limited so a fast import does not spend its time reporting.

use crate::types::{JsonMessage, Progress};
use std::io::Read;
use std::time::{Duration, Instant};

pub struct ProgressReader<'p, R> {
    inner: R,
    what: &'static str,
    total: Option<u64>,
    done: u64,
    last: Instant,
    progress: Progress<'p>,
}

const EVERY: Duration = Duration::from_millis(100);

impl<'p, R: Read> ProgressReader<'p, R> {
    pub fn new(inner: R, what: &'static str, total: Option<u64>, progress: Progress<'p>) -> Self {
        ProgressReader { inner, what, total, done: 0, last: Instant::now(), progress }
    }

    /// Report the final count (call once the read is complete).
    pub fn finish(&mut self) {
        (self.progress)(&JsonMessage::progress(self.what, "", self.done, self.total));
    }
}

impl<R: Read> Read for ProgressReader<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.done += n as u64;
        if self.last.elapsed() >= EVERY {
            self.last = Instant::now();
            (self.progress)(&JsonMessage::progress(self.what, "", self.done, self.total));
        }
        Ok(n)
    }
}
