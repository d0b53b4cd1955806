//! What a finding says: its text, or the pieces it is made of, shown (`Display`) and serialised
//! (a JSON string) as the text they join to.
//!
//! Most of a message of a check that reports once per entry (stale and orphaned registrations)
//! is the check's own sentences, the same in every finding; only the names, keys and urls
//! differ. [`Pieces`] keeps those sentences as the static text they are and writes the rest one
//! after another into one string: two allocations a message, sized to fit when it is made. A
//! `String` per name, key and url beside a list of 24-byte pieces was nine allocations and ~870
//! bytes a stale-registration finding, held until the report; the joined text is ~650 (issue 15).

use std::borrow::Cow;
use std::fmt;

use serde::Serialize;

/// What a finding says.
#[derive(Debug, Clone)]
pub struct Message(Repr);

#[derive(Debug, Clone)]
enum Repr {
    /// The whole text.
    Text(Box<str>),
    /// The pieces in order; [`Piece::Text`] pieces take their bytes from `texts` in turn.
    Pieces {
        texts: Box<str>,
        pieces: Box<[Piece]>,
    },
}

/// One piece of a message: text of the check's own, or the next `len` bytes of the message's
/// own texts. 16 bytes (the length sits where a static text's pointer, never null, is not).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Piece {
    Fixed(&'static str),
    Text(usize),
}

impl Message {
    /// The text (joined, so a copy, when the message is made of pieces).
    pub fn text(&self) -> Cow<'_, str> {
        match &self.0 {
            Repr::Text(t) => Cow::Borrowed(t),
            Repr::Pieces { .. } => {
                let mut out = String::with_capacity(self.len());
                self.each(|piece| out.push_str(piece));
                Cow::Owned(out)
            }
        }
    }

    /// Whether the text holds `pattern`.
    pub fn contains(&self, pattern: &str) -> bool {
        self.text().contains(pattern)
    }

    /// The text's length in bytes.
    fn len(&self) -> usize {
        let mut len = 0;
        self.each(|piece| len += piece.len());
        len
    }

    /// Hands each piece's text to `f`, in order.
    fn each(&self, mut f: impl FnMut(&str)) {
        match &self.0 {
            Repr::Text(t) => f(t),
            Repr::Pieces { texts, pieces } => {
                let mut rest: &str = texts;
                for piece in pieces.iter() {
                    match *piece {
                        Piece::Fixed(text) => f(text),
                        Piece::Text(len) => {
                            let (text, after) = rest.split_at(len);
                            f(text);
                            rest = after;
                        }
                    }
                }
            }
        }
    }
}

/// Equal when the texts are, however they are held.
impl PartialEq for Message {
    fn eq(&self, other: &Self) -> bool {
        self.text() == other.text()
    }
}

impl Eq for Message {}

impl From<String> for Message {
    fn from(text: String) -> Self {
        // Trimmed to its length: `format!` doubles as it goes, and the room would be held
        // until the report.
        Message(Repr::Text(text.into_boxed_str()))
    }
}

impl From<&str> for Message {
    fn from(text: &str) -> Self {
        Message(Repr::Text(text.into()))
    }
}

impl fmt::Display for Message {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut written = Ok(());
        self.each(|piece| {
            if written.is_ok() {
                written = f.write_str(piece);
            }
        });
        written
    }
}

impl Serialize for Message {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        // Joined into one buffer, then escaped in one pass: `collect_str` escaped each piece
        // through `fmt::Write`, 3% of a 1,000-entry report.
        s.serialize_str(&self.text())
    }
}

/// A message being made, piece by piece: [`Pieces::fixed`] for the check's own text,
/// [`Pieces::text`] (or `write!`) for this finding's names, keys and urls. Made into a
/// [`Message`] with `Message::from`, trimmed to fit.
#[derive(Debug, Default)]
pub struct Pieces {
    texts: String,
    pieces: Vec<Piece>,
}

impl Pieces {
    /// Room for `pieces` pieces and `text` bytes of the finding's own text: a list that outgrows
    /// its room is moved, and a message made by the thousand should not be.
    pub fn with_capacity(pieces: usize, text: usize) -> Self {
        Self {
            texts: String::with_capacity(text),
            pieces: Vec::with_capacity(pieces),
        }
    }

    /// Adds text of the check's own.
    pub fn fixed(&mut self, text: &'static str) -> &mut Self {
        self.pieces.push(Piece::Fixed(text));
        self
    }

    /// Adds text of this finding's (a copy of it).
    pub fn text(&mut self, text: &str) -> &mut Self {
        self.texts.push_str(text);
        self.grow_last_text(text.len());
        self
    }

    /// Counts `len` more bytes of `texts` as the last piece's, or as a new piece.
    fn grow_last_text(&mut self, len: usize) {
        match self.pieces.last_mut() {
            Some(Piece::Text(last)) => *last += len,
            _ => self.pieces.push(Piece::Text(len)),
        }
    }
}

/// `write!` into a message: the text written is this finding's.
impl fmt::Write for Pieces {
    fn write_str(&mut self, text: &str) -> fmt::Result {
        self.text(text);
        Ok(())
    }
}

impl From<Pieces> for Message {
    fn from(made: Pieces) -> Self {
        Message(Repr::Pieces {
            texts: made.texts.into_boxed_str(),
            pieces: made.pieces.into_boxed_slice(),
        })
    }
}

impl From<&mut Pieces> for Message {
    fn from(made: &mut Pieces) -> Self {
        Message::from(std::mem::take(made))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_message_of_pieces_is_the_text_they_join_to() {
        let name = "a \"quoted\" →\u{202e}\n\u{1}";
        let mut made = Pieces::with_capacity(4, 8);
        made.fixed("'").text(name).text("|2").fixed("' is \\ here");
        fmt::Write::write_fmt(&mut made, format_args!(" ({} of {})", 1, 2)).unwrap();
        made.fixed(".");
        let pieces = Message::from(made);
        let joined = format!("'{name}|2' is \\ here (1 of 2).");
        let text = Message::from(joined.clone());
        assert_eq!(pieces.to_string(), joined);
        assert_eq!(pieces.text(), joined.as_str());
        assert_eq!(pieces.len(), joined.len());
        assert_eq!(pieces, text);
        assert_eq!(
            serde_json::to_string(&pieces).unwrap(),
            serde_json::to_string(&joined).unwrap()
        );
        assert_eq!(
            serde_json::to_string(&text).unwrap(),
            serde_json::to_string(&joined).unwrap()
        );
        assert!(pieces.contains("quoted\" →"));
        assert!(pieces != Message::from("other"));
    }

    /// The report's writer sees a message of pieces as the one text they join to: a URL and a
    /// token cut at piece boundaries are redacted as in the joined text, messages one after
    /// another (through the writer's one buffer) each as their own.
    #[test]
    fn the_report_writer_redacts_a_message_of_pieces_as_its_joined_text() {
        use crate::render::json::{Edits, pretty::write_edited};
        let mut a = Pieces::default();
        a.fixed("see https://user:CANARY")
            .text("pw@mcp.example/mcp?code=CAN");
        a.fixed("ARYq and eyJhbGciOiJIUzI1NiJ9.CANARYeyJzdWIi")
            .text("OiIxIn0.c2lnbmF0dXJl \"\"");
        let mut b = Pieces::default();
        b.text("a1b2c3d4e5f6a7b8")
            .fixed("c9d0e1f2a3b4c5d6CANARY")
            .text(" \u{202e}.");
        let messages = [Message::from(a), Message::from(b), Message::from("plain")];
        let joined: Vec<Message> = messages
            .iter()
            .map(|m| Message::from(m.text().into_owned()))
            .collect();
        let edits = Edits {
            flags: String::new(),
            redact: true,
        };
        let written = |ms: &[Message]| {
            let mut out = Vec::new();
            write_edited(&mut out, ms, &edits).expect("written");
            String::from_utf8(out).expect("UTF-8")
        };
        let got = written(&messages);
        assert_eq!(got, written(&joined));
        assert!(!got.contains("CANARY") && got.contains("plain"), "{got}");
    }

    #[test]
    fn texts_one_after_another_are_one_piece_and_a_piece_is_16_bytes() {
        let mut made = Pieces::default();
        made.text("a").text("b").fixed("c").text("d");
        assert_eq!(
            made.pieces,
            [Piece::Text(2), Piece::Fixed("c"), Piece::Text(1)]
        );
        assert_eq!(Message::from(&mut made).to_string(), "abcd");
        assert!(made.pieces.is_empty() && made.texts.is_empty());
        assert_eq!(Message::from(Pieces::default()).to_string(), "");
        assert_eq!(std::mem::size_of::<Piece>(), 16);
    }
}
