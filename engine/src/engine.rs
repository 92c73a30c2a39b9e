//! [`Engine`]: the one façade (ARCHITECTURE.md rule 1). One method per Engine API operation; the
//! CLI, the HTTP server, the C ABI, Python and Node call only these. Each method is a thin
//! delegation to the capability that owns the work.
//!
//! Long operations stream through one [`Sink`] and stop when it says so or when its [`Cancel`]
//! token is cancelled (`crate::stream` states the contract); operations whose output is a byte
//! stream (`save`, `export`, `archive`) take a `Write` and an optional token. Failures are
//! [`Error`]s whose kind and details (exit codes, the failing build step) front ends act on.

use crate::digest::Digest;
use crate::error::{Error, IoContext, Result};
use crate::image::remove::{ImagePins, ImageUser};
use crate::store::{Store, DEFAULT_ROOT};
use crate::stream::{Cancel, Sink, Stdin};
use crate::types::*;
use std::collections::HashSet;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// An open state root. `Send + Sync` and cheap to clone (clones share one handle): one engine
/// may serve many threads at once; many engines (in many processes) may share one root.
#[derive(Debug, Clone)]
pub struct Engine {
    store: Arc<Store>,
}

impl Engine {
    /// Open the state root: `opts.Root`, else `$LIBDOCKER_ROOT`, else `/var/lib/libdocker`.
    pub fn open(opts: &OpenOptions) -> Result<Engine> {
        let root = match &opts.root {
            Some(r) => r.clone(),
            None => std::env::var_os("LIBDOCKER_ROOT").map(PathBuf::from).unwrap_or_else(|| DEFAULT_ROOT.into()),
        };
        if !root.is_absolute() {
            return Err(Error::invalid(format!("state root must be an absolute path: {}", root.display())));
        }
        Ok(Engine { store: Arc::new(Store::open(&root)?) })
    }

    /// Open with options given as the Engine API JSON document (`{"Root": "/x"}`; `""`/`null` = defaults).
    pub fn open_json(options_json: &str) -> Result<Engine> {
        let t = options_json.trim();
        let opts: OpenOptions =
            if t.is_empty() || t == "null" { OpenOptions::default() } else { decode("options", t.as_bytes())? };
        Engine::open(&opts)
    }

    pub fn root(&self) -> &Path {
        self.store.root()
    }

    // ---- images ---------------------------------------------------------------------------

    /// `POST /images/create?fromSrc=-`: a root filesystem tar becomes an image; returns its id.
    pub fn image_import(
        &self,
        input: &mut dyn Read,
        size_hint: Option<u64>,
        opts: &ImageImportOptions,
        sink: &mut dyn Sink,
    ) -> Result<String> {
        crate::image::import::import(&self.store, input, size_hint, opts, sink).map(|d| d.to_string())
    }

    /// [`Engine::image_import`] from a file (`-` is not special here: front ends map it to stdin).
    pub fn image_import_file(&self, path: &Path, opts: &ImageImportOptions, sink: &mut dyn Sink) -> Result<String> {
        let mut f = std::fs::File::open(path).ctx_lookup(format_args!("open {}", path.display()))?;
        let size = f.metadata().ok().map(|m| m.len());
        self.image_import(&mut f, size, opts, sink)
    }

    /// `GET /images/json`
    pub fn image_list(&self, opts: &ImageListOptions) -> Result<Vec<ImageSummary>> {
        crate::image::query::list(&self.store, opts)
    }

    /// `GET /images/{name}/json`
    pub fn image_inspect(&self, name: &str) -> Result<ImageInspect> {
        crate::image::query::inspect(&self.store, name)
    }

    /// `GET /images/{name}/history`
    pub fn image_history(&self, name: &str) -> Result<Vec<HistoryResponseItem>> {
        crate::image::query::history(&self.store, name)
    }

    /// `POST /images/{name}/tag?repo=&tag=` (`target` is `repo[:tag]`).
    pub fn image_tag(&self, source: &str, target: &str) -> Result<()> {
        crate::image::remove::tag(&self.store, source, target)
    }

    /// `DELETE /images/{name}`
    pub fn image_remove(&self, name: &str, opts: &ImageRemoveOptions) -> Result<Vec<ImageDeleteResponseItem>> {
        crate::image::remove::remove(&self.store, name, opts, self)
    }

    /// `GET /images/get?names=…`: the `docker save` archive of these images, streamed to `out`.
    pub fn image_save(&self, names: &[String], out: &mut dyn Write, cancel: Option<&Cancel>) -> Result<()> {
        crate::image::save::save(&self.store, names, &mut crate::stream::CancelWriter::new(out, cancel))
    }

    /// [`Engine::image_save`] into a file (mode 0600), atomically: a failed or cancelled save
    /// leaves no partial file.
    pub fn image_save_file(&self, names: &[String], path: &Path, cancel: Option<&Cancel>) -> Result<()> {
        crate::image::save::save_file(&self.store, names, path, cancel)
    }

    /// `POST /images/load`: a `docker save` / OCI layout archive (any compression).
    pub fn image_load(&self, input: &mut dyn Read, sink: &mut dyn Sink) -> Result<ImageLoadResult> {
        crate::image::load::load(&self.store, input, sink)
    }

    pub fn image_load_file(&self, path: &Path, sink: &mut dyn Sink) -> Result<ImageLoadResult> {
        let mut f = std::fs::File::open(path).ctx_lookup(format_args!("open {}", path.display()))?;
        self.image_load(&mut f, sink)
    }

    /// `POST /build`: build an image from a context (a directory, or a tar or lone Dockerfile
    /// as the request body) and its Dockerfile; returns the image id. `progress` gets Docker's
    /// build stream (`{"stream": "Step 1/3 : FROM busybox\n"}`, the `RUN` output as it comes,
    /// `{"aux": {"ID": …}}`, `Successfully built …`).
    pub fn image_build(
        &self,
        context: crate::build::BuildContext<'_>,
        opts: &ImageBuildOptions,
        sink: &mut dyn Sink,
    ) -> Result<String> {
        crate::build::build(&self.store, context, opts, sink).map(|d| d.to_string())
    }

    // ---- containers -----------------------------------------------------------------------

    /// `POST /containers/create?name=`
    pub fn container_create(
        &self,
        name: Option<&str>,
        req: &ContainerCreateRequest,
    ) -> Result<ContainerCreateResponse> {
        crate::container::create::create(&self.store, name, req)
    }

    /// `POST /containers/{id}/start`. Attach and wait calls made before it (still waiting) see
    /// the whole run: the process execs once they are connected.
    pub fn container_start(&self, id: &str) -> Result<()> {
        crate::container::start::start(&self.store, id).map(|_| ())
    }

    /// Start and attach in one step (`docker run` without `-d`, `docker start -a`): the process
    /// execs only once the stream is connected, so no output is missed. Returns the exit code.
    pub fn container_start_attached(
        &self,
        id: &str,
        opts: &AttachOptions,
        stdin: Option<Stdin>,
        sink: &mut dyn Sink,
    ) -> Result<Option<i64>> {
        crate::container::attach::start_attached(&self.store, id, opts, stdin, sink)
    }

    /// `POST /containers/{id}/stop?t=&signal=`
    pub fn container_stop(&self, id: &str, timeout: Option<i64>, signal: Option<&str>) -> Result<()> {
        crate::container::stop::stop(&self.store, id, timeout, signal)
    }

    /// `POST /containers/{id}/kill?signal=` (default SIGKILL)
    pub fn container_kill(&self, id: &str, signal: Option<&str>) -> Result<()> {
        crate::container::stop::kill(&self.store, id, signal)
    }

    /// `POST /containers/{id}/restart?t=`
    pub fn container_restart(&self, id: &str, timeout: Option<i64>) -> Result<()> {
        crate::container::stop::restart(&self.store, id, timeout)
    }

    /// `POST /containers/{id}/wait?condition=` (`not-running`, `next-exit`, `removed`). A wait
    /// for the next exit of a container not running yet sees the run its next start makes.
    pub fn container_wait(&self, id: &str, condition: &str, cancel: Option<&Cancel>) -> Result<ContainerWaitResponse> {
        crate::container::wait::wait(&self.store, id, condition, cancel)
    }

    /// `DELETE /containers/{id}?force=&v=`
    pub fn container_remove(&self, id: &str, force: bool, volumes: bool) -> Result<()> {
        crate::container::remove::remove(&self.store, id, force, volumes)
    }

    /// `GET /containers/json`
    pub fn container_list(&self, opts: &ContainerListOptions) -> Result<Vec<ContainerSummary>> {
        crate::container::list::list(&self.store, opts)
    }

    /// `GET /containers/{id}/json`
    pub fn container_inspect(&self, id: &str) -> Result<ContainerInspect> {
        crate::container::inspect::inspect(&self.store, id)
    }

    /// `GET /containers/{id}/logs`: output goes to the sink (`Output::Stdout`/`Stderr`).
    pub fn container_logs(&self, id: &str, opts: &LogsOptions, sink: &mut dyn Sink) -> Result<()> {
        crate::container::logs::logs(&self.store, id, opts, sink)
    }

    /// `POST /containers/{id}/attach`: returns the exit code if the container exited meanwhile.
    /// A container that is not running is attached to from its next start on.
    pub fn container_attach(
        &self,
        id: &str,
        opts: &AttachOptions,
        stdin: Option<Stdin>,
        sink: &mut dyn Sink,
    ) -> Result<Option<i64>> {
        crate::container::attach::attach(&self.store, id, opts, stdin, sink)
    }

    /// `POST /containers/{id}/resize?h=&w=`
    pub fn container_resize(&self, id: &str, height: u16, width: u16) -> Result<()> {
        let c = crate::container::load(&self.store, id)?;
        match crate::runtime::launch::request(&c.dir, &crate::runtime::protocol::Request::Resize { height, width })? {
            Some(r) => r.error.map_or(Ok(()), |e| Err(Error::conflict(e))),
            None => Err(Error::conflict(format!("Container {} is not running", c.id))),
        }
    }

    /// `GET /containers/{id}/top?ps_args=`
    pub fn container_top(&self, id: &str, ps_args: &str) -> Result<TopResponse> {
        crate::container::top::top(&self.store, id, ps_args)
    }

    /// `GET /containers/{id}/changes`
    pub fn container_changes(&self, id: &str) -> Result<Vec<ChangeItem>> {
        crate::container::changes::changes(&self.store, id)
    }

    /// `GET /containers/{id}/export`
    pub fn container_export(&self, id: &str, out: &mut (dyn Write + Send), cancel: Option<&Cancel>) -> Result<()> {
        crate::container::export::export(&self.store, id, out, cancel)
    }

    /// [`Engine::container_export`] into a file, atomically: a failed or cancelled export leaves
    /// no partial file.
    pub fn container_export_file(&self, id: &str, path: &Path, cancel: Option<&Cancel>) -> Result<()> {
        crate::container::export::export_file(&self.store, id, path, cancel)
    }

    /// `POST /commit?container=`: returns the new image id.
    pub fn container_commit(&self, id: &str, opts: &CommitOptions) -> Result<String> {
        crate::container::commit::commit(&self.store, id, opts).map(|d| d.to_string())
    }

    /// `POST /containers/{id}/exec`: returns the exec id.
    pub fn exec_create(&self, id: &str, cfg: &ExecConfig) -> Result<String> {
        crate::container::exec::create(&self.store, id, cfg)
    }

    /// `POST /exec/{id}/start`: returns the exit code (None when detached).
    pub fn exec_start(
        &self,
        exec_id: &str,
        opts: &ExecStartConfig,
        stdin: Option<Stdin>,
        sink: &mut dyn Sink,
    ) -> Result<Option<i64>> {
        crate::container::exec::start(&self.store, exec_id, opts, stdin, sink)
    }

    /// `POST /exec/{id}/resize?h=&w=`
    pub fn exec_resize(&self, exec_id: &str, height: u16, width: u16) -> Result<()> {
        crate::container::exec::resize(&self.store, exec_id, height, width)
    }

    /// `GET /exec/{id}/json`
    pub fn exec_inspect(&self, exec_id: &str) -> Result<ExecInspect> {
        crate::container::exec::inspect(&self.store, exec_id)
    }

    /// `GET /containers/{id}/archive?path=`
    pub fn container_archive_get(
        &self,
        id: &str,
        path: &str,
        out: &mut (dyn Write + Send),
        cancel: Option<&Cancel>,
    ) -> Result<PathStat> {
        crate::container::copy::archive_get(&self.store, id, path, &mut crate::stream::CancelWriter::new(out, cancel))
    }

    /// `HEAD /containers/{id}/archive?path=`: what `archive_get` would send, without the body.
    pub fn container_archive_stat(&self, id: &str, path: &str) -> Result<PathStat> {
        crate::container::copy::archive_stat(&self.store, id, path)
    }

    /// `PUT /containers/{id}/archive?path=&noOverwriteDirNonDir=`
    pub fn container_archive_put(
        &self,
        id: &str,
        path: &str,
        input: &mut (dyn Read + Send),
        no_overwrite_dir_non_dir: bool,
    ) -> Result<()> {
        crate::container::copy::archive_put(&self.store, id, path, input, no_overwrite_dir_non_dir)
    }

    /// `docker cp CONTAINER:SRC DEST`
    pub fn container_copy_from(&self, id: &str, src: &str, dest: &Path) -> Result<()> {
        crate::container::copy::copy_from(&self.store, id, src, dest)
    }

    /// `docker cp SRC CONTAINER:DEST`
    pub fn container_copy_to(&self, id: &str, src: &Path, dest: &str) -> Result<()> {
        crate::container::copy::copy_to(&self.store, id, src, dest)
    }

    /// `POST /containers/{id}/pause`
    pub fn container_pause(&self, id: &str) -> Result<()> {
        crate::container::pause::pause(&self.store, id)
    }

    /// `POST /containers/{id}/unpause`
    pub fn container_unpause(&self, id: &str) -> Result<()> {
        crate::container::pause::unpause(&self.store, id)
    }

    /// `POST /containers/{id}/rename?name=`
    pub fn container_rename(&self, id: &str, new_name: &str) -> Result<()> {
        crate::container::rename::rename(&self.store, id, new_name)
    }

    /// `GET /containers/{id}/stats?stream=false[&one-shot=true]`: one sample; unless `one_shot`,
    /// with `precpu_stats` from a sample a second earlier (as Docker).
    pub fn container_stats(&self, id: &str, one_shot: bool, cancel: Option<&Cancel>) -> Result<Stats> {
        crate::container::stats::stats(&self.store, id, one_shot, cancel)
    }

    /// `GET /containers/{id}/stats`: a sample a second (`Output::Stats`, each with the previous as
    /// `precpu_stats`) until the container stops or the sink stops the stream.
    pub fn container_stats_stream(&self, id: &str, sink: &mut dyn Sink) -> Result<()> {
        crate::container::stats::stream(&self.store, id, sink)
    }

    /// `POST /containers/prune`
    pub fn container_prune(&self) -> Result<PruneReport> {
        crate::container::remove::prune(&self.store)
    }

    // ---- volumes --------------------------------------------------------------------------

    /// `POST /volumes/create`
    pub fn volume_create(&self, opts: &VolumeCreateOptions) -> Result<Volume> {
        crate::volume::create(&self.store, opts)
    }

    /// `GET /volumes`
    pub fn volume_list(&self) -> Result<VolumeListResponse> {
        crate::volume::list(&self.store)
    }

    /// `GET /volumes/{name}`
    pub fn volume_inspect(&self, name: &str) -> Result<Volume> {
        crate::volume::inspect(&self.store, name)
    }

    /// `DELETE /volumes/{name}?force=`
    pub fn volume_remove(&self, name: &str, force: bool) -> Result<()> {
        crate::volume::remove(&self.store, name, force)
    }

    /// `POST /volumes/prune` (`all`: named volumes too)
    pub fn volume_prune(&self, all: bool) -> Result<VolumePruneReport> {
        crate::volume::prune(&self.store, all)
    }

    // ---- system ---------------------------------------------------------------------------

    /// `GET /version`
    pub fn version(&self) -> SystemVersion {
        crate::system::version()
    }

    /// `GET /info`
    pub fn info(&self) -> Result<SystemInfo> {
        let all = self.container_list(&ContainerListOptions { all: true, ..Default::default() })?;
        let count = |s: &str| all.iter().filter(|c| c.state == s).count() as i64;
        let running = count("running") + count("restarting");
        let paused = count("paused");
        crate::system::info(&self.store, [all.len() as i64, running, paused, all.len() as i64 - running - paused])
    }
}

/// Containers keep their images' layers (and, unless forced, their images).
impl ImagePins for Engine {
    fn users(&self, image: &Digest) -> Result<Vec<ImageUser>> {
        crate::container::image_users(&self.store, image)
    }
    fn pinned_layers(&self) -> Result<HashSet<Digest>> {
        crate::container::pinned_layers(&self.store)
    }
}
