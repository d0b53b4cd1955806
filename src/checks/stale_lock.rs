use super::Findings;
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

pub fn run(inv: &Inventory, out: &mut Findings<'_>) {
    let running = !inv.processes_using_config_dir().is_empty();
    for lock in &inv.lock_dirs {
        if lock.age_seconds < crate::layout::STALE_LOCK_AFTER.as_secs() {
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
                     If no Claude Code is running, remove it (rmdir) or run `mcp-auth-doctor fix \
                     --break-stale-lock`.",
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::Snapshot;

    fn findings(snapshot: Snapshot) -> Vec<Finding> {
        let mut out = Findings::list();
        run(&snapshot.inventory(), &mut out);
        out.into_vec()
    }

    #[test]
    fn an_old_lock_with_no_claude_code_running_is_a_warning() {
        let found = findings(Snapshot::for_test().with_lock_dir(".storage-write.lock", 120));
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].code, INFO.code);
        assert_eq!(found[0].severity, Severity::Warning);
        assert_eq!(
            found[0].file.as_deref(),
            Some("/home/u/.claude/.storage-write.lock")
        );
        assert_eq!(found[0].evidence["age_seconds"], 120);
    }

    #[test]
    fn an_old_lock_is_only_a_note_while_claude_code_may_use_the_config_dir() {
        let config_dir = std::path::PathBuf::from("/home/u/.claude");
        for snapshot in [
            Snapshot::for_test().with_process(7, Some(&config_dir)),
            // Its environment cannot be read: it may be using this config dir.
            Snapshot::for_test().with_process(8, None),
        ] {
            let found = findings(snapshot.with_lock_dir(".storage-write.lock", 120));
            assert_eq!(found.len(), 1);
            assert_eq!(found[0].severity, Severity::Info);
            assert!(found[0].message.contains("may still be in use"));
        }
    }

    #[test]
    fn a_claude_code_on_another_config_dir_does_not_soften_it() {
        let other = std::path::PathBuf::from("/home/u/.claude-work");
        let found = findings(
            Snapshot::for_test()
                .with_process(7, Some(&other))
                .with_lock_dir(".storage-write.lock", 120),
        );
        assert_eq!(found[0].severity, Severity::Warning);
    }

    #[test]
    fn a_fresh_lock_is_not_stale() {
        let limit = crate::layout::STALE_LOCK_AFTER.as_secs();
        assert!(
            findings(Snapshot::for_test().with_lock_dir(".storage-write.lock", limit - 1))
                .is_empty()
        );
        assert_eq!(
            findings(Snapshot::for_test().with_lock_dir(".storage-write.lock", limit)).len(),
            1
        );
    }
}
