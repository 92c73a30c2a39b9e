//! `pause`/`unpause`: freeze and thaw the container's cgroup.

use crate::error::{Error, Result};
use crate::runtime::cgroups::Cgroup;
use crate::store::Store;

pub fn pause(store: &Store, name: &str) -> Result<()> {
    let c = super::load(store, name)?;
    if !c.is_running() {
        return Err(Error::conflict(format!("Container {} is not running", c.id)));
    }
    if c.is_paused() {
        return Err(Error::conflict(format!("Container {} is already paused", c.id)));
    }
    Cgroup::open(&c.id)?.freeze()
}

pub fn unpause(store: &Store, name: &str) -> Result<()> {
    let c = super::load(store, name)?;
    if !c.is_paused() {
        return Err(Error::conflict(format!("Container {} is not paused", c.id)));
    }
    Cgroup::open(&c.id)?.thaw()
}
