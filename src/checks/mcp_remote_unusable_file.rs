use super::Findings;
use super::{CheckInfo, Finding, Severity};
use crate::model::inventory::Inventory;
use crate::model::mcp_remote::found::{Data, short_hash};
use crate::model::mcp_remote::state::{Kind, Unusable};

pub const INFO: CheckInfo = CheckInfo {
    code: super::Code::McpRemoteUnusableFile,
    severity: Severity::Warning,
    summary: "An mcp-remote tokens or client registration file that mcp-remote (or this tool) cannot use",
    explanation: "\
**What it means.** mcp-remote reads `<hash>_tokens.json` and `<hash>_client_info.json` with a \
schema (`access_token` and `token_type` strings, `client_id` and `redirect_uris`, …); a file that \
is not JSON or fails it is treated as absent: mcp-remote signs in (or registers) again and \
overwrites it. A file this tool refuses to open (a symbolic link, a FIFO, a device, over 1 MiB) \
is reported the same way and never read or written.

**How to fix it.** Let mcp-remote sign in again (it overwrites a file it could not use). A link \
or special file in `~/.mcp-auth` deserves a look: mcp-remote did not make it.",
};

use super::mcp_remote::AboutOwner;

pub fn run(inv: &Inventory, out: &mut Findings<'_>) {
    for folder in &inv.mcp_remote.folders {
        for file in &folder.files {
            let why = match &file.data {
                Data::Tokens(Err(e)) | Data::ClientInfo(Err(e)) => describe(e),
                Data::Unreadable(e) => e.clone(),
                _ => continue,
            };
            let what = match file.kind {
                Kind::Tokens => "tokens file",
                Kind::ClientInfo => "client registration file",
                _ => "file",
            };
            out.push(
                Finding::new(
                    INFO.code,
                    INFO.severity,
                    format!(
                        "The mcp-remote {what} of {who} in {dir} cannot be used: {why}. \
                         mcp-remote treats it as absent and signs in again.",
                        who = inv.mcp_remote.who_has(folder, &file.hash),
                        dir = inv.locations.display(&folder.path),
                    ),
                )
                .file(inv.locations.display(&folder.path))
                .evidence("folder", folder.name.as_str())
                .evidence("hash_prefix", short_hash(&file.hash))
                .about_owner(&inv.mcp_remote, folder, &file.hash),
            );
        }
    }
}

fn describe(e: &Unusable) -> String {
    match e {
        Unusable::NotJson => "it is not JSON".to_string(),
        Unusable::NotAnObject => "it is not a JSON object".to_string(),
        Unusable::Field(name) => format!("\"{name}\" is missing or has the wrong type"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::mcp_remote_tests::*;

    #[test]
    fn a_tokens_file_without_an_access_token_is_unusable() {
        let found = run_on(
            desktop(&["-y", "mcp-remote", URL]).with_mcp_remote_file(
                V1,
                &tokens_name(HASH),
                r#"{"token_type":"Bearer"}"#,
                None,
            ),
            run,
        );
        assert_eq!(found.len(), 1);
        assert!(
            found[0].message.contains("access_token"),
            "{}",
            found[0].message
        );
    }

    #[test]
    fn a_good_file_is_not() {
        let found = run_on(
            desktop(&["-y", "mcp-remote", URL]).with_mcp_remote_file(
                V1,
                &tokens_name(HASH),
                &tokens_json(FAR),
                None,
            ),
            run,
        );
        assert!(found.is_empty());
    }
}
