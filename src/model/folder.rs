//! The folder being checked (`--project`, default the current folder) decides which definition of
//! a name Claude Code uses there: a local-scope server (its `projects[<path>]` entry) shadows a
//! user-scope or `.mcp.json` server of the same name (real client 2.1.100 and 2.1.332:
//! tests/real-client/model-facts.md, `local-shadows-user`). The shadowed definition is not
//! broken: its entry stays live for every other folder.

use super::inventory::Inventory;
use super::server::{ConfiguredServer, Scope};
use crate::paths::{self, Locations};
use crate::store::Loaded;
use crate::store::global_config::GlobalConfig;

/// The position of the project [`Inventory::current_project`] names: the first key that is the
/// same project as the git root at or above the folder, else the folder itself.
pub(super) fn find_current_project(
    global: &Loaded<GlobalConfig>,
    git_root: Option<&std::path::Path>,
    locations: &Locations,
    target_os: &str,
) -> Option<usize> {
    let folder = git_root
        .unwrap_or(&locations.project_dir)
        .display()
        .to_string();
    let folder = paths::Folder::new(target_os, &folder);
    global
        .as_claude_sees()?
        .projects
        .iter()
        .position(|p| folder.is_project(&p.path))
}

impl Inventory {
    /// The `projects` key Claude Code files the folder being checked under, if it has one: the
    /// git root at or above the folder, else the folder itself (state-formats.md §5.1; for a git
    /// worktree the loader has already mapped it to its main repository, `load::git_root`).
    /// Found once when the inventory is built ([`find_current_project`]).
    pub fn current_project(&self) -> Option<&str> {
        let at = self.current_project_at?;
        self.global
            .as_claude_sees()?
            .projects
            .get(at)
            .map(|p| p.path.as_str())
    }

    /// The definition Claude Code uses instead of `s` in the folder being checked: a valid
    /// local-scope server of the same name there, with another key. `None` for the definition in
    /// use, and for local servers of other folders (they are judged as in their own folder).
    pub fn shadowed_by<'a>(&'a self, s: &'a ConfiguredServer) -> Option<&'a ConfiguredServer> {
        if !matches!(s.scope, Scope::User | Scope::Project { .. }) {
            return None;
        }
        let here = self.current_project()?;
        self.servers_named(&s.name).find(|o| {
            matches!(&o.scope, Scope::Local { project, .. } if project == here)
                && o.invalid.is_none()
                && self.scope_breaker(o).is_none()
                && o.key != s.key
        })
    }
}

impl Inventory {
    /// The definitions of `name` not shadowed in the folder being checked: what a per-name fact
    /// (the needs-auth marker) is judged against.
    pub fn in_use_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a ConfiguredServer> {
        self.servers_named(name)
            .filter(|s| self.shadowed_by(s).is_none())
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::load::Snapshot;

    fn inventory_in(folder: &str, git_root: Option<&str>) -> crate::model::inventory::Inventory {
        let mut snapshot = Snapshot::for_test().with_global_config(json!({
            "mcpServers": {"dup": {"type": "http", "url": "https://u.example.com/mcp"},
                           "solo": {"type": "http", "url": "https://s.example.com/mcp"}},
            "projects": {"/home/u/app": {"mcpServers": {
                "dup": {"type": "http", "url": "https://l.example.com/mcp"}}}}
        }));
        snapshot.locations.project_dir = folder.into();
        snapshot.git_root = git_root.map(Into::into);
        snapshot.inventory()
    }

    #[test]
    fn a_local_server_shadows_the_user_one_in_its_folder_only() {
        for (folder, git) in [
            ("/home/u/app", None),
            ("/home/u/app/src", Some("/home/u/app")),
        ] {
            let inv = inventory_in(folder, git);
            assert_eq!(inv.current_project(), Some("/home/u/app"));
            let user = inv
                .servers
                .iter()
                .find(|s| s.name == "dup" && s.scope == crate::model::server::Scope::User)
                .unwrap();
            let by = inv.shadowed_by(user).expect("shadowed");
            assert_eq!(by.url.as_deref(), Some("https://l.example.com/mcp"));
            let solo = inv.servers.iter().find(|s| s.name == "solo").unwrap();
            assert!(inv.shadowed_by(solo).is_none());
            assert!(inv.shadowed_by(by).is_none());
        }
        // Elsewhere, and in a subfolder that is not in a git repository (Claude Code files it
        // under its own path), nothing is shadowed.
        for folder in ["/home/u/other", "/home/u/app/src"] {
            let elsewhere = inventory_in(folder, None);
            assert_eq!(elsewhere.current_project(), None);
            assert!(
                elsewhere
                    .servers
                    .iter()
                    .all(|s| elsewhere.shadowed_by(s).is_none())
            );
        }
    }

    /// Windows inputs on any OS: the target is a value. Claude Code keys `C:\\Users\\Alice\\App`
    /// as `C:/Users/Alice/App` (state-formats §1.6); a folder spelled with other case or
    /// separators, or a UNC share, is the same project there, and not on Linux.
    #[test]
    fn a_windows_folder_finds_its_project_whatever_the_case_and_separators() {
        let inventory_on = |os: &str, key: &str, folder: &str| {
            let mut snapshot = Snapshot::for_test().with_global_config(json!({
                "mcpServers": {"dup": {"type": "http", "url": "https://u.example.com/mcp"}},
                "projects": {key: {
                    "mcpServers": {"dup": {"type": "http", "url": "https://l.example.com/mcp"}},
                    "disabledMcpServers": ["other"]}}
            }));
            snapshot.target_os = os.into();
            snapshot.locations.project_dir = folder.into();
            snapshot.inventory()
        };
        for (key, folder) in [
            ("C:/Users/Alice/App", r"C:\Users\Alice\App"),
            ("C:/Users/Alice/App", r"c:\users\alice\app"),
            ("C:/Users/Alice/App", r"C:\Users\Alice\App\"),
            ("//fileserver/Share/App", r"\\FileServer\share\app"),
        ] {
            let inv = inventory_on("windows", key, folder);
            assert_eq!(inv.current_project(), Some(key), "{folder}");
            assert_eq!(inv.settings.folder, folder.replace('\\', "/"));
            assert!(
                inv.settings
                    .files
                    .iter()
                    .any(|f| f.source == crate::model::settings::Source::ProjectEntry),
                "the project entry's settings count for {folder}"
            );
            let user = inv
                .servers
                .iter()
                .find(|s| s.scope == crate::model::server::Scope::User)
                .unwrap();
            assert!(inv.shadowed_by(user).is_some(), "{folder}");
            // The same spellings are different folders on Linux.
            assert_eq!(inventory_on("linux", key, folder).current_project(), None);
        }
        assert_eq!(
            inventory_on("windows", "C:/Users/Alice/App", r"D:\Users\Alice\App").current_project(),
            None
        );
    }
}
