//! Content digests (`sha256:<64 hex>`): image ids, diff ids, chain ids, blob names.

use crate::error::{Error, Result};
use sha2::{Digest as _, Sha256};
use std::fmt;
use std::str::FromStr;

/// A validated `sha256:<64 lowercase hex>` digest.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Digest(String);

impl Digest {
    /// Parse `sha256:<hex>`; the hex must be 64 lowercase hex digits.
    pub fn parse(s: &str) -> Result<Digest> {
        let hex = s
            .strip_prefix("sha256:")
            .ok_or_else(|| Error::invalid(format!("invalid digest {s:?}: only sha256 is supported")))?;
        Digest::from_hex(hex).map_err(|_| Error::invalid(format!("invalid digest {s:?}")))
    }

    /// From 64 hex digits (no algorithm prefix).
    pub fn from_hex(hex: &str) -> Result<Digest> {
        if is_hex64(hex) {
            Ok(Digest(format!("sha256:{hex}")))
        } else {
            Err(Error::invalid(format!("invalid sha256 hex {hex:?}")))
        }
    }

    /// The digest of some bytes.
    pub fn of(bytes: &[u8]) -> Digest {
        Digest::from_raw(&Sha256::digest(bytes))
    }

    pub fn from_raw(raw: &[u8]) -> Digest {
        Digest(format!("sha256:{}", to_hex(raw)))
    }

    /// `sha256:<hex>`
    pub fn as_str(&self) -> &str {
        &self.0
    }
    /// The 64 hex digits.
    pub fn hex(&self) -> &str {
        &self.0[7..]
    }
    /// The 12-digit short form docker prints.
    pub fn short(&self) -> &str {
        &self.0[7..19]
    }

    /// ChainID(L0..n) = sha256(ChainID(L0..n-1) + " " + DiffID(Ln)); ChainID(L0) = DiffID(L0).
    pub fn chain(parent: Option<&Digest>, diff_id: &Digest) -> Digest {
        match parent {
            None => diff_id.clone(),
            Some(p) => Digest::of(format!("{} {}", p.as_str(), diff_id.as_str()).as_bytes()),
        }
    }

    /// Chain ids of a stack of diff ids, bottom first.
    pub fn chain_ids(diff_ids: &[Digest]) -> Vec<Digest> {
        let mut out: Vec<Digest> = Vec::with_capacity(diff_ids.len());
        for d in diff_ids {
            let c = Digest::chain(out.last(), d);
            out.push(c);
        }
        out
    }
}

pub fn is_hex64(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

pub fn to_hex(raw: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(raw.len() * 2);
    for b in raw {
        s.push(HEX[(b >> 4) as usize] as char);
        s.push(HEX[(b & 15) as usize] as char);
    }
    s
}

impl fmt::Display for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
impl fmt::Debug for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
impl FromStr for Digest {
    type Err = Error;
    fn from_str(s: &str) -> Result<Digest> {
        Digest::parse(s)
    }
}
impl serde::Serialize for Digest {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}
impl<'de> serde::Deserialize<'de> for Digest {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Digest, D::Error> {
        let s = String::deserialize(d)?;
        Digest::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// An incremental sha256.
#[derive(Clone, Default)]
pub struct Hasher(Sha256);

impl Hasher {
    pub fn new() -> Hasher {
        Hasher(Sha256::new())
    }
    pub fn update(&mut self, b: &[u8]) {
        self.0.update(b)
    }
    pub fn finish(self) -> Digest {
        Digest::from_raw(&self.0.finalize())
    }
}

/// Hashes everything written through it, on another thread, so that hashing a large stream costs
/// no time on the thread that reads or writes it (2 cores: one extracts, one hashes).
pub struct BackgroundHasher {
    tx: Option<crossbeam_channel::Sender<Vec<u8>>>,
    pool: crossbeam_channel::Receiver<Vec<u8>>,
    join: Option<std::thread::JoinHandle<(Digest, u64)>>,
}

impl BackgroundHasher {
    pub const CHUNK: usize = 1 << 20;

    pub fn new() -> BackgroundHasher {
        // Bounded: at most a few MiB in flight, whatever the input size.
        let (tx, rx) = crossbeam_channel::bounded::<Vec<u8>>(4);
        let (pool_tx, pool) = crossbeam_channel::bounded::<Vec<u8>>(8);
        let join = std::thread::Builder::new()
            .name("sha256".into())
            .spawn(move || {
                let mut h = Hasher::new();
                let mut n = 0u64;
                for buf in rx {
                    h.update(&buf);
                    n += buf.len() as u64;
                    let _ = pool_tx.try_send(buf);
                }
                (h.finish(), n)
            })
            .expect("spawn hasher thread");
        BackgroundHasher { tx: Some(tx), pool, join: Some(join) }
    }

    /// Queue a copy of `data` for hashing.
    pub fn update(&mut self, data: &[u8]) {
        let mut rest = data;
        while !rest.is_empty() {
            let n = rest.len().min(Self::CHUNK);
            let mut buf = self.pool.try_recv().unwrap_or_else(|_| Vec::with_capacity(Self::CHUNK));
            buf.clear();
            buf.extend_from_slice(&rest[..n]);
            if let Some(tx) = &self.tx {
                let _ = tx.send(buf);
            }
            rest = &rest[n..];
        }
    }

    /// The digest and byte count of everything queued.
    pub fn finish(mut self) -> (Digest, u64) {
        self.tx.take();
        self.join.take().expect("joined once").join().expect("hasher thread")
    }
}

impl Default for BackgroundHasher {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for BackgroundHasher {
    fn drop(&mut self) {
        self.tx.take();
        if let Some(j) = self.join.take() {
            let _ = j.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chain_ids_follow_docker() {
        let a = Digest::of(b"a");
        let b = Digest::of(b"b");
        let chain = Digest::chain_ids(&[a.clone(), b.clone()]);
        assert_eq!(chain[0], a);
        assert_eq!(chain[1], Digest::of(format!("{a} {b}").as_bytes()));
    }

    #[test]
    fn background_hasher_matches() {
        let data: Vec<u8> = (0..3_000_000u32).map(|i| i as u8).collect();
        let mut h = BackgroundHasher::new();
        for c in data.chunks(100_000) {
            h.update(c);
        }
        assert_eq!(h.finish(), (Digest::of(&data), data.len() as u64));
    }

    #[test]
    fn parse_rejects_bad() {
        assert!(Digest::parse("sha256:abc").is_err());
        assert!(Digest::parse("md5:00").is_err());
        assert!(Digest::parse(&format!("sha256:{}", "A".repeat(64))).is_err());
        assert!(Digest::parse(&format!("sha256:{}", "a".repeat(64))).is_ok());
    }
}

/// `n` random bytes as hex: container ids (32 bytes = 64 hex, as Docker), staging names.
pub fn random_hex(n: usize) -> String {
    let mut b = vec![0u8; n];
    getrandom::fill(&mut b).expect("getrandom");
    to_hex(&b)
}
