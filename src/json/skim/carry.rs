//! The block loop: one 64-byte block after another, with the escape state carried from each block
//! into the next (an odd run of backslashes that ends a block escapes the next block's first byte;
//! a `\u` near a block's end wants hex digits at the start of the next), so a block is always
//! taken whole, at 64-byte steps from where the string body started.
//!
//! The earlier loop cut each block before a trailing backslash run or a late `\u` and started the
//! next block there: more scalar mask work per block and unaligned restarts. Here the only extra
//! work for an escape that crosses a block boundary is two carried words.
//!
//! Whenever a block needs a closer look (a control character, an escape JSON does not define, a
//! `\u` without four hex digits) the careful scanner takes over at a *clean* position: one not
//! inside an escape, with every byte before it valid string content. That is the block's start
//! when nothing was carried into it, else the start of the escape that crosses into it (the last
//! unescaped backslash of the block before, which was wholly valid). Every problem found this way
//! is an error that stops the scan, so the careful scanner reports it with its exact offset.

use super::{BLOCK, Skimmed, Structural};

const EVEN: u64 = 0x5555_5555_5555_5555;

/// The bytes of a block escaped by a backslash, given `carry_in` (1 when the previous block ended
/// in an odd run of backslashes, so this block's byte 0 is escaped), and the carry out of this
/// block. The odd-backslash rule by carries, as simdjson finds escapes: adding a run's start bit
/// to the run carries past its end.
#[inline(always)]
pub fn escaped(backslash: u64, carry_in: u64) -> (u64, u64) {
    // A backslash escaped by the carry starts nothing.
    let backslash = backslash & !carry_in;
    let follows_escape = (backslash << 1) | carry_in;
    let odd_starts = backslash & !EVEN & !follows_escape;
    let (even_runs, carry_out) = odd_starts.overflowing_add(backslash);
    let invert = even_runs << 1;
    ((EVEN ^ invert) & follows_escape, u64::from(carry_out))
}

/// Skims the string body that starts at `buf[i]` (not inside an escape). Returns where the
/// careful scanner should go on, whether that is the closing quote, and whether a byte before it
/// is non-ASCII (the blocks taken whole, and of the closing block the bytes before the quote).
/// `utf8` is shown those bytes as they are taken: each block whole (64), and the closing block with
/// the number of its bytes before the quote; a kernel that validates UTF-8 there (AVX-512) says
/// so afterwards.
///
/// `UNIFORM`: classify the escapes of every block, with one branch per block, instead of a
/// separate path for blocks without a backslash. Right where the escape classes cost a few
/// instructions (AVX-512): in pasted text, whether a block has a backslash is as good as random.
#[inline(always)]
pub(super) fn blocks<const UNIFORM: bool>(
    buf: &[u8],
    mut i: usize,
    structural: impl Fn(&[u8; BLOCK]) -> Structural,
    escapes: impl Fn(&[u8; BLOCK]) -> (u64, u64, u64),
    mut utf8: impl FnMut(&[u8; BLOCK], usize),
) -> Skimmed {
    // Byte 0 of the next block is escaped.
    let mut carry_esc = 0u64;
    // Bytes of the next block that must be hex digits (the rest of a `\u`).
    let mut carry_hex = 0u64;
    // The unescaped backslashes of the block before (where its escapes start).
    let mut starts = 0u64;
    // Where the careful scanner can start when the block at `i` needs it or the buffer ends:
    // `i`, or with an escape crossing into that block, the escape's backslash (the block
    // before's last unescaped one). Worked out only then.
    let clean = |i: usize, carry: u64, starts: u64| {
        if carry == 0 {
            i
        } else {
            i - 1 - starts.leading_zeros() as usize
        }
    };
    // The non-ASCII bytes of the blocks taken so far (only whether there is one counts).
    let mut non_ascii = 0u64;
    let done = |next: usize, closed: bool, non_ascii: u64| Skimmed {
        next,
        closed,
        unchecked: non_ascii != 0,
    };
    // The bits of the bytes before the n-th (n < 64).
    let below = |n: usize| (1u64 << n).wrapping_sub(1);
    while let Some(block) = buf.get(i..i + BLOCK) {
        let block: &[u8; BLOCK] = block.try_into().expect("64 bytes");
        let (quote, backslash, control, high) = structural(block);
        if !UNIFORM && backslash | carry_esc | carry_hex == 0 {
            // No escape: the first quote ends the string; a control character before it is an
            // error.
            let end = quote.trailing_zeros() as usize;
            if (control.trailing_zeros() as usize) < end {
                return done(i, false, non_ascii);
            }
            if end < BLOCK {
                utf8(block, end);
                return done(i + end, true, non_ascii | high & below(end));
            }
            utf8(block, BLOCK);
            non_ascii |= high;
            i += BLOCK;
            continue;
        }
        let (escapable, is_u, hex) = escapes(block);
        let (esc, esc_out) = escaped(backslash, carry_esc);
        let u = esc & is_u;
        let due = (u << 1) | (u << 2);
        let digits = due | (due << 2) | carry_hex;
        let bad = control | (esc & !escapable) | (digits & !hex);
        let quotes = quote & !esc;
        if quotes | bad != 0 {
            // The first quote (64: none) ends the string if nothing before it, nor itself (a
            // quote where a hex digit is due), is bad.
            let at = quotes.trailing_zeros() as usize;
            if bad.trailing_zeros() as usize > at {
                utf8(block, at);
                return done(i + at, true, non_ascii | high & below(at));
            }
            // From a clean position before this block's start (an escape crossing into it) the
            // careful scanner reads again bytes counted here: `non_ascii` may say yes for them.
            return done(clean(i, carry_esc | carry_hex, starts), false, non_ascii);
        }
        utf8(block, BLOCK);
        non_ascii |= high;
        carry_esc = esc_out;
        // A digit due at p + k (k = 1..=4) past the block lands on p + k - 64 of the next.
        let late = (u >> 60) | (u >> 61);
        carry_hex = late | (late >> 2);
        starts = backslash & !esc;
        i += BLOCK;
    }
    done(clean(i, carry_esc | carry_hex, starts), false, non_ascii)
}
