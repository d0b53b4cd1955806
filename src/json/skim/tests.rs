use super::*;
use crate::test_rng::Rng;

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
    let mut rng = Rng::new(1);
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

/// The escaped positions and the carry out, the slow way: a backslash not itself escaped escapes
/// the next byte.
fn escaped_by_hand(backslash: u64, carry_in: u64) -> (u64, u64) {
    let mut out = 0;
    let mut pending = carry_in == 1;
    for i in 0..64 {
        if pending {
            out |= 1 << i;
            pending = false;
        } else if backslash >> i & 1 == 1 {
            pending = true;
        }
    }
    (out, u64::from(pending))
}

#[test]
fn the_odd_backslash_rule_with_carries() {
    let mut rng = Rng::new(2);
    for _ in 0..50_000 {
        let b = rng.next() | rng.next() & rng.next(); // dense runs, either end
        for carry in [0, 1] {
            assert_eq!(
                carry::escaped(b, carry),
                escaped_by_hand(b, carry),
                "{b:064b} {carry}"
            );
        }
    }
    for carry in [0, 1] {
        assert_eq!(
            carry::escaped(u64::MAX, carry),
            escaped_by_hand(u64::MAX, carry)
        );
        assert_eq!(carry::escaped(0, carry), escaped_by_hand(0, carry));
    }
    assert_eq!(carry::escaped(0b1, 0), (0b10, 0));
    assert_eq!(carry::escaped(0b11, 0), (0b10, 0));
    assert_eq!(carry::escaped(0b1110, 0), (0b0100 | 0b10000, 0));
    assert_eq!(carry::escaped(1 << 63, 0), (0, 1));
    assert_eq!(carry::escaped(0b1, 1), (0b1, 0));
}

/// How the careful scanner reads a string body: the positions it passes between whole escapes
/// (where it can take over), and where it stops.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stop {
    Quote(usize),
    /// A control character or an invalid escape at this offset.
    Bad(usize),
    /// The bytes end (or end inside an escape) at this clean offset.
    End(usize),
}

fn by_hand(body: &[u8]) -> (Vec<bool>, Stop) {
    let mut clean = vec![false; body.len() + 1];
    let mut i = 0;
    let stop = loop {
        clean[i] = true;
        let Some(&b) = body.get(i) else {
            break Stop::End(i);
        };
        match b {
            b'"' => break Stop::Quote(i),
            c if c < 0x20 => break Stop::Bad(i),
            b'\\' => match body.get(i + 1) {
                None => break Stop::End(i),
                Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => i += 2,
                Some(b'u') if i + 6 > body.len() => break Stop::End(i),
                Some(b'u') if body[i + 2..i + 6].iter().all(u8::is_ascii_hexdigit) => i += 6,
                Some(_) => break Stop::Bad(i),
            },
            _ => i += 1,
        }
    };
    (clean, stop)
}

/// A string body of plain runs and escapes, now and then a quote, a control character or a bad
/// escape: many of them cross a 64-byte block boundary. A third of them ASCII only, and of the
/// rest many with a single non-ASCII character somewhere.
fn random_body(rng: &mut Rng) -> Vec<u8> {
    const GOOD: &[&[u8]] = &[
        b"\\n",
        b"\\\\",
        b"\\\"",
        b"\\/",
        b"\\t",
        b"\\u00e9",
        b"\\uD83D",
        b"\\uabCD",
        b"\xc3\xa9",
        b"\xe6\x97\xa5",
        b"\xf0\x9f\x9a\x80",
        b"\xdf\xbf",
        b"\xef\xbf\xbf",
        b"\xf4\x8f\xbf\xbf",
        b"u",
        b"0f",
        b"\\\\\\\\",
        b"\\\\\\\\\\\\\\\\\\\\",
    ];
    const BAD: &[&[u8]] = &[
        b"\"", b"\x01", b"\x1f", b"\n", b"\\x", b"\\u12G4", b"\\u\"", b"\\u00\"", b"\\U", b"\\",
    ];
    let mut body = Vec::new();
    let len = 64 + rng.below(400);
    let (ascii_only, one_non_ascii) = match rng.below(3) {
        0 => (true, false),
        1 => (true, true),
        _ => (false, false),
    };
    while body.len() < len {
        let r = rng.below(1000);
        if r < 8 {
            body.extend_from_slice(BAD[rng.below(BAD.len())]);
        } else if r < 400 {
            let good = GOOD[rng.below(GOOD.len())];
            if ascii_only && good[0] >= 0x80 {
                body.push(b'x');
            } else {
                body.extend_from_slice(good);
            }
        } else {
            let n = 1 + rng.below(12);
            body.extend(std::iter::repeat_n(b'a' + rng.below(26) as u8, n));
        }
    }
    if one_non_ascii {
        // Most of them invalid: a stray or cut sequence, overlong, a surrogate, too large.
        const ODD: &[&[u8]] = &[
            b"\x80",
            b"\xc3",
            b"\xff",
            b"\xe6\x97",
            b"\xf0\x9f\x9a",
            b"\xc0\x80",
            b"\xc1\xbf",
            b"\xe0\x80\x80",
            b"\xe0\x9f\xbf",
            b"\xed\xa0\x80",
            b"\xed\xbf\xbf",
            b"\xf0\x80\x80\x80",
            b"\xf0\x8f\xbf\xbf",
            b"\xf4\x90\x80\x80",
            b"\xf5\x80\x80\x80",
            b"\xc3\xa9",
            b"\xed\x9f\xbf",
            b"\xee\x80\x80",
        ];
        let at = rng.below(body.len());
        let odd = ODD[rng.below(ODD.len())];
        body.splice(at..at, odd.iter().copied());
    }
    body
}

/// Every kernel's skim of a string body agrees with the careful reading: a closing quote only
/// where the careful scanner finds it, otherwise a position where it can take over (not inside an
/// escape, every byte before it valid), never past a problem, never far before one, and never
/// short of a closing quote that lies in whole blocks after valid bytes.
/// A string skimmer on a body from its start: where it stops, and whether at the closing quote.
type SkimFn = dyn Fn(&[u8]) -> Skimmed;

#[test]
fn skims_agree_with_a_byte_by_byte_reading() {
    let kernels = block_kernels();
    // Every kernel, and the block loop's uniform mode (the AVX-512 kernel's) with the portable
    // classifiers, so that mode is tested on CPUs without AVX-512 too.
    let mut skims: Vec<(String, Box<SkimFn>)> = kernels
        .iter()
        .map(|&k| {
            let f: Box<SkimFn> = Box::new(move |b| skim(b, 0, k));
            (format!("{k:?}"), f)
        })
        .collect();
    skims.push((
        "uniform scalar".into(),
        Box::new(|b| blocks::<true>(b, 0, structural_scalar, escapes_scalar, |_, _| {})),
    ));
    let mut rng = Rng::new(3);
    for _ in 0..30_000 {
        let body = random_body(&mut rng);
        let (clean, stop) = by_hand(&body);
        let whole = body.len() / BLOCK * BLOCK;
        for (kernel, skim) in &skims {
            let Skimmed {
                next: at,
                closed,
                unchecked,
            } = skim(&body);
            // Never "checked" for bytes before `at` that hold a non-ASCII byte, unless the
            // kernel validated them to the closing quote: then exactly whether they are valid.
            let has_non_ascii = body[..at].iter().any(|&b| b >= 0x80);
            let invalid = std::str::from_utf8(&body[..at]).is_err();
            if closed && kernel == "Avx512" {
                assert_eq!(unchecked, invalid, "{kernel}: {body:?}");
            } else if closed {
                assert_eq!(unchecked, has_non_ascii, "{kernel}: {body:?}");
            } else {
                assert!(unchecked || !has_non_ascii, "{kernel}: {body:?}");
            }
            let what = || {
                format!(
                    "{kernel}: {at} {closed} vs {stop:?}: {:?}",
                    body.escape_ascii().to_string()
                )
            };
            if closed {
                assert_eq!(stop, Stop::Quote(at), "{}", what());
                continue;
            }
            assert!(clean[at], "not a clean position: {}", what());
            match stop {
                Stop::Quote(q) => {
                    assert!(q >= whole, "a quote in whole blocks missed: {}", what());
                    assert!(at <= q, "{}", what());
                }
                Stop::Bad(e) => {
                    assert!(at <= e, "past a problem: {}", what());
                    if e < whole {
                        assert!(at + BLOCK + 6 > e, "far before a problem: {}", what());
                    }
                }
                Stop::End(e) => assert!(at <= e, "{}", what()),
            }
            if !matches!(stop, Stop::Bad(e) if e < whole) {
                assert!(
                    at + BLOCK + 6 > whole.min(body.len()),
                    "stopped early: {}",
                    what()
                );
            }
        }
    }
}

/// The AVX-512 kernel's UTF-8 verdict on a body skimmed to its closing quote is
/// `std::str::from_utf8`'s, for every 2-byte pair with a non-ASCII lead, and 3- and 4-byte
/// sequences around every boundary of the rules, cut or whole, placed across a 16-byte lane and
/// across a 64-byte block, and just before the quote.
#[test]
fn the_avx512_utf8_check_judges_as_std_judges() {
    if !has_avx512() {
        eprintln!("no AVX-512BW on this CPU: its UTF-8 check is not tested");
        return;
    }
    let mut seqs: Vec<Vec<u8>> = Vec::new();
    for lead in 0x80..=0xFFu8 {
        for second in 0..=0xFFu8 {
            if second != b'"' && second != b'\\' && second >= 0x20 {
                seqs.push(vec![lead, second]);
            }
        }
    }
    let conts = [0x80u8, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0x41, 0xC3];
    for lead in 0xE0..=0xFFu8 {
        for &second in &conts {
            for &third in &conts {
                seqs.push(vec![lead, second, third]);
                for &fourth in &[0x80u8, 0xBF, 0x41] {
                    seqs.push(vec![lead, second, third, fourth]);
                }
            }
        }
    }
    let places = [
        0, 1, 13, 14, 15, 16, 30, 47, 60, 61, 62, 63, 64, 65, 100, 126, 127,
    ];
    for seq in &seqs {
        for &at in &places {
            for tail in [0usize, 1, 3] {
                let mut body = vec![b'a'; at];
                body.extend_from_slice(seq);
                body.extend(std::iter::repeat_n(b'b', tail));
                let end = body.len();
                body.push(b'"');
                body.resize(end + 200, b' ');
                let s = skim(&body, 0, Kernel::Avx512);
                assert_eq!((s.next, s.closed), (end, true), "{seq:x?} at {at}");
                let invalid = std::str::from_utf8(&body[..end]).is_err();
                assert_eq!(s.unchecked, invalid, "{seq:x?} at {at}, tail {tail}");
            }
        }
    }
}

/// Short bodies, where the look of up to 64 bytes answers before the block kernels: every kernel closes
/// them exactly where the careful reading does, or stops at a clean position before a problem;
/// and the look closes a body exactly when it is printable ASCII without a backslash up to a
/// quote within 64 bytes (buffered in whole 16-byte chunks).
#[test]
fn short_bodies_close_where_the_careful_reading_closes() {
    const ODD: &[u8] = b"\"\\\x00\x1f\x7f\x80\xc3\xffa ~nu";
    let kernels = block_kernels();
    let mut looked = 0;
    for len in 0..80 {
        for p in 0..=len {
            for &odd in ODD {
                let mut body = vec![b'k'; len];
                if p < len {
                    body[p] = odd;
                }
                body.push(b'"');
                // What follows a value in a document: for some bodies not the whole chunk.
                body.extend_from_slice(b",\"next\":1}");
                let (clean, stop) = by_hand(&body);
                let plain_to = body.iter().position(|&b| b == b'"').unwrap();
                // Whole 16-byte chunks are looked at up to the one with the quote.
                let chunks_to = (plain_to / CHUNK + 1) * CHUNK;
                let want_look = (plain_to < SHORT
                    && chunks_to <= body.len()
                    && body[..plain_to]
                        .iter()
                        .all(|&b| (0x20..0x80).contains(&b) && b != b'\\'))
                .then_some(plain_to);
                assert_eq!(
                    short_plain(&body, 0),
                    want_look,
                    "{:?}",
                    body.escape_ascii()
                );
                looked += usize::from(want_look.is_some());
                for &k in &kernels {
                    let s = skim(&body, 0, k);
                    let what = || format!("{k:?} {s:?} vs {stop:?}: {}", body.escape_ascii());
                    if s.closed {
                        assert_eq!(stop, Stop::Quote(s.next), "{}", what());
                        let valid = std::str::from_utf8(&body[..s.next]).is_ok();
                        assert!(s.unchecked || valid, "{}", what());
                    } else {
                        assert!(clean[s.next], "{}", what());
                        assert!(want_look.is_none(), "{}", what());
                    }
                }
            }
        }
    }
    assert!(looked > 1000, "the look closed only {looked} bodies");
}

/// Every block kernel this CPU can run (not the careful strategy, which skims nothing).
fn block_kernels() -> Vec<Kernel> {
    super::available_kernels()
        .into_iter()
        .filter(|&k| k != Kernel::Careful)
        .collect()
}
