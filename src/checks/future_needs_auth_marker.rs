use super::Findings;
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

pub fn run(inv: &Inventory, out: &mut Findings<'_>) {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::ActionKind;
    use crate::load::Snapshot;
    use crate::load::for_test::{NOW_MS, http};
    use serde_json::json;

    fn findings(server: serde_json::Value, timestamp: i64) -> Vec<Finding> {
        let snapshot = Snapshot::for_test()
            .with_global_config(json!({"mcpServers": {"linear": server}}))
            .with_needs_auth_cache(json!({"linear": {"timestamp": timestamp}}));
        crate::load::for_test::run_check(snapshot, run)
    }

    #[test]
    fn a_marker_an_hour_ahead_is_removed() {
        let found = findings(http("https://mcp.linear.app/mcp"), NOW_MS + 3_600_000);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].code, INFO.code);
        assert_eq!(found[0].severity, INFO.severity);
        assert_eq!(found[0].server.as_deref(), Some("linear"));
        assert_eq!(found[0].evidence["timestamp"], "2026-06-01T13:00:00Z");
        let action = found[0].action.as_ref().expect("an action");
        assert_eq!(
            action.kind,
            ActionKind::RemoveMarker {
                name: "linear".into()
            }
        );
    }

    #[test]
    fn within_the_clock_skew_or_for_a_static_auth_server_it_is_not_reported() {
        let url = "https://mcp.linear.app/mcp";
        assert!(findings(http(url), NOW_MS + 30_000).is_empty());
        let with_header = json!({"type": "http", "url": url,
            "headers": {"Authorization": "Bearer CANARY-static"}});
        assert!(findings(with_header, NOW_MS + 3_600_000).is_empty());
    }
}
