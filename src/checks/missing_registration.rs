use super::Findings;
use super::{CheckInfo, Finding, SIGN_IN_AS_NEXT, Severity, defined_elsewhere};
use crate::model::inventory::Inventory;
use crate::model::settings::Loading;

pub const INFO: CheckInfo = CheckInfo {
    code: super::Code::MissingRegistration,
    severity: Severity::Info,
    summary: "A configured http/sse server has no OAuth entry under its current key",
    explanation: "\
**What it means.** No `mcpOAuth` entry exists under the key Claude Code derives from the server's \
current config. Claude Code connects without a token. That is fine for a server that needs no \
OAuth; one that does answers 401 and shows `! Needs authentication` until you sign in.

**Why it happens.** The server was never signed in to, the config changed (the old entry is then \
reported as `stale-registration`), or the credentials were wiped (`/logout`, an account switch).

**How to fix it.** If the server needs OAuth: `/mcp` → Authenticate (`claude mcp login NAME` on 2.1.186+). After a wipe, \
`mcp-auth-doctor restore` can bring back grants from a backup.",
};

pub fn run(inv: &Inventory, out: &mut Findings<'_>) {
    if !inv.entries_known() || !inv.has_any_state() {
        return;
    }
    let mut seen = std::collections::HashSet::new();
    for s in &inv.servers {
        let Some(key) = &s.key else { continue };
        // With an unset ${VAR} the key computed here is not Claude Code's: see unset-env-var.
        if !s.env_missing.is_empty()
            || s.loading.is_dead()
            || s.static_auth.is_some()
            || defined_elsewhere(inv, &s.name)
            || inv.entry(key).is_some()
            || !seen.insert(key.as_str())
        {
            continue;
        }
        let old = inv.entries.iter().filter(|e| *e.name() == *s.name).count();
        let note = match old {
            0 => String::new(),
            1 => " Its one entry is under an older key that Claude Code no longer reads (see \
                  stale-registration)."
                .to_string(),
            n => format!(
                " Its {n} entries are under older keys that Claude Code no longer reads (see \
                 stale-registration)."
            ),
        };
        let text = if super::stale_registration::moves_into(inv, &s.name, key) {
            format!(
                "No OAuth entry under the current key of '{}' ({key}).{note} fix moves its usable \
                 token here, so no sign-in is needed if the server still accepts it.",
                s.name
            )
        } else if matches!(s.loading, Loading::NotApproved { .. }) {
            // Its next step is the approval: a sign-in comes after it, in a session that loads it.
            format!(
                "No OAuth entry under the current key of '{}' ({key}): sessions that load it \
                 (`claude -p` and the SDK now, interactive ones once it is approved) connect \
                 without a token, and if the server requires OAuth they show ! Needs \
                 authentication. Approve it first (its next step says how), then sign in if it \
                 asks.{note}",
                s.name
            )
        } else {
            format!(
                "No OAuth entry under the current key of '{}' ({key}): Claude Code connects \
                 without a token, and if the server requires OAuth it shows ! Needs \
                 authentication until you sign in ({SIGN_IN_AS_NEXT}).{note}",
                s.name
            )
        };
        out.push(
            Finding::new(INFO.code, INFO.severity, text)
                .server(&s.name)
                .key(key),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::{LineCol, SyntaxErrorKind};
    use crate::load::Snapshot;
    use crate::load::for_test::{http, key_of, valid_entry};
    use crate::model::inventory::Role;
    use serde_json::json;

    const URL: &str = "https://mcp.linear.app/mcp";

    fn findings(snapshot: Snapshot) -> Vec<Finding> {
        crate::load::for_test::run_check(snapshot, run)
    }

    fn configured(server: serde_json::Value) -> Snapshot {
        Snapshot::for_test().with_global_config(json!({"mcpServers": {"linear": server}}))
    }

    #[test]
    fn a_server_with_no_entry_under_its_key_is_reported() {
        let key = key_of("linear", http(URL));
        let found = findings(configured(http(URL)).with_credentials(json!({"mcpOAuth": {}})));
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].code, INFO.code);
        assert_eq!(found[0].severity, INFO.severity);
        assert_eq!(found[0].server.as_deref(), Some("linear"));
        assert_eq!(found[0].key.as_deref(), Some(key.as_str()));
        assert!(found[0].action.is_none());
    }

    #[test]
    fn a_usable_token_under_an_old_key_on_the_same_origin_is_moved_not_signed_in() {
        let old_url = "https://mcp.linear.app/old";
        let old = key_of("linear", http(old_url));
        let found = findings(
            configured(http(URL))
                .with_credentials(json!({"mcpOAuth": {old: valid_entry("linear", old_url)}})),
        );
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].message.contains("fix moves its usable token here"));
        assert!(!found[0].message.contains("CANARY"), "{}", found[0].message);
    }

    #[test]
    fn an_entry_under_the_key_static_auth_or_unknown_entries_are_not_reported() {
        let key = key_of("linear", http(URL));
        let has_entry = configured(http(URL))
            .with_credentials(json!({"mcpOAuth": {key: valid_entry("linear", URL)}}));
        let static_auth = configured(json!({"type": "http", "url": URL,
            "headers": {"Authorization": "Bearer CANARY-static"}}))
        .with_credentials(json!({"mcpOAuth": {}}));
        let unparseable = configured(http(URL))
            .with_credentials(json!({}))
            .with_problems(Role::Credentials, |p| {
                p.syntax = Some(crate::store::SyntaxProblem {
                    kind: SyntaxErrorKind::TrailingComma,
                    at: LineCol { line: 1, column: 2 },
                })
            });
        for snapshot in [has_entry, static_auth, unparseable] {
            let found = findings(snapshot);
            assert!(found.is_empty(), "{found:?}");
        }
    }
}
