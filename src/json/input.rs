//! The scanner's input: chunks from a [`Source`] with their byte offset, and the UTF-8 check of
//! the bytes the scanner accepts (`utf8.rs`); copies out the bytes of a value as they pass, and
//! finds runs of plain string bytes a word at a time.

use std::io::{self, Read};

use super::source::{Reader, Source};

mod utf8;

pub(super) const BUF_SIZE: usize = 64 * 1024;

/// Chunks of input that know their offset, with the UTF-8 check of what the scanner accepts, and
/// the bytes of a value copied out as they pass.
pub(super) struct Input<S> {
    src: S,
    pub(super) pos: usize,
    /// The length of the current chunk (`src.filled().len()`, kept here for the hot paths).
    pub(super) end: usize,
    /// File offset of `buf[0]`.
    base: u64,
    eof: bool,
    capture: Option<Vec<u8>>,
    capture_from: usize,
    /// The UTF-8 check, and the offset of the first invalid byte found.
    pub(super) utf8: utf8::Utf8,
}

impl<R: Read> Input<Reader<R>> {
    pub(super) fn new(reader: R) -> Self {
        Self::with_capacity(reader, BUF_SIZE)
    }

    /// A buffer of `capacity` bytes (at most [`BUF_SIZE`]): input known to be shorter reads whole
    /// into a buffer just its size, instead of zeroing 64 KB (16 fresh pages) for a 1 KB file.
    pub(super) fn with_capacity(reader: R, capacity: usize) -> Self {
        Self::from_source(Reader::new(reader, capacity.clamp(1, BUF_SIZE)))
    }
}

impl<S: Source> Input<S> {
    pub(super) fn from_source(src: S) -> Self {
        Self {
            src,
            pos: 0,
            end: 0,
            base: 0,
            eof: false,
            capture: None,
            capture_from: 0,
            utf8: utf8::Utf8::default(),
        }
    }

    /// The current chunk.
    #[inline]
    pub(super) fn bytes(&self) -> &[u8] {
        self.src.filled()
    }

    /// The source's last word, once the scan has ended.
    pub(super) fn finish(&mut self) -> io::Result<()> {
        self.src.finish()
    }

    pub(super) fn offset(&self) -> u64 {
        self.base + self.pos as u64
    }

    pub(super) fn starts_with_bom(&mut self) -> io::Result<bool> {
        while self.end < 3 && !self.eof {
            self.fill_more()?;
        }
        if self.src.filled().starts_with(&[0xEF, 0xBB, 0xBF]) {
            self.pos = 3;
            return Ok(true);
        }
        Ok(false)
    }

    #[inline]
    pub(super) fn peek(&mut self) -> io::Result<Option<u8>> {
        if self.pos < self.end {
            return Ok(Some(self.src.filled()[self.pos]));
        }
        self.refill()?;
        Ok((self.pos < self.end).then(|| self.src.filled()[self.pos]))
    }

    /// Consumes the byte `peek` returned.
    #[inline]
    pub(super) fn bump(&mut self) {
        self.pos += 1;
    }

    /// The buffered bytes not yet consumed.
    #[inline]
    pub(super) fn rest(&self) -> &[u8] {
        &self.src.filled()[self.pos..]
    }

    /// Makes sure a byte is buffered; false at the end of the input.
    #[inline]
    pub(super) fn fill(&mut self) -> io::Result<bool> {
        if self.pos < self.end {
            return Ok(true);
        }
        self.refill()?;
        Ok(self.pos < self.end)
    }

    /// Reads the next chunk once everything buffered is consumed.
    fn refill(&mut self) -> io::Result<()> {
        if self.eof || self.pos < self.end {
            return Ok(());
        }
        if let Some(cap) = self.capture.as_mut() {
            cap.extend_from_slice(&self.src.filled()[self.capture_from..]);
            self.capture_from = 0;
        }
        self.base += self.end as u64;
        self.pos = 0;
        self.end = 0;
        self.src.clear();
        self.fill_more()
    }

    /// Adds bytes to the current chunk (checking ahead, validates their UTF-8).
    fn fill_more(&mut self) -> io::Result<()> {
        let start = self.end;
        let n = self.src.fill()?;
        if n == 0 {
            self.eof = true;
            self.utf8.end();
            return Ok(());
        }
        self.end = start + n;
        if self.utf8.ahead {
            let at = self.base + start as u64;
            self.utf8.check(&self.src.filled()[start..], at, true);
        }
        Ok(())
    }

    /// Validates the piece `from..to` of a string body in the current chunk, unless nothing is
    /// carried into it and `unchecked` is false (the skim saw no byte of 0x80 or above, or
    /// validated them, and the careful path read none of the piece). `more`: the piece ends at
    /// the chunk's end, where the body may go on. Nothing to do when checking ahead.
    #[inline]
    pub(super) fn check_string_utf8(
        &mut self,
        from: usize,
        to: usize,
        unchecked: bool,
        more: bool,
    ) {
        if (unchecked || self.utf8.carrying()) && !self.utf8.ahead {
            let at = self.base + from as u64;
            // At the end of the input nothing follows to complete a sequence cut here (a
            // document read whole by the byte-order-mark look ahead, `"` and a lead byte).
            self.utf8
                .check(&self.src.filled()[from..to], at, more && !self.eof);
        }
    }

    /// The scan stopped at a syntax error, at the current position: judge the bytes there as the
    /// check ahead would have (see `utf8::Utf8::at_stop`).
    pub(super) fn check_utf8_at_stop(&mut self) {
        let at = self.offset();
        let rest = &self.src.filled()[self.pos.min(self.end)..];
        self.utf8.at_stop(rest, at, self.eof);
    }

    pub(super) fn start_capture(&mut self) {
        self.capture = Some(Vec::new());
        self.capture_from = self.pos;
    }

    pub(super) fn finish_capture(&mut self) -> Vec<u8> {
        let mut cap = self.capture.take().unwrap_or_default();
        cap.extend_from_slice(&self.src.filled()[self.capture_from..self.pos]);
        cap
    }
}

/// Why the fast path inside a string stopped.
pub(super) enum StringStop {
    Quote,
    /// An escape that may continue past the buffered bytes.
    Backslash,
    InvalidEscape,
    Control,
}

/// The length of the run of plain string bytes (not `"`, `\\` or a control character) that `s`
/// starts with.
#[inline(always)]
pub(super) fn plain_string_len(s: &[u8]) -> usize {
    let mut n = 0;
    for word in s.chunks_exact(8) {
        let mask = stop_mask(u64::from_le_bytes(word.try_into().expect("8 bytes")));
        if mask != 0 {
            return n + (mask.trailing_zeros() / 8) as usize;
        }
        n += 8;
    }
    let tail = &s[n..];
    n + tail
        .iter()
        .position(|&b| STOPS_STRING[b as usize])
        .unwrap_or(tail.len())
}

/// The length of the run of JSON whitespace that `s` starts with. Pretty-printed files indent
/// every line by two spaces a level (6 to 16 bytes deep in `~/.claude.json`), so whole words
/// of spaces at a time, and the other whitespace byte by byte.
#[inline(always)]
pub(super) fn whitespace_len(s: &[u8]) -> usize {
    let is_ws = |b: u8| matches!(b, b' ' | b'\t' | b'\n' | b'\r');
    let mut n = 0;
    loop {
        match s.get(n) {
            Some(&b) if is_ws(b) => n += 1,
            _ => return n,
        }
        const SPACES: u64 = 0x2020_2020_2020_2020;
        while let Some(word) = s.get(n..n + 8) {
            let other = u64::from_le_bytes(word.try_into().expect("8 bytes")) ^ SPACES;
            if other != 0 {
                // The spaces before the first other byte (which may be whitespace too).
                n += (other.trailing_zeros() / 8) as usize;
                break;
            }
            n += 8;
        }
    }
}

/// The high bit of each byte of `word` (little-endian) that is `"`, `\\` or below 0x20. Bytes above
/// the first flagged one may be flagged wrongly (a borrow runs upwards), so only the lowest flag is
/// meaningful.
#[inline]
fn stop_mask(word: u64) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let zero_bytes = |x: u64| x.wrapping_sub(ONES) & !x & HIGH;
    zero_bytes(word ^ (ONES * u64::from(b'"')))
        | zero_bytes(word ^ (ONES * u64::from(b'\\')))
        | (word.wrapping_sub(ONES * 0x20) & !word & HIGH)
}

/// Bytes that end the fast path inside a string: `"`, `\` and control characters.
static STOPS_STRING: [bool; 256] = {
    let mut t = [false; 256];
    let mut i = 0;
    while i < 0x20 {
        t[i] = true;
        i += 1;
    }
    t[b'"' as usize] = true;
    t[b'\\' as usize] = true;
    t
};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::scan::{ScanReport, SyntaxErrorKind, ValidateOnly, scan};

    fn check(text: &[u8]) -> ScanReport {
        scan(text, &mut ValidateOnly).unwrap()
    }

    #[test]
    fn finds_the_first_stop_byte_word_at_a_time() {
        // Every stop kind at every position of a word and of the tail, after plain bytes of every
        // kind (ASCII, non-ASCII, bytes just above each stop).
        let fillers = [b'a', b' ', 0x21, 0x23, 0x5b, 0x5d, 0x7f, 0x80, 0xc3, 0xff];
        for len in 0..40 {
            for at in 0..=len {
                for &stop in &[b'"', b'\\', 0x00, 0x01, 0x0a, 0x1f] {
                    for &fill in &fillers {
                        let mut s = vec![fill; len];
                        if at < len {
                            s[at] = stop;
                            // Stops after the first must not matter.
                            if at + 1 < len {
                                s[at + 1] = 0x00;
                            }
                        }
                        let want = s
                            .iter()
                            .position(|&b| STOPS_STRING[b as usize])
                            .unwrap_or(len);
                        assert_eq!(plain_string_len(&s), want, "{s:?}");
                    }
                }
            }
        }
    }

    /// Every kind of sequence, whole, cut or wrong, at every offset around the first chunk's end:
    /// the scan reports invalid UTF-8 exactly where `std::str::from_utf8` says it starts.
    #[test]
    fn utf8_around_a_chunk_end_is_judged_as_std_judges_it() {
        let seqs: &[&[u8]] = &[
            b"\xc3\xa9",
            b"\xe2\x82\xac",
            b"\xf0\x9f\x9a\x80",
            b"\xc3",
            b"\xe2\x82",
            b"\xf0\x9f\x9a",
            b"\xa9",
            b"\xa9\xa9\xa9\xa9\xa9",
            b"\xff",
            b"\xe2\x82x",
            b"\xed\xa0\x80",
            b"\xc3\xa9\xe2\x82\xac\xf0\x9f\x9a\x80",
        ];
        for seq in seqs {
            for at in BUF_SIZE - 8..BUF_SIZE + 2 {
                let mut doc = b"[\"".to_vec();
                doc.resize(at, b'a');
                doc.extend_from_slice(seq);
                doc.extend(std::iter::repeat_n(b'b', 100));
                doc.extend_from_slice(b"\"]");
                let want = std::str::from_utf8(&doc)
                    .err()
                    .map(|e| e.valid_up_to() as u64);
                let got = check(&doc)
                    .error
                    .filter(|e| e.kind == SyntaxErrorKind::InvalidUtf8)
                    .map(|e| e.offset);
                assert_eq!(got, want, "{seq:?} at {at}");
            }
        }
    }

    #[test]
    fn invalid_utf8_split_across_chunks_is_found() {
        // A 3-byte sequence whose third byte is wrong, placed across the first buffer boundary.
        let mut doc = b"[\"".to_vec();
        doc.extend(std::iter::repeat_n(b'a', BUF_SIZE - 3));
        doc.extend_from_slice(&[0xE2, 0x82, b'x', b'"', b']']);
        let r = check(&doc);
        assert_eq!(r.error.map(|e| e.kind), Some(SyntaxErrorKind::InvalidUtf8));
        // The same sequence completed correctly is fine.
        let mut ok = b"[\"".to_vec();
        ok.extend(std::iter::repeat_n(b'a', BUF_SIZE - 3));
        ok.extend_from_slice(&[0xE2, 0x82, 0xAC, b'"', b']']);
        assert_eq!(check(&ok).error, None);
    }
}
