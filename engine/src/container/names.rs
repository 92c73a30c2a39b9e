//! Container names: `<root>/names/<name>` holds the owner's id. Created with O_EXCL, so of many
//! processes creating `--name same` at once exactly one wins, and the others get Docker's 409.

use crate::error::{Error, IoContext, Result};
use crate::store::Store;
use std::io::Write;
use std::path::PathBuf;

fn names_dir(store: &Store) -> PathBuf {
    store.root().join("names")
}

/// The claim file of `name`. Docker puts no bound on a name's length but a file name has one
/// (255 bytes): a long name is claimed under its digest, `#` + hex (`#` is never in a name, so
/// the two forms cannot meet).
fn name_path(store: &Store, name: &str) -> PathBuf {
    const LONGEST_AS_IS: usize = 128;
    if name.len() <= LONGEST_AS_IS {
        names_dir(store).join(name)
    } else {
        names_dir(store).join(format!("#{}", crate::digest::Digest::of(name.as_bytes()).hex()))
    }
}

/// Docker's rule: `[a-zA-Z0-9][a-zA-Z0-9_.-]+` (an optional leading `/` is dropped).
pub fn validate(name: &str) -> Result<&str> {
    let n = name.strip_prefix('/').unwrap_or(name);
    let b = n.as_bytes();
    let ok = b.len() >= 2
        && b[0].is_ascii_alphanumeric()
        && b[1..].iter().all(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'.' | b'-'));
    if !ok {
        return Err(Error::invalid(format!(
            "Invalid container name ({name}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed"
        )));
    }
    Ok(n)
}

/// A claimed name. While the claim is held (until the container is published or the creation
/// failed), nobody can mistake the name for a stale one.
pub struct Claim {
    _lock: std::fs::File,
}

/// Claim `name` for `id`, atomically: the name file appears (by `link`) already locked by us.
pub fn reserve(store: &Store, name: &str, id: &str) -> Result<Claim> {
    let dir = names_dir(store);
    std::fs::create_dir_all(&dir).ctx("create names directory")?;
    let path = name_path(store, name);
    loop {
        let tmp = dir.join(format!(".tmp-{}", crate::digest::random_hex(8)));
        let mut f = std::fs::OpenOptions::new().write(true).create_new(true).open(&tmp).ctx("create name claim")?;
        f.write_all(id.as_bytes()).ctx("write name claim")?;
        rustix::fs::flock(&f, rustix::fs::FlockOperation::LockExclusive).ctx("lock name claim")?;
        let linked = std::fs::hard_link(&tmp, &path);
        let _ = std::fs::remove_file(&tmp);
        match linked {
            Ok(()) => return Ok(Claim { _lock: f }),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(Error::io(format_args!("claim name {name}"), e)),
        }
        drop(f);
        let owner = lookup(store, name)?.unwrap_or_default();
        // Stale: nobody holds the claim and its container was never published (a crash).
        if let Ok(held) = std::fs::File::open(&path) {
            if rustix::fs::flock(&held, rustix::fs::FlockOperation::NonBlockingLockExclusive).is_ok()
                && !owner.is_empty()
                && !super::container_dir(store, &owner).exists()
                && lookup(store, name)?.as_deref() == Some(owner.as_str())
            {
                let _ = std::fs::remove_file(&path);
                continue;
            }
        }
        return Err(Error::conflict(format!(
            "Conflict. The container name \"/{name}\" is already in use by container \"{owner}\". You have to remove (or rename) that container to be able to reuse that name."
        )));
    }
}

pub fn lookup(store: &Store, name: &str) -> Result<Option<String>> {
    if validate(name).is_err() {
        return Ok(None);
    }
    match std::fs::read_to_string(name_path(store, name)) {
        Ok(id) => Ok(Some(id.trim().to_string())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Error::io(format_args!("read name {name}"), e)),
    }
}

/// Give a name back (only if `id` holds it).
pub fn release(store: &Store, name: &str, id: &str) -> Result<()> {
    if lookup(store, name)?.as_deref() == Some(id) {
        match std::fs::remove_file(name_path(store, name)) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(Error::io(format_args!("release name {name}"), e)),
        }
    }
    Ok(())
}

/// A generated `adjective_noun` name, like Docker's (our own word lists).
pub fn generate(store: &Store, id: &str) -> Result<(String, Claim)> {
    const ADJ: &[&str] = &[
        "amber", "brave", "calm", "clever", "crisp", "dapper", "eager", "fancy", "gentle", "happy", "jolly", "keen",
        "lively", "lucid", "merry", "nimble", "polite", "quiet", "rapid", "serene", "sharp", "steady", "sunny",
        "swift", "tidy", "vivid", "witty", "zesty", "bold", "cosmic",
    ];
    const NOUN: &[&str] = &[
        "otter", "falcon", "maple", "harbor", "comet", "lynx", "cedar", "quartz", "badger", "heron", "willow",
        "pebble", "raven", "tulip", "walrus", "zephyr", "meadow", "orca", "panda", "sparrow", "tiger", "valley", "yak",
        "koala", "lotus", "ember", "glacier", "island", "jasper", "nebula",
    ];
    for attempt in 0..20 {
        let r = crate::digest::random_hex(4);
        let n = u32::from_str_radix(&r, 16).unwrap_or(0) as usize;
        let mut name = format!("{}_{}", ADJ[n % ADJ.len()], NOUN[(n / ADJ.len()) % NOUN.len()]);
        if attempt > 5 {
            name.push_str(&format!("{}", n % 10));
        }
        match reserve(store, &name, id) {
            Ok(claim) => return Ok((name, claim)),
            Err(e) if e.kind() == crate::ErrorKind::Conflict => continue,
            Err(e) => return Err(e),
        }
    }
    let name = format!("c_{}", super::short(id));
    let claim = reserve(store, &name, id)?;
    Ok((name, claim))
}

#[cfg(test)]
mod tests {
    #[test]
    fn names_follow_docker() {
        assert!(super::validate("web-1.a_b").is_ok());
        assert!(super::validate("/web").is_ok());
        assert!(super::validate("x").is_err());
        assert!(super::validate("-x").is_err());
        assert!(super::validate("a b").is_err());
        assert!(super::validate("a/b").is_err());
    }
}
