use super::{CheckInfo, Finding, Severity};
use crate::model::inventory::Inventory;

pub const INFO: CheckInfo = CheckInfo {
    code: "invalid-server-config",
    severity: Severity::Warning,
    summary: "A configured MCP server is invalid, so Claude Code skips it",
    explanation: "\
**What it means.** A server definition that Claude Code's config schema rejects: most often a \
`url` without `\"type\": \"http\"` or `\"sse\"` (the type is required for url servers), or a \
definition with neither `url` nor `command`. Claude Code skips it with an error, so it never \
connects and never uses its OAuth state.

**How to fix it by hand.** Re-add it with `claude mcp add --transport http NAME URL` (or edit the \
file and add the missing field).",
};

pub fn run(inv: &Inventory, out: &mut Vec<Finding>) {
    for s in &inv.servers {
        let Some(why) = &s.invalid else { continue };
        out.push(
            Finding::new(
                INFO.code,
                INFO.severity,
                format!(
                    "'{}' ({} scope, {}) is not a valid server definition: {why}.",
                    s.name,
                    s.scope.label(),
                    inv.locations.display(&s.file)
                ),
            )
            .server(&s.name)
            .file(s.file.display().to_string()),
        );
    }
}
