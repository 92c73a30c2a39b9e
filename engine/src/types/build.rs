//! Options of `image_build`, named after the query parameters of the Engine API's `POST /build`
//! (v1.41): the HTTP server maps the query onto this document as it is, the C ABI, Python and
//! Node pass it as JSON.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// `POST /build?t=&dockerfile=&buildargs=&target=&nocache=&q=&labels=&rm=&forcerm=&…`.
///
/// Unset fields take Docker's defaults (notably `rm: true`). Options that this engine cannot honour
/// (`remote`, `pull`, `squash`, `cachefrom`, a foreign `platform`) are refused with an
/// `Unsupported` error, never ignored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ImageBuildOptions {
    /// `name[:tag]` references to tag the result with (repeated `t=`).
    pub t: Vec<String>,
    /// The Dockerfile's path inside the context (default `Dockerfile`, then `dockerfile`).
    pub dockerfile: String,
    /// `--build-arg NAME=value`; a `null` value means "declared but not given" and is ignored,
    /// as Docker does for `--build-arg NAME` with `NAME` unset in the client's environment.
    pub buildargs: BTreeMap<String, Option<String>>,
    /// Build up to this stage (`--target`).
    pub target: String,
    /// Do not use the build cache (`--no-cache`); the images built still serve later builds.
    pub nocache: bool,
    /// Suppress the build output; only the image id is streamed at the end (`-q`).
    pub q: bool,
    /// Labels set on the resulting image (`--label`), as `LABEL` steps added to the last stage.
    pub labels: BTreeMap<String, String>,
    /// Remove intermediate containers after a successful step (`--rm`, default true). This engine
    /// also removes the container of a failed step then (see `forcerm`).
    pub rm: bool,
    /// Always remove intermediate containers, even when `rm` is false (`--force-rm`).
    pub forcerm: bool,
    /// Network of the `RUN` containers: `none` (also `""` and `default`; this engine has no
    /// bridge network) or `host`.
    pub networkmode: String,
    /// `host:ip` entries added to the `/etc/hosts` of `RUN` containers (`--add-host`).
    pub extrahosts: Vec<String>,
    /// Memory limit of `RUN` containers in bytes (`--memory`); 0 = none.
    pub memory: i64,
    /// Memory + swap limit of `RUN` containers (`--memory-swap`); -1 = unlimited swap.
    pub memswap: i64,
    /// CPU shares of `RUN` containers (`--cpu-shares`).
    pub cpushares: i64,
    /// CFS period of `RUN` containers in µs (`--cpu-period`).
    pub cpuperiod: i64,
    /// CFS quota of `RUN` containers in µs (`--cpu-quota`).
    pub cpuquota: i64,
    /// `os[/arch]` to build for: only this host's platform is possible.
    pub platform: String,
    /// A remote context (git repository or URL): not supported.
    pub remote: String,
    /// Always pull base images: not supported (this engine has no registry client).
    pub pull: bool,
    /// Squash the result into one layer: not supported.
    pub squash: bool,
    /// Images to consider as cache sources: not supported (only images built here are).
    pub cachefrom: Vec<String>,
    /// The builder: `1` (or empty) the classic builder, which this is; `2` (BuildKit) is refused.
    pub version: String,
}

impl Default for ImageBuildOptions {
    fn default() -> Self {
        ImageBuildOptions {
            t: Vec::new(),
            dockerfile: String::new(),
            buildargs: BTreeMap::new(),
            target: String::new(),
            nocache: false,
            q: false,
            labels: BTreeMap::new(),
            rm: true,
            forcerm: false,
            networkmode: String::new(),
            extrahosts: Vec::new(),
            memory: 0,
            memswap: 0,
            cpushares: 0,
            cpuperiod: 0,
            cpuquota: 0,
            platform: String::new(),
            remote: String::new(),
            pull: false,
            squash: false,
            cachefrom: Vec::new(),
            version: String::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_wire_names() {
        let o: ImageBuildOptions = serde_json::from_str(r#"{"t":["a:1"],"buildargs":{"A":"1","B":null}}"#).unwrap();
        assert!(o.rm, "rm defaults to true as in Docker");
        assert_eq!(o.t, ["a:1"]);
        assert_eq!(o.buildargs["A"].as_deref(), Some("1"));
        assert_eq!(o.buildargs["B"], None);
        let v = serde_json::to_value(ImageBuildOptions::default()).unwrap();
        for k in ["t", "dockerfile", "buildargs", "target", "nocache", "q", "labels", "rm", "forcerm"] {
            assert!(v.get(k).is_some(), "{k} missing from the wire document");
        }
    }
}
