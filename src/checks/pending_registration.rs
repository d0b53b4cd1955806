use super::Findings;
use super::{CheckInfo, Finding, SIGN_IN_AS_NEXT, Severity, remove_entry};
use crate::model::entry::{PlaceholderShape, TokenState};
use crate::model::inventory::Inventory;

pub const INFO: CheckInfo = CheckInfo {
    code: super::Code::PendingRegistration,
    severity: Severity::Error,
    summary: "The current key holds a placeholder (no access or refresh token): sessions skip the server",
    explanation: "\
**What it means.** The `mcpOAuth` entry under the server's *current* key has neither an \
`accessToken` nor a `refreshToken`. At session start (interactive, `claude -p`, SDK) Claude Code \
treats such an entry as \"needs authentication\" and skips the server **without connecting**, with \
no time limit. `claude mcp list` ignores the rule and may still say `Connected`: the bug report's \
\"connected, but no tools\".

**Why it happens.** Any connection that gets a 401 saves discovery state (and, in 2.1.100, a \
client registration) before a sign-in completes; a refresh rejected with `invalid_grant` blanks \
the tokens; two processes writing the file at once can zero them; a token write can be lost. The \
finding says which shape the entry has.

A placeholder in the \"not signed in\" shape is also the normal state between adding an OAuth \
server and signing in to it; it is a warning then, an error in the other shapes.

**How to fix it.** Sign in if the server needs OAuth. Otherwise, or when sign-in keeps failing, \
remove the entry (`fix` does this by default, also with `--safe-only`: it holds no usable \
credential). The next session tries the server again; if the server still requires OAuth, Claude \
Code writes a fresh entry and shows an honest \"Needs authentication\", and `/mcp` → Authenticate (`claude mcp login NAME` on 2.1.186+) \
signs in. Removing it also drops a stored client registration that a newer Claude Code would \
otherwise reuse even after the server forgot it.

**When registration itself failed.** A pending entry with no `clientId` after a connection that \
should have registered one (2.1.100 registers on every 401; 2.1.332 records \
`discoveryState.registrationNotOfferedAt` when a sign-in finds no way to register) means the \
server's dynamic client registration failed or is not offered (field reports: a DCR answer with \
`null` fields). Another sign-in fails the same way: `mcp-auth-doctor probe NAME --register` shows \
what the registration endpoint answers, and a client registered by hand goes in the server's \
`oauth.clientId`.",
};

pub const SEVERITIES: super::SeverityRange = super::SeverityRange {
    lowest: Severity::Warning,
    why: "a warning for the \"not signed in\" shape, the normal state between adding an OAuth \
          server and signing in; an error for every other shape",
};

pub fn run(inv: &Inventory, out: &mut Findings<'_>) {
    let live = inv.live_keys();
    for e in &inv.entries {
        if e.token != TokenState::Placeholder {
            continue;
        }
        let Some(servers) = live.get(e.key()) else {
            continue;
        };
        if servers.iter().any(|s| s.static_auth.is_some()) {
            continue; // static-auth-oauth-state explains it
        }
        if super::unloaded_server_state::all_dead(servers) {
            continue; // not loaded here: unloaded-server-state explains it
        }
        let shape = e.shape.map(|s| s.describe()).unwrap_or("no tokens");
        let client = if e.client_id {
            " It also keeps a client registration, which a newer Claude Code reuses even if the \
             server has forgotten it."
        } else {
            ""
        };
        // fix replaces this placeholder with a usable token from an old key: no sign-in.
        let moved_in = super::stale_registration::moves_into(inv, e.name(), e.key());
        // No client after a connection that should have registered one: a sign-in fails the
        // same way (a pre-registered oauth.clientId needs no registration).
        let registration_failed =
            e.registration_failed(&inv.release) && !servers.iter().any(|s| s.preregistered_client);
        let (severity, text) = match e.shape {
            Some(PlaceholderShape::NotAnObject) => (
                Severity::Error,
                format!(
                    "The entry for '{}' under its current key {} is {shape}. Remove it.",
                    e.name(),
                    e.key()
                ),
            ),
            // The ordinary state between adding an OAuth server and signing in to it.
            Some(PlaceholderShape::NeverAuthorised) if moved_in => (
                Severity::Warning,
                format!(
                    "Sessions will skip '{name}' as needs-auth without connecting: the entry under \
                     its current key {key} holds no token ({shape}), while an old key holds a \
                     usable one: fix moves that one here (see stale-registration), so no sign-in \
                     is needed if the server still accepts it (`claude mcp list` connects anyway; \
                     sessions do not).",
                    name = e.name(),
                    key = e.key(),
                ),
            ),
            Some(PlaceholderShape::NeverAuthorised) if registration_failed => (
                Severity::Warning,
                format!(
                    "Sessions will skip '{name}' as needs-auth without connecting: the entry under \
                     its current key {key} holds no token and no client registration, after a \
                     connection that should have made one ({why}). Registering a client with the \
                     server failed, so another sign-in fails the same way: `mcp-auth-doctor probe \
                     {quoted} --register` shows what its registration endpoint answers (it \
                     creates a client there). Then remove the entry, or set oauth.clientId to a \
                     client registered by hand.",
                    name = e.name(),
                    key = e.key(),
                    quoted = super::shell_quote(e.name()),
                    why = if e.registration_not_offered {
                        "its discovery state records that the server offered no registration"
                            .to_string()
                    } else {
                        format!(
                            "Claude Code {} registers a client on every connection that gets a 401",
                            inv.release.release
                        )
                    },
                ),
            ),
            Some(PlaceholderShape::NeverAuthorised) => (
                Severity::Warning,
                format!(
                    "Sessions will skip '{name}' as needs-auth without connecting: the entry under \
                     its current key {key} holds no token ({shape}). If the server needs OAuth, sign \
                     in ({SIGN_IN_AS_NEXT}). If it needs none, or sign-in keeps failing, remove the \
                     entry (`claude mcp list` connects anyway; sessions do not).{client}",
                    name = e.name(),
                    key = e.key(),
                ),
            ),
            _ if moved_in => (
                Severity::Error,
                format!(
                    "Sessions will skip '{name}' as needs-auth without connecting: the entry under \
                     its current key {key} holds neither an access nor a refresh token ({shape}), \
                     while an old key holds a usable one: fix moves that one here (see \
                     stale-registration), so no sign-in is needed if the server still accepts it.",
                    name = e.name(),
                    key = e.key(),
                ),
            ),
            _ => (
                Severity::Error,
                format!(
                    "Sessions will skip '{name}' as needs-auth without connecting: the entry under \
                     its current key {key} holds neither an access nor a refresh token ({shape}). \
                     Remove it, then sign in again if the server asks ({SIGN_IN_AS_NEXT}).{client}",
                    name = e.name(),
                    key = e.key(),
                ),
            ),
        };
        let mut f = Finding::new(INFO.code, severity, text)
            .server(e.name())
            .key(e.key())
            .file(inv.credentials.path.display().to_string())
            .evidence("fields", e.field_list())
            .action(remove_entry(inv, e.key(), true).map(|a| {
                if e.client_id {
                    a.with_note(
                        "it keeps a client registration: the next sign-in registers a new client \
                         (2.1.332 would otherwise reuse this client id)",
                    )
                } else {
                    a
                }
            }));
        if let Some(shape) = e.shape {
            f = f.evidence("shape", serde_json::to_value(shape).unwrap_or_default());
        }
        out.push(f);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::ActionKind;
    use crate::load::Snapshot;
    use crate::load::for_test::{http, key_of, placeholder_entry, valid_entry};
    use serde_json::json;

    const URL: &str = "https://mcp.linear.app/mcp";

    fn findings(server: serde_json::Value, key: &str, entry: serde_json::Value) -> Vec<Finding> {
        let snapshot = Snapshot::for_test()
            .with_global_config(json!({"mcpServers": {"linear": server}}))
            .with_credentials(json!({"mcpOAuth": {key: entry}}));
        crate::load::for_test::run_check(snapshot, run)
    }

    #[test]
    fn a_never_signed_in_placeholder_under_the_live_key_is_a_warning_fix_removes() {
        let key = key_of("linear", http(URL));
        let found = findings(http(URL), &key, placeholder_entry("linear", URL));
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].code, INFO.code);
        assert_eq!(found[0].severity, Severity::Warning);
        assert_eq!(found[0].server.as_deref(), Some("linear"));
        assert_eq!(found[0].key.as_deref(), Some(key.as_str()));
        assert_eq!(found[0].evidence["shape"], "never-authorised");
        let action = found[0].action.as_ref().expect("an action");
        assert_eq!(action.kind, ActionKind::RemoveEntry { key: key.clone() });
        assert!(action.safe);
        assert_eq!(
            action.path,
            std::path::Path::new("/home/u/.claude/.credentials.json")
        );
    }

    #[test]
    fn a_pending_entry_whose_registration_failed_points_to_probe_register_not_a_sign_in() {
        let key = key_of("linear", http(URL));
        let failed = json!({"serverName": "linear", "serverUrl": URL, "accessToken": "",
            "discoveryState": {"authorizationServerUrl": "https://as.example",
                "registrationNotOfferedAt": 1_780_315_000_000_i64}});
        let found = findings(http(URL), &key, failed.clone());
        assert_eq!(found.len(), 1, "{found:?}");
        let m = &found[0].message;
        assert!(m.contains("probe linear --register"), "{m}");
        assert!(!m.contains("sign in ("), "{m}");
        // A pre-registered client needs no registration: the ordinary advice.
        let preregistered = json!({"type": "http", "url": URL, "oauth": {"clientId": "pre"}});
        let key = key_of("linear", preregistered.clone());
        let found = findings(preregistered, &key, failed);
        assert!(
            !found[0].message.contains("--register"),
            "{}",
            found[0].message
        );
    }

    #[test]
    fn a_zeroed_placeholder_is_an_error() {
        let key = key_of("linear", http(URL));
        let zeroed = json!({"serverName": "linear", "accessToken": "", "refreshToken": ""});
        let found = findings(http(URL), &key, zeroed);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].severity, Severity::Error);
        assert_eq!(found[0].evidence["shape"], "zeroed");
    }

    #[test]
    fn a_usable_token_a_dead_key_or_static_auth_is_not_pending() {
        let key = key_of("linear", http(URL));
        assert!(findings(http(URL), &key, valid_entry("linear", URL)).is_empty());
        let old = key_of("linear", http("https://mcp.linear.app/old"));
        assert!(findings(http(URL), &old, placeholder_entry("linear", URL)).is_empty());
        let with_header = json!({"type": "http", "url": URL,
            "headers": {"Authorization": "Bearer CANARY-static"}});
        let key = key_of("linear", with_header.clone());
        assert!(findings(with_header, &key, placeholder_entry("linear", URL)).is_empty());
    }
}
