use super::{CheckInfo, Finding, Severity};
use crate::model::inventory::Inventory;

pub const INFO: CheckInfo = CheckInfo {
    code: super::Code::LeftoverTempFile,
    severity: Severity::Info,
    summary: "A temp file from an interrupted atomic write sits next to a state file",
    explanation: "\
**What it means.** Claude Code writes `.claude.json` and (2.1.332) `.credentials.json` through a \
temp file (`<file>.tmp.<pid>.<time>`, `.credentials.json.tmp.<hex>`) renamed over the target; \
mcp-auth-doctor does the same with `.<file>.mcp-auth-doctor.<pid>.<n>.tmp`. A leftover means a \
write was interrupted. The real file is intact (the rename never happened); the temp file may hold \
a newer copy, secrets included.

**How to fix it.** Look at it if the real file lost something you need, then delete it.",
};

pub fn run(inv: &Inventory, out: &mut Vec<Finding>) {
    for path in &inv.temp_files {
        out.push(
            Finding::new(
                INFO.code,
                INFO.severity,
                format!(
                    "{} is left over from an interrupted write; the real file is intact. It may \
                     hold secrets: delete it once you are sure you do not need it.",
                    inv.locations.display(path)
                ),
            )
            .file(path.display().to_string()),
        );
    }
}
