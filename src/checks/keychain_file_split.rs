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

pub fn run(inv: &Inventory, out: &mut Vec<Finding>) {
    let Some(KeychainRead::Found { service, blob, .. }) = &inv.keychain else {
        return;
    };
    if !inv.credentials.facts.present {
        return;
    }
    let file = mcp(inv.credentials.content.as_ref());
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
