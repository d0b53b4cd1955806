//! Rendering for issue 13's opt-in commands: `probe NAME --token` and `verify` (human and
//! JSON).

use std::fmt::Write;

use serde::Serialize;

use super::style::{Style, sanitize, wrap};
use crate::probe::token::{Answer, Source, TokenCheck, TokenReport};
use crate::verify::{Agreement, Listed, Row};

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

/// `mcp list`'s status as it printed it (2.1.332's symbols).
fn listed_text(l: &Listed) -> String {
    match l {
        Listed::Connected => "✔ Connected".into(),
        Listed::ConnectedToolsFailed => "! Connected · tools fetch failed".into(),
        Listed::NeedsAuth => "! Needs authentication".into(),
        Listed::Failed { reason: Some(r) } => format!("✘ Failed to connect — {}", sanitize(r)),
        Listed::Failed { reason: None } => "✘ Failed to connect".into(),
        Listed::NotConfigured => "- Not configured".into(),
        Listed::Disabled => "⊘ Disabled".into(),
        Listed::Other { text } => sanitize(text),
    }
}

/// What a disagreement means and what to do, in Claude Code's terms.
fn agreement_text(a: Agreement, name: &str) -> Option<String> {
    let name = crate::checks::shell_quote(name);
    Some(match a {
        Agreement::Agree => return None,
        Agreement::SessionsSkip => "`mcp list` connects live and ignores the needs-auth marker and placeholder entries that make sessions skip it; `mcp-auth-doctor fix` clears them"
            .into(),
        Agreement::ServerRefusesToken => format!(
            "the stored token looks usable here, but the server asks for authentication: `mcp-auth-doctor probe {name} --token` asks it whether it still accepts the token"
        ),
        Agreement::ConnectsAnyway => "it connects although no usable token is stored: the server needs none, or Claude Code found state this tool did not"
            .into(),
        Agreement::ConnectionFailed => format!(
            "a failure local state does not decide (network, TLS, the server): `mcp-auth-doctor probe {name}`"
        ),
        Agreement::UnknownHere => {
            "not a server this tool found in any scope it reads".into()
        }
        Agreement::NotListed => "`mcp list` did not list it".into(),
        Agreement::Differs => "the two views differ".into(),
    })
}

pub fn verify_human(rows: &[Row], style: Style) -> String {
    let mut out = String::new();
    let disagreements = rows.iter().filter(|r| r.disagrees()).count();
    for r in rows {
        let ours = r.ours.map_or("(not configured here)", |v| v.label());
        let theirs = r
            .claude
            .as_ref()
            .map_or("(not listed)".to_string(), |l| listed_text(&l.status));
        let mark = if r.disagrees() {
            style.yellow("differs")
        } else {
            style.green("agrees")
        };
        let _ = writeln!(
            out,
            "{}  ours: {ours}  claude mcp list: {theirs}  {mark}",
            style.bold(&sanitize(&r.name))
        );
        if let Some(why) = agreement_text(r.agreement, &r.name) {
            let _ = writeln!(out, "    {}", wrap(&why, WIDTH - 4, "    "));
        }
    }
    let _ = writeln!(
        out,
        "{}, {}.",
        super::style::plural(rows.len(), "server"),
        super::style::count(disagreements, "disagreement")
    );
    out
}

#[derive(Serialize)]
struct VerifyDocument<'a> {
    schema: u32,
    tool: &'static str,
    version: &'static str,
    servers: Vec<VerifyRow<'a>>,
}

#[derive(Serialize)]
struct VerifyRow<'a> {
    #[serde(flatten)]
    row: &'a Row,
    #[serde(skip_serializing_if = "Option::is_none")]
    why: Option<String>,
}

pub fn verify_json(rows: &[Row]) -> String {
    super::json::to_string(&VerifyDocument {
        schema: super::json::SCHEMA,
        tool: env!("CARGO_PKG_NAME"),
        version: env!("CARGO_PKG_VERSION"),
        servers: rows
            .iter()
            .map(|row| VerifyRow {
                row,
                why: agreement_text(row.agreement, &row.name),
            })
            .collect(),
    })
}

/// A Markdown table cell: no line breaks, `|` escaped.
fn cell(text: &str) -> String {
    sanitize(text).replace('\n', " ").replace('|', "\\|")
}

/// `report --verify`'s section: `claude mcp list` next to our verdicts, or why it is missing.
pub fn verify_markdown(view: &Result<Vec<Row>, String>) -> String {
    let mut out = String::from("\n## What `claude mcp list` says\n\n");
    let rows = match view {
        Ok(rows) => rows,
        Err(why) => {
            let _ = writeln!(
                out,
                "`claude mcp list` did not give its view: {}.",
                cell(why)
            );
            return out;
        }
    };
    if rows.is_empty() {
        out.push_str("`claude mcp list` listed no servers, and this tool found none.\n");
        return out;
    }
    out.push_str(
        "| Server | Our verdict | `claude mcp list` | Agrees | Why |\n|---|---|---|---|---|\n",
    );
    for r in rows {
        let ours = r.ours.map_or("(not configured here)", |v| v.label());
        let theirs = r
            .claude
            .as_ref()
            .map_or("(not listed)".to_string(), |l| listed_text(&l.status));
        let why = agreement_text(r.agreement, &r.name).unwrap_or_default();
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} |",
            cell(&r.name),
            cell(ours),
            cell(&theirs),
            if r.disagrees() { "no" } else { "yes" },
            cell(&why)
        );
    }
    out
}

/// `report --format json --verify`: the ticket with a `verify` member (the rows, or `error`).
pub fn ticket_json_with_verify<T: Serialize>(
    ticket: &T,
    view: &Result<Vec<Row>, String>,
) -> String {
    let mut value = serde_json::to_value(ticket).unwrap_or_default();
    let verify = match view {
        Ok(rows) => serde_json::json!({
            "servers": rows
                .iter()
                .map(|row| VerifyRow { row, why: agreement_text(row.agreement, &row.name) })
                .collect::<Vec<_>>()
        }),
        Err(why) => serde_json::json!({"error": why}),
    };
    if let Some(object) = value.as_object_mut() {
        object.insert("verify".into(), verify);
    }
    super::json::to_string(&value)
}
