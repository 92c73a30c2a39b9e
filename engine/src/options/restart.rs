//! `--restart name[:count]`: the docker CLI's `ParseRestartPolicy`. Only the shape is checked
//! here; which names exist and when a count may be given is the engine's check at create.

use crate::error::{Error, Result};
use crate::types::RestartPolicy;

/// `no`, `always`, `unless-stopped`, `on-failure`, `on-failure:3` → the API's `RestartPolicy`.
pub fn restart_policy(s: &str) -> Result<RestartPolicy> {
    let (name, count) = match s.split_once(':') {
        Some(("", _)) => return Err(Error::invalid("invalid restart policy format: no policy provided before colon")),
        Some((name, count)) => (name, count),
        None => (s, ""),
    };
    let maximum_retry_count = if count.is_empty() {
        0
    } else {
        // Go's `strconv.Atoi`: an optional sign, then decimal digits.
        let digits = count.strip_prefix(['+', '-']).unwrap_or(count);
        let n = (!digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()))
            .then(|| count.parse::<i64>().ok())
            .flatten();
        n.ok_or_else(|| Error::invalid("invalid restart policy format: maximum retry count must be an integer"))?
    };
    Ok(RestartPolicy { name: name.to_string(), maximum_retry_count })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(name: &str, n: i64) -> RestartPolicy {
        RestartPolicy { name: name.into(), maximum_retry_count: n }
    }

    #[test]
    fn names_and_counts() {
        assert_eq!(restart_policy("no").unwrap(), p("no", 0));
        assert_eq!(restart_policy("always").unwrap(), p("always", 0));
        assert_eq!(restart_policy("on-failure:3").unwrap(), p("on-failure", 3));
        assert_eq!(restart_policy("on-failure:").unwrap(), p("on-failure", 0));
        assert_eq!(restart_policy("on-failure:+2").unwrap(), p("on-failure", 2));
        // Shape only: the engine refuses unknown names and negative counts at create.
        assert_eq!(restart_policy("sometimes").unwrap(), p("sometimes", 0));
        assert_eq!(restart_policy("on-failure:-1").unwrap(), p("on-failure", -1));
        assert_eq!(restart_policy("").unwrap(), p("", 0));
    }

    #[test]
    fn malformed_policies() {
        for s in ["on-failure:x", "on-failure:1.5", "on-failure:3:4", "on-failure: 3", "always:-"] {
            let e = restart_policy(s).unwrap_err();
            assert_eq!(e.kind(), crate::ErrorKind::InvalidArgument);
            assert_eq!(e.message(), "invalid restart policy format: maximum retry count must be an integer", "{s}");
        }
        assert_eq!(
            restart_policy(":3").unwrap_err().message(),
            "invalid restart policy format: no policy provided before colon"
        );
    }
}
