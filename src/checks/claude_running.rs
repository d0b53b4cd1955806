use super::{CheckInfo, Finding, Severity};
use crate::model::inventory::Inventory;

pub const INFO: CheckInfo = CheckInfo {
    code: "claude-running",
    severity: Severity::Info,
    summary: "Claude Code is running with this config dir",
    explanation: "\
**What it means.** At least one running Claude Code process uses the same config dir (read from \
its `CLAUDE_CONFIG_DIR`, else its `HOME`). It may write the credentials or the needs-auth cache at \
any moment, and it keeps state in memory: a repair takes effect for it only after a restart (or a \
reconnect in `/mcp`). A process whose environment cannot be read is counted as possibly sharing.

**What to do.** Nothing is wrong. `fix` takes Claude Code's own lock before writing, so it never \
races it; still, restart running sessions after a repair. Process inspection works on Linux; \
elsewhere the report says \"cannot tell\".",
};

pub fn run(inv: &Inventory, out: &mut Vec<Finding>) {
    let using = inv.processes.using(&inv.locations.config_dir.path);
    if using.is_empty() {
        return;
    }
    let pids: Vec<u32> = using.iter().map(|p| p.pid).collect();
    out.push(
        Finding::new(
            INFO.code,
            INFO.severity,
            format!(
                "{} Claude Code process{} (pid {}) use{} this config dir; restart {} after a \
                 repair, since a running session keeps its state in memory.",
                pids.len(),
                if pids.len() == 1 { "" } else { "es" },
                pids.iter()
                    .map(u32::to_string)
                    .collect::<Vec<_>>()
                    .join(", "),
                if pids.len() == 1 { "s" } else { "" },
                if pids.len() == 1 { "it" } else { "them" },
            ),
        )
        .evidence("pids", pids),
    );
}
