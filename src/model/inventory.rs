//! Everything the checks look at, loaded once: the files, the configured servers from every scope,
//! the stored entries and the markers.

use std::path::{Path, PathBuf};

use serde_json::Value;

use super::entry::Entry;
use super::key::EnvLookup;
use super::marker::Marker;
use super::release::Assumed;
use super::server::{ConfiguredServer, Scope};
use crate::load::{DiskFacts, Snapshot};
use crate::paths::Locations;
use crate::store::global_config::GlobalConfig;
use crate::store::plugins::{InstalledPlugin, Plugins};
use crate::store::{self, Loaded};
use crate::system::keychain::KeychainRead;
use crate::system::leftovers::LockDir;
use crate::system::processes::{ClaudeProcess, ProcessScan, Sharing};

/// Where Claude Code keeps the credentials on this machine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CredentialStore {
    /// The plaintext `.credentials.json` exists.
    File,
    /// macOS without the file: the live store is probably the Keychain, which `check` does not read.
    ProbablyKeychain,
    /// No credentials anywhere this tool can see.
    Missing,
    /// The Keychain item was read (by default on macOS without the file, or `--keychain`) and is
    /// the live store; `fix`, `forget` and `restore` write it through `security`
    /// (`fix::keychain`).
    Keychain,
}

pub use crate::load::LoadOptions;

mod files;
mod folder_settings;
mod index;
pub use files::{FileRef, Role};
use folder_settings::settings_for_folder;
use index::Index;
pub use index::{KeyServers, LiveKeys};

/// The inputs of a diagnosis.
pub struct Inventory {
    pub now_ms: i64,
    /// Whose files this run may read and write (root on someone's home trusts only theirs).
    pub trust: store::safe::Trust,
    pub locations: Locations,
    pub global: Loaded<GlobalConfig>,
    pub credentials: Loaded<store::credentials::Credentials>,
    pub cache: Loaded<Value>,
    /// Every `.mcp.json` found, nearest to the project directory first.
    pub mcp_json: Vec<Loaded<Value>>,
    pub managed: Loaded<Value>,
    pub plugins: Plugins,
    pub servers: Vec<ConfiguredServer>,
    pub entries: Vec<Entry>,
    pub markers: Vec<Marker>,
    pub store: CredentialStore,
    /// What the Keychain gave, when it was read.
    pub keychain: Option<KeychainRead>,
    pub processes: ProcessScan,
    pub lock_dirs: Vec<LockDir>,
    pub temp_files: Vec<PathBuf>,
    /// `backups/.claude.json.corrupted.*` copies.
    pub corrupted_backups: usize,
    /// The existence questions, answered by `load`.
    pub disk: DiskFacts,
    /// The settings files as loaded (for `files()`), and what they say for the folder checked.
    pub settings_files: crate::load::settings::SettingsFiles,
    pub settings: super::settings::Settings,
    /// The Claude Code release the rules are judged by ([`super::release`]).
    pub release: Assumed,
    /// The `--mcp-config` files, in the order given.
    pub mcp_config: Vec<Loaded<Value>>,
    /// Container / WSL / none, and the OS whose rules apply ([`super::host`]).
    pub host: super::host::Host,
    /// The git work tree root at or above the folder being checked ([`super::folder`]).
    pub git_root: Option<PathBuf>,
    /// mcp-remote's state and the servers (Claude Code's and Claude Desktop's) that run it.
    pub mcp_remote: super::mcp_remote::found::McpRemote,
    /// Lookups by name and key, built once: the checks ask per entry, and a linear search made
    /// `check` and `fix` quadratic in the number of entries (issue 15).
    index: Index,
    /// The OS whose rules apply (`paths::target_os`): how project folders compare, whether
    /// mode bits and the process scan mean anything.
    pub target_os: String,
    /// [`Snapshot::literal_tilde_stores`].
    pub literal_tilde_stores: Vec<store::tilde::StrayStore>,
    /// Where [`Inventory::current_project`] is in `global`'s projects, found once: it is asked
    /// per server, and comparing the folder with every project key each time made `check`
    /// quadratic in projects x servers (issue 15).
    pub(super) current_project_at: Option<usize>,
}

impl Inventory {
    /// The inventory of what `snapshot` holds. Pure: everything the disk could say is in the
    /// snapshot already.
    pub fn from_snapshot(snapshot: Snapshot, env: &dyn EnvLookup, now_ms: i64) -> Self {
        let Snapshot {
            locations,
            trust,
            global,
            credentials,
            cache,
            managed,
            mcp_json,
            plugins,
            keychain,
            processes,
            lock_dirs,
            temp_files,
            corrupted_backups,
            disk,
            settings: settings_files,
            target_os,
            release,
            git_root,
            literal_tilde_stores,
            mcp_config,
            mcp_remote,
        } = snapshot;
        let mut servers = Vec::new();
        if let Some(config) = managed.as_claude_sees() {
            add_servers(
                &mut servers,
                config.get("mcpServers"),
                &managed.path,
                Scope::Managed,
                env,
                &release,
            );
        }
        if let Some(config) = global.as_claude_sees() {
            add_servers(
                &mut servers,
                config.user_servers.as_ref(),
                &global.path,
                Scope::User,
                env,
                &release,
            );
            for project in &config.projects {
                let project_servers = project.fields.get("mcpServers");
                // Most projects define no server: no scope (a copy of the folder) for them.
                if project_servers
                    .and_then(Value::as_object)
                    .is_none_or(|m| m.is_empty())
                {
                    continue;
                }
                let exists = disk.project_dir_exists(&project.path);
                add_servers(
                    &mut servers,
                    project_servers,
                    &global.path,
                    Scope::Local {
                        project: project.path.clone(),
                        exists,
                    },
                    env,
                    &release,
                );
            }
        }
        for plugin in &plugins.installed {
            for (server, config) in &plugin.servers {
                out_plugin_server(&mut servers, plugin, server, config, env, &release);
            }
        }
        for file in &mcp_json {
            if let Some(config) = file.as_claude_sees() {
                add_servers(
                    &mut servers,
                    config.get("mcpServers"),
                    &file.path,
                    Scope::Project {
                        file: file.path.clone(),
                    },
                    env,
                    &release,
                );
            }
        }

        for file in &mcp_config {
            if let Some(config) = file.as_claude_sees() {
                add_servers(
                    &mut servers,
                    config.get("mcpServers"),
                    &file.path,
                    Scope::McpConfig {
                        file: file.path.clone(),
                    },
                    env,
                    &release,
                );
            }
        }

        let settings = settings_for_folder(&settings_files, &global, &locations, &target_os);
        super::settings::judge(&mut servers, &settings, &locations.project_dir);

        let keychain_blob = match &keychain {
            Some(KeychainRead::Found { blob, .. }) => Some(blob),
            _ => None,
        };
        let mut field_lists = super::entry::FieldLists::default();
        let entries: Vec<Entry> = match (keychain_blob, credentials.as_claude_sees()) {
            (Some(blob), _) => blob
                .get("mcpOAuth")
                .and_then(Value::as_object)
                .map(|m| {
                    m.iter()
                        .map(|(k, v)| Entry::from_value_sharing(k, v, now_ms, &mut field_lists))
                        .collect()
                })
                .unwrap_or_default(),
            // Each entry read from its text: no tree of it, nor of the file.
            (None, Some(file)) => {
                let mut out = Vec::with_capacity(file.entry_count());
                for (k, text) in file.entry_texts() {
                    out.push(Entry::from_json_sharing(k, text, now_ms, &mut field_lists));
                }
                out
            }
            (None, None) => Vec::new(),
        };
        let markers = cache
            .as_claude_sees()
            .and_then(Value::as_object)
            .map(|m| {
                m.iter()
                    .map(|(k, v)| Marker::from_value_as(k, v, now_ms, &release))
                    .collect()
            })
            .unwrap_or_default();
        let store = if keychain_blob.is_some() {
            CredentialStore::Keychain
        } else if credentials.facts.present {
            CredentialStore::File
        } else if target_os == "macos" {
            CredentialStore::ProbablyKeychain
        } else {
            CredentialStore::Missing
        };
        let index = Index::build(&servers, &entries);
        let current_project_at = super::folder::find_current_project(
            &global,
            git_root.as_deref(),
            &locations,
            &target_os,
        );
        let host = super::host::Host::of(&disk.host, &target_os);
        let mcp_remote = super::mcp_remote::found::McpRemote::build(
            mcp_remote,
            &servers,
            &|s| {
                super::mcp_remote::found::definition_env(
                    s,
                    &global,
                    &mcp_json,
                    &managed,
                    &mcp_config,
                )
            },
            env,
            target_os == "windows",
        );
        Self {
            mcp_remote,
            git_root,
            release,
            trust,
            index,
            keychain,
            processes,
            lock_dirs,
            temp_files,
            corrupted_backups,
            disk,
            now_ms,
            locations,
            global,
            credentials,
            cache,
            mcp_json,
            managed,
            plugins,
            servers,
            entries,
            markers,
            store,
            settings_files,
            settings,
            target_os,
            literal_tilde_stores,
            current_project_at,
            mcp_config,
            host,
        }
    }

    /// Running Claude Code processes that may use this config dir (those whose environment cannot
    /// be read included): for caution.
    pub fn processes_using_config_dir(&self) -> Vec<&ClaudeProcess> {
        self.processes.using(&self.disk.config_dir_canonical)
    }

    /// Which running Claude Code processes use this config dir, and which cannot be told.
    pub fn config_dir_sharing(&self) -> Sharing<'_> {
        self.processes.sharing(&self.disk.config_dir_canonical)
    }

    /// Whether any Claude Code state exists at all (a machine without Claude Code is not broken).
    pub fn has_any_state(&self) -> bool {
        self.global.facts.present
            || self.credentials.facts.present
            || self.cache.facts.present
            || self.disk.config_dir_is_dir
    }

    /// Every key some scope's config hashes to, with the servers that produce it.
    pub fn live_keys(&self) -> LiveKeys<'_> {
        LiveKeys {
            servers: &self.servers,
            by_key: &self.index.servers_by_key,
        }
    }

    /// The invalid definition that makes Claude Code drop `s`'s whole scope, if any. One invalid
    /// server in user scope, a local project, a `.mcp.json` or the managed file makes Claude Code
    /// ignore every server there (observed in 2.1.100).
    pub fn scope_breaker(&self, s: &ConfiguredServer) -> Option<&ConfiguredServer> {
        if matches!(s.scope, Scope::Plugin { .. }) {
            return None;
        }
        self.servers
            .iter()
            .find(|o| o.invalid.is_some() && o.file == s.file && o.scope == s.scope)
    }

    /// All definitions of `name`, in any scope.
    pub fn servers_named<'a>(
        &'a self,
        name: &'a str,
    ) -> impl Iterator<Item = &'a ConfiguredServer> {
        let at = self
            .index
            .servers_by_name
            .get(name)
            .map_or(&[][..], Vec::as_slice);
        at.iter().map(|&i| &self.servers[i])
    }

    pub fn is_configured(&self, name: &str) -> bool {
        self.servers_named(name).next().is_some()
    }

    pub fn entry(&self, key: &str) -> Option<&Entry> {
        self.index
            .entry(&self.entries, key)
            .map(|i| &self.entries[i])
    }

    /// The entries whose server name is `name`, in order.
    pub fn entries_named<'a, 'n>(
        &'a self,
        name: &'n str,
    ) -> impl Iterator<Item = &'a Entry> + use<'a, 'n> {
        let entries = &self.entries;
        self.index
            .entries_named(entries, name)
            .map(move |i| &entries[i as usize])
    }

    /// Drops the entries (and their index: [`Inventory::entry`] then finds none), for a command
    /// that is past reading them: `fix` writes and reports without them (issue 15: 10,000
    /// entries are ~3 MB of a `fix`'s peak).
    pub fn drop_entries(&mut self) {
        self.entries = Vec::new();
        self.index.drop_entries();
    }

    pub fn marker(&self, name: &str) -> Option<&Marker> {
        self.markers.iter().find(|m| m.name == name)
    }

    /// Whether Claude Code's entries are known (the credentials file was read and parsed).
    pub fn entries_known(&self) -> bool {
        self.store == CredentialStore::Keychain
            || self.credentials.as_claude_sees().is_some()
            || (self.store == CredentialStore::Missing
                && self.credentials.problems.read_error.is_none())
    }

    /// Whether the credentials file is there but holds nothing (0 bytes, whitespace, or only a
    /// byte order mark): Claude Code reads that as no credentials at all, signed out.
    pub fn credentials_empty(&self) -> bool {
        let p = &self.credentials.problems;
        p.read_error.is_none()
            && p.syntax
                .as_ref()
                .is_some_and(|s| matches!(s.kind, crate::json::SyntaxErrorKind::Empty))
    }

    /// The Keychain item when it is the live store: what `fix`, `forget` and `restore` write
    /// instead of the credentials file.
    pub fn keychain_item(&self) -> Option<KeychainItem<'_>> {
        match (&self.keychain, self.store) {
            (
                Some(KeychainRead::Found {
                    service,
                    blob,
                    text,
                    account,
                    shown,
                }),
                CredentialStore::Keychain,
            ) => Some(KeychainItem {
                service,
                account,
                text,
                shown,
                overflow: blob.get("keychainOverflow").is_some(),
                duplicate_mcp_oauth: crate::json::scan::scan(&text[..], &mut crate::json::scan::ValidateOnly)
                    .is_ok_and(|r| {
                        r.duplicates.iter().any(|d| {
                            matches!(&d.object_path[..], [crate::json::Seg::Key(k)] if k == "mcpOAuth")
                        })
                    }),
            }),
            _ => None,
        }
    }

    /// A top-level member other than `mcpOAuth` of the credentials object Claude Code reads:
    /// the Keychain item when it is the live store, the file otherwise.
    pub fn live_member(&self, member: &str) -> Option<&Value> {
        match (&self.keychain, self.store) {
            (Some(KeychainRead::Found { blob, .. }), CredentialStore::Keychain) => blob.get(member),
            _ => self.credentials.as_claude_sees()?.get(member),
        }
    }

    /// `mcpOAuth[key]` as stored in the credentials object Claude Code reads (the Keychain item
    /// when it is the live store, the file otherwise), parsed.
    pub fn live_entry(&self, key: &str) -> Option<Value> {
        match (&self.keychain, self.store) {
            (Some(KeychainRead::Found { blob, .. }), CredentialStore::Keychain) => {
                blob.get("mcpOAuth")?.get(key).cloned()
            }
            _ => self.credentials.as_claude_sees()?.entry(key),
        }
    }

    /// `mcpOAuth[key]` as stored in the file when Claude Code can parse it, else in the
    /// Keychain item when one was read (the order the support ticket reads them in), parsed.
    pub fn file_first_entry(&self, key: &str) -> Option<Value> {
        match (self.credentials.as_claude_sees(), &self.keychain) {
            (Some(file), _) => file.entry(key),
            (None, Some(KeychainRead::Found { blob, .. })) => {
                blob.get("mcpOAuth")?.get(key).cloned()
            }
            (None, _) => None,
        }
    }

    /// Whether every config source Claude Code reads could be parsed. When one could not, the
    /// servers it defines are unknown, so no entry or marker may be called stale or orphaned.
    /// A file that is simply not there is complete (no servers); one that could not be read (a
    /// dangling or looping symlink, no permission, refused as untrusted) is not.
    pub fn configs_complete(&self) -> bool {
        let ok = |problems: &store::JsonProblems, facts: &store::FileFacts| {
            let absent =
                !facts.present && facts.symlinks.is_empty() && problems.read_error.is_none();
            absent || problems.claude_can_parse()
        };
        ok(&self.global.problems, &self.global.facts)
            && ok(&self.managed.problems, &self.managed.facts)
            && self.mcp_json.iter().all(|f| ok(&f.problems, &f.facts))
            && self.mcp_config.iter().all(|f| ok(&f.problems, &f.facts))
    }

    /// A state file exists (or may) but could not be read: the diagnosis is incomplete, so the
    /// run "could not run" fully (exit bit 8) as well as reporting it.
    pub fn unreadable_state(&self) -> bool {
        self.files().iter().any(|f| {
            f.problems.read_error.is_some() && (f.facts.present || !f.facts.symlinks.is_empty())
        })
    }
}

fn add_servers(
    out: &mut Vec<ConfiguredServer>,
    servers: Option<&Value>,
    file: &Path,
    scope: Scope,
    env: &dyn EnvLookup,
    release: &Assumed,
) {
    let Some(map) = servers.and_then(Value::as_object) else {
        return;
    };
    for (name, config) in map {
        out.push(ConfiguredServer::from_config_as(
            name,
            config,
            scope.clone(),
            file.to_path_buf(),
            env,
            release,
        ));
    }
}

/// A plugin's server, named `plugin:<plugin>:<server>`. One that needs `${user_config.…}` (values
/// this tool cannot see) gets no key: its state is unverifiable rather than wrong.
fn out_plugin_server(
    out: &mut Vec<ConfiguredServer>,
    plugin: &InstalledPlugin,
    server: &str,
    config: &Value,
    env: &dyn EnvLookup,
    release: &Assumed,
) {
    let name = format!("plugin:{}:{}", plugin.name, server);
    let mut s = ConfiguredServer::from_config_as(
        &name,
        config,
        Scope::Plugin {
            id: plugin.id.clone(),
        },
        plugin.install_path.join(crate::layout::PROJECT_MCP_JSON),
        env,
        release,
    );
    if config.to_string().contains("${user_config.") {
        s.key = None;
    }
    // Plugin files are validated server by server: an invalid one drops only itself.
    out.push(s);
}

/// The Keychain item as the live store, for a write.
#[derive(Debug, Clone, Copy)]
pub struct KeychainItem<'a> {
    pub service: &'a str,
    pub account: &'a str,
    /// Its JSON text, byte for byte, as the plan saw it.
    pub text: &'a [u8],
    /// How it is shown where a file path would be.
    pub shown: &'a Path,
    /// The top level has `keychainOverflow` (2.1.332 spilled part of the payload into
    /// encrypted overflow items): never written.
    pub overflow: bool,
    /// Its `mcpOAuth` object holds a key twice: no edit by key (as for the file).
    pub duplicate_mcp_oauth: bool,
}
