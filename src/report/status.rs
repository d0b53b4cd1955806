//! `status`: one line per server, like `gh auth status`.

use std::fmt::Write;

use super::style::{Style, pad, sanitize};
use crate::diagnosis::Diagnosis;
use crate::timefmt;

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
        let scope = s
            .scopes
            .iter()
            .map(|sc| sc.split(':').next().unwrap_or(sc))
            .collect::<Vec<_>>()
            .join("+");
        rows.push([
            sanitize(&s.name),
            scope,
            s.token.state.clone(),
            expires,
            s.marker.state.clone(),
            s.verdict.label().into(),
        ]);
    }
    if rows.len() == 1 {
        return if d.inventory.has_any_state() {
            "No MCP servers are configured.\n".into()
        } else {
            super::paths::no_state_found(&d.inventory)
        };
    }
    let widths: Vec<usize> = (0..6)
        .map(|c| rows.iter().map(|r| r[c].chars().count()).max().unwrap_or(0))
        .collect();
    let mut out = String::new();
    for (i, row) in rows.iter().enumerate() {
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
    out
}
