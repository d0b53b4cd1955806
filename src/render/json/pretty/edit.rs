//! A document's [`Edits`] made string by string as it is written, instead of on its text after
//! (issue 15: the two passes over each chunk of a 1,000-entry report were a third of writing it).
//!
//! The bytes are those the edits of the whole text give, because both edits change only the
//! inside of a string and see nothing past its quotes:
//!
//! - the flags go into the string value of a member named `note` or `next_step`, at any depth,
//!   that mentions `mcp-auth-doctor` (what `commands::pasteable::pasteable_json_lines` finds by
//!   the member's line: pretty printing starts every member on a line of its own, and a string
//!   never holds a raw line break); the new text is escaped as any string is;
//! - [`redact::output`] rewrites URLs, which start after `://` at the scheme characters before
//!   it and end at the first quote or backslash, and token-shaped runs of `[A-Za-z0-9_-]`, which
//!   a quote ends, keeping a JSON escape just before a run (it counts the backslashes before it,
//!   and a quote is none). Outside strings a document has only punctuation, numbers, `true`,
//!   `false` and `null`: no `://`, no `eyJ`, and no run with the four letters a token needs.
//!   So the output of the whole text is, string by string, the output of each string's escaped
//!   text.
//!
//! `tests` compare both on documents with secrets, URLs and commands in every kind of string.

use std::borrow::Cow;
use std::io::{self, Write};

use super::super::Edits;
use super::escape;
use super::look::look;
use crate::redact;

/// Whether the string value of a member named `key` is a command the flags go into.
pub(super) fn is_command_field(key: &str) -> bool {
    super::super::COMMAND_FIELDS.contains(&key)
}

/// [`Edits`] as the writer applies them, with what it keeps between strings.
pub(super) struct StringEdits {
    flags: String,
    redact: bool,
    /// A string's escaped text, when it is edited after escaping.
    escaped: Vec<u8>,
    /// The last command string and the bytes written for it, quotes included: the notes of a
    /// report's actions are mostly the same few sentences.
    last_command: Option<(Box<str>, Vec<u8>)>,
    /// The URLs found shown as they are.
    shown_urls: redact::ShownUrls,
}

impl StringEdits {
    /// `None` when `edits` change nothing.
    pub(super) fn of(edits: &Edits) -> Option<Self> {
        (!edits.flags.is_empty() || edits.redact).then(|| Self {
            flags: edits.flags.clone(),
            redact: edits.redact,
            escaped: Vec::new(),
            last_command: None,
            shown_urls: redact::ShownUrls::new(),
        })
    }

    /// Whether redaction may change `text` (a field name: never a command).
    pub(super) fn may_change(&self, text: &str) -> bool {
        self.redact && redact::output_may_change(text)
    }

    /// Whether command strings get flags.
    pub(super) fn pastes(&self) -> bool {
        !self.flags.is_empty()
    }

    /// Writes string `s` (the value of a command member when `command`) as a JSON string,
    /// edited.
    pub(super) fn write(&mut self, out: &mut impl Write, s: &str, command: bool) -> io::Result<()> {
        if !(command && self.pastes()) {
            return self.write_literal(out, s);
        }
        if let Some((last, written)) = &self.last_command
            && **last == *s
        {
            return out.write_all(written);
        }
        let pasted = crate::render::style::insert_flags_cow(s, &self.flags);
        let mut written = Vec::with_capacity(pasted.len() + 2);
        self.write_literal(&mut written, &pasted)?;
        out.write_all(&written)?;
        self.last_command = Some((s.into(), written));
        Ok(())
    }

    /// `s` escaped between quotes, then redacted.
    fn write_literal(&mut self, out: &mut impl Write, s: &str) -> io::Result<()> {
        let seen = look(s.as_bytes());
        let (text, seen) = if !seen.escape {
            // Its escaped text is itself.
            (Cow::Borrowed(s), seen.seen)
        } else {
            let mut escaped = std::mem::take(&mut self.escaped);
            escaped.clear();
            escape(&mut escaped, s)?;
            let text = String::from_utf8(escaped).expect("escaped UTF-8 is UTF-8");
            // Seen as escaped: an escape's letters can join what follows them.
            let seen = look(text.as_bytes()).seen;
            (Cow::Owned(text), seen)
        };
        let shown = if self.redact && redact::output_may_change_seen(&text, seen) {
            redact::output_seen(&text, seen, &mut self.shown_urls)
        } else {
            Cow::Borrowed(&*text)
        };
        out.write_all(b"\"")?;
        out.write_all(shown.as_bytes())?;
        out.write_all(b"\"")?;
        drop(shown);
        if let Cow::Owned(text) = text {
            self.escaped = text.into_bytes();
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
