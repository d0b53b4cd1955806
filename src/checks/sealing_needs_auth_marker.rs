use super::Findings;
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
tries the server again; if the server needs OAuth it says so honestly and `/mcp` → Authenticate (`claude mcp login NAME` on 2.1.186+) signs in.",
};

pub fn run(inv: &Inventory, out: &mut Findings<'_>) {
    for m in &inv.markers {
        if m.state != MarkerState::Fresh || has_static_auth(inv, &m.name) {
            continue;
        }
        if super::unloaded_server_state::dead_name(inv, &m.name) {
            continue; // not loaded here: unloaded-server-state explains it
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::ActionKind;
    use crate::load::Snapshot;
    use crate::load::for_test::{NOW_MS, http, key_of, placeholder_entry, valid_entry};
    use serde_json::json;

    const URL: &str = "https://mcp.linear.app/mcp";

    fn findings(entry: Option<serde_json::Value>) -> Vec<Finding> {
        let key = key_of("linear", http(URL));
        let entries = match entry {
            Some(e) => json!({key: e}),
            None => json!({}),
        };
        let snapshot = Snapshot::for_test()
            .with_global_config(json!({"mcpServers": {"linear": http(URL)}}))
            .with_credentials(json!({"mcpOAuth": entries}))
            .with_needs_auth_cache(json!({"linear": {"timestamp": NOW_MS - 60_000}}));
        crate::load::for_test::run_check(snapshot, run)
    }

    #[test]
    fn a_fresh_marker_over_a_placeholder_is_removed_with_it() {
        let found = findings(Some(placeholder_entry("linear", URL)));
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].code, INFO.code);
        assert_eq!(found[0].severity, INFO.severity);
        assert_eq!(found[0].server.as_deref(), Some("linear"));
        let action = found[0].action.as_ref().expect("an action");
        assert_eq!(
            action.kind,
            ActionKind::RemoveMarker {
                name: "linear".into()
            }
        );
    }

    #[test]
    fn a_usable_token_or_no_entry_is_not_sealed() {
        assert!(findings(Some(valid_entry("linear", URL))).is_empty());
        assert!(findings(None).is_empty());
    }
}
