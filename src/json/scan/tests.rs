use super::*;
use crate::json::input::BUF_SIZE;

fn check(text: &[u8]) -> ScanReport {
    scan(text, &mut ValidateOnly).unwrap()
}

fn kind(text: &[u8]) -> Option<(SyntaxErrorKind, u64)> {
    check(text).error.map(|e| (e.kind, e.offset))
}

#[test]
fn accepts_valid_documents() {
    for doc in [
        &br#"{}"#[..],
        br#" {"a": [1, -2.5e+3, true, false, null, "x\"\\\/\b\f\n\r\t\u00e9"], "b": {}} "#,
        br#"[]"#,
        br#""just a string""#,
        "{\"\u{00fc}ml\u{00e4}ut\": \"\u{1f600}\"}".as_bytes(),
    ] {
        assert_eq!(check(doc).error, None, "{}", String::from_utf8_lossy(doc));
    }
}

#[test]
fn names_each_kind_of_breakage() {
    assert_eq!(kind(b""), Some((SyntaxErrorKind::Empty, 0)));
    assert_eq!(kind(b"  \n"), Some((SyntaxErrorKind::Empty, 3)));
    assert_eq!(
        kind(br#"{"a": {"type": "ht"#),
        Some((SyntaxErrorKind::UnexpectedEnd, 18))
    );
    assert_eq!(
        kind(b"{\n  // hi\n  \"a\": 1}"),
        Some((SyntaxErrorKind::Comment, 4))
    );
    assert_eq!(
        kind(br#"{"a": 1 /* x */}"#),
        Some((SyntaxErrorKind::Comment, 8))
    );
    assert_eq!(
        kind(br#"{"a": 1,}"#),
        Some((SyntaxErrorKind::TrailingComma, 7))
    );
    assert_eq!(
        kind(br#"[1, 2, ]"#),
        Some((SyntaxErrorKind::TrailingComma, 5))
    );
    assert_eq!(
        kind(b"{\"a\": \"x\ny\"}"),
        Some((SyntaxErrorKind::ControlCharacter, 8))
    );
    assert_eq!(
        kind(br#"{"a": "\q"}"#),
        Some((SyntaxErrorKind::InvalidEscape, 7))
    );
    assert_eq!(
        kind(br#"{"a": 01}"#),
        Some((SyntaxErrorKind::InvalidNumber, 6))
    );
    assert_eq!(
        kind(br#"{"a": tru}"#),
        Some((SyntaxErrorKind::UnexpectedCharacter(b'}'), 6))
    );
    assert_eq!(
        kind(br#"{} {}"#),
        Some((SyntaxErrorKind::TrailingContent, 3))
    );
    assert_eq!(
        kind(b"{\"a\": \"\xff\"}"),
        Some((SyntaxErrorKind::InvalidUtf8, 7))
    );
    assert_eq!(
        kind(br#"{'a': 1}"#),
        Some((SyntaxErrorKind::UnexpectedCharacter(b'\''), 1))
    );
}

#[test]
fn reports_a_bom_and_scans_past_it() {
    let r = check(b"\xEF\xBB\xBF{\"a\":1}");
    assert!(r.bom);
    assert_eq!(r.error, None);
    assert!(!check(b"{}").bom);
}

#[test]
fn finds_duplicate_keys_with_their_paths() {
    let r = check(br#"{"m": {"k|1": {"a": 1}, "x": 2, "k|1": {}}, "m2": {"\u0061": 1, "a": 2}}"#);
    let found: Vec<_> = r
        .duplicates
        .iter()
        .map(|d| (d.object_path.clone(), d.key.clone(), d.offset))
        .collect();
    assert_eq!(
        found,
        vec![
            (vec![Seg::Key("m".into())], "k|1".into(), 32),
            (vec![Seg::Key("m2".into())], "a".into(), 64),
        ]
    );
}

#[test]
fn records_top_level_member_sizes() {
    let r = check(br#"{"small": 1, "big": [1, 2, 3]}"#);
    let sizes: Vec<_> = r
        .top_level
        .iter()
        .map(|m| (m.key.as_str(), m.bytes))
        .collect();
    assert_eq!(sizes, vec![("small", 1), ("big", 9)]);
}

struct Grab(Vec<(Vec<Seg>, String)>);
impl Visitor for Grab {
    fn visit(&mut self, path: &[Seg]) -> Visit {
        match path {
            [] => Visit::Descend,
            [Seg::Key(k)] if k == "projects" => Visit::Descend,
            [Seg::Key(_), Seg::Key(_)] => Visit::Descend,
            [Seg::Key(_), Seg::Key(_), Seg::Key(k)] if k == "mcpServers" => Visit::Capture,
            [Seg::Key(k)] if k == "mcpServers" => Visit::Capture,
            _ => Visit::Skip,
        }
    }
    fn captured(&mut self, path: &[Seg], raw: Vec<u8>) {
        self.0
            .push((path.to_vec(), String::from_utf8(raw).unwrap()));
    }
}

#[test]
fn captures_raw_values_across_buffer_refills() {
    let filler = "x".repeat(BUF_SIZE * 2 + 17);
    let doc = format!(
        r#"{{"history": "{filler}", "mcpServers": {{"a": {{"url": "{filler}"}}}}, "projects": {{"/p": {{"h": [1], "mcpServers": {{"b": 1}}}}}}}}"#
    );
    let mut grab = Grab(Vec::new());
    let report = scan(doc.as_bytes(), &mut grab).unwrap();
    assert_eq!(report.error, None);
    assert_eq!(grab.0.len(), 2);
    assert_eq!(grab.0[0].1, format!(r#"{{"a": {{"url": "{filler}"}}}}"#));
    assert_eq!(
        grab.0[1].0,
        vec![
            Seg::Key("projects".into()),
            Seg::Key("/p".into()),
            Seg::Key("mcpServers".into())
        ]
    );
    assert_eq!(grab.0[1].1, r#"{"b": 1}"#);
}

#[test]
fn escapes_and_errors_at_every_buffer_boundary() {
    // The same document read in pieces of every size from 1 to 9 bytes: escapes, errors and
    // duplicate keys cut at every possible place give the same report as reading it whole.
    let docs: &[&[u8]] = &[
        br#"{"a\"b": "x\\y\/z\u00e9\n", "k": 1, "\u006b": 2, "big": [1.5e3, -0, true, null]}"#,
        br#"{"s": "abc\u00g1"}"#,
        br#"{"s": "abc\q"}"#,
        b"{\"s\": \"abc\x01\"}",
        br#"{"s": "abc\u00e"#,
        br#"{"s": "abc\"#,
        br#"{"a": 1, "b": 2, "a": 3}"#,
    ];
    struct Pieces<'a>(&'a [u8], usize);
    impl Read for Pieces<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let n = self.1.min(self.0.len()).min(buf.len());
            buf[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }
    for doc in docs {
        let whole = check(doc);
        for piece in 1..10 {
            let r = scan(Pieces(doc, piece), &mut ValidateOnly).unwrap();
            assert_eq!(
                r.error,
                whole.error,
                "{piece}: {}",
                String::from_utf8_lossy(doc)
            );
            assert_eq!(r.duplicates, whole.duplicates);
        }
    }
    assert_eq!(
        check(docs[1]).error.map(|e| (e.kind, e.offset)),
        Some((SyntaxErrorKind::InvalidEscape, 10))
    );
    assert_eq!(
        check(docs[3]).error.map(|e| (e.kind, e.offset)),
        Some((SyntaxErrorKind::ControlCharacter, 10))
    );
    assert_eq!(check(docs[6]).duplicates[0].key, "a");
}

#[test]
fn whitespace_runs_of_every_shape_end_where_the_byte_loop_ends() {
    let pieces: [&[u8]; 7] = [b" ", b"  ", b"\n", b"\r\n", b"\t", b"        ", b"x"];
    let naive = |s: &[u8]| {
        s.iter()
            .position(|&b| !matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
            .unwrap_or(s.len())
    };
    // Every sequence of up to five pieces, then every byte value after a run of every length.
    let mut stack = vec![(Vec::new(), 0)];
    while let Some((s, count)) = stack.pop() {
        assert_eq!(super::whitespace_len(&s), naive(&s), "{s:?}");
        if count < 5 {
            for p in pieces {
                let mut t = s.clone();
                t.extend_from_slice(p);
                stack.push((t, count + 1));
            }
        }
    }
    for len in 0..40 {
        for b in 0..=u8::MAX {
            let mut s = vec![b' '; len];
            s.push(b);
            s.extend_from_slice(b"   ");
            assert_eq!(super::whitespace_len(&s), naive(&s), "{s:?}");
        }
    }
}
