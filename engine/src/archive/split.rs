//! "tar-split": what, with an unpacked layer, gives back the layer's exact original tar bytes.
//!
//! `docker save` must emit each layer as the very bytes whose sha256 is its diff id, but only the
//! unpacked tree is kept. The split file holds everything else: header blocks, padding, payloads
//! that were not extracted, the end-of-archive blocks and whatever followed them — with runs of
//! zeros stored as a count (an 8 GiB zero tail costs a few bytes, CVE-2017-14992) — and, for each
//! extracted regular file, a reference to the file that holds its payload.
//!
//! Layout of a layer directory: `diff/` (the tree), `tar-split`, and `dup/` for files that a later
//! entry of the same tar replaced or removed while an earlier record still needs their bytes: they
//! are moved there rather than deleted, and their references re-pointed.
//!
//! File format: `MAGIC`, records (`RAW len bytes` | `ZEROS n` | `FILE id`, numbers as LEB128), `END`;
//! then the file table (`count`, per file `size`, `path length`, `path` relative to the layer
//! directory), and a footer: the table's offset (u64 LE) and `MAGIC` again.

use crate::digest::{BackgroundHasher, Digest};
use crate::error::{Error, IoContext, Result};
use crate::safefs::RootDir;
use rustix::fs::{Mode, OFlags};
use rustix::io::Errno;
use std::collections::BTreeMap;
use std::fs::File;
use std::io::{self, BufRead, BufReader, BufWriter, Read, Seek, SeekFrom, Write};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

/// The split file's name inside a layer directory.
pub const SPLIT_FILE: &str = "tar-split";
/// The unpacked tree inside a layer directory.
pub const DIFF_DIR: &str = "diff";
/// Replaced nodes whose bytes the split still references.
pub const DUP_DIR: &str = "dup";

const MAGIC: &[u8; 8] = b"LDSPLIT1";
const END: u8 = 0;
const RAW: u8 = 1;
const ZEROS: u8 = 2;
const FILE: u8 = 3;
/// Shorter zero runs stay inline: a record costs about as much.
const MIN_ZERO_RUN: u64 = 16;
const RAW_FLUSH: usize = 64 << 10;
const IO_BUFFER: usize = 1 << 20;

/// Leading zero bytes of `d`.
pub(crate) fn zero_prefix(d: &[u8]) -> usize {
    let mut i = 0;
    for c in d.chunks_exact(16) {
        if u128::from_ne_bytes(c.try_into().expect("16 bytes")) != 0 {
            break;
        }
        i += 16;
    }
    i + d[i..].iter().take_while(|&&b| b == 0).count()
}

/// Leading non-zero bytes of `d`.
fn nonzero_prefix(d: &[u8]) -> usize {
    const LO: u64 = 0x0101_0101_0101_0101;
    const HI: u64 = 0x8080_8080_8080_8080;
    let mut i = 0;
    for c in d.chunks_exact(8) {
        let w = u64::from_ne_bytes(c.try_into().expect("8 bytes"));
        if w.wrapping_sub(LO) & !w & HI != 0 {
            break; // some byte of w is zero
        }
        i += 8;
    }
    i + d[i..].iter().take_while(|&&b| b != 0).count()
}

fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push(v as u8 | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

/// Writes a split file while a layer is extracted, and tracks where each referenced payload lives.
pub(crate) struct SplitWriter {
    out: BufWriter<File>,
    written: u64,
    raw: Vec<u8>,
    zeros: u64,
    /// Per file id: path relative to the layer directory, and payload size.
    table: Vec<(PathBuf, u64)>,
    /// Files still in `diff/` that records reference: path inside `diff/` → id.
    live: BTreeMap<Vec<u8>, u32>,
}

impl SplitWriter {
    pub(crate) fn new(file: File) -> Result<SplitWriter> {
        let mut w = SplitWriter {
            out: BufWriter::with_capacity(IO_BUFFER, file),
            written: 0,
            raw: Vec::new(),
            zeros: 0,
            table: Vec::new(),
            live: BTreeMap::new(),
        };
        w.emit(MAGIC)?;
        Ok(w)
    }

    /// Bytes of the tar stream that are stored in the split itself.
    pub(crate) fn raw(&mut self, mut data: &[u8]) -> Result<()> {
        while !data.is_empty() {
            let z = zero_prefix(data);
            if z > 0 {
                self.zeros += z as u64;
                data = &data[z..];
                continue;
            }
            let n = nonzero_prefix(data);
            self.settle_zeros()?;
            self.raw.extend_from_slice(&data[..n]);
            if self.raw.len() >= RAW_FLUSH {
                self.flush_raw()?;
            }
            data = &data[n..];
        }
        Ok(())
    }

    /// The payload that comes next in the stream is the content of `path` (inside `diff/`).
    pub(crate) fn payload(&mut self, path: &Path, size: u64) -> Result<()> {
        self.settle_zeros()?;
        self.flush_raw()?;
        let id = u32::try_from(self.table.len()).map_err(|_| Error::invalid("too many files in one layer"))?;
        self.table.push((Path::new(DIFF_DIR).join(path), size));
        let previous = self.live.insert(path.as_os_str().as_bytes().to_vec(), id);
        debug_assert!(previous.is_none(), "a referenced file was replaced in place");
        self.record(FILE, u64::from(id))
    }

    /// Does `path` (inside `diff/`), or anything under it, hold a referenced payload?
    pub(crate) fn holds(&self, path: &Path) -> bool {
        let key = path.as_os_str().as_bytes();
        self.live.contains_key(key) || self.live.range(Self::children(key)).next().is_some()
    }

    /// `path` (inside `diff/`) was moved to `to` (relative to the layer directory): re-point the
    /// references to it and to everything under it.
    pub(crate) fn relocate(&mut self, path: &Path, to: &Path) {
        let key = path.as_os_str().as_bytes().to_vec();
        if let Some(id) = self.live.remove(&key) {
            self.table[id as usize].0 = to.to_path_buf();
        }
        let under: Vec<(Vec<u8>, u32)> =
            self.live.range(Self::children(&key)).map(|(k, &id)| (k.clone(), id)).collect();
        for (k, id) in under {
            self.live.remove(&k);
            let rest = std::ffi::OsStr::from_bytes(&k[key.len() + 1..]);
            self.table[id as usize].0 = to.join(rest);
        }
    }

    /// Keys strictly under `key/`: from `key/` up to `key0` ('0' follows '/').
    fn children(key: &[u8]) -> std::ops::Range<Vec<u8>> {
        let mut lo = key.to_vec();
        lo.push(b'/');
        let mut hi = key.to_vec();
        hi.push(b'0');
        lo..hi
    }

    /// Write the end, the file table and the footer.
    pub(crate) fn finish(mut self) -> Result<()> {
        self.settle_zeros()?;
        self.flush_raw()?;
        self.emit(&[END])?;
        let table_at = self.written;
        let mut t = Vec::new();
        put_varint(&mut t, self.table.len() as u64);
        for (path, size) in &self.table {
            let p = path.as_os_str().as_bytes();
            put_varint(&mut t, *size);
            put_varint(&mut t, p.len() as u64);
            t.extend_from_slice(p);
        }
        t.extend_from_slice(&table_at.to_le_bytes());
        t.extend_from_slice(MAGIC);
        self.emit(&t)?;
        self.out.flush().ctx("writing tar-split")
    }

    fn settle_zeros(&mut self) -> Result<()> {
        let n = std::mem::take(&mut self.zeros);
        if n >= MIN_ZERO_RUN {
            self.flush_raw()?;
            self.record(ZEROS, n)?;
        } else {
            self.raw.resize(self.raw.len() + n as usize, 0);
        }
        Ok(())
    }

    fn flush_raw(&mut self) -> Result<()> {
        if self.raw.is_empty() {
            return Ok(());
        }
        let raw = std::mem::take(&mut self.raw);
        self.record(RAW, raw.len() as u64)?;
        self.emit(&raw)?;
        self.raw = raw;
        self.raw.clear();
        Ok(())
    }

    fn record(&mut self, tag: u8, n: u64) -> Result<()> {
        let mut b = Vec::with_capacity(11);
        b.push(tag);
        put_varint(&mut b, n);
        self.emit(&b)
    }

    fn emit(&mut self, b: &[u8]) -> Result<()> {
        self.out.write_all(b).ctx("writing tar-split")?;
        self.written += b.len() as u64;
        Ok(())
    }
}

/// Stream the exact original tar bytes of the layer in `layer_dir` to `out`; returns their count.
pub fn reassemble(layer_dir: &Path, out: &mut dyn Write) -> Result<u64> {
    let mut sink = StreamSink::new(out, None);
    let n = run(layer_dir, &mut sink)?;
    sink.finish()?;
    Ok(n)
}

/// [`reassemble`], checking on the way that the bytes hash to `diff_id`. On a mismatch the error is
/// `Corrupt` and whatever was written to `out` must be discarded.
pub fn reassemble_verified(layer_dir: &Path, diff_id: &Digest, out: &mut dyn Write) -> Result<u64> {
    let mut sink = StreamSink::new(out, Some(BackgroundHasher::new()));
    let n = run(layer_dir, &mut sink)?;
    match sink.finish()? {
        Some((d, _)) if d == *diff_id => Ok(n),
        _ => Err(Error::corrupt(format!("layer {diff_id} failed verification"))),
    }
}

/// [`reassemble`] into a regular file, at its current position: payloads of 1 MiB or more are
/// copied in the kernel (`copy_file_range`), and long zero runs at the end of the file become
/// holes (an 8 GiB zero tail costs no disk).
pub fn reassemble_to_file(layer_dir: &Path, out: &File) -> Result<u64> {
    let mut sink = FileSink { out: BufWriter::with_capacity(IO_BUFFER, out), buf: vec![0u8; IO_BUFFER], copy: true };
    let n = run(layer_dir, &mut sink)?;
    sink.out.flush().ctx("writing layer tar")?;
    Ok(n)
}

/// Where reassembled bytes go.
trait Sink {
    fn bytes(&mut self, b: &[u8]) -> Result<()>;
    fn zeros(&mut self, n: u64) -> Result<()>;
    /// Exactly `n` bytes from the start of `f`.
    fn file(&mut self, f: &File, n: u64, name: &Path) -> Result<()>;
}

fn short_file(name: &Path) -> Error {
    Error::corrupt(format!("layer file {} is shorter than its tar entry", name.display()))
}

/// Copy bytes `from..n` of `f` through `buf` to `write`.
fn copy_through(
    f: &File,
    from: u64,
    n: u64,
    name: &Path,
    buf: &mut [u8],
    mut write: impl FnMut(&[u8]) -> Result<()>,
) -> Result<()> {
    let mut off = from;
    while off < n {
        let want = buf.len().min(usize::try_from(n - off).unwrap_or(usize::MAX));
        let k = match f.read_at(&mut buf[..want], off) {
            Ok(0) => return Err(short_file(name)),
            Ok(k) => k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(Error::io(format_args!("reading {}", name.display()), e)),
        };
        write(&buf[..k])?;
        off += k as u64;
    }
    Ok(())
}

struct StreamSink<'a> {
    out: BufWriter<HashingWriter<'a>>,
    buf: Vec<u8>,
    zeros: Vec<u8>,
}

struct HashingWriter<'a> {
    out: &'a mut dyn Write,
    hasher: Option<BackgroundHasher>,
}

impl Write for HashingWriter<'_> {
    fn write(&mut self, b: &[u8]) -> io::Result<usize> {
        let n = self.out.write(b)?;
        if let Some(h) = &mut self.hasher {
            h.update(&b[..n]);
        }
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

impl<'a> StreamSink<'a> {
    fn new(out: &'a mut dyn Write, hasher: Option<BackgroundHasher>) -> StreamSink<'a> {
        StreamSink {
            out: BufWriter::with_capacity(IO_BUFFER, HashingWriter { out, hasher }),
            buf: vec![0u8; IO_BUFFER],
            zeros: vec![0u8; IO_BUFFER], // calloc: untouched zero pages cost no memory
        }
    }

    fn finish(self) -> Result<Option<(Digest, u64)>> {
        let w = self.out.into_inner().map_err(|e| Error::io("writing layer tar", e.into_error()))?;
        w.out.flush().ctx("writing layer tar")?;
        Ok(w.hasher.map(BackgroundHasher::finish))
    }
}

impl Sink for StreamSink<'_> {
    fn bytes(&mut self, b: &[u8]) -> Result<()> {
        self.out.write_all(b).ctx("writing layer tar")
    }
    fn zeros(&mut self, mut n: u64) -> Result<()> {
        while n > 0 {
            let k = self.zeros.len().min(usize::try_from(n).unwrap_or(usize::MAX));
            self.out.write_all(&self.zeros[..k]).ctx("writing layer tar")?;
            n -= k as u64;
        }
        Ok(())
    }
    fn file(&mut self, f: &File, n: u64, name: &Path) -> Result<()> {
        let out = &mut self.out;
        copy_through(f, 0, n, name, &mut self.buf, |b| out.write_all(b).ctx("writing layer tar"))
    }
}

struct FileSink<'a> {
    out: BufWriter<&'a File>,
    buf: Vec<u8>,
    /// Cleared once the kernel says it cannot copy between these files.
    copy: bool,
}

impl Sink for FileSink<'_> {
    fn bytes(&mut self, b: &[u8]) -> Result<()> {
        self.out.write_all(b).ctx("writing layer tar")
    }

    fn zeros(&mut self, n: u64) -> Result<()> {
        if n >= IO_BUFFER as u64 {
            self.out.flush().ctx("writing layer tar")?;
            let mut f = *self.out.get_ref();
            let pos = f.stream_position().ctx("seeking layer tar")?;
            if pos == f.metadata().ctx("stat layer tar")?.len() {
                // Appending: extend the file, leaving a hole.
                f.set_len(pos + n).ctx("extending layer tar")?;
                f.seek(SeekFrom::Start(pos + n)).ctx("seeking layer tar")?;
                return Ok(());
            }
        }
        let mut left = n;
        while left > 0 {
            let k = self.buf.len().min(usize::try_from(left).unwrap_or(usize::MAX));
            self.buf[..k].fill(0);
            self.out.write_all(&self.buf[..k]).ctx("writing layer tar")?;
            left -= k as u64;
        }
        Ok(())
    }

    fn file(&mut self, f: &File, n: u64, name: &Path) -> Result<()> {
        let mut off = 0u64;
        // Small payloads go through the buffer: a flush per file costs more than the copy.
        if self.copy && n >= IO_BUFFER as u64 {
            self.out.flush().ctx("writing layer tar")?;
            let out = *self.out.get_ref();
            while off < n {
                let want = usize::try_from(n - off).unwrap_or(usize::MAX).min(1 << 30);
                match rustix::fs::copy_file_range(f, Some(&mut off), out, None, want) {
                    Ok(0) => return Err(short_file(name)),
                    Ok(_) | Err(Errno::INTR) => {}
                    // Not between these files (other filesystems, old kernels): copy by hand.
                    Err(Errno::XDEV | Errno::INVAL | Errno::NOSYS | Errno::OPNOTSUPP) => {
                        self.copy = false;
                        break;
                    }
                    Err(e) => return Err(Error::io("copying into layer tar", e)),
                }
            }
        }
        let out = &mut self.out;
        copy_through(f, off, n, name, &mut self.buf, |b| out.write_all(b).ctx("writing layer tar"))
    }
}

/// Read the split of `layer_dir` and send the tar bytes it describes to `sink`.
fn run(layer_dir: &Path, sink: &mut dyn Sink) -> Result<u64> {
    let layer = RootDir::open(layer_dir)?;
    let corrupt = || Error::corrupt(format!("tar-split of layer {} is corrupt", layer_dir.display()));
    let split = File::from(
        layer
            .open_in(Path::new(SPLIT_FILE), OFlags::RDONLY | OFlags::NOFOLLOW, Mode::empty())
            .ctx(format_args!("open {}/{SPLIT_FILE}", layer_dir.display()))?,
    );
    let len = split.metadata().ctx("stat tar-split")?.len();
    let mut footer = [0u8; 16];
    if len < (MAGIC.len() + 1 + footer.len()) as u64 {
        return Err(corrupt());
    }
    split.read_exact_at(&mut footer, len - 16).ctx("reading tar-split")?;
    let table_at = u64::from_le_bytes(footer[..8].try_into().expect("8 bytes"));
    if &footer[8..] != MAGIC || table_at < MAGIC.len() as u64 || table_at > len - 16 {
        return Err(corrupt());
    }

    let mut table = BufReader::new(ReadAt { f: &split, off: table_at, end: len - 16 });
    let count = get_varint(&mut table).ok_or_else(corrupt)?;
    let mut files = Vec::new();
    for _ in 0..count {
        let size = get_varint(&mut table).ok_or_else(corrupt)?;
        let plen = get_varint(&mut table).ok_or_else(corrupt)?;
        if plen > 1 << 16 {
            return Err(corrupt());
        }
        let mut p = vec![0u8; plen as usize];
        table.read_exact(&mut p).map_err(|_| corrupt())?;
        files.push((PathBuf::from(std::ffi::OsStr::from_bytes(&p)), size));
    }

    let mut records = BufReader::with_capacity(IO_BUFFER, ReadAt { f: &split, off: 0, end: table_at });
    let mut magic = [0u8; 8];
    records.read_exact(&mut magic).map_err(|_| corrupt())?;
    if &magic != MAGIC {
        return Err(corrupt());
    }
    let mut total = 0u64;
    loop {
        let mut tag = [0u8];
        records.read_exact(&mut tag).map_err(|_| corrupt())?;
        match tag[0] {
            END => return Ok(total),
            RAW => {
                let mut n = get_varint(&mut records).ok_or_else(corrupt)?;
                total += n;
                while n > 0 {
                    let chunk = records.fill_buf().ctx("reading tar-split")?;
                    if chunk.is_empty() {
                        return Err(corrupt());
                    }
                    let k = chunk.len().min(usize::try_from(n).unwrap_or(usize::MAX));
                    sink.bytes(&chunk[..k])?;
                    records.consume(k);
                    n -= k as u64;
                }
            }
            ZEROS => {
                let n = get_varint(&mut records).ok_or_else(corrupt)?;
                total += n;
                sink.zeros(n)?;
            }
            FILE => {
                let id = get_varint(&mut records).ok_or_else(corrupt)?;
                let (path, size) = files.get(id as usize).ok_or_else(corrupt)?;
                let f = match layer.open_in(path, OFlags::RDONLY | OFlags::NOFOLLOW, Mode::empty()) {
                    Ok(fd) => File::from(fd),
                    Err(Errno::NOENT) => {
                        return Err(Error::corrupt(format!("layer file {} is missing", path.display())))
                    }
                    Err(e) => return Err(Error::io(format_args!("open layer file {}", path.display()), e)),
                };
                sink.file(&f, *size, path)?;
                total += size;
            }
            _ => return Err(corrupt()),
        }
    }
}

fn get_varint(r: &mut impl Read) -> Option<u64> {
    let mut v = 0u64;
    for shift in (0..64).step_by(7) {
        let mut b = [0u8];
        r.read_exact(&mut b).ok()?;
        v |= u64::from(b[0] & 0x7f) << shift;
        if b[0] & 0x80 == 0 {
            return Some(v);
        }
    }
    None
}

/// A byte range of a file as a `Read`, by offset (no shared file position).
struct ReadAt<'a> {
    f: &'a File,
    off: u64,
    end: u64,
}

impl Read for ReadAt<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let want = buf.len().min(usize::try_from(self.end - self.off).unwrap_or(usize::MAX));
        let n = self.f.read_at(&mut buf[..want], self.off)?;
        self.off += n as u64;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_scans() {
        let mut d = vec![0u8; 100];
        d[37] = 1;
        assert_eq!(zero_prefix(&d), 37);
        assert_eq!(nonzero_prefix(&d[37..]), 1);
        assert_eq!(zero_prefix(&[0u8; 64]), 64);
        assert_eq!(nonzero_prefix(&[1u8; 20]), 20);
        let mut e = vec![9u8; 40];
        e[33] = 0;
        assert_eq!(nonzero_prefix(&e), 33);
    }

    #[test]
    fn raw_and_zero_records_reassemble() {
        let t = tempfile::tempdir().unwrap();
        let mut stream = Vec::new();
        let mut w = SplitWriter::new(File::create(t.path().join(SPLIT_FILE)).unwrap()).unwrap();
        let mut push = |w: &mut SplitWriter, b: &[u8]| {
            stream.extend_from_slice(b);
            w.raw(b).unwrap();
        };
        push(&mut w, b"header\0\0\0x");
        push(&mut w, &[0u8; 5000]);
        push(&mut w, &[0u8; 7]);
        push(&mut w, b"tail");
        push(&mut w, &(0..3000u32).map(|i| (i % 7) as u8).collect::<Vec<_>>());
        push(&mut w, &[0u8; 10 << 20]);
        w.finish().unwrap();
        let split_len = std::fs::metadata(t.path().join(SPLIT_FILE)).unwrap().len();
        assert!(split_len < 4000, "{split_len}");

        let mut out = Vec::new();
        assert_eq!(reassemble(t.path(), &mut out).unwrap(), stream.len() as u64);
        assert!(out == stream);
        let good = Digest::of(&stream);
        reassemble_verified(t.path(), &good, &mut Vec::new()).unwrap();
        let e = reassemble_verified(t.path(), &Digest::of(b"x"), &mut Vec::new()).unwrap_err();
        assert_eq!(e.kind(), crate::ErrorKind::Corrupt);
        assert_eq!(e.message(), format!("layer {} failed verification", Digest::of(b"x")));

        let f = File::options().read(true).write(true).create(true).truncate(true).open(t.path().join("out")).unwrap();
        assert_eq!(reassemble_to_file(t.path(), &f).unwrap(), stream.len() as u64);
        assert!(std::fs::read(t.path().join("out")).unwrap() == stream);
    }

    #[test]
    fn relocation_follows_prefixes() {
        let t = tempfile::tempdir().unwrap();
        let mut w = SplitWriter::new(File::create(t.path().join(SPLIT_FILE)).unwrap()).unwrap();
        w.payload(Path::new("a/b"), 1).unwrap();
        w.payload(Path::new("a-b"), 1).unwrap();
        w.payload(Path::new("ab"), 1).unwrap();
        assert!(w.holds(Path::new("a")));
        assert!(!w.holds(Path::new("a/c")));
        w.relocate(Path::new("a"), Path::new("dup/0"));
        assert!(!w.holds(Path::new("a")));
        assert!(w.holds(Path::new("a-b")) && w.holds(Path::new("ab")));
        assert_eq!(w.table[0].0, Path::new("dup/0/b"));
        assert_eq!(w.table[1].0, Path::new("diff/a-b"));
    }

    #[test]
    fn corrupt_split_is_reported() {
        let t = tempfile::tempdir().unwrap();
        std::fs::write(t.path().join(SPLIT_FILE), b"LDSPLIT1garbage-garbage-garbage").unwrap();
        let e = reassemble(t.path(), &mut Vec::new()).unwrap_err();
        assert_eq!(e.kind(), crate::ErrorKind::Corrupt);
    }
}
