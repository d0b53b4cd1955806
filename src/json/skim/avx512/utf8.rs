//! UTF-8 validation of the blocks the AVX-512 skim takes, while each is in a register: the
//! lookup algorithm of Keiser and Lemire ("Validating UTF-8 In Less Than One Instruction Per
//! Byte", 2021; simdjson's and simdutf8's), on 64 bytes at a time.
//!
//! Why here and not simdutf8 over each string body after the skim: in `~/.claude.json` most of
//! the bytes are pasted history, and most of its long strings hold some non-ASCII text, so a
//! second pass read nearly every byte again (simdutf8 was 18% of `check` on the 200 MB large home
//! after the pass over whole chunks was gone). Here it is ~20 instructions a block, with no second
//! load. simdutf8 (no AVX-512 kernel) stays the validator everywhere else, and the one that finds
//! *where* a body is invalid: this only says valid or not.
//!
//! Each byte is classified with the one before it by three 16-entry tables (the high and low
//! nibble of the byte before, the high nibble of the byte): their AND has a bit set for each rule
//! the pair breaks (too short, too long, overlong, surrogate, too large, two continuations). The
//! third and fourth bytes of 3- and 4-byte sequences come from the bytes two and three back. A
//! string's blocks are checked in order from its first byte, with the block before as the
//! bytes before (zeros for the first: the opening quote is ASCII); the closing block is checked
//! with its bytes from the quote on as zeros, so a sequence cut by the quote is an error.

use std::arch::x86_64::*;

const TOO_SHORT: u8 = 1 << 0;
const TOO_LONG: u8 = 1 << 1;
const OVERLONG_3: u8 = 1 << 2;
const TOO_LARGE: u8 = 1 << 3;
const SURROGATE: u8 = 1 << 4;
const OVERLONG_2: u8 = 1 << 5;
const TOO_LARGE_1000: u8 = 1 << 6;
const OVERLONG_4: u8 = 1 << 6;
const TWO_CONTS: u8 = 1 << 7;
/// The rules whose second byte is any byte: the low nibble of the first says nothing.
const CARRY: u8 = TOO_SHORT | TOO_LONG | TWO_CONTS;

/// By the high nibble of the byte before.
const BYTE_1_HIGH: [u8; 16] = [
    // 0_______: ASCII
    TOO_LONG,
    TOO_LONG,
    TOO_LONG,
    TOO_LONG,
    TOO_LONG,
    TOO_LONG,
    TOO_LONG,
    TOO_LONG,
    // 10______: a continuation
    TWO_CONTS,
    TWO_CONTS,
    TWO_CONTS,
    TWO_CONTS,
    // 1100____: a 2-byte lead, overlong for C0 and C1
    TOO_SHORT | OVERLONG_2,
    // 1101____
    TOO_SHORT,
    // 1110____: a 3-byte lead
    TOO_SHORT | OVERLONG_3 | SURROGATE,
    // 1111____: a 4-byte lead
    TOO_SHORT | TOO_LARGE | TOO_LARGE_1000 | OVERLONG_4,
];

/// By the low nibble of the byte before.
const BYTE_1_LOW: [u8; 16] = [
    // ____0000
    CARRY | OVERLONG_3 | OVERLONG_2 | OVERLONG_4,
    // ____0001
    CARRY | OVERLONG_2,
    // ____001_
    CARRY,
    CARRY,
    // ____0100
    CARRY | TOO_LARGE,
    // ____0101
    CARRY | TOO_LARGE | TOO_LARGE_1000,
    // ____011_
    CARRY | TOO_LARGE | TOO_LARGE_1000,
    CARRY | TOO_LARGE | TOO_LARGE_1000,
    // ____1___
    CARRY | TOO_LARGE | TOO_LARGE_1000,
    CARRY | TOO_LARGE | TOO_LARGE_1000,
    CARRY | TOO_LARGE | TOO_LARGE_1000,
    CARRY | TOO_LARGE | TOO_LARGE_1000,
    CARRY | TOO_LARGE | TOO_LARGE_1000,
    // ____1101: ED, the lead of the surrogates
    CARRY | TOO_LARGE | TOO_LARGE_1000 | SURROGATE,
    CARRY | TOO_LARGE | TOO_LARGE_1000,
    CARRY | TOO_LARGE | TOO_LARGE_1000,
];

/// By the high nibble of the byte itself.
const BYTE_2_HIGH: [u8; 16] = [
    // 0_______: ASCII
    TOO_SHORT,
    TOO_SHORT,
    TOO_SHORT,
    TOO_SHORT,
    TOO_SHORT,
    TOO_SHORT,
    TOO_SHORT,
    TOO_SHORT,
    // 1000____
    TOO_LONG | OVERLONG_2 | TWO_CONTS | OVERLONG_3 | TOO_LARGE_1000 | OVERLONG_4,
    // 1001____
    TOO_LONG | OVERLONG_2 | TWO_CONTS | OVERLONG_3 | TOO_LARGE,
    // 101_____
    TOO_LONG | OVERLONG_2 | TWO_CONTS | SURROGATE | TOO_LARGE,
    TOO_LONG | OVERLONG_2 | TWO_CONTS | SURROGATE | TOO_LARGE,
    // 11______: a lead
    TOO_SHORT,
    TOO_SHORT,
    TOO_SHORT,
    TOO_SHORT,
];

/// The check of one string body's blocks, in order.
pub(in crate::json::skim) struct Utf8Blocks {
    /// The block before (zeros before the first).
    prev: __m512i,
    /// Any bit: a rule broken somewhere.
    errors: __m512i,
}

impl Utf8Blocks {
    #[target_feature(enable = "avx512f,avx512bw")]
    #[inline]
    pub(in crate::json::skim) fn new() -> Self {
        Self {
            prev: _mm512_setzero_si512(),
            errors: _mm512_setzero_si512(),
        }
    }

    /// Checks the next block, its bytes from `len` on (`len` <= 64) taken as zeros.
    #[target_feature(enable = "avx512f,avx512bw")]
    #[inline]
    pub(in crate::json::skim) fn block(&mut self, block: &[u8; 64], len: usize) {
        // SAFETY: the block is 64 readable bytes; loadu needs no alignment.
        let x = unsafe { _mm512_loadu_si512(block.as_ptr().cast()) };
        let keep = if len >= 64 {
            u64::MAX
        } else {
            (1u64 << len) - 1
        };
        self.check(_mm512_maskz_mov_epi8(keep, x));
    }

    /// Whether every block checked so far was valid UTF-8, ending with a whole character.
    #[target_feature(enable = "avx512f,avx512bw")]
    #[inline]
    pub(in crate::json::skim) fn valid(&self) -> bool {
        _mm512_test_epi8_mask(self.errors, self.errors) == 0
    }

    #[target_feature(enable = "avx512f,avx512bw")]
    #[inline]
    fn check(&mut self, x: __m512i) {
        let table = |t: &[u8; 16]| {
            // SAFETY: each table is 16 readable bytes; loadu needs no alignment.
            _mm512_broadcast_i32x4(unsafe { _mm_loadu_si128(t.as_ptr().cast()) })
        };
        // The 128-bit lane before each lane of `x` (for the first, the last of the block before),
        // so `alignr` can shift bytes in across lanes: the bytes 1, 2 and 3 back.
        let before =
            _mm512_permutex2var_epi64(self.prev, _mm512_set_epi64(13, 12, 11, 10, 9, 8, 7, 6), x);
        let prev1 = _mm512_alignr_epi8(x, before, 15);
        let prev2 = _mm512_alignr_epi8(x, before, 14);
        let prev3 = _mm512_alignr_epi8(x, before, 13);
        let nibble = _mm512_set1_epi8(0x0F);
        let high = |v: __m512i| _mm512_and_si512(_mm512_srli_epi16(v, 4), nibble);
        let byte_1_high = _mm512_shuffle_epi8(table(&BYTE_1_HIGH), high(prev1));
        let byte_1_low = _mm512_shuffle_epi8(table(&BYTE_1_LOW), _mm512_and_si512(prev1, nibble));
        let byte_2_high = _mm512_shuffle_epi8(table(&BYTE_2_HIGH), high(x));
        let special = _mm512_and_si512(_mm512_and_si512(byte_1_high, byte_1_low), byte_2_high);
        // Bytes that must be the third or fourth of a sequence (two after a 111_____ lead, three
        // after a 1111____ one): the one rule the pairs above cannot see; where such a byte is a
        // continuation the pair rules flagged TWO_CONTS (bit 7), which this cancels.
        let third = _mm512_subs_epu8(prev2, _mm512_set1_epi8((0xE0u8 - 0x80) as i8));
        let fourth = _mm512_subs_epu8(prev3, _mm512_set1_epi8((0xF0u8 - 0x80) as i8));
        let must_23 = _mm512_and_si512(_mm512_or_si512(third, fourth), _mm512_set1_epi8(-128));
        self.errors = _mm512_or_si512(self.errors, _mm512_xor_si512(must_23, special));
        self.prev = x;
    }
}
