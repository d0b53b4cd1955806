use super::Findings;
use super::{CheckInfo, Finding, SIGN_IN_AS_NEXT, Severity};
use crate::model::entry::TokenState;
use crate::model::inventory::Inventory;
use crate::model::marker::MarkerState;

pub const INFO: CheckInfo = CheckInfo {
    code: super::Code::NeedsAuthCacheGap,
    severity: Severity::Info,
    summary: "A server needs a login, and no needs-auth marker records it (not a problem in itself)",
    explanation: "\
**What it means.** The server will need an interactive login (its token expired without a refresh \
token, or its only entries are under old keys), and the needs-auth cache has no fresh marker for \
it. That is not a fault: the marker only lets sessions skip the connection attempt for 15 \
minutes. Without it a session connects, gets a 401 and shows `! Needs authentication` anyway. A \
missing marker never causes `Failed to connect`.

**How to fix it.** Sign in (`/mcp` → Authenticate (`claude mcp login NAME` on 2.1.186+)); there is nothing to do about the marker.",
};

pub fn run(inv: &Inventory, out: &mut Findings<'_>) {
    if !inv.entries_known() {
        return;
    }
    let mut seen = std::collections::HashSet::new();
    for s in &inv.servers {
        let Some(key) = &s.key else { continue };
        // The marker is per name: it concerns the definition in use in this folder.
        if inv.shadowed_by(s).is_some() {
            continue;
        }
        // With an unset ${VAR} the key computed here is not Claude Code's: see unset-env-var.
        if !s.env_missing.is_empty()
            || s.loading.is_dead()
            || s.static_auth.is_some()
            || !seen.insert(s.name.as_str())
        {
            continue;
        }
        let needs = match inv.entry(key) {
            Some(e) if e.token == TokenState::Expired => {
                "needs a login (its token expired with no refresh token)"
            }
            // fix moves a usable token onto the live key: no login is needed at all.
            None if super::stale_registration::moves_into(inv, &s.name, key) => continue,
            None if inv.entries.iter().any(|e| *e.name() == *s.name) => {
                "will need a login if it requires OAuth (its only entries are under old keys)"
            }
            _ => continue,
        };
        let marker = inv.marker(&s.name);
        if marker.is_some_and(|m| m.blocks()) {
            continue;
        }
        // `status` shows a marker that is there but no longer counts as `expired`: say the same.
        let marker = match marker.map(|m| m.state) {
            Some(MarkerState::Expired) => "its needs-auth marker has expired (it no longer counts)",
            Some(_) => "has no needs-auth marker that counts",
            None => "has no needs-auth marker",
        };
        out.push(
            Finding::new(
                INFO.code,
                INFO.severity,
                format!(
                    "'{}' {needs} and {marker}. That is fine: the marker only \
                     lets sessions skip the attempt for 15 minutes; without it they connect, get \
                     401 and show ! Needs authentication. Sign in ({SIGN_IN_AS_NEXT}).",
                    s.name,
                ),
            )
            .server(&s.name)
            .key(key),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::Snapshot;
    use crate::load::for_test::{NOW_MS, expired_entry, http, key_of, valid_entry};
    use serde_json::json;

    const URL: &str = "https://mcp.linear.app/mcp";
    const OLD_URL: &str = "https://mcp.linear.app/old";

    fn findings(entries: serde_json::Value, cache: serde_json::Value) -> Vec<Finding> {
        let snapshot = Snapshot::for_test()
            .with_global_config(json!({"mcpServers": {"linear": http(URL)}}))
            .with_credentials(json!({"mcpOAuth": entries}))
            .with_needs_auth_cache(cache);
        crate::load::for_test::run_check(snapshot, run)
    }

    #[test]
    fn an_expired_token_without_a_marker_is_a_note() {
        let key = key_of("linear", http(URL));
        let expired_marker = crate::model::marker::DEFAULT_TTL_MS + 1;
        for cache in [
            json!({}),
            json!({"linear": {"timestamp": NOW_MS - expired_marker}}),
        ] {
            let found = findings(json!({key.clone(): expired_entry("linear", URL)}), cache);
            assert_eq!(found.len(), 1, "{found:?}");
            assert_eq!(found[0].code, INFO.code);
            assert_eq!(found[0].severity, INFO.severity);
            assert_eq!(found[0].server.as_deref(), Some("linear"));
            assert_eq!(found[0].key.as_deref(), Some(key.as_str()));
            assert!(found[0].message.contains("expired"), "{}", found[0].message);
            assert!(!found[0].message.contains("CANARY"), "{}", found[0].message);
        }
    }

    #[test]
    fn only_an_unusable_entry_under_an_old_key_will_need_a_login() {
        let old = key_of("linear", http(OLD_URL));
        let found = findings(json!({old: expired_entry("linear", OLD_URL)}), json!({}));
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(
            found[0].message.contains("old keys"),
            "{}",
            found[0].message
        );
    }

    #[test]
    fn a_fresh_marker_a_usable_token_or_one_fix_moves_is_no_gap() {
        let key = key_of("linear", http(URL));
        let old = key_of("linear", http(OLD_URL));
        let fresh = json!({"linear": {"timestamp": NOW_MS - 60_000}});
        assert!(findings(json!({key.clone(): expired_entry("linear", URL)}), fresh).is_empty());
        assert!(findings(json!({key: valid_entry("linear", URL)}), json!({})).is_empty());
        assert!(findings(json!({old: valid_entry("linear", OLD_URL)}), json!({})).is_empty());
    }
}
