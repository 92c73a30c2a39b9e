//! The JSON (exec) form of `RUN`, `CMD`, `ENTRYPOINT`, `SHELL`, `ADD`, `COPY`, `VOLUME` and
//! `HEALTHCHECK CMD`: the argument text is JSON when, after leading whitespace, it starts with `[`
//! and the whole text is one JSON document (Go's `json.Unmarshal` into `[]interface{}`).
//!
//! Three outcomes, as in Docker: not JSON at all (any syntax error, trailing text, nesting deeper
//! than Go's 10000 levels) falls back to the shell/whitespace form; a valid array of strings is the
//! exec form; a valid array holding anything but strings is a hard error.
//!
//! A hand-written validator rather than `serde_json` so that Go's acceptance rules hold exactly:
//! lone UTF-16 surrogates in `\u` escapes decode to U+FFFD instead of failing, and depth is
//! bounded without recursion.

pub(crate) const NOT_STRING_ARRAY: &str = "when using JSON array syntax, arrays must be comprised of strings only";

/// What the argument text turned out to be.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum JsonArgs {
    /// Not a JSON array: use the shell (or whitespace-separated) form.
    NotJson,
    /// `["a", "b"]`.
    Strings(Vec<String>),
    /// A valid JSON array with a non-string element.
    NotStringArray,
}

const MAX_DEPTH: usize = 10_000;

struct Reader<'a> {
    s: &'a [u8],
    text: &'a str,
    pos: usize,
}

impl<'a> Reader<'a> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.pos).copied()
    }
    fn skip_ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.pos += 1;
        }
    }
    fn eat(&mut self, lit: &str) -> Option<()> {
        if self.s[self.pos..].starts_with(lit.as_bytes()) {
            self.pos += lit.len();
            Some(())
        } else {
            None
        }
    }
    fn hex4(&mut self) -> Option<u32> {
        let h = self.text.get(self.pos..self.pos + 4)?;
        if !h.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        self.pos += 4;
        u32::from_str_radix(h, 16).ok()
    }

    /// A string starting at `"`; returns its decoded value.
    fn string(&mut self) -> Option<String> {
        self.pos += 1; // opening quote
        let mut out = String::new();
        loop {
            let start = self.pos;
            while let Some(b) = self.peek() {
                if b == b'"' || b == b'\\' || b < 0x20 {
                    break;
                }
                self.pos += 1;
            }
            out.push_str(&self.text[start..self.pos]);
            match self.peek()? {
                b'"' => {
                    self.pos += 1;
                    return Some(out);
                }
                b'\\' => {
                    self.pos += 1;
                    let e = self.peek()?;
                    self.pos += 1;
                    match e {
                        b'"' => out.push('"'),
                        b'\\' => out.push('\\'),
                        b'/' => out.push('/'),
                        b'b' => out.push('\u{08}'),
                        b'f' => out.push('\u{0C}'),
                        b'n' => out.push('\n'),
                        b'r' => out.push('\r'),
                        b't' => out.push('\t'),
                        b'u' => {
                            let u = self.hex4()?;
                            if (0xD800..0xE000).contains(&u) {
                                // A surrogate: valid only as a high/low pair; else U+FFFD and the
                                // next escape is read on its own (Go's unquote).
                                let save = self.pos;
                                let mut pair = None;
                                if (0xD800..0xDC00).contains(&u) && self.eat("\\u").is_some() {
                                    if let Some(lo) = self.hex4() {
                                        if (0xDC00..0xE000).contains(&lo) {
                                            pair = Some(0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00));
                                        }
                                    }
                                }
                                match pair.and_then(char::from_u32) {
                                    Some(c) => out.push(c),
                                    None => {
                                        self.pos = save;
                                        out.push('\u{FFFD}');
                                    }
                                }
                            } else {
                                out.push(char::from_u32(u)?);
                            }
                        }
                        _ => return None,
                    }
                }
                _ => return None, // control character
            }
        }
    }

    fn number(&mut self) -> Option<()> {
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        match self.peek()? {
            b'0' => self.pos += 1,
            b'1'..=b'9' => {
                while matches!(self.peek(), Some(b'0'..=b'9')) {
                    self.pos += 1;
                }
            }
            _ => return None,
        }
        if self.peek() == Some(b'.') {
            self.pos += 1;
            if !matches!(self.peek(), Some(b'0'..=b'9')) {
                return None;
            }
            while matches!(self.peek(), Some(b'0'..=b'9')) {
                self.pos += 1;
            }
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.pos += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.pos += 1;
            }
            if !matches!(self.peek(), Some(b'0'..=b'9')) {
                return None;
            }
            while matches!(self.peek(), Some(b'0'..=b'9')) {
                self.pos += 1;
            }
        }
        Some(())
    }

    /// Validates one value that is not an array element of the top level. Containers are walked
    /// with an explicit stack.
    fn value(&mut self, depth: usize) -> Option<()> {
        // Stack of open containers: true = object, false = array.
        let mut stack: Vec<bool> = Vec::new();
        loop {
            // Expect a value here.
            self.skip_ws();
            match self.peek()? {
                b'"' => {
                    self.string()?;
                }
                b't' => self.eat("true")?,
                b'f' => self.eat("false")?,
                b'n' => self.eat("null")?,
                b'-' | b'0'..=b'9' => self.number()?,
                b'[' => {
                    self.pos += 1;
                    if depth + stack.len() + 1 > MAX_DEPTH {
                        return None;
                    }
                    self.skip_ws();
                    if self.peek() == Some(b']') {
                        self.pos += 1;
                    } else {
                        stack.push(false);
                        continue;
                    }
                }
                b'{' => {
                    self.pos += 1;
                    if depth + stack.len() + 1 > MAX_DEPTH {
                        return None;
                    }
                    self.skip_ws();
                    if self.peek() == Some(b'}') {
                        self.pos += 1;
                    } else {
                        stack.push(true);
                        self.object_key()?;
                        continue;
                    }
                }
                _ => return None,
            }
            // After a value: close containers or move to the next element.
            loop {
                let Some(&is_object) = stack.last() else {
                    return Some(());
                };
                self.skip_ws();
                match self.peek()? {
                    b',' => {
                        self.pos += 1;
                        if is_object {
                            self.skip_ws();
                            self.object_key()?;
                        }
                        break;
                    }
                    b']' if !is_object => {
                        self.pos += 1;
                        stack.pop();
                    }
                    b'}' if is_object => {
                        self.pos += 1;
                        stack.pop();
                    }
                    _ => return None,
                }
            }
        }
    }

    /// `"key" :` inside an object.
    fn object_key(&mut self) -> Option<()> {
        self.skip_ws();
        if self.peek()? != b'"' {
            return None;
        }
        self.string()?;
        self.skip_ws();
        if self.peek()? != b':' {
            return None;
        }
        self.pos += 1;
        Some(())
    }
}

/// Classifies `rest` (the instruction's argument text) as Docker's `parseJSON` does.
pub(crate) fn parse_json_array(rest: &str) -> JsonArgs {
    let text = rest.trim_start_matches(crate::build::dockerfile::compat::is_space);
    if !text.starts_with('[') {
        return JsonArgs::NotJson;
    }
    let mut r = Reader { s: text.as_bytes(), text, pos: 1 };
    let mut strings = Vec::new();
    let mut all_strings = true;
    let parsed = (|| -> Option<()> {
        r.skip_ws();
        if r.peek()? == b']' {
            r.pos += 1;
            return Some(());
        }
        loop {
            r.skip_ws();
            if r.peek()? == b'"' {
                strings.push(r.string()?);
            } else {
                all_strings = false;
                r.value(1)?;
            }
            r.skip_ws();
            match r.peek()? {
                b',' => r.pos += 1,
                b']' => {
                    r.pos += 1;
                    return Some(());
                }
                _ => return None,
            }
        }
    })();
    if parsed.is_none() {
        return JsonArgs::NotJson;
    }
    r.skip_ws();
    if r.pos != r.s.len() {
        return JsonArgs::NotJson;
    }
    if all_strings {
        JsonArgs::Strings(strings)
    } else {
        JsonArgs::NotStringArray
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(v: &[&str]) -> JsonArgs {
        JsonArgs::Strings(v.iter().map(|s| s.to_string()).collect())
    }

    #[test]
    fn classification() {
        let cases: Vec<(&str, JsonArgs)> = vec![
            (r#"["echo", "hi"]"#, strings(&["echo", "hi"])),
            (r#"  ["a"]  "#, strings(&["a"])),
            ("[]", strings(&[])),
            ("[ ]", strings(&[])),
            ("[\n\"a\"\r\n]\t", strings(&["a"])),
            (r#"["a\"b", "c\\d", "\/", "\u00e9", "\n\t"]"#, strings(&["a\"b", "c\\d", "/", "é", "\n\t"])),
            (r#"["\ud83d\ude00"]"#, strings(&["😀"])),
            (r#"["\ud800"]"#, strings(&["\u{FFFD}"])),
            (r#"["\ud800\u0041"]"#, strings(&["\u{FFFD}A"])),
            (r#"["\udc00x"]"#, strings(&["\u{FFFD}x"])),
            // Docker falls back to the shell form for all of these.
            ("echo hi", JsonArgs::NotJson),
            ("", JsonArgs::NotJson),
            ("[", JsonArgs::NotJson),
            (r#"["a",]"#, JsonArgs::NotJson),
            (r#"['a','b']"#, JsonArgs::NotJson),
            (r#"["echo","hi"] # comment"#, JsonArgs::NotJson),
            (r#"["c:\x"]"#, JsonArgs::NotJson),
            (r#"["a" "b"]"#, JsonArgs::NotJson),
            ("[\"tab\there\"]", JsonArgs::NotJson),
            (r#"["\u12"]"#, JsonArgs::NotJson),
            ("[01]", JsonArgs::NotJson),
            ("[1.]", JsonArgs::NotJson),
            ("[-]", JsonArgs::NotJson),
            ("[tru]", JsonArgs::NotJson),
            (r#"[{"a" 1}]"#, JsonArgs::NotJson),
            ("[{,}]", JsonArgs::NotJson),
            // Valid JSON, but not only strings: a hard error in Docker.
            ("[1]", JsonArgs::NotStringArray),
            (r#"["a", 1]"#, JsonArgs::NotStringArray),
            ("[null]", JsonArgs::NotStringArray),
            ("[true, false]", JsonArgs::NotStringArray),
            (r#"[["a"]]"#, JsonArgs::NotStringArray),
            (r#"[{"a": [1, {"b": null}]}, "x"]"#, JsonArgs::NotStringArray),
            ("[-1.5e+10]", JsonArgs::NotStringArray),
            ("[{}]", JsonArgs::NotStringArray),
            ("[[]]", JsonArgs::NotStringArray),
        ];
        for (input, want) in cases {
            assert_eq!(parse_json_array(input), want, "{input}");
        }
    }

    #[test]
    fn depth_limit() {
        let ok = format!("[{}{}]", "[".repeat(9_998), "]".repeat(9_998));
        assert_eq!(parse_json_array(&ok), JsonArgs::NotStringArray);
        let deep = format!("[{}{}]", "[".repeat(10_000), "]".repeat(10_000));
        assert_eq!(parse_json_array(&deep), JsonArgs::NotJson);
    }
}
