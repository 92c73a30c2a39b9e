//! `cp` and the archive endpoints: every path inside the container is resolved in its root
//! (never by joining strings on the host), so symlinks in the container cannot redirect a copy
//! to host files (CVE-2018-15664, CVE-2021-41089); nothing from the container is executed or
//! loaded by us (CVE-2019-14271): decompression and tar are in-process.

use crate::archive::{self, UntarOptions, WriteOptions};
use crate::error::{Error, IoContext, Result};
use crate::safefs::{clean_path, RootDir};
use crate::store::Store;
use crate::types::PathStat;
use std::ffi::OsString;
use std::os::unix::ffi::OsStrExt;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

fn rel(p: &str) -> Result<PathBuf> {
    clean_path(p, true)
}

fn stat_in(root: &RootDir, rel: &Path, shown: &str) -> Result<(PathStat, bool)> {
    let fd = root
        .open_in(rel, rustix::fs::OFlags::PATH | rustix::fs::OFlags::NOFOLLOW, rustix::fs::Mode::empty())
        .map_err(|e| match e {
            rustix::io::Errno::NOENT => Error::not_found(format!("Could not find the file {shown} in container")),
            e => Error::io(format_args!("stat {shown}"), e),
        })?;
    let st = rustix::fs::fstat(&fd).ctx(format_args!("stat {shown}"))?;
    let is_dir = rustix::fs::FileType::from_raw_mode(st.st_mode) == rustix::fs::FileType::Directory;
    let name = rel.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "/".into());
    // A link's target as a path in the container (relative targets from the link's directory),
    // as Docker's `ContainerStatPath` reports it.
    let link_target = if rustix::fs::FileType::from_raw_mode(st.st_mode) == rustix::fs::FileType::Symlink {
        let t = rustix::fs::readlinkat(&fd, "", Vec::new()).ctx(format_args!("readlink {shown}"))?;
        let t = PathBuf::from(std::ffi::OsStr::from_bytes(t.as_bytes()));
        let abs = Path::new("/").join(rel.parent().unwrap_or(Path::new(""))).join(t);
        clean_path(&abs, true).map(|p| Path::new("/").join(p).display().to_string()).unwrap_or_default()
    } else {
        String::new()
    };
    Ok((
        PathStat {
            name,
            size: st.st_size,
            mode: PathStat::go_file_mode(st.st_mode),
            mtime: crate::types::rfc3339_nanos(
                std::time::UNIX_EPOCH + std::time::Duration::from_secs(st.st_mtime.max(0) as u64),
            ),
            link_target,
        },
        is_dir,
    ))
}

/// `HEAD /containers/{id}/archive?path=`: the stat of `path` alone.
pub fn archive_stat(store: &Store, name: &str, path: &str) -> Result<PathStat> {
    let c = super::load(store, name)?;
    let r = rel(path)?;
    super::rootfs::with_rootfs(store, &c, |root| stat_in(root, &r, path).map(|(s, _)| s))
}

/// `GET /containers/{id}/archive?path=`: a tar of `path` (its top entry named as the path's
/// last component).
pub fn archive_get(store: &Store, name: &str, path: &str, out: &mut (dyn Write + Send)) -> Result<PathStat> {
    let c = super::load(store, name)?;
    let r = rel(path)?;
    super::rootfs::with_rootfs(store, &c, |root| {
        let (stat, _) = stat_in(root, &r, path)?;
        // The root itself has no last component: then its contents, with names relative to it.
        let top_name = r.file_name().map(OsString::from);
        archive::write_tree(root, &r, out, &WriteOptions { top_name, ..Default::default() })?;
        Ok(stat)
    })
}

/// `PUT /containers/{id}/archive?path=`: extract a tar (any compression) into the directory `path`.
pub fn archive_put(
    store: &Store,
    name: &str,
    path: &str,
    input: &mut (dyn Read + Send),
    no_overwrite_dir_non_dir: bool,
) -> Result<()> {
    let c = super::load(store, name)?;
    if c.host_config.readonly_rootfs {
        return Err(Error::permission("container rootfs is marked read-only"));
    }
    let r = rel(path)?;
    super::rootfs::with_rootfs(store, &c, |root| {
        let (_, is_dir) = stat_in(root, &r, path)?;
        if !is_dir {
            return Err(Error::invalid(format!("extraction point is not a directory: {path}")));
        }
        archive::untar(input, root, &r, &UntarOptions { no_overwrite_dir_non_dir, ..Default::default() })
    })
}

/// `docker cp CONTAINER:SRC DEST` with the CLI's rules for where the copy lands.
pub fn copy_from(store: &Store, name: &str, src: &str, dest: &Path) -> Result<()> {
    let c = super::load(store, name)?;
    let contents_only = src.ends_with("/.");
    let r = rel(src)?;
    let (top, host_dir) = landing(dest, &r, contents_only)?;
    let host = RootDir::open(&host_dir)?;
    super::rootfs::with_rootfs(store, &c, |root| {
        let (_, is_dir) = stat_in(root, &r, src)?;
        if !is_dir && dest.is_dir() && contents_only {
            return Err(Error::invalid(format!("source {src} is not a directory")));
        }
        if is_dir && dest.exists() && !dest.is_dir() {
            return Err(Error::invalid(format!("cannot copy a directory to a file: {}", dest.display())));
        }
        pump(
            |w| {
                archive::write_tree(root, &r, w, &WriteOptions { top_name: Some(top.clone()), ..Default::default() })
                    .map(|_| ())
            },
            |rd| archive::untar(rd, &host, Path::new(""), &UntarOptions::default()),
        )
    })
}

/// `docker cp SRC CONTAINER:DEST`.
pub fn copy_to(store: &Store, name: &str, src: &Path, dest: &str) -> Result<()> {
    let c = super::load(store, name)?;
    if c.host_config.readonly_rootfs {
        return Err(Error::permission("container rootfs is marked read-only"));
    }
    let meta = std::fs::symlink_metadata(src).map_err(|e| Error::io(format_args!("stat {}", src.display()), e))?;
    let src_dir = src.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let src_name = src.file_name().map(OsString::from).unwrap_or_else(|| OsString::from("."));
    let host = RootDir::open(src_dir)?;
    let contents_only = src.to_string_lossy().ends_with("/.");
    let d = rel(dest)?;
    super::rootfs::with_rootfs(store, &c, |root| {
        // Into an existing directory: keep the source's name; otherwise the copy takes dest's name.
        let (target_dir, top) = match stat_in(root, &d, dest) {
            Ok((_, true)) if !contents_only => (d.clone(), src_name.clone()),
            Ok((_, true)) => (
                d.parent().map(Path::to_path_buf).unwrap_or_default(),
                d.file_name().map(OsString::from).unwrap_or_default(),
            ),
            Ok((_, false)) if meta.is_dir() => {
                return Err(Error::invalid(format!("cannot copy a directory to a file: {dest}")))
            }
            Ok((_, false)) => (
                d.parent().map(Path::to_path_buf).unwrap_or_default(),
                d.file_name().map(OsString::from).unwrap_or_default(),
            ),
            Err(e) if e.kind() == crate::ErrorKind::NotFound => {
                if dest.ends_with('/') {
                    return Err(Error::not_found(format!("destination directory {dest} does not exist")));
                }
                let parent = d.parent().map(Path::to_path_buf).unwrap_or_default();
                stat_in(root, &parent, dest).map_err(|_| {
                    Error::not_found(format!("Could not find the file {} in container", parent.display()))
                })?;
                (parent, d.file_name().map(OsString::from).unwrap_or_default())
            }
            Err(e) => return Err(e),
        };
        let src_rel = PathBuf::from(&src_name);
        pump(
            |w| {
                archive::write_tree(
                    &host,
                    &src_rel,
                    w,
                    &WriteOptions { top_name: Some(top.clone()), ..Default::default() },
                )
                .map(|_| ())
            },
            |rd| archive::untar(rd, root, &target_dir, &UntarOptions::default()),
        )
    })
}

/// Where a copy out of the container lands: (name of the top entry, host directory to extract in).
fn landing(dest: &Path, src: &Path, contents_only: bool) -> Result<(OsString, PathBuf)> {
    let src_name = src.file_name().map(OsString::from).unwrap_or_else(|| OsString::from("root"));
    if dest.is_dir() {
        if contents_only {
            let parent = dest.parent().unwrap_or(Path::new("/")).to_path_buf();
            return Ok((dest.file_name().map(OsString::from).unwrap_or_default(), parent));
        }
        return Ok((src_name, dest.to_path_buf()));
    }
    if dest.to_string_lossy().ends_with('/') {
        return Err(Error::not_found(format!("destination directory {} does not exist", dest.display())));
    }
    let parent = dest.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new(".")).to_path_buf();
    if !parent.is_dir() {
        return Err(Error::not_found(format!("destination directory {} does not exist", parent.display())));
    }
    Ok((dest.file_name().map(OsString::from).unwrap_or_default(), parent))
}

/// Stream a tar from a producer to a consumer through a pipe (bounded memory).
fn pump(
    produce: impl FnOnce(&mut dyn Write) -> Result<()> + Send,
    consume: impl FnOnce(std::io::PipeReader) -> Result<()>,
) -> Result<()> {
    let (reader, mut writer) = std::io::pipe().ctx("pipe")?;
    std::thread::scope(|s| {
        let p = s.spawn(move || {
            let r = produce(&mut writer);
            drop(writer);
            r
        });
        let consumed = consume(reader);
        let produced = p.join().map_err(|_| Error::internal("tar thread panicked"))?;
        produced.and(consumed)
    })
}
