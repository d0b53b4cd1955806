//! The settings that apply to the folder being checked, gathered from the settings files and
//! `.claude.json`'s project entry for [`crate::model::settings::judge`].

use serde_json::Value;

use crate::json::SyntaxErrorKind;
use crate::model::release::Rule;
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
    let here = paths::Folder::new(target_os, &folder);
    if let Some(p) = config.projects.iter().find(|p| here.is_project(&p.path)) {
        out.files.push(SettingsFile {
            source: Source::ProjectEntry,
            shown: format!(
                "{} projects[\"{}\"]",
                locations.display(&global.path),
                p.path
            ),
            value: p.fields.to_map(),
        });
    }
    // Trust is inherited from a trusted ancestor folder (not confirmed with the real client:
    // model-facts.md tried only the folder itself).
    out.trusted |= config.projects.iter().any(|p| {
        p.fields.get("hasTrustDialogAccepted") == Some(&Value::Bool(true))
            && here.is_in_project(&p.path)
    });
    out
}

impl super::Inventory {
    /// The managed settings document that keeps Claude Code from starting at all, under the
    /// release judged by ([`Rule::BrokenManagedSettingsStopsClaude`]): the first, in the order
    /// Claude Code merges them (`managed-settings.json`, then the drop-ins in name order), that is
    /// there but does not parse as a JSON object. Seen with 2.1.332: a trailing comma or `[]` in
    /// either kind of file; an empty one loads as no settings. A file this tool cannot read is
    /// not counted: what Claude Code makes of it was not seen.
    pub fn claude_stopped_by(&self) -> Option<&Loaded<Value>> {
        if !self.release.holds(Rule::BrokenManagedSettingsStopsClaude) {
            return None;
        }
        self.managed_settings_documents().find(|f| stops_claude(f))
    }

    /// Whether `path` is a managed settings document that, by itself, keeps Claude Code from
    /// starting ([`Inventory::claude_stopped_by`] names the first of them).
    ///
    /// [`Inventory::claude_stopped_by`]: super::Inventory::claude_stopped_by
    pub fn stops_claude(&self, path: &std::path::Path) -> bool {
        self.release.holds(Rule::BrokenManagedSettingsStopsClaude)
            && self
                .managed_settings_documents()
                .any(|f| f.path == path && stops_claude(f))
    }

    fn managed_settings_documents(&self) -> impl Iterator<Item = &Loaded<Value>> {
        let files = &self.settings_files;
        std::iter::once(&files.managed).chain(&files.managed_drop_ins)
    }
}

fn stops_claude(f: &Loaded<Value>) -> bool {
    if !f.facts.present || !f.facts.is_file || f.problems.read_error.is_some() {
        return false;
    }
    match &f.problems.syntax {
        Some(syntax) => !syntax.kind.claude_reads_it() && syntax.kind != SyntaxErrorKind::Empty,
        None => f.content.as_ref().is_some_and(|v| !v.is_object()),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use crate::json::{LineCol, SyntaxErrorKind};
    use crate::load::Snapshot;
    use crate::model::release::{Assumed, Release, Source};
    use crate::store::SyntaxProblem;

    fn with_last_drop_in_broken(mut snap: Snapshot, kind: SyntaxErrorKind) -> Snapshot {
        let last = snap.settings.managed_drop_ins.last_mut().unwrap();
        last.problems.syntax = Some(SyntaxProblem {
            kind,
            at: LineCol { line: 1, column: 2 },
        });
        last.content = None;
        snap
    }

    fn as_release(mut snap: Snapshot, release: Release) -> Snapshot {
        snap.release = Assumed {
            release,
            source: Source::Flag,
            why: None,
        };
        snap
    }

    fn stopper(snap: Snapshot) -> Option<String> {
        let inv = snap.inventory();
        inv.claude_stopped_by()
            .map(|f| f.path.file_name().unwrap().to_string_lossy().into_owned())
    }

    fn drop_ins(files: &[(&str, Value)]) -> Snapshot {
        files.iter().fold(Snapshot::for_test(), |s, (name, v)| {
            s.with_managed_drop_in(name, v.clone())
        })
    }

    #[test]
    fn a_drop_in_with_a_syntax_error_stops_claude_code_from_2_1_332_on() {
        let broken = || {
            with_last_drop_in_broken(
                drop_ins(&[("10-a.json", json!({})), ("20-b.json", json!({}))]),
                SyntaxErrorKind::TrailingComma,
            )
        };
        assert_eq!(stopper(broken()).as_deref(), Some("20-b.json"));
        assert_eq!(stopper(as_release(broken(), Release(2, 1, 100))), None);
    }

    #[test]
    fn a_document_that_is_not_an_object_stops_it_and_an_empty_one_does_not() {
        assert_eq!(
            stopper(drop_ins(&[("10-a.json", json!([]))])).as_deref(),
            Some("10-a.json")
        );
        assert_eq!(
            stopper(Snapshot::for_test().with_managed_settings(json!("text"))).as_deref(),
            Some("managed-settings.json")
        );
        let empty = with_last_drop_in_broken(
            drop_ins(&[("10-a.json", json!({}))]),
            SyntaxErrorKind::Empty,
        );
        assert_eq!(stopper(empty), None);
        assert_eq!(stopper(drop_ins(&[("10-a.json", json!({"x": 1}))])), None);
        assert_eq!(
            stopper(Snapshot::for_test()),
            None,
            "no managed files at all"
        );
    }

    #[test]
    fn an_unreadable_drop_in_is_not_counted() {
        let mut snap = drop_ins(&[("10-a.json", json!([]))]);
        let last = snap.settings.managed_drop_ins.last_mut().unwrap();
        last.problems.read_error = Some("permission denied".into());
        assert_eq!(stopper(snap), None);
    }
}
