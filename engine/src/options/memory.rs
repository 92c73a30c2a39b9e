//! Memory sizes (`-m 512m`, `--memory-swap 1g`, `--mount tmpfs-size=64m`, `docker build -m`): the
//! docker CLI's `MemBytes` and `MemSwapBytes`, over go-units' `RAMInBytes`.

use crate::error::{Error, Result};

/// A memory size as go-units' `RAMInBytes` reads it: a number (decimals allowed), an optional
/// space, and an optional case-insensitive binary unit `b`, `k`, `m`, `g`, `t`, `p`, optionally
/// followed by `b` or `ib` (`512m`, `1.5g`, `64MiB`, `100`). Negative sizes are refused.
pub fn memory(s: &str) -> Result<i64> {
    let invalid = || Error::invalid(format!("invalid size: '{s}'"));
    let Some(sep) = s.rfind(|c: char| c.is_ascii_digit() || c == '.' || c == ' ') else {
        return Err(invalid());
    };
    let (num, sfx) = if s.as_bytes()[sep] == b' ' { (&s[..sep], &s[sep + 1..]) } else { (&s[..=sep], &s[sep + 1..]) };
    if num.is_empty() || !num.bytes().all(|b| b.is_ascii_digit() || b == b'.' || b == b'-' || b == b'+') {
        return Err(invalid());
    }
    let size: f64 = num.parse().map_err(|_| invalid())?;
    if size < 0.0 || !size.is_finite() {
        return Err(invalid());
    }
    let bad_suffix = |sfx: &str| Error::invalid(format!("invalid suffix: '{sfx}'"));
    let mul: f64 = if sfx.is_empty() {
        1.0
    } else {
        if sfx.len() > 3 {
            return Err(bad_suffix(sfx));
        }
        let lower = sfx.to_ascii_lowercase();
        let b = lower.as_bytes();
        if b[0] == b'b' {
            if b.len() > 1 {
                return Err(bad_suffix(&lower));
            }
            1.0
        } else {
            let m = match b[0] {
                b'k' => 1u64 << 10,
                b'm' => 1 << 20,
                b'g' => 1 << 30,
                b't' => 1 << 40,
                b'p' => 1 << 50,
                _ => return Err(bad_suffix(&lower)),
            };
            match b.len() {
                2 if b[1] != b'b' => return Err(bad_suffix(&lower)),
                3 if &b[1..] != b"ib" => return Err(bad_suffix(&lower)),
                _ => {}
            }
            m as f64
        }
    };
    let bytes = size * mul;
    if bytes >= i64::MAX as f64 {
        return Err(invalid());
    }
    Ok(bytes as i64)
}

/// `--memory-swap`: a size, or `-1` for unlimited swap (`MemSwapBytes`).
pub fn memory_swap(s: &str) -> Result<i64> {
    if s == "-1" {
        return Ok(-1);
    }
    memory(s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;

    #[test]
    fn sizes_parse_like_the_docker_cli() {
        for (s, v) in [
            ("0", 0),
            ("100", 100),
            ("100b", 100),
            ("32k", 32 << 10),
            ("32K", 32 << 10),
            ("32kb", 32 << 10),
            ("32KiB", 32 << 10),
            ("512m", 512 << 20),
            ("512 MB", 512 << 20),
            ("1.5g", 3 << 29),
            ("2G", 2 << 30),
            ("1t", 1 << 40),
            ("1p", 1 << 50),
        ] {
            assert_eq!(memory(s).unwrap(), v, "{s}");
        }
        for s in ["", "x", "m", "-1", "-5m"] {
            let e = memory(s).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::InvalidArgument);
            assert_eq!(e.message(), format!("invalid size: '{s}'"), "{s}");
        }
        assert_eq!(memory("12x").unwrap_err().message(), "invalid suffix: 'x'");
        assert_eq!(memory("12mx").unwrap_err().message(), "invalid suffix: 'mx'");
        assert_eq!(memory("12bb").unwrap_err().message(), "invalid suffix: 'bb'");
        assert_eq!(memory("12kibb").unwrap_err().message(), "invalid suffix: 'kibb'");
        assert_eq!(memory("1kbytes").unwrap_err().message(), "invalid suffix: 'kbytes'");
        assert_eq!(memory("99999999p").unwrap_err().message(), "invalid size: '99999999p'");
    }

    #[test]
    fn swap_takes_minus_one_and_nothing_else_negative() {
        assert_eq!(memory_swap("-1").unwrap(), -1);
        assert_eq!(memory_swap("1g").unwrap(), 1 << 30);
        assert_eq!(memory_swap("-2").unwrap_err().message(), "invalid size: '-2'");
        // `-m -1` is not a size (docker's MemBytes refuses it too).
        assert!(memory("-1").is_err());
    }
}
