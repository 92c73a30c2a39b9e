//! Safe tar in/out (work in progress).
pub mod compress;
pub mod tar;
