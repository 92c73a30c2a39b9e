//! Image configs, addressed by the sha256 of their exact bytes: `images/<id-hex>/config.json`,
//! plus `meta.json` for what only this store knows (parent, whether it was built here).

use super::{Store, StoreLock};
use crate::digest::Digest;
use crate::error::{Error, IoContext, Result};
use crate::safefs::{fsync_dir, write_atomic};
use crate::types::ImageConfig;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// Local facts about an image that are not part of its content.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct ImageMeta {
    /// The image this one was built or committed on (Docker's local `parent`).
    pub parent: Option<Digest>,
    /// Built or committed by this engine: only such images may serve as build cache
    /// (a loaded or imported image never does: CVE-2024-24557).
    pub built_here: bool,
    pub last_tag_time: Option<String>,
}

/// A verified image: its id is the sha256 of `raw`.
#[derive(Clone, Debug)]
pub struct Image {
    pub id: Digest,
    pub raw: Vec<u8>,
    pub config: ImageConfig,
    pub meta: ImageMeta,
}

impl Store {
    fn image_dir(&self, id: &Digest) -> PathBuf {
        self.images_dir().join(id.hex())
    }

    /// Read and verify an image; `None` if absent.
    pub fn image(&self, id: &Digest) -> Result<Option<Image>> {
        let dir = self.image_dir(id);
        let raw = match std::fs::read(dir.join("config.json")) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(Error::io(format_args!("read image {id}"), e)),
        };
        if Digest::of(&raw) != *id {
            return Err(Error::corrupt(format!("image {id} failed verification: its config does not hash to its id")));
        }
        let config = ImageConfig::parse(&raw).map_err(|e| Error::corrupt(format!("image {id}: {}", e.message())))?;
        let meta = match std::fs::read(dir.join("meta.json")) {
            Ok(b) => {
                serde_json::from_slice(&b).map_err(|e| Error::corrupt(format!("image {id}: bad meta.json: {e}")))?
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => ImageMeta::default(),
            Err(e) => return Err(Error::io(format_args!("read image {id}"), e)),
        };
        Ok(Some(Image { id: id.clone(), raw, config, meta }))
    }

    /// Ids of all images present.
    pub fn image_ids(&self) -> Result<Vec<Digest>> {
        let mut out = Vec::new();
        for e in std::fs::read_dir(self.images_dir()).ctx("read images")?.flatten() {
            if let Ok(d) = Digest::from_hex(&e.file_name().to_string_lossy()) {
                out.push(d);
            }
        }
        out.sort();
        Ok(out)
    }

    /// Publish an image config (its layers must already be committed). Idempotent: an existing
    /// image with the same id is kept as it is.
    pub fn commit_image(&self, _lock: &StoreLock, raw: &[u8], meta: &ImageMeta) -> Result<Digest> {
        let id = Digest::of(raw);
        if self.image_dir(&id).join("config.json").exists() {
            return Ok(id);
        }
        let staging = self.staging()?;
        let dir = staging.path().join("image");
        std::fs::create_dir(&dir).ctx("create image staging")?;
        write_atomic(&dir.join("config.json"), raw)?;
        write_atomic(&dir.join("meta.json"), &serde_json::to_vec_pretty(meta).expect("meta json"))?;
        std::fs::rename(&dir, self.image_dir(&id)).ctx(format_args!("publish image {id}"))?;
        fsync_dir(&self.images_dir())?;
        Ok(id)
    }

    pub fn set_image_meta(&self, _lock: &StoreLock, id: &Digest, meta: &ImageMeta) -> Result<()> {
        write_atomic(&self.image_dir(id).join("meta.json"), &serde_json::to_vec_pretty(meta).expect("meta json"))
    }

    /// Remove an image record (its layers are collected separately).
    pub fn delete_image(&self, _lock: &StoreLock, id: &Digest) -> Result<()> {
        let trash = self.tmp_dir().join(format!("trash-{}", crate::digest::random_hex(8)));
        match std::fs::rename(self.image_dir(id), &trash) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(Error::io(format_args!("delete image {id}"), e)),
        }
        fsync_dir(&self.images_dir())?;
        super::staging::remove_tree(&trash).ctx("remove image")
    }
}
