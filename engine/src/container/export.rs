//! `export`: the container's whole filesystem as a tar stream.

use crate::error::Result;
use crate::store::Store;
use crate::stream::{Cancel, CancelWriter};
use std::io::Write;
use std::path::Path;

pub fn export(store: &Store, name: &str, out: &mut (dyn Write + Send), cancel: Option<&Cancel>) -> Result<()> {
    let c = super::load(store, name)?;
    super::rootfs::with_image_view(store, &c, |root| {
        let mut out = CancelWriter::new(out, cancel);
        crate::archive::write_tree(root, Path::new(""), &mut out, &crate::archive::WriteOptions::default())?;
        Ok(())
    })
}

/// Export into the file `path` (created 0644 by the umask, as `docker export -o`): a failed or
/// cancelled export leaves no partial file.
pub fn export_file(store: &Store, name: &str, path: &Path, cancel: Option<&Cancel>) -> Result<()> {
    let c = super::load(store, name)?;
    crate::safefs::write_output_file(path, 0o666, |w| export(store, &c.id, w, cancel))
}
