//! Progress of long reads as Docker's `jsonmessage`s (`{"status":"Importing","progressDetail":…}`),
//! rate-limited so a fast import does not spend its time reporting. The reader is also where a
//! long read stops when its caller says so: the sink's answer, or its token, checked at every read.

use crate::stream::{self, Sink};
use crate::types::JsonMessage;
use std::io::Read;
use std::time::{Duration, Instant};

pub struct ProgressReader<'p, R> {
    inner: R,
    what: &'static str,
    id: String,
    total: Option<u64>,
    done: u64,
    last: Instant,
    sink: &'p mut dyn Sink,
}

const EVERY: Duration = Duration::from_millis(100);

impl<'p, R: Read> ProgressReader<'p, R> {
    pub fn new(inner: R, what: &'static str, total: Option<u64>, sink: &'p mut dyn Sink) -> Self {
        ProgressReader { inner, what, id: String::new(), total, done: 0, last: Instant::now(), sink }
    }

    /// Progress messages carry this `id` (a layer's short id).
    pub fn with_id(mut self, id: String) -> Self {
        self.id = id;
        self
    }

    /// Report the final count (call once the read is complete).
    pub fn finish(&mut self) -> crate::Result<()> {
        stream::message(self.sink, &JsonMessage::progress(self.what, &self.id, self.done, self.total))
    }
}

impl<R: Read> Read for ProgressReader<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        // One atomic load per read: a cancelled token stops the read even between messages.
        stream::check(self.sink)?;
        let n = self.inner.read(buf)?;
        self.done += n as u64;
        if self.last.elapsed() >= EVERY {
            self.last = Instant::now();
            stream::message(self.sink, &JsonMessage::progress(self.what, &self.id, self.done, self.total))?;
        }
        Ok(n)
    }
}
