//! What the bytes about to be written must be, checked before they reach the disk and said by
//! the edit that made them.

use serde_json::Value;

use super::edit::{self, Removal};
use super::spliced::Spliced;

/// What an edit's new bytes must be.
#[derive(Debug)]
pub enum Expected {
    /// Parse to exactly this value, order included ([`edit::parses_to`]): moves, which rewrite
    /// members, and a restore's merge.
    Tree(Value),
    /// Be the text the edit started from with exactly these members removed, every other byte
    /// kept ([`edit::removed_exactly`]): no tree of the file, for the removals `fix` makes by
    /// the thousand.
    Removed { base: Base, removals: Vec<Removal> },
}

/// The text an edit started from, given as part of the bytes read under the lock so that it is
/// not held twice.
#[derive(Debug, Clone)]
pub enum Base {
    /// The bytes read from this offset on (3 when a byte order mark was dropped, else 0).
    Suffix(usize),
    /// Other bytes (a cache replaced by `{}`).
    Text(Vec<u8>),
}

impl Base {
    fn of<'a>(&'a self, before: &'a [u8]) -> &'a [u8] {
        match self {
            Base::Suffix(at) => before.get(*at..).unwrap_or_default(),
            Base::Text(t) => t,
        }
    }
}

impl From<Value> for Expected {
    fn from(v: Value) -> Self {
        Expected::Tree(v)
    }
}

impl Expected {
    /// Whether `text`, made from the bytes `before` read under the lock, is what was planned.
    pub fn holds(&self, before: &[u8], text: &Spliced<'_>) -> bool {
        match self {
            // Moves and merges give new bytes (one piece: no copy).
            Expected::Tree(want) => edit::parses_to(&text.contiguous(), want),
            Expected::Removed { base, removals } => {
                edit::removed_exactly(base.of(before), text, removals)
            }
        }
    }
}
