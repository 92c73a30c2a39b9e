//! `save`: the archive layout of Docker ≥ 25 — `manifest.json` + `repositories` (what `docker
//! load` reads) and `index.json` + `oci-layout` + `blobs/sha256/…` (what the containerd store and
//! skopeo's `oci-archive:` read) — streamed, each layer rebuilt byte for byte from its tar-split
//! and checked against its diff id on the way.

use super::resolve::{no_such_image, resolve_id, Matched};
use crate::archive::tar::{self, Header, Kind, Time};
use crate::digest::Digest;
use crate::error::{Error, IoContext, Result};
use crate::store::{Image, Reference, Store};
use crate::stream::{Cancel, CancelWriter};
use serde_json::json;
use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
const OCI_CONFIG: &str = "application/vnd.oci.image.config.v1+json";
const OCI_LAYER: &str = "application/vnd.oci.image.layer.v1.tar";
const OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";

/// What one saved image carries.
struct Saved {
    image: Image,
    tags: Vec<Reference>,
}

/// Resolve every name first: nothing is written unless all exist.
fn collect(store: &Store, names: &[String]) -> Result<Vec<Saved>> {
    if names.is_empty() {
        return Err(Error::invalid("no images specified to save"));
    }
    let refs = store.refs()?;
    let mut out: Vec<Saved> = Vec::new();
    for name in names {
        // A repository name alone saves all of its tags (as docker save does).
        let name_only = Reference::parse_normalized(name)
            .ok()
            .filter(|r| r.tag().is_none() && r.digest().is_none() && !crate::digest::is_hex64(name));
        let mut found: Vec<(Digest, Option<Reference>)> = Vec::new();
        if let Some(r) = &name_only {
            for (k, v) in &refs.refs {
                if let Ok(kr) = Reference::parse(k) {
                    if kr.name() == r.name() && kr.tag().is_some() {
                        found.push((v.clone(), Some(kr)));
                    }
                }
            }
        }
        if found.is_empty() {
            let (id, m) = resolve_id(store, &refs, name)?;
            found.push((id, if let Matched::Reference(r) = m { Some(r) } else { None }));
        }
        for (id, tag) in found {
            let pos = match out.iter().position(|s| s.image.id == id) {
                Some(p) => p,
                None => {
                    let image = store.image(&id)?.ok_or_else(|| no_such_image(name))?;
                    out.push(Saved { image, tags: vec![] });
                    out.len() - 1
                }
            };
            if let Some(t) = tag {
                if !out[pos].tags.contains(&t) {
                    out[pos].tags.push(t);
                }
            }
        }
    }
    Ok(out)
}

enum Blob {
    Bytes(Vec<u8>),
    Layer { dir: std::path::PathBuf, diff_id: Digest, size: u64 },
}

pub fn save(store: &Store, names: &[String], out: &mut dyn Write) -> Result<()> {
    let images = collect(store, names)?;
    // blobs/sha256/<hex> → content, sorted by name (the order Docker's directory walk gives).
    let mut blobs: BTreeMap<String, (Blob, i64)> = BTreeMap::new();
    let mut manifest_json = Vec::new();
    let mut index = Vec::new();
    let mut repositories: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    for s in &images {
        let img = &s.image;
        let mtime = crate::types::unix_seconds(img.config.created.as_deref());
        let layers = store.layer_stack(&img.config.rootfs.diff_ids)?;
        let mut descriptors = Vec::new();
        for l in &layers {
            descriptors.push(json!({"mediaType": OCI_LAYER, "digest": l.diff_id, "size": l.tar_size}));
            blobs.entry(l.diff_id.hex().to_string()).or_insert((
                Blob::Layer { dir: store.layer_dir(&l.chain_id), diff_id: l.diff_id.clone(), size: l.tar_size },
                mtime,
            ));
        }
        blobs.entry(img.id.hex().to_string()).or_insert((Blob::Bytes(img.raw.clone()), mtime));
        let manifest = serde_json::to_vec(&json!({
            "schemaVersion": 2,
            "mediaType": OCI_MANIFEST,
            "config": {"mediaType": OCI_CONFIG, "digest": img.id, "size": img.raw.len()},
            "layers": descriptors,
        }))
        .expect("manifest json");
        let manifest_digest = Digest::of(&manifest);
        let manifest_size = manifest.len();
        blobs.entry(manifest_digest.hex().to_string()).or_insert((Blob::Bytes(manifest), mtime));
        if s.tags.is_empty() {
            index.push(json!({"mediaType": OCI_MANIFEST, "digest": manifest_digest, "size": manifest_size}));
        }
        for t in &s.tags {
            index.push(json!({
                "mediaType": OCI_MANIFEST,
                "digest": manifest_digest,
                "size": manifest_size,
                "annotations": {
                    "io.containerd.image.name": t.to_string(),
                    "org.opencontainers.image.ref.name": t.tag().unwrap_or("latest"),
                },
            }));
            if let Some(top) = layers.last() {
                repositories
                    .entry(t.familiar_name())
                    .or_default()
                    .insert(t.tag().unwrap_or("latest").to_string(), top.diff_id.hex().to_string());
            }
        }
        let tags: Vec<String> = s.tags.iter().map(|t| t.familiar()).collect();
        manifest_json.push(json!({
            "Config": format!("blobs/sha256/{}", img.id.hex()),
            "RepoTags": if tags.is_empty() { serde_json::Value::Null } else { json!(tags) },
            "Layers": layers.iter().map(|l| format!("blobs/sha256/{}", l.diff_id.hex())).collect::<Vec<_>>(),
        }));
    }

    let mut w = out;
    let dir =
        |path: &str| Header { path: path.as_bytes().to_vec(), kind: Kind::Dir, mode: 0o755, ..Default::default() };
    write_entry(&mut w, &dir("blobs/"), None)?;
    write_entry(&mut w, &dir("blobs/sha256/"), None)?;
    for (hex, (blob, mtime)) in &blobs {
        let path = format!("blobs/sha256/{hex}");
        let mut h = Header {
            path: path.into_bytes(),
            kind: Kind::Regular,
            mode: 0o644,
            mtime: Time { secs: *mtime, nanos: 0 },
            ..Default::default()
        };
        match blob {
            Blob::Bytes(b) => {
                h.size = b.len() as u64;
                write_entry(&mut w, &h, Some(b))?;
            }
            Blob::Layer { dir, diff_id, size } => {
                h.size = *size;
                w.write_all(&tar::encode(&h)?).ctx("write archive")?;
                let n = crate::archive::reassemble_verified(dir, diff_id, &mut w)?;
                if n != *size {
                    return Err(Error::corrupt(format!("layer {diff_id} is {n} bytes, expected {size}")));
                }
                w.write_all(&[0u8; tar::BLOCK][..tar::pad(*size)]).ctx("write archive")?;
            }
        }
    }
    let file = |name: &str, body: Vec<u8>| (name.to_string(), body);
    let mut files = vec![
        file(
            "index.json",
            serde_json::to_vec(&json!({"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": index})).expect("json"),
        ),
        file("manifest.json", serde_json::to_vec(&manifest_json).expect("json")),
        file("oci-layout", br#"{"imageLayoutVersion":"1.0.0"}"#.to_vec()),
    ];
    if !repositories.is_empty() {
        files.push(file("repositories", serde_json::to_vec(&repositories).expect("json")));
    }
    for (name, body) in files {
        let h = Header {
            path: name.into_bytes(),
            kind: Kind::Regular,
            mode: 0o644,
            size: body.len() as u64,
            ..Default::default()
        };
        write_entry(&mut w, &h, Some(&body))?;
    }
    w.write_all(&[0u8; 2 * tar::BLOCK]).ctx("write archive")?;
    w.flush().ctx("write archive")
}

fn write_entry(w: &mut dyn Write, h: &Header, body: Option<&[u8]>) -> Result<()> {
    w.write_all(&tar::encode(h)?).ctx("write archive")?;
    if let Some(b) = body {
        w.write_all(b).ctx("write archive")?;
        w.write_all(&[0u8; tar::BLOCK][..tar::pad(b.len() as u64)]).ctx("write archive")?;
    }
    Ok(())
}

/// Save into `path` (mode 0600, as `docker save -o`) atomically: a failed or cancelled save leaves
/// no file (nor a previous one changed).
pub fn save_file(store: &Store, names: &[String], path: &Path, cancel: Option<&Cancel>) -> Result<()> {
    collect(store, names)?;
    crate::safefs::write_output_file(path, 0o600, |w| save(store, names, &mut CancelWriter::new(w, cancel)))
}
