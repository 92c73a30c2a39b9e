//! Durations (`--health-interval 30s`) and points in time (`logs --since 10m`, `--until
//! 2013-01-02T13:23:37Z`): Go's `time.ParseDuration` and the docker CLI's `GetTimestamp`, which
//! takes a duration before now, an RFC 3339 date or time (in the caller's zone when it names
//! none), or Unix seconds.

use crate::build::dockerfile::compat::{parse_duration, quote, time_quote};
use crate::error::{Error, Result};
use std::time::{SystemTime, UNIX_EPOCH};

/// A Go duration (`1h30m`, `250ms`, `-1.5s`), in nanoseconds.
pub fn duration(s: &str) -> Result<i64> {
    parse_duration(s).map_err(Error::invalid)
}

/// A point in time as Unix seconds (fractions kept): `10m` (that long before `now`), `2013-01-02`,
/// `2013-01-02T13:23`, `2013-01-02T13:23:37.5+01:00`, `1356, 1356.5`. A date or time without a
/// zone is in the caller's zone at `now`, as docker reads it.
pub fn timestamp(value: &str, now: SystemTime) -> Result<f64> {
    let now_ns = match now.duration_since(UNIX_EPOCH) {
        Ok(d) => d.as_nanos() as i128,
        Err(e) => -(e.duration().as_nanos() as i128),
    };
    if value != "0" {
        if let Ok(d) = parse_duration(value) {
            // Whole seconds, as docker sends them.
            return Ok((now_ns - i128::from(d)).div_euclid(1_000_000_000) as f64);
        }
    }
    let local = !(value.contains(['z', 'Z', '+']) || value.matches('-').count() == 3);
    let layout = if value.contains('.') {
        if local {
            "2006-01-02T15:04:05.999999999"
        } else {
            "2006-01-02T15:04:05.999999999Z07:00"
        }
    } else if value.contains('T') {
        // The colons of the time of day (an offset's own colon does not count).
        let mut colons = value.matches(':').count();
        if !local && !value.contains(['z', 'Z']) && colons > 0 {
            colons -= 1;
        }
        match (local, colons) {
            (true, 0) => "2006-01-02T15",
            (true, 1) => "2006-01-02T15:04",
            (true, _) => "2006-01-02T15:04:05",
            (false, 0) => "2006-01-02T15Z07:00",
            (false, 1) => "2006-01-02T15:04Z07:00",
            (false, _) => "2006-01-02T15:04:05Z07:00",
        }
    } else if local {
        "2006-01-02"
    } else {
        "2006-01-02Z07:00"
    };
    match parse_time(value, layout, local_offset((now_ns.div_euclid(1_000_000_000)) as i64)) {
        Ok(t) => Ok(t),
        // Something like a date that is not one: Go's reason.
        Err(e) if value.contains('-') => Err(e),
        Err(_) => unix_seconds(value)
            .ok_or_else(|| Error::invalid(format!("failed to parse value as time or duration: {}", quote(value)))),
    }
}

/// `seconds[.fraction]`, as the Engine API takes `since`.
fn unix_seconds(s: &str) -> Option<f64> {
    let (int, frac) = s.split_once('.').map_or((s, None), |(i, f)| (i, Some(f)));
    let digits = |d: &str| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit());
    if !digits(int.strip_prefix('+').unwrap_or(int)) || frac.is_some_and(|f| !digits(f)) {
        return None;
    }
    s.trim_start_matches('+').parse().ok()
}

/// The offset from UTC, in seconds, of the caller's zone at `secs`.
fn local_offset(secs: i64) -> i64 {
    let t = secs as libc::time_t;
    // SAFETY: localtime_r fills the local tm it is given.
    unsafe {
        let mut tm: libc::tm = std::mem::zeroed();
        if libc::localtime_r(&t, &mut tm).is_null() {
            return 0;
        }
        tm.tm_gmtoff
    }
}

/// Go's `time.Parse` for the layouts `timestamp` uses (their elements: `2006 01 02 15 04 05`, an
/// optional `.999999999`, `Z07:00`, and the literals `-`, `T`, `:`), with Go's messages.
fn parse_time(value: &str, layout: &str, default_offset: i64) -> Result<f64> {
    let bad = |rest: &str, elem: &str| {
        Error::invalid(format!(
            "parsing time {} as {}: cannot parse {} as {}",
            time_quote(value),
            time_quote(layout),
            time_quote(rest),
            time_quote(elem)
        ))
    };
    let out_of_range = |what: &str| Error::invalid(format!("parsing time {}: {what} out of range", time_quote(value)));
    let (mut year, mut month, mut day, mut hour, mut min, mut sec, mut nsec) = (0, 1, 1, 0, 0, 0, 0i64);
    let mut offset = None;
    let (mut rest, mut lay) = (value, layout);
    while !lay.is_empty() {
        let elem = ["2006", "01", "02", "15", "04", "05", ".999999999", "Z07:00"]
            .into_iter()
            .find(|e| lay.starts_with(e))
            .unwrap_or(&lay[..1]);
        lay = &lay[elem.len()..];
        match elem {
            "2006" => {
                let y = rest.get(..4).filter(|y| y.bytes().all(|b| b.is_ascii_digit()));
                year = y.ok_or_else(|| bad(rest, elem))?.parse().expect("digits");
                rest = &rest[4..];
            }
            "01" | "02" | "15" | "04" | "05" => {
                let (n, r) = number(rest, elem != "15").ok_or_else(|| bad(rest, elem))?;
                let (slot, max, name) = match elem {
                    "01" => (&mut month, 12, "month"),
                    "02" => (&mut day, 31, ""),
                    "15" => (&mut hour, 23, "hour"),
                    "04" => (&mut min, 59, "minute"),
                    _ => (&mut sec, 59, "second"),
                };
                if !name.is_empty() && (n > max || (elem == "01" && n == 0)) {
                    return Err(out_of_range(name));
                }
                *slot = n;
                rest = r;
                // Go reads a fraction after the seconds even where the layout has none.
                if elem == "05" && !lay.starts_with('.') {
                    (nsec, rest) = fraction(rest);
                }
            }
            ".999999999" => (nsec, rest) = fraction(rest),
            "Z07:00" => {
                if let Some(r) = rest.strip_prefix('Z') {
                    offset = Some(0);
                    rest = r;
                    continue;
                }
                let b = rest.as_bytes();
                let digit = |i: usize| b.get(i).filter(|c| c.is_ascii_digit()).map(|c| i64::from(c - b'0'));
                let (Some(sign @ (b'+' | b'-')), Some(h1), Some(h2), Some(b':'), Some(m1), Some(m2)) =
                    (b.first().copied(), digit(1), digit(2), b.get(3).copied(), digit(4), digit(5))
                else {
                    return Err(bad(rest, elem));
                };
                let o = ((h1 * 10 + h2) * 60 + m1 * 10 + m2) * 60;
                offset = Some(if sign == b'-' { -o } else { o });
                rest = &rest[6..];
            }
            literal => rest = rest.strip_prefix(literal).ok_or_else(|| bad(rest, literal))?,
        }
    }
    if !rest.is_empty() {
        return Err(Error::invalid(format!("parsing time {}: extra text: {}", time_quote(value), time_quote(rest))));
    }
    if day < 1 || day > days_in(month, year) {
        return Err(out_of_range("day"));
    }
    let utc = crate::types::unix_seconds(Some(&format!("{year:04}-{month:02}-{day:02}T{hour:02}:{min:02}:{sec:02}Z")));
    Ok((utc - offset.unwrap_or(default_offset)) as f64 + nsec as f64 / 1e9)
}

/// Go's `getnum`: one or two digits, exactly two if `fixed`.
fn number(s: &str, fixed: bool) -> Option<(i64, &str)> {
    let digit = |i: usize| s.as_bytes().get(i).filter(|b| b.is_ascii_digit()).map(|b| i64::from(b - b'0'));
    let first = digit(0)?;
    match digit(1) {
        Some(second) => Some((first * 10 + second, &s[2..])),
        None if fixed => None,
        None => Some((first, &s[1..])),
    }
}

/// `.digits` (when present) as nanoseconds, and what follows.
fn fraction(s: &str) -> (i64, &str) {
    let Some(f) = s.strip_prefix(['.', ',']).filter(|f| f.starts_with(|c: char| c.is_ascii_digit())) else {
        return (0, s);
    };
    let n = f.bytes().take_while(u8::is_ascii_digit).count();
    let digits = &f[..n.min(9)];
    let nanos = digits.parse::<i64>().expect("digits") * 10i64.pow(9 - digits.len() as u32);
    (nanos, &f[n..])
}

fn days_in(month: i64, year: i64) -> i64 {
    match month {
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;
    use std::time::Duration;

    fn at(secs: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(secs)
    }

    #[test]
    fn go_durations() {
        assert_eq!(duration("1h30m").unwrap(), 5_400_000_000_000);
        assert_eq!(duration("250ms").unwrap(), 250_000_000);
        assert_eq!(duration("0").unwrap(), 0);
        assert_eq!(duration("-1.5s").unwrap(), -1_500_000_000);
        let e = duration("10").unwrap_err();
        assert_eq!((e.kind(), e.message()), (ErrorKind::InvalidArgument, r#"time: missing unit in duration "10""#));
        assert_eq!(duration("1x").unwrap_err().message(), r#"time: unknown unit "x" in duration "1x""#);
        assert_eq!(duration("x").unwrap_err().message(), r#"time: invalid duration "x""#);
    }

    #[test]
    fn durations_before_now() {
        let now = at(1_700_000_000) + Duration::from_millis(700);
        assert_eq!(timestamp("10m", now).unwrap(), 1_699_999_400.0);
        assert_eq!(timestamp("1h30m", now).unwrap(), 1_699_994_600.0);
        assert_eq!(timestamp("1.5s", now).unwrap(), 1_699_999_999.0);
        // `0` is Unix seconds, not a duration.
        assert_eq!(timestamp("0", now).unwrap(), 0.0);
    }

    #[test]
    fn dates_and_times_with_a_zone() {
        let now = at(1_700_000_000);
        for (s, t) in [
            ("2013-01-02T13:23:37Z", 1_357_133_017.0),
            ("2013-01-02T13:23:37.5Z", 1_357_133_017.5),
            ("2013-01-02T13:23:37+01:00", 1_357_129_417.0),
            ("2013-01-02T13:23:37.25-07:00", 1_357_158_217.25),
            ("2013-01-02T13:23Z", 1_357_132_980.0),
            ("2013-01-02T13Z", 1_357_131_600.0),
            ("2013-01-02T13:23+01:00", 1_357_129_380.0),
            ("2013-01-02Z", 1_357_084_800.0),
            ("2013-01-02-01:00", 1_357_088_400.0),
            ("2100-01-01T00:00:00Z", 4_102_444_800.0),
            ("2012-02-29T00:00:00Z", 1_330_473_600.0),
        ] {
            assert_eq!(timestamp(s, now).unwrap(), t, "{s}");
        }
    }

    #[test]
    fn dates_and_times_without_a_zone_are_local() {
        let now = at(1_700_000_000);
        let off = local_offset(1_700_000_000) as f64;
        assert_eq!(timestamp("2013-01-02", now).unwrap(), 1_357_084_800.0 - off);
        assert_eq!(timestamp("2013-01-02T13", now).unwrap(), 1_357_131_600.0 - off);
        assert_eq!(timestamp("2013-01-02T13:23:37", now).unwrap(), 1_357_133_017.0 - off);
        assert_eq!(timestamp("2013-01-02T13:23:37.5", now).unwrap(), 1_357_133_017.5 - off);
    }

    #[test]
    fn unix_seconds_pass_through() {
        let now = at(1_700_000_000);
        assert_eq!(timestamp("1356", now).unwrap(), 1356.0);
        assert_eq!(timestamp("1356.5", now).unwrap(), 1356.5);
    }

    #[test]
    fn refusals_say_what_docker_says() {
        let now = at(1_700_000_000);
        for (s, msg) in [
            ("foo", r#"failed to parse value as time or duration: "foo""#),
            ("1356.", r#"failed to parse value as time or duration: "1356.""#),
            ("", r#"failed to parse value as time or duration: """#),
            ("2013-13-01", r#"parsing time "2013-13-01": month out of range"#),
            ("2013-02-30", r#"parsing time "2013-02-30": day out of range"#),
            ("2013-01-02T25:00Z", r#"parsing time "2013-01-02T25:00Z": hour out of range"#),
            ("2013-01-02T10:61", r#"parsing time "2013-01-02T10:61": minute out of range"#),
            ("2013-1-02", r#"parsing time "2013-1-02" as "2006-01-02": cannot parse "1-02" as "01""#),
            ("2013-01/02", r#"parsing time "2013-01/02" as "2006-01-02": cannot parse "/02" as "-""#),
            ("2013/01/02", r#"failed to parse value as time or duration: "2013/01/02""#),
            ("2013-01-02x", r#"parsing time "2013-01-02x": extra text: "x""#),
            ("-5", r#"parsing time "-5" as "2006-01-02": cannot parse "-5" as "2006""#),
            (
                "2013-01-02T10:00:00+0100",
                r#"parsing time "2013-01-02T10:00:00+0100" as "2006-01-02T15:04Z07:00": cannot parse ":00+0100" as "Z07:00""#,
            ),
            (
                "2013-01-02T10:00+01",
                r#"parsing time "2013-01-02T10:00+01" as "2006-01-02T15Z07:00": cannot parse ":00+01" as "Z07:00""#,
            ),
        ] {
            let e = timestamp(s, now).unwrap_err();
            assert_eq!((e.kind(), e.message()), (ErrorKind::InvalidArgument, msg), "{s:?}");
        }
    }
}
