//! Building images from a Dockerfile and a context.
//!
//! This module holds the pure parts so far: the Dockerfile parser ([`dockerfile`]), the config
//! instructions ([`config`], also used by `import`/`commit --change`) and the
//! `.dockerignore` rules ([`ignore`]). The builder itself (running the steps, the build cache,
//! the context upload) comes with the build issue and will use both.

pub mod config;
pub mod dockerfile;
pub mod ignore;
