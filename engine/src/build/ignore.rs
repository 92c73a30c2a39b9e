//! `.dockerignore`: which files of the build context are not sent to the builder.
//!
//! Docker's rules (moby `patternmatcher` and its `ignorefile` reader):
//! - One pattern per line. A line starting with `#` (in the first column) is a comment; other
//!   lines are trimmed, blank ones skipped. A leading `!` makes the pattern an exception
//!   (re-include). The pattern is `filepath.Clean`ed and one leading `/` dropped, so `/foo`,
//!   `./foo` and `foo/` all mean `foo`.
//! - Patterns are Go `filepath.Match` syntax, anchored at the context root: `*` (any run of
//!   characters but `/`), `?` (one character but `/`), `[a-z]` / `[^a-z]`, `\` escaping the next
//!   character; plus `**`, any number of directories (`**/x`, `a/**/b`, `dir/**`). A malformed
//!   pattern is the error `syntax error in pattern`.
//! - A path is excluded when the last pattern that matches it, or matches one of its parent
//!   directories, is not an exception. So a pattern matching a directory excludes everything in
//!   it, and a later exception can re-include files below it.
//! - A walker may skip an excluded directory only when no exception could match something below
//!   it ([`DockerIgnore::can_skip_dir`]).
//! - `.dockerignore` and the Dockerfile may be excluded, yet are still sent (the client adds
//!   exceptions for them, [`DockerIgnore::keeping_build_files`]) and then removed from the
//!   context by the daemon after reading them ([`DockerIgnore::excluded_build_files`]).

use crate::error::{Error, Result};

use super::dockerfile::compat::clean_path;

const BAD_PATTERN: &str = "syntax error in pattern";

/// The parsed contents of a `.dockerignore` file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DockerIgnore {
    patterns: Vec<Pattern>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Pattern {
    /// The cleaned pattern without its `!`.
    text: String,
    exclusion: bool,
    kind: Kind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Kind {
    /// No wildcard: the path equals the pattern.
    Exact,
    /// `prefix**`: the path starts with the prefix.
    Prefix(String),
    /// `**suffix` (suffix without wildcards): the path ends with it, or `**/x` matches `x`.
    Suffix(String),
    /// Anything else, compiled to a small automaton equivalent to Docker's regular expression.
    Regex(Vec<Elem>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Elem {
    Lit(char),
    /// `?`: any character but `/`.
    AnyNoSlash,
    /// `*`: any run of characters but `/`.
    StarNoSlash,
    /// `**/` inside a pattern: `(.*/)?`.
    OptDirs,
    /// `**` at the end after a wildcard: `.*`.
    DotStar,
    /// `[...]`.
    Class {
        negated: bool,
        ranges: Vec<(char, char)>,
    },
    /// An unescaped `^`, which Docker's regular expression reads as "start of the path".
    Caret,
}

impl DockerIgnore {
    /// Reads a `.dockerignore` file (Docker's `ignorefile.ReadAll`, then the pattern checks).
    pub fn parse(text: &str) -> Result<DockerIgnore> {
        let mut patterns = Vec::new();
        let text = text.strip_prefix('\u{FEFF}').unwrap_or(text);
        for line in text.split_inclusive('\n') {
            let line = line.strip_suffix('\n').unwrap_or(line);
            let line = line.strip_suffix('\r').unwrap_or(line);
            if line.len() > 65535 {
                return Err(Error::invalid("error reading .dockerignore: bufio.Scanner: token too long"));
            }
            if line.starts_with('#') {
                continue;
            }
            let mut pattern = line.trim();
            if pattern.is_empty() {
                continue;
            }
            let invert = pattern.starts_with('!');
            if invert {
                pattern = pattern[1..].trim();
            }
            let mut cleaned = String::new();
            if !pattern.is_empty() {
                cleaned = clean_path(pattern);
                if cleaned.len() > 1 && cleaned.starts_with('/') {
                    cleaned.remove(0);
                }
            }
            patterns.push(if invert { format!("!{cleaned}") } else { cleaned });
        }
        DockerIgnore::from_patterns(&patterns)
    }

    /// Builds the matcher from patterns as Docker's `patternmatcher.New` takes them (`!` for
    /// exceptions; trimmed and cleaned again here).
    pub fn from_patterns<S: AsRef<str>>(patterns: &[S]) -> Result<DockerIgnore> {
        let mut out = Vec::new();
        for p in patterns {
            let p = p.as_ref().trim();
            if p.is_empty() {
                continue;
            }
            let mut p = clean_path(p);
            let exclusion = p.starts_with('!');
            if exclusion {
                if p.len() == 1 {
                    return Err(Error::invalid("illegal exclusion pattern: \"!\""));
                }
                p.remove(0);
            }
            validate(&p)?;
            let kind = compile(&p)?;
            out.push(Pattern { text: p, exclusion, kind });
        }
        Ok(DockerIgnore { patterns: out })
    }

    /// The patterns in Docker's form (`!` before exceptions).
    pub fn patterns(&self) -> Vec<String> {
        self.patterns.iter().map(|p| if p.exclusion { format!("!{}", p.text) } else { p.text.clone() }).collect()
    }

    /// No patterns at all.
    pub fn is_empty(&self) -> bool {
        self.patterns.is_empty()
    }

    /// Whether some pattern is an exception (`!`).
    pub fn has_exceptions(&self) -> bool {
        self.patterns.iter().any(|p| p.exclusion)
    }

    /// Whether the context path `path` (relative, `/`-separated) is excluded. The context root
    /// (`.` or empty) never is.
    pub fn matches(&self, path: &str) -> bool {
        let file = clean_path(path);
        if file == "." {
            return false;
        }
        let parent = parent_dir(&file);
        let parent_dirs: Vec<&str> = parent.split('/').collect();
        let mut matched = false;
        for p in &self.patterns {
            if p.exclusion != matched {
                continue;
            }
            let mut m = p.matches(&file);
            if !m && parent != "." {
                m = (1..=parent_dirs.len()).any(|i| p.matches(&parent_dirs[..i].join("/")));
            }
            if m {
                matched = !p.exclusion;
            }
        }
        matched
    }

    /// Whether a walker may skip the directory `dir` and everything below it: it is excluded and
    /// no exception could re-include anything under it. When false for an excluded directory,
    /// the walker must descend and test each path with [`DockerIgnore::matches`].
    pub fn can_skip_dir(&self, dir: &str) -> bool {
        let dir = clean_path(dir);
        if dir == "." || !self.matches(&dir) {
            return false;
        }
        let prefix = format!("{dir}/");
        for p in self.patterns.iter().filter(|p| p.exclusion) {
            // An exception matching the directory or one of its parents applies to everything
            // below it just as it does to the directory: it cannot make a difference.
            let components: Vec<&str> = dir.split('/').collect();
            if (1..=components.len()).any(|i| p.matches(&components[..i].join("/"))) {
                continue;
            }
            if p.could_match_below(&prefix) {
                return false;
            }
        }
        true
    }

    /// The client side of "the Dockerfile and `.dockerignore` are always sent": the same
    /// patterns plus exceptions for `.dockerignore` and `dockerfile` (context-relative) when
    /// they would be excluded.
    pub fn keeping_build_files(&self, dockerfile: &str) -> DockerIgnore {
        let mut out = self.clone();
        for name in [".dockerignore".to_string(), clean_path(dockerfile)] {
            if out.matches(&name) {
                out.patterns.push(Pattern { text: name.clone(), exclusion: true, kind: Kind::Exact });
            }
        }
        out
    }

    /// The daemon side: which of `.dockerignore` and `dockerfile` these (original) patterns
    /// exclude, to be removed from the context once read.
    pub fn excluded_build_files(&self, dockerfile: &str) -> Vec<String> {
        [".dockerignore".to_string(), clean_path(dockerfile)].into_iter().filter(|f| self.matches(f)).collect()
    }
}

fn parent_dir(path: &str) -> String {
    match path.rfind('/') {
        Some(i) => clean_path(&path[..=i]),
        None => ".".into(),
    }
}

impl Pattern {
    fn matches(&self, path: &str) -> bool {
        match &self.kind {
            Kind::Exact => path == self.text,
            Kind::Prefix(prefix) => path.starts_with(prefix.as_str()),
            Kind::Suffix(suffix) => {
                path.ends_with(suffix.as_str()) || suffix.strip_prefix('/').is_some_and(|s| path == s)
            }
            Kind::Regex(elems) => nfa_run(elems, path).is_some_and(|states| states.contains(&(elems.len(), false))),
        }
    }

    /// Whether some path starting with `prefix` (a directory followed by `/`) and continuing
    /// beyond it could match. Conservative: may say yes when no such path exists.
    fn could_match_below(&self, prefix: &str) -> bool {
        match &self.kind {
            Kind::Exact => self.text.starts_with(prefix),
            Kind::Prefix(p) => p.starts_with(prefix) || prefix.starts_with(p.as_str()),
            Kind::Suffix(_) => true,
            Kind::Regex(elems) => nfa_run(elems, prefix).is_some_and(|states| !states.is_empty()),
        }
    }
}

/// Checks the syntax the way Go's `filepath.Match(pattern, ".")` does.
fn validate(p: &str) -> Result<()> {
    let bad = || Error::invalid(BAD_PATTERN);
    let chars: Vec<char> = p.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        match chars[i] {
            '\\' => {
                if i + 1 >= chars.len() {
                    return Err(bad());
                }
                i += 2;
            }
            '[' => {
                let (_, next) = parse_class(&chars, i).ok_or_else(bad)?;
                i = next;
            }
            _ => i += 1,
        }
    }
    Ok(())
}

/// Parses `[...]` starting at `chars[start] == '['` with `filepath.Match` rules; returns the
/// class and the index after `]`, or `None` when malformed. A reversed range (`[z-a]`) is
/// refused too (Docker's regular expression would fail to compile).
fn parse_class(chars: &[char], start: usize) -> Option<(Elem, usize)> {
    let mut i = start + 1;
    let negated = chars.get(i) == Some(&'^');
    if negated {
        i += 1;
    }
    let mut ranges = Vec::new();
    // One character of a class: not `-` or `]` unescaped; `\` escapes; something must follow.
    let esc = |i: usize| -> Option<(char, usize)> {
        let c = *chars.get(i)?;
        if c == '-' || c == ']' {
            return None;
        }
        let (c, next) = if c == '\\' { (*chars.get(i + 1)?, i + 2) } else { (c, i + 1) };
        if next >= chars.len() {
            return None;
        }
        Some((c, next))
    };
    loop {
        if chars.get(i) == Some(&']') && !ranges.is_empty() {
            return Some((Elem::Class { negated, ranges }, i + 1));
        }
        let (lo, next) = esc(i)?;
        i = next;
        let mut hi = lo;
        if chars[i] == '-' {
            let (h, next) = esc(i + 1)?;
            hi = h;
            i = next;
        }
        if lo > hi {
            return None;
        }
        ranges.push((lo, hi));
    }
}

/// Docker's conversion of a pattern into a matcher (`Pattern.compile` with `/` separators).
fn compile(p: &str) -> Result<Kind> {
    #[derive(PartialEq)]
    enum Detected {
        Exact,
        Prefix,
        Suffix,
        Regex,
    }
    let chars: Vec<char> = p.chars().collect();
    let mut elems = Vec::new();
    let mut detected = Detected::Exact;
    let mut i = 0;
    let mut first = true;
    while i < chars.len() {
        let ch = chars[i];
        i += 1;
        match ch {
            '*' if chars.get(i) == Some(&'*') => {
                i += 1;
                if chars.get(i) == Some(&'/') {
                    i += 1;
                }
                if i >= chars.len() {
                    if detected == Detected::Exact {
                        detected = Detected::Prefix;
                    } else {
                        elems.push(Elem::DotStar);
                        detected = Detected::Regex;
                    }
                } else {
                    elems.push(Elem::OptDirs);
                    detected = Detected::Regex;
                }
                if first {
                    detected = Detected::Suffix;
                }
            }
            '*' => {
                elems.push(Elem::StarNoSlash);
                detected = Detected::Regex;
            }
            '?' => {
                elems.push(Elem::AnyNoSlash);
                detected = Detected::Regex;
            }
            '\\' => match chars.get(i) {
                Some(&c) => {
                    i += 1;
                    elems.push(Elem::Lit(c));
                    detected = Detected::Regex;
                }
                None => elems.push(Elem::Lit('\\')),
            },
            '[' => {
                let (class, next) = parse_class(&chars, i - 1).ok_or_else(|| Error::invalid(BAD_PATTERN))?;
                elems.push(class);
                i = next;
                detected = Detected::Regex;
            }
            ']' => {
                elems.push(Elem::Lit(']'));
                detected = Detected::Regex;
            }
            '^' => elems.push(Elem::Caret),
            c => elems.push(Elem::Lit(c)),
        }
        first = false;
    }
    Ok(match detected {
        Detected::Exact => Kind::Exact,
        Detected::Prefix => Kind::Prefix(p[..p.len() - 2].to_string()),
        Detected::Suffix => Kind::Suffix(p[2..].to_string()),
        Detected::Regex => Kind::Regex(elems),
    })
}

type State = (usize, bool);

/// A set of automaton states with O(1) membership.
struct States {
    list: Vec<State>,
    seen: Vec<bool>,
}

impl States {
    fn new(elems: &[Elem]) -> States {
        States { list: Vec::new(), seen: vec![false; 2 * (elems.len() + 1)] }
    }

    /// Adds `s` and every state reachable from it without reading a character.
    fn add(&mut self, elems: &[Elem], s: State, pos: usize) {
        let mut todo = vec![s];
        while let Some(s @ (i, inner)) = todo.pop() {
            let key = 2 * i + usize::from(inner);
            if self.seen[key] {
                continue;
            }
            self.seen[key] = true;
            self.list.push(s);
            if inner || i >= elems.len() {
                continue;
            }
            match &elems[i] {
                Elem::StarNoSlash | Elem::OptDirs | Elem::DotStar => todo.push((i + 1, false)),
                Elem::Caret if pos == 0 => todo.push((i + 1, false)),
                _ => {}
            }
        }
    }
}

/// Runs the automaton over `input`; the live states at the end (`None` when none survive early).
fn nfa_run(elems: &[Elem], input: &str) -> Option<Vec<State>> {
    let mut set = States::new(elems);
    set.add(elems, (0, false), 0);
    for (pos, c) in input.chars().enumerate() {
        let mut next = States::new(elems);
        for &(i, _) in &set.list {
            if i >= elems.len() {
                continue;
            }
            match &elems[i] {
                Elem::Lit(x) if *x == c => next.add(elems, (i + 1, false), pos + 1),
                Elem::AnyNoSlash if c != '/' => next.add(elems, (i + 1, false), pos + 1),
                Elem::StarNoSlash if c != '/' => next.add(elems, (i, false), pos + 1),
                Elem::DotStar if c != '\n' => next.add(elems, (i, false), pos + 1),
                Elem::Class { negated, ranges }
                    if ranges.iter().any(|(lo, hi)| (*lo..=*hi).contains(&c)) != *negated =>
                {
                    next.add(elems, (i + 1, false), pos + 1)
                }
                Elem::OptDirs => {
                    if c == '/' {
                        next.add(elems, (i + 1, false), pos + 1);
                    }
                    if c != '\n' {
                        next.add(elems, (i, true), pos + 1);
                    }
                }
                _ => {}
            }
        }
        if next.list.is_empty() {
            return None;
        }
        set = next;
    }
    Some(set.list)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ignore(text: &str) -> DockerIgnore {
        DockerIgnore::parse(text).unwrap()
    }

    #[test]
    fn reading_the_file() {
        let cases: &[(&str, &[&str])] = &[
            ("a\nb\n", &["a", "b"]),
            ("# comment\n\n  \na", &["a"]),
            ("  # not a comment", &["# not a comment"]),
            ("  spaced  \r\n", &["spaced"]),
            ("/abs\n./rel\ndir/\na//b\nx/../y", &["abs", "rel", "dir", "a/b", "y"]),
            ("!keep\n! spaced", &["!keep", "!spaced"]),
            ("!/abs", &["!abs"]),
            ("\u{FEFF}first", &["first"]),
            ("/", &["/"]),
            ("..", &[".."]),
            ("**/", &["**"]),
        ];
        for (text, want) in cases {
            assert_eq!(ignore(text).patterns(), *want, "{text:?}");
        }
    }

    #[test]
    fn bad_patterns() {
        let cases = [
            ("!", "illegal exclusion pattern: \"!\""),
            ("!/", "illegal exclusion pattern: \"!\""),
            ("[", BAD_PATTERN),
            ("a[", BAD_PATTERN),
            ("[]a]", BAD_PATTERN),
            ("[^]", BAD_PATTERN),
            ("[a-]", BAD_PATTERN),
            ("[-a]", BAD_PATTERN),
            ("[z-a]", BAD_PATTERN),
            ("a\\", BAD_PATTERN),
            ("*/[", BAD_PATTERN),
        ];
        for (text, want) in cases {
            assert_eq!(DockerIgnore::parse(text).unwrap_err().message(), want, "{text:?}");
        }
        for ok in ["[a]", "[^a]", "[a-z0-9]", "[\\]]", "]", "a]b", "[*]", "\\[", "{}", "(x)", "a+b", "$x"] {
            assert!(DockerIgnore::parse(ok).is_ok(), "{ok}");
        }
    }

    #[test]
    fn matching_table() {
        // (patterns, path, excluded)
        let cases: &[(&str, &str, bool)] = &[
            ("foo", "foo", true),
            ("foo", "foo/bar", true),
            ("foo", "foo/bar/baz", true),
            ("foo", "a/foo", false),
            ("foo", "foobar", false),
            ("foo/bar", "foo/bar/x", true),
            ("foo/bar", "foo", false),
            ("*.md", "README.md", true),
            ("*.md", "docs/a.md", false),
            ("*/*.md", "docs/a.md", true),
            ("*", "anything", true),
            ("*", "dir/file", true),
            ("?", "a", true),
            ("?", "ab", false),
            ("a?c", "abc", true),
            ("a?c", "a/c", false),
            ("[a-c]x", "bx", true),
            ("[a-c]x", "dx", false),
            ("[^a-c]x", "dx", true),
            ("[^a-c]x", "ax", false),
            ("[\\]]", "]", true),
            ("\\*", "*", true),
            ("\\*", "a", false),
            ("a.b", "a.b", true),
            ("a.b", "axb", false),
            ("a.*", "a.txt", true),
            ("a+b(c)|{d}$", "a+b(c)|{d}$", true),
            ("**", "x", true),
            ("**", "x/y/z", true),
            ("**/foo", "foo", true),
            ("**/foo", "a/foo", true),
            ("**/foo", "a/b/foo", true),
            ("**/foo", "a/b/foo/c", true),
            ("**/foo", "afoo", false),
            ("**/*.go", "main.go", true),
            ("**/*.go", "a/b/main.go", true),
            ("**/*.go", "a/b/main.goo", false),
            ("dir/**", "dir/a", true),
            ("dir/**", "dir/a/b", true),
            ("dir/**", "dir", false),
            ("dir/**", "dirx", false),
            ("dir**", "dirx", true),
            ("a/**/b", "a/b", true),
            ("a/**/b", "a/x/b", true),
            ("a/**/b", "a/x/y/b", true),
            ("a/**/b", "a/xb", false),
            ("a/**/b", "x/a/b", false),
            ("*/**", "a/b", true),
            ("*/**", "a", false),
            ("a^b", "a^b", true),
            ("a^b*", "a^bc", false),
            // Last match wins; exceptions re-include.
            ("*.md\n!README.md", "README.md", false),
            ("*.md\n!README.md", "CHANGES.md", true),
            ("*.md\n!README*.md\nREADME-secret.md", "README-secret.md", true),
            ("*.md\n!README*.md\nREADME-secret.md", "README-public.md", false),
            ("docs\n!docs/keep.md", "docs/keep.md", false),
            ("docs\n!docs/keep.md", "docs/other.md", true),
            ("docs\n!docs/keep.md", "docs", true),
            ("docs\n!docs", "docs/x", false),
            ("!docs\ndocs", "docs/x", true),
            ("docs\n!docs/sub\ndocs/sub/x", "docs/sub/x/y", true),
            ("docs\n!docs/sub\ndocs/sub/x", "docs/sub/y", false),
            ("**\n!src\n!Dockerfile", "src/a/b.rs", false),
            ("**\n!src\n!Dockerfile", "target/x", true),
            ("**\n!**/*.rs", "a/b.rs", false),
            ("", "anything", false),
            ("foo", ".", false),
            ("foo", "./foo", true),
            ("foo", "foo/", true),
        ];
        for (patterns, path, want) in cases {
            assert_eq!(ignore(patterns).matches(path), *want, "{patterns:?} {path:?}");
        }
    }

    #[test]
    fn skipping_directories() {
        // (patterns, dir, can skip)
        let cases: &[(&str, &str, bool)] = &[
            ("node_modules", "node_modules", true),
            ("node_modules", "src", false),
            ("node_modules\n!node_modules/keep", "node_modules", false),
            ("node_modules\n!node_modules/a/keep", "node_modules/a", false),
            ("node_modules\n!node_modules/a/keep", "node_modules/b", true),
            ("node_modules\n!**/keep", "node_modules", false),
            ("node_modules\n!*/keep", "node_modules", false),
            ("node_modules\n!other/keep", "node_modules", true),
            ("node_modules\n!node_modules*", "node_modules", false),
            ("node_modules\n!node**", "node_modules", false),
            ("node_modules\n!nope**", "node_modules", true),
            ("node_modules\n!node_modules/[ab]*", "node_modules", false),
            ("node_modules\n!node_modules/**/x", "node_modules", false),
            ("node_modules\n!src/**/x", "node_modules", true),
            ("*\n!*.go", "src", true),
            ("*\n!src/*.go", "src", false),
            ("*\n!src/*.go", "lib", true),
            ("build\n!build", "build", false),
            ("a\n!a\na/b", "a/b", true),
            ("a\n!a/b\na/b/c", "a", false),
            ("x", ".", false),
        ];
        for (patterns, dir, want) in cases {
            assert_eq!(ignore(patterns).can_skip_dir(dir), *want, "{patterns:?} {dir:?}");
        }
    }

    #[test]
    fn skip_answers_agree_with_matching() {
        // Wherever a directory may be skipped, every path below it must be excluded.
        let sets = [
            "node_modules\n!node_modules/keep",
            "*\n!*.go",
            "a\n!a/b\na/b/c",
            "**\n!src",
            "d*\n!d?/x\n!**/y",
            "docs\n!docs/*/keep",
            "x/**\n!x/a/**/b",
        ];
        let dirs = ["a", "a/b", "a/b/c", "d1", "dd", "docs", "docs/p", "node_modules", "src", "x", "x/a", "x/a/q"];
        let leaves = ["keep", "b", "c", "x", "y", "z.go", "q/b", "p/keep", "b/c"];
        for set in sets {
            let ig = ignore(set);
            for dir in dirs {
                if ig.can_skip_dir(dir) {
                    for leaf in leaves {
                        let path = format!("{dir}/{leaf}");
                        assert!(ig.matches(&path), "{set:?}: skipped {dir} but {path} is included");
                    }
                }
            }
        }
    }

    #[test]
    fn long_patterns_do_not_overflow() {
        let stars = "**".repeat(12_000);
        let ig = ignore(&format!("{stars}x\n!a/{stars}y"));
        assert!(!ig.matches(&"q/".repeat(20)));
        let path = format!("{}x", "a/".repeat(20));
        assert!(ig.matches(&path));
        assert!(!ig.can_skip_dir("a/x"));
    }

    #[test]
    fn build_files_are_still_sent() {
        let ig = ignore("Dockerfile\n.dockerignore\n*.txt");
        let sent = ig.keeping_build_files("Dockerfile");
        assert!(!sent.matches("Dockerfile"));
        assert!(!sent.matches(".dockerignore"));
        assert!(sent.matches("a.txt"));
        assert_eq!(ig.excluded_build_files("Dockerfile"), [".dockerignore", "Dockerfile"]);

        let ig = ignore("*\n!src");
        assert_eq!(ig.excluded_build_files("sub/Dockerfile.dev"), [".dockerignore", "sub/Dockerfile.dev"]);
        let sent = ig.keeping_build_files("./sub/Dockerfile.dev");
        assert!(!sent.matches("sub/Dockerfile.dev"));
        assert!(sent.matches("sub/other"));

        let ig = ignore("*.txt");
        assert!(ig.excluded_build_files("Dockerfile").is_empty());
        assert_eq!(ig.keeping_build_files("Dockerfile"), ig);
    }
}
