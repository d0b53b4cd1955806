use super::Findings;
use super::{CheckInfo, Finding, Severity};
use crate::model::inventory::{Inventory, Role};

pub const INFO: CheckInfo = CheckInfo {
    code: super::Code::DuplicateJsonKey,
    severity: Severity::Warning,
    summary: "An object in a state file has the same key twice; Claude Code silently keeps the last",
    explanation: "\
**What it means.** The same key appears twice in one JSON object. `JSON.parse` keeps only the \
last value (at the position of the first), so the earlier value is invisible to Claude Code and \
disappears at its next write. In `mcpOAuth` that can hide a good token behind a placeholder.

**Why it happens.** Hand edits or scripts that append text instead of editing the JSON.

**How to fix it by hand.** Open the file at the line and column given, decide which value is the \
right one, and delete the other.",
};

pub fn run(inv: &Inventory, out: &mut Findings<'_>) {
    for f in inv.files() {
        let shown = inv.locations.display(f.path);
        for d in &f.problems.duplicates {
            let inside = if d.object_pointer.is_empty() {
                "the top-level object".to_string()
            } else {
                format!("the object at {}", d.object_pointer)
            };
            // fix refuses to edit such an object (src/fix/edit.rs); say so where it matters.
            let hands_off = if f.role == Role::Credentials && d.object_pointer == "/mcpOAuth" {
                " fix leaves every mcpOAuth entry alone until one copy is deleted by hand: it \
                 cannot tell which copy is right, and removing by key would take both."
            } else {
                ""
            };
            out.push(
                Finding::new(
                    INFO.code,
                    INFO.severity,
                    format!(
                        "{shown} has the key \"{}\" twice in {inside} (the second at line {}, column \
                         {}). Claude Code keeps only the last value; the first is invisible to it \
                         and is dropped at its next write.{hands_off}",
                        d.key, d.at.line, d.at.column
                    ),
                )
                .file(f.path.display().to_string())
                .at(d.at)
                .evidence("object", d.object_pointer.clone())
                .evidence("duplicate_key", d.key.clone()),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::LineCol;
    use crate::load::Snapshot;
    use crate::store::DuplicateKey;
    use serde_json::json;

    fn findings(snapshot: Snapshot) -> Vec<Finding> {
        crate::load::for_test::run_check(snapshot, run)
    }

    fn twice(pointer: &str, key: &str) -> impl FnOnce(&mut crate::store::JsonProblems) {
        let d = DuplicateKey {
            object_pointer: pointer.into(),
            key: key.into(),
            at: LineCol { line: 4, column: 3 },
        };
        move |p| p.duplicates.push(d)
    }

    #[test]
    fn a_key_twice_in_mcp_oauth_is_reported_and_fix_keeps_hands_off() {
        let found = findings(
            Snapshot::for_test()
                .with_credentials(json!({"mcpOAuth": {"a|0": {"accessToken": "CANARY-a"}}}))
                .with_problems(Role::Credentials, twice("/mcpOAuth", "a|0")),
        );
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].code, INFO.code);
        assert_eq!(found[0].severity, Severity::Warning);
        assert_eq!(found[0].location, Some(LineCol { line: 4, column: 3 }));
        assert_eq!(found[0].evidence["object"], "/mcpOAuth");
        assert_eq!(found[0].evidence["duplicate_key"], "a|0");
        assert!(
            found[0]
                .message
                .contains("fix leaves every mcpOAuth entry alone")
        );
        assert!(!found[0].message.contains("CANARY"), "{}", found[0].message);
    }

    #[test]
    fn a_key_twice_elsewhere_has_no_hands_off_note() {
        let found = findings(
            Snapshot::for_test()
                .with_global_config(json!({}))
                .with_problems(Role::GlobalConfig, twice("", "projects")),
        );
        assert_eq!(found.len(), 1);
        assert!(found[0].message.contains("the top-level object"));
        assert!(!found[0].message.contains("fix leaves"));
        assert_eq!(
            found[0].file.as_deref(),
            Some("/home/u/.claude.json"),
            "{found:?}"
        );
    }

    #[test]
    fn no_duplicate_no_finding() {
        let found = findings(
            Snapshot::for_test()
                .with_global_config(json!({}))
                .with_credentials(json!({"mcpOAuth": {"a|0": {}, "b|0": {}}})),
        );
        assert!(found.is_empty(), "{found:?}");
    }
}
