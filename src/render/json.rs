//! `--format json`: one document on stdout, `schema` 1, documented in docs/json.md.

use serde::Serialize;

use super::files::{self, FileReport};
use super::plan::PlannedFinding;
use super::servers::ServerReport;
use crate::diagnosis::Diagnosis;
use crate::fix::plan::Plan;
use crate::timefmt;

pub const SCHEMA: u32 = 1;

#[derive(Serialize)]
struct CheckDocument<'a> {
    schema: u32,
    tool: &'static str,
    version: &'static str,
    now: String,
    state_found: bool,
    /// The Claude Code release the verdicts assume.
    claude_release: &'a crate::model::release::Assumed,
    summary: Summary,
    findings: Vec<PlannedFinding<'a>>,
    servers: Vec<ServerReport>,
    files: Vec<FileReport>,
}

#[derive(Serialize)]
struct Summary {
    errors: usize,
    warnings: usize,
    infos: usize,
    servers: usize,
    servers_unusable: usize,
}

/// `plan`: what `fix` would do for `d` (`fix::plan::for_findings` with the default selection).
pub fn check(d: &Diagnosis, plan: &Plan) -> String {
    let (errors, warnings, infos) = d.counts();
    let doc = CheckDocument {
        schema: SCHEMA,
        tool: env!("CARGO_PKG_NAME"),
        version: env!("CARGO_PKG_VERSION"),
        now: timefmt::rfc3339(d.inventory.now_ms),
        state_found: d.inventory.has_any_state(),
        claude_release: &d.inventory.release,
        summary: Summary {
            errors,
            warnings,
            infos,
            servers: d.servers.len(),
            servers_unusable: d.servers.iter().filter(|s| s.verdict.is_problem()).count(),
        },
        // Each action as `fix` carries it out (a placeholder's removal folded into a move).
        findings: super::plan::findings_as_planned_borrowed(&d.findings, plan),
        servers: super::servers::reports(&d.servers),
        files: files::files(&d.inventory),
    };
    to_string(&doc)
}

/// Every JSON document we print: pretty, one trailing newline, invisible characters escaped.
pub fn to_string(value: &impl Serialize) -> String {
    let mut s = serde_json::to_string_pretty(value).unwrap_or_else(|e| {
        format!("{{\"schema\": {SCHEMA}, \"error\": \"cannot serialise the report: {e}\"}}")
    });
    s.push('\n');
    escape_invisible(s)
}

/// One string as [`to_string`] writes it inside a document: JSON-escaped, invisible characters
/// escaped (for edits of a printed document, `commands::pasteable::pasteable_json`).
pub fn string(text: &str) -> String {
    escape_invisible(serde_json::to_string(text).unwrap_or_default())
}

/// Characters serde_json leaves raw (it escapes only what JSON requires) that a terminal, an
/// editor or JavaScript treats specially: DEL and the C1 controls (U+0085 is a line break to
/// some), U+2028 and U+2029 (line breaks in JavaScript strings before ES2019), the bidirectional
/// controls (U+202E reverses the rest of a line, so a server name can pose as another), zero-width
/// characters and the byte-order mark.
fn invisible(c: char) -> bool {
    matches!(c,
        '\u{7f}'..='\u{9f}'
        | '\u{61c}'
        | '\u{200b}'..='\u{200f}'
        | '\u{2028}'..='\u{202e}'
        | '\u{2066}'..='\u{2069}'
        | '\u{feff}')
}

/// Writes each [`invisible`] character as `\uXXXX`. Outside strings serde_json writes only ASCII,
/// so every such character is inside a string, where the escape means the same character.
fn escape_invisible(json: String) -> String {
    // Every invisible character is DEL or starts with one of these UTF-8 lead bytes; a byte scan
    // rules most documents out without decoding their characters (issue 15: the char scan was
    // 8.7% of a 1,000-entry report).
    if !json
        .bytes()
        .any(|b| matches!(b, 0x7f | 0xc2 | 0xd8 | 0xe2 | 0xef))
        || !json.chars().any(invisible)
    {
        return json;
    }
    let mut out = String::with_capacity(json.len() + 16);
    for c in json.chars() {
        if invisible(c) {
            out.push_str(&format!("\\u{:04x}", c as u32));
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invisible_characters_are_escaped_and_read_back_the_same() {
        let tricky: String = ('\u{0}'..='\u{ffff}').filter(|c| invisible(*c)).collect();
        let value = serde_json::json!({ "name": format!("a{tricky}b"), tricky.clone(): 1 });
        let out = to_string(&value);
        assert!(out.is_ascii(), "{out}");
        assert!(out.contains("\\u0085") && out.contains("\\u202e") && out.contains("\\u007f"));
        let back: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(back, value);
        // Everything else stays as it is.
        let plain = serde_json::json!({ "name": "üñí → linear ✓ 日本" });
        assert_eq!(
            to_string(&plain),
            serde_json::to_string_pretty(&plain).unwrap() + "\n"
        );
    }
}
