//! The small part of Go templates that `inspect --format` is used with in practice:
//! `{{.A.B}}`, `{{json .A}}`, `{{.A}}` of lists/maps (Go's `[a b]`/`map[k:v]` rendering) and text.

use serde_json::Value;

pub fn render(template: &str, doc: &Value) -> Result<String, String> {
    let mut out = String::new();
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let end = rest[start..].find("}}").ok_or_else(|| format!("template: unclosed action in {template:?}"))? + start;
        let action = rest[start + 2..end].trim();
        let (json, path) = match action.strip_prefix("json ") {
            Some(p) => (true, p.trim()),
            None => (false, action),
        };
        let v = lookup(doc, path)?;
        if json {
            out.push_str(&serde_json::to_string(&v).unwrap_or_default());
        } else {
            out.push_str(&go_string(&v));
        }
        rest = &rest[end + 2..];
    }
    out.push_str(rest);
    Ok(out)
}

fn lookup(doc: &Value, path: &str) -> Result<Value, String> {
    if path == "." {
        return Ok(doc.clone());
    }
    let p = path.strip_prefix('.').ok_or_else(|| format!("template: unsupported action {path:?}"))?;
    let mut cur = doc;
    for key in p.split('.') {
        cur = match cur.get(key) {
            Some(v) => v,
            None => return Err(format!("template: map has no entry for key {key:?}")),
        };
    }
    Ok(cur.clone())
}

fn go_string(v: &Value) -> String {
    match v {
        Value::Null => "<no value>".into(),
        Value::String(s) => s.clone(),
        Value::Array(a) => format!("[{}]", a.iter().map(go_string).collect::<Vec<_>>().join(" ")),
        Value::Object(o) => {
            format!("map[{}]", o.iter().map(|(k, v)| format!("{k}:{}", go_string(v))).collect::<Vec<_>>().join(" "))
        }
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn renders() {
        let d = serde_json::json!({"State": {"Pid": 42, "Status": "running"}, "Args": ["a", "b"]});
        assert_eq!(super::render("{{.State.Pid}} {{.State.Status}}", &d).unwrap(), "42 running");
        assert_eq!(super::render("{{json .Args}}", &d).unwrap(), "[\"a\",\"b\"]");
        assert_eq!(super::render("{{.Args}}", &d).unwrap(), "[a b]");
        assert!(super::render("{{.Nope}}", &d).is_err());
    }
}
