//! Whether new bytes are old bytes with exactly some members removed, checked without a tree.
//!
//! The write protocol checks the bytes it is about to write against what they must mean. For a
//! removal that was the old text parsed into a `Value`, minus the removed members
//! ([`super::expected_after`]), compared with the new text ([`super::parses_to`]): a tree of
//! the whole file, eight times its size, built while Claude Code's lock is held. [`removed_exactly`]
//! scans both texts instead (the careful scanner: every byte, no tree) and compares spans:
//!
//! - both scan without error, without a byte order mark, and each object a removal names is
//!   there exactly once, with no duplicated key in it or on the way to it;
//! - the new object's members are the old object's members minus exactly the removed ones, in
//!   order, each the same bytes (key, colon, value) as before;
//! - every byte outside those objects, their braces included, is the same.
//!
//! Between the kept members only whitespace and commas can differ, which JSON does not read, so
//! the new text parses to exactly the old value without the removed members: a "yes" here
//! implies [`super::parses_to`]'s "yes" (the tests compare the two on many pairs). It is
//! stricter the other way: text that means the same but is spelt differently (another escape,
//! another number spelling) is a "no", which the write protocol reports as an internal error
//! and writes nothing. [`super::remove_members`] never spells anything differently.

use std::collections::HashSet;

use super::{Removal, spans};
use crate::fix::spliced::Spliced;

/// Whether `after` is `base` with exactly the members `removals` name removed (each of them
/// there in `base`), every other member and byte kept as it was. `base` must be text serde_json
/// parses (the write protocol checks that first, [`crate::store::accept::parses`]): the new
/// text's literals are all the base's, so it parses too. `after` is read where it lies (the
/// pieces of the bytes read under the lock that a removal keeps): scanned, and compared piece
/// by piece.
pub fn removed_exactly(base: &[u8], after: &Spliced<'_>, removals: &[Removal]) -> bool {
    let mut paths: Vec<&[String]> = Vec::new();
    for r in removals {
        if !paths.contains(&&*r.object) {
            paths.push(&r.object);
        }
    }
    let base_text = Spliced::whole(base);
    let (Ok(old), Ok(new)) = (spans(&base_text, paths.clone()), spans(after, paths)) else {
        return false;
    };
    let mut old_braces = Vec::new();
    let mut new_braces = Vec::new();
    for (path, (was, now)) in old.paths.iter().zip(old.targets.iter().zip(&new.targets)) {
        let (Some(was_at), Some(now_at)) = (was.object, now.object) else {
            return false;
        };
        if was.objects != 1 || now.objects != 1 {
            return false;
        }
        let gone: HashSet<&str> = removals
            .iter()
            .filter(|r| &*r.object == *path)
            .map(|r| r.key.as_str())
            .collect();
        let kept: Vec<_> = was
            .members
            .iter()
            .filter(|m| !gone.contains(m.key(&base_text)))
            .collect();
        // Each removed key was a member (keys are unique: `spans` refuses duplicates).
        if was.members.len() != kept.len() + gone.len() || now.members.len() != kept.len() {
            return false;
        }
        let same_members = kept.iter().zip(&now.members).all(|(a, b)| {
            a.key(&base_text) == b.key(after)
                && after.eq_range(
                    b.start as usize,
                    b.end as usize,
                    &base[a.start as usize..a.end as usize],
                )
        });
        if !same_members {
            return false;
        }
        old_braces.push(was_at);
        new_braces.push(now_at);
    }
    old_braces.sort_unstable();
    new_braces.sort_unstable();
    let (Some(was), Some(now)) = (
        outside(base.len(), &old_braces),
        outside(after.len(), &new_braces),
    ) else {
        return false;
    };
    was.len() == now.len()
        && was
            .iter()
            .zip(&now)
            .all(|(&(a, b), &(c, d))| after.eq_range(c, d, &base[a..b]))
}

/// The byte ranges of a text of `len` bytes outside the objects at `braces` (sorted, not
/// nested), their braces included, as the runs between them; `None` when the braces overlap or
/// reach past the end (no text of the same layout).
fn outside(len: usize, braces: &[(u64, u64)]) -> Option<Vec<(usize, usize)>> {
    let mut runs = Vec::with_capacity(braces.len() + 1);
    let mut at = 0;
    for &(open, close) in braces {
        let (open, close) = (open as usize, close as usize);
        if open < at || close >= len {
            return None;
        }
        runs.push((at, open + 1));
        at = close;
    }
    runs.push((at, len));
    Some(runs)
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    use super::super::{expected_after, parses_to, removal_cuts, remove_members};
    use super::*;
    use crate::fix::spliced::kept_between;

    fn removal(object: &[&str], key: &str) -> Removal {
        Removal {
            object: object.iter().map(|s| s.to_string()).collect(),
            key: key.to_string(),
        }
    }

    /// [`removed_exactly`] of bytes, checked to give the same answer when those bytes are read
    /// as pieces of other text (every split of them, a key or a member across two pieces).
    fn exactly(base: &[u8], after: &[u8], removals: &[Removal]) -> bool {
        let got = removed_exactly(base, &Spliced::whole(after), removals);
        for every in [1, 2, 3, 5, 64] {
            let (spread, kept) = chopped(after, every);
            assert_eq!(
                removed_exactly(base, &Spliced::new(&spread, &kept), removals),
                got,
                "{} in pieces of {every}",
                String::from_utf8_lossy(after)
            );
        }
        got
    }

    /// `text` with a `#` after every `every` bytes, and the ranges that leave it out again.
    fn chopped(text: &[u8], every: usize) -> (Vec<u8>, Vec<(usize, usize)>) {
        let mut spread = Vec::new();
        let mut kept = Vec::new();
        for piece in text.chunks(every) {
            kept.push((spread.len(), spread.len() + piece.len()));
            spread.extend_from_slice(piece);
            spread.push(b'#');
        }
        (spread, kept)
    }

    /// Today's answer: the base parsed, the members removed, compared with the new text.
    fn by_tree(base: &[u8], after: &[u8], removals: &[Removal]) -> bool {
        serde_json::from_slice::<Value>(base)
            .is_ok_and(|v| parses_to(after, &expected_after(v, removals)))
    }

    const BASES: &[&str] = &[
        r#"{"m":{"a":1,"b":{"x":[1e3]},"c":"\u00e9"},"z":true}"#,
        "{\n  \"m\": {\n    \"a\": 1,\n    \"b\": 2\n  },\n  \"o\": {\"p\": null, \"q\": []}\n}\n",
        r#"{"z":1,"m":{"a":{"a":1,"a":2},"b":2},"z":2}"#,
        r#"{"m":{"a":1,"b":2,"a":3}}"#,
        r#"{"m":"first","m":{"a":1}}"#,
        r#"{"o":{"p":1},"m":{"a":"\"}","b":"{\"a\":1}"}}"#,
        r#"{"m":{"a":1,"b":2},}"#,
        "\u{feff}{\"m\":{\"a\":1}}",
        r#"{"m":{"only":{}}}"#,
        r#"{"m":{"a":1e400,"b":2}}"#,
        r#"[{"m":{"a":1}}]"#,
    ];

    fn removal_sets() -> Vec<Vec<Removal>> {
        vec![
            vec![removal(&["m"], "a")],
            vec![removal(&["m"], "b")],
            vec![removal(&["m"], "a"), removal(&["m"], "b")],
            vec![removal(&["m"], "only")],
            vec![removal(&["m"], "a"), removal(&["o"], "p")],
            vec![removal(&["o"], "q"), removal(&["m"], "c")],
            vec![removal(&[], "z")],
            vec![removal(&["m"], "nope")],
            vec![],
        ]
    }

    /// Candidates for the new text: the real removal, and texts near it that are right, wrong or
    /// broken.
    fn candidates(base: &[u8], removals: &[Removal]) -> Vec<Vec<u8>> {
        let mut out = vec![base.to_vec(), b"{}".to_vec(), Vec::new()];
        if let Ok(r) = remove_members(base, removals) {
            let t = r.text;
            out.push(t.clone());
            let s = String::from_utf8_lossy(&t).into_owned();
            out.push(s.replacen(',', " , ", 1).into_bytes());
            out.push(s.replacen(',', ",,", 1).into_bytes());
            out.push(s.replacen("1", "1.0", 1).into_bytes());
            out.push(s.replacen("\"a\"", "\"\\u0061\"", 1).into_bytes());
            out.push(s.replacen("2", "3", 1).into_bytes());
            out.push(s.replacen('{', "{\"new\":0,", 1).into_bytes());
            out.push(s.replacen('}', ",\"new\":0}", 1).into_bytes());
            out.push(format!("\u{feff}{s}").into_bytes());
            out.push(format!("{s} ").into_bytes());
            out.push(format!("{s}x").into_bytes());
            out.push(t[..t.len().saturating_sub(1)].to_vec());
            for i in 0..t.len() {
                let mut m = t.clone();
                m.remove(i);
                out.push(m);
            }
        }
        out
    }

    #[test]
    fn a_yes_is_always_the_trees_yes_and_every_real_removal_is_a_yes() {
        let (mut yes, mut no, mut real) = (0, 0, 0);
        for base in BASES {
            let base = base.as_bytes();
            // The precondition: the write protocol refuses a base serde_json cannot parse.
            if crate::store::accept::parses(base).is_err() {
                continue;
            }
            for removals in removal_sets() {
                let real_removal = remove_members(base, &removals).ok();
                for after in candidates(base, &removals) {
                    let found: Vec<Removal> = match &real_removal {
                        Some(r) => removals
                            .iter()
                            .zip(&r.found)
                            .filter(|(_, f)| **f)
                            .map(|(r, _)| r.clone())
                            .collect(),
                        None => removals.clone(),
                    };
                    let got = exactly(base, &after, &found);
                    let tree = by_tree(base, &after, &found);
                    if got {
                        assert!(
                            tree,
                            "{} -> {} minus {found:?}",
                            String::from_utf8_lossy(base),
                            String::from_utf8_lossy(&after)
                        );
                        yes += 1;
                    } else {
                        no += 1;
                    }
                    if real_removal.as_ref().is_some_and(|r| r.text == after) {
                        assert!(got && tree, "the real removal of {found:?}");
                        // As the write protocol reads it: the base's pieces between the cuts.
                        let cuts = removal_cuts(base, &removals).unwrap().cuts;
                        let kept = kept_between(base.len(), &cuts);
                        let pieces = Spliced::new(base, &kept);
                        assert_eq!(pieces.to_vec(), after);
                        assert!(removed_exactly(base, &pieces, &found));
                        real += 1;
                    }
                }
            }
        }
        assert!(
            yes > 60 && no > 500 && real > 20,
            "{yes} yes, {no} no, {real} real"
        );
    }

    #[test]
    fn a_removal_not_made_or_a_member_not_there_is_a_no() {
        let base = br#"{"m":{"a":1,"b":2}}"#;
        assert!(!exactly(base, base, &[removal(&["m"], "a")]));
        assert!(!exactly(base, br#"{"m":{"b":2}}"#, &[removal(&["m"], "x")]));
        assert!(!exactly(base, br#"{"m":{"a":1}}"#, &[removal(&["m"], "a")]));
        assert!(exactly(base, br#"{"m":{"b":2}}"#, &[removal(&["m"], "a")]));
        assert!(exactly(base, base, &[]));
        // Stricter than the tree: a trailing space means the same, but is not what was made.
        assert!(!exactly(base, br#"{"m":{"a":1,"b":2}} "#, &[]));
    }
}
