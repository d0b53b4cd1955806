//! What `login` shows: its JSON document (docs/json.md) and the human lines printed as the steps
//! run, apart from the steps themselves (`login.rs`).

use std::io::Write;

use serde::Serialize;

use super::SignIn;
use crate::Outcome;
use crate::commands::Context;
use crate::fix::plan::Step;
use crate::render::servers::ServerReport;
use crate::render::style::sanitize;

/// The `login --format json` document (docs/json.md).
#[derive(Serialize)]
pub(super) struct LoginDocument {
    pub(super) schema: u32,
    pub(super) command: &'static str,
    pub(super) server: String,
    pub(super) dry_run: bool,
    /// The repair step: `fix`'s document, with `command` `login`.
    pub(super) repair: serde_json::Value,
    pub(super) sign_in: SignInReport,
    /// The needs-auth marker removal after the sign-in: the steps applied.
    pub(super) marker: Vec<Step>,
    /// The server after the run (before it, for a dry run), as in `check`.
    pub(super) servers: Vec<ServerReport>,
}

#[derive(Serialize)]
pub(super) struct SignInReport {
    /// `claude-mcp-login` or `in-session` (`/mcp` in a Claude Code session).
    pub(super) method: &'static str,
    /// The client command run, without the program name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) command: Option<String>,
    /// `planned`, `not-needed`, `done`, `failed`, `could-not-run`, `not-run`.
    pub(super) result: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) message: Option<String>,
}

impl LoginDocument {
    pub(super) fn new(name: &str, dry_run: bool, sign_in: &SignIn) -> Self {
        let (method, command) = match sign_in {
            SignIn::Cli(args) => (
                "claude-mcp-login",
                Some(format!("claude {}", args.join(" "))),
            ),
            SignIn::InSession => ("in-session", None),
        };
        Self {
            schema: crate::render::json::SCHEMA,
            command: "login",
            server: name.to_string(),
            dry_run,
            repair: serde_json::Value::Null,
            sign_in: SignInReport {
                method,
                command,
                result: "not-run",
                message: None,
            },
            marker: Vec::new(),
            servers: Vec::new(),
        }
    }

    /// The outcome: the human closing lines, or this document in their place.
    pub(super) fn finish(self, ctx: &Context<'_>, human: String, exit: u8) -> Outcome {
        let stdout = if ctx.json() {
            crate::render::json::to_string(&self)
        } else {
            human
        };
        Outcome {
            stdout,
            exit,
            ..Outcome::default()
        }
    }
}

pub(super) fn verdict_line(s: &ServerReport) -> String {
    format!(
        "   {} ({}): {}. {}\n",
        sanitize(&s.name),
        sanitize(&s.scopes.join(", ")),
        crate::render::servers::verdict_word(s.verdict),
        sanitize(&s.explanation)
    )
}

/// The repair's own report without its closing summary lines (login checks again at the end).
pub(super) fn without_summary(text: &str) -> String {
    text.lines()
        .filter(|l| {
            // The dry run's closing line comes once, at the end of login's own steps.
            !l.starts_with("Now: ")
                && !l.starts_with("Findings: ")
                && !l.starts_with("Next: ")
                && !l.starts_with("Dry run: ")
        })
        .map(|l| format!("{l}\n"))
        .collect()
}

/// How far the repair's report is indented under its step.
pub(super) const INDENT: &str = "   ";

pub(super) fn indent(text: &str) -> String {
    text.lines()
        .map(|l| {
            if l.is_empty() {
                "\n".to_string()
            } else {
                format!("{INDENT}{l}\n")
            }
        })
        .collect()
}

/// Prints now (the sign-in in between writes to the same terminal), redacted, sanitised of
/// nothing more than the rest of the output is, and with pasteable commands. With
/// `--format json` the progress goes to stderr: stdout is the document's.
pub(super) fn emit(ctx: &Context<'_>, text: &str) {
    // Printed now, so it never passes the redaction `run` gives every outcome: all of it here
    // (urls' userinfo, query and secret path segments as well as tokens).
    let text = crate::redact::output(text);
    let text = crate::commands::pasteable::pasteable(&text, &ctx.config.overrides);
    // A numbered step ("2. Sign in: ...") goes on under its text, not under its number.
    let text: String = text
        .split_inclusive('\n')
        .map(|line| {
            let numbered = line.len() > 3
                && line.as_bytes()[0].is_ascii_digit()
                && line[1..].starts_with(". ");
            if numbered {
                let (body, newline) = line.strip_suffix('\n').map_or((line, ""), |b| (b, "\n"));
                let wrapped = crate::render::style::wrap(body, crate::render::style::WIDTH, INDENT);
                format!("{wrapped}{newline}")
            } else {
                line.to_string()
            }
        })
        .collect();
    let text = crate::render::style::fit_to_page(&text);
    if ctx.json() {
        let mut stderr = std::io::stderr().lock();
        let _ = stderr.write_all(text.as_bytes());
        return;
    }
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(text.as_bytes());
    let _ = stdout.flush();
}
