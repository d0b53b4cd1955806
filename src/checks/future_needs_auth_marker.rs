use super::{CheckInfo, Finding, Severity, has_static_auth, remove_marker};
use crate::model::inventory::Inventory;
use crate::model::marker::MarkerState;
use crate::timefmt;

pub const INFO: CheckInfo = CheckInfo {
    code: super::Code::FutureNeedsAuthMarker,
    severity: Severity::Warning,
    summary: "A needs-auth marker's timestamp is more than 60 s in the future",
    explanation: "\
**What it means.** The marker's `timestamp` lies more than a minute ahead of now. Claude Code \
2.1.100 counts a marker while `now - timestamp < 15 min`, which is always true for a future time, \
so sessions skip the server until that time has come and gone. 2.1.332 ignores markers more than \
60 s ahead.

**Why it happens.** The clock was wrong (or in another time zone by mistake) when the marker was \
written, or the file was copied from another machine.

**How to fix it.** Remove the marker (`fix`), and check the system clock.",
};

pub fn run(inv: &Inventory, out: &mut Vec<Finding>) {
    for m in &inv.markers {
        if m.state != MarkerState::Future || has_static_auth(inv, &m.name) {
            continue;
        }
        if super::unloaded_server_state::dead_name(inv, &m.name) {
            continue; // not loaded here: unloaded-server-state explains it
        }
        let ahead = m
            .age_ms
            .map(|a| timefmt::duration(a.saturating_neg()))
            .unwrap_or_default();
        out.push(
            Finding::new(
                INFO.code,
                INFO.severity,
                format!(
                    "The needs-auth marker for '{}' is dated {ahead} in the future. Claude Code \
                     2.1.100 counts it until then (sessions skip the server); 2.1.332 ignores it. \
                     Remove it and check the clock.",
                    m.name
                ),
            )
            .server(&m.name)
            .file(inv.cache.path.display().to_string())
            .evidence(
                "timestamp",
                m.timestamp.map(timefmt::rfc3339).unwrap_or_default(),
            )
            .action(remove_marker(inv, &m.name)),
        );
    }
}
