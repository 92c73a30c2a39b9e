//! References (`name:tag`, `name@digest`) → image ids, in one atomically replaced file.

use super::{Reference, Store, StoreLock};
use crate::digest::Digest;
use crate::error::{Error, Result};
use crate::safefs::write_atomic;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// `repositories.json`: full references (`docker.io/library/busybox:latest`) to image ids.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct Refs {
    pub refs: BTreeMap<String, Digest>,
}

impl Refs {
    /// Familiar references pointing at `id`, sorted: `busybox:latest`.
    pub fn tags_of(&self, id: &Digest) -> Vec<Reference> {
        self.refs.iter().filter(|(_, v)| *v == id).filter_map(|(k, _)| Reference::parse(k).ok()).collect()
    }

    pub fn get(&self, r: &Reference) -> Option<&Digest> {
        self.refs.get(&r.to_string())
    }
}

impl Store {
    fn refs_path(&self) -> std::path::PathBuf {
        self.root().join("repositories.json")
    }

    /// A consistent snapshot of all references (no lock needed: the file is replaced atomically).
    pub fn refs(&self) -> Result<Refs> {
        match std::fs::read(self.refs_path()) {
            Ok(b) => serde_json::from_slice(&b).map_err(|e| Error::corrupt(format!("repositories.json: {e}"))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Refs::default()),
            Err(e) => Err(Error::io("read repositories.json", e)),
        }
    }

    /// Read-modify-write of the references under the writer lock.
    pub fn update_refs<T>(&self, _lock: &StoreLock, f: impl FnOnce(&mut Refs) -> Result<T>) -> Result<T> {
        let mut refs = self.refs()?;
        let before = refs.clone();
        let out = f(&mut refs)?;
        if refs != before {
            write_atomic(&self.refs_path(), &serde_json::to_vec_pretty(&refs).expect("refs json"))?;
        }
        Ok(out)
    }
}
