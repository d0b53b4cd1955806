use super::Findings;
use super::{CheckInfo, Finding, Severity, live_entries};
use crate::model::inventory::Inventory;

pub const INFO: CheckInfo = CheckInfo {
    code: super::Code::RedirectPortMismatch,
    severity: Severity::Warning,
    summary: "The stored client registration redirects to another port than oauth.callbackPort",
    explanation: "\
**What it means.** A dynamically registered OAuth client is bound to the redirect URI it was \
registered with (`http://localhost:<port>/callback`). The entry's `redirectUri` names one port, \
the server's config (`oauth.callbackPort`) another. Sign-in then fails at the authorization server \
with `redirect_uri_mismatch` (or the browser cannot reach the callback), every time, because the \
stored registration is reused.

**Why it happens.** The callback port was set or changed after the first sign-in, or the first \
registration used a random port.

**How to fix it.** Remove the entry so the next sign-in registers anew with the configured port, \
then sign in (`mcp-auth-doctor login NAME` does both). `fix` removes it by default when it holds \
no usable token; one that still holds a usable token keeps working until the next sign-in, so it \
is removed only when asked: `mcp-auth-doctor fix --only redirect-port-mismatch --server NAME` \
(not `forget NAME`, which would also drop every other key of the name).",
};

/// The port of a loopback redirect URI (`http://localhost:3118/callback` → 3118).
fn port_of(uri: &str) -> Option<u64> {
    let rest = uri.split_once("://")?.1;
    let authority = rest.split('/').next()?;
    authority.rsplit_once(':')?.1.parse().ok()
}

pub fn run(inv: &Inventory, out: &mut Findings<'_>) {
    for s in &inv.servers {
        let Some(want) = s.callback_port else {
            continue;
        };
        let Some(e) = live_entries(inv, s) else {
            continue;
        };
        let Some(uri) = e.redirect_uri() else {
            continue;
        };
        let Some(have) = port_of(uri) else { continue };
        if have == want {
            continue;
        }
        out.push(
            Finding::new(
                INFO.code,
                INFO.severity,
                format!(
                    "The client registration stored for '{}' redirects to port {have} ({uri}), \
                     but its config sets oauth.callbackPort {want}: sign-in will fail with a \
                     redirect mismatch. {} so the next sign-in registers anew.",
                    s.name,
                    if e.token.usable() {
                        "It still holds a usable token, so nothing breaks until the next sign-in; \
                         then remove the entry first"
                            .to_string()
                    } else {
                        "Remove the entry (`mcp-auth-doctor fix`)".to_string()
                    }
                ),
            )
            .server(&s.name)
            .key(e.key())
            .evidence("registered_port", have)
            .evidence("configured_port", want)
            .action(
                super::remove_entry(inv, e.key(), !e.token.usable()).map(|a| {
                    if e.token.usable() {
                        a.only_when_asked(
                            "it still holds a usable token, and the mismatch only matters at the \
                             next sign-in",
                        )
                    } else {
                        a
                    }
                }),
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn reads_the_port() {
        assert_eq!(super::port_of("http://localhost:3118/callback"), Some(3118));
        assert_eq!(super::port_of("http://127.0.0.1:80"), Some(80));
        assert_eq!(super::port_of("http://localhost/callback"), None);
    }

    use super::*;
    use crate::checks::ActionKind;
    use crate::load::Snapshot;
    use crate::load::for_test::{expired_entry, key_of, valid_entry};
    use serde_json::json;

    const URL: &str = "https://mcp.linear.app/mcp";

    fn findings(registered: &str, mut entry: serde_json::Value) -> Vec<Finding> {
        let server = json!({"type": "http", "url": URL, "oauth": {"callbackPort": 3118}});
        let key = key_of("linear", server.clone());
        entry["clientId"] = json!("client-1");
        entry["redirectUri"] = json!(registered);
        let snapshot = Snapshot::for_test()
            .with_global_config(json!({"mcpServers": {"linear": server}}))
            .with_credentials(json!({"mcpOAuth": {key: entry}}));
        crate::load::for_test::run_check(snapshot, run)
    }

    #[test]
    fn a_registration_for_another_port_is_removed() {
        let key = key_of(
            "linear",
            json!({"type": "http", "url": URL, "oauth": {"callbackPort": 3118}}),
        );
        let found = findings(
            "http://localhost:4000/callback",
            expired_entry("linear", URL),
        );
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].code, INFO.code);
        assert_eq!(found[0].severity, INFO.severity);
        assert_eq!(found[0].server.as_deref(), Some("linear"));
        assert_eq!(found[0].key.as_deref(), Some(key.as_str()));
        assert_eq!(found[0].evidence["registered_port"], 4000);
        assert_eq!(found[0].evidence["configured_port"], 3118);
        let action = found[0].action.as_ref().expect("an action");
        assert_eq!(action.kind, ActionKind::RemoveEntry { key });
        assert!(action.safe && !action.ask_only);
        assert!(!found[0].message.contains("CANARY"), "{}", found[0].message);
    }

    #[test]
    fn with_a_usable_token_it_is_removed_only_when_asked() {
        let found = findings("http://localhost:4000/callback", valid_entry("linear", URL));
        let action = found[0].action.as_ref().expect("an action");
        assert!(action.ask_only && !action.safe, "{action:?}");
    }

    #[test]
    fn a_registration_for_the_configured_port_is_fine() {
        assert!(
            findings(
                "http://localhost:3118/callback",
                expired_entry("linear", URL)
            )
            .is_empty()
        );
    }
}
