//! Containers: records, names, and one file per lifecycle verb (youki style).
//!
//! ```text
//! <root>/containers/<id>/   config.json (the record, written by the engine)
//!                           state.json  (written by the monitor; see runtime::state)
//!                           spec.json, seccomp.bpf (written at each start)
//!                           upper/ work/ rootfs/ (overlay; mounted only inside the container)
//!                           hostname hosts resolv.conf <id>-json.log monitor.sock monitor.lock exec/
//! <root>/names/<name>       the id of the container holding the name (created O_EXCL: atomic)
//! ```
//! A container exists once its directory is renamed into `containers/` with its record inside;
//! everything is staged first, so a half-created container is never visible.

pub mod attach;
pub mod changes;
pub mod commit;
pub mod copy;
pub mod create;
pub mod exec;
pub mod export;
pub mod inspect;
pub mod list;
pub mod logs;
pub mod names;
pub mod pause;
pub mod record;
pub mod remove;
pub mod rename;
pub mod rootfs;
pub mod start;
pub mod stats;
mod stdio;
pub mod stop;
pub mod top;
pub mod wait;
mod watch;

#[cfg(test)]
pub(crate) mod tests;

pub use record::Container;

use crate::error::{Error, Result};
use crate::store::Store;
use std::path::PathBuf;

pub fn containers_dir(store: &Store) -> PathBuf {
    store.root().join("containers")
}

pub fn container_dir(store: &Store, id: &str) -> PathBuf {
    containers_dir(store).join(id)
}

pub fn no_such_container(name: &str) -> Error {
    Error::not_found(format!("No such container: {name}"))
}

/// Ids of all containers (those whose record exists).
pub fn ids(store: &Store) -> Result<Vec<String>> {
    let dir = containers_dir(store);
    let mut out = Vec::new();
    let rd = match std::fs::read_dir(&dir) {
        Ok(rd) => rd,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(out),
        Err(e) => return Err(Error::io(format_args!("read {}", dir.display()), e)),
    };
    for e in rd.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        if crate::digest::is_hex64(&name) && e.path().join("config.json").exists() {
            out.push(name);
        }
    }
    Ok(out)
}

/// Docker's lookup order: full id, exact name, unique id prefix.
pub fn resolve(store: &Store, name: &str) -> Result<String> {
    if name.is_empty() {
        return Err(Error::invalid("container name or id cannot be empty"));
    }
    if crate::digest::is_hex64(name) && container_dir(store, name).join("config.json").exists() {
        return Ok(name.to_string());
    }
    if let Some(id) = names::lookup(store, name.trim_start_matches('/'))? {
        if container_dir(store, &id).join("config.json").exists() {
            return Ok(id);
        }
    }
    if name.bytes().all(|b| b.is_ascii_hexdigit()) {
        let lower = name.to_ascii_lowercase();
        let mut hits = ids(store)?.into_iter().filter(|i| i.starts_with(&lower));
        match (hits.next(), hits.next()) {
            (Some(id), None) => return Ok(id),
            (Some(_), Some(_)) => {
                return Err(Error::invalid(format!("multiple IDs found with provided prefix: {name}")))
            }
            _ => {}
        }
    }
    Err(no_such_container(name))
}

/// Resolve and load.
pub fn load(store: &Store, name: &str) -> Result<Container> {
    let id = resolve(store, name)?;
    Container::load(store, &id)?.ok_or_else(|| no_such_container(name))
}

/// The short id docker prints.
pub fn short(id: &str) -> &str {
    &id[..id.len().min(12)]
}

/// Chain ids of every layer some container stands on.
pub fn pinned_layers(store: &Store) -> Result<std::collections::HashSet<crate::digest::Digest>> {
    let mut out = std::collections::HashSet::new();
    for id in ids(store)? {
        if let Some(c) = Container::load(store, &id)? {
            out.extend(c.layers);
        }
    }
    Ok(out)
}

/// Containers created from `image`.
pub fn image_users(store: &Store, image: &crate::digest::Digest) -> Result<Vec<crate::image::remove::ImageUser>> {
    let mut out = Vec::new();
    for id in ids(store)? {
        if let Some(c) = Container::load(store, &id)? {
            if &c.image == image {
                out.push(crate::image::remove::ImageUser { container_id: c.id.clone(), running: c.is_running() });
            }
        }
    }
    Ok(out)
}
