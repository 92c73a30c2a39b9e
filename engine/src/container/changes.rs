//! `diff`: what the container changed, read from its overlay upper directory (no mount needed).
//! A 0/0 char device is a deletion; a path that exists in a lower layer is a change; anything
//! else is an addition — as Docker's overlay2 driver reports it.

use crate::error::Result;
use crate::store::Store;
use crate::types::ChangeItem;
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::{Path, PathBuf};

pub fn changes(store: &Store, name: &str) -> Result<Vec<ChangeItem>> {
    let c = super::load(store, name)?;
    let upper = c.dir.join("upper");
    let lowers: Vec<PathBuf> = c.lower_layers().iter().map(|l| store.layers_dir().join(l)).collect();
    let mut out = Vec::new();
    walk(&upper, Path::new(""), &lowers, &mut out);
    out.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(out)
}

fn walk(upper: &Path, rel: &Path, lowers: &[PathBuf], out: &mut Vec<ChangeItem>) {
    let Ok(rd) = std::fs::read_dir(upper.join(rel)) else { return };
    for e in rd.flatten() {
        let r = rel.join(e.file_name());
        let Ok(m) = e.path().symlink_metadata() else { continue };
        let path = format!("/{}", r.display());
        if m.file_type().is_char_device() && m.rdev() == 0 {
            out.push(ChangeItem { path, kind: 2 });
            continue;
        }
        let in_lower = lowers.iter().any(|l| l.join(&r).symlink_metadata().is_ok());
        out.push(ChangeItem { path, kind: if in_lower { 0 } else { 1 } });
        if m.is_dir() {
            walk(upper, &r, lowers, out);
        }
    }
}
