//! A finding is data: what is wrong, where, why it matters in Claude Code's terms, and what `fix`
//! would do about it. Never an `Err`.

use serde::Serialize;
use std::sync::Arc;

use serde_json::Value;

use super::Code;
use crate::json::LineCol;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn label(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

// The repairs a finding proposes live in the plan layer; re-exported so checks name them here.
pub use super::action::{Action, ActionKind};

#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    pub code: Code,
    pub severity: Severity,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub server: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// The file as shown. Shared: the thousands of findings about one credentials file hold one
    /// copy of its path (issue 15: a copy each was 0.5 MB of a 10,000-entry `fix`).
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "shown_file")]
    pub file: Option<Arc<str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<LineCol>,
    pub message: Message,
    #[serde(skip_serializing_if = "Evidence::is_empty")]
    pub evidence: Evidence,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub action: Option<Action>,
}

fn shown_file<S: serde::Serializer>(file: &Option<Arc<str>>, s: S) -> Result<S::Ok, S::Error> {
    match file {
        Some(f) => s.serialize_str(f),
        None => s.serialize_none(),
    }
}

impl Finding {
    pub fn new(code: Code, severity: Severity, message: impl Into<Message>) -> Self {
        Self {
            code,
            severity,
            server: None,
            key: None,
            file: None,
            location: None,
            message: message.into(),
            evidence: Evidence::default(),
            action: None,
        }
    }

    pub fn server(mut self, name: &str) -> Self {
        self.server = Some(name.to_string());
        self
    }

    pub fn key(mut self, key: &str) -> Self {
        self.key = Some(key.to_string());
        self
    }

    /// The file as shown: a `String`, or an `Arc<str>` that many findings share.
    pub fn file(mut self, file: impl Into<Arc<str>>) -> Self {
        self.file = Some(file.into());
        self
    }

    pub fn at(mut self, location: LineCol) -> Self {
        self.location = Some(location);
        self
    }

    /// Room for `n` more pieces of evidence: each one added to a full list moves it (issue 15:
    /// three moves for the three of a stale registration, ~1,100 instructions a finding).
    pub fn evidence_room(mut self, n: usize) -> Self {
        self.evidence.0.reserve_exact(n);
        self
    }

    /// Adds (or replaces, in its place) the evidence `name`.
    pub fn evidence(mut self, name: &'static str, value: impl Into<Value>) -> Self {
        self.evidence.insert(name, value.into());
        self
    }

    pub fn action(mut self, action: impl Into<Option<Action>>) -> Self {
        self.action = action.into();
        self
    }
}

pub use super::message::{Message, Pieces};

/// A finding's evidence: named values, in the order they were added, serialised as a JSON object
/// exactly as a `serde_json::Map` with them would be. A list with exact capacity, not a map: a
/// finding has a handful, and an `IndexMap` (a hash table, an entry vector and a `String` per
/// name) was about 600 bytes per finding (issue 15).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Evidence(Vec<(&'static str, Value)>);

impl Evidence {
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Sets `name` to `value`: in its place when it is there, last otherwise (as a map does).
    pub fn insert(&mut self, name: &'static str, value: Value) {
        match self.0.iter_mut().find(|(n, _)| *n == name) {
            Some((_, v)) => *v = value,
            None => {
                self.0.reserve_exact(1);
                self.0.push((name, value));
            }
        }
    }

    pub fn get(&self, name: &str) -> Option<&Value> {
        self.0.iter().find(|(n, _)| *n == name).map(|(_, v)| v)
    }

    pub fn contains_key(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    pub fn iter(&self) -> impl Iterator<Item = (&'static str, &Value)> {
        self.0.iter().map(|(n, v)| (*n, v))
    }
}

impl std::ops::Index<&str> for Evidence {
    type Output = Value;

    /// `Value::Null` for a name it does not hold, as indexing a `serde_json::Map` value does.
    fn index(&self, name: &str) -> &Value {
        static NULL: Value = Value::Null;
        self.get(name).unwrap_or(&NULL)
    }
}

/// As a struct: the names are `&'static str`, and a serializer writes a struct's field names
/// without the map-key path (JSON: the same bytes as the map).
impl Serialize for Evidence {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("Evidence", self.0.len())?;
        for (n, v) in &self.0 {
            st.serialize_field(n, v)?;
        }
        st.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn evidence_serialises_as_the_map_it_replaces() {
        let added = [
            ("token", json!("valid")),
            ("urls", json!(["https://a.example/mcp", "é\u{202e}\""])),
            ("n", json!(3)),
            ("token", json!("expired")),
            ("object", json!({"b": 1, "a": [null, true]})),
        ];
        let mut evidence = Evidence::default();
        let mut map = serde_json::Map::new();
        for (name, value) in added {
            evidence.insert(name, value.clone());
            map.insert(name.to_string(), value);
        }
        assert_eq!(
            serde_json::to_string_pretty(&evidence).unwrap(),
            serde_json::to_string_pretty(&map).unwrap()
        );
        assert_eq!(
            serde_json::to_string(&evidence).unwrap(),
            serde_json::to_string(&map).unwrap()
        );
        // Our report writer, which writes a struct's field names by another path than map keys.
        assert_eq!(
            crate::render::json::to_string(&evidence),
            crate::render::json::to_string(&map)
        );
        assert_eq!(
            crate::render::json::to_string(&Evidence::default()),
            crate::render::json::to_string(&serde_json::Map::new())
        );
        assert_eq!(evidence["token"], "expired");
        assert_eq!(evidence["missing"], Value::Null);
        assert!(evidence.contains_key("n") && !evidence.contains_key("missing"));
    }
}
