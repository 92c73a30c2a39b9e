//! `import`: a root filesystem tar (plain, gzip, bzip2, xz, zstd) becomes a one-layer image.

use super::changes;
use super::progress::ProgressReader;
use super::remove::set_tag;
use crate::archive;
use crate::digest::Digest;
use crate::error::{Error, IoContext, Result};
use crate::store::{ImageMeta, Reference, Store};
use crate::stream::Sink;
use crate::types::{rfc3339_nanos, History, ImageConfig, ImageImportOptions, RootFs, RunConfig};
use std::io::Read;

pub fn import(
    store: &Store,
    input: &mut dyn Read,
    size_hint: Option<u64>,
    opts: &ImageImportOptions,
    sink: &mut dyn Sink,
) -> Result<Digest> {
    // Everything the caller got wrong is refused before a byte is read.
    let reference = match opts.reference.as_deref().filter(|r| !r.is_empty()) {
        Some(r) => {
            let r = Reference::parse_tagged(r)?;
            if r.digest().is_some() {
                return Err(Error::invalid(format!("cannot import into a digest reference: {}", r.familiar())));
            }
            Some(r)
        }
        None => None,
    };
    let config = changes::apply(RunConfig::default(), &opts.changes)?;
    let (os, architecture) = super::platform(opts.platform.as_deref())?;

    let staging = store.staging()?;
    let layer_dir = staging.path().join("layer");
    std::fs::create_dir(&layer_dir).ctx("create layer staging")?;
    let mut reader = ProgressReader::new(input, "Importing", size_hint, sink);
    let applied = archive::apply_layer(&mut reader, &layer_dir, &archive::ApplyOptions::default())
        .map_err(|e| e.context("import"))?;
    reader.finish()?;

    // Dated by its content (the newest file in the tar), not by the clock: importing the same
    // tar with the same options always gives the same image id, and concurrent imports agree.
    let created = std::time::UNIX_EPOCH + std::time::Duration::from_secs(applied.newest_mtime.max(0) as u64);
    let created = rfc3339_nanos(created);
    let image = ImageConfig {
        architecture,
        os,
        created: Some(created.clone()),
        config,
        history: vec![History {
            created: Some(created),
            comment: Some(opts.message.clone().unwrap_or_else(|| "Imported from -".into())),
            ..Default::default()
        }],
        rootfs: RootFs { kind: "layers".into(), diff_ids: vec![applied.diff_id.clone()] },
        ..Default::default()
    };
    let raw = serde_json::to_vec(&image).expect("image config serialises");

    let lock = store.lock()?;
    store.commit_layer(&lock, &layer_dir, None, &applied.diff_id, applied.tar_size, applied.unpacked_size)?;
    let id = store.commit_image(&lock, &raw, &ImageMeta::default())?;
    if let Some(r) = reference {
        set_tag(store, &lock, &r, &id)?;
    }
    Ok(id)
}
