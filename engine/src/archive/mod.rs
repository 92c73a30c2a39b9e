//! Safe tar in/out (work in progress).
pub mod compress;
pub mod layer;
pub mod split;
pub mod tar;
pub mod write;

pub use compress::Compression;
pub use layer::{apply_layer, untar, AppliedLayer, ApplyOptions, UntarOptions};
pub use split::{reassemble, reassemble_to_file, reassemble_verified};
pub use write::{write_tree, WriteOptions};
