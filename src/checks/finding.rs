//! A finding is data: what is wrong, where, why it matters in Claude Code's terms, and what `fix`
//! would do about it. Never an `Err`.

use serde::Serialize;
use serde_json::{Map, Value};

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

/// What a repair would change.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case", tag = "kind")]
pub enum ActionKind {
    /// Delete `mcpOAuth[key]` from the credentials file.
    RemoveEntry { key: String },
    /// Delete `cache[name]` from the needs-auth cache.
    RemoveMarker { name: String },
    /// Delete `mcpOAuthClientConfig[key]` (a pre-configured client secret) from the credentials.
    RemoveClientConfig { key: String },
    /// Set the file's permission bits.
    Chmod { mode: String },
    /// Rename `mcpOAuth[from]` to `to` (dropping what is under `to`) and set its `serverUrl`.
    MoveEntry {
        from: String,
        to: String,
        /// The current url, written as the entry's `serverUrl`; shown only redacted (a url may
        /// carry a secret in its userinfo, query or path).
        #[serde(serialize_with = "redacted_url")]
        server_url: String,
    },
    /// Drop the three bytes of a leading UTF-8 byte order mark, nothing else.
    RemoveBom,
    /// Replace the whole file with `{}` (a disposable cache that does not parse).
    ReplaceWithEmptyObject,
}

fn redacted_url<S: serde::Serializer>(url: &str, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&crate::redact::url(url))
}

/// A proposed repair, computed by `check` and applied by `fix`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Action {
    #[serde(flatten)]
    pub kind: ActionKind,
    /// The file it changes.
    pub file: String,
    /// JSON Pointer of what is removed, for JSON edits.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pointer: Option<String>,
    /// True when it cannot lose a usable credential (`fix --safe-only` applies only these, and
    /// the prompt's default answer is yes only for these).
    pub safe: bool,
    /// True when `fix` applies it only if its code is named with `--only`: the entry may be live
    /// in a way this tool cannot see (a `${VAR}` with another value, a live key of a static-auth
    /// server). Everything else is applied by default, backed up first.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub ask_only: bool,
    /// One line for the plan.
    pub summary: String,
    /// What the user should know about this change, for the plan (what `restore` brings back,
    /// what the client does next).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl Action {
    /// Applied by `fix` only when its code is named with `--only`; `why` becomes the note.
    pub fn only_when_asked(mut self, why: impl Into<String>) -> Self {
        self.ask_only = true;
        self.note = Some(why.into());
        self
    }

    /// Adds the plan's one-line note.
    pub fn with_note(mut self, note: impl Into<String>) -> Self {
        self.note = Some(note.into());
        self
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    pub code: Code,
    pub severity: Severity,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub server: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<LineCol>,
    pub message: String,
    #[serde(skip_serializing_if = "Map::is_empty")]
    pub evidence: Map<String, Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub action: Option<Action>,
}

impl Finding {
    pub fn new(code: Code, severity: Severity, message: impl Into<String>) -> Self {
        Self {
            code,
            severity,
            server: None,
            key: None,
            file: None,
            location: None,
            message: message.into(),
            evidence: Map::new(),
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

    pub fn file(mut self, file: impl Into<String>) -> Self {
        self.file = Some(file.into());
        self
    }

    pub fn at(mut self, location: LineCol) -> Self {
        self.location = Some(location);
        self
    }

    pub fn evidence(mut self, name: &str, value: impl Into<Value>) -> Self {
        self.evidence.insert(name.to_string(), value.into());
        self
    }

    pub fn action(mut self, action: impl Into<Option<Action>>) -> Self {
        self.action = action.into();
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_moved_url_is_shown_redacted_but_kept_whole_for_the_write() {
        let kind = ActionKind::MoveEntry {
            from: "a|1".into(),
            to: "a|2".into(),
            server_url: "https://u:CANARY-pw@h.example/mcp?api_key=CANARY-k".into(),
        };
        let shown = serde_json::to_string(&kind).unwrap();
        assert!(!shown.contains("CANARY"), "{shown}");
        assert!(shown.contains("h.example/mcp"), "{shown}");
        let ActionKind::MoveEntry { server_url, .. } = &kind else {
            unreachable!()
        };
        assert!(server_url.contains("CANARY-pw"));
    }
}
