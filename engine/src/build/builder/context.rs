//! The build context: the files that COPY and ADD may read, and the Dockerfile.
//!
//! A context is a directory of this host, or a tar (plain, gzip, bzip2, xz, zstd) unpacked with
//! the safe extraction into a staging directory, or a lone Dockerfile (an empty context). Every
//! path is resolved inside it with `openat2(RESOLVE_IN_ROOT)` ([`RootDir`]): `..` and absolute
//! symlinks cannot leave it. `.dockerignore` applies to both kinds of context, as Docker's CLI
//! applies it before it sends one.

use crate::archive::{self, Compression, UntarOptions, Visit};
use crate::build::ignore::DockerIgnore;
use crate::error::{Error, IoContext, Result};
use crate::safefs::{clean_path, RootDir};
use crate::store::{Staging, Store};
use rustix::fs::{Mode, OFlags};
use rustix::io::Errno;
use std::io::Read;
use std::path::{Path, PathBuf};

/// Where a build's context comes from.
pub enum BuildContext<'a> {
    /// A directory of this host (`dock build DIR`). `dockerfile` is the text of a Dockerfile
    /// given from elsewhere (`-f -`, or a file outside the directory); `None` reads it from the
    /// directory.
    Dir { path: &'a Path, dockerfile: Option<String> },
    /// The body of `POST /build` (`dock build -`): a tar, compressed or not, or a lone Dockerfile.
    Stream(&'a mut dyn Read),
}

/// Dockerfiles larger than this are refused (Docker's parser refuses lines over 64 KiB anyway).
const MAX_DOCKERFILE: u64 = 16 << 20;

pub struct Context {
    root: RootDir,
    ignore: DockerIgnore,
    /// The unpacked tar (or the empty directory of a lone Dockerfile), removed with the context.
    _staging: Option<Staging>,
    /// The Dockerfile's text and the name used in messages.
    pub dockerfile: String,
    pub dockerfile_name: String,
}

impl Context {
    /// Open the context and read its Dockerfile (`dockerfile_path`: inside the context; empty for
    /// `Dockerfile`, then `dockerfile`) and `.dockerignore`.
    pub fn open(store: &Store, source: BuildContext<'_>, dockerfile_path: &str) -> Result<Context> {
        let name = if dockerfile_path.is_empty() { "Dockerfile" } else { dockerfile_path };
        let (root, staging, text) = match source {
            BuildContext::Dir { path, dockerfile } => {
                let root = RootDir::open(path).map_err(|e| match e.kind() {
                    crate::ErrorKind::NotFound => {
                        Error::not_found(format!("unable to prepare context: path {:?} not found", path.display()))
                    }
                    _ if !path.is_dir() => Error::invalid(format!(
                        "unable to prepare context: context must be a directory: {}",
                        path.display()
                    )),
                    _ => e,
                })?;
                (root, None, dockerfile)
            }
            BuildContext::Stream(input) => {
                let staging = store.staging()?;
                let dir = staging.path().join("context");
                std::fs::create_dir(&dir).ctx("create the context directory")?;
                let root = RootDir::open(&dir)?;
                let mut head = Vec::with_capacity(archive::tar::BLOCK);
                input.take(archive::tar::BLOCK as u64).read_to_end(&mut head).ctx("read the build context")?;
                let text = if Compression::detect(&head) != Compression::None || archive::tar::is_header(&head) {
                    let whole = std::io::Cursor::new(head).chain(input);
                    archive::untar(whole, &root, Path::new(""), &UntarOptions::default())
                        .map_err(|e| e.context("unpacking the build context"))?;
                    None
                } else {
                    let mut rest = Vec::new();
                    input.take(MAX_DOCKERFILE).read_to_end(&mut rest).ctx("read the Dockerfile")?;
                    head.extend_from_slice(&rest);
                    Some(dockerfile_text(head, name)?)
                };
                (root, Some(staging), text)
            }
        };
        let dockerfile = match text {
            Some(t) => t,
            None => read_dockerfile(&root, dockerfile_path)?,
        };
        let ignore = match read_in(&root, Path::new(".dockerignore")) {
            Ok(b) => DockerIgnore::parse(&String::from_utf8_lossy(&b))
                .map_err(|e| e.context("error checking context: .dockerignore"))?,
            Err(Errno::NOENT) => DockerIgnore::default(),
            Err(e) => return Err(Error::io("read .dockerignore", e)),
        };
        Ok(Context { root, ignore, _staging: staging, dockerfile, dockerfile_name: name.to_string() })
    }

    pub fn root(&self) -> &RootDir {
        &self.root
    }

    /// Whether the context path `rel` is left out by `.dockerignore` (as if the client had not
    /// sent it).
    pub fn excluded(&self, rel: &Path) -> bool {
        !self.ignore.is_empty() && self.ignore.matches(&rel.to_string_lossy())
    }

    /// Whether nothing under the excluded directory `rel` can be wanted.
    pub fn excluded_tree(&self, rel: &Path) -> bool {
        self.ignore.can_skip_dir(&rel.to_string_lossy())
    }

    /// The `.dockerignore` rules for a walk of the context directory `base` (paths given relative
    /// to it); `None` when there are no rules.
    pub fn filter(&self, base: &Path) -> Option<impl Fn(&[u8], bool) -> Visit + Sync + '_> {
        if self.ignore.is_empty() {
            return None;
        }
        let base = base.to_string_lossy().into_owned();
        Some(move |p: &[u8], is_dir: bool| {
            let p = String::from_utf8_lossy(p);
            let full = match (base.is_empty(), p.is_empty()) {
                (true, _) => p.into_owned(),
                (false, true) => base.clone(),
                (false, false) => format!("{base}/{p}"),
            };
            if !self.ignore.matches(&full) {
                Visit::Include
            } else if is_dir && !self.ignore.can_skip_dir(&full) {
                Visit::Descend
            } else {
                Visit::Skip
            }
        })
    }
}

/// A Dockerfile given apart from its context (`-f -`, `-f` outside the context): read with the
/// same 16 MiB cap as one inside it, so `-f /dev/zero` is refused, not read without end.
pub fn read_dockerfile_from(input: impl Read, name: &str) -> Result<String> {
    let mut bytes = Vec::new();
    input.take(MAX_DOCKERFILE).read_to_end(&mut bytes).ctx(format_args!("read the Dockerfile {name}"))?;
    dockerfile_text(bytes, name)
}

fn dockerfile_text(bytes: Vec<u8>, name: &str) -> Result<String> {
    if bytes.len() as u64 >= MAX_DOCKERFILE {
        return Err(Error::invalid(format!("the Dockerfile ({name}) is larger than {} MiB", MAX_DOCKERFILE >> 20)));
    }
    String::from_utf8(bytes).map_err(|_| Error::invalid(format!("the Dockerfile ({name}) is not valid UTF-8")))
}

/// Read a whole file inside the context (symlinks resolved inside it).
fn read_in(root: &RootDir, rel: &Path) -> rustix::io::Result<Vec<u8>> {
    let fd = root.open_in(rel, OFlags::RDONLY | OFlags::NOCTTY | OFlags::NONBLOCK, Mode::empty())?;
    let mut out = Vec::new();
    std::fs::File::from(fd)
        .take(MAX_DOCKERFILE)
        .read_to_end(&mut out)
        .map_err(|e| Errno::from_io_error(&e).unwrap_or(Errno::IO))?;
    Ok(out)
}

fn read_dockerfile(root: &RootDir, requested: &str) -> Result<String> {
    let name = if requested.is_empty() { "Dockerfile" } else { requested };
    let rel: PathBuf = clean_path(name, false)
        .map_err(|_| Error::invalid(format!("forbidden path outside the build context: {name} ()")))?;
    let mut r = read_in(root, &rel);
    if requested.is_empty() && r == Err(Errno::NOENT) {
        // Docker falls back to the lower-case name when the default is missing.
        r = read_in(root, Path::new("dockerfile"));
    }
    match r {
        Ok(b) => dockerfile_text(b, name),
        Err(Errno::NOENT | Errno::NOTDIR) => {
            Err(Error::not_found(format!("Cannot locate specified Dockerfile: {name}")))
        }
        Err(Errno::ISDIR) => Err(Error::invalid(format!("the Dockerfile ({name}) is a directory"))),
        Err(e) => Err(Error::io(format_args!("read {name}"), e)),
    }
}
