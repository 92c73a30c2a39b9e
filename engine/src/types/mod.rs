//! The wire JSON of Docker's Engine API, as the engine's own serde types (ARCHITECTURE.md rule 2:
//! one schema). The HTTP body, the C `const char *json`, the Python dict and the JS object are these
//! documents; option structs are never declared twice.
//!
//! Rules every type here keeps:
//! - **Names.** Fields are PascalCase on the wire (`rename_all = "PascalCase"`, with explicit
//!   renames where Go's differ: `ImageID`, `IPAddress`, `UTSMode`…), as moby's Go types. That
//!   holds for the option structs of operations whose inputs are query parameters too
//!   ([`ImageBuildOptions`] `Tags`, `NoCache`…): a query parameter's own spelling (`t`, `q`,
//!   `nocache`) is decoded as well, by an alias or by the case-insensitive match below. The
//!   exceptions are documents Docker itself writes otherwise: the stats document and the image
//!   config document (snake_case), the progress messages and `PathStat` (camelCase).
//! - **Responses** serialise as Docker's Go server does: every field without Go's `omitempty`
//!   is written, at its zero value (`""`, `0`, `false`) or as `null` for a nil list or map (an
//!   `Option` here). A client may index any documented key. Where the spec requires a list or
//!   map that Docker sends as `null` (`ImageSummary.RepoDigests`, `Volume.Labels`…), it is an
//!   empty one here, which the spec asks for and every client reads.
//! - **The image config document** ([`ImageConfig`], its [`RunConfig`]) is not an API response:
//!   its bytes are hashed into the image id and build cache keys, so its serialisation is frozen
//!   and only ever carries set fields, whatever the API types become; it is parsed leniently.
//! - **Requests** are decoded with [`decode`], as Go's `encoding/json` decodes: keys match
//!   case-insensitively, unknown keys are ignored, `null` is the zero value, trailing data is an
//!   error. Request types therefore set `#[serde(default)]` and never `#[serde(flatten)]`.
//! - **Nothing of the runtime**: these types know nothing of cgroups or namespaces; the
//!   container layer converts them (`HostConfig` → the runtime's resources and spec).
//! - The conformance test (`tests/e2e/tests/conformance.rs`) checks the responses against the
//!   Engine API's v1.41 specification.

pub mod build;
pub mod config;
pub mod container;
pub mod decode;
pub mod host_config;
pub mod image;
pub mod image_config;
pub mod message;
pub mod network;
pub mod stats;
pub mod system;
pub mod units;
pub mod volume;

pub use build::ImageBuildOptions;
pub use config::{ContainerConfig, Empty, HealthConfig};
pub use container::*;
pub use decode::{decode, decode_value};
pub use host_config::*;
pub use image::*;
pub use image_config::{History, ImageConfig, RootFs, RunConfig};
pub use message::{JsonMessage, ProgressDetail};
pub use network::*;
pub use stats::Stats;
pub use system::{OpenOptions, SystemInfo, SystemVersion};
pub use volume::*;

/// RFC 3339 with nanoseconds in UTC, as Docker writes `created`.
pub fn rfc3339_nanos(t: std::time::SystemTime) -> String {
    // Go's RFC3339Nano: the fraction without its trailing zeros, none at all when it is zero.
    let s = humantime::format_rfc3339_nanos(t).to_string();
    let Some((whole, frac)) = s.trim_end_matches('Z').split_once('.') else { return s };
    match frac.trim_end_matches('0') {
        "" => format!("{whole}Z"),
        f => format!("{whole}.{f}Z"),
    }
}

/// Parse an RFC 3339 timestamp (any fraction, `Z` or `±HH:MM`) to Unix seconds; 0 when absent or
/// malformed (Docker shows such images as created at the epoch).
pub fn unix_seconds(rfc3339: Option<&str>) -> i64 {
    rfc3339.and_then(parse_rfc3339).unwrap_or(0)
}

fn parse_rfc3339(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    let num = |r: std::ops::Range<usize>| -> Option<i64> { s.get(r)?.parse().ok() };
    if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't' | b' ') {
        return None;
    }
    let (y, m, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (hh, mm, ss) = (num(11..13)?, num(14..16)?, num(17..19)?);
    let mut i = 19;
    if b.get(i) == Some(&b'.') {
        i += 1;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
    }
    let offset = match b.get(i)? {
        b'Z' | b'z' => 0,
        sign @ (b'+' | b'-') => {
            let o = num(i + 1..i + 3)? * 3600 + num(i + 4..i + 6)? * 60;
            if *sign == b'+' {
                o
            } else {
                -o
            }
        }
        _ => return None,
    };
    // Days from the civil date (Howard Hinnant's algorithm).
    let (y, m) = if m <= 2 { (y - 1, m + 9) } else { (y, m - 3) };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * m + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146097 + doe - 719468;
    Some(days * 86400 + hh * 3600 + mm * 60 + ss - offset)
}

#[cfg(test)]
mod tests {
    #[test]
    fn time_round_trip() {
        let t = std::time::UNIX_EPOCH + std::time::Duration::new(1_700_000_000, 123);
        let s = super::rfc3339_nanos(t);
        assert_eq!(s, "2023-11-14T22:13:20.000000123Z");
        let whole = std::time::UNIX_EPOCH + std::time::Duration::new(1_700_000_000, 120_000_000);
        assert_eq!(super::rfc3339_nanos(whole), "2023-11-14T22:13:20.12Z");
        let whole = std::time::UNIX_EPOCH + std::time::Duration::new(1_700_000_000, 0);
        assert_eq!(super::rfc3339_nanos(whole), "2023-11-14T22:13:20Z");
        assert_eq!(super::unix_seconds(Some(&s)), 1_700_000_000);
        assert_eq!(super::unix_seconds(Some("2013-06-03T10:00:00-07:00")), 1370278800);
        assert_eq!(super::unix_seconds(None), 0);
    }
}
