use super::{CheckInfo, Finding, Severity};
use crate::model::inventory::Inventory;

pub const INFO: CheckInfo = CheckInfo {
    code: super::Code::LegacyConfigFile,
    severity: Severity::Info,
    summary: "The legacy ~/.claude/.config.json exists, so Claude Code uses it instead of ~/.claude.json",
    explanation: "\
**What it means.** When `<configDir>/.config.json` exists, Claude Code treats it as its global \
config and ignores `~/.claude.json` entirely: user- and local-scope MCP servers are read from the \
legacy file. Edits to `~/.claude.json` then seem to have no effect.

**Why it happens.** Very old installs, or a file copied into `~/.claude` by hand.

**How to fix it by hand.** If `.config.json` is stale, move it aside (Claude Code then uses \
`~/.claude.json`); if it is the one you use, keep it and know that it wins.",
};

pub fn run(inv: &Inventory, out: &mut Vec<Finding>) {
    if !inv.locations.legacy_global_config {
        return;
    }
    let legacy = inv.locations.display(&inv.locations.global_config.path);
    let ignored = inv.locations.home.path.join(".claude.json");
    let also = if ignored.exists() {
        format!(
            "; {} exists but is ignored",
            inv.locations.display(&ignored)
        )
    } else {
        String::new()
    };
    out.push(
        Finding::new(
            INFO.code,
            INFO.severity,
            format!(
                "Claude Code uses the legacy {legacy} as its global config because it exists{also}. \
                 MCP servers are read from the legacy file."
            ),
        )
        .file(inv.locations.global_config.path.display().to_string()),
    );
}
