//! Request documents decoded as Docker's Go server decodes them (`encoding/json` into moby's
//! structs), for every front end: the C ABI's `const char *json`, the HTTP server's bodies, the
//! Python dict and the JS object (as JSON).
//!
//! Go's rules, and how they are kept here:
//! - an object's keys match a struct's fields case-insensitively, an exact match first
//!   (`{"user": "x"}` sets `User`): [`Node::deserialize_struct`] maps each key onto the field
//!   list serde gives it, so this holds at every depth — which is why request types must not use
//!   `#[serde(flatten)]` (a flattened struct is decoded from a map, without its field list);
//! - unknown keys are ignored (types do not `deny_unknown_fields`, except where a front end's own
//!   options must be exact);
//! - `null` is the zero value: a `null` member leaves the field at its default, a `null` string,
//!   number, boolean, list or map is `""`, `0`, `false`, empty;
//! - a value of the wrong JSON type is an error naming the field (`HostConfig.Memory: invalid
//!   type: string "1g", expected i64`), of kind `InvalidArgument`;
//! - anything after the document but white space is an error.
//!
//! `Cmd`, `Entrypoint`, `Shell`, `CapAdd` and `CapDrop` take a string or a list (`strslice`): the
//! types say so with `deserialize_with`, whatever the decoder.
//!
//! The cost: the body is parsed to a `serde_json::Value` first (one more copy of a request body,
//! a few kB), which is what lets a struct see all its keys before it matches them.

use crate::error::{Error, Result};
use serde::de::{self, DeserializeOwned, DeserializeSeed, Visitor};
use serde_json::Value;
use std::fmt;

/// Decode a request document (`what` names it in errors: "request body", "options_json").
pub fn decode<T: DeserializeOwned>(what: &str, bytes: &[u8]) -> Result<T> {
    let v: Value = serde_json::from_slice(bytes).map_err(|e| Error::invalid(format!("invalid JSON in {what}: {e}")))?;
    decode_value(what, &v)
}

/// [`decode`] of an already parsed document.
pub fn decode_value<T: DeserializeOwned>(what: &str, v: &Value) -> Result<T> {
    T::deserialize(Node { v, path: String::new() }).map_err(|e| {
        Error::invalid(match e.path {
            Some(p) if !p.is_empty() => format!("invalid {what}: {p}: {}", e.msg),
            _ => format!("invalid {what}: {}", e.msg),
        })
    })
}

/// Decode a part of a document found at `path` (for types that take their document apart by
/// hand, such as [`super::ContainerCreateRequest`]); the error's text starts with the path.
pub(crate) fn decode_part<T: DeserializeOwned>(path: &str, v: &Value) -> std::result::Result<T, DecodeError> {
    T::deserialize(Node { v, path: path.to_string() }).map_err(|mut e| {
        e.path.get_or_insert_with(|| path.to_string());
        DecodeError { msg: e.to_string(), path: Some(String::new()) }
    })
}

/// A decoding error and where it happened (`HostConfig.Binds[1]`).
#[derive(Debug)]
pub struct DecodeError {
    msg: String,
    path: Option<String>,
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.path {
            Some(p) if !p.is_empty() => write!(f, "{p}: {}", self.msg),
            _ => f.write_str(&self.msg),
        }
    }
}

impl std::error::Error for DecodeError {}

impl de::Error for DecodeError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        DecodeError { msg: msg.to_string(), path: None }
    }
}

type R<T> = std::result::Result<T, DecodeError>;

/// One value of the document and its path from the root.
struct Node<'a> {
    v: &'a Value,
    path: String,
}

impl<'a> Node<'a> {
    fn child(&self, v: &'a Value, step: fmt::Arguments) -> Node<'a> {
        let path = if self.path.is_empty() { step.to_string() } else { format!("{}{step}", self.path) };
        Node { v, path }
    }

    fn member(&self, v: &'a Value, key: &str) -> Node<'a> {
        if self.path.is_empty() {
            self.child(v, format_args!("{key}"))
        } else {
            self.child(v, format_args!(".{key}"))
        }
    }

    /// The innermost node that fails names the place.
    fn at<T>(&self, r: R<T>) -> R<T> {
        r.map_err(|mut e| {
            if e.path.is_none() {
                e.path = Some(self.path.clone());
            }
            e
        })
    }

    fn unexpected(&self) -> de::Unexpected<'a> {
        match self.v {
            Value::Null => de::Unexpected::Unit,
            Value::Bool(b) => de::Unexpected::Bool(*b),
            Value::Number(n) => match (n.as_u64(), n.as_i64()) {
                (Some(u), _) => de::Unexpected::Unsigned(u),
                (_, Some(i)) => de::Unexpected::Signed(i),
                _ => de::Unexpected::Float(n.as_f64().unwrap_or(f64::NAN)),
            },
            Value::String(s) => de::Unexpected::Str(s),
            Value::Array(_) => de::Unexpected::Seq,
            Value::Object(_) => de::Unexpected::Map,
        }
    }

    fn mismatch<T>(&self, exp: &dyn de::Expected) -> R<T> {
        self.at(Err(de::Error::invalid_type(self.unexpected(), exp)))
    }

    fn number<'de, V: Visitor<'de>>(self, visitor: V) -> R<V::Value> {
        let r = match self.v {
            Value::Null => visitor.visit_u64(0),
            Value::Number(n) => match (n.as_u64(), n.as_i64()) {
                (Some(u), _) => visitor.visit_u64(u),
                (_, Some(i)) => visitor.visit_i64(i),
                _ => visitor.visit_f64(n.as_f64().unwrap_or(f64::NAN)),
            },
            _ => return self.mismatch(&visitor),
        };
        self.at(r)
    }
}

macro_rules! numbers {
    ($($m:ident)*) => {$(
        fn $m<V: Visitor<'a>>(self, visitor: V) -> R<V::Value> {
            self.number(visitor)
        }
    )*};
}

impl<'a> de::Deserializer<'a> for Node<'a> {
    type Error = DecodeError;

    fn deserialize_any<V: Visitor<'a>>(self, visitor: V) -> R<V::Value> {
        let r = match self.v {
            Value::Null => visitor.visit_unit(),
            Value::Bool(b) => visitor.visit_bool(*b),
            Value::Number(_) => return self.number(visitor),
            Value::String(s) => visitor.visit_borrowed_str(s),
            Value::Array(a) => visitor.visit_seq(Seq { node: &self, items: a.iter().enumerate() }),
            Value::Object(o) => visitor.visit_map(Map::plain(&self, o)),
        };
        self.at(r)
    }

    fn deserialize_bool<V: Visitor<'a>>(self, visitor: V) -> R<V::Value> {
        let r = match self.v {
            Value::Null => visitor.visit_bool(false),
            Value::Bool(b) => visitor.visit_bool(*b),
            _ => return self.mismatch(&visitor),
        };
        self.at(r)
    }

    numbers!(deserialize_i8 deserialize_i16 deserialize_i32 deserialize_i64 deserialize_i128
        deserialize_u8 deserialize_u16 deserialize_u32 deserialize_u64 deserialize_u128
        deserialize_f32 deserialize_f64);

    fn deserialize_char<V: Visitor<'a>>(self, visitor: V) -> R<V::Value> {
        self.deserialize_str(visitor)
    }

    fn deserialize_str<V: Visitor<'a>>(self, visitor: V) -> R<V::Value> {
        let r = match self.v {
            Value::Null => visitor.visit_borrowed_str(""),
            Value::String(s) => visitor.visit_borrowed_str(s),
            _ => return self.mismatch(&visitor),
        };
        self.at(r)
    }

    fn deserialize_string<V: Visitor<'a>>(self, visitor: V) -> R<V::Value> {
        self.deserialize_str(visitor)
    }

    fn deserialize_bytes<V: Visitor<'a>>(self, visitor: V) -> R<V::Value> {
        self.deserialize_any(visitor)
    }

    fn deserialize_byte_buf<V: Visitor<'a>>(self, visitor: V) -> R<V::Value> {
        self.deserialize_any(visitor)
    }

    fn deserialize_option<V: Visitor<'a>>(self, visitor: V) -> R<V::Value> {
        match self.v {
            Value::Null => self.at(visitor.visit_none()),
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_unit<V: Visitor<'a>>(self, visitor: V) -> R<V::Value> {
        match self.v {
            Value::Null => self.at(visitor.visit_unit()),
            _ => self.mismatch(&visitor),
        }
    }

    fn deserialize_unit_struct<V: Visitor<'a>>(self, _name: &'static str, visitor: V) -> R<V::Value> {
        self.deserialize_unit(visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'a>>(self, _name: &'static str, visitor: V) -> R<V::Value> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_seq<V: Visitor<'a>>(self, visitor: V) -> R<V::Value> {
        let r = match self.v {
            Value::Null => visitor.visit_seq(Seq { node: &self, items: [].iter().enumerate() }),
            Value::Array(a) => visitor.visit_seq(Seq { node: &self, items: a.iter().enumerate() }),
            _ => return self.mismatch(&visitor),
        };
        self.at(r)
    }

    fn deserialize_tuple<V: Visitor<'a>>(self, _len: usize, visitor: V) -> R<V::Value> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'a>>(self, _name: &'static str, _len: usize, visitor: V) -> R<V::Value> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_map<V: Visitor<'a>>(self, visitor: V) -> R<V::Value> {
        let r = match self.v {
            Value::Null => visitor.visit_map(Map { node: &self, entries: Vec::new().into_iter(), value: None }),
            Value::Object(o) => visitor.visit_map(Map::plain(&self, o)),
            _ => return self.mismatch(&visitor),
        };
        self.at(r)
    }

    /// Keys are matched to `fields` as Go does (exact, else ignoring case); `null` members are
    /// dropped, so their fields keep their defaults.
    fn deserialize_struct<V: Visitor<'a>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> R<V::Value> {
        let r = match self.v {
            Value::Null => visitor.visit_map(Map { node: &self, entries: Vec::new().into_iter(), value: None }),
            Value::Object(o) => visitor.visit_map(Map::for_struct(&self, o, fields)),
            _ => return self.mismatch(&visitor),
        };
        self.at(r)
    }

    fn deserialize_enum<V: Visitor<'a>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> R<V::Value> {
        // No request type has an externally tagged enum today; serde_json's rules serve.
        let r = de::Deserializer::deserialize_enum(self.v.clone(), name, variants, visitor)
            .map_err(<DecodeError as de::Error>::custom);
        self.at(r)
    }

    fn deserialize_identifier<V: Visitor<'a>>(self, visitor: V) -> R<V::Value> {
        self.deserialize_str(visitor)
    }

    fn deserialize_ignored_any<V: Visitor<'a>>(self, visitor: V) -> R<V::Value> {
        visitor.visit_unit()
    }
}

struct Seq<'n, 'a, I> {
    node: &'n Node<'a>,
    items: I,
}

impl<'a, I: Iterator<Item = (usize, &'a Value)>> de::SeqAccess<'a> for Seq<'_, 'a, I> {
    type Error = DecodeError;

    fn next_element_seed<T: DeserializeSeed<'a>>(&mut self, seed: T) -> R<Option<T::Value>> {
        match self.items.next() {
            Some((i, v)) => seed.deserialize(self.node.child(v, format_args!("[{i}]"))).map(Some),
            None => Ok(None),
        }
    }
}

/// An object's members, with the key each one is delivered under.
struct Map<'n, 'a> {
    node: &'n Node<'a>,
    entries: std::vec::IntoIter<(&'a str, &'a str, &'a Value)>,
    /// The value of the key last delivered, with the key as sent.
    value: Option<(&'a str, &'a Value)>,
}

impl<'n, 'a> Map<'n, 'a> {
    fn plain(node: &'n Node<'a>, o: &'a serde_json::Map<String, Value>) -> Map<'n, 'a> {
        let entries: Vec<_> = o.iter().map(|(k, v)| (k.as_str(), k.as_str(), v)).collect();
        Map { node, entries: entries.into_iter(), value: None }
    }

    fn for_struct(
        node: &'n Node<'a>,
        o: &'a serde_json::Map<String, Value>,
        fields: &'static [&'static str],
    ) -> Map<'n, 'a> {
        let mut entries: Vec<(&'a str, &'a str, &'a Value)> = Vec::new();
        for (k, v) in o {
            if v.is_null() {
                continue;
            }
            let exact = fields.contains(&k.as_str());
            let field =
                if exact { Some(k.as_str()) } else { fields.iter().copied().find(|f| f.eq_ignore_ascii_case(k)) };
            let Some(field) = field else {
                entries.push((k, k, v)); // unknown: the type ignores it (or refuses it, if it must)
                continue;
            };
            // Two keys for one field (`User` and `user`): the exact one wins, else the first.
            match entries.iter().position(|(f, _, _)| *f == field) {
                Some(i) if exact => entries[i] = (field, k, v),
                Some(_) => {}
                None => entries.push((field, k, v)),
            }
        }
        Map { node, entries: entries.into_iter(), value: None }
    }
}

impl<'a> de::MapAccess<'a> for Map<'_, 'a> {
    type Error = DecodeError;

    fn next_key_seed<K: DeserializeSeed<'a>>(&mut self, seed: K) -> R<Option<K::Value>> {
        match self.entries.next() {
            Some((field, sent, v)) => {
                self.value = Some((sent, v));
                seed.deserialize(de::value::BorrowedStrDeserializer::<DecodeError>::new(field)).map(Some)
            }
            None => Ok(None),
        }
    }

    fn next_value_seed<T: DeserializeSeed<'a>>(&mut self, seed: T) -> R<T::Value> {
        let (key, v) = self.value.take().ok_or_else(|| <DecodeError as de::Error>::custom("value before key"))?;
        seed.deserialize(self.node.member(v, key))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::{ContainerCreateRequest, ExecConfig, HostConfig};

    fn create(json: &str) -> ContainerCreateRequest {
        decode("request body", json.as_bytes()).unwrap_or_else(|e| panic!("{e}: {json}"))
    }

    #[test]
    fn keys_match_ignoring_case_at_every_depth() {
        let r = create(
            r#"{"image": "busybox", "USER": "1000", "hostconfig": {"memory": 1048576, "restartpolicy": {"name": "always"}}}"#,
        );
        assert_eq!(r.config.image, "busybox");
        assert_eq!(r.config.user, "1000");
        assert_eq!(r.host_config.memory, 1 << 20);
        assert_eq!(r.host_config.restart_policy.name, "always");
        // The exact spelling wins over another case of the same name.
        let r = create(r#"{"user": "a", "User": "b", "uSER": "c"}"#);
        assert_eq!(r.config.user, "b");
    }

    #[test]
    fn null_is_the_zero_value_and_unknown_keys_are_ignored() {
        let r = create(
            r#"{"Image": null, "Env": null, "Cmd": null, "Tty": null, "StopTimeout": null, "Labels": {"a": null},
               "HostConfig": {"Memory": null, "Binds": [null, "/a:/b"], "ConsoleSize": null, "PidsLimit": null,
                              "LogConfig": null, "RestartPolicy": {"Name": null}},
               "NetworkingConfig": null, "GwPriority": 3, "Whatever": {"x": [1]}}"#,
        );
        assert_eq!(r.config.image, "");
        assert_eq!(r.config.env, None);
        assert!(!r.config.tty);
        assert_eq!(r.config.labels.unwrap()["a"], "");
        assert_eq!(r.host_config.binds.unwrap(), ["", "/a:/b"]);
        assert_eq!(r.host_config.console_size, [0, 0]);
        assert_eq!(r.host_config.pids_limit, None);
        assert!(r.networking_config.is_none());
    }

    #[test]
    fn errors_name_the_field() {
        let e = decode::<ContainerCreateRequest>("request body", br#"{"HostConfig": {"Memory": "1g"}}"#).unwrap_err();
        assert_eq!(e.kind(), crate::ErrorKind::InvalidArgument);
        assert!(e.message().contains("HostConfig.Memory: invalid type: string \"1g\""), "{e}");
        let e = decode::<ContainerCreateRequest>("request body", br#"{"Env": ["A=1", 2]}"#).unwrap_err();
        assert!(e.message().contains("Env[1]: invalid type: integer `2`, expected a string"), "{e}");
        let e = decode::<ContainerCreateRequest>("request body", br#"{"Tty": "yes"}"#).unwrap_err();
        assert!(e.message().contains("Tty: invalid type: string \"yes\", expected a boolean"), "{e}");
        let e = decode::<ContainerCreateRequest>("request body", br#"{"Image": "x"} {}"#).unwrap_err();
        assert!(e.message().contains("trailing characters"), "{e}");
        let e = decode::<HostConfig>("request body", br#"{"ConsoleSize": [1]}"#).unwrap_err();
        assert!(e.message().contains("ConsoleSize"), "{e}");
        let e = decode::<ContainerCreateRequest>("request body", b"[1]").unwrap_err();
        assert!(e.message().contains("expected an object, found [1]"), "{e}");
    }

    #[test]
    fn cmd_and_entrypoint_take_a_string_or_a_list() {
        let r = create(r#"{"Cmd": "echo hi", "Entrypoint": "/bin/sh", "HostConfig": {"CapAdd": "NET_ADMIN"}}"#);
        assert_eq!(r.config.cmd.unwrap(), ["echo hi"]);
        assert_eq!(r.config.entrypoint.unwrap(), ["/bin/sh"]);
        assert_eq!(r.host_config.cap_add.unwrap(), ["NET_ADMIN"]);
        let r = create(r#"{"Entrypoint": []}"#);
        assert_eq!(r.config.entrypoint, Some(vec![]), "[] clears the image's entrypoint: not the same as null");
    }

    /// The body the docker CLI 28.2.2 sends for `docker run --rm busybox echo hi` (remote-api.md §2.3).
    #[test]
    fn docker_cli_28_create_body() {
        let body = r#"{"Hostname":"","Domainname":"","User":"","AttachStdin":false,"AttachStdout":true,
        "AttachStderr":true,"Tty":false,"OpenStdin":false,"StdinOnce":false,"Env":null,"Cmd":["echo","hi"],
        "Image":"busybox","Volumes":{},"WorkingDir":"","Entrypoint":null,"OnBuild":null,"Labels":{},
        "HostConfig":{"Binds":null,"ContainerIDFile":"","LogConfig":{"Type":"","Config":{}},"NetworkMode":"default",
        "PortBindings":{},"RestartPolicy":{"Name":"no","MaximumRetryCount":0},"AutoRemove":true,"VolumeDriver":"",
        "VolumesFrom":null,"ConsoleSize":[0,0],"CapAdd":null,"CapDrop":null,"CgroupnsMode":"","Dns":[],
        "DnsOptions":[],"DnsSearch":[],"ExtraHosts":null,"GroupAdd":null,"IpcMode":"","Cgroup":"","Links":null,
        "OomScoreAdj":0,"PidMode":"","Privileged":false,"PublishAllPorts":false,"ReadonlyRootfs":false,
        "SecurityOpt":null,"UTSMode":"","UsernsMode":"","ShmSize":0,"Isolation":"","CpuShares":0,"Memory":0,
        "NanoCpus":0,"CgroupParent":"","BlkioWeight":0,"BlkioWeightDevice":[],"BlkioDeviceReadBps":[],
        "BlkioDeviceWriteBps":[],"BlkioDeviceReadIOps":[],"BlkioDeviceWriteIOps":[],"CpuPeriod":0,"CpuQuota":0,
        "CpuRealtimePeriod":0,"CpuRealtimeRuntime":0,"CpusetCpus":"","CpusetMems":"","Devices":[],
        "DeviceCgroupRules":null,"DeviceRequests":null,"MemoryReservation":0,"MemorySwap":0,
        "MemorySwappiness":-1,"OomKillDisable":null,"PidsLimit":0,"Ulimits":[],"CpuCount":0,"CpuPercent":0,
        "IOMaximumIOps":0,"IOMaximumBandwidth":0,"MaskedPaths":null,"ReadonlyPaths":null},
        "NetworkingConfig":{"EndpointsConfig":{"default":{"IPAMConfig":null,"Links":null,"Aliases":null,
        "MacAddress":"","DriverOpts":null,"GwPriority":0,"NetworkID":"","EndpointID":"","Gateway":"",
        "IPAddress":"","IPPrefixLen":0,"IPv6Gateway":"","GlobalIPv6Address":"","GlobalIPv6PrefixLen":0,
        "DNSNames":null}}}}"#;
        let r = create(body);
        assert_eq!(r.config.cmd.as_deref(), Some(&["echo".to_string(), "hi".to_string()][..]));
        assert_eq!(r.config.volumes, Some(Default::default()));
        assert!(r.config.attach_stdout && r.host_config.auto_remove);
        assert_eq!(r.host_config.network_mode, "default");
        assert_eq!(r.host_config.memory_swappiness, Some(-1));
        assert_eq!(r.host_config.pids_limit, Some(0));
        assert_eq!(r.host_config.unsupported(), None, "the CLI's defaults are all supported");
        assert!(r.networking_config.unwrap().endpoints_config.contains_key("default"));
    }

    /// docker-py 7.2.0 `containers.run` and dockerode 5.0.1 `run` (remote-api.md §2.4).
    #[test]
    fn docker_py_and_dockerode_create_bodies() {
        let py = create(
            r#"{"Tty":false,"OpenStdin":false,"StdinOnce":false,"AttachStdin":false,"AttachStdout":true,
            "AttachStderr":true,"Cmd":["echo","hi"],"Image":"busybox","NetworkDisabled":false,
            "HostConfig":{"NetworkMode":"default"}}"#,
        );
        assert_eq!(py.config.image, "busybox");
        assert_eq!(py.host_config.network_mode, "default");
        let node = create(
            r#"{"Hostname":"","User":"","AttachStdin":false,"AttachStdout":true,"AttachStderr":true,"Tty":true,
            "OpenStdin":false,"StdinOnce":false,"Env":null,"Cmd":["sh","-c","echo hi"],"Image":"busybox",
            "Volumes":{},"VolumesFrom":[],"HostConfig":{"AutoRemove":true}}"#,
        );
        assert!(node.config.tty && node.host_config.auto_remove);
        assert_eq!(node.config.cmd.unwrap().len(), 3);
    }

    #[test]
    fn exec_body_of_the_docker_cli() {
        let e: ExecConfig = decode(
            "request body",
            br#"{"User":"","Privileged":false,"Tty":false,"AttachStdin":false,"AttachStderr":true,
            "AttachStdout":true,"Detach":false,"DetachKeys":"","Env":null,"WorkingDir":"","Cmd":["echo","hi"],
            "containerId":"abc"}"#,
        )
        .unwrap();
        assert_eq!(e.cmd, ["echo", "hi"]);
        assert!(e.attach_stdout);
    }
}
