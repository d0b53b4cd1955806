//! `--format json`: one document on stdout, `schema` 1, documented in docs/json.md.

use std::borrow::Cow;
use std::io::{self, Write};

use serde::Serialize;

use super::files::{self, FileReport};
use super::plan::PlannedFinding;
use super::servers::ServerReport;
use crate::diagnosis::Diagnosis;
use crate::fix::plan::Plan;
use crate::timefmt;

pub(crate) mod pretty;

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
    let mut out = Vec::new();
    // Writing to a Vec fails only if serialising does, which these types never do (no map with
    // keys that are not strings, no Serialize impl that returns an error).
    write_check(&mut out, d, plan, &Edits::none()).expect("a check document serialises");
    String::from_utf8(out).expect("serde_json writes UTF-8")
}

/// [`check`] written to `out` as it is made, in chunks (a 1,000-entry report is 1.45 MB: its
/// pages and the copies each later pass made of it were a fifth of the run; issue 15), each
/// string with `edits` applied as it is written. The bytes are exactly those of [`to_string`] of
/// the document, then `edits` applied to the whole text: written by [`pretty`], which escapes
/// the invisible characters itself (no pass of [`escape_invisible_text`] after it). Buffered
/// here, so that its many small writes are not each a call through `out`'s vtable.
pub fn write_check(
    out: &mut dyn Write,
    d: &Diagnosis,
    plan: &Plan,
    edits: &Edits,
) -> io::Result<()> {
    let mut out = io::BufWriter::with_capacity(CHUNK, out);
    pretty::write_edited(&mut out, &check_document(d, plan), edits)?;
    out.write_all(b"\n")?;
    out.flush()
}

/// The JSON members whose text is shown to people as commands to run: they get the run's
/// location flags ([`Edits::flags`]; `commands::pasteable`).
pub const COMMAND_FIELDS: &[&str] = &["next_step", "note"];

/// What the printed text of a document gets on its way out, applied to each of its strings as
/// it is written ([`write_check`]) instead of to the text after it (a pass of each edit over
/// every chunk of a 1,000-entry report, 1.45 MB, was a third of writing it; issue 15):
/// this run's location flags in the commands of its `note` and `next_step` members
/// (`commands::pasteable::pasteable_json_lines`), then [`crate::redact::output`]. The same
/// bytes: neither edit changes anything outside a string, nor looks past a string's quotes
/// (`pretty::edit` says why).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Edits {
    /// The location flags for the commands (`commands::pasteable::flags`); empty for none.
    pub flags: String,
    /// Whether every string passes [`crate::redact::output`].
    pub redact: bool,
}

impl Edits {
    /// No edit: the document as [`to_string`] makes it.
    pub fn none() -> Self {
        Self::default()
    }
}

fn check_document<'a>(d: &'a Diagnosis, plan: &'a Plan) -> CheckDocument<'a> {
    let (errors, warnings, infos) = d.counts();
    CheckDocument {
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
    }
}

/// `value` as [`to_string`] prints it, written to `out` through [`Lines`] (the invisible
/// characters escaped chunk by chunk).
#[cfg(test)]
pub fn write_pretty(out: &mut dyn Write, value: &impl Serialize) -> io::Result<()> {
    let mut lines = Lines::new(out, escape_invisible_text);
    serde_json::to_writer_pretty(&mut lines, value)?;
    lines.write_all(b"\n")?;
    lines.finish()
}

/// How many bytes [`Lines`] gathers before it hands the whole lines among them on: enough that
/// each edit runs a few times per megabyte, small enough to stay in the cache.
const CHUNK: usize = 64 * 1024;

/// A writer that passes what is written through it to `out` in chunks of whole lines, each
/// edited by `edit` on the way: for edits that never look across a line break (every edit of
/// printed output we make: [`escape_invisible`], `commands::pasteable::pasteable_json_lines`,
/// `redact::output`), editing chunk by chunk gives exactly the bytes editing the whole text at
/// once gives, without the whole text in memory. What a document's edits were made with before
/// [`write_check`] made them string by string: the reference they are tested against.
#[cfg(test)]
pub struct Lines<'w, F> {
    out: &'w mut dyn Write,
    edit: F,
    pending: Vec<u8>,
    /// How much of `pending`, from its start, is known to hold no line break: a line longer
    /// than a chunk is searched once, not again after every small write (serde writes a few
    /// bytes at a time; a search of the whole pending text per write was quadratic in the
    /// line's length).
    searched: usize,
}

#[cfg(test)]
impl<'w, F: for<'a> FnMut(&'a str) -> Cow<'a, str>> Lines<'w, F> {
    pub fn new(out: &'w mut dyn Write, edit: F) -> Self {
        Self {
            out,
            edit,
            pending: Vec::with_capacity(CHUNK + 4096),
            searched: 0,
        }
    }

    /// Edits and writes the whole lines gathered (and with `all`, the rest too).
    fn pass(&mut self, all: bool) -> io::Result<()> {
        let end = if all {
            self.pending.len()
        } else {
            match memchr::memrchr(b'\n', &self.pending[self.searched..]) {
                Some(nl) => self.searched + nl + 1,
                None => {
                    self.searched = self.pending.len();
                    return Ok(());
                }
            }
        };
        if end == 0 {
            return Ok(());
        }
        // A chunk ends after a line break, so never inside a character.
        // simdutf8: std's check was 2% of a 1,000-entry report, each chunk being checked once
        // per layer of edits (issue 15).
        let text = simdutf8::basic::from_utf8(&self.pending[..end])
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?;
        self.out.write_all((self.edit)(text).as_bytes())?;
        self.pending.drain(..end);
        // What is left follows the last line break: none in it.
        self.searched = self.pending.len();
        Ok(())
    }

    /// Writes what is left (the last line, even without a line break) and flushes `out`.
    pub fn finish(mut self) -> io::Result<()> {
        self.pass(true)?;
        self.out.flush()
    }
}

#[cfg(test)]
impl<F: for<'a> FnMut(&'a str) -> Cow<'a, str>> Write for Lines<'_, F> {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        // A large write (a buffer's worth from `write_check`): its whole lines are edited
        // straight from it instead of copied into `pending` first (a copy of the whole report).
        if data.len() >= CHUNK / 2
            && let Some(last) = memchr::memrchr(b'\n', data)
        {
            let mut from = 0;
            if !self.pending.is_empty() {
                // The pending line ends at the first line break.
                let first = memchr::memchr(b'\n', data).unwrap_or(last);
                self.pending.extend_from_slice(&data[..=first]);
                self.pass(true)?;
                from = first + 1;
            }
            if from <= last {
                let text = simdutf8::basic::from_utf8(&data[from..=last])
                    .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?;
                self.out.write_all((self.edit)(text).as_bytes())?;
            }
            self.pending.extend_from_slice(&data[last + 1..]);
            self.searched = self.pending.len();
            return Ok(data.len());
        }
        self.pending.extend_from_slice(data);
        if self.pending.len() >= CHUNK {
            self.pass(false)?;
        }
        Ok(data.len())
    }

    /// Flushes only what is complete: a part of a line is held back until its line break (an
    /// edit needs the whole line), [`Lines::finish`] writes the end.
    fn flush(&mut self) -> io::Result<()> {
        self.pass(false)?;
        self.out.flush()
    }
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
    // serde escapes only quotes, backslashes and control characters: text with none of them
    // and nothing invisible is itself between quotes.
    let plain = text.bytes().fold(true, |plain, b| {
        plain & (b >= 0x20) & (b != b'"') & (b != b'\\')
    });
    if plain && !has_invisible(text.as_bytes()) {
        let mut quoted = String::with_capacity(text.len() + 2);
        quoted.push('"');
        quoted.push_str(text);
        quoted.push('"');
        return quoted;
    }
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
    match escape_invisible_text(&json) {
        Cow::Borrowed(_) => json,
        Cow::Owned(escaped) => escaped,
    }
}

/// [`escape_invisible`] of borrowed text (a copy only when something is escaped).
fn escape_invisible_text(json: &str) -> Cow<'_, str> {
    if !has_invisible(json.as_bytes()) {
        return Cow::Borrowed(json);
    }
    let mut out = String::with_capacity(json.len() + 16);
    for c in json.chars() {
        if invisible(c) {
            out.push_str(&format!("\\u{:04x}", c as u32));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
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

    /// A line-local edit (doubles every `x`, drops every `é`), as the real ones are.
    fn edit(text: &str) -> Cow<'_, str> {
        if text.contains(['x', 'é']) {
            Cow::Owned(text.replace('x', "xx").replace('é', ""))
        } else {
            Cow::Borrowed(text)
        }
    }

    /// Chunk by chunk is the same as all at once: for writes of every size, across chunk
    /// boundaries, for a line longer than a chunk and a last line with no line break.
    #[test]
    fn editing_in_chunks_of_lines_gives_what_editing_the_whole_text_gives() {
        let mut text = String::new();
        for i in 0..9_000 {
            text.push_str(&format!(
                "  \"line {i}\": \"{}é→x\",\n",
                "ab".repeat(i % 37)
            ));
        }
        text.push_str(&"x".repeat(3 * CHUNK));
        text.push_str("\nlast é");
        for write_size in [
            1,
            7,
            4096,
            CHUNK / 2 - 1,
            CHUNK / 2,
            CHUNK - 3,
            CHUNK + 1,
            text.len(),
        ] {
            let mut out = Vec::new();
            let mut lines = Lines::new(&mut out, edit);
            for piece in text.as_bytes().chunks(write_size) {
                lines.write_all(piece).unwrap();
            }
            lines.flush().unwrap();
            lines.finish().unwrap();
            assert!(
                String::from_utf8(out).unwrap() == edit(&text),
                "writes of {write_size}"
            );
        }
    }

    /// The document written as it is made is the one [`to_string`] makes, invisible characters
    /// escaped.
    #[test]
    fn a_document_written_as_it_is_made_is_the_one_held_whole() {
        let value = serde_json::json!({
            "a": ["\u{202e}x", {"b": "\u{85}", "c": 1.5}],
            "long": "y".repeat(3 * CHUNK),
            "list": (0..5_000).map(|i| format!("\u{feff}{i}")).collect::<Vec<_>>(),
        });
        let mut out = Vec::new();
        write_pretty(&mut out, &value).unwrap();
        assert!(String::from_utf8(out).unwrap() == to_string(&value));
        // By our own serializer, as `check`'s document is (`pretty::tests` for every kind of
        // value).
        let mut out = Vec::new();
        pretty::write(&mut out, &value).unwrap();
        out.push(b'\n');
        assert!(String::from_utf8(out).unwrap() == to_string(&value));
    }

    /// [`string`]'s shortcut for plain text is serde's escape of it.
    #[test]
    fn a_string_is_serdes_escape_with_invisible_characters_escaped() {
        let chars = ('\u{0}'..='\u{3000}').chain(['\u{feff}', '\u{1f600}']);
        for c in chars {
            for text in [format!("{c}"), format!("ab {c} é"), format!("{c}{c}x")] {
                let want = escape_invisible(serde_json::to_string(&text).unwrap());
                assert_eq!(string(&text), want, "{c:?}");
            }
        }
        assert_eq!(string(""), "\"\"");
    }

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
