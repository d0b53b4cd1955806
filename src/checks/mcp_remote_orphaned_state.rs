use super::Findings;
use super::{CheckInfo, Finding, Severity};
use crate::model::inventory::Inventory;

pub const INFO: CheckInfo = CheckInfo {
    code: super::Code::McpRemoteOrphanedState,
    severity: Severity::Info,
    summary: "mcp-remote files for a server that no Claude Code or Claude Desktop config names",
    explanation: "\
**What it means.** A version folder under `~/.mcp-auth` holds `<hash>_*` files whose hash is \
not the hash of any mcp-remote server in Claude Code's scopes or Claude Desktop's config (under \
that folder's hash rule). The server was removed, its URL, `--resource` or a `--header` changed \
(each gives a new hash, and the old files are never read again), or another client (Cursor, \
Windsurf, …) that this tool does not read uses it.

**How to fix it.** If no other client uses it, `mcp-auth-doctor fix --only \
mcp-remote-orphaned-state` removes those files from that folder only (backed up first; `restore \
--latest` brings them back). Never `rm -rf ~/.mcp-auth`: that signs you out of every server.",
};

pub fn run(inv: &Inventory, out: &mut Findings<'_>) {
    let remote = &inv.mcp_remote;
    for (folder, hash) in remote.orphans() {
        let names: Vec<&str> = folder
            .files_for(hash)
            .iter()
            .map(|f| f.name.as_str())
            .collect();
        out.push(
            Finding::new(
                INFO.code,
                INFO.severity,
                format!(
                    "{files} in {dir} for server hash {short} {belong} to no server Claude Code \
                     or Claude Desktop configures (removed, its URL or headers changed, or \
                     another client uses it). If nothing uses {them}: fix --only \
                     mcp-remote-orphaned-state removes {them} (backed up).",
                    files = match names.len() {
                        1 => "1 mcp-remote file".to_string(),
                        n => format!("{n} mcp-remote files"),
                    },
                    belong = if names.len() == 1 {
                        "belongs"
                    } else {
                        "belong"
                    },
                    them = if names.len() == 1 { "it" } else { "them" },
                    dir = inv.locations.display(&folder.path),
                    short = crate::model::mcp_remote::found::short_hash(hash),
                ),
            )
            .file(inv.locations.display(&folder.path))
            .evidence("folder", folder.name.as_str())
            .evidence(
                "hash_prefix",
                crate::model::mcp_remote::found::short_hash(hash),
            )
            .evidence("files", names.len())
            .action(
                crate::checks::Action::remove_mcp_remote_files(
                    &folder.path,
                    &folder.name,
                    names.iter().map(|n| n.to_string()).collect(),
                    false,
                )
                .only_when_asked(
                    "another client (Cursor, Windsurf, …) may use these files; removed only \
                     with --only mcp-remote-orphaned-state, backed up first (mcp-auth-doctor \
                     restore --latest brings them back)",
                ),
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::mcp_remote_tests::*;

    #[test]
    fn files_of_an_unknown_hash_are_orphans_and_a_configured_servers_are_not() {
        let found = run_on(
            desktop(&["-y", "mcp-remote", URL])
                .with_mcp_remote_file(V1, &tokens_name(HASH), &tokens_json(FAR), None)
                .with_mcp_remote_file(V1, &tokens_name(OTHER_HASH), &tokens_json(FAR), None)
                .with_mcp_remote_file(
                    V1,
                    &client_info_name(OTHER_HASH),
                    &client_info_json(1),
                    None,
                ),
            run,
        );
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].evidence["hash_prefix"], "494d19bc…");
        assert_eq!(found[0].evidence["files"], 2);
    }

    #[test]
    fn an_old_release_folder_is_matched_by_that_releases_rule() {
        // 0.1.20 hashed the URL only: the header does not change its file name.
        let hash_url_only = HASH;
        let found = run_on(
            desktop(&["-y", "mcp-remote", URL, "--header", "X-Tenant: acme"]).with_mcp_remote_file(
                "mcp-remote-0.1.20",
                &tokens_name(hash_url_only),
                &tokens_json(FAR),
                None,
            ),
            run,
        );
        assert!(found.is_empty(), "{found:?}");
    }
}
