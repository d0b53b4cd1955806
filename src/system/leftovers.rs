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

/// Every Claude Code lock directory that exists now (state-formats.md §6.5).
pub fn lock_dirs(config_dir: &Path, global_config: &Path, credentials: &Path) -> Vec<LockDir> {
    let mut out = Vec::new();
    let mut add = |path: PathBuf, protects: &str| {
        if path.is_dir()
            && let Some(age) = lock_age(&path)
        {
            out.push(LockDir {
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
    let canonical = config_dir
        .canonicalize()
        .unwrap_or_else(|_| config_dir.to_path_buf());
    add(
        layout::lock_dir_of(&canonical),
        "the Claude.ai token refresh (legacy)",
    );
    if let Ok(entries) = std::fs::read_dir(config_dir) {
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            if layout::is_refresh_lock_dir_name(&name) {
                add(e.path(), "one MCP server's token refresh");
            }
        }
    }
    out.sort_by(|a, b| a.path.cmp(&b.path));
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

/// Temp files beside the state files ([`layout::is_leftover_temp_name`]): an interrupted atomic
/// write.
pub fn temp_files(dirs: &[&Path]) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for dir in dirs {
        let Ok(entries) = std::fs::read_dir(dir) else {
            continue;
        };
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            if layout::is_leftover_temp_name(&name) && e.file_type().is_ok_and(|t| t.is_file()) {
                out.push(e.path());
            }
        }
    }
    out.sort();
    out.dedup();
    out
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
