//! Which of Claude Code's files a path is ([`Role`]), and every file the inventory read with
//! the facts every file has ([`FileRef`], [`Inventory::files`]).

use std::path::Path;

use super::Inventory;
use crate::store;
/// Which of Claude Code's files a path is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    GlobalConfig,
    Credentials,
    NeedsAuthCache,
    ProjectMcpJson,
    ManagedMcpJson,
    PluginRegistry,
    /// A settings file (user, project, local or managed) that switches servers on and off.
    Settings,
    /// The macOS Keychain item that holds the credentials object when it is the live store
    /// (`fix::keychain` writes it through `security`).
    KeychainItem,
    /// A file given with `--mcp-config`: read, never written.
    McpConfig,
    /// One of mcp-remote's `<hash>_*` files in a version folder under its base dir (issue 13):
    /// `fix` and `forget` remove them (backed up), `restore` puts them back where the role, the
    /// base dir and the validated folder and file names say, never where a manifest says.
    McpRemoteFile,
}

impl Role {
    /// What Claude Code does when it cannot parse a file of this role.
    pub fn when_unparseable(self) -> &'static str {
        match self {
            Role::Credentials => {
                "Claude Code reads it as empty, so every MCP server (and the Claude.ai login) looks \
                 signed out, and its next write replaces the whole file, losing everything in it"
            }
            Role::GlobalConfig => {
                "Claude Code copies it to backups/.claude.json.corrupted.<time>, starts with default \
                 settings (no user or local MCP servers), and its next write replaces the file. \
                 Until it is repaired, no entry is judged stale or orphaned"
            }
            Role::NeedsAuthCache => {
                "Claude Code reads it as \"no markers\" and overwrites it at its next write; no \
                 harm beyond that"
            }
            Role::ProjectMcpJson => {
                "Claude Code ignores the servers in it, and `claude mcp add -s project` would \
                 replace it with only the new server. Until it is repaired, no entry is judged \
                 stale or orphaned"
            }
            Role::ManagedMcpJson => "Claude Code ignores the managed servers in it",
            Role::PluginRegistry => {
                "Claude Code sees no installed plugins, so their MCP servers are not loaded"
            }
            Role::Settings => {
                "Claude Code reports a settings error at start-up and ignores every setting in \
                 it: the plugins, approvals and server lists it sets fall back to the other \
                 settings files (this tool judges the servers the same way)"
            }
            Role::KeychainItem => {
                "Claude Code reads it as no credentials and falls back to .credentials.json"
            }
            Role::McpConfig => {
                "`claude --mcp-config` stops with an invalid-configuration error instead of \
                 loading the servers in it. Until it is repaired, no entry is judged stale or \
                 orphaned"
            }
            Role::McpRemoteFile => {
                "mcp-remote treats it as absent: it signs in (or registers) again and overwrites it"
            }
        }
    }
}

impl Inventory {
    /// Which of the files a writing command may touch `path` is.
    pub fn role_of(&self, path: &Path) -> Option<Role> {
        if path == self.credentials.path {
            Some(Role::Credentials)
        } else if path == self.cache.path {
            Some(Role::NeedsAuthCache)
        } else if path == self.global.path {
            Some(Role::GlobalConfig)
        } else {
            None
        }
    }
}

/// One file with the facts every file has, whatever its content type.
pub struct FileRef<'a> {
    pub role: Role,
    pub path: &'a Path,
    pub facts: &'a store::FileFacts,
    pub problems: &'a store::JsonProblems,
}

impl<'a> FileRef<'a> {
    fn of<T>(role: Role, f: &'a store::Loaded<T>) -> Self {
        Self {
            role,
            path: &f.path,
            facts: &f.facts,
            problems: &f.problems,
        }
    }
}

impl Inventory {
    /// Every file read, in a stable order.
    pub fn files(&self) -> Vec<FileRef<'_>> {
        let mut out = vec![
            FileRef::of(Role::GlobalConfig, &self.global),
            FileRef::of(Role::Credentials, &self.credentials),
            FileRef::of(Role::NeedsAuthCache, &self.cache),
        ];
        out.extend(
            self.mcp_json
                .iter()
                .map(|f| FileRef::of(Role::ProjectMcpJson, f)),
        );
        if self.plugins.registry.facts.present {
            out.push(FileRef::of(Role::PluginRegistry, &self.plugins.registry));
        }
        if self.managed.facts.present {
            out.push(FileRef::of(Role::ManagedMcpJson, &self.managed));
        }
        out.extend(
            self.mcp_config
                .iter()
                .map(|f| FileRef::of(Role::McpConfig, f)),
        );
        let s = &self.settings_files;
        let settings = [
            Some(&s.user),
            s.project.as_ref(),
            Some(&s.local),
            Some(&s.managed),
        ]
        .into_iter()
        .flatten()
        .chain(&s.managed_drop_ins)
        .filter(|f| f.facts.present);
        out.extend(settings.map(|f| FileRef::of(Role::Settings, f)));
        out
    }
}
