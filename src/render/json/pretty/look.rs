//! What a string holds, found in one pass before it is written: whether it needs escaping
//! ([`super::needs_a_look`]) and what `redact::Seen` asks (is there a `:`, a `J`, a block of
//! token characters), so that most of a document's strings need no other pass (issue 15: a
//! search of each kind per string cost more than writing it).

use crate::redact::Seen;

/// What [`look`] found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Look {
    /// A byte [`super::escape`] must look at.
    pub(super) escape: bool,
    pub(super) seen: Seen,
}

const BLOCK: usize = 16;

/// The bits a byte gives: 1 to escape, 2 a `:`, 4 a `J`.
#[inline(always)]
fn bits(b: u8) -> u8 {
    u8::from(super::escape_byte(b)) | (u8::from(b == b':') << 1) | (u8::from(b == b'J') << 2)
}

/// 1 for a byte that is not `[A-Za-z0-9_-]` (ends a token-shaped run).
#[inline(always)]
fn breaks_a_run(b: u8) -> u8 {
    u8::from(!(b.is_ascii_alphanumeric() || b == b'_' || b == b'-'))
}

/// With AVX2 when the CPU has it (chosen at run time), else portably: the same answer
/// (`tests`). Tested 16 bytes at a time with no branch inside a block (each is a few vector operations),
/// the bits gathered per lane and or-ed once at the end; a string shorter than a block is
/// tested padded with spaces (no bit for a space), a longer one's last bytes as the block that
/// ends it (overlapping the one before). Blocks for `run_block` are those from the start only:
/// a run of 32 holds a whole one (it starts at most 15 bytes before a block's start).
pub(super) fn look(bytes: &[u8]) -> Look {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU has AVX2 (detected just above), all `look_avx2` asks of it.
        return unsafe { look_avx2(bytes) };
    }
    look_portable(bytes)
}

/// [`look_portable`] compiled for AVX2 (three-operand vector instructions: ~15% fewer; 32
/// bytes a step was no better, the padding of short strings costing what the steps saved).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn look_avx2(bytes: &[u8]) -> Look {
    look_portable(bytes)
}

/// [`look`] with the instructions every x86-64 (or other) CPU has.
#[inline(always)]
fn look_portable(bytes: &[u8]) -> Look {
    let mut lanes = [0u8; BLOCK];
    let mut run_block = false;
    if bytes.len() < BLOCK {
        let mut padded = [b' '; BLOCK];
        padded[..bytes.len()].copy_from_slice(bytes);
        for (lane, &b) in lanes.iter_mut().zip(&padded) {
            *lane |= bits(b);
        }
    } else {
        let mut blocks = bytes.chunks_exact(BLOCK);
        for block in &mut blocks {
            let mut breaks = 0;
            for (lane, &b) in lanes.iter_mut().zip(block) {
                *lane |= bits(b);
                breaks |= breaks_a_run(b);
            }
            run_block |= breaks == 0;
        }
        if !blocks.remainder().is_empty() {
            for (lane, &b) in lanes.iter_mut().zip(&bytes[bytes.len() - BLOCK..]) {
                *lane |= bits(b);
            }
        }
    }
    let all = lanes.iter().fold(0, |any, &lane| any | lane);
    Look {
        escape: all & 1 != 0,
        seen: Seen {
            colon: all & 2 != 0,
            letter_j: all & 4 != 0,
            run_block,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_rng::Rng;

    /// Each answer against the plain test of every byte, for strings of every length around
    /// the blocks, with the bytes looked for at every offset.
    #[test]
    fn look_finds_what_each_byte_holds() {
        const BYTES: &[u8] = b"aZ09_-:J\"\x01\x7f\xc3\xa9 ./|";
        let mut rng = Rng::new(0x100c_0000_0000_0001);
        let (mut runs, mut escapes) = (0, 0);
        for _ in 0..40_000 {
            let len = rng.below(90);
            let bytes: Vec<u8> = (0..len)
                .map(|_| match rng.below(12) {
                    0 => BYTES[rng.below(BYTES.len())],
                    _ => b"aZ09_-"[rng.below(6)],
                })
                .collect();
            let got = look(&bytes);
            // The run-time choice (AVX2 here, when the CPU has it) against the portable one.
            assert_eq!(got, look_portable(&bytes), "{bytes:?}");
            assert_eq!(
                got.escape,
                bytes.iter().any(|&b| super::super::escape_byte(b)),
                "{bytes:?}"
            );
            assert_eq!(got.seen.colon, bytes.contains(&b':'), "{bytes:?}");
            assert_eq!(got.seen.letter_j, bytes.contains(&b'J'), "{bytes:?}");
            let run_of_32 = bytes
                .split(|&b| breaks_a_run(b) == 1)
                .any(|run| run.len() >= 32);
            if run_of_32 {
                assert!(got.seen.run_block, "{bytes:?}");
            }
            runs += usize::from(run_of_32);
            escapes += usize::from(got.escape);
        }
        assert!(runs > 500 && escapes > 10_000, "{runs} {escapes}");
    }
}
