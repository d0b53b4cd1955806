//! UTF-8 validation for the scanner, in one of two ways that report the same first error.
//!
//! - **In strings** (with the AVX-512 skim, `scan::scan_input`): only the string bodies the scanner accepts are validated, a
//!   piece at a time, and only those the skim saw a byte of 0x80 or above in (plus any the careful
//!   path read). Every other byte the scanner accepts is ASCII (whitespace, punctuation, numbers,
//!   literals; a non-ASCII byte anywhere else is a syntax error), so a document whose string
//!   bodies are valid is valid. This replaced a pass of its own over every chunk before the
//!   scanner read it: the first touch of each byte of a 200 MB file, memory-bound, 11-18% of
//!   `check` by perf. Only with the AVX-512 skim, which validates the bodies it skims on the way:
//!   with the others every body holding non-ASCII text is read again by simdutf8, which measured
//!   no faster than the pass ahead (AVX-512 skim without its check: large 82.6 -> 87.4 ms, heavy
//!   85.8 -> 87.1 ms; callgrind, which runs the AVX2 skim, +6% instructions on large).
//! - **Ahead** (with every other kernel): every chunk whole as it is read, as the scanner did
//!   before; the reference the in-string check is tested against (with every kernel).
//!
//! Both give the offset of the first invalid byte the way `std::str::from_utf8`'s `valid_up_to`
//! does, and the scanner reports it when it comes no later than the syntax error it stopped at
//! (`scan::scan_input`). What "ahead" saw of the bytes past the scanner's stop is matched by
//! [`Utf8::at_stop`]: the only such byte that can come no later than the syntax error is the one
//! the scanner stopped at.

/// The state of the check: a sequence cut by the end of a chunk, the first error found.
#[derive(Debug, Default)]
pub(in crate::json) struct Utf8 {
    /// Validate every chunk as it is read (the reference), not the string bodies.
    pub(in crate::json) ahead: bool,
    /// The start of a UTF-8 sequence cut by the end of the previous chunk.
    carry: Vec<u8>,
    /// The file offset of `carry[0]`.
    carry_at: u64,
    /// Offset of the first invalid UTF-8 byte found.
    pub(in crate::json) error: Option<u64>,
}

impl Utf8 {
    /// Whether a piece of string body without a non-ASCII byte still needs [`Self::check`]: to
    /// finish a sequence cut by the chunk before.
    #[inline]
    pub(in crate::json) fn carrying(&self) -> bool {
        !self.carry.is_empty()
    }

    /// Validates `bytes`, at file offset `at`, which follow the bytes checked before (a carried
    /// sequence goes on in them). `more`: they end where the chunk ends, and the bytes after them
    /// (in the next chunk) may finish a sequence they end with; else the byte after them is ASCII
    /// (a string's closing quote, a backslash, a control character) or there is none, and a cut
    /// sequence at their end is an error.
    pub(in crate::json) fn check(&mut self, bytes: &[u8], at: u64, more: bool) {
        if self.error.is_some() {
            return;
        }
        let mut from = 0;
        // Finish a sequence cut by the previous chunk.
        if !self.carry.is_empty() {
            let need = utf8_width(self.carry[0]).saturating_sub(self.carry.len());
            let take = need.min(bytes.len());
            let mut seq = std::mem::take(&mut self.carry);
            seq.extend_from_slice(&bytes[..take]);
            from = take;
            match simdutf8::compat::from_utf8(&seq) {
                Ok(_) => {}
                Err(e) if e.error_len().is_none() && more && from == bytes.len() => {
                    self.carry = seq;
                    return;
                }
                Err(_) => {
                    self.note(self.carry_at);
                    return;
                }
            }
        }
        // simdutf8: the same answer as `std::str::from_utf8` (valid_up_to, error_len), with SIMD
        // chosen at run time; std's validator was 14-34% of `check` on a large home. `basic`
        // first: it only says valid or not, without tracking where, and is faster. Where the
        // bytes may end inside a sequence (`more`: in non-ASCII text a chunk's end often cuts
        // one) it stops short of the last character; those few bytes, or all of them if `basic`
        // refuses, go through `compat`, which gives the place and whether a sequence is only cut.
        let rest = &bytes[from..];
        let last = if more {
            rest.len().saturating_sub(4)
                + rest[rest.len().saturating_sub(4)..]
                    .iter()
                    .rposition(|&b| b & 0xC0 != 0x80)
                    .unwrap_or(0)
        } else {
            rest.len()
        };
        if simdutf8::basic::from_utf8(&rest[..last]).is_ok() {
            if last == rest.len() {
                return;
            }
            from += last;
        }
        if let Err(e) = simdutf8::compat::from_utf8(&bytes[from..]) {
            let bad = from + e.valid_up_to();
            if e.error_len().is_none() && more {
                self.carry = bytes[bad..].to_vec();
                self.carry_at = at + bad as u64;
            } else {
                self.note(at + bad as u64);
            }
        }
    }

    /// The input ended: a sequence still cut is an error.
    pub(in crate::json) fn end(&mut self) {
        if !self.carry.is_empty() {
            self.note(self.carry_at);
            self.carry.clear();
        }
    }

    /// The scanner stopped at a syntax error with `rest` (the current chunk's bytes from file
    /// offset `at`) not read. Checking ahead, the error at `at` would have been found had the
    /// sequence there been invalid: judge it as that check did. Any byte after `at` is past the
    /// syntax error, and every byte before it was read by the scanner (and checked, in strings,
    /// or ASCII).
    pub(in crate::json) fn at_stop(&mut self, rest: &[u8], at: u64, eof: bool) {
        if self.ahead || self.error.is_some() || rest.first().is_none_or(|&b| b < 0x80) {
            return;
        }
        // The sequence at `at` is whole in 4 bytes; cut by the chunk's end, the check ahead
        // carried it (an error only once the input has ended).
        let seq = &rest[..rest.len().min(4)];
        if let Err(e) = simdutf8::compat::from_utf8(seq)
            && e.valid_up_to() == 0
            && (e.error_len().is_some() || eof)
        {
            self.note(at);
        }
    }

    fn note(&mut self, offset: u64) {
        if self.error.is_none() {
            self.error = Some(offset);
        }
    }
}

/// The length of a UTF-8 sequence from its first byte (1 for an invalid lead byte).
fn utf8_width(lead: u8) -> usize {
    match lead {
        0xC0..=0xDF => 2,
        0xE0..=0xEF => 3,
        0xF0..=0xF7 => 4,
        _ => 1,
    }
}
