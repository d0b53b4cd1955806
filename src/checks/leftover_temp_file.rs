use super::Findings;
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

pub fn run(inv: &Inventory, out: &mut Findings<'_>) {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::Snapshot;

    fn findings(snapshot: Snapshot) -> Vec<Finding> {
        crate::load::for_test::run_check(snapshot, run)
    }

    #[test]
    fn each_leftover_temp_file_is_reported_without_an_action() {
        let found = findings(
            Snapshot::for_test()
                .with_temp_file(".credentials.json.tmp.123.456")
                .with_temp_file(".claude.json.tmp.1"),
        );
        assert_eq!(found.len(), 2, "{found:?}");
        assert_eq!(found[0].code, INFO.code);
        assert_eq!(found[0].severity, INFO.severity);
        assert_eq!(
            found[0].file.as_deref(),
            Some("/home/u/.claude/.credentials.json.tmp.123.456")
        );
        assert!(
            found[0]
                .message
                .contains("~/.claude/.credentials.json.tmp.123.456")
        );
        assert!(found.iter().all(|f| f.action.is_none()));
    }

    #[test]
    fn no_temp_file_no_finding() {
        assert!(findings(Snapshot::for_test().with_credentials(serde_json::json!({}))).is_empty());
    }
}
