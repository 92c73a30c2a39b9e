//! Read-only image operations: list, inspect, history.

use super::resolve::{resolve, resolve_id};
use crate::digest::Digest;
use crate::error::{Error, Result};
use crate::store::refs::Refs;
use crate::store::{Image, Store};
use crate::types::{
    unix_seconds, GraphDriver, HistoryResponseItem, ImageInspect, ImageListOptions, ImageMetadata, ImageSummary,
    InspectRootFs,
};
use std::collections::{BTreeMap, HashSet};

/// Sum of the unpacked sizes of an image's layers (what `docker images` shows as SIZE).
pub fn image_size(store: &Store, img: &Image) -> Result<i64> {
    Ok(store.layer_stack(&img.config.rootfs.diff_ids)?.iter().map(|l| l.size as i64).sum())
}

fn all_images(store: &Store) -> Result<Vec<Image>> {
    let mut out = Vec::new();
    for id in store.image_ids()? {
        // An image deleted between the listing and the read is simply gone.
        if let Some(img) = store.image(&id)? {
            out.push(img);
        }
    }
    Ok(out)
}

pub fn list(store: &Store, opts: &ImageListOptions) -> Result<Vec<ImageSummary>> {
    let refs = store.refs()?;
    let images = all_images(store)?;
    let parents: HashSet<Digest> = images.iter().filter_map(|i| i.meta.parent.clone()).collect();
    let filter = Filter::new(store, &refs, &opts.filters)?;
    let mut out = Vec::new();
    for img in &images {
        let mut tags = refs.tags_of(&img.id);
        // With a reference filter, an image shows only the references that match (Docker's rows).
        if !filter.references.is_empty() {
            tags.retain(|t| filter.matches_reference(t));
            if tags.is_empty() {
                continue;
            }
        }
        // Intermediate images (untagged parents of others) only with --all, as Docker.
        if !opts.all && tags.is_empty() && parents.contains(&img.id) {
            continue;
        }
        if !filter.keep(img, &tags, &parents) {
            continue;
        }
        let size = image_size(store, img)?;
        out.push(ImageSummary {
            id: img.id.to_string(),
            parent_id: img.meta.parent.as_ref().map(|p| p.to_string()).unwrap_or_default(),
            repo_tags: tags.iter().filter(|t| t.tag().is_some()).map(|t| t.familiar()).collect(),
            repo_digests: tags.iter().filter(|t| t.digest().is_some()).map(|t| t.familiar()).collect(),
            created: unix_seconds(img.config.created.as_deref()),
            size,
            shared_size: -1,
            virtual_size: size,
            labels: img.config.config.labels.clone().unwrap_or_default(),
            containers: -1,
        });
    }
    out.sort_by(|a, b| b.created.cmp(&a.created).then_with(|| a.id.cmp(&b.id)));
    Ok(out)
}

/// Docker's image filters: `reference`, `dangling`, `label`, `before`, `since`.
struct Filter {
    references: Vec<String>,
    dangling: Option<bool>,
    labels: Vec<(String, Option<String>)>,
    before: Option<i64>,
    since: Option<i64>,
}

impl Filter {
    fn new(store: &Store, refs: &Refs, filters: &BTreeMap<String, Vec<String>>) -> Result<Filter> {
        let mut f = Filter { references: vec![], dangling: None, labels: vec![], before: None, since: None };
        let created_of = |name: &str| -> Result<i64> {
            let (id, _) = resolve_id(store, refs, name)?;
            let img = store.image(&id)?.ok_or_else(|| super::resolve::no_such_image(name))?;
            Ok(unix_seconds(img.config.created.as_deref()))
        };
        for (key, values) in filters {
            for v in values {
                match key.as_str() {
                    "reference" => f.references.push(v.clone()),
                    "dangling" => {
                        f.dangling = Some(match v.as_str() {
                            "true" | "1" => true,
                            "false" | "0" => false,
                            _ => return Err(Error::invalid(format!("invalid filter 'dangling={v}'"))),
                        })
                    }
                    "label" => f.labels.push(match v.split_once('=') {
                        Some((k, val)) => (k.to_string(), Some(val.to_string())),
                        None => (v.clone(), None),
                    }),
                    "before" => f.before = Some(created_of(v)?),
                    "since" => f.since = Some(created_of(v)?),
                    _ => return Err(Error::invalid(format!("invalid filter '{key}'"))),
                }
            }
        }
        Ok(f)
    }

    fn matches_reference(&self, t: &crate::store::Reference) -> bool {
        self.references.iter().any(|pat| {
            glob_match(pat, &t.familiar_name()) || glob_match(pat, &t.familiar()) || glob_match(pat, &t.to_string())
        })
    }

    fn keep(&self, img: &Image, tags: &[crate::store::Reference], parents: &HashSet<Digest>) -> bool {
        if let Some(d) = self.dangling {
            let is_dangling = tags.is_empty() && !parents.contains(&img.id);
            if d != is_dangling {
                return false;
            }
        }
        if !self.references.is_empty() && !tags.iter().any(|t| self.matches_reference(t)) {
            return false;
        }
        let labels = img.config.config.labels.as_ref();
        for (k, v) in &self.labels {
            match (labels.and_then(|l| l.get(k)), v) {
                (None, _) => return false,
                (Some(have), Some(want)) if have != want => return false,
                _ => {}
            }
        }
        let created = unix_seconds(img.config.created.as_deref());
        if self.before.is_some_and(|b| created >= b) || self.since.is_some_and(|s| created <= s) {
            return false;
        }
        true
    }
}

/// `path.Match`-style glob with `*` (not crossing `/`) and `?`, used by the `reference` filter.
pub fn glob_match(pat: &str, s: &str) -> bool {
    fn go(p: &[u8], s: &[u8]) -> bool {
        match (p.first(), s.first()) {
            (None, None) => true,
            (Some(b'*'), _) => go(&p[1..], s) || (!s.is_empty() && s[0] != b'/' && go(p, &s[1..])),
            (Some(b'?'), Some(c)) if *c != b'/' => go(&p[1..], &s[1..]),
            (Some(a), Some(b)) if a == b => go(&p[1..], &s[1..]),
            _ => false,
        }
    }
    go(pat.as_bytes(), s.as_bytes())
}

pub fn inspect(store: &Store, name: &str) -> Result<ImageInspect> {
    let img = resolve(store, name)?;
    let refs = store.refs()?;
    let tags = refs.tags_of(&img.id);
    let layers = store.layer_stack(&img.config.rootfs.diff_ids)?;
    let size: i64 = layers.iter().map(|l| l.size as i64).sum();
    let mut data = BTreeMap::new();
    // Overlay lowerdir order: top layer first.
    let lower: Vec<String> = layers.iter().rev().map(|l| store.layer_diff(&l.chain_id).display().to_string()).collect();
    if let Some((top, rest)) = lower.split_first() {
        data.insert("UpperDir".to_string(), top.clone());
        if !rest.is_empty() {
            data.insert("LowerDir".to_string(), rest.join(":"));
        }
    }
    let c = &img.config;
    Ok(ImageInspect {
        id: img.id.to_string(),
        repo_tags: tags.iter().filter(|t| t.tag().is_some()).map(|t| t.familiar()).collect(),
        repo_digests: tags.iter().filter(|t| t.digest().is_some()).map(|t| t.familiar()).collect(),
        parent: img.meta.parent.as_ref().map(|p| p.to_string()).unwrap_or_default(),
        comment: c.comment.clone().unwrap_or_default(),
        created: c.created.clone().unwrap_or_default(),
        container: c.container.clone().unwrap_or_default(),
        container_config: c.container_config.clone().unwrap_or_default().into(),
        docker_version: c.docker_version.clone().unwrap_or_default(),
        author: c.author.clone().unwrap_or_default(),
        config: c.config.clone().into(),
        architecture: c.architecture.clone(),
        variant: c.variant.clone(),
        os: c.os.clone(),
        os_version: c.os_version.clone(),
        size,
        virtual_size: size,
        graph_driver: GraphDriver { name: "overlay2".into(), data },
        root_fs: InspectRootFs {
            kind: "layers".into(),
            layers: c.rootfs.diff_ids.iter().map(|d| d.to_string()).collect(),
        },
        metadata: ImageMetadata { last_tag_time: img.meta.last_tag_time.clone() },
    })
}

/// `docker history`: newest first; the ids of the image and its local parents fill the top rows,
/// the rest are `<missing>` (as Docker shows for pulled or loaded images).
pub fn history(store: &Store, name: &str) -> Result<Vec<HistoryResponseItem>> {
    let img = resolve(store, name)?;
    let refs = store.refs()?;
    let layers = store.layer_stack(&img.config.rootfs.diff_ids)?;
    let mut layer_iter = layers.iter();
    let mut rows: Vec<HistoryResponseItem> = Vec::new();
    for h in &img.config.history {
        let size = if h.empty_layer { 0 } else { layer_iter.next().map(|l| l.size as i64).unwrap_or(0) };
        rows.push(HistoryResponseItem {
            id: "<missing>".into(),
            created: unix_seconds(h.created.as_deref()),
            created_by: h.created_by.clone().unwrap_or_default(),
            tags: vec![],
            size,
            comment: h.comment.clone().unwrap_or_default(),
        });
    }
    rows.reverse();
    let mut cur = Some(img);
    for row in rows.iter_mut() {
        let Some(i) = cur.take() else { break };
        row.id = i.id.to_string();
        row.tags = refs.tags_of(&i.id).iter().filter(|t| t.tag().is_some()).map(|t| t.familiar()).collect();
        cur = match &i.meta.parent {
            Some(p) => store.image(p)?,
            None => None,
        };
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    #[test]
    fn globs() {
        assert!(super::glob_match("busy*", "busybox"));
        assert!(super::glob_match("busybox:*", "busybox:latest"));
        assert!(!super::glob_match("*", "user/app"));
        assert!(super::glob_match("*/app", "user/app"));
        assert!(super::glob_match("b?sybox", "busybox"));
    }
}
