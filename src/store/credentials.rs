//! `.credentials.json` loaded without a tree of the whole file.
//!
//! Parsed into a `serde_json::Value` with `preserve_order`, a credentials file is a tree about
//! eight times its size (a hashed `IndexMap` per object, a `String` per key and value): 40 MB
//! for a 5 MB file of 10,000 `mcpOAuth` entries, held for the whole diagnosis. What the
//! diagnosis needs of it is each entry once (turned into a `model::Entry`), a few small
//! top-level members (`mcpOAuthClientConfig`) and, rarely, one entry's raw fields. So
//! [`Credentials`] keeps the file's text once, the byte span of each `mcpOAuth` member, and the
//! other top-level members parsed (small); an entry is parsed from its span when it is asked
//! for.
//!
//! It reads as `Value` did: the members Claude Code's `JSON.parse` sees (of a key given twice,
//! the last value, at the first one's place), and a file serde_json cannot parse (a number
//! beyond `f64`, a lone surrogate escape, nesting too deep) has no content, with the error's
//! position, exactly as [`super::load_small`] reports it ([`super::accept::parses`]).

use std::fmt;
use std::path::Path;

use serde_json::{Map, Value};

use super::{Loaded, Paths, safe};
use crate::json::scan::{self, Seg, Visit, Visitor};

/// The member Claude Code keeps its MCP grants in.
const MCP_OAUTH: &str = "mcpOAuth";

/// Byte offsets `start..end` in [`Credentials::text`]: `u32`, the file being read only up to
/// [`safe::SMALL_FILE_CAP`] bytes (8 bytes a span where `usize` made 16: ~16 bytes per entry of
/// a `fix`'s peak, issue 15).
type Span = (u32, u32);

/// Offsets below `ESCAPED` are in the text: the cap leaves the high bit free.
const _: () = assert!(safe::SMALL_FILE_CAP < ESCAPED as u64);

/// Set on the start of a key's span when the key is in [`Credentials::escaped_keys`] (its text
/// in the file has an escape); otherwise the span is the key's text in the file, between its
/// quotes.
const ESCAPED: u32 = 1 << 31;

/// The key a span gives ([`ESCAPED`]), as bytes (for sorting and comparing: UTF-8's byte order
/// is its code points' order).
fn key_bytes<'a>(text: &'a [u8], escaped_keys: &'a str, (start, end): Span) -> &'a [u8] {
    if start & ESCAPED != 0 {
        &escaped_keys.as_bytes()[(start & !ESCAPED) as usize..end as usize]
    } else {
        &text[start as usize..end as usize]
    }
}

/// A credentials file Claude Code can parse (or could, past a byte order mark).
#[derive(Clone)]
pub struct Credentials {
    /// The bytes after any byte order mark.
    text: Vec<u8>,
    /// The top-level members other than `mcpOAuth`, parsed; the whole value when the top level
    /// is not an object.
    rest: Value,
    /// The value span of the `mcpOAuth` member that counts (the last).
    mcp_oauth: Option<Span>,
    /// `mcpOAuth`'s members when it is an object, in order: key span ([`ESCAPED`]) and value
    /// span.
    entries: Vec<(Span, Span)>,
    /// The keys whose text in the file has an escape, decoded, one after another. The others
    /// are read in `text`: a copy of every key was ~40 bytes per entry of the peak of a
    /// 10,000-entry `fix` (issue 15), most keys having no escape.
    escaped_keys: String,
    /// Positions in `entries`, sorted by key (each key is there once): four bytes per entry
    /// where a map held another copy of each key for the whole run.
    by_key: Vec<u32>,
}

/// Never the text: it holds tokens.
impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("bytes", &self.text.len())
            .field("entries", &self.entries.len())
            .finish_non_exhaustive()
    }
}

impl Credentials {
    /// A top-level member other than `mcpOAuth` (whose entries are read with
    /// [`Credentials::entries`] and [`Credentials::entry`]).
    pub fn get(&self, member: &str) -> Option<&Value> {
        self.rest.get(member)
    }

    /// The `mcpOAuth` entries, in order, each parsed from its span (a small tree at a time).
    /// Nothing when `mcpOAuth` is missing or not an object. The tests' reference: the tool
    /// itself reads entries from their text ([`Entry::from_json_sharing`]), never as trees.
    #[cfg(test)]
    pub fn entries(&self) -> impl Iterator<Item = (&str, Value)> + '_ {
        self.entries
            .iter()
            .map(|(key, span)| (self.key(*key), self.parse(*span)))
    }

    /// The `mcpOAuth` entries, in order, each as its key and the JSON text of its value (for a
    /// reader that needs no tree of it: `model::Entry::from_json_sharing`). A span that is not
    /// UTF-8 (never, in a file that parsed) reads as `null`, as [`Credentials::entries`] gives it.
    pub fn entry_texts(&self) -> impl Iterator<Item = (&str, &str)> + '_ {
        self.entries.iter().map(|(key, span)| {
            let text = self.text_of(*span).unwrap_or("null");
            (self.key(*key), text)
        })
    }

    /// How many entries [`Credentials::entries`] gives.
    pub fn entry_count(&self) -> usize {
        self.entries.len()
    }

    /// `mcpOAuth[key]`, parsed.
    pub fn entry(&self, key: &str) -> Option<Value> {
        let key = key.as_bytes();
        let key_of = |i: u32| key_bytes(&self.text, &self.escaped_keys, self.entries[i as usize].0);
        let at = self.by_key.partition_point(|&i| key_of(i) < key);
        let i = *self.by_key.get(at)?;
        (key_of(i) == key).then(|| self.parse(self.entries[i as usize].1))
    }

    /// The key a span gives ([`ESCAPED`]). A key read in the text equals a decoded key (a
    /// `str`), so it is UTF-8; `""` would be the answer if it were not.
    fn key(&self, span: Span) -> &str {
        std::str::from_utf8(key_bytes(&self.text, &self.escaped_keys, span)).unwrap_or("")
    }

    /// The whole `mcpOAuth` value, parsed (a tree of most of the file: for a comparison with
    /// the Keychain item, never on the way of `fix`).
    pub fn mcp_oauth(&self) -> Option<Value> {
        self.mcp_oauth.map(|span| self.parse(span))
    }

    /// A span of text the whole of which serde_json parsed: it parses again (with less nesting
    /// around it, so never deeper than the limit).
    ///
    /// Read as `str` (checked by simdutf8 first, a span being whole values, so whole
    /// characters): serde then skips its check of each string's UTF-8, std's scalar one, which
    /// was ~2% of `check` on 1,000 entries (issue 15). Text that is not UTF-8 is no value, as
    /// `from_slice` made it.
    fn parse(&self, span: Span) -> Value {
        self.text_of(span)
            .and_then(|text| serde_json::from_str(text).ok())
            .unwrap_or(Value::Null)
    }

    /// A span's text, when it is UTF-8 (checked by simdutf8: see [`Credentials::parse`]).
    fn text_of(&self, (start, end): Span) -> Option<&str> {
        simdutf8::basic::from_utf8(&self.text[start as usize..end as usize]).ok()
    }

    /// The credentials `text` holds (no byte order mark): `None` when it is not JSON
    /// serde_json parses. For snapshots built in tests and for [`load_trusting`].
    pub fn from_text(text: Vec<u8>) -> Option<Self> {
        if text.len() as u64 > safe::SMALL_FILE_CAP {
            return None;
        }
        let mut spans = Spans::new(Paths::Needed);
        let report = scan::scan(&text[..], &mut spans).ok()?;
        if report.error.is_some() || report.bom || super::accept::parses(&text).is_err() {
            return None;
        }
        Some(Self::build(text, spans))
    }

    /// The credentials `value` would be written as (compact), for snapshots built in tests.
    pub fn from_value(value: &Value) -> Self {
        let text = serde_json::to_vec(value).unwrap_or_default();
        Self::from_text(text).expect("a serialised Value parses")
    }

    /// From text that scanned and parsed, and its spans (offsets into `text`).
    fn build(text: Vec<u8>, spans: Spans) -> Self {
        let value_span = |&(start, end): &Span| (value_start(&text, start).min(end), end);
        // A span that scanned is in the text; `get` only so that no slip could panic.
        let span_text =
            |(start, end): Span| text.get(start as usize..end as usize).unwrap_or_default();
        let mut rest = Map::new();
        let mut mcp_oauth = None;
        let mut mcp_oauth_member = None;
        for (key, span) in &spans.top {
            if key == MCP_OAUTH {
                mcp_oauth = Some(value_span(span));
                mcp_oauth_member = Some(*span);
            } else {
                let (start, end) = value_span(span);
                let value = serde_json::from_slice(span_text((start, end))).unwrap_or(Value::Null);
                rest.insert(key.clone(), value);
            }
        }
        let rest = if spans.top_is_object {
            Value::Object(rest)
        } else {
            serde_json::from_slice(&text).unwrap_or(Value::Null)
        };
        // Of two `mcpOAuth` members, the last counts: only its own entries (in place: a second
        // vector of them was ~0.5 MB more at the plan-time peak of a 10,000-entry `fix`).
        let mut entries = spans.mcp_oauth;
        match mcp_oauth_member {
            Some((from, to)) => entries.retain(|(_, span)| span.0 >= from && span.1 <= to),
            None => entries.clear(),
        }
        let decoded_keys = spans.mcp_oauth_keys;
        let mut escaped_keys = String::new();
        for (key, span) in &mut entries {
            let decoded = &decoded_keys[key.0 as usize..key.1 as usize];
            let in_text = (span.0 + 1, key_end(&text, span.0 as usize) as u32);
            *key = if span_text(in_text) == decoded.as_bytes() {
                in_text
            } else {
                let start = escaped_keys.len() as u32;
                escaped_keys.push_str(decoded);
                (start | ESCAPED, escaped_keys.len() as u32)
            };
            *span = value_span(span);
        }
        drop(decoded_keys);
        escaped_keys.shrink_to_fit();
        let key_of = |entries: &[(Span, Span)], i: u32| {
            key_bytes(&text, &escaped_keys, entries[i as usize].0)
        };
        let mut sorted = sorted_by_key(&entries, &text, &escaped_keys);
        // A key given twice: the last value, at the first one's place. Found in the sorted
        // order (a stable sort: a key's places in file order), where a map of the keys cost a
        // copy and a SipHash of each (issue 15).
        if sorted
            .windows(2)
            .any(|w| key_of(&entries, w[0]) == key_of(&entries, w[1]))
        {
            let mut keep = vec![true; entries.len()];
            let mut last_values = Vec::new();
            for run in sorted.chunk_by(|&a, &b| key_of(&entries, a) == key_of(&entries, b)) {
                if let [first, .., last] = run {
                    last_values.push((*first as usize, entries[*last as usize].1));
                    for &later in &run[1..] {
                        keep[later as usize] = false;
                    }
                }
            }
            for (first, span) in last_values {
                entries[first].1 = span;
            }
            let mut at = 0;
            entries.retain(|_| {
                at += 1;
                keep[at - 1]
            });
            sorted = sorted_by_key(&entries, &text, &escaped_keys);
        }
        entries.shrink_to_fit();
        Self {
            text,
            rest,
            mcp_oauth,
            entries,
            escaped_keys,
            by_key: sorted,
        }
    }
}

/// Positions in `entries`, sorted by key ([`key_bytes`]); equal keys in their order in
/// `entries`.
fn sorted_by_key(entries: &[(Span, Span)], text: &[u8], escaped_keys: &str) -> Vec<u32> {
    let key = |i: u32| key_bytes(text, escaped_keys, entries[i as usize].0);
    let mut sorted: Vec<u32> = (0..entries.len() as u32).collect();
    sorted.sort_by(|&a, &b| key(a).cmp(key(b)));
    sorted
}

/// Where the closing quote is of the key whose opening quote is at `start` (the text's end if
/// it has none, never in text that scanned).
fn key_end(text: &[u8], start: usize) -> usize {
    let mut i = start + 1;
    while let Some(&b) = text.get(i) {
        match b {
            b'\\' => i += 2,
            b'"' => break,
            _ => i += 1,
        }
    }
    i.min(text.len())
}

/// Where the value of the member whose key's quote is at `start` begins: past the key, the
/// whitespace and the colon.
fn value_start(text: &[u8], start: u32) -> u32 {
    let mut i = key_end(text, start as usize) + 1;
    while text
        .get(i)
        .is_some_and(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\n' | b':'))
    {
        i += 1;
    }
    i as u32
}

/// Moves member spans `by` bytes back (the byte order mark they were scanned past).
fn shift_back<K>(members: &mut [(K, Span)], by: u32) {
    for (_, (start, end)) in members {
        *start -= by;
        *end -= by;
    }
}

/// Collects the member spans of the top-level object and of `mcpOAuth` objects. It descends
/// only into those two ([`Paths::Needed`]: the scanner then tracks no path or key text inside
/// the entries, ~12,000 keys for 1,000 entries), or everywhere as [`scan::ValidateOnly`] does
/// ([`Paths::All`]), for a scan whose duplicated keys must have their exact paths.
#[derive(Default)]
struct Spans {
    /// Descend everywhere.
    all: bool,
    top: Vec<(String, Span)>,
    top_is_object: bool,
    /// The members of `mcpOAuth` objects: key (a range of `mcp_oauth_keys`, decoded) and member
    /// span (from the key's opening quote).
    mcp_oauth: Vec<(Span, Span)>,
    mcp_oauth_keys: String,
}

impl Spans {
    fn new(paths: Paths) -> Self {
        Self {
            all: paths == Paths::All,
            ..Self::default()
        }
    }
}

impl Visitor for Spans {
    fn visit(&mut self, path: &[Seg]) -> Visit {
        match path {
            _ if self.all => Visit::Descend,
            [] => Visit::Descend,
            [Seg::Key(k)] if k == MCP_OAUTH => Visit::Descend,
            _ => Visit::Skip,
        }
    }
    fn captured(&mut self, _path: &[Seg], _raw: Vec<u8>) {}
    fn member_span(&mut self, object: &[Seg], key: &str, start: u64, end: u64) {
        // Offsets below the file cap, so below `ESCAPED` ([`Span`]).
        let span = (start as u32, end as u32);
        match object {
            [] => self.top.push((key.to_string(), span)),
            [Seg::Key(k)] if k == MCP_OAUTH => {
                let start = self.mcp_oauth_keys.len() as u32;
                self.mcp_oauth_keys.push_str(key);
                let key = (start, self.mcp_oauth_keys.len() as u32);
                self.mcp_oauth.push((key, span));
            }
            _ => {}
        }
    }
    fn object_span(&mut self, path: &[Seg], _open: u64, _close: u64) {
        if path.is_empty() {
            self.top_is_object = true;
        }
    }
}

/// [`super::load_small_trusting`] for `.credentials.json`: the same facts, problems and
/// checksum, the content as [`Credentials`] instead of a tree.
pub fn load_trusting(path: &Path, trust: &safe::Trust) -> Loaded<Credentials> {
    load(path, trust, super::Checksum::Made)
}

/// [`load_trusting`] with the checksum made or not ([`super::Checksum`]).
pub fn load(path: &Path, trust: &safe::Trust, checksum: super::Checksum) -> Loaded<Credentials> {
    super::load_small_scanned(
        path,
        trust,
        checksum,
        Spans::new,
        |mut bytes, bom, mut spans| {
            // Each entry is parsed again when the inventory reads it: the quick proof first
            // (`content` is asked only of text the scan found no error in).
            super::accept::parses_scanned(&bytes[bom..])?;
            bytes.drain(..bom);
            shift_back(&mut spans.top, bom as u32);
            shift_back(&mut spans.mcp_oauth, bom as u32);
            Ok(Credentials::build(bytes, spans))
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What `Value` made of the same text: the reference.
    fn check_against_value(text: &str) {
        let value: Value = serde_json::from_str(text).unwrap();
        let c = Credentials::from_text(text.as_bytes().to_vec()).unwrap();
        let want_entries: Vec<(String, Value)> = value
            .get(MCP_OAUTH)
            .and_then(Value::as_object)
            .map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
            .unwrap_or_default();
        let got: Vec<(String, Value)> = c.entries().map(|(k, v)| (k.to_string(), v)).collect();
        assert_eq!(got, want_entries, "{text}");
        for (k, v) in &want_entries {
            assert_eq!(c.entry(k).as_ref(), Some(v), "{text}");
        }
        assert_eq!(c.entry("absent"), None);
        assert_eq!(c.mcp_oauth(), value.get(MCP_OAUTH).cloned(), "{text}");
        for member in ["mcpOAuthClientConfig", "claudeAiOauth", "other", MCP_OAUTH] {
            let want = if member == MCP_OAUTH {
                None
            } else {
                value.get(member)
            };
            assert_eq!(c.get(member), want, "{member} of {text}");
        }
        // Order kept in what is not mcpOAuth.
        if let (Value::Object(all), Value::Object(rest)) = (&value, &c.rest) {
            let keys: Vec<&String> = all.keys().filter(|k| *k != MCP_OAUTH).collect();
            assert_eq!(rest.keys().collect::<Vec<_>>(), keys);
        }
    }

    #[test]
    fn reads_what_a_value_of_the_file_holds() {
        for text in [
            r#"{"claudeAiOauth":{"accessToken":"t"},"mcpOAuth":{"a|1":{"accessToken":"x","n":1e3},"b|2":{}},"mcpOAuthClientConfig":{"a|1":{"clientSecret":"s"}}}"#,
            "{\n  \"mcpOAuth\" :  {\n    \"a\\\"q|1\" : {\"x\": [1, {\"y\": null}]},\n    \"\\u0062|2\": \"str\"\n  }\n}\n",
            r#"{"mcpOAuth":{"a|1":{"v":1},"b|2":2,"a|1":{"v":3}}}"#,
            r#"{"mcpOAuth":{"b|2":1,"a|1":2,"b|2":3,"c|3":4,"a|1":5,"b|2":6,"é":"ü","é":7}}"#,
            r#"{"mcpOAuth":{"a|1":1},"other":0,"mcpOAuth":{"b|2":2}}"#,
            // One key written plainly and escaped: read in the text and decoded, still one key.
            r#"{"mcpOAuth":{"b|2":1,"\u0062|2":2,"a|1":3,"\u0061|1":4,"a|1":5}}"#,
            r#"{"mcpOAuth":{"a|1":1},"other":0,"other":{"x":1}}"#,
            r#"{"mcpOAuth":null}"#,
            r#"{"mcpOAuth":"text"}"#,
            r#"{"mcpOAuth":[{"a|1":1}]}"#,
            r#"{"mcpOAuth":{}}"#,
            r#"{"nested":{"mcpOAuth":{"a|1":1}}}"#,
            r#"{}"#,
            r#"[{"mcpOAuth":{"a|1":1}}]"#,
            r#""just a string""#,
        ] {
            check_against_value(text);
        }
    }

    #[test]
    fn a_file_serde_json_cannot_parse_has_no_content_and_its_position() {
        assert!(Credentials::from_text(br#"{"mcpOAuth":{"a|1":{"n":1e400}}}"#.to_vec()).is_none());
        assert!(Credentials::from_text(br#"{"mcpOAuth":{"#.to_vec()).is_none());
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(".credentials.json");
        let trust = safe::Trust::default();
        for text in [
            &b"{\n\"mcpOAuth\":{\"a|1\":{\"n\":1e400}}}"[..],
            b"{\"mcpOAuth\":{\"a|1\":\"\\ud800\"}}",
            b"{\"mcpOAuth\":{\"a|1\":1,}}",
            b"\xEF\xBB\xBF{\"mcpOAuth\":{\"a|1\":{\"accessToken\":\"x\"}},\"z\":1}",
            b"{\"mcpOAuth\":{\"a|1\":1,\"a|1\":2}}",
            // Duplicated keys inside what the first scan skips: their objects' exact paths.
            b"{\"mcpOAuth\":{\"a|1\":{\"d\":{\"x\":1,\"x\":2},\"t\":1,\"t\":2}}}",
            b"{\"z\":{\"y\":[{\"k\":1,\"k\":2}]},\"mcpOAuth\":{\"b|2\":{}}}",
            b"{\"mcpOAuth\":{\"a|1\":{\"d\":{\"x\":1,\"x\":2}},\"a|1\":{}},\"mcpOAuth\":{}}",
            b"",
        ] {
            std::fs::write(&path, text).unwrap();
            let old = super::super::load_small_trusting(&path, &trust);
            let new = load_trusting(&path, &trust);
            assert_eq!(new.sha256, old.sha256);
            assert_eq!(format!("{:?}", new.problems), format!("{:?}", old.problems));
            assert_eq!(new.content.is_some(), old.content.is_some());
            if let (Some(new), Some(old)) = (&new.content, &old.content) {
                let want: Vec<(String, Value)> = old[MCP_OAUTH]
                    .as_object()
                    .unwrap()
                    .iter()
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect();
                let got: Vec<(String, Value)> =
                    new.entries().map(|(k, v)| (k.to_string(), v)).collect();
                assert_eq!(got, want);
                assert_eq!(new.get("z"), old.get("z"));
            }
        }
    }

    #[test]
    fn only_keys_with_an_escape_are_copied() {
        let plain = r#"{"mcpOAuth":{"srv|1":{},"x|2":{}}}"#;
        let c = Credentials::from_text(plain.as_bytes().to_vec()).unwrap();
        assert_eq!(c.escaped_keys, "");
        let escaped = r#"{"mcpOAuth":{"srv|1":{},"\u0078|2":{},"y\"|3":{}}}"#;
        let c = Credentials::from_text(escaped.as_bytes().to_vec()).unwrap();
        assert_eq!(c.escaped_keys, "x|2y\"|3");
        let keys: Vec<&str> = c.entry_texts().map(|(key, _)| key).collect();
        assert_eq!(keys, ["srv|1", "x|2", "y\"|3"]);
        assert!(c.entry("x|2").is_some() && c.entry("y\"|3").is_some());
    }

    #[test]
    fn debug_never_shows_the_text() {
        let c =
            Credentials::from_text(br#"{"mcpOAuth":{"a|1":{"accessToken":"CANARY"}}}"#.to_vec())
                .unwrap();
        assert!(!format!("{c:?}").contains("CANARY"));
    }
}
