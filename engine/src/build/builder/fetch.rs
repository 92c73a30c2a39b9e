//! `ADD http://…`: a small HTTP/1.1 client over `std::net::TcpStream`.
//!
//! As moby does: the body goes to a new file created 0600, its mtime is taken from
//! `Last-Modified`, the file is never unpacked, and a status of 400 or more fails the build
//! ("failed to GET <url> with status 404 Not Found: <body>"). Redirects are followed (at most 10).
//! Unlike moby, the body is capped at [`MAX_DOWNLOAD`]. `https://` is refused: this engine has
//! no TLS client (and adds no TLS stack for this).

use crate::error::{Error, IoContext, Result};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

/// The largest body `ADD <url>` downloads.
pub const MAX_DOWNLOAD: u64 = 1 << 30;
const MAX_HEADERS: usize = 64 << 10;
const MAX_REDIRECTS: usize = 10;
const TIMEOUT: Duration = Duration::from_secs(60);

/// Whether an ADD source is a URL (moby's `urlutil.IsURL`: `http://` or `https://`).
pub fn is_url(s: &str) -> bool {
    s.starts_with("http://") || s.starts_with("https://")
}

/// A parsed `http://host[:port]/path?query` URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Url {
    pub host: String,
    pub port: u16,
    /// Path and query, as sent in the request line (at least `/`).
    pub target: String,
}

impl Url {
    pub fn parse(s: &str) -> Result<Url> {
        if s.starts_with("https://") {
            return Err(Error::unsupported(format!(
                "{s}: https sources are not supported by this builder (it has no TLS client); use http:// or COPY a local file"
            )));
        }
        let rest = s.strip_prefix("http://").ok_or_else(|| Error::invalid(format!("not an http URL: {s}")))?;
        let rest = rest.split('#').next().unwrap_or("");
        let (authority, target) = match rest.find(['/', '?']) {
            Some(i) if rest.as_bytes()[i] == b'/' => (&rest[..i], rest[i..].to_string()),
            Some(i) => (&rest[..i], format!("/{}", &rest[i..])),
            None => (rest, "/".to_string()),
        };
        if authority.contains('@') {
            return Err(Error::invalid(format!("{s}: credentials in URLs are not supported")));
        }
        let bad = || Error::invalid(format!("invalid URL {s:?}"));
        let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
            let (h, after) = v6.split_once(']').ok_or_else(bad)?;
            let port = match after.strip_prefix(':') {
                Some(p) => p.parse().map_err(|_| bad())?,
                None if after.is_empty() => 80,
                None => return Err(bad()),
            };
            (h.to_string(), port)
        } else {
            match authority.rsplit_once(':') {
                Some((h, p)) => (h.to_string(), p.parse().map_err(|_| bad())?),
                None => (authority.to_string(), 80),
            }
        };
        if host.is_empty() || target.bytes().any(|b| b <= b' ' || b == 0x7f) {
            return Err(bad());
        }
        Ok(Url { host, port, target })
    }

    fn host_header(&self) -> String {
        let h = if self.host.contains(':') { format!("[{}]", self.host) } else { self.host.clone() };
        if self.port == 80 {
            h
        } else {
            format!("{h}:{}", self.port)
        }
    }

    /// The last path segment, percent-decoded (the downloaded file's name); `None` for `/dir/`.
    pub fn file_name(&self) -> Option<String> {
        let path = self.target.split('?').next().unwrap_or("");
        if path.ends_with('/') {
            return None;
        }
        let last = path.rsplit('/').next().filter(|s| !s.is_empty())?;
        let name = percent_decode(last);
        Some(name).filter(|n| !n.is_empty() && n != "." && n != ".." && !n.contains('/'))
    }

    /// A `Location` header, absolute or relative to this URL.
    fn join(&self, location: &str) -> Result<Url> {
        if location.contains("://") {
            return Url::parse(location);
        }
        let target = if location.starts_with('/') {
            location.to_string()
        } else {
            let path = self.target.split('?').next().unwrap_or("/");
            format!("{}{location}", &path[..=path.rfind('/').unwrap_or(0)])
        };
        Ok(Url { host: self.host.clone(), port: self.port, target })
    }
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = |c: u8| (c as char).to_digit(16);
        if b[i] == b'%' && i + 2 < b.len() {
            if let (Some(h), Some(l)) = (hex(b[i + 1]), hex(b[i + 2])) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A downloaded file.
#[derive(Debug)]
pub struct Download {
    pub path: PathBuf,
    /// The name the file gets in the image when the destination is a directory: the URL's last
    /// path segment, else the `Content-Disposition` filename; `None` when neither says.
    pub name: Option<String>,
}

/// Download `url` into a new file (mode 0600) in `dir`; `progress(current, total)` as it comes.
pub fn download(url: &str, dir: &Path, progress: &mut dyn FnMut(u64, Option<u64>) -> Result<()>) -> Result<Download> {
    let mut current = Url::parse(url)?;
    for _ in 0..=MAX_REDIRECTS {
        let mut resp = Response::get(&current)?;
        if (300..400).contains(&resp.status) && resp.status != 304 {
            let location = resp.header("location").ok_or_else(|| {
                Error::invalid(format!("failed to GET {url}: redirect {} without a Location", resp.status))
            })?;
            current = current.join(&location)?;
            continue;
        }
        if resp.status >= 400 {
            let mut body = Vec::new();
            let _ = resp.body()?.take(4096).read_to_end(&mut body);
            let msg = format!(
                "failed to GET {url} with status {} {}: {}",
                resp.status,
                resp.reason,
                String::from_utf8_lossy(&body).trim()
            );
            return Err(match resp.status {
                404 => Error::not_found(msg),
                401 | 403 => Error::permission(msg),
                400..=499 => Error::invalid(msg),
                _ => Error::new(crate::ErrorKind::Io, msg),
            });
        }
        let total = resp.content_length();
        if total.is_some_and(|n| n > MAX_DOWNLOAD) {
            return Err(too_large(url));
        }
        let name = current.file_name().or_else(|| resp.disposition_filename());
        let last_modified = resp.header("last-modified").and_then(|v| parse_http_date(&v));
        let path = dir.join(name.as_deref().unwrap_or("__unnamed__"));
        write_body(&mut resp, &path, url, total, progress)?;
        if let Some(t) = last_modified {
            std::fs::File::options()
                .write(true)
                .open(&path)
                .and_then(|f| f.set_times(std::fs::FileTimes::new().set_accessed(t).set_modified(t)))
                .ctx(format_args!("set the times of {}", path.display()))?;
        }
        return Ok(Download { path, name });
    }
    Err(Error::invalid(format!("failed to GET {url}: stopped after {MAX_REDIRECTS} redirects")))
}

fn too_large(url: &str) -> Error {
    Error::invalid(format!("failed to GET {url}: the body exceeds the {} MiB limit of ADD", MAX_DOWNLOAD >> 20))
}

fn write_body(
    resp: &mut Response,
    path: &Path,
    url: &str,
    total: Option<u64>,
    progress: &mut dyn FnMut(u64, Option<u64>) -> Result<()>,
) -> Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .ctx(format_args!("create {}", path.display()))?;
    let mut body = resp.body()?.take(MAX_DOWNLOAD + 1);
    let mut buf = vec![0u8; 256 << 10];
    let (mut n, mut shown) = (0u64, 0u64);
    loop {
        let k = body.read(&mut buf).map_err(|e| Error::io(format_args!("failed to GET {url}"), e))?;
        if k == 0 {
            break;
        }
        n += k as u64;
        if n > MAX_DOWNLOAD {
            return Err(too_large(url));
        }
        f.write_all(&buf[..k]).ctx(format_args!("write {}", path.display()))?;
        if n - shown >= 1 << 20 {
            shown = n;
            progress(n, total)?;
        }
    }
    if total.is_some_and(|t| t != n) {
        return Err(Error::invalid(format!(
            "failed to GET {url}: the body ended after {n} of {} bytes",
            total.unwrap_or(0)
        )));
    }
    progress(n, total)?;
    Ok(())
}

struct Response {
    status: u16,
    reason: String,
    headers: Vec<(String, String)>,
    reader: Option<BufReader<TcpStream>>,
}

impl Response {
    fn get(url: &Url) -> Result<Response> {
        let ctx = || format!("failed to GET http://{}{}", url.host_header(), url.target);
        let addrs: Vec<std::net::SocketAddr> = std::net::ToSocketAddrs::to_socket_addrs(&(url.host.as_str(), url.port))
            .map_err(|e| Error::not_found(format!("{}: {e}", ctx())))?
            .collect();
        let mut last = None;
        let mut stream = None;
        for a in addrs {
            match TcpStream::connect_timeout(&a, TIMEOUT) {
                Ok(s) => {
                    stream = Some(s);
                    break;
                }
                Err(e) => last = Some(e),
            }
        }
        let mut stream = stream.ok_or_else(|| {
            let e = last.unwrap_or_else(|| std::io::Error::other("no address"));
            Error::new(crate::ErrorKind::Io, format!("{}: {e}", ctx()))
        })?;
        stream.set_read_timeout(Some(TIMEOUT)).ctx("set a read timeout")?;
        stream.set_write_timeout(Some(TIMEOUT)).ctx("set a write timeout")?;
        let req = format!(
            "GET {} HTTP/1.1\r\nHost: {}\r\nUser-Agent: libdocker/{}\r\nAccept: */*\r\nAccept-Encoding: identity\r\nConnection: close\r\n\r\n",
            url.target,
            url.host_header(),
            crate::system::VERSION
        );
        stream.write_all(req.as_bytes()).map_err(|e| Error::io(ctx(), e))?;
        let mut reader = BufReader::new(stream);
        let mut head_len = 0usize;
        let mut line = String::new();
        let mut read_line = |reader: &mut BufReader<TcpStream>, line: &mut String| -> Result<()> {
            line.clear();
            let n = reader
                .by_ref()
                .take((MAX_HEADERS - head_len) as u64)
                .read_line(line)
                .map_err(|e| Error::io(ctx(), e))?;
            head_len += n;
            if n == 0 || !line.ends_with('\n') {
                return Err(Error::invalid(format!("{}: malformed or oversized response head", ctx())));
            }
            Ok(())
        };
        read_line(&mut reader, &mut line)?;
        let mut parts = line.trim_end().splitn(3, ' ');
        let (version, code) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
        let status: u16 = match (version.starts_with("HTTP/1."), code.parse()) {
            (true, Ok(c)) => c,
            _ => return Err(Error::invalid(format!("{}: not an HTTP/1.x response", ctx()))),
        };
        let reason = parts.next().unwrap_or("").to_string();
        let mut headers = Vec::new();
        loop {
            read_line(&mut reader, &mut line)?;
            let l = line.trim_end();
            if l.is_empty() {
                break;
            }
            if let Some((k, v)) = l.split_once(':') {
                headers.push((k.trim().to_ascii_lowercase(), v.trim().to_string()));
            }
        }
        Ok(Response { status, reason, headers, reader: Some(reader) })
    }

    fn header(&self, name: &str) -> Option<String> {
        self.headers.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())
    }

    fn content_length(&self) -> Option<u64> {
        if self.chunked() {
            return None;
        }
        self.header("content-length").and_then(|v| v.parse().ok())
    }

    fn chunked(&self) -> bool {
        self.header("transfer-encoding").is_some_and(|v| v.to_ascii_lowercase().contains("chunked"))
    }

    /// `Content-Disposition: attachment; filename="x.tar"` → `x.tar` (its base name).
    fn disposition_filename(&self) -> Option<String> {
        let v = self.header("content-disposition")?;
        let param = v.split(';').map(str::trim).find_map(|p| p.strip_prefix("filename="))?;
        let name = param.trim_matches('"');
        let base = name.rsplit('/').next().unwrap_or("");
        Some(base.to_string()).filter(|n| !n.is_empty() && n != "." && n != "..")
    }

    /// The body: chunked, sized, or up to the end of the connection.
    fn body(&mut self) -> Result<Box<dyn Read + '_>> {
        let chunked = self.chunked();
        let length = self.content_length();
        let reader = self.reader.as_mut().ok_or_else(|| Error::internal("response body read twice"))?;
        Ok(if chunked {
            Box::new(Chunked { inner: reader, left: 0, done: false })
        } else if let Some(n) = length {
            Box::new(reader.take(n))
        } else {
            Box::new(reader)
        })
    }
}

/// `Transfer-Encoding: chunked`.
struct Chunked<'a> {
    inner: &'a mut BufReader<TcpStream>,
    left: u64,
    done: bool,
}

impl Read for Chunked<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let bad = || std::io::Error::new(std::io::ErrorKind::InvalidData, "malformed chunked encoding");
        if self.done {
            return Ok(0);
        }
        if self.left == 0 {
            let mut line = String::new();
            self.inner.by_ref().take(4096).read_line(&mut line)?;
            let size = line.trim_end().split(';').next().unwrap_or("").trim();
            self.left = u64::from_str_radix(size, 16).map_err(|_| bad())?;
            if self.left == 0 {
                // Trailers up to the empty line.
                loop {
                    line.clear();
                    if self.inner.by_ref().take(4096).read_line(&mut line)? == 0 || line.trim_end().is_empty() {
                        break;
                    }
                }
                self.done = true;
                return Ok(0);
            }
        }
        let want = buf.len().min(self.left as usize);
        let n = self.inner.read(&mut buf[..want])?;
        if n == 0 {
            return Err(std::io::Error::new(std::io::ErrorKind::UnexpectedEof, "the chunked body ended early"));
        }
        self.left -= n as u64;
        if self.left == 0 {
            let mut crlf = [0u8; 2];
            self.inner.read_exact(&mut crlf)?;
            if &crlf != b"\r\n" {
                return Err(bad());
            }
        }
        Ok(n)
    }
}

/// An HTTP date in its preferred form (`Sun, 06 Nov 1994 08:49:37 GMT`, RFC 9110 IMF-fixdate).
pub fn parse_http_date(s: &str) -> Option<SystemTime> {
    let parts: Vec<&str> = s.split_whitespace().collect();
    let [_, day, month, year, time, "GMT"] = parts.as_slice() else { return None };
    let month = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        .iter()
        .position(|m| m == month)?
        + 1;
    let rfc3339 = format!("{year:0>4}-{month:02}-{day:0>2}T{time}Z");
    let secs = crate::types::unix_seconds(Some(&rfc3339));
    (secs > 0).then(|| std::time::UNIX_EPOCH + Duration::from_secs(secs as u64))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        let u = Url::parse("http://127.0.0.1:8080/a/b.tar.gz?x=1#frag").unwrap();
        assert_eq!((u.host.as_str(), u.port, u.target.as_str()), ("127.0.0.1", 8080, "/a/b.tar.gz?x=1"));
        assert_eq!(u.file_name().as_deref(), Some("b.tar.gz"));
        let u = Url::parse("http://example.com").unwrap();
        assert_eq!((u.port, u.target.as_str(), u.file_name()), (80, "/", None));
        let u = Url::parse("http://[::1]:81/dir/").unwrap();
        assert_eq!((u.host.as_str(), u.port, u.file_name()), ("::1", 81, None));
        assert_eq!(u.host_header(), "[::1]:81");
        assert_eq!(Url::parse("http://h/a%20b").unwrap().file_name().as_deref(), Some("a b"));
        assert_eq!(Url::parse("https://h/x").unwrap_err().kind(), crate::ErrorKind::Unsupported);
        assert!(Url::parse("http://h:99999/").is_err());
        assert!(Url::parse("http://u:p@h/").is_err());
        let base = Url::parse("http://h/a/b").unwrap();
        assert_eq!(base.join("c").unwrap().target, "/a/c");
        assert_eq!(base.join("/d").unwrap().target, "/d");
        assert_eq!(base.join("http://o:1/e").unwrap().host, "o");
        assert!(is_url("http://x") && is_url("https://x") && !is_url("ftp://x") && !is_url("file.txt"));
    }

    #[test]
    fn http_dates() {
        let t = parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT").unwrap();
        assert_eq!(t.duration_since(std::time::UNIX_EPOCH).unwrap().as_secs(), 784111777);
        assert!(parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT").is_none());
    }

    /// A one-shot server on 127.0.0.1 that answers `response` to the first request.
    fn serve(response: Vec<u8>) -> (u16, std::thread::JoinHandle<String>) {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = l.local_addr().unwrap().port();
        let h = std::thread::spawn(move || {
            let (mut s, _) = l.accept().unwrap();
            let mut req = Vec::new();
            let mut buf = [0u8; 1024];
            while !req.windows(4).any(|w| w == b"\r\n\r\n") {
                let n = s.read(&mut buf).unwrap();
                if n == 0 {
                    break;
                }
                req.extend_from_slice(&buf[..n]);
            }
            s.write_all(&response).unwrap();
            String::from_utf8_lossy(&req).into_owned()
        });
        (port, h)
    }

    #[test]
    fn downloads_chunked_and_sized_bodies() {
        use std::os::unix::fs::MetadataExt;
        let t = tempfile::tempdir().unwrap();
        let (port, h) = serve(
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nLast-Modified: Sun, 06 Nov 1994 08:49:37 GMT\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"
                .to_vec(),
        );
        let d = download(&format!("http://127.0.0.1:{port}/f.txt"), t.path(), &mut |_, _| Ok(())).unwrap();
        let req = h.join().unwrap();
        assert!(req.starts_with("GET /f.txt HTTP/1.1\r\n") && req.contains(&format!("Host: 127.0.0.1:{port}\r\n")));
        assert_eq!(d.name.as_deref(), Some("f.txt"));
        assert_eq!(std::fs::read(&d.path).unwrap(), b"hello world");
        let m = std::fs::metadata(&d.path).unwrap();
        assert_eq!((m.mode() & 0o7777, m.mtime()), (0o600, 784111777));

        let (port, _h) = serve(
            b"HTTP/1.0 200 OK\r\nContent-Length: 3\r\nContent-Disposition: attachment; filename=\"../n.bin\"\r\n\r\nabcdef"
                .to_vec(),
        );
        let d = download(&format!("http://127.0.0.1:{port}/dir/"), t.path(), &mut |_, _| Ok(())).unwrap();
        assert_eq!((d.name.as_deref(), std::fs::read(&d.path).unwrap()), (Some("n.bin"), b"abc".to_vec()));

        let (port, _h) = serve(b"HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\n\r\nnot here\n".to_vec());
        let e = download(&format!("http://127.0.0.1:{port}/x"), t.path(), &mut |_, _| Ok(())).unwrap_err();
        assert_eq!(e.kind(), crate::ErrorKind::NotFound);
        assert_eq!(e.message(), format!("failed to GET http://127.0.0.1:{port}/x with status 404 Not Found: not here"));

        let (port, _h) = serve(b"HTTP/1.1 200 OK\r\nContent-Length: 99999999999\r\n\r\n".to_vec());
        let e = download(&format!("http://127.0.0.1:{port}/big"), t.path(), &mut |_, _| Ok(())).unwrap_err();
        assert!(e.message().contains("limit"), "{e}");
    }
}
