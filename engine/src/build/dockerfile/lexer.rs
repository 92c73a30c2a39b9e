//! Physical lines → logical lines: the byte-order mark, parser directives, comments, blank lines,
//! line continuation with the escape character, and the raw bodies of heredocs.
//!
//! Docker's rules (BuildKit's `parser.Parse`, which the classic builder shares):
//! - Lines end at `\n`; trailing `\r`/`\n` are not part of the content. A UTF-8 BOM is dropped
//!   from the first line. A line of 65536 bytes or more ends the file with
//!   `dockerfile line greater than max allowed size of 65535`.
//! - Parser directives (`# escape=…`, `# syntax=…`, `# check=…`, key case-insensitive) are only
//!   recognised before the first instruction, comment or blank line; each at most once.
//! - A line whose first non-blank character is `#` is a comment; comments and blank lines are
//!   skipped but counted in line numbers.
//! - An instruction line is left-trimmed. When its last non-blank (space/tab) character is the
//!   escape character, and that is not itself escaped, the next line continues it: the escape and
//!   what follows it are removed and the next line is appended as is (its leading whitespace kept).
//!   Comment lines inside a continuation are dropped; blank ones are dropped with a warning.
//! - Heredoc bodies are read raw (comments included, line endings kept) up to the line equal to
//!   the delimiter (after stripping leading tabs for `<<-`).

use super::compat::{is_re_space, is_space};
use super::ParseError;

/// The longest line Go's `bufio.Scanner` accepts in a Dockerfile.
pub(crate) const MAX_LINE: usize = 65535;

/// One instruction's text with its line span (1-based, inclusive).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LogicalLine {
    pub text: String,
    pub start: usize,
    pub end: usize,
}

/// The parser directives seen at the top of the file.
struct Directives {
    escape: char,
    done: bool,
    seen: Vec<String>,
}

impl Directives {
    /// Looks at one (left-trimmed) line; `Ok(true)` when it was a directive.
    fn parse_line(&mut self, line: &str) -> Result<bool, String> {
        if self.done {
            return Ok(false);
        }
        let Some(rest) = line.strip_prefix('#') else {
            self.done = true;
            return Ok(false);
        };
        let rest = rest.trim_start_matches(is_space);
        let Some((key, value)) = match_directive(rest) else {
            self.done = true;
            return Ok(false);
        };
        let key = key.to_ascii_lowercase();
        if !matches!(key.as_str(), "syntax" | "escape" | "check") {
            self.done = true;
            return Ok(false);
        }
        if self.seen.contains(&key) {
            return Err(format!("only one {key} parser directive can be used"));
        }
        self.seen.push(key.clone());
        if key == "escape" {
            self.escape = match value {
                "`" => '`',
                "\\" => '\\',
                other => return Err(format!("invalid escape token '{other}' does not match ` or \\")),
            };
        }
        Ok(true)
    }
}

/// `^([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$` → (key, value).
fn match_directive(s: &str) -> Option<(&str, &str)> {
    let b = s.as_bytes();
    if !b.first()?.is_ascii_alphabetic() {
        return None;
    }
    let key_end = b.iter().position(|c| !c.is_ascii_alphanumeric()).unwrap_or(b.len());
    let key = &s[..key_end];
    let rest = s[key_end..].trim_start_matches(is_re_space);
    let rest = rest.strip_prefix('=')?;
    if rest.is_empty() {
        return None;
    }
    let value = rest.trim_start_matches(is_re_space).trim_end_matches(is_re_space);
    if value.is_empty() {
        // Only whitespace after `=`: the lazy group still takes one character, the last one.
        let last = rest.chars().last()?;
        return Some((key, &rest[rest.len() - last.len_utf8()..]));
    }
    Some((key, value))
}

fn trim_newline(s: &str) -> &str {
    s.trim_end_matches(['\r', '\n'])
}

fn is_comment(s: &str) -> bool {
    s.trim_start_matches(is_space).starts_with('#')
}

/// Removes a line-continuation escape; `(text, true)` when the line ends the instruction.
fn trim_continuation(line: &str, escape: char) -> (&str, bool) {
    let t = line.trim_end_matches([' ', '\t']);
    if let Some(before) = t.strip_suffix(escape) {
        if before.is_empty() || !before.ends_with(escape) {
            return (before, false);
        }
    }
    (line, true)
}

/// Reads a Dockerfile line by line.
pub(crate) struct Lexer<'a> {
    rest: &'a str,
    /// Physical lines consumed so far (= the number of the last one read).
    line: usize,
    directives: Directives,
    /// A line was too long: the input ended there.
    too_long: bool,
    pub warnings: Vec<String>,
}

impl<'a> Lexer<'a> {
    pub(crate) fn new(text: &'a str) -> Lexer<'a> {
        Lexer {
            rest: text,
            line: 0,
            directives: Directives { escape: '\\', done: false, seen: Vec::new() },
            too_long: false,
            warnings: Vec::new(),
        }
    }

    pub(crate) fn escape(&self) -> char {
        self.directives.escape
    }

    /// The number of the last physical line read.
    pub(crate) fn line(&self) -> usize {
        self.line
    }

    /// Whether the input stopped at an over-long line.
    pub(crate) fn too_long(&self) -> bool {
        self.too_long
    }

    /// The next physical line, line ending included; `None` at the end (or at a too-long line).
    fn physical(&mut self) -> Option<&'a str> {
        if self.rest.is_empty() || self.too_long {
            return None;
        }
        let end = self.rest.find('\n').map_or(self.rest.len(), |i| i + 1);
        let raw = &self.rest[..end];
        if trim_newline_len(raw) > MAX_LINE {
            self.too_long = true;
            return None;
        }
        self.rest = &self.rest[end..];
        Some(raw)
    }

    /// Newline-trimmed, optionally left-trimmed content; directives are looked for; comments
    /// become empty.
    fn process(&mut self, raw: &'a str, strip_left: bool) -> Result<&'a str, String> {
        let mut token = trim_newline(raw);
        if strip_left {
            token = token.trim_start_matches(is_space);
        }
        self.directives.parse_line(token)?;
        Ok(if is_comment(token) { "" } else { token })
    }

    /// The next instruction's text, or `None` at the end of the input.
    pub(crate) fn next_line(&mut self) -> Result<Option<LogicalLine>, ParseError> {
        loop {
            let Some(mut raw) = self.physical() else {
                return Ok(None);
            };
            if self.line == 0 {
                raw = raw.strip_prefix('\u{FEFF}').unwrap_or(raw);
            }
            let content = self.process(raw, true).map_err(|m| ParseError::at(self.line + 1, m))?;
            self.line += 1;
            let start = self.line;
            let escape = self.escape();
            let (first, mut eol) = trim_continuation(content, escape);
            if eol && first.is_empty() {
                continue;
            }
            let mut text = first.to_string();
            let mut empty_continuation = false;
            while !eol {
                let Some(raw) = self.physical() else { break };
                let processed = self.process(raw, false).map_err(|m| ParseError::at(self.line + 1, m))?;
                self.line += 1;
                if is_comment(raw) {
                    continue;
                }
                if processed.trim_start_matches(is_space).is_empty() {
                    empty_continuation = true;
                    continue;
                }
                let (part, end) = trim_continuation(processed, escape);
                eol = end;
                text.push_str(part);
            }
            if empty_continuation {
                self.warnings.push(format!("Empty continuation line found in: {text}"));
            }
            return Ok(Some(LogicalLine { text, start, end: self.line }));
        }
    }

    /// Reads a heredoc body up to its delimiter line; `None` when the input ends first.
    pub(crate) fn heredoc_body(&mut self, name: &str, chomp: bool) -> Option<String> {
        let mut content = String::new();
        while let Some(raw) = self.physical() {
            self.line += 1;
            let mut candidate = trim_newline(raw);
            if chomp {
                candidate = candidate.trim_start_matches('\t');
            }
            if candidate == name {
                return Some(content);
            }
            content.push_str(raw);
        }
        None
    }
}

fn trim_newline_len(raw: &str) -> usize {
    raw.strip_suffix('\n').unwrap_or(raw).len()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(text: &str) -> Vec<(usize, usize, String)> {
        let mut lx = Lexer::new(text);
        let mut out = Vec::new();
        while let Some(l) = lx.next_line().unwrap() {
            out.push((l.start, l.end, l.text));
        }
        out
    }

    #[test]
    #[allow(clippy::type_complexity)]
    fn logical_lines() {
        let cases: &[(&str, &[(usize, usize, &str)])] = &[
            ("FROM a\nRUN b\n", &[(1, 1, "FROM a"), (2, 2, "RUN b")]),
            ("FROM a\r\nRUN b\r\n", &[(1, 1, "FROM a"), (2, 2, "RUN b")]),
            ("\n\n  FROM a  \n", &[(3, 3, "FROM a  ")]),
            ("# c\nFROM a\n  # indented comment\nRUN b", &[(2, 2, "FROM a"), (4, 4, "RUN b")]),
            ("RUN a \\\n  b", &[(1, 2, "RUN a   b")]),
            ("RUN a\\\n# comment\nb", &[(1, 3, "RUN ab")]),
            ("RUN a\\\n   # comment\nb", &[(1, 3, "RUN ab")]),
            ("RUN a \\  \t\nb", &[(1, 2, "RUN a b")]),
            ("RUN a \\\n\n b", &[(1, 3, "RUN a  b")]),
            ("RUN a \\\\\nRUN b", &[(1, 1, "RUN a \\\\"), (2, 2, "RUN b")]),
            ("RUN a \\\\ \\\nb", &[(1, 2, "RUN a \\\\ b")]),
            ("\\\nRUN x", &[(1, 2, "RUN x")]),
            ("RUN a \\", &[(1, 1, "RUN a ")]),
            ("RUN a #not a comment", &[(1, 1, "RUN a #not a comment")]),
            ("\u{FEFF}FROM a", &[(1, 1, "FROM a")]),
            ("FROM a\n\u{FEFF}RUN b", &[(1, 1, "FROM a"), (2, 2, "\u{FEFF}RUN b")]),
            ("RUN a \\\nb \\\nc", &[(1, 3, "RUN a b c")]),
        ];
        for (input, want) in cases {
            let want: Vec<(usize, usize, String)> = want.iter().map(|(s, e, t)| (*s, *e, t.to_string())).collect();
            assert_eq!(lines(input), want, "{input:?}");
        }
    }

    #[test]
    fn escape_directive() {
        let mut lx = Lexer::new("# escape=`\nRUN a `\n  b\nRUN c \\\n");
        assert_eq!(lx.next_line().unwrap().unwrap().text, "RUN a   b");
        assert_eq!(lx.escape(), '`');
        assert_eq!(lx.next_line().unwrap().unwrap().text, "RUN c \\");

        for (text, esc) in [
            ("#escape=`\nFROM a", '`'),
            ("  # ESCAPE = `  \nFROM a", '`'),
            ("# syntax=docker/dockerfile:1\n# escape=`\nFROM a", '`'),
            ("# check=skip=all\n# escape=`\nFROM a", '`'),
            ("\n# escape=`\nFROM a", '\\'),
            ("# comment\n# escape=`\nFROM a", '\\'),
            ("FROM a\n# escape=`\nRUN b", '\\'),
            ("# unknown=x\n# escape=`\nFROM a", '\\'),
            ("#!/bin/sh\n# escape=`\nFROM a", '\\'),
            ("# escape=\\\nFROM a", '\\'),
        ] {
            let mut lx = Lexer::new(text);
            while lx.next_line().unwrap().is_some() {}
            assert_eq!(lx.escape(), esc, "{text:?}");
        }
    }

    #[test]
    fn directive_errors() {
        let cases = [
            ("# escape=x\nFROM a", 1, "invalid escape token 'x' does not match ` or \\"),
            ("# escape=\\\n# escape=`\nFROM a", 2, "only one escape parser directive can be used"),
            ("# syntax=a\n# SYNTAX=b\nFROM a", 2, "only one syntax parser directive can be used"),
            ("# escape=   \nFROM a", 1, "invalid escape token ' ' does not match ` or \\"),
        ];
        for (text, line, msg) in cases {
            let mut lx = Lexer::new(text);
            let err = loop {
                match lx.next_line() {
                    Err(e) => break e,
                    Ok(Some(_)) => {}
                    Ok(None) => panic!("no error for {text:?}"),
                }
            };
            assert_eq!((err.line(), err.detail()), (line, msg), "{text:?}");
        }
    }

    #[test]
    fn heredoc_bodies() {
        let mut lx = Lexer::new("RUN <<EOF\nline 1\n# not a comment\nEOF\nRUN x");
        lx.next_line().unwrap();
        assert_eq!(lx.heredoc_body("EOF", false).as_deref(), Some("line 1\n# not a comment\n"));
        assert_eq!(lx.line(), 4);
        assert_eq!(lx.next_line().unwrap().unwrap().start, 5);

        let mut lx = Lexer::new("\t\ta\n\tEOF\r\n");
        assert_eq!(lx.heredoc_body("EOF", true).as_deref(), Some("\t\ta\n"));
        let mut lx = Lexer::new("\tEOF\n");
        assert_eq!(lx.heredoc_body("EOF", false), None);
    }

    #[test]
    fn long_lines_stop_the_input() {
        let ok = format!("RUN {}\n", "x".repeat(MAX_LINE - 4));
        let mut lx = Lexer::new(&ok);
        assert!(lx.next_line().unwrap().is_some());
        assert!(!lx.too_long());
        let long = format!("FROM a\nRUN {}\nRUN b", "x".repeat(MAX_LINE));
        let mut lx = Lexer::new(&long);
        assert!(lx.next_line().unwrap().is_some());
        assert!(lx.next_line().unwrap().is_none());
        assert!(lx.too_long());
    }
}
