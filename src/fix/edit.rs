//! Edits JSON text in place: a removed member's bytes go, every other byte stays exactly as it was
//! (key order, number spelling, escapes, indentation, the missing trailing newline).
//!
//! Re-serialising a `Value` would normalise `1.0` to `1.0` but `1e3` to `1000.0` and `\u00e9` to
//! `é`; cutting the member's byte span out of the original text cannot.

use anyhow::{Result, bail};
use serde_json::Value;

use crate::json::scan::{self, Seg, Visit, Visitor};

/// Collects the spans of the members of one object.
struct Spans<'a> {
    target: &'a [&'a str],
    members: Vec<(String, u64, u64)>,
    object: Option<(u64, u64)>,
    /// How many objects sit at the target path (more than one when a key on the way is
    /// duplicated: then the spans would mix two objects).
    objects: usize,
}

fn is_target(path: &[Seg], target: &[&str]) -> bool {
    path.len() == target.len()
        && path
            .iter()
            .zip(target)
            .all(|(seg, want)| matches!(seg, Seg::Key(k) if k == want))
}

impl Visitor for Spans<'_> {
    fn visit(&mut self, path: &[Seg]) -> Visit {
        let on_the_way = path.len() <= self.target.len()
            && path
                .iter()
                .zip(self.target)
                .all(|(seg, want)| matches!(seg, Seg::Key(k) if k == want));
        if on_the_way {
            Visit::Descend
        } else {
            Visit::Skip
        }
    }
    fn captured(&mut self, _path: &[Seg], _raw: Vec<u8>) {}
    fn member_span(&mut self, object: &[Seg], key: &str, start: u64, end: u64) {
        if is_target(object, self.target) {
            self.members.push((key.to_string(), start, end));
        }
    }
    fn object_span(&mut self, path: &[Seg], open: u64, close: u64) {
        if is_target(path, self.target) {
            self.object = Some((open, close));
            self.objects += 1;
        }
    }
}

fn spans<'a>(text: &[u8], target: &'a [&'a str]) -> Result<Spans<'a>> {
    let mut v = Spans {
        target,
        members: Vec::new(),
        object: None,
        objects: 0,
    };
    let report = scan::scan(text, &mut v)?;
    if let Some(e) = report.error {
        bail!("the file is not valid JSON ({})", e.kind.describe());
    }
    if report.bom {
        bail!("the file starts with a byte order mark");
    }
    if v.objects > 1 {
        bail!(
            "the file holds /{} more than once (a duplicated key); edit it by hand",
            target.join("/")
        );
    }
    Ok(v)
}

/// Removes every occurrence of `key` from the object at `object_path` (`[]` is the top level).
/// Returns `None` when the key is not there.
pub fn remove_member(text: &[u8], object_path: &[&str], key: &str) -> Result<Option<Vec<u8>>> {
    let mut current = text.to_vec();
    let mut changed = false;
    loop {
        let s = spans(&current, object_path)?;
        let Some(i) = s.members.iter().position(|(k, _, _)| k == key) else {
            return Ok(changed.then_some(current));
        };
        let Some((open, close)) = s.object else {
            bail!("internal: no span for the object holding \"{key}\"");
        };
        let n = s.members.len();
        let (from, to) = if n == 1 {
            // The only member: leave `{}` (what Claude Code accepts and writes).
            (open + 1, close)
        } else if i + 1 < n {
            // Up to the next member's key: takes the comma and the whitespace before the next.
            (s.members[i].1, s.members[i + 1].1)
        } else {
            // The last member: from the end of the previous value, taking the comma before it.
            (s.members[i - 1].2, s.members[i].2)
        };
        let (from, to) = (from as usize, to as usize);
        current.drain(from..to);
        changed = true;
    }
}

/// Adds `"key": value` as the last member of the object at `object_path`, in the object's own
/// style (compact, or one member per line with its indentation). The object must exist and must not
/// hold `key`. Every existing byte stays as it was.
pub fn insert_member(
    text: &[u8],
    object_path: &[&str],
    key: &str,
    value: &Value,
) -> Result<Vec<u8>> {
    let s = spans(text, object_path)?;
    let Some((open, close)) = s.object else {
        bail!("no object at /{}", object_path.join("/"));
    };
    if s.members.iter().any(|(k, _, _)| k == key) {
        bail!("\"{key}\" is already there");
    }
    let (open, close) = (open as usize, close as usize);
    let pretty =
        text[open..close].contains(&b'\n') || (s.members.is_empty() && text.contains(&b'\n'));
    let member = format!(
        "{}{}{}",
        Value::String(key.to_string()),
        if pretty { ": " } else { ":" },
        serde_json::to_string(value)?
    );
    let mut out = Vec::with_capacity(text.len() + member.len() + 8);
    match s.members.last() {
        Some(&(_, _, last_end)) => {
            // Reuse the whitespace that precedes the first member (newline and indentation).
            let first_start = s.members[0].1 as usize;
            let lead = &text[open + 1..first_start];
            let last_end = last_end as usize;
            out.extend_from_slice(&text[..last_end]);
            out.push(b',');
            out.extend_from_slice(lead);
            out.extend_from_slice(member.as_bytes());
            out.extend_from_slice(&text[last_end..]);
        }
        None => {
            out.extend_from_slice(&text[..open + 1]);
            out.extend_from_slice(member.as_bytes());
            out.extend_from_slice(&text[close..]);
        }
    }
    Ok(out)
}

/// What a JSON Pointer with two levels or fewer names: the object path and the key.
pub fn split_pointer(pointer: &str) -> Option<(Vec<String>, String)> {
    let mut parts: Vec<String> = pointer
        .strip_prefix('/')?
        .split('/')
        .map(|p| p.replace("~1", "/").replace("~0", "~"))
        .collect();
    let key = parts.pop()?;
    Some((parts, key))
}

/// The value the edited text must parse to: `before` with the member removed.
pub fn expected_after(before: &Value, object_path: &[String], key: &str) -> Value {
    let mut v = before.clone();
    let mut target = Some(&mut v);
    for seg in object_path {
        target = target.and_then(|t| t.get_mut(seg.as_str()));
    }
    if let Some(Value::Object(map)) = target {
        map.shift_remove(key);
    }
    v
}

/// Order-sensitive equality (serde_json's `Map` equality ignores order).
pub fn same_json(a: &Value, b: &Value) -> bool {
    serde_json::to_string(a).ok() == serde_json::to_string(b).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn removes_every_duplicate() {
        let t = r#"{"m":{"k":1,"x":2,"k":3}}"#;
        assert_eq!(remove(t, &["m"], "k"), r#"{"m":{"x":2}}"#);
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
}
