//! The only step of a diagnosis that looks at the machine: it reads Claude Code's files, lists the
//! directories beside them, scans `/proc`, asks `security` (on request), stats and canonicalises,
//! and hands back a plain [`Snapshot`] with every answer in it. What comes after
//! ([`crate::model::inventory::Inventory::from_snapshot`], the checks, the report) is pure: it asks
//! the snapshot, never the disk, so it can be tested with a snapshot built in memory
//! ([`Snapshot::for_test`]).
//!
//! The careful readers stay where they are and are called only from here: `store` (files, with
//! `store::safe`'s hardening), `system` (processes, lock directories, temp files, the Keychain).

#[cfg(test)]
pub mod for_test;
pub mod git_root;
pub mod host;
pub mod mcp_config;
pub mod mcp_remote;
pub mod project_dirs;
pub mod settings;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::layout;
use crate::paths::{self, Locations};
use crate::release::{Assumed, Release};
use crate::store::global_config::{self, GlobalConfig};
use crate::store::plugins::{self, Plugins};
use crate::store::{self, Loaded, safe::Trust};
use crate::system::keychain::{self, KeychainRead};
use crate::system::leftovers::{self, LockDir};
use crate::system::processes::{self, Canonical, ProcessScan};
use crate::vars::EnvLookup;

/// The real process environment, for `${VAR}` expansion in server definitions (the model asks an
/// [`EnvLookup`] and never reads the environment itself).
pub struct ProcessEnv;

impl EnvLookup for ProcessEnv {
    fn var(&self, name: &str) -> Option<String> {
        std::env::var_os(name).map(|v| v.to_string_lossy().into_owned())
    }
}

/// Optional, slower or more intrusive probes.
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    /// Whether to read the macOS Keychain item (asks `security`; may prompt for the login
    /// password): see [`keychain::should_read`].
    pub keychain: keychain::KeychainChoice,
    /// `$USER`, for the Keychain account.
    pub user: Option<String>,
    /// The OS Claude Code runs on, as `std::env::consts::OS` names it (a debug-build test hook
    /// may pretend macOS on Linux); empty means "not macOS".
    pub target_os: String,
    /// A terminal is attached: a Keychain prompt may be answered, so a read may wait longer.
    pub interactive: bool,
    /// `--claude-version`: judge by this release and do not ask `claude`.
    pub claude_version: Option<Release>,
    /// Ask `claude --version` which release to judge by (off for in-process callers and tests).
    pub probe_claude_version: bool,
    /// `--mcp-config FILE`s (absolute), read as the `mcp-config` scope.
    pub mcp_config: Vec<PathBuf>,
    /// `$MCP_REMOTE_CONFIG_DIR` as set: mcp-remote's base dir instead of `~/.mcp-auth`.
    pub mcp_remote_config_dir: Option<String>,
    /// `%APPDATA%`, where Claude Desktop keeps its config on Windows.
    pub appdata: Option<PathBuf>,
    /// Leave `/proc` alone: the command diagnoses nothing and shows no process (`paths`), and
    /// the scan is most of a small home's load time (issue 15).
    pub skip_process_scan: bool,
    /// Leave the credentials file's checksum unmade ([`store::Checksum::Skipped`]): the command
    /// never writes, and only a writer reads it.
    pub skip_checksums: bool,
}

/// Everything the machine said, read once. No file handles: bytes-derived values and facts.
#[derive(Debug)]
pub struct Snapshot {
    pub locations: Locations,
    /// Whose files this run may read and write (root on someone's home trusts only theirs).
    pub trust: Trust,
    pub global: Loaded<GlobalConfig>,
    /// Read without a tree of the file ([`store::credentials`]).
    pub credentials: Loaded<store::credentials::Credentials>,
    pub cache: Loaded<Value>,
    pub managed: Loaded<Value>,
    /// Every `.mcp.json` found, nearest to the project directory first.
    pub mcp_json: Vec<Loaded<Value>>,
    pub plugins: Plugins,
    /// What the Keychain gave, when it was read.
    pub keychain: Option<KeychainRead>,
    pub processes: ProcessScan,
    pub lock_dirs: Vec<LockDir>,
    pub temp_files: Vec<PathBuf>,
    /// `backups/.claude.json.corrupted.*` copies.
    pub corrupted_backups: usize,
    pub disk: DiskFacts,
    /// The settings files that switch servers on and off (user, project, local, managed).
    pub settings: settings::SettingsFiles,
    /// [`LoadOptions::target_os`], for the model's "probably the Keychain" decision.
    pub target_os: String,
    /// The Claude Code release the diagnosis judges by, and where that came from.
    pub release: Assumed,
    /// The git root at or above the folder being checked, if any, and for a linked worktree its
    /// main repository's root ([`git_root`]): Claude Code files a folder's local-scope servers
    /// under it (`model::folder`).
    pub git_root: Option<PathBuf>,
    /// Claude Code state under a directory literally named `~` in the home or the folder
    /// checked (`store::tilde`): what an unexpanded `CLAUDE_CONFIG_DIR=~/x` left.
    pub literal_tilde_stores: Vec<store::tilde::StrayStore>,
    /// Every `--mcp-config` file, in the order given.
    pub mcp_config: Vec<Loaded<Value>>,
    /// mcp-remote's state folder and Claude Desktop's config ([`mcp_remote`]).
    pub mcp_remote: mcp_remote::McpRemoteFiles,
}

/// The existence questions the pure steps ask, answered.
#[derive(Debug, Clone)]
pub struct DiskFacts {
    /// The config dir is a directory (Claude Code has run here, even with no state file yet).
    pub config_dir_is_dir: bool,
    /// The config dir with its symlinks resolved (itself when that fails), to tell which running
    /// Claude Code uses it.
    pub config_dir_canonical: Canonical,
    /// `<home>/.claude.json` exists (when the legacy `.config.json` wins, it is ignored).
    pub home_global_config_exists: bool,
    /// Each absolute project key of the global config, and whether that directory exists. A key
    /// this OS cannot check (a Windows path on Unix) is not in it.
    pub project_dirs: project_dirs::DirMap,
    /// Container, Codespaces and WSL markers of the machine this runs on.
    pub host: host::HostFacts,
}

impl DiskFacts {
    /// `Some(exists)` for a project key this OS can check; `None` for one it cannot.
    pub fn project_dir_exists(&self, key: &str) -> Option<bool> {
        self.project_dirs.get(key).copied()
    }
}

/// Reads everything a diagnosis needs from under `locations`.
pub fn snapshot(locations: Locations, options: &LoadOptions) -> Snapshot {
    let trust = Trust::for_home(&locations.home.path, &locations.config_dir.path);
    let global = global_config::load_trusting(&locations.global_config.path, &trust);
    let checksum = if options.skip_checksums {
        store::Checksum::Skipped
    } else {
        store::Checksum::Made
    };
    let credentials = store::credentials::load(&locations.credentials.path, &trust, checksum);
    let cache = store::load_small_trusting(&locations.needs_auth_cache.path, &trust);
    let managed = store::load_small(&locations.managed_mcp.path);
    let plugins = plugins::load(&locations.plugins_dir.path);
    let settings = settings::load(&locations, &trust);

    let project_dirs: project_dirs::DirMap = global
        .as_claude_sees()
        .map(|g| {
            let absolute = g
                .projects
                .iter()
                .filter(|p| Path::new(&p.path).is_absolute())
                .map(|p| p.path.as_str());
            project_dirs::which_are_dirs(absolute)
        })
        .unwrap_or_default();
    let mcp_json = mcp_json_paths(&locations, global.as_claude_sees(), &project_dirs)
        .iter()
        .map(|p| store::load_small_trusting(p, &trust))
        .collect();

    let keychain = keychain::should_read(
        &options.target_os,
        options.keychain,
        credentials.facts.present,
    )
    .then(|| {
        keychain::read(
            locations.claude_config_dir_var.as_deref(),
            locations.securestorage_dir.as_deref(),
            options.user.as_deref(),
            keychain::read_timeout(options.interactive),
        )
    });

    let config_dir = &locations.config_dir.path;
    let config_dir_canonical = Canonical::of(config_dir);
    let mut temp_dirs: Vec<&Path> = vec![config_dir];
    for p in [&global.path, &credentials.path, &cache.path] {
        if let Some(d) = p.parent() {
            temp_dirs.push(d);
        }
    }
    let leftovers::Leftovers {
        lock_dirs,
        temp_files,
    } = leftovers::find(
        config_dir,
        &config_dir_canonical.0,
        &global.path,
        &credentials.path,
        &temp_dirs,
    );
    let corrupted_backups = leftovers::corrupted_backups(config_dir);
    let disk = DiskFacts {
        config_dir_is_dir: config_dir.is_dir(),
        config_dir_canonical,
        home_global_config_exists: locations.home.path.join(layout::GLOBAL_CONFIG).exists(),
        project_dirs,
        host: host::detect(),
    };
    // Root on another user's home would ask root's `claude`, not theirs: assume the newest.
    let probe = (options.probe_claude_version
        && options.claude_version.is_none()
        && !trust.root_on_other_home())
    .then(crate::system::claude_version::claude_version);
    let release = Assumed::decide(options.claude_version, probe.as_ref());
    let git_root = git_root::find(&locations.project_dir).map(|r| git_root::canonical(&r, &trust));
    let literal_tilde_stores =
        store::tilde::stray_stores(&[&locations.home.path, &locations.project_dir]);
    let mcp_remote = mcp_remote::load(
        &locations.home.path,
        options.mcp_remote_config_dir.as_deref(),
        &options.target_os,
        options.appdata.as_deref(),
        &trust,
    );
    Snapshot {
        literal_tilde_stores,
        mcp_config: mcp_config::load(&options.mcp_config, &trust),
        git_root,
        release,
        trust,
        global,
        credentials,
        cache,
        managed,
        mcp_json,
        plugins,
        keychain,
        processes: if options.skip_process_scan {
            ProcessScan::CannotTell {
                why: "not looked at by this command".into(),
            }
        } else {
            processes::scan(&options.target_os)
        },
        lock_dirs,
        temp_files,
        corrupted_backups,
        disk,
        locations,
        settings,
        target_os: options.target_os.clone(),
        mcp_remote,
    }
}

/// `.mcp.json` files Claude Code would read: from the project directory up, and from every project
/// Claude Code has been used in (their project-scope servers are live too, whatever folder this
/// tool runs in).
fn mcp_json_paths(
    locations: &Locations,
    global: Option<&GlobalConfig>,
    project_dirs: &project_dirs::DirMap,
) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = paths::dir_and_ancestors(&locations.project_dir);
    if let Some(global) = global {
        for project in &global.projects {
            if project_dirs.get(&project.path) == Some(&true) {
                dirs.extend(paths::dir_and_ancestors(Path::new(&project.path)));
            }
        }
    }
    let mut seen = BTreeSet::new();
    dirs.into_iter()
        .filter(|d| seen.insert(d.clone()))
        .map(|d| d.join(layout::PROJECT_MCP_JSON))
        .filter(|p| p.is_file())
        .collect()
}
