//! `--list-checks` and `--explain CODE`, and the Markdown reference in docs/checks.md.

use std::fmt::Write;

use crate::checks::{CHECKS, CheckInfo};

pub fn list() -> String {
    let width = CHECKS.iter().map(|c| c.info.code.len()).max().unwrap_or(0);
    let mut out = String::new();
    for c in CHECKS {
        let _ = writeln!(
            out,
            "{:width$}  {:7}  {}",
            c.info.code,
            c.info.severity.label(),
            c.info.summary
        );
    }
    out
}

pub fn explain(info: &CheckInfo) -> String {
    format!(
        "{} ({})\n\n{}\n\n{}\n",
        info.code,
        info.severity.label(),
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
            c.info.severity.label(),
            c.info.summary
        );
    }
    for c in CHECKS {
        let _ = write!(
            out,
            "\n## {}\n\nSeverity: {}. {}\n\n{}\n",
            c.info.code,
            c.info.severity.label(),
            c.info.summary,
            c.info.explanation
        );
    }
    out
}
