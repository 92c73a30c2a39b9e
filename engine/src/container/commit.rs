//! `commit`: the container's changes (its overlay upper directory, whiteouts turned back into
//! `.wh.` entries) become a new layer on top of its image, with its config.

use crate::archive::{self, ApplyOptions, WriteOptions};
use crate::digest::Digest;
use crate::error::{Error, IoContext, Result};
use crate::runtime::cgroups::Cgroup;
use crate::safefs::RootDir;
use crate::store::{ImageMeta, Reference, Store};
use crate::types::{rfc3339_nanos, CommitOptions, History, ImageConfig, RunConfig};
use std::path::Path;

pub fn commit(store: &Store, name: &str, opts: &CommitOptions) -> Result<Digest> {
    let c = super::load(store, name)?;
    let reference = opts.reference.as_deref().filter(|r| !r.is_empty()).map(Reference::parse_tagged).transpose()?;
    if reference.as_ref().is_some_and(|r| r.digest().is_some()) {
        return Err(Error::invalid("cannot commit to a digest reference"));
    }
    let parent = store.image(&c.image)?.ok_or_else(|| crate::image::resolve::no_such_image(c.image.as_str()))?;
    let mut config = RunConfig::from(match &opts.config {
        Some(extra) => super::create::merge_config(extra, &c.config),
        None => c.config.clone(),
    });
    config = crate::image::changes::apply(config, &opts.changes)?;
    config.image = String::new();

    let freeze = opts.pause && c.is_running() && !c.is_paused();
    let cgroup = if freeze { Some(Cgroup::open(&c.id)?) } else { None };
    if let Some(cg) = &cgroup {
        cg.freeze()?;
    }
    let staging = store.staging()?;
    let layer_dir = staging.path().join("layer");
    std::fs::create_dir(&layer_dir).ctx("create layer staging")?;
    let applied = diff_layer(&c.dir.join("upper"), &layer_dir);
    if let Some(cg) = &cgroup {
        cg.thaw()?;
    }
    let applied = applied?;

    let now = rfc3339_nanos(std::time::SystemTime::now());
    let mut created_by = c.path.clone();
    for a in &c.args {
        created_by.push(' ');
        created_by.push_str(a);
    }
    let mut history = parent.config.history.clone();
    history.push(History {
        created: Some(now.clone()),
        created_by: Some(created_by),
        author: Some(opts.author.clone()).filter(|a| !a.is_empty()),
        comment: Some(opts.comment.clone()).filter(|a| !a.is_empty()),
        empty_layer: false,
    });
    let mut rootfs = parent.config.rootfs.clone();
    rootfs.diff_ids.push(applied.diff_id.clone());
    let image = ImageConfig {
        architecture: parent.config.architecture.clone(),
        variant: parent.config.variant.clone(),
        os: parent.config.os.clone(),
        author: Some(opts.author.clone()).filter(|a| !a.is_empty()),
        comment: Some(opts.comment.clone()).filter(|a| !a.is_empty()),
        config,
        container: Some(c.id.clone()),
        container_config: Some(c.config.clone().into()),
        created: Some(now),
        docker_version: Some(crate::system::DOCKER_VERSION.into()),
        history,
        rootfs,
        ..Default::default()
    };
    let raw = serde_json::to_vec(&image).expect("image config");
    let lock = store.lock()?;
    let top = c.layers.last().cloned();
    store.commit_layer(&lock, &layer_dir, top.as_ref(), &applied.diff_id, applied.tar_size, applied.unpacked_size)?;
    let id = store.commit_image(
        &lock,
        &raw,
        &ImageMeta { parent: Some(c.image.clone()), built_here: true, last_tag_time: None },
    )?;
    if let Some(r) = reference {
        crate::image::remove::set_tag(store, &lock, &r, &id)?;
    }
    Ok(id)
}

/// Tar an overlay upper directory (as a layer) straight into a new staged layer.
pub fn diff_layer(upper: &Path, layer_dir: &Path) -> Result<archive::AppliedLayer> {
    let root = RootDir::open(upper)?;
    let (reader, mut writer) = std::io::pipe().ctx("pipe")?;
    std::thread::scope(|s| {
        let producer = s.spawn(move || {
            let r = archive::write_tree(
                &root,
                Path::new(""),
                &mut writer,
                &WriteOptions { whiteouts: true, ..Default::default() },
            );
            drop(writer);
            r
        });
        let applied = archive::apply_layer(reader, layer_dir, &ApplyOptions::default());
        let produced = producer.join().map_err(|_| Error::internal("tar thread panicked"))?;
        produced?;
        applied
    })
}
