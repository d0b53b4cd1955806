use super::*;
use crate::test_rng::Rng;

fn remove(text: &str, path: &[&str], key: &str) -> String {
    String::from_utf8(remove_member(text.as_bytes(), path, key).unwrap().unwrap()).unwrap()
}

#[test]
fn removes_first_middle_last_and_only_members_compactly() {
    let t = r#"{"m":{"a":1,"b":{"x":[1e3]},"c":"\u00e9"},"z":true}"#;
    assert_eq!(
        remove(t, &["m"], "a"),
        r#"{"m":{"b":{"x":[1e3]},"c":"\u00e9"},"z":true}"#
    );
    assert_eq!(
        remove(t, &["m"], "b"),
        r#"{"m":{"a":1,"c":"\u00e9"},"z":true}"#
    );
    assert_eq!(
        remove(t, &["m"], "c"),
        r#"{"m":{"a":1,"b":{"x":[1e3]}},"z":true}"#
    );
    assert_eq!(remove(r#"{"m":{"only":1}}"#, &["m"], "only"), r#"{"m":{}}"#);
    assert_eq!(remove(r#"{"q":1,"r":2}"#, &[], "q"), r#"{"r":2}"#);
    assert!(
        remove_member(t.as_bytes(), &["m"], "nope")
            .unwrap()
            .is_none()
    );
}

#[test]
fn keeps_pretty_formatting() {
    let t = "{\n  \"m\": {\n    \"a\": 1,\n    \"b\": 2\n  }\n}\n";
    assert_eq!(
        remove(t, &["m"], "a"),
        "{\n  \"m\": {\n    \"b\": 2\n  }\n}\n"
    );
    assert_eq!(
        remove(t, &["m"], "b"),
        "{\n  \"m\": {\n    \"a\": 1\n  }\n}\n"
    );
}

/// testdata/duplicate-key: a removal by key cannot say which copy it means, and removing both
/// loses the valid tokens of the first (issue 14, defect 6). Nothing in such an object is edited,
/// not even another key; an object elsewhere in the file still is.
#[test]
fn refuses_an_object_with_a_duplicated_key() {
    let t = br#"{"m":{"k":{"accessToken":"valid"},"x":2,"k":{"accessToken":""}},"n":{"y":1}}"#;
    for key in ["k", "x"] {
        let e = remove_member(t, &["m"], key).unwrap_err().to_string();
        assert!(e.contains("more than once"), "{e}");
    }
    assert!(insert_member(t, &["m"], "z", &Value::Null).is_err());
    let e = remove_members(t, &[removal(&["n"], "y"), removal(&["m"], "x")]).unwrap_err();
    assert!(
        e.to_string().contains("\"x\"") || e.to_string().contains("\"k\""),
        "{e}"
    );
    assert_eq!(
        remove(std::str::from_utf8(t).unwrap(), &["n"], "y"),
        r#"{"m":{"k":{"accessToken":"valid"},"x":2,"k":{"accessToken":""}},"n":{}}"#
    );
    // A duplicated key on the way to the object: which `m` is meant?
    let t = br#"{"m":"first","m":{"k":1}}"#;
    assert!(remove_member(t, &["m"], "k").is_err());
}

#[test]
fn keys_with_slashes_and_bars_are_found() {
    let t = r#"{"mcpOAuth":{"plugin:a:b|0123456789abcdef":{},"a/b|1":{}}}"#;
    assert_eq!(
        remove(t, &["mcpOAuth"], "plugin:a:b|0123456789abcdef"),
        r#"{"mcpOAuth":{"a/b|1":{}}}"#
    );
    assert_eq!(
        split_pointer("/mcpOAuth/a~1b|1"),
        Some((vec!["mcpOAuth".to_string()], "a/b|1".to_string()))
    );
}

#[test]
fn inserts_in_the_objects_own_style() {
    let ins = |t: &str, path: &[&str], k: &str, v: Value| {
        String::from_utf8(insert_member(t.as_bytes(), path, k, &v).unwrap()).unwrap()
    };
    assert_eq!(
        ins(
            r#"{"m":{"a":1},"z":2}"#,
            &["m"],
            "b",
            serde_json::json!({"x": 1})
        ),
        r#"{"m":{"a":1,"b":{"x":1}},"z":2}"#
    );
    assert_eq!(
        ins(r#"{"m":{}}"#, &["m"], "b", Value::Bool(true)),
        r#"{"m":{"b":true}}"#
    );
    assert_eq!(
        ins("{\n  \"a\": 1\n}", &[], "b", Value::from(2)),
        "{\n  \"a\": 1,\n  \"b\": 2\n}"
    );
    assert!(insert_member(br#"{"m":{"a":1}}"#, &["m"], "a", &Value::Null).is_err());
    assert!(insert_member(br#"{"q":1}"#, &["m"], "a", &Value::Null).is_err());
}

#[test]
fn refuses_an_object_that_appears_twice() {
    let t = br#"{"m":{"k":1},"other":{"keep":true},"m":{"k":2}}"#;
    assert!(remove_member(t, &["m"], "k").is_err());
    assert!(insert_member(t, &["m"], "x", &Value::Null).is_err());
}

#[test]
fn refuses_broken_json() {
    assert!(remove_member(b"{\"m\":{\"a\":1,}}", &["m"], "a").is_err());
    assert!(remove_member(b"\xEF\xBB\xBF{\"a\":1}", &[], "a").is_err());
}

fn removal(object: &[&str], key: &str) -> Removal {
    Removal {
        object: object.iter().map(|s| s.to_string()).collect(),
        key: key.to_string(),
    }
}

/// The algorithm `fix` used before removals were batched, kept as the reference: one member at a
/// time, re-scanning the current text for each.
fn one_at_a_time(text: &[u8], removals: &[Removal]) -> (Vec<u8>, Vec<bool>) {
    let mut current = text.to_vec();
    let mut found = Vec::new();
    for r in removals {
        let whole = Spliced::whole(&current);
        let s = spans(&whole, vec![&r.object]).unwrap();
        let t = &s.targets[0];
        let Some(i) = t.members.iter().position(|m| m.key(&whole) == r.key) else {
            found.push(false);
            continue;
        };
        let (open, close) = t.object.unwrap();
        let n = t.members.len();
        let (from, to) = if n == 1 {
            (open + 1, close)
        } else if i + 1 < n {
            (t.members[i].start, t.members[i + 1].start)
        } else {
            (t.members[i - 1].end, t.members[i].end)
        };
        current.drain(from as usize..to as usize);
        found.push(true);
    }
    (current, found)
}

/// A document with two objects of `n` and `m` members in a random layout (compact, pretty,
/// irregular whitespace), and some removals of members that are there or not, in random order,
/// some twice.
fn random_case(rng: &mut Rng) -> (String, Vec<Removal>) {
    let ws = |rng: &mut Rng| [" ", "", "\n  ", "\t", "\r\n    "][rng.below(5)].to_string();
    let object = |rng: &mut Rng, prefix: &str, n: usize| {
        let mut s = format!("{{{}", ws(rng));
        for i in 0..n {
            if i > 0 {
                s.push_str(&format!("{},{}", ws(rng), ws(rng)));
            }
            let value = ["1e3", r#""\u00e9\"x""#, "{\"a\":[1, 2]}", "null", "[]"][rng.below(5)];
            s.push_str(&format!("\"{prefix}{i}\"{}:{}{value}", ws(rng), ws(rng)));
        }
        s.push_str(&format!("{}}}", ws(rng)));
        s
    };
    let (n, m) = (rng.below(7), rng.below(4));
    let text = format!(
        "{{{}\"m\":{},\"keep\":{}, \"o\" : {}{}}}",
        ws(rng),
        object(rng, "k", n),
        object(rng, "q", 2),
        object(rng, "p", m),
        ws(rng)
    );
    let mut removals = Vec::new();
    for _ in 0..rng.below(n + m + 3) {
        removals.push(if rng.below(3) == 0 {
            removal(&["o"], &format!("p{}", rng.below(m + 1)))
        } else {
            removal(&["m"], &format!("k{}", rng.below(n + 1)))
        });
    }
    (text, removals)
}

/// Removing many members in one pass leaves exactly the bytes removing them one at a time did,
/// for every subset, order and layout tried, and the result parses to the expected value.
#[test]
fn batched_removal_matches_one_at_a_time() {
    let mut rng = Rng::new(20261201);
    for case in 0..3000 {
        let (text, removals) = random_case(&mut rng);
        let batched = remove_members(text.as_bytes(), &removals).unwrap();
        let (reference, found) = one_at_a_time(text.as_bytes(), &removals);
        assert_eq!(
            String::from_utf8_lossy(&batched.text),
            String::from_utf8_lossy(&reference),
            "case {case}: {text} minus {removals:?}"
        );
        assert_eq!(batched.found, found, "case {case}");
        // The write protocol's view of the same removal: the text's pieces between the cuts,
        // never put together, and checked where they lie.
        let cuts = removal_cuts(text.as_bytes(), &removals).unwrap();
        assert_eq!(cuts.found, found, "case {case}");
        let kept = crate::fix::spliced::kept_between(text.len(), &cuts.cuts);
        let pieces = Spliced::new(text.as_bytes(), &kept);
        assert_eq!(pieces.to_vec(), reference, "case {case}");
        let gone: Vec<Removal> = removals
            .iter()
            .zip(&found)
            .filter(|(_, f)| **f)
            .map(|(r, _)| r.clone())
            .collect();
        assert!(
            removed_exactly(text.as_bytes(), &pieces, &gone),
            "case {case}"
        );
        let before: Value = serde_json::from_str(&text).unwrap();
        let applied = removals
            .iter()
            .zip(&found)
            .filter(|(_, f)| **f)
            .map(|(r, _)| r);
        let want = expected_after(before, applied);
        let got: Value = serde_json::from_slice(&batched.text).unwrap();
        assert!(same_json(&got, &want), "case {case}");
    }
}

#[test]
fn nested_targets_are_refused() {
    let t = br#"{"m":{"k":{"x":1}}}"#;
    assert!(remove_members(t, &[removal(&["m"], "k"), removal(&["m", "k"], "x")]).is_err());
}

/// `same_json` answers what comparing the serialised texts answered, on values that differ in
/// order, number kind, sign of zero, nesting and type.
#[test]
fn same_json_is_equality_of_the_serialised_text() {
    let values: Vec<Value> = [
        "null",
        "true",
        "false",
        "0",
        "-0",
        "0.0",
        "-0.0",
        "1",
        "1.0",
        "1e3",
        "1000",
        "-1",
        "18446744073709551615",
        "-9223372036854775808",
        "9223372036854775807",
        "0.1",
        "\"a\"",
        "\"b\"",
        "[]",
        "[1]",
        "[1,2]",
        "[2,1]",
        "{}",
        "{\"a\":1}",
        "{\"a\":1.0}",
        "{\"a\":1,\"b\":2}",
        "{\"b\":2,\"a\":1}",
        "{\"a\":{\"b\":[null]}}",
        "{\"a\":{\"b\":[false]}}",
    ]
    .iter()
    .map(|t| serde_json::from_str(t).unwrap())
    .collect();
    for a in &values {
        for b in &values {
            let by_text = serde_json::to_string(a).unwrap() == serde_json::to_string(b).unwrap();
            assert_eq!(same_json(a, b), by_text, "{a} vs {b}");
        }
    }
}

#[test]
fn keys_spelt_with_escapes_are_found_by_what_they_read() {
    let t = br#"{"m":{"\u0061":1,"b\"q":2,"c":3}}"#;
    let r = |k: &str| Removal {
        object: vec!["m".to_string()].into(),
        key: k.into(),
    };
    let both = [r("a"), r("b\"q")];
    let out = remove_members(t, &both).unwrap();
    assert_eq!(out.found, [true, true]);
    assert_eq!(out.text, br#"{"m":{"c":3}}"#);
    assert!(removed_exactly(t, &Spliced::whole(&out.text), &both));
    let kept = remove_members(t, &[r("c")]).unwrap();
    assert_eq!(kept.text, br#"{"m":{"\u0061":1,"b\"q":2}}"#);
    assert!(removed_exactly(t, &Spliced::whole(&kept.text), &[r("c")]));
    assert!(!removed_exactly(t, &Spliced::whole(&kept.text), &[r("a")]));
    assert!(insert_member(t, &["m"], "a", &serde_json::json!(2)).is_err());
}
