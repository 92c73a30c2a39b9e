//! `COPY` and `ADD`: files from the context (or another stage or image, `--from`), heredocs, and
//! for ADD local archives (unpacked) and http URLs (downloaded, not unpacked), written into the
//! step's overlay of the image.
//!
//! Safety: sources are resolved inside their root — `..` may not leave it ("forbidden path
//! outside the build context"), symlinks are followed inside it only (a context link to `/etc`
//! leads to the context's own `etc`); inside a copied directory links are copied as links.
//! Destinations are resolved inside the image (through its symlinks, never out of it), and
//! everything is written by the safe extraction of [`crate::archive::untar`], so an archive
//! with breakout links stays inside the image. Rules follow the classic builder: a directory's
//! contents are copied; a file goes into the destination when it ends with `/` or is an existing
//! directory, else becomes it; several sources need a directory destination; owners are root
//! unless `--chown`.

use super::dispatch::StageState;
use super::fs::{is_archive, resolve_in, write_temp_file, ImageView, StepFs};
use super::hash::{combine, hash_inline, hash_source};
use super::paths::{dest_is_dir_syntax, has_wildcards, normalize_dest, pattern_components, source_rel};
use super::{fetch, Builder};
use crate::archive::{self, Filter, UntarOptions, WriteOptions};
use crate::build::dockerfile::{Add, Copy, InlineFile, Instruction};
use crate::error::{Error, IoContext, Result};
use crate::safefs::{clean_path, RootDir};
use crate::store::{Staging, Store};
use rustix::fs::{AtFlags, FileType, Mode, OFlags};
use rustix::io::Errno;
use std::ffi::{OsStr, OsString};
use std::io::Read;
use std::path::{Path, PathBuf};

/// The most an archive that ADD unpacks may expand to (uncompressed tar bytes). Zero runs are
/// written as holes, so the disk holds far less; this bounds the time a bomb can take.
pub const MAX_EXTRACT: u64 = 8 << 30;

/// What a COPY or ADD asks for (expanded).
pub struct CopySpec<'i> {
    add: bool,
    sources: &'i [String],
    files: &'i [InlineFile],
    dest: &'i str,
    from: Option<&'i str>,
    chown: Option<&'i str>,
    chmod: Option<(&'i str, u32)>,
    checksum: Option<&'i str>,
    unpack: Option<bool>,
}

fn parse_chmod(s: &str) -> Result<(&str, u32)> {
    match u32::from_str_radix(s, 8) {
        Ok(m) if m <= 0o7777 => Ok((s, m)),
        _ => Err(Error::invalid(format!("invalid chmod parameter: {s:?} (an octal mode such as 0755)"))),
    }
}

impl<'i> CopySpec<'i> {
    pub fn copy(c: &'i Copy) -> Result<CopySpec<'i>> {
        if c.parents {
            return Err(Error::unsupported("COPY --parents is not supported by this builder"));
        }
        if !c.excludes.is_empty() {
            return Err(Error::unsupported("COPY --exclude is not supported by this builder"));
        }
        // --link only lets BuildKit rebase the layer; the files are the same without it.
        Ok(CopySpec {
            add: false,
            sources: &c.sources,
            files: &c.files,
            dest: &c.dest,
            from: c.from.as_deref(),
            chown: c.chown.as_deref().filter(|s| !s.is_empty()),
            chmod: c.chmod.as_deref().filter(|s| !s.is_empty()).map(parse_chmod).transpose()?,
            checksum: None,
            unpack: None,
        })
    }

    pub fn add(a: &'i Add) -> Result<CopySpec<'i>> {
        if !a.excludes.is_empty() {
            return Err(Error::unsupported("ADD --exclude is not supported by this builder"));
        }
        if a.keep_git_dir {
            return Err(Error::unsupported("ADD --keep-git-dir: git sources are not supported by this builder"));
        }
        Ok(CopySpec {
            add: true,
            sources: &a.sources,
            files: &a.files,
            dest: &a.dest,
            from: None,
            chown: a.chown.as_deref().filter(|s| !s.is_empty()),
            chmod: a.chmod.as_deref().filter(|s| !s.is_empty()).map(parse_chmod).transpose()?,
            checksum: a.checksum.as_deref().filter(|s| !s.is_empty()),
            unpack: a.unpack,
        })
    }

    fn name(&self) -> &'static str {
        if self.add {
            "ADD"
        } else {
            "COPY"
        }
    }
}

/// Which root a source is in.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Origin {
    /// The build context (`.dockerignore` applies).
    Context,
    /// The image of `--from`.
    Image,
    /// A file we wrote: a download or a heredoc.
    Files,
}

struct Source {
    origin: Origin,
    /// Inside its root, symlinks resolved.
    rel: PathBuf,
    /// Its name in a destination directory (the name as written, even for a symlink).
    name: OsString,
    is_dir: bool,
    /// ADD unpacks it (a local archive, or a download with `--unpack`).
    unpack: bool,
    hash: String,
}

/// Downloads and heredocs, each in its own directory.
struct Files {
    staging: Staging,
    root: RootDir,
    count: usize,
}

impl Files {
    fn new(store: &Store) -> Result<Files> {
        let staging = store.staging()?;
        let dir = staging.path().join("files");
        std::fs::create_dir(&dir).ctx("create a directory for sources")?;
        let root = RootDir::open(&dir)?;
        Ok(Files { staging, root, count: 0 })
    }

    /// The one `Files` of a step, made on first use.
    fn get<'f>(files: &'f mut Option<Files>, store: &Store) -> Result<&'f mut Files> {
        match files {
            Some(f) => Ok(f),
            None => Ok(files.insert(Files::new(store)?)),
        }
    }

    /// A new empty directory: (inside the root, on the host).
    fn next_dir(&mut self) -> Result<(PathBuf, PathBuf)> {
        self.count += 1;
        let rel = PathBuf::from(self.count.to_string());
        let abs = self.staging.path().join("files").join(&rel);
        std::fs::create_dir(&abs).ctx("create a directory for a source")?;
        Ok((rel, abs))
    }
}

impl Builder<'_, '_> {
    pub(super) fn copy_step(&mut self, st: &mut StageState, instr: &Instruction, spec: CopySpec<'_>) -> Result<()> {
        let cmd_name = spec.name();
        let view = match spec.from {
            Some(from) => Some(self.view_for_from(st.index, from)?),
            None => None,
        };
        let mut files: Option<Files> = None;
        let sources = self.sources(&spec, view.as_ref(), &mut files)?;
        let dest = normalize_dest(&st.config.working_dir, spec.dest);
        let into_dir = dest_is_dir_syntax(spec.dest) || dest.ends_with('/');
        if sources.len() > 1 && !into_dir {
            return Err(Error::invalid(format!(
                "When using {cmd_name} with more than one source file, the destination must be a directory and end with a /"
            )));
        }

        let src_hash = match sources.as_slice() {
            [one] => one.hash.clone(),
            many => combine("multi", &many.iter().map(|s| s.hash.clone()).collect::<Vec<_>>()),
        };
        let mut comment = format!("{cmd_name} ");
        if let Some(c) = spec.chown {
            // No space before the hash: the classic builder's history reads `--chown=appfile:…`.
            comment.push_str(&format!("--chown={c}"));
        }
        if let Some((text, _)) = spec.chmod {
            comment.push_str(&format!("--chmod={text} "));
        }
        comment.push_str(&format!("{src_hash} in {} ", spec.dest));
        let mut cmd = self.shell(st);
        cmd.push(format!("#(nop) {comment}"));
        let key = self.key(st, instr, &cmd.join(" "), &[]);
        if self.probe(st, &key)? {
            return Ok(());
        }

        let fs = StepFs::open(self.store, st.image.as_ref())?;
        let owner = spec.chown.map(|c| resolve_chown(fs.root(), c)).transpose()?;
        let dest_rel = clean_path(&dest, true)?;
        let ctx_filter_for = |s: &Source| if s.origin == Origin::Context { self.ctx.filter(&s.rel) } else { None };
        for src in &sources {
            let root = match src.origin {
                Origin::Context => self.ctx.root(),
                Origin::Image => view.as_ref().expect("--from view").root(),
                Origin::Files => &files.as_ref().expect("files").root,
            };
            let filter = ctx_filter_for(src);
            let job = CopyJob {
                src,
                src_root: root,
                filter: filter.as_ref().map(|f| f as Filter),
                dest_root: fs.root(),
                dest_rel: &dest_rel,
                into_dir,
                owner,
                chmod: spec.chmod.map(|(_, m)| m),
            };
            job.run().map_err(|e| e.context(format_args!("{cmd_name} {}", src.name.to_string_lossy())))?;
        }
        let layer = fs.finish()?;
        self.publish(st, &key, cmd, layer, None)
    }

    /// Every source of the instruction, resolved and hashed: URLs (ADD), paths in the context or
    /// the `--from` image (wildcards expanded), heredocs.
    fn sources(
        &mut self,
        spec: &CopySpec<'_>,
        view: Option<&ImageView>,
        files: &mut Option<Files>,
    ) -> Result<Vec<Source>> {
        let failed = |e: Error| e.context(format_args!("{} failed", spec.name()));
        let mut sources = Vec::new();
        for orig in spec.sources {
            if fetch::is_url(orig) {
                if !spec.add {
                    return Err(failed(Error::invalid("source can't be a URL for COPY")));
                }
                let dir = Files::get(files, self.store)?;
                sources.push(self.url_source(spec, orig, dir).map_err(failed)?);
            } else if spec.checksum.is_some() {
                return Err(Error::invalid("checksum can't be specified for non-HTTP(S) sources"));
            } else {
                sources.extend(self.path_sources(spec, orig, view).map_err(failed)?);
            }
        }
        for f in spec.files {
            let dir = Files::get(files, self.store)?;
            let (rel_dir, abs_dir) = dir.next_dir()?;
            write_temp_file(&abs_dir, &f.name, f.data.as_bytes(), 0o644)?;
            sources.push(Source {
                origin: Origin::Files,
                rel: rel_dir.join(&f.name),
                name: f.name.clone().into(),
                is_dir: false,
                unpack: false,
                hash: hash_inline(&f.name, 0o644, f.data.as_bytes()),
            });
        }
        if sources.is_empty() {
            return Err(failed(Error::invalid("no source files were specified")));
        }
        Ok(sources)
    }

    /// `ADD http://…`: downloaded into `files`, named by the URL (or its Content-Disposition).
    fn url_source(&mut self, spec: &CopySpec<'_>, url: &str, files: &mut Files) -> Result<Source> {
        let (rel_dir, abs_dir) = files.next_dir()?;
        let out = &mut *self.out;
        let d = fetch::download(url, &abs_dir, &mut |c, t| out.progress(c, t))?;
        if let Some(sum) = spec.checksum {
            verify_checksum(&d.path, sum)?;
        }
        let name = match d.name {
            Some(n) => n,
            None if dest_is_dir_syntax(spec.dest) => {
                return Err(Error::invalid(format!("cannot determine filename for source {url}")))
            }
            None => "__unnamed__".into(),
        };
        let rel = rel_dir.join(d.path.file_name().unwrap_or(OsStr::new("__unnamed__")));
        // Never unpacked, unless asked (`ADD --unpack=true`).
        let unpack = spec.unpack == Some(true) && is_archive(&files.root, &rel)?;
        let hash = hash_source(&files.root, &rel, None)?;
        Ok(Source { origin: Origin::Files, rel, name: name.into(), is_dir: false, unpack, hash })
    }

    /// A path (or wildcard) in the context, or in the `--from` image: each match with its
    /// symlinks resolved inside that root; `.dockerignore`d paths do not exist.
    fn path_sources(&self, spec: &CopySpec<'_>, orig: &str, view: Option<&ImageView>) -> Result<Vec<Source>> {
        let (origin, root) = match view {
            Some(v) => (Origin::Image, v.root()),
            None => (Origin::Context, self.ctx.root()),
        };
        let in_context = origin == Origin::Context;
        let paths =
            if has_wildcards(orig) { self.wildcard_matches(root, orig, in_context)? } else { vec![source_rel(orig)?] };
        let mut out = Vec::new();
        for path in paths {
            let missing = || {
                let shown = path.display();
                Error::not_found(if in_context {
                    format!("file not found in build context or excluded by .dockerignore: stat {shown}: file does not exist")
                } else {
                    format!("stat {shown}: file does not exist")
                })
            };
            let rel = match resolve_in(root, &path, false) {
                Ok(r) => r,
                Err(Errno::NOENT | Errno::NOTDIR | Errno::LOOP) => return Err(missing()),
                Err(e) => return Err(Error::io(format_args!("stat {}", path.display()), e)),
            };
            let fd = root.open_in(&rel, OFlags::PATH | OFlags::NOFOLLOW, Mode::empty()).map_err(|_| missing())?;
            let is_dir = FileType::from_raw_mode(rustix::fs::fstat(&fd).ctx("stat")?.st_mode) == FileType::Directory;
            let excluded = |p: &Path| self.ctx.excluded(p) && (!is_dir || self.ctx.excluded_tree(p));
            if in_context && (excluded(&path) || excluded(&rel)) {
                return Err(missing());
            }
            let unpack = spec.add && !is_dir && spec.unpack != Some(false) && is_archive(root, &rel)?;
            let filter = if in_context { self.ctx.filter(&rel) } else { None };
            let hash = hash_source(root, &rel, filter.as_ref().map(|f| f as Filter))?;
            let name = path.file_name().map(OsString::from).unwrap_or_else(|| ".".into());
            out.push(Source { origin, rel, name, is_dir, unpack, hash });
        }
        Ok(out)
    }

    /// The filesystem `COPY --from=x` reads: an earlier stage's image, or an image by name.
    fn view_for_from(&mut self, current: usize, from: &str) -> Result<ImageView> {
        let image = match self.stage_ref(from, current)? {
            Some(j) => self.stage_image(j)?,
            None => Some(crate::image::resolve::resolve(self.store, from)?),
        };
        ImageView::open(self.store, image.as_ref())
    }

    /// The paths a wildcard source matches, in the order of a walk (Go's `filepath.Match` per
    /// component; only real directories are entered; `.dockerignore`d paths do not exist).
    fn wildcard_matches(&self, root: &RootDir, orig: &str, in_context: bool) -> Result<Vec<PathBuf>> {
        let comps = pattern_components(orig)?;
        let mut out = Vec::new();
        self.walk_matches(root, PathBuf::new(), &comps, in_context, &mut out)?;
        Ok(out)
    }

    fn walk_matches(
        &self,
        root: &RootDir,
        dir: PathBuf,
        comps: &[String],
        in_context: bool,
        out: &mut Vec<PathBuf>,
    ) -> Result<()> {
        let Some((first, rest)) = comps.split_first() else { return Ok(()) };
        let fd = match root.open_in(&dir, OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW, Mode::empty()) {
            Ok(fd) => fd,
            Err(Errno::NOENT | Errno::NOTDIR) => return Ok(()),
            Err(e) => return Err(Error::io(format_args!("read /{}", dir.display()), e)),
        };
        for n in crate::safefs::sorted_names(std::os::fd::AsFd::as_fd(&fd))? {
            let n = String::from_utf8_lossy(&n).into_owned();
            if !super::paths::glob_match(first, &n)? {
                continue;
            }
            let p = dir.join(&n);
            let Ok(st) = rustix::fs::statat(&fd, n.as_str(), AtFlags::SYMLINK_NOFOLLOW) else { continue };
            let is_dir = FileType::from_raw_mode(st.st_mode) == FileType::Directory;
            if in_context && self.ctx.excluded(&p) && (!is_dir || self.ctx.excluded_tree(&p)) {
                continue;
            }
            if rest.is_empty() {
                out.push(p);
            } else if is_dir {
                self.walk_matches(root, p, rest, in_context, out)?;
            }
        }
        Ok(())
    }
}

/// One source copied into the step's filesystem.
struct CopyJob<'a> {
    src: &'a Source,
    src_root: &'a RootDir,
    filter: Option<Filter<'a>>,
    dest_root: &'a RootDir,
    dest_rel: &'a Path,
    into_dir: bool,
    owner: Option<(u32, u32)>,
    chmod: Option<u32>,
}

impl CopyJob<'_> {
    fn run(&self) -> Result<()> {
        // Where the destination really is in the image (its symlinks followed inside it, even
        // dangling ones, which lead to directories to create, as moby's FollowSymlinkInScope).
        let dest = resolve_in(self.dest_root, self.dest_rel, true)
            .map_err(|e| Error::io(format_args!("resolve /{}", self.dest_rel.display()), e))?;
        let dest_rel = dest.as_path();
        let owner = self.owner.unwrap_or((0, 0));
        let untar_opts = UntarOptions { chown: Some(owner), chmod: self.chmod, ..Default::default() };
        if self.src.is_dir {
            // The directory's contents, into the destination directory.
            mkdir_owned(self.dest_root, dest_rel, owner)?;
            let w = WriteOptions { filter: self.filter, ..Default::default() };
            return pipe_tree(self.src_root, &self.src.rel, &w, self.dest_root, dest_rel, &untar_opts);
        }
        if self.src.unpack {
            mkdir_owned(self.dest_root, dest_rel, owner)?;
            let fd = self
                .src_root
                .open_in(&self.src.rel, OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::NONBLOCK, Mode::empty())
                .ctx("open the archive")?;
            let (_, decoded) = archive::compress::decompress(std::fs::File::from(fd))?;
            let limited = Limited { inner: decoded, left: MAX_EXTRACT };
            // The archive's owners stay unless --chown says otherwise.
            let opts = UntarOptions { chown: self.owner, chmod: self.chmod, ..Default::default() };
            return archive::untar(limited, self.dest_root, dest_rel, &opts);
        }
        let existing_dir = dest_rel.as_os_str().is_empty() || self.dest_root.open_dir(dest_rel).is_ok();
        let (dir, name) = if self.into_dir || existing_dir {
            (dest_rel.to_path_buf(), self.src.name.clone())
        } else {
            let name = dest_rel.file_name().map(OsString::from).unwrap_or_default();
            (dest_rel.parent().map(Path::to_path_buf).unwrap_or_default(), name)
        };
        mkdir_owned(self.dest_root, &dir, owner)?;
        let w = WriteOptions { top_name: Some(name), ..Default::default() };
        pipe_tree(self.src_root, &self.src.rel, &w, self.dest_root, &dir, &untar_opts)
    }
}

/// Tar `rel` of `src` into `dest_rel` of `dest` through a pipe (bounded memory).
fn pipe_tree(
    src: &RootDir,
    rel: &Path,
    wopts: &WriteOptions<'_>,
    dest: &RootDir,
    dest_rel: &Path,
    uopts: &UntarOptions,
) -> Result<()> {
    let (reader, mut writer) = std::io::pipe().ctx("pipe")?;
    std::thread::scope(|s| {
        let producer = s.spawn(move || {
            let r = archive::write_tree(src, rel, &mut writer, wopts);
            drop(writer);
            r
        });
        let consumed = archive::untar(reader, dest, dest_rel, uopts);
        let produced = producer.join().map_err(|_| Error::internal("tar thread panicked"))?;
        // The consumer's error explains more when both failed (the producer saw a broken pipe).
        consumed.and(produced.map(|_| ()))
    })
}

/// Create `rel` and its missing parents inside `root` (0755, owned by `owner`, as moby's
/// `MkdirAllAndChownNew`); existing directories are left as they are.
fn mkdir_owned(root: &RootDir, rel: &Path, owner: (u32, u32)) -> Result<()> {
    if root.open_dir(rel).is_ok() {
        return Ok(());
    }
    let mut so_far = PathBuf::new();
    for c in rel.iter() {
        let parent = root.open_dir(&so_far).ctx(format_args!("open /{}", so_far.display()))?;
        so_far.push(c);
        match root.open_dir(&so_far) {
            Ok(_) => continue,
            Err(Errno::NOENT) => {}
            Err(Errno::NOTDIR) => {
                return Err(Error::invalid(format!("cannot copy to /{}: it is not a directory", so_far.display())))
            }
            Err(e) => return Err(Error::io(format_args!("open /{}", so_far.display()), e)),
        }
        match rustix::fs::mkdirat(&parent, c, Mode::from_raw_mode(0o755)) {
            Ok(()) => {
                let (uid, gid) = (rustix::fs::Uid::from_raw(owner.0), rustix::fs::Gid::from_raw(owner.1));
                rustix::fs::chownat(&parent, c, Some(uid), Some(gid), AtFlags::SYMLINK_NOFOLLOW)
                    .ctx(format_args!("chown /{}", so_far.display()))?;
                rustix::fs::chmodat(&parent, c, Mode::from_raw_mode(0o755), AtFlags::empty())
                    .ctx(format_args!("chmod /{}", so_far.display()))?;
            }
            Err(Errno::EXIST) => {}
            Err(e) => return Err(Error::io(format_args!("mkdir /{}", so_far.display()), e)),
        }
        root.open_dir(&so_far).map_err(|e| match e {
            Errno::NOENT => {
                Error::invalid(format!("cannot create directory /{}: it is a dangling symbolic link", so_far.display()))
            }
            e => Error::io(format_args!("open /{}", so_far.display()), e),
        })?;
    }
    Ok(())
}

/// `--chown=user[:group]`: names from the image's `/etc/passwd` and `/etc/group` (read inside the
/// image), numbers as they are; a lone user is also the group, as in the classic builder.
fn resolve_chown(root: &RootDir, spec: &str) -> Result<(u32, u32)> {
    let parts: Vec<&str> = spec.split(':').collect();
    let (user, group) = match parts.as_slice() {
        [u] => (*u, *u),
        [u, g] => (*u, *g),
        _ => return Err(Error::invalid(format!("invalid chown string format: {spec}"))),
    };
    let mapping = "unable to convert uid/gid chown string to host mapping";
    let uid = match user.parse::<u32>() {
        Ok(n) => n,
        Err(_) => lookup_id(root, "etc/passwd", user).ok_or_else(|| {
            Error::invalid(format!("{mapping}: can't find uid for user {user}: no such user: {user}"))
        })?,
    };
    let gid = match group.parse::<u32>() {
        Ok(n) => n,
        Err(_) => lookup_id(root, "etc/group", group).ok_or_else(|| {
            Error::invalid(format!("{mapping}: can't find gid for group {group}: no such group: {group}"))
        })?,
    };
    Ok((uid, gid))
}

/// The id (third field) of `name` in a passwd/group file of the image.
fn lookup_id(root: &RootDir, file: &str, name: &str) -> Option<u32> {
    let fd = root.open_in(Path::new(file), OFlags::RDONLY | OFlags::NONBLOCK, Mode::empty()).ok()?;
    let mut text = String::new();
    std::fs::File::from(fd).take(16 << 20).read_to_string(&mut text).ok()?;
    text.lines().find_map(|l| {
        let f: Vec<&str> = l.split(':').collect();
        (f.len() > 2 && f[0] == name).then(|| f[2].trim().parse().ok()).flatten()
    })
}

/// `ADD --checksum=sha256:<hex>` of a download.
fn verify_checksum(path: &Path, expected: &str) -> Result<()> {
    let want = crate::digest::Digest::parse(expected)?;
    let mut f = std::fs::File::open(path).ctx(format_args!("open {}", path.display()))?;
    let mut h = crate::digest::Hasher::new();
    let mut buf = vec![0u8; 256 << 10];
    loop {
        let n = f.read(&mut buf).ctx(format_args!("read {}", path.display()))?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    let got = h.finish();
    if got != want {
        return Err(Error::invalid(format!("digest mismatch {want}: {got}")));
    }
    Ok(())
}

/// Stops an archive that expands beyond [`MAX_EXTRACT`].
struct Limited<R> {
    inner: R,
    left: u64,
}

impl<R: Read> Read for Limited<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let want = buf.len().min(usize::try_from(self.left.saturating_add(1)).unwrap_or(usize::MAX));
        let n = self.inner.read(&mut buf[..want])?;
        if n as u64 > self.left {
            return Err(Error::invalid(format!(
                "the archive expands to more than {} GiB, the limit of ADD",
                MAX_EXTRACT >> 30
            ))
            .into_io());
        }
        self.left -= n as u64;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chown_specs() {
        let t = tempfile::tempdir().unwrap();
        std::fs::create_dir(t.path().join("etc")).unwrap();
        std::fs::write(t.path().join("etc/passwd"), "root:x:0:0::/root:/bin/sh\napp:x:1000:1000::/home/app:/bin/sh\n")
            .unwrap();
        std::fs::write(t.path().join("etc/group"), "root:x:0:\napp:x:1000:\nextra:x:2000:app\n").unwrap();
        let root = RootDir::open(t.path()).unwrap();
        assert_eq!(resolve_chown(&root, "app").unwrap(), (1000, 1000));
        assert_eq!(resolve_chown(&root, "app:extra").unwrap(), (1000, 2000));
        assert_eq!(resolve_chown(&root, "42:43").unwrap(), (42, 43));
        assert_eq!(resolve_chown(&root, "42").unwrap(), (42, 42));
        let e = resolve_chown(&root, "nosuch").unwrap_err();
        assert!(e.message().ends_with("can't find uid for user nosuch: no such user: nosuch"), "{e}");
        assert!(resolve_chown(&root, "a:b:c").is_err());
        assert!(parse_chmod("0755").is_ok() && parse_chmod("888").is_err() && parse_chmod("17777").is_err());
    }

    #[test]
    fn extraction_is_bounded() {
        let mut l = Limited { inner: std::io::repeat(0).take(10), left: 8 };
        let mut buf = Vec::new();
        let e = l.read_to_end(&mut buf).unwrap_err();
        assert!(Error::io("x", e).message().contains("the limit of ADD"));
        let mut ok = Limited { inner: std::io::repeat(0).take(8), left: 8 };
        assert_eq!(ok.read_to_end(&mut Vec::new()).unwrap(), 8);
    }
}
