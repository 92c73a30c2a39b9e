//! The json-file log driver, as Docker writes it: one JSON object per line,
//! `{"log":"text\n","stream":"stdout","time":"2024-01-01T00:00:00.000000001Z"}`; lines longer than
//! 16 KiB are split (without a trailing newline in `log`), as Docker does.

use std::fs::File;
use std::io::Write;

const MAX_LINE: usize = 16 * 1024;

pub struct JsonLog {
    file: File,
    /// Bytes in the file: the offset attach clients replay up to.
    pub offset: u64,
    partial: [Vec<u8>; 2],
}

impl JsonLog {
    pub fn open(path: &std::path::Path) -> std::io::Result<JsonLog> {
        let file = std::fs::OpenOptions::new().create(true).append(true).open(path)?;
        let offset = file.metadata()?.len();
        Ok(JsonLog { file, offset, partial: [Vec::new(), Vec::new()] })
    }

    /// Record output of `stream` (1 stdout, 2 stderr).
    pub fn write(&mut self, stream: u8, mut data: &[u8]) -> std::io::Result<()> {
        let i = if stream == 2 { 1 } else { 0 };
        while !data.is_empty() {
            match memchr(b'\n', data) {
                Some(nl) => {
                    let mut line = std::mem::take(&mut self.partial[i]);
                    line.extend_from_slice(&data[..=nl]);
                    self.emit(stream, &line)?;
                    data = &data[nl + 1..];
                }
                None => {
                    self.partial[i].extend_from_slice(data);
                    data = &[];
                }
            }
            while self.partial[i].len() >= MAX_LINE {
                let rest = self.partial[i].split_off(MAX_LINE);
                let chunk = std::mem::replace(&mut self.partial[i], rest);
                self.emit(stream, &chunk)?;
            }
        }
        Ok(())
    }

    /// Write out unterminated output (at exit).
    pub fn flush_partial(&mut self) -> std::io::Result<()> {
        for (i, stream) in [(0usize, 1u8), (1, 2)] {
            let p = std::mem::take(&mut self.partial[i]);
            if !p.is_empty() {
                self.emit(stream, &p)?;
            }
        }
        Ok(())
    }

    fn emit(&mut self, stream: u8, text: &[u8]) -> std::io::Result<()> {
        let mut line = Vec::with_capacity(text.len() + 80);
        line.extend_from_slice(b"{\"log\":");
        json_string(&mut line, &String::from_utf8_lossy(text));
        line.extend_from_slice(if stream == 2 {
            b",\"stream\":\"stderr\",\"time\":\""
        } else {
            b",\"stream\":\"stdout\",\"time\":\""
        });
        line.extend_from_slice(crate::types::rfc3339_nanos(std::time::SystemTime::now()).as_bytes());
        line.extend_from_slice(b"\"}\n");
        self.file.write_all(&line)?;
        self.offset += line.len() as u64;
        Ok(())
    }
}

fn memchr(b: u8, s: &[u8]) -> Option<usize> {
    s.iter().position(|&x| x == b)
}

/// A JSON string literal (quotes included).
pub fn json_string(out: &mut Vec<u8>, s: &str) {
    out.push(b'"');
    for c in s.chars() {
        match c {
            '"' => out.extend_from_slice(b"\\\""),
            '\\' => out.extend_from_slice(b"\\\\"),
            '\n' => out.extend_from_slice(b"\\n"),
            '\r' => out.extend_from_slice(b"\\r"),
            '\t' => out.extend_from_slice(b"\\t"),
            c if (c as u32) < 0x20 => out.extend_from_slice(format!("\\u{:04x}", c as u32).as_bytes()),
            c => {
                let mut b = [0u8; 4];
                out.extend_from_slice(c.encode_utf8(&mut b).as_bytes());
            }
        }
    }
    out.push(b'"');
}

/// One parsed log line (for `logs` and attach replay).
#[derive(serde::Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct LogLine {
    pub log: String,
    pub stream: String,
    pub time: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_and_partials() {
        let t = tempfile::tempdir().unwrap();
        let p = t.path().join("log");
        let mut l = JsonLog::open(&p).unwrap();
        l.write(1, b"hel").unwrap();
        l.write(2, b"err\n").unwrap();
        l.write(1, b"lo\n\"q\"\tx\n").unwrap();
        l.write(1, b"tail").unwrap();
        l.flush_partial().unwrap();
        let text = std::fs::read_to_string(&p).unwrap();
        let lines: Vec<LogLine> = text.lines().map(|x| serde_json::from_str(x).unwrap()).collect();
        let got: Vec<(&str, &str)> = lines.iter().map(|l| (l.stream.as_str(), l.log.as_str())).collect();
        assert_eq!(got, vec![("stderr", "err\n"), ("stdout", "hello\n"), ("stdout", "\"q\"\tx\n"), ("stdout", "tail")]);
        assert_eq!(l.offset, text.len() as u64);
    }
}
