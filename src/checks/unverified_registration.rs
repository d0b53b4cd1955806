use super::Findings;
use super::{CheckInfo, Finding, Severity};
use crate::model::inventory::Inventory;
use crate::model::server::NameKind;

pub const INFO: CheckInfo = CheckInfo {
    code: super::Code::UnverifiedRegistration,
    severity: Severity::Info,
    summary: "An entry for a plugin server or claude.ai connector, whose definition this tool cannot read",
    explanation: "\
**What it means.** The entry's name is `plugin:<plugin>:<server>` (defined by an installed plugin) \
or `claude.ai <Name>` (a connector from your Claude.ai account). Those definitions are not in the \
files this tool reads, so it cannot tell whether the key is live and does **not** call the entry \
orphaned.

**How to fix it.** Nothing by default. To sign in again, use `/mcp` in a session (plugin servers \
have no `claude mcp login`). To drop the state anyway: `mcp-auth-doctor forget 'plugin:p:s'`.",
};

pub fn run(inv: &Inventory, out: &mut Findings<'_>) {
    for e in &inv.entries {
        if inv.is_configured(e.name()) || !super::defined_elsewhere(inv, e.name()) {
            continue;
        }
        let what = match NameKind::of(e.name()) {
            NameKind::Plain => continue,
            NameKind::Plugin => {
                "a plugin server whose definition this tool cannot read (no plugin registry, or \
                 the plugin defines its servers in a way not followed here)"
            }
            NameKind::ClaudeAi => {
                "a claude.ai connector, defined in your Claude.ai account, which this tool does \
                 not read"
            }
        };
        out.push(
            Finding::new(
                INFO.code,
                INFO.severity,
                format!(
                    "'{}' is {what}, so it cannot tell whether {} is live. Not treated as \
                     orphaned.",
                    e.name(),
                    e.key()
                ),
            )
            .server(e.name())
            .key(e.key()),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::Snapshot;
    use crate::load::for_test::{http, valid_entry};
    use serde_json::json;

    fn findings(name: &str, global: serde_json::Value) -> Vec<Finding> {
        let key = format!("{name}|0123456789abcdef");
        let snapshot = Snapshot::for_test()
            .with_global_config(global)
            .with_credentials(json!({"mcpOAuth": {key: valid_entry(name, "https://x.example")}}));
        crate::load::for_test::run_check(snapshot, run)
    }

    #[test]
    fn a_connector_or_an_unreadable_plugin_server_is_unverified() {
        for (name, what) in [
            ("claude.ai Linear", "claude.ai connector"),
            ("plugin:tools:search", "plugin server"),
        ] {
            let found = findings(name, json!({}));
            assert_eq!(found.len(), 1, "{found:?}");
            assert_eq!(found[0].code, INFO.code);
            assert_eq!(found[0].severity, INFO.severity);
            assert_eq!(found[0].server.as_deref(), Some(name));
            assert_eq!(
                found[0].key.as_deref(),
                Some(format!("{name}|0123456789abcdef").as_str())
            );
            assert!(found[0].message.contains(what), "{}", found[0].message);
            assert!(found[0].action.is_none());
            assert!(!found[0].message.contains("CANARY"), "{}", found[0].message);
        }
    }

    #[test]
    fn a_plain_name_or_a_configured_one_is_not_unverified() {
        assert!(findings("gone", json!({})).is_empty());
        let configured = json!({"mcpServers": {"claude.ai Linear": http("https://x.example")}});
        assert!(findings("claude.ai Linear", configured).is_empty());
    }
}
