//! The verdict for a Claude Code stdio server that runs mcp-remote: its OAuth state is not in
//! `.credentials.json` but in `~/.mcp-auth/<version folder>`, so "no OAuth for this transport"
//! would contradict the mcp-remote findings about the same server. Decided from the state in the
//! version folder the server's release reads (`McpRemote::state_of`), as data; `render::servers`
//! phrases it.

use super::servers::{TokenReport, TokenStatus};
use super::verdict::{NextStep, Reason, ServerVerdict, Verdict};
use crate::model::inventory::Inventory;
use crate::model::mcp_remote::found::{Client, Data, RemoteServer, ServerState};
use crate::model::mcp_remote::state::{TokenState, Tokens};
use crate::model::server::ConfiguredServer;
use crate::timefmt;

/// What mcp-remote will do with a server's stored state when it next starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RemoteState {
    /// Usable tokens in `folder` (expiring at `expires_at`, epoch ms, if they say).
    SignedIn {
        folder: String,
        expires_at: Option<i64>,
    },
    /// Expired tokens with a refresh token: mcp-remote refreshes them on start.
    Refreshes { folder: String },
    /// Expired tokens and no refresh token: the next start opens the browser.
    Expired { folder: String },
    /// A client registration but no usable tokens: the next start signs in, reusing it.
    RegisteredOnly { folder: String },
    /// No usable tokens in `folder`, but `elsewhere` (other version folders) holds some.
    Stranded {
        folder: String,
        elsewhere: Vec<String>,
    },
    /// A tokens file in `folder` that mcp-remote cannot use (it treats it as absent and signs in
    /// again on the next start).
    UnusableTokens { folder: String },
    /// Nothing usable stored in `folder`: the next start signs in if the server asks.
    Nothing { folder: String },
    /// The definition does not decide which release (and so which folder) runs.
    ReleaseUndecided,
    /// The definition sets its own `MCP_REMOTE_CONFIG_DIR`, which we never open.
    OwnConfigDir,
}

/// The mcp-remote definition behind Claude Code server `s`, if it runs mcp-remote.
pub fn remote_of<'a>(inv: &'a Inventory, s: &ConfiguredServer) -> Option<&'a RemoteServer> {
    let scope = s.scope.label();
    inv.mcp_remote
        .servers
        .iter()
        .find(|r| r.name == s.name && r.file == s.file && r.client == Client::ClaudeCode { scope })
}

/// The state of `server` at `now_ms`.
pub fn state(inv: &Inventory, server: &RemoteServer) -> RemoteState {
    if server.own_config_dir() {
        return RemoteState::OwnConfigDir;
    }
    let found = inv.mcp_remote.state_of(server);
    classify(&found, inv.now_ms)
}

fn classify(found: &ServerState<'_>, now_ms: i64) -> RemoteState {
    let Some((folder, _)) = &found.in_use else {
        return RemoteState::ReleaseUndecided;
    };
    let folder = folder.clone();
    if let Some(t) = found.tokens() {
        return match t.state(now_ms) {
            TokenState::NoExpiry | TokenState::Fresh => RemoteState::SignedIn {
                folder,
                expires_at: expires_at(t),
            },
            TokenState::WillRefresh => RemoteState::Refreshes { folder },
            TokenState::Expired => RemoteState::Expired { folder },
        };
    }
    if !found.tokens_elsewhere.is_empty() {
        let elsewhere = found
            .tokens_elsewhere
            .iter()
            .map(|f| f.name.clone())
            .collect();
        return RemoteState::Stranded { folder, elsewhere };
    }
    let unusable = found
        .files()
        .iter()
        .any(|f| matches!(f.data, Data::Tokens(Err(_))));
    if unusable {
        return RemoteState::UnusableTokens { folder };
    }
    if found.client_info().is_some() {
        return RemoteState::RegisteredOnly { folder };
    }
    RemoteState::Nothing { folder }
}

fn expires_at(t: &Tokens) -> Option<i64> {
    t.expires_at
        .filter(|at| *at != 0.0 && at.is_finite())
        .map(|at| at as i64)
}

/// The verdict for a server in `state`, named `name`.
pub fn decide(name: &str, state: RemoteState) -> ServerVerdict {
    let name = name.to_string();
    let (verdict, next) = match &state {
        RemoteState::SignedIn { .. } => (Verdict::Ok, Some(NextStep::ProbeToken { name })),
        RemoteState::Refreshes { .. } => (Verdict::Refreshes, None),
        RemoteState::Expired { .. }
        | RemoteState::RegisteredOnly { .. }
        | RemoteState::UnusableTokens { .. } => (
            Verdict::SignsInOnStart,
            Some(NextStep::StartToSignIn { name }),
        ),
        RemoteState::Stranded { .. } => (
            Verdict::SignsInOnStart,
            Some(NextStep::PinOrSignIn { name }),
        ),
        // Offline, nothing says whether the server asks for OAuth at all.
        RemoteState::Nothing { .. } => (Verdict::NoToken, None),
        RemoteState::ReleaseUndecided | RemoteState::OwnConfigDir => (Verdict::Unknown, None),
    };
    ServerVerdict {
        verdict,
        reason: Reason::McpRemote { state },
        next,
    }
}

/// The TOKEN a status row shows for `server`: mcp-remote's tokens in the folder it reads.
pub fn token_report(inv: &Inventory, server: &RemoteServer) -> TokenReport {
    if server.own_config_dir() {
        return TokenReport::bare(TokenStatus::Unknown);
    }
    let found = inv.mcp_remote.state_of(server);
    if found.in_use.is_none() {
        return TokenReport::bare(TokenStatus::Unknown);
    }
    let Some(t) = found.tokens() else {
        return TokenReport::bare(TokenStatus::None);
    };
    let state = match t.state(inv.now_ms) {
        TokenState::NoExpiry | TokenState::Fresh => TokenStatus::Valid,
        TokenState::WillRefresh => TokenStatus::Refreshable,
        TokenState::Expired => TokenStatus::Expired,
    };
    let at = expires_at(t);
    TokenReport {
        expires_at: at.map(timefmt::rfc3339),
        expires_in_seconds: at.map(|at| at.saturating_sub(inv.now_ms) / 1000),
        access_token: Some(t.access_token.clone()),
        refresh_token: t.refresh_token.clone(),
        ..TokenReport::bare(state)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::load::Snapshot;
    use crate::load::for_test::NOW_MS;

    /// `https://mcp.example.com/mcp`'s prefix under every hash rule (docs/mcp-remote.md §3.1).
    const HASH: &str = "94baabe3c3fadb285b26c035e4e86046";

    /// A home whose user-scope server `acme` runs `npx -y <package> https://mcp.example.com/mcp`
    /// (with `env`), and whose ~/.mcp-auth holds `files` as (folder, file name, text).
    fn home(package: &str, env: serde_json::Value, files: &[(&str, String, String)]) -> Inventory {
        let mut snapshot = Snapshot::for_test().with_global_config(json!({
            "mcpServers": {"acme": {
                "type": "stdio", "command": "npx",
                "args": ["-y", package, "https://mcp.example.com/mcp"], "env": env
            }}
        }));
        for (folder, name, text) in files {
            snapshot = snapshot.with_mcp_remote_file(folder, name, text, None);
        }
        snapshot.inventory()
    }

    fn state_of_acme(inv: &Inventory) -> RemoteState {
        let s = inv.servers.iter().find(|s| s.name == "acme").unwrap();
        state(inv, remote_of(inv, s).expect("acme runs mcp-remote"))
    }

    fn tokens(expires_at: i64, refresh: bool) -> String {
        let mut t = json!({"access_token": "CANARY-at", "token_type": "Bearer",
                           "expires_at": expires_at});
        if refresh {
            t["refresh_token"] = json!("CANARY-rt");
        }
        t.to_string()
    }

    #[test]
    fn the_state_is_read_in_the_folder_the_release_reads() {
        let tokens_file = format!("{HASH}_tokens.json");
        // Unpinned runs `latest`, which reads mcp-remote-v1: tokens only in 0.1.49 are stranded.
        let stranded = home(
            "mcp-remote",
            json!({}),
            &[(
                "mcp-remote-0.1.49",
                tokens_file.clone(),
                tokens(NOW_MS + 3_600_000, true),
            )],
        );
        assert_eq!(
            state_of_acme(&stranded),
            RemoteState::Stranded {
                folder: "mcp-remote-v1".into(),
                elsewhere: vec!["mcp-remote-0.1.49".into()],
            }
        );
        // Pinned to 0.1.49, the same files are its own, and usable.
        let pinned = home(
            "mcp-remote@0.1.49",
            json!({}),
            &[(
                "mcp-remote-0.1.49",
                tokens_file.clone(),
                tokens(NOW_MS + 3_600_000, true),
            )],
        );
        assert_eq!(
            state_of_acme(&pinned),
            RemoteState::SignedIn {
                folder: "mcp-remote-0.1.49".into(),
                expires_at: Some(NOW_MS + 3_600_000),
            }
        );
        // Expired with a refresh token: mcp-remote refreshes; the TOKEN says refreshable.
        let refreshes = home(
            "mcp-remote",
            json!({}),
            &[(
                "mcp-remote-v1",
                tokens_file.clone(),
                tokens(NOW_MS - 1000, true),
            )],
        );
        assert_eq!(
            state_of_acme(&refreshes),
            RemoteState::Refreshes {
                folder: "mcp-remote-v1".into()
            }
        );
        let s = refreshes.servers.iter().find(|s| s.name == "acme").unwrap();
        let report = token_report(&refreshes, remote_of(&refreshes, s).unwrap());
        assert_eq!(report.state, TokenStatus::Refreshable);
        assert!(report.refresh_token.is_some());
        // Without one, the next start signs in.
        let expired = home(
            "mcp-remote",
            json!({}),
            &[(
                "mcp-remote-v1",
                tokens_file.clone(),
                tokens(NOW_MS - 1000, false),
            )],
        );
        assert_eq!(
            state_of_acme(&expired),
            RemoteState::Expired {
                folder: "mcp-remote-v1".into()
            }
        );
        // Nothing stored at all.
        assert_eq!(
            state_of_acme(&home("mcp-remote", json!({}), &[])),
            RemoteState::Nothing {
                folder: "mcp-remote-v1".into()
            }
        );
    }

    #[test]
    fn a_range_or_an_own_config_dir_leaves_the_state_unknown() {
        let files = [(
            "mcp-remote-v1",
            format!("{HASH}_tokens.json"),
            tokens(NOW_MS + 3_600_000, true),
        )];
        let ranged = home("mcp-remote@^0.1", json!({}), &files);
        assert_eq!(state_of_acme(&ranged), RemoteState::ReleaseUndecided);
        let own = home(
            "mcp-remote",
            json!({"MCP_REMOTE_CONFIG_DIR": "/elsewhere"}),
            &files,
        );
        assert_eq!(state_of_acme(&own), RemoteState::OwnConfigDir);
        let s = own.servers.iter().find(|s| s.name == "acme").unwrap();
        assert_eq!(
            token_report(&own, remote_of(&own, s).unwrap()).state,
            TokenStatus::Unknown
        );
    }

    #[test]
    fn each_state_has_its_verdict_and_next_step() {
        let f = || "mcp-remote-v1".to_string();
        let cases = [
            (
                RemoteState::SignedIn {
                    folder: f(),
                    expires_at: None,
                },
                Verdict::Ok,
                Some(NextStep::ProbeToken { name: "x".into() }),
            ),
            (
                RemoteState::Refreshes { folder: f() },
                Verdict::Refreshes,
                None,
            ),
            (
                RemoteState::Expired { folder: f() },
                Verdict::SignsInOnStart,
                Some(NextStep::StartToSignIn { name: "x".into() }),
            ),
            (
                RemoteState::RegisteredOnly { folder: f() },
                Verdict::SignsInOnStart,
                Some(NextStep::StartToSignIn { name: "x".into() }),
            ),
            (
                RemoteState::Stranded {
                    folder: f(),
                    elsewhere: vec!["mcp-remote-0.1.49".into()],
                },
                Verdict::SignsInOnStart,
                Some(NextStep::PinOrSignIn { name: "x".into() }),
            ),
            (
                RemoteState::UnusableTokens { folder: f() },
                Verdict::SignsInOnStart,
                Some(NextStep::StartToSignIn { name: "x".into() }),
            ),
            (RemoteState::Nothing { folder: f() }, Verdict::NoToken, None),
            (RemoteState::ReleaseUndecided, Verdict::Unknown, None),
            (RemoteState::OwnConfigDir, Verdict::Unknown, None),
        ];
        for (state, verdict, next) in cases {
            let d = decide("x", state.clone());
            assert_eq!((d.verdict, d.next), (verdict, next), "{state:?}");
            assert_eq!(d.reason, Reason::McpRemote { state });
        }
    }
}
