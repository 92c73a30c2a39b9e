//! Image filesystems for the steps that touch files without a container: COPY/ADD and WORKDIR
//! write through a writable overlay of the image ([`StepFs`]), `COPY --from` reads a read-only
//! one ([`ImageView`]).
//!
//! Both are detached overlay mounts (`fsmount` without `move_mount`): reachable only through
//! their fd, so every path is resolved by `openat2(RESOLVE_IN_ROOT)` inside the image (a symlink
//! `/app -> /tmp/victim` in the image leads to the image's `/tmp/victim`, never the host's), they
//! appear in no mount table, and they vanish when the fd is closed, whatever happens to us.

use crate::archive::{self, AppliedLayer};
use crate::digest::Digest;
use crate::error::{IoContext, Result};
use crate::runtime::mounts::detached_overlay;
use crate::safefs::RootDir;
use crate::store::{Image, Staging, Store};
use rustix::fs::{AtFlags, FileType, Mode, OFlags};
use rustix::io::Errno;
use std::collections::VecDeque;
use std::ffi::OsString;
use std::path::{Path, PathBuf};

/// The layer directories of an image, top first (what overlayfs takes as lowers).
fn lowers(store: &Store, image: Option<&Image>) -> Vec<PathBuf> {
    let diff_ids = image.map(|i| i.config.rootfs.diff_ids.as_slice()).unwrap_or_default();
    Digest::chain_ids(diff_ids).iter().rev().map(|c| store.layer_diff(c)).collect()
}

/// An image's root filesystem, read-only.
pub struct ImageView {
    root: RootDir,
    _staging: Staging,
}

impl ImageView {
    pub fn open(store: &Store, image: Option<&Image>) -> Result<ImageView> {
        let staging = store.staging()?;
        let empty = staging.path().join("empty");
        std::fs::create_dir(&empty).ctx("create an empty layer")?;
        let mut lower = vec![empty.clone()];
        lower.extend(lowers(store, image));
        // A read-only overlay needs two lowers: the empty directory on top makes sure of it.
        let root = if lower.len() == 1 {
            RootDir::open(&empty)?
        } else {
            let label = PathBuf::from(format!("image {}", image.map(|i| i.id.short()).unwrap_or("scratch")));
            RootDir::from_fd(detached_overlay(&lower, None)?, label)
        };
        Ok(ImageView { root, _staging: staging })
    }

    pub fn root(&self) -> &RootDir {
        &self.root
    }
}

/// A step's writable view of an image: the image's layers under a fresh upper directory that
/// becomes the step's layer.
pub struct StepFs {
    root: Option<RootDir>,
    staging: Staging,
}

impl StepFs {
    pub fn open(store: &Store, image: Option<&Image>) -> Result<StepFs> {
        let staging = store.staging()?;
        let (upper, work) = (staging.path().join("upper"), staging.path().join("work"));
        for d in [&upper, &work] {
            std::fs::create_dir(d).ctx(format_args!("create {}", d.display()))?;
        }
        let mut lower = lowers(store, image);
        if lower.is_empty() {
            // FROM scratch: overlayfs still wants a lower directory.
            let empty = staging.path().join("empty");
            std::fs::create_dir(&empty).ctx("create an empty layer")?;
            lower.push(empty);
        }
        let label = PathBuf::from(format!("image {}", image.map(|i| i.id.short()).unwrap_or("scratch")));
        let root = RootDir::from_fd(detached_overlay(&lower, Some((&upper, &work)))?, label);
        Ok(StepFs { root: Some(root), staging })
    }

    pub fn root(&self) -> &RootDir {
        self.root.as_ref().expect("open until finished")
    }

    /// Unmount (close) and turn what was written into a staged layer, `None` when nothing was.
    pub fn finish(mut self) -> Result<Option<StagedLayer>> {
        drop(self.root.take());
        StagedLayer::from_upper(self.staging, Path::new("upper"))
    }
}

/// A layer made from an upper directory, ready for `Store::commit_layer`.
pub struct StagedLayer {
    /// Holds the staged files; removed on drop unless the layer was committed (moved out).
    pub staging: Staging,
    pub applied: AppliedLayer,
}

impl StagedLayer {
    /// The layer of the changes in `staging/<upper>`; `None` when there are none (Docker's
    /// `empty_layer`).
    pub fn from_upper(staging: Staging, upper: &Path) -> Result<Option<StagedLayer>> {
        let upper = staging.path().join(upper);
        Self::from_dir(staging, &upper)
    }

    /// The layer of the changes in `upper` (any overlay upper directory), staged in `staging`.
    pub fn from_dir(staging: Staging, upper: &Path) -> Result<Option<StagedLayer>> {
        if std::fs::read_dir(upper).ctx(format_args!("read {}", upper.display()))?.next().is_none() {
            return Ok(None);
        }
        let layer_dir = staging.path().join("layer");
        std::fs::create_dir(&layer_dir).ctx("create layer staging")?;
        let applied = crate::container::commit::diff_layer(upper, &layer_dir)?;
        Ok(Some(StagedLayer { staging, applied }))
    }

    pub fn dir(&self) -> PathBuf {
        self.staging.path().join("layer")
    }
}

/// A single file of the host (a download, a heredoc) to copy like a context file.
pub fn write_temp_file(dir: &Path, name: &str, data: &[u8], mode: u32) -> Result<PathBuf> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let path = dir.join(name);
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(mode)
        .open(&path)
        .ctx(format_args!("create {}", path.display()))?;
    f.write_all(data).ctx(format_args!("write {}", path.display()))?;
    // The umask must not change what the image gets.
    std::fs::set_permissions(&path, std::os::unix::fs::PermissionsExt::from_mode(mode))
        .ctx(format_args!("chmod {}", path.display()))?;
    Ok(path)
}

/// Whether a file is an archive ADD unpacks: a tar, compressed or not (moby's `IsArchivePath`:
/// decompress, then read one tar header).
pub fn is_archive(root: &RootDir, rel: &Path) -> Result<bool> {
    use std::io::Read;
    let fd = root
        .open_in(rel, OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::NONBLOCK | OFlags::NOCTTY, Mode::empty())
        .ctx(format_args!("open {}", rel.display()))?;
    let Ok((_, decoded)) = archive::compress::decompress(std::fs::File::from(fd)) else { return Ok(false) };
    let mut head = Vec::with_capacity(archive::tar::BLOCK);
    if decoded.take(archive::tar::BLOCK as u64).read_to_end(&mut head).is_err() {
        return Ok(false);
    }
    Ok(archive::tar::is_header(&head))
}

/// `rel` inside `root` with every symlink resolved inside the root (moby's
/// `FollowSymlinkInScope`): the path of what it names, made of real names only. With
/// `missing_ok`, a missing component (a dangling link's target too) ends the walk and the rest
/// is taken as written: the path to create.
pub fn resolve_in(root: &RootDir, rel: &Path, missing_ok: bool) -> rustix::io::Result<PathBuf> {
    let mut todo: VecDeque<OsString> = rel.iter().map(OsString::from).collect();
    let mut done = PathBuf::new();
    let mut links = 0;
    while let Some(c) = todo.pop_front() {
        if c == "." || c.is_empty() {
            continue;
        }
        if c == ".." {
            done.pop();
            continue;
        }
        let parent = root.open_dir(&done)?;
        let st = match rustix::fs::statat(&parent, c.as_os_str(), AtFlags::SYMLINK_NOFOLLOW) {
            Ok(st) => st,
            Err(Errno::NOENT) if missing_ok => {
                done.push(&c);
                for rest in todo {
                    match rest.to_str() {
                        Some("." | "") => {}
                        Some("..") => {
                            done.pop();
                        }
                        _ => done.push(rest),
                    }
                }
                return Ok(done);
            }
            Err(e) => return Err(e),
        };
        if FileType::from_raw_mode(st.st_mode) != FileType::Symlink {
            done.push(&c);
            continue;
        }
        links += 1;
        if links > 40 {
            return Err(Errno::LOOP);
        }
        let target = rustix::fs::readlinkat(&parent, c.as_os_str(), Vec::new())?;
        let target = PathBuf::from(<OsString as std::os::unix::ffi::OsStringExt>::from_vec(target.into_bytes()));
        if target.is_absolute() {
            done = PathBuf::new();
        }
        for (i, t) in target.iter().filter(|t| *t != "/").enumerate() {
            todo.insert(i, t.to_os_string());
        }
    }
    Ok(done)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    #[test]
    fn symlinks_resolve_inside_the_root() {
        let t = tempfile::tempdir().unwrap();
        let r = t.path();
        std::fs::create_dir_all(r.join("etc")).unwrap();
        std::fs::create_dir_all(r.join("d/sub")).unwrap();
        std::fs::write(r.join("etc/shadow"), b"context's own").unwrap();
        symlink("/etc", r.join("link")).unwrap();
        symlink("../../..", r.join("d/up")).unwrap();
        symlink("sub", r.join("d/rel")).unwrap();
        symlink("loop", r.join("loop")).unwrap();
        let root = RootDir::open(r).unwrap();
        assert_eq!(resolve_in(&root, Path::new("link/shadow"), false).unwrap(), PathBuf::from("etc/shadow"));
        assert_eq!(resolve_in(&root, Path::new("d/up/etc"), false).unwrap(), PathBuf::from("etc"));
        assert_eq!(resolve_in(&root, Path::new("d/rel"), false).unwrap(), PathBuf::from("d/sub"));
        assert_eq!(resolve_in(&root, Path::new("nosuch"), false), Err(Errno::NOENT));
        assert_eq!(resolve_in(&root, Path::new("loop"), false), Err(Errno::LOOP));
        assert_eq!(resolve_in(&root, Path::new(""), false).unwrap(), PathBuf::new());
        symlink("/nowhere/deep", r.join("dangling")).unwrap();
        assert_eq!(resolve_in(&root, Path::new("dangling/x/../y"), true).unwrap(), PathBuf::from("nowhere/deep/y"));
        assert_eq!(resolve_in(&root, Path::new("link/new/file"), true).unwrap(), PathBuf::from("etc/new/file"));
        assert_eq!(resolve_in(&root, Path::new("dangling"), false), Err(Errno::NOENT));
    }
}
