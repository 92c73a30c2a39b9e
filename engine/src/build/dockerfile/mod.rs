//! The Dockerfile parser: text → typed [`Instruction`]s grouped in build stages. Pure: no I/O, no
//! engine types besides [`Error`].
//!
//! It follows Docker's rules (the BuildKit frontend's parser, which the classic builder shares):
//! case-insensitive instruction words, `#` comments, blank lines, parser directives (`# escape=`,
//! `# syntax=` accepted and ignored), line continuation, JSON (exec) versus shell form, heredocs,
//! `--flags`, and the exact error messages with line numbers, e.g.
//! `dockerfile parse error on line 3: unknown instruction: NOINSTRUCTION`.
//!
//! Variable substitution is not done while parsing: the builder applies it per instruction at
//! build time with [`Instruction::expand`] (and [`MetaArgs`] for `FROM`), because it depends on
//! the stage's `ENV` and `ARG`s. See [`words`] for the substitution rules.
//!
//! ```
//! use engine::build::dockerfile::{parse, Command};
//! let df = parse("from busybox\nrun echo hi\n", "Dockerfile").unwrap();
//! let stages = df.stages();
//! assert_eq!(stages.len(), 1);
//! assert!(matches!(stages[0].instructions[0].command, Command::Run(_)));
//! ```
//!
//! Files: `lexer` (lines, directives, continuations, heredoc bodies), `parser` (arguments and
//! flags of each instruction), `instruction` (the typed instructions and their substitution),
//! `words` (shell-word processing), `args` (global `ARG`s and `FROM`), `json` (the exec form),
//! `compat` (Go behaviours the messages depend on).

mod args;
pub(crate) mod compat;
mod instruction;
mod json;
mod lexer;
mod parser;
pub mod words;

use std::fmt;

use crate::error::Error;

pub use args::{MetaArgs, PROXY_ARGS};
pub use instruction::{
    Add, ArgDecl, Command, CommandLine, Copy, From, HealthConfig, Heredoc, InlineFile, Instruction, KeyValue, Onbuild,
    Run,
};

/// The default escape character (`# escape=` can change it to `` ` ``).
pub const DEFAULT_ESCAPE: char = '\\';

/// A parse error: Docker's message and the line it is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    line: usize,
    detail: String,
}

impl ParseError {
    pub(crate) fn at(line: usize, detail: impl Into<String>) -> ParseError {
        ParseError { line, detail: detail.into() }
    }

    fn whole(detail: impl Into<String>) -> ParseError {
        ParseError { line: 0, detail: detail.into() }
    }

    /// The 1-based line the error is about; 0 when it is about the whole file.
    pub fn line(&self) -> usize {
        self.line
    }

    /// The message without the `dockerfile parse error on line N: ` prefix.
    pub fn detail(&self) -> &str {
        &self.detail
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            f.write_str(&self.detail)
        } else {
            write!(f, "dockerfile parse error on line {}: {}", self.line, self.detail)
        }
    }
}

impl std::error::Error for ParseError {}

impl std::convert::From<ParseError> for Error {
    fn from(e: ParseError) -> Error {
        Error::invalid(e.to_string())
    }
}

/// A parsed Dockerfile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dockerfile {
    /// The escape character (`\` unless `# escape=` says otherwise); substitution needs it.
    pub escape: char,
    /// Every instruction in file order: the global `ARG`s, then each stage's `FROM` and
    /// instructions.
    pub instructions: Vec<Instruction>,
    /// Docker's parser warnings (`Empty continuation line found in: …`).
    pub warnings: Vec<String>,
}

/// One build stage: a `FROM` and the instructions up to the next `FROM`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stage<'a> {
    /// 0-based, as `COPY --from=0` counts.
    pub index: usize,
    /// `FROM … AS name`, lower-cased.
    pub name: Option<&'a str>,
    /// The stage's `FROM`.
    pub from: &'a From,
    /// The stage's instructions after `FROM`.
    pub instructions: &'a [Instruction],
    from_instruction: &'a Instruction,
}

impl<'a> Stage<'a> {
    /// The `FROM` instruction itself (line, original text).
    pub fn from_instruction(&self) -> &'a Instruction {
        self.from_instruction
    }
}

impl Dockerfile {
    /// The `ARG` instructions before the first `FROM`.
    pub fn meta_args(&self) -> &[Instruction] {
        let n = self.instructions.iter().take_while(|i| matches!(i.command, Command::Arg(_))).count();
        &self.instructions[..n]
    }

    /// The build stages in order.
    pub fn stages(&self) -> Vec<Stage<'_>> {
        let mut stages = Vec::new();
        let starts: Vec<usize> = self
            .instructions
            .iter()
            .enumerate()
            .filter(|(_, i)| matches!(i.command, Command::From(_)))
            .map(|(n, _)| n)
            .collect();
        for (index, &start) in starts.iter().enumerate() {
            let end = starts.get(index + 1).copied().unwrap_or(self.instructions.len());
            let from_instruction = &self.instructions[start];
            let Command::From(from) = &from_instruction.command else { unreachable!() };
            stages.push(Stage {
                index,
                name: from.name.as_deref(),
                from,
                instructions: &self.instructions[start + 1..end],
                from_instruction,
            });
        }
        stages
    }

    /// The index of the first stage named `name` (case-insensitive), for `--target`.
    pub fn find_stage(&self, name: &str) -> Option<usize> {
        self.stages().iter().position(|s| s.name.is_some_and(|n| n.eq_ignore_ascii_case(name)))
    }

    /// The number of instructions, for `Step N/M`.
    pub fn len(&self) -> usize {
        self.instructions.len()
    }

    /// Never true for a parsed Dockerfile (it has at least a `FROM`).
    pub fn is_empty(&self) -> bool {
        self.instructions.is_empty()
    }
}

/// Parses a whole Dockerfile; `name` is the file name used in Docker's "cannot be empty" message.
///
/// Errors (all `dockerfile parse error on line N: …` unless noted):
/// - empty input: `the Dockerfile (<name>) cannot be empty` (line 0); only comments or blank
///   lines: `the Dockerfile (<name>) cannot be empty: file with no instructions` (line 0);
/// - syntax: bad directives, JSON arrays holding non-strings, `ENV`/`LABEL` syntax, unterminated
///   heredocs, lines over 65535 bytes;
/// - instructions: unknown instruction, missing or extra arguments, unknown or malformed flags,
///   `SHELL` not in JSON form, invalid stage names, `ONBUILD` triggers, `HEALTHCHECK` options;
/// - structure: an instruction other than `ARG` before the first `FROM`
///   (`no build stage in current context`), no `FROM` at all
///   (`dockerfile contains no stages to build`, line 0).
pub fn parse(text: &str, name: &str) -> Result<Dockerfile, ParseError> {
    if text.is_empty() {
        return Err(ParseError::whole(format!("the Dockerfile ({name}) cannot be empty")));
    }
    let syntax = parser::parse_syntax(text)?;
    if syntax.nodes.is_empty() {
        return Err(ParseError::whole(format!("the Dockerfile ({name}) cannot be empty: file with no instructions")));
    }
    if let Some(line) = syntax.too_long_at {
        return Err(parser::too_long(line));
    }
    let mut instructions = Vec::with_capacity(syntax.nodes.len());
    let mut in_stage = false;
    for (start, end, heredocs, node) in syntax.nodes {
        let instruction = parser::instruction_from(&node, start, end, heredocs)?;
        match instruction.command {
            Command::From(_) => in_stage = true,
            Command::Arg(_) => {}
            _ if !in_stage => return Err(ParseError::at(start, "no build stage in current context")),
            _ => {}
        }
        instructions.push(instruction);
    }
    if !in_stage {
        return Err(ParseError::whole("dockerfile contains no stages to build"));
    }
    Ok(Dockerfile { escape: syntax.escape, instructions, warnings: syntax.warnings })
}

/// Parses the `ONBUILD` triggers stored in a base image (one `OnBuild` entry), as the child build
/// runs them: default escape character, and `ONBUILD`, `FROM`, `MAINTAINER` refused.
pub fn parse_trigger(expression: &str) -> Result<Vec<Instruction>, ParseError> {
    let syntax = parser::parse_syntax(expression)?;
    if syntax.nodes.is_empty() {
        return Err(ParseError::whole("file with no instructions"));
    }
    if let Some(line) = syntax.too_long_at {
        return Err(parser::too_long(line));
    }
    let mut out = Vec::new();
    for (start, end, heredocs, node) in syntax.nodes {
        let instruction = parser::instruction_from(&node, start, end, heredocs)?;
        match instruction.command {
            Command::Onbuild(_) => {
                return Err(ParseError::at(start, "Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed"))
            }
            Command::From(_) | Command::Maintainer(_) => {
                return Err(ParseError::at(
                    start,
                    format!("{} isn't allowed as an ONBUILD trigger", instruction.name()),
                ))
            }
            _ => out.push(instruction),
        }
    }
    Ok(out)
}

/// Parses one Dockerfile instruction on its own, as `import --change`/`commit --change` take
/// them (no `FROM` needed; the default escape character).
pub fn parse_change(text: &str) -> Result<Instruction, ParseError> {
    let syntax = parser::parse_syntax(text)?;
    let mut nodes = syntax.nodes.into_iter();
    let (Some((start, end, heredocs, node)), None) = (nodes.next(), nodes.next()) else {
        return Err(ParseError::whole(format!("{text:?} is not exactly one instruction")));
    };
    parser::instruction_from(&node, start, end, heredocs)
}

#[cfg(test)]
mod tests;
