//! Logical lines → typed instructions, in Docker's two passes:
//!
//! 1. **Syntax** (BuildKit `parser.Parse`): split the instruction word from its arguments, take
//!    the leading `--flags`, split the arguments the way the instruction wants them (JSON or
//!    shell text, whitespace list, quote-aware `KEY=value` words, …) and read heredoc bodies.
//!    Unknown instruction words are not an error yet. The first error of this pass wins.
//! 2. **Instructions** (BuildKit `instructions.Parse`): check each instruction's arguments and
//!    flags and build the typed [`Instruction`]. The first error wins, so a syntax error on line 9
//!    is reported before an unknown instruction on line 2, as Docker does.

use super::compat::{self, is_sep, is_space, quote, suggest};
use super::instruction::{
    chomp, Add, ArgDecl, Command, CommandLine, Copy, From, HealthConfig, Heredoc, InlineFile, Instruction, KeyValue,
    Onbuild, Run,
};
use super::json::{parse_json_array, JsonArgs, NOT_STRING_ARRAY};
use super::lexer::{Lexer, MAX_LINE};
use super::words::Lex;
use super::ParseError;

/// Every instruction Docker knows, for "did you mean" suggestions.
const INSTRUCTIONS: [&str; 18] = [
    "ADD",
    "ARG",
    "CMD",
    "COPY",
    "ENTRYPOINT",
    "ENV",
    "EXPOSE",
    "FROM",
    "HEALTHCHECK",
    "LABEL",
    "MAINTAINER",
    "ONBUILD",
    "RUN",
    "SHELL",
    "STOPSIGNAL",
    "USER",
    "VOLUME",
    "WORKDIR",
];

/// The result of the syntax pass for one instruction.
#[derive(Debug)]
struct Node {
    /// The instruction word as written.
    cmd: String,
    /// The logical line as read (continuations joined, first line left-trimmed).
    original: String,
    flags: Vec<String>,
    /// ENV/LABEL: key, value, key, value…; HEALTHCHECK: type, command…; others: arguments.
    args: Vec<String>,
    /// The arguments were the JSON form.
    json: bool,
    /// ONBUILD's instruction.
    child: Option<Box<Node>>,
}

impl Node {
    fn lower(&self) -> String {
        self.cmd.to_lowercase()
    }

    /// RUN, COPY and ADD in shell form (or ONBUILD of one) can carry heredocs.
    fn can_contain_heredoc(&self) -> bool {
        let node = match (&self.child, self.lower() == "onbuild") {
            (Some(child), true) => child,
            _ => self,
        };
        matches!(node.lower().as_str(), "add" | "copy" | "run") && !node.json
    }
}

/// The syntax-pass output of a whole file.
pub(crate) struct Syntax {
    pub escape: char,
    pub warnings: Vec<String>,
    pub nodes: Vec<(usize, usize, Vec<Heredoc>, NodeRef)>,
    /// The input stopped at a line longer than [`MAX_LINE`].
    pub too_long_at: Option<usize>,
}

/// An opaque syntax node (kept private to this module).
pub(crate) struct NodeRef(Box<Node>);

/// Pass 1 over a whole Dockerfile.
pub(crate) fn parse_syntax(text: &str) -> Result<Syntax, ParseError> {
    let mut lexer = Lexer::new(text);
    let mut nodes = Vec::new();
    while let Some(line) = lexer.next_line()? {
        let escape = lexer.escape();
        let node = node_from_line(&line.text, escape).map_err(|m| ParseError::at(line.start, m))?;
        let mut heredocs = Vec::new();
        if node.can_contain_heredoc() && line.text.contains("<<") {
            let found = heredocs_from_line(&line.text).map_err(|m| ParseError::at(line.start, m))?;
            for mut h in found {
                match lexer.heredoc_body(&h.name, h.chomp) {
                    Some(body) => h.content = body,
                    None => return Err(ParseError::at(line.start, "unterminated heredoc")),
                }
                heredocs.push(h);
            }
        }
        nodes.push((line.start, lexer.line(), heredocs, NodeRef(Box::new(node))));
    }
    let too_long_at = lexer.too_long().then(|| lexer.line() + 1);
    Ok(Syntax { escape: lexer.escape(), warnings: lexer.warnings, nodes, too_long_at })
}

/// Pass 2 for one node.
pub(crate) fn instruction_from(
    node: &NodeRef,
    start: usize,
    end: usize,
    heredocs: Vec<Heredoc>,
) -> Result<Instruction, ParseError> {
    typed(&node.0, start, end, heredocs).map_err(|m| ParseError::at(start, m))
}

// ---------------------------------------------------------------------------------------------
// Pass 1: the line parsers.

fn node_from_line(line: &str, escape: char) -> Result<Node, String> {
    let (cmd, flags, rest) = split_command(line);
    let lower = cmd.to_lowercase();
    let mut node = Node { cmd, original: line.to_string(), flags, args: Vec::new(), json: false, child: None };
    match lower.as_str() {
        "add" | "copy" | "volume" => {
            let (args, json) = maybe_json_to_list(&rest)?;
            node.args = args;
            node.json = json;
        }
        "cmd" | "entrypoint" | "run" | "shell" => {
            let (args, json) = maybe_json(&rest)?;
            node.args = args;
            node.json = json;
        }
        "arg" => node.args = split_words(&rest, escape),
        "env" => node.args = name_val(&rest, "ENV", escape)?,
        "label" => node.args = name_val(&rest, "LABEL", escape)?,
        "expose" | "from" => node.args = whitespace_list(&rest),
        "healthcheck" => {
            let (args, json) = health_config(&rest)?;
            node.args = args;
            node.json = json;
        }
        "maintainer" | "stopsignal" | "user" | "workdir" if !rest.is_empty() => node.args = vec![rest],
        "onbuild" if !rest.is_empty() => node.child = Some(Box::new(node_from_line(&rest, escape)?)),
        _ => {}
    }
    Ok(node)
}

/// Splits `INSTR [--flags] args` (the instruction word is split off at the first run of
/// `[\t\v\f\r ]`).
fn split_command(line: &str) -> (String, Vec<String>, String) {
    let trimmed = line.trim_matches(is_space);
    match trimmed.find(is_sep) {
        None => (trimmed.to_string(), Vec::new(), String::new()),
        Some(i) => {
            let rest = trimmed[i..].trim_start_matches(is_sep);
            let (args, flags) = extract_flags(rest);
            (trimmed[..i].to_string(), flags, args.trim_matches(is_space).to_string())
        }
    }
}

/// Takes the leading `--flag[=value]` words (quotes and `\` removed inside them); stops at the
/// first word not starting with `--`, or after a lone `--`.
fn extract_flags(line: &str) -> (&str, Vec<String>) {
    #[derive(PartialEq)]
    enum Phase {
        Spaces,
        Word,
        Quote,
    }
    let chars: Vec<(usize, char)> = line.char_indices().collect();
    let mut words = Vec::new();
    let mut phase = Phase::Spaces;
    let mut word = String::new();
    let mut quote = '\0';
    let mut blank_ok = false;
    let mut i = 0;
    loop {
        let at_end = i >= chars.len();
        let (pos, mut ch) = if at_end { (line.len(), '\0') } else { chars[i] };
        if phase == Phase::Spaces {
            if at_end {
                break;
            }
            if is_space(ch) {
                i += 1;
                continue;
            }
            if !(ch == '-' && chars.get(i + 1).is_some_and(|c| c.1 == '-')) {
                return (&line[pos..], words);
            }
            phase = Phase::Word;
        }
        if at_end {
            if word != "--" && (blank_ok || !word.is_empty()) {
                words.push(word);
            }
            break;
        }
        if phase == Phase::Word {
            if is_space(ch) {
                phase = Phase::Spaces;
                if word == "--" {
                    return (&line[pos..], words);
                }
                if blank_ok || !word.is_empty() {
                    words.push(std::mem::take(&mut word));
                }
                word.clear();
                blank_ok = false;
                i += 1;
                continue;
            }
            if ch == '\'' || ch == '"' {
                quote = ch;
                blank_ok = true;
                phase = Phase::Quote;
                i += 1;
                continue;
            }
            if ch == '\\' {
                if i + 1 == chars.len() {
                    i += 1;
                    continue;
                }
                i += 1;
                ch = chars[i].1;
            }
            word.push(ch);
            i += 1;
            continue;
        }
        // In quotes.
        if ch == quote {
            phase = Phase::Word;
            i += 1;
            continue;
        }
        if ch == '\\' {
            if i + 1 == chars.len() {
                phase = Phase::Word;
                i += 1;
                continue;
            }
            i += 1;
            ch = chars[i].1;
        }
        word.push(ch);
        i += 1;
    }
    ("", words)
}

/// Words separated by whitespace with quotes and escapes kept in them (removed later by
/// substitution); used by ENV, LABEL and ARG.
fn split_words(rest: &str, escape: char) -> Vec<String> {
    #[derive(PartialEq)]
    enum Phase {
        Spaces,
        Word,
        Quote,
    }
    let chars: Vec<char> = rest.chars().collect();
    let mut words = Vec::new();
    let mut phase = Phase::Spaces;
    let mut word = String::new();
    let mut quote = '\0';
    let mut blank_ok = false;
    let mut i = 0;
    loop {
        let at_end = i >= chars.len();
        let mut ch = if at_end { '\0' } else { chars[i] };
        if phase == Phase::Spaces {
            if at_end {
                break;
            }
            if is_space(ch) {
                i += 1;
                continue;
            }
            phase = Phase::Word;
        }
        if at_end {
            if blank_ok || !word.is_empty() {
                words.push(word);
            }
            break;
        }
        if phase == Phase::Word {
            if is_space(ch) {
                phase = Phase::Spaces;
                if blank_ok || !word.is_empty() {
                    words.push(std::mem::take(&mut word));
                }
                blank_ok = false;
                i += 1;
                continue;
            }
            if ch == '\'' || ch == '"' {
                quote = ch;
                blank_ok = true;
                phase = Phase::Quote;
            }
            if ch == escape {
                if i + 1 == chars.len() {
                    i += 1;
                    continue; // an escape at the end is dropped
                }
                // Outside quotes the escape and the next character are both kept.
                word.push(ch);
                i += 1;
                ch = chars[i];
            }
            word.push(ch);
            i += 1;
            continue;
        }
        // In quotes.
        if ch == quote {
            phase = Phase::Word;
        }
        if ch == escape && quote != '\'' {
            if i + 1 == chars.len() {
                phase = Phase::Word;
                i += 1;
                continue;
            }
            word.push(ch);
            i += 1;
            ch = chars[i];
        }
        word.push(ch);
        i += 1;
    }
    words
}

/// ENV and LABEL: `KEY=value …` or the legacy `KEY value with spaces`.
fn name_val(rest: &str, key: &str, escape: char) -> Result<Vec<String>, String> {
    let words = split_words(rest, escape);
    let Some(first) = words.first() else {
        return Ok(Vec::new());
    };
    if !first.contains('=') {
        // Legacy form: the first word is the key, the rest of the line the value.
        let Some(i) = rest.find(is_sep) else {
            return Err(format!("{key} must have two arguments"));
        };
        let value = rest[i..].trim_start_matches(is_sep);
        return Ok(vec![rest[..i].to_string(), value.to_string()]);
    }
    let mut out = Vec::new();
    for word in &words {
        let Some((k, v)) = word.split_once('=') else {
            return Err(format!("Syntax error - can't find = in {}. Must be of the form: name=value", quote(word)));
        };
        out.push(k.to_string());
        out.push(v.to_string());
    }
    Ok(out)
}

fn whitespace_list(rest: &str) -> Vec<String> {
    if rest.is_empty() {
        return Vec::new();
    }
    rest.split(is_sep).filter(|s| !s.is_empty()).map(str::to_string).collect()
}

/// RUN, CMD, ENTRYPOINT, SHELL: the JSON form, else the whole text as one argument.
fn maybe_json(rest: &str) -> Result<(Vec<String>, bool), String> {
    if rest.is_empty() {
        return Ok((Vec::new(), false));
    }
    match parse_json_array(rest) {
        JsonArgs::Strings(v) => Ok((v, true)),
        JsonArgs::NotStringArray => Err(NOT_STRING_ARRAY.into()),
        JsonArgs::NotJson => Ok((vec![rest.to_string()], false)),
    }
}

/// ADD, COPY, VOLUME: the JSON form, else whitespace-separated words.
fn maybe_json_to_list(rest: &str) -> Result<(Vec<String>, bool), String> {
    match parse_json_array(rest) {
        JsonArgs::Strings(v) => Ok((v, true)),
        JsonArgs::NotStringArray => Err(NOT_STRING_ARRAY.into()),
        JsonArgs::NotJson => Ok((whitespace_list(rest), false)),
    }
}

/// HEALTHCHECK: a type word (`CMD`, `NONE`, …) then a RUN-like command.
fn health_config(rest: &str) -> Result<(Vec<String>, bool), String> {
    let sep = rest.find(is_space).unwrap_or(rest.len());
    if sep == 0 {
        return Ok((Vec::new(), false));
    }
    let typ = &rest[..sep];
    let cmd = rest[sep..].trim_start_matches(is_space);
    let (mut args, json) = maybe_json(cmd)?;
    args.insert(0, typ.to_string());
    Ok((args, json))
}

// ---------------------------------------------------------------------------------------------
// Heredocs.

/// `^(\d*)<<(-?)([^<]*)$` on one word of the line.
fn heredoc_from_word(word: &str) -> Result<Option<Heredoc>, String> {
    let digits = word.bytes().take_while(u8::is_ascii_digit).count();
    let Some(rest) = word[digits..].strip_prefix("<<") else {
        return Ok(None);
    };
    let (chomp, rest) = match rest.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, rest),
    };
    if rest.contains('<') || rest.is_empty() {
        return Ok(None);
    }
    let fd = if digits == 0 { 0 } else { word[..digits].parse::<u64>().unwrap_or(u64::MAX) };
    let none = |_: &str| None;
    let plain = Lex { skip_unset: true, ..Lex::default() };
    let (_, words) = plain.process_inner(rest, &none)?;
    if words.len() != 1 {
        return Ok(None);
    }
    let raw = Lex { raw_quotes: true, ..plain };
    let (_, raw_words) = raw.process_inner(rest, &none)?;
    if raw_words.len() != words.len() {
        return Err(format!("internal lexing of heredoc produced inconsistent results: {rest}"));
    }
    let quotes = |s: &str| s.chars().filter(|c| *c == '\'' || *c == '"').count();
    let expand = quotes(&words[0]) == quotes(&raw_words[0]);
    Ok(Some(Heredoc { name: words[0].clone(), content: String::new(), expand, chomp, fd }))
}

/// Every heredoc word of the line, in order. A line that does not lex (an unterminated quote)
/// has none.
fn heredocs_from_line(line: &str) -> Result<Vec<Heredoc>, String> {
    let lex = Lex { raw_quotes: true, raw_escapes: true, skip_unset: true, ..Lex::default() };
    let none = |_: &str| None;
    let words = lex.process_inner(line, &none).map(|(_, w)| w).unwrap_or_default();
    let mut docs = Vec::new();
    for w in words {
        if let Some(h) = heredoc_from_word(&w)? {
            docs.push(h);
        }
    }
    Ok(docs)
}

// ---------------------------------------------------------------------------------------------
// Pass 2: flags and typed instructions.

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Bool,
    Str,
    Strings,
}

/// Flag values after Docker's `BFlags.Parse`.
struct Flags {
    defs: Vec<(&'static str, Kind)>,
    values: Vec<Vec<String>>,
}

impl Flags {
    fn parse(given: &[String], defs: &[(&'static str, Kind)]) -> Result<Flags, String> {
        let mut values = vec![Vec::new(); defs.len()];
        let mut used = vec![false; defs.len()];
        for a in given {
            if a == "--" {
                break;
            }
            let Some(_) = a.strip_prefix("--") else {
                return Err(format!("arg should start with -- : {a}"));
            };
            let (flag_name, value) = match a.split_once('=') {
                Some((n, v)) => (n, Some(v)),
                None => (a.as_str(), None),
            };
            let name = &flag_name[2..];
            let Some(idx) = defs.iter().position(|(n, _)| *n == name) else {
                let mut msg = format!("unknown flag: {flag_name}");
                let mut names: Vec<&str> = defs.iter().map(|(n, _)| *n).collect();
                names.sort_unstable();
                if let Some(m) = suggest(name, &names, true) {
                    msg.push_str(&format!(" (did you mean {m}?)"));
                }
                return Err(msg);
            };
            let kind = defs[idx].1;
            if used[idx] && kind != Kind::Strings {
                return Err(format!("duplicate flag specified: {flag_name}"));
            }
            used[idx] = true;
            match kind {
                Kind::Bool => {
                    if value == Some("") {
                        return Err(format!("missing a value on flag: {flag_name}"));
                    }
                    let v = match value.map(str::to_lowercase).as_deref() {
                        None | Some("true") => "true",
                        Some("false") => "false",
                        Some(_) => {
                            return Err(format!(
                                "expecting boolean value for flag {flag_name}, not: {}",
                                value.unwrap_or_default()
                            ))
                        }
                    };
                    values[idx] = vec![v.to_string()];
                }
                Kind::Str | Kind::Strings => {
                    let Some(v) = value else {
                        return Err(format!("missing a value on flag: {flag_name}"));
                    };
                    if kind == Kind::Str {
                        values[idx] = vec![v.to_string()];
                    } else {
                        values[idx].push(v.to_string());
                    }
                }
            }
        }
        Ok(Flags { defs: defs.to_vec(), values })
    }

    fn idx(&self, name: &str) -> usize {
        self.defs.iter().position(|(n, _)| *n == name).expect("flag defined")
    }
    /// A string flag's value; an empty value counts as not given (as in Docker).
    fn string(&self, name: &str) -> Option<String> {
        self.values[self.idx(name)].last().filter(|v| !v.is_empty()).cloned()
    }
    fn boolean(&self, name: &str) -> bool {
        self.values[self.idx(name)].last().is_some_and(|v| v == "true")
    }
    fn given_bool(&self, name: &str) -> Option<bool> {
        self.values[self.idx(name)].last().map(|v| v == "true")
    }
    fn strings(&self, name: &str) -> Vec<String> {
        self.values[self.idx(name)].clone()
    }
}

fn no_flags(node: &Node) -> Result<(), String> {
    Flags::parse(&node.flags, &[]).map(|_| ())
}

fn at_least_one(cmd: &str) -> String {
    format!("{cmd} requires at least one argument")
}

/// The one argument of an instruction that takes exactly one and no flags.
fn single_argument(node: &Node, cmd: &str) -> Result<String, String> {
    if node.args.len() != 1 {
        return Err(format!("{cmd} requires exactly one argument"));
    }
    no_flags(node)?;
    Ok(node.args[0].clone())
}

fn command_line(node: &Node) -> CommandLine {
    let args = match (node.args.is_empty(), node.json) {
        (true, _) => Vec::new(),
        (false, true) => node.args.clone(),
        (false, false) => vec![node.args.join(" ")],
    };
    CommandLine { args, prepend_shell: !node.json }
}

fn key_values(node: &Node, cmd: &str) -> Result<Vec<KeyValue>, String> {
    if node.args.is_empty() {
        return Err(at_least_one(cmd));
    }
    let mut out = Vec::new();
    for pair in node.args.chunks(2) {
        let [key, value] = pair else {
            return Err(format!("Bad input to {cmd}, too many arguments"));
        };
        if key.is_empty() {
            return Err(format!("{cmd} names can not be blank"));
        }
        out.push(KeyValue { key: key.clone(), value: value.clone() });
    }
    Ok(out)
}

/// Splits sources, heredoc files and the destination of ADD/COPY.
fn sources_and_dest(
    node: &Node,
    heredocs: &[Heredoc],
    cmd: &str,
) -> Result<(Vec<String>, Vec<InlineFile>, String), String> {
    let (dest, srcs) = node.args.split_last().expect("checked: two arguments");
    if heredoc_from_word(dest).ok().flatten().is_some() {
        return Err(format!("{cmd} cannot accept a heredoc as a destination"));
    }
    let mut sources = Vec::new();
    let mut files = Vec::new();
    for src in srcs {
        match heredoc_from_word(src).ok().flatten() {
            Some(h) => {
                // The last heredoc of that name in the instruction provides the body.
                let content =
                    heredocs.iter().rev().find(|d| d.name == h.name).map(|d| d.content.clone()).unwrap_or_default();
                let data = if h.chomp { chomp(&content) } else { content };
                files.push(InlineFile { name: h.name, data, expand: h.expand });
            }
            None => sources.push(src.clone()),
        }
    }
    Ok((sources, files, dest.clone()))
}

/// The `SHELL requires the arguments to be in JSON form` error, with Docker's hint for
/// unescaped Windows paths.
fn not_json(cmd: &str, original: &str) -> String {
    let lowered = original.to_lowercase().replace(&format!("{} ", cmd.to_lowercase()), "");
    let looks_like_path = lowered.char_indices().any(|(i, c)| {
        c == '"' && {
            let rest = &lowered[i + 1..];
            let mut it = rest.chars();
            matches!((it.next(), it.next(), it.next()), (Some(d), Some(':'), Some('\\')) if d.is_ascii_lowercase())
        }
    });
    let extra = if looks_like_path && !lowered.contains("\\\\") && lowered.contains('[') && lowered.contains(']') {
        format!(
            ". It looks like '{lowered}' includes a file path without an escaped back-slash. JSON requires \
             back-slashes to be escaped such as [\"c:\\\\path\\\\to\\\\file.exe\", \"/parameter\"]"
        )
    } else {
        String::new()
    };
    format!("{cmd} requires the arguments to be in JSON form{extra}")
}

/// A HEALTHCHECK duration flag: 0 when absent, else at least 1ms.
fn interval(flags: &Flags, name: &'static str) -> Result<i64, String> {
    let Some(s) = flags.string(name) else {
        return Ok(0);
    };
    let d = compat::parse_duration(&s)?;
    const MIN: i64 = 1_000_000;
    if d == 0 {
        return Ok(0);
    }
    if d < MIN {
        return Err(format!("Interval {} cannot be less than {}", quote(name), compat::duration_string(MIN)));
    }
    Ok(d)
}

fn typed(node: &Node, start: usize, end: usize, heredocs: Vec<Heredoc>) -> Result<Instruction, String> {
    use Kind::*;
    let original = node.original.trim_matches(is_space).to_string();
    let command = match node.lower().as_str() {
        "env" => {
            no_flags(node)?;
            Command::Env(key_values(node, "ENV")?)
        }
        "label" => {
            no_flags(node)?;
            Command::Label(key_values(node, "LABEL")?)
        }
        "maintainer" => Command::Maintainer(single_argument(node, "MAINTAINER")?),
        "add" => {
            if node.args.len() < 2 {
                return Err(no_destination("ADD"));
            }
            let f = Flags::parse(
                &node.flags,
                &[
                    ("chown", Str),
                    ("chmod", Str),
                    ("link", Bool),
                    ("keep-git-dir", Bool),
                    ("checksum", Str),
                    ("unpack", Bool),
                    ("exclude", Strings),
                ],
            )?;
            let (sources, files, dest) = sources_and_dest(node, &heredocs, "ADD")?;
            Command::Add(Add {
                sources,
                files,
                dest,
                chown: f.string("chown"),
                chmod: f.string("chmod"),
                link: f.boolean("link"),
                keep_git_dir: f.boolean("keep-git-dir"),
                checksum: f.string("checksum"),
                unpack: f.given_bool("unpack"),
                excludes: f.strings("exclude"),
            })
        }
        "copy" => {
            if node.args.len() < 2 {
                return Err(no_destination("COPY"));
            }
            let f = Flags::parse(
                &node.flags,
                &[
                    ("chown", Str),
                    ("from", Str),
                    ("chmod", Str),
                    ("link", Bool),
                    ("parents", Bool),
                    ("exclude", Strings),
                ],
            )?;
            let (sources, files, dest) = sources_and_dest(node, &heredocs, "COPY")?;
            Command::Copy(Copy {
                sources,
                files,
                dest,
                from: f.string("from"),
                chown: f.string("chown"),
                chmod: f.string("chmod"),
                link: f.boolean("link"),
                parents: f.boolean("parents"),
                excludes: f.strings("exclude"),
            })
        }
        "from" => {
            let a = &node.args;
            let name = if a.len() == 3 && a[1].eq_ignore_ascii_case("as") {
                let name = a[2].to_lowercase();
                if !valid_stage_name(&name) {
                    return Err(format!(
                        "invalid name for build stage: {}, name can't start with a number or contain symbols",
                        quote(&a[2])
                    ));
                }
                Some(name)
            } else if a.len() != 1 {
                return Err("FROM requires either one or three arguments".into());
            } else {
                None
            };
            let f = Flags::parse(&node.flags, &[("platform", Str)])?;
            Command::From(From { image: a[0].clone(), name, platform: f.string("platform") })
        }
        "onbuild" => {
            let Some(child) = &node.child else {
                return Err(at_least_one("ONBUILD"));
            };
            no_flags(node)?;
            let trigger = child.cmd.trim_matches(is_space).to_uppercase();
            match trigger.as_str() {
                "ONBUILD" => return Err("Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed".into()),
                "MAINTAINER" | "FROM" => return Err(format!("{trigger} isn't allowed as an ONBUILD trigger")),
                _ => {}
            }
            let mut expression = strip_onbuild(&node.original).to_string();
            for h in &heredocs {
                expression.push('\n');
                expression.push_str(&h.content);
                expression.push_str(&h.name);
            }
            let trigger = typed(child, start, end, heredocs.clone())?;
            Command::Onbuild(Onbuild { trigger: Box::new(trigger), expression })
        }
        "workdir" => Command::Workdir(single_argument(node, "WORKDIR")?),
        "run" => {
            let f = Flags::parse(
                &node.flags,
                &[("mount", Strings), ("network", Str), ("security", Str), ("device", Strings)],
            )?;
            Command::Run(Run {
                cmd: command_line(node),
                mounts: f.strings("mount"),
                network: f.string("network"),
                security: f.string("security"),
                devices: f.strings("device"),
            })
        }
        "cmd" => {
            no_flags(node)?;
            Command::Cmd(command_line(node))
        }
        "entrypoint" => {
            no_flags(node)?;
            Command::Entrypoint(command_line(node))
        }
        "healthcheck" => healthcheck(node)?,
        "expose" => {
            if node.args.is_empty() {
                return Err(at_least_one("EXPOSE"));
            }
            no_flags(node)?;
            let mut ports = node.args.clone();
            ports.sort();
            Command::Expose(ports)
        }
        "user" => Command::User(single_argument(node, "USER")?),
        "volume" => {
            if node.args.is_empty() {
                return Err(at_least_one("VOLUME"));
            }
            no_flags(node)?;
            let mut volumes = Vec::new();
            for v in &node.args {
                let v = v.trim_matches(is_space);
                if v.is_empty() {
                    return Err("VOLUME specified can not be an empty string".into());
                }
                volumes.push(v.to_string());
            }
            Command::Volume(volumes)
        }
        "stopsignal" => Command::StopSignal(single_argument(node, "STOPSIGNAL")?),
        "arg" => {
            if node.args.is_empty() {
                return Err(at_least_one("ARG"));
            }
            no_flags(node)?;
            let mut decls = Vec::new();
            for a in &node.args {
                let decl = match a.split_once('=') {
                    Some(("", _)) => return Err("ARG names can not be blank".into()),
                    Some((k, v)) => ArgDecl { name: k.to_string(), default: Some(v.to_string()) },
                    None => ArgDecl { name: a.clone(), default: None },
                };
                decls.push(decl);
            }
            Command::Arg(decls)
        }
        "shell" => {
            no_flags(node)?;
            if node.args.is_empty() {
                return Err(at_least_one("SHELL"));
            }
            if !node.json {
                return Err(not_json("SHELL", &node.original));
            }
            Command::Shell(node.args.clone())
        }
        _ => {
            let mut msg = format!("unknown instruction: {}", node.cmd);
            if let Some(m) = suggest(&node.cmd, &INSTRUCTIONS, false) {
                msg.push_str(&format!(" (did you mean {m}?)"));
            }
            return Err(msg);
        }
    };
    Ok(Instruction { line: start, end_line: end, original, heredocs, command })
}

fn no_destination(cmd: &str) -> String {
    format!("{cmd} requires at least two arguments, but only one was provided. Destination could not be determined")
}

fn healthcheck(node: &Node) -> Result<Command, String> {
    use Kind::*;
    const FLAGS: [(&str, Kind); 5] =
        [("interval", Str), ("timeout", Str), ("start-period", Str), ("start-interval", Str), ("retries", Str)];
    let Some(first) = node.args.first() else {
        return Err(at_least_one("HEALTHCHECK"));
    };
    let typ = first.to_uppercase();
    let args = &node.args[1..];
    if typ == "NONE" {
        if !args.is_empty() {
            return Err("HEALTHCHECK NONE takes no arguments".into());
        }
        // Docker ignores flags here; unknown ones are still refused.
        Flags::parse(&node.flags, &FLAGS)?;
        return Ok(Command::Healthcheck(HealthConfig { test: Some(vec![typ]), ..HealthConfig::default() }));
    }
    let f = Flags::parse(&node.flags, &FLAGS)?;
    if typ != "CMD" {
        return Err(format!("Unknown type {} in HEALTHCHECK (try CMD)", quote(&typ)));
    }
    let cmd = match (args.is_empty(), node.json) {
        (true, _) => return Err("Missing command after HEALTHCHECK CMD".into()),
        (false, true) => args.to_vec(),
        (false, false) => vec![args.join(" ")],
    };
    let test_type = if node.json { "CMD" } else { "CMD-SHELL" };
    let mut test = vec![test_type.to_string()];
    test.extend(cmd);
    let mut health = HealthConfig {
        test: Some(test),
        interval: interval(&f, "interval")?,
        timeout: interval(&f, "timeout")?,
        start_period: interval(&f, "start-period")?,
        start_interval: interval(&f, "start-interval")?,
        retries: 0,
    };
    if let Some(r) = f.string("retries") {
        let r = compat::parse_int32(&r)?;
        if r < 0 {
            return Err(format!("--retries cannot be negative ({r})"));
        }
        health.retries = r;
    }
    Ok(Command::Healthcheck(health))
}

/// `(?i)^\s*ONBUILD\s*` removed.
fn strip_onbuild(original: &str) -> &str {
    let s = original.trim_start_matches(compat::is_re_space);
    match s.get(..7) {
        Some(w) if w.eq_ignore_ascii_case("onbuild") => s[7..].trim_start_matches(compat::is_re_space),
        _ => original,
    }
}

/// `^[a-z][a-z0-9-_.]*$`.
fn valid_stage_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '-' | '_' | '.'))
}

/// The error for a file whose input ended at an over-long line.
pub(crate) fn too_long(line: usize) -> ParseError {
    ParseError::at(line, format!("dockerfile line greater than max allowed size of {MAX_LINE}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flag_extraction() {
        let cases: &[(&str, &str, &[&str])] = &[
            ("--from=a src dst", "src dst", &["--from=a"]),
            ("--a=1 --b --c=\"x y\" rest", "rest", &["--a=1", "--b", "--c=x y"]),
            ("--a='q' -x", "-x", &["--a=q"]),
            ("-- --not-a-flag x", " --not-a-flag x", &[]),
            ("--a --", "", &["--a"]),
            ("--a=b\\ c d", "d", &["--a=b c"]),
            ("--a=\"unterminated", "", &["--a=unterminated"]),
            ("[\"--x\"]", "[\"--x\"]", &[]),
            ("echo --x", "echo --x", &[]),
            ("--x=\"\"", "", &["--x="]),
            ("--", "", &[]),
            ("--a\\", "", &["--a"]),
        ];
        for (input, rest, flags) in cases {
            let (r, f) = extract_flags(input);
            assert_eq!(r, *rest, "{input}");
            assert_eq!(f, *flags, "{input}");
        }
    }

    #[test]
    fn word_splitting_keeps_quotes() {
        let cases: &[(&str, char, &[&str])] = &[
            ("a=b c=d", '\\', &["a=b", "c=d"]),
            ("a=\"b c\" d='e f'", '\\', &["a=\"b c\"", "d='e f'"]),
            ("a=b\\ c", '\\', &["a=b\\ c"]),
            ("a=\"x\\\"y\"", '\\', &["a=\"x\\\"y\""]),
            ("a='x\\'", '\\', &["a='x\\'"]),
            ("a=b\\", '\\', &["a=b"]),
            ("a=\"\"", '\\', &["a=\"\""]),
            ("a=`\"b c`\"", '`', &["a=`\"b", "c`\""]),
            ("  ", '\\', &[]),
        ];
        for (input, esc, want) in cases {
            assert_eq!(split_words(input, *esc), *want, "{input}");
        }
    }

    #[test]
    #[allow(clippy::type_complexity)]
    fn heredoc_words() {
        let cases: &[(&str, Option<(&str, bool, bool, u64)>)] = &[
            ("<<EOF", Some(("EOF", true, false, 0))),
            ("<<-EOF", Some(("EOF", true, true, 0))),
            ("<<\"EOF\"", Some(("EOF", false, false, 0))),
            ("<<'EOF'", Some(("EOF", false, false, 0))),
            ("<<E\"O\"F", Some(("EOF", false, false, 0))),
            ("3<<EOF", Some(("EOF", true, false, 3))),
            ("<<", None),
            ("<<-", None),
            ("a<<EOF", None),
            ("<<<EOF", None),
            ("<<EOF<", None),
            ("<<'a b'", Some(("a b", false, false, 0))),
        ];
        for (input, want) in cases {
            let got = heredoc_from_word(input).unwrap().map(|h| (h.name, h.expand, h.chomp, h.fd));
            let want = want.map(|(n, e, c, f)| (n.to_string(), e, c, f));
            assert_eq!(got, want, "{input}");
        }
        let names = |l: &str| heredocs_from_line(l).unwrap().into_iter().map(|h| h.name).collect::<Vec<_>>();
        assert_eq!(names("RUN <<A <<B cat"), ["A", "B"]);
        assert_eq!(names("RUN cat <<EOF > file"), ["EOF"]);
        assert_eq!(names("RUN cat<<EOF"), Vec::<String>::new());
        assert_eq!(names("RUN echo \"<<EOF\""), Vec::<String>::new());
        assert_eq!(names("RUN echo 'unterminated <<EOF"), Vec::<String>::new());
    }

    #[test]
    fn onbuild_expression() {
        assert_eq!(strip_onbuild("ONBUILD RUN x"), "RUN x");
        assert_eq!(strip_onbuild("  onbuild\tRUN x"), "RUN x");
        assert_eq!(strip_onbuild("onbuildRUN"), "RUN");
    }

    #[test]
    fn stage_names() {
        for ok in ["a", "build", "a-b_c.d", "x1"] {
            assert!(valid_stage_name(ok), "{ok}");
        }
        for bad in ["", "1a", "-a", "a b", "a/b", "a:b", "é"] {
            assert!(!valid_stage_name(bad), "{bad}");
        }
    }
}
