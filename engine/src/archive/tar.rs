//! Our own streaming tar reader and writer.
//!
//! The reader hands out, for each entry, the exact bytes of every header block that precedes its
//! payload (PAX `x`/`g` records and GNU long names included), the payload as chunks of a large
//! buffer, the padding after it, and everything after the end-of-archive marker: that is what
//! lets `split` re-create a layer byte for byte. It reads ustar, GNU and PAX archives, checks
//! every header checksum, and holds at most [`MAX_EXTENSION`] bytes of extended headers per entry
//! whatever the input.
//!
//! The writer emits ustar headers, with a PAX record when a name, a link, a number or xattrs do not
//! fit (the format Go's `archive/tar` writes, so our archives read like Docker's).

use crate::error::{Error, IoContext, Result};
use std::ffi::OsStr;
use std::io::{self, Read, Write};
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

pub const BLOCK: usize = 512;
/// The most bytes of PAX and GNU long-name records (headers included) one entry may carry.
pub const MAX_EXTENSION: u64 = 1 << 20;
/// Large reads: one buffer for headers and payloads alike.
const BUFFER: usize = 1 << 20;

/// What a tar entry is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Kind {
    #[default]
    Regular,
    Link,
    Symlink,
    Char,
    Block,
    Dir,
    Fifo,
    /// A PAX global header (`g`): its records apply to every later entry; it has no payload.
    GlobalPax,
    /// Any other type flag (GNU volume labels, dump dirs, …), payload as its size says.
    Other(u8),
}

impl Kind {
    fn from_flag(flag: u8) -> Kind {
        match flag {
            b'0' | b'\0' | b'7' => Kind::Regular,
            b'1' => Kind::Link,
            b'2' => Kind::Symlink,
            b'3' => Kind::Char,
            b'4' => Kind::Block,
            b'5' => Kind::Dir,
            b'6' => Kind::Fifo,
            b'g' => Kind::GlobalPax,
            f => Kind::Other(f),
        }
    }

    pub fn flag(self) -> u8 {
        match self {
            Kind::Regular => b'0',
            Kind::Link => b'1',
            Kind::Symlink => b'2',
            Kind::Char => b'3',
            Kind::Block => b'4',
            Kind::Dir => b'5',
            Kind::Fifo => b'6',
            Kind::GlobalPax => b'g',
            Kind::Other(f) => f,
        }
    }

    /// These never have a payload, whatever their size field says (as Go's reader, which Docker
    /// uses: a layer must split into the same entries for us and for it).
    fn header_only(self) -> bool {
        matches!(self, Kind::Link | Kind::Symlink | Kind::Char | Kind::Block | Kind::Dir | Kind::Fifo)
    }
}

/// Seconds and nanoseconds since the epoch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Time {
    pub secs: i64,
    pub nanos: u32,
}

/// The parsed header of an entry (after PAX and GNU extensions were applied), or the header to
/// write. Names are raw bytes, exactly as in the archive.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Header {
    pub path: Vec<u8>,
    pub link: Vec<u8>,
    pub kind: Kind,
    /// Permission bits with setuid/setgid/sticky (`& 0o7777`).
    pub mode: u32,
    pub uid: u64,
    pub gid: u64,
    /// Payload length (0 for kinds that never have one).
    pub size: u64,
    pub mtime: Time,
    pub uname: Vec<u8>,
    pub gname: Vec<u8>,
    pub dev_major: u32,
    pub dev_minor: u32,
    /// `SCHILY.xattr.*` records, in archive order.
    pub xattrs: Vec<(Vec<u8>, Vec<u8>)>,
}

impl Header {
    pub fn path(&self) -> &Path {
        Path::new(OsStr::from_bytes(&self.path))
    }
    pub fn link(&self) -> &Path {
        Path::new(OsStr::from_bytes(&self.link))
    }
}

/// One entry: its header, and the raw bytes of all its header blocks.
#[derive(Debug, Clone)]
pub struct Entry {
    pub header: Header,
    /// Every block from the first extension header to the entry's own header, verbatim.
    pub raw: Vec<u8>,
    /// Stream offset of `raw`'s first byte.
    pub offset: u64,
}

/// A streaming tar reader. Use [`Reader::next_entry`], then optionally [`Reader::payload_chunk`] /
/// [`Reader::consume`] and [`Reader::padding`]; after the last entry, [`Reader::trailer_chunk`]
/// yields the end-of-archive blocks and whatever follows them.
pub struct Reader<R> {
    src: R,
    buf: Box<[u8]>,
    pos: usize,
    end: usize,
    /// Stream offset of `buf[pos]`.
    offset: u64,
    /// Payload bytes of the current entry not consumed yet, then its padding.
    payload: u64,
    padding: usize,
    globals: Vec<(Vec<u8>, Vec<u8>)>,
    ended: bool,
}

type Records = Vec<(Vec<u8>, Vec<u8>)>;

fn unexpected_end() -> Error {
    Error::invalid("unexpected end of tar archive")
}

fn bad_header(at: u64) -> Error {
    Error::invalid(format!("invalid tar header at offset {at}"))
}

impl<R: Read> Reader<R> {
    pub fn new(src: R) -> Reader<R> {
        Reader {
            src,
            buf: vec![0u8; BUFFER].into_boxed_slice(),
            pos: 0,
            end: 0,
            offset: 0,
            payload: 0,
            padding: 0,
            globals: Vec::new(),
            ended: false,
        }
    }

    /// How many bytes of the stream were consumed.
    pub fn offset(&self) -> u64 {
        self.offset
    }

    /// The next entry, or `None` at the end-of-archive marker (a zero block), which is left
    /// unconsumed for [`Reader::trailer_chunk`]. Whatever is left of the previous entry's payload
    /// and padding is skipped first.
    pub fn next_entry(&mut self) -> Result<Option<Entry>> {
        if self.ended {
            return Ok(None);
        }
        while self.payload > 0 {
            let n = self.payload_chunk()?.len();
            self.consume(n);
        }
        self.padding()?;

        let start = self.offset;
        let mut raw = Vec::new();
        let mut local = Records::new();
        let (mut long_name, mut long_link) = (None, None);
        loop {
            let at = self.offset;
            if !self.fill(BLOCK)? {
                // An empty stream is an empty archive (as Go reads it); anything else is cut short.
                if at == 0 && self.pos == self.end {
                    self.ended = true;
                    return Ok(None);
                }
                return Err(unexpected_end());
            }
            let block: [u8; BLOCK] = self.buf[self.pos..self.pos + BLOCK].try_into().expect("one block");
            if is_zero(&block) {
                if !raw.is_empty() {
                    return Err(Error::invalid(format!(
                        "tar extended header at offset {start} is not followed by an entry"
                    )));
                }
                self.ended = true;
                return Ok(None);
            }
            if !checksum_ok(&block) {
                return Err(bad_header(at));
            }
            self.consume(BLOCK);
            raw.extend_from_slice(&block);
            let flag = block[156];
            if matches!(flag, b'x' | b'g' | b'L' | b'K') {
                let size = number(&block[124..136]).filter(|&s| s >= 0).ok_or_else(|| bad_header(at))? as u64;
                if raw.len() as u64 + size > MAX_EXTENSION {
                    return Err(Error::invalid(format!(
                        "tar extended header at offset {at} is too large ({size} bytes)"
                    )));
                }
                let data_at = raw.len();
                self.read_raw(size as usize + pad(size), &mut raw)?;
                let data = &raw[data_at..data_at + size as usize];
                match flag {
                    b'x' => merge(&mut local, parse_pax(data, at)?),
                    b'L' => long_name = Some(until_nul(data).to_vec()),
                    b'K' => long_link = Some(until_nul(data).to_vec()),
                    _ => {
                        if data_at != BLOCK {
                            return Err(Error::invalid(format!(
                                "tar extended header at offset {start} is not followed by an entry"
                            )));
                        }
                        let records = parse_pax(data, at)?;
                        merge(&mut self.globals, records);
                        let header = Header {
                            kind: Kind::GlobalPax,
                            path: until_nul(&block[..100]).to_vec(),
                            ..Header::default()
                        };
                        return Ok(Some(Entry { header, raw, offset: start }));
                    }
                }
                continue;
            }
            if flag == b'S' {
                return Err(Error::unsupported(format!(
                    "GNU sparse file {:?} in tar archive (offset {at}) is not supported",
                    String::from_utf8_lossy(until_nul(&block[..100]))
                )));
            }
            let mut h = parse_header(&block, at)?;
            if let Some(n) = long_name {
                h.path = n;
            }
            if let Some(l) = long_link {
                h.link = l;
            }
            let mut records = self.globals.clone();
            merge(&mut records, local);
            apply_pax(&mut h, &records, at)?;
            if h.kind.header_only() {
                h.size = 0;
            }
            self.payload = h.size;
            self.padding = pad(h.size);
            return Ok(Some(Entry { header: h, raw, offset: start }));
        }
    }

    /// The next bytes of the current entry's payload (empty when it is all consumed). Call
    /// [`Reader::consume`] with how many were used.
    pub fn payload_chunk(&mut self) -> Result<&[u8]> {
        if self.payload == 0 {
            return Ok(&[]);
        }
        if self.pos == self.end && self.refill()? == 0 {
            return Err(unexpected_end());
        }
        let n = (self.end - self.pos).min(usize::try_from(self.payload).unwrap_or(usize::MAX));
        Ok(&self.buf[self.pos..self.pos + n])
    }

    /// The current payload as a `Read`.
    pub fn payload_reader(&mut self) -> Payload<'_, R> {
        Payload(self)
    }

    /// Mark `n` bytes of the last chunk as used.
    pub fn consume(&mut self, n: usize) {
        debug_assert!(n <= self.end - self.pos);
        self.pos += n;
        self.offset += n as u64;
        self.payload = self.payload.saturating_sub(n as u64);
    }

    /// Consume the padding after a fully consumed payload and return it (0 to 511 bytes, zeros in
    /// a well-formed archive but kept as they are).
    pub fn padding(&mut self) -> Result<&[u8]> {
        debug_assert_eq!(self.payload, 0, "padding before the payload was consumed");
        let n = std::mem::take(&mut self.padding);
        if !self.fill(n)? {
            return Err(unexpected_end());
        }
        self.consume(n);
        Ok(&self.buf[self.pos - n..self.pos])
    }

    /// After [`Reader::next_entry`] returned `None`: the next bytes of the rest of the stream,
    /// starting with the end-of-archive block (empty at the end of the stream).
    pub fn trailer_chunk(&mut self) -> Result<&[u8]> {
        debug_assert!(self.ended);
        if self.pos == self.end {
            self.refill()?;
        }
        Ok(&self.buf[self.pos..self.end])
    }

    /// Read when the buffer is empty; returns how many bytes are now available.
    fn refill(&mut self) -> Result<usize> {
        self.pos = 0;
        self.end = 0;
        self.read_more()?;
        Ok(self.end)
    }

    fn read_more(&mut self) -> Result<usize> {
        loop {
            match self.src.read(&mut self.buf[self.end..]) {
                Ok(n) => {
                    self.end += n;
                    return Ok(n);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(Error::io("reading tar stream", e)),
            }
        }
    }

    /// Make at least `n` (≤ the buffer size) contiguous bytes available; false at end of stream.
    fn fill(&mut self, n: usize) -> Result<bool> {
        if self.end - self.pos >= n {
            return Ok(true);
        }
        if self.buf.len() - self.pos < n {
            self.buf.copy_within(self.pos..self.end, 0);
            self.end -= self.pos;
            self.pos = 0;
        }
        while self.end - self.pos < n {
            if self.read_more()? == 0 {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// Append the next `n` bytes of the stream to `out`.
    fn read_raw(&mut self, mut n: usize, out: &mut Vec<u8>) -> Result<()> {
        while n > 0 {
            if self.pos == self.end && self.refill()? == 0 {
                return Err(unexpected_end());
            }
            let k = n.min(self.end - self.pos);
            out.extend_from_slice(&self.buf[self.pos..self.pos + k]);
            self.consume(k);
            n -= k;
        }
        Ok(())
    }
}

/// The payload of the current entry as a `Read` (see [`Reader::payload_reader`]).
pub struct Payload<'a, R>(&'a mut Reader<R>);

impl<R: Read> Read for Payload<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let chunk = self.0.payload_chunk()?;
        let n = chunk.len().min(buf.len());
        buf[..n].copy_from_slice(&chunk[..n]);
        self.0.consume(n);
        Ok(n)
    }
}

/// Padding after a payload of `size` bytes.
pub fn pad(size: u64) -> usize {
    ((BLOCK as u64 - size % BLOCK as u64) % BLOCK as u64) as usize
}

fn is_zero(b: &[u8]) -> bool {
    b.iter().all(|&x| x == 0)
}

fn until_nul(b: &[u8]) -> &[u8] {
    b.iter().position(|&x| x == 0).map_or(b, |i| &b[..i])
}

/// Whether `block` (512 bytes) is a tar header, by its checksum: how a tar stream is told from
/// other data (a build context from a lone Dockerfile).
pub fn is_header(block: &[u8]) -> bool {
    <&[u8; BLOCK]>::try_from(block).is_ok_and(checksum_ok)
}

/// Header checksums are the sum of all bytes with the checksum field as spaces; some old tars
/// summed signed bytes, which readers accept too.
fn checksum_ok(b: &[u8; BLOCK]) -> bool {
    let Some(stored) = number(&b[148..156]) else { return false };
    let (mut unsigned, mut signed) = (0i64, 0i64);
    for (i, &x) in b.iter().enumerate() {
        let x = if (148..156).contains(&i) { b' ' } else { x };
        unsigned += i64::from(x);
        signed += i64::from(x as i8);
    }
    stored == unsigned || stored == signed
}

/// A numeric field: octal text (spaces and NULs around it ignored), or GNU base-256 when the top
/// bit of the first byte is set (big-endian two's complement; bit 6 is the sign).
fn number(field: &[u8]) -> Option<i64> {
    if field.first().is_some_and(|&b| b & 0x80 != 0) {
        let inv = if field[0] & 0x40 != 0 { 0xff } else { 0 };
        let mut x: u64 = 0;
        for (i, &c) in field.iter().enumerate() {
            let c = if i == 0 { (c ^ inv) & 0x7f } else { c ^ inv };
            if x >> 56 != 0 {
                return None;
            }
            x = x << 8 | u64::from(c);
        }
        let x = i64::try_from(x).ok()?;
        return Some(if inv == 0xff { !x } else { x });
    }
    let start = field.iter().position(|&b| b != b' ' && b != 0).unwrap_or(field.len());
    let end = field.iter().rposition(|&b| b != b' ' && b != 0).map_or(start, |i| i + 1);
    let digits = &field[start..end.max(start)];
    let mut x: i64 = 0;
    for &d in digits {
        if !(b'0'..=b'7').contains(&d) {
            return None;
        }
        x = x.checked_mul(8)?.checked_add(i64::from(d - b'0'))?;
    }
    Some(x)
}

fn parse_header(b: &[u8; BLOCK], at: u64) -> Result<Header> {
    let num = |r: std::ops::Range<usize>| number(&b[r]).ok_or_else(|| bad_header(at));
    let unsigned = |r: std::ops::Range<usize>| num(r).and_then(|v| u64::try_from(v).map_err(|_| bad_header(at)));
    let magic = &b[257..263];
    let ustar = magic == b"ustar\0";
    let gnu = magic == b"ustar ";
    let mut path = until_nul(&b[..100]).to_vec();
    if ustar {
        // Only POSIX ustar has a prefix field; GNU keeps times there.
        let prefix = until_nul(&b[345..500]);
        if !prefix.is_empty() {
            let mut p = prefix.to_vec();
            p.push(b'/');
            p.extend_from_slice(&path);
            path = p;
        }
    }
    let mut kind = Kind::from_flag(b[156]);
    // Old (V7) archives mark directories only by the trailing slash.
    if b[156] == b'\0' && path.ends_with(b"/") {
        kind = Kind::Dir;
    }
    let mut h = Header {
        link: until_nul(&b[157..257]).to_vec(),
        path,
        kind,
        mode: (unsigned(100..108)? & 0o7777) as u32,
        uid: unsigned(108..116)?,
        gid: unsigned(116..124)?,
        size: unsigned(124..136)?,
        mtime: Time { secs: num(136..148)?, nanos: 0 },
        ..Header::default()
    };
    if ustar || gnu {
        h.uname = until_nul(&b[265..297]).to_vec();
        h.gname = until_nul(&b[297..329]).to_vec();
        if matches!(kind, Kind::Char | Kind::Block) {
            let dev = |r| unsigned(r).and_then(|v| u32::try_from(v).map_err(|_| bad_header(at)));
            h.dev_major = dev(329..337)?;
            h.dev_minor = dev(337..345)?;
        }
    }
    Ok(h)
}

/// Records `len key=value\n`, where `len` counts the whole record.
fn parse_pax(mut data: &[u8], at: u64) -> Result<Records> {
    let bad = || Error::invalid(format!("invalid PAX record in tar header at offset {at}"));
    let mut out = Records::new();
    while !data.is_empty() {
        if is_zero(data) {
            break; // some writers pad the record block with NULs
        }
        let sp = data.iter().position(|&b| b == b' ').ok_or_else(bad)?;
        let len: usize = std::str::from_utf8(&data[..sp]).ok().and_then(|s| s.parse().ok()).ok_or_else(bad)?;
        if len <= sp + 1 || len > data.len() || data[len - 1] != b'\n' {
            return Err(bad());
        }
        let rec = &data[sp + 1..len - 1];
        let eq = rec.iter().position(|&b| b == b'=').ok_or_else(bad)?;
        out.push((rec[..eq].to_vec(), rec[eq + 1..].to_vec()));
        data = &data[len..];
    }
    Ok(out)
}

/// Later records replace earlier ones with the same key.
fn merge(into: &mut Records, from: Records) {
    for (k, v) in from {
        match into.iter_mut().find(|(ek, _)| *ek == k) {
            Some(e) => e.1 = v,
            None => into.push((k, v)),
        }
    }
}

fn apply_pax(h: &mut Header, records: &Records, at: u64) -> Result<()> {
    let bad = |k: &[u8]| {
        Error::invalid(format!("invalid PAX record {:?} in tar header at offset {at}", String::from_utf8_lossy(k)))
    };
    let dec = |k: &[u8], v: &[u8]| -> Result<u64> {
        std::str::from_utf8(v).ok().and_then(|s| s.parse().ok()).ok_or_else(|| bad(k))
    };
    for (k, v) in records {
        // An empty value in an `x` record cancels a global one: the ustar field stands.
        if v.is_empty() {
            continue;
        }
        match k.as_slice() {
            b"path" => h.path = v.clone(),
            b"linkpath" => h.link = v.clone(),
            b"size" => h.size = dec(k, v)?,
            b"uid" => h.uid = dec(k, v)?,
            b"gid" => h.gid = dec(k, v)?,
            b"uname" => h.uname = v.clone(),
            b"gname" => h.gname = v.clone(),
            b"mtime" => h.mtime = parse_time(v).ok_or_else(|| bad(k))?,
            k if k.starts_with(b"GNU.sparse.") => {
                return Err(Error::unsupported(format!(
                    "GNU sparse file {:?} in tar archive (offset {at}) is not supported",
                    String::from_utf8_lossy(&h.path)
                )))
            }
            k if k.starts_with(b"SCHILY.xattr.") => {
                h.xattrs.push((k[b"SCHILY.xattr.".len()..].to_vec(), v.clone()));
            }
            _ => {}
        }
    }
    Ok(())
}

/// `[-]seconds[.fraction]`; a negative time with a fraction counts down from the seconds.
fn parse_time(v: &[u8]) -> Option<Time> {
    let s = std::str::from_utf8(v).ok()?;
    let (neg, s) = s.strip_prefix('-').map_or((false, s), |r| (true, r));
    let (int, frac) = s.split_once('.').unwrap_or((s, ""));
    if int.is_empty() || !int.bytes().all(|b| b.is_ascii_digit()) || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let secs: i64 = int.parse().ok()?;
    let mut nanos: u32 = 0;
    for (i, d) in frac.bytes().take(9).enumerate() {
        nanos += u32::from(d - b'0') * 10u32.pow(8 - i as u32);
    }
    Some(match (neg, nanos) {
        (false, _) => Time { secs, nanos },
        (true, 0) => Time { secs: -secs, nanos: 0 },
        (true, n) => Time { secs: -secs - 1, nanos: 1_000_000_000 - n },
    })
}

/// Writes a tar stream: [`Writer::append`] each entry, then [`Writer::finish`].
pub struct Writer<W: Write> {
    out: W,
    written: u64,
    buf: Vec<u8>,
}

const MAX_OCTAL_7: u64 = 0o7777777;
const MAX_OCTAL_11: u64 = 0o77777777777;

impl<W: Write> Writer<W> {
    pub fn new(out: W) -> Writer<W> {
        Writer { out, written: 0, buf: Vec::new() }
    }

    /// Bytes written so far.
    pub fn written(&self) -> u64 {
        self.written
    }

    /// Write `h` and exactly `h.size` bytes from `payload` (none for kinds without a payload).
    /// A payload shorter than `h.size` is an error.
    pub fn append(&mut self, h: &Header, mut payload: impl Read) -> Result<()> {
        let raw = encode(h)?;
        self.write(&raw)?;
        let size = if h.kind.header_only() { 0 } else { h.size };
        if self.buf.is_empty() && size > 0 {
            self.buf = vec![0u8; 256 << 10];
        }
        let mut left = size;
        while left > 0 {
            let want = self.buf.len().min(usize::try_from(left).unwrap_or(usize::MAX));
            let n = match payload.read(&mut self.buf[..want]) {
                Ok(0) => {
                    return Err(Error::invalid(format!(
                        "payload of {:?} is shorter than its size {size}",
                        String::from_utf8_lossy(&h.path)
                    )))
                }
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(Error::io(format_args!("reading {}", h.path().display()), e)),
            };
            self.out.write_all(&self.buf[..n]).ctx("writing tar stream")?;
            self.written += n as u64;
            left -= n as u64;
        }
        self.write(&[0u8; BLOCK][..pad(size)])
    }

    /// Write the end-of-archive marker (two zero blocks) and hand back the output.
    pub fn finish(mut self) -> Result<W> {
        self.write(&[0u8; 2 * BLOCK])?;
        self.out.flush().ctx("writing tar stream")?;
        Ok(self.out)
    }

    fn write(&mut self, b: &[u8]) -> Result<()> {
        self.out.write_all(b).ctx("writing tar stream")?;
        self.written += b.len() as u64;
        Ok(())
    }
}

/// The header blocks of `h`: a PAX `x` record first when something does not fit in ustar.
pub fn encode(h: &Header) -> Result<Vec<u8>> {
    if h.kind == Kind::GlobalPax {
        return Err(Error::invalid("cannot write a PAX global header entry"));
    }
    if h.path.contains(&0) || h.link.contains(&0) {
        return Err(Error::invalid(format!("tar entry name {:?} contains NUL", String::from_utf8_lossy(&h.path))));
    }
    let mut pax: Vec<(Vec<u8>, Vec<u8>)> = Vec::new();
    let split = split_ustar_path(&h.path);
    if split.is_none() {
        pax.push((b"path".to_vec(), h.path.clone()));
    }
    if h.link.len() > 100 {
        pax.push((b"linkpath".to_vec(), h.link.clone()));
    }
    let size = if h.kind.header_only() { 0 } else { h.size };
    for (key, v, max) in
        [(&b"uid"[..], h.uid, MAX_OCTAL_7), (b"gid", h.gid, MAX_OCTAL_7), (b"size", size, MAX_OCTAL_11)]
    {
        if v > max {
            pax.push((key.to_vec(), v.to_string().into_bytes()));
        }
    }
    if h.mtime.secs < 0 || h.mtime.secs as u64 > MAX_OCTAL_11 || h.mtime.nanos != 0 {
        let t = if h.mtime.nanos == 0 {
            h.mtime.secs.to_string()
        } else if h.mtime.secs >= 0 {
            format!("{}.{:09}", h.mtime.secs, h.mtime.nanos)
        } else {
            format!("-{}.{:09}", -(h.mtime.secs + 1), 1_000_000_000 - h.mtime.nanos)
        };
        pax.push((b"mtime".to_vec(), t.into_bytes()));
    }
    for (key, v) in [(&b"uname"[..], &h.uname), (b"gname", &h.gname)] {
        if v.len() > 32 {
            pax.push((key.to_vec(), v.clone()));
        }
    }
    for (name, value) in &h.xattrs {
        let mut key = b"SCHILY.xattr.".to_vec();
        key.extend_from_slice(name);
        pax.push((key, value.clone()));
    }

    let mut out = Vec::with_capacity(3 * BLOCK);
    if !pax.is_empty() {
        let data = pax_records(&pax);
        let base = h.path.rsplit(|&b| b == b'/').find(|c| !c.is_empty()).unwrap_or(b"");
        let mut name = b"PaxHeaders.0/".to_vec();
        name.extend_from_slice(&base[..base.len().min(100 - name.len())]);
        let ph = Header { path: name, size: data.len() as u64, ..Header::default() };
        out.extend_from_slice(&ustar_block(&ph, b'x', (&ph.path, b""), data.len() as u64));
        out.extend_from_slice(&data);
        out.resize(out.len() + pad(data.len() as u64), 0);
    }
    let (name, prefix) = split.unwrap_or((&h.path[..h.path.len().min(100)], b""));
    out.extend_from_slice(&ustar_block(h, h.kind.flag(), (name, prefix), size));
    Ok(out)
}

/// Split a long path into ustar's prefix (≤155) and name (≤100) at a slash, if it can be.
fn split_ustar_path(p: &[u8]) -> Option<(&[u8], &[u8])> {
    if p.len() <= 100 {
        return Some((p, b""));
    }
    let lowest = p.len().checked_sub(101)?;
    (lowest.max(1)..=155.min(p.len() - 2)).rev().find(|&i| p[i] == b'/').map(|i| (&p[i + 1..], &p[..i]))
}

fn pax_records(records: &[(Vec<u8>, Vec<u8>)]) -> Vec<u8> {
    let mut out = Vec::new();
    for (k, v) in records {
        // The length counts its own digits: grow it until it is consistent.
        let body = k.len() + v.len() + 3; // ' ', '=', '\n'
        let mut len = body + 1;
        while len != body + len.to_string().len() {
            len = body + len.to_string().len();
        }
        out.extend_from_slice(len.to_string().as_bytes());
        out.push(b' ');
        out.extend_from_slice(k);
        out.push(b'=');
        out.extend_from_slice(v);
        out.push(b'\n');
    }
    out
}

fn ustar_block(h: &Header, flag: u8, (name, prefix): (&[u8], &[u8]), size: u64) -> [u8; BLOCK] {
    let mut b = [0u8; BLOCK];
    b[..name.len()].copy_from_slice(name);
    put_number(&mut b[100..108], u64::from(h.mode & 0o7777) as i64);
    put_number(&mut b[108..116], h.uid.min(i64::MAX as u64) as i64);
    put_number(&mut b[116..124], h.gid.min(i64::MAX as u64) as i64);
    put_number(&mut b[124..136], size.min(i64::MAX as u64) as i64);
    put_number(&mut b[136..148], h.mtime.secs);
    b[156] = flag;
    let link = &h.link[..h.link.len().min(100)];
    b[157..157 + link.len()].copy_from_slice(link);
    b[257..263].copy_from_slice(b"ustar\0");
    b[263..265].copy_from_slice(b"00");
    for (r, v) in [(265..297, &h.uname), (297..329, &h.gname)] {
        let v = &v[..v.len().min(32)];
        b[r.start..r.start + v.len()].copy_from_slice(v);
    }
    put_number(&mut b[329..337], i64::from(h.dev_major));
    put_number(&mut b[337..345], i64::from(h.dev_minor));
    b[345..345 + prefix.len()].copy_from_slice(prefix);
    b[148..156].fill(b' ');
    let sum: u32 = b.iter().map(|&x| u32::from(x)).sum();
    b[148..155].copy_from_slice(format!("{sum:06o}\0").as_bytes());
    b
}

/// Octal when it fits (NUL-terminated), else GNU base-256 (which PAX-aware readers override).
fn put_number(field: &mut [u8], v: i64) {
    let w = field.len();
    if v >= 0 && (v as u64) < 1u64 << (3 * (w - 1)) {
        field[..w - 1].copy_from_slice(format!("{v:0width$o}", width = w - 1).as_bytes());
        field[w - 1] = 0;
    } else {
        let bytes = v.to_be_bytes();
        let fill = if v < 0 { 0xff } else { 0 };
        field.fill(fill);
        field[w - 8..].copy_from_slice(&bytes);
        field[0] |= 0x80;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;

    fn entry(path: &str, kind: Kind, data: &[u8]) -> (Header, Vec<u8>) {
        let h = Header {
            path: path.as_bytes().to_vec(),
            kind,
            mode: 0o644,
            size: data.len() as u64,
            mtime: Time { secs: 1_700_000_000, nanos: 0 },
            ..Header::default()
        };
        (h, data.to_vec())
    }

    fn build(entries: &[(Header, Vec<u8>)]) -> Vec<u8> {
        let mut w = Writer::new(Vec::new());
        for (h, d) in entries {
            w.append(h, &d[..]).unwrap();
        }
        w.finish().unwrap()
    }

    fn read_all(tar: &[u8]) -> Result<Vec<(Header, Vec<u8>)>> {
        let mut r = Reader::new(tar);
        let mut out = Vec::new();
        while let Some(e) = r.next_entry()? {
            let mut data = Vec::new();
            r.payload_reader().read_to_end(&mut data).map_err(|e| Error::io("payload", e))?;
            out.push((e.header, data));
        }
        Ok(out)
    }

    #[test]
    fn writer_and_reader_agree() {
        let long = format!("{}/{}", "d".repeat(150), "f".repeat(99));
        let longer = "x/".repeat(200) + "file";
        let mut big = entry("big-ids", Kind::Regular, b"");
        big.0.uid = 1 << 40;
        big.0.gid = 3_000_000;
        big.0.mtime = Time { secs: -5, nanos: 250_000_000 };
        big.0.xattrs = vec![(b"user.k".to_vec(), b"v\0\n=".to_vec())];
        big.0.uname = vec![b'u'; 40];
        let mut dev = entry("dev", Kind::Char, b"");
        dev.0.dev_major = 1 << 22;
        dev.0.dev_minor = 7;
        let mut link = entry("l", Kind::Symlink, b"");
        link.0.link = "t".repeat(300).into_bytes();
        let entries = vec![
            entry("a.txt", Kind::Regular, b"hello"),
            entry(&long, Kind::Regular, &[7u8; 1000]),
            entry(&longer, Kind::Regular, b""),
            entry("dir/", Kind::Dir, b""),
            big,
            dev,
            link,
        ];
        let tar = build(&entries);
        assert_eq!(tar.len() % BLOCK, 0);
        let got = read_all(&tar).unwrap();
        assert_eq!(got, entries);
    }

    #[test]
    fn raw_bytes_cover_the_stream() {
        let tar = build(&[entry(&"n".repeat(120), Kind::Regular, b"abc"), entry("b", Kind::Regular, &[1u8; 512])]);
        let mut r = Reader::new(&tar[..]);
        let mut copy = Vec::new();
        while let Some(e) = r.next_entry().unwrap() {
            assert_eq!(e.offset, copy.len() as u64);
            copy.extend_from_slice(&e.raw);
            loop {
                let c = r.payload_chunk().unwrap();
                if c.is_empty() {
                    break;
                }
                let n = c.len();
                copy.extend_from_slice(c);
                r.consume(n);
            }
            copy.extend_from_slice(r.padding().unwrap());
        }
        loop {
            let c = r.trailer_chunk().unwrap();
            if c.is_empty() {
                break;
            }
            let n = c.len();
            copy.extend_from_slice(c);
            r.consume(n);
        }
        assert_eq!(copy, tar);
    }

    #[test]
    fn base256_and_octal_numbers() {
        assert_eq!(number(b"0000644\0"), Some(0o644));
        assert_eq!(number(b"  644 \0"), Some(0o644));
        assert_eq!(number(b"\0\0\0"), Some(0));
        assert_eq!(number(b"\x80\0\0\0\0\0\x01\x00"), Some(256));
        assert_eq!(number(b"\xff\xff\xff\xff\xff\xff\xff\xff"), Some(-1));
        assert_eq!(number(b"9"), None);
        let mut f = [0u8; 12];
        put_number(&mut f, -12345);
        assert_eq!(number(&f), Some(-12345));
        put_number(&mut f, 1 << 40);
        assert_eq!(number(&f), Some(1 << 40));
    }

    #[test]
    fn pax_times() {
        assert_eq!(parse_time(b"12.5"), Some(Time { secs: 12, nanos: 500_000_000 }));
        assert_eq!(parse_time(b"-1.25"), Some(Time { secs: -2, nanos: 750_000_000 }));
        assert_eq!(parse_time(b"7"), Some(Time { secs: 7, nanos: 0 }));
        assert_eq!(parse_time(b"1.1234567891"), Some(Time { secs: 1, nanos: 123_456_789 }));
        assert_eq!(parse_time(b"x"), None);
    }

    #[test]
    fn global_headers_apply_to_later_entries() {
        let mut tar = Vec::new();
        let records = pax_records(&[(b"uid".to_vec(), b"4242".to_vec())]);
        let g = Header { path: b"pax_global_header".to_vec(), size: records.len() as u64, ..Header::default() };
        tar.extend_from_slice(&ustar_block(&g, b'g', (&g.path, b""), records.len() as u64));
        tar.extend_from_slice(&records);
        tar.resize(tar.len() + pad(records.len() as u64), 0);
        tar.extend_from_slice(&build(&[entry("f", Kind::Regular, b"x")]));
        let got = read_all(&tar).unwrap();
        assert_eq!(got[0].0.kind, Kind::GlobalPax);
        assert_eq!(got[1].0.uid, 4242);
    }

    #[test]
    fn bad_checksum_is_refused_with_offset() {
        let mut tar = build(&[entry("a", Kind::Regular, b"x"), entry("b", Kind::Regular, b"y")]);
        tar[1024 + 10] ^= 1;
        let e = read_all(&tar).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidArgument);
        assert_eq!(e.message(), "invalid tar header at offset 1024");
    }

    #[test]
    fn truncation_is_unexpected_end() {
        let tar = build(&[entry("a", Kind::Regular, &[1u8; 3000])]);
        for cut in [100, 512, 2000, 512 + 3072] {
            let e = read_all(&tar[..cut]).unwrap_err();
            assert_eq!(e.message(), "unexpected end of tar archive", "cut at {cut}");
        }
        assert!(read_all(b"").unwrap().is_empty());
    }

    #[test]
    fn oversized_extensions_are_refused() {
        let mut h = entry("a", Kind::Regular, b"").0;
        h.xattrs = vec![(b"user.big".to_vec(), vec![b'x'; MAX_EXTENSION as usize])];
        let tar = build(&[(h, Vec::new())]);
        let e = read_all(&tar).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidArgument);
        assert!(e.message().contains("too large"), "{e}");
    }

    #[test]
    fn corrupted_archives_never_panic() {
        let mut x = entry("x", Kind::Regular, &[5u8; 700]).0;
        x.xattrs = vec![(b"user.a".to_vec(), b"b".to_vec())];
        x.path = "p/".repeat(80).into_bytes();
        let good = build(&[(x, vec![5u8; 700]), entry("d/", Kind::Dir, b""), entry("z", Kind::Regular, b"z")]);
        let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for _ in 0..3000 {
            let mut bad = good.clone();
            for _ in 0..1 + next() % 4 {
                let at = (next() % bad.len() as u64) as usize;
                bad[at] = next() as u8;
            }
            let cut = if next() % 4 == 0 { (next() % bad.len() as u64) as usize } else { bad.len() };
            let _ = read_all(&bad[..cut]);
        }
    }

    #[test]
    fn gnu_sparse_is_unsupported() {
        let (h, _) = entry("s", Kind::Other(b'S'), b"");
        let tar = build(&[(h, Vec::new())]);
        assert_eq!(read_all(&tar).unwrap_err().kind(), ErrorKind::Unsupported);
    }
}
