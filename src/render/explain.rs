//! `--list-checks` and `--explain CODE`, and the Markdown reference in docs/checks.md.

use std::fmt::Write;

use serde_json::json;

use super::style::Style;
use crate::checks::code::ReportedBy;
use crate::checks::{CHECKS, CheckInfo, Code};
use crate::probe::verdict::{CODES as PROBE_CODES, CodeInfo};

/// A code `--explain` knows: a check's, or one the network probe reports.
pub enum Known {
    Check(&'static CheckInfo),
    Probe(&'static CodeInfo),
}

/// What `--explain` says about a code: the check that reports it, or its probe step.
pub fn find(code: &str) -> Option<Known> {
    let code: Code = code.parse().ok()?;
    match code.reported_by() {
        ReportedBy::Check => crate::checks::find(code).map(Known::Check),
        ReportedBy::Probe => PROBE_CODES
            .iter()
            .find(|c| c.code == code)
            .map(Known::Probe),
    }
}

/// The error for a code no check has, with the nearest one when it is close (`--only`, `--skip`
/// and `--explain` take codes; a typo should not cost a trip to `--list-checks`).
pub fn unknown_code(code: &str, with_probe: bool) -> String {
    let checks = CHECKS.iter().map(|c| c.info.code.as_str());
    let probe = PROBE_CODES
        .iter()
        .map(|c| c.code.as_str())
        .filter(move |_| with_probe);
    let hint = crate::suggest::hint(code, checks.chain(probe));
    let list = if with_probe {
        "`mcp-auth-doctor --list-checks` lists them (and docs/probe.md the probe's)"
    } else {
        "`mcp-auth-doctor --list-checks` lists them"
    };
    let what = if with_probe {
        "no check or probe finding"
    } else {
        "no check"
    };
    format!("{what} has the code '{code}'{hint}; {list}")
}

/// One row of the probe's code table in docs/probe.md: step, severity, meaning. The table is the
/// probe codes' reference (a test keeps it and [`PROBE_CODES`] equal), so `--explain` reads it.
fn probe_row(code: Code) -> Option<[&'static str; 3]> {
    const DOC: &str = include_str!("../../docs/probe.md");
    let prefix = format!("| `{code}` |");
    let row = DOC.lines().find(|l| l.starts_with(&prefix))?;
    let cells: Vec<&'static str> = row.split(" | ").skip(1).map(str::trim).collect();
    match cells.as_slice() {
        [step, severity, meaning, ..] => Some([step, severity, meaning.trim_end_matches(" |")]),
        _ => None,
    }
}

/// `--explain CODE --format json`.
pub fn explain_json(known: &Known) -> serde_json::Value {
    match known {
        Known::Check(info) => json!({
            "code": info.code,
            "reported_by": "check",
            "severity": info.severity,
            "severities": info.severities(),
            "severity_depends_on": info.severity_range().map(|r| r.why),
            "summary": info.summary,
            "explanation": info.explanation,
        }),
        Known::Probe(info) => {
            let row = probe_row(info.code);
            json!({
                "code": info.code,
                "reported_by": "probe",
                "step": row.map_or(info.step, |r| r[0]),
                "severity": row.map(|r| r[1]),
                "summary": info.summary,
                "explanation": row.map(|r| r[2]),
            })
        }
    }
}

/// `--explain CODE` for a code the probe reports.
pub fn explain_probe(info: &CodeInfo, style: Style) -> String {
    match probe_row(info.code) {
        Some([step, severity, meaning]) => fill(
            &format!(
                "{} ({severity}; reported by `mcp-auth-doctor probe`, step {step})\n\n{meaning}\n\n\
                 docs/probe.md describes the steps and the verdict.\n",
                info.code
            ),
            style,
        ),
        None => fill(
            &format!(
                "{} (reported by `mcp-auth-doctor probe`, step {})\n\n{}\n",
                info.code, info.step, info.summary
            ),
            style,
        ),
    }
}

pub fn list() -> String {
    let width = CHECKS
        .iter()
        .map(|c| c.info.code.as_str().len())
        .max()
        .unwrap_or(0);
    let severity_width = CHECKS
        .iter()
        .map(|c| c.info.severity_label().len())
        .max()
        .unwrap_or(0);
    // The summary column wraps to the page, under itself; on a narrow page it goes under the
    // code instead, where it has the width.
    let column = width + severity_width + 4;
    let page = crate::render::style::WIDTH;
    let (indent, first_break) = if crate::render::style::page_width() >= column + 40 {
        (" ".repeat(column), "")
    } else {
        ("    ".to_string(), "\n    ")
    };
    let summary_width = page.saturating_sub(indent.len());
    let mut out = String::new();
    for c in CHECKS {
        let summary = crate::render::style::wrap(c.info.summary, summary_width, "")
            .replace('\n', &format!("\n{indent}"));
        let line = format!(
            "{:width$}  {:severity_width$}  {first_break}{summary}",
            c.info.code,
            c.info.severity_label(),
        );
        for l in line.lines() {
            let _ = writeln!(out, "{}", l.trim_end());
        }
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

/// `--explain CODE` for people: the explanation's Markdown rendered for a terminal.
pub fn explain(info: &CheckInfo, style: Style) -> String {
    let note = severity_note(info)
        .map(|n| format!("\n\n{n}"))
        .unwrap_or_default();
    fill(
        &format!(
            "{} ({})\n\n{}\n\n{}{note}\n",
            info.code,
            info.severity_label(),
            info.summary,
            info.explanation
        ),
        style,
    )
}

/// Stands for a space inside a code span while the text is wrapped, so that a command is not
/// broken (`wrap` breaks at spaces only).
const KEEP: char = '\u{A0}';
/// Mark where bold starts and ends while the text is wrapped (one column each, so a line with
/// bold may wrap a little early); replaced by the style's escape codes, or nothing.
const BOLD_ON: char = '\u{E000}';
const BOLD_OFF: char = '\u{E001}';

/// Wraps each line (a paragraph, in the explanations) to the page, its Markdown rendered as
/// terminal text ([`inline`]); a list item's continuation lines are indented under its text.
fn fill(text: &str, style: Style) -> String {
    let wrapped = text
        .split('\n')
        .map(|line| {
            let indent = if line.starts_with("- ") || line.starts_with("* ") {
                "  "
            } else {
                ""
            };
            crate::render::style::wrap(&inline(line), crate::render::style::WIDTH, indent)
        })
        .collect::<Vec<_>>()
        .join("\n");
    let (on, off) = if style.color {
        ("\x1b[1m", "\x1b[0m")
    } else {
        ("", "")
    };
    wrapped
        .replace(KEEP, " ")
        .replace(BOLD_ON, on)
        .replace(BOLD_OFF, off)
}

/// One line of the explanations' Markdown as plain text: `**bold**` marked bold, `*emphasis*`
/// and `` `code` `` as their text (a code span kept in one piece), `[text](target)` as the
/// text and, for a target outside docs/checks.md, the target in parentheses. A list marker at
/// the start stays.
fn inline(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut rest = line;
    if let Some(item) = rest.strip_prefix("- ").or_else(|| rest.strip_prefix("* ")) {
        out.push_str(&rest[..2]);
        rest = item;
    }
    while let Some(c) = rest.chars().next() {
        let closing = |marker: &str| rest[marker.len()..].find(marker).map(|i| i + marker.len());
        if c == '`'
            && let Some(end) = closing("`")
        {
            out.extend(
                rest[1..end]
                    .chars()
                    .map(|c| if c == ' ' { KEEP } else { c }),
            );
            rest = &rest[end + 1..];
        } else if rest.starts_with("**")
            && let Some(end) = closing("**")
        {
            out.push(BOLD_ON);
            out.push_str(&inline(&rest[2..end]));
            out.push(BOLD_OFF);
            rest = &rest[end + 2..];
        } else if c == '['
            && let Some(mid) = rest.find("](")
            && !rest[1..mid].contains(']')
            && let Some(end) = rest[mid..].find(')').map(|i| i + mid)
        {
            let text = inline(&rest[1..mid]);
            let target = &rest[mid + 2..end];
            out.push_str(&text);
            if !target.starts_with('#') && target != text {
                out.push_str(&format!(" ({target})"));
            }
            rest = &rest[end + 1..];
        } else if c == '*'
            && rest[1..].starts_with(|n: char| !n.is_whitespace())
            && let Some(end) = closing("*")
        {
            out.push_str(&inline(&rest[1..end]));
            rest = &rest[end + 1..];
        } else {
            out.push(c);
            rest = &rest[c.len_utf8()..];
        }
    }
    out
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
        out.push('\n');
        out.push_str(&markdown_section(&c.info));
    }
    out.push_str(&probe_markdown());
    out
}

/// The probe's codes, after the checks' in docs/checks.md: one list of every code there is.
/// docs/probe.md stays their reference (severity, meaning, the verdict).
fn probe_markdown() -> String {
    let mut out = String::from(
        "\n## Codes the probe reports\n\n`mcp-auth-doctor probe` reports these; docs/probe.md \
         describes its steps, what each code means and the verdict, and `--explain CODE` prints \
         the same. `check --skip` and `fix --only` take only the checks' codes above.\n\n\
         | Code | Step | Summary |\n|---|---|---|\n",
    );
    for c in PROBE_CODES {
        let _ = writeln!(out, "| `{}` | {} | {} |", c.code, c.step, c.summary);
    }
    out
}

/// One check's section of docs/checks.md (also `--explain CODE --format markdown`).
pub fn markdown_section(info: &CheckInfo) -> String {
    let note = severity_note(info)
        .map(|n| format!("\n\n{n}"))
        .unwrap_or_default();
    format!(
        "## {}\n\nSeverity: {}. {}\n\n{}{note}\n",
        info.code,
        info.severity_label(),
        info.summary,
        info.explanation
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_markdown_reference_lists_every_code_once() {
        let doc = markdown();
        for &code in Code::ALL {
            let row = match code.reported_by() {
                ReportedBy::Check => format!("| [`{code}`](#{code}) |"),
                ReportedBy::Probe => format!("| `{code}` |"),
            };
            assert_eq!(doc.matches(&row).count(), 1, "{row}");
        }
    }

    #[test]
    fn every_probe_code_has_a_row_to_explain() {
        for c in PROBE_CODES {
            let row = probe_row(c.code).unwrap_or_else(|| panic!("no row for {}", c.code));
            assert!(!row[2].is_empty() && !row[2].ends_with('|'), "{row:?}");
        }
    }
}

#[cfg(test)]
mod terminal_tests {
    use super::*;

    #[test]
    fn markdown_becomes_terminal_text() {
        let plain = Style { color: false };
        assert_eq!(
            fill(
                "**How.** Run `mcp-auth-doctor fix --dry-run` or *see* [the docs](docs/x.md) and [`a`](#a).",
                plain
            ),
            "How. Run mcp-auth-doctor fix --dry-run or see the docs (docs/x.md) and a."
        );
        assert_eq!(fill("- `a b` item", plain), "- a b item");
        assert_eq!(
            fill("a * b and 2*3", plain),
            "a * b and 2*3",
            "a lone star stays"
        );
        let bold = fill("**x**", Style { color: true });
        assert_eq!(bold, "\x1b[1mx\x1b[0m");
    }
}
