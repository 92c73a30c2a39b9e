//! `load`: `docker save` archives (Docker ≥ 25 and the older `<id>/layer.tar` layout, both read
//! through `manifest.json`) and OCI image layouts (`index.json`, e.g. from `skopeo copy …
//! oci-archive:`), any compression, streamed in one pass with bounded memory.
//!
//! Every member that is not JSON is unpacked as a layer candidate while it streams by (hashing
//! it on the way); JSON members (at most [`MAX_JSON`] bytes each) are kept in memory. Then the
//! manifest decides which candidates are which layers; each diff id is checked against the
//! config, each blob against its name. Only when everything checks out is anything published.

use super::remove::set_tag;
use crate::archive::{self, tar, ApplyOptions};
use crate::digest::Digest;
use crate::error::{Error, IoContext, Result};
use crate::store::{ImageMeta, Reference, Store, StoreLock};
use crate::stream::{self, Sink};
use crate::types::{ImageConfig, ImageLoadResult, JsonMessage};
use serde::Deserialize;
use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};

/// Largest JSON member accepted (a manifest of gigabytes is an attack, not an image).
pub const MAX_JSON: u64 = 32 << 20;

enum Member {
    Json(Vec<u8>),
    Layer {
        dir: PathBuf,
        applied: archive::AppliedLayer,
    },
    /// Not JSON and not a valid layer: the reason, should the manifest name it as a layer.
    Bad(String),
    Alias(PathBuf),
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ManifestItem {
    config: String,
    #[serde(default)]
    repo_tags: Option<Vec<String>>,
    #[serde(default)]
    layers: Vec<String>,
    #[serde(default)]
    parent: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Descriptor {
    #[serde(default)]
    media_type: String,
    digest: String,
    #[serde(default)]
    annotations: HashMap<String, String>,
    #[serde(default)]
    platform: Option<Platform>,
}

#[derive(Deserialize)]
struct Platform {
    #[serde(default)]
    architecture: String,
    #[serde(default)]
    os: String,
}

#[derive(Deserialize)]
struct OciIndex {
    #[serde(default)]
    manifests: Vec<Descriptor>,
}

#[derive(Deserialize)]
struct OciManifest {
    config: Descriptor,
    #[serde(default)]
    layers: Vec<Descriptor>,
}

/// One image to publish: config bytes, the members holding its layers, its tags.
struct Plan {
    raw: Vec<u8>,
    config: ImageConfig,
    layers: Vec<PathBuf>,
    tags: Vec<Reference>,
    parent: Option<Digest>,
}

pub fn load(store: &Store, input: &mut dyn Read, sink: &mut dyn Sink) -> Result<ImageLoadResult> {
    let staging = store.staging()?;
    let (_, input) = archive::compress::decompress(input)?;
    let mut reader = tar::Reader::new(input);
    let mut members: HashMap<PathBuf, Member> = HashMap::new();
    let mut n = 0usize;
    while let Some(e) = reader.next_entry()? {
        let name = crate::safefs::clean_path(e.header.path(), false)
            .map_err(|_| Error::invalid(format!("invalid archive member name {:?}", e.header.path())))?;
        match e.header.kind {
            tar::Kind::Dir | tar::Kind::GlobalPax => continue,
            tar::Kind::Symlink => {
                // Older `docker save` links duplicate layers: `<id>/layer.tar -> ../<other>/layer.tar`.
                let base = name.parent().unwrap_or(Path::new(""));
                let target = crate::safefs::clean_path(&base.join(e.header.link()), false)
                    .map_err(|_| Error::invalid(format!("archive link {name:?} points outside the archive")))?;
                members.insert(name, Member::Alias(target));
                continue;
            }
            tar::Kind::Link => {
                let target = crate::safefs::clean_path(e.header.link(), false)
                    .map_err(|_| Error::invalid(format!("archive link {name:?} points outside the archive")))?;
                members.insert(name, Member::Alias(target));
                continue;
            }
            tar::Kind::Regular => {}
            _ => continue,
        }
        let size = e.header.size;
        let mut payload = reader.payload_reader();
        let mut head = Vec::with_capacity(512);
        (&mut payload).take(512).read_to_end(&mut head).ctx(format_args!("read {}", name.display()))?;
        let first = head.iter().find(|b| !b.is_ascii_whitespace()).copied();
        let member = if matches!(first, Some(b'{') | Some(b'[')) || size == 0 {
            if size > MAX_JSON {
                return Err(Error::invalid(format!(
                    "{} is too large ({size} bytes; the limit is {MAX_JSON})",
                    name.display()
                )));
            }
            let mut body = head;
            payload.read_to_end(&mut body).ctx(format_args!("read {}", name.display()))?;
            Member::Json(body)
        } else {
            n += 1;
            let dir = staging.path().join(format!("layer{n}"));
            std::fs::create_dir(&dir).ctx("create layer staging")?;
            let mut reader = super::progress::ProgressReader::new(
                std::io::Cursor::new(head).chain(&mut payload),
                "Loading layer",
                Some(size),
                &mut *sink,
            )
            .with_id(short_name(&name));
            let applied = archive::apply_layer(&mut reader, &dir, &ApplyOptions { blob_digest: true })
                .and_then(|a| reader.finish().map(|()| a));
            match applied {
                Ok(applied) => Member::Layer { dir, applied },
                // The caller stopped us: the staging directory goes with everything in it.
                Err(err) if err.kind() == crate::ErrorKind::Canceled => return Err(err),
                Err(err) => {
                    let _ = crate::store::remove_tree(&dir);
                    // The rest of this member is skipped by the reader; only an error if it is used.
                    Member::Bad(err.message().to_string())
                }
            }
        };
        members.insert(name, member);
    }
    verify_blob_names(&members)?;
    let plans = if members.contains_key(Path::new("manifest.json")) {
        docker_plans(&members)?
    } else if members.contains_key(Path::new("index.json")) {
        oci_plans(&members)?
    } else {
        return Err(Error::invalid(
            "invalid archive: it has neither manifest.json (docker save) nor index.json (OCI layout)",
        ));
    };
    stream::check(sink)?;
    publish(store, &mut members, plans, sink)
}

fn short_name(p: &Path) -> String {
    let s = p.to_string_lossy();
    let hex = s.rsplit('/').find(|c| c.len() >= 12 && c.bytes().all(|b| b.is_ascii_hexdigit())).unwrap_or(&s);
    hex.chars().take(12).collect()
}

/// Follow archive links (bounded: a loop of links is an error).
fn get<'a>(members: &'a HashMap<PathBuf, Member>, name: &Path) -> Result<&'a Member> {
    let mut cur = name.to_path_buf();
    for _ in 0..16 {
        match members.get(&cur) {
            Some(Member::Alias(t)) => cur = t.clone(),
            Some(m) => return Ok(m),
            None => {
                return Err(Error::invalid(format!(
                    "the manifest names {}, which is missing from the archive",
                    name.display()
                )))
            }
        }
    }
    Err(Error::invalid(format!("too many links resolving {}", name.display())))
}

fn resolve_member(members: &HashMap<PathBuf, Member>, name: &Path) -> PathBuf {
    let mut cur = name.to_path_buf();
    for _ in 0..16 {
        match members.get(&cur) {
            Some(Member::Alias(t)) => cur = t.clone(),
            _ => break,
        }
    }
    cur
}

fn json_member<'a>(members: &'a HashMap<PathBuf, Member>, name: &Path) -> Result<&'a [u8]> {
    match get(members, name)? {
        Member::Json(b) => Ok(b),
        _ => Err(Error::invalid(format!("{} is not a JSON document", name.display()))),
    }
}

/// A manifest path: relative, inside the archive (`../x` and `/x` are refused).
fn manifest_path(p: &str) -> Result<PathBuf> {
    if p.starts_with('/') {
        return Err(Error::invalid(format!("invalid path in manifest: {p:?} is absolute")));
    }
    crate::safefs::clean_path(Path::new(p), false)
        .map_err(|_| Error::invalid(format!("invalid path in manifest: {p:?} points outside the archive")))
}

/// `blobs/sha256/<hex>` must hash to `<hex>`.
fn verify_blob_names(members: &HashMap<PathBuf, Member>) -> Result<()> {
    for (name, m) in members {
        let Ok(rest) = name.strip_prefix("blobs/sha256") else { continue };
        let hex = rest.to_string_lossy();
        if !crate::digest::is_hex64(&hex) {
            continue;
        }
        let actual = match m {
            Member::Json(b) => Some(Digest::of(b)),
            Member::Layer { applied, .. } => applied.blob_digest.clone(),
            _ => None,
        };
        if let Some(d) = actual {
            if d.hex() != hex {
                return Err(Error::invalid(format!("blob sha256:{hex} does not match its content (it hashes to {d})")));
            }
        }
    }
    Ok(())
}

fn parse_config(raw: &[u8], what: &str) -> Result<ImageConfig> {
    let config = ImageConfig::parse(raw).map_err(|e| Error::invalid(format!("{what}: {}", e.message())))?;
    if !config.os.is_empty() && config.os != "linux" {
        return Err(Error::invalid(format!("image {what} is for {}, not linux", config.os)));
    }
    Ok(config)
}

fn check_layer(members: &HashMap<PathBuf, Member>, layer: &Path, i: usize, expected: &Digest) -> Result<()> {
    match get(members, layer)? {
        Member::Layer { applied, .. } if applied.diff_id == *expected => Ok(()),
        Member::Layer { applied, .. } => Err(Error::invalid(format!(
            "invalid diffID for layer {i}: expected {expected:?}, got {:?}",
            applied.diff_id
        ))),
        Member::Bad(why) => Err(Error::invalid(format!("layer {i} ({}): {why}", layer.display()))),
        _ => Err(Error::invalid(format!("layer {i} ({}) is not a tar archive", layer.display()))),
    }
}

fn docker_plans(members: &HashMap<PathBuf, Member>) -> Result<Vec<Plan>> {
    let items: Vec<ManifestItem> = serde_json::from_slice(json_member(members, Path::new("manifest.json"))?)
        .map_err(|e| Error::invalid(format!("invalid manifest.json: {e}")))?;
    let mut plans = Vec::new();
    for item in items {
        // Every path is checked before any is used.
        let cfg_path = manifest_path(&item.config)?;
        let layer_paths: Vec<PathBuf> = item.layers.iter().map(|l| manifest_path(l)).collect::<Result<_>>()?;
        let raw = json_member(members, &cfg_path)?.to_vec();
        let config = parse_config(&raw, &item.config)?;
        if item.layers.len() != config.rootfs.diff_ids.len() {
            return Err(Error::invalid(format!(
                "invalid manifest, layers length mismatch: expected {}, got {}",
                config.rootfs.diff_ids.len(),
                item.layers.len()
            )));
        }
        let mut layers = Vec::new();
        for (i, (p, d)) in layer_paths.iter().zip(&config.rootfs.diff_ids).enumerate() {
            check_layer(members, p, i, d)?;
            layers.push(resolve_member(members, p));
        }
        let mut tags = Vec::new();
        for t in item.repo_tags.unwrap_or_default() {
            let r = Reference::parse_normalized(&t)?;
            if r.tag().is_none() {
                return Err(Error::invalid(format!("invalid tag {t:?}: expected name:tag")));
            }
            tags.push(r);
        }
        let parent = item.parent.as_deref().and_then(|p| Digest::parse(p).ok());
        plans.push(Plan { raw, config, layers, tags, parent });
    }
    Ok(plans)
}

fn blob_path(digest: &str) -> Result<PathBuf> {
    let d = Digest::parse(digest)?;
    Ok(PathBuf::from(format!("blobs/sha256/{}", d.hex())))
}

fn oci_plans(members: &HashMap<PathBuf, Member>) -> Result<Vec<Plan>> {
    let index: OciIndex = serde_json::from_slice(json_member(members, Path::new("index.json"))?)
        .map_err(|e| Error::invalid(format!("invalid index.json: {e}")))?;
    let mut plans = Vec::new();
    for desc in &index.manifests {
        let mut desc_ref = desc;
        let nested;
        if desc.media_type.contains("index") || desc.media_type.contains("manifest.list") {
            // A multi-platform index: take this host's platform.
            nested = serde_json::from_slice::<OciIndex>(json_member(members, &blob_path(&desc.digest)?)?)
                .map_err(|e| Error::invalid(format!("invalid image index {}: {e}", desc.digest)))?;
            desc_ref = nested
                .manifests
                .iter()
                .find(|m| m.platform.as_ref().is_some_and(|p| p.os == "linux" && p.architecture == super::host_arch()))
                .ok_or_else(|| {
                    Error::invalid(format!("image index {} has no linux/{} image", desc.digest, super::host_arch()))
                })?;
            let manifest = load_manifest(members, desc_ref)?;
            plans.push(plan_from_manifest(members, manifest, &desc.annotations)?);
            continue;
        }
        let manifest = load_manifest(members, desc_ref)?;
        plans.push(plan_from_manifest(members, manifest, &desc.annotations)?);
    }
    Ok(plans)
}

fn load_manifest(members: &HashMap<PathBuf, Member>, d: &Descriptor) -> Result<OciManifest> {
    serde_json::from_slice(json_member(members, &blob_path(&d.digest)?)?)
        .map_err(|e| Error::invalid(format!("invalid manifest {}: {e}", d.digest)))
}

fn plan_from_manifest(
    members: &HashMap<PathBuf, Member>,
    m: OciManifest,
    annotations: &HashMap<String, String>,
) -> Result<Plan> {
    let raw = json_member(members, &blob_path(&m.config.digest)?)?.to_vec();
    let config = parse_config(&raw, &m.config.digest)?;
    if m.layers.len() != config.rootfs.diff_ids.len() {
        return Err(Error::invalid(format!(
            "invalid manifest, layers length mismatch: expected {}, got {}",
            config.rootfs.diff_ids.len(),
            m.layers.len()
        )));
    }
    let mut layers = Vec::new();
    for (i, (l, d)) in m.layers.iter().zip(&config.rootfs.diff_ids).enumerate() {
        let p = blob_path(&l.digest)?;
        check_layer(members, &p, i, d)?;
        layers.push(p);
    }
    // The full name, else a ref.name that is itself a full reference (a bare tag names nothing).
    let tag = annotations
        .get("io.containerd.image.name")
        .or_else(|| annotations.get("org.opencontainers.image.ref.name").filter(|r| r.contains(':') || r.contains('/')))
        .and_then(|r| Reference::parse_normalized(r).ok())
        .filter(|r| r.tag().is_some());
    Ok(Plan { raw, config, layers, tags: tag.into_iter().collect(), parent: None })
}

/// Publish the plans under the writer lock.
fn publish(
    store: &Store,
    members: &mut HashMap<PathBuf, Member>,
    plans: Vec<Plan>,
    sink: &mut dyn Sink,
) -> Result<ImageLoadResult> {
    let lock = store.lock()?;
    let mut result = ImageLoadResult::default();
    for plan in plans {
        let mut parent: Option<Digest> = None;
        for (layer, diff_id) in plan.layers.iter().zip(&plan.config.rootfs.diff_ids) {
            let chain = Digest::chain(parent.as_ref(), diff_id);
            if store.layer(&chain)?.is_none() {
                publish_layer(store, &lock, members, layer, parent.as_ref(), diff_id)?;
            }
            parent = Some(chain);
        }
        let id = store.commit_image(
            &lock,
            &plan.raw,
            &ImageMeta { parent: plan.parent.clone(), built_here: false, last_tag_time: None },
        )?;
        if plan.tags.is_empty() {
            result.untagged_ids.push(id.to_string());
            // Past the point of no return: the image is in; a caller who stops now just stops listening.
            let _ = stream::message(sink, &JsonMessage::stream(format!("Loaded image ID: {id}\n")));
        }
        for t in &plan.tags {
            set_tag(store, &lock, t, &id)?;
            result.tags.push(t.familiar());
            let _ = stream::message(sink, &JsonMessage::stream(format!("Loaded image: {}\n", t.familiar())));
        }
    }
    Ok(result)
}

/// Commit the staged copy of a layer; if that copy was already used under another parent, make a
/// new one from the committed layer (same bytes, other chain id).
fn publish_layer(
    store: &Store,
    lock: &StoreLock,
    members: &mut HashMap<PathBuf, Member>,
    layer: &Path,
    parent: Option<&Digest>,
    diff_id: &Digest,
) -> Result<()> {
    let Some(Member::Layer { dir, applied }) = members.get(layer) else {
        return Err(Error::internal(format!("layer {} vanished", layer.display())));
    };
    if dir.exists() {
        store.commit_layer(lock, dir, parent, diff_id, applied.tar_size, applied.unpacked_size)?;
        return Ok(());
    }
    // Already moved into the store by an earlier image: copy it through its tar-split.
    let source = store
        .layers()?
        .into_iter()
        .find(|l| l.diff_id == *diff_id)
        .ok_or_else(|| Error::internal(format!("layer {diff_id} vanished")))?;
    let staging = store.staging()?;
    let copy = staging.path().join("layer");
    std::fs::create_dir(&copy).ctx("create layer staging")?;
    let src_dir = store.layer_dir(&source.chain_id);
    let (rd, mut wr) = std::io::pipe().ctx("pipe")?;
    let applied = std::thread::scope(|s| {
        let t = s.spawn(move || {
            let r = archive::reassemble(&src_dir, &mut wr);
            drop(wr);
            r
        });
        let a = archive::apply_layer(rd, &copy, &ApplyOptions::default());
        t.join().map_err(|_| Error::internal("copy thread panicked"))??;
        a
    })?;
    store.commit_layer(lock, &copy, parent, diff_id, applied.tar_size, applied.unpacked_size)?;
    Ok(())
}
