//! String bodies 64 bytes at a time: find the closing quote and prove that nothing before it needs
//! the careful scanner (no control character, every escape valid), with bit masks instead of a
//! branch per escape.
//!
//! Pasted history in `~/.claude.json` has an escape every ~18 bytes; the careful loop in
//! `scan.rs` pays an unpredictable branch for each. Here a block is classified into masks of
//! quotes, backslashes and control characters, escaped positions come from the odd-backslash rule
//! (a byte is escaped when an odd run of backslashes ends right before it), and the escapes are
//! checked as masks too, with the escape state carried from block to block (`carry.rs`).
//! Anything unusual (an invalid escape, a control character) is left to the careful scanner, which
//! reports it with its exact offset: this module only ever says "these bytes are fine" or "ask the
//! careful path".
//!
//! Classification uses AVX-512BW where the CPU has it (`avx512.rs`), else AVX2, else SSE2 on
//! x86_64 (part of the baseline, but still detected at run time), and a portable scalar version
//! elsewhere; all are tested against each other and against the careful scanner
//! (tests/it/speed.rs, and the tests below).

use std::sync::atomic::{AtomicU8, Ordering};

#[cfg(target_arch = "x86_64")]
pub mod avx512;
mod carry;

use carry::blocks;

pub(super) const BLOCK: usize = 64;

/// Per byte of a block, one bit (bit i = byte i).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Masks {
    pub quote: u64,
    pub backslash: u64,
    /// Bytes below 0x20.
    pub control: u64,
    /// Bytes of 0x80 and above: the string needs a UTF-8 check (see `Skimmed::unchecked`).
    pub non_ascii: u64,
    /// Bytes that may follow a backslash: `" \ / b f n r t u`.
    pub escapable: u64,
    pub u: u64,
    /// `0-9 a-f A-F`.
    pub hex: u64,
}

impl Masks {
    /// The masks of a block from a kernel's two halves: its structural masks (quotes,
    /// backslashes, control characters, non-ASCII bytes) and its escape classes (escapable, `u`,
    /// hex).
    #[inline(always)]
    pub(super) fn of(
        (quote, backslash, control, non_ascii): Structural,
        (escapable, u, hex): (u64, u64, u64),
    ) -> Self {
        Self {
            quote,
            backslash,
            control,
            non_ascii,
            escapable,
            u,
            hex,
        }
    }
}

/// A block's structural masks: quotes, backslashes, control characters and bytes of 0x80 and
/// above, in that order.
pub(super) type Structural = (u64, u64, u64, u64);

/// What [`skim`] found: where the careful scanner goes on, whether that is the closing quote, and
/// whether the bytes skimmed (before `next`) still need a UTF-8 check. A body without a byte of
/// 0x80 or above is ASCII, so valid UTF-8; the AVX-512 kernel also validates the bodies it skims
/// to their closing quote. The scanner validates only the bodies this says need it
/// (`Input::check_string_utf8`), instead of every byte of the file in a pass of its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Skimmed {
    pub next: usize,
    pub closed: bool,
    /// Never false for bytes that are not valid UTF-8 (or may not be: a sequence cut by `next`
    /// short of a closing quote). May be true for valid ones: for any non-ASCII byte where the
    /// kernel does not validate, and for bytes a block skimmed past the careful scanner's restart.
    pub unchecked: bool,
}

/// Which classifier to use: chosen at run time, or forced (tests, benchmarks).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Strategy {
    /// The best the CPU has: AVX-512BW, else AVX2, else SSE2, else scalar masks.
    Auto,
    /// AVX2 masks where the CPU has AVX2 (else as [`Strategy::Sse2`]).
    Avx2,
    /// SSE2 masks (x86_64; elsewhere the scalar ones).
    Sse2,
    /// The portable mask code.
    Scalar,
    /// No skimming at all: every string goes through the careful scanner.
    Careful,
}

/// A resolved strategy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kernel {
    /// One 64-byte load and mask compares (`avx512.rs`).
    Avx512,
    /// Two 32-byte halves joined by `movemask`.
    Avx2,
    /// Four 16-byte quarters.
    Sse2,
    /// The portable masks.
    Scalar,
    /// No skim: every string byte through the careful scanner.
    Careful,
}

static STRATEGY: AtomicU8 = AtomicU8::new(0);

/// Forces a strategy for the whole process (for differential tests and measurements).
pub fn set_strategy(s: Strategy) {
    STRATEGY.store(
        match s {
            Strategy::Auto => 0,
            Strategy::Sse2 => 1,
            Strategy::Scalar => 2,
            Strategy::Careful => 3,
            Strategy::Avx2 => 4,
        },
        Ordering::Relaxed,
    );
}

/// The kernel for the strategy in force, checked against the CPU at run time.
#[inline]
pub(super) fn kernel() -> Kernel {
    match STRATEGY.load(Ordering::Relaxed) {
        0 if has_avx512() => Kernel::Avx512,
        0 | 4 if has_avx2() => Kernel::Avx2,
        0 | 1 | 4 if has_sse2() => Kernel::Sse2,
        3 => Kernel::Careful,
        _ => Kernel::Scalar,
    }
}

/// Every kernel this CPU can run, the careful one first (for the scanner's differential tests).
#[cfg(test)]
pub(super) fn available_kernels() -> Vec<Kernel> {
    let mut kernels = vec![Kernel::Careful, Kernel::Scalar];
    if has_sse2() {
        kernels.push(Kernel::Sse2);
    }
    if has_avx2() {
        kernels.push(Kernel::Avx2);
    }
    if has_avx512() {
        kernels.push(Kernel::Avx512);
    }
    kernels
}

#[inline]
fn has_sse2() -> bool {
    #[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
    {
        std::arch::is_x86_feature_detected!("sse2")
    }
    #[cfg(not(all(target_arch = "x86_64", target_feature = "sse2")))]
    {
        false
    }
}

#[inline]
fn has_avx512() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        avx512::available()
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

#[inline]
fn has_avx2() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::arch::is_x86_feature_detected!("avx2")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// The portable classifier.
pub fn classify_scalar(block: &[u8; BLOCK]) -> Masks {
    let mut m = Masks {
        quote: 0,
        backslash: 0,
        control: 0,
        non_ascii: 0,
        escapable: 0,
        u: 0,
        hex: 0,
    };
    for (i, &b) in block.iter().enumerate() {
        let bit = 1u64 << i;
        let set = |cond: bool| if cond { bit } else { 0 };
        m.quote |= set(b == b'"');
        m.backslash |= set(b == b'\\');
        m.control |= set(b < 0x20);
        m.non_ascii |= set(b >= 0x80);
        m.escapable |= set(matches!(
            b,
            b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' | b'u'
        ));
        m.u |= set(b == b'u');
        m.hex |= set(b.is_ascii_hexdigit());
    }
    m
}

/// The SSE2 classifier: the same masks as [`classify_scalar`]. SSE2 is part of the x86_64
/// baseline (`target_feature = "sse2"` is on for every x86_64 target), so this inlines into the
/// scanner; `strategy` still checks the CPU at run time.
#[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
#[inline(always)]
pub fn classify_sse2(block: &[u8; BLOCK]) -> Masks {
    Masks::of(structural_sse2(block), escapes_sse2(block))
}

#[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
#[inline(always)]
fn load(block: &[u8; BLOCK], k: usize) -> std::arch::x86_64::__m128i {
    assert!(k < BLOCK / 16);
    // SAFETY: the 16 bytes at k * 16 are inside the block (checked above); loadu needs no
    // alignment; SSE2 is enabled on every x86_64 target.
    unsafe { std::arch::x86_64::_mm_loadu_si128(block.as_ptr().add(k * 16).cast()) }
}

/// Quotes, backslashes, control characters, non-ASCII bytes.
#[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
#[inline(always)]
fn structural_sse2(block: &[u8; BLOCK]) -> Structural {
    use std::arch::x86_64::*;
    // SAFETY: SSE2 is enabled for this target (the cfg above); loads go through `load`.
    unsafe {
        let (mut quote, mut backslash, mut control, mut non_ascii) = (0, 0, 0, 0);
        for k in 0..BLOCK / 16 {
            let x = load(block, k);
            let mask = |v: __m128i| (_mm_movemask_epi8(v) as u32 as u64 & 0xFFFF) << (k * 16);
            quote |= mask(_mm_cmpeq_epi8(x, _mm_set1_epi8(b'"' as i8)));
            backslash |= mask(_mm_cmpeq_epi8(x, _mm_set1_epi8(b'\\' as i8)));
            // x <= 0x1F (unsigned): max(x, 0x1F) == 0x1F.
            let low = _mm_set1_epi8(0x1F);
            control |= mask(_mm_cmpeq_epi8(_mm_max_epu8(x, low), low));
            // The high bit of each byte.
            non_ascii |= mask(x);
        }
        (quote, backslash, control, non_ascii)
    }
}

/// Escapable characters, `u`, hex digits.
#[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
#[inline(always)]
fn escapes_sse2(block: &[u8; BLOCK]) -> (u64, u64, u64) {
    use std::arch::x86_64::*;
    // SAFETY: SSE2 is enabled for this target (the cfg above); loads go through `load`.
    unsafe {
        let (mut escapable, mut u, mut hex) = (0, 0, 0);
        let splat = |b: u8| _mm_set1_epi8(b as i8);
        // x in lo..=hi (unsigned): x == min(max(x, lo), hi).
        let in_range = |x: __m128i, lo: u8, hi: u8| {
            _mm_cmpeq_epi8(x, _mm_min_epu8(_mm_max_epu8(x, splat(lo)), splat(hi)))
        };
        for k in 0..BLOCK / 16 {
            let x = load(block, k);
            let mask = |v: __m128i| (_mm_movemask_epi8(v) as u32 as u64 & 0xFFFF) << (k * 16);
            let eq = |b: u8| _mm_cmpeq_epi8(x, splat(b));
            let is_u = eq(b'u');
            u |= mask(is_u);
            let any = _mm_or_si128(
                _mm_or_si128(
                    _mm_or_si128(eq(b'"'), eq(b'\\')),
                    _mm_or_si128(is_u, eq(b'/')),
                ),
                _mm_or_si128(
                    _mm_or_si128(eq(b'b'), eq(b'f')),
                    _mm_or_si128(_mm_or_si128(eq(b'n'), eq(b'r')), eq(b't')),
                ),
            );
            escapable |= mask(any);
            let lower = _mm_or_si128(x, splat(0x20));
            hex |= mask(_mm_or_si128(
                in_range(x, b'0', b'9'),
                in_range(lower, b'a', b'f'),
            ));
        }
        (escapable, u, hex)
    }
}

/// Skims the string body that starts at `buf[i]` (not inside an escape) block by block. Returns
/// where the careful scanner should go on, and whether that is the closing quote.
#[inline]
pub(super) fn skim(buf: &[u8], i: usize, kernel: Kernel) -> Skimmed {
    // Most strings (keys, short values) close within 64 bytes: a look at them here, inlined,
    // costs less than the setup of a block kernel (a call, its constant tables). The careful
    // strategy stays careful, so its differential tests still test the careful scanner.
    if kernel != Kernel::Careful
        && let Some(end) = short_plain(buf, i)
    {
        return Skimmed {
            next: i + end,
            closed: true,
            unchecked: false,
        };
    }
    match kernel {
        #[cfg(target_arch = "x86_64")]
        // SAFETY: `kernel` chose Avx512 only after the CPU said it has AVX-512F and BW.
        Kernel::Avx512 => unsafe { avx512::skim(buf, i) },
        #[cfg(target_arch = "x86_64")]
        // SAFETY: `kernel` chose Avx2 only after the CPU said it has AVX2.
        Kernel::Avx2 => unsafe { skim_avx2(buf, i) },
        #[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
        Kernel::Sse2 => blocks::<false>(buf, i, structural_sse2, escapes_sse2, |_, _| {}),
        Kernel::Careful => Skimmed {
            next: i,
            closed: false,
            unchecked: false,
        },
        _ => blocks::<false>(buf, i, structural_scalar, escapes_scalar, |_, _| {}),
    }
}

/// Bytes a short body is looked at before the block kernels, 16 at a time: on
/// `.credentials.json` 47% of the strings close within 16 bytes, 71% within 32, 87% within 64.
const SHORT: usize = 64;
const CHUNK: usize = 16;

/// Where the closing quote of the body at `buf[i]` is, when it lies within [`SHORT`] bytes
/// (buffered in whole 16-byte chunks) and every byte before it is ASCII of 0x20 and above other
/// than a backslash: then the body is valid and needs no UTF-8 check, exactly as every kernel would find
/// it. `None` for anything else (the kernels decide). A chunk at a time, so a key costs one.
#[inline(always)]
fn short_plain(buf: &[u8], i: usize) -> Option<usize> {
    let mut at = i;
    while at - i < SHORT {
        let chunk: &[u8; CHUNK] = buf.get(at..at.checked_add(CHUNK)?)?.try_into().ok()?;
        let (quote, odd) = chunk_masks(chunk);
        if quote != 0 {
            let end = quote.trailing_zeros();
            return (odd & ((1u32 << end) - 1) == 0).then_some(at - i + end as usize);
        }
        if odd != 0 {
            return None;
        }
        at += CHUNK;
    }
    None
}

/// A chunk's quotes, and its odd bytes: backslashes, control characters and bytes of 0x80 and
/// above (bit k = byte k).
#[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
#[inline(always)]
fn chunk_masks(chunk: &[u8; CHUNK]) -> (u32, u32) {
    use std::arch::x86_64::*;
    // SAFETY: `chunk` is 16 readable bytes; loadu needs no alignment; SSE2 is enabled on every
    // x86_64 target (the cfg above).
    unsafe {
        let x = _mm_loadu_si128(chunk.as_ptr().cast());
        let mask = |v: __m128i| _mm_movemask_epi8(v) as u32;
        let low = _mm_set1_epi8(0x1F);
        let quote = mask(_mm_cmpeq_epi8(x, _mm_set1_epi8(b'"' as i8)));
        // x <= 0x1F (unsigned): max(x, 0x1F) == 0x1F; the high bit of each byte.
        let odd = _mm_or_si128(
            _mm_cmpeq_epi8(x, _mm_set1_epi8(b'\\' as i8)),
            _mm_cmpeq_epi8(_mm_max_epu8(x, low), low),
        );
        (quote, mask(_mm_or_si128(odd, x)))
    }
}

/// The portable [`chunk_masks`].
#[cfg(not(all(target_arch = "x86_64", target_feature = "sse2")))]
#[inline(always)]
fn chunk_masks(chunk: &[u8; CHUNK]) -> (u32, u32) {
    let (mut quote, mut odd) = (0u32, 0u32);
    for (k, &b) in chunk.iter().enumerate() {
        quote |= u32::from(b == b'"') << k;
        odd |= u32::from(b == b'\\' || b < 0x20 || b >= 0x80) << k;
    }
    (quote, odd)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn skim_avx2(buf: &[u8], i: usize) -> Skimmed {
    // Closures inherit this function's target features, so the AVX2 code inlines here.
    blocks::<false>(
        buf,
        i,
        |b| structural_avx2(b),
        |b| escapes_avx2(b),
        |_, _| {},
    )
}

fn structural_scalar(block: &[u8; BLOCK]) -> Structural {
    let m = classify_scalar(block);
    (m.quote, m.backslash, m.control, m.non_ascii)
}

fn escapes_scalar(block: &[u8; BLOCK]) -> (u64, u64, u64) {
    let m = classify_scalar(block);
    (m.escapable, m.u, m.hex)
}

/// The AVX2 classifier, two 32-byte halves: the same masks as [`classify_scalar`].
///
/// # Safety
///
/// The CPU must have AVX2 (`is_x86_feature_detected!("avx2")`).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
pub fn classify_avx2(block: &[u8; BLOCK]) -> Masks {
    Masks::of(structural_avx2(block), escapes_avx2(block))
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
#[inline]
fn load_avx2(block: &[u8; BLOCK], k: usize) -> std::arch::x86_64::__m256i {
    assert!(k < BLOCK / 32);
    // SAFETY: the 32 bytes at k * 32 are inside the block (checked above); loadu needs no
    // alignment.
    unsafe { std::arch::x86_64::_mm256_loadu_si256(block.as_ptr().add(k * 32).cast()) }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
#[inline]
fn structural_avx2(block: &[u8; BLOCK]) -> Structural {
    use std::arch::x86_64::*;
    let (mut quote, mut backslash, mut control, mut non_ascii) = (0, 0, 0, 0);
    for k in 0..BLOCK / 32 {
        let x = load_avx2(block, k);
        let mask = |v: __m256i| (_mm256_movemask_epi8(v) as u32 as u64) << (k * 32);
        quote |= mask(_mm256_cmpeq_epi8(x, _mm256_set1_epi8(b'"' as i8)));
        backslash |= mask(_mm256_cmpeq_epi8(x, _mm256_set1_epi8(b'\\' as i8)));
        let low = _mm256_set1_epi8(0x1F);
        control |= mask(_mm256_cmpeq_epi8(_mm256_max_epu8(x, low), low));
        // The high bit of each byte.
        non_ascii |= mask(x);
    }
    (quote, backslash, control, non_ascii)
}

/// Escapable characters, `u` and hex digits by nibble lookup: each byte's low and high nibble
/// index two 16-byte tables (`vpshufb`) whose AND has bit 0-3 set for an escapable character
/// and bit 4-5 for a hex digit. Two shuffles instead of the eleven compares and eight ORs of
/// [`escapes_sse2`]; the same masks as [`classify_scalar`] (tested on every byte value).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
#[inline]
fn escapes_avx2(block: &[u8; BLOCK]) -> (u64, u64, u64) {
    use std::arch::x86_64::*;
    const TABLES: ([u8; 16], [u8; 16]) = nibble_tables();
    // SAFETY: each table is 16 readable bytes; loadu needs no alignment.
    let (lo_table, hi_table) = unsafe {
        (
            _mm256_broadcastsi128_si256(_mm_loadu_si128(TABLES.0.as_ptr().cast())),
            _mm256_broadcastsi128_si256(_mm_loadu_si128(TABLES.1.as_ptr().cast())),
        )
    };
    let (mut escapable, mut u, mut hex) = (0, 0, 0);
    let nibble = _mm256_set1_epi8(0x0F);
    let zero = _mm256_setzero_si256();
    for k in 0..BLOCK / 32 {
        let x = load_avx2(block, k);
        let mask = |v: __m256i| (_mm256_movemask_epi8(v) as u32 as u64) << (k * 32);
        let lo = _mm256_shuffle_epi8(lo_table, _mm256_and_si256(x, nibble));
        // Bytes >= 0x80 have a high nibble >= 8, where the table is 0.
        let hi_nib = _mm256_and_si256(_mm256_srli_epi16(x, 4), nibble);
        let class = _mm256_and_si256(lo, _mm256_shuffle_epi8(hi_table, hi_nib));
        // The bytes whose class has any of `bits`.
        let any = |bits: u8| {
            let none =
                _mm256_cmpeq_epi8(_mm256_and_si256(class, _mm256_set1_epi8(bits as i8)), zero);
            u64::from(!(_mm256_movemask_epi8(none) as u32)) << (k * 32)
        };
        escapable |= any(ESCAPABLE_BITS);
        hex |= any(HEX_BITS);
        u |= mask(_mm256_cmpeq_epi8(x, _mm256_set1_epi8(b'u' as i8)));
    }
    (escapable, u, hex)
}

/// Bits of the nibble tables: one per high nibble of the escapable characters (`" /` are 0x2_,
/// `\\` 0x5_, `b f n` 0x6_, `r t u` 0x7_), and two for the hex digits (`0-9` 0x3_, `a-f A-F`
/// 0x4_/0x6_).
const ESCAPABLE_BITS: u8 = 0x0F;
const HEX_BITS: u8 = 0x30;

/// The tables indexed by a byte's low and high nibble; a byte is in a class when the AND of its
/// two entries has that class's bits.
const fn nibble_tables() -> ([u8; 16], [u8; 16]) {
    let mut lo = [0u8; 16];
    let mut hi = [0u8; 16];
    // (high nibble, its bit, the low nibbles of the characters with it)
    let escapable: [(usize, u8, &[usize]); 4] = [
        (0x2, 0x01, &[0x2, 0xF]),      // " /
        (0x5, 0x02, &[0xC]),           // \\
        (0x6, 0x04, &[0x2, 0x6, 0xE]), // b f n
        (0x7, 0x08, &[0x2, 0x4, 0x5]), // r t u
    ];
    let mut i = 0;
    while i < escapable.len() {
        let (h, bit, lows) = escapable[i];
        hi[h] |= bit;
        let mut j = 0;
        while j < lows.len() {
            lo[lows[j]] |= bit;
            j += 1;
        }
        i += 1;
    }
    // 0-9: high nibble 3, low 0..=9; a-f, A-F: high nibble 6 or 4, low 1..=6.
    hi[0x3] |= 0x10;
    hi[0x4] |= 0x20;
    hi[0x6] |= 0x20;
    let mut l = 0;
    while l <= 9 {
        lo[l] |= 0x10;
        l += 1;
    }
    let mut l = 1;
    while l <= 6 {
        lo[l] |= 0x20;
        l += 1;
    }
    (lo, hi)
}

#[cfg(test)]
mod tests;
