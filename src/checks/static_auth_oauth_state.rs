use super::Findings;
use super::{CheckInfo, Finding, Severity, remove_entry, remove_marker};
use crate::model::inventory::Inventory;
use crate::model::server::StaticAuth;

pub const INFO: CheckInfo = CheckInfo {
    code: super::Code::StaticAuthOauthState,
    severity: Severity::Warning,
    summary: "OAuth state for a server that authenticates with a static header or headersHelper",
    explanation: "\
**What it means.** The server is configured with an `Authorization` header or a `headersHelper`, \
yet an `mcpOAuth` entry or a needs-auth marker exists for it. Any 401 or 403 (a wrong or rotated \
token, a WAF) makes Claude Code start OAuth discovery and save a placeholder; the placeholder and \
the marker then make sessions skip the server, although it never used OAuth.

**Why it happens.** An expired or rotated static token, a proxy answering 401/403, basic auth in \
front of the server. Note that header values are part of the key, so rotating the token in the \
header also orphans the old entry.

**How to fix it.** Remove the entry and the marker (`fix`), then fix the static credential itself \
(the header value or the helper's output).",
};

pub fn run(inv: &Inventory, out: &mut Findings<'_>) {
    let mut done = std::collections::HashSet::new();
    for s in &inv.servers {
        let Some(auth) = s.static_auth else { continue };
        if !done.insert(s.name.as_str()) {
            continue;
        }
        let how = match auth {
            StaticAuth::AuthorizationHeader => "an Authorization header",
            StaticAuth::HeadersHelper => "a headersHelper",
        };
        if let Some(e) = s.key.as_deref().and_then(|k| inv.entry(k)) {
            let skip = if e.token.usable() {
                String::new()
            } else {
                " Sessions skip the server because of it.".to_string()
            };
            out.push(
                Finding::new(
                    INFO.code,
                    INFO.severity,
                    format!(
                        "'{}' authenticates with {how}, yet an OAuth entry exists under its key {} \
                         (saved after a 401 or 403 started OAuth discovery).{skip} Remove it and \
                         check the static credential.",
                        s.name,
                        e.key()
                    ),
                )
                .server(&s.name)
                .key(e.key())
                .file(inv.credentials.path.display().to_string())
                .action(remove_entry(inv, e.key(), !e.token.usable()).map(|a| {
                    if e.token.usable() {
                        a.only_when_asked("it is under the live key and holds a usable token")
                    } else {
                        a
                    }
                })),
            );
        }
        if let Some(m) = inv.marker(&s.name) {
            let effect = if m.blocks() {
                "sessions skip the server until it expires"
            } else {
                "it has expired and no longer counts"
            };
            out.push(
                Finding::new(
                    INFO.code,
                    INFO.severity,
                    format!(
                        "'{}' authenticates with {how}, yet it has a needs-auth marker: {effect}. \
                         Remove it and check the static credential.",
                        s.name
                    ),
                )
                .server(&s.name)
                .file(inv.cache.path.display().to_string())
                .action(remove_marker(inv, &s.name)),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::ActionKind;
    use crate::load::Snapshot;
    use crate::load::for_test::{NOW_MS, http, key_of, placeholder_entry, valid_entry};
    use serde_json::json;

    const URL: &str = "https://api.example/mcp";

    fn with_header() -> serde_json::Value {
        json!({"type": "http", "url": URL, "headers": {"Authorization": "Bearer CANARY-static"}})
    }

    fn findings(server: serde_json::Value, entry: Option<serde_json::Value>) -> Vec<Finding> {
        let key = key_of("api", server.clone());
        let mut snapshot =
            Snapshot::for_test().with_global_config(json!({"mcpServers": {"api": server}}));
        if let Some(entry) = entry {
            snapshot = snapshot.with_credentials(json!({"mcpOAuth": {key: entry}}));
        }
        let snapshot =
            snapshot.with_needs_auth_cache(json!({"api": {"timestamp": NOW_MS - 60_000}}));
        crate::load::for_test::run_check(snapshot, run)
    }

    #[test]
    fn oauth_state_of_a_static_auth_server_is_removed() {
        let key = key_of("api", with_header());
        let found = findings(with_header(), Some(placeholder_entry("api", URL)));
        assert_eq!(found.len(), 2, "{found:?}");
        assert!(found.iter().all(|f| f.code == INFO.code
            && f.severity == INFO.severity
            && f.server.as_deref() == Some("api")));
        assert_eq!(found[0].key.as_deref(), Some(key.as_str()));
        let entry = found[0].action.as_ref().expect("an action");
        assert_eq!(entry.kind, ActionKind::RemoveEntry { key });
        assert!(entry.safe && !entry.ask_only);
        let marker = found[1].action.as_ref().expect("an action");
        assert_eq!(marker.kind, ActionKind::RemoveMarker { name: "api".into() });
        assert_eq!(
            marker.path,
            std::path::Path::new("/home/u/.claude/mcp-needs-auth-cache.json")
        );
        assert!(found.iter().all(|f| !f.message.contains("CANARY")));
    }

    #[test]
    fn a_usable_token_under_its_key_is_removed_only_when_asked() {
        let found = findings(with_header(), Some(valid_entry("api", URL)));
        let entry = found[0].action.as_ref().expect("an action");
        assert!(entry.ask_only && !entry.safe, "{entry:?}");
    }

    #[test]
    fn an_oauth_server_with_the_same_state_is_not_reported() {
        assert!(findings(http(URL), Some(placeholder_entry("api", URL))).is_empty());
    }
}
