//! Tar a directory tree, deterministically: `commit` (a container's upper dir becomes a layer),
//! `export`, and `cp` out.
//!
//! Same tree, same bytes: children in byte order, times in whole seconds, no user or group names
//! (as Docker's archive package). Every node is reached through the fd of its parent, opened
//! without following the last component, so a symlink swapped in while we walk (a running
//! container) cannot redirect a read outside the root. Files that change size while being read
//! are cut or zero-filled to the size first seen, so the archive stays well-formed. xattrs are
//! those of regular files and directories (the nodes we can open), less overlayfs' own and the
//! host's SELinux label; sockets are skipped, as GNU tar does.

use super::tar::{self, Header, Kind};
use crate::error::{Error, IoContext, Result};
use crate::safefs::{clean_path, RootDir};
use rustix::fs::{AtFlags, FileType, Mode, OFlags, Stat};
use rustix::io::Errno;
use std::collections::HashMap;
use std::ffi::{OsStr, OsString};
use std::fs::File;
use std::io::{self, BufWriter, Read, Write};
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

/// What a [`WriteOptions::filter`] decides for one node.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Visit {
    /// Write the node (and visit a directory's children).
    Include,
    /// Leave the node out but still visit a directory's children (some of them may be wanted:
    /// `.dockerignore` exceptions); the extractor creates the missing parents.
    Descend,
    /// Leave the node and everything under it out.
    Skip,
}

/// Decides per node by its path relative to the `rel` given to [`write_tree`] (`""` for `rel`
/// itself, no trailing `/`) and whether it is a directory.
pub type Filter<'a> = &'a (dyn Fn(&[u8], bool) -> Visit + Sync);

/// Options of [`write_tree`].
#[derive(Clone, Default)]
pub struct WriteOptions<'a> {
    /// Turn overlayfs whiteouts back into `.wh.` form (`commit` of an upper dir): a 0/0 character
    /// device becomes an empty file `.wh.NAME`, an opaque directory gets a `.wh..wh..opq` entry
    /// right after its own.
    pub whiteouts: bool,
    /// Include `rel` itself as the first entry, under this name (`cp` out; `rel`'s last component
    /// is then not followed). Without it, only what is under the directory `rel` is written, with
    /// names relative to it.
    pub top_name: Option<OsString>,
    /// Which nodes to write (default: all), e.g. the `.dockerignore` rules of a build context.
    pub filter: Option<Filter<'a>>,
}

impl std::fmt::Debug for WriteOptions<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WriteOptions")
            .field("whiteouts", &self.whiteouts)
            .field("top_name", &self.top_name)
            .field("filter", &self.filter.map(|_| "<fn>"))
            .finish()
    }
}

/// Write the tree at `rel` inside `root` as a tar stream to `out`; returns the bytes written.
pub fn write_tree(root: &RootDir, rel: &Path, out: &mut dyn Write, opts: &WriteOptions) -> Result<u64> {
    let rel = clean_path(rel, false)?;
    let mut w = TreeWriter {
        tar: tar::Writer::new(BufWriter::with_capacity(1 << 20, out)),
        whiteouts: opts.whiteouts,
        links: HashMap::new(),
        xattr_buf: vec![0u8; 64 << 10],
        filter: opts.filter,
        strip: opts.top_name.as_ref().map_or(0, |t| t.len() + 1),
    };
    match &opts.top_name {
        Some(top) => {
            let (parent, base) = match rel.file_name() {
                Some(base) => (root.open_dir(rel.parent().unwrap_or(Path::new(""))), base),
                None => (root.open_dir(Path::new("")), OsStr::new(".")),
            };
            let parent = parent.ctx(format_args!("open /{}", rel.display()))?;
            if !w.node(parent.as_fd(), base, top.as_bytes().to_vec())? {
                return Err(Error::not_found(format!("no such file or directory: /{}", rel.display())));
            }
        }
        None => {
            let dir = root
                .open_in(&rel, OFlags::RDONLY | OFlags::DIRECTORY, Mode::empty())
                .ctx(format_args!("open directory /{}", rel.display()))?;
            w.children(&dir, &[])?;
        }
    }
    // finish() adds the end-of-archive blocks and flushes.
    let written = w.tar.written() + 2 * tar::BLOCK as u64;
    w.tar.finish()?;
    Ok(written)
}

struct TreeWriter<'o> {
    tar: tar::Writer<BufWriter<&'o mut dyn Write>>,
    whiteouts: bool,
    /// (dev, ino) of nodes with several links → the archive name they were first written under.
    links: HashMap<(u64, u64), Vec<u8>>,
    xattr_buf: Vec<u8>,
    filter: Option<Filter<'o>>,
    /// Length of the name prefix that stands for `rel` itself (`top/`), for the filter's paths.
    strip: usize,
}

/// Skip nodes that vanish or change kind while we walk a live tree.
fn gone(e: Errno) -> bool {
    matches!(e, Errno::NOENT | Errno::NOTDIR | Errno::LOOP | Errno::NXIO)
}

impl TreeWriter<'_> {
    /// Write `base` of `dir` as `name` (and its children); false if it vanished.
    fn node(&mut self, dir: BorrowedFd<'_>, base: &OsStr, name: Vec<u8>) -> Result<bool> {
        let st = match rustix::fs::statat(dir, base, AtFlags::SYMLINK_NOFOLLOW) {
            Ok(st) => st,
            Err(e) if gone(e) => return Ok(false),
            Err(e) => return Err(Error::io(format_args!("stat {}", String::from_utf8_lossy(&name)), e)),
        };
        let ft = FileType::from_raw_mode(st.st_mode);
        let visit = match self.filter {
            Some(filter) => filter(&name[self.strip.min(name.len())..], ft == FileType::Directory),
            None => Visit::Include,
        };
        match visit {
            Visit::Include => {}
            Visit::Descend if ft == FileType::Directory => {}
            Visit::Descend | Visit::Skip => return Ok(true),
        }
        let mut h = header(&st, name);
        match ft {
            FileType::Directory => {
                let flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC;
                let fd = match rustix::fs::openat(dir, base, flags, Mode::empty()) {
                    Ok(fd) => fd,
                    Err(e) if gone(e) => return Ok(false),
                    Err(e) => return Err(Error::io(format_args!("open {}", h.path().display()), e)),
                };
                h.kind = Kind::Dir;
                h.path.push(b'/');
                if visit == Visit::Include {
                    h.xattrs = self.xattrs(fd.as_fd())?;
                    self.tar.append(&h, io::empty())?;
                }
                let prefix = h.path.clone();
                self.children(&fd, &prefix)?;
                return Ok(true);
            }
            FileType::CharacterDevice if self.whiteouts && st.st_rdev == 0 => {
                // Overlayfs whiteouts may share one inode: never hardlink entries.
                let cut = h.path.iter().rposition(|&b| b == b'/').map_or(0, |i| i + 1);
                h.path.splice(cut..cut, b".wh.".iter().copied());
                h.mode = 0o600;
                self.tar.append(&h, io::empty())?;
                return Ok(true);
            }
            FileType::Socket | FileType::Unknown => return Ok(true), // tar cannot hold them
            _ => {}
        }
        let key = (st.st_dev, st.st_ino);
        if st.st_nlink > 1 {
            if let Some(first) = self.links.get(&key) {
                h.kind = Kind::Link;
                h.link = first.clone();
                self.tar.append(&h, io::empty())?;
                return Ok(true);
            }
        }
        match ft {
            FileType::RegularFile => {
                let flags = OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::NONBLOCK | OFlags::NOCTTY | OFlags::CLOEXEC;
                let fd = match rustix::fs::openat(dir, base, flags, Mode::empty()) {
                    Ok(fd) => fd,
                    Err(e) if gone(e) => return Ok(false),
                    Err(e) => return Err(Error::io(format_args!("open {}", h.path().display()), e)),
                };
                // What we read is what the fd holds: take its metadata, not the earlier stat's.
                let st = rustix::fs::fstat(&fd).ctx("stat")?;
                if FileType::from_raw_mode(st.st_mode) != FileType::RegularFile {
                    return Ok(false);
                }
                let path = std::mem::take(&mut h.path);
                h = header(&st, path);
                h.size = st.st_size as u64;
                h.xattrs = self.xattrs(fd.as_fd())?;
                let file = File::from(fd);
                let payload = (&file).take(h.size).chain(io::repeat(0)).take(h.size);
                self.tar.append(&h, payload)?;
            }
            FileType::Symlink => {
                h.kind = Kind::Symlink;
                h.link = match rustix::fs::readlinkat(dir, base, Vec::new()) {
                    Ok(l) => l.into_bytes(),
                    Err(e) if gone(e) || e == Errno::INVAL => return Ok(false),
                    Err(e) => return Err(Error::io(format_args!("readlink {}", h.path().display()), e)),
                };
                self.tar.append(&h, io::empty())?;
            }
            FileType::CharacterDevice | FileType::BlockDevice | FileType::Fifo => {
                h.kind = match ft {
                    FileType::CharacterDevice => Kind::Char,
                    FileType::BlockDevice => Kind::Block,
                    _ => Kind::Fifo,
                };
                if h.kind != Kind::Fifo {
                    h.dev_major = rustix::fs::major(st.st_rdev);
                    h.dev_minor = rustix::fs::minor(st.st_rdev);
                }
                self.tar.append(&h, io::empty())?;
            }
            _ => unreachable!("directories, sockets and unknown kinds are handled above"),
        }
        if st.st_nlink > 1 {
            self.links.insert(key, h.path);
        }
        Ok(true)
    }

    /// The entries under the open directory `dir`, named `prefix` + child, in byte order; the
    /// opaque marker first when asked for.
    fn children(&mut self, dir: &OwnedFd, prefix: &[u8]) -> Result<()> {
        if self.whiteouts && self.is_opaque(dir.as_fd())? {
            let st = rustix::fs::fstat(dir).ctx("stat")?;
            let mut h = header(&st, [prefix, b".wh..wh..opq"].concat());
            h.mode &= 0o777;
            self.tar.append(&h, io::empty())?;
        }
        for n in crate::safefs::sorted_names(dir.as_fd())? {
            let name = [prefix, &n].concat();
            self.node(dir.as_fd(), OsStr::from_bytes(&n), name)?;
        }
        Ok(())
    }

    fn is_opaque(&mut self, dir: BorrowedFd<'_>) -> Result<bool> {
        match rustix::fs::fgetxattr(dir, "trusted.overlay.opaque", &mut self.xattr_buf[..]) {
            Ok(n) => Ok(&self.xattr_buf[..n] == b"y"),
            Err(Errno::NODATA | Errno::NOTSUP) => Ok(false),
            Err(e) => Err(Error::io("read opaque xattr", e)),
        }
    }

    /// The node's xattrs, sorted, without overlayfs' own and without the host's SELinux label.
    fn xattrs(&mut self, fd: BorrowedFd<'_>) -> Result<Vec<(Vec<u8>, Vec<u8>)>> {
        let n = match rustix::fs::flistxattr(fd, &mut self.xattr_buf[..]) {
            Ok(n) => n,
            Err(Errno::NOTSUP) => return Ok(Vec::new()),
            Err(e) => return Err(Error::io("list xattrs", e)),
        };
        let names: Vec<Vec<u8>> = self.xattr_buf[..n]
            .split(|&b| b == 0)
            .filter(|n| {
                !n.is_empty()
                    && !n.starts_with(b"trusted.overlay.")
                    && !n.starts_with(b"user.overlay.")
                    && *n != b"security.selinux"
            })
            .map(<[u8]>::to_vec)
            .collect();
        let mut out = Vec::with_capacity(names.len());
        for name in names {
            match rustix::fs::fgetxattr(fd, OsStr::from_bytes(&name), &mut self.xattr_buf[..]) {
                Ok(k) => out.push((name, self.xattr_buf[..k].to_vec())),
                Err(Errno::NODATA) => {} // removed meanwhile
                Err(e) => return Err(Error::io("read xattr", e)),
            }
        }
        out.sort();
        Ok(out)
    }
}

fn header(st: &Stat, path: Vec<u8>) -> Header {
    Header {
        path,
        mode: st.st_mode & 0o7777,
        uid: u64::from(st.st_uid),
        gid: u64::from(st.st_gid),
        mtime: tar::Time { secs: st.st_mtime, nanos: 0 },
        ..Header::default()
    }
}
