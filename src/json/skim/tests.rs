use super::*;

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

fn random_block(rng: &mut Rng) -> [u8; BLOCK] {
    const BYTES: &[u8] = b"\"\\\\\\/bfnrtuU0aF9gx \x00\x1f\x7f\x80\xc3\xa9\xff";
    let mut b = [0u8; BLOCK];
    for x in b.iter_mut() {
        let r = rng.next();
        *x = if r.is_multiple_of(4) {
            r as u8 >> 1
        } else {
            BYTES[(r >> 8) as usize % BYTES.len()]
        };
    }
    b
}

#[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
#[test]
fn simd_and_scalar_classify_alike() {
    let avx2 = has_avx2();
    if !avx2 {
        eprintln!("no AVX2 on this CPU: only SSE2 is compared");
    }
    let avx512 = has_avx512();
    if !avx512 {
        eprintln!("no AVX-512BW on this CPU: its kernel is not compared");
    }
    let mut blocks: Vec<[u8; BLOCK]> = (0..=255u8).map(|v| [v; BLOCK]).collect();
    let mut rng = Rng(1);
    blocks.extend((0..20_000).map(|_| random_block(&mut rng)));
    for b in &blocks {
        let want = classify_scalar(b);
        assert_eq!(classify_sse2(b), want, "{b:?}");
        if avx2 {
            // SAFETY: the CPU has AVX2 (checked above).
            assert_eq!(unsafe { classify_avx2(b) }, want, "{b:?}");
        }
        if avx512 {
            // SAFETY: the CPU has AVX-512F and BW (checked above).
            assert_eq!(unsafe { avx512::classify(b) }, want, "{b:?}");
        }
    }
}

/// The escaped positions, the slow way.
fn escaped_by_hand(backslash: u64) -> u64 {
    let mut out = 0;
    let mut run = 0;
    for i in 0..64 {
        if backslash >> i & 1 == 1 {
            run += 1;
        } else {
            if run % 2 == 1 {
                out |= 1 << i;
            }
            run = 0;
        }
    }
    out
}

#[test]
fn the_odd_backslash_rule() {
    let mut rng = Rng(2);
    for _ in 0..50_000 {
        let b = rng.next() & rng.next() >> 1; // dense runs, bit 63 clear
        assert_eq!(escaped(b), escaped_by_hand(b), "{b:064b}");
    }
    assert_eq!(escaped(0b1), 0b10);
    assert_eq!(escaped(0b11), 0);
    assert_eq!(escaped(0b1110), 0b10000);
}

/// What the careful scanner would conclude about a block, byte by byte.
fn by_hand(b: &[u8; BLOCK]) -> Block {
    let mut i = 0;
    while i < BLOCK {
        match b[i] {
            b'"' => return Block::End(i),
            c if c < 0x20 => return Block::Careful,
            b'\\' => {
                let Some(&e) = b.get(i + 1) else {
                    return if i == 0 {
                        Block::Careful
                    } else {
                        Block::Plain(i)
                    };
                };
                match e {
                    b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => i += 2,
                    b'u' if i + 6 > BLOCK => {
                        return if i == 0 {
                            Block::Careful
                        } else {
                            Block::Plain(i)
                        };
                    }
                    b'u' if b[i + 2..i + 6].iter().all(u8::is_ascii_hexdigit) => i += 6,
                    _ => return Block::Careful,
                }
            }
            _ => i += 1,
        }
    }
    Block::Plain(BLOCK)
}

/// The mask answer equals the byte-by-byte one, except that the masks may say `Careful` where
/// bytes before a problem were fine (the careful scanner then consumes them itself).
#[test]
fn blocks_agree_with_a_byte_by_byte_reading() {
    let mut rng = Rng(3);
    for _ in 0..200_000 {
        let b = random_block(&mut rng);
        let mut kernels: Vec<(&str, Block)> = vec![(
            "scalar",
            string_block(&b, &structural_scalar, &escapes_scalar),
        )];
        #[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
        kernels.push(("sse2", string_block(&b, &structural_sse2, &escapes_sse2)));
        #[cfg(target_arch = "x86_64")]
        if has_avx2() {
            // SAFETY: the CPU has AVX2.
            let m = unsafe { classify_avx2(&b) };
            let got = string_block(
                &b,
                &|_: &[u8; BLOCK]| (m.quote, m.backslash, m.control),
                &|_: &[u8; BLOCK]| (m.escapable, m.u, m.hex),
            );
            kernels.push(("avx2", got));
        }
        #[cfg(target_arch = "x86_64")]
        if has_avx512() {
            // SAFETY: the CPU has AVX-512F and BW.
            let m = unsafe { avx512::classify(&b) };
            let got = string_block(
                &b,
                &|_: &[u8; BLOCK]| (m.quote, m.backslash, m.control),
                &|_: &[u8; BLOCK]| (m.escapable, m.u, m.hex),
            );
            kernels.push(("avx512", got));
        }
        for (name, got) in kernels {
            let want = by_hand(&b);
            let fine = match (got, want) {
                (Block::Careful, _) => true,
                // Stopping earlier (before a trailing backslash run) is fine too.
                (Block::Plain(g), Block::Plain(w) | Block::End(w)) => g > 0 && g <= w,
                _ => got == want,
            };
            assert!(
                fine,
                "{name}: {got:?} vs {want:?}: {:?}",
                String::from_utf8_lossy(&b)
            );
        }
    }
}
