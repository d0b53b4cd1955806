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
