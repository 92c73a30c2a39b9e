//! The container configuration of the Engine API (`Config` in create and inspect, the
//! `ContainerConfig` definition of the spec), serialised as Docker's Go server does: every field
//! without `omitempty` in moby's `container.Config` is always written, with its zero value (`""`,
//! `false`) or `null` for a nil list or map — `{{.Config.User}}` is an empty string, never a
//! missing key. The image config's copy of these fields is [`super::RunConfig`].

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// An empty JSON object, as Docker uses for set-like maps (`"ExposedPorts": {"80/tcp": {}}`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Empty {}

/// Engine API `ContainerConfig`. Field order and `omitempty` as in moby's `container.Config`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct ContainerConfig {
    pub hostname: String,
    pub domainname: String,
    pub user: String,
    pub attach_stdin: bool,
    pub attach_stdout: bool,
    pub attach_stderr: bool,
    #[serde(skip_serializing_if = "is_empty_map")]
    pub exposed_ports: Option<BTreeMap<String, Empty>>,
    pub tty: bool,
    pub open_stdin: bool,
    pub stdin_once: bool,
    pub env: Option<Vec<String>>,
    /// A string or a list on the wire (`strslice`).
    #[serde(deserialize_with = "string_or_list")]
    pub cmd: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub healthcheck: Option<HealthConfig>,
    #[serde(skip_serializing_if = "is_false")]
    pub args_escaped: bool,
    pub image: String,
    pub volumes: Option<BTreeMap<String, Empty>>,
    pub working_dir: String,
    /// `null` inherits the image's; `[]` (or `[""]`) clears it.
    #[serde(deserialize_with = "string_or_list")]
    pub entrypoint: Option<Vec<String>>,
    #[serde(skip_serializing_if = "is_false")]
    pub network_disabled: bool,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub mac_address: String,
    pub on_build: Option<Vec<String>>,
    pub labels: Option<BTreeMap<String, String>>,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub stop_signal: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stop_timeout: Option<i64>,
    #[serde(skip_serializing_if = "is_empty_list", deserialize_with = "string_or_list")]
    pub shell: Option<Vec<String>>,
}

/// `Healthcheck` (durations in nanoseconds); every field `omitempty`, as in moby.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct HealthConfig {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub test: Option<Vec<String>>,
    #[serde(skip_serializing_if = "is_zero")]
    pub interval: i64,
    #[serde(skip_serializing_if = "is_zero")]
    pub timeout: i64,
    #[serde(skip_serializing_if = "is_zero")]
    pub retries: i64,
    #[serde(skip_serializing_if = "is_zero")]
    pub start_period: i64,
    #[serde(skip_serializing_if = "is_zero")]
    pub start_interval: i64,
}

pub(crate) fn is_false(b: &bool) -> bool {
    !*b
}
pub(crate) fn is_zero(n: &i64) -> bool {
    *n == 0
}
/// Go's `omitempty` on a map: nil and empty alike.
pub(crate) fn is_empty_map<K, V>(m: &Option<BTreeMap<K, V>>) -> bool {
    m.as_ref().is_none_or(BTreeMap::is_empty)
}
/// Go's `omitempty` on a slice: nil and empty alike.
pub(crate) fn is_empty_list<T>(v: &Option<Vec<T>>) -> bool {
    v.as_ref().is_none_or(Vec::is_empty)
}

pub(crate) fn null_as_none<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d)
}

/// A `strslice`: a JSON string (`"Cmd": "echo hi"`, old API versions) or a list of strings.
pub(crate) fn string_or_list<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Vec<String>>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        One(String),
        Many(Vec<String>),
    }
    Ok(match Option::<OneOrMany>::deserialize(d)? {
        None => None,
        Some(OneOrMany::One(s)) => Some(vec![s]),
        Some(OneOrMany::Many(v)) => Some(v),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_config_has_every_go_field() {
        let v = serde_json::to_value(ContainerConfig::default()).unwrap();
        let o = v.as_object().unwrap();
        let keys: Vec<&str> = o.keys().map(String::as_str).collect();
        // moby container.Config without `omitempty`, as Docker 20.10 sends it.
        for k in [
            "Hostname",
            "Domainname",
            "User",
            "AttachStdin",
            "AttachStdout",
            "AttachStderr",
            "Tty",
            "OpenStdin",
            "StdinOnce",
            "Env",
            "Cmd",
            "Image",
            "Volumes",
            "WorkingDir",
            "Entrypoint",
            "OnBuild",
            "Labels",
        ] {
            assert!(o.contains_key(k), "{k} missing: {keys:?}");
        }
        assert_eq!(o.len(), 17, "{keys:?}");
        assert_eq!(v["User"], "");
        assert_eq!(v["Env"], serde_json::Value::Null);
        let set = ContainerConfig {
            exposed_ports: Some(BTreeMap::from([("80/tcp".into(), Empty {})])),
            shell: Some(vec![]),
            stop_signal: "SIGINT".into(),
            ..Default::default()
        };
        let v = serde_json::to_value(set).unwrap();
        assert_eq!(v["ExposedPorts"], serde_json::json!({"80/tcp": {}}));
        assert_eq!(v["StopSignal"], "SIGINT");
        assert!(v.get("Shell").is_none(), "an empty Shell is omitted, as Go's omitempty does");
    }

    #[test]
    fn cmd_is_a_string_or_a_list() {
        let c: ContainerConfig = serde_json::from_str(r#"{"Cmd": "echo hi", "Entrypoint": ["/x"]}"#).unwrap();
        assert_eq!(c.cmd.unwrap(), ["echo hi"]);
        assert_eq!(c.entrypoint.unwrap(), ["/x"]);
        let c: ContainerConfig = serde_json::from_str(r#"{"Entrypoint": null, "Shell": "sh"}"#).unwrap();
        assert_eq!(c.entrypoint, None);
        assert_eq!(c.shell.unwrap(), ["sh"]);
    }
}
