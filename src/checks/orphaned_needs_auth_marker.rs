use super::{CheckInfo, Finding, Severity, defined_elsewhere, remove_marker};
use crate::model::inventory::Inventory;
use crate::model::marker::MarkerState;

pub const INFO: CheckInfo = CheckInfo {
    code: super::Code::OrphanedNeedsAuthMarker,
    severity: Severity::Info,
    summary: "A needs-auth marker for a server name that no visible scope configures",
    explanation: "\
**What it means.** The needs-auth cache is keyed by server name only, and nothing removes a \
removed or renamed server's marker. It does nothing today, but if a server with that name is \
added again (for example with different auth, or through `--mcp-config`), a fresh marker makes \
sessions skip it.

**How to fix it.** Remove it (`fix`; safe, markers hold no credential).",
};

pub fn run(inv: &Inventory, out: &mut Vec<Finding>) {
    if !inv.configs_complete() {
        return; // a broken config file may define the server: see unparseable-file
    }
    for m in &inv.markers {
        if inv.is_configured(&m.name)
            || defined_elsewhere(inv, &m.name)
            || m.state == MarkerState::Future
        {
            continue;
        }
        out.push(
            Finding::new(
                INFO.code,
                INFO.severity,
                format!(
                    "A needs-auth marker names '{}', which no scope configures. It does nothing \
                     now, but would make sessions skip a server added again under that name.",
                    m.name
                ),
            )
            .server(&m.name)
            .file(inv.cache.path.display().to_string())
            .action(remove_marker(inv, &m.name)),
        );
    }
}
