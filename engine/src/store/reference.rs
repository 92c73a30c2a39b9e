//! Image references by Docker's grammar (distribution/reference), see security.md
//! "Image reference grammar": `busybox` ≡ `busybox:latest` ≡ `docker.io/library/busybox:latest`.

use crate::digest::Digest;
use crate::error::{Error, Result};
use std::fmt;

pub const DEFAULT_DOMAIN: &str = "docker.io";
const LEGACY_DEFAULT_DOMAIN: &str = "index.docker.io";
const OFFICIAL_REPO_PREFIX: &str = "library/";
pub const DEFAULT_TAG: &str = "latest";
const NAME_TOTAL_MAX: usize = 255;

/// A parsed reference: `[domain/]path[:tag][@digest]`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Reference {
    domain: String,
    path: String,
    tag: Option<String>,
    digest: Option<String>,
}

fn bad(s: &str, why: &str) -> Error {
    if why.is_empty() {
        Error::invalid(format!("invalid reference format: {s:?}"))
    } else {
        Error::invalid(format!("invalid reference format: {why}"))
    }
}

impl Reference {
    /// `reference.Parse`: no normalisation; any first component before `/` may be a domain.
    pub fn parse(s: &str) -> Result<Reference> {
        if s.is_empty() {
            return Err(bad(s, "repository name must have at least one component"));
        }
        let (rest, digest) = match s.split_once('@') {
            Some((r, d)) => (r, Some(parse_digest(s, d)?)),
            None => (s, None),
        };
        let (name, tag) = split_tag(rest);
        if let Some(t) = tag {
            if !is_tag(t) {
                return Err(bad(s, ""));
            }
        }
        if name.is_empty() {
            return Err(bad(s, ""));
        }
        let (domain, path) = match split_name(name) {
            Some(dp) => dp,
            None => {
                // Uppercase is the one mistake worth a specific message.
                let lower = name.to_ascii_lowercase();
                if split_name(&lower).is_some() {
                    return Err(bad(s, &format!("repository name ({name}) must be lowercase")));
                }
                return Err(bad(s, ""));
            }
        };
        if name.len() > NAME_TOTAL_MAX {
            return Err(bad(s, &format!("repository name must not be more than {NAME_TOTAL_MAX} characters")));
        }
        Ok(Reference { domain: domain.to_string(), path: path.to_string(), tag: tag.map(str::to_string), digest })
    }

    /// `reference.ParseNormalizedNamed`: familiar names get `docker.io/library/`.
    pub fn parse_normalized(s: &str) -> Result<Reference> {
        if crate::digest::is_hex64(s) {
            return Err(Error::invalid(format!(
                "invalid repository name ({s}), cannot specify 64-byte hexadecimal strings"
            )));
        }
        let (domain, remainder) = split_docker_domain(s);
        let remote_name = remainder.split([':', '@']).next().unwrap_or("");
        if remote_name.to_ascii_lowercase() != remote_name {
            return Err(bad(s, &format!("repository name ({remote_name}) must be lowercase")));
        }
        let r = Reference::parse(&format!("{domain}/{remainder}"))?;
        Ok(r)
    }

    /// Normalised, with `:latest` added when neither tag nor digest is given (`TagNameOnly`).
    pub fn parse_tagged(s: &str) -> Result<Reference> {
        Ok(Reference::parse_normalized(s)?.with_default_tag())
    }

    pub fn with_default_tag(mut self) -> Reference {
        if self.tag.is_none() && self.digest.is_none() {
            self.tag = Some(DEFAULT_TAG.to_string());
        }
        self
    }

    pub fn domain(&self) -> &str {
        &self.domain
    }
    pub fn path(&self) -> &str {
        &self.path
    }
    pub fn tag(&self) -> Option<&str> {
        self.tag.as_deref()
    }
    pub fn digest(&self) -> Option<&str> {
        self.digest.as_deref()
    }

    /// `docker.io/library/busybox`
    pub fn name(&self) -> String {
        if self.domain.is_empty() {
            self.path.clone()
        } else {
            format!("{}/{}", self.domain, self.path)
        }
    }

    /// `busybox` (what `docker images` shows as REPOSITORY).
    pub fn familiar_name(&self) -> String {
        if self.domain == DEFAULT_DOMAIN {
            match self.path.strip_prefix(OFFICIAL_REPO_PREFIX) {
                Some(rest) if !rest.contains('/') => rest.to_string(),
                _ => self.path.clone(),
            }
        } else {
            self.name()
        }
    }

    /// `busybox:latest` / `busybox@sha256:…`
    pub fn familiar(&self) -> String {
        self.render(self.familiar_name())
    }

    /// The same name with another tag.
    pub fn with_tag(&self, tag: &str) -> Reference {
        Reference { tag: Some(tag.to_string()), digest: None, ..self.clone() }
    }

    fn render(&self, mut s: String) -> String {
        if let Some(t) = &self.tag {
            s.push(':');
            s.push_str(t);
        }
        if let Some(d) = &self.digest {
            s.push('@');
            s.push_str(d);
        }
        s
    }
}

impl fmt::Display for Reference {
    /// The full form: `docker.io/library/busybox:latest`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render(self.name()))
    }
}

/// `splitDockerDomain`: the first component is a domain only if it looks like one.
fn split_docker_domain(name: &str) -> (String, String) {
    let (mut domain, mut remainder) = match name.split_once('/') {
        Some((first, rest))
            if first == "localhost" || first.contains(['.', ':']) || first.bytes().any(|b| b.is_ascii_uppercase()) =>
        {
            (first.to_string(), rest.to_string())
        }
        _ => (DEFAULT_DOMAIN.to_string(), name.to_string()),
    };
    if domain == LEGACY_DEFAULT_DOMAIN {
        domain = DEFAULT_DOMAIN.to_string();
    }
    if domain == DEFAULT_DOMAIN && !remainder.contains('/') {
        remainder = format!("{OFFICIAL_REPO_PREFIX}{remainder}");
    }
    (domain, remainder)
}

/// Split `name[:tag]`: a `:` after the last `/` starts the tag (a `:` before it is a port).
fn split_tag(s: &str) -> (&str, Option<&str>) {
    let slash = s.rfind('/').map(|i| i + 1).unwrap_or(0);
    match s[slash..].rfind(':') {
        Some(i) => (&s[..slash + i], Some(&s[slash + i + 1..])),
        None => (s, None),
    }
}

/// `(domain, path)` if `name` matches `[domain/]path-component(/path-component)*`.
fn split_name(name: &str) -> Option<(&str, &str)> {
    if let Some((first, rest)) = name.split_once('/') {
        if is_domain(first) && is_path(rest) {
            return Some((first, rest));
        }
    }
    is_path(name).then_some(("", name))
}

fn is_path(p: &str) -> bool {
    !p.is_empty() && p.split('/').all(is_path_component)
}

/// `[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*`
fn is_path_component(c: &str) -> bool {
    let b = c.as_bytes();
    let alnum = |x: u8| x.is_ascii_lowercase() || x.is_ascii_digit();
    let mut i = 0;
    let run = |i: &mut usize| {
        let start = *i;
        while *i < b.len() && alnum(b[*i]) {
            *i += 1;
        }
        *i > start
    };
    if !run(&mut i) {
        return false;
    }
    while i < b.len() {
        match b[i] {
            b'.' => i += 1,
            b'_' => {
                i += 1;
                if i < b.len() && b[i] == b'_' {
                    i += 1;
                }
            }
            b'-' => {
                while i < b.len() && b[i] == b'-' {
                    i += 1;
                }
            }
            _ => return false,
        }
        if !run(&mut i) {
            return false;
        }
    }
    true
}

/// `host[:port]`, host = domain-name | `[` IPv6 `]`.
fn is_domain(d: &str) -> bool {
    let (host, port) = if d.starts_with('[') {
        let Some(end) = d.find(']') else { return false };
        (&d[..=end], &d[end + 1..])
    } else {
        match d.find(':') {
            Some(i) => (&d[..i], &d[i..]),
            None => (d, ""),
        }
    };
    let host_ok = match host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
        Some(v6) => !v6.is_empty() && v6.bytes().all(|b| b.is_ascii_hexdigit() || b == b':'),
        None => host.split('.').all(is_domain_component),
    };
    let port_ok = port.is_empty()
        || port.strip_prefix(':').is_some_and(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
    host_ok && port_ok
}

/// `[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]`
fn is_domain_component(c: &str) -> bool {
    let b = c.as_bytes();
    !b.is_empty()
        && b[0].is_ascii_alphanumeric()
        && b[b.len() - 1].is_ascii_alphanumeric()
        && b.iter().all(|x| x.is_ascii_alphanumeric() || *x == b'-')
}

/// `[\w][\w.-]{0,127}`
fn is_tag(t: &str) -> bool {
    let b = t.as_bytes();
    let w = |x: u8| x.is_ascii_alphanumeric() || x == b'_';
    !b.is_empty() && b.len() <= 128 && w(b[0]) && b.iter().all(|&x| w(x) || x == b'.' || x == b'-')
}

/// `algorithm:hex` where sha256 needs 64 lowercase-or-upper hex; other algorithms are unsupported.
fn parse_digest(whole: &str, d: &str) -> Result<String> {
    let Some((alg, hex)) = d.split_once(':') else { return Err(bad(whole, "")) };
    let alg_ok = !alg.is_empty()
        && alg.split(['-', '_', '+', '.']).all(|c| {
            let b = c.as_bytes();
            !b.is_empty() && b[0].is_ascii_alphabetic() && b.iter().all(|x| x.is_ascii_alphanumeric())
        });
    if !alg_ok || hex.len() < 32 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(bad(whole, ""));
    }
    match alg {
        "sha256" if hex.len() == 64 => Ok(Digest::from_hex(&hex.to_ascii_lowercase())?.to_string()),
        "sha256" => Err(bad(whole, "invalid checksum digest length")),
        _ => Err(bad(whole, "unsupported digest algorithm")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// distribution/reference `reference_test.go` vectors (security.md).
    #[test]
    fn grammar_vectors() {
        let f64 = "f".repeat(64);
        let valid: Vec<(String, &str, &str, Option<&str>)> = vec![
            ("test_com".into(), "", "test_com", None),
            ("test.com:tag".into(), "", "test.com", Some("tag")),
            ("test.com:5000".into(), "", "test.com", Some("5000")),
            ("test:5000/repo:tag".into(), "test:5000", "repo", Some("tag")),
            (format!("test:5000/repo@sha256:{f64}"), "test:5000", "repo", None),
            ("test:5000/repo".into(), "test:5000", "repo", None),
            ("lowercase:Uppercase".into(), "", "lowercase", Some("Uppercase")),
            ("sub-dom1.foo.com/bar/baz/quux".into(), "sub-dom1.foo.com", "bar/baz/quux", None),
            (
                "sub-dom1.foo.com/bar/baz/quux:some-long-tag".into(),
                "sub-dom1.foo.com",
                "bar/baz/quux",
                Some("some-long-tag"),
            ),
            (
                "b.gcr.io/test.example.com/my-app:test.example.com".into(),
                "b.gcr.io",
                "test.example.com/my-app",
                Some("test.example.com"),
            ),
            ("xn--n3h.com/myimage:xn--n3h.com".into(), "xn--n3h.com", "myimage", Some("xn--n3h.com")),
            (format!("xn--7o8h.com/myimage:xn--7o8h.com@sha512:{}", "f".repeat(128)), "", "", None),
            ("foo_bar.com:8080".into(), "", "foo_bar.com", Some("8080")),
            ("foo/foo_bar.com:8080".into(), "foo", "foo_bar.com", Some("8080")),
            ("192.168.1.1".into(), "", "192.168.1.1", None),
            ("192.168.1.1:tag".into(), "", "192.168.1.1", Some("tag")),
            ("192.168.1.1:5000".into(), "", "192.168.1.1", Some("5000")),
            ("192.168.1.1/repo".into(), "192.168.1.1", "repo", None),
            ("192.168.1.1:5000/repo".into(), "192.168.1.1:5000", "repo", None),
            ("192.168.1.1:5000/repo:5050".into(), "192.168.1.1:5000", "repo", Some("5050")),
            ("[2001:db8::1]/repo".into(), "[2001:db8::1]", "repo", None),
            ("[2001:db8:1:2:3:4:5:6]/repo:tag".into(), "[2001:db8:1:2:3:4:5:6]", "repo", Some("tag")),
            ("[2001:db8::1]:5000/repo".into(), "[2001:db8::1]:5000", "repo", None),
            ("[2001:db8::1]:5000/repo:tag".into(), "[2001:db8::1]:5000", "repo", Some("tag")),
            ("[::1]:5000/repo".into(), "[::1]:5000", "repo", None),
            ("[::1]/repo".into(), "[::1]", "repo", None),
            ("localhost/repo".into(), "localhost", "repo", None),
            ("a/a/a/a".into(), "a", "a/a/a", None),
            (format!("{}a:tag-puts-this-over-max", "a/".repeat(127)), "a", "", Some("tag-puts-this-over-max")),
        ];
        for (s, domain, path, tag) in &valid {
            let r = Reference::parse(s);
            // sha512 is not registered: like distribution's default digest set it is unsupported.
            if s.contains("sha512") {
                assert!(r.is_err(), "{s}");
                continue;
            }
            let r = r.unwrap_or_else(|e| panic!("{s} should be valid: {e}"));
            assert_eq!(r.domain(), *domain, "{s}");
            if !path.is_empty() {
                assert_eq!(r.path(), *path, "{s}");
            }
            assert_eq!(r.tag(), *tag, "{s}");
        }
        let invalid: Vec<String> = vec![
            "".into(),
            ":justtag".into(),
            format!("@sha256:{f64}"),
            format!("repo@sha256:{}", "f".repeat(34)),
            format!("validname@invaliddigest:{}", "f".repeat(64)),
            "Uppercase:tag".into(),
            "test:5000/Uppercase/lowercase:tag".into(),
            "aa/asdf$$^/aa".into(),
            "[2001:db8::1]".into(),
            "[2001:db8::1]:5000".into(),
            "[2001:db8::1]:tag".into(),
            "[fe80::1%eth0]:5000/repo".into(),
            "[fe80::1%@invalidzone]:5000/repo".into(),
            format!("{}a:tag", "a/".repeat(128)),
            format!("domain/{}", "a".repeat(256)),
            "repo/".into(),
            "-repo".into(),
            "repo--".into(),
            "a__-b".into(),
        ];
        for s in &invalid {
            assert!(Reference::parse(s).is_err(), "{s:?} should be invalid");
        }
        let e = Reference::parse("Uppercase:tag").unwrap_err();
        assert!(e.message().contains("must be lowercase"), "{e}");
    }

    #[test]
    fn normalisation() {
        for s in [
            "busybox",
            "busybox:latest",
            "docker.io/library/busybox:latest",
            "library/busybox",
            "index.docker.io/library/busybox",
        ] {
            let r = Reference::parse_tagged(s).unwrap();
            assert_eq!(r.to_string(), "docker.io/library/busybox:latest", "{s}");
            assert_eq!(r.familiar(), "busybox:latest");
        }
        let r = Reference::parse_tagged("user/app:v1").unwrap();
        assert_eq!(r.to_string(), "docker.io/user/app:v1");
        assert_eq!(r.familiar(), "user/app:v1");
        let r = Reference::parse_tagged("localhost:5000/app").unwrap();
        assert_eq!(r.to_string(), "localhost:5000/app:latest");
        assert_eq!(r.familiar_name(), "localhost:5000/app");
        assert!(Reference::parse_normalized(&"a".repeat(64)).is_err());
        assert!(Reference::parse_normalized("Uppercase:tag").unwrap_err().message().contains("lowercase"));
        let d = format!("busybox@sha256:{}", "a".repeat(64));
        let r = Reference::parse_tagged(&d).unwrap();
        assert_eq!(r.tag(), None);
        assert_eq!(r.familiar(), d);
    }
}
