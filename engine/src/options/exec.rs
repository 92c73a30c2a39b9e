//! The flags of `docker exec` → the exec's create and start documents, with the docker CLI's
//! attach defaults (stdout and stderr unless `-d`, stdin with `-i`).

use super::env::{env, env_file, Lookup};
use super::{non_empty, parse_flag};
use crate::error::Result;
use crate::types::{ExecConfig, ExecStartConfig};
use std::path::PathBuf;

/// `exec` flags as typed.
#[derive(Debug, Clone, Default)]
pub struct ExecFlags {
    pub command: Vec<String>,
    /// `-d`
    pub detach: bool,
    /// `-i`
    pub interactive: bool,
    /// `-t`
    pub tty: bool,
    /// `-e`
    pub env: Vec<String>,
    pub env_file: Vec<PathBuf>,
    /// `-u`
    pub user: Option<String>,
    /// `-w`
    pub workdir: Option<String>,
    pub privileged: bool,
    /// The caller's terminal (rows, columns), recorded with `-t`.
    pub console_size: Option<[u16; 2]>,
}

impl ExecFlags {
    /// `POST /containers/{id}/exec`
    pub fn config(&self, lookup: &Lookup) -> Result<ExecConfig> {
        let mut vars = Vec::new();
        for f in &self.env_file {
            vars.extend(env_file(f, lookup)?);
        }
        for e in &self.env {
            vars.extend(parse_flag("-e, --env", e, |e| env(e, lookup))?);
        }
        Ok(ExecConfig {
            attach_stdin: self.interactive && !self.detach,
            attach_stdout: !self.detach,
            attach_stderr: !self.detach,
            tty: self.tty,
            console_size: self.console(),
            env: non_empty(vars),
            cmd: self.command.clone(),
            privileged: self.privileged,
            user: self.user.clone().unwrap_or_default(),
            working_dir: self.workdir.clone().unwrap_or_default(),
            ..Default::default()
        })
    }

    /// `POST /exec/{id}/start`
    pub fn start_config(&self) -> ExecStartConfig {
        ExecStartConfig { detach: self.detach, tty: self.tty, console_size: self.console() }
    }

    fn console(&self) -> Option<[u16; 2]> {
        self.console_size.filter(|_| self.tty)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::options::env::tests::caller;

    #[test]
    fn attach_defaults_and_env() {
        let f = ExecFlags {
            command: vec!["sh".into()],
            interactive: true,
            tty: true,
            env: vec!["A=1".into(), "HOME".into(), "UNSET".into()],
            console_size: Some([10, 20]),
            ..Default::default()
        };
        let c = f.config(&caller()).unwrap();
        assert_eq!((c.attach_stdin, c.attach_stdout, c.attach_stderr), (true, true, true));
        assert_eq!(c.env.as_deref().unwrap(), ["A=1", "HOME=/root"]);
        assert_eq!((c.console_size, c.cmd.as_slice()), (Some([10, 20]), &["sh".to_string()][..]));
        assert_eq!(f.start_config(), ExecStartConfig { detach: false, tty: true, console_size: Some([10, 20]) });

        let d = ExecFlags { detach: true, interactive: true, console_size: Some([10, 20]), ..Default::default() };
        let c = d.config(&caller()).unwrap();
        assert_eq!((c.attach_stdin, c.attach_stdout, c.attach_stderr, c.console_size), (false, false, false, None));
        assert_eq!(c.env, None);
        assert!(d.start_config().detach);

        let e = ExecFlags { env: vec!["=1".into()], ..Default::default() }.config(&caller()).unwrap_err();
        assert_eq!(e.message(), r#"invalid argument "=1" for "-e, --env" flag: invalid environment variable: =1"#);
    }
}
