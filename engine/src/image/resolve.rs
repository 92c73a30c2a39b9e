//! Name → image: a reference (`busybox`, `busybox:1`, `docker.io/library/busybox:latest`), a full
//! id (`sha256:…` or 64 hex), or a unique id prefix — in Docker's order.

use crate::digest::Digest;
use crate::error::{Error, Result};
use crate::store::refs::Refs;
use crate::store::{Image, Reference, Store};

/// How a name matched: it matters to `rmi` (untag vs delete) and to `save` (which tags to write).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Matched {
    Reference(Reference),
    Id,
}

pub fn no_such_image(name: &str) -> Error {
    Error::not_found(format!("No such image: {name}"))
}

/// Resolve `name` against a refs snapshot: the id and how it matched.
pub fn resolve_id(store: &Store, refs: &Refs, name: &str) -> Result<(Digest, Matched)> {
    if name.is_empty() {
        return Err(Error::invalid("image name cannot be empty"));
    }
    if let Some(hex) = name.strip_prefix("sha256:") {
        return by_prefix(store, hex, name).map(|d| (d, Matched::Id));
    }
    if crate::digest::is_hex64(name) {
        return by_prefix(store, name, name).map(|d| (d, Matched::Id));
    }
    let parsed = Reference::parse_normalized(name);
    if let Ok(r) = &parsed {
        let r = r.clone().with_default_tag();
        if let Some(id) = refs.get(&r) {
            return Ok((id.clone(), Matched::Reference(r)));
        }
    }
    // A short id is also a valid repository name ("a416a98b71e2"): try it as an id prefix next.
    if name.len() <= 64 && name.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()) {
        if let Ok(d) = by_prefix(store, name, name) {
            return Ok((d, Matched::Id));
        }
    }
    match parsed {
        Err(e) => Err(e),
        Ok(r) => Err(no_such_image(&r.with_default_tag().familiar())),
    }
}

/// Resolve and read (verified) an image.
pub fn resolve(store: &Store, name: &str) -> Result<Image> {
    let refs = store.refs()?;
    let (id, _) = resolve_id(store, &refs, name)?;
    store.image(&id)?.ok_or_else(|| no_such_image(name))
}

fn by_prefix(store: &Store, hex: &str, name: &str) -> Result<Digest> {
    if hex.is_empty() || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(Error::invalid(format!("invalid image id {name:?}")));
    }
    let hex = hex.to_ascii_lowercase();
    let mut found = store.image_ids()?.into_iter().filter(|d| d.hex().starts_with(&hex));
    match (found.next(), found.next()) {
        (Some(d), None) => Ok(d),
        (None, _) => Err(no_such_image(name)),
        (Some(_), Some(_)) => Err(Error::invalid(format!("multiple IDs found with provided prefix: {name}"))),
    }
}
