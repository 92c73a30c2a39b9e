//! `-l key=value` / `--label`, and `--label-file FILE`: the docker CLI's `ValidateLabel`,
//! `ReadKVStrings` and `ConvertKVStringsToMap` (`run`, `create`, `build`, `volume create`).

use super::env::kv_file;
use super::parse_flag;
use crate::error::{Error, Result};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// One `--label`: a name (not empty, no spaces or tabs), then optionally `=value` (empty if
/// absent); the value is kept as written.
pub fn label(s: &str) -> Result<(String, String)> {
    let (key, value) = s.split_once('=').unwrap_or((s, ""));
    let name = key.trim_start_matches([' ', '\t']);
    if name.is_empty() {
        return Err(Error::invalid(format!("invalid label '{s}': empty name")));
    }
    if name.contains([' ', '\t']) {
        return Err(Error::invalid(format!("label '{name}' contains whitespaces")));
    }
    Ok((key.to_string(), value.to_string()))
}

/// The `KEY=value` lines of a label file (blank lines and `#` comments skipped; a line without
/// `=` is dropped, as docker drops it).
pub fn label_file(path: &Path) -> Result<Vec<String>> {
    kv_file(path, None)
}

/// The labels of the files, then those given one by one (a later one replaces an earlier one of
/// the same name). A refused `--label` is framed for `flag` (`-l, --label` for `run`).
pub fn labels(flag: &str, files: &[PathBuf], given: &[String]) -> Result<BTreeMap<String, String>> {
    let mut out = BTreeMap::new();
    for f in files {
        for line in label_file(f)? {
            let (k, v) = line.split_once('=').unwrap_or((&line, ""));
            out.insert(k.to_string(), v.to_string());
        }
    }
    for l in given {
        let (k, v) = parse_flag(flag, l, label)?;
        out.insert(k, v);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::options::env::tests::file;
    use crate::ErrorKind;

    #[test]
    fn single_labels() {
        assert_eq!(label("a=b").unwrap(), ("a".into(), "b".into()));
        assert_eq!(label("a").unwrap(), ("a".into(), String::new()));
        assert_eq!(label("a=").unwrap(), ("a".into(), String::new()));
        assert_eq!(label("com.x=a b=c").unwrap(), ("com.x".into(), "a b=c".into()));
        for (s, msg) in [
            ("=b", "invalid label '=b': empty name"),
            ("", "invalid label '': empty name"),
            ("  =b", "invalid label '  =b': empty name"),
            ("a b=c", "label 'a b' contains whitespaces"),
            ("a\t=c", "label 'a\t' contains whitespaces"),
        ] {
            let e = label(s).unwrap_err();
            assert_eq!((e.kind(), e.message()), (ErrorKind::InvalidArgument, msg), "{s:?}");
        }
    }

    #[test]
    fn files_then_flags() {
        let f = file(b"# labels\na=1\nb=2\nbare\n\n");
        let got = labels("-l, --label", &[f.path().to_path_buf()], &["b=3".into(), "c".into()]).unwrap();
        let want: BTreeMap<String, String> =
            [("a", "1"), ("b", "3"), ("c", "")].iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        assert_eq!(got, want);
        let e = labels("-l, --label", &[], &["=x".into()]).unwrap_err();
        assert_eq!(e.message(), r#"invalid argument "=x" for "-l, --label" flag: invalid label '=x': empty name"#);
        let f = file(b"a b=1\n");
        let e = labels("--label", &[f.path().to_path_buf()], &[]).unwrap_err();
        assert_eq!(e.message(), "poorly formatted environment: variable 'a b' contains whitespaces");
    }
}
