//! Lock directories and temp files Claude Code (or a crashed writer) leaves next to the state files.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use serde::Serialize;

use crate::layout;

/// A lock directory Claude Code uses, found on disk.
#[derive(Debug, Clone, Serialize)]
pub struct LockDir {
    pub path: PathBuf,
    pub age_seconds: u64,
    /// What it protects.
    pub protects: String,
}

/// The lock directories and temp files found beside the state files.
#[derive(Debug, Default)]
pub struct Leftovers {
    pub lock_dirs: Vec<LockDir>,
    pub temp_files: Vec<PathBuf>,
}

/// Every Claude Code lock directory that exists now (state-formats.md §6.5), and the temp files
/// ([`layout::is_leftover_temp_name`]: an interrupted atomic write) in `temp_dirs`. Each
/// directory is listed once, whichever of the two looks in it (the config dir holds the
/// credentials, the marker file and the refresh locks: it used to be listed four times), and a
/// lock directory costs one `lstat`.
pub fn find(
    config_dir: &Path,
    canonical_config_dir: &Path,
    global_config: &Path,
    credentials: &Path,
    temp_dirs: &[&Path],
) -> Leftovers {
    let mut out = Leftovers::default();
    let mut add = |path: PathBuf, protects: &str| {
        if let Some(age) = lock_age(&path) {
            out.lock_dirs.push(LockDir {
                path,
                age_seconds: age.as_secs(),
                protects: protects.into(),
            });
        }
    };
    add(layout::lock_dir_of(global_config), "~/.claude.json writes");
    if let Some(dir) = layout::credentials_lock_dir(credentials) {
        add(dir, ".credentials.json writes (2.1.332)");
    }
    add(
        config_dir.join(layout::OAUTH_REFRESH_LOCK),
        "the Claude.ai token refresh",
    );
    add(
        layout::lock_dir_of(canonical_config_dir),
        "the Claude.ai token refresh (legacy)",
    );
    let mut dirs: Vec<&Path> = temp_dirs.to_vec();
    dirs.push(config_dir);
    dirs.sort();
    dirs.dedup();
    for dir in dirs {
        let Ok(entries) = std::fs::read_dir(dir) else {
            continue;
        };
        let holds_temp_files = temp_dirs.contains(&dir);
        for e in entries.flatten() {
            let name = e.file_name();
            let name = name.to_string_lossy();
            if dir == config_dir && layout::is_refresh_lock_dir_name(&name) {
                add(e.path(), "one MCP server's token refresh");
            }
            if holds_temp_files
                && layout::is_leftover_temp_name(&name)
                && e.file_type().is_ok_and(|t| t.is_file())
            {
                out.temp_files.push(e.path());
            }
        }
    }
    out.lock_dirs.sort_by(|a, b| a.path.cmp(&b.path));
    out.temp_files.sort();
    out.temp_files.dedup();
    out
}

/// How old a lock directory is, if it exists (a symlink or a file at its name is not one). By
/// the real clock, as Claude Code judges staleness, whatever `--now` says.
pub fn lock_age(dir: &Path) -> Option<Duration> {
    let meta = std::fs::symlink_metadata(dir).ok()?;
    if !meta.is_dir() {
        return None;
    }
    let mtime = meta.modified().ok()?;
    Some(
        SystemTime::now()
            .duration_since(mtime)
            .unwrap_or(Duration::ZERO),
    )
}

/// How many `backups/.claude.json.corrupted.*` copies Claude Code has made.
pub fn corrupted_backups(config_dir: &Path) -> usize {
    std::fs::read_dir(config_dir.join(layout::BACKUPS_DIR))
        .map(|d| {
            d.flatten()
                .filter(|e| {
                    e.file_name()
                        .to_string_lossy()
                        .starts_with(layout::CORRUPTED_GLOBAL_CONFIG_PREFIX)
                })
                .count()
        })
        .unwrap_or(0)
}

/// A lock older than this and not used by a running Claude Code is stale.
pub const STALE: Duration = layout::STALE_LOCK_AFTER;
