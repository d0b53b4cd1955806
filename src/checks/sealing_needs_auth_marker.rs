use super::{CheckInfo, Finding, Severity, has_static_auth, live_entries, remove_marker};
use crate::model::entry::TokenState;
use crate::model::inventory::Inventory;
use crate::model::marker::MarkerState;

pub const INFO: CheckInfo = CheckInfo {
    code: super::Code::SealingNeedsAuthMarker,
    severity: Severity::Warning,
    summary: "A fresh needs-auth marker next to a placeholder entry: together they keep the server skipped",
    explanation: "\
**What it means.** The server has a fresh needs-auth marker *and* a placeholder entry under its \
current key (`pending-registration`). Either one makes sessions skip the server without \
connecting (the marker only in non-interactive sessions: `claude -p`, the SDK), and skipping stops \
the code that would heal either of them, so the pair seals itself (field reports: weeks of an \
unusable server).

**How to fix it.** Remove both (`fix` removes the placeholder and this marker). The next session \
connects; if the server needs OAuth it says so honestly and `/mcp` → Authenticate (`claude mcp login NAME` on 2.1.186+) signs in.",
};

pub fn run(inv: &Inventory, out: &mut Vec<Finding>) {
    for m in &inv.markers {
        if m.state != MarkerState::Fresh || has_static_auth(inv, &m.name) {
            continue;
        }
        let entries: Vec<_> = inv
            .in_use_named(&m.name)
            .filter_map(|s| live_entries(inv, s))
            .collect();
        if entries.iter().any(|e| e.token.usable())
            || !entries.iter().any(|e| e.token == TokenState::Placeholder)
        {
            continue;
        }
        out.push(
            Finding::new(
                INFO.code,
                INFO.severity,
                format!(
                    "'{}' has a fresh needs-auth marker and a placeholder under its current key: \
                     either one makes sessions skip it, and skipping keeps both in place. Remove \
                     the marker along with the placeholder.",
                    m.name
                ),
            )
            .server(&m.name)
            .file(inv.cache.path.display().to_string())
            .action(remove_marker(inv, &m.name)),
        );
    }
}
