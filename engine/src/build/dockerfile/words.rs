//! Docker's shell-word processing: quote removal, escapes, `$VAR` substitution and word splitting,
//! as the builder applies them to the arguments of `ADD COPY ENV EXPOSE FROM LABEL STOPSIGNAL
//! USER VOLUME WORKDIR` and `ARG` (see [`super::Instruction::expand`]). `RUN`, `CMD`,
//! `ENTRYPOINT`, `SHELL`, `HEALTHCHECK`, `MAINTAINER` and `ONBUILD` are never substituted: the
//! container's shell does it.
//!
//! The rules (those of BuildKit's `shell.Lex`, which the classic builder uses too):
//! - `$name` and `${name}`; a name is letters, digits and `_`, or one digit run (`$1`), or one
//!   special character `@ * # ? - $ ! 0`; those are looked up like any name (so usually empty). A
//!   `$` before anything else stays a literal `$`. Unset variables expand to nothing.
//! - `${v:-w}` (unset or empty → w), `${v-w}` (unset → w), `${v:+w}` / `${v+w}` (the opposite),
//!   `${v:?msg}` / `${v?msg}` (error `v: msg`, by default `v: is not allowed to be unset` /
//!   `… to be empty`), `${v#p}` `${v##p}` `${v%p}` `${v%%p}` (remove the shortest / longest
//!   prefix / suffix matching the pattern), `${v/p/r}` `${v//p/r}` (replace the first / every
//!   match). Words are processed recursively, so `${a:-${b}}` works. Patterns know `*` and `?`
//!   and `\` escapes, no `[...]`.
//! - Single quotes keep everything literal. Inside double quotes `$` expands and the escape
//!   character escapes only `"`, `$` and itself. Outside quotes the escape character escapes any
//!   character and is removed (`\$V` is the literal `$V`). The escape character is `\` or the one
//!   set by `# escape=`.
//! - Word splitting (for `EXPOSE` and heredoc detection) happens after substitution, on
//!   whitespace that is neither quoted nor escaped.

use crate::error::{Error, Result};

use super::compat::{is_space, quote};

/// Nested `${…}` deeper than this is refused instead of risking the stack.
const MAX_NESTING: usize = 256;
/// Pattern-matching work bound (pattern stars × value length) for `#`, `%` and `/`.
const MAX_PATTERN_WORK: usize = 1 << 25;

/// `${name}` lookups during substitution: `Some(value)` for a set variable (possibly empty),
/// `None` for an unset one.
pub type Lookup<'a> = &'a dyn Fn(&str) -> Option<String>;

/// Substitutes variables in one word and removes its quotes and escapes (Docker's
/// `ProcessWord`), e.g. `expand("${HOME:-/root}/x", '\\', &lookup)`. Errors read
/// `failed to process "<word>": <reason>`.
pub fn expand(word: &str, escape: char, lookup: impl Fn(&str) -> Option<String>) -> Result<String> {
    let lex = Lex { escape, ..Lex::default() };
    lex.process(word, &lookup).map(|(word, _)| word)
}

/// Like [`expand`], then splits the result into words on whitespace that was neither quoted nor
/// escaped (Docker's `ProcessWords`, used for `EXPOSE $PORTS`). Empty words are dropped.
pub fn expand_words(word: &str, escape: char, lookup: impl Fn(&str) -> Option<String>) -> Result<Vec<String>> {
    let lex = Lex { escape, ..Lex::default() };
    lex.process(word, &lookup).map(|(_, words)| words)
}

/// Substitution in the body of a heredoc file (`COPY <<EOF …`) whose delimiter was not quoted:
/// `\` escapes the next character and is dropped, quotes are not special. (The escape directive
/// does not apply here, as in BuildKit.)
pub fn expand_heredoc(content: &str, lookup: impl Fn(&str) -> Option<String>) -> Result<String> {
    let lex = Lex { skip_quotes: true, ..Lex::default() };
    lex.process(content, &lookup).map(|(word, _)| word)
}

/// The lexer's options (BuildKit's `shell.Lex` fields).
#[derive(Clone, Copy)]
pub(crate) struct Lex {
    pub escape: char,
    /// Keep the quote characters in the result.
    pub raw_quotes: bool,
    /// Keep the escape characters in the result.
    pub raw_escapes: bool,
    /// Quotes are ordinary characters.
    pub skip_quotes: bool,
    /// Unset variables stay as written (`$X`, `${X:-y}`) instead of expanding to nothing.
    pub skip_unset: bool,
}

impl Default for Lex {
    fn default() -> Lex {
        Lex { escape: '\\', raw_quotes: false, raw_escapes: false, skip_quotes: false, skip_unset: false }
    }
}

impl Lex {
    /// Processes `word`; returns the whole result and its split words.
    pub(crate) fn process(&self, word: &str, lookup: Lookup<'_>) -> Result<(String, Vec<String>)> {
        self.process_inner(word, lookup).map_err(|e| Error::invalid(format!("failed to process {}: {e}", quote(word))))
    }

    pub(crate) fn process_inner(
        &self,
        word: &str,
        lookup: Lookup<'_>,
    ) -> std::result::Result<(String, Vec<String>), String> {
        let mut chars: Vec<char> = word.chars().collect();
        // Go's text/scanner drops a byte-order mark at the very start of its input.
        if chars.first() == Some(&'\u{FEFF}') {
            chars.remove(0);
        }
        let mut sw = ShellWord { lex: *self, lookup, chars, pos: 0, depth: 0 };
        let (word, words) = sw.process_stop_on(None, self.raw_escapes)?;
        Ok((word, words))
    }
}

struct ShellWord<'a> {
    lex: Lex,
    lookup: Lookup<'a>,
    chars: Vec<char>,
    pos: usize,
    depth: usize,
}

/// The word-splitting accumulator.
#[derive(Default)]
struct Words {
    words: Vec<String>,
    buf: String,
    in_word: bool,
}

impl Words {
    fn add_char(&mut self, c: char) {
        if is_space(c) {
            if self.in_word && !self.buf.is_empty() {
                self.words.push(std::mem::take(&mut self.buf));
                self.in_word = false;
            }
        } else {
            self.add_raw_char(c);
        }
    }
    fn add_raw_char(&mut self, c: char) {
        self.buf.push(c);
        self.in_word = true;
    }
    fn add_string(&mut self, s: &str) {
        for c in s.chars() {
            self.add_char(c);
        }
    }
    fn add_raw_string(&mut self, s: &str) {
        self.buf.push_str(s);
        self.in_word = true;
    }
    fn finish(mut self) -> Vec<String> {
        if !self.buf.is_empty() {
            self.words.push(std::mem::take(&mut self.buf));
        }
        self.words
    }
}

type Res<T> = std::result::Result<T, String>;

/// How Go prints `string(ch)` for the scanner's EOF (-1).
const EOF_CHAR: char = '\u{FFFD}';

impl ShellWord<'_> {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }
    fn next(&mut self) -> Option<char> {
        let c = self.peek();
        if c.is_some() {
            self.pos += 1;
        }
        c
    }

    fn get_env(&self, name: &str) -> Option<String> {
        (self.lookup)(name)
    }

    /// Processes until `stop` (consumed) or the end; `None` means the end of the input.
    fn process_stop_on(&mut self, stop: Option<char>, raw_escapes: bool) -> Res<(String, Vec<String>)> {
        let mut result = String::new();
        let mut words = Words::default();
        while let Some(c) = self.peek() {
            if Some(c) == stop {
                self.pos += 1;
                return Ok((result, words.finish()));
            }
            if c == '$' {
                let tmp = self.process_dollar()?;
                result.push_str(&tmp);
                words.add_string(&tmp);
            } else if c == '\'' && !self.lex.skip_quotes {
                let tmp = self.process_single_quote()?;
                result.push_str(&tmp);
                words.add_raw_string(&tmp);
            } else if c == '"' && !self.lex.skip_quotes {
                let tmp = self.process_double_quote(raw_escapes)?;
                result.push_str(&tmp);
                words.add_raw_string(&tmp);
            } else {
                self.pos += 1;
                let mut ch = c;
                if ch == self.lex.escape {
                    if raw_escapes {
                        words.add_raw_char(ch);
                        result.push(ch);
                    }
                    // The escape character escapes the next one, except at the end.
                    match self.next() {
                        None => break,
                        Some(n) => {
                            ch = n;
                            words.add_raw_char(ch);
                        }
                    }
                } else {
                    words.add_char(ch);
                }
                result.push(ch);
            }
        }
        if let Some(stop) = stop {
            return Err(format!("unexpected end of statement while looking for matching {stop}"));
        }
        Ok((result, words.finish()))
    }

    fn process_single_quote(&mut self) -> Res<String> {
        let mut result = String::new();
        let q = self.next().unwrap_or('\'');
        if self.lex.raw_quotes {
            result.push(q);
        }
        loop {
            match self.next() {
                None => return Err("unexpected end of statement while looking for matching single-quote".into()),
                Some('\'') => {
                    if self.lex.raw_quotes {
                        result.push('\'');
                    }
                    return Ok(result);
                }
                Some(c) => result.push(c),
            }
        }
    }

    fn process_double_quote(&mut self, raw_escapes: bool) -> Res<String> {
        let mut result = String::new();
        let q = self.next().unwrap_or('"');
        if self.lex.raw_quotes {
            result.push(q);
        }
        loop {
            match self.peek() {
                None => return Err("unexpected end of statement while looking for matching double-quote".into()),
                Some('"') => {
                    self.pos += 1;
                    if self.lex.raw_quotes {
                        result.push('"');
                    }
                    return Ok(result);
                }
                Some('$') => {
                    let value = self.process_dollar()?;
                    result.push_str(&value);
                }
                Some(c) => {
                    self.pos += 1;
                    let mut ch = c;
                    if ch == self.lex.escape {
                        if raw_escapes {
                            result.push(ch);
                        }
                        match self.peek() {
                            None => continue, // reported as an unterminated quote
                            Some(n) if n == '"' || n == '$' || n == self.lex.escape => {
                                self.pos += 1;
                                ch = n;
                            }
                            Some(_) => {} // other escapes stay as written
                        }
                    }
                    result.push(ch);
                }
            }
        }
    }

    fn process_dollar(&mut self) -> Res<String> {
        self.depth += 1;
        if self.depth > MAX_NESTING {
            return Err("syntax error: substitution nested too deeply".into());
        }
        let r = self.process_dollar_inner();
        self.depth -= 1;
        r
    }

    fn process_dollar_inner(&mut self) -> Res<String> {
        self.pos += 1; // '$'
        if self.peek() != Some('{') {
            let name = self.process_name();
            if name.is_empty() {
                return Ok("$".into());
            }
            return Ok(match self.get_env(&name) {
                Some(v) => v,
                None if self.lex.skip_unset => format!("${name}"),
                None => String::new(),
            });
        }
        self.pos += 1; // '{'
        match self.peek() {
            None => return Err("syntax error: missing '}'".into()),
            Some('{' | '}' | ':') => return Err("syntax error: bad substitution".into()),
            _ => {}
        }
        let name = self.process_name();
        let first = self.next();
        let mut chs: String = first.unwrap_or(EOF_CHAR).to_string();
        let mut modifier = first;
        let mut null_is_unset = false;
        match first {
            Some('}') => Ok(match self.get_env(&name) {
                Some(v) => v,
                None if self.lex.skip_unset => format!("${{{name}}}"),
                None => String::new(),
            }),
            Some(':' | '+' | '-' | '?' | '#' | '%') => {
                if first == Some(':') {
                    null_is_unset = true;
                    modifier = self.next();
                    chs.push(modifier.unwrap_or(EOF_CHAR));
                }
                let raw = matches!(modifier, Some('#' | '%'));
                if null_is_unset && raw {
                    return Err(format!("unsupported modifier ({chs}) in substitution"));
                }
                let word = match self.process_stop_on(Some('}'), raw) {
                    Ok((w, _)) => w,
                    Err(e) => return Err(if self.peek().is_none() { "syntax error: missing '}'".into() } else { e }),
                };
                let value = self.get_env(&name);
                if self.lex.skip_unset && value.is_none() {
                    return Ok(format!("${{{name}{chs}{word}}}"));
                }
                let empty = match value.as_deref() {
                    None => true,
                    Some(v) => null_is_unset && v.is_empty(),
                };
                match modifier {
                    Some('-') => Ok(if empty { word } else { value.unwrap_or_default() }),
                    Some('+') => Ok(if empty { String::new() } else { word }),
                    Some('?') => match value {
                        None => Err(format!(
                            "{name}: {}",
                            if word.is_empty() { "is not allowed to be unset" } else { &word }
                        )),
                        Some(v) if null_is_unset && v.is_empty() => Err(format!(
                            "{name}: {}",
                            if word.is_empty() { "is not allowed to be empty" } else { &word }
                        )),
                        Some(v) => Ok(v),
                    },
                    Some(m @ ('%' | '#')) => {
                        let value = value.unwrap_or_default();
                        let (greedy, pattern) = match word.strip_prefix(m) {
                            Some(rest) => (true, rest.to_string()),
                            None => (false, word),
                        };
                        if m == '%' {
                            trim_suffix(&pattern, &value, greedy)
                        } else {
                            trim_prefix(&pattern, &value, greedy)
                        }
                    }
                    _ => Err(format!("unsupported modifier ({chs}) in substitution")),
                }
            }
            Some('/') => {
                let replace_all = self.peek() == Some('/');
                if replace_all {
                    self.pos += 1;
                }
                let pattern = match self.process_stop_on(Some('/'), true) {
                    Ok((p, _)) => p,
                    Err(e) => {
                        return Err(if self.peek().is_none() { "syntax error: missing '/' in ${}".into() } else { e })
                    }
                };
                let replacement = match self.process_stop_on(Some('}'), true) {
                    Ok((r, _)) => r,
                    Err(e) => return Err(if self.peek().is_none() { "syntax error: missing '}'".into() } else { e }),
                };
                let value = self.get_env(&name);
                if self.lex.skip_unset && value.is_none() {
                    return Ok(format!("${{{name}/{pattern}/{replacement}}}"));
                }
                let value = value.unwrap_or_default();
                let compiled = Pattern::compile(&pattern)
                    .map_err(|e| format!("invalid pattern ({pattern}) in substitution: {e}"))?;
                let value: Vec<char> = value.chars().collect();
                let m = Matcher::new(&compiled, &value, true)?;
                if replace_all {
                    Ok(m.replace_all(&replacement))
                } else {
                    Ok(match m.find_from(0) {
                        Some((a, b)) => {
                            let mut out: String = value[..a].iter().collect();
                            out.push_str(&replacement);
                            out.extend(&value[b..]);
                            out
                        }
                        None => value.iter().collect(),
                    })
                }
            }
            _ => Err(format!("unsupported modifier ({chs}) in substitution")),
        }
    }

    fn process_name(&mut self) -> String {
        let mut name = String::new();
        while let Some(c) = self.peek() {
            if name.is_empty() && c.is_numeric() {
                while let Some(d) = self.peek().filter(|d| d.is_numeric()) {
                    name.push(d);
                    self.pos += 1;
                }
                return name;
            }
            if name.is_empty() && matches!(c, '@' | '*' | '#' | '?' | '-' | '$' | '!' | '0') {
                self.pos += 1;
                return c.to_string();
            }
            if !c.is_alphanumeric() && c != '_' {
                break;
            }
            name.push(c);
            self.pos += 1;
        }
        name
    }
}

// ---------------------------------------------------------------------------------------------
// Shell patterns of `${v#p}`, `${v%p}`, `${v/p/r}`.
//
// Docker turns the pattern into a Go regular expression (`*` → `.*` or `.*?`, `?` → `.`, other
// characters literal) and uses leftmost-first matching. Here the pattern is kept as literal
// segments separated by stars and the same preferred match is computed directly, in time
// proportional to stars × value length. As in Go, `.` (hence `*` and `?`) does not match `\n`.

#[derive(Clone, Copy)]
enum PElem {
    Lit(char),
    Any,
}

/// Segment 0, then for every star the segment that follows it.
struct Pattern {
    segs: Vec<Vec<PElem>>,
}

impl Pattern {
    fn compile(pattern: &str) -> Res<Pattern> {
        let mut chars: Vec<char> = pattern.chars().collect();
        if chars.first() == Some(&'\u{FEFF}') {
            chars.remove(0);
        }
        let mut segs = vec![Vec::new()];
        let mut i = 0;
        while i < chars.len() {
            let c = chars[i];
            i += 1;
            match c {
                '*' => {
                    // `**` behaves as `*` under leftmost-first matching.
                    if !segs.last().is_some_and(|s| s.is_empty()) || segs.len() == 1 {
                        segs.push(Vec::new());
                    }
                }
                '?' => segs.last_mut().unwrap().push(PElem::Any),
                '\\' => {
                    // `\}` and `\/` belong to the `${}` syntax: the backslash is dropped.
                    if matches!(chars.get(i), Some('}' | '/')) {
                        continue;
                    }
                    let n = chars.get(i).copied();
                    i += 1;
                    match n {
                        Some(n @ ('*' | '?' | '\\')) => segs.last_mut().unwrap().push(PElem::Lit(n)),
                        other => return Err(format!("invalid escape '\\{}'", other.unwrap_or(EOF_CHAR))),
                    }
                }
                c => segs.last_mut().unwrap().push(PElem::Lit(c)),
            }
        }
        Ok(Pattern { segs })
    }

    /// The pattern read backwards (for suffix removal), escapes kept with their character.
    fn reversed(pattern: &str) -> String {
        let p: Vec<char> = pattern.chars().collect();
        let mut out = vec![' '; p.len()];
        let last = p.len().saturating_sub(1);
        let mut i = 0;
        while i < p.len() {
            let o = last - i;
            if p[i] == '\\' && i != last {
                out[o - 1] = '\\';
                out[o] = p[i + 1];
                i += 2;
            } else {
                out[o] = p[i];
                i += 1;
            }
        }
        out.into_iter().collect()
    }
}

/// Precomputed feasibility of a pattern against one value.
struct Matcher<'a> {
    pat: &'a Pattern,
    s: &'a [char],
    greedy: bool,
    /// `nl[p]`: the first index ≥ p holding `\n`, or the length.
    nl: Vec<usize>,
    /// `h[j][q]` (j ≥ 1): segment j matches at q and the segments after it can follow.
    h: Vec<Vec<bool>>,
}

impl<'a> Matcher<'a> {
    fn new(pat: &'a Pattern, s: &'a [char], greedy: bool) -> Res<Matcher<'a>> {
        let n = s.len();
        let k = pat.segs.len() - 1;
        if k.saturating_mul(n + 1) > MAX_PATTERN_WORK {
            return Err("pattern too complex for the value".into());
        }
        let mut nl = vec![n; n + 1];
        for p in (0..n).rev() {
            nl[p] = if s[p] == '\n' { p } else { nl[p + 1] };
        }
        let mut h = vec![Vec::new(); k + 1];
        // g[p] for the level after the current one: the rest can match when starting at p.
        let mut g_next = vec![true; n + 1];
        for j in (1..=k).rev() {
            let seg = &pat.segs[j];
            let mut hj = vec![false; n + 1];
            for (q, slot) in hj.iter_mut().enumerate() {
                let end = q + seg.len();
                *slot = end <= n && seg_matches(seg, s, q) && g_next[end];
            }
            // g[p]: some q in [p, nl[p]] with hj[q].
            let mut next_true = vec![usize::MAX; n + 2];
            for q in (0..=n).rev() {
                next_true[q] = if hj[q] { q } else { next_true[q + 1] };
            }
            g_next = (0..=n).map(|p| next_true[p] <= nl[p]).collect();
            h[j] = hj;
        }
        // g_next is now level 1 (or all-true when there is no star).
        h[0] = g_next;
        Ok(Matcher { pat, s, greedy, nl, h })
    }

    /// The end of the preferred match starting exactly at `start`.
    fn match_at(&self, start: usize) -> Option<usize> {
        let seg0 = &self.pat.segs[0];
        if start + seg0.len() > self.s.len() || !seg_matches(seg0, self.s, start) {
            return None;
        }
        let mut p = start + seg0.len();
        if !self.h[0][p] {
            return None;
        }
        for j in 1..self.pat.segs.len() {
            let (lo, hi) = (p, self.nl[p]);
            let q =
                if self.greedy { (lo..=hi).rev().find(|&q| self.h[j][q]) } else { (lo..=hi).find(|&q| self.h[j][q]) }?;
            p = q + self.pat.segs[j].len();
        }
        Some(p)
    }

    /// Leftmost match starting at or after `from`.
    fn find_from(&self, from: usize) -> Option<(usize, usize)> {
        (from..=self.s.len()).find_map(|a| self.match_at(a).map(|b| (a, b)))
    }

    /// Go's `Regexp.ReplaceAllString`: `$0`/`${0}` in the replacement is the match, other `$name`
    /// references are empty (there are no groups), `$$` is `$`.
    fn replace_all(&self, repl: &str) -> String {
        let s = self.s;
        let mut out = String::new();
        let mut last_end = 0;
        let mut search = 0;
        while search <= s.len() {
            let Some((a, b)) = self.find_from(search) else {
                break;
            };
            out.extend(&s[last_end..a]);
            if b > last_end || a == 0 {
                let m: String = s[a..b].iter().collect();
                expand_template(&mut out, repl, &m);
            }
            last_end = b;
            search = if search + 1 > b { search + 1 } else { b };
        }
        out.extend(&s[last_end..]);
        out
    }
}

fn seg_matches(seg: &[PElem], s: &[char], q: usize) -> bool {
    seg.iter().enumerate().all(|(i, e)| match e {
        PElem::Lit(c) => s[q + i] == *c,
        PElem::Any => s[q + i] != '\n',
    })
}

fn expand_template(out: &mut String, template: &str, whole: &str) {
    let mut rest = template;
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        rest = &rest[i + 1..];
        if let Some(r) = rest.strip_prefix('$') {
            out.push('$');
            rest = r;
            continue;
        }
        let (brace, body) = match rest.strip_prefix('{') {
            Some(b) => (true, b),
            None => (false, rest),
        };
        let name_len: usize = body.chars().take_while(|c| c.is_alphanumeric() || *c == '_').map(char::len_utf8).sum();
        if name_len == 0 || (brace && !body[name_len..].starts_with('}')) {
            out.push('$');
            continue;
        }
        let name = &body[..name_len];
        rest = &body[name_len + usize::from(brace)..];
        if name == "0" {
            out.push_str(whole);
        }
    }
    out.push_str(rest);
}

fn trim_prefix(pattern: &str, value: &str, greedy: bool) -> Res<String> {
    let compiled =
        Pattern::compile(pattern).map_err(|e| format!("invalid pattern ({pattern}) in substitution: {e}"))?;
    let v: Vec<char> = value.chars().collect();
    let m = Matcher::new(&compiled, &v, greedy)?;
    Ok(match m.match_at(0) {
        Some(end) => v[end..].iter().collect(),
        None => value.to_string(),
    })
}

fn trim_suffix(pattern: &str, value: &str, greedy: bool) -> Res<String> {
    // Suffix removal is prefix removal on the reversed value with the reversed pattern.
    let reversed_value: String = value.chars().rev().collect();
    let trimmed = trim_prefix(&Pattern::reversed(pattern), &reversed_value, greedy)?;
    Ok(trimmed.chars().rev().collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env() -> HashMap<&'static str, &'static str> {
        HashMap::from([
            ("A", "a"),
            ("B", "b"),
            ("EMPTY", ""),
            ("SP", "x y  z"),
            ("P", "/usr/local/bin"),
            ("F", "archive.tar.gz"),
            ("NL", "a\nb"),
            ("Q", "\"quoted\""),
            ("PORTS", "80 443/udp"),
        ])
    }

    fn run(word: &str, escape: char) -> std::result::Result<String, String> {
        let env = env();
        expand(word, escape, |n| env.get(n).map(|v| v.to_string())).map_err(|e| e.message().to_string())
    }

    #[test]
    fn substitution_table() {
        let cases: &[(&str, &str)] = &[
            // Plain references.
            ("$A", "a"),
            ("${A}", "a"),
            ("$A$B", "ab"),
            ("${A}x", "ax"),
            ("$Ax", ""),
            ("x$UNSET.y", "x.y"),
            ("${UNSET}", ""),
            ("$", "$"),
            ("a$", "a$"),
            ("$ x", "$ x"),
            ("$/x", "$/x"),
            ("$1", ""),
            ("$12x", "x"),
            ("$@", ""),
            ("$$", ""),
            ("${#}", ""),
            // Defaults and alternatives.
            ("${A:-d}", "a"),
            ("${EMPTY:-d}", "d"),
            ("${UNSET:-d}", "d"),
            ("${A-d}", "a"),
            ("${EMPTY-d}", ""),
            ("${UNSET-d}", "d"),
            ("${A:+alt}", "alt"),
            ("${EMPTY:+alt}", ""),
            ("${UNSET:+alt}", ""),
            ("${A+alt}", "alt"),
            ("${EMPTY+alt}", "alt"),
            ("${UNSET+alt}", ""),
            ("${A:?msg}", "a"),
            ("${EMPTY?msg}", ""),
            // Nested words.
            ("${UNSET:-${A}}", "a"),
            ("${UNSET:-${UNSET2:-${B}}}", "b"),
            ("${UNSET:-x${A}y}", "xay"),
            ("${A:+${B}${B}}", "bb"),
            ("${UNSET:-'lit $A'}", "lit $A"),
            ("${UNSET:-\"dq $A\"}", "dq a"),
            ("${UNSET:-a b}", "a b"),
            ("${UNSET:-}", ""),
            // Quotes and escapes.
            ("'$A'", "$A"),
            ("\"$A\"", "a"),
            ("\"${A}\"", "a"),
            ("'a b'", "a b"),
            ("\"a 'b' c\"", "a 'b' c"),
            ("'a \"b\" c'", "a \"b\" c"),
            ("\\$A", "$A"),
            ("\\${A}", "${A}"),
            ("a\\nb", "anb"),
            ("\"a\\nb\"", "a\\nb"),
            ("\"a\\\"b\"", "a\"b"),
            ("\"a\\$A\"", "a$A"),
            ("\"a\\\\b\"", "a\\b"),
            ("a\\", "a"),
            ("\\\\", "\\"),
            ("\\ ", " "),
            ("\"$Q\"", "\"quoted\""),
            ("$Q", "\"quoted\""),
            // Patterns.
            ("${P#*/}", "usr/local/bin"),
            ("${P##*/}", "bin"),
            ("${P%/*}", "/usr/local"),
            ("${P%%/*}", ""),
            ("${F%.*}", "archive.tar"),
            ("${F%%.*}", "archive"),
            ("${F#*.}", "tar.gz"),
            ("${F##*.}", "gz"),
            ("${F#nomatch}", "archive.tar.gz"),
            ("${F#arch?ve}", ".tar.gz"),
            ("${UNSET#x}", ""),
            ("${P/local/opt}", "/usr/opt/bin"),
            ("${P//\\//:}", ":usr:local:bin"),
            ("${F/a/A}", "Archive.tar.gz"),
            ("${F//a/A}", "Archive.tAr.gz"),
            ("${F//a*/X}", "X"),
            ("${F/*./X}", "Xgz"),
            ("${F/nomatch/X}", "archive.tar.gz"),
            ("${F//?/.}", ".............."),
            ("${A//x*/y}", "a"),
            ("${A///-}", "-a-"),
            ("${A//\\*/-}", "a"),
            ("${F/.tar/$B}", "archiveb.gz"),
            ("${F/.tar/[$0]}", "archive[].gz"),
            ("${F//.tar/<\\$0>}", "archive<\\.tar>.gz"),
            ("${F//a/$$}", "rchive.tr.gz"),
            ("${NL//?/x}", "x\nx"),
            ("${NL#*}", "a\nb"),
            ("${NL##*}", "\nb"),
        ];
        for (input, want) in cases {
            assert_eq!(run(input, '\\').as_deref(), Ok(*want), "{input}");
        }
    }

    #[test]
    fn backtick_escape() {
        let cases: &[(&str, &str)] = &[
            ("`$A", "$A"),
            ("\\$A", "\\a"),
            ("c:\\windows\\system32", "c:\\windows\\system32"),
            ("\"`\"x`\"\"", "\"x\""),
            ("a``b", "a`b"),
            ("`", ""),
        ];
        for (input, want) in cases {
            assert_eq!(run(input, '`').as_deref(), Ok(*want), "{input}");
        }
    }

    #[test]
    fn substitution_errors() {
        let cases: &[(&str, &str)] = &[
            ("${UNSET:?}", r#"failed to process "${UNSET:?}": UNSET: is not allowed to be unset"#),
            ("${EMPTY:?}", r#"failed to process "${EMPTY:?}": EMPTY: is not allowed to be empty"#),
            ("${UNSET?}", r#"failed to process "${UNSET?}": UNSET: is not allowed to be unset"#),
            ("${UNSET:?need it}", r#"failed to process "${UNSET:?need it}": UNSET: need it"#),
            ("${}", r#"failed to process "${}": syntax error: bad substitution"#),
            ("${:a}", r#"failed to process "${:a}": syntax error: bad substitution"#),
            ("${{a}", r#"failed to process "${{a}": syntax error: bad substitution"#),
            ("${", r#"failed to process "${": syntax error: missing '}'"#),
            ("${A:-x", r#"failed to process "${A:-x": syntax error: missing '}'"#),
            ("${A", "failed to process \"${A\": unsupported modifier (\u{FFFD}) in substitution"),
            ("${A:", r#"failed to process "${A:": syntax error: missing '}'"#),
            ("${A:x}", r#"failed to process "${A:x}": unsupported modifier (:x) in substitution"#),
            ("${A^^}", r#"failed to process "${A^^}": unsupported modifier (^) in substitution"#),
            ("${A:#x}", r#"failed to process "${A:#x}": unsupported modifier (:#) in substitution"#),
            ("${A/x", r#"failed to process "${A/x": syntax error: missing '/' in ${}"#),
            ("${A/x/y", r#"failed to process "${A/x/y": syntax error: missing '}'"#),
            ("${A#\\a}", r#"failed to process "${A#\\a}": invalid pattern (\a) in substitution: invalid escape '\a'"#),
            (
                "'abc",
                r#"failed to process "'abc": unexpected end of statement while looking for matching single-quote"#,
            ),
            (
                "\"abc",
                r#"failed to process "\"abc": unexpected end of statement while looking for matching double-quote"#,
            ),
            (
                "\"abc\\",
                r#"failed to process "\"abc\\": unexpected end of statement while looking for matching double-quote"#,
            ),
        ];
        for (input, want) in cases {
            assert_eq!(run(input, '\\').unwrap_err(), *want, "{input}");
        }
    }

    #[test]
    fn word_splitting() {
        let env = env();
        let look = |n: &str| env.get(n).map(|v| v.to_string());
        let cases: &[(&str, &[&str])] = &[
            ("a b  c", &["a", "b", "c"]),
            ("$PORTS", &["80", "443/udp"]),
            ("$SP", &["x", "y", "z"]),
            ("\"$SP\"", &["x y  z"]),
            ("'a b' c", &["a b", "c"]),
            ("a\\ b", &["a b"]),
            ("x$SP", &["xx", "y", "z"]),
            ("\"\" ''", &[]),
            ("", &[]),
            ("  ", &[]),
            ("${UNSET:-p q}", &["p", "q"]),
        ];
        for (input, want) in cases {
            let got = expand_words(input, '\\', look).unwrap();
            assert_eq!(got, *want, "{input}");
        }
    }

    #[test]
    fn heredoc_bodies() {
        let env = env();
        let look = |n: &str| env.get(n).map(|v| v.to_string());
        assert_eq!(expand_heredoc("echo \"$A\" '$B'\n", look).unwrap(), "echo \"a\" 'b'\n");
        assert_eq!(expand_heredoc("printf \"x\\ny\"", look).unwrap(), "printf \"xny\"");
        assert_eq!(expand_heredoc("\\$A", look).unwrap(), "$A");
    }

    #[test]
    fn raw_modes() {
        let lex = Lex { raw_quotes: true, raw_escapes: true, skip_unset: true, ..Lex::default() };
        let look = |_: &str| None;
        let (word, words) = lex.process_inner("RUN 'a b' \"c\" \\d $X ${Y:-z} <<EOF", &look).unwrap();
        assert_eq!(word, "RUN 'a b' \"c\" \\d $X ${Y:-z} <<EOF");
        assert_eq!(words, ["RUN", "'a b'", "\"c\"", "\\d", "$X", "${Y:-z}", "<<EOF"]);
    }

    #[test]
    fn reversed_patterns() {
        assert_eq!(Pattern::reversed("ab\\*c"), "c\\*ba");
        assert_eq!(Pattern::reversed("*.tar"), "rat.*");
        assert_eq!(Pattern::reversed("a\\"), "\\a");
    }

    #[test]
    fn deep_nesting_is_refused_not_overflowed() {
        let word = format!("{}x{}", "${A:-".repeat(2000), "}".repeat(2000));
        let err = run(&word, '\\').unwrap_err();
        assert!(err.contains("nested too deeply"), "{err}");
        let ok = format!("{}x{}", "${U:-".repeat(100), "}".repeat(100));
        assert_eq!(run(&ok, '\\').unwrap(), "x");
    }
}
