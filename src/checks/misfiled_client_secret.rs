use serde_json::Value;

use super::{CheckInfo, Finding, Severity};
use crate::model::inventory::Inventory;

pub const INFO: CheckInfo = CheckInfo {
    code: super::Code::MisfiledClientSecret,
    severity: Severity::Warning,
    summary: "A pre-registered client's secret is stored under a key Claude Code never looks up",
    explanation: "\
**What it means.** For a server with `oauth.clientId`, `claude mcp add --client-secret` keeps \
the secret in `.credentials.json` under `mcpOAuthClientConfig[key]`. Two Claude Code paths compute \
that key differently from the sign-in: `mcp add-json --client-secret` hashes the config without \
its headers (#67528, #93446), and `mcp add --client-secret` hashes it before `${VAR}` expansion. \
The sign-in then finds no secret (\"client_secret is missing\", \"The client_id and/or \
client_secret passed are incorrect\").

**How to fix it by hand.** With Claude Code closed, move the `mcpOAuthClientConfig` member from \
the key named in the finding to the expected key (back up `.credentials.json` first), or remove \
the server and add it again without headers, then add the headers by hand.",
};

pub fn run(inv: &Inventory, out: &mut Vec<Finding>) {
    let Some(config) = inv
        .credentials
        .as_claude_sees()
        .and_then(|c| c.get("mcpOAuthClientConfig"))
        .and_then(Value::as_object)
    else {
        return;
    };
    for s in &inv.servers {
        let Some(live) = &s.key else { continue };
        if !s.preregistered_client || config.contains_key(live) {
            continue;
        }
        let Some((how, misfiled)) = s.misfiled_keys.iter().find(|(_, k)| config.contains_key(k))
        else {
            continue;
        };
        out.push(
            Finding::new(
                INFO.code,
                INFO.severity,
                format!(
                    "The client secret for '{}' is stored under {misfiled} (a key {how}), but \
                     Claude Code looks it up under {live}, so sign-in sends no secret and the \
                     authorization server rejects the client. Move the mcpOAuthClientConfig member \
                     to {live} (with Claude Code closed, after a backup).",
                    s.name
                ),
            )
            .server(&s.name)
            .key(live)
            .file(inv.credentials.path.display().to_string())
            .evidence("stored_under", misfiled.clone()),
        );
    }
}
