use super::Findings;
use super::{CheckInfo, Finding, Severity, defined_elsewhere, remove_marker};
use crate::model::inventory::Inventory;
use crate::model::marker::MarkerState;

pub const INFO: CheckInfo = CheckInfo {
    code: super::Code::OrphanedNeedsAuthMarker,
    severity: Severity::Info,
    summary: "A needs-auth marker for a server name that no visible scope configures",
    explanation: "\
**What it means.** The needs-auth cache is keyed by server name only, and nothing removes a \
removed or renamed server's marker. It does nothing today, but if a server with that name is \
added again (for example with different auth, or through `--mcp-config`), a fresh marker makes \
sessions skip it.

**How to fix it.** Remove it (`fix`; safe, markers hold no credential).",
};

pub fn run(inv: &Inventory, out: &mut Findings<'_>) {
    if !inv.configs_complete() {
        return; // a broken config file may define the server: see unparseable-file
    }
    for m in &inv.markers {
        if inv.is_configured(&m.name)
            || defined_elsewhere(inv, &m.name)
            || m.state == MarkerState::Future
        {
            continue;
        }
        out.push(
            Finding::new(
                INFO.code,
                INFO.severity,
                format!(
                    "A needs-auth marker names '{}', which no scope configures. It does nothing \
                     now, but would make sessions skip a server added again under that name.",
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
    use crate::load::for_test::{NOW_MS, http};
    use serde_json::json;

    fn findings(snapshot: Snapshot) -> Vec<Finding> {
        crate::load::for_test::run_check(snapshot, run)
    }

    fn marker(name: &str, timestamp: i64) -> serde_json::Value {
        json!({ name: {"timestamp": timestamp} })
    }

    #[test]
    fn a_marker_for_a_name_no_scope_configures_is_removed() {
        let found = findings(
            Snapshot::for_test()
                .with_global_config(json!({"mcpServers": {}}))
                .with_needs_auth_cache(marker("gone", NOW_MS - 60_000)),
        );
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].code, INFO.code);
        assert_eq!(found[0].severity, INFO.severity);
        assert_eq!(found[0].server.as_deref(), Some("gone"));
        let action = found[0].action.as_ref().expect("an action");
        assert_eq!(
            action.kind,
            ActionKind::RemoveMarker {
                name: "gone".into()
            }
        );
    }

    #[test]
    fn configured_connector_future_or_unjudgeable_markers_are_not_orphaned() {
        let configured = Snapshot::for_test()
            .with_global_config(json!({"mcpServers": {"gone": http("https://g.example")}}))
            .with_needs_auth_cache(marker("gone", NOW_MS - 60_000));
        let connector =
            Snapshot::for_test().with_needs_auth_cache(marker("claude.ai Linear", NOW_MS - 60_000));
        let future = Snapshot::for_test().with_needs_auth_cache(marker("gone", NOW_MS + 3_600_000));
        let broken = Snapshot::for_test()
            .with_unparseable_global_config()
            .with_needs_auth_cache(marker("gone", NOW_MS - 60_000));
        for snapshot in [configured, connector, future, broken] {
            let found = findings(snapshot);
            assert!(found.is_empty(), "{found:?}");
        }
    }
}
