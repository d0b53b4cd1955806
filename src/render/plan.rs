//! Rendering of what a writing command plans and did.

use std::fmt::Write;
use std::path::Path;

use super::style::{Style, WIDTH, sanitize, wrap};
use crate::checks::{Action, ActionKind, Finding};
use crate::fix::Applied;
use crate::fix::plan::{Plan, Step};
use crate::paths::Locations;

fn step_line(step: &Step) -> String {
    let server = step
        .server
        .as_deref()
        .map(|s| format!(", {s}"))
        .unwrap_or_default();
    sanitize(&format!("{}  ({}{server})", step.action.summary, step.code))
}

/// The plan, grouped by file.
pub fn plan(plan: &Plan, locations: &Locations, style: Style) -> String {
    let mut out = String::new();
    if plan.steps.is_empty() {
        let _ = writeln!(out, "{}", style.bold("Plan: nothing to change."));
    } else {
        let n = plan.steps.len();
        let _ = writeln!(
            out,
            "{}",
            style.bold(&format!(
                "Plan: {n} change{} (each file is backed up first; `mcp-auth-doctor restore --latest` undoes it)",
                if n == 1 { "" } else { "s" }
            ))
        );
        let mut files: Vec<&Path> = Vec::new();
        for s in &plan.steps {
            if !files.contains(&s.action.path.as_path()) {
                files.push(&s.action.path);
            }
        }
        for file in files {
            let _ = writeln!(out, "  {}", sanitize(&locations.display(file)));
            for s in plan.steps.iter().filter(|s| s.action.path == file) {
                // Wrapped (with its double space kept) by render::style::fit_to_page.
                let _ = writeln!(out, "    - {}", step_line(s));
                if let Some(note) = &s.action.note {
                    let note = wrap(&sanitize(note), WIDTH - 6, "      ");
                    let _ = writeln!(out, "      {}", style.dim(&note));
                }
            }
        }
    }
    if !plan.kept.is_empty() {
        let _ = writeln!(out, "{}", style.bold("Kept:"));
        for k in &plan.kept {
            let _ = writeln!(out, "    - {}: {}", step_line(&k.step), sanitize(&k.reason));
        }
    }
    out
}

/// What was applied and skipped, and where the backup is (under `~`, as every path for people).
pub fn applied(applied: &Applied, locations: &Locations, style: Style) -> String {
    let mut out = String::new();
    let n = applied.applied.len();
    let _ = writeln!(
        out,
        "{}",
        style.green(&format!(
            "Applied {n} change{}.",
            if n == 1 { "" } else { "s" }
        ))
    );
    for s in &applied.skipped {
        let _ = writeln!(
            out,
            "{} {}: {}",
            style.yellow("Skipped"),
            step_line(&s.step),
            sanitize(&s.reason)
        );
    }
    if let Some(b) = &applied.backup {
        let _ = writeln!(
            out,
            "Backup: {}\nUndo:   mcp-auth-doctor restore {}",
            sanitize(&locations.display(Path::new(&b.path))),
            b.id
        );
    }
    out
}

/// The change `plan` makes for `f`'s action when that is not the action itself: the plan folds
/// the removal of a placeholder under a live key into the move that replaces it (the
/// stale-registration repair), so the finding's change is that move.
pub fn absorbed_by<'a>(f: &Finding, plan: &'a Plan) -> Option<&'a Action> {
    let a = f.action.as_ref()?;
    let ActionKind::RemoveEntry { key } = &a.kind else {
        return None;
    };
    if plan.steps.iter().any(|s| s.action.kind == a.kind) {
        return None;
    }
    plan.steps
        .iter()
        .map(|s| &s.action)
        .find(|m| matches!(&m.kind, ActionKind::MoveEntry { to, .. } if to == key))
}

/// `findings` with each action as `plan` carries it out ([`absorbed_by`]), for the outputs
/// that show actions as data (`check --format json`, the report): what they say `fix` does is
/// what it does.
pub fn findings_as_planned(findings: &[Finding], plan: &Plan) -> Vec<Finding> {
    findings
        .iter()
        .map(|f| {
            let mut f = f.clone();
            if let Some(by) = absorbed_by(&f, plan) {
                f.action = Some(by.clone());
            }
            f
        })
        .collect()
}
