//! Compression of layer blobs: detection by magic bytes and streaming decompression.
//!
//! Everything is decoded in process (security.md §1.2: no `xz`/`unpigz` helper is ever executed),
//! with a bounded amount of memory whatever the input: the decoders' windows are capped, and a
//! truncated or corrupt stream is an `InvalidArgument` error that names the format.

use crate::error::{Error, Result};
use std::io::{self, BufReader, Read};

/// How a layer blob is compressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Compression {
    None,
    Gzip,
    Bzip2,
    Xz,
    Zstd,
}

/// The longest magic number we look for (xz).
const MAGIC_LEN: usize = 6;
/// Input buffer of the decoders: large reads of the compressed stream.
const INPUT_BUFFER: usize = 256 << 10;
/// xz states its dictionary size in its header; refuse streams that would need more than this
/// (`xz -9` needs 65 MiB).
const XZ_MEMLIMIT: u64 = 128 << 20;
/// zstd's default decoder limit (2^27 = 128 MiB window), stated so it cannot change under us.
const ZSTD_WINDOW_LOG_MAX: u32 = 27;

impl Compression {
    /// The format of a stream, from its first bytes (at least 6 for a sure answer).
    pub fn detect(head: &[u8]) -> Compression {
        if head.starts_with(&[0x1f, 0x8b]) {
            Compression::Gzip
        } else if head.starts_with(b"BZh") {
            Compression::Bzip2
        } else if head.starts_with(&[0xfd, b'7', b'z', b'X', b'Z', 0x00]) {
            Compression::Xz
        } else if head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
            Compression::Zstd
        } else {
            Compression::None
        }
    }

    /// Lower-case name, as used in messages and media types.
    pub fn name(self) -> &'static str {
        match self {
            Compression::None => "uncompressed",
            Compression::Gzip => "gzip",
            Compression::Bzip2 => "bzip2",
            Compression::Xz => "xz",
            Compression::Zstd => "zstd",
        }
    }
}

/// A reader whose first bytes were read to detect its format and are handed out again first.
pub type Peeked<R> = io::Chain<io::Cursor<Vec<u8>>, R>;

/// Read the first bytes of `input` to detect its compression; the returned reader yields the whole
/// stream, those bytes included.
pub fn peek<R: Read>(mut input: R) -> Result<(Compression, Peeked<R>)> {
    let mut head = vec![0u8; MAGIC_LEN];
    let mut n = 0;
    while n < MAGIC_LEN {
        match input.read(&mut head[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(Error::io("reading input", e)),
        }
    }
    head.truncate(n);
    Ok((Compression::detect(&head), io::Cursor::new(head).chain(input)))
}

/// A reader that decompresses `input` as `kind`. Errors of `input` itself come out unchanged;
/// errors of the decoder become `InvalidArgument` errors that name the format.
pub fn decoder<'a, R: Read + 'a>(kind: Compression, input: R) -> Result<Box<dyn Read + 'a>> {
    let input = BufReader::with_capacity(INPUT_BUFFER, InputErrors(input));
    let inner: Box<dyn Read + 'a> = match kind {
        Compression::None => return Ok(Box::new(input)),
        // Multi-member gzip and bzip2, concatenated xz: what Go's readers and the tools accept.
        Compression::Gzip => Box::new(flate2::bufread::MultiGzDecoder::new(input)),
        Compression::Bzip2 => Box::new(bzip2::bufread::MultiBzDecoder::new(input)),
        Compression::Xz => {
            let stream = liblzma::stream::Stream::new_stream_decoder(XZ_MEMLIMIT, liblzma::stream::CONCATENATED)
                .map_err(|e| Error::internal(format!("xz decoder: {e}")))?;
            Box::new(liblzma::bufread::XzDecoder::new_stream(input, stream))
        }
        Compression::Zstd => {
            let mut d = zstd::stream::read::Decoder::with_buffer(input)
                .map_err(|e| Error::internal(format!("zstd decoder: {e}")))?;
            d.window_log_max(ZSTD_WINDOW_LOG_MAX).map_err(|e| Error::internal(format!("zstd decoder: {e}")))?;
            Box::new(d)
        }
    };
    Ok(Box::new(DecoderErrors { inner, kind, done: false }))
}

/// [`peek`] then [`decoder`]: the detected format and the decompressed stream.
pub fn decompress<'a, R: Read + 'a>(input: R) -> Result<(Compression, Box<dyn Read + 'a>)> {
    let (kind, peeked) = peek(input)?;
    Ok((kind, decoder(kind, peeked)?))
}

/// Marks errors of the underlying input as ours, so that [`DecoderErrors`] tells them apart from
/// the decoder's complaints about the data.
struct InputErrors<R>(R);

impl<R: Read> Read for InputErrors<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.0.read(buf).map_err(|e| Error::io("reading input", e).into_io())
    }
}

struct DecoderErrors<'a> {
    inner: Box<dyn Read + 'a>,
    kind: Compression,
    done: bool,
}

impl Read for DecoderErrors<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.done || buf.is_empty() {
            return Ok(0);
        }
        match self.inner.read(buf) {
            Ok(0) => {
                self.done = true;
                Ok(0)
            }
            Ok(n) => Ok(n),
            Err(e) if e.get_ref().is_some_and(|i| i.is::<Error>()) => Err(e),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => Err(e),
            Err(e) => {
                let name = self.kind.name();
                let err = if e.kind() == io::ErrorKind::UnexpectedEof {
                    Error::invalid(format!("{name} stream is truncated"))
                } else {
                    Error::invalid(format!("{name} stream is corrupt: {e}"))
                };
                Err(err.into_io())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;
    use std::io::Write;

    fn compress(kind: Compression, data: &[u8]) -> Vec<u8> {
        match kind {
            Compression::None => data.to_vec(),
            Compression::Gzip => {
                let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
                e.write_all(data).unwrap();
                e.finish().unwrap()
            }
            Compression::Bzip2 => {
                let mut e = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::fast());
                e.write_all(data).unwrap();
                e.finish().unwrap()
            }
            Compression::Xz => {
                let mut e = liblzma::write::XzEncoder::new(Vec::new(), 1);
                e.write_all(data).unwrap();
                e.finish().unwrap()
            }
            Compression::Zstd => zstd::encode_all(data, 1).unwrap(),
        }
    }

    const ALL: [Compression; 5] =
        [Compression::None, Compression::Gzip, Compression::Bzip2, Compression::Xz, Compression::Zstd];

    fn sample() -> Vec<u8> {
        (0..200_000u32).flat_map(|i| (i % 251).to_le_bytes()).collect()
    }

    #[test]
    fn round_trips_and_detects() {
        let data = sample();
        for kind in ALL {
            let packed = compress(kind, &data);
            let (got, mut r) = decompress(&packed[..]).unwrap();
            assert_eq!(got, kind);
            let mut out = Vec::new();
            r.read_to_end(&mut out).unwrap();
            assert_eq!(out, data, "{kind:?}");
        }
    }

    #[test]
    fn short_and_empty_inputs_are_uncompressed() {
        for input in [&b""[..], b"\x1f", b"BZ"] {
            let (kind, mut r) = decompress(input).unwrap();
            assert_eq!(kind, Compression::None);
            let mut out = Vec::new();
            r.read_to_end(&mut out).unwrap();
            assert_eq!(out, input);
        }
    }

    #[test]
    fn truncated_streams_name_their_format() {
        let data = sample();
        for kind in ALL.into_iter().skip(1) {
            let full = compress(kind, &data);
            let cut = &full[..full.len() / 2];
            let (_, mut r) = decompress(cut).unwrap();
            let err = Error::io("read", r.read_to_end(&mut Vec::new()).unwrap_err());
            assert_eq!(err.kind(), ErrorKind::InvalidArgument, "{kind:?}: {err}");
            assert_eq!(err.message(), format!("{} stream is truncated", kind.name()));
        }
    }

    #[test]
    fn corrupt_streams_name_their_format() {
        let data = sample();
        for kind in ALL.into_iter().skip(1) {
            let mut bad = compress(kind, &data);
            let mid = bad.len() / 2;
            for b in &mut bad[mid..mid + 64] {
                *b ^= 0x5a;
            }
            let (_, mut r) = decompress(&bad[..]).unwrap();
            let err = Error::io("read", r.read_to_end(&mut Vec::new()).unwrap_err());
            assert_eq!(err.kind(), ErrorKind::InvalidArgument, "{kind:?}: {err}");
            assert!(err.message().starts_with(kind.name()), "{err}");
        }
    }

    #[test]
    fn input_errors_pass_through() {
        struct Failing;
        impl Read for Failing {
            fn read(&mut self, _: &mut [u8]) -> io::Result<usize> {
                Err(Error::conflict("disk on fire").into_io())
            }
        }
        let (_, mut r) =
            decompress(io::Cursor::new(compress(Compression::Gzip, b"x")[..8].to_vec()).chain(Failing)).unwrap();
        let err = Error::io("read", r.read_to_end(&mut Vec::new()).unwrap_err());
        assert_eq!(err, Error::conflict("disk on fire"));
    }
}
