//! Build arguments before and at `FROM`: Docker's rules for the global `ARG`s (those before the
//! first `FROM`), the substitution in `FROM`, and the value a stage's `ARG` takes.
//!
//! - A global `ARG`'s name and default are substituted against the global `ARG`s declared before
//!   it (with their effective values) and the proxy build args; its effective value is the build
//!   arg of that name when one is given, else its default, else it has none.
//! - `FROM`'s image and `--platform` are substituted against the global `ARG`s only (plus the
//!   proxy build args); an image that expands to nothing is an error.
//! - Inside a stage a global `ARG` is visible only after `ARG name` re-declares it; its value is
//!   then the build arg, else that `ARG`'s own default, else the global value.
//!
//! ENV/ARG scoping inside a stage is the builder's job; [`MetaArgs::stage_arg_value`] gives the
//! value one stage `ARG` takes.

use std::collections::BTreeMap;

use crate::error::{Error, Result};

use super::instruction::{ArgDecl, Command, From};
use super::{words, Dockerfile};

/// The build args Docker passes to every step and to `FROM` without an `ARG` declaring them.
pub const PROXY_ARGS: [&str; 10] = [
    "HTTP_PROXY",
    "http_proxy",
    "HTTPS_PROXY",
    "https_proxy",
    "FTP_PROXY",
    "ftp_proxy",
    "NO_PROXY",
    "no_proxy",
    "ALL_PROXY",
    "all_proxy",
];

/// The global `ARG`s of a Dockerfile with their effective values.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MetaArgs {
    /// Declared names in order of first declaration, with the effective value (`None`: declared
    /// without a default and not given as a build arg).
    values: Vec<(String, Option<String>)>,
    /// The proxy build args that were given.
    proxies: Vec<(String, String)>,
}

impl MetaArgs {
    /// Resolves the `ARG` instructions before the first `FROM` of `dockerfile`, given the build
    /// args of the request (`--build-arg NAME=value`; a build arg given without a value should be
    /// left out by the caller, as Docker ignores it).
    pub fn resolve(dockerfile: &Dockerfile, build_args: &BTreeMap<String, String>) -> Result<MetaArgs> {
        let mut meta = MetaArgs {
            values: Vec::new(),
            proxies: PROXY_ARGS.iter().filter_map(|p| build_args.get(*p).map(|v| (p.to_string(), v.clone()))).collect(),
        };
        for instruction in dockerfile.meta_args() {
            let expanded = instruction.expand(dockerfile.escape, |name| meta.get(name).map(str::to_string))?;
            let Command::Arg(decls) = &expanded.command else {
                continue;
            };
            for ArgDecl { name, default } in decls {
                let value = build_args.get(name).cloned().or_else(|| default.clone());
                match meta.values.iter_mut().find(|(n, _)| n == name) {
                    Some(slot) => slot.1 = value,
                    None => meta.values.push((name.clone(), value)),
                }
            }
        }
        Ok(meta)
    }

    /// The value of a global `ARG` (or a proxy build arg) for substitution in `FROM`; `None` when
    /// it is not declared or has no value.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.values
            .iter()
            .find(|(n, _)| n == name)
            .and_then(|(_, v)| v.as_deref())
            .or_else(|| self.proxies.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str()))
    }

    /// Whether `name` is declared before the first `FROM`.
    pub fn is_declared(&self, name: &str) -> bool {
        self.values.iter().any(|(n, _)| n == name)
    }

    /// The declared global `ARG` names, in order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.values.iter().map(|(n, _)| n.as_str())
    }

    /// The image of `FROM` with the global `ARG`s substituted. Errors: a substitution error, or
    /// `base name (<as written>) should not be blank`.
    pub fn expand_from(&self, from: &From, escape: char) -> Result<String> {
        let image = words::expand(&from.image, escape, |n| self.get(n).map(str::to_string))?;
        if image.is_empty() {
            return Err(Error::invalid(format!("base name ({}) should not be blank", from.image)));
        }
        Ok(image)
    }

    /// `FROM --platform` with the global `ARG`s substituted (`None` when not given or empty).
    pub fn expand_platform(&self, from: &From, escape: char) -> Result<Option<String>> {
        let Some(p) = &from.platform else {
            return Ok(None);
        };
        let p = words::expand(p, escape, |n| self.get(n).map(str::to_string))?;
        Ok(Some(p).filter(|p| !p.is_empty()))
    }

    /// The value a stage's `ARG` takes (its name and default already substituted): the build arg
    /// of that name, else its default, else the global `ARG`'s value; `None` when none applies.
    pub fn stage_arg_value(&self, decl: &ArgDecl, build_args: &BTreeMap<String, String>) -> Option<String> {
        if let Some(v) = build_args.get(&decl.name) {
            return Some(v.clone());
        }
        if let Some(d) = &decl.default {
            return Some(d.clone());
        }
        self.values.iter().find(|(n, _)| *n == decl.name).and_then(|(_, v)| v.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::super::{parse, Command};
    use super::*;

    fn args(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    fn from_of(df: &Dockerfile, i: usize) -> From {
        match &df.stages()[i].from_instruction().command {
            Command::From(f) => f.clone(),
            _ => unreachable!(),
        }
    }

    #[test]
    fn global_args_and_from() {
        let df = parse(
            "ARG REPO=library\nARG TAG=${VERSION:-1.0}\nARG IMG=$REPO/base\nARG UNSET\n\
             FROM ${IMG}:${TAG} AS one\nFROM $UNSET\nFROM ${REPO:+quay.io/}x\nFROM --platform=$PLAT scratch\n",
            "Dockerfile",
        )
        .unwrap();
        let none = MetaArgs::resolve(&df, &args(&[])).unwrap();
        assert_eq!(none.names().collect::<Vec<_>>(), ["REPO", "TAG", "IMG", "UNSET"]);
        assert_eq!(none.get("TAG"), Some("1.0"));
        assert_eq!(none.get("UNSET"), None);
        assert!(none.is_declared("UNSET"));
        assert!(!none.is_declared("PATH"));
        assert_eq!(none.expand_from(&from_of(&df, 0), '\\').unwrap(), "library/base:1.0");
        assert_eq!(
            none.expand_from(&from_of(&df, 1), '\\').unwrap_err().message(),
            "base name ($UNSET) should not be blank"
        );
        assert_eq!(none.expand_from(&from_of(&df, 2), '\\').unwrap(), "quay.io/x");
        assert_eq!(none.expand_platform(&from_of(&df, 3), '\\').unwrap(), None);

        let given = MetaArgs::resolve(
            &df,
            &args(&[("REPO", "me"), ("TAG", "2"), ("UNSET", "alpine"), ("PLAT", "linux/arm64"), ("OTHER", "x")]),
        )
        .unwrap();
        assert_eq!(given.expand_from(&from_of(&df, 0), '\\').unwrap(), "me/base:2");
        assert_eq!(given.expand_from(&from_of(&df, 1), '\\').unwrap(), "alpine");
        // Only declared global ARGs reach FROM.
        assert_eq!(given.expand_platform(&from_of(&df, 3), '\\').unwrap(), None);
        assert_eq!(given.get("OTHER"), None);
    }

    #[test]
    fn defaults_see_earlier_overrides_and_proxies() {
        let df = parse("ARG A=a\nARG B=${A}-${http_proxy}\nFROM x\n", "Dockerfile").unwrap();
        let m = MetaArgs::resolve(&df, &args(&[("A", "z"), ("http_proxy", "p")])).unwrap();
        assert_eq!(m.get("B"), Some("z-p"));
        assert_eq!(m.get("http_proxy"), Some("p"));
    }

    #[test]
    fn stage_arg_values() {
        let df = parse("ARG V=1\nFROM x\nARG V\nARG W=2\nARG V=3\n", "Dockerfile").unwrap();
        let m = MetaArgs::resolve(&df, &args(&[])).unwrap();
        let decl = |name: &str, d: Option<&str>| ArgDecl { name: name.into(), default: d.map(str::to_string) };
        assert_eq!(m.stage_arg_value(&decl("V", None), &args(&[])).as_deref(), Some("1"));
        assert_eq!(m.stage_arg_value(&decl("V", Some("3")), &args(&[])).as_deref(), Some("3"));
        assert_eq!(m.stage_arg_value(&decl("V", Some("3")), &args(&[("V", "9")])).as_deref(), Some("9"));
        assert_eq!(m.stage_arg_value(&decl("Q", None), &args(&[])), None);
    }

    #[test]
    fn global_arg_errors_surface() {
        let df = parse("ARG A=${B:?missing}\nFROM x\n", "Dockerfile").unwrap();
        let err = MetaArgs::resolve(&df, &args(&[])).unwrap_err();
        assert_eq!(err.message(), r#"failed to process "${B:?missing}": B: missing"#);
    }
}
