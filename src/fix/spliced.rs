//! Text made of pieces of other text, read in place: a removal's new bytes are the bytes read
//! under the lock with some ranges cut out, and they are checked, hashed, written and compared
//! piece by piece, never put together in memory (issue 15: the new text was a second copy of
//! half the credentials file at the write's peak, 2.6 MB of a 10,000-entry `fix`, 13 MB of a
//! 50,000-entry one).

use std::borrow::Cow;
use std::io::{self, Read};

use sha2::{Digest, Sha256};

/// What an edit makes of the bytes it was given: new bytes, or those bytes with some ranges
/// cut out (kept as the ranges that stay, so nothing is copied).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NewText {
    Bytes(Vec<u8>),
    /// The byte ranges (`from`, `to`) of the edit's input that stay, in order, not
    /// overlapping.
    Kept(Vec<(usize, usize)>),
}

impl From<Vec<u8>> for NewText {
    fn from(bytes: Vec<u8>) -> Self {
        NewText::Bytes(bytes)
    }
}

impl NewText {
    /// The text itself, `base` being the bytes the edit was given.
    pub fn over<'a>(&'a self, base: &'a [u8]) -> Spliced<'a> {
        match self {
            NewText::Bytes(bytes) => Spliced::whole(bytes),
            NewText::Kept(kept) => Spliced::new(base, kept),
        }
    }

    /// The text as one buffer (for the Keychain item, a few kilobytes written through
    /// `security`).
    pub fn into_bytes(self, base: &[u8]) -> Vec<u8> {
        match self {
            NewText::Bytes(bytes) => bytes,
            NewText::Kept(kept) => Spliced::new(base, &kept).to_vec(),
        }
    }
}

/// The ranges of `0..len` that the sorted, non-overlapping `cuts` leave (empty ones dropped).
pub fn kept_between(len: usize, cuts: &[(usize, usize)]) -> Vec<(usize, usize)> {
    let mut kept = Vec::with_capacity(cuts.len() + 1);
    let mut at = 0;
    for &(from, to) in cuts {
        if from > at {
            kept.push((at, from));
        }
        at = at.max(to);
    }
    if len > at {
        kept.push((at, len));
    }
    kept
}

/// Pieces of `base`, read as one text.
#[derive(Debug, Clone)]
pub struct Spliced<'a> {
    base: &'a [u8],
    /// The pieces as ranges of `base`, none empty, each within `base`.
    pieces: Cow<'a, [(usize, usize)]>,
    /// Where each piece starts in the text.
    starts: Vec<usize>,
    len: usize,
}

impl<'a> Spliced<'a> {
    /// All of `bytes`, as one piece.
    pub fn whole(bytes: &'a [u8]) -> Self {
        let pieces: Vec<(usize, usize)> = if bytes.is_empty() {
            Vec::new()
        } else {
            vec![(0, bytes.len())]
        };
        Self::of(bytes, Cow::Owned(pieces))
    }

    /// The ranges `kept` of `base`, in that order. A range that is empty or reaches past
    /// `base` is clipped to what `base` holds (the caller's ranges come from spans of `base`).
    pub fn new(base: &'a [u8], kept: &'a [(usize, usize)]) -> Self {
        let valid = kept.iter().all(|&(from, to)| from < to && to <= base.len());
        let pieces = if valid {
            Cow::Borrowed(kept)
        } else {
            Cow::Owned(
                kept.iter()
                    .map(|&(from, to)| (from.min(base.len()), to.min(base.len())))
                    .filter(|(from, to)| from < to)
                    .collect(),
            )
        };
        Self::of(base, pieces)
    }

    fn of(base: &'a [u8], pieces: Cow<'a, [(usize, usize)]>) -> Self {
        let mut starts = Vec::with_capacity(pieces.len());
        let mut len = 0;
        for &(from, to) in pieces.iter() {
            starts.push(len);
            len += to - from;
        }
        Self {
            base,
            pieces,
            starts,
            len,
        }
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The pieces, in order.
    pub fn pieces(&self) -> impl Iterator<Item = &'a [u8]> + '_ {
        let base = self.base;
        self.pieces.iter().map(move |&(from, to)| &base[from..to])
    }

    /// The index of the piece that holds the text's byte `at` (`at < len`).
    fn piece_at(&self, at: usize) -> usize {
        self.starts.partition_point(|&start| start <= at) - 1
    }

    /// The text's bytes `from..to` when they lie in one piece (always, for [`Spliced::whole`]);
    /// `None` when they straddle pieces or reach past the end. An empty range is `Some`.
    pub fn slice(&self, from: usize, to: usize) -> Option<&'a [u8]> {
        if from > to || to > self.len {
            return None;
        }
        if from == to {
            return Some(&self.base[..0]);
        }
        let i = self.piece_at(from);
        let (start, end) = self.pieces[i];
        let offset = from - self.starts[i];
        (to - from <= end - start - offset)
            .then(|| &self.base[start + offset..start + offset + (to - from)])
    }

    /// The text's byte at `at`.
    pub fn get(&self, at: usize) -> Option<u8> {
        self.slice(at, at + 1).map(|b| b[0])
    }

    /// Whether the text's bytes `from..to` are exactly `other` (compared piece by piece).
    pub fn eq_range(&self, from: usize, to: usize, other: &[u8]) -> bool {
        if from > to || to > self.len || to - from != other.len() {
            return false;
        }
        let mut at = from;
        let mut rest = other;
        while !rest.is_empty() {
            let i = self.piece_at(at);
            let (start, end) = self.pieces[i];
            let offset = at - self.starts[i];
            let n = (end - start - offset).min(rest.len());
            if self.base[start + offset..start + offset + n] != rest[..n] {
                return false;
            }
            at += n;
            rest = &rest[n..];
        }
        true
    }

    /// Whether this text's `from..to` and `other`'s `other_from..other_to` hold the same bytes.
    pub fn eq_ranges(
        &self,
        (from, to): (usize, usize),
        other: &Spliced<'_>,
        (other_from, other_to): (usize, usize),
    ) -> bool {
        if from > to || other_from > other_to || to - from != other_to - other_from {
            return false;
        }
        if to > self.len || other_to > other.len {
            return false;
        }
        // Walk `other`'s pieces in the range, each compared with this text's bytes there.
        let mut at = from;
        let mut other_at = other_from;
        while other_at < other_to {
            let i = other.piece_at(other_at);
            let (start, end) = other.pieces[i];
            let offset = other_at - other.starts[i];
            let n = (end - start - offset).min(other_to - other_at);
            let piece = &other.base[start + offset..start + offset + n];
            if !self.eq_range(at, at + n, piece) {
                return false;
            }
            at += n;
            other_at += n;
        }
        true
    }

    /// The text as one buffer: borrowed when it is one piece.
    pub fn contiguous(&self) -> Cow<'a, [u8]> {
        match &self.pieces[..] {
            [] => Cow::Borrowed(&self.base[..0]),
            [(from, to)] => Cow::Borrowed(&self.base[*from..*to]),
            _ => Cow::Owned(self.to_vec()),
        }
    }

    /// A copy of the text.
    pub fn to_vec(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.len);
        for piece in self.pieces() {
            out.extend_from_slice(piece);
        }
        out
    }

    /// The SHA-256 of the text, in lowercase hex (as [`super::backup::sha256_hex`] of it).
    pub fn sha256_hex(&self) -> String {
        let mut hasher = Sha256::new();
        for piece in self.pieces() {
            hasher.update(piece);
        }
        format!("{:x}", hasher.finalize())
    }

    /// Reads the text from its start.
    pub fn reader(&self) -> Reader<'_, 'a> {
        Reader {
            text: self,
            piece: 0,
            offset: 0,
        }
    }
}

/// A [`Spliced`] text as a reader: each read fills as much of the buffer as the text has left,
/// across pieces, so a scanner reading it sees the same chunks as from one slice.
pub struct Reader<'s, 'a> {
    text: &'s Spliced<'a>,
    piece: usize,
    /// How far into the current piece.
    offset: usize,
}

impl Read for Reader<'_, '_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let mut filled = 0;
        while filled < buf.len() {
            let Some(&(start, end)) = self.text.pieces.get(self.piece) else {
                break;
            };
            let from = start + self.offset;
            let n = (end - from).min(buf.len() - filled);
            buf[filled..filled + n].copy_from_slice(&self.text.base[from..from + n]);
            filled += n;
            self.offset += n;
            if from + n == end {
                self.piece += 1;
                self.offset = 0;
            }
        }
        Ok(filled)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Ranges of a text, as [`NewText::Kept`] holds them.
    type Ranges = Vec<(usize, usize)>;

    /// A text and the pieces of it read as one: none, all, many small ones with bytes left out
    /// between some, pieces out of order.
    fn cases() -> Vec<(Vec<u8>, Ranges)> {
        let base: Vec<u8> = (0..=255u8).cycle().take(700).collect();
        vec![
            (base.clone(), vec![]),
            (base.clone(), vec![(0, 700)]),
            (
                base.clone(),
                vec![(0, 1), (1, 2), (5, 9), (9, 300), (301, 700)],
            ),
            (base.clone(), vec![(10, 11)]),
            (base.clone(), vec![(3, 4), (600, 700), (0, 2)]),
            (base, vec![(690, 700), (0, 10)]),
        ]
    }

    fn flat(base: &[u8], kept: &[(usize, usize)]) -> Vec<u8> {
        kept.iter()
            .flat_map(|&(a, b)| base[a..b].iter().copied())
            .collect()
    }

    #[test]
    fn every_view_reads_as_its_pieces_put_together() {
        for (base, kept) in cases() {
            let want = flat(&base, &kept);
            let text = Spliced::new(&base, &kept);
            assert_eq!(text.len(), want.len());
            assert_eq!(text.to_vec(), want);
            assert_eq!(&*text.contiguous(), &want[..]);
            assert_eq!(
                text.sha256_hex(),
                crate::fix::backup::sha256_hex(&want),
                "{kept:?}"
            );
            for size in [1, 2, 7, 64, 1000] {
                let mut got = Vec::new();
                let mut buf = vec![0u8; size];
                let mut reader = text.reader();
                loop {
                    let n = reader.read(&mut buf).unwrap();
                    if n == 0 {
                        break;
                    }
                    // Full reads until the end.
                    assert!(n == size || got.len() + n == want.len());
                    got.extend_from_slice(&buf[..n]);
                }
                assert_eq!(got, want);
            }
            for from in (0..=want.len()).step_by(7) {
                for to in (from..=want.len()).step_by(13) {
                    assert!(text.eq_range(from, to, &want[from..to]));
                    if to > from {
                        let mut other = want[from..to].to_vec();
                        other[(to - from) / 2] ^= 1;
                        assert!(!text.eq_range(from, to, &other));
                        assert!(!text.eq_range(from, to, &want[from..to - 1]));
                    }
                    if let Some(s) = text.slice(from, to) {
                        assert_eq!(s, &want[from..to]);
                    }
                    let whole = Spliced::whole(&want);
                    assert!(whole.eq_ranges((from, to), &text, (from, to)));
                    assert!(text.eq_ranges((from, to), &whole, (from, to)));
                    assert_eq!(whole.slice(from, to), Some(&want[from..to]));
                }
            }
            assert!(!text.eq_range(0, want.len() + 1, &[0; 1]));
            assert_eq!(text.slice(0, want.len() + 1), None);
            for (i, &b) in want.iter().enumerate() {
                assert_eq!(text.get(i), Some(b));
            }
            assert_eq!(text.get(want.len()), None);
        }
    }

    #[test]
    fn a_slice_across_two_pieces_is_none_and_within_one_is_borrowed() {
        let base = b"abcdefgh";
        let kept = [(0, 3), (5, 8)];
        let text = Spliced::new(base, &kept);
        assert_eq!(text.to_vec(), b"abcfgh");
        assert_eq!(text.slice(0, 3), Some(&b"abc"[..]));
        assert_eq!(text.slice(3, 6), Some(&b"fgh"[..]));
        assert_eq!(text.slice(2, 4), None);
        assert!(text.eq_range(2, 4, b"cf"));
        assert!(!text.eq_range(2, 4, b"cd"));
    }

    #[test]
    fn cuts_leave_what_is_between_them() {
        assert_eq!(kept_between(10, &[]), vec![(0, 10)]);
        assert_eq!(kept_between(10, &[(0, 10)]), vec![]);
        assert_eq!(kept_between(10, &[(0, 2), (5, 6)]), vec![(2, 5), (6, 10)]);
        assert_eq!(kept_between(10, &[(2, 5), (5, 7)]), vec![(0, 2), (7, 10)]);
        let base = b"0123456789";
        let kept = kept_between(10, &[(1, 3), (8, 10)]);
        assert_eq!(NewText::Kept(kept).into_bytes(base), b"034567");
    }

    #[test]
    fn ranges_out_of_the_base_are_clipped_not_read() {
        let base = b"abc";
        let kept = [(1, 9), (2, 2), (7, 8)];
        let text = Spliced::new(base, &kept);
        assert_eq!(text.to_vec(), b"bc");
    }
}
