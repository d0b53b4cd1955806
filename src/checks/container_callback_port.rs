//! In a dev container, Codespaces or WSL, a pending registration pinned to a random loopback
//! callback port (issue 9 item 8; anthropics/claude-code#35740, #44330, #20793): the browser runs
//! on the host, the port is not forwarded, and 2.1.332 reuses the registered port, so every sign-in
//! fails the same way. Advice only: `pending-registration` already offers to remove the entry.

use super::Findings;
use super::{CheckInfo, Finding, Severity, live_entries, shell_quote};
use crate::model::entry::TokenState;
use crate::model::inventory::Inventory;
use crate::model::server::NameKind;

pub const INFO: CheckInfo = CheckInfo {
    code: super::Code::ContainerCallbackPort,
    severity: Severity::Warning,
    summary: "In a container or WSL, a pending registration is pinned to a random loopback callback port",
    explanation: "\
**What it means.** This runs in a dev container, GitHub Codespaces, a Docker container or WSL \
(`REMOTE_CONTAINERS`, `CODESPACES`, `/.dockerenv`, `WSL_DISTRO_NAME`), and a server's entry under \
its current key is pending (no token) with a client registered for \
`http://localhost:<port>/callback`, a port the config does not fix (`oauth.callbackPort` is not \
set). A sign-in opens the browser on the host, which reaches that port only if it is forwarded; \
2.1.332 reuses the registered port (\"reusing registered port\"), so the sign-in fails the same way \
every time (anthropics/claude-code#35740, #44330, #20793).

**How to fix it.** One of: set `oauth.callbackPort` in the server's config to a fixed port and \
forward that port to the host (dev containers: `forwardPorts`; Codespaces: the Ports panel; WSL2: \
localhost forwarding), then drop the pinned registration so the next sign-in registers the new \
port (`mcp-auth-doctor fix` removes the pending entry); or sign in with `claude mcp login NAME \
--no-browser` (2.1.332), which prints the authorization URL and takes the redirect URL pasted \
back, so no port has to be reached. Offline state cannot tell whether the port is forwarded: if \
it is, this is harmless.",
};

/// A loopback redirect URI's port (`http://localhost:53682/callback` → 53682).
fn loopback_port(uri: &str) -> Option<u64> {
    let rest = uri.split_once("://")?.1;
    let authority = rest.split('/').next()?;
    let (host, port) = authority.rsplit_once(':')?;
    matches!(host, "localhost" | "127.0.0.1" | "[::1]")
        .then(|| port.parse().ok())
        .flatten()
}

pub fn run(inv: &Inventory, out: &mut Findings<'_>) {
    if !inv.host.browser_elsewhere() || !inv.entries_known() {
        return;
    }
    let mut seen = std::collections::HashSet::new();
    for s in &inv.servers {
        if s.callback_port.is_some() || s.loading.is_dead() || inv.shadowed_by(s).is_some() {
            continue;
        }
        let Some(e) = live_entries(inv, s) else {
            continue;
        };
        if e.token != TokenState::Placeholder || !e.client_id || !seen.insert(e.key()) {
            continue;
        }
        let Some(port) = e.redirect_uri().and_then(loopback_port) else {
            continue;
        };
        let login = match NameKind::of(&s.name) {
            NameKind::Plain => format!(
                "; or sign in with `claude mcp login {} --no-browser` (2.1.332), which needs no \
                 port",
                shell_quote(&s.name)
            ),
            _ => String::new(),
        };
        out.push(
            Finding::new(
                INFO.code,
                INFO.severity,
                format!(
                    "This runs in {host}, and the pending entry of '{name}' under {key} has a \
                     client registered for loopback port {port}, which the config does not fix: \
                     the browser on the host reaches it only if the port is forwarded, and Claude \
                     Code reuses it, so sign-in fails the same way each time. Set \
                     oauth.callbackPort to a fixed port and forward it, then drop the pinned \
                     registration (`mcp-auth-doctor fix` removes the pending entry){login}.",
                    host = inv.host.describe(),
                    name = s.name,
                    key = e.key(),
                ),
            )
            .server(&s.name)
            .key(e.key())
            .file(inv.credentials.path.display().to_string())
            .evidence("environment", inv.host.label())
            .evidence("registered_port", port),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::Snapshot;
    use crate::load::for_test::{http, key_of};
    use serde_json::{Value, json};

    const URL: &str = "https://mcp.acme.example/mcp";

    fn findings(server: Value, entry: Value, in_container: bool) -> Vec<Finding> {
        let key = key_of("acme", server.clone());
        let mut snapshot = Snapshot::for_test()
            .with_global_config(json!({"mcpServers": {"acme": server}}))
            .with_credentials(json!({"mcpOAuth": {key: entry}}));
        snapshot.disk.host.remote_containers = in_container;
        crate::load::for_test::run_check(snapshot, run)
    }

    fn pending(redirect: &str) -> Value {
        json!({"serverName": "acme", "serverUrl": URL, "accessToken": "",
            "clientId": "cid-1", "redirectUri": redirect})
    }

    #[test]
    fn a_random_loopback_port_in_a_container_is_reported_with_the_three_ways_out() {
        let found = findings(http(URL), pending("http://localhost:53682/callback"), true);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].evidence["registered_port"], 53682);
        assert_eq!(found[0].evidence["environment"], "container");
        assert!(found[0].action.is_none());
        let m = &found[0].message;
        assert!(m.contains("oauth.callbackPort"), "{m}");
        assert!(m.contains("claude mcp login acme --no-browser"), "{m}");
    }

    #[test]
    fn outside_a_container_with_a_fixed_port_or_a_token_it_is_not() {
        let uri = "http://localhost:53682/callback";
        assert!(findings(http(URL), pending(uri), false).is_empty());
        let fixed = json!({"type": "http", "url": URL, "oauth": {"callbackPort": 53682}});
        assert!(findings(fixed, pending(uri), true).is_empty());
        let mut signed_in = pending(uri);
        signed_in["accessToken"] = json!("at-CANARY");
        assert!(findings(http(URL), signed_in, true).is_empty());
        let mut no_client = pending(uri);
        no_client.as_object_mut().unwrap().remove("clientId");
        assert!(findings(http(URL), no_client, true).is_empty());
        assert!(findings(http(URL), pending("https://example.com/cb"), true).is_empty());
    }
}
