//! Safe tar in and out: image layers, `import`/`load`/`save`, ADD, `cp`, `commit`, `export`.
//!
//! - [`compress`]: gzip, bzip2, xz and zstd detected by magic bytes and decoded in process, with
//!   bounded windows (no external helper ever runs, security.md §1.2).
//! - [`tar`]: our own streaming reader and writer. The reader exposes each entry's raw header
//!   bytes, which is what makes the next point possible.
//! - [`apply_layer`] unpacks a layer into `staging/diff/` and writes `staging/tar-split`, from which
//!   [`reassemble`] streams the layer's exact original bytes again (`save` emits a tar whose
//!   sha256 is the diff id without keeping the tar). [`untar`] is the same extraction without the
//!   split or whiteouts, for ADD and `cp`.
//! - Every path from an archive is resolved inside its root by `openat2(RESOLVE_IN_ROOT)`, entries
//!   are created fd-relative and never through a final symlink, so no archive reaches outside its
//!   destination (the breakout matrix of security.md §1.3 is `tests/archive_breakout.rs`).
//! - Memory stays bounded whatever the input: 1 MiB buffers, zero runs stored as counts in the
//!   split and as holes on disk, extended headers capped at 1 MiB per entry, hashing on a second
//!   thread. What grows with the input is per-entry bookkeeping (directory times, the file table
//!   of the split), not payload.
//! - [`write_tree`] tars a directory deterministically, turning overlayfs whiteouts back into
//!   `.wh.` entries for `commit`.

pub mod compress;
pub mod layer;
pub mod split;
pub mod tar;
pub mod write;

pub use compress::Compression;
pub use layer::{apply_layer, untar, AppliedLayer, ApplyOptions, UntarOptions};
pub use split::{reassemble, reassemble_to_file, reassemble_verified, DIFF_DIR, DUP_DIR, SPLIT_FILE};
pub use write::{write_tree, Filter, Visit, WriteOptions};
