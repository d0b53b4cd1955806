use super::{CheckInfo, Finding, Severity};
use crate::model::inventory::Inventory;

pub const INFO: CheckInfo = CheckInfo {
    code: super::Code::StaleLock,
    severity: Severity::Warning,
    summary: "A Claude Code lock directory is older than 60 s and no Claude Code uses this config dir",
    explanation: "\
**What it means.** Claude Code takes proper-lockfile lock *directories* (`~/.claude.json.lock`, \
`.storage-write.lock`, `mcp-refresh-<key>.lock.lock`, ...) and refreshes their mtime while it holds \
them. One that has not been touched for more than 60 s (the largest stale time Claude Code uses), \
with no Claude Code running on this config dir, was left by a process that crashed or was killed. \
Claude Code itself takes stale locks over, but some paths fall back to writing without the lock, \
and `fix` refuses to take one over unless told.

**How to fix it.** Make sure no Claude Code is running, then remove the directory (`rmdir PATH`), \
or run `mcp-auth-doctor fix --break-stale-lock`.",
};

pub const SEVERITIES: super::SeverityRange = super::SeverityRange {
    lowest: Severity::Info,
    why: "a warning when no Claude Code uses this config dir; only a note when one does, since the \
          lock may then still be in use",
};

pub fn run(inv: &Inventory, out: &mut Vec<Finding>) {
    let running = !inv
        .processes
        .using(&inv.locations.config_dir.path)
        .is_empty();
    for lock in &inv.lock_dirs {
        if lock.age_seconds < crate::system::leftovers::STALE.as_secs() {
            continue;
        }
        let (severity, note) = if running {
            (
                Severity::Info,
                " A Claude Code process uses this config dir, so it may still be in use.",
            )
        } else {
            (Severity::Warning, "")
        };
        out.push(
            Finding::new(
                INFO.code,
                severity,
                format!(
                    "The lock directory {} (for {}) is {} old: whoever took it probably crashed.{note} \
                     If no Claude Code is running, remove it (rmdir) or run fix \
                     --break-stale-lock.",
                    inv.locations.display(&lock.path),
                    lock.protects,
                    crate::timefmt::duration(lock.age_seconds as i64 * 1000),
                ),
            )
            .file(lock.path.display().to_string())
            .evidence("age_seconds", lock.age_seconds),
        );
    }
}
