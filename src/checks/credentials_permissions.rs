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
target). `fix` does the same.",
};

pub fn run(inv: &Inventory, out: &mut Vec<Finding>) {
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
