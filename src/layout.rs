//! Claude Code's layout on disk: the names of its files, lock directories and temp files
//! (state-formats.md §1 and §6.5), written down once. `paths` decides where they are, `load` finds
//! them, `fix` takes the locks; every one of them spells a name through this module, so a name
//! Claude Code changes is changed in one place.
//!
//! Pure: names and lexical path building only, nothing here touches the disk.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The config dir's default name inside the home (`~/.claude`) when `CLAUDE_CONFIG_DIR` is unset.
pub const CONFIG_DIR: &str = ".claude";
/// The global config (`~/.claude.json`, or inside `CLAUDE_CONFIG_DIR`).
pub const GLOBAL_CONFIG: &str = ".claude.json";
/// The legacy global config inside the config dir; when it exists it wins.
pub const LEGACY_GLOBAL_CONFIG: &str = ".config.json";
/// The plaintext credentials store, holding the `mcpOAuth` entries.
pub const CREDENTIALS: &str = ".credentials.json";
/// The needs-auth markers.
pub const NEEDS_AUTH_CACHE: &str = "mcp-needs-auth-cache.json";
/// Enterprise-managed MCP servers, in the system-wide managed settings directory.
pub const MANAGED_MCP: &str = "managed-mcp.json";
/// Project-scope MCP servers, in the project directory and each ancestor (and in a plugin).
pub const PROJECT_MCP_JSON: &str = ".mcp.json";
/// The plugins directory inside the config dir.
pub const PLUGINS_DIR: &str = "plugins";
/// The plugin registry inside the plugins directory.
pub const PLUGIN_REGISTRY: &str = "installed_plugins.json";
/// A plugin's manifest, relative to its install path.
pub const PLUGIN_MANIFEST: &str = ".claude-plugin/plugin.json";
/// Plugin data directories (`${CLAUDE_PLUGIN_DATA}`) inside the plugins directory.
pub const PLUGIN_DATA_DIR: &str = "data";
/// The backups directory inside the config dir (Claude Code's and, under it, ours).
pub const BACKUPS_DIR: &str = "backups";
/// The prefix of the copies Claude Code makes in [`BACKUPS_DIR`] of a global config it cannot parse.
pub const CORRUPTED_GLOBAL_CONFIG_PREFIX: &str = ".claude.json.corrupted.";

/// The settings file in the config dir (user settings) and in a project's `.claude/` folder
/// (project settings, usually checked in).
pub const SETTINGS: &str = "settings.json";
/// A project's own settings that are not checked in, in its `.claude/` folder.
pub const LOCAL_SETTINGS: &str = "settings.local.json";
/// The folder inside a project that holds its settings files.
pub const PROJECT_SETTINGS_DIR: &str = ".claude";
/// Enterprise-managed settings, beside [`MANAGED_MCP`] in the managed settings directory.
pub const MANAGED_SETTINGS: &str = "managed-settings.json";
/// The folder of managed settings drop-ins beside [`MANAGED_SETTINGS`], merged onto it in name
/// order.
pub const MANAGED_SETTINGS_DROP_INS: &str = "managed-settings.d";

/// The global config's file name: `.claude.json`, or `.claude-custom-oauth.json` when
/// `CLAUDE_CODE_CUSTOM_OAUTH_URL` is set.
pub fn global_config_name(custom_oauth: bool) -> &'static str {
    if custom_oauth {
        ".claude-custom-oauth.json"
    } else {
        GLOBAL_CONFIG
    }
}

/// The state files whose interrupted atomic writes leave `<name>.tmp.*` beside them.
pub const STATE_FILES: [&str; 3] = [CREDENTIALS, GLOBAL_CONFIG, NEEDS_AUTH_CACHE];

/// A lock directory older than this is stale (the largest stale time Claude Code uses).
pub const STALE_LOCK_AFTER: Duration = Duration::from_secs(60);

/// The suffix proper-lockfile adds to the path it locks.
const LOCK_SUFFIX: &str = ".lock";
/// The lock directory beside `.credentials.json` for its writes (2.1.332).
pub const STORAGE_WRITE_LOCK: &str = ".storage-write.lock";
/// The lock directory in the config dir for the Claude.ai token refresh.
pub const OAUTH_REFRESH_LOCK: &str = ".oauth_refresh.lock";
const REFRESH_LOCK_PREFIX: &str = "mcp-refresh-";
const REFRESH_LOCK_SUFFIX: &str = ".lock.lock";

/// `<path>.lock`: the lock directory proper-lockfile makes for `path` (`~/.claude.json.lock`, and
/// the legacy Claude.ai refresh lock `<configDir>.lock` beside the config dir).
pub fn lock_dir_of(path: &Path) -> PathBuf {
    let mut name: OsString = path.as_os_str().to_os_string();
    name.push(LOCK_SUFFIX);
    PathBuf::from(name)
}

/// The lock directory Claude Code takes while writing the credentials file `credentials`.
pub fn credentials_lock_dir(credentials: &Path) -> Option<PathBuf> {
    Some(credentials.parent()?.join(STORAGE_WRITE_LOCK))
}

/// The lock directory Claude Code takes while refreshing one server's token:
/// `mcp-refresh-<key with every UTF-16 unit outside [A-Za-z0-9] replaced by _>.lock.lock`.
pub fn refresh_lock_dir_name(key: &str) -> String {
    let mut s = String::from(REFRESH_LOCK_PREFIX);
    for unit in key.encode_utf16() {
        let ascii_alnum = unit < 128 && (unit as u8).is_ascii_alphanumeric();
        s.push(if ascii_alnum { unit as u8 as char } else { '_' });
    }
    s.push_str(REFRESH_LOCK_SUFFIX);
    s
}

/// Whether a directory entry's name is one of the refresh locks [`refresh_lock_dir_name`] makes.
pub fn is_refresh_lock_dir_name(name: &str) -> bool {
    name.starts_with(REFRESH_LOCK_PREFIX) && name.ends_with(REFRESH_LOCK_SUFFIX)
}

/// The body of a refresh-lock name, `<sanitised key>` (for redaction: it is shown, not a secret),
/// when `run` starts like one.
pub fn refresh_lock_body(run: &str) -> Option<&str> {
    run.strip_prefix(REFRESH_LOCK_PREFIX)
}

/// Our sidecar lock file in the config dir (not Claude Code's, but beside its files). It also
/// records which Claude Code lock directory we hold (our pid and the directory's identity), so
/// that one left behind by a run that was killed can be taken over at once by the next run
/// instead of blocking it for [`STALE_LOCK_AFTER`]. The record cannot live inside the lock
/// directory: proper-lockfile removes a stale one with `rmdir`, which fails on a directory that
/// is not empty, and Claude Code could then never take it over.
pub const OWN_LOCK: &str = ".mcp-auth-doctor.lock";
/// The marker and suffix of our own temp files, `.<file>.mcp-auth-doctor.<pid>.<n>.tmp`.
pub const OWN_TEMP_MARKER: &str = ".mcp-auth-doctor.";
pub const OWN_TEMP_SUFFIX: &str = ".tmp";

/// Whether `name` is a temp file an interrupted atomic write left: ours, or Claude Code's
/// `<state file>.tmp.<...>`.
pub fn is_leftover_temp_name(name: &str) -> bool {
    let ours = name.contains(OWN_TEMP_MARKER) && name.ends_with(OWN_TEMP_SUFFIX);
    let claudes = STATE_FILES.iter().any(|n| {
        name.strip_prefix(n)
            .is_some_and(|rest| rest.starts_with(".tmp."))
    });
    ours || claudes
}

// ---- mcp-remote and Claude Desktop (docs/mcp-remote.md) ------------------------------------------

/// mcp-remote's base dir inside the home when `MCP_REMOTE_CONFIG_DIR` is unset or empty.
pub const MCP_REMOTE_DIR: &str = ".mcp-auth";
/// The variable that replaces [`MCP_REMOTE_DIR`] (read as given: no `~` expansion).
pub const MCP_REMOTE_CONFIG_DIR_VAR: &str = "MCP_REMOTE_CONFIG_DIR";
/// Claude Desktop's server list.
pub const DESKTOP_CONFIG: &str = "claude_desktop_config.json";

/// The folder holding [`DESKTOP_CONFIG`] on `target_os` (as `std::env::consts::OS` names it):
/// `~/Library/Application Support/Claude` on macOS, `%APPDATA%\Claude` on Windows (`appdata`,
/// else `~/AppData/Roaming`), `~/.config/Claude` elsewhere.
pub fn desktop_config_dir(home: &Path, target_os: &str, appdata: Option<&Path>) -> PathBuf {
    match target_os {
        "macos" => home.join("Library/Application Support/Claude"),
        "windows" => appdata
            .map(Path::to_path_buf)
            .unwrap_or_else(|| home.join("AppData").join("Roaming"))
            .join("Claude"),
        _ => home.join(".config").join("Claude"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// state-formats.md §9.4.
    #[test]
    fn refresh_lock_names_match_the_vectors() {
        for (key, dir) in [
            (
                "eps|796bd8755c52ef23",
                "mcp-refresh-eps_796bd8755c52ef23.lock.lock",
            ),
            (
                "my-server|25cc880ea8de995d",
                "mcp-refresh-my_server_25cc880ea8de995d.lock.lock",
            ),
            (
                "plugin:acme:docs|8d74d27603cb39d6",
                "mcp-refresh-plugin_acme_docs_8d74d27603cb39d6.lock.lock",
            ),
            (
                "Ünï cödé|54de7300159900c5",
                "mcp-refresh-_n__c_d__54de7300159900c5.lock.lock",
            ),
        ] {
            assert_eq!(refresh_lock_dir_name(key), dir);
        }
    }

    #[test]
    fn refresh_lock_names_are_recognised() {
        let name = refresh_lock_dir_name("linear|638130d5ab3558f4");
        assert_eq!(name, "mcp-refresh-linear_638130d5ab3558f4.lock.lock");
        assert!(is_refresh_lock_dir_name(&name));
        assert!(!is_refresh_lock_dir_name(".storage-write.lock"));
        assert!(!is_refresh_lock_dir_name("mcp-refresh-x.lock"));
    }

    #[test]
    fn lock_dirs_are_named_like_proper_lockfile() {
        assert_eq!(
            lock_dir_of(Path::new("/h/.claude.json")),
            PathBuf::from("/h/.claude.json.lock")
        );
        assert_eq!(
            credentials_lock_dir(Path::new("/h/.claude/.credentials.json")),
            Some(PathBuf::from("/h/.claude/.storage-write.lock"))
        );
    }

    #[test]
    fn leftover_temp_names() {
        assert!(is_leftover_temp_name(".credentials.json.tmp.123.456"));
        assert!(is_leftover_temp_name(".claude.json.tmp.1"));
        assert!(is_leftover_temp_name(
            "..credentials.json.mcp-auth-doctor.12.0000abcd.tmp"
        ));
        assert!(!is_leftover_temp_name(".credentials.json"));
        assert!(!is_leftover_temp_name(".credentials.json.tmp"));
        assert!(!is_leftover_temp_name("notes.tmp"));
    }
}
