//! `-u name|uid[:group|gid]` resolved from the container's own `/etc/passwd` and `/etc/group`
//! (read through the container root, never the host's), with runc's rules.

use crate::error::{Error, Result};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExecUser {
    pub uid: u32,
    pub gid: u32,
    pub additional_gids: Vec<u32>,
    pub home: String,
}

/// Resolve `spec` against the contents of passwd and group (either may be absent: `None`).
pub fn resolve(spec: &str, passwd: Option<&str>, group: Option<&str>) -> Result<ExecUser> {
    let (user, grp) = match spec.split_once(':') {
        Some((u, g)) => (u, Some(g)),
        None => (spec, None),
    };
    let users: Vec<Vec<&str>> = passwd.map(|p| parse(p, 7)).unwrap_or_default();
    let groups: Vec<Vec<&str>> = group.map(|g| parse(g, 4)).unwrap_or_default();

    let mut out = ExecUser { uid: 0, gid: 0, additional_gids: vec![], home: "/".into() };
    let mut found_name: Option<String> = None;
    // No user means root, looked up like any other (HOME=/root, root's supplementary groups).
    let user = if user.is_empty() { "0" } else { user };
    {
        let numeric = user.parse::<u32>().ok();
        match users.iter().find(|u| u[0] == user || numeric.is_some_and(|n| u[2].parse() == Ok(n))) {
            Some(u) => {
                out.uid = u[2].parse().map_err(|_| Error::invalid(format!("invalid uid in passwd for {}", u[0])))?;
                out.gid = u[3].parse().map_err(|_| Error::invalid(format!("invalid gid in passwd for {}", u[0])))?;
                if !u[5].is_empty() {
                    out.home = u[5].to_string();
                }
                found_name = Some(u[0].to_string());
            }
            None => match numeric {
                Some(n) => out.uid = n,
                None => {
                    return Err(Error::invalid(format!(
                        "unable to find user {user}: no matching entries in passwd file"
                    )))
                }
            },
        }
    }
    match grp.filter(|g| !g.is_empty()) {
        Some(g) => {
            let numeric = g.parse::<u32>().ok();
            match groups.iter().find(|e| e[0] == g || numeric.is_some_and(|n| e[2].parse() == Ok(n))) {
                Some(e) => {
                    out.gid = e[2].parse().map_err(|_| Error::invalid(format!("invalid gid in group file for {g}")))?
                }
                None => match numeric {
                    Some(n) => out.gid = n,
                    None => {
                        return Err(Error::invalid(format!(
                            "unable to find group {g}: no matching entries in group file"
                        )))
                    }
                },
            }
        }
        None => {
            // Supplementary groups come from the group file when the user was found by name.
            if let Some(name) = &found_name {
                for e in &groups {
                    if e[3].split(',').any(|m| m == name) {
                        if let Ok(gid) = e[2].parse::<u32>() {
                            if gid != out.gid && !out.additional_gids.contains(&gid) {
                                out.additional_gids.push(gid);
                            }
                        }
                    }
                }
            }
        }
    }
    Ok(out)
}

/// Colon-separated records with at least `fields` fields (missing trailing ones are empty).
fn parse(text: &str, fields: usize) -> Vec<Vec<&str>> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| {
            let mut v: Vec<&str> = l.split(':').collect();
            v.resize(fields.max(v.len()), "");
            v
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    const PASSWD: &str = "root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000::/home/app:/bin/sh\n";
    const GROUP: &str = "root:x:0:\napp:x:1000:\nextra:x:2000:app,other\n";

    #[test]
    fn resolves_like_runc() {
        let r = |s| resolve(s, Some(PASSWD), Some(GROUP));
        assert_eq!(r("").unwrap(), ExecUser { uid: 0, gid: 0, additional_gids: vec![], home: "/root".into() });
        let app = r("app").unwrap();
        assert_eq!(
            (app.uid, app.gid, app.additional_gids.clone(), app.home.as_str()),
            (1000, 1000, vec![2000], "/home/app")
        );
        assert_eq!(r("1000").unwrap().home, "/home/app");
        let n = r("4242").unwrap();
        assert_eq!((n.uid, n.gid, n.home.as_str()), (4242, 0, "/"));
        assert_eq!(r("app:extra").unwrap().gid, 2000);
        assert_eq!(r("4242:77").unwrap().gid, 77);
        assert!(r("nosuch").unwrap_err().message().contains("unable to find user nosuch"));
        assert!(r("app:nogrp").unwrap_err().message().contains("unable to find group nogrp"));
        assert_eq!(resolve("5", None, None).unwrap().uid, 5);
    }
}
