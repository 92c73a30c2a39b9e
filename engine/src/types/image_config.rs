//! The image config document (Docker/OCI `config.json`, whose sha256 is the image id) and its
//! parts. Stored bytes are kept verbatim (an image loaded keeps its id); what is parsed from them
//! is lenient: unknown fields are ignored, absent ones take their zero value.

use super::config::{is_false, null_as_none, string_or_list, ContainerConfig, Empty, HealthConfig};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The `config` (and `container_config`) of an image config document: the defaults a container
/// of the image starts with (Docker's builder calls it the `runConfig`).
///
/// Every field of the Engine API's [`ContainerConfig`] is here, so that a config written by
/// another engine loses nothing when parsed, but only fields with a value are written (as OCI's
/// image config and Docker ≥ 25 write them; Docker 20.10 wrote every field, `"Hostname":""`,
/// `"Env":null`, …). The bytes we write are hashed into the image id and into build cache keys:
/// this type's serialisation is frozen, whatever the API type becomes.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct RunConfig {
    #[serde(skip_serializing_if = "String::is_empty")]
    pub hostname: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub domainname: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub user: String,
    #[serde(skip_serializing_if = "is_false")]
    pub attach_stdin: bool,
    #[serde(skip_serializing_if = "is_false")]
    pub attach_stdout: bool,
    #[serde(skip_serializing_if = "is_false")]
    pub attach_stderr: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exposed_ports: Option<BTreeMap<String, Empty>>,
    #[serde(skip_serializing_if = "is_false")]
    pub tty: bool,
    #[serde(skip_serializing_if = "is_false")]
    pub open_stdin: bool,
    #[serde(skip_serializing_if = "is_false")]
    pub stdin_once: bool,
    #[serde(skip_serializing_if = "Option::is_none", deserialize_with = "null_as_none")]
    pub env: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none", deserialize_with = "string_or_list")]
    pub cmd: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub healthcheck: Option<HealthConfig>,
    #[serde(skip_serializing_if = "is_false")]
    pub args_escaped: bool,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub image: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub volumes: Option<BTreeMap<String, Empty>>,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub working_dir: String,
    #[serde(skip_serializing_if = "Option::is_none", deserialize_with = "string_or_list")]
    pub entrypoint: Option<Vec<String>>,
    #[serde(skip_serializing_if = "is_false")]
    pub network_disabled: bool,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub mac_address: String,
    #[serde(skip_serializing_if = "Option::is_none", deserialize_with = "null_as_none")]
    pub on_build: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub labels: Option<BTreeMap<String, String>>,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub stop_signal: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stop_timeout: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none", deserialize_with = "null_as_none")]
    pub shell: Option<Vec<String>>,
}

/// The image config document (image-formats.md §4.2). Field order is what we serialise; the
/// stored bytes are kept verbatim, so configs written by others keep their id.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ImageConfig {
    pub architecture: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub variant: Option<String>,
    pub os: String,
    #[serde(rename = "os.version", skip_serializing_if = "Option::is_none")]
    pub os_version: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub author: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    pub config: RunConfig,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub container: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub container_config: Option<RunConfig>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub docker_version: Option<String>,
    pub history: Vec<History>,
    pub rootfs: RootFs,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct RootFs {
    #[serde(rename = "type")]
    pub kind: String,
    pub diff_ids: Vec<crate::digest::Digest>,
}

/// One `history` entry of an image config.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct History {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_by: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub author: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    #[serde(skip_serializing_if = "is_false")]
    pub empty_layer: bool,
}

impl ImageConfig {
    /// Parse a stored or received config leniently, as Docker's Go code reads one (keys in any
    /// case, `null` for absent, unknown keys ignored). The error says what was wrong, not where
    /// the bytes came from.
    pub fn parse(raw: &[u8]) -> crate::Result<ImageConfig> {
        super::decode("image config", raw)
    }
}

/// Moves every field: the two types carry the same fields, serialised differently.
macro_rules! same_fields {
    ($from:ident => $to:ident) => {
        impl From<$from> for $to {
            fn from(c: $from) -> $to {
                $to {
                    hostname: c.hostname,
                    domainname: c.domainname,
                    user: c.user,
                    attach_stdin: c.attach_stdin,
                    attach_stdout: c.attach_stdout,
                    attach_stderr: c.attach_stderr,
                    exposed_ports: c.exposed_ports,
                    tty: c.tty,
                    open_stdin: c.open_stdin,
                    stdin_once: c.stdin_once,
                    env: c.env,
                    cmd: c.cmd,
                    healthcheck: c.healthcheck,
                    args_escaped: c.args_escaped,
                    image: c.image,
                    volumes: c.volumes,
                    working_dir: c.working_dir,
                    entrypoint: c.entrypoint,
                    network_disabled: c.network_disabled,
                    mac_address: c.mac_address,
                    on_build: c.on_build,
                    labels: c.labels,
                    stop_signal: c.stop_signal,
                    stop_timeout: c.stop_timeout,
                    shell: c.shell,
                }
            }
        }
    };
}
same_fields!(RunConfig => ContainerConfig);
same_fields!(ContainerConfig => RunConfig);
