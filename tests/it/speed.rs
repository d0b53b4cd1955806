//! The fast paths of issue 15 give the same results as the careful ones (no timing here: the
//! benchmark in bench/run.sh measures; these prove nothing changed):
//!
//! - the 64-byte string skimmer (AVX-512BW, AVX2, SSE2 and scalar masks) and the careful
//!   scanner report the same errors, offsets, duplicates, sizes and captured bytes on a generated
//!   home and on a seeded, deterministic corpus of mutated documents, and so does a scan of bytes
//!   in memory through a buffer of their size (`scan::scan_slice`); with them the UTF-8 check in
//!   strings (the AVX-512 skimmer's, where the CPU has it) and the check of each chunk ahead of the
//!   scanner (the others'), also for odd sequences around the end of the first 64 KiB chunk;
//! - `fix` on a generated 10,000-entry credentials file leaves the bytes that removing the
//!   entries one at a time leaves;
//! - `fix::edit::parses_to`, which checks the planned bytes without a second tree, answers what
//!   parsing them and comparing answers, on generated files, every testdata file and mutations.

use crate::synth;

use std::path::Path;

use assert_cmd::Command;
use serde_json::{Map, Value};

use mcp_auth_doctor::json::scan::{self, Seg, Visit, Visitor};
use mcp_auth_doctor::json::skim::{self, Strategy};

/// Descends into everything above `depth` and captures what lies deeper, recording all it is
/// told (shared with `scan_mapped`).
pub(crate) struct Recorder {
    depth: usize,
    pub(crate) seen: Vec<String>,
}

impl Recorder {
    pub(crate) fn new(depth: usize) -> Self {
        Self {
            depth,
            seen: Vec::new(),
        }
    }
}

impl Visitor for Recorder {
    fn visit(&mut self, path: &[Seg]) -> Visit {
        if path.len() < self.depth {
            Visit::Descend
        } else {
            Visit::Capture
        }
    }
    fn captured(&mut self, path: &[Seg], raw: Vec<u8>) {
        self.seen
            .push(format!("{path:?} {:?}", String::from_utf8_lossy(&raw)));
    }
    fn member_span(&mut self, object: &[Seg], key: &str, start: u64, end: u64) {
        self.seen.push(format!("{object:?} {key:?} {start}..{end}"));
    }
    fn object_span(&mut self, path: &[Seg], open: u64, close: u64) {
        self.seen.push(format!("{path:?} {{{open}..{close}}}"));
    }
}

/// Everything a scan says about `doc` under `strategy`.
fn scan_with(doc: &[u8], strategy: Strategy) -> String {
    scan_by(|d, v| scan::scan(d, v), doc, strategy)
}

/// [`scan_with`] through `scan` (the whole document as a reader) or `scan::scan_slice` (a
/// buffer of the document's size).
/// A scan of bytes in memory: `scan::scan` of them as a reader, or `scan::scan_slice`.
type ScanFn = fn(&[u8], &mut dyn Visitor) -> std::io::Result<scan::ScanReport>;

fn scan_by(scan: ScanFn, doc: &[u8], strategy: Strategy) -> String {
    skim::set_strategy(strategy);
    let mut rec = Recorder::new(3);
    let report = scan(doc, &mut rec).expect("no I/O error on a slice");
    skim::set_strategy(Strategy::Auto);
    format!("{report:?}\n{}", rec.seen.join("\n"))
}

fn assert_agree(doc: &[u8], what: &str) {
    let careful = scan_with(doc, Strategy::Careful);
    assert!(
        scan_by(scan::scan_slice, doc, Strategy::Careful) == careful,
        "{what}: scan_slice differs from scan"
    );
    for s in [
        Strategy::Auto,
        Strategy::Avx2,
        Strategy::Sse2,
        Strategy::Scalar,
    ] {
        let fast = scan_with(doc, s);
        assert!(
            fast == careful,
            "{what}: {s:?} differs from the careful scan"
        );
    }
}

/// splitmix64, seeded: the same corpus on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// A copy of `doc` with a few bytes changed to the ones string scanning cares about.
fn mutate(doc: &[u8], rng: &mut Rng) -> Vec<u8> {
    const NASTY: &[&[u8]] = &[
        b"\"",
        b"\\",
        b"\\\\",
        b"\\u",
        b"\\u00e9",
        b"\\uZZ",
        b"\\x",
        b"\x00",
        b"\x1f",
        b"\n",
        b"\xc3",
        b"\xa9",
        b"\xff",
        b"\xe2\x82",
        b"{",
        b"}",
        b",",
        b":",
        b"u",
        b"0f",
    ];
    let mut out = doc.to_vec();
    for _ in 0..1 + rng.below(4) {
        let at = rng.below(out.len());
        let with = NASTY[rng.below(NASTY.len())];
        if rng.below(2) == 0 {
            out.splice(at..(at + with.len()).min(out.len()), with.iter().copied());
        } else {
            out.splice(at..at, with.iter().copied());
        }
    }
    out
}

/// One test, because the strategy is a process-wide switch.
#[test]
fn fast_and_careful_string_scans_agree() {
    let dir = tempfile::tempdir().unwrap();
    synth::generate(
        dir.path(),
        &synth::Params {
            claude_json_bytes: 2 << 20,
            projects: 100,
            servers: 20,
            entries: 60,
            seed: 11,
            now_ms: synth::DEFAULT_NOW_MS,
            text: synth::Text::Mixed,
        },
    )
    .unwrap();
    let home = dir.path().join("home");
    let config = std::fs::read(home.join(".claude.json")).unwrap();
    let creds = std::fs::read(home.join(".claude/.credentials.json")).unwrap();
    assert_agree(&config, "the generated .claude.json");
    assert_agree(&creds, "the generated credentials");
    let heavy_dir = tempfile::tempdir().unwrap();
    synth::generate(
        heavy_dir.path(),
        &synth::Params {
            claude_json_bytes: 1 << 20,
            projects: 50,
            servers: 10,
            entries: 20,
            seed: 12,
            now_ms: synth::DEFAULT_NOW_MS,
            text: synth::Text::Heavy,
        },
    )
    .unwrap();
    let heavy = std::fs::read(heavy_dir.path().join("home/.claude.json")).unwrap();
    let escapes = heavy.iter().filter(|&&b| b == b'\\').count();
    assert!(
        escapes > heavy.len() / 12,
        "{escapes} backslashes in {} bytes",
        heavy.len()
    );
    assert_agree(&heavy, "the generated heavy .claude.json");

    // Windows of the generated file, mutated; and every testdata file, mutated.
    let mut rng = Rng(15);
    let mut corpus: Vec<Vec<u8>> = Vec::new();
    for i in 0..1500 {
        let source = if i % 2 == 0 { &config } else { &heavy };
        let len = 64 + rng.below(2048);
        let at = rng.below(source.len() - len);
        // Make it a document most of the time: a string or an array around the window.
        let mut doc = b"[\"".to_vec();
        doc.extend_from_slice(&source[at..at + len]);
        doc.extend_from_slice(b"\"]");
        corpus.push(doc);
    }
    let testdata = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata");
    let mut stack = vec![testdata];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "json") {
                corpus.push(std::fs::read(&p).unwrap());
            }
        }
    }
    let mut runs = 0;
    for doc in &corpus {
        assert_agree(doc, "a corpus document");
        for _ in 0..3 {
            if doc.is_empty() {
                break;
            }
            let m = mutate(doc, &mut rng);
            assert_agree(&m, &format!("mutation {runs}"));
            runs += 1;
        }
    }
    assert!(runs > 4000, "{runs}");
    utf8_around_the_first_chunk_end_agrees();
}

/// Odd UTF-8 sequences in a skimmed body, before a closing quote, in a key, in a captured value
/// and outside strings, around the end of the scanner's first 64 KiB chunk: every strategy
/// reports what the careful one reports, through `scan` and through `scan_slice` (which differ
/// from each other for a sequence outside strings that the chunk's end cuts: checking ahead, it
/// was carried, and the syntax error came first).
fn utf8_around_the_first_chunk_end_agrees() {
    const CHUNK: usize = 64 * 1024;
    const ODD: &[&[u8]] = &[
        b"\xc3\xa9",
        b"\xf0\x9f\x9a\x80",
        b"\xe2\x82",
        b"\xa9",
        b"\xe2\x82x",
        b"\xed\xa0\x80",
        b"\xf4\x90\x80\x80",
    ];
    const CONTEXTS: &[&str] = &[
        r#"["ab@cd"]"#,
        r#"["ab@"]"#,
        r#"{"k@": 1, "k@": 2}"#,
        r#"{"a": {"b": "@"}}"#,
        r#"[1, @]"#,
    ];
    let mut docs = 0;
    for context in CONTEXTS {
        let (before, after) = context.split_once('@').unwrap();
        for odd in ODD {
            for at in CHUNK - 5..CHUNK + 3 {
                let mut doc = br#"{"p": ""#.to_vec();
                let head = doc.len() + br#"", "c": "#.len() + before.len();
                // Mostly ASCII, some non-ASCII, sized to put the odd sequence at `at`.
                while doc.len() + 8 < at - head + 7 {
                    doc.extend_from_slice(if doc.len() % 512 < 8 {
                        "日本 ".as_bytes()
                    } else {
                        b"plain ab"
                    });
                }
                doc.resize(at - head + 7, b'p');
                doc.extend_from_slice(br#"", "c": "#);
                doc.extend_from_slice(before.as_bytes());
                assert_eq!(doc.len(), at);
                doc.extend_from_slice(odd);
                doc.extend_from_slice(after.as_bytes());
                doc.push(b'}');
                // The padding is clean: whatever the scan finds is at the odd sequence or after.
                skim::set_strategy(Strategy::Careful);
                let report = scan::scan_slice(&doc, &mut Recorder::new(3)).unwrap();
                skim::set_strategy(Strategy::Auto);
                assert!(
                    report.error.is_none_or(|e| e.offset >= at as u64),
                    "the padding stopped the scan: {:?}",
                    report.error
                );
                let readers: [ScanFn; 2] = [|d, v| scan::scan(d, v), scan::scan_slice];
                for reader in readers {
                    let careful = scan_by(reader, &doc, Strategy::Careful);
                    for s in [
                        Strategy::Auto,
                        Strategy::Avx2,
                        Strategy::Sse2,
                        Strategy::Scalar,
                    ] {
                        assert!(
                            scan_by(reader, &doc, s) == careful,
                            "{s:?} differs from the careful scan: {odd:x?} at {at} in {context}"
                        );
                    }
                }
                docs += 1;
            }
        }
    }
    assert_eq!(docs, CONTEXTS.len() * ODD.len() * 8);
}

/// The member spans of a compact object as serde_json writes it: `"key":value` joined by `,`.
fn compact_spans(text: &[u8], object_open: usize, map: &Map<String, Value>) -> Vec<(usize, usize)> {
    let mut at = object_open + 1;
    let mut spans = Vec::new();
    for (k, v) in map {
        let member = format!("{}:{}", Value::String(k.clone()), v);
        assert_eq!(&text[at..at + member.len()], member.as_bytes());
        spans.push((at, at + member.len()));
        at += member.len() + 1;
    }
    spans
}

/// Removing the keys one at a time, by the rule `fix` has always used, each step on the text the
/// previous one left: the only member leaves `{}`; a member with one after it goes up to that
/// one's key; the last goes with the comma before it. Tracked in the original's coordinates with
/// the list of members still there, so 5,000 removals stay fast.
fn one_at_a_time(
    text: &[u8],
    open: usize,
    close: usize,
    spans: &[(usize, usize)],
    keys: &[usize],
) -> Vec<u8> {
    let mut alive: Vec<usize> = (0..spans.len()).collect();
    let mut gone = vec![false; text.len()];
    for &k in keys {
        let i = alive.iter().position(|&m| m == k).expect("removed once");
        let (from, to) = if alive.len() == 1 {
            (open + 1, close)
        } else if i + 1 < alive.len() {
            (spans[alive[i]].0, spans[alive[i + 1]].0)
        } else {
            (spans[alive[i - 1]].1, spans[alive[i]].1)
        };
        gone[from..to].iter_mut().for_each(|g| *g = true);
        alive.remove(i);
    }
    text.iter()
        .zip(&gone)
        .filter(|(_, g)| !**g)
        .map(|(b, _)| *b)
        .collect()
}

#[test]
fn fix_on_10000_entries_leaves_the_bytes_of_one_at_a_time() {
    let dir = tempfile::tempdir().unwrap();
    synth::generate(
        dir.path(),
        &synth::Params {
            claude_json_bytes: 64 << 10,
            projects: 10,
            servers: 30,
            entries: 10_000,
            seed: 3,
            now_ms: synth::DEFAULT_NOW_MS,
            text: synth::Text::Mixed,
        },
    )
    .unwrap();
    let home = dir.path().join("home");
    let path = home.join(".claude/.credentials.json");
    let before = std::fs::read(&path).unwrap();
    let out = Command::cargo_bin("mcp-auth-doctor")
        .unwrap()
        .env_clear()
        .env("HOME", &home)
        .env("MCP_AUTH_DOCTOR_NOW", synth::DEFAULT_NOW_MS.to_string())
        .env("NO_COLOR", "1")
        .current_dir(&home)
        // Removals only: a move renames a member, which "one at a time" below does not model.
        .args(["fix", "--yes", "--no-move", "--format", "json"])
        .args([
            "--only",
            "orphaned-registration",
            "--only",
            "stale-registration",
        ])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        !stdout.contains(synth::CANARY),
        "a secret reached the output"
    );
    let doc: Value = serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stdout}"));
    let after = std::fs::read(&path).unwrap();

    let parsed: Value = serde_json::from_slice(&before).unwrap();
    let map = parsed["mcpOAuth"].as_object().unwrap();
    let marker = b"\"mcpOAuth\":{";
    let open = before
        .windows(marker.len())
        .position(|w| w == marker)
        .unwrap()
        + marker.len()
        - 1;
    let spans = compact_spans(&before, open, map);
    let close = spans.last().unwrap().1;
    assert_eq!(before[close], b'}');
    let index: std::collections::HashMap<&str, usize> = map
        .keys()
        .enumerate()
        .map(|(i, k)| (k.as_str(), i))
        .collect();
    let removed: Vec<usize> = doc["applied"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["action"]["kind"] == "remove-entry")
        .map(|s| index[s["action"]["key"].as_str().unwrap()])
        .collect();
    assert!(removed.len() > 4000, "only {} removals", removed.len());
    let want = one_at_a_time(&before, open, close, &spans, &removed);
    assert!(
        after == want,
        "fix's bytes differ from removing the entries one at a time"
    );
}

/// What `parses_to` must answer: a full parse, compared in order.
fn by_parse(text: &[u8], want: &Value) -> bool {
    serde_json::from_slice::<Value>(text)
        .is_ok_and(|v| mcp_auth_doctor::fix::edit::same_json(&v, want))
}

#[test]
fn the_streamed_check_of_planned_bytes_answers_what_parsing_answers() {
    use mcp_auth_doctor::fix::edit::parses_to;
    let dir = tempfile::tempdir().unwrap();
    synth::generate(
        dir.path(),
        &synth::Params {
            claude_json_bytes: 64 << 10,
            projects: 10,
            servers: 10,
            entries: 120,
            seed: 21,
            now_ms: synth::DEFAULT_NOW_MS,
            text: synth::Text::Heavy,
        },
    )
    .unwrap();
    let home = dir.path().join("home");
    let mut corpus = vec![
        std::fs::read(home.join(".claude/.credentials.json")).unwrap(),
        std::fs::read(home.join(".claude.json")).unwrap(),
    ];
    let testdata = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata");
    let mut stack = vec![testdata];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "json") {
                corpus.push(std::fs::read(&p).unwrap());
            }
        }
    }
    let mut rng = Rng(22);
    let (mut valid_mutations, mut checks) = (0, 0);
    for doc in &corpus {
        let Ok(want) = serde_json::from_slice::<Value>(doc) else {
            continue;
        };
        assert!(parses_to(doc, &want), "a document against its own parse");
        // Re-serialised (other whitespace, other escapes): the same value.
        assert!(parses_to(&serde_json::to_vec_pretty(&want).unwrap(), &want));
        for _ in 0..4 {
            let m = mutate(doc, &mut rng);
            assert_eq!(
                parses_to(&m, &want),
                by_parse(&m, &want),
                "a mutation against the original"
            );
            checks += 1;
            if let Ok(changed) = serde_json::from_slice::<Value>(&m) {
                valid_mutations += 1;
                assert!(parses_to(&m, &changed), "a mutation against its own parse");
                assert_eq!(
                    parses_to(doc, &changed),
                    by_parse(doc, &changed),
                    "the original against a mutation"
                );
            }
        }
    }
    assert!(
        checks > 150 && valid_mutations > 20,
        "{checks} checks, {valid_mutations} valid mutations"
    );
}
