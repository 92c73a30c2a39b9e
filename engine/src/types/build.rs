//! Options of `image_build`: the query parameters of the Engine API's `POST /build` (v1.41) as a
//! document with PascalCase names like every other (`Tags`, `NoCache`, `BuildArgs`; moby's Go
//! client names most of them so). Each query parameter's own name is accepted too — `t`, `q`,
//! `rm`, `forcerm`, `memswap` as aliases, the others (`nocache`, `buildargs`, …) by the
//! case-insensitive match of [`super::decode`] and by an alias for decoders without it — so the
//! HTTP server maps the query onto this document as it is.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// `POST /build?t=&dockerfile=&buildargs=&target=&nocache=&q=&labels=&rm=&forcerm=&…`.
///
/// Unset fields take Docker's defaults (notably `rm: true`). Options that this engine cannot honour
/// (`remote`, `pull`, `squash`, `cachefrom`, a foreign `platform`) are refused with an
/// `Unsupported` error, never ignored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct ImageBuildOptions {
    /// `name[:tag]` references to tag the result with (repeated `t=`).
    #[serde(alias = "t")]
    pub tags: Vec<String>,
    /// The Dockerfile's path inside the context (default `Dockerfile`, then `dockerfile`).
    #[serde(alias = "dockerfile")]
    pub dockerfile: String,
    /// `--build-arg NAME=value`; a `null` value means "declared but not given" and is ignored,
    /// as Docker does for `--build-arg NAME` with `NAME` unset in the client's environment.
    #[serde(alias = "buildargs")]
    pub build_args: BTreeMap<String, Option<String>>,
    /// Build up to this stage (`--target`).
    #[serde(alias = "target")]
    pub target: String,
    /// Do not use the build cache (`--no-cache`); the images built still serve later builds.
    #[serde(alias = "nocache")]
    pub no_cache: bool,
    /// Suppress the build output; only the image id is streamed at the end (`-q`).
    #[serde(alias = "q")]
    pub quiet: bool,
    /// Labels set on the resulting image (`--label`), as `LABEL` steps added to the last stage.
    #[serde(alias = "labels")]
    pub labels: BTreeMap<String, String>,
    /// Remove intermediate containers after a successful step (`--rm`, default true). This engine
    /// also removes the container of a failed step then (see `forcerm`).
    #[serde(alias = "rm")]
    pub remove: bool,
    /// Always remove intermediate containers, even when `rm` is false (`--force-rm`).
    #[serde(alias = "forcerm")]
    pub force_remove: bool,
    /// Network of the `RUN` containers: `none` (also `""` and `default`; this engine has no
    /// bridge network) or `host`.
    #[serde(alias = "networkmode")]
    pub network_mode: String,
    /// `host:ip` entries added to the `/etc/hosts` of `RUN` containers (`--add-host`).
    #[serde(alias = "extrahosts")]
    pub extra_hosts: Vec<String>,
    /// Memory limit of `RUN` containers in bytes (`--memory`); 0 = none.
    #[serde(alias = "memory")]
    pub memory: i64,
    /// Memory + swap limit of `RUN` containers (`--memory-swap`); -1 = unlimited swap.
    #[serde(alias = "memswap")]
    pub memory_swap: i64,
    /// CPU shares of `RUN` containers (`--cpu-shares`).
    #[serde(alias = "cpushares")]
    pub cpu_shares: i64,
    /// CFS period of `RUN` containers in µs (`--cpu-period`).
    #[serde(alias = "cpuperiod")]
    pub cpu_period: i64,
    /// CFS quota of `RUN` containers in µs (`--cpu-quota`).
    #[serde(alias = "cpuquota")]
    pub cpu_quota: i64,
    /// `os[/arch]` to build for: only this host's platform is possible.
    #[serde(alias = "platform")]
    pub platform: String,
    /// A remote context (git repository or URL): not supported.
    #[serde(alias = "remote")]
    pub remote: String,
    /// Always pull base images: not supported (this engine has no registry client).
    #[serde(alias = "pull")]
    pub pull: bool,
    /// Squash the result into one layer: not supported.
    #[serde(alias = "squash")]
    pub squash: bool,
    /// Images to consider as cache sources: not supported (only images built here are).
    #[serde(alias = "cachefrom")]
    pub cache_from: Vec<String>,
    /// The builder: `1` (or empty) the classic builder, which this is; `2` (BuildKit) is refused.
    #[serde(alias = "version")]
    pub version: String,
}

impl Default for ImageBuildOptions {
    fn default() -> Self {
        ImageBuildOptions {
            tags: Vec::new(),
            dockerfile: String::new(),
            build_args: BTreeMap::new(),
            target: String::new(),
            no_cache: false,
            quiet: false,
            labels: BTreeMap::new(),
            remove: true,
            force_remove: false,
            network_mode: String::new(),
            extra_hosts: Vec::new(),
            memory: 0,
            memory_swap: 0,
            cpu_shares: 0,
            cpu_period: 0,
            cpu_quota: 0,
            platform: String::new(),
            remote: String::new(),
            pull: false,
            squash: false,
            cache_from: Vec::new(),
            version: String::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_wire_names() {
        let query = r#"{"t":["a:1"],"buildargs":{"A":"1","B":null},"q":true,"nocache":true,"memswap":-1}"#;
        let pascal = r#"{"Tags":["a:1"],"BuildArgs":{"A":"1","B":null},"Quiet":true,"NoCache":true,"MemorySwap":-1}"#;
        for doc in [query, pascal] {
            for o in [
                serde_json::from_str::<ImageBuildOptions>(doc).unwrap(),
                crate::types::decode::<ImageBuildOptions>("options", doc.as_bytes()).unwrap(),
            ] {
                assert!(o.remove, "rm defaults to true as in Docker");
                assert_eq!(o.tags, ["a:1"]);
                assert_eq!(o.build_args["A"].as_deref(), Some("1"));
                assert_eq!(o.build_args["B"], None, "a null build arg is declared, not given");
                assert!(o.quiet && o.no_cache);
                assert_eq!(o.memory_swap, -1);
            }
        }
        let o = crate::types::decode::<ImageBuildOptions>("options", br#"{"forcerm": true, "RM": false}"#).unwrap();
        assert!(o.force_remove && !o.remove);
        let v = serde_json::to_value(ImageBuildOptions::default()).unwrap();
        for k in ["Tags", "Dockerfile", "BuildArgs", "Target", "NoCache", "Quiet", "Labels", "Remove", "ForceRemove"] {
            assert!(v.get(k).is_some(), "{k} missing from the wire document");
        }
    }
}
