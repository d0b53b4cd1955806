use super::Findings;
use super::{Action, CheckInfo, Finding, Severity};
use crate::model::inventory::{Inventory, Role};

pub const INFO: CheckInfo = CheckInfo {
    code: super::Code::CredentialsPermissions,
    severity: Severity::Warning,
    summary: "The credentials file can be read or written by other users",
    explanation: "\
**What it means.** `.credentials.json` (or the file its symlink points to) has group or other \
permission bits set. It holds OAuth access and refresh tokens and the Claude.ai login. Claude Code \
creates it with mode 0600. The mode checked is the symlink target's, since that is what protects \
the bytes.

**Why it happens.** Copying it between machines, restoring it from a backup or a dotfiles repo, or \
a umask applied by another tool.

**How to fix it by hand.** `chmod 600 ~/.claude/.credentials.json` (this follows a symlink to its \
target). `fix` does the same.

**On Windows** the check is skipped: files there have no Unix mode bits (Claude Code's `chmod \
0600` has no effect; access is decided by the file's ACL, which this tool does not read).",
};

pub fn run(inv: &Inventory, out: &mut Findings<'_>) {
    if inv.target_os == "windows" {
        return;
    }
    let facts = &inv.credentials.facts;
    let (Some(mode), Some(target)) = (facts.mode, &facts.target) else {
        return;
    };
    if mode & 0o077 == 0 || !facts.is_file {
        return;
    }
    // Strip group and other bits only: a file its owner made read-only stays read-only.
    let fixed = mode & 0o700;
    let who = match (mode & 0o070 != 0, mode & 0o007 != 0) {
        (true, true) => "its group and all other users",
        (true, false) => "its group",
        _ => "all other users",
    };
    let shown = inv.locations.display(target);
    let via = if facts.symlinks.is_empty() {
        String::new()
    } else {
        format!(
            " (the target of {})",
            inv.locations.display(&inv.credentials.path)
        )
    };
    out.push(
        Finding::new(
            INFO.code,
            INFO.severity,
            format!(
                "{shown}{via} has mode {mode:04o}: {who} can access the OAuth tokens in it. Claude \
                 Code creates it 0600. Fix: chmod {fixed:o} {shown}"
            ),
        )
        .file(target.display().to_string())
        .evidence("mode", format!("{mode:04o}"))
        .action(Action::chmod(
            Role::Credentials,
            target,
            fixed,
            format!("chmod {fixed:04o} {shown}"),
        )),
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::ActionKind;
    use crate::load::Snapshot;
    use serde_json::json;

    fn findings_with_mode(mode: u32, is_file: bool) -> Vec<Finding> {
        let mut snapshot = Snapshot::for_test()
            .with_credentials(json!({"mcpOAuth": {"a|0": {"accessToken": "CANARY-a"}}}));
        snapshot.credentials.facts.mode = Some(mode);
        snapshot.credentials.facts.is_file = is_file;
        crate::load::for_test::run_check(snapshot, run)
    }

    #[test]
    fn a_world_readable_file_is_chmodded_back_to_owner_only() {
        let found = findings_with_mode(0o644, true);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].code, INFO.code);
        assert_eq!(found[0].severity, Severity::Warning);
        assert_eq!(found[0].evidence["mode"], "0644");
        assert!(found[0].message.contains("its group and all other users"));
        let action = found[0].action.as_ref().expect("an action");
        assert_eq!(action.kind, ActionKind::Chmod { mode: 0o600 });
        assert_eq!(action.role, Role::Credentials);
        assert_eq!(
            action.path,
            std::path::Path::new("/home/u/.claude/.credentials.json")
        );
        assert!(!found[0].message.contains("CANARY"), "{}", found[0].message);
    }

    #[test]
    fn group_bits_alone_are_reported_and_the_owner_bits_kept() {
        let found = findings_with_mode(0o440, true);
        assert_eq!(found.len(), 1);
        assert!(found[0].message.contains("its group can"));
        assert_eq!(
            found[0].action.as_ref().map(|a| a.kind.clone()),
            Some(ActionKind::Chmod { mode: 0o400 })
        );
    }

    #[test]
    fn windows_has_no_mode_bits_to_check() {
        let mut snapshot = Snapshot::for_test()
            .with_credentials(json!({"mcpOAuth": {"a|0": {"accessToken": "CANARY-a"}}}));
        snapshot.credentials.facts.mode = Some(0o644);
        snapshot.target_os = "windows".into();
        assert!(crate::load::for_test::run_check(snapshot, run).is_empty());
    }

    #[test]
    fn owner_only_modes_and_non_files_are_fine() {
        assert!(findings_with_mode(0o600, true).is_empty());
        assert!(findings_with_mode(0o400, true).is_empty());
        assert!(findings_with_mode(0o644, false).is_empty());
    }
}
