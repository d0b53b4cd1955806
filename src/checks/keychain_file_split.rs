use super::Findings;
use serde_json::Value;

use super::{CheckInfo, Finding, Severity};
use crate::model::inventory::Inventory;
use crate::system::keychain::KeychainRead;

pub const INFO: CheckInfo = CheckInfo {
    code: super::Code::KeychainFileSplit,
    severity: Severity::Warning,
    summary: "The Keychain item and .credentials.json both exist and disagree about mcpOAuth",
    explanation:
        "\
**What it means.** On macOS Claude Code reads the Keychain first and falls back to \
`~/.claude/.credentials.json` only when the Keychain gives nothing (SSH sessions, a locked \
keychain). Both exist here and hold different MCP grants, so which servers look signed in depends \
on how Claude Code was started, and scripts that read the file see stale state.

**How to fix it by hand.** Decide which one is current (usually the Keychain). If it is, move the \
file aside; Claude Code deletes it itself after its next successful Keychain write. With \
`--keychain`, mcp-auth-doctor's repairs of `mcpOAuth` go to the item, the live store, not the file.",
};

fn mcp(v: Option<&Value>) -> Value {
    v.and_then(|c| c.get("mcpOAuth"))
        .cloned()
        .unwrap_or(Value::Null)
}

pub fn run(inv: &Inventory, out: &mut Findings<'_>) {
    let Some(KeychainRead::Found { service, blob, .. }) = &inv.keychain else {
        return;
    };
    if !inv.credentials.facts.present {
        return;
    }
    let file = inv
        .credentials
        .content
        .as_ref()
        .and_then(|c| c.mcp_oauth())
        .unwrap_or(Value::Null);
    let chain = mcp(Some(blob));
    if file == chain {
        return;
    }
    let keys = |v: &Value| -> Vec<String> {
        v.as_object()
            .map(|m| m.keys().cloned().collect())
            .unwrap_or_default()
    };
    let (fk, ck) = (keys(&file), keys(&chain));
    let only_file: Vec<&String> = fk.iter().filter(|k| !ck.contains(k)).collect();
    let only_chain: Vec<&String> = ck.iter().filter(|k| !fk.contains(k)).collect();
    out.push(
        Finding::new(
            INFO.code,
            INFO.severity,
            format!(
                "The Keychain item \"{service}\" (the live store) and {} disagree about mcpOAuth: \
                 {} key(s) only in the Keychain, {} only in the file, and others differ in value. \
                 Claude Code reads the file only when the Keychain gives nothing.",
                inv.locations.display(&inv.credentials.path),
                only_chain.len(),
                only_file.len()
            ),
        )
        .file(inv.credentials.path.display().to_string())
        .evidence(
            "only_in_keychain",
            only_chain.iter().map(|k| k.as_str()).collect::<Vec<_>>(),
        )
        .evidence(
            "only_in_file",
            only_file.iter().map(|k| k.as_str()).collect::<Vec<_>>(),
        ),
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::Snapshot;
    use serde_json::json;

    fn findings(snapshot: Snapshot) -> Vec<Finding> {
        crate::load::for_test::run_check(snapshot, run)
    }

    fn entry() -> Value {
        json!({"serverName": "a", "accessToken": "CANARY-access", "expiresAt": 0})
    }

    #[test]
    fn a_keychain_and_a_file_that_disagree_are_reported() {
        let found = findings(
            Snapshot::for_test()
                .with_credentials(json!({"mcpOAuth": {"a|0": entry(), "both|0": entry()}}))
                .with_keychain(
                    "Claude Code-credentials",
                    json!({"mcpOAuth": {"b|0": entry(), "both|0": entry()}}),
                ),
        );
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].code, INFO.code);
        assert_eq!(found[0].severity, Severity::Warning);
        assert_eq!(found[0].evidence["only_in_keychain"], json!(["b|0"]));
        assert_eq!(found[0].evidence["only_in_file"], json!(["a|0"]));
        assert!(found[0].action.is_none());
        assert!(!found[0].message.contains("CANARY"), "{}", found[0].message);
    }

    #[test]
    fn agreeing_stores_or_no_file_are_not_reported() {
        let same = json!({"mcpOAuth": {"a|0": entry()}});
        let agree = Snapshot::for_test()
            .with_credentials(same.clone())
            .with_keychain("Claude Code-credentials", same.clone());
        let no_file = Snapshot::for_test().with_keychain("Claude Code-credentials", same);
        for snapshot in [agree, no_file] {
            let found = findings(snapshot);
            assert!(found.is_empty(), "{found:?}");
        }
    }
}
