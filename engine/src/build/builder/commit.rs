//! Publishing a step's result: a child image of the current one, with the step's config, its
//! layer (if it changed files) and a history entry as Docker's classic builder writes it.

use super::fs::StagedLayer;
use crate::digest::Digest;
use crate::error::Result;
use crate::store::{Image, ImageMeta, Store};
use crate::types::{rfc3339_nanos, History, ImageConfig, RootFs, RunConfig};

/// The platform an image is for (`os`, `architecture`, `variant`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Platform {
    pub os: String,
    pub architecture: String,
    pub variant: Option<String>,
}

impl Platform {
    pub fn host() -> Platform {
        Platform { os: "linux".into(), architecture: crate::image::host_arch().into(), variant: None }
    }

    pub fn of(image: &Image) -> Platform {
        Platform {
            os: image.config.os.clone(),
            architecture: image.config.architecture.clone(),
            variant: image.config.variant.clone(),
        }
    }
}

/// A step to publish.
pub struct Step<'a> {
    pub parent: Option<&'a Image>,
    pub platform: &'a Platform,
    /// The image's config after the step.
    pub config: RunConfig,
    /// The config the step ran with (`Cmd` = what `created_by` shows), Docker's `container_config`.
    pub container_config: RunConfig,
    pub created_by: String,
    /// `MAINTAINER`.
    pub author: Option<String>,
    /// The intermediate container (`RUN`).
    pub container: Option<String>,
    pub layer: Option<StagedLayer>,
}

pub fn commit(store: &Store, step: Step<'_>) -> Result<Image> {
    let now = rfc3339_nanos(std::time::SystemTime::now());
    let mut history = step.parent.map(|p| p.config.history.clone()).unwrap_or_default();
    history.push(History {
        created: Some(now.clone()),
        created_by: Some(step.created_by),
        author: step.author.clone(),
        comment: None,
        empty_layer: step.layer.is_none(),
    });
    let mut rootfs = step.parent.map(|p| p.config.rootfs.clone()).unwrap_or_default();
    rootfs.kind = "layers".into();
    let parent_chain = Digest::chain_ids(&rootfs.diff_ids).pop();
    if let Some(l) = &step.layer {
        rootfs.diff_ids.push(l.applied.diff_id.clone());
    }
    let image = ImageConfig {
        architecture: step.platform.architecture.clone(),
        variant: step.platform.variant.clone(),
        os: step.platform.os.clone(),
        author: step.author,
        config: step.config,
        container: step.container,
        container_config: Some(step.container_config),
        created: Some(now),
        docker_version: Some(crate::system::DOCKER_VERSION.into()),
        history,
        rootfs: RootFs { kind: rootfs.kind, diff_ids: rootfs.diff_ids },
        ..Default::default()
    };
    let raw = serde_json::to_vec(&image).expect("image config serialises");
    let meta = ImageMeta { parent: step.parent.map(|p| p.id.clone()), built_here: true, last_tag_time: None };
    let lock = store.lock()?;
    if let Some(l) = &step.layer {
        let a = &l.applied;
        store.commit_layer(&lock, &l.dir(), parent_chain.as_ref(), &a.diff_id, a.tar_size, a.unpacked_size)?;
    }
    let id = store.commit_image(&lock, &raw, &meta)?;
    drop(lock);
    Ok(Image { id, raw, config: image, meta })
}
