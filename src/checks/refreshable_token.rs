use super::Findings;
use super::{CheckInfo, Finding, Severity};
use crate::model::entry::TokenState;
use crate::model::inventory::Inventory;
use crate::timefmt;

pub const INFO: CheckInfo = CheckInfo {
    code: super::Code::RefreshableToken,
    severity: Severity::Info,
    summary: "The access token expired or expires within 5 minutes, and Claude Code will refresh it",
    explanation: "\
**What it means.** The access token has expired, or expires within Claude Code's 300-second \
refresh window, and a refresh token is stored. Claude Code refreshes it (under its refresh lock) \
on the next connection. Nothing to do.

**When it becomes a problem.** If the server rejects the refresh token (`invalid_grant`), Claude \
Code blanks the entry and the server needs a login; that shows up as `pending-registration`. \
mcp-auth-doctor never refreshes tokens itself: a refresh racing a running Claude Code can revoke \
the whole token family.",
};

pub fn run(inv: &Inventory, out: &mut Findings<'_>) {
    let live = inv.live_keys();
    for e in &inv.entries {
        if e.token != TokenState::Refreshable || !live.contains_key(e.key()) {
            continue;
        }
        let when = match e.expires_at() {
            Some(t) if t <= inv.now_ms => format!("expired {}", timefmt::relative(t, inv.now_ms)),
            Some(t) => format!("expires {}", timefmt::relative(t, inv.now_ms)),
            None => "has no access token".to_string(),
        };
        let mut f = Finding::new(
            INFO.code,
            INFO.severity,
            format!(
                "The access token for '{}' {when}; Claude Code refreshes it with the stored refresh \
                 token on the next connection.",
                e.name()
            ),
        )
        .server(e.name())
        .key(e.key());
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
    use crate::load::for_test::{expired_entry, http, key_of, refreshable_entry, valid_entry};
    use serde_json::json;

    const URL: &str = "https://mcp.linear.app/mcp";

    fn findings(key: &str, entry: serde_json::Value) -> Vec<Finding> {
        let snapshot = Snapshot::for_test()
            .with_global_config(json!({"mcpServers": {"linear": http(URL)}}))
            .with_credentials(json!({"mcpOAuth": {key: entry}}));
        crate::load::for_test::run_check(snapshot, run)
    }

    #[test]
    fn an_expired_token_with_a_refresh_token_is_a_note() {
        let key = key_of("linear", http(URL));
        let found = findings(&key, refreshable_entry("linear", URL));
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].code, INFO.code);
        assert_eq!(found[0].severity, INFO.severity);
        assert_eq!(found[0].server.as_deref(), Some("linear"));
        assert_eq!(found[0].key.as_deref(), Some(key.as_str()));
        assert!(found[0].message.contains("expired"), "{}", found[0].message);
        assert!(found[0].action.is_none());
        assert!(!found[0].message.contains("CANARY"), "{}", found[0].message);
    }

    #[test]
    fn a_valid_or_expired_token_or_an_old_key_is_not_refreshable() {
        let key = key_of("linear", http(URL));
        assert!(findings(&key, valid_entry("linear", URL)).is_empty());
        assert!(findings(&key, expired_entry("linear", URL)).is_empty());
        let old = key_of("linear", http("https://mcp.linear.app/old"));
        assert!(findings(&old, refreshable_entry("linear", URL)).is_empty());
    }
}
