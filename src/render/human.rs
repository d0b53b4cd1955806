//! `check` for people: findings grouped by server, then the rest, then one line of counts.

use std::fmt::Write;

use super::plan::Absorbed;
use super::servers::{ServerSummary, Verdict};
use super::style::{Style, count, plural, sanitize, severity_tag, wrap};
use crate::checks::ActionKind;
use crate::checks::Finding;
use crate::diagnosis::Diagnosis;
use crate::fix::plan::Plan;

const WIDTH: usize = 100;

fn verdict_tag(style: Style, v: Verdict) -> String {
    let label = &super::servers::verdict_word(v);
    match v {
        Verdict::Ok | Verdict::Refreshes | Verdict::StaticAuth => style.green(label),
        Verdict::Skipped
        | Verdict::NeedsLogin
        | Verdict::InvalidConfig
        | Verdict::FailsToConnect
        | Verdict::StartupBlocked => style.red(label),
        Verdict::NoToken | Verdict::Unknown => style.yellow(label),
        Verdict::NotOauth | Verdict::Ignored | Verdict::Shadowed => style.dim(label),
        Verdict::Disabled
        | Verdict::NotApproved
        | Verdict::Rejected
        | Verdict::Denied
        | Verdict::Suppressed => style.dim(label),
        Verdict::SignsInOnStart => style.yellow(label),
    }
}

fn finding(out: &mut String, style: Style, d: &Diagnosis, f: &Finding, repairs: &Absorbed<'_>) {
    let plain_tag = format!("{}[{}]", f.severity.label(), f.code);
    let text = wrap(
        &format!("{plain_tag} {}", sanitize(&f.message.text())),
        WIDTH - 4,
        "      ",
    );
    // Colour the tag after wrapping, so escape codes do not count as columns (without colour,
    // the tag is itself: no copy).
    let tag = severity_tag(style, f.severity, f.code.as_str());
    let text = if tag == plain_tag {
        text
    } else {
        text.replacen(&plain_tag, &tag, 1)
    };
    let _ = writeln!(out, "    {text}");
    if let Some(a) = &f.action {
        let safe = if a.ask_only {
            " (only when asked)"
        } else if a.safe {
            ""
        } else {
            " (it holds a usable token: backed up first; --safe-only keeps it)"
        };
        // The plan folds the removal of a placeholder under a live key into the move that
        // replaces it: say what the plan does, not a removal it will not make.
        let moved_from = match repairs.by(f).map(|m| &m.kind) {
            Some(ActionKind::MoveEntry { from, .. }) => Some(from.clone()),
            _ => None,
        };
        let what = match moved_from {
            Some(from) => format!(
                "replace it with the entry moved here from \"{from}\" (the stale-registration \
                 repair)"
            ),
            None => format!(
                "{}{safe}",
                a.summary()
                    .replace(&a.file_shown(), &d.inventory.locations.display(&a.path))
            ),
        };
        let _ = writeln!(out, "      {} {}", style.dim("fix would:"), sanitize(&what));
    }
}

fn server_header(out: &mut String, style: Style, s: &ServerSummary) {
    let what = match (&s.transport, &s.url) {
        (Some(t), Some(u)) => format!("{t} {u}"),
        (Some(t), None) => t.clone(),
        (None, Some(u)) => u.clone(),
        (None, None) => "stdio".into(),
    };
    let _ = writeln!(
        out,
        "{} {}  {}",
        style.bold(&sanitize(&s.name)),
        style.dim(&format!(
            "({}; {})",
            sanitize(&s.scopes.join(", ")),
            sanitize(&what)
        )),
        verdict_tag(style, s.verdict)
    );
    let _ = writeln!(
        out,
        "    {}",
        wrap(
            &sanitize(&super::servers::explanation(&s.reason)),
            WIDTH - 4,
            "    "
        )
    );
    if let Some(next) = super::servers::next_step(s) {
        let text = wrap(&format!("next: {}", sanitize(&next)), WIDTH - 4, "      ");
        let _ = writeln!(
            out,
            "    {}",
            text.replacen("next:", &style.dim("next:"), 1)
        );
    }
}

/// `plan`: what `fix` would do for `d` (`fix::plan::for_findings` with the default selection).
pub fn check(d: &Diagnosis, plan: &Plan, style: Style) -> String {
    let mut out = String::new();
    let inv = &d.inventory;
    if !inv.has_any_state() {
        // The same words as `status`: the real paths looked at, and where the home came from.
        return super::paths::no_state_found(inv);
    }
    // What `fix` would really do: findings asking for the same change, or for a change another
    // one absorbs, are one step; ask-only changes are none.
    let absorbed = Absorbed::of(plan);
    let mut shown = vec![false; d.findings.len()];
    // Each finding under its own server's block, never under another definition of the name.
    let blocks: Vec<Option<usize>> = d
        .findings
        .iter()
        .map(|f| crate::diagnosis::servers::block_of(&d.servers, f))
        .collect();
    for (b, s) in d.servers.iter().enumerate() {
        server_header(&mut out, style, s);
        for (i, f) in d.findings.iter().enumerate() {
            if !shown[i] && blocks[i] == Some(b) {
                finding(&mut out, style, d, f, &absorbed);
                shown[i] = true;
            }
        }
        out.push('\n');
    }
    // Findings about names nobody configures, grouped by name (in the order each name first
    // comes): grouped in one pass, where a search of the names and then of the findings per name
    // was quadratic in the orphaned entries (issue 15).
    let mut other_names: Vec<(&str, Vec<usize>)> = Vec::new();
    let mut group_of: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    for (i, f) in d.findings.iter().enumerate() {
        if let Some(n) = f.server.as_deref()
            && !shown[i]
        {
            let g = *group_of.entry(n).or_insert_with(|| {
                other_names.push((n, Vec::new()));
                other_names.len() - 1
            });
            other_names[g].1.push(i);
        }
    }
    for (name, group) in other_names {
        let _ = writeln!(
            out,
            "{} {}",
            style.bold(&sanitize(name)),
            style.dim("(not configured in any scope this tool can see)")
        );
        for i in group {
            finding(&mut out, style, d, &d.findings[i], &absorbed);
            shown[i] = true;
        }
        out.push('\n');
    }
    if shown.iter().any(|s| !s) {
        let _ = writeln!(out, "{}", style.bold("Files"));
        for (i, f) in d.findings.iter().enumerate() {
            if !shown[i] {
                finding(&mut out, style, d, f, &absorbed);
            }
        }
        out.push('\n');
    }
    let _ = writeln!(
        out,
        "{}",
        style.dim(&wrap(
            &super::servers::release_line(&inv.release),
            WIDTH,
            ""
        ))
    );
    let (e, w, i) = d.counts();
    let repairs = plan.steps.len();
    let mut last = format!(
        "{}, {}, {}",
        count(e, "error"),
        count(w, "warning"),
        count(i, "info")
    );
    if repairs > 0 {
        let _ = write!(
            last,
            "; `mcp-auth-doctor fix --dry-run` shows the {} fix would make",
            plural(repairs, "repair")
        );
    }
    let _ = writeln!(
        out,
        "{}",
        if e > 0 {
            style.red(&last)
        } else if w > 0 {
            style.yellow(&last)
        } else {
            style.green(&last)
        }
    );
    out
}
