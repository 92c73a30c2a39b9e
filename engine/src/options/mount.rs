//! `--mount type=bind,source=/x,target=/y,readonly`: the docker CLI's `MountOpt` — one CSV record
//! of `key=value` fields (keys case-insensitive), checked for shape; whether the source exists
//! and the target is absolute is the engine's check at create.

use super::memory::memory;
use crate::build::dockerfile::compat::clean_path;
use crate::error::{Error, Result};
use crate::types::{BindOptions, Mount, TmpfsOptions, VolumeOptions};

pub fn mount(s: &str) -> Result<Mount> {
    let mut m = Mount { kind: "volume".into(), ..Default::default() };
    // Which option families were named (`volume-driver=local` is one, though it leaves no trace).
    let (mut volume_opts, mut bind_opts, mut tmpfs_opts) = (false, false, false);
    for field in csv_fields(s)? {
        let (key, value) = match field.split_once('=') {
            Some((k, v)) => (k.to_ascii_lowercase(), Some(v)),
            None => (field.to_ascii_lowercase(), None),
        };
        let invalid_value = |v: &str| Error::invalid(format!("invalid value for {key}: {v}"));
        let Some(value) = value else {
            match key.as_str() {
                "readonly" | "ro" => m.read_only = true,
                "volume-nocopy" => {
                    volume_opts = true;
                    m.volume_options.get_or_insert_with(Default::default).no_copy = true;
                }
                "bind-nonrecursive" => return Err(nonrecursive()),
                _ => return Err(Error::invalid(format!("invalid field '{field}' must be a key=value pair"))),
            }
            continue;
        };
        match key.as_str() {
            "type" => m.kind = value.to_ascii_lowercase(),
            "source" | "src" => m.source = absolute_if_dotted(value)?,
            "target" | "dst" | "destination" => m.target = value.to_string(),
            "readonly" | "ro" => m.read_only = go_bool(value).ok_or_else(|| invalid_value(value))?,
            // Docker Desktop's file sharing hint; nothing on Linux (dockerd ignores it too).
            "consistency" => {}
            "bind-propagation" => {
                bind_opts = true;
                m.bind_options = Some(BindOptions { propagation: value.to_ascii_lowercase(), ..Default::default() });
            }
            "bind-nonrecursive" => {
                bind_opts = true;
                if go_bool(value).ok_or_else(|| invalid_value(value))? {
                    return Err(nonrecursive());
                }
            }
            "volume-nocopy" => {
                volume_opts = true;
                let no_copy = go_bool(value).ok_or_else(|| invalid_value(value))?;
                m.volume_options.get_or_insert_with(Default::default).no_copy = no_copy;
            }
            "volume-label" => {
                volume_opts = true;
                let (k, v) = value.split_once('=').unwrap_or((value, ""));
                let o: &mut VolumeOptions = m.volume_options.get_or_insert_with(Default::default);
                o.labels.get_or_insert_with(Default::default).insert(k.to_string(), v.to_string());
            }
            "volume-driver" => {
                volume_opts = true;
                if value != "local" {
                    return Err(Error::unsupported(format!(
                        "volume driver {value:?} is not supported (only \"local\")"
                    )));
                }
            }
            "volume-opt" => return Err(Error::unsupported("volume driver options are not supported")),
            "tmpfs-size" => {
                tmpfs_opts = true;
                let size = memory(value).map_err(|_| invalid_value(value))?;
                m.tmpfs_options.get_or_insert_with(TmpfsOptions::default).size_bytes = size;
            }
            "tmpfs-mode" => {
                tmpfs_opts = true;
                let mode = u32::from_str_radix(value, 8).map_err(|_| invalid_value(value))?;
                m.tmpfs_options.get_or_insert_with(TmpfsOptions::default).mode = mode;
            }
            _ => return Err(Error::invalid(format!("unexpected key '{key}' in '{field}'"))),
        }
    }
    if m.kind.is_empty() {
        return Err(Error::invalid("type is required"));
    }
    if m.target.is_empty() {
        return Err(Error::invalid("target is required"));
    }
    for (named, family, kind) in
        [(volume_opts, "volume", "volume"), (bind_opts, "bind", "bind"), (tmpfs_opts, "tmpfs", "tmpfs")]
    {
        if named && m.kind != kind {
            return Err(Error::invalid(format!("cannot mix '{family}-*' options with mount type '{}'", m.kind)));
        }
    }
    Ok(m)
}

fn nonrecursive() -> Error {
    Error::unsupported("bind-nonrecursive is not supported: bind mounts are recursive")
}

/// `.` and `./x` are relative to the caller's working directory, as the docker CLI makes them.
fn absolute_if_dotted(source: &str) -> Result<String> {
    if source != "." && !source.starts_with("./") {
        return Ok(source.to_string());
    }
    let cwd = std::env::current_dir().map_err(|e| Error::io("the current directory", e))?;
    Ok(clean_path(&format!("{}/{source}", cwd.display())))
}

/// Go's `strconv.ParseBool`.
fn go_bool(s: &str) -> Option<bool> {
    match s {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => Some(true),
        "0" | "f" | "F" | "FALSE" | "false" | "False" => Some(false),
        _ => None,
    }
}

/// The fields of one record of Go's `encoding/csv` (comma-separated; a field that starts with
/// `"` is quoted, `""` inside it is a quote), with its errors.
fn csv_fields(s: &str) -> Result<Vec<String>> {
    if s.is_empty() {
        // What `csv.Reader.Read` returns for no record, and so what docker says.
        return Err(Error::invalid("EOF"));
    }
    let parse_error = |col: usize, what: &str| Error::invalid(format!("parse error on line 1, column {col}: {what}"));
    let b = s.as_bytes();
    let mut fields = Vec::new();
    let mut i = 0;
    loop {
        let mut field = Vec::new();
        if b.get(i) == Some(&b'"') {
            i += 1;
            loop {
                match b.get(i) {
                    None => return Err(parse_error(i + 1, "extraneous or missing \" in quoted-field")),
                    Some(b'"') if b.get(i + 1) == Some(&b'"') => {
                        field.push(b'"');
                        i += 2;
                    }
                    Some(b'"') => {
                        i += 1;
                        break;
                    }
                    Some(&c) => {
                        field.push(c);
                        i += 1;
                    }
                }
            }
            if !matches!(b.get(i), None | Some(b',')) {
                return Err(parse_error(i + 1, "extraneous or missing \" in quoted-field"));
            }
        } else {
            while let Some(&c) = b.get(i).filter(|c| **c != b',') {
                if c == b'"' {
                    return Err(parse_error(i + 1, "bare \" in non-quoted-field"));
                }
                field.push(c);
                i += 1;
            }
        }
        fields.push(String::from_utf8(field).expect("split at ASCII bytes"));
        if i >= b.len() {
            return Ok(fields);
        }
        i += 1; // the comma
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;

    #[test]
    fn binds_volumes_and_tmpfs() {
        let m = mount("type=bind,source=/x,target=/y,readonly").unwrap();
        assert_eq!(
            m,
            Mount {
                kind: "bind".into(),
                source: "/x".into(),
                target: "/y".into(),
                read_only: true,
                ..Default::default()
            }
        );
        let m = mount("Type=BIND,src=/x,dst=/y,ro=false,bind-propagation=RSHARED,consistency=cached").unwrap();
        assert_eq!((m.kind.as_str(), m.read_only), ("bind", false));
        assert_eq!(m.bind_options, Some(BindOptions { propagation: "rshared".into(), ..Default::default() }));

        // Volumes are the default type.
        let m = mount("source=data,destination=/data,volume-nocopy,volume-label=a=b,volume-label=c").unwrap();
        assert_eq!(m.kind, "volume");
        let o = m.volume_options.unwrap();
        assert!(o.no_copy);
        assert_eq!(o.labels.unwrap(), [("a".into(), "b".into()), ("c".into(), String::new())].into());
        assert!(mount("target=/d,volume-driver=local,volume-nocopy=false").unwrap().volume_options.is_some());

        let m = mount("type=tmpfs,target=/run,tmpfs-size=64m,tmpfs-mode=1777").unwrap();
        assert_eq!(m.tmpfs_options, Some(TmpfsOptions { size_bytes: 64 << 20, mode: 0o1777 }));

        // A quoted field may hold commas and quotes.
        let m = mount(r#"type=bind,"source=/a,b""c",target=/y"#).unwrap();
        assert_eq!(m.source, r#"/a,b"c"#);
    }

    #[test]
    fn dotted_sources_are_made_absolute() {
        let cwd = std::env::current_dir().unwrap().display().to_string();
        assert_eq!(mount("type=bind,src=.,dst=/x").unwrap().source, cwd);
        assert_eq!(mount("type=bind,src=./a/../b,dst=/x").unwrap().source, format!("{cwd}/b"));
        // Only `.` and `./…`: anything else is the engine's to judge.
        assert_eq!(mount("type=bind,src=../b,dst=/x").unwrap().source, "../b");
        assert_eq!(mount("src=.data,dst=/x").unwrap().source, ".data");
    }

    #[test]
    fn refusals_say_what_docker_says() {
        for (s, msg) in [
            ("", "EOF"),
            ("type=bind,source=/x", "target is required"),
            ("type=,target=/x", "type is required"),
            ("type=bind,target=/x,bogus=1", "unexpected key 'bogus' in 'bogus=1'"),
            ("type=bind,target=/x,Bogus=1", "unexpected key 'bogus' in 'Bogus=1'"),
            ("type=bind,target", "invalid field 'target' must be a key=value pair"),
            ("target=/x,readonly=maybe", "invalid value for readonly: maybe"),
            ("target=/x,ro=yes", "invalid value for ro: yes"),
            ("target=/x,volume-nocopy=2", "invalid value for volume-nocopy: 2"),
            ("type=tmpfs,target=/x,tmpfs-size=12x", "invalid value for tmpfs-size: 12x"),
            ("type=tmpfs,target=/x,tmpfs-mode=9", "invalid value for tmpfs-mode: 9"),
            ("type=bind,target=/x,volume-nocopy", "cannot mix 'volume-*' options with mount type 'bind'"),
            ("type=volume,target=/x,bind-propagation=shared", "cannot mix 'bind-*' options with mount type 'volume'"),
            ("type=bind,target=/x,tmpfs-size=1m", "cannot mix 'tmpfs-*' options with mount type 'bind'"),
            ("type=bind,src=a\"b,target=/x", "parse error on line 1, column 16: bare \" in non-quoted-field"),
            ("\"type=bind\"x,target=/x", "parse error on line 1, column 12: extraneous or missing \" in quoted-field"),
            ("\"type=bind", "parse error on line 1, column 11: extraneous or missing \" in quoted-field"),
        ] {
            let e = mount(s).unwrap_err();
            assert_eq!((e.kind(), e.message()), (ErrorKind::InvalidArgument, msg), "{s:?}");
        }
    }

    #[test]
    fn what_this_engine_cannot_do_is_unsupported() {
        for s in [
            "target=/x,volume-driver=nfs",
            "target=/x,volume-opt=o=addr=1.2.3.4",
            "type=bind,src=/,target=/x,bind-nonrecursive",
            "type=bind,src=/,target=/x,bind-nonrecursive=true",
        ] {
            assert_eq!(mount(s).unwrap_err().kind(), ErrorKind::Unsupported, "{s}");
        }
        assert!(mount("type=bind,src=/,target=/x,bind-nonrecursive=false").is_ok());
    }
}
