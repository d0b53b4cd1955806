use super::Findings;
use super::{CheckInfo, Finding, Severity};
use crate::model::inventory::{CredentialStore, Inventory};
use crate::system::keychain::KeychainRead;

pub const INFO: CheckInfo = CheckInfo {
    code: super::Code::KeychainStore,
    severity: Severity::Info,
    summary: "macOS: no credentials file, and the Keychain item (the live store) could not be read or was not (--no-keychain)",
    explanation: "\
**What it means.** On macOS Claude Code keeps its credentials, `mcpOAuth` included, in the login \
Keychain (generic password `Claude Code-credentials`, with a `-<hash>` suffix when \
`CLAUDE_CONFIG_DIR` or `CLAUDE_SECURESTORAGE_CONFIG_DIR` is set) and uses `~/.claude/.credentials.json` only as a fallback. No file was \
found, and the item was not read (`--no-keychain`) or reading it failed (the message says why: \
a locked keychain, a prompt nobody answered without a terminal), so token states are unknown: \
they are not reported as missing.

**How to look.** `security find-generic-password -s 'Claude Code-credentials' -w` (with the \
suffix, as the message and `mcp-auth-doctor paths` name the item) prints the JSON (it contains \
secrets: do not paste it anywhere).",
};

pub fn run(inv: &Inventory, out: &mut Findings<'_>) {
    if inv.store != CredentialStore::ProbablyKeychain || !inv.has_any_state() {
        return;
    }
    out.push(
        Finding::new(
            INFO.code,
            INFO.severity,
            match &inv.keychain {
                // The default read on macOS was tried and gave nothing usable: say why.
                Some(KeychainRead::NotFound { service, why }) => format!(
                    "{} does not exist, and the Keychain item \"{service}\" Claude Code keeps \
                     credentials in on macOS could not be read: {why}. Token states are unknown.",
                    inv.locations.display(&inv.credentials.path)
                ),
                _ => format!(
                    "{} does not exist; on macOS Claude Code keeps credentials in the Keychain \
                     item \"{}\", which check does not read. Token states are unknown.",
                    inv.locations.display(&inv.credentials.path),
                    crate::system::keychain::service_for(
                        inv.locations.claude_config_dir_var.as_deref(),
                        inv.locations.securestorage_dir.as_deref(),
                    )
                    .0
                ),
            },
        )
        .file(inv.credentials.path.display().to_string()),
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::Snapshot;
    use serde_json::json;

    fn findings(inv: &Inventory) -> Vec<Finding> {
        let mut out = Findings::list();
        run(inv, &mut out);
        out.into_vec()
    }

    #[test]
    fn no_file_where_the_keychain_is_probably_live_is_a_note() {
        // `from_snapshot` picks this store only on macOS; the check's rule is about the store.
        let mut inv = Snapshot::for_test().inventory();
        inv.store = CredentialStore::ProbablyKeychain;
        let found = findings(&inv);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].code, INFO.code);
        assert_eq!(found[0].severity, Severity::Info);
        assert_eq!(
            found[0].file.as_deref(),
            Some("/home/u/.claude/.credentials.json")
        );
    }

    #[test]
    fn a_file_store_or_no_state_at_all_is_not_reported() {
        let file = Snapshot::for_test()
            .with_credentials(json!({"mcpOAuth": {}}))
            .inventory();
        assert_eq!(file.store, CredentialStore::File);
        assert!(findings(&file).is_empty());
        let mut nothing = Snapshot::for_test();
        nothing.disk.config_dir_is_dir = false;
        let mut inv = nothing.inventory();
        inv.store = CredentialStore::ProbablyKeychain;
        assert!(findings(&inv).is_empty());
    }
}
