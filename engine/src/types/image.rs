//! Image documents of the Engine API (v1.41): list, inspect, history, delete, and the options of
//! the image operations.

use super::config::{ContainerConfig, Empty};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// `GET /images/json` item.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ImageSummary {
    pub id: String,
    pub parent_id: String,
    pub repo_tags: Vec<String>,
    pub repo_digests: Vec<String>,
    /// Unix seconds.
    pub created: i64,
    pub size: i64,
    pub shared_size: i64,
    pub virtual_size: i64,
    pub labels: BTreeMap<String, String>,
    pub containers: i64,
}

/// `GET /images/{name}/json`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ImageInspect {
    pub id: String,
    pub repo_tags: Vec<String>,
    pub repo_digests: Vec<String>,
    pub parent: String,
    pub comment: String,
    pub created: String,
    pub container: String,
    pub container_config: ContainerConfig,
    pub docker_version: String,
    pub author: String,
    pub config: ContainerConfig,
    pub architecture: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub variant: Option<String>,
    pub os: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub os_version: Option<String>,
    pub size: i64,
    pub virtual_size: i64,
    pub graph_driver: GraphDriver,
    #[serde(rename = "RootFS")]
    pub root_fs: InspectRootFs,
    pub metadata: ImageMetadata,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct GraphDriver {
    pub name: String,
    pub data: BTreeMap<String, String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct InspectRootFs {
    #[serde(rename = "Type")]
    pub kind: String,
    pub layers: Vec<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ImageMetadata {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_tag_time: Option<String>,
}

/// `GET /images/{name}/history` item.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct HistoryResponseItem {
    /// The image id for the entries that are images here, else `<missing>`.
    pub id: String,
    pub created: i64,
    pub created_by: String,
    pub tags: Vec<String>,
    pub size: i64,
    pub comment: String,
}

/// `DELETE /images/{name}` item: one of the two is set.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ImageDeleteResponseItem {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub untagged: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deleted: Option<String>,
}

/// Options of `image_list` (`GET /images/json?all=&filters=&digests=`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct ImageListOptions {
    /// Show intermediate images too.
    pub all: bool,
    /// Docker's filters: `reference`, `dangling`, `label`, `before`, `since`.
    pub filters: BTreeMap<String, Vec<String>>,
    pub digests: bool,
}

/// Options of `image_import` (`POST /images/create?fromSrc=…&repo=&tag=&message=&changes=`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct ImageImportOptions {
    /// `REPO[:TAG]` to tag the new image with.
    pub reference: Option<String>,
    /// Dockerfile instructions applied to the config: CMD, ENTRYPOINT, ENV, EXPOSE, USER,
    /// WORKDIR, LABEL, VOLUME, STOPSIGNAL, ONBUILD.
    pub changes: Vec<String>,
    /// The history comment (`-m`).
    pub message: Option<String>,
    /// `linux/amd64`-style platform of the new image (default: the host's).
    pub platform: Option<String>,
}

/// Options of `image_remove` (`DELETE /images/{name}?force=&noprune=`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct ImageRemoveOptions {
    pub force: bool,
    pub no_prune: bool,
}

/// What `image_load` did.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ImageLoadResult {
    /// Familiar `name:tag` of every tag set.
    pub tags: Vec<String>,
    /// `sha256:…` of every untagged image loaded.
    pub untagged_ids: Vec<String>,
}

/// `ExposedPorts`/`Volumes` style set.
pub type Set = BTreeMap<String, Empty>;
