use super::Findings;
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

pub fn run(inv: &Inventory, out: &mut Findings<'_>) {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::Snapshot;
    use crate::load::for_test::{http, key_of};
    use serde_json::json;

    const URL: &str = "https://api.example/mcp";

    fn server(client_id: bool) -> serde_json::Value {
        let mut s = json!({"type": "http", "url": URL, "headers": {"X-Org": "acme"}});
        if client_id {
            s["oauth"] = json!({"clientId": "cid"});
        }
        s
    }

    fn findings(server: serde_json::Value, stored_under: &str) -> Vec<Finding> {
        let snapshot = Snapshot::for_test()
            .with_global_config(json!({"mcpServers": {"api": server}}))
            .with_credentials(json!({"mcpOAuthClientConfig": {
                stored_under: {"clientSecret": "CANARY-client-secret"}
            }}));
        crate::load::for_test::run_check(snapshot, run)
    }

    #[test]
    fn a_secret_under_the_key_computed_without_headers_is_reported() {
        let live = key_of("api", server(true));
        // The key `mcp add-json --client-secret` computes: the same server without its headers.
        let misfiled = key_of("api", http(URL));
        assert_ne!(live, misfiled);
        let found = findings(server(true), &misfiled);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].code, INFO.code);
        assert_eq!(found[0].severity, INFO.severity);
        assert_eq!(found[0].server.as_deref(), Some("api"));
        assert_eq!(found[0].key.as_deref(), Some(live.as_str()));
        assert_eq!(found[0].evidence["stored_under"], misfiled.as_str());
        assert!(!found[0].message.contains("CANARY"), "{}", found[0].message);
    }

    #[test]
    fn a_secret_under_the_live_key_or_no_preregistered_client_is_fine() {
        let live = key_of("api", server(true));
        assert!(findings(server(true), &live).is_empty());
        assert!(findings(server(false), &key_of("api", http(URL))).is_empty());
    }
}
