//! A quick proof that serde_json parses a text, for the loaders that ask [`super::parses`] of a
//! whole file and then parse its parts again anyway (the credentials file: every `mcpOAuth`
//! entry is parsed on its own later). serde's pass through the whole file only to answer "does it
//! parse" was ~5% of `check` on a 1,000-entry home (issue 15).
//!
//! [`surely_parses`] accepts only a strict subset of JSON that serde_json always parses into a
//! `Value`: no `\u` escape (a lone surrogate is an error), no number with an exponent or of more
//! than 300 characters (one beyond `f64` is an error), no nesting deeper than 100 (serde's
//! recursion limit is 128), valid UTF-8. Anything else is "not known", and the caller asks
//! [`super::parses`], which gives serde's own error and position. So a `true` here is never wrong,
//! and a `false` costs one more pass, as before.

/// Nesting this deep or deeper is left to serde (its limit is 128): at most 99 open containers.
const MAX_DEPTH: usize = 100;

/// A number longer than this is left to serde: without an exponent, a shorter one is below
/// 10^300, within `f64`.
const MAX_NUMBER: usize = 300;

/// Whether serde_json surely parses `text` (one JSON value, with whitespace around it) into a
/// `Value`; `false` when that is not known (see the module's doc).
pub fn surely_parses(text: &[u8]) -> bool {
    if simdutf8::basic::from_utf8(text).is_err() {
        return false;
    }
    let b = text;
    // Open containers, innermost last: `true` for an object.
    let mut stack: Vec<bool> = Vec::new();
    let mut i = 0;
    'value: loop {
        // A value is expected at `i`.
        i = skip_ws(b, i);
        match b.get(i) {
            Some(b'{') | Some(b'[') => {
                let object = b[i] == b'{';
                i = skip_ws(b, i + 1);
                let close = if object { b'}' } else { b']' };
                if b.get(i) == Some(&close) {
                    i += 1;
                } else {
                    if stack.len() + 1 >= MAX_DEPTH {
                        return false;
                    }
                    stack.push(object);
                    if object {
                        let Some(after) = key(b, i) else {
                            return false;
                        };
                        i = after;
                    }
                    continue 'value;
                }
            }
            Some(b'"') => match string(b, i) {
                Some(after) => i = after,
                None => return false,
            },
            Some(b't') if b[i..].starts_with(b"true") => i += 4,
            Some(b'f') if b[i..].starts_with(b"false") => i += 5,
            Some(b'n') if b[i..].starts_with(b"null") => i += 4,
            Some(b'-' | b'0'..=b'9') => match number(b, i) {
                Some(after) => i = after,
                None => return false,
            },
            _ => return false,
        }
        // After a value: the next member or element, or the ends of containers.
        loop {
            i = skip_ws(b, i);
            let Some(&object) = stack.last() else {
                return i == b.len();
            };
            match b.get(i) {
                Some(b',') => {
                    i += 1;
                    if object {
                        let Some(after) = key(b, skip_ws(b, i)) else {
                            return false;
                        };
                        i = after;
                    }
                    continue 'value;
                }
                Some(b'}') if object => {
                    stack.pop();
                    i += 1;
                }
                Some(b']') if !object => {
                    stack.pop();
                    i += 1;
                }
                _ => return false,
            }
        }
    }
}

/// [`surely_parses`] for a text the scanner (`json::scan`) has accepted whole: valid JSON by
/// the grammar, valid UTF-8, no control character in a string, no byte order mark. What is left
/// to prove is only what serde_json refuses of valid JSON: no `\u` escape (found by one
/// `memmem` over the text; `\\u`, an escaped backslash before a `u`, is refused too, which
/// only leaves it to serde), no number with an exponent (an `e` or `E` after a digit outside
/// strings; `true` and `false` have theirs after a letter) or longer than [`MAX_NUMBER`], no
/// nesting of [`MAX_DEPTH`] or deeper. Strings are skipped by `memchr2` alone: about half the
/// work of [`surely_parses`] on a credentials file of long tokens (issue 15).
pub fn surely_parses_scanned(text: &[u8]) -> bool {
    if memchr::memmem::find(text, b"\\u").is_some() {
        return false;
    }
    let mut depth = 0usize;
    let mut i = 0;
    loop {
        // Outside strings, up to the next quote: brackets, numbers, literals, whitespace.
        let end = memchr::memchr(b'"', &text[i..]).map_or(text.len(), |n| i + n);
        let region = &text[i..end];
        for (k, &c) in region.iter().enumerate() {
            match c {
                b'{' | b'[' => {
                    depth += 1;
                    if depth >= MAX_DEPTH {
                        return false;
                    }
                }
                b'}' | b']' => depth = depth.saturating_sub(1),
                // At `k == 0` the byte before is a string's closing quote.
                b'e' | b'E' if k > 0 && region[k - 1].is_ascii_digit() => return false,
                _ => {}
            }
        }
        // A number lies within one region: only a long region can hold a long one.
        if region.len() > MAX_NUMBER
            && region
                .split(|c| !(c.is_ascii_digit() || matches!(c, b'-' | b'.')))
                .any(|number| number.len() > MAX_NUMBER)
        {
            return false;
        }
        if end == text.len() {
            return true;
        }
        // A string: to its closing quote, past every escape (two bytes each: no `\u` is left).
        i = end + 1;
        loop {
            let Some(n) = memchr::memchr2(b'"', b'\\', &text[i..]) else {
                return false; // not reached in scanned text: an unclosed string
            };
            i += n;
            if text[i] == b'"' {
                i += 1;
                break;
            }
            i += 2;
            if i > text.len() {
                return false;
            }
        }
    }
}

/// JSON's whitespace (serde's too): space, tab, line feed, carriage return.
fn skip_ws(b: &[u8], mut i: usize) -> usize {
    while matches!(b.get(i), Some(b' ' | b'\t' | b'\n' | b'\r')) {
        i += 1;
    }
    i
}

/// A member's key at `i` and its colon: where its value may begin.
fn key(b: &[u8], i: usize) -> Option<usize> {
    if b.get(i) != Some(&b'"') {
        return None;
    }
    let i = skip_ws(b, string(b, i)?);
    (b.get(i) == Some(&b':')).then_some(i + 1)
}

/// The string whose opening quote is at `i`: where it ends (past its closing quote). No control
/// character, and only the escapes of one character after the backslash (`\u` is left to serde).
fn string(b: &[u8], mut i: usize) -> Option<usize> {
    i += 1;
    loop {
        // The next quote or backslash by memchr, the bytes before it checked for control
        // characters without a branch per byte (a byte loop was slower than serde's pass).
        let run = memchr::memchr2(b'"', b'\\', b.get(i..)?)?;
        if b[i..i + run]
            .iter()
            .fold(false, |control, &c| control | (c < 0x20))
        {
            return None;
        }
        i += run;
        if b[i] == b'"' {
            return Some(i + 1);
        }
        match b.get(i + 1)? {
            b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => i += 2,
            _ => return None,
        }
    }
}

/// The number at `i` by JSON's grammar, without an exponent and at most [`MAX_NUMBER`] long:
/// where it ends.
fn number(b: &[u8], start: usize) -> Option<usize> {
    let digit = |i: usize| b.get(i).is_some_and(u8::is_ascii_digit);
    let mut i = start;
    if b[i] == b'-' {
        i += 1;
    }
    match b.get(i)? {
        b'0' => i += 1,
        b'1'..=b'9' => {
            while digit(i) {
                i += 1;
            }
        }
        _ => return None,
    }
    if b.get(i) == Some(&b'.') {
        i += 1;
        if !digit(i) {
            return None;
        }
        while digit(i) {
            i += 1;
        }
    }
    if matches!(b.get(i), Some(b'e' | b'E')) || i - start > MAX_NUMBER {
        return None;
    }
    Some(i)
}

#[cfg(test)]
mod tests {
    use super::{surely_parses, surely_parses_scanned};
    use serde_json::Value;

    /// Whether the scanner accepts `text` whole (what [`surely_parses_scanned`] is given).
    fn scanner_accepts(text: &[u8]) -> bool {
        crate::json::scan::scan_slice(text, &mut crate::json::scan::ValidateOnly)
            .is_ok_and(|r| r.error.is_none() && !r.bom)
    }

    fn serde_parses(text: &[u8]) -> bool {
        serde_json::from_slice::<Value>(text).is_ok()
    }

    /// Texts around every rule, each either surely parsed (and then serde parses it) or not.
    #[test]
    fn what_it_accepts_serde_parses_and_typical_files_are_accepted() {
        let accepted = [
            r#"{"mcpOAuth":{"a|1":{"accessToken":"x","expiresAt":4102444800000,"n":-1.5}},"z":[]}"#,
            "  {\"a\" : [ 1 , 0 , -0 , 0.25 , true , false , null , \"\\\"\\\\\\/\\b\\f\\n\\r\\t\" ] }\n",
            "[]",
            "{}",
            "\"é→\"",
            "123456789012345678901234567890",
            "[[[[[[[[[[1]]]]]]]]]]",
            "{\"a\":{},\"b\":[{}],\"a\":2}",
            "\"\u{7f}\"",
        ];
        for text in accepted {
            assert!(surely_parses(text.as_bytes()), "{text}");
            assert!(serde_parses(text.as_bytes()), "{text}");
        }
        let left_to_serde = [
            "",
            " ",
            "{",
            "}",
            "[1,]",
            "{\"a\":1,}",
            "{\"a\" 1}",
            "{1:2}",
            "01",
            "1.",
            ".5",
            "-",
            "+1",
            "1e3",
            "1E3",
            "1e400",
            "\"\\u0041\"",
            "\"\\ud800\"",
            "\"\\x\"",
            "\"a\tb\"",
            "tru",
            "nul",
            "[1] x",
            "{\"a\":1}}",
            "[1]]",
            "\u{feff}{}",
            "[1 2]",
            "{\"a\":1 \"b\":2}",
        ];
        for text in left_to_serde {
            assert!(!surely_parses(text.as_bytes()), "{text}");
        }
        assert!(!surely_parses(b"\"\xff\""));
        let deep = |n: usize| format!("{}1{}", "[".repeat(n), "]".repeat(n));
        assert!(surely_parses(deep(99).as_bytes()));
        assert!(!surely_parses(deep(100).as_bytes()));
        assert!(!surely_parses(deep(200).as_bytes()));
        assert!(surely_parses("9".repeat(300).as_bytes()));
        assert!(!surely_parses("9".repeat(301).as_bytes()));
    }

    /// Each rule of the proof for scanned text, on both sides of it.
    #[test]
    fn scanned_text_is_proved_by_its_strings_numbers_and_depth() {
        let deep = |n: usize| format!("{}1{}", "[".repeat(n), "]".repeat(n));
        let accepted = [
            r#"{"mcpOAuth":{"a|1":{"accessToken":"x1e5","expiresAt":4102444800000,"n":-1.5}},"z":[]}"#.to_string(),
            r#"[true,false,null,{"e":1,"E":[2]},"\"\\\/\b\f\n\r\t",0]"#.to_string(),
            "\"é→ 9e9 \\\\ \"".to_string(),
            deep(99),
            "9".repeat(300),
            format!("[{},1]", "9".repeat(300)),
        ];
        for text in &accepted {
            assert!(scanner_accepts(text.as_bytes()), "{text}");
            assert!(surely_parses_scanned(text.as_bytes()), "{text}");
            assert!(serde_parses(text.as_bytes()), "{text}");
        }
        let left_to_serde = [
            "1e3".to_string(),
            "[1E3]".to_string(),
            "{\"a\":1.5e-3}".to_string(),
            "{\"a\":0e0}".to_string(),
            "\"\\u0041\"".to_string(),
            "\"\\ud800\"".to_string(),
            // An escaped backslash before a `u`: serde parses it, but the proof leaves it.
            "\"a\\\\u\"".to_string(),
            deep(100),
            "9".repeat(301),
            format!("[-0.{}]", "1".repeat(300)),
        ];
        for text in &left_to_serde {
            assert!(scanner_accepts(text.as_bytes()), "{text}");
            assert!(!surely_parses_scanned(text.as_bytes()), "{text}");
        }
    }

    /// Thousands of mutations of valid documents (a byte replaced, inserted or dropped): whatever
    /// is surely parsed, serde parses; and many of them are surely parsed (the proof is not
    /// vacuous).
    #[test]
    fn a_text_surely_parsed_is_always_one_serde_parses() {
        let seeds = [
            r#"{"claudeAiOauth":{"accessToken":"t","scopes":["a","b"]},"mcpOAuth":{"s|1":{"serverUrl":"https://h/mcp","expiresAt":1,"x":[0.5,-2,true,null,{}]}}}"#,
            "{\n  \"a\": [1, 2.5, \"x\\ny\"],\n  \"b\": {\"c\": false}\n}\n",
            "[[1,[2,[3,{\"k\":[4]}]]],\"\\\\\"]",
        ];
        let pieces: &[&[u8]] = &[
            b"{",
            b"}",
            b"[",
            b"]",
            b"\"",
            b":",
            b",",
            b"\\",
            b" ",
            b"\t",
            b"\n",
            b"\x01",
            b"\x7f",
            b"0",
            b"1",
            b"9",
            b"-",
            b"+",
            b".",
            b"e",
            b"E",
            b"t",
            b"f",
            b"n",
            b"u",
            b"l",
            b"a",
            b"\xc3",
            b"\xa9",
            b"\xe2\x86\x92",
            b"\\u",
            b"true",
            b"null",
            b"1e9",
        ];
        let mut rng = crate::test_rng::Rng::new(0x9e37_79b9_7f4a_7c15);
        let mut next = |n: usize| rng.below(n);
        let (mut surely, mut total) = (0, 0);
        let (mut surely_scanned, mut scanned) = (0, 0);
        for seed in seeds {
            for _ in 0..4000 {
                let mut text = seed.as_bytes().to_vec();
                for _ in 0..1 + next(3) {
                    let at = next(text.len() + 1);
                    let piece = pieces[next(pieces.len())];
                    match next(3) {
                        0 if at < text.len() => {
                            text.splice(at..at + 1, piece.iter().copied());
                        }
                        1 => {
                            text.splice(at..at, piece.iter().copied());
                        }
                        _ if at < text.len() => {
                            text.remove(at);
                        }
                        _ => {}
                    }
                }
                total += 1;
                if surely_parses(&text) {
                    surely += 1;
                    assert!(serde_parses(&text), "{}", String::from_utf8_lossy(&text));
                }
                if scanner_accepts(&text) {
                    scanned += 1;
                    if surely_parses_scanned(&text) {
                        surely_scanned += 1;
                        assert!(serde_parses(&text), "{}", String::from_utf8_lossy(&text));
                    }
                    // It proves at least what the careful walk proves, `\\u` aside.
                    let escaped_u = text.windows(2).any(|w| w == b"\\u");
                    if surely_parses(&text) && !escaped_u {
                        assert!(
                            surely_parses_scanned(&text),
                            "{}",
                            String::from_utf8_lossy(&text)
                        );
                    }
                }
            }
        }
        assert!(surely * 10 >= total, "{surely} of {total} surely parsed");
        assert!(
            scanned >= 1000 && surely_scanned * 2 >= scanned,
            "{surely_scanned} of {scanned} scanned surely parsed"
        );
    }
}
