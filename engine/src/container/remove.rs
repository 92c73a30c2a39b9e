//! `rm` and `container prune`: the container disappears at once (one rename out of
//! `containers/`), then its files, cgroups, name and anonymous volumes go.

use super::record::monitor_alive;
use super::Container;
use crate::error::{Error, IoContext, Result};
use crate::runtime::launch;
use crate::runtime::protocol::Request;
use crate::store::Store;
use crate::types::PruneReport;
use std::path::Path;

pub fn remove(store: &Store, name: &str, force: bool, volumes: bool) -> Result<()> {
    let c = super::load(store, name)?;
    if c.is_running() {
        if !force {
            return Err(Error::conflict(
                "container is running: stop the container before removing or force remove".to_string(),
            ));
        }
        if c.is_paused() {
            let _ = super::pause::unpause(store, &c.id);
        }
        launch::request(&c.dir, &Request::Stop { signal: libc::SIGKILL, timeout: 0 })?;
        super::stop::wait_monitor_gone(&c.dir);
    } else if monitor_alive(&c.dir) {
        // Exited but the monitor is still finishing (or about to auto-remove): let it finish.
        super::stop::wait_monitor_gone(&c.dir);
    }
    match Container::load(store, &c.id)? {
        Some(c) => destroy(store, &c, volumes),
        // Removed meanwhile (by its own --rm): that is what the caller wanted.
        None => Ok(()),
    }
}

/// The monitor's after-exit work for `--rm` (see `runtime::monitor::AfterExit`).
pub struct AutoRemove;

impl crate::runtime::monitor::AfterExit for AutoRemove {
    fn auto_remove(&self, state_dir: &Path) -> Option<Box<dyn FnOnce()>> {
        let trash = remove_after_exit(state_dir).ok()??;
        Some(Box::new(move || {
            let _ = crate::store::remove_tree(&trash);
        }))
    }
}

/// Called by the monitor of an `--rm` container after its last exit. The container is gone when
/// this returns; its files are in the returned trash directory, for the caller to delete once it
/// has let go of everything else (the deletion is off the path of whoever waits for the removal).
fn remove_after_exit(state_dir: &Path) -> Result<Option<std::path::PathBuf>> {
    let root = state_dir
        .parent()
        .and_then(Path::parent)
        .ok_or_else(|| Error::internal("container directory outside a state root"))?;
    crate::trace::point("rm: after exit");
    let store = Store::open(root)?;
    crate::trace::point("rm: store open");
    let id = state_dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    match Container::load(&store, &id)? {
        Some(c) => detach(&store, &c, true),
        None => Ok(None),
    }
}

fn destroy(store: &Store, c: &Container, volumes: bool) -> Result<()> {
    if let Some(trash) = detach(store, c, volumes)? {
        crate::store::remove_tree(&trash).ctx(format_args!("remove {}", trash.display()))?;
    }
    Ok(())
}

/// Remove the container from view (cgroups, name, directory renamed to trash, anonymous
/// volumes); returns the trash directory to delete.
fn detach(store: &Store, c: &Container, volumes: bool) -> Result<Option<std::path::PathBuf>> {
    crate::trace::point("rm: begin");
    if let Ok(cg) = crate::runtime::cgroups::Cgroup::open(&c.id) {
        let _ = cg.destroy();
    }
    crate::trace::point("rm: cgroup checked");
    let trash = store.tmp_dir().join(format!("trash-{}", crate::digest::random_hex(8)));
    {
        let lock = store.lock()?;
        match std::fs::rename(&c.dir, &trash) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(Error::io(format_args!("remove container {}", c.id), e)),
        }
        crate::trace::point("rm: renamed");
        super::names::release(store, &c.name, &c.id)?;
        // Layers only this container kept (its image was removed with -f) go now.
        if store.image(&c.image).ok().flatten().is_none() {
            crate::image::remove::gc_layers(store, &lock, &super::pinned_layers(store)?)?;
        }
    }
    crate::trace::point("rm: unlocked");
    if volumes {
        for v in &c.anonymous_volumes {
            let _ = crate::volume::remove(store, v, false);
        }
    }
    Ok(Some(trash))
}

/// Remove every stopped container.
pub fn prune(store: &Store) -> Result<PruneReport> {
    let mut report = PruneReport::default();
    for id in super::ids(store)? {
        let Some(c) = Container::load(store, &id)? else { continue };
        if c.is_running() || monitor_alive(&c.dir) {
            continue;
        }
        let size = crate::volume::dir_size(&c.dir.join("upper"));
        if destroy(store, &c, false).is_ok() {
            report.containers_deleted.push(id);
            report.space_reclaimed += size;
        }
    }
    Ok(report)
}
