//! A Linux home whose `~/.claude` is shared with a macOS host (issue 9 item 8;
//! anthropics/claude-code#1414, #10039): `.claude.json` knows projects under `/Users/...`, the
//! credentials file is gone, and fresh needs-auth markers say sign-ins are being asked for. A
//! macOS Claude Code moves credentials into its Keychain and deletes `.credentials.json`
//! (state-formats.md §1.3, §12.7), so the container loses every sign-in again and again.

use super::Findings;
use super::{CheckInfo, Finding, Severity};
use crate::model::inventory::{CredentialStore, Inventory};
use crate::model::marker::MarkerState;

pub const INFO: CheckInfo = CheckInfo {
    code: super::Code::SharedMacosHome,
    severity: Severity::Warning,
    summary: "A Linux home shared with a macOS host: its credentials file goes to the host's Keychain",
    explanation: "\
**What it means.** This runs on Linux, but `.claude.json` lists projects under `/Users/...` (macOS \
paths), there is no credentials file, and fresh needs-auth markers say servers asked for a sign-in \
recently. That is the shape of a `~/.claude` bind-mounted into a container (or shared through a \
synced folder) with a macOS host: the macOS Claude Code keeps credentials in its Keychain and, when \
it moves them there, **deletes** `.credentials.json`. Every sign-in made in the container is lost \
the next time the host's Claude Code writes (anthropics/claude-code#1414, #10039).

**How to fix it.** Give the container its own store: set `CLAUDE_CONFIG_DIR` to a folder that is \
not shared with the host (the container then has its own `.claude.json` and credentials), or, on \
releases that have it (2.1.332), `CLAUDE_SECURESTORAGE_CONFIG_DIR` to such a folder, which moves \
only the credentials. Then sign in again in the container. This tool cannot see the host's \
Keychain; if the host is not macOS after all, ignore this.",
};

pub fn run(inv: &Inventory, out: &mut Findings<'_>) {
    if inv.host.os != "linux" || inv.store != CredentialStore::Missing {
        return;
    }
    let Some(global) = inv.global.as_claude_sees() else {
        return;
    };
    let mac: Vec<&str> = global
        .projects
        .iter()
        .map(|p| p.path.as_str())
        .filter(|p| p.starts_with("/Users/"))
        .collect();
    let fresh: Vec<&str> = inv
        .markers
        .iter()
        .filter(|m| m.state == MarkerState::Fresh)
        .map(|m| m.name.as_str())
        .collect();
    if mac.is_empty() || fresh.is_empty() {
        return;
    }
    out.push(
        Finding::new(
            INFO.code,
            INFO.severity,
            format!(
                "This home looks shared with a macOS host: .claude.json knows {n} project{s} \
                 under /Users/ (such as {first}), there is no credentials file ({file}), and \
                 fresh needs-auth markers ({markers}) say sign-ins are being asked for. A macOS \
                 Claude Code moves credentials to its Keychain and deletes the file, so sign-ins \
                 made here are lost. Give this side its own CLAUDE_CONFIG_DIR (a folder not \
                 shared with the host), or CLAUDE_SECURESTORAGE_CONFIG_DIR for the credentials \
                 alone (2.1.332), then sign in again.",
                n = mac.len(),
                s = if mac.len() == 1 { "" } else { "s" },
                first = crate::term::sanitize(mac[0]),
                file = inv.locations.display(&inv.credentials.path),
                markers = fresh.join(", "),
            ),
        )
        .file(inv.global.path.display().to_string())
        .evidence("macos_projects", mac.len())
        .evidence("environment", inv.host.label()),
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::Snapshot;
    use crate::load::for_test::NOW_MS;
    use serde_json::{Value, json};

    fn home(project: &str, os: &str) -> Snapshot {
        let mut s = Snapshot::for_test()
            .with_global_config(json!({
                "mcpServers": {"linear": {"type": "http", "url": "https://mcp.linear.app/mcp"}},
                "projects": {project: {"allowedTools": []}}
            }))
            .with_needs_auth_cache(json!({"linear": {"timestamp": NOW_MS - 60_000}}));
        s.target_os = os.into();
        s
    }

    fn findings(s: Snapshot) -> Vec<Finding> {
        crate::load::for_test::run_check(s, run)
    }

    #[test]
    fn mac_projects_no_credentials_and_fresh_markers_on_linux_is_a_shared_home() {
        let found = findings(home("/Users/alice/code/app", "linux"));
        assert_eq!(found.len(), 1, "{found:?}");
        let m = &found[0].message;
        assert!(m.contains("CLAUDE_CONFIG_DIR"), "{m}");
        assert!(m.contains("/Users/alice/code/app"), "{m}");
    }

    #[test]
    fn linux_projects_credentials_no_fresh_marker_or_macos_is_not() {
        assert!(findings(home("/home/alice/code/app", "linux")).is_empty());
        assert!(findings(home("/Users/alice/code/app", "macos")).is_empty());
        let with_file =
            home("/Users/alice/code/app", "linux").with_credentials(json!({"mcpOAuth": {}}));
        assert!(findings(with_file).is_empty());
        let old: Value = json!({"linear": {"timestamp": NOW_MS - 3_600_000}});
        let stale = home("/Users/alice/code/app", "linux").with_needs_auth_cache(old);
        assert!(findings(stale).is_empty());
    }
}
