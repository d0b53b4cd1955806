//! Every field docs/json.md documents exists in real output: each section's table is read from the
//! document, and each field path in its first column must occur in at least one document that the
//! section describes, produced by the real binary on the fixtures (issue 12 defect 12). A field
//! renamed or dropped in the code, or documented and never produced, fails here.

use crate::common;

use std::collections::BTreeSet;

use common::Home;
use serde_json::Value;

/// Every path in `v`: object members joined by `.`, array elements as `[]`; empty arrays, nulls
/// and objects count as present.
fn paths(v: &Value, prefix: &str, out: &mut BTreeSet<String>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                let p = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                out.insert(p.clone());
                paths(x, &p, out);
            }
        }
        Value::Array(a) => {
            for x in a {
                paths(x, &format!("{prefix}[]"), out);
            }
        }
        _ => {}
    }
}

fn json_of(home: &Home, args: &[&str]) -> Value {
    let (out, err, _) = home.run(args);
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("{args:?}: not JSON ({e}): {out}{err}"))
}

/// The documents each kind of section describes.
fn outputs() -> Vec<(&'static str, Vec<Value>)> {
    let mut check = Vec::new();
    let mut report = Vec::new();
    for name in common::scenarios() {
        let home = Home::fixture(&name);
        check.push(json_of(&home, &["check", "--format", "json"]));
        report.push(json_of(&home, &["report", "--format", "json"]));
    }
    let home = Home::fixture("demo");
    let mut fix = vec![json_of(&home, &["fix", "--dry-run", "--format", "json"])];
    fix.push(json_of(&home, &["fix", "--yes", "--format", "json"]));
    fix.push(json_of(
        &home,
        &["forget", "sentry", "--yes", "--format", "json"],
    ));
    let env = Home::fixture("env-changed");
    fix.push(json_of(&env, &["fix", "--dry-run", "--format", "json"]));
    let restore = vec![
        // No terminal and no --yes: nothing restored, still a JSON document.
        json_of(&home, &["restore", "--latest", "--format", "json"]),
        json_of(
            &home,
            &["restore", "--latest", "--dry-run", "--format", "json"],
        ),
        json_of(&home, &["restore", "--latest", "--yes", "--format", "json"]),
    ];
    std::fs::create_dir_all(
        home.path
            .join(".claude/backups/mcp-auth-doctor/20250101T000000.000Z"),
    )
    .unwrap();
    let backups = vec![json_of(&home, &["backups", "--format", "json"])];
    // login: a dry run (no claude needed), a server that already connects, and a sign-in that
    // fails with the fake `claude` of tests/bin (for `sign_in.message`).
    let expired = Home::fixture("expired");
    let healthy = Home::fixture("healthy");
    let bin = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/bin:/usr/bin:/bin");
    let failed = expired
        .cmd(&["login", "linear", "--yes", "--format", "json"])
        .env("PATH", bin)
        .env("MCP_AUTH_DOCTOR_TEST_TTY", "1")
        .env("FAKE_CLAUDE_KEY", "linear|638130d5ab3558f4")
        .env("FAKE_CLAUDE_FAIL", "1")
        .output()
        .unwrap();
    let login = vec![
        json_of(
            &expired,
            &["login", "linear", "--dry-run", "--format", "json"],
        ),
        json_of(&healthy, &["login", "linear", "--yes", "--format", "json"]),
        serde_json::from_slice(&failed.stdout).expect("login JSON"),
    ];
    let broken = Home::fixture("demo");
    std::fs::write(broken.path.join(".claude/backups"), b"").unwrap();
    let errors = vec![json_of(&broken, &["fix", "--yes", "--format", "json"])];
    vec![
        ("check", check),
        ("report", report),
        ("fix", fix),
        ("restore", restore),
        ("backups", backups),
        ("login", login),
        ("errors", errors),
    ]
}

/// The sections checked: heading, which documents, and the prefix of their fields there.
const SECTIONS: &[(&str, &str, &str)] = &[
    ("## Finding", "check", "findings[]."),
    ("### Action", "check", "findings[].action."),
    ("## Server", "check", "servers[]."),
    ("## File", "check", "files[]."),
    ("## `fix` and `forget`", "fix", ""),
    ("## `restore`", "restore", ""),
    ("## `backups`", "backups", ""),
    ("## `report`", "report", ""),
    ("## `login`", "login", ""),
    ("## Errors", "errors", ""),
];

/// The field paths in the first column of the first table under `heading`.
fn documented(doc: &str, heading: &str) -> Vec<String> {
    let start = doc
        .lines()
        .position(|l| l == heading)
        .unwrap_or_else(|| panic!("docs/json.md has no {heading:?}"));
    let mut fields = Vec::new();
    let mut in_table = false;
    for line in doc.lines().skip(start + 1) {
        if line.starts_with("## ") || line.starts_with("### ") {
            break;
        }
        if line.starts_with("| Field ") {
            in_table = true;
            continue;
        }
        if in_table && !line.starts_with('|') {
            break;
        }
        if !in_table || line.starts_with("|---") {
            continue;
        }
        let cell = line.split(" | ").next().unwrap_or_default();
        // Every `code span` in the cell is a field: "`key` / `name` / `mode`", "`a`, `b`".
        for (i, part) in cell.split('`').enumerate() {
            if i % 2 == 1 {
                fields.push(part.to_string());
            }
        }
    }
    assert!(!fields.is_empty(), "no fields under {heading:?}");
    fields
}

#[test]
fn every_documented_field_is_in_real_output() {
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/json.md"))
        .expect("docs/json.md");
    let outputs = outputs();
    let mut missing = Vec::new();
    for (heading, kind, prefix) in SECTIONS {
        let docs = &outputs.iter().find(|(k, _)| k == kind).unwrap().1;
        let mut seen = BTreeSet::new();
        for d in docs {
            paths(d, "", &mut seen);
        }
        for field in documented(&doc, heading) {
            let path = format!("{prefix}{field}");
            if !seen.contains(&path) {
                missing.push(format!("{heading}: {path}"));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "documented but never produced:\n{}",
        missing.join("\n")
    );
}
