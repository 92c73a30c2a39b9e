//! The flags of `docker logs` → `LogsOptions`: both streams, the whole log unless `--tail`,
//! `--since`/`--until` as points in time.

use super::duration::timestamp;
use crate::error::{Error, Result};
use crate::types::LogsOptions;
use std::time::SystemTime;

/// `logs` flags as typed.
#[derive(Debug, Clone, Default)]
pub struct LogsFlags {
    /// `-f`
    pub follow: bool,
    /// `-t`
    pub timestamps: bool,
    /// `-n`, `--tail` (`all` when absent).
    pub tail: Option<String>,
    pub since: Option<String>,
    pub until: Option<String>,
}

impl LogsFlags {
    /// The options, with relative times (`--since 10m`) taken back from `now`.
    pub fn options(&self, now: SystemTime) -> Result<LogsOptions> {
        let time = |name: &str, v: &Option<String>| -> Result<f64> {
            match v.as_deref() {
                // docker sends no bound for an empty value.
                None | Some("") => Ok(0.0),
                Some(v) => timestamp(v, now)
                    .map_err(|e| Error::invalid(format!("invalid value for \"{name}\": {}", e.message()))),
            }
        };
        Ok(LogsOptions {
            follow: self.follow,
            stdout: true,
            stderr: true,
            since: time("since", &self.since)?,
            until: time("until", &self.until)?,
            timestamps: self.timestamps,
            tail: self.tail.clone().unwrap_or_else(|| "all".into()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, UNIX_EPOCH};

    #[test]
    fn defaults_and_times() {
        let now = UNIX_EPOCH + Duration::from_secs(1_000_000);
        let o = LogsFlags::default().options(now).unwrap();
        assert_eq!(o, LogsOptions { stdout: true, stderr: true, tail: "all".into(), ..Default::default() });
        let f = LogsFlags {
            follow: true,
            timestamps: true,
            tail: Some("10".into()),
            since: Some("10m".into()),
            until: Some("2100-01-01T00:00:00Z".into()),
        };
        let o = f.options(now).unwrap();
        assert_eq!(
            (o.since, o.until, o.tail.as_str(), o.follow, o.timestamps),
            (999_400.0, 4_102_444_800.0, "10", true, true)
        );
        let o = LogsFlags { since: Some(String::new()), ..Default::default() }.options(now).unwrap();
        assert_eq!(o.since, 0.0);
        let e = LogsFlags { until: Some("soon".into()), ..Default::default() }.options(now).unwrap_err();
        assert_eq!(e.message(), r#"invalid value for "until": failed to parse value as time or duration: "soon""#);
    }
}
