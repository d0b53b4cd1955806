//! A usable token whose grant lacks scopes the server asked for (`stepUpScope`) or the config
//! pins (`oauth.scopes`): issue 9 item 7 (anthropics/claude-code#68720, #28258). The token is
//! valid, so nothing offline is broken, but tool calls that need the missing scopes get `403
//! insufficient_scope`, and a refresh keeps the same grant. Only a new sign-in widens it, so this
//! deletes nothing.

use super::Findings;
use super::{CheckInfo, Finding, Severity, live_entries, shell_quote};
use crate::model::inventory::Inventory;
use crate::model::server::NameKind;

pub const INFO: CheckInfo = CheckInfo {
    code: super::Code::ScopeShortfall,
    severity: Severity::Warning,
    summary: "A usable token's grant lacks scopes the server asked for or the config pins",
    explanation: "\
**What it means.** The entry under the server's current key holds a usable token, but its \
`scope` (the grant the token was issued with) lacks scopes that either its `stepUpScope` names \
(the scopes the server asked for, for example in a `403 insufficient_scope` answer) or the \
server's `oauth.scopes` in the config pins (the scopes Claude Code requests at sign-in). Claude \
Code connects with the token, but tool calls that need the missing scopes are refused with `403 \
insufficient_scope`, which some releases misreport as an expired token (anthropics/claude-code \
#68720, #28258).

**Why it happens.** The server started asking for more (a new tool, a step-up for writes), or the \
config's `oauth.scopes` was widened after the sign-in. A token refresh keeps the grant it has: \
only an interactive sign-in asks the server for the wider one.

**How to fix it.** Re-authenticate to grant the missing scopes: `/mcp` → the server → \
Re-authenticate in a session (`claude mcp login NAME` on 2.1.186+). Whether the server grants \
them is up to the server (`mcp-auth-doctor probe NAME` shows what it advertises). `fix` changes \
nothing here: the token still works for everything its grant covers. An entry without a `scope` \
field says nothing about its grant and is not reported.",
};

pub fn run(inv: &Inventory, out: &mut Findings<'_>) {
    if !inv.entries_known() {
        return;
    }
    let mut seen = std::collections::HashSet::new();
    for s in &inv.servers {
        if s.loading.is_dead() || inv.shadowed_by(s).is_some() {
            continue; // not used here: nothing calls its tools
        }
        let Some(e) = live_entries(inv, s) else {
            continue;
        };
        if !e.token.usable() || !seen.insert(e.key()) {
            continue;
        }
        let Some(granted) = &e.granted_scopes else {
            continue; // the grant is unknown
        };
        let lacks = |asked: &mut dyn Iterator<Item = &str>| -> Vec<String> {
            asked
                .filter(|w| !granted.iter().any(|g| &**g == *w))
                .map(String::from)
                .collect()
        };
        let step_up = e.step_up_scopes.as_deref().unwrap_or_default();
        let from_step_up = lacks(&mut step_up.iter().map(|w| &**w));
        let from_config = lacks(&mut s.oauth_scopes.iter().map(String::as_str));
        if from_step_up.is_empty() && from_config.is_empty() {
            continue;
        }
        let mut missing = from_step_up.clone();
        for w in &from_config {
            if !missing.contains(w) {
                missing.push(w.clone());
            }
        }
        let mut asked_by = Vec::new();
        if !from_step_up.is_empty() {
            asked_by.push("its stepUpScope, what the server asked for".to_string());
        }
        if !from_config.is_empty() {
            asked_by.push(format!(
                "oauth.scopes in {}",
                inv.locations.display(&s.file)
            ));
        }
        let how = match NameKind::of(&s.name) {
            NameKind::Plain => format!(
                "/mcp → {} → Re-authenticate in a session, or `claude mcp login {}` on 2.1.186+",
                s.name,
                shell_quote(&s.name)
            ),
            _ => format!("/mcp → {} → Re-authenticate in a session", s.name),
        };
        let granted_text = if granted.is_empty() {
            "no scopes".to_string()
        } else {
            granted.join(" ")
        };
        out.push(
            Finding::new(
                INFO.code,
                INFO.severity,
                format!(
                    "'{name}' holds a usable token under its current key {key}, but its grant \
                     ({granted_text}) lacks {missing_text} (asked for by {asked}): tool calls \
                     that need {them} get 403 insufficient_scope, and a refresh keeps the same \
                     grant. Re-authenticate to grant {missing_text} ({how}); whether the server \
                     grants it is up to the server. Nothing is removed.",
                    name = s.name,
                    key = e.key(),
                    missing_text = missing.join(" "),
                    asked = asked_by.join(" and "),
                    them = if missing.len() == 1 { "it" } else { "them" },
                ),
            )
            .server(&s.name)
            .key(e.key())
            .file(inv.credentials.path.display().to_string())
            .evidence("missing_scopes", missing)
            .evidence(
                "granted_scopes",
                granted.iter().map(|w| w.to_string()).collect::<Vec<_>>(),
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::Snapshot;
    use crate::load::for_test::{NOW_MS, http, key_of};
    use serde_json::{Value, json};

    const URL: &str = "https://mcp.linear.app/mcp";

    fn entry(scope: Option<&str>, step_up: Option<&str>) -> Value {
        let mut e = json!({"serverName": "linear", "serverUrl": URL,
            "accessToken": "at-CANARY", "refreshToken": "rt-CANARY",
            "expiresAt": NOW_MS + 3_600_000});
        if let Some(s) = scope {
            e["scope"] = json!(s);
        }
        if let Some(s) = step_up {
            e["stepUpScope"] = json!(s);
        }
        e
    }

    fn findings(server: Value, entry: Value) -> Vec<Finding> {
        let key = key_of("linear", server.clone());
        let snapshot = Snapshot::for_test()
            .with_global_config(json!({"mcpServers": {"linear": server}}))
            .with_credentials(json!({"mcpOAuth": {key: entry}}));
        crate::load::for_test::run_check(snapshot, run)
    }

    #[test]
    fn a_step_up_beyond_the_grant_asks_to_re_authenticate_and_removes_nothing() {
        let found = findings(http(URL), entry(Some("read"), Some("read write")));
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].severity, Severity::Warning);
        assert!(found[0].action.is_none());
        assert_eq!(found[0].evidence["missing_scopes"], json!(["write"]));
        let m = &found[0].message;
        assert!(m.contains("Re-authenticate to grant write"), "{m}");
        assert!(!m.contains("CANARY"), "{m}");
    }

    #[test]
    fn pinned_scopes_the_grant_lacks_are_reported() {
        let pinned = json!({"type": "http", "url": URL, "oauth": {"scopes": ["read", "admin"]}});
        let found = findings(pinned.clone(), entry(Some("read"), None));
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].evidence["missing_scopes"], json!(["admin"]));
        assert!(found[0].message.contains("oauth.scopes in"));
        // A space-separated string pins the same.
        let spaced = json!({"type": "http", "url": URL, "oauth": {"scopes": "read admin"}});
        assert_eq!(findings(spaced, entry(Some("read"), None)).len(), 1);
        // A grant that covers the pin is fine.
        assert!(findings(pinned, entry(Some("admin read extra"), None)).is_empty());
    }

    #[test]
    fn equal_or_wider_grants_no_step_up_unknown_grants_and_unusable_tokens_are_not_reported() {
        assert!(findings(http(URL), entry(Some("read write"), Some("write read"))).is_empty());
        assert!(findings(http(URL), entry(Some("read write admin"), Some("read"))).is_empty());
        assert!(findings(http(URL), entry(Some("read"), None)).is_empty());
        assert!(findings(http(URL), entry(None, Some("read write"))).is_empty());
        let pending = json!({"serverName": "linear", "accessToken": "", "expiresAt": 0,
            "scope": "read", "stepUpScope": "read write"});
        assert!(findings(http(URL), pending).is_empty());
    }
}
