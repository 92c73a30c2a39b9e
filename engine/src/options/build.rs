//! The flags of `docker build` that are options (`-t`, `--build-arg`, `--label`, `-m`, …) →
//! `ImageBuildOptions`. The context, `-f` and `--iidfile` are the front end's files, and the
//! network flag belongs to the network work: not here.

use super::env::{env, Lookup};
use super::{labels::labels, memory, optional_flag, parse_flag};
use crate::error::Result;
use crate::types::ImageBuildOptions;
use std::collections::BTreeMap;

/// `build` flags as typed.
#[derive(Debug, Clone, Default)]
pub struct BuildFlags {
    /// `-t`
    pub tag: Vec<String>,
    pub target: Option<String>,
    pub no_cache: bool,
    /// `-q`
    pub quiet: bool,
    pub label: Vec<String>,
    /// `--rm` (docker's default, `true`, when absent).
    pub rm: Option<bool>,
    pub force_rm: bool,
    pub add_host: Vec<String>,
    /// `-m`
    pub memory: Option<String>,
    pub memory_swap: Option<String>,
    /// `-c`
    pub cpu_shares: i64,
    pub cpu_period: i64,
    pub cpu_quota: i64,
    pub pull: bool,
    pub platform: Option<String>,
    pub build_arg: Vec<String>,
}

impl BuildFlags {
    pub fn options(&self, lookup: &Lookup) -> Result<ImageBuildOptions> {
        Ok(ImageBuildOptions {
            tags: self.tag.clone(),
            target: self.target.clone().unwrap_or_default(),
            no_cache: self.no_cache,
            quiet: self.quiet,
            remove: self.rm.unwrap_or(true),
            force_remove: self.force_rm,
            extra_hosts: self.add_host.clone(),
            memory: optional_flag("-m, --memory", &self.memory, memory::memory)?,
            memory_swap: optional_flag("--memory-swap", &self.memory_swap, memory::memory_swap)?,
            cpu_shares: self.cpu_shares,
            cpu_period: self.cpu_period,
            cpu_quota: self.cpu_quota,
            pull: self.pull,
            platform: self.platform.clone().unwrap_or_default(),
            build_args: build_args(&self.build_arg, lookup)?,
            labels: labels("--label", &[], &self.label)?,
            ..Default::default()
        })
    }
}

/// `--build-arg NAME=value`, or `NAME` alone: the caller's value, or "declared but not given"
/// (`None`) when the caller has none.
pub fn build_args(args: &[String], lookup: &Lookup) -> Result<BTreeMap<String, Option<String>>> {
    let mut out = BTreeMap::new();
    for a in args {
        match parse_flag("--build-arg", a, |a| env(a, lookup))? {
            Some(kv) => {
                let (k, v) = kv.split_once('=').expect("env gives KEY=value");
                out.insert(k.to_string(), Some(v.to_string()));
            }
            None => {
                out.insert(a.clone(), None);
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::options::env::tests::caller;

    #[test]
    fn build_options() {
        let f = BuildFlags {
            tag: vec!["a:1".into()],
            build_arg: vec!["A=1".into(), "HOME".into(), "UNSET".into(), "B=".into()],
            label: vec!["x=y".into()],
            memory: Some("1g".into()),
            memory_swap: Some("-1".into()),
            ..Default::default()
        };
        let o = f.options(&caller()).unwrap();
        assert!(o.remove, "docker's default");
        assert_eq!((o.memory, o.memory_swap), (1 << 30, -1));
        let args: Vec<(&str, Option<&str>)> = o.build_args.iter().map(|(k, v)| (k.as_str(), v.as_deref())).collect();
        assert_eq!(args, [("A", Some("1")), ("B", Some("")), ("HOME", Some("/root")), ("UNSET", None)]);
        assert_eq!(o.labels["x"], "y");
        assert!(!BuildFlags { rm: Some(false), ..Default::default() }.options(&caller()).unwrap().remove);

        for (f, msg) in [
            (
                BuildFlags { memory: Some("1q".into()), ..Default::default() },
                r#"invalid argument "1q" for "-m, --memory" flag: invalid suffix: 'q'"#,
            ),
            (
                BuildFlags { build_arg: vec!["=1".into()], ..Default::default() },
                r#"invalid argument "=1" for "--build-arg" flag: invalid environment variable: =1"#,
            ),
            (
                BuildFlags { label: vec![" =1".into()], ..Default::default() },
                r#"invalid argument " =1" for "--label" flag: invalid label ' =1': empty name"#,
            ),
        ] {
            assert_eq!(f.options(&caller()).unwrap_err().message(), msg);
        }
    }
}
