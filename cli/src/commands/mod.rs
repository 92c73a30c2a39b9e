//! One module per group of docker commands.
pub mod build;
pub mod container;
pub mod image;
pub mod system;
pub mod volume;
