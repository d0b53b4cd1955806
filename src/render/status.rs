//! `status`: one line per server, like `gh auth status`, and a footer for whatever made the exit
//! status 4 that the rows do not show.

use std::fmt::Write;

use super::style::{Style, pad, plural, sanitize, wrap};
use crate::checks::{Finding, Severity};
use crate::diagnosis::Diagnosis;
use crate::timefmt;

/// `status NAME`: keeps only that server's rows and findings, and the findings about no server
/// (an unparseable credentials file concerns every server). Fails, with the nearest configured
/// name, when no server has that name.
pub fn keep_server(d: &mut Diagnosis, name: &str) -> Result<(), String> {
    if !d.servers.iter().any(|s| s.name == name) {
        let names: Vec<&str> = d.servers.iter().map(|s| s.name.as_str()).collect();
        let hint = crate::suggest::hint(name, names.iter().copied());
        return Err(format!(
            "no server named '{}' is configured{}; `mcp-auth-doctor status` lists them",
            sanitize(name),
            sanitize(&hint)
        ));
    }
    d.servers.retain(|s| s.name == name);
    d.findings
        .retain(|f| f.server.as_deref().is_none_or(|s| s == name));
    Ok(())
}

/// The scope column: `user`, `project`, `managed`, `plugin`, and `local:<project>` (a local
/// server belongs to one project, and two local rows of one name differ only there).
fn scope_cell(scopes: &[String]) -> String {
    scopes
        .iter()
        .map(|sc| match sc.split_once(':') {
            Some(("local", project)) => format!("local:{}", sanitize(project)),
            Some((kind, _)) => kind.to_string(),
            None => sc.clone(),
        })
        .collect::<Vec<_>>()
        .join("+")
}

pub fn table(d: &Diagnosis, style: Style) -> String {
    let mut rows: Vec<[String; 6]> = vec![[
        "SERVER".into(),
        "SCOPE".into(),
        "TOKEN".into(),
        "EXPIRES".into(),
        "MARKER".into(),
        "VERDICT".into(),
    ]];
    for s in &d.servers {
        let expires = match s.token.expires_in_seconds {
            Some(secs) => timefmt::relative(
                d.inventory.now_ms.saturating_add(secs.saturating_mul(1000)),
                d.inventory.now_ms,
            ),
            None => "-".into(),
        };
        rows.push([
            sanitize(&s.name),
            scope_cell(&s.scopes),
            s.token.state.label().into(),
            expires,
            s.marker.state.label().into(),
            super::servers::verdict_word(s.verdict),
        ]);
    }
    let mut out = String::new();
    if rows.len() == 1 {
        if !d.inventory.has_any_state() {
            return super::paths::no_state_found(&d.inventory);
        }
        out.push_str(&no_servers(d));
    }
    let widths: Vec<usize> = (0..6)
        .map(|c| rows.iter().map(|r| r[c].chars().count()).max().unwrap_or(0))
        .collect();
    for (i, row) in rows.iter().enumerate().filter(|_| rows.len() > 1) {
        let mut line = String::new();
        for (c, cell) in row.iter().enumerate() {
            if c == 5 {
                line.push_str(cell);
            } else {
                line.push_str(&pad(cell, widths[c] + 2));
            }
        }
        let line = if i == 0 {
            style.bold(&line)
        } else if d.servers[i - 1].verdict.is_problem() {
            style.red(&line)
        } else {
            line
        };
        let _ = writeln!(out, "{}", line.trim_end());
    }
    if let Some(footer) = footer(d) {
        let _ = writeln!(out, "\n{}", wrap(&footer, super::style::WIDTH, ""));
    }
    out
}

/// Why the table is empty: nothing configured, or a file that would configure servers could not
/// be read (then "no servers" would be false).
fn no_servers(d: &Diagnosis) -> String {
    let inv = &d.inventory;
    let unread: Vec<String> = std::iter::once(&inv.global.path)
        .filter(|_| inv.global.facts.present && inv.global.content.is_none())
        .chain(
            inv.mcp_json
                .iter()
                .filter(|m| m.facts.present && m.content.is_none())
                .map(|m| &m.path),
        )
        .map(|p| sanitize(&inv.locations.display(p)))
        .collect();
    if unread.is_empty() {
        "No MCP servers are configured.\n".into()
    } else {
        format!(
            "No MCP servers could be read: {} cannot be parsed, so the servers in it are not \
             known.\n",
            unread.join(" and ")
        )
    }
}

/// "1 warning outside servers (...): run `mcp-auth-doctor check`" for every finding at warning
/// or above that no red row accounts for, so `status` never exits 4 without saying why.
fn footer(d: &Diagnosis) -> Option<String> {
    let red_row = |f: &Finding| {
        d.servers
            .iter()
            .any(|s| s.verdict.is_problem() && f.server.as_deref() == Some(s.name.as_str()))
    };
    let listed = |f: &Finding| {
        f.server
            .as_deref()
            .is_some_and(|n| d.servers.iter().any(|s| s.name == n))
    };
    let unshown: Vec<&Finding> = d
        .findings
        .iter()
        .filter(|f| f.severity >= Severity::Warning && !red_row(f))
        .collect();
    let (about_rows, outside): (Vec<&Finding>, Vec<&Finding>) =
        unshown.into_iter().partition(|f| listed(f));
    let mut parts = Vec::new();
    for (group, place) in [
        (outside, "outside servers"),
        (about_rows, "that the rows above do not show"),
    ] {
        if group.is_empty() {
            continue;
        }
        let errors = group
            .iter()
            .filter(|f| f.severity == Severity::Error)
            .count();
        let warnings = group.len() - errors;
        let count = match (errors, warnings) {
            (0, w) => plural(w, "warning"),
            (e, 0) => plural(e, "error"),
            (e, w) => format!("{} and {}", plural(e, "error"), plural(w, "warning")),
        };
        let mut codes: Vec<&str> = Vec::new();
        for f in &group {
            if !codes.contains(&f.code.as_str()) {
                codes.push(f.code.as_str());
            }
        }
        parts.push(format!("{count} {place} ({})", codes.join(", ")));
    }
    (!parts.is_empty()).then(|| {
        format!(
            "{}: run `mcp-auth-doctor check` for details.",
            capitalise(&parts.join("; "))
        )
    })
}

fn capitalise(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}
