//! The AVX-512BW classifier: one 64-byte load per block, and compares that give the `u64` masks
//! directly (`vpcmpb` into a mask register, no `vpmovmskb` per 32-byte half and no shifts and ORs
//! to join the halves). The escape classes use the same nibble tables as the AVX2 version,
//! broadcast to the four 128-bit lanes. The same masks as [`super::classify_scalar`] (tested on
//! every byte value and on random blocks). The bodies it skims to their closing quote are
//! validated as UTF-8 on the way (`utf8.rs`).

use std::arch::x86_64::*;

mod utf8;

use super::{BLOCK, ESCAPABLE_BITS, HEX_BITS, Masks, Skimmed, Structural, blocks, nibble_tables};

/// Whether the CPU has the AVX-512 subsets this kernel uses (F for the 512-bit loads and logic,
/// BW for the byte compares and shuffles).
#[inline]
pub(super) fn available() -> bool {
    std::arch::is_x86_feature_detected!("avx512f")
        && std::arch::is_x86_feature_detected!("avx512bw")
}

#[target_feature(enable = "avx512f,avx512bw")]
#[inline]
fn load(block: &[u8; BLOCK]) -> __m512i {
    // SAFETY: the block is 64 readable bytes; loadu needs no alignment.
    unsafe { _mm512_loadu_si512(block.as_ptr().cast()) }
}

/// Quotes, backslashes, control characters, non-ASCII bytes (`vpmovb2m`: the high bits).
#[target_feature(enable = "avx512f,avx512bw")]
#[inline]
fn structural(block: &[u8; BLOCK]) -> Structural {
    let x = load(block);
    (
        _mm512_cmpeq_epi8_mask(x, _mm512_set1_epi8(b'"' as i8)),
        _mm512_cmpeq_epi8_mask(x, _mm512_set1_epi8(b'\\' as i8)),
        _mm512_cmplt_epu8_mask(x, _mm512_set1_epi8(0x20)),
        _mm512_movepi8_mask(x),
    )
}

/// Escapable characters, `u` and hex digits: the AND of the low- and high-nibble table entries
/// has [`ESCAPABLE_BITS`] or [`HEX_BITS`] set (`vptestmb` gives the mask).
#[target_feature(enable = "avx512f,avx512bw")]
#[inline]
fn escapes(block: &[u8; BLOCK]) -> (u64, u64, u64) {
    const TABLES: ([u8; 16], [u8; 16]) = nibble_tables();
    // SAFETY: each table is 16 readable bytes; loadu needs no alignment.
    let (lo_table, hi_table) = unsafe {
        (
            _mm512_broadcast_i32x4(_mm_loadu_si128(TABLES.0.as_ptr().cast())),
            _mm512_broadcast_i32x4(_mm_loadu_si128(TABLES.1.as_ptr().cast())),
        )
    };
    let x = load(block);
    let nibble = _mm512_set1_epi8(0x0F);
    let lo = _mm512_shuffle_epi8(lo_table, _mm512_and_si512(x, nibble));
    // Bytes >= 0x80 have a high nibble >= 8, where the table is 0.
    let hi_nib = _mm512_and_si512(_mm512_srli_epi16(x, 4), nibble);
    let class = _mm512_and_si512(lo, _mm512_shuffle_epi8(hi_table, hi_nib));
    (
        _mm512_test_epi8_mask(class, _mm512_set1_epi8(ESCAPABLE_BITS as i8)),
        _mm512_cmpeq_epi8_mask(x, _mm512_set1_epi8(b'u' as i8)),
        _mm512_test_epi8_mask(class, _mm512_set1_epi8(HEX_BITS as i8)),
    )
}

/// The classifier on its own, for the differential tests.
///
/// # Safety
///
/// The CPU must have AVX-512F and AVX-512BW ([`available`]).
#[target_feature(enable = "avx512f,avx512bw")]
pub fn classify(block: &[u8; BLOCK]) -> Masks {
    Masks::of(structural(block), escapes(block))
}

/// The block loop with this classifier inlined.
///
/// # Safety
///
/// The CPU must have AVX-512F and AVX-512BW ([`available`]).
#[target_feature(enable = "avx512f,avx512bw")]
pub(super) unsafe fn skim(buf: &[u8], i: usize) -> Skimmed {
    // Closures inherit this function's target features, so the AVX-512 code inlines here.
    let mut utf8 = utf8::Utf8Blocks::new();
    let mut skimmed = blocks::<true>(
        buf,
        i,
        |b| structural(b),
        |b| escapes(b),
        |b, len| utf8.block(b, len),
    );
    // Skimmed to the closing quote, every byte before it checked.
    if skimmed.closed && utf8.valid() {
        skimmed.unchecked = false;
    }
    skimmed
}
