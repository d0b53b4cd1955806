//! `--list-checks` and `--explain CODE`, and the Markdown reference in docs/checks.md.

use std::fmt::Write;

use crate::checks::{CHECKS, CheckInfo};

pub fn list() -> String {
    let width = CHECKS.iter().map(|c| c.info.code.len()).max().unwrap_or(0);
    let severity_width = CHECKS
        .iter()
        .map(|c| c.info.severity_label().len())
        .max()
        .unwrap_or(0);
    let mut out = String::new();
    for c in CHECKS {
        let _ = writeln!(
            out,
            "{:width$}  {:severity_width$}  {}",
            c.info.code,
            c.info.severity_label(),
            c.info.summary
        );
    }
    out
}

/// "**Severity.** Warning or error: why." for a code whose severity varies.
fn severity_note(info: &CheckInfo) -> Option<String> {
    let range = info.severity_range()?;
    let labels: Vec<&str> = info.severities().iter().map(|s| s.label()).collect();
    let label = match labels.as_slice() {
        [first @ .., last] if !first.is_empty() => format!("{} or {last}", first.join(", ")),
        _ => labels.join(""),
    };
    let mut first = label.chars();
    let label = first
        .next()
        .map(|c| c.to_uppercase().chain(first).collect::<String>())
        .unwrap_or_default();
    Some(format!("**Severity.** {label}: {}.", range.why))
}

pub fn explain(info: &CheckInfo) -> String {
    let note = severity_note(info)
        .map(|n| format!("\n\n{n}"))
        .unwrap_or_default();
    format!(
        "{} ({})\n\n{}\n\n{}{note}\n",
        info.code,
        info.severity_label(),
        info.summary,
        info.explanation
    )
}

/// docs/checks.md, generated from the code so the two cannot drift (a test compares them).
pub fn markdown() -> String {
    let mut out = String::from(
        "# Checks\n\n<!-- Generated from src/checks by `mcp-auth-doctor --list-checks --format markdown`; \
         a test fails when this file and the code disagree. -->\n\n\
         Every finding has one of these stable codes. `mcp-auth-doctor --explain CODE` prints the \
         same text.\n\n| Code | Severity | Summary |\n|---|---|---|\n",
    );
    for c in CHECKS {
        let _ = writeln!(
            out,
            "| [`{0}`](#{0}) | {1} | {2} |",
            c.info.code,
            c.info.severity_label(),
            c.info.summary
        );
    }
    for c in CHECKS {
        let note = severity_note(&c.info)
            .map(|n| format!("\n\n{n}"))
            .unwrap_or_default();
        let _ = write!(
            out,
            "\n## {}\n\nSeverity: {}. {}\n\n{}{note}\n",
            c.info.code,
            c.info.severity_label(),
            c.info.summary,
            c.info.explanation
        );
    }
    out
}
