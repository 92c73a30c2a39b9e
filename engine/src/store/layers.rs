//! Unpacked layers, addressed by chain id: `layers/<chain-hex>/{diff/, tar-split, meta.json}`.
//!
//! A layer's `diff/` is its own files in overlayfs form (whiteouts as 0/0 char devices, opaque
//! directories by xattr), ready to stack as a lowerdir. `tar-split` rebuilds its exact tar.

use super::{Store, StoreLock};
use crate::digest::Digest;
use crate::error::{Error, IoContext, Result};
use crate::safefs::{fsync_dir, write_atomic};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct LayerMeta {
    #[serde(rename = "ChainID")]
    pub chain_id: Digest,
    #[serde(rename = "DiffID")]
    pub diff_id: Digest,
    pub parent: Option<Digest>,
    /// Bytes of the uncompressed layer tar.
    pub tar_size: u64,
    /// Bytes of the unpacked files.
    pub size: u64,
}

impl Store {
    pub fn layer_dir(&self, chain: &Digest) -> PathBuf {
        self.layers_dir().join(chain.hex())
    }

    /// The overlay lowerdir of a layer.
    pub fn layer_diff(&self, chain: &Digest) -> PathBuf {
        self.layer_dir(chain).join("diff")
    }

    pub fn layer(&self, chain: &Digest) -> Result<Option<LayerMeta>> {
        let p = self.layer_dir(chain).join("meta.json");
        match std::fs::read(&p) {
            Ok(b) => Ok(Some(
                serde_json::from_slice(&b).map_err(|e| Error::corrupt(format!("layer {chain}: bad meta.json: {e}")))?,
            )),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(Error::io(format_args!("read {}", p.display()), e)),
        }
    }

    /// Every layer of a stack of diff ids (bottom first), or a NotFound naming the first missing.
    pub fn layer_stack(&self, diff_ids: &[Digest]) -> Result<Vec<LayerMeta>> {
        Digest::chain_ids(diff_ids)
            .iter()
            .map(|c| self.layer(c)?.ok_or_else(|| Error::not_found(format!("layer {c} is missing from the store"))))
            .collect()
    }

    /// Publish a layer unpacked in `staged` (a directory holding `diff/` and `tar-split`) on top of
    /// `parent`. If the same chain already exists (another import won the race, or the layer is
    /// shared), the staged copy is left for its staging to delete and the existing one is used.
    pub fn commit_layer(
        &self,
        _lock: &StoreLock,
        staged: &Path,
        parent: Option<&Digest>,
        diff_id: &Digest,
        tar_size: u64,
        size: u64,
    ) -> Result<LayerMeta> {
        let chain_id = Digest::chain(parent, diff_id);
        if let Some(existing) = self.layer(&chain_id)? {
            return Ok(existing);
        }
        let meta =
            LayerMeta { chain_id: chain_id.clone(), diff_id: diff_id.clone(), parent: parent.cloned(), tar_size, size };
        // The layer's files must be on disk before the rename makes them reachable.
        sync_filesystem(staged)?;
        write_atomic(&staged.join("meta.json"), &serde_json::to_vec_pretty(&meta).expect("meta json"))?;
        let dest = self.layer_dir(&chain_id);
        std::fs::rename(staged, &dest).ctx(format_args!("publish layer {}", chain_id))?;
        fsync_dir(&self.layers_dir())?;
        Ok(meta)
    }

    /// All layers present.
    pub fn layers(&self) -> Result<Vec<LayerMeta>> {
        let mut out = Vec::new();
        for e in std::fs::read_dir(self.layers_dir()).ctx("read layers")?.flatten() {
            let name = e.file_name();
            let Ok(chain) = Digest::from_hex(&name.to_string_lossy()) else { continue };
            if let Some(m) = self.layer(&chain)? {
                out.push(m);
            }
        }
        Ok(out)
    }

    /// Delete a layer: it disappears at once (one rename into `tmp/`), then its files are removed.
    pub fn delete_layer(&self, _lock: &StoreLock, chain: &Digest) -> Result<()> {
        let trash = self.tmp_dir().join(format!("trash-{}", crate::digest::random_hex(8)));
        match std::fs::rename(self.layer_dir(chain), &trash) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(Error::io(format_args!("delete layer {chain}"), e)),
        }
        fsync_dir(&self.layers_dir())?;
        super::staging::remove_tree(&trash).ctx(format_args!("remove {}", trash.display()))
    }
}

/// `syncfs` the filesystem holding `dir`: one call makes a whole unpacked layer durable, where an
/// fsync per file would cost thousands of flushes.
fn sync_filesystem(dir: &Path) -> Result<()> {
    let f = std::fs::File::open(dir).ctx(format_args!("open {}", dir.display()))?;
    rustix::fs::syncfs(&f).ctx(format_args!("syncfs {}", dir.display()))
}
