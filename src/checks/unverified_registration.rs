use super::{CheckInfo, Finding, Severity};
use crate::model::inventory::Inventory;
use crate::model::server::NameKind;

pub const INFO: CheckInfo = CheckInfo {
    code: super::Code::UnverifiedRegistration,
    severity: Severity::Info,
    summary: "An entry for a plugin server or claude.ai connector, whose definition this tool cannot read",
    explanation: "\
**What it means.** The entry's name is `plugin:<plugin>:<server>` (defined by an installed plugin) \
or `claude.ai <Name>` (a connector from your Claude.ai account). Those definitions are not in the \
files this tool reads, so it cannot tell whether the key is live and does **not** call the entry \
orphaned.

**How to fix it.** Nothing by default. To sign in again, use `/mcp` in a session (plugin servers \
have no `claude mcp login`). To drop the state anyway: `mcp-auth-doctor forget 'plugin:p:s'`.",
};

pub fn run(inv: &Inventory, out: &mut Vec<Finding>) {
    for e in &inv.entries {
        if inv.is_configured(&e.name) || !super::defined_elsewhere(inv, &e.name) {
            continue;
        }
        let what = match NameKind::of(&e.name) {
            NameKind::Plain => continue,
            NameKind::Plugin => {
                "a plugin server whose definition this tool cannot read (no plugin registry, or \
                 the plugin defines its servers in a way not followed here)"
            }
            NameKind::ClaudeAi => {
                "a claude.ai connector, defined in your Claude.ai account, which this tool does \
                 not read"
            }
        };
        out.push(
            Finding::new(
                INFO.code,
                INFO.severity,
                format!(
                    "'{}' is {what}, so it cannot tell whether {} is live. Not treated as \
                     orphaned.",
                    e.name, e.key
                ),
            )
            .server(&e.name)
            .key(&e.key),
        );
    }
}
