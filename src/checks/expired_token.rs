use super::Findings;
use super::{CheckInfo, Finding, SIGN_IN_AS_NEXT, Severity};
use crate::model::entry::TokenState;
use crate::model::inventory::Inventory;
use crate::timefmt;

pub const INFO: CheckInfo = CheckInfo {
    code: super::Code::ExpiredToken,
    severity: Severity::Error,
    summary: "The access token expired and there is no refresh token: an interactive login is needed",
    explanation: "\
**What it means.** The entry under the server's current key has an access token whose `expiresAt` \
has passed, and no refresh token. Claude Code will not send an expired token, the server answers \
401, and every view shows `! Needs authentication`.

**Why it happens.** Servers that issue no refresh token (or whose refresh tokens are not stored), \
and machines that were off longer than the token's lifetime.

**How to fix it.** Sign in again: `/mcp` → Authenticate (`claude mcp login NAME` on 2.1.186+), or `/mcp` → the server → Authenticate \
in a session. When the entry keeps a client registration, `fix` removes it first \
(`dead-client-registration`), so the sign-in registers a new client instead of reusing one the \
server may have forgotten; `mcp-auth-doctor login NAME` does both.",
};

pub fn run(inv: &Inventory, out: &mut Findings<'_>) {
    let live = inv.live_keys();
    for e in &inv.entries {
        if e.token != TokenState::Expired {
            continue;
        }
        let Some(servers) = live.get(e.key()) else {
            continue;
        };
        if super::unloaded_server_state::all_dead(servers) {
            continue; // not loaded here: no sign-in (unloaded-server-state)
        }
        let when = e
            .expires_at()
            .map(|t| format!(" {}", timefmt::relative(t, inv.now_ms)))
            .unwrap_or_default();
        let mut f = Finding::new(
            INFO.code,
            INFO.severity,
            format!(
                "The access token for '{name}' expired{when} and there is no refresh token, so \
                 Claude Code connects without it and the server asks again: ! Needs \
                 authentication. Sign in again ({SIGN_IN_AS_NEXT}).",
                name = e.name(),
            ),
        )
        .server(e.name())
        .key(e.key())
        .file(inv.credentials.path.display().to_string());
        if let Some(t) = e.expires_at() {
            f = f.evidence("expires_at", timefmt::rfc3339(t));
        }
        out.push(f);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::Snapshot;
    use crate::load::for_test::{expired_entry, http, key_of, refreshable_entry};
    use serde_json::json;

    const URL: &str = "https://mcp.linear.app/mcp";

    fn findings(key: &str, entry: serde_json::Value) -> Vec<Finding> {
        let snapshot = Snapshot::for_test()
            .with_global_config(json!({"mcpServers": {"linear": http(URL)}}))
            .with_credentials(json!({"mcpOAuth": {key: entry}}));
        crate::load::for_test::run_check(snapshot, run)
    }

    #[test]
    fn an_expired_token_without_refresh_under_the_live_key_is_reported() {
        let key = key_of("linear", http(URL));
        let found = findings(&key, expired_entry("linear", URL));
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].code, INFO.code);
        assert_eq!(found[0].severity, INFO.severity);
        assert_eq!(found[0].server.as_deref(), Some("linear"));
        assert_eq!(found[0].key.as_deref(), Some(key.as_str()));
        assert_eq!(found[0].evidence["expires_at"], "2026-06-01T11:00:00Z");
        assert!(found[0].action.is_none());
        assert!(!found[0].message.contains("CANARY"), "{}", found[0].message);
    }

    #[test]
    fn a_refreshable_token_or_an_old_key_is_not_reported() {
        let key = key_of("linear", http(URL));
        assert!(findings(&key, refreshable_entry("linear", URL)).is_empty());
        let old = key_of("linear", http("https://mcp.linear.app/old"));
        assert!(findings(&old, expired_entry("linear", URL)).is_empty());
    }
}
