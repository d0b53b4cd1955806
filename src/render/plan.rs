//! Rendering of what a writing command plans and did.

use std::collections::{HashMap, HashSet};
use std::fmt::Write;
use std::path::Path;

use serde::Serialize;

use super::style::{Style, WIDTH, sanitize, wrap};
use crate::checks::{Action, ActionKind, Code, Evidence, Finding, Message, Severity};
use crate::fix::Applied;
use crate::fix::plan::{Plan, Step};
use crate::json::LineCol;
use crate::paths::Locations;

fn step_line(step: &Step) -> String {
    let server = step
        .server
        .as_deref()
        .map(|s| format!(", {s}"))
        .unwrap_or_default();
    sanitize(&format!(
        "{}  ({}{server})",
        step.action.summary(),
        step.code
    ))
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
            if !files.contains(&&*s.action.path) {
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
pub fn applied(applied: &Applied<'_>, locations: &Locations, style: Style) -> String {
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
            step_line(s.step),
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

/// The changes `plan` makes for findings' actions when they are not the actions themselves: the
/// plan folds the removal of a placeholder under a live key into the move that replaces it (the
/// stale-registration repair), so that finding's change is the move. Indexed once per plan: a scan
/// of the steps per finding made the report quadratic in the entries (issue 15).
pub struct Absorbed<'a> {
    /// Every change the plan makes. foldhash, as the checks' maps (a seeded hash of the plan's
    /// own keys; SipHash was ~1% of `check`'s instructions at 1,000 entries).
    planned: HashSet<&'a ActionKind, foldhash::fast::RandomState>,
    /// The first move onto each key, by the key it moves to.
    moves_to: HashMap<&'a str, &'a Action, foldhash::fast::RandomState>,
}

impl<'a> Absorbed<'a> {
    pub fn of(plan: &'a Plan) -> Self {
        let mut moves_to = HashMap::default();
        for s in &plan.steps {
            if let ActionKind::MoveEntry { to, .. } = &s.action.kind {
                moves_to.entry(to.as_str()).or_insert(&s.action);
            }
        }
        Self {
            planned: plan.steps.iter().map(|s| &s.action.kind).collect(),
            moves_to,
        }
    }

    /// The change the plan makes for `f`'s action when that is not the action itself.
    pub fn by(&self, f: &Finding) -> Option<&'a Action> {
        let a = f.action.as_ref()?;
        let ActionKind::RemoveEntry { key } = &a.kind else {
            return None;
        };
        if self.planned.contains(&a.kind) {
            return None;
        }
        self.moves_to.get(key.as_str()).copied()
    }
}

/// `findings` with each action as `plan` carries it out ([`Absorbed`]), for the outputs
/// that show actions as data (`check --format json`, the report): what they say `fix` does is
/// what it does.
pub fn findings_as_planned(findings: &[Finding], plan: &Plan) -> Vec<Finding> {
    let absorbed = Absorbed::of(plan);
    findings
        .iter()
        .map(|f| {
            let mut f = f.clone();
            if let Some(by) = absorbed.by(&f) {
                f.action = Some(by.clone());
            }
            f
        })
        .collect()
}

/// [`findings_as_planned`] without copying a finding: each one borrowed, with the action the
/// plan carries out, serialised exactly as a [`Finding`] is (`check --format json`).
pub fn findings_as_planned_borrowed<'a>(
    findings: &'a [Finding],
    plan: &'a Plan,
) -> Vec<PlannedFinding<'a>> {
    let absorbed = Absorbed::of(plan);
    findings
        .iter()
        .map(|f| PlannedFinding::new(f, absorbed.by(f).or(f.action.as_ref())))
        .collect()
}

/// A [`Finding`] as it serialises, borrowed, with another action in its place.
#[derive(Serialize)]
pub struct PlannedFinding<'a> {
    code: Code,
    severity: Severity,
    #[serde(skip_serializing_if = "Option::is_none")]
    server: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    key: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    file: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    location: Option<&'a LineCol>,
    message: &'a Message,
    #[serde(skip_serializing_if = "Evidence::is_empty")]
    evidence: &'a Evidence,
    #[serde(skip_serializing_if = "Option::is_none")]
    action: Option<&'a Action>,
}

impl<'a> PlannedFinding<'a> {
    fn new(f: &'a Finding, action: Option<&'a Action>) -> Self {
        // Every field named (no `..`): a field added to Finding fails to compile here until it
        // is added to this view too.
        let Finding {
            code,
            severity,
            server,
            key,
            file,
            location,
            message,
            evidence,
            action: _,
        } = f;
        Self {
            code: *code,
            severity: *severity,
            server: server.as_deref(),
            key: key.as_deref(),
            file: file.as_deref(),
            location: location.as_ref(),
            message,
            evidence,
            action,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use serde_json::Value;

    use super::*;

    fn step(action: Action) -> Step {
        Step::new("stale-registration", Some("a"), action)
    }

    #[test]
    fn borrowed_findings_serialise_as_the_copied_ones_with_the_plans_actions() {
        let file = Path::new("/h/.claude/.credentials.json");
        let moved = Action::move_entry(file, "b|1", "b|2", "https://b.example/mcp", "move".into());
        let plan = Plan {
            steps: vec![
                step(Action::remove_entry(file, "a|1", false)),
                step(moved.clone()),
            ],
            ..Plan::default()
        };
        let every_field =
            Finding::new(Code::StaleRegistration, Severity::Warning, "a \"quoted\" →")
                .server("a")
                .key("a|1")
                .file("/h/.claude/.credentials.json")
                .at(LineCol { line: 3, column: 7 })
                .evidence("token", "valid")
                .evidence("urls", vec!["https://a.example/mcp"])
                .action(Action::remove_entry(file, "a|1", false));
        let placeholder = Finding::new(Code::PendingRegistration, Severity::Error, "b")
            .server("b")
            .action(Action::remove_entry(file, "b|2", true));
        let bare = Finding::new(Code::ClaudeRunning, Severity::Info, "c");
        let findings = [every_field, placeholder, bare];
        let copied = serde_json::to_string_pretty(&findings_as_planned(&findings, &plan)).unwrap();
        let borrowed =
            serde_json::to_string_pretty(&findings_as_planned_borrowed(&findings, &plan)).unwrap();
        assert_eq!(borrowed, copied);
        // The placeholder's removal is shown as the move that replaces it; the rest as they are.
        let shown: Vec<Value> = serde_json::from_str(&borrowed).unwrap();
        assert_eq!(shown[1]["action"]["kind"], "move-entry");
        assert_eq!(shown[0]["action"]["kind"], "remove-entry");
        assert_eq!(shown[0]["location"]["column"], 7);
        assert!(shown[2].get("action").is_none());
    }
}
