use std::collections::HashMap;

use super::Findings;
use super::{CheckInfo, Finding, Severity};
use crate::model::inventory::Inventory;
use crate::model::server::Scope;

pub const INFO: CheckInfo = CheckInfo {
    code: super::Code::MissingProjectDir,
    severity: Severity::Info,
    summary: "Local-scope servers are configured for a project folder that no longer exists",
    explanation: "\
**What it means.** `~/.claude.json` keeps local-scope servers under `projects[<folder>]`. The \
folder is gone (deleted, moved or renamed), so those servers are only loaded if you start Claude \
Code in a folder at that path again. Their OAuth entries still count as live: this tool never \
calls them orphaned, because recreating the folder would use them.

**How to fix it by hand.** If the project moved, run `claude mcp add` again in its new folder. To \
drop the old project entry, remove `projects[\"<folder>\"]` from `~/.claude.json` while Claude Code \
is not running (back it up first).",
};

pub fn run(inv: &Inventory, out: &mut Findings<'_>) {
    let Some(global) = inv.global.as_claude_sees() else {
        return;
    };
    // The local servers of missing folders, by folder, in one pass over the servers: looking
    // them up per project made the check projects x servers (issue 15: 4% of `check` on a
    // 5,000-project home).
    let mut missing: HashMap<&str, Vec<&str>, foldhash::fast::RandomState> = HashMap::default();
    for s in &inv.servers {
        if let Scope::Local {
            project,
            exists: Some(false),
        } = &s.scope
        {
            missing.entry(project).or_default().push(s.name.as_str());
        }
    }
    if missing.is_empty() {
        return;
    }
    for project in &global.projects {
        let Some(names) = missing.get(project.path.as_str()) else {
            continue;
        };
        let names = names.clone();
        out.push(
            Finding::new(
                INFO.code,
                INFO.severity,
                format!(
                    "{} configured for {}, which no longer exists. Claude Code loads {} only in a \
                     folder at that path; {} OAuth {} still treated as live.",
                    match names.as_slice() {
                        [one] => format!("The local-scope server '{one}' is"),
                        many => format!("The local-scope servers '{}' are", many.join("', '")),
                    },
                    inv.locations.display(std::path::Path::new(&project.path)),
                    if names.len() == 1 { "it" } else { "them" },
                    if names.len() == 1 { "its" } else { "their" },
                    if names.len() == 1 {
                        "entry is"
                    } else {
                        "entries are"
                    },
                ),
            )
            .file(inv.global.path.display().to_string())
            .evidence("project", project.path.clone())
            .evidence("servers", names),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::Snapshot;
    use serde_json::json;

    fn findings(snapshot: Snapshot) -> Vec<Finding> {
        let mut out = Findings::list();
        run(&snapshot.inventory(), &mut out);
        out.into_vec()
    }

    fn global(project: &str) -> serde_json::Value {
        json!({"projects": {project: {"mcpServers": {
            "linear": {"type": "http", "url": "https://mcp.linear.app/mcp"}
        }}}})
    }

    #[test]
    fn a_local_server_of_a_deleted_project_is_reported() {
        let found = findings(
            Snapshot::for_test()
                .with_global_config(global("/home/u/gone"))
                .with_project_dir("/home/u/gone", false),
        );
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].code, INFO.code);
        assert_eq!(found[0].evidence["project"], "/home/u/gone");
        assert_eq!(found[0].evidence["servers"], json!(["linear"]));
        assert!(found[0].message.contains("~/gone"), "{}", found[0].message);
    }

    #[test]
    fn an_existing_or_uncheckable_project_is_not_reported() {
        let existing = Snapshot::for_test()
            .with_global_config(global("/home/u/work"))
            .with_project_dir("/home/u/work", true);
        // A Windows key on Unix: load cannot tell, so it is not in the snapshot.
        let windows = Snapshot::for_test().with_global_config(global("C:/Users/u/work"));
        for snapshot in [existing, windows] {
            assert!(findings(snapshot).is_empty());
        }
    }
}
