//! `rename`: claim the new name first (atomic), then let go of the old one.

use crate::error::{Error, Result};
use crate::store::Store;

pub fn rename(store: &Store, name: &str, new_name: &str) -> Result<()> {
    let new_name = super::names::validate(new_name)?.to_string();
    let mut c = super::load(store, name)?;
    if c.name == new_name {
        return Err(Error::invalid(format!("Renaming a container with the same name as its current name")));
    }
    let claim = super::names::reserve(store, &new_name, &c.id)?;
    let old = std::mem::replace(&mut c.name, new_name);
    c.save()?;
    drop(claim);
    super::names::release(store, &old, &c.id)
}
