//! `--tmpfs path[:options]` → `HostConfig.Tmpfs` (`{"/run": "size=64m,mode=1777"}`). The docker
//! CLI checks nothing here: the path and the mount options are the engine's checks at create.

use std::collections::BTreeMap;

/// Each spec split at its first `:`; a later spec for the same path wins, as in docker.
pub fn tmpfs(specs: &[String]) -> BTreeMap<String, String> {
    specs
        .iter()
        .map(|t| {
            let (path, opts) = t.split_once(':').unwrap_or((t, ""));
            (path.to_string(), opts.to_string())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn paths_and_options() {
        let specs = ["/run:size=64m,mode=1777", "/tmp", "/x:a:b", "/tmp:ro"].map(String::from);
        let m = super::tmpfs(&specs);
        let want = [("/run", "size=64m,mode=1777"), ("/tmp", "ro"), ("/x", "a:b")];
        assert_eq!(m, want.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect());
    }
}
