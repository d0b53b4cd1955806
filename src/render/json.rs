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
    if !has_invisible(json.as_bytes()) {
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

/// Whether UTF-8 `text` holds an [`invisible`] character. Every one is DEL or begins with one
/// of the lead bytes 0xc2, 0xd8, 0xe2, 0xef, so only the characters at those bytes are decoded;
/// 32-byte blocks of ASCII (most of a report: the test is one vector compare) are skipped whole
/// (issue 15: the scan that decoded every character after a first `→` was 4% of a 1,000-entry
/// report).
fn has_invisible(text: &[u8]) -> bool {
    const BLOCK: usize = 32;
    let blocks = text.chunks(BLOCK);
    for (n, block) in blocks.enumerate() {
        // No early exit inside a block: the compiler makes this one vector compare.
        if block.iter().fold(false, |any, &b| any | (b >= 0x7f)) {
            let start = n * BLOCK;
            if (start..start + block.len()).any(|j| invisible_at(text, j)) {
                return true;
            }
        }
    }
    false
}

/// Whether the character starting at byte `at` of UTF-8 `text` is [`invisible`] (false inside a
/// character: a continuation byte is never one of the lead bytes looked for).
fn invisible_at(text: &[u8], at: usize) -> bool {
    let len = match text[at] {
        0x7f => return true,
        0xc2 | 0xd8 => 2,
        0xe2 | 0xef => 3,
        _ => return false,
    };
    text.get(at..at + len)
        .and_then(|c| std::str::from_utf8(c).ok())
        .and_then(|c| c.chars().next())
        .is_some_and(invisible)
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
        // Found wherever it sits in a block, after other non-ASCII text or none.
        for c in tricky.chars() {
            for pad in 0..40 {
                let text = format!("{}é→{c}", "a".repeat(pad));
                assert!(has_invisible(text.as_bytes()), "{c:?} after {pad}");
            }
        }
        let visible: String = ('\u{0}'..='\u{ffff}').filter(|c| !invisible(*c)).collect();
        assert!(!has_invisible(visible.as_bytes()));
        // Everything else stays as it is.
        let plain = serde_json::json!({ "name": "üñí → linear ✓ 日本" });
        assert_eq!(
            to_string(&plain),
            serde_json::to_string_pretty(&plain).unwrap() + "\n"
        );
    }
}
