use super::Findings;
use super::{CheckInfo, Finding, Severity, has_static_auth, live_entries, remove_marker};
use crate::model::inventory::Inventory;
use crate::model::marker::MarkerState;
use crate::timefmt;

pub const INFO: CheckInfo = CheckInfo {
    code: super::Code::StaleNeedsAuthMarker,
    severity: Severity::Error,
    summary: "A fresh needs-auth marker blocks a server whose current key holds a usable token",
    explanation: "\
**What it means.** `mcp-needs-auth-cache.json` has a marker for the server younger than its TTL \
(15 minutes, or the marker's `ttlMs`), and the entry under the server's current key holds a usable \
token. Non-interactive sessions (`claude -p`, the SDK, scripts and CI) skip the server **without \
connecting** until the marker expires, while `claude mcp list` and `/mcp` show it connected: \
\"connected, but no tools\". An interactive `claude` deletes the whole marker file when it starts, \
so it is not affected.

**Why it happens.** A connection needed auth and wrote the marker; a sign-in in `/mcp` or another \
process then stored a token, but nothing clears the marker.

**How to fix it.** Remove the marker (`fix`, safe: it holds no credential), or delete the file \
`mcp-needs-auth-cache.json` while Claude Code is not running. The next session then connects \
with the stored token at once, if the server still accepts it: offline state cannot tell whether \
the server has since revoked the token or forgotten the client (`mcp-auth-doctor probe NAME` \
asks the server what it requires now).",
};

pub fn run(inv: &Inventory, out: &mut Findings<'_>) {
    for m in &inv.markers {
        if m.state != MarkerState::Fresh || has_static_auth(inv, &m.name) {
            continue;
        }
        if super::unloaded_server_state::dead_name(inv, &m.name) {
            continue; // not loaded here: unloaded-server-state explains it
        }
        let usable = inv
            .in_use_named(&m.name)
            .filter_map(|s| live_entries(inv, s))
            .find(|e| e.token.usable());
        let Some(e) = usable else { continue };
        let until = m
            .expires_at()
            .map(|t| {
                format!(
                    " for another {} (until {})",
                    timefmt::duration(t.saturating_sub(inv.now_ms)),
                    timefmt::rfc3339(t)
                )
            })
            .unwrap_or_default();
        let age = m.age_ms.map(timefmt::duration).unwrap_or_default();
        out.push(
            Finding::new(
                INFO.code,
                INFO.severity,
                format!(
                    "Non-interactive sessions (claude -p, the SDK) will skip '{name}'{until} because \
                     a needs-auth marker from {age} ago says it needed a login, but its current key \
                     {key} holds a usable token. `claude mcp list` says Connected (it ignores the \
                     marker) while those sessions show no tools. Once the marker is removed they \
                     connect with that token, if the server still accepts it (`mcp-auth-doctor \
                     probe {quoted}` shows what it asks for now).",
                    name = m.name,
                    quoted = super::shell_quote(&m.name),
                    key = e.key(),
                ),
            )
            .server(&m.name)
            .key(e.key())
            .file(inv.cache.path.display().to_string())
            .evidence("marker_age_seconds", m.age_ms.unwrap_or_default() / 1000)
            .action(remove_marker(inv, &m.name)),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::ActionKind;
    use crate::load::Snapshot;
    use crate::load::for_test::{NOW_MS, http, key_of, placeholder_entry, valid_entry};
    use serde_json::json;

    const URL: &str = "https://mcp.linear.app/mcp";

    fn findings(
        server: serde_json::Value,
        entry: serde_json::Value,
        marker_age_ms: i64,
    ) -> Vec<Finding> {
        let key = key_of("linear", server.clone());
        let snapshot = Snapshot::for_test()
            .with_global_config(json!({"mcpServers": {"linear": server}}))
            .with_credentials(json!({"mcpOAuth": {key: entry}}))
            .with_needs_auth_cache(json!({"linear": {"timestamp": NOW_MS - marker_age_ms}}));
        crate::load::for_test::run_check(snapshot, run)
    }

    #[test]
    fn a_fresh_marker_over_a_usable_token_is_removed() {
        let key = key_of("linear", http(URL));
        let found = findings(http(URL), valid_entry("linear", URL), 60_000);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].code, INFO.code);
        assert_eq!(found[0].severity, INFO.severity);
        assert_eq!(found[0].server.as_deref(), Some("linear"));
        assert_eq!(found[0].key.as_deref(), Some(key.as_str()));
        assert_eq!(found[0].evidence["marker_age_seconds"], 60);
        let action = found[0].action.as_ref().expect("an action");
        assert_eq!(
            action.kind,
            ActionKind::RemoveMarker {
                name: "linear".into()
            }
        );
        assert_eq!(
            action.path,
            std::path::Path::new("/home/u/.claude/mcp-needs-auth-cache.json")
        );
        assert!(!found[0].message.contains("CANARY"), "{}", found[0].message);
    }

    #[test]
    fn an_expired_marker_no_usable_token_or_static_auth_is_not_stale() {
        let expired = crate::model::marker::DEFAULT_TTL_MS + 1;
        assert!(findings(http(URL), valid_entry("linear", URL), expired).is_empty());
        assert!(findings(http(URL), placeholder_entry("linear", URL), 60_000).is_empty());
        let with_header = json!({"type": "http", "url": URL,
            "headers": {"Authorization": "Bearer CANARY-static"}});
        assert!(findings(with_header, valid_entry("linear", URL), 60_000).is_empty());
    }
}
