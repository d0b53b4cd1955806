use super::Findings;
use super::{CheckInfo, Finding, Severity};
use crate::model::inventory::Inventory;

pub const INFO: CheckInfo = CheckInfo {
    code: super::Code::McpRemoteRegistrationWithoutTokens,
    severity: Severity::Info,
    summary: "mcp-remote has a client registration for a server but no tokens: the next start signs in",
    explanation: "\
**What it means.** The folder the server's mcp-remote reads holds `<hash>_client_info.json` (the \
dynamic client registration) but no usable `<hash>_tokens.json`: a sign-in that did not finish, \
or tokens that were removed. The next start opens the browser. mcp-remote reuses the \
registration only when its `redirect_uris` include this session's callback URL \
(`http://localhost:<port>/oauth/callback`); otherwise it deletes it and registers again.

**How to fix it.** Start the server and finish the sign-in. If the server has forgotten the \
client (the sign-in fails with `invalid_client`), delete the `<hash>_client_info.json` shown so \
mcp-remote registers a new one.",
};

pub fn run(inv: &Inventory, out: &mut Findings<'_>) {
    let remote = &inv.mcp_remote;
    for server in &remote.servers {
        let state = remote.state_of(server);
        let (Some(info), None) = (state.client_info(), state.tokens()) else {
            continue;
        };
        if !state.tokens_elsewhere.is_empty() {
            continue; // mcp-remote-stranded-tokens says more
        }
        let Some((folder, hash)) = &state.in_use else {
            continue;
        };
        let redirect = remote.redirect_url(server, hash);
        let reused = redirect.as_deref().is_some_and(|r| info.registered_for(r));
        let next = if reused {
            "it reuses this registration"
        } else {
            "its redirect URL is not registered, so it registers a new client"
        };
        out.push(super::mcp_remote::about(
            Finding::new(
                INFO.code,
                INFO.severity,
                format!(
                    "mcp-remote has a client registration for {who} but no tokens: the next \
                     start opens the browser to sign in, and {next}.",
                    who = server.described(),
                ),
            )
            .file(
                inv.locations.display(
                    &remote
                        .folder_path(folder)
                        .join(crate::model::mcp_remote::state::client_info_file(hash)),
                ),
            )
            .evidence("registration_reused", reused),
            server,
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::mcp_remote_tests::*;

    #[test]
    fn a_registration_without_tokens_is_noted_with_whether_it_is_reused() {
        let port = crate::model::mcp_remote::default_callback_port(HASH).unwrap();
        assert_eq!(port, 41409, "docs/mcp-remote.md §3.1");
        for (registered, reused) in [(port, true), (port + 1, false)] {
            let found = run_on(
                desktop(&["-y", "mcp-remote", URL]).with_mcp_remote_file(
                    V1,
                    &client_info_name(HASH),
                    &client_info_json(registered),
                    None,
                ),
                run,
            );
            assert_eq!(found.len(), 1);
            assert_eq!(found[0].evidence["registration_reused"], reused);
        }
    }

    #[test]
    fn not_with_tokens() {
        let found = run_on(
            desktop(&["-y", "mcp-remote", URL])
                .with_mcp_remote_file(V1, &client_info_name(HASH), &client_info_json(1), None)
                .with_mcp_remote_file(V1, &tokens_name(HASH), &tokens_json(FAR), None),
            run,
        );
        assert!(found.is_empty());
    }
}
