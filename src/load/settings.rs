//! The settings files that decide which configured servers Claude Code loads (state-formats.md
//! §12.2): `~/.claude/settings.json` (user), `<project>/.claude/settings.json` (project, usually
//! checked in), `<project>/.claude/settings.local.json` (local, not checked in) and the managed
//! `managed-settings.json` beside `managed-mcp.json`. Read with the same hardening and caps as the
//! state files; the model (`model::settings`) decides what they mean.

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
}

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
    }
}
