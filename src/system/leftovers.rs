//! Lock directories and temp files Claude Code (or a crashed writer) leaves next to the state files.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Serialize;

use crate::fix::lock::lock_age;

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
    let mut gc = global_config.as_os_str().to_os_string();
    gc.push(".lock");
    add(PathBuf::from(gc), "~/.claude.json writes");
    if let Some(dir) = credentials.parent() {
        add(
            dir.join(".storage-write.lock"),
            ".credentials.json writes (2.1.332)",
        );
    }
    add(
        config_dir.join(".oauth_refresh.lock"),
        "the Claude.ai token refresh",
    );
    let mut home_lock = config_dir
        .canonicalize()
        .unwrap_or_else(|_| config_dir.to_path_buf())
        .into_os_string();
    home_lock.push(".lock");
    add(
        PathBuf::from(home_lock),
        "the Claude.ai token refresh (legacy)",
    );
    if let Ok(entries) = std::fs::read_dir(config_dir) {
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            if name.starts_with("mcp-refresh-") && name.ends_with(".lock.lock") {
                add(e.path(), "one MCP server's token refresh");
            }
        }
    }
    out.sort_by(|a, b| a.path.cmp(&b.path));
    out
}

/// `*.tmp.*` files beside the state files: an interrupted atomic write.
pub fn temp_files(dirs: &[&Path], names: &[&str]) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for dir in dirs {
        let Ok(entries) = std::fs::read_dir(dir) else {
            continue;
        };
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            let ours = name.contains(".mcp-auth-doctor.") && name.ends_with(".tmp");
            let claudes = names.iter().any(|n| name.starts_with(&format!("{n}.tmp.")));
            if (ours || claudes) && e.file_type().is_ok_and(|t| t.is_file()) {
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
    std::fs::read_dir(config_dir.join("backups"))
        .map(|d| {
            d.flatten()
                .filter(|e| {
                    e.file_name()
                        .to_string_lossy()
                        .starts_with(".claude.json.corrupted.")
                })
                .count()
        })
        .unwrap_or(0)
}

/// A lock older than this and not used by a running Claude Code is stale.
pub const STALE: Duration = crate::fix::lock::STALE_AFTER;
