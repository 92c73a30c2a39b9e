//! `RUN`: a container of the current image runs the command (its output streamed into the
//! build output as it comes), then its changes become the step's layer.
//!
//! The container gets the stage's config with `Cmd` = SHELL + command (or the exec form), no
//! entrypoint and no healthcheck, the build args in scope added to its environment, and no
//! network (this engine has no bridge) unless `--network host`. The image keeps the stage's
//! config (its `Cmd` is not the `RUN`'s); its history says what ran, with the build args
//! Docker shows (`|1 A=b /bin/sh -c …`). The container is removed afterwards, whether the
//! command succeeded or not (unless `rm` is false).

use super::dispatch::StageState;
use super::fs::StagedLayer;
use super::Builder;
use crate::build::dockerfile::{CommandLine, Heredoc, Instruction, Run};
use crate::error::{Error, Result};
use crate::store::Store;
use crate::stream::{Output, WithCancel};
use crate::types::{AttachOptions, ContainerConfig, ContainerCreateRequest, HostConfig};

/// The network of `RUN` containers for a `networkmode`/`RUN --network` value.
pub fn network_mode(mode: &str) -> Result<&'static str> {
    match mode {
        "" | "default" | "none" => Ok("none"),
        "host" => Ok("host"),
        "bridge" => Err(Error::unsupported(
            "the bridge network is not supported yet: RUN steps have no network, or use --network host",
        )),
        other => Err(Error::invalid(format!("network mode {other:?} is not supported for RUN (none or host)"))),
    }
}

/// The argv of a `RUN`: the exec form as is, the shell form after the SHELL; heredocs as
/// BuildKit runs them (a lone `<<EOF` is the script itself, anything else goes to the shell
/// with its heredocs).
pub fn command_argv(cmd: &CommandLine, heredocs: &[Heredoc], shell: &[String]) -> Result<Vec<String>> {
    if heredocs.is_empty() {
        return Ok(cmd.with_shell(shell));
    }
    let [text] = cmd.args.as_slice() else {
        return Err(Error::invalid("RUN with heredocs must be in shell form"));
    };
    if !cmd.prepend_shell {
        return Err(Error::invalid("RUN with heredocs must be in shell form"));
    }
    let mut args: Vec<String> = shell.to_vec();
    if let [h] = heredocs {
        if is_lone_heredoc(text, &h.name) {
            let data = h.data();
            if data.starts_with("#!") {
                return Err(Error::unsupported(
                    "RUN with a heredoc script starting with #! is not supported by this builder; put the interpreter on the RUN line (RUN python3 <<EOF)",
                ));
            }
            args.push(data);
            return Ok(args);
        }
    }
    let mut full = text.clone();
    for h in heredocs {
        full.push('\n');
        full.push_str(&h.content);
        full.push_str(&h.name);
    }
    args.push(full);
    Ok(args)
}

/// `<<EOF`, `<<-EOF`, `<<"EOF"`, `<<'EOF'` and nothing else.
fn is_lone_heredoc(text: &str, name: &str) -> bool {
    let Some(w) = text.trim().strip_prefix("<<") else { return false };
    let w = w.strip_prefix('-').unwrap_or(w);
    let unquoted = w
        .strip_prefix('"')
        .and_then(|x| x.strip_suffix('"'))
        .or_else(|| w.strip_prefix('\'').and_then(|x| x.strip_suffix('\'')))
        .unwrap_or(w);
    unquoted == name
}

/// An intermediate container, removed when dropped unless kept.
struct Intermediate<'s> {
    store: &'s Store,
    id: String,
    remove: bool,
}

impl Intermediate<'_> {
    /// Remove now (if asked), saying so in the output.
    fn finish(mut self, out: &mut super::output::Output<'_>) -> Result<()> {
        let remove = std::mem::replace(&mut self.remove, false);
        if remove {
            out.line(format_args!("Removing intermediate container {}", &self.id[..12]))?;
            crate::container::remove::remove(self.store, &self.id, true, true)?;
        }
        Ok(())
    }
}

impl Drop for Intermediate<'_> {
    fn drop(&mut self) {
        if self.remove {
            let _ = crate::container::remove::remove(self.store, &self.id, true, true);
        }
    }
}

impl Builder<'_, '_> {
    pub(super) fn run_step(&mut self, st: &mut StageState, instr: &Instruction, run: &Run) -> Result<()> {
        if !run.mounts.is_empty() {
            return Err(Error::unsupported("RUN --mount is not supported by this builder"));
        }
        if !run.devices.is_empty() {
            return Err(Error::unsupported("RUN --device is not supported by this builder"));
        }
        match run.security.as_deref() {
            None | Some("sandbox") => {}
            Some(other) => return Err(Error::unsupported(format!("RUN --security={other} is not supported"))),
        }
        let network = network_mode(run.network.as_deref().unwrap_or(&self.opts.network_mode))?;
        let argv = command_argv(&run.cmd, &instr.heredocs, &self.shell(st))?;
        let args = self.run_args(st);
        let mut saved = argv.clone();
        if !args.is_empty() {
            let shown: Vec<String> =
                args.iter().filter(|a| a.declared).map(|a| format!("{}={}", a.name, a.value)).collect();
            saved = std::iter::once(format!("|{}", shown.len())).chain(shown).chain(argv.iter().cloned()).collect();
        }
        let key = self.key(st, instr, &saved.join(" "), &[network]);
        if self.probe(st, &key)? {
            return Ok(());
        }
        let parent = match &st.image {
            Some(img) if !img.config.rootfs.diff_ids.is_empty() => img.clone(),
            _ => {
                return Err(Error::invalid(format!(
                    "RUN {} cannot run: the image has no files yet (FROM scratch)",
                    argv.join(" ")
                )))
            }
        };

        let mut config = ContainerConfig::from(st.config.clone());
        config.cmd = Some(argv.clone());
        config.entrypoint = Some(Vec::new());
        config.healthcheck = None;
        config.on_build = None;
        let mut env = config.env.take().unwrap_or_default();
        env.extend(args.iter().map(|a| format!("{}={}", a.name, a.value)));
        config.env = Some(env).filter(|e| !e.is_empty());
        config.image = parent.id.to_string();
        config.attach_stdout = true;
        config.attach_stderr = true;
        config.attach_stdin = false;
        config.open_stdin = false;
        config.stdin_once = false;
        config.tty = false;
        let o = self.opts;
        let host_config = HostConfig {
            network_mode: network.to_string(),
            extra_hosts: Some(o.extra_hosts.clone()).filter(|h| !h.is_empty()),
            memory: o.memory,
            memory_swap: o.memory_swap,
            cpu_shares: o.cpu_shares,
            cpu_period: o.cpu_period,
            cpu_quota: o.cpu_quota,
            ..Default::default()
        };
        let req = ContainerCreateRequest { config, host_config, networking_config: None };
        let id = crate::container::create::create(self.store, None, &req)?.id;
        // Removed on every path out of here, stopped builds included (the guard's drop).
        let container = Intermediate { store: self.store, id: id.clone(), remove: self.remove_containers() };
        self.out.line(format_args!(" ---> Running in {}", &id[..12]))?;

        let attach = AttachOptions { stream: true, stdout: true, stderr: true, ..Default::default() };
        let cancel = self.out.cancel().cloned();
        let out = &mut *self.out;
        let mut sink = |o: Output<'_>| match o {
            Output::Stdout(b) | Output::Stderr(b) => out.bytes(b),
            _ => Ok(()),
        };
        let code = match &cancel {
            Some(c) => {
                crate::container::attach::start_attached(self.store, &id, &attach, None, &mut WithCancel(sink, c))
            }
            None => crate::container::attach::start_attached(self.store, &id, &attach, None, &mut sink),
        };
        let result = match code {
            Ok(Some(0)) => self.out.end_bytes().and_then(|()| self.commit_run(st, &key, &id, saved)),
            Ok(Some(n)) => self.out.end_bytes().and_then(|()| {
                Err(Error::invalid(format!("The command '{}' returned a non-zero code: {n}", argv.join(" ")))
                    .with_exit_code(n))
            }),
            Ok(None) => Err(Error::internal(format!("The command '{}' ended without an exit status", argv.join(" ")))),
            Err(e) => Err(e),
        };
        if result.as_ref().is_err_and(|e| e.kind() == crate::ErrorKind::Canceled) {
            return result; // the guard removes the container, saying nothing more
        }
        let removed = container.finish(self.out);
        result.and(removed)
    }

    fn commit_run(&mut self, st: &mut StageState, key: &super::cache::Key, id: &str, saved: Vec<String>) -> Result<()> {
        let store = self.store;
        let upper = crate::container::container_dir(store, id).join("upper");
        let layer = StagedLayer::from_dir(store.staging()?, &upper)?;
        self.publish(st, key, saved, layer, Some(id.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shell() -> Vec<String> {
        vec!["/bin/sh".into(), "-c".into()]
    }

    fn heredoc(name: &str, content: &str) -> Heredoc {
        Heredoc { name: name.into(), content: content.into(), expand: true, chomp: false, fd: 0 }
    }

    #[test]
    fn argv_of_every_form() {
        let sh = |t: &str| CommandLine { args: vec![t.into()], prepend_shell: true };
        assert_eq!(command_argv(&sh("echo hi"), &[], &shell()).unwrap(), ["/bin/sh", "-c", "echo hi"]);
        let exec = CommandLine { args: vec!["echo".into(), "hi".into()], prepend_shell: false };
        assert_eq!(command_argv(&exec, &[], &shell()).unwrap(), ["echo", "hi"]);
        let h = [heredoc("EOF", "echo a\necho b\n")];
        assert_eq!(command_argv(&sh("<<EOF"), &h, &shell()).unwrap(), ["/bin/sh", "-c", "echo a\necho b\n"]);
        assert_eq!(command_argv(&sh("<<'EOF'"), &h, &shell()).unwrap()[2], "echo a\necho b\n");
        assert_eq!(
            command_argv(&sh("cat <<EOF > /x"), &h, &shell()).unwrap()[2],
            "cat <<EOF > /x\necho a\necho b\nEOF"
        );
        let script = [heredoc("EOF", "#!/usr/bin/env python3\nprint(1)\n")];
        assert_eq!(command_argv(&sh("<<EOF"), &script, &shell()).unwrap_err().kind(), crate::ErrorKind::Unsupported);
        assert!(network_mode("host").is_ok() && network_mode("").is_ok());
        assert_eq!(network_mode("bridge").unwrap_err().kind(), crate::ErrorKind::Unsupported);
        assert!(network_mode("weird").is_err());
    }
}
