//! Building images from a Dockerfile and a context.
//!
//! The pure parts: the Dockerfile parser ([`dockerfile`]), the config instructions ([`config`],
//! also used by `import`/`commit --change`) and the `.dockerignore` rules ([`ignore`]). The
//! [`builder`] runs the steps: context, cache, RUN containers, COPY/ADD, the output stream.

pub mod builder;
pub mod config;
pub mod dockerfile;
pub mod ignore;

pub use builder::{build, BuildContext};
