use super::Findings;
use super::{CheckInfo, Finding, Severity};
use crate::model::inventory::Inventory;

pub const INFO: CheckInfo = CheckInfo {
    code: super::Code::ClaudeRunning,
    severity: Severity::Info,
    summary: "Claude Code is running with this config dir",
    explanation: "\
**What it means.** At least one running Claude Code process uses the same config dir (read from \
its `CLAUDE_CONFIG_DIR`, else its `HOME`). It may write the credentials or the needs-auth cache at \
any moment, and it keeps state in memory: a repair takes effect for it only after a restart (or a \
reconnect in `/mcp`). A process whose environment cannot be read (another user's, unless this \
runs as root) is reported as unknown, not as sharing; `fix` still counts it as possibly sharing.

**What to do.** Nothing is wrong. `fix` takes Claude Code's own lock before writing, so it never \
races it; still, restart running sessions after a repair. Process inspection works on Linux; \
on macOS and Windows (no `/proc`) this check stays silent and the report says \"cannot tell\".",
};

pub fn run(inv: &Inventory, out: &mut Findings<'_>) {
    let sharing = inv.config_dir_sharing();
    let pids = |v: &[&crate::system::processes::ClaudeProcess]| -> Vec<u32> {
        v.iter().map(|p| p.pid).collect()
    };
    let (known, unknown) = (pids(&sharing.known), pids(&sharing.unknown));
    let Some(text) = message(&known, &unknown) else {
        return;
    };
    let mut f = Finding::new(INFO.code, INFO.severity, text).evidence("pids", known);
    if !unknown.is_empty() {
        f = f.evidence("unknown_pids", unknown);
    }
    out.push(f);
}

/// What to say about the processes that use this config dir and those that cannot be told.
fn message(known: &[u32], unknown: &[u32]) -> Option<String> {
    let list = |p: &[u32]| p.iter().map(u32::to_string).collect::<Vec<_>>().join(", ");
    let one = |p: &[u32]| p.len() == 1;
    let unknown_text = |lead: &str| {
        format!(
            "{lead} Claude Code process{} (pid {}) whose environment cannot be read (another \
             user's: run as root to tell) may or may not use this config dir.",
            if one(unknown) { "" } else { "es" },
            list(unknown),
        )
    };
    match (known.is_empty(), unknown.is_empty()) {
        (true, true) => None,
        (true, false) => Some(unknown_text(&unknown.len().to_string())),
        (false, _) => {
            let mut text = format!(
                "{} Claude Code process{} (pid {}) use{} this config dir; restart {} after a \
                 repair, since a running session keeps its state in memory.",
                known.len(),
                if one(known) { "" } else { "es" },
                list(known),
                if one(known) { "s" } else { "" },
                if one(known) { "it" } else { "them" },
            );
            if !unknown.is_empty() {
                text.push(' ');
                text.push_str(&unknown_text(&format!("{} more", unknown.len())));
            }
            Some(text)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unreadable_process_is_unknown_not_sharing() {
        assert_eq!(message(&[], &[]), None);
        let only_unknown = message(&[], &[7]).unwrap();
        assert!(
            !only_unknown.contains(" uses this config dir"),
            "{only_unknown}"
        );
        assert!(
            only_unknown.contains("may or may not use"),
            "{only_unknown}"
        );
        let both = message(&[5], &[7, 8]).unwrap();
        assert!(
            both.starts_with("1 Claude Code process (pid 5) uses"),
            "{both}"
        );
        assert!(
            both.contains("2 more Claude Code processes (pid 7, 8)"),
            "{both}"
        );
    }

    fn findings(snapshot: crate::load::Snapshot) -> Vec<Finding> {
        crate::load::for_test::run_check(snapshot, run)
    }

    #[test]
    fn a_claude_code_on_this_config_dir_is_reported_with_its_pid() {
        let config_dir = std::path::PathBuf::from("/home/u/.claude");
        let found = findings(crate::load::Snapshot::for_test().with_process(5, Some(&config_dir)));
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].code, INFO.code);
        assert_eq!(found[0].severity, INFO.severity);
        assert_eq!(found[0].evidence["pids"], serde_json::json!([5]));
        assert!(!found[0].evidence.contains_key("unknown_pids"));
    }

    #[test]
    fn a_claude_code_on_another_config_dir_is_not_reported() {
        let other = std::path::PathBuf::from("/home/u/.claude-work");
        let found = findings(crate::load::Snapshot::for_test().with_process(5, Some(&other)));
        assert!(found.is_empty(), "{found:?}");
        assert!(findings(crate::load::Snapshot::for_test()).is_empty());
    }
}
