//! The monitor's socket protocol (`<state>/monitor.sock`, a path socket, mode 0600): one JSON
//! request line per connection, then either one JSON reply line or, for attach, a stream of
//! frames. Frames use Docker's stdcopy header so the HTTP server can pass them on unchanged:
//! `[stream u8, 0, 0, 0, len u32 big-endian] payload` (stream 0 stdin, 1 stdout, 2 stderr).

use serde::{Deserialize, Serialize};
use std::io::{Read, Write};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Request {
    /// Stream the container's live output (and feed its stdin if `Stdin`). `client`: the token
    /// of a registration made before the start (see `runtime::clients`).
    Attach {
        stdin: bool,
        stdout: bool,
        stderr: bool,
        #[serde(default)]
        client: Option<String>,
    },
    Resize {
        height: u16,
        width: u16,
    },
    Kill {
        signal: i32,
    },
    /// Stop: send `signal`, SIGKILL after `timeout` seconds (negative = wait forever); no restart.
    Stop {
        signal: i32,
        timeout: i64,
    },
    /// Reply when the current run exits. `client` as for `Attach`.
    Wait {
        #[serde(default)]
        client: Option<String>,
    },
    /// Resize the terminal of the exec `exec` (served by that exec's monitor).
    ResizeExec {
        height: u16,
        width: u16,
    },
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Reply {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// For `Wait`/`Stop`: the exit code of the run.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status_code: Option<i32>,
    /// For `Attach`: bytes of the log file written before this client was registered (everything
    /// after it reaches the client live), and where the current run's output starts.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub log_offset: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub run_log_offset: Option<u64>,
}

impl Reply {
    /// A process that could not start: the error and its exit code.
    pub fn failed(error: impl Into<String>, code: i32) -> Reply {
        Reply { error: Some(error.into()), status_code: Some(code), ..Default::default() }
    }
}

pub const STDIN: u8 = 0;
pub const STDOUT: u8 = 1;
pub const STDERR: u8 = 2;

pub fn frame_header(stream: u8, len: usize) -> [u8; 8] {
    let l = (len as u32).to_be_bytes();
    [stream, 0, 0, 0, l[0], l[1], l[2], l[3]]
}

pub fn write_frame(w: &mut dyn Write, stream: u8, data: &[u8]) -> std::io::Result<()> {
    w.write_all(&frame_header(stream, data.len()))?;
    w.write_all(data)
}

/// Read one frame; `None` at a clean end of stream.
pub fn read_frame(r: &mut dyn Read, buf: &mut Vec<u8>) -> std::io::Result<Option<u8>> {
    let mut h = [0u8; 8];
    let mut got = 0;
    while got < 8 {
        match r.read(&mut h[got..]) {
            Ok(0) if got == 0 => return Ok(None),
            Ok(0) => return Err(std::io::ErrorKind::UnexpectedEof.into()),
            Ok(n) => got += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    let len = u32::from_be_bytes([h[4], h[5], h[6], h[7]]) as usize;
    buf.resize(len, 0);
    r.read_exact(buf)?;
    Ok(Some(h[0]))
}
/// The last frame of an attach or exec stream: `{"StatusCode": n}` (or `{"Error": …}`).
pub const EXIT: u8 = 3;
