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
read as empty (harmless, so this is only a warning there).

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

pub fn run(inv: &Inventory, out: &mut Vec<Finding>) {
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
                    capitalise(f.role.when_unparseable()),
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

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(first) => first.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}
