//! `--health-cmd`, `--health-interval`, `--health-timeout`, `--health-start-period`,
//! `--health-start-interval` (Go durations), `--health-retries`, `--no-healthcheck` →
//! `Config.Healthcheck`, as the docker CLI builds it.

use super::duration::duration;
use super::optional_flag;
use crate::error::{Error, Result};
use crate::types::HealthConfig;

/// The healthcheck flags of `run`/`create`, as typed.
#[derive(Debug, Clone, Default)]
pub struct HealthFlags {
    pub cmd: Option<String>,
    pub interval: Option<String>,
    pub timeout: Option<String>,
    pub start_period: Option<String>,
    pub start_interval: Option<String>,
    pub retries: Option<i64>,
    pub no_healthcheck: bool,
}

impl HealthFlags {
    /// `None` when nothing is set (the image's healthcheck applies); `Test: ["NONE"]` for
    /// `--no-healthcheck`; else the probe (`CMD-SHELL`) and its timings in nanoseconds.
    pub fn config(&self) -> Result<Option<HealthConfig>> {
        let d = |flag: &str, v: &Option<String>| optional_flag(flag, v, duration);
        let interval = d("--health-interval", &self.interval)?;
        let timeout = d("--health-timeout", &self.timeout)?;
        let start_period = d("--health-start-period", &self.start_period)?;
        let start_interval = d("--health-start-interval", &self.start_interval)?;
        let retries = self.retries.unwrap_or(0);
        let cmd = self.cmd.as_deref().unwrap_or("");
        let any = !cmd.is_empty() || [interval, timeout, start_period, start_interval, retries].iter().any(|v| *v != 0);
        if self.no_healthcheck {
            if any {
                return Err(Error::invalid("--no-healthcheck conflicts with --health-* options"));
            }
            return Ok(Some(HealthConfig { test: Some(vec!["NONE".into()]), ..Default::default() }));
        }
        if !any {
            return Ok(None);
        }
        for (name, v) in [
            ("--health-interval", interval),
            ("--health-timeout", timeout),
            ("--health-retries", retries),
            ("--health-start-period", start_period),
            ("--health-start-interval", start_interval),
        ] {
            if v < 0 {
                return Err(Error::invalid(format!("{name} cannot be negative")));
            }
        }
        Ok(Some(HealthConfig {
            test: (!cmd.is_empty()).then(|| vec!["CMD-SHELL".into(), cmd.into()]),
            interval,
            timeout,
            retries,
            start_period,
            start_interval,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn probes_and_timings() {
        assert_eq!(HealthFlags::default().config().unwrap(), None);
        // Zero durations are "not set", as in docker.
        let zero = HealthFlags { interval: Some("0s".into()), ..Default::default() };
        assert_eq!(zero.config().unwrap(), None);
        let f = HealthFlags {
            cmd: Some("wget -q localhost".into()),
            interval: Some("30s".into()),
            timeout: Some("1m30s".into()),
            start_period: Some("5s".into()),
            start_interval: Some("500ms".into()),
            retries: Some(3),
            no_healthcheck: false,
        };
        let want = HealthConfig {
            test: Some(vec!["CMD-SHELL".into(), "wget -q localhost".into()]),
            interval: 30_000_000_000,
            timeout: 90_000_000_000,
            retries: 3,
            start_period: 5_000_000_000,
            start_interval: 500_000_000,
        };
        assert_eq!(f.config().unwrap(), Some(want));
        // Timings alone keep the image's probe.
        let f = HealthFlags { retries: Some(2), ..Default::default() };
        assert_eq!(f.config().unwrap().unwrap().test, None);
        let none = HealthFlags { no_healthcheck: true, ..Default::default() };
        assert_eq!(none.config().unwrap().unwrap().test, Some(vec!["NONE".to_string()]));
    }

    #[test]
    fn refusals() {
        for (f, msg) in [
            (
                HealthFlags { no_healthcheck: true, cmd: Some("true".into()), ..Default::default() },
                "--no-healthcheck conflicts with --health-* options",
            ),
            (
                HealthFlags { interval: Some("-1s".into()), ..Default::default() },
                "--health-interval cannot be negative",
            ),
            (HealthFlags { retries: Some(-1), ..Default::default() }, "--health-retries cannot be negative"),
            (
                HealthFlags { timeout: Some("10".into()), ..Default::default() },
                r#"invalid argument "10" for "--health-timeout" flag: time: missing unit in duration "10""#,
            ),
        ] {
            let e = f.config().unwrap_err();
            assert_eq!((e.kind(), e.message()), (crate::ErrorKind::InvalidArgument, msg));
        }
    }
}
