//! `-p/--publish [IP:][HOSTPORT:]CPORT[/PROTO]` as the docker CLI reads it (go-connections'
//! `nat.ParsePortSpecs`): ranges (`8000-8001:80-81`, or a host range for one port), `[v6]:…`,
//! `tcp`/`udp`/`sctp`. The result is the API's `ExposedPorts` and `HostConfig.PortBindings`:
//! `-p 8080:80` is `{"80/tcp": [{"HostIp": "", "HostPort": "8080"}]}`.

use crate::error::{Error, Result};
use crate::types::{PortBinding, PortMap};
use std::collections::BTreeMap;

/// One `-p` value: the container ports it exposes and their bindings, merged into `bindings`.
pub fn publish(spec: &str, bindings: &mut PortMap) -> Result<()> {
    let (rest, proto) = match spec.rsplit_once('/') {
        Some((r, p)) => (r, p.to_ascii_lowercase()),
        None => (spec, "tcp".to_string()),
    };
    if !matches!(proto.as_str(), "tcp" | "udp" | "sctp") {
        return Err(Error::invalid(format!("invalid proto: {proto}")));
    }
    // IP (maybe [v6]) : host : container, split from the right.
    let (ip, host, container) = split_spec(rest)?;
    if container.is_empty() {
        return Err(Error::invalid(format!("no port specified: {spec}<empty>")));
    }
    if !ip.is_empty() && ip.parse::<std::net::IpAddr>().is_err() {
        return Err(Error::invalid(format!("invalid IP address: {ip}")));
    }
    let (c_start, c_end) = range(container).ok_or_else(|| Error::invalid(format!("invalid containerPort: {container}")))?;
    let h = if host.is_empty() {
        None
    } else {
        Some(range(host).ok_or_else(|| Error::invalid(format!("invalid hostPort: {host}")))?)
    };
    if let Some((h_start, h_end)) = h {
        let (cn, hn) = (c_end - c_start, h_end - h_start);
        // A host range for one container port means "any free port of the range".
        if cn != hn && cn != 0 {
            return Err(Error::invalid(format!(
                "invalid ranges specified for container and host Ports: {container} and {host}"
            )));
        }
    }
    for (i, port) in (c_start..=c_end).enumerate() {
        let host_port = match h {
            None => String::new(),
            Some((hs, he)) if c_start == c_end && hs != he => format!("{hs}-{he}"),
            Some((hs, _)) => (hs as usize + i).to_string(),
        };
        let list = bindings.entry(format!("{port}/{proto}")).or_insert_with(|| Some(Vec::new()));
        let b = PortBinding { host_ip: ip.to_string(), host_port };
        let list = list.get_or_insert_with(Vec::new);
        if !list.contains(&b) {
            list.push(b);
        }
    }
    Ok(())
}

/// Every `-p` value: `(ExposedPorts keys, PortBindings)`.
pub fn port_bindings(specs: &[String]) -> Result<PortMap> {
    let mut map = BTreeMap::new();
    for s in specs {
        publish(s, &mut map)?;
    }
    Ok(map)
}

/// `IP:HOST:CTR`, `HOST:CTR`, `CTR`; the IP may be `[v6]` (brackets dropped).
fn split_spec(s: &str) -> Result<(&str, &str, &str)> {
    if let Some(rest) = s.strip_prefix('[') {
        let (ip, tail) = rest.split_once(']').ok_or_else(|| Error::invalid(format!("invalid IP address: {s}")))?;
        let tail = tail.strip_prefix(':').ok_or_else(|| Error::invalid(format!("invalid port format: {s}")))?;
        let (host, ctr) = tail.split_once(':').unwrap_or(("", tail));
        return Ok((ip, host, ctr));
    }
    let parts: Vec<&str> = s.split(':').collect();
    match parts.as_slice() {
        [c] => Ok(("", "", c)),
        [h, c] => Ok(("", h, c)),
        [ip, h, c] => Ok((ip, h, c)),
        _ => Err(Error::invalid(format!("invalid port format: {s}"))),
    }
}

/// `N` or `N-M` with 1 ≤ N ≤ M ≤ 65535.
fn range(s: &str) -> Option<(u16, u16)> {
    let port = |p: &str| p.parse::<u16>().ok().filter(|&n| n > 0);
    match s.split_once('-') {
        Some((a, b)) => Some((port(a)?, port(b)?)).filter(|(a, b)| a <= b),
        None => port(s).map(|p| (p, p)),
    }
}

/// A `PortBindings`/`ExposedPorts` key `80/tcp` as (port, proto).
pub fn port_key(key: &str) -> Result<(u16, &str)> {
    let (p, proto) = key.split_once('/').unwrap_or((key, "tcp"));
    let port = p.parse::<u16>().ok().filter(|&n| n > 0).ok_or_else(|| Error::invalid(format!("invalid port: {key}")))?;
    if !matches!(proto, "tcp" | "udp" | "sctp") {
        return Err(Error::invalid(format!("invalid proto: {proto}")));
    }
    Ok((port, proto))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(s: &str) -> serde_json::Value {
        serde_json::to_value(port_bindings(&[s.to_string()]).unwrap()).unwrap()
    }

    #[test]
    fn docker_shapes() {
        assert_eq!(one("8080:80"), serde_json::json!({"80/tcp": [{"HostIp": "", "HostPort": "8080"}]}));
        assert_eq!(one("80"), serde_json::json!({"80/tcp": [{"HostIp": "", "HostPort": ""}]}));
        assert_eq!(
            one("127.0.0.1:8080:80/udp"),
            serde_json::json!({"80/udp": [{"HostIp": "127.0.0.1", "HostPort": "8080"}]})
        );
        assert_eq!(one("127.0.0.1::80"), serde_json::json!({"80/tcp": [{"HostIp": "127.0.0.1", "HostPort": ""}]}));
        assert_eq!(one("[::1]:9000:90"), serde_json::json!({"90/tcp": [{"HostIp": "::1", "HostPort": "9000"}]}));
        assert_eq!(
            one("8000-8001:80-81"),
            serde_json::json!({"80/tcp": [{"HostIp": "", "HostPort": "8000"}], "81/tcp": [{"HostIp": "", "HostPort": "8001"}]})
        );
        assert_eq!(one("8000-8010:80"), serde_json::json!({"80/tcp": [{"HostIp": "", "HostPort": "8000-8010"}]}));
    }

    #[test]
    fn docker_errors() {
        for (s, msg) in [
            ("99999", "invalid containerPort: 99999"),
            ("8080:0", "invalid containerPort: 0"),
            ("x:80", "invalid hostPort: x"),
            ("80/xyz", "invalid proto: xyz"),
            ("1.2.3:80:80", "invalid IP address: 1.2.3"),
            ("8000-8002:80-81", "invalid ranges specified for container and host Ports: 80-81 and 8000-8002"),
            ("a:b:c:d", "invalid port format: a:b:c:d"),
        ] {
            let e = port_bindings(&[s.to_string()]).unwrap_err();
            assert_eq!((e.kind(), e.message()), (crate::ErrorKind::InvalidArgument, msg), "{s}");
        }
    }

    #[test]
    fn keys() {
        assert_eq!(port_key("80/udp").unwrap(), (80, "udp"));
        assert!(port_key("0/tcp").is_err() && port_key("80/x").is_err());
    }
}
