//! `export`: the container's whole filesystem as a tar stream.

use crate::error::Result;
use crate::store::Store;
use std::io::Write;
use std::path::Path;

pub fn export(store: &Store, name: &str, out: &mut (dyn Write + Send)) -> Result<()> {
    let c = super::load(store, name)?;
    super::rootfs::with_image_view(store, &c, |root| {
        crate::archive::write_tree(root, Path::new(""), out, &crate::archive::WriteOptions::default())?;
        Ok(())
    })
}
