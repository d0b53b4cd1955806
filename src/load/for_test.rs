//! Snapshots built in memory, so a check (or anything after `load`) can be unit-tested without a
//! disk: start from [`Snapshot::for_test`] (an empty home at `/home/u`), add what the test needs,
//! and turn it into an [`Inventory`].

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use super::{DiskFacts, Snapshot};
use crate::model::inventory::Inventory;
use crate::paths::{Environment, HomeSource, Locations, Overrides};
use crate::store::Loaded;
use crate::store::global_config::{GlobalConfig, PROJECT_FIELDS, ProjectConfig};
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
        Self {
            git_root: None,
            release: Default::default(),
            trust: Default::default(),
            global: Loaded::missing(&locations.global_config.path),
            credentials: Loaded::missing(&locations.credentials.path),
            cache: Loaded::missing(&locations.needs_auth_cache.path),
            managed: Loaded::missing(&locations.managed_mcp.path),
            mcp_json: Vec::new(),
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
                project_dirs: HashMap::new(),
            },
            locations,
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
                                o.iter()
                                    .filter(|(k, _)| PROJECT_FIELDS.contains(&k.as_str()))
                                    .map(|(k, v)| (k.clone(), v.clone()))
                                    .collect()
                            })
                            .unwrap_or_else(Map::new),
                    })
                    .collect()
            })
            .unwrap_or_default();
        let config = GlobalConfig {
            user_servers: json.get("mcpServers").cloned(),
            projects,
            top_level: Vec::new(),
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
        self.credentials = Loaded::parsed(&self.credentials.path, json);
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

    /// The inventory of this snapshot, at [`NOW_MS`], with no environment variable set.
    pub fn inventory(self) -> Inventory {
        Inventory::from_snapshot(self, &HashMap::<String, String>::new(), NOW_MS)
    }
}
