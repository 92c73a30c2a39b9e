//! `libdocker._native`: the extension module under `import libdocker`. A thin adapter over
//! [`engine::Engine`] (ARCHITECTURE.md rule 1): each method is one façade call taking and
//! returning the Engine API documents as JSON text (rule 2: the same documents as the HTTP body and
//! the C ABI; the Python layer, `python/libdocker/`, turns them into dicts and docker-py's objects).
//!
//! Invariants:
//! - every call that touches disk or processes runs with the GIL released (`Python::detach`), so
//!   one client may be shared by many Python threads;
//! - a failure becomes the exception class of `libdocker.errors` for its kind (rule 3), built by
//!   `libdocker.errors._from_engine` from the kind, message, HTTP status and details;
//! - a long call that streams ([`Stream`]) runs on a thread of its own feeding a bounded channel;
//!   the Python iterator reads it with the GIL released, and closing or dropping the iterator
//!   cancels the call (its `Cancel` token, and the channel's end) and joins the thread.

use crossbeam_channel::{bounded, Receiver, Sender};
use engine::stream::{Cancel, Output, Sink};
use engine::types::*;
use engine::{Error, Result};
use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use pyo3::types::PyBytes;
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::io::{Cursor, Write};
use std::path::Path;
use std::sync::Mutex;
use std::thread::JoinHandle;

/// The engine's error as the `libdocker.errors` exception of its kind.
fn to_py(py: Python<'_>, e: Error) -> PyErr {
    let details = serde_json::to_string(e.details()).unwrap_or_default();
    let make = || -> PyResult<PyErr> {
        let errors = py.import("libdocker.errors")?;
        let exc =
            errors.getattr("_from_engine")?.call1((e.kind().name(), e.message(), e.kind().http_status(), details.as_str()))?;
        Ok(PyErr::from_value(exc))
    };
    make().unwrap_or_else(|import_failure| import_failure)
}

/// Run `f` without the GIL; its error as the Python exception of its kind.
fn detached<T: Send>(py: Python<'_>, f: impl FnOnce() -> Result<T> + Send) -> PyResult<T> {
    py.detach(f).map_err(|e| to_py(py, e))
}

fn decode<T: DeserializeOwned>(what: &str, json: &str) -> Result<T> {
    let t = json.trim();
    engine::types::decode(what, if t.is_empty() { b"{}" } else { t.as_bytes() })
}

fn json<T: Serialize>(v: &T) -> Result<String> {
    serde_json::to_string(v).map_err(|e| Error::internal(format!("serialise a response: {e}")))
}

/// What a [`Stream`] yields: `(kind, payload)`.
const ITEM_MESSAGE: u8 = 0; // a JSON progress message (build, load)
const ITEM_STDOUT: u8 = 1;
const ITEM_STDERR: u8 = 2;
const ITEM_BYTES: u8 = 3; // a chunk of a byte stream (export, save)
const ITEM_STATS: u8 = 4; // a stats document

type Item = (u8, Vec<u8>);

/// Bounded: a slow Python reader holds the producing call back instead of buffering a whole log.
const STREAM_DEPTH: usize = 64;

/// The sink of a streamed call: every piece goes to the channel; a closed channel (the iterator
/// was dropped) stops the call, and so does the token, also while it sends nothing.
struct ChannelSink {
    tx: Sender<Item>,
    cancel: Cancel,
}

impl ChannelSink {
    fn put(&self, item: Item) -> Result<()> {
        self.tx.send(item).map_err(|_| Error::canceled())
    }
}

impl Sink for ChannelSink {
    fn send(&mut self, out: Output<'_>) -> Result<()> {
        match out {
            Output::Stdout(b) => self.put((ITEM_STDOUT, b.to_vec())),
            Output::Stderr(b) => self.put((ITEM_STDERR, b.to_vec())),
            Output::Message(m) => self.put((ITEM_MESSAGE, json(m)?.into_bytes())),
            Output::Stats(s) => self.put((ITEM_STATS, json(s)?.into_bytes())),
        }
    }
    fn cancel(&self) -> Option<&Cancel> {
        Some(&self.cancel)
    }
}

/// A byte stream's writer (export, save) onto the same channel.
impl Write for ChannelSink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.put((ITEM_BYTES, buf.to_vec())).map_err(Error::into_io)?;
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// A long call running on its own thread: a Python iterator of `(kind, bytes)`; after the last
/// item, `result()` is the call's JSON result (a build's image id…) or its error is raised.
/// Frozen, with its state behind a lock: one thread may `close()` it while another is blocked in
/// `next()` (which then ends, the call having stopped).
#[pyclass(module = "libdocker._native", frozen)]
struct Stream {
    cancel: Cancel,
    state: Mutex<StreamState>,
}

struct StreamState {
    rx: Option<Receiver<Item>>,
    thread: Option<JoinHandle<Result<String>>>,
    result: Option<String>,
}

impl Stream {
    fn spawn(py: Python<'_>, call: impl FnOnce(&mut ChannelSink) -> Result<String> + Send + 'static) -> PyResult<Stream> {
        let cancel = Cancel::new().map_err(|e| to_py(py, e))?;
        let (tx, rx) = bounded(STREAM_DEPTH);
        let mut sink = ChannelSink { tx, cancel: cancel.clone() };
        let thread = std::thread::Builder::new()
            .name("libdocker-stream".into())
            .spawn(move || call(&mut sink))
            .map_err(|e| PyRuntimeError::new_err(format!("start a stream thread: {e}")))?;
        Ok(Stream { cancel, state: Mutex::new(StreamState { rx: Some(rx), thread: Some(thread), result: None }) })
    }

    fn state(&self) -> std::sync::MutexGuard<'_, StreamState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Drop our end of the channel and wait for the call's thread (if nobody else did).
    fn finish(&self) -> Result<()> {
        let thread = {
            let mut st = self.state();
            st.rx = None;
            st.thread.take()
        };
        let Some(t) = thread else { return Ok(()) };
        let r = t.join().map_err(|_| Error::internal("a stream's call panicked"))?;
        let id = r?;
        self.state().result = Some(id);
        Ok(())
    }
}

#[pymethods]
impl Stream {
    fn __iter__(slf: PyRef<'_, Self>) -> PyRef<'_, Self> {
        slf
    }

    fn __next__(&self, py: Python<'_>) -> PyResult<Option<(u8, Py<PyBytes>)>> {
        let Some(rx) = self.state().rx.clone() else { return Ok(None) };
        match py.detach(move || rx.recv()) {
            Ok((kind, data)) => Ok(Some((kind, PyBytes::new(py, &data).unbind()))),
            // The call returned (or was stopped): its end of the channel is gone.
            Err(_) => match py.detach(|| self.finish()) {
                Ok(()) => Ok(None),
                Err(e) if e.kind() == engine::ErrorKind::Canceled && self.cancel.is_canceled() => Ok(None),
                Err(e) => Err(to_py(py, e)),
            },
        }
    }

    /// Cancel the call and wait for it to stop (prompt: the engine's contract). Idempotent. A call
    /// stopped this way raises nothing.
    fn close(&self, py: Python<'_>) -> PyResult<()> {
        self.cancel.cancel();
        match py.detach(|| self.finish()) {
            Err(e) if e.kind() != engine::ErrorKind::Canceled => Err(to_py(py, e)),
            _ => Ok(()),
        }
    }

    /// The call's result (JSON text, `""` for none) once the iterator is exhausted, else `None`.
    fn result(&self) -> Option<String> {
        self.state().result.clone()
    }
}

impl Drop for Stream {
    fn drop(&mut self) {
        self.cancel.cancel();
        let _ = self.finish();
    }
}

/// An open state root (`engine::Engine`): `Send + Sync`, shared by every Python thread.
#[pyclass(module = "libdocker._native", frozen)]
struct Engine {
    inner: engine::Engine,
}

/// Collect a container's (or exec's) output: `(exit code, the requested streams in order,
/// stderr alone)`.
#[derive(Default)]
struct Collected {
    both: Vec<u8>,
    stderr: Vec<u8>,
    want_stdout: bool,
    want_stderr: bool,
}

impl Sink for Collected {
    fn send(&mut self, out: Output<'_>) -> Result<()> {
        match out {
            Output::Stdout(b) if self.want_stdout => self.both.extend_from_slice(b),
            Output::Stderr(b) => {
                if self.want_stderr {
                    self.both.extend_from_slice(b);
                }
                self.stderr.extend_from_slice(b);
            }
            _ => {}
        }
        Ok(())
    }
}

type RunOutput = (Option<i64>, Py<PyBytes>, Py<PyBytes>);

fn run_output(py: Python<'_>, code: Option<i64>, c: Collected) -> RunOutput {
    (code, PyBytes::new(py, &c.both).unbind(), PyBytes::new(py, &c.stderr).unbind())
}

#[pymethods]
impl Engine {
    /// Open the state root given by the options document (`{"Root": "/x"}`; `""` = defaults:
    /// `$LIBDOCKER_ROOT`, else `/var/lib/libdocker`).
    #[new]
    #[pyo3(signature = (options_json = ""))]
    fn new(py: Python<'_>, options_json: &str) -> PyResult<Engine> {
        let o = options_json.to_string();
        detached(py, move || engine::Engine::open_json(&o)).map(|inner| Engine { inner })
    }

    #[getter]
    fn root(&self) -> String {
        self.inner.root().display().to_string()
    }

    // ---- system ----

    fn version(&self) -> PyResult<String> {
        Ok(json(&self.inner.version()).expect("version serialises"))
    }

    fn info(&self, py: Python<'_>) -> PyResult<String> {
        detached(py, || json(&self.inner.info()?))
    }

    // ---- containers ----

    #[pyo3(signature = (name, body))]
    fn container_create(&self, py: Python<'_>, name: Option<&str>, body: &str) -> PyResult<String> {
        detached(py, || json(&self.inner.container_create(name, &decode("container create request", body)?)?))
    }

    fn container_start(&self, py: Python<'_>, id: &str) -> PyResult<()> {
        detached(py, || self.inner.container_start(id))
    }

    /// Start attached to stdout and stderr until the container exits (`docker run` without `-d`):
    /// `(exit code or None, the asked streams' bytes, stderr's bytes)`.
    fn container_start_attached(&self, py: Python<'_>, id: &str, stdout: bool, stderr: bool) -> PyResult<RunOutput> {
        let opts = AttachOptions { stream: true, stdout: true, stderr: true, ..Default::default() };
        let mut c = Collected { want_stdout: stdout, want_stderr: stderr, ..Default::default() };
        let code = detached(py, || self.inner.container_start_attached(id, &opts, None, &mut c))?;
        Ok(run_output(py, code, c))
    }

    #[pyo3(signature = (id, timeout=None, signal=None))]
    fn container_stop(&self, py: Python<'_>, id: &str, timeout: Option<i64>, signal: Option<&str>) -> PyResult<()> {
        detached(py, || self.inner.container_stop(id, timeout, signal))
    }

    #[pyo3(signature = (id, signal=None))]
    fn container_kill(&self, py: Python<'_>, id: &str, signal: Option<&str>) -> PyResult<()> {
        detached(py, || self.inner.container_kill(id, signal))
    }

    #[pyo3(signature = (id, timeout=None))]
    fn container_restart(&self, py: Python<'_>, id: &str, timeout: Option<i64>) -> PyResult<()> {
        detached(py, || self.inner.container_restart(id, timeout))
    }

    /// Wait for `condition`; with `timeout` (seconds), a wait still blocked then is cancelled and
    /// raises `TimeoutError`.
    #[pyo3(signature = (id, condition="", timeout=None))]
    fn container_wait(&self, py: Python<'_>, id: &str, condition: &str, timeout: Option<f64>) -> PyResult<String> {
        let Some(t) = timeout else {
            return detached(py, || json(&self.inner.container_wait(id, condition, None)?));
        };
        let d = std::time::Duration::try_from_secs_f64(t)
            .map_err(|_| pyo3::exceptions::PyValueError::new_err(format!("invalid timeout: {t}")))?;
        let r = py.detach(|| -> Result<String> {
            let (cancel, done) = (Cancel::new()?, Cancel::new()?);
            std::thread::scope(|s| {
                s.spawn(|| {
                    // Ok: the time is up (the wait did not finish and cancel `done` first).
                    if engine::stream::sleep(d, Some(&done)).is_ok() {
                        cancel.cancel();
                    }
                });
                let r = self.inner.container_wait(id, condition, Some(&cancel));
                done.cancel();
                json(&r?)
            })
        });
        match r {
            Err(e) if e.kind() == engine::ErrorKind::Canceled => {
                Err(pyo3::exceptions::PyTimeoutError::new_err(format!("container {id} did not stop within {t}s")))
            }
            r => r.map_err(|e| to_py(py, e)),
        }
    }

    #[pyo3(signature = (id, force=false, volumes=false))]
    fn container_remove(&self, py: Python<'_>, id: &str, force: bool, volumes: bool) -> PyResult<()> {
        detached(py, || self.inner.container_remove(id, force, volumes))
    }

    #[pyo3(signature = (options=""))]
    fn container_list(&self, py: Python<'_>, options: &str) -> PyResult<String> {
        detached(py, || json(&self.inner.container_list(&decode("container list options", options)?)?))
    }

    fn container_inspect(&self, py: Python<'_>, id: &str) -> PyResult<String> {
        detached(py, || json(&self.inner.container_inspect(id)?))
    }

    /// The log so far (`LogsOptions`; `Follow` is refused here: use `container_logs_stream`):
    /// the asked streams' bytes in order.
    fn container_logs(&self, py: Python<'_>, id: &str, options: &str) -> PyResult<Py<PyBytes>> {
        let opts: LogsOptions = decode("logs options", options).map_err(|e| to_py(py, e))?;
        if opts.follow {
            return Err(to_py(py, Error::invalid("container_logs does not follow: use container_logs_stream")));
        }
        let mut c = Collected { want_stdout: true, want_stderr: true, ..Default::default() };
        detached(py, || self.inner.container_logs(id, &opts, &mut c))?;
        Ok(PyBytes::new(py, &c.both).unbind())
    }

    fn container_logs_stream(&self, py: Python<'_>, id: &str, options: &str) -> PyResult<Stream> {
        let opts: LogsOptions = decode("logs options", options).map_err(|e| to_py(py, e))?;
        let (e, id) = (self.inner.clone(), id.to_string());
        Stream::spawn(py, move |sink| e.container_logs(&id, &opts, sink).map(|_| String::new()))
    }

    #[pyo3(signature = (id, ps_args=""))]
    fn container_top(&self, py: Python<'_>, id: &str, ps_args: &str) -> PyResult<String> {
        detached(py, || json(&self.inner.container_top(id, ps_args)?))
    }

    fn container_changes(&self, py: Python<'_>, id: &str) -> PyResult<String> {
        detached(py, || json(&self.inner.container_changes(id)?))
    }

    /// The container's filesystem as a tar, in chunks.
    fn container_export(&self, py: Python<'_>, id: &str) -> PyResult<Stream> {
        let (e, id) = (self.inner.clone(), id.to_string());
        Stream::spawn(py, move |sink| {
            let cancel = sink.cancel.clone();
            e.container_export(&id, sink, Some(&cancel)).map(|_| String::new())
        })
    }

    /// The new image's id.
    #[pyo3(signature = (id, options=""))]
    fn container_commit(&self, py: Python<'_>, id: &str, options: &str) -> PyResult<String> {
        detached(py, || self.inner.container_commit(id, &decode("commit options", options)?))
    }

    fn container_pause(&self, py: Python<'_>, id: &str) -> PyResult<()> {
        detached(py, || self.inner.container_pause(id))
    }

    fn container_unpause(&self, py: Python<'_>, id: &str) -> PyResult<()> {
        detached(py, || self.inner.container_unpause(id))
    }

    fn container_rename(&self, py: Python<'_>, id: &str, name: &str) -> PyResult<()> {
        detached(py, || self.inner.container_rename(id, name))
    }

    fn container_resize(&self, py: Python<'_>, id: &str, height: u16, width: u16) -> PyResult<()> {
        detached(py, || self.inner.container_resize(id, height, width))
    }

    #[pyo3(signature = (id, one_shot=false))]
    fn container_stats(&self, py: Python<'_>, id: &str, one_shot: bool) -> PyResult<String> {
        detached(py, || json(&self.inner.container_stats(id, one_shot, None)?))
    }

    fn container_stats_stream(&self, py: Python<'_>, id: &str) -> PyResult<Stream> {
        let (e, id) = (self.inner.clone(), id.to_string());
        Stream::spawn(py, move |sink| e.container_stats_stream(&id, sink).map(|_| String::new()))
    }

    fn container_prune(&self, py: Python<'_>) -> PyResult<String> {
        detached(py, || json(&self.inner.container_prune()?))
    }

    /// `(tar bytes, PathStat JSON)` of a path in the container.
    fn container_archive_get(&self, py: Python<'_>, id: &str, path: &str) -> PyResult<(Py<PyBytes>, String)> {
        let mut buf = Vec::new();
        let stat = detached(py, || json(&self.inner.container_archive_get(id, path, &mut buf, None)?))?;
        Ok((PyBytes::new(py, &buf).unbind(), stat))
    }

    #[pyo3(signature = (id, path, data, no_overwrite_dir_non_dir=false))]
    fn container_archive_put(
        &self,
        py: Python<'_>,
        id: &str,
        path: &str,
        data: &[u8],
        no_overwrite_dir_non_dir: bool,
    ) -> PyResult<()> {
        let data = data.to_vec();
        detached(py, || self.inner.container_archive_put(id, path, &mut Cursor::new(data), no_overwrite_dir_non_dir))
    }

    // ---- exec ----

    fn exec_create(&self, py: Python<'_>, id: &str, config: &str) -> PyResult<String> {
        detached(py, || self.inner.exec_create(id, &decode("exec config", config)?))
    }

    /// Run the exec to its end: `(exit code or None when detached, the asked streams, stderr)`.
    #[pyo3(signature = (exec_id, options="", stdout=true, stderr=true))]
    fn exec_start(&self, py: Python<'_>, exec_id: &str, options: &str, stdout: bool, stderr: bool) -> PyResult<RunOutput> {
        let opts: ExecStartConfig = decode("exec start options", options).map_err(|e| to_py(py, e))?;
        let mut c = Collected { want_stdout: stdout, want_stderr: stderr, ..Default::default() };
        let code = detached(py, || self.inner.exec_start(exec_id, &opts, None, &mut c))?;
        Ok(run_output(py, code, c))
    }

    #[pyo3(signature = (exec_id, options=""))]
    fn exec_start_stream(&self, py: Python<'_>, exec_id: &str, options: &str) -> PyResult<Stream> {
        let opts: ExecStartConfig = decode("exec start options", options).map_err(|e| to_py(py, e))?;
        let (e, id) = (self.inner.clone(), exec_id.to_string());
        Stream::spawn(py, move |sink| e.exec_start(&id, &opts, None, sink).and_then(|c| json(&c)))
    }

    fn exec_inspect(&self, py: Python<'_>, exec_id: &str) -> PyResult<String> {
        detached(py, || json(&self.inner.exec_inspect(exec_id)?))
    }

    // ---- images ----

    /// Import a root filesystem tar (any compression) given as bytes; returns the image id.
    #[pyo3(signature = (data, options=""))]
    fn image_import_bytes(&self, py: Python<'_>, data: &[u8], options: &str) -> PyResult<String> {
        let data = data.to_vec();
        detached(py, || {
            let opts = decode("import options", options)?;
            let n = data.len() as u64;
            self.inner.image_import(&mut Cursor::new(data), Some(n), &opts, &mut engine::stream::Discard)
        })
    }

    #[pyo3(signature = (path, options=""))]
    fn image_import_file(&self, py: Python<'_>, path: &str, options: &str) -> PyResult<String> {
        detached(py, || {
            self.inner.image_import_file(Path::new(path), &decode("import options", options)?, &mut engine::stream::Discard)
        })
    }

    #[pyo3(signature = (options=""))]
    fn image_list(&self, py: Python<'_>, options: &str) -> PyResult<String> {
        detached(py, || json(&self.inner.image_list(&decode("image list options", options)?)?))
    }

    fn image_inspect(&self, py: Python<'_>, name: &str) -> PyResult<String> {
        detached(py, || json(&self.inner.image_inspect(name)?))
    }

    fn image_history(&self, py: Python<'_>, name: &str) -> PyResult<String> {
        detached(py, || json(&self.inner.image_history(name)?))
    }

    fn image_tag(&self, py: Python<'_>, source: &str, target: &str) -> PyResult<()> {
        detached(py, || self.inner.image_tag(source, target))
    }

    #[pyo3(signature = (name, options=""))]
    fn image_remove(&self, py: Python<'_>, name: &str, options: &str) -> PyResult<String> {
        detached(py, || json(&self.inner.image_remove(name, &decode("image remove options", options)?)?))
    }

    /// The `docker save` archive of these images, in chunks.
    fn image_save(&self, py: Python<'_>, names: Vec<String>) -> PyResult<Stream> {
        let e = self.inner.clone();
        Stream::spawn(py, move |sink| {
            let cancel = sink.cancel.clone();
            e.image_save(&names, sink, Some(&cancel)).map(|_| String::new())
        })
    }

    /// Load a `docker save` or OCI archive given as bytes; returns the `ImageLoadResult` JSON.
    fn image_load_bytes(&self, py: Python<'_>, data: &[u8]) -> PyResult<String> {
        let data = data.to_vec();
        detached(py, || json(&self.inner.image_load(&mut Cursor::new(data), &mut engine::stream::Discard)?))
    }

    fn image_load_file(&self, py: Python<'_>, path: &str) -> PyResult<String> {
        detached(py, || json(&self.inner.image_load_file(Path::new(path), &mut engine::stream::Discard)?))
    }

    /// Build from a directory (`path`, with `dockerfile_text` for a Dockerfile given from
    /// elsewhere) or from a tar or lone Dockerfile given as bytes (`context`). Streams Docker's
    /// build messages; `result()` is the image id.
    #[pyo3(signature = (options, path=None, context=None, dockerfile_text=None))]
    fn image_build(
        &self,
        py: Python<'_>,
        options: &str,
        path: Option<String>,
        context: Option<Vec<u8>>,
        dockerfile_text: Option<String>,
    ) -> PyResult<Stream> {
        let opts: ImageBuildOptions = decode("build options", options).map_err(|e| to_py(py, e))?;
        let e = self.inner.clone();
        Stream::spawn(py, move |sink| {
            let id = match (path, context) {
                (Some(p), None) => e.image_build(
                    engine::build::BuildContext::Dir { path: Path::new(&p), dockerfile: dockerfile_text },
                    &opts,
                    sink,
                )?,
                (None, Some(bytes)) => {
                    e.image_build(engine::build::BuildContext::Stream(&mut Cursor::new(bytes)), &opts, sink)?
                }
                _ => return Err(Error::invalid("build needs either a path or a context (fileobj), not both")),
            };
            json(&id)
        })
    }

    // ---- volumes ----

    #[pyo3(signature = (options=""))]
    fn volume_create(&self, py: Python<'_>, options: &str) -> PyResult<String> {
        detached(py, || json(&self.inner.volume_create(&decode("volume create options", options)?)?))
    }

    fn volume_list(&self, py: Python<'_>) -> PyResult<String> {
        detached(py, || json(&self.inner.volume_list()?))
    }

    fn volume_inspect(&self, py: Python<'_>, name: &str) -> PyResult<String> {
        detached(py, || json(&self.inner.volume_inspect(name)?))
    }

    #[pyo3(signature = (name, force=false))]
    fn volume_remove(&self, py: Python<'_>, name: &str, force: bool) -> PyResult<()> {
        detached(py, || self.inner.volume_remove(name, force))
    }

    #[pyo3(signature = (all=false))]
    fn volume_prune(&self, py: Python<'_>, all: bool) -> PyResult<String> {
        detached(py, || json(&self.inner.volume_prune(all)?))
    }
}

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Engine>()?;
    m.add_class::<Stream>()?;
    m.add("ITEM_MESSAGE", ITEM_MESSAGE)?;
    m.add("ITEM_STDOUT", ITEM_STDOUT)?;
    m.add("ITEM_STDERR", ITEM_STDERR)?;
    m.add("ITEM_BYTES", ITEM_BYTES)?;
    m.add("ITEM_STATS", ITEM_STATS)?;
    Ok(())
}
