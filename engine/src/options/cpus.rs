//! `--cpus 1.5` → `NanoCpus` 1500000000: the docker CLI's `ParseCPUs`, exact (a rational number,
//! never a float): `1.5`, `0.25`, `2e-1`, `3/2`; more precision than a nanocpu is refused.
//! The range (at least 0.01, at most the host's CPUs) is the engine's check at create.

use crate::error::{Error, Result};

const NANO_DIGITS: i32 = 9;

/// The number of CPUs `s` names, in nanocpus.
pub fn nano_cpus(s: &str) -> Result<i64> {
    let unparsable = || Error::invalid(format!("failed to parse {s} as a rational number"));
    let (num, den) = match s.split_once('/') {
        // The denominator has no sign (Go's `big.Rat`).
        Some((a, b)) if !b.starts_with(['+', '-']) => {
            (integer(a).ok_or_else(unparsable)?, integer(b).ok_or_else(unparsable)?)
        }
        Some(_) => return Err(unparsable()),
        None => {
            let (mantissa, exp) = decimal(s).ok_or_else(unparsable)?;
            // mantissa × 10^exp × 10^9, over 1 or over a power of ten.
            let k = exp + NANO_DIGITS;
            if k >= 0 {
                (
                    mantissa
                        .checked_mul(10i128.checked_pow(k as u32).ok_or_else(out_of_range)?)
                        .ok_or_else(out_of_range)?,
                    1,
                )
            } else {
                (mantissa, 10i128.checked_pow((-k) as u32).ok_or_else(too_precise)?)
            }
        }
    };
    if den == 0 {
        return Err(unparsable());
    }
    let nano = if s.contains('/') { num.checked_mul(1_000_000_000).ok_or_else(out_of_range)? } else { num };
    if nano % den != 0 {
        return Err(too_precise());
    }
    i64::try_from(nano / den).map_err(|_| out_of_range())
}

fn too_precise() -> Error {
    Error::invalid("value is too precise")
}

fn out_of_range() -> Error {
    Error::invalid("value out of range")
}

/// `[+-]digits`
fn integer(s: &str) -> Option<i128> {
    let digits = s.strip_prefix(['+', '-']).unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// `[+-]digits[.digits][(e|E)[+-]digits]` (either side of the point may be empty, not both) as
/// `mantissa × 10^exp`.
fn decimal(s: &str) -> Option<(i128, i32)> {
    let (body, exp) = match s.find(['e', 'E']) {
        Some(i) => (&s[..i], i32::try_from(integer(&s[i + 1..])?).ok()?),
        None => (s, 0),
    };
    let (neg, body) = match body.strip_prefix('-') {
        Some(b) => (true, b),
        None => (false, body.strip_prefix('+').unwrap_or(body)),
    };
    let (int, frac) = body.split_once('.').unwrap_or((body, ""));
    if int.is_empty() && frac.is_empty() || !(int.bytes().chain(frac.bytes())).all(|b| b.is_ascii_digit()) {
        return None;
    }
    let digits = format!("{int}{frac}");
    let trimmed = digits.trim_end_matches('0');
    let zeros = (digits.len() - trimmed.len()) as i32;
    let mantissa: i128 = if trimmed.is_empty() { 0 } else { trimmed.parse().ok()? };
    let exp = exp.checked_sub(frac.len() as i32)?.checked_add(zeros)?;
    Some((if neg { -mantissa } else { mantissa }, exp))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;

    #[test]
    fn rational_numbers_of_cpus() {
        for (s, n) in [
            ("1", 1_000_000_000),
            ("1.5", 1_500_000_000),
            ("0.5", 500_000_000),
            (".25", 250_000_000),
            ("2.", 2_000_000_000),
            ("+2", 2_000_000_000),
            ("0.000000001", 1),
            ("1.000000000000", 1_000_000_000),
            ("2e-1", 200_000_000),
            ("1E2", 100_000_000_000),
            ("3/2", 1_500_000_000),
            ("1/4", 250_000_000),
            ("0", 0),
            ("-1", -1_000_000_000),
        ] {
            assert_eq!(nano_cpus(s).unwrap(), n, "{s}");
        }
    }

    #[test]
    fn refusals_say_what_docker_says() {
        for s in ["", "x", "1.5x", "one", ".", "1/0", "1/x", "1e", "--1", "1..2", " 1", "1/-2"] {
            let e = nano_cpus(s).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::InvalidArgument);
            assert_eq!(e.message(), format!("failed to parse {s} as a rational number"), "{s:?}");
        }
        for s in ["0.0000000001", "1/3", "1e-10"] {
            assert_eq!(nano_cpus(s).unwrap_err().message(), "value is too precise", "{s}");
        }
        assert_eq!(nano_cpus("1e30").unwrap_err().message(), "value out of range");
    }
}
