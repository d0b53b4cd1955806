//! The UTF-8 check in strings (every skim kernel) reports what checking each chunk whole ahead of
//! the scanner reports (the careful kernel, and the scanner before the check moved into strings):
//! the same error, at the same offset, with the same winner between an invalid sequence and a
//! syntax error, for odd sequences in every kind of place (a skimmed body, a key, a captured
//! value, outside strings, just before a closing quote, at the end of the input), at every offset
//! of a 64-byte block, and across chunk boundaries of many sizes.

use super::*;

/// Captures the values two levels down, and records everything it is told.
#[derive(Default)]
struct Record(Vec<String>);

impl Visitor for Record {
    fn visit(&mut self, path: &[Seg]) -> Visit {
        if path.len() < 2 {
            Visit::Descend
        } else {
            Visit::Capture
        }
    }
    fn captured(&mut self, path: &[Seg], raw: Vec<u8>) {
        self.0.push(format!("{path:?} {raw:?}"));
    }
    fn member_span(&mut self, object: &[Seg], key: &str, start: u64, end: u64) {
        self.0.push(format!("{object:?} {key:?} {start}..{end}"));
    }
}

/// Everything a scan of `doc` in chunks of `chunk` bytes with `kernel` says, checking UTF-8
/// ahead (the careful kernel) or in strings (the others, whichever the scan would choose).
fn scan_by(doc: &[u8], chunk: usize, kernel: skim::Kernel) -> String {
    let mut rec = Record::default();
    let mut input = Input::with_capacity(doc, chunk);
    input.utf8.ahead = kernel == skim::Kernel::Careful;
    let report = scan_checking(input, &mut rec, kernel).unwrap();
    format!("{report:?} {:?}", rec.0)
}

/// Sequences valid and not: whole, cut, stray, overlong, surrogates, too large.
const ODD: &[&[u8]] = &[
    b"\xc3\xa9",
    b"\xe2\x82\xac",
    b"\xf0\x9f\x9a\x80",
    b"\xc3",
    b"\xe2\x82",
    b"\xf0\x9f\x9a",
    b"\xa9",
    b"\xa9\xa9",
    b"\xff",
    b"\xe2\x82x",
    b"\xed\xa0\x80",
    b"\xc0\x80",
    b"\xf4\x90\x80\x80",
    b"\xc3\xa9\xe2\x82",
];

/// Values with `@` where the odd sequence goes: in bodies the skim takes (short and long,
/// before escapes), a key, a captured value, just before a closing quote, in an escape, outside
/// strings (a value, a separator, a literal, a number), and in a string the input ends in. Each is
/// a member's value in a document; [`WHOLE`] are whole documents.
const CONTEXTS: &[&str] = &[
    r#"{"a": "xy@z", "b": 1}"#,
    r#"{"a": "@"}"#,
    r#"{"a": "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx@"}"#,
    r#"{"a": "\n\"\\@\u00e9"}"#,
    r#"{"k@y": 1, "k@y": 2}"#,
    r#"{"a": {"b": ["c@", "d"], "e": "@"}}"#,
    r#"{"a": "\u00@"}"#,
    r#"{"a": "\@"}"#,
    r#"{"a": "x@\u0001"}"#,
    r#"{"a": "x@
"}"#,
    r#"{"a": @}"#,
    r#"{"a": 1 @}"#,
    r#"{"a": [1, @]}"#,
    r#"{"a": tr@}"#,
    r#"{"a": -@}"#,
    r#"{"a": "xy@"#,
];

/// Whole documents: trailing content, a value, and the end of the input in a string and after it.
const WHOLE: &[&str] = &[
    r#"{}@"#,
    r#"{} @"#,
    r#"@"#,
    // Two bytes: the byte-order-mark look ahead reads it whole (a cut sequence at the very end).
    r#""@"#,
    r#"["@"#,
    r#"["xy@"#,
    r#"["x", 1@"#,
];

#[test]
fn utf8_errors_are_reported_as_checking_ahead_reports_them() {
    let kernels = skim::available_kernels();
    // Chunks cut everything (7), a little (64, 97) or nothing (the whole document).
    let chunks = [7, 64, 97, 4096];
    let mut docs = 0;
    let contexts = CONTEXTS.iter().map(|c| (c, false));
    for (context, whole) in contexts.chain(WHOLE.iter().map(|c| (c, true))) {
        let (before, after) = context.split_once('@').unwrap();
        for odd in ODD {
            // Padding before the odd sequence puts it at every offset of a block (the skim's
            // blocks start at a body's first byte) and of a chunk.
            for pad in 0..70 {
                let mut doc = Vec::new();
                doc.extend_from_slice(br#"{"p": ""#);
                // Plain and non-ASCII text before (the skim validates it on the way).
                doc.extend((0..pad).map(|i| if i % 9 == 4 { b' ' } else { b'p' }));
                doc.extend_from_slice("é日🚀".as_bytes());
                doc.extend_from_slice(br#"", "c": "#);
                doc.extend_from_slice(before.replace('x', &"x".repeat(pad % 3)).as_bytes());
                doc.extend_from_slice(odd);
                doc.extend_from_slice(after.as_bytes());
                doc.push(b'}');
                if whole {
                    doc = [
                        &b" ".repeat(pad)[..],
                        before.as_bytes(),
                        odd,
                        after.as_bytes(),
                    ]
                    .concat();
                }
                for &chunk in &chunks {
                    let want = scan_by(&doc, chunk, skim::Kernel::Careful);
                    for &kernel in &kernels[1..] {
                        let got = scan_by(&doc, chunk, kernel);
                        assert_eq!(
                            got,
                            want,
                            "{kernel:?}, chunks of {chunk}: {:?}",
                            doc.escape_ascii().to_string()
                        );
                    }
                }
                docs += 1;
            }
        }
    }
    assert!(docs > 10_000, "{docs}");
}
