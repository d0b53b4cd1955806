use super::Findings;
use super::{CheckInfo, Finding, SIGN_IN_AS_NEXT, Severity, remove_entry};
use crate::model::entry::TokenState;
use crate::model::inventory::Inventory;

pub const INFO: CheckInfo = CheckInfo {
    code: super::Code::DeadClientRegistration,
    severity: Severity::Warning,
    summary: "The current key holds a client registration but no usable token: sign-in reuses that client",
    explanation: "\
**What it means.** The entry under the server's current key has a `clientId` (a dynamic client \
registration) and no usable token: the access token expired and there is no refresh token. At \
the next sign-in Claude Code 2.1.332 reuses that client id instead of registering a new client. \
If the server has forgotten the client (servers expire unused registrations), the authorization \
page answers `invalid_client` and the sign-in can never complete: keeping the entry keeps the \
user stuck (observed).

**Why it happens.** A token expired on a server that issues no refresh token, or the machine was \
off longer than the token's lifetime, and the server dropped the client registration meanwhile.

**How to fix it.** Remove the entry (`fix` does by default, also with `--safe-only`: nothing in \
it is usable), then sign in: the next sign-in registers a new client. `mcp-auth-doctor login \
NAME` does both.",
};

pub fn run(inv: &Inventory, out: &mut Findings<'_>) {
    let live = inv.live_keys();
    for e in &inv.entries {
        if e.token != TokenState::Expired || !e.client_id {
            continue;
        }
        let Some(servers) = live.get(e.key()) else {
            continue;
        };
        if super::unloaded_server_state::all_dead(servers) {
            continue; // not loaded here: no sign-in (unloaded-server-state)
        }
        // A static-auth server is static-auth-oauth-state's; a client id from the config is used
        // whatever the entry holds, so removing the entry would not unpin it.
        if servers
            .iter()
            .any(|s| s.static_auth.is_some() || s.preregistered_client)
        {
            continue;
        }
        out.push(
            Finding::new(
                INFO.code,
                INFO.severity,
                format!(
                    "The entry for '{name}' under its current key {key} keeps a client \
                     registration but no usable token (expired, no refresh token). Claude Code \
                     2.1.332 reuses that client at the next sign-in; if the server has forgotten \
                     it, the sign-in fails with invalid_client every time. Remove the entry \
                     first (fix does), then sign in ({SIGN_IN_AS_NEXT}): the next sign-in \
                     registers a new client.",
                    name = e.name(),
                    key = e.key(),
                ),
            )
            .server(e.name())
            .key(e.key())
            .file(inv.credentials.path.display().to_string())
            .action(remove_entry(inv, e.key(), true).map(|a| {
                a.with_note(
                    "nothing in it is usable; the next sign-in registers a new client (2.1.332 \
                     would otherwise reuse this client id, which the server may have forgotten)",
                )
            })),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::ActionKind;
    use crate::load::Snapshot;
    use crate::load::for_test::{expired_entry, http, key_of};
    use serde_json::json;

    const URL: &str = "https://mcp.linear.app/mcp";

    fn with_client(mut entry: serde_json::Value) -> serde_json::Value {
        entry["clientId"] = json!("client-1");
        entry["clientSecret"] = json!("CANARY-client-secret");
        entry
    }

    fn findings(server: serde_json::Value, entry: serde_json::Value) -> Vec<Finding> {
        let key = key_of("linear", server.clone());
        let snapshot = Snapshot::for_test()
            .with_global_config(json!({"mcpServers": {"linear": server}}))
            .with_credentials(json!({"mcpOAuth": {key: entry}}));
        crate::load::for_test::run_check(snapshot, run)
    }

    #[test]
    fn an_expired_entry_keeping_a_client_is_removed_so_sign_in_registers_anew() {
        let found = findings(http(URL), with_client(expired_entry("linear", URL)));
        let key = key_of("linear", http(URL));
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].code, INFO.code);
        assert_eq!(found[0].severity, INFO.severity);
        assert_eq!(found[0].server.as_deref(), Some("linear"));
        assert_eq!(found[0].key.as_deref(), Some(key.as_str()));
        let action = found[0].action.as_ref().expect("an action");
        assert_eq!(action.kind, ActionKind::RemoveEntry { key });
        assert!(action.safe);
        assert!(action.note.is_some());
        assert!(!found[0].message.contains("CANARY"), "{}", found[0].message);
    }

    #[test]
    fn no_client_or_a_preregistered_client_is_not_reported() {
        assert!(findings(http(URL), expired_entry("linear", URL)).is_empty());
        let preregistered = json!({"type": "http", "url": URL, "oauth": {"clientId": "cid"}});
        assert!(findings(preregistered, with_client(expired_entry("linear", URL))).is_empty());
    }
}
