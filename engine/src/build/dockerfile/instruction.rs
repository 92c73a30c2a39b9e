//! Typed instructions, as the parser produces them (words still unexpanded), and Docker's
//! per-instruction variable substitution ([`Instruction::expand`]).

use crate::error::Result;

use super::words;

/// One instruction of a Dockerfile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Instruction {
    /// The line where the instruction starts (1-based; comments and blank lines count).
    pub line: usize,
    /// The last line it occupies (continuations and heredoc bodies included).
    pub end_line: usize,
    /// The instruction as written, continuation lines joined, surrounding whitespace trimmed;
    /// heredoc bodies are not included (see [`Instruction::full_text`]). This is what
    /// `Step N/M : …` prints.
    pub original: String,
    /// The heredocs read after this instruction's line, in order.
    pub heredocs: Vec<Heredoc>,
    pub command: Command,
}

/// The instruction and its arguments. Words that Docker substitutes are kept as written
/// (quotes and `$VAR` included) until [`Instruction::expand`] is applied at build time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    Add(Add),
    /// `ARG name[=default] …`.
    Arg(Vec<ArgDecl>),
    Cmd(CommandLine),
    Copy(Copy),
    /// No arguments (`ENTRYPOINT []`, or a bare `ENTRYPOINT`) resets the entrypoint, as in
    /// Docker: do not prepend the shell then.
    Entrypoint(CommandLine),
    Env(Vec<KeyValue>),
    /// Ports as written, sorted (Docker sorts the raw words before substitution).
    Expose(Vec<String>),
    From(From),
    /// Docker's `HealthConfig`; `HEALTHCHECK NONE` is `Test == ["NONE"]`.
    Healthcheck(HealthConfig),
    Label(Vec<KeyValue>),
    Maintainer(String),
    Onbuild(Onbuild),
    Run(Run),
    /// Always the JSON form.
    Shell(Vec<String>),
    StopSignal(String),
    User(String),
    Volume(Vec<String>),
    Workdir(String),
}

/// A heredoc (`<<EOF`, `<<-EOF`, `<<"EOF"`, `3<<EOF`) and its body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Heredoc {
    /// The delimiter with quotes removed.
    pub name: String,
    /// The body as read: every line with its line ending, leading tabs kept.
    pub content: String,
    /// No part of the delimiter was quoted: the body is subject to substitution (by the shell
    /// for `RUN`, by the builder for `COPY`/`ADD` files).
    pub expand: bool,
    /// `<<-`: leading tabs are stripped from every line of the body.
    pub chomp: bool,
    /// The file descriptor before `<<` (`3<<EOF`), 0 when none.
    pub fd: u64,
}

impl Heredoc {
    /// The body with leading tabs removed from every line when `chomp` is set.
    pub fn data(&self) -> String {
        if !self.chomp {
            return self.content.clone();
        }
        chomp(&self.content)
    }
}

/// Removes leading tabs at the start of the text and after every `\n`.
pub(crate) fn chomp(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut at_line_start = true;
    for c in s.chars() {
        if at_line_start && c == '\t' {
            continue;
        }
        at_line_start = c == '\n';
        out.push(c);
    }
    out
}

/// A `RUN`, `CMD` or `ENTRYPOINT` command line (Docker's `ShellDependantCmdLine`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandLine {
    /// Exec form: the JSON array. Shell form: one element, the text after the instruction (none
    /// when the instruction had no text).
    pub args: Vec<String>,
    /// Shell form: the current `SHELL` (default `/bin/sh -c`) goes in front.
    pub prepend_shell: bool,
}

impl CommandLine {
    /// The argv to run, given the current shell. A shell form without text gives the bare shell
    /// (Docker's `CMD` alone is `["/bin/sh", "-c"]`).
    pub fn with_shell(&self, shell: &[String]) -> Vec<String> {
        if self.prepend_shell {
            shell.iter().chain(self.args.iter()).cloned().collect()
        } else {
            self.args.clone()
        }
    }
}

/// `RUN [flags] command`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Run {
    pub cmd: CommandLine,
    /// `--mount=…` values as written (BuildKit syntax; the builder decides what it supports).
    pub mounts: Vec<String>,
    /// `--network=…`.
    pub network: Option<String>,
    /// `--security=…`.
    pub security: Option<String>,
    /// `--device=…` values.
    pub devices: Vec<String>,
}

/// `KEY=value` of `ENV` and `LABEL`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyValue {
    pub key: String,
    pub value: String,
}

/// One name of an `ARG` instruction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArgDecl {
    pub name: String,
    /// The text after `=`, when there is one (possibly empty).
    pub default: Option<String>,
}

/// `FROM [--platform=p] image [AS name]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct From {
    /// As written; global `ARG`s are substituted at build time (see [`super::MetaArgs`]).
    pub image: String,
    /// The stage name, lower-cased.
    pub name: Option<String>,
    pub platform: Option<String>,
}

/// A file whose content is written inline with a heredoc (`COPY <<EOF /dest`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InlineFile {
    /// The heredoc's delimiter, used as the file name.
    pub name: String,
    /// The body (leading tabs removed for `<<-`).
    pub data: String,
    /// Substitute variables in `data` at build time (unquoted delimiter).
    pub expand: bool,
}

/// `COPY [flags] src… dest` (or the JSON form).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Copy {
    /// Source paths (heredoc sources are in `files`).
    pub sources: Vec<String>,
    /// Sources given inline as heredocs.
    pub files: Vec<InlineFile>,
    pub dest: String,
    /// `--from=stage|index|image`, never substituted.
    pub from: Option<String>,
    pub chown: Option<String>,
    pub chmod: Option<String>,
    pub link: bool,
    pub parents: bool,
    pub excludes: Vec<String>,
}

/// `ADD [flags] src… dest` (or the JSON form).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Add {
    pub sources: Vec<String>,
    pub files: Vec<InlineFile>,
    pub dest: String,
    pub chown: Option<String>,
    pub chmod: Option<String>,
    pub link: bool,
    pub keep_git_dir: bool,
    pub checksum: Option<String>,
    /// `--unpack=true|false` when given.
    pub unpack: Option<bool>,
    pub excludes: Vec<String>,
}

/// `ONBUILD instruction`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Onbuild {
    /// The trigger, parsed and validated like a top-level instruction.
    pub trigger: Box<Instruction>,
    /// The text stored in the image's `OnBuild` list: the line without `ONBUILD`, followed by
    /// `\n<body><delimiter>` for each heredoc.
    pub expression: String,
}

/// Docker's `HealthConfig`: the wire type itself (one schema), durations in nanoseconds.
pub use crate::types::HealthConfig;

impl Command {
    /// The instruction's name in upper case.
    pub fn name(&self) -> &'static str {
        match self {
            Command::Add(_) => "ADD",
            Command::Arg(_) => "ARG",
            Command::Cmd(_) => "CMD",
            Command::Copy(_) => "COPY",
            Command::Entrypoint(_) => "ENTRYPOINT",
            Command::Env(_) => "ENV",
            Command::Expose(_) => "EXPOSE",
            Command::From(_) => "FROM",
            Command::Healthcheck(_) => "HEALTHCHECK",
            Command::Label(_) => "LABEL",
            Command::Maintainer(_) => "MAINTAINER",
            Command::Onbuild(_) => "ONBUILD",
            Command::Run(_) => "RUN",
            Command::Shell(_) => "SHELL",
            Command::StopSignal(_) => "STOPSIGNAL",
            Command::User(_) => "USER",
            Command::Volume(_) => "VOLUME",
            Command::Workdir(_) => "WORKDIR",
        }
    }

    /// Whether the builder substitutes variables in this instruction's words (Docker's list:
    /// `ADD ARG COPY ENV EXPOSE LABEL STOPSIGNAL USER VOLUME WORKDIR`, plus `FROM` against the
    /// global `ARG`s only, see [`super::MetaArgs::expand_from`]).
    pub fn substitutes(&self) -> bool {
        matches!(
            self,
            Command::Add(_)
                | Command::Arg(_)
                | Command::Copy(_)
                | Command::Env(_)
                | Command::Expose(_)
                | Command::Label(_)
                | Command::StopSignal(_)
                | Command::User(_)
                | Command::Volume(_)
                | Command::Workdir(_)
        )
    }
}

impl Instruction {
    /// The instruction's name in upper case (`FROM`, `RUN`, …).
    pub fn name(&self) -> &'static str {
        self.command.name()
    }

    /// The full source of the instruction, heredoc bodies included: what a build cache key must
    /// cover. Heredocs are appended as `\n<body><delimiter>`.
    pub fn full_text(&self) -> String {
        let mut s = self.original.clone();
        for h in &self.heredocs {
            s.push('\n');
            s.push_str(&h.content);
            s.push_str(&h.name);
        }
        s
    }

    /// Applies Docker's variable substitution to the words this instruction substitutes (see
    /// [`Command::substitutes`]), with `lookup` giving the stage's environment (ENV values and
    /// ARGs in scope) and `escape` the Dockerfile's escape character. Quotes and escapes are
    /// removed from those words even when nothing is substituted. Other instructions come back
    /// unchanged (`FROM` is expanded by [`super::MetaArgs::expand_from`]).
    ///
    /// - `ENV`, `LABEL`: keys and values; `ARG`: names and defaults.
    /// - `ADD`, `COPY`: sources, destination, `--chown`, `--chmod` (and `ADD --checksum`), and
    ///   the data of heredoc files whose delimiter was not quoted; never `--from`.
    /// - `WORKDIR`, `USER`, `STOPSIGNAL`, every `VOLUME` path.
    /// - `EXPOSE`: each port word, then split again on whitespace (`EXPOSE $PORTS`).
    pub fn expand(&self, escape: char, lookup: impl Fn(&str) -> Option<String>) -> Result<Instruction> {
        let lookup: &dyn Fn(&str) -> Option<String> = &lookup;
        let w = |s: &str| words::expand(s, escape, lookup);
        let opt = |s: &Option<String>| s.as_deref().map(w).transpose();
        let kvs = |kvs: &[KeyValue]| -> Result<Vec<KeyValue>> {
            kvs.iter().map(|kv| Ok(KeyValue { key: w(&kv.key)?, value: w(&kv.value)? })).collect()
        };
        let files = |files: &[InlineFile]| -> Result<Vec<InlineFile>> {
            files
                .iter()
                .map(|f| {
                    let data = if f.expand { words::expand_heredoc(&f.data, lookup)? } else { f.data.clone() };
                    Ok(InlineFile { data, ..f.clone() })
                })
                .collect()
        };
        let list = |v: &[String]| -> Result<Vec<String>> { v.iter().map(|s| w(s)).collect() };
        let command = match &self.command {
            Command::Env(v) => Command::Env(kvs(v)?),
            Command::Label(v) => Command::Label(kvs(v)?),
            Command::Arg(decls) => Command::Arg(
                decls
                    .iter()
                    .map(|d| Ok(ArgDecl { name: w(&d.name)?, default: opt(&d.default)? }))
                    .collect::<Result<_>>()?,
            ),
            Command::Copy(c) => Command::Copy(Copy {
                sources: list(&c.sources)?,
                files: files(&c.files)?,
                dest: w(&c.dest)?,
                chown: opt(&c.chown)?,
                chmod: opt(&c.chmod)?,
                ..c.clone()
            }),
            Command::Add(a) => Command::Add(Add {
                sources: list(&a.sources)?,
                files: files(&a.files)?,
                dest: w(&a.dest)?,
                chown: opt(&a.chown)?,
                chmod: opt(&a.chmod)?,
                checksum: opt(&a.checksum)?,
                ..a.clone()
            }),
            Command::Expose(ports) => {
                let mut out = Vec::new();
                for p in ports {
                    out.extend(words::expand_words(p, escape, lookup)?);
                }
                Command::Expose(out)
            }
            Command::User(u) => Command::User(w(u)?),
            Command::Workdir(p) => Command::Workdir(w(p)?),
            Command::StopSignal(s) => Command::StopSignal(w(s)?),
            Command::Volume(v) => Command::Volume(list(v)?),
            other => other.clone(),
        };
        Ok(Instruction { command, ..self.clone() })
    }
}
