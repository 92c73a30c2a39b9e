//! Which streams a front end attaches, as the docker CLI chooses them: `run` (what the create
//! request recorded: `-a`, `-i`), `start -a [-i]`, `attach [--no-stdin]`. Always the live stream
//! (`Stream`), never the log replay.

use crate::types::{AttachOptions, ContainerConfig};

/// `docker run` without `-d`: the streams its request recorded (`Config.Attach*`).
pub fn run_attach_options(config: &ContainerConfig) -> AttachOptions {
    live(config.attach_stdin, config.attach_stdout, config.attach_stderr)
}

/// `docker start -a [-i]`: stdout and stderr; stdin with `-i` if the container keeps it open.
pub fn start_attach_options(interactive: bool, config: &ContainerConfig) -> AttachOptions {
    live(interactive && config.open_stdin, true, true)
}

/// `docker attach [--no-stdin]`: stdout and stderr; stdin unless refused, if the container keeps
/// it open.
pub fn attach_options(no_stdin: bool, config: &ContainerConfig) -> AttachOptions {
    live(!no_stdin && config.open_stdin, true, true)
}

fn live(stdin: bool, stdout: bool, stderr: bool) -> AttachOptions {
    AttachOptions { stream: true, stdin, stdout, stderr, logs: false, logs_of_run: false }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_follow_the_config_and_the_flags() {
        let open = ContainerConfig { open_stdin: true, ..Default::default() };
        let closed = ContainerConfig::default();
        assert_eq!(start_attach_options(true, &open), live(true, true, true));
        assert_eq!(start_attach_options(true, &closed), live(false, true, true));
        assert_eq!(start_attach_options(false, &open), live(false, true, true));
        assert_eq!(attach_options(false, &open), live(true, true, true));
        assert_eq!(attach_options(true, &open), live(false, true, true));
        assert_eq!(attach_options(false, &closed), live(false, true, true));
        let only_err = ContainerConfig { attach_stderr: true, ..Default::default() };
        assert_eq!(run_attach_options(&only_err), live(false, false, true));
        assert!(run_attach_options(&only_err).stream);
    }
}
