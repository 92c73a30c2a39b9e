//! The façade's responses against the Engine API's own specification (`spec/engine-api-v1.41.yaml`,
//! moby's `api/swagger.yaml` of API 1.41, vendored). Each response type is serialised from real
//! objects made in a test root (an imported image, a running and a stopped container, an exec, a
//! volume) and checked against its schema: every `required` property present, every present
//! property of the declared JSON type (`null` only where `x-nullable`, or where Docker's Go
//! server itself sends `null`: see [`GO_NULLS`]), recursively through `$ref`, `allOf`, `items`
//! and `additionalProperties`, string values within an `enum` — and, for the definitions in
//! [`COMPLETE`], every property the spec lists, as Docker sends them all.
//!
//! What is checked, against which schema:
//!
//! | response (façade call) | schema |
//! |---|---|
//! | `ContainerInspect` (`container_inspect`, running, created, `--network host`) | `GET /containers/{id}/json` 200 |
//! | `ContainerSummary` (`container_list`) | `ContainerSummary` |
//! | `ContainerCreateResponse` (`container_create`) | `POST /containers/create` 201 |
//! | `ContainerWaitResponse` (`container_wait`) | `ContainerWaitResponse` |
//! | `TopResponse` (`container_top`) | `GET /containers/{id}/top` 200 |
//! | `ChangeItem` list (`container_changes`) | `GET /containers/{id}/changes` 200 |
//! | `Stats` (`container_stats`) | `GET /containers/{id}/stats` 200 (only "an object" in the spec) |
//! | `ExecInspect` (`exec_inspect`) | `GET /exec/{id}/json` 200 |
//! | `PruneReport` (`container_prune`) | `POST /containers/prune` 200 |
//! | `ImageInspect` (`image_inspect`, imported and committed) | `ImageInspect` |
//! | `ImageSummary` list (`image_list`) | `GET /images/json` 200 |
//! | `HistoryResponseItem` list (`image_history`) | `GET /images/{name}/history` 200 |
//! | `ImageDeleteResponseItem` list (`image_remove`) | `DELETE /images/{name}` 200 |
//! | `Volume` (`volume_create`, `volume_inspect`) | `Volume` |
//! | `VolumeListResponse` (`volume_list`) | `GET /volumes` 200 |
//! | `VolumePruneReport` (`volume_prune`) | `POST /volumes/prune` 200 |
//! | `SystemInfo` (`info`) | `SystemInfo` |
//! | `SystemVersion` (`version`) | `SystemVersion` |
//!
//! Not checked by a schema, because v1.41 has none: `PathStat` (a base64 header of the archive
//! endpoints; its shape and Go `FileMode` bits are asserted against Docker's observed document
//! instead), the progress stream messages, `ImageLoadResult` (ours; `load` streams messages).

use libdocker_e2e::*;
use serde_json::{json, Value};
use std::path::Path;

/// Properties the spec does not mark `x-nullable` but that Docker's Go server sends as `null`
/// (a nil slice or map, or a nil pointer, without `omitempty`), as observed from Docker 20.10:
/// clients cope with `null` there, and we send what Docker sends. Each is `Definition.Property`
/// (inline schemas are named by their `title`, nested inline objects by their property path).
const GO_NULLS: &[&str] = &[
    // container.Config: nil []string / map fields.
    "ContainerConfig.Env",
    "ContainerConfig.Cmd",
    "ContainerConfig.Volumes",
    "ContainerConfig.Entrypoint",
    "ContainerConfig.Labels",
    "ImageConfig.Env",
    "ImageConfig.Cmd",
    "ImageConfig.Volumes",
    "ImageConfig.Entrypoint",
    "ImageConfig.Labels",
    // container.HostConfig: nil slices and pointers.
    "HostConfig.Binds",
    "HostConfig.VolumesFrom",
    "HostConfig.CapAdd",
    "HostConfig.CapDrop",
    "HostConfig.Dns",
    "HostConfig.DnsOptions",
    "HostConfig.DnsSearch",
    "HostConfig.ExtraHosts",
    "HostConfig.GroupAdd",
    "HostConfig.Links",
    "HostConfig.SecurityOpt",
    "HostConfig.MaskedPaths",
    "HostConfig.ReadonlyPaths",
    "Resources.BlkioWeightDevice",
    "Resources.BlkioDeviceReadBps",
    "Resources.BlkioDeviceWriteBps",
    "Resources.BlkioDeviceReadIOps",
    "Resources.BlkioDeviceWriteIOps",
    "Resources.Devices",
    "Resources.DeviceCgroupRules",
    "Resources.DeviceRequests",
    "Resources.MemorySwappiness",
    "Resources.OomKillDisable",
    "Resources.Ulimits",
    // ContainerJSON.ExecIDs: nil until an exec exists.
    "ContainerInspectResponse.ExecIDs",
    // network.EndpointSettings: nil pointer and slices.
    "EndpointSettings.IPAMConfig",
    "EndpointSettings.Links",
    "EndpointSettings.Aliases",
    // ContainerWaitOKBody.Error: a nil pointer when the wait went well.
    "ContainerWaitResponse.Error",
    // ContainerExecInspect.ExitCode: nil while the exec has not ended.
    "ExecInspectResponse.ExitCode",
    // Required by the spec, yet nil slices and maps in Docker's answers. We send an empty list or
    // map there instead, which the spec asks for and every client reads as well.
    "ImageHistoryResponseItem.Tags",
    "ImageSummary.RepoDigests",
    "ImageSummary.Labels",
    "Volume.Labels",
    "Volume.Options",
    "VolumeListResponse.Warnings",
];

/// Definitions whose every property must be present, as Docker's Go server sends them, but for
/// the ones Go leaves out when empty (`omitempty` in moby 20.10's types; listed per definition).
/// The spec's own `required` lists are short: this is what keeps "a client may index any key".
const COMPLETE: &[(&str, &[&str])] = &[
    (
        "ContainerConfig",
        &[
            "ExposedPorts",
            "Healthcheck",
            "ArgsEscaped",
            "NetworkDisabled",
            "MacAddress",
            "StopSignal",
            "StopTimeout",
            "Shell",
        ],
    ),
    (
        "ImageConfig",
        &[
            "ExposedPorts",
            "Healthcheck",
            "ArgsEscaped",
            "NetworkDisabled",
            "MacAddress",
            "StopSignal",
            "StopTimeout",
            "Shell",
        ],
    ),
    ("HostConfig", &["Mounts", "StorageOpt", "Tmpfs", "Sysctls", "Runtime", "Init"]),
    ("Resources", &["Init"]),
    ("NetworkSettings", &[]),
    ("EndpointSettings", &[]),
    ("ContainerState", &["Health"]),
    ("ContainerInspectResponse", &["SizeRw", "SizeRootFs"]),
    ("ContainerSummary", &["SizeRw", "SizeRootFs"]),
    ("MountPoint", &["Name", "Driver"]),
    ("RestartPolicy", &[]),
    ("ExecInspectResponse", &[]),
    ("ProcessConfig", &["user"]),
    ("ImageInspect", &["Variant", "OsVersion"]),
    ("ImageSummary", &[]),
    ("Volume", &["Status", "UsageData"]),
    ("ContainerWaitResponse", &[]),
    ("SystemVersion", &["Experimental"]),
];

struct Spec {
    doc: Value,
}

impl Spec {
    fn load() -> Spec {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("spec/engine-api-v1.41.yaml");
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let yaml: serde_yaml_ng::Value = serde_yaml_ng::from_str(&text).expect("the spec parses");
        Spec { doc: yaml_to_json(&yaml) }
    }

    fn definition(&self, name: &str) -> &Value {
        let d = &self.doc["definitions"][name];
        assert!(d.is_object(), "no definition {name} in the spec");
        d
    }

    fn response(&self, path: &str, method: &str, status: u16) -> &Value {
        let s = &self.doc["paths"][path][method]["responses"][status.to_string()]["schema"];
        assert!(s.is_object(), "no schema for {method} {path} {status} in the spec");
        s
    }

    /// Every violation of `schema` by `value`, each with its place in the document.
    fn check(&self, schema: &Value, value: &Value) -> Vec<String> {
        let mut errors = Vec::new();
        // Named as a definition when it is one, else by its title.
        let defs = self.doc["definitions"].as_object().expect("definitions");
        let name = defs
            .iter()
            .find(|(_, d)| std::ptr::eq(*d, schema))
            .map(|(n, _)| n.as_str())
            .or(schema["title"].as_str())
            .unwrap_or("response");
        self.walk(schema, value, name, "$", &mut errors);
        errors
    }

    fn resolve<'a>(&'a self, schema: &'a Value, name: &str) -> (&'a Value, String) {
        match schema["$ref"].as_str() {
            Some(r) => {
                let def = r.strip_prefix("#/definitions/").unwrap_or_else(|| panic!("unsupported $ref {r}"));
                (self.definition(def), def.to_string())
            }
            None => (schema, name.to_string()),
        }
    }

    /// `name` is the definition (or inline schema) this value is described by, for [`GO_NULLS`].
    fn walk(&self, schema: &Value, value: &Value, name: &str, at: &str, errors: &mut Vec<String>) {
        let (schema, name) = self.resolve(schema, name);
        if let Some(parts) = schema["allOf"].as_array() {
            for part in parts {
                self.walk(part, value, &name, at, errors);
            }
        }
        let Some(ty) = schema["type"].as_str() else { return };
        let ok = match ty {
            "string" => value.is_string(),
            "integer" => value.is_i64() || value.is_u64(),
            "number" => value.is_number(),
            "boolean" => value.is_boolean(),
            "array" => value.is_array(),
            "object" => value.is_object(),
            other => panic!("unknown type {other} in the spec at {at}"),
        };
        if !ok {
            errors.push(format!("{at}: expected {ty}, found {value}"));
            return;
        }
        if let (Some(allowed), Some(s)) = (schema["enum"].as_array(), value.as_str()) {
            if !allowed.iter().any(|a| a == s) {
                errors.push(format!("{at}: {s:?} is not one of {allowed:?}"));
            }
        }
        if let Some(items) = value.as_array() {
            for (i, item) in items.iter().enumerate() {
                self.item(&schema["items"], item, &name, &format!("{at}[{i}]"), errors);
            }
        }
        let Some(obj) = value.as_object() else { return };
        for req in schema["required"].as_array().into_iter().flatten() {
            let req = req.as_str().expect("required names");
            if !obj.contains_key(req) {
                errors.push(format!("{at}: required property {req} is missing"));
            }
        }
        let props = schema["properties"].as_object();
        if let Some((_, omitted)) = COMPLETE.iter().find(|(d, _)| *d == name) {
            for k in props.into_iter().flatten().map(|(k, _)| k) {
                if !obj.contains_key(k) && !omitted.contains(&k.as_str()) {
                    errors.push(format!("{at}: {name}.{k} is missing (Docker always sends it)"));
                }
            }
        }
        for (k, v) in obj {
            let at = format!("{at}.{k}");
            match props.and_then(|p| p.get(k)) {
                Some(p) => {
                    if v.is_null() {
                        let (ps, _) = self.resolve(p, &name);
                        let go_null = GO_NULLS.contains(&format!("{name}.{k}").as_str());
                        if ps["x-nullable"] != json!(true) && p["x-nullable"] != json!(true) && !go_null {
                            errors.push(format!("{at}: null, and {name}.{k} is not nullable"));
                        }
                        continue;
                    }
                    self.walk(p, v, &format!("{name}.{k}"), &at, errors);
                }
                None => {
                    if schema["additionalProperties"].is_object() {
                        self.item(&schema["additionalProperties"], v, &name, &at, errors);
                    }
                }
            }
        }
    }

    /// An array item or a map value: `null` only where the item schema allows it.
    fn item(&self, schema: &Value, value: &Value, name: &str, at: &str, errors: &mut Vec<String>) {
        if value.is_null() {
            let (s, _) = self.resolve(schema, name);
            if s["x-nullable"] != json!(true) && schema.get("type").is_some() {
                errors.push(format!("{at}: null item"));
            }
            return;
        }
        self.walk(schema, value, name, at, errors);
    }
}

/// YAML to JSON; keys become strings (the spec's status codes are YAML integers).
fn yaml_to_json(y: &serde_yaml_ng::Value) -> Value {
    use serde_yaml_ng::Value as Y;
    match y {
        Y::Null => Value::Null,
        Y::Bool(b) => json!(b),
        Y::Number(n) => serde_json::to_value(n).expect("a YAML number is a JSON number"),
        Y::String(s) => json!(s),
        Y::Sequence(a) => Value::Array(a.iter().map(yaml_to_json).collect()),
        Y::Mapping(m) => Value::Object(
            m.iter()
                .map(|(k, v)| {
                    let key = match k {
                        Y::String(s) => s.clone(),
                        Y::Number(n) => n.to_string(),
                        Y::Bool(b) => b.to_string(),
                        other => panic!("unsupported YAML key {other:?}"),
                    };
                    (key, yaml_to_json(v))
                })
                .collect(),
        ),
        Y::Tagged(t) => yaml_to_json(&t.value),
    }
}

fn to_json(v: &impl serde::Serialize) -> Value {
    serde_json::to_value(v).expect("serialises")
}

/// Collects every violation, so that one run shows them all.
struct Report<'a> {
    spec: &'a Spec,
    failures: Vec<String>,
    checked: Vec<&'static str>,
}

impl Report<'_> {
    fn check(&mut self, what: &'static str, schema: &Value, v: &impl serde::Serialize) {
        let doc = to_json(v);
        for e in self.spec.check(schema, &doc) {
            self.failures.push(format!("{what}: {e}"));
        }
        if !self.checked.contains(&what) {
            self.checked.push(what);
        }
    }
}

#[test]
fn responses_conform_to_the_v1_41_specification() {
    let spec = Spec::load();
    let env = Env::new();
    env.busybox();
    let engine = engine::Engine::open(&engine::types::OpenOptions { root: Some(env.path().to_path_buf()) })
        .expect("open the test root");
    let running =
        env.ok(&["run", "-d", "--name", "up", "-e", "A=1", "-v", "/data", "-l", "k=v", "busybox", "sleep", "60"]);
    let running = running.trim();
    env.ok(&["run", "--name", "done", "--network", "host", "busybox", "sh", "-c", "echo x > /f"]);
    env.ok(&["create", "--name", "fresh", "busybox", "true"]);
    env.ok(&["volume", "create", "named"]);
    env.ok(&["commit", "done", "committed:1"]);

    let mut r = Report { spec: &spec, failures: Vec::new(), checked: Vec::new() };
    let inspect = spec.response("/containers/{id}/json", "get", 200);
    for c in ["up", "done", "fresh"] {
        r.check("ContainerInspect", inspect, &engine.container_inspect(c).unwrap());
    }
    let all = engine.container_list(&engine::types::ContainerListOptions { all: true, ..Default::default() }).unwrap();
    assert_eq!(all.len(), 3);
    for c in &all {
        r.check("ContainerSummary", spec.definition("ContainerSummary"), c);
    }
    r.check("ContainerSummary list", spec.response("/containers/json", "get", 200), &all);
    let created = engine
        .container_create(
            Some("made"),
            &engine::types::decode("request body", br#"{"Image": "busybox", "Cmd": "true"}"#).unwrap(),
        )
        .unwrap();
    r.check("ContainerCreateResponse", spec.response("/containers/create", "post", 201), &created);
    r.check(
        "ContainerWaitResponse",
        spec.definition("ContainerWaitResponse"),
        &engine.container_wait("done", "", None).unwrap(),
    );
    r.check("TopResponse", spec.response("/containers/{id}/top", "get", 200), &engine.container_top("up", "").unwrap());
    let changes = engine.container_changes("done").unwrap();
    assert!(!changes.is_empty());
    r.check("ChangeItem list", spec.response("/containers/{id}/changes", "get", 200), &changes);
    for c in ["up", "done"] {
        r.check("Stats", spec.response("/containers/{id}/stats", "get", 200), &engine.container_stats(c, true, None).unwrap());
    }
    let exec = engine
        .exec_create("up", &engine::types::ExecConfig { cmd: vec!["true".into()], ..Default::default() })
        .unwrap();
    r.check("ExecInspect", spec.response("/exec/{id}/json", "get", 200), &engine.exec_inspect(&exec).unwrap());
    let code = engine.exec_start(&exec, &Default::default(), None, &mut engine::stream::Discard).unwrap();
    assert_eq!(code, Some(0));
    r.check("ExecInspect", spec.response("/exec/{id}/json", "get", 200), &engine.exec_inspect(&exec).unwrap());

    for image in ["busybox", "committed:1"] {
        r.check("ImageInspect", spec.definition("ImageInspect"), &engine.image_inspect(image).unwrap());
        let history = engine.image_history(image).unwrap();
        r.check("HistoryResponseItem list", spec.response("/images/{name}/history", "get", 200), &history);
    }
    let images = engine.image_list(&Default::default()).unwrap();
    r.check("ImageSummary list", spec.response("/images/json", "get", 200), &images);
    env.ok(&["tag", "busybox", "extra:1"]);
    let deleted = engine.image_remove("extra:1", &Default::default()).unwrap();
    r.check("ImageDeleteResponseItem list", spec.response("/images/{name}", "delete", 200), &deleted);

    r.check("Volume", spec.definition("Volume"), &engine.volume_inspect("named").unwrap());
    r.check("Volume", spec.definition("Volume"), &engine.volume_create(&Default::default()).unwrap());
    r.check("VolumeListResponse", spec.response("/volumes", "get", 200), &engine.volume_list().unwrap());
    r.check("SystemInfo", spec.definition("SystemInfo"), &engine.info().unwrap());
    r.check("SystemVersion", spec.response("/version", "get", 200), &engine.version());

    // The same objects as Docker 20.10 shows them: the same keys, but for what Docker has and we
    // do not (yet) have: a sandbox id and the host's runtime name, an exec's pid after exit,
    // `Options`-like maps Docker sends as null where ours are empty objects.
    let mut diff = (Vec::new(), Vec::new());
    for c in ["up", "done", "fresh"] {
        let ours = to_json(&engine.container_inspect(c).unwrap());
        key_diff(&ours, &docker_doc(&format!("container-inspect-{c}.json")), "$", &mut diff);
    }
    let ours = to_json(&engine.container_list(&Default::default()).unwrap()[0]);
    let docker_up =
        docker_doc("container-list.json").as_array().unwrap().iter().find(|c| c["Names"][0] == "/up").cloned();
    assert_eq!(ours["Names"][0], "/up");
    key_diff(&ours, &docker_up.expect("up in Docker's list"), "$[up]", &mut diff);
    key_diff(&to_json(&engine.exec_inspect(&exec).unwrap()), &docker_doc("exec-inspect-exited.json"), "$", &mut diff);
    key_diff(
        &to_json(&engine.image_inspect("committed:1").unwrap()),
        &docker_doc("image-inspect-committed-1.json"),
        "$",
        &mut diff,
    );
    key_diff(&to_json(&engine.volume_inspect("named").unwrap()), &docker_doc("volume-inspect.json"), "$", &mut diff);
    key_diff(&to_json(&engine.version()), &docker_doc("version.json"), "$", &mut diff);
    diff.0.sort();
    diff.0.dedup();
    diff.1.sort();
    diff.1.dedup();
    let differences = diff.0.iter().map(|k| format!("Docker 20.10 sends {k}, we do not"));
    let differences = differences.chain(diff.1.iter().map(|k| format!("we send {k}, Docker 20.10 does not")));
    r.failures.extend(differences.filter(|d| !EXPECTED_DIFFERENCES.contains(&d.as_str())));

    env.ok(&["rm", "-f", running]);
    r.check("PruneReport", spec.response("/containers/prune", "post", 200), &engine.container_prune().unwrap());
    r.check("VolumePruneReport", spec.response("/volumes/prune", "post", 200), &engine.volume_prune(true).unwrap());

    let failures = std::mem::take(&mut r.failures);
    let checked = r.checked.clone();
    env.finish();
    assert!(failures.is_empty(), "{} violations of the v1.41 spec:\n{}", failures.len(), failures.join("\n"));
    assert_eq!(checked.len(), 19, "{checked:?}");
}

fn docker_doc(name: &str) -> Value {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("spec/docker-20.10").join(name);
    serde_json::from_slice(&std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))).expect("json")
}

/// The documents Docker 20.10 itself sent for the same objects (`spec/docker-20.10/`: an image
/// `bb:b` built from a busybox import, containers `up` (running, `--network none -e -v -l`),
/// `done` (exited, `--network host`) and `fresh` (created), an exec, a named volume) pass the
/// checker: [`GO_NULLS`] and [`COMPLETE`] describe Docker, not us.
#[test]
fn docker_20_10_documents_pass_the_checker() {
    let spec = Spec::load();
    let inspect = spec.response("/containers/{id}/json", "get", 200);
    let cases: Vec<(&str, &Value)> = vec![
        ("container-inspect-up.json", inspect),
        ("container-inspect-done.json", inspect),
        ("container-inspect-fresh.json", inspect),
        ("container-list.json", spec.response("/containers/json", "get", 200)),
        ("container-create.json", spec.response("/containers/create", "post", 201)),
        ("container-wait.json", spec.definition("ContainerWaitResponse")),
        ("container-top.json", spec.response("/containers/{id}/top", "get", 200)),
        ("container-changes.json", spec.response("/containers/{id}/changes", "get", 200)),
        ("container-stats.json", spec.response("/containers/{id}/stats", "get", 200)),
        ("exec-inspect-created.json", spec.response("/exec/{id}/json", "get", 200)),
        ("exec-inspect-exited.json", spec.response("/exec/{id}/json", "get", 200)),
        ("container-prune.json", spec.response("/containers/prune", "post", 200)),
        ("image-inspect-bb-b.json", spec.definition("ImageInspect")),
        ("image-inspect-committed-1.json", spec.definition("ImageInspect")),
        ("image-history-bb-b.json", spec.response("/images/{name}/history", "get", 200)),
        ("image-list.json", spec.response("/images/json", "get", 200)),
        ("image-delete.json", spec.response("/images/{name}", "delete", 200)),
        ("volume-inspect.json", spec.definition("Volume")),
        ("volume-list.json", spec.response("/volumes", "get", 200)),
        ("volume-prune.json", spec.response("/volumes/prune", "post", 200)),
        ("version.json", spec.response("/version", "get", 200)),
    ];
    let mut failures = Vec::new();
    for (file, schema) in cases {
        failures.extend(spec.check(schema, &docker_doc(file)).into_iter().map(|e| format!("{file}: {e}")));
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Where our documents differ from Docker 20.10's for the same objects, on purpose.
const EXPECTED_DIFFERENCES: &[&str] = &[
    // We do not run runc: the runtime's name is empty, and Go's omitempty leaves it out.
    "Docker 20.10 sends $.HostConfig.Runtime, we do not",
];

/// Maps whose keys are data, not fields.
const DATA_MAPS: &[&str] =
    &["Labels", "Data", "Options", "DriverOpts", "Volumes", "ExposedPorts", "Ports", "PortBindings"];

/// The keys of `ours` and `docker`, recursively through objects: (only Docker's, only ours).
fn key_diff(ours: &Value, docker: &Value, at: &str, out: &mut (Vec<String>, Vec<String>)) {
    let (Some(o), Some(d)) = (ours.as_object(), docker.as_object()) else { return };
    for (k, dv) in d {
        match o.get(k) {
            Some(_) if DATA_MAPS.contains(&k.as_str()) => {}
            Some(ov) => key_diff(ov, dv, &format!("{at}.{k}"), out),
            None => out.0.push(format!("{at}.{k}")),
        }
    }
    out.1.extend(o.keys().filter(|k| !d.contains_key(*k)).map(|k| format!("{at}.{k}")));
}

/// The checker itself catches what it must (a test of the test).
#[test]
fn the_checker_finds_violations() {
    let spec = Spec::load();
    let schema = spec.definition("Port");
    assert!(spec.check(schema, &json!({"PrivatePort": 80, "Type": "tcp"})).is_empty());
    let e = spec.check(schema, &json!({"PrivatePort": "80", "Type": "tcp", "IP": 5}));
    assert_eq!(e.len(), 2, "{e:#?}");
    let e =
        spec.check(spec.definition("ContainerSummary"), &json!({"Id": 5, "Names": [1], "Ports": [{"PrivatePort": 1}]}));
    assert!(e.iter().any(|e| e.contains("$.Ports[0]: required property Type is missing")), "{e:#?}");
    let e = spec.check(spec.definition("ImageSummary"), &json!({"Id": "x"}));
    assert!(e.iter().any(|e| e.contains("required property RepoTags")), "{e:#?}");
    let e = spec.check(spec.definition("EndpointSettings"), &json!({"NetworkID": ""}));
    assert!(e.iter().any(|e| e.contains("EndpointSettings.IPAddress is missing")), "{e:#?}");
    let e = spec.check(spec.definition("ContainerState"), &json!({"Status": "sleeping", "Pid": null}));
    assert!(e.iter().any(|e| e.contains("\"sleeping\" is not one of")), "{e:#?}");
    assert!(e.iter().any(|e| e.contains("Pid: null")), "{e:#?}");
    // A documented Go null passes; the same null elsewhere does not.
    let inspect = spec.response("/containers/{id}/json", "get", 200);
    let nulls = |doc: Value| spec.check(inspect, &doc).into_iter().filter(|e| e.contains("null")).count();
    assert_eq!(nulls(json!({"Config": {"Env": null}})), 0);
    assert_eq!(nulls(json!({"Config": {"Hostname": null}})), 1);
}

/// `docker inspect -f '{{.Config.User}}'` prints an empty line for a container without a user:
/// every field of `Config` is present, empty or not.
#[test]
fn inspect_templates_see_empty_fields() {
    let env = Env::new();
    env.busybox();
    env.ok(&["create", "--name", "ctr", "busybox", "true"]);
    for (template, want) in [
        ("{{.Config.User}}", "\n"),
        ("{{.Config.WorkingDir}}|{{.Config.Tty}}|{{.Config.AttachStdin}}", "|false|false\n"),
        ("{{json .Config.Entrypoint}} {{json .Config.Labels}}", "null {}\n"),
        ("{{.HostConfig.LogConfig.Type}} {{.HostConfig.ShmSize}}", "json-file 67108864\n"),
        ("{{json .NetworkSettings.Networks.none.IPAMConfig}}", "null\n"),
    ] {
        let out = env.dock(&["inspect", "-f", template, "ctr"]);
        assert!(out.status.success(), "{template}: {}", stderr(&out));
        assert_eq!(stdout(&out), want, "{template}");
    }
    let v = env.inspect("ctr");
    let config = v["Config"].as_object().unwrap();
    for k in ["Hostname", "Domainname", "User", "Env", "Cmd", "Image", "Volumes", "WorkingDir", "Entrypoint", "OnBuild"]
    {
        assert!(config.contains_key(k), "Config.{k} missing: {config:?}");
    }
    let image = env.inspect("busybox");
    assert_eq!(image["Config"]["User"], "", "image inspect too");
    assert_eq!(image["Config"]["Env"], Value::Null);
    env.ok(&["rm", "ctr"]);
    env.finish();
}

/// `PathStat` (no schema in v1.41): the document Docker 20.10 sends for `/bin` (a directory 0755)
/// and `/bin/sh` (a symlink) has `mode` as a Go `os.FileMode`.
#[test]
fn path_stat_is_a_go_file_mode() {
    let env = Env::new();
    env.busybox();
    env.ok(&["create", "--name", "ctr", "busybox", "true"]);
    let engine = engine::Engine::open(&engine::types::OpenOptions { root: Some(env.path().to_path_buf()) }).unwrap();
    let stat = engine.container_archive_get("ctr", "/bin", &mut std::io::sink(), None).unwrap();
    let doc = to_json(&stat);
    let keys: Vec<&str> = doc.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(keys, ["linkTarget", "mode", "mtime", "name", "size"]);
    assert_eq!(stat.mode & (1 << 31), 1 << 31, "ModeDir: {:#o}", stat.mode);
    assert_eq!(stat.mode & 0o777, 0o755);
    assert!(stat.is_dir());
    let sh = engine.container_archive_get("ctr", "/bin/sh", &mut std::io::sink(), None).unwrap();
    assert_eq!(sh.mode & !0o777, 1 << 27, "ModeSymlink only: {:#x}", sh.mode);
    assert_eq!(sh.link_target, "/bin/busybox");
    env.ok(&["rm", "ctr"]);
    env.finish();
}
