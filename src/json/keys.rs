//! Duplicate-key detection: the keys of every object being scanned, compared by their decoded
//! identity (`"\u0061"` and `"a"` are the same key to `JSON.parse`).

use std::collections::HashSet;
use std::hash::{BuildHasherDefault, Hasher};

/// The keys of every object being scanned, for duplicate detection without an allocation per key:
/// one byte arena and one index, used as a stack (an object's keys sit above its parent's, and go
/// when it closes).
#[derive(Default)]
pub(super) struct KeyStack {
    /// Identity bytes of the keys (decoded when the key has escapes).
    pub(super) bytes: Vec<u8>,
    /// (hash, start, end) of each key in `bytes`.
    index: Vec<(u64, usize, usize)>,
}

/// One open object's part of the [`KeyStack`].
pub(super) struct ObjectKeys {
    index_from: usize,
    bytes_from: usize,
    /// The hashes, once the object has more keys than a linear search handles well.
    hashes: Option<HashSet<u64, BuildHasherDefault<Prehashed>>>,
}

/// The hasher of a set of [`key_hash`] values: they are hashes already, so the set uses them as
/// they are instead of running SipHash over each (SipHash was ~1% of `check` on a large home:
/// the 5,000-key `projects` object, and every project's 17 keys before the linear search went
/// to 32).
#[derive(Default)]
pub(super) struct Prehashed(u64);

impl Hasher for Prehashed {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        // Only `write_u64` is used; anything else is folded in rather than refused.
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

/// Up to this many keys an object's duplicates are found by a linear search over their hashes.
/// 32, not 16: a project in `~/.claude.json` has 15 to 20 keys, and building a hash set for each
/// of 5,000 projects cost more than comparing up to 32 words.
const LINEAR_KEYS: usize = 32;

impl KeyStack {
    pub(super) fn open(&self) -> ObjectKeys {
        ObjectKeys {
            index_from: self.index.len(),
            bytes_from: self.bytes.len(),
            hashes: None,
        }
    }

    pub(super) fn close(&mut self, keys: ObjectKeys) {
        self.index.truncate(keys.index_from);
        self.bytes.truncate(keys.bytes_from);
    }

    /// Adds the key whose raw bytes (escapes undecoded) start at `start` in the arena. Returns
    /// whether the object already has it, and its identity: escaped and plain spellings of one key
    /// are the same key to `JSON.parse`. A duplicate stays in the arena for the caller to read and
    /// truncate; it is not indexed.
    pub(super) fn insert(&mut self, keys: &mut ObjectKeys, start: usize) -> (bool, &[u8]) {
        // One pass over the raw key for its hash and for whether it has an escape (a `memchr`
        // call per key was ~1% of `check`): a key with one is decoded and hashed again.
        let (mut hash, escaped) = hash_and_escape(&self.bytes[start..]);
        if escaped {
            let decoded = decode_key(&self.bytes[start..]);
            self.bytes.truncate(start);
            self.bytes.extend_from_slice(decoded.as_bytes());
            hash = key_hash(&self.bytes[start..]);
        }
        let end = self.bytes.len();
        let identity = &self.bytes[start..end];
        let members = &self.index[keys.index_from..];
        let maybe = match keys.hashes.as_mut() {
            Some(set) => !set.insert(hash),
            None => members.iter().any(|m| m.0 == hash),
        };
        // Equal hashes are confirmed byte for byte.
        let duplicate = maybe
            && members
                .iter()
                .any(|&(h, s, e)| h == hash && self.bytes[s..e] == *identity);
        if !duplicate {
            self.index.push((hash, start, end));
            let count = self.index.len() - keys.index_from;
            if keys.hashes.is_none() && count > LINEAR_KEYS {
                keys.hashes = Some(self.index[keys.index_from..].iter().map(|m| m.0).collect());
            }
        }
        (duplicate, &self.bytes[start..end])
    }
}

/// A fast 64-bit hash of a key (word at a time); collisions are resolved by comparing bytes.
fn key_hash(bytes: &[u8]) -> u64 {
    hash_and_escape(bytes).0
}

/// [`key_hash`] of `bytes`, and whether they hold a backslash, in one pass over the words.
fn hash_and_escape(bytes: &[u8]) -> (u64, bool) {
    const K: u64 = 0x517c_c1b7_2722_0a95;
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    const BACKSLASHES: u64 = ONES * b'\\' as u64;
    // Non-zero when `x` has a zero byte (which bytes it flags may be wrong; that one exists is
    // not): here, a byte of the word equal to a backslash.
    let zero_byte = |x: u64| x.wrapping_sub(ONES) & !x & HIGH;
    let mut h = (bytes.len() as u64).wrapping_mul(K);
    let mut backslash = 0;
    let mut words = bytes.chunks_exact(8);
    for w in &mut words {
        let w = u64::from_le_bytes(w.try_into().expect("8 bytes"));
        backslash |= zero_byte(w ^ BACKSLASHES);
        h = (h.rotate_left(5) ^ w).wrapping_mul(K);
    }
    // The last word padded with zeros, which are not backslashes.
    let mut last = [0u8; 8];
    last[..words.remainder().len()].copy_from_slice(words.remainder());
    let w = u64::from_le_bytes(last);
    backslash |= zero_byte(w ^ BACKSLASHES);
    h = (h.rotate_left(5) ^ w).wrapping_mul(K);
    (h ^ (h >> 29), backslash != 0)
}

/// Decodes a key's raw bytes (escapes included) into a `String`.
fn decode_key(raw: &[u8]) -> String {
    if !raw.contains(&b'\\') {
        return String::from_utf8_lossy(raw).into_owned();
    }
    let mut quoted = Vec::with_capacity(raw.len() + 2);
    quoted.push(b'"');
    quoted.extend_from_slice(raw);
    quoted.push(b'"');
    serde_json::from_slice::<String>(&quoted)
        .unwrap_or_else(|_| String::from_utf8_lossy(raw).into_owned())
}

/// A key's identity bytes as text, into `out` (cleared first): invalid UTF-8 (reported by the
/// scan as such) replaced as `String::from_utf8_lossy` replaces it. The SIMD check first:
/// `from_utf8_lossy`'s byte loop was 1% of `check` on a large home (90,000 descended keys, most of
/// them project paths).
pub(super) fn key_text(identity: &[u8], out: &mut String) {
    out.clear();
    match simdutf8::basic::from_utf8(identity) {
        Ok(text) => out.push_str(text),
        Err(_) => out.push_str(&String::from_utf8_lossy(identity)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::scan::{ScanReport, ValidateOnly, scan};

    fn check(text: &[u8]) -> ScanReport {
        scan(text, &mut ValidateOnly).unwrap()
    }

    #[test]
    fn finds_duplicates_in_objects_with_many_keys() {
        // Past the linear search: the hash set, and escaped spellings of the same key.
        let mut doc = String::from("{");
        for i in 0..100 {
            doc.push_str(&format!(r#""k{i}": {{"x": 1, "x": 2}}, "#));
        }
        doc.push_str(r#""k7": 0, "k\u0035\u0030": 0, "last": 0}"#);
        let r = check(doc.as_bytes());
        let found: Vec<_> = r
            .duplicates
            .iter()
            .filter(|d| d.object_path.is_empty())
            .map(|d| d.key.as_str())
            .collect();
        assert_eq!(found, vec!["k7", "k50"]);
        // Each inner object has its own "x" twice.
        assert_eq!(r.duplicates.iter().filter(|d| d.key == "x").count(), 100);
    }

    #[test]
    fn a_backslash_is_found_at_every_place_of_every_length() {
        for len in 0..40 {
            for fill in [b'a', 0x5b, 0x5d, 0xdc, 0x00, 0xff] {
                let plain = vec![fill; len];
                assert!(!hash_and_escape(&plain).1, "{plain:?}");
                for at in 0..len {
                    let mut key = plain.clone();
                    key[at] = b'\\';
                    assert!(hash_and_escape(&key).1, "{key:?}");
                }
            }
        }
    }

    #[test]
    fn equal_hashes_of_different_keys_are_not_duplicates() {
        let mut keys = KeyStack::default();
        let mut obj = keys.open();
        let add = |keys: &mut KeyStack, obj: &mut ObjectKeys, k: &str| {
            let start = keys.bytes.len();
            keys.bytes.extend_from_slice(k.as_bytes());
            let (dup, _) = keys.insert(obj, start);
            if dup {
                keys.bytes.truncate(start);
            }
            dup
        };
        assert!(!add(&mut keys, &mut obj, "alpha"));
        // Make "beta" collide with "alpha" in the linear search...
        keys.index[0].0 = key_hash(b"beta");
        assert!(!add(&mut keys, &mut obj, "beta"));
        assert!(add(&mut keys, &mut obj, "beta"));
        for i in 0..LINEAR_KEYS {
            assert!(!add(&mut keys, &mut obj, &format!("k{i}")));
        }
        // ...and "zeta" with something already in the hash set.
        assert!(obj.hashes.is_some());
        obj.hashes.as_mut().unwrap().insert(key_hash(b"zeta"));
        assert!(!add(&mut keys, &mut obj, "zeta"));
        assert!(add(&mut keys, &mut obj, "zeta"));
        assert!(add(&mut keys, &mut obj, "k3"));
        keys.close(obj);
        assert!(keys.bytes.is_empty() && keys.index.is_empty());
    }
}
