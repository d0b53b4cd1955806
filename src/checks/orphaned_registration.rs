use super::Findings;
use super::{CheckInfo, Finding, Pieces, Severity, defined_elsewhere, remove_entry};
use crate::model::inventory::Inventory;

pub const INFO: CheckInfo = CheckInfo {
    code: super::Code::OrphanedRegistration,
    severity: Severity::Warning,
    summary: "An entry for a server name that no visible scope configures",
    explanation: "\
**What it means.** No scope this tool can see (user, every local project in `~/.claude.json`, \
every `.mcp.json` in the working directory, its ancestors and every known project, managed, \
and each `--mcp-config FILE` given) configures a server with this name. Servers that only \
`claude --mcp-config FILE` or an SDK session passes are seen when the same files are given here \
with `--mcp-config FILE`. Claude Code never reads the entry. A plugin server is \
reported here only with evidence (its plugin is not installed any more, or the installed plugin \
defines no server of that name); otherwise it, and every claude.ai connector, is \
`unverified-registration`: their definitions live where this tool cannot read them.

**Why it happens.** `claude mcp remove` deletes only the entry under the server's current key and \
leaves older keys behind; removing a server by editing the config or deleting a project leaves \
everything behind.

**How to fix it.** Remove it (`fix`, also when it still holds a usable token: the removal is \
backed up first, and `mcp-auth-doctor restore --latest` brings it back if you re-add the server; \
`fix --safe-only` keeps it). `mcp-auth-doctor forget NAME` removes every entry and marker for a \
name.",
};

pub fn run(inv: &Inventory, out: &mut Findings<'_>) {
    if !inv.configs_complete() {
        return; // a broken config file may define the server: see unparseable-file
    }
    let file = super::shared_file(&inv.credentials.path);
    for e in &inv.entries {
        if inv.is_configured(e.name()) || defined_elsewhere(inv, e.name()) {
            continue;
        }
        let usable = e.token.usable();
        let plugin_gone = super::plugin_absence(inv, e.name());
        let is_plugin = plugin_gone.is_some();
        let url = e.server_url().map(crate::redact::url);
        // The message as data: the check's sentences fixed, the entry's name, key and url kept,
        // in lists of the exact size (made by the thousand and, in `fix`, dropped at once:
        // room trimmed afterwards leaves holes in the heap that a 10,000-entry `fix` measured
        // as 0.5 MB more peak).
        let mut message = Pieces::with_capacity(
            if is_plugin { 6 } else { 4 }
                + 3 * usize::from(url.is_some())
                + 1
                + usize::from(usable),
            e.name().len()
                + e.key().len()
                + url.as_deref().map_or(0, str::len)
                + plugin_gone.as_deref().map_or(0, str::len),
        );
        match &plugin_gone {
            Some(evidence) => message
                .fixed("'")
                .text(e.name())
                .fixed("' is a plugin server, and ")
                .text(evidence)
                .fixed(", so Claude Code never uses the entry "),
            None => message
                .fixed("No scope this tool can see configures a server named '")
                .text(e.name())
                .fixed("', so Claude Code never uses the entry "),
        };
        message.text(e.key());
        if let Some(u) = &url {
            message.fixed(" (for ").text(u).fixed(")");
        }
        message.fixed(if is_plugin {
            ". Uninstalling a plugin leaves its OAuth state behind."
        } else {
            ". `claude mcp remove` leaves such entries behind. (A .mcp.json in a folder Claude \
             Code keeps no project entry for is invisible from here: run this in that folder, or \
             pass --project DIR; servers passed with `claude --mcp-config FILE` are seen with the \
             same --mcp-config FILE.)"
        });
        if usable {
            message.fixed(
                " It still holds a usable token; fix removes it (backed up first: `restore` \
                 brings it back if you re-add the server), and --safe-only keeps it.",
            );
        }
        out.push(
            Finding::new(INFO.code, INFO.severity, message)
                .server(e.name())
                .key(e.key())
                .file(file.clone())
                .evidence("token", e.token.label())
                .action(remove_entry(inv, e.key(), !usable)),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::Snapshot;
    use serde_json::json;

    fn findings(snapshot: Snapshot) -> Vec<Finding> {
        crate::load::for_test::run_check(snapshot, run)
    }

    fn credentials() -> serde_json::Value {
        json!({"mcpOAuth": {"gone|0123456789abcdef": {
            "serverName": "gone",
            "serverUrl": "https://gone.example/mcp",
            "accessToken": "CANARY-access",
            "expiresAt": 0,
        }}})
    }

    #[test]
    fn an_entry_no_scope_configures_is_orphaned() {
        let found = findings(
            Snapshot::for_test()
                .with_global_config(json!({"mcpServers": {}}))
                .with_credentials(credentials()),
        );
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].code, INFO.code);
        assert_eq!(found[0].key.as_deref(), Some("gone|0123456789abcdef"));
        assert!(found[0].action.is_some());
        assert!(!found[0].message.contains("CANARY"), "{}", found[0].message);
    }

    #[test]
    fn an_entry_whose_name_is_configured_is_not_orphaned() {
        for global in [
            json!({"mcpServers": {"gone": {"type": "http", "url": "https://moved.example/mcp"}}}),
            json!({"projects": {"/home/u/work": {"mcpServers": {
                "gone": {"type": "http", "url": "https://gone.example/mcp"}
            }}}}),
        ] {
            let found = findings(
                Snapshot::for_test()
                    .with_global_config(global)
                    .with_credentials(credentials()),
            );
            assert!(found.is_empty(), "{found:?}");
        }
    }

    #[test]
    fn nothing_is_orphaned_while_a_config_file_cannot_be_parsed() {
        let found = findings(
            Snapshot::for_test()
                .with_unparseable_global_config()
                .with_credentials(credentials()),
        );
        assert!(found.is_empty(), "{found:?}");
    }
}
