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
`CLAUDE_CONFIG_DIR` is set) and uses `~/.claude/.credentials.json` only as a fallback. No file was \
found, and the item was not read (`--no-keychain`) or reading it failed (the message says why: \
a locked keychain, a prompt nobody answered without a terminal), so token states are unknown: \
they are not reported as missing.

**How to look.** `security find-generic-password -s 'Claude Code-credentials' -w` prints the \
JSON (it contains secrets: do not paste it anywhere).",
};

pub fn run(inv: &Inventory, out: &mut Vec<Finding>) {
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
                     item \"Claude Code-credentials\", which check does not read. Token states \
                     are unknown.",
                    inv.locations.display(&inv.credentials.path)
                ),
            },
        )
        .file(inv.credentials.path.display().to_string()),
    );
}
