//! `-e KEY=value`, `-e KEY` (the caller's value) and `--env-file FILE`: the docker CLI's
//! `ValidateEnv` and `ParseEnvFile`. The `KEY=value` files of `--label-file` share the reader.

use crate::error::{Error, IoContext, Result};
use std::path::Path;

/// The caller's environment: `-e KEY` and a bare `KEY` line of an env file take their value from
/// it. Front ends pass their process's ([`Lookup::process`]); tests pass a map.
pub struct Lookup<'a>(pub &'a dyn Fn(&str) -> Option<String>);

impl Lookup<'_> {
    /// This process's environment (a value that is not UTF-8 is read lossily, as Go's strings
    /// reach JSON).
    pub fn process() -> Lookup<'static> {
        Lookup(&|k: &str| std::env::var_os(k).map(|v| v.to_string_lossy().into_owned()))
    }

    fn get(&self, key: &str) -> Option<String> {
        (self.0)(key)
    }
}

/// One `-e`: `KEY=value` as it is; `KEY` alone takes the caller's value, and is dropped when the
/// caller has none (the variable is not set in the container, as with docker).
pub fn env(s: &str, lookup: &Lookup) -> Result<Option<String>> {
    match s.split_once('=') {
        Some(("", _)) => Err(Error::invalid(format!("invalid environment variable: {s}"))),
        Some(_) => Ok(Some(s.to_string())),
        None if s.is_empty() => Err(Error::invalid(format!("invalid environment variable: {s}"))),
        None => Ok(lookup.get(s).map(|v| format!("{s}={v}"))),
    }
}

/// The variables of an env file, in order: `KEY=value` lines as written (the value untrimmed),
/// bare `KEY` lines with the caller's value (dropped when unset); blank lines and `#` comments
/// skipped; leading whitespace ignored.
pub fn env_file(path: &Path, lookup: &Lookup) -> Result<Vec<String>> {
    kv_file(path, Some(lookup))
}

/// docker's `parseKeyValueFile`: `lookup` gives bare keys their value (without one, they are
/// dropped). Lines are read as Go's `bufio.Scanner` reads them, so one of 64 KiB or more is
/// refused as docker refuses it.
pub(super) fn kv_file(path: &Path, lookup: Option<&Lookup>) -> Result<Vec<String>> {
    const MAX_LINE: usize = 64 * 1024;
    use std::io::{BufRead, Read};
    // Read line by line with a cap, so `--env-file /dev/zero` is refused at the first 64 KiB
    // instead of growing without bound.
    let file = std::fs::File::open(path).ctx_lookup(format_args!("open {}", path.display()))?;
    let mut reader = std::io::BufReader::new(file);
    let mut out = Vec::new();
    let mut number = 0;
    let mut buf = Vec::new();
    loop {
        buf.clear();
        let n = (&mut reader)
            .take(MAX_LINE as u64 + 1)
            .read_until(b'\n', &mut buf)
            .ctx(format_args!("read {}", path.display()))?;
        if n == 0 {
            break;
        }
        let mut line = buf.strip_suffix(b"\n").unwrap_or(&buf);
        if line.len() >= MAX_LINE {
            return Err(Error::invalid("bufio.Scanner: token too long"));
        }
        line = line.strip_suffix(b"\r").unwrap_or(line);
        number += 1;
        let Ok(text) = std::str::from_utf8(line) else {
            // Go's `%v` of a byte slice.
            let bytes: Vec<String> = line.iter().map(u8::to_string).collect();
            return Err(Error::invalid(format!(
                "env file {} contains invalid utf8 bytes at line {number}: [{}]",
                path.display(),
                bytes.join(" ")
            )));
        };
        let text = if number == 1 { text.strip_prefix('\u{FEFF}').unwrap_or(text) } else { text };
        let text = text.trim_start();
        if text.is_empty() || text.starts_with('#') {
            continue;
        }
        let (variable, value) = match text.split_once('=') {
            Some((k, v)) => (k, Some(v)),
            None => (text, None),
        };
        let variable = variable.trim_start_matches([' ', '\t']);
        if variable.contains([' ', '\t']) {
            return Err(bad_key(format!("variable '{variable}' contains whitespaces")));
        }
        if variable.is_empty() {
            return Err(bad_key(format!("no variable name on line '{text}'")));
        }
        match value {
            Some(v) => out.push(format!("{variable}={v}")),
            None => out.extend(lookup.and_then(|l| l.get(variable)).map(|v| format!("{variable}={v}"))),
        }
    }
    Ok(out)
}

fn bad_key(msg: String) -> Error {
    Error::invalid(format!("poorly formatted environment: {msg}"))
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::ErrorKind;

    /// A caller whose environment holds `HOME=/root` and `EMPTY=` only.
    pub fn caller() -> Lookup<'static> {
        Lookup(&|k: &str| match k {
            "HOME" => Some("/root".into()),
            "EMPTY" => Some(String::new()),
            _ => None,
        })
    }

    pub fn file(content: &[u8]) -> tempfile::NamedTempFile {
        let mut f = tempfile::NamedTempFile::new().unwrap();
        std::io::Write::write_all(&mut f, content).unwrap();
        f
    }

    #[test]
    fn dash_e() {
        let l = caller();
        assert_eq!(env("A=b", &l).unwrap().as_deref(), Some("A=b"));
        assert_eq!(env("A=", &l).unwrap().as_deref(), Some("A="));
        assert_eq!(env("A=b=c", &l).unwrap().as_deref(), Some("A=b=c"));
        assert_eq!(env("HOME", &l).unwrap().as_deref(), Some("HOME=/root"));
        assert_eq!(env("EMPTY", &l).unwrap().as_deref(), Some("EMPTY="));
        assert_eq!(env("UNSET", &l).unwrap(), None);
        for s in ["=value", "=", ""] {
            let e = env(s, &l).unwrap_err();
            assert_eq!(
                (e.kind(), e.message()),
                (ErrorKind::InvalidArgument, &*format!("invalid environment variable: {s}"))
            );
        }
    }

    #[test]
    fn env_files_read_like_docker() {
        let f = file(b"\xEF\xBB\xBFA=1\n# comment\n\n   B = 2\n".as_slice());
        let e = env_file(f.path(), &caller()).unwrap_err();
        assert_eq!(e.message(), "poorly formatted environment: variable 'B ' contains whitespaces");

        let f =
            file(b"\xEF\xBB\xBFA=1\r\n# comment\n\n  \tB= two words \nHOME\nUNSET\nEMPTY\n  #x=y\nC=\"q\"".as_slice());
        assert_eq!(env_file(f.path(), &caller()).unwrap(), ["A=1", "B= two words ", "HOME=/root", "EMPTY=", "C=\"q\""]);

        let f = file(b"A=1\n=value\n");
        let e = env_file(f.path(), &caller()).unwrap_err();
        assert_eq!(
            (e.kind(), e.message()),
            (ErrorKind::InvalidArgument, "poorly formatted environment: no variable name on line '=value'")
        );

        let f = file(b"A=1\nB=\xff\n");
        let e = env_file(f.path(), &caller()).unwrap_err();
        assert_eq!(
            e.message(),
            format!("env file {} contains invalid utf8 bytes at line 2: [66 61 255]", f.path().display())
        );

        let e = env_file(Path::new("/no/such/env-file"), &caller()).unwrap_err();
        assert_eq!((e.kind(), e.message()), (ErrorKind::NotFound, "open /no/such/env-file: No such file or directory"));
    }

    #[test]
    fn lines_of_64_kib_are_refused() {
        // 65535 bytes and a newline fit Go's scanner buffer; one more byte does not.
        let fits = [b"A=".as_slice(), &vec![b'x'; 65533], b"\nB=1\n"].concat();
        let r = env_file(file(&fits).path(), &caller()).unwrap();
        assert_eq!((r[0].len(), r[1].as_str()), (65535, "B=1"));
        let too_long = [b"A=".as_slice(), &vec![b'x'; 65534], b"\n"].concat();
        let e = env_file(file(&too_long).path(), &caller()).unwrap_err();
        assert_eq!((e.kind(), e.message()), (ErrorKind::InvalidArgument, "bufio.Scanner: token too long"));
        // The same without the final newline.
        let e = env_file(file(&too_long[..too_long.len() - 1]).path(), &caller()).unwrap_err();
        assert_eq!(e.message(), "bufio.Scanner: token too long");
        // An endless file is refused at its first long line, not read whole (issue 11: 9.5 GB).
        let e = env_file(Path::new("/dev/zero"), &caller()).unwrap_err();
        assert_eq!(e.message(), "bufio.Scanner: token too long");
    }
}
