use super::Findings;
use super::{CheckInfo, Finding, Severity};
use crate::model::inventory::Inventory;
use crate::model::mcp_remote::state::TokenState;
use crate::timefmt;

pub const INFO: CheckInfo = CheckInfo {
    code: super::Code::McpRemoteExpiredToken,
    severity: Severity::Warning,
    summary: "mcp-remote's access token for a server expired and there is no refresh token",
    explanation: "\
**What it means.** `<hash>_tokens.json` in the folder the server's mcp-remote reads has an \
`expires_at` (epoch ms) that has passed, counting mcp-remote's 60 s margin, and no \
`refresh_token`. mcp-remote sends it anyway; the server answers 401 and mcp-remote opens the \
browser to sign in again. With a refresh token, mcp-remote refreshes before use and this is not \
reported. A file with no or a zero `expires_at` never expires for mcp-remote.

**How to fix it.** Start the server: mcp-remote signs in and overwrites the file.",
};

pub fn run(inv: &Inventory, out: &mut Findings<'_>) {
    let remote = &inv.mcp_remote;
    for server in &remote.servers {
        let state = remote.state_of(server);
        let Some(tokens) = state.tokens() else {
            continue;
        };
        if tokens.state(inv.now_ms) != TokenState::Expired {
            continue;
        }
        let Some((folder, hash)) = &state.in_use else {
            continue;
        };
        let at = tokens.expires_at.unwrap_or_default() as i64;
        out.push(super::mcp_remote::about(
            Finding::new(
                INFO.code,
                INFO.severity,
                format!(
                    "mcp-remote's access token for {who} expired {when} and there is no refresh \
                     token: the next start opens the browser to sign in again.",
                    who = server.described(),
                    when = timefmt::relative(at, inv.now_ms),
                ),
            )
            .file(
                inv.locations.display(
                    &remote
                        .folder_path(folder)
                        .join(crate::model::mcp_remote::state::tokens_file(hash)),
                ),
            )
            .evidence("expires_at", timefmt::rfc3339(at)),
            server,
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::mcp_remote_tests::*;
    use crate::load::for_test::NOW_MS;

    #[test]
    fn an_expired_token_without_refresh_token_is_reported() {
        let text = tokens_json_without_refresh(NOW_MS - 1);
        let found = run_on(
            desktop_command("mcp-remote", &[URL]).with_mcp_remote_file(
                V1,
                &tokens_name(HASH),
                &text,
                None,
            ),
            run,
        );
        // Direct: the installed release is unknown, so no folder is claimed.
        assert!(found.is_empty());
        let found = run_on(
            desktop(&["-y", "mcp-remote", URL]).with_mcp_remote_file(
                V1,
                &tokens_name(HASH),
                &text,
                None,
            ),
            run,
        );
        assert_eq!(found.len(), 1);
        assert!(found[0].file.as_deref().unwrap().ends_with("_tokens.json"));
    }

    #[test]
    fn within_the_margin_it_counts_as_expired_and_a_refresh_token_saves_it() {
        let near = tokens_json_without_refresh(NOW_MS + 59_000);
        let found = run_on(
            desktop(&["-y", "mcp-remote", URL]).with_mcp_remote_file(
                V1,
                &tokens_name(HASH),
                &near,
                None,
            ),
            run,
        );
        assert_eq!(found.len(), 1);
        for text in [
            tokens_json(NOW_MS - 1),
            tokens_json_without_refresh(NOW_MS + 61_000),
        ] {
            let found = run_on(
                desktop(&["-y", "mcp-remote", URL]).with_mcp_remote_file(
                    V1,
                    &tokens_name(HASH),
                    &text,
                    None,
                ),
                run,
            );
            assert!(found.is_empty(), "{text}");
        }
    }
}
