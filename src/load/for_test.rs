//! Snapshots built in memory, so a check (or anything after `load`) can be unit-tested without a
//! disk: start from [`Snapshot::for_test`] (an empty home at `/home/u`), add what the test needs,
//! and turn it into an [`Inventory`].

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde_json::Value;

use super::{DiskFacts, Snapshot};
use crate::model::inventory::Inventory;
use crate::paths::{Environment, HomeSource, Locations, Overrides};
use crate::store::Loaded;
use crate::store::global_config::{GlobalConfig, ProjectConfig};
use crate::store::plugins::Plugins;
use crate::system::leftovers::LockDir;
use crate::system::processes::{Canonical, ClaudeProcess, ProcessScan};

/// The "now" of [`Snapshot::inventory`]: 2026-06-01T12:00:00Z.
pub const NOW_MS: i64 = 1_780_315_200_000;

impl Snapshot {
    /// A home at `/home/u` with an empty `~/.claude`, no state file, no lock, no temp file, and
    /// a process scan that found no Claude Code.
    pub fn for_test() -> Self {
        Self::for_test_with(false)
    }

    /// [`Snapshot::for_test`], with the legacy `~/.claude/.config.json` present (it is then the
    /// global config).
    pub fn for_test_with(legacy_config: bool) -> Self {
        let env = Environment {
            home: Some(PathBuf::from("/home/u")),
            cwd: PathBuf::from("/home/u/work"),
            vars: HashMap::new(),
            user: Some("u".into()),
            home_from: HomeSource::Variable,
        };
        let locations = Locations::resolve_with(&env, &Overrides::default(), &|_| legacy_config)
            .expect("a home is given");
        let config_dir = locations.config_dir.path.clone();
        let [user, project, local, managed] = super::settings::paths(&locations);
        let settings = super::settings::SettingsFiles {
            user: Loaded::missing(&user),
            project: Some(Loaded::missing(&project)),
            local: Loaded::missing(&local),
            managed: Loaded::missing(&managed),
            managed_drop_ins: Vec::new(),
        };
        Self {
            literal_tilde_stores: Vec::new(),
            git_root: None,
            mcp_remote: super::mcp_remote::McpRemoteFiles::for_test(),
            release: Default::default(),
            trust: Default::default(),
            global: Loaded::missing(&locations.global_config.path),
            credentials: Loaded::missing(&locations.credentials.path),
            cache: Loaded::missing(&locations.needs_auth_cache.path),
            managed: Loaded::missing(&locations.managed_mcp.path),
            mcp_json: Vec::new(),
            mcp_config: Vec::new(),
            plugins: Plugins {
                registry: Loaded::missing(
                    &locations
                        .plugins_dir
                        .path
                        .join(crate::layout::PLUGIN_REGISTRY),
                ),
                installed: Vec::new(),
            },
            keychain: None,
            processes: ProcessScan::Scanned {
                processes: Vec::new(),
            },
            lock_dirs: Vec::new(),
            temp_files: Vec::new(),
            corrupted_backups: 0,
            disk: DiskFacts {
                config_dir_is_dir: true,
                config_dir_canonical: Canonical(config_dir),
                home_global_config_exists: false,
                project_dirs: Default::default(),
                host: Default::default(),
            },
            locations,
            settings,
            target_os: std::env::consts::OS.into(),
        }
    }

    /// The global config holds `json` (`mcpServers`, `projects`), parsed as `load` keeps it.
    pub fn with_global_config(mut self, json: Value) -> Self {
        let projects = json
            .get("projects")
            .and_then(Value::as_object)
            .map(|m| {
                m.iter()
                    .map(|(path, p)| ProjectConfig {
                        path: path.clone(),
                        fields: p
                            .as_object()
                            .map(|o| {
                                // Names that are not project fields are left out, as
                                // the loader leaves them (`ProjectFields::insert`).
                                o.iter().map(|(k, v)| (k.as_str(), v.clone())).collect()
                            })
                            .unwrap_or_default(),
                    })
                    .collect()
            })
            .unwrap_or_default();
        let config = GlobalConfig {
            user_servers: json.get("mcpServers").cloned(),
            projects,
            top_level: Vec::new(),
            windows_credman_flag: json
                .pointer("/cachedGrowthBookFeatures/tengu_windows_credman")
                .cloned(),
        };
        self.global = Loaded::parsed(&self.global.path, config);
        self
    }

    /// The global config is there but Claude Code cannot parse it.
    pub fn with_unparseable_global_config(mut self) -> Self {
        let mut loaded = Loaded::parsed(&self.global.path, GlobalConfig::default());
        loaded.content = None;
        loaded.problems.syntax = Some(crate::store::SyntaxProblem {
            kind: crate::json::SyntaxErrorKind::Empty,
            at: crate::json::LineCol { line: 1, column: 1 },
        });
        self.global = loaded;
        self
    }

    /// `.credentials.json` holds `json`.
    pub fn with_credentials(mut self, json: Value) -> Self {
        self.credentials = Loaded::parsed(
            &self.credentials.path,
            crate::store::credentials::Credentials::from_value(&json),
        );
        self
    }

    /// `<home>/.claude.json` exists (whether or not it is the global config).
    pub fn with_home_global_config_file(mut self) -> Self {
        self.disk.home_global_config_exists = true;
        self
    }

    /// Whether the directory of the absolute project key `key` exists (as `load` answers it; a
    /// key this OS cannot check is left out).
    pub fn with_project_dir(mut self, key: &str, exists: bool) -> Self {
        self.disk.project_dirs.insert(key.into(), exists);
        self
    }

    /// A Claude Code lock directory `name` in the config dir, `age_seconds` old.
    pub fn with_lock_dir(mut self, name: &str, age_seconds: u64) -> Self {
        self.lock_dirs.push(LockDir {
            path: self.locations.config_dir.path.join(name),
            age_seconds,
            protects: "a test".into(),
        });
        self
    }

    /// A running Claude Code with this config dir (`None`: its environment cannot be read).
    pub fn with_process(mut self, pid: u32, config_dir: Option<&Path>) -> Self {
        if let ProcessScan::Scanned { processes } = &mut self.processes {
            processes.push(ClaudeProcess {
                pid,
                config_dir: config_dir.map(Path::to_path_buf),
                canonical_config_dir: config_dir.map(|d| Canonical(d.to_path_buf())),
            });
        }
        self
    }

    /// The user settings file (`~/.claude/settings.json`) holds `json`.
    pub fn with_user_settings(mut self, json: Value) -> Self {
        self.settings.user = Loaded::parsed(&self.settings.user.path, json);
        self
    }

    /// The project's `.claude/settings.local.json` holds `json`.
    pub fn with_local_settings(mut self, json: Value) -> Self {
        self.settings.local = Loaded::parsed(&self.settings.local.path, json);
        self
    }

    /// The project's checked-in `.claude/settings.json` holds `json`.
    pub fn with_project_settings(mut self, json: Value) -> Self {
        if let Some(p) = &mut self.settings.project {
            *p = Loaded::parsed(&p.path, json);
        }
        self
    }

    /// The managed `managed-settings.json` holds `json`.
    pub fn with_managed_settings(mut self, json: Value) -> Self {
        self.settings.managed = Loaded::parsed(&self.settings.managed.path, json);
        self
    }

    /// `managed-settings.d/<name>` holds `json`, after the drop-ins already added (add them in
    /// name order, as the loader sorts them).
    pub fn with_managed_drop_in(mut self, name: &str, json: Value) -> Self {
        let path = self
            .settings
            .managed
            .path
            .with_file_name(crate::layout::MANAGED_SETTINGS_DROP_INS);
        self.settings
            .managed_drop_ins
            .push(Loaded::parsed(&path.join(name), json));
        self
    }

    /// `mcp-needs-auth-cache.json` holds `json` (server name → `{"timestamp": ...}`).
    pub fn with_needs_auth_cache(mut self, json: Value) -> Self {
        self.cache = Loaded::parsed(&self.cache.path, json);
        self
    }

    /// A `.mcp.json` in the folder `dir` holds `json` (project scope), after those already added.
    pub fn with_mcp_json(mut self, dir: &str, json: Value) -> Self {
        let path = Path::new(dir).join(crate::layout::PROJECT_MCP_JSON);
        self.mcp_json.push(Loaded::parsed(&path, json));
        self
    }

    /// A leftover temp file `name` in the config dir.
    pub fn with_temp_file(mut self, name: &str) -> Self {
        self.temp_files
            .push(self.locations.config_dir.path.join(name));
        self
    }

    /// The Keychain was read (`--keychain`) and its item `service` holds `blob`.
    pub fn with_keychain(mut self, service: &str, blob: Value) -> Self {
        let text = serde_json::to_vec(&blob).expect("a JSON value serialises");
        self.keychain = Some(crate::system::keychain::KeychainRead::Found {
            service: service.into(),
            shown: crate::system::keychain::shown_path(service),
            blob,
            text,
            account: "u".into(),
        });
        self
    }

    /// Changes what is wrong with the file of `role` as JSON (a BOM, a syntax error, a duplicate
    /// key, a read error): the global config, the credentials, the needs-auth cache, or the last
    /// `.mcp.json` added. The content stays as it was given, as `load` keeps it past a BOM.
    pub fn with_problems(
        mut self,
        role: crate::model::inventory::Role,
        change: impl FnOnce(&mut crate::store::JsonProblems),
    ) -> Self {
        use crate::model::inventory::Role;
        let problems = match role {
            Role::GlobalConfig => &mut self.global.problems,
            Role::Credentials => &mut self.credentials.problems,
            Role::NeedsAuthCache => &mut self.cache.problems,
            Role::ProjectMcpJson => {
                &mut self
                    .mcp_json
                    .last_mut()
                    .expect("a .mcp.json was added")
                    .problems
            }
            Role::ManagedMcpJson => &mut self.managed.problems,
            Role::PluginRegistry => &mut self.plugins.registry.problems,
            other => panic!("with_problems does not build {other:?} yet"),
        };
        change(problems);
        self
    }

    /// The inventory of this snapshot, at [`NOW_MS`], with no environment variable set.
    pub fn inventory(self) -> Inventory {
        Inventory::from_snapshot(self, &HashMap::<String, String>::new(), NOW_MS)
    }
}

/// The `mcpOAuth` key Claude Code computes for the user-scope server `name` defined by `config`
/// (so a test states the config, never a hash worked out by hand).
pub fn key_of(name: &str, config: Value) -> String {
    let inv = Snapshot::for_test()
        .with_global_config(serde_json::json!({ "mcpServers": { name: config } }))
        .inventory();
    inv.servers[0]
        .key
        .clone()
        .expect("an http or sse server has a key")
}

/// An http server definition for `url`.
pub fn http(url: &str) -> Value {
    serde_json::json!({"type": "http", "url": url})
}

/// An `mcpOAuth` entry for `name` at `url` whose access token is valid for another hour; both
/// tokens hold `CANARY`, so a test can assert no finding text carries them.
pub fn valid_entry(name: &str, url: &str) -> Value {
    serde_json::json!({
        "serverName": name,
        "serverUrl": url,
        "accessToken": "CANARY-access-token",
        "refreshToken": "CANARY-refresh-token",
        "expiresAt": NOW_MS + 3_600_000,
    })
}

/// An entry whose access token expired an hour ago, with no refresh token.
pub fn expired_entry(name: &str, url: &str) -> Value {
    serde_json::json!({
        "serverName": name,
        "serverUrl": url,
        "accessToken": "CANARY-access-token",
        "expiresAt": NOW_MS - 3_600_000,
    })
}

/// An entry whose access token expired a second ago, with a refresh token.
pub fn refreshable_entry(name: &str, url: &str) -> Value {
    serde_json::json!({
        "serverName": name,
        "serverUrl": url,
        "accessToken": "CANARY-access-token",
        "refreshToken": "CANARY-refresh-token",
        "expiresAt": NOW_MS - 1_000,
    })
}

/// A placeholder left by a connection that never signed in: discovery state, no token.
pub fn placeholder_entry(name: &str, url: &str) -> Value {
    serde_json::json!({
        "serverName": name,
        "serverUrl": url,
        "discoveryState": {"authorizationServerUrl": "https://auth.example"},
    })
}

/// Runs one check's `run` on the inventory of `snapshot`, and fails the test if any finding, as
/// `check --json` would show it (message, evidence, action), carries a fixture secret: every
/// token, client secret, static header and secret url part the builders make holds `CANARY`.
pub fn run_check(
    snapshot: Snapshot,
    run: fn(&Inventory, &mut crate::checks::Findings<'_>),
) -> Vec<crate::checks::Finding> {
    let mut out = crate::checks::Findings::list();
    run(&snapshot.inventory(), &mut out);
    let out = out.into_vec();
    for f in &out {
        let shown = serde_json::to_string(f).expect("a finding serializes");
        assert!(!shown.contains("CANARY"), "a secret leaked: {shown}");
    }
    out
}
