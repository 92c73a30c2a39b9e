//! The build cache, with the classic builder's semantics: a step is reused when an image built
//! here has the same parent and the same step — the instruction's full text, the config it
//! leads to, what it was committed as (`created_by`: the expanded command, the build args of a
//! `RUN`, the content hash of COPY/ADD sources) and any option that changes its result.
//!
//! An index makes a lookup one file read: `<root>/build-cache/<hex>` holds the id of the image a
//! step produced, `hex` being the sha256 of the parent id and the step's key. Entries are written
//! atomically after the image is published. Only images marked `built_here` (built or committed
//! by this engine) are ever candidates — a loaded or imported image never is, whatever the index
//! says (CVE-2024-24557) — and an entry whose image is gone is a miss (and is dropped).

use crate::digest::Digest;
use crate::error::{IoContext, Result};
use crate::store::{Image, Store};
use sha2::{Digest as _, Sha256};
use std::path::PathBuf;

pub struct Cache<'s> {
    store: &'s Store,
    dir: PathBuf,
    /// `--no-cache`: never look up (images built still get their entries).
    lookups: bool,
}

/// The identity of a step on top of a parent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Key(String);

impl Key {
    /// `parent` is `None` on `FROM scratch`; `parts` are the step's identifying texts, in a fixed
    /// order (they are length-prefixed, so no two lists give the same key).
    pub fn new(parent: Option<&Digest>, parts: &[&str]) -> Key {
        let mut h = Sha256::new();
        h.update(b"libdocker-build-cache-v1\0");
        h.update(parent.map_or("scratch", Digest::as_str).as_bytes());
        for p in parts {
            h.update((p.len() as u64).to_le_bytes());
            h.update(p.as_bytes());
        }
        Key(crate::digest::to_hex(&h.finalize()))
    }

    pub fn hex(&self) -> &str {
        &self.0
    }
}

impl<'s> Cache<'s> {
    pub fn new(store: &'s Store, lookups: bool) -> Cache<'s> {
        Cache { store, dir: store.root().join("build-cache"), lookups }
    }

    /// The image an earlier build made for this step, if it is still there and was built here on
    /// the same parent.
    pub fn lookup(&self, key: &Key, parent: Option<&Digest>) -> Result<Option<Image>> {
        if !self.lookups {
            return Ok(None);
        }
        let path = self.dir.join(key.hex());
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(crate::Error::io(format_args!("read {}", path.display()), e)),
        };
        let Ok(id) = Digest::parse(text.trim()) else {
            let _ = std::fs::remove_file(&path);
            return Ok(None);
        };
        match self.store.image(&id) {
            Ok(Some(img)) if img.meta.built_here && img.meta.parent.as_ref() == parent => Ok(Some(img)),
            Ok(None) => {
                // The image was removed since: forget the entry.
                let _ = std::fs::remove_file(&path);
                Ok(None)
            }
            // Not a candidate (loaded over a removed build, another parent) or unreadable: build.
            _ => Ok(None),
        }
    }

    /// Remember that this step made `id` (after the image is published).
    pub fn record(&self, key: &Key, id: &Digest) -> Result<()> {
        std::fs::create_dir_all(&self.dir).ctx(format_args!("create {}", self.dir.display()))?;
        // A lost entry after a crash is only a cache miss: no fsync needed.
        crate::safefs::write_replace(&self.dir.join(key.hex()), id.as_str().as_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::ImageMeta;

    #[test]
    fn keys_cover_parent_and_every_part() {
        let p = Digest::of(b"parent");
        let k = Key::new(Some(&p), &["RUN echo hi", "{}"]);
        assert_eq!(k, Key::new(Some(&p), &["RUN echo hi", "{}"]));
        assert_ne!(k, Key::new(None, &["RUN echo hi", "{}"]));
        assert_ne!(k, Key::new(Some(&Digest::of(b"other")), &["RUN echo hi", "{}"]));
        assert_ne!(k, Key::new(Some(&p), &["RUN echo hi", "{\"A\":1}"]));
        // Length prefixes: moving text between parts changes the key.
        assert_ne!(Key::new(None, &["ab", "c"]), Key::new(None, &["a", "bc"]));
        assert_eq!(k.hex().len(), 64);
    }

    #[test]
    fn only_images_built_here_on_the_same_parent_hit() {
        let t = tempfile::tempdir().unwrap();
        let store = Store::open(t.path()).unwrap();
        let cache = Cache::new(&store, true);
        let parent = Digest::of(b"p");
        let publish = |raw: &[u8], meta: &ImageMeta| {
            let lock = store.lock().unwrap();
            store.commit_image(&lock, raw, meta).unwrap()
        };
        let built = publish(
            b"{\"config\":{}}",
            &ImageMeta { parent: Some(parent.clone()), built_here: true, ..Default::default() },
        );
        let loaded = publish(
            b"{\"config\":{\"User\":\"x\"}}",
            &ImageMeta { parent: Some(parent.clone()), ..Default::default() },
        );
        let key = Key::new(Some(&parent), &["step"]);
        assert!(cache.lookup(&key, Some(&parent)).unwrap().is_none());
        cache.record(&key, &built).unwrap();
        assert_eq!(cache.lookup(&key, Some(&parent)).unwrap().unwrap().id, built);
        assert!(cache.lookup(&key, None).unwrap().is_none(), "another parent never hits");
        assert!(Cache::new(&store, false).lookup(&key, Some(&parent)).unwrap().is_none(), "--no-cache");

        // An entry pointing at an image that was not built here is not used.
        cache.record(&key, &loaded).unwrap();
        assert!(cache.lookup(&key, Some(&parent)).unwrap().is_none());

        // A stale entry (image removed) is a miss and goes away.
        cache.record(&key, &built).unwrap();
        let lock = store.lock().unwrap();
        store.delete_image(&lock, &built).unwrap();
        drop(lock);
        assert!(cache.lookup(&key, Some(&parent)).unwrap().is_none());
        assert!(!t.path().join("build-cache").join(key.hex()).exists());
    }
}
