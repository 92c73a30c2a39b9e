//! Small pieces of Go behaviour that Docker's messages and rules depend on: `%q` quoting,
//! `time.ParseDuration`, `strconv.ParseInt`, `path.Clean`, the Levenshtein "did you mean"
//! suggestion, and the whitespace classes of Go's `unicode.IsSpace` and RE2's `\s`.
//!
//! Written from the documented behaviour of those functions; only what the Dockerfile parser and
//! `.dockerignore` need.

/// Go's `unicode.IsSpace`. Rust's `char::is_whitespace` is the same Unicode `White_Space` set
/// (it includes U+0085 and U+00A0, as Go does).
pub(crate) fn is_space(c: char) -> bool {
    c.is_whitespace()
}

/// The whitespace of the Dockerfile parser's `[\t\v\f\r ]+` separator.
pub(crate) fn is_sep(c: char) -> bool {
    matches!(c, '\t' | '\u{0B}' | '\u{0C}' | '\r' | ' ')
}

/// RE2's `\s`: `[\t\n\f\r ]`.
pub(crate) fn is_re_space(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\u{0C}' | '\r' | ' ')
}

/// Whether Go's `strconv.IsPrint` would print `c` as is. Approximated: Rust has no general
/// category table, so control, non-space whitespace, format and private-use characters are
/// escaped; unassigned code points are printed.
fn is_print(c: char) -> bool {
    if c == ' ' {
        return true;
    }
    if c.is_control() || c.is_whitespace() {
        return false;
    }
    let u = c as u32;
    let format = matches!(u, 0xAD | 0x600..=0x605 | 0x61C | 0x6DD | 0x70F | 0x180E
        | 0x200B..=0x200F | 0x202A..=0x202E | 0x2060..=0x2064 | 0x2066..=0x206F | 0xFEFF
        | 0xFFF9..=0xFFFB | 0xE0001 | 0xE0020..=0xE007F);
    let private = matches!(u, 0xE000..=0xF8FF | 0xF0000..=0xFFFFD | 0x100000..=0x10FFFD);
    let nonchar = (u & 0xFFFE) == 0xFFFE || (0xFDD0..=0xFDEF).contains(&u);
    !(format || private || nonchar)
}

/// Go's `strconv.Quote` (and `%q`, `%#v` of a string).
pub(crate) fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{07}' => out.push_str("\\a"),
            '\u{08}' => out.push_str("\\b"),
            '\u{0C}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{0B}' => out.push_str("\\v"),
            c if is_print(c) => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{7F}' => {
                out.push_str(&format!("\\x{:02x}", c as u32));
            }
            c if (c as u32) < 0x10000 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push_str(&format!("\\U{:08x}", c as u32)),
        }
    }
    out.push('"');
    out
}

/// The quoting of Go's `time` package error messages: `\xNN` for every byte of a non-ASCII or
/// control character.
pub(crate) fn time_quote(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        if (c as u32) >= 0x80 || c < ' ' {
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("\\x{b:02x}"));
            }
        } else {
            if c == '"' || c == '\\' {
                out.push('\\');
            }
            out.push(c);
        }
    }
    out.push('"');
    out
}

/// Go's `time.ParseDuration`, in nanoseconds, with Go's error messages.
pub(crate) fn parse_duration(orig: &str) -> Result<i64, String> {
    let invalid = || format!("time: invalid duration {}", time_quote(orig));
    let mut s = orig;
    let mut neg = false;
    if let Some(c) = s.chars().next() {
        if c == '-' || c == '+' {
            neg = c == '-';
            s = &s[1..];
        }
    }
    if s == "0" {
        return Ok(0);
    }
    if s.is_empty() {
        return Err(invalid());
    }
    const LIMIT: u64 = 1 << 63;
    let mut d: u64 = 0;
    while !s.is_empty() {
        let b = s.as_bytes();
        if !(b[0] == b'.' || b[0].is_ascii_digit()) {
            return Err(invalid());
        }
        // Leading integer.
        let mut v: u64 = 0;
        let mut i = 0;
        while i < b.len() && b[i].is_ascii_digit() {
            if v > LIMIT / 10 {
                return Err(invalid());
            }
            v = v * 10 + u64::from(b[i] - b'0');
            if v > LIMIT {
                return Err(invalid());
            }
            i += 1;
        }
        let pre = i > 0;
        s = &s[i..];
        // Fraction.
        let mut f: u64 = 0;
        let mut scale: f64 = 1.0;
        let mut post = false;
        if s.starts_with('.') {
            s = &s[1..];
            let b = s.as_bytes();
            let mut i = 0;
            let mut overflow = false;
            while i < b.len() && b[i].is_ascii_digit() {
                if !overflow {
                    if f > (LIMIT - 1) / 10 {
                        overflow = true;
                    } else {
                        let y = f * 10 + u64::from(b[i] - b'0');
                        if y > LIMIT {
                            overflow = true;
                        } else {
                            f = y;
                            scale *= 10.0;
                        }
                    }
                }
                i += 1;
            }
            post = i > 0;
            s = &s[i..];
        }
        if !pre && !post {
            return Err(invalid());
        }
        // Unit.
        let end = s.find(|c: char| c == '.' || c.is_ascii_digit()).unwrap_or(s.len());
        if end == 0 {
            return Err(format!("time: missing unit in duration {}", time_quote(orig)));
        }
        let u = &s[..end];
        s = &s[end..];
        let unit: u64 = match u {
            "ns" => 1,
            "us" | "\u{B5}s" | "\u{3BC}s" => 1_000,
            "ms" => 1_000_000,
            "s" => 1_000_000_000,
            "m" => 60_000_000_000,
            "h" => 3_600_000_000_000,
            _ => return Err(format!("time: unknown unit {} in duration {}", time_quote(u), time_quote(orig))),
        };
        if v > LIMIT / unit {
            return Err(invalid());
        }
        v *= unit;
        if f > 0 {
            v += (f as f64 * (unit as f64 / scale)) as u64;
            if v > LIMIT {
                return Err(invalid());
            }
        }
        d += v;
        if d > LIMIT {
            return Err(invalid());
        }
    }
    if neg {
        return Ok((d as i64).wrapping_neg());
    }
    if d > LIMIT - 1 {
        return Err(invalid());
    }
    Ok(d as i64)
}

/// Go's `time.Duration.String()` for the few values that appear in messages.
pub(crate) fn duration_string(ns: i64) -> String {
    match ns {
        0 => "0s".into(),
        n if n % 1_000_000_000 == 0 => format!("{}s", n / 1_000_000_000),
        n if n % 1_000_000 == 0 => format!("{}ms", n / 1_000_000),
        n if n % 1_000 == 0 => format!("{}\u{B5}s", n / 1_000),
        n => format!("{n}ns"),
    }
}

/// Go's `strconv.ParseInt(s, 10, 32)` with its error messages.
pub(crate) fn parse_int32(s: &str) -> Result<i64, String> {
    let syntax = || format!("strconv.ParseInt: parsing {}: invalid syntax", quote(s));
    let digits = s.strip_prefix(['+', '-']).unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(syntax());
    }
    let neg = s.starts_with('-');
    let mut v: i128 = 0;
    for b in digits.bytes() {
        v = v * 10 + i128::from(b - b'0');
        if v > i128::from(i32::MAX) + 1 {
            break;
        }
    }
    let v = if neg { -v } else { v };
    if v < i128::from(i32::MIN) || v > i128::from(i32::MAX) {
        return Err(format!("strconv.ParseInt: parsing {}: value out of range", quote(s)));
    }
    Ok(v as i64)
}

/// Go's `path.Clean` (and `filepath.Clean` on Unix).
pub(crate) fn clean_path(p: &str) -> String {
    if p.is_empty() {
        return ".".into();
    }
    let rooted = p.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for part in p.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                if parts.last().is_some_and(|l| *l != "..") {
                    parts.pop();
                } else if !rooted {
                    parts.push("..");
                }
            }
            other => parts.push(other),
        }
    }
    let joined = parts.join("/");
    match (rooted, joined.is_empty()) {
        (true, _) => format!("/{joined}"),
        (false, true) => ".".into(),
        (false, false) => joined,
    }
}

/// Levenshtein distance over characters (insert, delete, substitute all cost 1).
fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.chars().enumerate() {
        cur[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != *cb);
            cur[j + 1] = sub.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

/// BuildKit's "did you mean" suggestion: the first option closer than 3 edits (strictly closer
/// than any earlier one); none when `value` equals an option. Case-insensitive comparison gives
/// the suggestion in the value's case (all lower or all upper).
pub(crate) fn suggest(value: &str, options: &[&str], case_sensitive: bool) -> Option<String> {
    let val = if case_sensitive { value.to_string() } else { value.to_lowercase() };
    let mut best: Option<String> = None;
    let mut min = 3;
    for opt in options {
        let opt = if case_sensitive { opt.to_string() } else { opt.to_lowercase() };
        if val == opt {
            return None;
        }
        let dist = levenshtein(&val, &opt);
        if dist < min {
            min = dist;
            best = Some(if case_sensitive {
                opt
            } else if value == value.to_lowercase() {
                opt.to_lowercase()
            } else if value == value.to_uppercase() {
                opt.to_uppercase()
            } else {
                opt
            });
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_quote() {
        let cases = [
            ("abc", r#""abc""#),
            ("a\"b", r#""a\"b""#),
            ("a\\b", r#""a\\b""#),
            ("tab\there", r#""tab\there""#),
            ("nl\n", r#""nl\n""#),
            ("\u{1}", r#""\x01""#),
            ("\u{7f}", r#""\x7f""#),
            ("é", "\"é\""),
            ("\u{200b}", r#""\u200b""#),
            ("\u{a0}", r#""\u00a0""#),
        ];
        for (input, want) in cases {
            assert_eq!(quote(input), want, "{input:?}");
        }
    }

    #[test]
    fn go_durations() {
        let ok = [
            ("0", 0),
            ("+0", 0),
            ("-0", 0),
            ("1s", 1_000_000_000),
            ("1.5s", 1_500_000_000),
            (".5s", 500_000_000),
            ("5.s", 5_000_000_000),
            ("1h2m3s", 3_723_000_000_000),
            ("10ms", 10_000_000),
            ("3us", 3_000),
            ("3\u{b5}s", 3_000),
            ("3\u{3bc}s", 3_000),
            ("7ns", 7),
            ("-1m", -60_000_000_000),
            ("2562047h47m16.854775807s", i64::MAX),
            ("-2562047h47m16.854775808s", i64::MIN),
        ];
        for (input, want) in ok {
            assert_eq!(parse_duration(input), Ok(want), "{input}");
        }
        let bad = [
            ("", r#"time: invalid duration """#),
            ("1", r#"time: missing unit in duration "1""#),
            ("1x", r#"time: unknown unit "x" in duration "1x""#),
            ("x", r#"time: invalid duration "x""#),
            (".s", r#"time: invalid duration ".s""#),
            ("-", r#"time: invalid duration "-""#),
            ("9999999999999999999h", r#"time: invalid duration "9999999999999999999h""#),
            ("2562047h47m16.854775808s", r#"time: invalid duration "2562047h47m16.854775808s""#),
            ("1é", r#"time: unknown unit "\xc3\xa9" in duration "1\xc3\xa9""#),
        ];
        for (input, want) in bad {
            assert_eq!(parse_duration(input), Err(want.to_string()), "{input}");
        }
    }

    #[test]
    fn go_parse_int() {
        assert_eq!(parse_int32("3"), Ok(3));
        assert_eq!(parse_int32("+3"), Ok(3));
        assert_eq!(parse_int32("-3"), Ok(-3));
        assert_eq!(parse_int32("2147483647"), Ok(2147483647));
        assert_eq!(parse_int32("-2147483648"), Ok(-2147483648));
        assert_eq!(
            parse_int32("2147483648"),
            Err(r#"strconv.ParseInt: parsing "2147483648": value out of range"#.into())
        );
        assert_eq!(
            parse_int32("99999999999999999999999"),
            Err(r#"strconv.ParseInt: parsing "99999999999999999999999": value out of range"#.into())
        );
        assert_eq!(parse_int32("x"), Err(r#"strconv.ParseInt: parsing "x": invalid syntax"#.into()));
        assert_eq!(parse_int32("1_0"), Err(r#"strconv.ParseInt: parsing "1_0": invalid syntax"#.into()));
        assert_eq!(parse_int32("-"), Err(r#"strconv.ParseInt: parsing "-": invalid syntax"#.into()));
    }

    #[test]
    fn go_clean() {
        let cases = [
            ("", "."),
            (".", "."),
            ("a/b/", "a/b"),
            ("a//b", "a/b"),
            ("./a", "a"),
            ("a/../b", "b"),
            ("../a", "../a"),
            ("a/../..", ".."),
            ("/../a", "/a"),
            ("/", "/"),
            ("//", "/"),
            ("a/./b/.", "a/b"),
            ("!foo/../bar", "bar"),
        ];
        for (input, want) in cases {
            assert_eq!(clean_path(input), want, "{input}");
        }
    }

    #[test]
    fn suggestions() {
        let names = ["FROM", "RUN", "COPY", "ENV"];
        assert_eq!(suggest("FORM", &names, false).as_deref(), Some("FROM"));
        assert_eq!(suggest("form", &names, false).as_deref(), Some("from"));
        assert_eq!(suggest("Form", &names, false).as_deref(), Some("from"));
        assert_eq!(suggest("NOINSTRUCTION", &names, false), None);
        assert_eq!(suggest("chwon", &["chown", "from"], true).as_deref(), Some("chown"));
        assert_eq!(suggest("x", &["xy"], true).as_deref(), Some("xy"));
        assert_eq!(levenshtein("kitten", "sitting"), 3);
    }
}
