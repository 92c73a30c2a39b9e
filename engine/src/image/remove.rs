//! `tag`, `rmi` and layer garbage collection.
//!
//! `rmi` follows moby's `image_delete.go`: a reference is untagged, and the image is deleted once
//! nothing names it; an id deletes the image (with `-f` even when several references name it);
//! untagged parents left without children are deleted after it ("Deleted: sha256:…" each).

use super::resolve::{resolve_id, Matched};
use crate::digest::Digest;
use crate::error::{Error, Result};
use crate::store::{Reference, Store, StoreLock};
use crate::types::{ImageDeleteResponseItem, ImageRemoveOptions};
use std::collections::HashSet;

/// A container that uses an image (it pins the image's layers).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImageUser {
    pub container_id: String,
    pub running: bool,
}

/// What the store must keep besides images: layers and images that containers use.
pub trait ImagePins {
    /// Containers created from `image`.
    fn users(&self, image: &Digest) -> Result<Vec<ImageUser>>;
    /// Chain ids of every layer some container stands on.
    fn pinned_layers(&self) -> Result<HashSet<Digest>>;
}

pub fn tag(store: &Store, source: &str, target: &str) -> Result<()> {
    let target_ref = Reference::parse_tagged(target)?;
    if target_ref.digest().is_some() {
        return Err(Error::invalid(format!("refusing to create a tag with a digest reference: {target}")));
    }
    let lock = store.lock()?;
    let refs = store.refs()?;
    let (id, _) = resolve_id(store, &refs, source)?;
    set_tag(store, &lock, &target_ref, &id)
}

/// Point `r` at `id` and record the tag time.
pub fn set_tag(store: &Store, lock: &StoreLock, r: &Reference, id: &Digest) -> Result<()> {
    store.update_refs(lock, |refs| {
        refs.refs.insert(r.to_string(), id.clone());
        Ok(())
    })?;
    if let Some(img) = store.image(id)? {
        let mut meta = img.meta;
        meta.last_tag_time = Some(crate::types::rfc3339_nanos(std::time::SystemTime::now()));
        store.set_image_meta(lock, id, &meta)?;
    }
    Ok(())
}

pub fn remove(
    store: &Store,
    name: &str,
    opts: &ImageRemoveOptions,
    pins: &dyn ImagePins,
) -> Result<Vec<ImageDeleteResponseItem>> {
    let lock = store.lock()?;
    let refs = store.refs()?;
    let (id, matched) = resolve_id(store, &refs, name)?;
    let tags = refs.tags_of(&id);
    let users = pins.users(&id)?;
    let mut out = Vec::new();

    if let Some(u) = users.iter().find(|u| u.running) {
        if opts.force || matches!(matched, Matched::Id) || tags.len() <= 1 {
            return Err(Error::conflict(format!(
                "conflict: unable to delete {} (cannot be forced) - image is being used by running container {}",
                id.short(),
                short(&u.container_id)
            )));
        }
    }

    match &matched {
        Matched::Reference(r) => {
            // The last reference of an image that a container uses needs -f.
            if tags.len() == 1 && !opts.force {
                if let Some(u) = users.first() {
                    return Err(Error::conflict(format!(
                        "conflict: unable to remove repository reference \"{name}\" (must force) - container {} is using its referenced image {}",
                        short(&u.container_id),
                        id.short()
                    )));
                }
            }
            untag(store, &lock, r, &mut out)?;
            if tags.len() > 1 {
                return Ok(out);
            }
        }
        Matched::Id => {
            if tags.len() > 1 && !opts.force {
                return Err(Error::conflict(format!(
                    "conflict: unable to delete {} (must be forced) - image is referenced in multiple repositories",
                    id.short()
                )));
            }
            if let (Some(u), false) = (users.first(), opts.force) {
                return Err(Error::conflict(format!(
                    "conflict: unable to delete {} (must be forced) - image is being used by stopped container {}",
                    id.short(),
                    short(&u.container_id)
                )));
            }
            if has_children(store, &id)? {
                return Err(Error::conflict(format!(
                    "conflict: unable to delete {} (cannot be forced) - image has dependent child images",
                    id.short()
                )));
            }
            for r in &tags {
                untag(store, &lock, r, &mut out)?;
            }
        }
    }

    // Now untagged: delete it unless it still serves as a parent, then its untagged parents.
    let mut next = Some(id);
    while let Some(cur) = next.take() {
        if has_children(store, &cur)? || !store.refs()?.tags_of(&cur).is_empty() {
            break;
        }
        if !pins.users(&cur)?.is_empty() && !opts.force {
            break;
        }
        // A corrupt image must still be removable (podman's corrupt-store cases): no parent then.
        let parent = store.image(&cur).ok().flatten().and_then(|i| i.meta.parent);
        store.delete_image(&lock, &cur)?;
        out.push(ImageDeleteResponseItem { untagged: None, deleted: Some(cur.to_string()) });
        if !opts.no_prune {
            next = parent;
        }
    }
    gc_layers(store, &lock, &pins.pinned_layers()?)?;
    Ok(out)
}

fn untag(store: &Store, lock: &StoreLock, r: &Reference, out: &mut Vec<ImageDeleteResponseItem>) -> Result<()> {
    store.update_refs(lock, |refs| {
        refs.refs.remove(&r.to_string());
        Ok(())
    })?;
    out.push(ImageDeleteResponseItem { untagged: Some(r.familiar()), deleted: None });
    Ok(())
}

fn has_children(store: &Store, id: &Digest) -> Result<bool> {
    for other in store.image_ids()? {
        if let Ok(Some(img)) = store.image(&other) {
            if img.meta.parent.as_ref() == Some(id) {
                return Ok(true);
            }
        }
    }
    Ok(false)
}

/// Delete every layer that no image and no container stands on. Runs under the writer lock, so
/// it never races a writer that has published layers but not yet their image.
pub fn gc_layers(store: &Store, lock: &StoreLock, pinned: &HashSet<Digest>) -> Result<()> {
    let mut keep: HashSet<Digest> = pinned.clone();
    for id in store.image_ids()? {
        match store.image(&id) {
            Ok(Some(img)) => keep.extend(Digest::chain_ids(&img.config.rootfs.diff_ids)),
            Ok(None) => {}
            // An unreadable image might stand on any layer: collect nothing this time.
            Err(_) => return Ok(()),
        }
    }
    for layer in store.layers()? {
        if !keep.contains(&layer.chain_id) {
            store.delete_layer(lock, &layer.chain_id)?;
        }
    }
    Ok(())
}

fn short(id: &str) -> &str {
    &id[..id.len().min(12)]
}
