//! A name defined in two scopes with different endpoints, where the folder being checked uses one
//! and shadows the other (issue 9 item 3). Claude Code 2.1.332 prints the same as its
//! `[Conflicting scopes]` block in `claude mcp list`; 2.1.100 says nothing but loads the local one
//! too (tests/real-client/model-facts.md, `local-shadows-user`).

use super::Findings;
use super::{CheckInfo, Finding, Severity};
use crate::model::inventory::Inventory;
use crate::model::server::Scope;
use crate::redact;

pub const INFO: CheckInfo = CheckInfo {
    code: super::Code::ConflictingScopes,
    severity: Severity::Info,
    summary: "A server name is defined in two scopes with different endpoints; this folder uses one",
    explanation: "\
**What it means.** The same server name is configured in the user scope (or a `.mcp.json`) and in \
the local scope of the folder being checked (`--project`, default the current folder), with a \
different url or headers. In this folder Claude Code uses the local-scope definition; the other \
one is shadowed here and still used in every other folder. Their OAuth entries have different \
keys (tokens are stored per endpoint), so signing in in one folder does not carry over to the \
other, and both entries are live: this tool never removes the shadowed one. The needs-auth marker \
is per name, so it concerns whichever definition the folder uses. Claude Code 2.1.332 says the \
same in `claude mcp list` (\"[Conflicting scopes] Server ... is defined in multiple scopes with \
different endpoints\"); 2.1.100 says nothing.

**How to fix it by hand.** Nothing is broken. To have one endpoint everywhere, keep the right one \
and remove the other: `claude mcp remove NAME -s user` or `claude mcp remove NAME -s local` (in \
the project folder).",
};

pub fn run(inv: &Inventory, out: &mut Findings<'_>) {
    for s in &inv.servers {
        let Some(by) = inv.shadowed_by(s) else {
            continue;
        };
        let Scope::Local { project, .. } = &by.scope else {
            continue;
        };
        let endpoint = |u: Option<&str>| u.map(redact::url).unwrap_or_else(|| "no url".into());
        let mut f = Finding::new(
            INFO.code,
            INFO.severity,
            format!(
                "'{}' is defined in multiple scopes with different endpoints: {} ({}) and local \
                 ({}). In this folder ({}) Claude Code uses the local one; the {} one is shadowed \
                 here and still used in other folders, so its entry stays. OAuth tokens are \
                 stored per endpoint: signing in to one does not carry over to the other.",
                s.name,
                s.scope.label(),
                endpoint(s.url.as_deref()),
                endpoint(by.url.as_deref()),
                inv.locations.display(std::path::Path::new(project)),
                s.scope.label(),
            ),
        )
        .server(&s.name)
        .file(s.file.display().to_string())
        .evidence("used_here", scope_text(&by.scope))
        .evidence("shadowed", scope_text(&s.scope));
        if let Some(k) = &s.key {
            f = f.key(k);
        }
        out.push(f);
    }
}

fn scope_text(scope: &Scope) -> String {
    match scope {
        Scope::Local { project, .. } => format!("local:{project}"),
        Scope::Project { file } => format!("project:{}", file.display()),
        other => other.label().to_string(),
    }
}
