//! An entry's strings in one allocation: its key (of which its name and hash are ranges), and
//! its `serverName`, `serverUrl` and `redirectUri` when they are strings.
//!
//! A `Box<str>` each, with the name and hash as copies of parts of the key, was six allocations
//! and ~190 bytes of heap (with malloc's headers) per entry, plus 96 bytes of the `Entry` itself:
//! at the plan-time peak of a 10,000-entry `fix` that was ~2.8 MB beside a 5.3 MB file (issue
//! 15: peak RSS at most twice the file). Here it is one allocation of exactly their bytes and
//! 32 bytes in the `Entry`.

use std::fmt;

/// The texts, one after another, and where each ends.
#[derive(Clone, PartialEq, Eq)]
pub(super) struct Texts {
    /// The key, then each optional text that is there.
    all: Box<str>,
    /// Where the key, `serverName`, `serverUrl` and `redirectUri` end in `all` (an absent one
    /// ends where the one before it does). Four bytes each: the texts are members of a file
    /// read whole (far below 4 GB, [`crate::store::safe`]'s caps); an end beyond that would be
    /// saturated and read as an empty text, never a panic.
    ends: [u32; 4],
    /// Bit `i` (0 to 2): optional text `i` is there; [`HASHED`]: the key ends in `|` and a
    /// 16-hex hash (`key::split_key`); [`NAMED_AS_KEY`]: `serverName` is the key's name.
    flags: u8,
}

/// The key has a hash ([`Texts::flags`]).
const HASHED: u8 = 1 << 3;
/// `serverName` is there and is the key's name, so it is not held again ([`Texts::flags`]):
/// Claude Code writes it so, ~15 bytes of most entries.
const NAMED_AS_KEY: u8 = 1 << 4;

/// The optional texts, in their order in [`Texts::all`].
#[derive(Clone, Copy)]
pub(super) enum Optional {
    ServerName = 0,
    ServerUrl = 1,
    RedirectUri = 2,
}

/// The length of a hash and the `|` before it.
const HASH_TAIL: usize = 17;

impl Texts {
    /// `key` and the optional texts, in [`Optional`]'s order.
    pub(super) fn new(key: &str, mut optional: [Option<&str>; 3]) -> Self {
        let (name, hash) = super::key::split_key(key);
        let mut flags = if hash.is_some() { HASHED } else { 0 };
        for (i, text) in optional.iter().enumerate() {
            if text.is_some() {
                flags |= 1 << i;
            }
        }
        let server_name = &mut optional[Optional::ServerName as usize];
        if *server_name == Some(name) {
            flags |= NAMED_AS_KEY;
            *server_name = None;
        }
        let len = key.len() + optional.iter().flatten().map(|s| s.len()).sum::<usize>();
        let mut all = String::with_capacity(len);
        all.push_str(key);
        let end = |all: &String| u32::try_from(all.len()).unwrap_or(u32::MAX);
        let mut ends = [end(&all); 4];
        for (i, text) in optional.iter().enumerate() {
            all.push_str(text.unwrap_or_default());
            ends[i + 1] = end(&all);
        }
        Self {
            all: all.into_boxed_str(),
            ends,
            flags,
        }
    }

    /// `all[start..end]`, or `""` if the range is not one (a saturated end: never, see
    /// [`Texts::ends`]).
    fn range(&self, start: u32, end: u32) -> &str {
        self.all.get(start as usize..end as usize).unwrap_or("")
    }

    pub(super) fn key(&self) -> &str {
        self.range(0, self.ends[0])
    }

    /// The part of the key before the hash (the whole key when it has none).
    pub(super) fn name(&self) -> &str {
        let key = self.key();
        match self.flags & HASHED {
            0 => key,
            _ => key
                .len()
                .checked_sub(HASH_TAIL)
                .and_then(|end| key.get(..end))
                .unwrap_or(key),
        }
    }

    /// The 16-hex hash, if the key has one.
    pub(super) fn hash(&self) -> Option<&str> {
        let key = self.key();
        (self.flags & HASHED != 0).then(|| {
            key.len()
                .checked_sub(HASH_TAIL - 1)
                .and_then(|start| key.get(start..))
                .unwrap_or("")
        })
    }

    pub(super) fn optional(&self, which: Optional) -> Option<&str> {
        let i = which as usize;
        if self.flags & (1 << i) == 0 {
            None
        } else if i == Optional::ServerName as usize && self.flags & NAMED_AS_KEY != 0 {
            Some(self.name())
        } else {
            Some(self.range(self.ends[i], self.ends[i + 1]))
        }
    }
}

/// As the separate fields read.
impl fmt::Debug for Texts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Texts")
            .field("key", &self.key())
            .field("name", &self.name())
            .field("hash", &self.hash())
            .field("server_name_field", &self.optional(Optional::ServerName))
            .field("server_url", &self.optional(Optional::ServerUrl))
            .field("redirect_uri", &self.optional(Optional::RedirectUri))
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::key::split_key;

    /// Every combination of present, absent and empty texts, on keys with and without a hash
    /// (and with `|` in the name, non-ASCII text): each text reads back as given, and the name
    /// and hash as `split_key` splits the key.
    #[test]
    fn every_text_reads_back_as_given() {
        let keys = [
            "linear|0123456789abcdef",
            "a|b|fedcba9876543210",
            "plain",
            "",
            "short|0123",
            "not-hex|0123456789abcdeg",
            "é|0123456789ABCDEF",
            "|0123456789abcdef",
        ];
        let options = [
            None,
            Some(""),
            Some("https://x.example/mcp"),
            Some("ü\""),
            Some("a|b"),
        ];
        let (mut seen, mut named) = (0, 0);
        for key in keys {
            let name = [Some(split_key(key).0)];
            for a in options.iter().chain(&name).copied() {
                for b in options {
                    for c in options {
                        let t = Texts::new(key, [a, b, c]);
                        assert_eq!(t.key(), key);
                        assert_eq!((t.name(), t.hash()), split_key(key), "{key}");
                        assert_eq!(t.optional(Optional::ServerName), a);
                        assert_eq!(t.optional(Optional::ServerUrl), b);
                        assert_eq!(t.optional(Optional::RedirectUri), c);
                        seen += usize::from(t.hash().is_some());
                        let is_name = a == Some(split_key(key).0);
                        assert_eq!(t.flags & NAMED_AS_KEY != 0, is_name, "{key} {a:?}");
                        named += usize::from(is_name);
                    }
                }
            }
        }
        assert_eq!(seen, 4 * 6 * 25, "four of the keys have a hash");
        // Each key's own name; `a|b` and `""` for the keys whose names they are.
        assert_eq!(named, (keys.len() + 3) * 25);
    }

    /// One allocation of exactly the texts' bytes.
    #[test]
    fn holds_the_texts_once() {
        let (key, url) = ("n|0123456789abcdef", "http://l:1/cb");
        let t = Texts::new(key, [Some("m"), None, Some(url)]);
        assert_eq!(t.all.len(), key.len() + 1 + url.len());
        let t = Texts::new(key, [Some("n"), None, Some(url)]);
        assert_eq!(t.all.len(), key.len() + url.len());
        assert_eq!(t.optional(Optional::ServerName), Some("n"));
    }
}
