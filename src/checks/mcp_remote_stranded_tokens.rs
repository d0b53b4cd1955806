use super::Findings;
use super::{CheckInfo, Finding, Severity};
use crate::model::inventory::Inventory;
use crate::model::mcp_remote::found::{RemoteServer, ServerState};

pub const INFO: CheckInfo = CheckInfo {
    code: super::Code::McpRemoteStrandedTokens,
    severity: Severity::Warning,
    summary: "mcp-remote's tokens for a server are in another version folder than the one the release it runs reads",
    explanation: "\
**What it means.** mcp-remote keeps each server's tokens in a folder per release: \
`~/.mcp-auth/mcp-remote-<version>` up to 0.3.1, `~/.mcp-auth/mcp-remote-v1` for every release \
since 0.3.2. No release reads another release's folder and nothing copies tokens forward. The \
server's definition starts a release (pinned `mcp-remote@X.Y.Z`, or unpinned, which `npx` \
resolves to the registry's `latest` when nothing is installed locally) whose folder holds no \
usable tokens for it, while another folder does. This is the common \"signed in, but asked to \
sign in again\" case after an upgrade.

**How to fix it.** Either pin the release that holds the tokens (`mcp-remote@0.1.49` in the \
`args`), or sign in once with the release that runs; then `mcp-auth-doctor fix --only \
mcp-remote-stranded-tokens` removes the old folder's copies (backed up; never `rm -rf \
~/.mcp-auth`, which signs you out of every server). Copying the files across is not known to be \
safe (newer releases check `requested_scope` and `issuer`).",
};

pub fn run(inv: &Inventory, out: &mut Findings<'_>) {
    let remote = &inv.mcp_remote;
    for server in &remote.servers {
        let state = remote.state_of(server);
        let Some((folder, _)) = &state.in_use else {
            continue;
        };
        if state.tokens().is_some() || state.tokens_elsewhere.is_empty() {
            continue;
        }
        let elsewhere: Vec<&str> = state
            .tokens_elsewhere
            .iter()
            .map(|f| f.name.as_str())
            .collect();
        let caveat = match server.launch.requested {
            crate::model::mcp_remote::Requested::Unpinned => {
                " (unpinned: npx runs the registry's latest release unless one is installed in \
                 the project or globally)"
            }
            _ => "",
        };
        out.push(super::mcp_remote::about(
            Finding::new(
                INFO.code,
                INFO.severity,
                format!(
                    "{who} starts an mcp-remote that reads {folder}{caveat}, which holds no \
                     tokens for it, but {list} does: mcp-remote will open the browser to sign \
                     in again. Pin the release that wrote them, or sign in once with this one; \
                     fix --only mcp-remote-stranded-tokens then removes the old copies (backed \
                     up).",
                    who = server.described(),
                    list = elsewhere.join(", "),
                ),
            )
            .file(inv.locations.display(&remote.folder_path(folder)))
            .evidence("folder_in_use", folder.as_str())
            .evidence("folders_with_tokens", elsewhere)
            .action(old_copies(server, &state)),
            server,
        ));
    }
}

/// Removing the old folder's copies, when there is one old folder: asked for by name only (it
/// signs the server out of the release that wrote them).
fn old_copies(server: &RemoteServer, state: &ServerState<'_>) -> Option<crate::checks::Action> {
    let [folder] = state.tokens_elsewhere.as_slice() else {
        return None;
    };
    let hash = server.hash_in(folder.kind.as_ref()).ok()?;
    let names: Vec<String> = folder
        .files_for(&hash)
        .iter()
        .map(|f| f.name.clone())
        .collect();
    Some(
        crate::checks::Action::remove_mcp_remote_files(&folder.path, &folder.name, names, false)
            .only_when_asked(
                "they are the only tokens for this server until you sign in with the release \
                 that runs; removed only with --only mcp-remote-stranded-tokens, backed up first",
            ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::mcp_remote_tests::*;

    #[test]
    fn tokens_only_in_the_old_release_folder_are_stranded() {
        let found = run_on(
            desktop(&["-y", "mcp-remote", URL]).with_mcp_remote_file(
                OLD,
                &tokens_name(HASH),
                &tokens_json(FAR),
                None,
            ),
            run,
        );
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].evidence["folder_in_use"], "mcp-remote-v1");
        assert_eq!(found[0].evidence["folders_with_tokens"][0], OLD);
        assert_eq!(found[0].evidence["desktop_server"], "acme");
        assert_eq!(found[0].server, None);
    }

    #[test]
    fn not_stranded_when_the_folder_in_use_has_tokens_or_the_release_is_pinned_to_it() {
        let both = desktop(&["-y", "mcp-remote", URL])
            .with_mcp_remote_file(OLD, &tokens_name(HASH), &tokens_json(FAR), None)
            .with_mcp_remote_file(V1, &tokens_name(HASH), &tokens_json(FAR), None);
        assert!(run_on(both, run).is_empty());
        let pinned = desktop(&["-y", "mcp-remote@0.1.49", URL]).with_mcp_remote_file(
            OLD,
            &tokens_name(HASH),
            &tokens_json(FAR),
            None,
        );
        assert!(run_on(pinned, run).is_empty());
        // A release range: which folder it reads is not known, so nothing is claimed.
        let range = desktop(&["-y", "mcp-remote@^0.1", URL]).with_mcp_remote_file(
            OLD,
            &tokens_name(HASH),
            &tokens_json(FAR),
            None,
        );
        assert!(run_on(range, run).is_empty());
    }
}
