//! The JSON scanner on arbitrary bytes: it never panics, it agrees with serde_json about which
//! documents are valid JSON (the documented exceptions aside), every span it reports points at
//! the bytes it names, and every string skimmer reports what the careful scanner reports.

#![no_main]

use libfuzzer_sys::fuzz_target;
use mcp_auth_doctor::json::SyntaxErrorKind;
use mcp_auth_doctor::json::scan::{self, Seg, Visit, Visitor};
use mcp_auth_doctor::json::skim::{self, Strategy};

/// Descends everywhere and records the spans the scanner reports.
#[derive(Default)]
struct Spans {
    members: Vec<(String, u64, u64)>,
    objects: Vec<(u64, u64)>,
}

impl Visitor for Spans {
    fn visit(&mut self, _path: &[Seg]) -> Visit {
        Visit::Descend
    }
    fn captured(&mut self, _path: &[Seg], _raw: Vec<u8>) {}
    fn member_span(&mut self, _object: &[Seg], key: &str, start: u64, end: u64) {
        self.members.push((key.to_string(), start, end));
    }
    fn object_span(&mut self, _path: &[Seg], open: u64, close: u64) {
        self.objects.push((open, close));
    }
}

/// Captures every top-level member's value, which must then parse on its own.
struct CaptureTop(Vec<Vec<u8>>);

impl Visitor for CaptureTop {
    fn visit(&mut self, path: &[Seg]) -> Visit {
        match path.len() {
            0 => Visit::Descend,
            _ => Visit::Capture,
        }
    }
    fn captured(&mut self, _path: &[Seg], raw: Vec<u8>) {
        self.0.push(raw);
    }
}

/// serde_json errors for documents `JSON.parse` accepts: a lone surrogate escape, a number beyond
/// a double, nesting beyond its recursion limit.
fn representable_only(e: &serde_json::Error) -> bool {
    let m = e.to_string();
    // A high surrogate not followed by `\u` is "unexpected end of hex escape" to serde_json (the
    // scanner has checked that every `\u` has four hex digits).
    [
        "surrogate",
        "hex escape",
        "number out of range",
        "recursion limit",
    ]
    .iter()
    .any(|what| m.contains(what))
}

/// Everything a scan of `data` says under `strategy`.
fn scan_under(data: &[u8], strategy: Strategy) -> String {
    skim::set_strategy(strategy);
    let mut spans = Spans::default();
    let report = scan::scan(data, &mut spans).expect("reading a slice cannot fail");
    skim::set_strategy(Strategy::Auto);
    format!("{report:?} {:?} {:?}", spans.members, spans.objects)
}

fuzz_target!(|data: &[u8]| {
    // Every string skimmer (AVX-512BW, AVX2, SSE2, scalar, as the CPU has them) says what the
    // careful scanner says: errors and their offsets, duplicates, spans.
    let careful = scan_under(data, Strategy::Careful);
    for s in [Strategy::Auto, Strategy::Avx2, Strategy::Sse2, Strategy::Scalar] {
        assert_eq!(scan_under(data, s), careful, "{s:?} differs from the careful scan");
    }
    let mut spans = Spans::default();
    let report = scan::scan(data, &mut spans).expect("reading a slice cannot fail");
    if report.error.is_none() {
        assert_eq!(
            report.len,
            data.len() as u64,
            "a valid document is read to its end"
        );
    }
    let body = if report.bom { &data[3..] } else { data };
    let serde = serde_json::from_slice::<serde_json::Value>(body);
    let serde_ok = serde.is_ok();
    match report.error {
        None => {
            if let Err(e) = &serde {
                // Valid for JSON.parse but not for serde_json; the store reports these as
                // Unsupported after the scan (src/store/mod.rs).
                assert!(
                    representable_only(e),
                    "the scanner accepts what serde_json rejects: {e}"
                );
                return;
            }
            for &(open, close) in &spans.objects {
                assert_eq!(data[open as usize], b'{');
                assert_eq!(data[close as usize], b'}');
            }
            for (key, start, end) in &spans.members {
                let (s, e) = (*start as usize, *end as usize);
                assert!(s < e && e <= data.len());
                assert_eq!(data[s], b'"');
                // The span is `"key": value`: it parses as the one member of an object.
                let member = format!("{{{}}}", String::from_utf8_lossy(&data[s..e]));
                let v: serde_json::Value = serde_json::from_str(&member).expect("a member span");
                assert!(v.get(key).is_some(), "{key:?} not in {member}");
            }
            let mut top = CaptureTop(Vec::new());
            let again = scan::scan(data, &mut top).unwrap();
            assert!(again.error.is_none());
            for raw in top.0 {
                if let Err(e) = serde_json::from_slice::<serde_json::Value>(&raw) {
                    panic!("a captured value does not parse ({e}): {raw:?}");
                }
            }
        }
        Some(e) => {
            assert!(e.offset <= data.len() as u64);
            // serde_json limits nesting to 128 levels and rejects lone surrogates; the scanner
            // calls those Unsupported or TooDeep (Claude Code still reads them).
            if serde_ok {
                assert!(
                    e.kind.claude_reads_it(),
                    "serde_json accepts what the scanner rejects: {e:?}"
                );
            }
            if e.kind == SyntaxErrorKind::Empty {
                assert!(body.iter().all(u8::is_ascii_whitespace));
            }
        }
    }
});
