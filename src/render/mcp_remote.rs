//! Rendering for issue 13's opt-in commands: `probe NAME --token` (human and JSON).

use std::fmt::Write;

use serde::Serialize;

use super::style::{Style, sanitize, wrap};
use crate::probe::token::{Answer, Source, TokenCheck, TokenReport};

const WIDTH: usize = 100;

fn source(s: &Source) -> String {
    match s {
        Source::ClaudeCode { key } => format!("Claude Code's entry {}", sanitize(key)),
        Source::McpRemote { client, folder } => {
            let who = if client == "desktop" {
                "Claude Desktop's mcp-remote".to_string()
            } else {
                format!("mcp-remote ({} scope)", sanitize(client))
            };
            format!("{who}, {}", sanitize(folder))
        }
    }
}

/// What the answer means, in the words of the client that holds the token.
fn meaning(a: &Answer) -> String {
    match a {
        Answer::Accepted { status } => format!(
            "accepted (HTTP {status}): the server takes this token; a sign-in prompt comes from \
             local state, not from the server"
        ),
        Answer::InvalidToken { description } => format!(
            "rejected (401 invalid_token{}): the server no longer knows this grant or client; \
             sign in again",
            description
                .as_deref()
                .map(|d| format!(": {d}"))
                .unwrap_or_default()
        ),
        Answer::Unauthorized { error } => format!(
            "rejected (401{}): the token is not accepted; sign in again",
            error
                .as_deref()
                .map(|e| format!(" {e}"))
                .unwrap_or_default()
        ),
        Answer::InsufficientScope { scope } => format!(
            "valid but not enough (403 insufficient_scope): the server asks for scope {}; sign \
             in again so the client requests it",
            scope.as_deref().unwrap_or("(not named)")
        ),
        Answer::Forbidden => {
            "forbidden (403 without insufficient_scope): a firewall or a policy, not the token"
                .to_string()
        }
        Answer::Redirect { status, location } => format!(
            "HTTP {status} redirect to {}: not followed, so the token went nowhere else; the \
             answer says nothing about the token",
            location
                .as_deref()
                .unwrap_or("nowhere (no Location header)")
        ),
        Answer::Unexpected { status } => format!("HTTP {status}: not an answer about the token"),
        Answer::NoAnswer { why } => format!("no answer: {}", sanitize(why)),
    }
}

fn line(out: &mut String, c: &TokenCheck) {
    let text = format!(
        "{} → {} (token of {} characters): {}",
        source(&c.source),
        c.url,
        c.token_length,
        meaning(&c.answer)
    );
    let _ = writeln!(out, "  {}", wrap(&text, WIDTH - 2, "    "));
}

pub fn token_human(r: &TokenReport, style: Style) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Sending the stored access token of {} (one initialize per token; never refreshed, no \
         redirect followed, the token is not shown)",
        style.bold(&sanitize(&r.name))
    );
    for c in &r.checks {
        line(&mut out, c);
    }
    out
}

#[derive(Serialize)]
struct Document<'a> {
    schema: u32,
    tool: &'static str,
    version: &'static str,
    #[serde(flatten)]
    report: &'a TokenReport,
}

pub fn token_json(r: &TokenReport) -> String {
    super::json::to_string(&Document {
        schema: super::json::SCHEMA,
        tool: env!("CARGO_PKG_NAME"),
        version: env!("CARGO_PKG_VERSION"),
        report: r,
    })
}
