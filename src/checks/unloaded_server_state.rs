use super::Findings;
use super::{CheckInfo, Finding, Severity, remove_entry, remove_marker};
use crate::model::entry::TokenState;
use crate::model::inventory::{Inventory, KeyServers};
use crate::model::settings::Loading;

pub const INFO: CheckInfo = CheckInfo {
    code: super::Code::UnloadedServerState,
    severity: Severity::Info,
    summary: "OAuth state of a server the settings keep Claude Code from loading in this folder",
    explanation: "\
**What it means.** Claude Code's settings keep it from loading the server in the folder checked \
(`--project`, default the current folder): `disabledMcpServers` of the folder's entry in \
`.claude.json` names it (`/mcp` → Disable), its plugin is not enabled (`enabledPlugins` must be \
`true`), `disabledMcpjsonServers` rejects the `.mcp.json` server, `deniedMcpServers` matches it or \
`allowedMcpServers` leaves it out, or it is a plugin server with the same url or command as a \
manually configured one (suppressed). Nothing connects to it there, so a placeholder entry (no \
token) or a needs-auth marker left from when it was loaded does nothing but mislead the next \
reader. Its key stays live: switched on again, the server uses the same key.

**Why it happens.** The server was loaded once (a connection that got a 401 wrote the \
placeholder or the marker), then switched off. Claude Code writes no state for a server it does \
not load (2.1.332, observed), and removes none either.

**How to fix it.** Nothing is needed. `fix` removes a leftover placeholder or marker (safe: they \
hold no credential; if the server is switched on again and needs OAuth, Claude Code writes fresh \
ones). An entry that holds a token is **kept**: Claude Code sends it again once the server \
is re-enabled, and needs no sign-in if the server still accepts it. An unapproved `.mcp.json` server is not reported here: `claude -p` sessions still \
load it.",
};

/// Whether every server of a live key (from [`Inventory::live_keys`]) is kept from loading, so
/// the key's state is dead in this folder: the other checks leave such an entry to this one.
pub(crate) fn all_dead(servers: KeyServers<'_>) -> bool {
    servers.iter().all(|s| s.loading.is_dead())
}

/// Whether every definition of `name` is kept from loading (a marker is per name).
pub(crate) fn dead_name(inv: &Inventory, name: &str) -> bool {
    let mut defs = inv.servers_named(name).peekable();
    defs.peek().is_some() && defs.all(|s| s.loading.is_dead())
}

/// Why a server is not loaded, as a clause.
fn why(loading: &Loading) -> String {
    match loading {
        Loading::Loaded | Loading::NotApproved { .. } => "it is loaded".into(),
        Loading::PluginNotEnabled { plugin, file, .. } => {
            format!("its plugin {plugin} is not enabled in {file}")
        }
        Loading::Disabled { folder } => format!("it is disabled for {folder}"),
        Loading::Rejected { file } => format!("disabledMcpjsonServers in {file} rejects it"),
        Loading::Denied { file } => format!("deniedMcpServers in {file} denies it"),
        Loading::NotAllowed { .. } => "allowedMcpServers does not list it".into(),
        Loading::Suppressed { by } => {
            format!("it duplicates the manually configured server '{by}'")
        }
    }
}

pub fn run(inv: &Inventory, out: &mut Findings<'_>) {
    let live = inv.live_keys();
    for e in &inv.entries {
        let Some(servers) = live.get(e.key()) else {
            continue;
        };
        if !all_dead(servers) {
            continue;
        }
        let why = why(&servers.first().loading);
        let f = if e.token == TokenState::Placeholder {
            Finding::new(
                INFO.code,
                INFO.severity,
                format!(
                    "Claude Code does not load '{name}' in this folder ({why}), so the placeholder \
                     entry under its key {key} (no token) is left over and nothing uses it here. \
                     Removing it is safe; it is written again if the server is switched on and \
                     asks for a sign-in.",
                    name = e.name(),
                    key = e.key(),
                ),
            )
            .action(remove_entry(inv, e.key(), true))
        } else {
            Finding::new(
                INFO.code,
                INFO.severity,
                format!(
                    "Claude Code does not load '{name}' in this folder ({why}); the entry under its \
                     key {key} holds a token and is kept: once the server is switched on, Claude Code \
                     sends it again and needs no sign-in if the server still accepts it.",
                    name = e.name(),
                    key = e.key(),
                ),
            )
        };
        out.push(
            f.server(e.name())
                .key(e.key())
                .file(inv.credentials.path.display().to_string()),
        );
    }
    for m in &inv.markers {
        if !dead_name(inv, &m.name) {
            continue;
        }
        let Some(s) = inv.servers_named(&m.name).next() else {
            continue;
        };
        out.push(
            Finding::new(
                INFO.code,
                INFO.severity,
                format!(
                    "Claude Code does not load '{name}' in this folder ({why}), so its needs-auth \
                     marker is left over and nothing reads it here. Removing it is safe.",
                    name = m.name,
                    why = why(&s.loading),
                ),
            )
            .server(&m.name)
            .file(inv.cache.path.display().to_string())
            .action(remove_marker(inv, &m.name)),
        );
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::load::Snapshot;

    fn findings(inv: &Inventory) -> Vec<Finding> {
        let mut out = Findings::list();
        run(inv, &mut out);
        out.into_vec()
    }

    fn home(disabled: &[&str]) -> Snapshot {
        Snapshot::for_test().with_global_config(json!({
            "mcpServers": {
                "off": {"type": "http", "url": "https://off.example.com/mcp"},
                "on": {"type": "http", "url": "https://on.example.com/mcp"}
            },
            "projects": {"/home/u/work": {"disabledMcpServers": disabled}}
        }))
    }

    #[test]
    fn a_placeholder_of_a_disabled_server_is_removable_and_a_token_is_kept() {
        let probe = home(&[]).inventory();
        let key = |name: &str| {
            probe
                .servers_named(name)
                .next()
                .unwrap()
                .key
                .clone()
                .unwrap()
        };
        let credentials = json!({"mcpOAuth": {
            key("off"): {"serverName": "off", "accessToken": "", "expiresAt": 0},
            key("on"): {"serverName": "on", "accessToken": "", "expiresAt": 0}
        }});
        // Nothing disabled: no finding (pending-registration speaks for both).
        let inv = home(&[]).with_credentials(credentials.clone()).inventory();
        assert!(findings(&inv).is_empty());
        let inv = home(&["off"]).with_credentials(credentials).inventory();
        let found = findings(&inv);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].server.as_deref(), Some("off"));
        assert!(found[0].action.as_ref().is_some_and(|a| a.safe));

        let with_token = json!({"mcpOAuth": {
            key("off"): {"serverName": "off", "accessToken": "tok-CANARY", "expiresAt": 4102444800000_i64}
        }});
        let inv = home(&["off"]).with_credentials(with_token).inventory();
        let found = findings(&inv);
        assert_eq!(found.len(), 1);
        assert!(found[0].action.is_none(), "a token is never removed");
        assert!(found[0].message.contains("is kept"));
    }
}
