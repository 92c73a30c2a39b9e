//! `logs`: read the json-file log (no monitor needed), optionally following it until the
//! container stops.

use super::record::monitor_alive;
use crate::error::{Error, IoContext, Result};
use crate::runtime::monitor::logs::LogLine;
use crate::store::Store;
use crate::stream::{Output, Sink};
use crate::types::LogsOptions;
use std::collections::VecDeque;
use std::io::{BufRead, BufReader};

/// How often a follow looks for new lines (the monitor appends them as they come).
const FOLLOW_EVERY: std::time::Duration = std::time::Duration::from_millis(25);

pub fn logs(store: &Store, name: &str, opts: &LogsOptions, sink: &mut dyn Sink) -> Result<()> {
    if !opts.stdout && !opts.stderr {
        return Err(Error::invalid("Bad parameters: you must choose at least one stream"));
    }
    let c = super::load(store, name)?;
    let tail: Option<usize> = match opts.tail.as_str() {
        "" | "all" => None,
        n => Some(n.parse().map_err(|_| Error::invalid(format!("invalid value for \"tail\": {n:?}")))?),
    };
    let file = match std::fs::File::open(c.log_path()) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && !opts.follow => return Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            std::fs::OpenOptions::new().create(true).append(true).open(c.log_path()).ctx("create the log")?
        }
        Err(e) => return Err(Error::io("open the log", e)),
    };
    let mut reader = BufReader::with_capacity(64 * 1024, file);
    let mut line = String::new();
    let mut last: VecDeque<LogLine> = VecDeque::new();
    let keep = |l: &LogLine| -> bool {
        let wanted = match l.stream.as_str() {
            "stderr" => opts.stderr,
            _ => opts.stdout,
        };
        let t = crate::types::unix_seconds(Some(&l.time)) as f64;
        wanted && (opts.since <= 0.0 || t >= opts.since.floor()) && (opts.until <= 0.0 || t <= opts.until)
    };
    let emit = |l: &LogLine, sink: &mut dyn Sink| -> Result<()> {
        let text = if opts.timestamps { format!("{} {}", l.time, l.log) } else { l.log.clone() };
        if l.stream == "stderr" {
            sink.send(Output::Stderr(text.as_bytes()))
        } else {
            sink.send(Output::Stdout(text.as_bytes()))
        }
    };
    // Everything already written.
    loop {
        line.clear();
        let n = reader.read_line(&mut line).ctx("read the log")?;
        if n == 0 || !line.ends_with('\n') {
            break;
        }
        let Ok(l) = serde_json::from_str::<LogLine>(&line) else { continue };
        if !keep(&l) {
            continue;
        }
        match tail {
            Some(0) => {}
            Some(n) => {
                if last.len() == n {
                    last.pop_front();
                }
                last.push_back(l);
            }
            None => emit(&l, sink)?,
        }
    }
    for l in &last {
        emit(l, sink)?;
    }
    if !opts.follow {
        return Ok(());
    }
    // Follow: poll for new lines while the monitor lives, then drain what it wrote last.
    let mut partial = std::mem::take(&mut line);
    loop {
        let alive = monitor_alive(&c.dir);
        loop {
            let n = reader.read_line(&mut partial).ctx("read the log")?;
            if n == 0 || !partial.ends_with('\n') {
                break;
            }
            if let Ok(l) = serde_json::from_str::<LogLine>(&partial) {
                if keep(&l) {
                    emit(&l, sink)?;
                }
            }
            partial.clear();
        }
        if !alive {
            return Ok(());
        }
        crate::stream::sleep(FOLLOW_EVERY, sink.cancel())?;
    }
}
