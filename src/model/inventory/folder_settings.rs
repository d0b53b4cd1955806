//! The settings that apply to the folder being checked, gathered from the settings files and
//! `.claude.json`'s project entry for [`crate::model::settings::judge`].

use serde_json::Value;

use crate::paths::{self, Locations};
use crate::store::Loaded;
use crate::store::global_config::GlobalConfig;

/// What the settings files and `.claude.json` say for the folder being checked, as
/// [`crate::model::settings::judge`] reads it. A file Claude Code cannot parse counts as absent, as
/// Claude Code ignores it.
pub(super) fn settings_for_folder(
    files: &crate::load::settings::SettingsFiles,
    global: &Loaded<GlobalConfig>,
    locations: &Locations,
    target_os: &str,
) -> crate::model::settings::Settings {
    use crate::model::settings::{Settings, SettingsFile, Source};
    let folder = paths::project_key(target_os, &locations.project_dir.display().to_string());
    let mut out = Settings {
        folder: folder.clone(),
        target_os: target_os.to_string(),
        folder_shown: locations.display(&locations.project_dir),
        ..Settings::default()
    };
    let mut in_order: Vec<_> = crate::model::settings::managed_by_precedence(files)
        .map(|managed| (Source::Managed, Some(managed)))
        .collect();
    in_order.extend([
        (Source::Local, Some(&files.local)),
        (Source::Project, files.project.as_ref()),
        (Source::User, Some(&files.user)),
    ]);
    for (source, loaded) in in_order {
        let Some(loaded) = loaded else { continue };
        if let Some(Value::Object(value)) = loaded.as_claude_sees() {
            if let Some((setting, found)) = crate::model::settings::rejected_setting(value) {
                out.ignored.push(crate::model::settings::IgnoredFile {
                    source,
                    path: loaded.path.clone(),
                    shown: locations.display(&loaded.path),
                    setting,
                    found,
                });
                continue;
            }
            out.files.push(SettingsFile {
                source,
                shown: locations.display(&loaded.path),
                value: value.clone(),
            });
        }
    }
    // The home directory counts as trusted (real client 2.1.332: run there, an untrusted folder's
    // own approvals load its .mcp.json servers; tests/real-client/README.md).
    out.trusted = locations.project_dir == locations.home.path;
    let Some(config) = global.as_claude_sees() else {
        return out;
    };
    if let Some(p) = config
        .projects
        .iter()
        .find(|p| paths::same_project(target_os, &p.path, &folder))
    {
        out.files.push(SettingsFile {
            source: Source::ProjectEntry,
            shown: format!(
                "{} projects[\"{}\"]",
                locations.display(&global.path),
                p.path
            ),
            value: p.fields.clone(),
        });
    }
    // Trust is inherited from a trusted ancestor folder (not confirmed with the real client:
    // model-facts.md tried only the folder itself).
    out.trusted |= config.projects.iter().any(|p| {
        p.fields.get("hasTrustDialogAccepted") == Some(&Value::Bool(true))
            && paths::project_contains(target_os, &p.path, &folder)
    });
    out
}
