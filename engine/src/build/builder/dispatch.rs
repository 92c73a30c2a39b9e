//! One instruction of a stage: substitution, the config change, and the image it makes. Config
//! steps are committed here with Docker's `#(nop)` history; `RUN`, `COPY`/`ADD` have their own
//! files.

use super::cache::Key;
use super::commit::{self, Platform};
use super::copy::CopySpec;
use super::fs::{resolve_in, StagedLayer, StepFs};
use super::Builder;
use crate::build::config;
use crate::build::dockerfile::compat::quote;
use crate::build::dockerfile::{Command, Instruction, PROXY_ARGS};
use crate::error::{Error, Result};
use crate::store::Image;
use crate::types::{HealthConfig, RunConfig};
use rustix::io::Errno;
use std::path::Path;

/// The state of the stage being built.
pub struct StageState {
    /// The stage's index (0-based, as `COPY --from=0` counts).
    pub index: usize,
    /// The current image (`None` right after `FROM scratch`).
    pub image: Option<Image>,
    /// The config the next image gets (Docker's `runConfig`).
    pub config: RunConfig,
    /// The stage's `ARG`s, in order, with their values (`None`: declared without one).
    pub args: Vec<(String, Option<String>)>,
    pub maintainer: Option<String>,
    /// A `CMD` was given in this stage: a later `ENTRYPOINT` keeps it.
    pub cmd_set: bool,
    pub platform: Platform,
}

impl StageState {
    pub fn new(index: usize, base: Option<Image>) -> StageState {
        let (config, platform) = match &base {
            Some(img) => (img.config.config.clone(), Platform::of(img)),
            None => (RunConfig::default(), Platform::host()),
        };
        StageState { index, image: base, config, args: Vec::new(), maintainer: None, cmd_set: false, platform }
    }

    fn env(&self, key: &str) -> Option<&str> {
        self.config.env.iter().flatten().find_map(|e| e.strip_prefix(key)?.strip_prefix('='))
    }
}

/// A build arg visible to a `RUN`: its value, and whether an `ARG` declared it (undeclared proxy
/// args reach the command but not its history or cache key, as in Docker).
pub struct RunArg {
    pub name: String,
    pub value: String,
    pub declared: bool,
}

impl Builder<'_, '_> {
    /// Substitution's view of the stage: `ENV` first, then the build args in scope.
    fn lookup(&self, st: &StageState, name: &str) -> Option<String> {
        if let Some(v) = st.env(name) {
            return Some(v.to_string());
        }
        if let Some((_, v)) = st.args.iter().rev().find(|(n, _)| n == name) {
            return v.clone();
        }
        PROXY_ARGS.contains(&name).then(|| self.args.get(name).cloned()).flatten()
    }

    /// The build args a `RUN` sees in its environment: the stage's `ARG`s with a value and the
    /// proxy args given, less those an `ENV` overrides; sorted by name.
    pub(super) fn run_args(&self, st: &StageState) -> Vec<RunArg> {
        let mut out: Vec<RunArg> = Vec::new();
        for (name, value) in &st.args {
            let Some(value) = value else { continue };
            if st.env(name).is_some() {
                continue;
            }
            out.retain(|a| &a.name != name);
            out.push(RunArg { name: name.clone(), value: value.clone(), declared: true });
        }
        for p in PROXY_ARGS {
            if let Some(v) = self.args.get(p) {
                if st.env(p).is_none() && !out.iter().any(|a| a.name == p) {
                    out.push(RunArg { name: p.to_string(), value: v.clone(), declared: false });
                }
            }
        }
        out.sort_by(|a, b| a.name.cmp(&b.name));
        out
    }

    /// The stage's `SHELL` (default `/bin/sh -c`).
    pub(super) fn shell(&self, st: &StageState) -> Vec<String> {
        st.config.shell.clone().unwrap_or_else(config::default_shell)
    }

    /// The cache key of a step: parent, what it is committed as, the instruction's whole text,
    /// the config it leads to, the author, and step-specific `extra`.
    pub(super) fn key(&self, st: &StageState, instr: &Instruction, created_by: &str, extra: &[&str]) -> Key {
        let config = serde_json::to_string(&st.config).expect("config serialises");
        let author = st.maintainer.as_deref().unwrap_or("");
        let full = instr.full_text();
        let mut parts = vec![created_by, full.as_str(), config.as_str(), author];
        parts.extend_from_slice(extra);
        Key::new(st.image.as_ref().map(|i| &i.id), &parts)
    }

    /// Reuse the image an earlier build made for this step, if any.
    pub(super) fn probe(&mut self, st: &mut StageState, key: &Key) -> Result<bool> {
        match self.cache.lookup(key, st.image.as_ref().map(|i| &i.id))? {
            Some(img) => {
                self.out.line(" ---> Using cache")?;
                st.image = Some(img);
                Ok(true)
            }
            None => Ok(false),
        }
    }

    /// Publish the step's image (`cmd`: what it ran as, shown by `history`) and remember it.
    pub(super) fn publish(
        &mut self,
        st: &mut StageState,
        key: &Key,
        cmd: Vec<String>,
        layer: Option<StagedLayer>,
        container: Option<String>,
    ) -> Result<()> {
        let mut container_config = st.config.clone();
        container_config.image = st.image.as_ref().map(|i| i.id.to_string()).unwrap_or_default();
        let created_by = cmd.join(" ");
        container_config.cmd = Some(cmd);
        let img = commit::commit(
            self.store,
            commit::Step {
                parent: st.image.as_ref(),
                platform: &st.platform,
                config: st.config.clone(),
                container_config,
                created_by,
                author: st.maintainer.clone(),
                container,
                layer,
            },
        )?;
        self.cache.record(key, &img.id)?;
        st.image = Some(img);
        Ok(())
    }

    /// A config-only step: `/bin/sh -c #(nop)  <comment>`, no layer.
    fn commit_config(&mut self, st: &mut StageState, instr: &Instruction, comment: String) -> Result<()> {
        let mut cmd = self.shell(st);
        cmd.push("#(nop) ".into());
        cmd.push(comment);
        let key = self.key(st, instr, &cmd.join(" "), &[]);
        if self.probe(st, &key)? {
            return Ok(());
        }
        self.publish(st, &key, cmd, None, None)
    }

    pub(super) fn dispatch(
        &mut self,
        st: &mut StageState,
        instr: &Instruction,
        escape: char,
        substitute: bool,
    ) -> Result<()> {
        let instr = if substitute && instr.command.substitutes() {
            instr.expand(escape, |name| self.lookup(st, name))?
        } else {
            instr.clone()
        };
        let comment = match &instr.command {
            Command::From(_) => return Err(Error::internal("FROM dispatched as a step")),
            Command::Run(run) => return self.run_step(st, &instr, run),
            Command::Copy(c) => return self.copy_step(st, &instr, CopySpec::copy(c)?),
            Command::Add(a) => return self.copy_step(st, &instr, CopySpec::add(a)?),
            Command::Workdir(_) => return self.workdir_step(st, &instr),
            Command::Arg(decls) => {
                let mut comment = String::from("ARG");
                for d in decls {
                    let value = self.meta.stage_arg_value(d, &self.args);
                    self.consumed.insert(d.name.clone());
                    st.args.retain(|(n, _)| n != &d.name);
                    st.args.push((d.name.clone(), value));
                    comment.push(' ');
                    comment.push_str(&d.name);
                    if let Some(default) = &d.default {
                        comment.push('=');
                        comment.push_str(default);
                    }
                }
                comment
            }
            Command::Maintainer(m) => {
                st.maintainer = Some(m.clone());
                format!("MAINTAINER {m}")
            }
            Command::Env(kvs) => {
                config::apply(&mut st.config, &instr)?;
                let pairs: Vec<String> = kvs.iter().map(|kv| format!("{}={}", kv.key, kv.value)).collect();
                format!("ENV {}", pairs.join(" "))
            }
            Command::Label(kvs) => {
                config::apply(&mut st.config, &instr)?;
                let pairs: Vec<String> = kvs.iter().map(|kv| format!("{}={}", kv.key, kv.value)).collect();
                format!("LABEL {}", pairs.join(" "))
            }
            Command::Expose(ports) => {
                config::apply(&mut st.config, &instr)?;
                // As written (after substitution), as the classic builder records them.
                format!("EXPOSE {}", ports.join(" "))
            }
            Command::Cmd(c) => {
                config::apply(&mut st.config, &instr)?;
                if !c.args.is_empty() {
                    st.cmd_set = true;
                }
                format!("CMD {}", go_list(st.config.cmd.as_deref().unwrap_or_default()))
            }
            Command::Entrypoint(_) => {
                config::apply(&mut st.config, &instr)?;
                // An ENTRYPOINT drops the CMD inherited from the base, unless this stage set one.
                if !st.cmd_set {
                    st.config.cmd = None;
                }
                format!("ENTRYPOINT {}", go_list(st.config.entrypoint.as_deref().unwrap_or_default()))
            }
            Command::Healthcheck(h) => {
                let previous = st.config.healthcheck.as_ref().and_then(|p| p.test.clone()).unwrap_or_default();
                let new_is_none = h.test.as_deref().is_some_and(|t| t.first().map(String::as_str) == Some("NONE"));
                if !new_is_none && previous.first().is_some_and(|t| t != "NONE") {
                    self.out.line(format_args!("Note: overriding previous HEALTHCHECK: [{}]", previous.join(" ")))?;
                }
                config::apply(&mut st.config, &instr)?;
                format!("HEALTHCHECK {}", go_health(h))
            }
            Command::Onbuild(o) => {
                config::apply(&mut st.config, &instr)?;
                format!("ONBUILD {}", o.expression)
            }
            Command::Shell(s) => {
                config::apply(&mut st.config, &instr)?;
                format!("SHELL [{}]", s.join(" "))
            }
            Command::StopSignal(s) => {
                config::apply(&mut st.config, &instr)?;
                format!("STOPSIGNAL {s}")
            }
            Command::User(u) => {
                config::apply(&mut st.config, &instr)?;
                format!("USER {u}")
            }
            Command::Volume(v) => {
                config::apply(&mut st.config, &instr)?;
                format!("VOLUME [{}]", v.join(" "))
            }
        };
        self.commit_config(st, &instr, comment)
    }

    /// `WORKDIR`: the config, and the directory created in the image (owned by root, 0755, as the
    /// classic builder does) when missing; resolved inside the image even through symlinks.
    fn workdir_step(&mut self, st: &mut StageState, instr: &Instruction) -> Result<()> {
        config::apply(&mut st.config, instr)?;
        let mut cmd = self.shell(st);
        cmd.push(format!("#(nop) WORKDIR {}", st.config.working_dir));
        let key = self.key(st, instr, &cmd.join(" "), &[]);
        if self.probe(st, &key)? {
            return Ok(());
        }
        let fs = StepFs::open(self.store, st.image.as_ref())?;
        let not_dir = || Error::invalid(format!("Cannot mkdir: {} is not a directory", st.config.working_dir));
        // Through the image's symlinks (dangling ones too), inside the image.
        let rel = match resolve_in(fs.root(), Path::new(st.config.working_dir.trim_start_matches('/')), true) {
            Ok(rel) => rel,
            Err(Errno::NOTDIR) => return Err(not_dir()),
            Err(e) => return Err(Error::io(format_args!("WORKDIR {}", st.config.working_dir), e)),
        };
        match fs.root().open_dir(&rel) {
            Ok(_) => {}
            Err(Errno::NOENT) => {
                fs.root().mkdir_all(&rel, 0o755)?;
            }
            Err(Errno::NOTDIR) => return Err(not_dir()),
            Err(e) => return Err(Error::io(format_args!("WORKDIR {}", st.config.working_dir), e)),
        }
        let layer = fs.finish()?;
        self.publish(st, &key, cmd, layer, None)
    }
}

/// Go's `%q` of a `[]string`: `["/bin/sh" "-c" "echo hi"]`.
fn go_list(items: &[String]) -> String {
    let quoted: Vec<String> = items.iter().map(|s| quote(s)).collect();
    format!("[{}]", quoted.join(" "))
}

/// Go's `%q` of a `*HealthConfig` (Test, Interval, Timeout, StartPeriod, Retries), as the classic
/// builder writes HEALTHCHECK history: `&{["CMD-SHELL" "curl -f x"] "30s" "3s" "0s" '\x03'}`.
fn go_health(h: &HealthConfig) -> String {
    format!(
        "&{{{} {} {} {} {}}}",
        go_list(h.test.as_deref().unwrap_or_default()),
        quote(&go_duration(h.interval)),
        quote(&go_duration(h.timeout)),
        quote(&go_duration(h.start_period)),
        go_rune(h.retries)
    )
}

/// Go's `time.Duration.String()`: `0s`, `1.5ms`, `30s`, `1m30s`, `1h0m0s`.
pub fn go_duration(ns: i64) -> String {
    if ns == 0 {
        return "0s".into();
    }
    let sign = if ns < 0 { "-" } else { "" };
    let u = ns.unsigned_abs();
    let frac = |v: u64, div: u64| -> String {
        let (int, rest) = (v / div, v % div);
        if rest == 0 {
            return int.to_string();
        }
        let width = div.ilog10() as usize;
        let digits = format!("{rest:0width$}");
        format!("{int}.{}", digits.trim_end_matches('0'))
    };
    let body = if u < 1_000 {
        format!("{u}ns")
    } else if u < 1_000_000 {
        format!("{}µs", frac(u, 1_000))
    } else if u < 1_000_000_000 {
        format!("{}ms", frac(u, 1_000_000))
    } else {
        let (h, rest) = (u / 3_600_000_000_000, u % 3_600_000_000_000);
        let (m, s) = (rest / 60_000_000_000, rest % 60_000_000_000);
        let secs = format!("{}s", frac(s, 1_000_000_000));
        match (h, m) {
            (0, 0) => secs,
            (0, m) => format!("{m}m{secs}"),
            (h, m) => format!("{h}h{m}m{secs}"),
        }
    };
    format!("{sign}{body}")
}

/// Go's `%q` of an int: a quoted rune (`'\x03'`, `'A'`).
fn go_rune(n: i64) -> String {
    match u32::try_from(n).ok().and_then(char::from_u32) {
        Some('\'') => "'\\''".into(),
        Some('\\') => "'\\\\'".into(),
        Some(c) if (' '..='~').contains(&c) => format!("'{c}'"),
        Some(c) if (c as u32) < 0x80 => format!("'\\x{:02x}'", c as u32),
        Some(c) if (c as u32) < 0x10000 => format!("'\\u{:04x}'", c as u32),
        Some(c) => format!("'\\U{:08x}'", c as u32),
        None => "'\\ufffd'".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_formats() {
        assert_eq!(go_duration(0), "0s");
        assert_eq!(go_duration(30_000_000_000), "30s");
        assert_eq!(go_duration(90_000_000_000), "1m30s");
        assert_eq!(go_duration(3_600_000_000_000), "1h0m0s");
        assert_eq!(go_duration(1_500_000), "1.5ms");
        assert_eq!(go_duration(2_500_000_000), "2.5s");
        assert_eq!(go_duration(999), "999ns");
        assert_eq!(
            go_list(&["/bin/sh".into(), "-c".into(), "echo \"hi\"".into()]),
            r#"["/bin/sh" "-c" "echo \"hi\""]"#
        );
        let h = HealthConfig {
            test: Some(vec!["CMD-SHELL".into(), "curl -f x".into()]),
            interval: 30_000_000_000,
            timeout: 3_000_000_000,
            retries: 3,
            ..Default::default()
        };
        assert_eq!(go_health(&h), r#"&{["CMD-SHELL" "curl -f x"] "30s" "3s" "0s" '\x03'}"#);
        assert_eq!(go_rune(65), "'A'");
    }
}
