//! `--device host[:container][:perms]`: the docker CLI's `ValidateDevice` (paths absolute, a
//! mode of `r`, `w`, `m` each at most once) then `parseDevice` (the container path defaults to
//! the host's, the permissions to `rwm`).

use crate::build::dockerfile::compat::clean_path;
use crate::error::{Error, Result};
use crate::types::DeviceMapping;

pub fn device(s: &str) -> Result<DeviceMapping> {
    let bad = || Error::invalid(format!("bad format for path: {s}"));
    let parts: Vec<&str> = s.split(':').collect();
    if parts.len() > 3 || parts[0].is_empty() {
        return Err(bad());
    }
    let (host, ctr, perms) = match parts[..] {
        [h] => (clean_path(h), None, None),
        [h, m] if valid_mode(m) => (clean_path(h), None, Some(m)),
        [h, c] => (h.to_string(), Some(clean_path(c)), None),
        [h, c, m] => {
            if !valid_mode(m) {
                return Err(Error::invalid(format!("bad mode specified: {m}")));
            }
            (h.to_string(), Some(c.to_string()), Some(m))
        }
        _ => return Err(bad()),
    };
    // The path checked is the container's (the host's when it is the same).
    let checked = ctr.as_deref().unwrap_or(&host);
    if !checked.starts_with('/') {
        return Err(Error::invalid(format!("{checked} is not an absolute path")));
    }
    Ok(DeviceMapping {
        path_in_container: ctr.unwrap_or_else(|| host.clone()),
        path_on_host: host,
        cgroup_permissions: perms.unwrap_or("rwm").to_string(),
    })
}

/// Some of `r`, `w`, `m`, each at most once.
fn valid_mode(m: &str) -> bool {
    let mut left = vec!['r', 'w', 'm'];
    !m.is_empty() && m.chars().all(|c| left.iter().position(|&x| x == c).map(|i| left.remove(i)).is_some())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(host: &str, ctr: &str, perms: &str) -> DeviceMapping {
        DeviceMapping { path_on_host: host.into(), path_in_container: ctr.into(), cgroup_permissions: perms.into() }
    }

    #[test]
    fn mappings() {
        assert_eq!(device("/dev/fuse").unwrap(), d("/dev/fuse", "/dev/fuse", "rwm"));
        assert_eq!(device("/dev/sda:r").unwrap(), d("/dev/sda", "/dev/sda", "r"));
        assert_eq!(device("/dev/sda:/dev/xvda").unwrap(), d("/dev/sda", "/dev/xvda", "rwm"));
        assert_eq!(device("/dev/sda:/dev/xvda:rw").unwrap(), d("/dev/sda", "/dev/xvda", "rw"));
        assert_eq!(device("/dev//fuse/").unwrap(), d("/dev/fuse", "/dev/fuse", "rwm"));
        assert_eq!(device("/dev/sda:/dev/./xvda").unwrap(), d("/dev/sda", "/dev/xvda", "rwm"));
        assert_eq!(device("/dev/sda:mwr").unwrap(), d("/dev/sda", "/dev/sda", "mwr"));
    }

    #[test]
    fn refusals() {
        for (s, msg) in [
            ("", "bad format for path: "),
            (":/dev/x", "bad format for path: :/dev/x"),
            ("/a:/b:rw:x", "bad format for path: /a:/b:rw:x"),
            ("/dev/sda:/dev/xvda:rwx", "bad mode specified: rwx"),
            ("/dev/sda:/dev/xvda:rr", "bad mode specified: rr"),
            ("/dev/sda:/dev/xvda:", "bad mode specified: "),
            ("sda", "sda is not an absolute path"),
            ("/dev/sda:xvda", "xvda is not an absolute path"),
            ("/dev/sda:rr", "rr is not an absolute path"),
        ] {
            let e = device(s).unwrap_err();
            assert_eq!(e.kind(), crate::ErrorKind::InvalidArgument);
            assert_eq!(e.message(), msg, "{s:?}");
        }
    }
}
