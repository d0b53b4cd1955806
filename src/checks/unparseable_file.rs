use super::Findings;
use super::{ActionKind, CheckInfo, Finding, Severity};
use crate::json::SyntaxErrorKind;
use crate::model::inventory::{Inventory, Role};

pub const INFO: CheckInfo = CheckInfo {
    code: super::Code::UnparseableFile,
    severity: Severity::Error,
    summary: "A state file is not valid JSON (or cannot be read), so Claude Code treats it as empty",
    explanation: "\
**What it means.** One of Claude Code's files (`.credentials.json`, `.claude.json`, \
`mcp-needs-auth-cache.json`, a `.mcp.json`) is not valid JSON: it is empty, truncated, has a comment \
or a trailing comma, invalid UTF-8, or something else `JSON.parse` rejects. The finding gives the \
line and column.

**What Claude Code does with it.** It reads a broken `.credentials.json` as empty (every MCP \
server looks signed out) and its next write replaces the whole file, losing everything in it, \
including the Claude.ai login. A broken `.claude.json` is copied to \
`backups/.claude.json.corrupted.<time>` and replaced by defaults. A broken needs-auth cache is \
read as empty (harmless, so this is only a warning there). A broken settings file is ignored as a \
whole, except a managed one (`managed-settings.json` or a drop-in of `managed-settings.d/`): from \
2.1.332 on, Claude Code does not start while one of those does not parse (`Managed settings \
document could not be parsed as a JSON object`), and every server's verdict is `startup-blocked`; \
2.1.100 skips it.

**Why it happens.** A write interrupted by a crash or a full disk, an editor that added a comment \
or a trailing comma, two processes writing at once.

**How to fix it by hand.** Copy the file aside first. Then repair the spot the finding names, or \
restore a recent backup (`~/.claude/backups/`). mcp-auth-doctor never writes a credentials or \
config file it cannot parse. The needs-auth cache is the exception: it is disposable (an \
interactive Claude Code deletes it at start), so `fix` backs it up and replaces it with `{}`.",
};

pub const SEVERITIES: super::SeverityRange = super::SeverityRange {
    lowest: Severity::Info,
    why: "an error for the credentials, `.claude.json` and `.mcp.json`; a warning for the \
          needs-auth cache (read as empty) and for a file Claude Code reads but this tool cannot \
          (a comment, say); a note for an empty needs-auth cache, which Claude Code leaves so",
};

pub fn run(inv: &Inventory, out: &mut Findings<'_>) {
    for f in inv.files() {
        let severity = if f.role == Role::NeedsAuthCache {
            Severity::Warning
        } else {
            Severity::Error
        };
        let shown = inv.locations.display(f.path);
        if let Some(err) = &f.problems.read_error {
            if f.facts.present || !f.facts.symlinks.is_empty() {
                out.push(
                    Finding::new(
                        INFO.code,
                        severity,
                        format!(
                            "{shown} cannot be read: {err}. Claude Code cannot read it either; \
                             check its permissions and owner."
                        ),
                    )
                    .file(f.path.display().to_string()),
                );
            }
            continue;
        }
        let Some(syntax) = &f.problems.syntax else {
            continue;
        };
        if syntax.kind.claude_reads_it() {
            out.push(
                Finding::new(
                    INFO.code,
                    Severity::Warning,
                    format!(
                        "{shown} holds {} (at line {}, column {}). Claude Code reads it, but this \
                         tool cannot: nothing is judged from this file, and it is never written.",
                        syntax.kind.describe(),
                        syntax.at.line,
                        syntax.at.column
                    ),
                )
                .file(f.path.display().to_string())
                .at(syntax.at)
                .evidence("error", syntax.kind.code()),
            );
            continue;
        }
        let (severity, advice) = match (f.role, syntax.kind) {
            // Claude Code truncates the cache and may exit before writing it again.
            (Role::NeedsAuthCache, SyntaxErrorKind::Empty) => {
                out.push(
                    Finding::new(
                        INFO.code,
                        Severity::Info,
                        format!(
                            "{shown} is empty. Claude Code leaves it so when it exits while writing \
                             it, and reads it as \"no markers\". Harmless."
                        ),
                    )
                    .file(f.path.display().to_string())
                    .evidence("error", syntax.kind.code()),
                );
                continue;
            }
            // Claude Code reads it as no credentials: nothing in it to lose.
            (Role::Credentials, SyntaxErrorKind::Empty) => {
                let what = if f.problems.bom {
                    "holds only a byte order mark"
                } else {
                    "is empty"
                };
                out.push(
                    Finding::new(
                        INFO.code,
                        severity,
                        format!(
                            "{shown} {what}: Claude Code reads it as no credentials, so every MCP \
                             server (and the Claude.ai login) is signed out as far as Claude Code \
                             is concerned. Nothing in it can be lost: the next sign-in writes it \
                             anew. If it held credentials until recently, `mcp-auth-doctor \
                             backups` lists the copies this tool made before its own writes."
                        ),
                    )
                    .file(f.path.display().to_string())
                    .at(syntax.at)
                    .evidence("error", syntax.kind.code()),
                );
                continue;
            }
            (Role::NeedsAuthCache, _) => (
                Severity::Warning,
                "It is a disposable cache (an interactive Claude Code deletes it at start): fix \
                 backs it up and replaces it with {}.",
            ),
            _ => (
                severity,
                "Copy it aside, then repair that spot or restore a backup; mcp-auth-doctor will \
                 not write it.",
            ),
        };
        out.push(
            Finding::new(
                INFO.code,
                severity,
                format!(
                    "{shown} is not valid JSON: {} at line {}, column {}. {}. {advice}",
                    syntax.kind.describe(),
                    syntax.at.line,
                    syntax.at.column,
                    if inv.stops_claude(f.path) {
                        STOPS_CLAUDE.to_string()
                    } else {
                        capitalise(f.role.when_unparseable())
                    },
                ),
            )
            .file(f.path.display().to_string())
            .at(syntax.at)
            .evidence("error", syntax.kind.code())
            .action((f.role == Role::NeedsAuthCache).then(|| {
                super::whole_file_action(
                    f.role,
                    f.path,
                    ActionKind::ReplaceWithEmptyObject,
                    "replace the unparseable cache with {} (no markers)".to_string(),
                )
            })),
        );
    }
}

/// What a broken managed settings document does under
/// [`crate::model::release::Rule::BrokenManagedSettingsStopsClaude`].
const STOPS_CLAUDE: &str = "It is a managed settings document, so Claude Code does not start while \
     it does not parse: `claude`, `claude -p` and `claude mcp list` print \"Managed settings \
     document could not be parsed as a JSON object; none of its settings are in effect. Fix or \
     remove it.\" and exit (seen with 2.1.332; 2.1.100 skips the file), so every server is \
     startup-blocked";

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(first) => first.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::LineCol;
    use crate::load::Snapshot;
    use crate::store::SyntaxProblem;
    use serde_json::json;

    fn findings(snapshot: Snapshot) -> Vec<Finding> {
        crate::load::for_test::run_check(snapshot, run)
    }

    fn broken(kind: SyntaxErrorKind) -> impl FnOnce(&mut crate::store::JsonProblems) {
        move |p| {
            p.syntax = Some(SyntaxProblem {
                kind,
                at: LineCol { line: 3, column: 5 },
            })
        }
    }

    #[test]
    fn broken_credentials_are_an_error_that_fix_never_touches() {
        let found = findings(
            Snapshot::for_test()
                .with_credentials(json!({"mcpOAuth": {"a|0": {"accessToken": "CANARY-a"}}}))
                .with_problems(Role::Credentials, broken(SyntaxErrorKind::TrailingComma)),
        );
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].code, INFO.code);
        assert_eq!(found[0].severity, Severity::Error);
        assert_eq!(
            found[0].file.as_deref(),
            Some("/home/u/.claude/.credentials.json")
        );
        assert_eq!(found[0].location, Some(LineCol { line: 3, column: 5 }));
        assert!(found[0].action.is_none(), "{:?}", found[0].action);
        assert!(!found[0].message.contains("CANARY"), "{}", found[0].message);
    }

    #[test]
    fn a_broken_needs_auth_cache_is_a_warning_replaced_with_an_empty_object() {
        let found = findings(
            Snapshot::for_test()
                .with_needs_auth_cache(json!({}))
                .with_problems(Role::NeedsAuthCache, broken(SyntaxErrorKind::UnexpectedEnd)),
        );
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].severity, Severity::Warning);
        let action = found[0].action.as_ref().expect("an action");
        assert_eq!(action.kind, ActionKind::ReplaceWithEmptyObject);
        assert_eq!(action.role, Role::NeedsAuthCache);
        assert_eq!(
            action.path,
            std::path::Path::new("/home/u/.claude/mcp-needs-auth-cache.json")
        );
    }

    #[test]
    fn an_empty_cache_is_only_a_note_and_a_file_claude_reads_only_a_warning() {
        let empty = findings(
            Snapshot::for_test()
                .with_needs_auth_cache(json!({}))
                .with_problems(Role::NeedsAuthCache, broken(SyntaxErrorKind::Empty)),
        );
        assert_eq!(empty[0].severity, Severity::Info);
        assert!(empty[0].action.is_none());
        let deep = findings(
            Snapshot::for_test()
                .with_global_config(json!({}))
                .with_problems(Role::GlobalConfig, broken(SyntaxErrorKind::TooDeep)),
        );
        assert_eq!(deep[0].severity, Severity::Warning);
        assert!(deep[0].message.contains("Claude Code reads it"));
    }

    #[test]
    fn an_unreadable_file_that_is_there_is_reported_and_one_that_is_not_is_not() {
        let present = findings(
            Snapshot::for_test()
                .with_credentials(json!({}))
                .with_problems(Role::Credentials, |p| {
                    p.read_error = Some("permission denied".into())
                }),
        );
        assert_eq!(present.len(), 1);
        assert_eq!(present[0].severity, Severity::Error);
        assert!(present[0].message.contains("cannot be read"));
        let absent = findings(Snapshot::for_test().with_problems(Role::Credentials, |p| {
            p.read_error = Some("permission denied".into())
        }));
        assert!(absent.is_empty(), "{absent:?}");
    }

    #[test]
    fn files_that_parse_are_not_reported() {
        let found = findings(
            Snapshot::for_test()
                .with_global_config(json!({"mcpServers": {}}))
                .with_credentials(json!({"mcpOAuth": {}}))
                .with_needs_auth_cache(json!({}))
                .with_mcp_json("/home/u/work", json!({"mcpServers": {}})),
        );
        assert!(found.is_empty(), "{found:?}");
    }
}
