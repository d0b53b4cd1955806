use super::Findings;
use super::{ActionKind, CheckInfo, Finding, Severity};
use crate::json::{LineCol, SyntaxErrorKind};
use crate::model::inventory::{Inventory, Role};

pub const INFO: CheckInfo = CheckInfo {
    code: super::Code::ByteOrderMark,
    severity: Severity::Error,
    summary: "A state file starts with a UTF-8 byte order mark, which Claude Code cannot parse",
    explanation: "\
**What it means.** The file begins with the three bytes `EF BB BF` (a UTF-8 byte order mark). \
Claude Code's `JSON.parse` rejects it (\"Unrecognized token\"), so the file counts as corrupt even \
though the JSON after the mark is fine.

**Why it happens.** Windows editors (Notepad, some PowerShell `Out-File` encodings) add it when \
saving.

**How to fix it.** `fix` removes those three bytes and nothing else (backed up first, under \
Claude Code's lock for the file), for `.credentials.json`, `.claude.json` and the needs-auth \
cache, when the JSON after the mark is valid. By hand: remove the first three bytes, for example \
`sed -i '1s/^\\xEF\\xBB\\xBF//' FILE` (GNU sed), or save the file as \"UTF-8\" without BOM.",
};

pub const SEVERITIES: super::SeverityRange = super::SeverityRange {
    lowest: Severity::Warning,
    why: "an error for the credentials, `.claude.json` and `.mcp.json`, which Claude Code then \
          treats as empty; a warning for the needs-auth cache, which it reads as \"no markers\"",
};

pub fn run(inv: &Inventory, out: &mut Findings<'_>) {
    for f in inv.files() {
        if !f.problems.bom {
            continue;
        }
        let severity = if f.role == Role::NeedsAuthCache {
            Severity::Warning
        } else {
            Severity::Error
        };
        let shown = inv.locations.display(f.path);
        // Only the files fix may write, and only when the rest is valid JSON: then the three
        // bytes are the whole problem.
        let action = (inv.role_of(f.path).is_some() && f.problems.syntax.is_none()).then(|| {
            super::whole_file_action(
                f.role,
                f.path,
                ActionKind::RemoveBom,
                "remove the byte order mark (the first 3 bytes)".to_string(),
            )
        });
        let message = match f.problems.syntax.as_ref().map(|s| s.kind) {
            None => format!(
                "{shown} starts with a UTF-8 byte order mark (bytes EF BB BF). Claude Code's JSON \
                 parser rejects it, so {}. The JSON after the mark is valid: remove the first 3 \
                 bytes (fix does, and nothing else).",
                f.role.when_unparseable()
            ),
            Some(SyntaxErrorKind::Empty) => format!(
                "{shown} holds only a UTF-8 byte order mark (bytes EF BB BF): nothing follows it, \
                 so the file is empty as far as Claude Code is concerned (see unparseable-file)."
            ),
            Some(_) => format!(
                "{shown} starts with a UTF-8 byte order mark (bytes EF BB BF), which Claude Code's \
                 JSON parser rejects, and what follows it is not valid JSON either (see \
                 unparseable-file)."
            ),
        };
        out.push(
            Finding::new(INFO.code, severity, message)
                .file(f.path.display().to_string())
                .at(LineCol { line: 1, column: 1 })
                .action(action),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::Snapshot;
    use crate::store::SyntaxProblem;
    use serde_json::json;

    fn findings(snapshot: Snapshot) -> Vec<Finding> {
        crate::load::for_test::run_check(snapshot, run)
    }

    #[test]
    fn a_bom_before_valid_credentials_is_an_error_fix_removes() {
        let found = findings(
            Snapshot::for_test()
                .with_credentials(json!({"mcpOAuth": {"a|0": {"accessToken": "CANARY-a"}}}))
                .with_problems(Role::Credentials, |p| p.bom = true),
        );
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].code, INFO.code);
        assert_eq!(found[0].severity, Severity::Error);
        assert_eq!(found[0].location, Some(LineCol { line: 1, column: 1 }));
        let action = found[0].action.as_ref().expect("an action");
        assert_eq!(action.kind, ActionKind::RemoveBom);
        assert_eq!(action.role, Role::Credentials);
        assert_eq!(
            action.path,
            std::path::Path::new("/home/u/.claude/.credentials.json")
        );
        assert!(!found[0].message.contains("CANARY"), "{}", found[0].message);
    }

    #[test]
    fn a_bom_in_the_cache_is_a_warning() {
        let found = findings(
            Snapshot::for_test()
                .with_needs_auth_cache(json!({}))
                .with_problems(Role::NeedsAuthCache, |p| p.bom = true),
        );
        assert_eq!(found[0].severity, Severity::Warning);
        assert_eq!(
            found[0].action.as_ref().map(|a| a.role),
            Some(Role::NeedsAuthCache)
        );
    }

    #[test]
    fn no_action_when_more_than_the_bom_is_wrong_or_the_file_is_not_ours_to_write() {
        let also_broken = findings(
            Snapshot::for_test()
                .with_credentials(json!({}))
                .with_problems(Role::Credentials, |p| {
                    p.bom = true;
                    p.syntax = Some(SyntaxProblem {
                        kind: SyntaxErrorKind::TrailingComma,
                        at: LineCol { line: 2, column: 1 },
                    });
                }),
        );
        assert_eq!(also_broken.len(), 1);
        assert!(also_broken[0].action.is_none());
        let mcp_json = findings(
            Snapshot::for_test()
                .with_mcp_json("/home/u/work", json!({"mcpServers": {}}))
                .with_problems(Role::ProjectMcpJson, |p| p.bom = true),
        );
        assert_eq!(mcp_json.len(), 1);
        assert_eq!(mcp_json[0].severity, Severity::Error);
        assert!(mcp_json[0].action.is_none());
    }

    #[test]
    fn no_bom_no_finding() {
        let found = findings(
            Snapshot::for_test()
                .with_credentials(json!({}))
                .with_needs_auth_cache(json!({})),
        );
        assert!(found.is_empty(), "{found:?}");
    }
}
