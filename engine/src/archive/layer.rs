//! Safe extraction: [`apply_layer`] (image layers, with whiteouts and a tar-split) and [`untar`]
//! (plain archives into a container root: ADD, `cp`).
//!
//! Every entry is created relative to a directory fd of its parent, and that parent is resolved
//! inside the root by `openat2(RESOLVE_IN_ROOT)`: a symlink in the archive (`x -> /`, `x -> ../..`)
//! can only ever lead to somewhere inside the root, never to the host (security.md §1.3). The
//! last component is never followed: what is there is replaced, not written through. Metadata
//! goes through the fd of the node we created (`fchown`, then `fchmod` so setuid bits survive);
//! a hardlink entry changes no metadata (CVE-2021-32760). Names are bytes; a leading `/` is
//! ignored and a name that climbs above the destination with `..` is refused.
//!
//! On error the destination is left as it is: for [`apply_layer`] the caller deletes the
//! staging directory.

use super::compress::{self, Compression};
use super::split::{zero_prefix, SplitWriter, DIFF_DIR, DUP_DIR, SPLIT_FILE};
use super::tar::{self, Entry, Header, Kind};
use crate::digest::{BackgroundHasher, Digest};
use crate::error::{Error, ErrorKind, IoContext, Result};
use crate::safefs::{clean_path, fd_path, RootDir};
use rustix::fs::{AtFlags, FileType, Gid, Mode, OFlags, Timespec, Timestamps, Uid, XattrFlags};
use rustix::io::Errno;
use std::ffi::OsStr;
use std::fs::File;
use std::io::{self, Read};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::rc::Rc;

/// Options of [`apply_layer`].
#[derive(Debug, Clone, Default)]
pub struct ApplyOptions {
    /// Also hash the raw input (OCI blobs are named by their compressed digest).
    pub blob_digest: bool,
}

/// What [`apply_layer`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppliedLayer {
    /// sha256 of the uncompressed tar stream.
    pub diff_id: Digest,
    /// sha256 of the raw input, when asked for (equal to `diff_id` for uncompressed input).
    pub blob_digest: Option<Digest>,
    /// Length of the uncompressed tar stream.
    pub tar_size: u64,
    /// Total size of the regular files extracted.
    pub unpacked_size: u64,
    pub compression: Compression,
    /// The newest entry modification time (Unix seconds; 0 for an empty archive): a date that
    /// depends only on the content, so importing the same tar twice gives the same image.
    pub newest_mtime: i64,
}

/// Options of [`untar`].
#[derive(Debug, Clone, Default)]
pub struct UntarOptions {
    /// Owner of every extracted node instead of the archive's (`ADD --chown`).
    pub chown: Option<(u32, u32)>,
    /// Permission bits of every extracted node but symlinks instead of the archive's
    /// (`COPY --chmod`).
    pub chmod: Option<u32>,
    /// Refuse to replace a directory with a non-directory or the reverse (`docker cp`).
    pub no_overwrite_dir_non_dir: bool,
}

/// Regular-file blocks of zeros this long (aligned) become holes.
const HOLE: usize = 64 << 10;
const OPAQUE_XATTR: &str = "trusted.overlay.opaque";
const WHITEOUT_PREFIX: &[u8] = b".wh.";
const AUFS_META_PREFIX: &[u8] = b".wh..wh.";
const OPAQUE_MARKER: &[u8] = b".wh..wh..opq";

/// Extract a layer tar (any compression) into `staging_dir/diff/`, writing
/// `staging_dir/tar-split` so that [`super::reassemble`] gives back the exact tar bytes.
///
/// Whiteouts are converted to overlayfs form: `.wh.NAME` becomes a 0/0 character device `NAME`,
/// `.wh..wh..opq` the `trusted.overlay.opaque=y` xattr on its directory; other AUFS metadata
/// (`.wh..wh.*`) is not extracted. `staging_dir` must exist and hold no `diff/` yet; on error
/// it is left for the caller to delete.
pub fn apply_layer(input: impl Read, staging_dir: &Path, opts: &ApplyOptions) -> Result<AppliedLayer> {
    let staging = RootDir::open(staging_dir)?;
    rustix::fs::mkdirat(staging.fd(), DIFF_DIR, Mode::from_raw_mode(0o755))
        .ctx(format_args!("create {}/{DIFF_DIR}", staging_dir.display()))?;
    let split = rustix::fs::openat(
        staging.fd(),
        SPLIT_FILE,
        OFlags::WRONLY | OFlags::CREATE | OFlags::EXCL | OFlags::CLOEXEC,
        Mode::from_raw_mode(0o644),
    )
    .ctx(format_args!("create {}/{SPLIT_FILE}", staging_dir.display()))?;
    let diff = RootDir::open(&staging_dir.join(DIFF_DIR))?;
    let root_real = fd_path(diff.fd())?;

    let (compression, peeked) = compress::peek(input)?;
    let hash_blob = opts.blob_digest && compression != Compression::None;
    let mut raw_in = Hashing { inner: peeked, hasher: hash_blob.then(BackgroundHasher::new) };
    let (diff_id, tar_size, unpacked_size, newest_mtime) = {
        let decoded = compress::decoder(compression, &mut raw_in)?;
        let mut tar_in = Hashing { inner: decoded, hasher: Some(BackgroundHasher::new()) };
        let layer =
            Layer { split: SplitWriter::new(File::from(split))?, staging: &staging, dup_dir: None, dups: 0, root_real };
        let mut x = Extractor::new(&diff, PathBuf::new(), Some(layer), &UntarOptions::default());
        x.run(&mut tar::Reader::new(&mut tar_in))?;
        let newest = x.newest;
        let unpacked = x.finish()?;
        let (d, n) = tar_in.hasher.take().expect("hashed").finish();
        (d, n, unpacked, newest)
    };
    let blob_digest = match raw_in.hasher.take() {
        Some(mut h) => {
            // Whatever follows the compressed stream is part of the blob too.
            drain(&mut raw_in.inner, &mut h)?;
            Some(h.finish().0)
        }
        None => opts.blob_digest.then(|| diff_id.clone()),
    };
    Ok(AppliedLayer { diff_id, blob_digest, tar_size, unpacked_size, compression, newest_mtime })
}

/// Extract a tar (any compression) under `dest_rel` inside `root` (created if missing), with the
/// same containment as [`apply_layer`] but no tar-split and no whiteout conversion: `.wh.*` entries
/// are ordinary files. Absolute names and hardlink targets are relative to `dest_rel`; symlinks
/// met on the way are resolved inside `root`.
pub fn untar(input: impl Read, root: &RootDir, dest_rel: &Path, opts: &UntarOptions) -> Result<()> {
    let dest = clean_path(dest_rel, false)?;
    root.mkdir_all(&dest, 0o755)?;
    let (_, decoded) = compress::decompress(input)?;
    let mut x = Extractor::new(root, dest, None, opts);
    x.run(&mut tar::Reader::new(decoded))?;
    x.finish()?;
    Ok(())
}

/// Hashes what is read through it (on another thread).
struct Hashing<R> {
    inner: R,
    hasher: Option<BackgroundHasher>,
}

impl<R: Read> Read for Hashing<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        if let Some(h) = &mut self.hasher {
            h.update(&buf[..n]);
        }
        Ok(n)
    }
}

fn drain(r: &mut impl Read, h: &mut BackgroundHasher) -> Result<()> {
    let mut buf = vec![0u8; 256 << 10];
    loop {
        match r.read(&mut buf) {
            Ok(0) => return Ok(()),
            Ok(n) => h.update(&buf[..n]),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(Error::io("reading input", e)),
        }
    }
}

/// Layer-only state: the split being written and where replaced payloads go.
struct Layer<'a> {
    split: SplitWriter,
    staging: &'a RootDir,
    dup_dir: Option<OwnedFd>,
    dups: u64,
    /// Host path of `diff/`, to turn a parent fd into its real path inside the layer.
    root_real: PathBuf,
}

/// The directory that holds the current entries.
struct Parent {
    /// As named by the archive (inside the root).
    rel: PathBuf,
    fd: OwnedFd,
    /// Where it really is inside the root after symlinks (layers only): what split records name.
    real: PathBuf,
}

struct Extractor<'a> {
    root: &'a RootDir,
    dest: PathBuf,
    layer: Option<Layer<'a>>,
    chown: Option<(u32, u32)>,
    chmod: Option<u32>,
    no_overwrite_dir_non_dir: bool,
    /// Entries come grouped by directory: keep the last parent open.
    parent: Option<Rc<Parent>>,
    /// Directory times are set at the end, once their contents stopped changing them.
    dirs: Vec<(PathBuf, tar::Time)>,
    unpacked: u64,
    newest: i64,
}

fn invalid_entry(name: &[u8], why: impl std::fmt::Display) -> Error {
    Error::invalid(format!("invalid tar entry {:?}: {why}", String::from_utf8_lossy(name)))
}

impl<'a> Extractor<'a> {
    fn new(root: &'a RootDir, dest: PathBuf, layer: Option<Layer<'a>>, opts: &UntarOptions) -> Extractor<'a> {
        Extractor {
            root,
            dest,
            layer,
            chown: opts.chown,
            chmod: opts.chmod,
            no_overwrite_dir_non_dir: opts.no_overwrite_dir_non_dir,
            parent: None,
            dirs: Vec::new(),
            unpacked: 0,
            newest: 0,
        }
    }

    fn run<R: Read>(&mut self, rd: &mut tar::Reader<R>) -> Result<()> {
        while let Some(e) = rd.next_entry()? {
            self.newest = self.newest.max(e.header.mtime.secs);
            if let Some(l) = &mut self.layer {
                l.split.raw(&e.raw)?;
            }
            self.entry(rd, &e).map_err(|err| match err.kind() {
                ErrorKind::InvalidArgument | ErrorKind::Unsupported => err,
                _ => err.context(format_args!("extracting {:?}", String::from_utf8_lossy(&e.header.path))),
            })?;
            // What the entry did not extract stays in the split (untar just skips it).
            if let Some(l) = &mut self.layer {
                loop {
                    let chunk = rd.payload_chunk()?;
                    if chunk.is_empty() {
                        break;
                    }
                    let n = chunk.len();
                    l.split.raw(chunk)?;
                    rd.consume(n);
                }
                l.split.raw(rd.padding()?)?;
            }
        }
        if let Some(l) = &mut self.layer {
            loop {
                let chunk = rd.trailer_chunk()?;
                if chunk.is_empty() {
                    break;
                }
                let n = chunk.len();
                l.split.raw(chunk)?;
                rd.consume(n);
            }
        }
        Ok(())
    }

    /// Set the deferred directory times, write the split; returns the unpacked size.
    fn finish(mut self) -> Result<u64> {
        for (rel, t) in std::mem::take(&mut self.dirs) {
            match self.root.open_in(&rel, OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW, Mode::empty()) {
                Ok(fd) => rustix::fs::futimens(&fd, &times(t)).ctx(format_args!("set times of /{}", rel.display()))?,
                // Replaced or removed by a later entry.
                Err(Errno::NOENT | Errno::NOTDIR | Errno::LOOP) => {}
                Err(e) => return Err(Error::io(format_args!("open /{}", rel.display()), e)),
            }
        }
        if let Some(l) = self.layer {
            l.split.finish()?;
        }
        Ok(self.unpacked)
    }

    fn entry<R: Read>(&mut self, rd: &mut tar::Reader<R>, e: &Entry) -> Result<()> {
        let h = &e.header;
        match h.kind {
            Kind::GlobalPax => return Ok(()),
            Kind::Other(flag) => {
                return Err(Error::unsupported(format!(
                    "tar entry {:?} has unsupported type {:?}",
                    String::from_utf8_lossy(&h.path),
                    flag as char
                )))
            }
            _ => {}
        }
        let name =
            clean_path(h.path(), false).map_err(|_| invalid_entry(&h.path, "it points outside the destination"))?;
        if self.layer.is_some() {
            if is_aufs_meta(&name) {
                return Ok(()); // AUFS bookkeeping (hardlink storage, orphans): never extracted
            }
            if name.file_name().is_some_and(|b| b.as_bytes().starts_with(WHITEOUT_PREFIX)) {
                return self.whiteout(&name, h);
            }
        }
        let rel = self.dest.join(&name);
        let Some(base) = name.file_name() else {
            // "./" or "/": the destination itself.
            if h.kind != Kind::Dir {
                return Err(invalid_entry(&h.path, "only a directory can name the destination itself"));
            }
            let fd =
                self.root.open_in(&rel, OFlags::RDONLY | OFlags::DIRECTORY, Mode::empty()).ctx("open destination")?;
            self.set_meta(fd.as_fd(), h)?;
            self.dirs.push((rel, h.mtime));
            return Ok(());
        };
        let parent = self.parent_dir(rel.parent().unwrap_or(Path::new("")))?;
        match h.kind {
            Kind::Regular => self.regular(rd, &parent, base, h),
            Kind::Dir => {
                let mode = Mode::from_raw_mode(0o700);
                self.make(&parent, base, h, || rustix::fs::mkdirat(&parent.fd, base, mode))?;
                let fd = rustix::fs::openat(
                    &parent.fd,
                    base,
                    OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC,
                    Mode::empty(),
                )
                .ctx("open directory")?;
                self.set_meta(fd.as_fd(), h)?;
                self.dirs.push((rel, h.mtime));
                Ok(())
            }
            Kind::Symlink => {
                self.make(&parent, base, h, || rustix::fs::symlinkat(h.link(), &parent.fd, base))?;
                self.set_node_meta(&parent, base, h, FileType::Symlink)
            }
            Kind::Link => self.hardlink(&parent, base, h),
            Kind::Char | Kind::Block | Kind::Fifo => {
                let (ft, dev) = match h.kind {
                    Kind::Char => (FileType::CharacterDevice, rustix::fs::makedev(h.dev_major, h.dev_minor)),
                    Kind::Block => (FileType::BlockDevice, rustix::fs::makedev(h.dev_major, h.dev_minor)),
                    _ => (FileType::Fifo, 0),
                };
                let mode = Mode::from_raw_mode(0o600);
                self.make(&parent, base, h, || rustix::fs::mknodat(&parent.fd, base, ft, mode, dev))?;
                self.set_node_meta(&parent, base, h, ft)
            }
            Kind::GlobalPax | Kind::Other(_) => unreachable!("handled above"),
        }
    }

    fn regular<R: Read>(&mut self, rd: &mut tar::Reader<R>, parent: &Parent, base: &OsStr, h: &Header) -> Result<()> {
        let flags = OFlags::WRONLY | OFlags::CREATE | OFlags::EXCL | OFlags::NOFOLLOW | OFlags::CLOEXEC;
        let fd = self
            .make(parent, base, h, || rustix::fs::openat(&parent.fd, base, flags, Mode::from_raw_mode(0o600)))?
            .expect("a new file");
        write_payload(rd, &fd, h.size)?;
        self.set_meta(fd.as_fd(), h)?;
        rustix::fs::futimens(&fd, &times(h.mtime)).ctx("set times")?;
        self.unpacked += h.size;
        if let Some(l) = &mut self.layer {
            l.split.payload(&parent.real.join(base), h.size)?;
        }
        Ok(())
    }

    /// Hardlink targets are resolved inside the root (relative to the destination) and must
    /// exist already; a symlink there is linked itself, never followed.
    fn hardlink(&mut self, parent: &Parent, base: &OsStr, h: &Header) -> Result<()> {
        let target = clean_path(h.link(), false).map_err(|_| {
            invalid_entry(
                &h.path,
                format_args!("hardlink target {:?} points outside the destination", String::from_utf8_lossy(&h.link)),
            )
        })?;
        let missing = || {
            invalid_entry(
                &h.path,
                format_args!("hardlink target {:?} does not exist", String::from_utf8_lossy(&h.link)),
            )
        };
        let trel = self.dest.join(&target);
        let tname = target.file_name().ok_or_else(missing)?;
        let mut replaced = false;
        loop {
            // Resolved again after a replacement: the target must survive it.
            let tparent = match self.root.open_dir(trel.parent().unwrap_or(Path::new(""))) {
                Ok(fd) => fd,
                Err(Errno::NOENT | Errno::NOTDIR) => return Err(missing()),
                Err(e) => return Err(Error::io("open hardlink target directory", e)),
            };
            match rustix::fs::linkat(&tparent, tname, &parent.fd, base, AtFlags::empty()) {
                Ok(()) => return Ok(()),
                Err(Errno::EXIST) if !replaced => {
                    self.replace(parent, base, h)?;
                    replaced = true;
                }
                Err(Errno::NOENT) => return Err(missing()),
                Err(Errno::PERM) => {
                    return Err(invalid_entry(
                        &h.path,
                        format_args!("hardlink target {:?} is a directory", String::from_utf8_lossy(&h.link)),
                    ))
                }
                Err(e) => return Err(Error::io("link", e)),
            }
        }
    }

    /// `.wh..wh..opq` marks its directory opaque; `.wh.NAME` removes this layer's `NAME` and puts
    /// an overlayfs whiteout (0/0 character device) there.
    fn whiteout(&mut self, name: &Path, h: &Header) -> Result<()> {
        let base = name.file_name().expect("whiteouts have a name").as_bytes();
        let parent_rel = name.parent().unwrap_or(Path::new(""));
        if base == OPAQUE_MARKER {
            let dir = self.root.mkdir_all(parent_rel, 0o755)?;
            let dir =
                rustix::fs::openat(&dir, ".", OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC, Mode::empty())
                    .ctx("open opaque directory")?;
            return rustix::fs::fsetxattr(&dir, OPAQUE_XATTR, b"y", XattrFlags::empty()).ctx("set opaque xattr");
        }
        let target = OsStr::from_bytes(&base[WHITEOUT_PREFIX.len()..]);
        if matches!(target.as_bytes(), b"" | b"." | b"..") {
            return Err(invalid_entry(&h.path, "invalid whiteout entry"));
        }
        let parent = self.parent_dir(parent_rel)?;
        match rustix::fs::statat(&parent.fd, target, AtFlags::SYMLINK_NOFOLLOW) {
            Ok(_) => self.remove(&parent, target)?,
            Err(Errno::NOENT) => {}
            Err(e) => return Err(Error::io("stat whiteout target", e)),
        }
        rustix::fs::mknodat(&parent.fd, target, FileType::CharacterDevice, Mode::empty(), 0).ctx("create whiteout")?;
        let (uid, gid) = self.owner(h)?;
        rustix::fs::chownat(&parent.fd, target, Some(uid), Some(gid), AtFlags::SYMLINK_NOFOLLOW)
            .ctx("chown whiteout")?;
        rustix::fs::utimensat(&parent.fd, target, &times(h.mtime), AtFlags::SYMLINK_NOFOLLOW).ctx("set whiteout times")
    }

    /// Run `create`; if the name is taken, keep an existing directory for a directory entry
    /// (returning `None`), else remove what is there and run `create` once more.
    fn make<T>(
        &mut self,
        parent: &Parent,
        base: &OsStr,
        h: &Header,
        mut create: impl FnMut() -> rustix::io::Result<T>,
    ) -> Result<Option<T>> {
        match create() {
            Ok(v) => return Ok(Some(v)),
            Err(Errno::EXIST) => {}
            Err(e) => return Err(Error::io("create", e)),
        }
        if self.replace(parent, base, h)? {
            return Ok(None);
        }
        create().map(Some).map_err(|e| Error::io("create", e))
    }

    /// Make room for entry `h` at `base`: true if it is a directory entry and a directory is there
    /// (kept), else what is there is removed.
    fn replace(&mut self, parent: &Parent, base: &OsStr, h: &Header) -> Result<bool> {
        let st = rustix::fs::statat(&parent.fd, base, AtFlags::SYMLINK_NOFOLLOW).ctx("stat")?;
        let is_dir = FileType::from_raw_mode(st.st_mode) == FileType::Directory;
        let want_dir = h.kind == Kind::Dir;
        if is_dir && want_dir {
            return Ok(true);
        }
        if self.no_overwrite_dir_non_dir && is_dir != want_dir {
            let (what, with) = if is_dir { ("directory", "non-directory") } else { ("non-directory", "directory") };
            return Err(invalid_entry(&h.path, format_args!("cannot overwrite {what} with {with}")));
        }
        self.remove(parent, base)?;
        Ok(false)
    }

    /// Remove `base` from `parent` (never following it). In a layer, a node whose payload the
    /// split still needs is moved to `dup/` instead.
    fn remove(&mut self, parent: &Parent, base: &OsStr) -> Result<()> {
        let st = rustix::fs::statat(&parent.fd, base, AtFlags::SYMLINK_NOFOLLOW).ctx("stat")?;
        let is_dir = FileType::from_raw_mode(st.st_mode) == FileType::Directory;
        if is_dir {
            self.parent = None; // the cached parent may be inside
        }
        if let Some(l) = &mut self.layer {
            let real = parent.real.join(base);
            if l.split.holds(&real) {
                if l.dup_dir.is_none() {
                    rustix::fs::mkdirat(l.staging.fd(), DUP_DIR, Mode::from_raw_mode(0o700))
                        .ctx("create dup directory")?;
                    l.dup_dir = Some(l.staging.open_dir(Path::new(DUP_DIR)).ctx("open dup directory")?);
                }
                let to = l.dups.to_string();
                l.dups += 1;
                rustix::fs::renameat(&parent.fd, base, l.dup_dir.as_ref().expect("created"), to.as_str())
                    .ctx("move replaced node aside")?;
                l.split.relocate(&real, &Path::new(DUP_DIR).join(to));
                return Ok(());
            }
        }
        if is_dir {
            remove_tree(parent.fd.as_fd(), base)
        } else {
            rustix::fs::unlinkat(&parent.fd, base, AtFlags::empty()).ctx("remove")
        }
    }

    fn parent_dir(&mut self, rel: &Path) -> Result<Rc<Parent>> {
        if let Some(p) = self.parent.as_ref().filter(|p| p.rel == rel) {
            return Ok(p.clone());
        }
        let fd = self.root.mkdir_all(rel, 0o755)?;
        let real = match &self.layer {
            Some(l) => fd_path(fd.as_fd())?
                .strip_prefix(&l.root_real)
                .map_err(|_| Error::internal(format!("/{} resolved outside the layer", rel.display())))?
                .to_path_buf(),
            None => PathBuf::new(),
        };
        let p = Rc::new(Parent { rel: rel.to_path_buf(), fd, real });
        self.parent = Some(p.clone());
        Ok(p)
    }

    fn owner(&self, h: &Header) -> Result<(Uid, Gid)> {
        let (uid, gid) = match self.chown {
            Some(ids) => ids,
            None => {
                // u32::MAX would mean "leave unchanged" to chown.
                let id = |v: u64| u32::try_from(v).ok().filter(|&v| v != u32::MAX);
                match (id(h.uid), id(h.gid)) {
                    (Some(u), Some(g)) => (u, g),
                    _ => return Err(invalid_entry(&h.path, format_args!("owner {}:{} is out of range", h.uid, h.gid))),
                }
            }
        };
        Ok((Uid::from_raw(uid), Gid::from_raw(gid)))
    }

    /// Owner, then mode (chown clears setuid bits), then xattrs (chown clears file capabilities).
    fn set_meta(&self, fd: BorrowedFd<'_>, h: &Header) -> Result<()> {
        let (uid, gid) = self.owner(h)?;
        rustix::fs::fchown(fd, Some(uid), Some(gid)).ctx("chown")?;
        rustix::fs::fchmod(fd, Mode::from_raw_mode(self.chmod.unwrap_or(h.mode))).ctx("chmod")?;
        for (name, value) in xattrs(h) {
            ignore_unsupported(rustix::fs::fsetxattr(fd, name, value, XattrFlags::empty())).ctx("set xattr")?;
        }
        Ok(())
    }

    /// Metadata of a node that cannot be opened for real (symlink, device, fifo): through an
    /// `O_PATH` fd on the node we just made, checked to be of the kind we made.
    fn set_node_meta(&self, parent: &Parent, base: &OsStr, h: &Header, ft: FileType) -> Result<()> {
        let fd = rustix::fs::openat(&parent.fd, base, OFlags::PATH | OFlags::NOFOLLOW | OFlags::CLOEXEC, Mode::empty())
            .ctx("open")?;
        let st = rustix::fs::fstat(&fd).ctx("stat")?;
        if FileType::from_raw_mode(st.st_mode) != ft {
            return Err(Error::io("open", io::Error::other("the entry was replaced while being extracted")));
        }
        let (uid, gid) = self.owner(h)?;
        rustix::fs::chownat(&fd, "", Some(uid), Some(gid), AtFlags::EMPTY_PATH).ctx("chown")?;
        if ft != FileType::Symlink {
            // No fchmod on O_PATH fds: the fd's /proc link reaches exactly this inode.
            let proc = format!("/proc/self/fd/{}", fd.as_raw_fd());
            rustix::fs::chmod(proc.as_str(), Mode::from_raw_mode(self.chmod.unwrap_or(h.mode))).ctx("chmod")?;
            for (name, value) in xattrs(h) {
                ignore_unsupported(rustix::fs::setxattr(proc.as_str(), name, value, XattrFlags::empty()))
                    .ctx("set xattr")?;
            }
        }
        rustix::fs::utimensat(&fd, "", &times(h.mtime), AtFlags::EMPTY_PATH).ctx("set times")
    }
}

/// xattrs to apply: a tar must not fake overlayfs metadata such as opacity.
fn xattrs(h: &Header) -> impl Iterator<Item = (&OsStr, &[u8])> {
    h.xattrs
        .iter()
        .filter(|(name, _)| !name.starts_with(b"trusted.overlay."))
        .map(|(name, value)| (OsStr::from_bytes(name), value.as_slice()))
}

/// Filesystems without xattrs (or without this namespace) are not a reason to fail, as Docker.
fn ignore_unsupported(r: rustix::io::Result<()>) -> rustix::io::Result<()> {
    match r {
        Err(Errno::NOTSUP | Errno::PERM) => Ok(()),
        r => r,
    }
}

/// AUFS metadata (`.wh..wh.plnk/…`, `.wh..wh.orph`): any component starting with `.wh..wh.`
/// except an opaque marker as the last one.
fn is_aufs_meta(name: &Path) -> bool {
    let mut comps = name.iter().peekable();
    while let Some(c) = comps.next() {
        let c = c.as_bytes();
        if c.starts_with(AUFS_META_PREFIX) && !(c == OPAQUE_MARKER && comps.peek().is_none()) {
            return true;
        }
    }
    false
}

fn times(t: tar::Time) -> Timestamps {
    let ts = Timespec { tv_sec: t.secs, tv_nsec: i64::from(t.nanos) };
    Timestamps { last_access: ts, last_modification: ts }
}

/// Write the payload with large writes; aligned all-zero blocks are skipped (holes), and the size
/// is set at the end, so runs of zeros cost no disk.
fn write_payload<R: Read>(rd: &mut tar::Reader<R>, fd: &OwnedFd, size: u64) -> Result<()> {
    let mut off = 0u64;
    let mut data_end = 0u64;
    loop {
        let chunk = rd.payload_chunk()?;
        if chunk.is_empty() {
            break;
        }
        let mut i = 0;
        while i < chunk.len() {
            let seg = (chunk.len() - i).min(HOLE - ((off + i as u64) % HOLE as u64) as usize);
            if zero_prefix(&chunk[i..i + seg]) == seg {
                i += seg;
                continue;
            }
            let start = i;
            i += seg;
            while i < chunk.len() {
                let seg = (chunk.len() - i).min(HOLE);
                if zero_prefix(&chunk[i..i + seg]) == seg {
                    break;
                }
                i += seg;
            }
            pwrite_all(fd, &chunk[start..i], off + start as u64)?;
            data_end = off + i as u64;
        }
        let n = chunk.len();
        off += n as u64;
        rd.consume(n);
    }
    if data_end < size {
        rustix::fs::ftruncate(fd, size).ctx("set file size")?;
    }
    Ok(())
}

fn pwrite_all(fd: &OwnedFd, mut buf: &[u8], mut off: u64) -> Result<()> {
    while !buf.is_empty() {
        match rustix::io::pwrite(fd, buf, off) {
            Ok(n) => {
                buf = &buf[n..];
                off += n as u64;
            }
            Err(Errno::INTR) => {}
            Err(e) => return Err(Error::io("write", e)),
        }
    }
    Ok(())
}

/// `rm -rf` of `base` in `dir`, fd-relative, never following symlinks.
fn remove_tree(dir: BorrowedFd<'_>, base: &OsStr) -> Result<()> {
    match rustix::fs::unlinkat(dir, base, AtFlags::REMOVEDIR) {
        Ok(()) => return Ok(()),
        Err(Errno::NOTEMPTY | Errno::EXIST) => {}
        Err(e) => return Err(Error::io("remove directory", e)),
    }
    let fd = rustix::fs::openat(
        dir,
        base,
        OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC,
        Mode::empty(),
    )
    .ctx("open directory")?;
    let mut names = Vec::new();
    for e in rustix::fs::Dir::read_from(&fd).ctx("read directory")? {
        let e = e.ctx("read directory")?;
        let n = e.file_name().to_bytes();
        if n != b"." && n != b".." {
            names.push(n.to_vec());
        }
    }
    for n in names {
        let n = OsStr::from_bytes(&n);
        match rustix::fs::unlinkat(&fd, n, AtFlags::empty()) {
            Ok(()) => {}
            Err(Errno::ISDIR) => remove_tree(fd.as_fd(), n)?,
            Err(e) => return Err(Error::io("remove", e)),
        }
    }
    rustix::fs::unlinkat(dir, base, AtFlags::REMOVEDIR).ctx("remove directory")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aufs_metadata_names() {
        assert!(is_aufs_meta(Path::new(".wh..wh.plnk/123.456")));
        assert!(is_aufs_meta(Path::new(".wh..wh.plnk")));
        assert!(is_aufs_meta(Path::new("a/.wh..wh.orph")));
        assert!(!is_aufs_meta(Path::new("a/.wh..wh..opq")));
        assert!(!is_aufs_meta(Path::new(".wh..wh..opq")));
        assert!(!is_aufs_meta(Path::new("a/.wh.b")));
    }
}
