use super::Findings;
use super::{CheckInfo, Finding, Severity};
use crate::load::mcp_remote::ProcessFact;
use crate::model::inventory::Inventory;
use crate::model::mcp_remote::found::{Data, short_hash};
use crate::model::mcp_remote::state::LockState;

pub const INFO: CheckInfo = CheckInfo {
    code: super::Code::McpRemoteDeadLock,
    severity: Severity::Info,
    summary: "An mcp-remote sign-in lock file was left by a process that is gone (or is over 30 minutes old)",
    explanation: "\
**What it means.** mcp-remote up to 0.2.1 writes `<hash>_lock.json` (`pid`, callback `port`, \
`timestamp`) while it runs a browser sign-in and deletes it when it exits; a killed process \
leaves it behind. The next mcp-remote checks it: older than 30 minutes, or its pid not running \
(any error from `kill(pid, 0)`, so a process of another user counts as gone too), and it deletes \
the file and signs in itself. So a dead process's lock does not block the callback port or the \
next sign-in; only a live process holds the port. Releases since 0.2.2 write no lock file.

**How to fix it.** Nothing is needed; `fix` removes that one file to tidy up (backed up, \
restorable).",
};

use super::mcp_remote::AboutOwner;

pub fn run(inv: &Inventory, out: &mut Findings<'_>) {
    let remote = &inv.mcp_remote;
    for folder in &remote.folders {
        for file in &folder.files {
            let Data::Lock(Some(lock)) = &file.data else {
                continue;
            };
            let alive = file.process == Some(ProcessFact::Running);
            let why = match lock.state(inv.now_ms, alive) {
                LockState::Held => continue,
                LockState::TooOld => "is over 30 minutes old",
                LockState::DeadProcess => "names a process that is not running",
            };
            out.push(
                Finding::new(
                    INFO.code,
                    INFO.severity,
                    format!(
                        "The mcp-remote sign-in lock of {who} in {dir} {why}: the next \
                         mcp-remote deletes it and signs in itself, so it blocks nothing.",
                        who = remote.who_has(folder, &file.hash),
                        dir = inv.locations.display(&folder.path),
                    ),
                )
                .file(inv.locations.display(&folder.path))
                .evidence("folder", folder.name.as_str())
                .evidence("hash_prefix", short_hash(&file.hash))
                .about_owner(remote, folder, &file.hash)
                .action(crate::checks::Action::remove_mcp_remote_files(
                    &folder.path,
                    &folder.name,
                    vec![file.name.clone()],
                    true,
                ))
                .evidence("pid", lock.pid)
                .evidence("port", lock.port),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::mcp_remote_tests::*;
    use crate::load::for_test::NOW_MS;

    fn lock(timestamp: i64) -> String {
        format!(r#"{{"pid": 4242, "port": 41409, "timestamp": {timestamp}}}"#)
    }

    #[test]
    fn a_lock_of_a_gone_process_or_too_old_is_noted() {
        let name = format!("{HASH}_lock.json");
        for (text, process) in [
            (lock(NOW_MS - 1000), Some(ProcessFact::Gone)),
            (lock(NOW_MS - 1000), Some(ProcessFact::NotPermitted)),
            (lock(NOW_MS - 31 * 60 * 1000), Some(ProcessFact::Running)),
        ] {
            let found = run_on(
                desktop(&["-y", "mcp-remote@0.1.49", URL])
                    .with_mcp_remote_file(OLD, &name, &text, process),
                run,
            );
            assert_eq!(found.len(), 1, "{text} {process:?}");
            assert_eq!(found[0].severity, Severity::Info);
        }
    }

    #[test]
    fn a_lock_of_a_running_process_is_not() {
        let found = run_on(
            desktop(&["-y", "mcp-remote@0.1.49", URL]).with_mcp_remote_file(
                OLD,
                &format!("{HASH}_lock.json"),
                &lock(NOW_MS - 1000),
                Some(ProcessFact::Running),
            ),
            run,
        );
        assert!(found.is_empty());
    }
}
