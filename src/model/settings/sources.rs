//! The settings objects the judgement reads, and their precedence: which file Claude Code reads a
//! setting from when several set it (the first of [`Settings::files`] that does).

use std::path::PathBuf;

use serde_json::{Map, Value};

use crate::load::settings::SettingsFiles;
use crate::store::Loaded;

/// The managed settings files, highest precedence first: the drop-ins of `managed-settings.d/`
/// from the last in name order to the first, then `managed-settings.json`. Claude Code (2.1.100
/// `loadManagedFileSettings`, unchanged in 2.1.332) merges the base file and then each drop-in
/// in name order, a later file's value replacing an earlier one's and arrays joining; a file it
/// rejects is left out of the merge alone. So the first of these files that sets a value is the
/// one whose value counts, and the lists of all of them count, as for the other settings files.
pub fn managed_by_precedence(files: &SettingsFiles) -> impl Iterator<Item = &Loaded<Value>> {
    files
        .managed_drop_ins
        .iter()
        .rev()
        .chain(std::iter::once(&files.managed))
}

/// Where a setting was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// `managed-settings.json` or a drop-in of `managed-settings.d/`.
    Managed,
    /// `<project>/.claude/settings.local.json` (not checked in).
    Local,
    /// `<project>/.claude/settings.json` (usually checked in).
    Project,
    /// `~/.claude/settings.json`.
    User,
    /// `projects["<folder>"]` in `.claude.json`.
    ProjectEntry,
}

/// One parsed settings object and where it came from.
#[derive(Debug, Clone)]
pub struct SettingsFile {
    pub source: Source,
    /// Shown in messages (`~` for the home).
    pub shown: String,
    pub value: Map<String, Value>,
}

/// Everything that switches servers on and off in the folder being checked.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    /// The settings files Claude Code could parse, highest precedence first (managed, local,
    /// project, user), then the folder's entry in `.claude.json`.
    pub files: Vec<SettingsFile>,
    /// The folder being checked, as `.claude.json` keys projects (`/` separators).
    pub folder: String,
    /// The same, shown in messages (`~` for the home).
    pub folder_shown: String,
    /// `hasTrustDialogAccepted` for the folder or one of its ancestors: only then do approvals
    /// in project and local settings and in `.claude.json` count (2.1.332, model-facts.md).
    pub trusted: bool,
    /// The OS whose rules compare project folders (`paths::same_project`).
    pub target_os: String,
    /// Settings files that parse but that Claude Code rejects as a whole, so none of their
    /// settings is in [`Settings::files`].
    pub ignored: Vec<IgnoredFile>,
}

/// A settings file Claude Code does not load although it is valid JSON: one invalid value makes
/// it ignore the whole file. Seen with 2.1.332 (tests/real-client/README.md, settings-plugins):
/// `~/.claude/settings.json does not load (its "enabledPlugins.acme@market" is not valid), so
/// Claude Code ignores the whole file`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IgnoredFile {
    pub source: Source,
    pub path: PathBuf,
    /// Shown in messages (`~` for the home).
    pub shown: String,
    /// The setting Claude Code names, as it names it (`enabledPlugins.acme@market`).
    pub setting: String,
    /// What the value is (`a string`), never the value itself.
    pub found: &'static str,
}

/// The first setting in `value` that makes Claude Code ignore the whole file, with what its
/// value is. Only what the real client showed: an `enabledPlugins` member that is not a boolean.
pub fn rejected_setting(value: &Map<String, Value>) -> Option<(String, &'static str)> {
    let plugins = value.get("enabledPlugins")?.as_object()?;
    plugins
        .iter()
        .find(|(_, v)| !v.is_boolean())
        .map(|(id, v)| (format!("enabledPlugins.{id}"), json_kind(v)))
}

fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

impl Settings {
    pub(super) fn of(&self, source: Source) -> impl Iterator<Item = &SettingsFile> {
        self.files.iter().filter(move |f| f.source == source)
    }

    /// `enabledPlugins[id]` from the file of highest precedence that sets it; `None` when no
    /// file mentions the plugin (then it is off).
    pub(super) fn plugin_setting(&self, id: &str) -> Option<(&Value, &SettingsFile)> {
        self.files
            .iter()
            .filter(|f| f.source != Source::ProjectEntry)
            .find_map(|f| {
                let v = f.value.get("enabledPlugins")?.as_object()?.get(id)?;
                Some((v, f))
            })
    }

    pub(super) fn project_entry(&self) -> Option<&SettingsFile> {
        self.of(Source::ProjectEntry).next()
    }

    /// Where `.mcp.json` approvals count: user and managed settings always; the folder's own
    /// settings and `.claude.json` entry only when the folder is trusted.
    pub(super) fn approval_counts(&self, f: &SettingsFile) -> bool {
        matches!(f.source, Source::User | Source::Managed) || self.trusted
    }
}
