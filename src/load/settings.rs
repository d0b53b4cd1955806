//! The settings files that decide which configured servers Claude Code loads (state-formats.md
//! §12.2): `~/.claude/settings.json` (user), `<project>/.claude/settings.json` (project, usually
//! checked in), `<project>/.claude/settings.local.json` (local, not checked in) and the managed
//! `managed-settings.json` beside `managed-mcp.json` with the drop-ins of `managed-settings.d/`.
//! Read with the same hardening and caps as the state files; the model (`model::settings`)
//! decides what they mean.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::layout;
use crate::paths::Locations;
use crate::store::{self, Loaded, safe::Trust};

/// The four settings files, each as loaded (absent ones included, so a missing file is a fact).
#[derive(Debug, Clone)]
pub struct SettingsFiles {
    /// `<configDir>/settings.json`.
    pub user: Loaded<Value>,
    /// `<project>/.claude/settings.json`; `None` when it is the user settings file itself (the
    /// project folder is the home), which Claude Code then reads once as user settings.
    pub project: Option<Loaded<Value>>,
    /// `<project>/.claude/settings.local.json`.
    pub local: Loaded<Value>,
    /// `<managedDir>/managed-settings.json`.
    pub managed: Loaded<Value>,
    /// `<managedDir>/managed-settings.d/*.json`, in the order Claude Code merges them onto
    /// `managed` ([`drop_ins`]).
    pub managed_drop_ins: Vec<Loaded<Value>>,
}

/// The most drop-ins read from `managed-settings.d/` (the first ones in Claude Code's order; a
/// managed folder with more is not judged exactly).
pub const DROP_IN_CAP: usize = 256;
/// The most directory entries looked at in `managed-settings.d/`, drop-ins or not.
pub const DROP_IN_SCAN_CAP: usize = 4096;

/// Where each settings file is for `locations`.
pub fn paths(locations: &Locations) -> [PathBuf; 4] {
    let project = locations.project_dir.join(layout::PROJECT_SETTINGS_DIR);
    let managed_dir = locations
        .managed_mcp
        .path
        .parent()
        .map_or_else(PathBuf::new, Path::to_path_buf);
    [
        locations.config_dir.path.join(layout::SETTINGS),
        project.join(layout::SETTINGS),
        project.join(layout::LOCAL_SETTINGS),
        managed_dir.join(layout::MANAGED_SETTINGS),
    ]
}

/// Reads the settings files. The user's and the project's are files under the home we were
/// pointed at, so `trust` applies; the managed file is the system's, read as `managed-mcp.json` is.
pub fn load(locations: &Locations, trust: &Trust) -> SettingsFiles {
    let [user, project, local, managed] = paths(locations);
    SettingsFiles {
        project: (project != user).then(|| store::load_small_trusting(&project, trust)),
        user: store::load_small_trusting(&user, trust),
        local: store::load_small_trusting(&local, trust),
        managed: store::load_small(&managed),
        managed_drop_ins: drop_ins(&managed_drop_in_dir(locations)),
    }
}

/// `<managedDir>/managed-settings.d`.
pub fn managed_drop_in_dir(locations: &Locations) -> PathBuf {
    let [.., managed] = paths(locations);
    managed.with_file_name(layout::MANAGED_SETTINGS_DROP_INS)
}

/// The drop-ins of `dir` as Claude Code 2.1.100 and 2.1.332 pick them (`loadManagedFileSettings`):
/// entries that are files or symlinks, named `*.json` and not starting with `.`, sorted by name
/// (JavaScript's order: UTF-16 code units), each read as `managed-settings.json` is (resolved,
/// regular, capped). Claude Code merges them in this order onto the base file, a later file's
/// value replacing an earlier one's and arrays joining. Names that are not UTF-8 are skipped.
pub fn drop_ins(dir: &Path) -> Vec<Loaded<Value>> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut names: Vec<String> = entries
        .take(DROP_IN_SCAN_CAP)
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file() || t.is_symlink()))
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|n| n.ends_with(".json") && !n.starts_with('.'))
        .collect();
    names.sort_by(|a, b| a.encode_utf16().cmp(b.encode_utf16()));
    names.truncate(DROP_IN_CAP);
    names
        .iter()
        .map(|n| store::load_small(&dir.join(n)))
        .collect()
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::fs;

    fn names(loaded: &[Loaded<Value>]) -> Vec<String> {
        loaded
            .iter()
            .map(|l| l.path.file_name().unwrap().to_string_lossy().into_owned())
            .collect()
    }

    /// Claude Code's pick: `*.json` files and symlinks not starting with `.`, in name order; a
    /// folder, a FIFO or another name is not a drop-in, and nothing blocks on the FIFO.
    #[test]
    fn drop_ins_are_the_json_files_in_name_order() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        for name in [
            "20-b.json",
            "10-a.json",
            ".hidden.json",
            "notes.txt",
            "B.json",
        ] {
            fs::write(d.join(name), "{}").unwrap();
        }
        fs::create_dir(d.join("sub.json")).unwrap();
        std::os::unix::fs::symlink(d.join("10-a.json"), d.join("15-link.json")).unwrap();
        rustix::fs::mkfifoat(
            rustix::fs::CWD,
            d.join("30-fifo.json"),
            rustix::fs::Mode::from_raw_mode(0o600),
        )
        .unwrap();
        let loaded = drop_ins(d);
        assert_eq!(
            names(&loaded),
            ["10-a.json", "15-link.json", "20-b.json", "B.json"]
        );
        assert!(loaded.iter().all(|l| l.as_claude_sees().is_some()));
    }

    #[test]
    fn no_folder_no_drop_ins_and_at_most_the_cap() {
        let dir = tempfile::tempdir().unwrap();
        assert!(drop_ins(&dir.path().join("managed-settings.d")).is_empty());
        fs::write(dir.path().join("file"), "{}").unwrap();
        assert!(drop_ins(&dir.path().join("file")).is_empty());
        for i in 0..DROP_IN_CAP + 5 {
            fs::write(dir.path().join(format!("{i:04}.json")), "{}").unwrap();
        }
        let loaded = drop_ins(dir.path());
        assert_eq!(loaded.len(), DROP_IN_CAP);
        assert_eq!(names(&loaded)[0], "0000.json");
    }
}
