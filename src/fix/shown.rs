//! What a plan step shows of the state it changes: its `before` and `after` values as typed data
//! (token kinds with length and fingerprint, field names, times in ms), made into JSON only when
//! the plan is serialised (`fix --format json`, the report). A `serde_json::Value` per step,
//! built for every one of thousands of removals and kept through the write, was a fifth of
//! `fix`'s peak heap (issue 15); most runs (`fix --yes` at a terminal) never show it at all.
//!
//! Each variant serialises to exactly the object the plan used to build with `json!`, key order
//! included (`tests::serialises_as_the_values_it_replaces`).

use serde::ser::{Serialize, SerializeMap, Serializer};

use crate::model::entry::{Entry, List, TokenState};
use crate::model::marker::{Marker, MarkerState};
use crate::model::secret::SecretInfo;
use crate::timefmt;

/// A step's `before` or `after`.
#[derive(Debug, Clone, Default, PartialEq)]
pub enum Shown {
    /// `null`: nothing there (the `after` of a removal), or nothing known.
    #[default]
    Null,
    /// An `mcpOAuth` entry, redacted.
    Entry(Box<EntryShown>),
    /// A needs-auth marker: its timestamp and state (boxed, as every variant bigger than a
    /// pointer: a plan step holds two of these, 16 bytes each where the unboxed marker made
    /// every one 32, issue 15).
    Marker(Box<(Option<i64>, MarkerState)>),
    /// An `mcpOAuthClientConfig` entry: its field names only.
    ClientConfig(Box<Vec<String>>),
    /// Where a move puts an entry: the key, the token state of what it replaces there, and the
    /// url it sets (redacted).
    MovedTo(Box<MovedTo>),
    /// `{"bom": _}`.
    Bom(bool),
    /// `{"parses": false}`: a cache that does not parse.
    Unparseable,
    /// `{"content": "{}"}`: what replaces it.
    EmptyObject,
    /// The mcp-remote files a removal takes from one folder.
    McpRemoteFiles(Box<(String, usize)>),
    /// A file's permission bits (`"0600"`), when known.
    Mode(Option<u32>),
}

/// Where a move puts an entry: the key, the token state of what it replaces there, and the url
/// it sets (redacted).
#[derive(Debug, Clone, PartialEq)]
pub struct MovedTo {
    pub key: String,
    pub replaces: Option<TokenState>,
    pub server_url: String,
}

/// An `mcpOAuth` entry as a step shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct EntryShown {
    /// The key, shown for a move's source only.
    pub key: Option<String>,
    /// The entry's field names, in order (shared with the inventory's [`Entry`]).
    pub fields: List,
    pub token: TokenState,
    pub access_token: Option<SecretInfo>,
    pub refresh_token: Option<SecretInfo>,
    /// Epoch ms, when known.
    pub expires_at: Option<i64>,
    /// The entry's `serverUrl`, redacted.
    pub server_url: Option<Box<str>>,
}

impl Shown {
    /// `entry` as a step shows it; `key` given for a move's source.
    pub fn entry(entry: &Entry, key: Option<&str>) -> Self {
        Shown::Entry(Box::new(EntryShown {
            key: key.map(String::from),
            fields: entry.fields.clone(),
            token: entry.token,
            access_token: entry.access_token.clone(),
            refresh_token: entry.refresh_token.clone(),
            expires_at: entry.expires_at(),
            server_url: entry.server_url().map(|u| crate::redact::url(u).into()),
        }))
    }

    pub fn marker(marker: &Marker) -> Self {
        Shown::Marker(Box::new((marker.timestamp, marker.state)))
    }

    pub fn is_null(&self) -> bool {
        *self == Shown::Null
    }
}

/// The octal text of a mode, as the plan shows it.
fn octal(mode: u32) -> String {
    format!("{mode:04o}")
}

impl Serialize for Shown {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Shown::Null => s.serialize_unit(),
            Shown::Entry(e) => e.serialize(s),
            Shown::Marker(marker) => {
                let (timestamp, state) = &**marker;
                let mut m = s.serialize_map(Some(2))?;
                m.serialize_entry("timestamp", &timestamp.map(timefmt::rfc3339))?;
                m.serialize_entry("state", state)?;
                m.end()
            }
            Shown::ClientConfig(fields) => {
                let mut m = s.serialize_map(Some(1))?;
                m.serialize_entry("fields", &**fields)?;
                m.end()
            }
            Shown::MovedTo(moved) => {
                let MovedTo {
                    key,
                    replaces,
                    server_url,
                } = &**moved;
                let mut m = s.serialize_map(Some(3))?;
                m.serialize_entry("key", key)?;
                m.serialize_entry("replaces", replaces)?;
                m.serialize_entry("server_url", server_url)?;
                m.end()
            }
            Shown::Bom(bom) => {
                let mut m = s.serialize_map(Some(1))?;
                m.serialize_entry("bom", bom)?;
                m.end()
            }
            Shown::Unparseable => {
                let mut m = s.serialize_map(Some(1))?;
                m.serialize_entry("parses", &false)?;
                m.end()
            }
            Shown::EmptyObject => {
                let mut m = s.serialize_map(Some(1))?;
                m.serialize_entry("content", "{}")?;
                m.end()
            }
            Shown::McpRemoteFiles(folder_files) => {
                let (folder, files) = &**folder_files;
                let mut m = s.serialize_map(Some(2))?;
                m.serialize_entry("folder", folder)?;
                m.serialize_entry("files", files)?;
                m.end()
            }
            Shown::Mode(mode) => {
                let mut m = s.serialize_map(Some(1))?;
                m.serialize_entry("mode", &mode.map(octal))?;
                m.end()
            }
        }
    }
}

impl Serialize for EntryShown {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(None)?;
        if let Some(key) = &self.key {
            m.serialize_entry("key", key)?;
        }
        m.serialize_entry("fields", &*self.fields)?;
        m.serialize_entry("token", &self.token)?;
        m.serialize_entry("access_token", &self.access_token)?;
        m.serialize_entry("refresh_token", &self.refresh_token)?;
        m.serialize_entry("expires_at", &self.expires_at.map(timefmt::rfc3339))?;
        m.serialize_entry("server_url", &self.server_url)?;
        m.end()
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;
    use crate::load::Snapshot;

    /// The values the plan built before they were typed: the reference.
    fn entry_value(e: &Entry, key: Option<&str>) -> Value {
        let mut v = json!({
            "fields": e.field_list(),
            "token": e.token,
            "access_token": e.access_token,
            "refresh_token": e.refresh_token,
            "expires_at": e.expires_at().map(timefmt::rfc3339),
            "server_url": e.server_url().map(crate::redact::url),
        });
        if let Some(key) = key {
            let mut with_key = serde_json::Map::new();
            with_key.insert("key".into(), key.into());
            with_key.extend(v.as_object_mut().unwrap().clone());
            v = Value::Object(with_key);
        }
        v
    }

    fn same(shown: &Shown, want: &Value) {
        assert_eq!(
            serde_json::to_string(shown).unwrap(),
            serde_json::to_string(want).unwrap()
        );
        assert_eq!(
            serde_json::to_string_pretty(shown).unwrap(),
            serde_json::to_string_pretty(want).unwrap()
        );
    }

    #[test]
    fn a_shown_value_is_two_words() {
        assert!(std::mem::size_of::<Shown>() <= 2 * std::mem::size_of::<usize>());
    }

    #[test]
    fn serialises_as_the_values_it_replaces() {
        let inv = Snapshot::for_test()
            .with_credentials(json!({"mcpOAuth": {
                "a|0123456789abcdef": {
                    "serverName": "a",
                    "serverUrl": "https://u:CANARY-pw@a.example/mcp?api_key=CANARY-k",
                    "accessToken": "CANARY-access",
                    "refreshToken": "CANARY-refresh",
                    "expiresAt": 1_780_315_200_000_i64,
                    "x\"é": 1
                },
                "b|0123456789abcdef": {"accessToken": ""},
                "c|0123456789abcdef": null,
                "d|0123456789abcdef": {"accessToken": 7, "refreshToken": true, "expiresAt": "x"}
            }}))
            .with_needs_auth_cache(json!({"a": {"timestamp": 1_780_315_000_000_i64}, "b": {}}))
            .inventory();
        assert_eq!(inv.entries.len(), 4);
        for e in &inv.entries {
            same(&Shown::entry(e, None), &entry_value(e, None));
            same(
                &Shown::entry(e, Some(e.key())),
                &entry_value(e, Some(e.key())),
            );
            let shown = serde_json::to_string(&Shown::entry(e, None)).unwrap();
            assert!(!shown.contains("CANARY"), "{shown}");
        }
        for m in &inv.markers {
            same(
                &Shown::marker(m),
                &json!({"timestamp": m.timestamp.map(timefmt::rfc3339), "state": m.state}),
            );
        }
        let fields = vec!["clientId".to_string(), "clientSecret".to_string()];
        same(
            &Shown::ClientConfig(Box::new(fields.clone())),
            &json!({ "fields": fields }),
        );
        same(
            &Shown::MovedTo(Box::new(MovedTo {
                key: "a|2".into(),
                replaces: Some(TokenState::Placeholder),
                server_url: "https://a.example/".into(),
            })),
            &json!({"key": "a|2", "replaces": TokenState::Placeholder, "server_url": "https://a.example/"}),
        );
        same(
            &Shown::MovedTo(Box::new(MovedTo {
                key: "a|2".into(),
                replaces: None,
                server_url: String::new(),
            })),
            &json!({"key": "a|2", "replaces": null, "server_url": ""}),
        );
        same(&Shown::Bom(true), &json!({ "bom": true }));
        same(&Shown::Bom(false), &json!({ "bom": false }));
        same(&Shown::Unparseable, &json!({ "parses": false }));
        same(&Shown::EmptyObject, &json!({ "content": "{}" }));
        same(
            &Shown::McpRemoteFiles(Box::new(("mcp-remote-0.1.37".into(), 3))),
            &json!({"folder": "mcp-remote-0.1.37", "files": 3}),
        );
        same(&Shown::Mode(Some(0o644)), &json!({ "mode": "0644" }));
        same(&Shown::Mode(None), &json!({ "mode": null }));
        same(&Shown::Null, &Value::Null);
    }
}
