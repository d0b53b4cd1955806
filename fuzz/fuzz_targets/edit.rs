//! The entry editor on generated JSON documents (any formatting, escapes in keys, nesting,
//! duplicate keys): removing or inserting one member changes exactly that member's bytes (and one
//! comma), every other byte stays as it was, and the result parses to what it should.

#![no_main]

use libfuzzer_sys::fuzz_target;
use mcp_auth_doctor::fix::edit;
use serde_json::Value;

/// Draws choices from the fuzzer's bytes (zeros once they run out).
struct Bytes<'a>(&'a [u8]);

impl Bytes<'_> {
    fn next(&mut self) -> u8 {
        match self.0.split_first() {
            Some((b, rest)) => {
                self.0 = rest;
                *b
            }
            None => 0,
        }
    }
    fn pick<'s>(&mut self, options: &[&'s str]) -> &'s str {
        options[self.next() as usize % options.len()]
    }
}

/// Writes JSON text of arbitrary shape and formatting.
struct Writer<'a, 'b> {
    b: &'b mut Bytes<'a>,
    out: String,
    keys: Vec<String>,
}

impl Writer<'_, '_> {
    fn ws(&mut self) {
        let w = self.b.pick(&["", "", " ", "\n  ", "\n", "\t", "\r\n    "]);
        self.out.push_str(w);
    }

    /// A string literal; returns the decoded value.
    fn string(&mut self) -> String {
        let mut decoded = String::new();
        self.out.push('"');
        for _ in 0..self.b.next() % 12 {
            let (text, value) = match self.b.next() % 14 {
                0 => ("\\\"", "\""),
                1 => ("\\\\", "\\"),
                2 => ("\\u0062", "b"),
                3 => ("\\ud83d\\ude00", "😀"),
                4 => ("é", "é"),
                5 => ("|", "|"),
                6 => ("\\n", "\n"),
                7 => ("\\/", "/"),
                8 => ("\u{2028}", "\u{2028}"),
                9 => ("linear", "linear"),
                10 => ("638130d5ab3558f4", "638130d5ab3558f4"),
                11 => (",", ","),
                12 => ("}", "}"),
                _ => ("a", "a"),
            };
            self.out.push_str(text);
            decoded.push_str(value);
        }
        self.out.push('"');
        decoded
    }

    fn value(&mut self, depth: u32) {
        let kind = if depth > 4 {
            self.b.next() % 4
        } else {
            self.b.next() % 7
        };
        match kind {
            0 => self.out.push_str("null"),
            1 => self.out.push_str(self.b.pick(&["true", "false"])),
            2 => self
                .out
                .push_str(self.b.pick(&["0", "-1.5e3", "4102444800000", "1E+2"])),
            3 => {
                self.string();
            }
            4 => {
                self.out.push('[');
                let n = self.b.next() % 4;
                for i in 0..n {
                    if i > 0 {
                        self.out.push(',');
                    }
                    self.ws();
                    self.value(depth + 1);
                    self.ws();
                }
                self.out.push(']');
            }
            _ => self.object(depth + 1, false),
        }
    }

    /// An object; the members of the one at `record` are noted as candidate keys.
    fn object(&mut self, depth: u32, record: bool) {
        self.out.push('{');
        let n = self.b.next() % 6;
        let mut own: Vec<String> = Vec::new();
        for i in 0..n {
            if i > 0 {
                self.out.push(',');
            }
            self.ws();
            // Sometimes repeat an earlier key, written the same or differently.
            let key = if !own.is_empty() && self.b.next().is_multiple_of(8) {
                let k = own[self.b.next() as usize % own.len()].clone();
                self.out.push_str(&Value::String(k.clone()).to_string());
                k
            } else {
                self.string()
            };
            self.ws();
            self.out.push(':');
            self.ws();
            self.value(depth);
            self.ws();
            own.push(key);
        }
        self.out.push('}');
        if record {
            self.keys.extend(own);
        }
    }
}

/// The document: a top-level object with `mcpOAuth` somewhere among its members.
fn document(b: &mut Bytes<'_>) -> (String, Vec<String>, Vec<String>) {
    let mut w = Writer {
        b,
        out: String::new(),
        keys: Vec::new(),
    };
    w.ws();
    w.out.push('{');
    let before = w.b.next() % 3;
    let mut top = Vec::new();
    for i in 0..before {
        if i > 0 {
            w.out.push(',');
        }
        w.ws();
        top.push(w.string());
        w.out.push(':');
        w.ws();
        w.value(1);
    }
    if before > 0 {
        w.out.push(',');
    }
    w.ws();
    w.out.push_str("\"mcpOAuth\":");
    w.ws();
    w.object(1, true);
    top.push("mcpOAuth".into());
    for _ in 0..w.b.next() % 3 {
        w.out.push(',');
        w.ws();
        top.push(w.string());
        w.out.push(':');
        w.value(1);
    }
    w.ws();
    w.out.push('}');
    w.ws();
    (w.out, w.keys, top)
}

/// `after` is `before` with one contiguous run of bytes taken out (or put in, swapped).
fn one_contiguous_change(shorter: &[u8], longer: &[u8]) -> bool {
    let prefix = shorter
        .iter()
        .zip(longer)
        .take_while(|(a, b)| a == b)
        .count();
    let suffix = shorter
        .iter()
        .rev()
        .zip(longer.iter().rev())
        .take_while(|(a, b)| a == b)
        .count();
    prefix + suffix >= shorter.len()
}

/// Whether `small` is `big` with some bytes deleted.
fn subsequence(small: &[u8], big: &[u8]) -> bool {
    let mut it = big.iter();
    small.iter().all(|c| it.any(|d| d == c))
}

fuzz_target!(|data: &[u8]| {
    let mut b = Bytes(data);
    let (text, keys, top) = document(&mut b);
    let before: Value = serde_json::from_str(&text).expect("the generator writes JSON");
    let mut candidates = keys.clone();
    candidates.push("absent|0000000000000000".into());
    let key = candidates[b.next() as usize % candidates.len()].clone();
    let (path, key): (Vec<&str>, String) = if b.next().is_multiple_of(4) {
        (vec![], top[b.next() as usize % top.len()].clone())
    } else {
        (vec!["mcpOAuth"], key)
    };
    let object_path: Vec<String> = path.iter().map(|s| s.to_string()).collect();
    let target = path.iter().try_fold(&before, |v, seg| v.get(*seg));
    let occurrences = if path.is_empty() {
        top.iter().filter(|k| **k == key).count()
    } else {
        keys.iter().filter(|k| **k == key).count()
    };

    match edit::remove_member(text.as_bytes(), &path, &key) {
        Ok(Some(out)) => {
            assert!(occurrences > 0);
            let after: Value = serde_json::from_slice(&out).expect("still JSON after a removal");
            let want = edit::expected_after(&before, &object_path, &key);
            assert!(
                edit::same_json(&after, &want),
                "{text}\n->\n{}",
                String::from_utf8_lossy(&out)
            );
            assert!(subsequence(&out, text.as_bytes()));
            if occurrences == 1 {
                assert!(
                    one_contiguous_change(&out, text.as_bytes()),
                    "more than one place changed:\n{text}\n->\n{}",
                    String::from_utf8_lossy(&out)
                );
            }
        }
        Ok(None) => assert_eq!(occurrences, 0, "{key:?} not found in {text}"),
        // A duplicated section (`mcpOAuth` twice) is refused: never guess which one.
        Err(_) => {}
    }

    if let Some(Value::Object(map)) = target {
        let new_key = format!("{key}-new");
        let value = serde_json::json!({"accessToken": "x", "n": [1, 2]});
        if map.contains_key(&new_key) {
            return;
        }
        if let Ok(out) = edit::insert_member(text.as_bytes(), &path, &new_key, &value) {
            let after: Value = serde_json::from_slice(&out).expect("still JSON after an insert");
            let mut want = before.clone();
            let mut t = Some(&mut want);
            for seg in &path {
                t = t.and_then(|v| v.get_mut(*seg));
            }
            if let Some(Value::Object(m)) = t {
                m.insert(new_key.clone(), value.clone());
            }
            assert!(
                edit::same_json(&after, &want),
                "{text}\n->\n{}",
                String::from_utf8_lossy(&out)
            );
            assert!(one_contiguous_change(text.as_bytes(), &out));
        }
    }
});
