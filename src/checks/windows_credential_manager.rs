//! Windows: Claude Code 2.1.332 may keep its credentials in the Windows Credential Manager
//! instead of `.credentials.json` (state-formats.md §1.3), which this tool does not read. Made an
//! info finding rather than a note in `paths` only: it is what a user running `check` needs to
//! see next to the token states it qualifies, it reaches `report` and the JSON with a stable
//! code, and it has an `--explain`; it is no problem with the state, so it sets no exit bit.

use super::Findings;
use serde_json::Value;

use super::{CheckInfo, Finding, Severity};
use crate::model::inventory::Inventory;

pub const INFO: CheckInfo = CheckInfo {
    code: super::Code::WindowsCredentialManager,
    severity: Severity::Info,
    summary: "Windows: the live credential store may be the Windows Credential Manager, which is not read",
    explanation: "\
**What it means.** Claude Code 2.1.332 can keep its credentials (the Claude.ai login and every \
`mcpOAuth` entry) in the Windows Credential Manager instead of `.credentials.json`: it does when \
the feature flag `tengu_windows_credman` is on (Claude Code caches it in `.claude.json` under \
`cachedGrowthBookFeatures`) or `CLAUDE_CODE_FORCE_WINDOWS_CREDMAN=1` is set, falling back to the \
file when the Credential Manager fails. One of them holds here. This tool reads and repairs only \
the file: the token states it shows come from the file, which may be an old copy, and `fix` \
writes the file, which Claude Code may not read. Earlier releases (2.1.100) always use the file.

**What to do.** Take the token states with care. When a server keeps asking for a sign-in, \
`claude mcp login NAME` (or `/mcp` in a session) works on whichever store Claude Code uses. In \
Windows, *Credential Manager* → *Windows Credentials* lists what Claude Code stored (its entry \
names were not recorded).",
};

pub fn run(inv: &Inventory, out: &mut Findings<'_>) {
    if inv.target_os != "windows" {
        return;
    }
    let flag = inv
        .global
        .as_claude_sees()
        .and_then(|g| g.windows_credman_flag.as_ref())
        == Some(&Value::Bool(true));
    let forced = inv.locations.windows_credman_forced;
    let why = match (flag, forced) {
        (false, false) => return,
        (true, false) => format!(
            "its feature flag tengu_windows_credman is on in {}",
            inv.locations.display(&inv.locations.global_config.path)
        ),
        (false, true) => "CLAUDE_CODE_FORCE_WINDOWS_CREDMAN is set".to_string(),
        (true, true) => format!(
            "CLAUDE_CODE_FORCE_WINDOWS_CREDMAN is set and its feature flag \
             tengu_windows_credman is on in {}",
            inv.locations.display(&inv.locations.global_config.path)
        ),
    };
    out.push(
        Finding::new(
            INFO.code,
            INFO.severity,
            format!(
                "Claude Code may keep credentials in the Windows Credential Manager ({why}), which \
                 this tool does not read: the token states shown come from {}, which may be an \
                 old copy, and fix repairs only that file.",
                inv.locations.display(&inv.credentials.path)
            ),
        )
        .evidence("feature_flag", flag)
        .evidence("forced_by_env", forced),
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::Snapshot;
    use serde_json::json;

    fn findings(os: &str, flag: Value, forced: bool) -> Vec<Finding> {
        let mut snapshot = Snapshot::for_test().with_global_config(json!({
            "cachedGrowthBookFeatures": {"tengu_other": true, "tengu_windows_credman": flag}
        }));
        snapshot.target_os = os.into();
        snapshot.locations.windows_credman_forced = forced;
        crate::load::for_test::run_check(snapshot, run)
    }

    #[test]
    fn the_flag_or_the_variable_on_windows_says_the_credential_manager_may_be_live() {
        let by_flag = findings("windows", json!(true), false);
        assert_eq!(by_flag.len(), 1);
        assert_eq!(by_flag[0].severity, Severity::Info);
        assert!(
            by_flag[0].message.contains("feature flag"),
            "{}",
            by_flag[0].message
        );
        let by_env = findings("windows", json!(false), true);
        assert_eq!(by_env.len(), 1);
        assert!(
            by_env[0]
                .message
                .contains("CLAUDE_CODE_FORCE_WINDOWS_CREDMAN is set")
        );
        assert_eq!(findings("windows", json!(true), true).len(), 1);
    }

    #[test]
    fn off_windows_or_with_the_flag_off_nothing_is_said() {
        assert!(findings("windows", json!(false), false).is_empty());
        assert!(findings("windows", json!("true"), false).is_empty());
        assert!(findings("linux", json!(true), true).is_empty());
        assert!(findings("macos", json!(true), false).is_empty());
    }
}
