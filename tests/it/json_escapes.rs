//! JSON output escapes the characters serde_json leaves raw but that terminals, editors and
//! JavaScript treat specially: DEL and the C1 controls (U+0085 is a line break to some), U+2028
//! and U+2029 (line breaks in JavaScript strings before ES2019), and the bidirectional controls
//! (U+202E turns the rest of a line around, so `evil|1234` can read as `4321|live`). Human
//! output replaces them with U+FFFD instead.

use crate::common;

use common::Home;

/// Every character that must never appear raw in JSON output.
const INVISIBLE: &[char] = &[
    '\u{7f}', '\u{80}', '\u{85}', '\u{9f}', '\u{61c}', '\u{200e}', '\u{200f}', '\u{2028}',
    '\u{2029}', '\u{202a}', '\u{202e}', '\u{2066}', '\u{2069}',
];

/// A home whose servers are named `srv<c>x` for each character `c` in [`INVISIBLE`].
fn home_with_tricky_names() -> (Home, Vec<String>) {
    let home = Home::fixture("empty-home");
    let names: Vec<String> = INVISIBLE.iter().map(|c| format!("srv{c}x")).collect();
    let servers: serde_json::Map<String, serde_json::Value> = names
        .iter()
        .map(|n| {
            (
                n.clone(),
                serde_json::json!({"type": "http", "url": format!("https://h.example/{n}")}),
            )
        })
        .collect();
    std::fs::write(
        home.path.join(".claude.json"),
        serde_json::to_string(&serde_json::json!({ "mcpServers": servers })).unwrap(),
    )
    .unwrap();
    (home, names)
}

#[test]
fn human_output_replaces_line_breaks_bidi_and_c1_controls() {
    let (home, names) = home_with_tricky_names();
    for args in [
        &["check"][..],
        &["status"],
        &["report"],
        &["fix", "--dry-run"],
    ] {
        let (stdout, _, _) = home.run(args);
        for c in INVISIBLE {
            assert!(
                !stdout.contains(*c),
                "{args:?} printed U+{:04X} raw:\n{stdout}",
                *c as u32
            );
        }
        if args[0] == "status" {
            assert_eq!(
                stdout.matches("srv\u{FFFD}x").count(),
                names.len(),
                "{stdout}"
            );
        }
    }
}

#[test]
fn json_output_escapes_line_breaks_bidi_and_c1_controls() {
    let (home, names) = home_with_tricky_names();
    for args in [
        &["check", "--format", "json"][..],
        &["status", "--format", "json"],
        &["report", "--format", "json"],
        &["fix", "--dry-run", "--format", "json"],
        &["paths", "--format", "json"],
    ] {
        let (stdout, _, _) = home.run(args);
        for c in INVISIBLE {
            assert!(
                !stdout.contains(*c),
                "{args:?} printed U+{:04X} raw:\n{stdout}",
                *c as u32
            );
        }
        let doc: serde_json::Value = serde_json::from_str(&stdout)
            .unwrap_or_else(|e| panic!("{args:?} is not JSON ({e}):\n{stdout}"));
        if args[0] == "check" {
            // Escaped, not removed: the names read back exactly.
            let shown: Vec<&str> = doc["servers"]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| s["name"].as_str().unwrap())
                .collect();
            for n in &names {
                assert!(shown.contains(&n.as_str()), "{n:?} not in {shown:?}");
            }
            assert!(stdout.contains("srv\\u202ex"), "{stdout}");
        }
    }
}
