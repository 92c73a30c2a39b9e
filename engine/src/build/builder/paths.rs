//! The path rules of COPY and ADD (pure): which sources are wildcards and how Go's
//! `filepath.Match` reads them, how a source is kept inside its root, and where the destination
//! is, following Docker's classic builder (`copy.go`, `normalizeDest`).

use crate::error::{Error, Result};
use std::path::PathBuf;

/// Docker's `containsWildcards`: an unescaped `*`, `?` or `[`.
pub fn has_wildcards(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'\\' => i += 1,
            b'*' | b'?' | b'[' => return true,
            _ => {}
        }
        i += 1;
    }
    false
}

/// A source path, relative to its root (context or image), cleaned. `..` that would leave the
/// root is refused with moby's message; a leading `/` means the root.
pub fn source_rel(orig: &str) -> Result<PathBuf> {
    crate::safefs::clean_path(orig, false)
        .map_err(|_| Error::invalid(format!("forbidden path outside the build context: {orig} ()")))
}

/// Docker's `normalizeDest`: a relative destination is relative to the working directory; a
/// trailing `/` is kept (it means "into this directory").
pub fn normalize_dest(workdir: &str, dest: &str) -> String {
    if dest.starts_with('/') {
        return dest.to_string();
    }
    let joined = format!("{}/{dest}", if workdir.is_empty() { "/" } else { workdir });
    let mut clean = String::from("/");
    clean.push_str(&crate::safefs::clean_path(&joined, true).map(|p| p.display().to_string()).unwrap_or_default());
    if dest.ends_with('/') && !clean.ends_with('/') {
        clean.push('/');
    }
    clean
}

/// Whether a destination names a directory by its spelling: a trailing `/` (or `/.`, `.`).
pub fn dest_is_dir_syntax(dest: &str) -> bool {
    dest.ends_with('/') || dest.ends_with("/.") || dest == "."
}

/// One component of a Go `filepath.Match` pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Lit(char),
    /// `?`
    Any,
    /// `*`
    Star,
    Class {
        negated: bool,
        ranges: Vec<(char, char)>,
    },
}

fn bad_pattern() -> Error {
    Error::invalid("syntax error in pattern")
}

fn tokens(pattern: &str) -> Result<Vec<Token>> {
    let chars: Vec<char> = pattern.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        match chars[i] {
            '*' => {
                if out.last() != Some(&Token::Star) {
                    out.push(Token::Star);
                }
            }
            '?' => out.push(Token::Any),
            '\\' => {
                i += 1;
                out.push(Token::Lit(*chars.get(i).ok_or_else(bad_pattern)?));
            }
            '[' => {
                i += 1;
                let negated = chars.get(i) == Some(&'^');
                if negated {
                    i += 1;
                }
                let mut ranges = Vec::new();
                loop {
                    let c = *chars.get(i).ok_or_else(bad_pattern)?;
                    if c == ']' && !ranges.is_empty() {
                        break;
                    }
                    let lo = class_char(&chars, &mut i)?;
                    let hi = if chars.get(i) == Some(&'-') {
                        i += 1;
                        class_char(&chars, &mut i)?
                    } else {
                        lo
                    };
                    if hi < lo {
                        return Err(bad_pattern());
                    }
                    ranges.push((lo, hi));
                }
                out.push(Token::Class { negated, ranges });
            }
            c => out.push(Token::Lit(c)),
        }
        i += 1;
    }
    Ok(out)
}

/// One character of a class (`\x` escapes; `-` and `]` cannot appear unescaped).
fn class_char(chars: &[char], i: &mut usize) -> Result<char> {
    let c = match *chars.get(*i).ok_or_else(bad_pattern)? {
        '\\' => {
            *i += 1;
            *chars.get(*i).ok_or_else(bad_pattern)?
        }
        '-' | ']' => return Err(bad_pattern()),
        c => c,
    };
    *i += 1;
    Ok(c)
}

fn token_matches(t: &Token, c: char) -> bool {
    match t {
        Token::Lit(l) => *l == c,
        Token::Any => c != '/',
        Token::Star => unreachable!("handled by the matcher"),
        Token::Class { negated, ranges } => {
            c != '/' && ranges.iter().any(|(lo, hi)| (*lo..=*hi).contains(&c)) != *negated
        }
    }
}

/// Go's `filepath.Match(pattern, name)` for a name without `/` (one path component): `*` any
/// run, `?` one character, `[a-z]`/`[^a-z]` classes, `\` escapes. A malformed pattern is an
/// error ("syntax error in pattern"), as Go reports it.
pub fn glob_match(pattern: &str, name: &str) -> Result<bool> {
    let toks = tokens(pattern)?;
    let name: Vec<char> = name.chars().collect();
    // Classic wildcard matching: on a mismatch, let the last `*` take one more character.
    let (mut t, mut n) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while n < name.len() {
        match toks.get(t) {
            Some(Token::Star) => {
                star = Some((t, n));
                t += 1;
            }
            Some(tok) if token_matches(tok, name[n]) => {
                t += 1;
                n += 1;
            }
            _ => match star {
                Some((st, sn)) if name[sn] != '/' => {
                    star = Some((st, sn + 1));
                    t = st + 1;
                    n = sn + 1;
                }
                _ => return Ok(false),
            },
        }
    }
    Ok(toks[t..].iter().all(|tok| *tok == Token::Star))
}

/// The components of a wildcard source, cleaned (`./a/*.txt` → `["a", "*.txt"]`).
pub fn pattern_components(orig: &str) -> Result<Vec<String>> {
    let rel = source_rel(orig)?;
    let comps: Vec<String> = rel.iter().map(|c| c.to_string_lossy().into_owned()).collect();
    for c in &comps {
        tokens(c)?;
    }
    Ok(comps)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards_like_go() {
        let m = |p: &str, n: &str| glob_match(p, n).unwrap();
        assert!(m("*.txt", "a.txt"));
        assert!(m("*", ".hidden"), "filepath.Match lets * match a leading dot");
        assert!(!m("*.txt", "a.txt.bak"));
        assert!(m("a?c", "abc"));
        assert!(!m("a?c", "ac"));
        assert!(m("[a-c]x", "bx"));
        assert!(!m("[^a-c]x", "bx"));
        assert!(m("[^a-c]x", "dx"));
        assert!(m("\\*", "*"));
        assert!(!m("\\*", "a"));
        assert!(m("a*b*c", "aXXbYYc"));
        assert!(!m("a*b*c", "aXXbYY"));
        assert!(m("**", "anything"));
        assert!(m("[\\]]", "]"));
        for bad in ["[", "[]", "[a-", "\\", "[z-a]", "[a"] {
            assert!(glob_match(bad, "x").is_err(), "{bad} should be malformed");
        }
        assert!(has_wildcards("a*"));
        assert!(has_wildcards("[ab]"));
        assert!(!has_wildcards("a\\*"));
        assert!(!has_wildcards("plain/file.txt"));
    }

    #[test]
    fn sources_stay_in_their_root() {
        assert_eq!(source_rel("/a/./b/").unwrap(), PathBuf::from("a/b"));
        assert_eq!(source_rel("a/../b").unwrap(), PathBuf::from("b"));
        assert_eq!(source_rel(".").unwrap(), PathBuf::from(""));
        for bad in ["../x", "a/../../x", "/../x"] {
            assert_eq!(
                source_rel(bad).unwrap_err().message(),
                format!("forbidden path outside the build context: {bad} ()")
            );
        }
        assert_eq!(pattern_components("./src/*.txt").unwrap(), ["src", "*.txt"]);
        assert!(pattern_components("../*").is_err());
    }

    #[test]
    fn destinations_like_docker() {
        assert_eq!(normalize_dest("", "x"), "/x");
        assert_eq!(normalize_dest("/app", "x"), "/app/x");
        assert_eq!(normalize_dest("/app", "."), "/app");
        assert_eq!(normalize_dest("/app", "./"), "/app/");
        assert_eq!(normalize_dest("/app", "sub/"), "/app/sub/");
        assert_eq!(normalize_dest("/app", "../etc/x"), "/etc/x");
        assert_eq!(normalize_dest("/app", "/abs/"), "/abs/");
        assert!(dest_is_dir_syntax("/x/"));
        assert!(dest_is_dir_syntax("/x/."));
        assert!(!dest_is_dir_syntax("/x"));
    }
}
