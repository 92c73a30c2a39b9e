//! `-f name=value` / `--filter` of `ps` and `images`: the docker CLI's `filters.ParseFlag`.

use crate::error::{Error, Result};
use std::collections::BTreeMap;

/// The filters, by lower-cased name (names and values trimmed; empty arguments ignored).
pub fn filters(args: &[String]) -> Result<BTreeMap<String, Vec<String>>> {
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for a in args.iter().filter(|a| !a.is_empty()) {
        let (name, value) = a.split_once('=').ok_or_else(|| {
            super::flag_error("-f, --filter", a, Error::invalid("bad format of filter (expected name=value)"))
        })?;
        out.entry(name.trim().to_lowercase()).or_default().push(value.trim().to_string());
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    #[test]
    fn names_and_values() {
        let args = ["status=exited", " Name = web ", "", "status=created", "label=a=b"].map(String::from);
        let f = super::filters(&args).unwrap();
        assert_eq!(f["status"], ["exited", "created"]);
        assert_eq!(f["name"], ["web"]);
        assert_eq!(f["label"], ["a=b"]);
        assert_eq!(f.len(), 3);
        let e = super::filters(&["dangling".into()]).unwrap_err();
        assert_eq!(
            (e.kind(), e.message()),
            (
                crate::ErrorKind::InvalidArgument,
                r#"invalid argument "dangling" for "-f, --filter" flag: bad format of filter (expected name=value)"#
            )
        );
    }
}
