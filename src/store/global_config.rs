//! `~/.claude.json`: read only what the diagnosis needs, without ever holding the whole file.
//!
//! The file can be hundreds of MB of per-project history. The scanner streams it once and copies out
//! only `mcpServers` (user scope) and, per project, `mcpServers` and the `.mcp.json` approval lists.

use std::collections::HashMap;
use std::io::{BufReader, Read};
use std::path::Path;

use serde_json::{Map, Value};

use super::{JsonProblems, Loaded, file, locate, safe};
use crate::json::scan::{self, MemberSize, Seg, Visit, Visitor};

/// Project-level fields that matter to MCP.
pub(crate) const PROJECT_FIELDS: &[&str] = &[
    "mcpServers",
    "enabledMcpjsonServers",
    "disabledMcpjsonServers",
    "enableAllProjectMcpServers",
    "disabledMcpServers",
    "hasTrustDialogAccepted",
];

/// What the diagnosis needs from the global config.
#[derive(Debug, Clone, Default)]
pub struct GlobalConfig {
    /// Top-level `mcpServers` (user scope), when present.
    pub user_servers: Option<Value>,
    /// `projects`, in file order.
    pub projects: Vec<ProjectConfig>,
    /// Size of each top-level member, for the bloat report.
    pub top_level: Vec<MemberSize>,
    /// `cachedGrowthBookFeatures.tengu_windows_credman`, the cached feature flag that makes
    /// Claude Code 2.1.332 on Windows keep credentials in the Credential Manager
    /// (state-formats.md §1.3, §5.3), when present.
    pub windows_credman_flag: Option<Value>,
}

/// Where the Credential Manager flag is cached in `.claude.json`.
const FEATURE_CACHE: &str = "cachedGrowthBookFeatures";
const WINDOWS_CREDMAN_FLAG: &str = "tengu_windows_credman";

/// One `projects[<path>]` entry, reduced to its MCP fields.
#[derive(Debug, Clone, Default)]
pub struct ProjectConfig {
    /// The key as written (`/home/u/repo`, or `C:/Users/u/repo` on Windows).
    pub path: String,
    /// The captured fields from `PROJECT_FIELDS`.
    pub fields: ProjectFields,
}

impl ProjectConfig {
    pub fn servers(&self) -> Option<&Map<String, Value>> {
        self.fields.get("mcpServers").and_then(Value::as_object)
    }
}

/// A project's captured fields ([`PROJECT_FIELDS`]), in file order, as a `Map` of them would
/// hold them (a field given twice: the last value, at the first one's place). A short list
/// instead of a `Map`: 5,000 projects of four fields each were 20,000 key copies and SipHashed
/// inserts, and a hashed table per project, for at most six names (issue 15).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ProjectFields(Vec<(Field, Captured)>);

/// A position in [`PROJECT_FIELDS`].
type Field = u8;

/// A captured value: the ones most projects hold without a `Value` of their own (16 bytes where
/// a `Value` is 80: 5,000 projects of four fields were 1.7 MB of fresh heap, page by page).
#[derive(Debug, Clone, PartialEq)]
enum Captured {
    EmptyObject,
    EmptyArray,
    Bool(bool),
    Null,
    Other(Box<Value>),
}

static EMPTY_OBJECT: std::sync::LazyLock<Value> =
    std::sync::LazyLock::new(|| Value::Object(Map::new()));
static EMPTY_ARRAY: Value = Value::Array(Vec::new());
static TRUE: Value = Value::Bool(true);
static FALSE: Value = Value::Bool(false);
static NULL: Value = Value::Null;

impl Captured {
    fn of(value: Value) -> Self {
        match value {
            Value::Object(m) if m.is_empty() => Self::EmptyObject,
            Value::Array(a) if a.is_empty() => Self::EmptyArray,
            Value::Bool(b) => Self::Bool(b),
            Value::Null => Self::Null,
            other => Self::Other(Box::new(other)),
        }
    }

    fn into_value(self) -> Value {
        match self {
            Self::Other(v) => *v,
            small => small.value().clone(),
        }
    }

    fn value(&self) -> &Value {
        match self {
            Self::EmptyObject => &EMPTY_OBJECT,
            Self::EmptyArray => &EMPTY_ARRAY,
            Self::Bool(true) => &TRUE,
            Self::Bool(false) => &FALSE,
            Self::Null => &NULL,
            Self::Other(v) => v,
        }
    }
}

impl ProjectFields {
    /// The value of field `name`, if captured.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.0
            .iter()
            .find(|(f, _)| PROJECT_FIELDS[*f as usize] == name)
            .map(|(_, v)| v.value())
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// The fields by name, in order.
    pub fn iter(&self) -> impl Iterator<Item = (&'static str, &Value)> + '_ {
        self.0
            .iter()
            .map(|(f, v)| (PROJECT_FIELDS[*f as usize], v.value()))
    }

    /// The fields as the `Map` of a settings document ([`crate::model::settings`] reads the
    /// folder's own project entry as one).
    pub fn to_map(&self) -> Map<String, Value> {
        self.iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect()
    }

    /// Sets field `name` (one of [`PROJECT_FIELDS`]; any other name is not a project field and
    /// is ignored), keeping its place when it is there already.
    pub fn insert(&mut self, name: &str, value: Value) {
        let Some(field) = field_of(name) else { return };
        self.set(field, Captured::of(value));
    }

    fn set(&mut self, field: Field, value: Captured) {
        match self.0.iter_mut().find(|(f, _)| *f == field) {
            Some((_, old)) => *old = value,
            None => self.0.push((field, value)),
        }
    }
}

impl<'a> FromIterator<(&'a str, Value)> for ProjectFields {
    fn from_iter<I: IntoIterator<Item = (&'a str, Value)>>(iter: I) -> Self {
        let mut out = Self::default();
        for (name, value) in iter {
            out.insert(name, value);
        }
        out
    }
}

/// The position of `name` in [`PROJECT_FIELDS`]. A `match` of string literals (compared by
/// length first), where `contains` compared with each name in turn: every one of a project's
/// ~17 keys is asked.
fn field_of(name: &str) -> Option<Field> {
    let at = match name {
        "mcpServers" => 0,
        "enabledMcpjsonServers" => 1,
        "disabledMcpjsonServers" => 2,
        "enableAllProjectMcpServers" => 3,
        "disabledMcpServers" => 4,
        "hasTrustDialogAccepted" => 5,
        _ => return None,
    };
    debug_assert_eq!(PROJECT_FIELDS[at], name);
    Some(at as Field)
}

/// A captured value as `serde_json::from_slice::<Value>` makes it, with the values most
/// projects hold (`{}`, `[]`, `false`, `true`, `null`, exactly so written) made without a
/// parser: 20,000 parser set-ups on 5,000 projects (issue 15).
fn parse_captured(raw: &[u8]) -> serde_json::Result<Captured> {
    Ok(match raw {
        b"{}" => Captured::EmptyObject,
        b"[]" => Captured::EmptyArray,
        b"false" => Captured::Bool(false),
        b"true" => Captured::Bool(true),
        b"null" => Captured::Null,
        _ => Captured::of(serde_json::from_slice(raw)?),
    })
}

#[derive(Default)]
struct Collect {
    config: GlobalConfig,
    /// A captured value serde_json could not represent: the server list is then incomplete.
    unsupported: bool,
}

impl Collect {
    /// The project the scanner is in: the last one visited (the scanner visits a project, then
    /// captures its fields). No lookup by key: a key given twice is rare and the scan reports
    /// it, so [`Collect::merge_repeated_projects`] merges afterwards, only then.
    fn current_project(&mut self, key: &str) -> Option<&mut ProjectConfig> {
        let current = self.config.projects.last_mut()?;
        (current.path == key).then_some(current)
    }

    /// `JSON.parse` keeps one entry per key: the last value, at the first position. Called when
    /// the scan found a duplicated key anywhere (a project key given twice, in one `projects`
    /// or in two of them, is among those).
    fn merge_repeated_projects(&mut self) {
        let projects = &mut self.config.projects;
        let mut first: HashMap<&str, usize, foldhash::fast::RandomState> = HashMap::default();
        let mut merged = Vec::new();
        for (i, p) in projects.iter().enumerate() {
            if let Some(&at) = first.get(p.path.as_str()) {
                merged.push((at, i));
            } else {
                first.insert(&p.path, i);
            }
        }
        if merged.is_empty() {
            return;
        }
        let mut keep = vec![true; projects.len()];
        for (at, later) in merged {
            projects[at].fields = std::mem::take(&mut projects[later].fields);
            keep[later] = false;
        }
        let mut i = 0;
        projects.retain(|_| {
            i += 1;
            keep[i - 1]
        });
    }
}

/// Which parts of `.claude.json` the loader reads: the user-scope `mcpServers`, each project's
/// [`PROJECT_FIELDS`] and the cached Credential Manager flag are captured; everything else is
/// skipped (the pasted history that makes the file hundreds of MB). `examples/scan_only.rs` scans
/// with the same decisions.
pub fn wanted(path: &[Seg]) -> Visit {
    match path {
        [] => Visit::Descend,
        [Seg::Key(k)] if k == "mcpServers" => Visit::Capture,
        [Seg::Key(k)] if k == "projects" => Visit::Descend,
        [Seg::Key(k)] if k == FEATURE_CACHE => Visit::Descend,
        [Seg::Key(k), Seg::Key(flag)] if k == FEATURE_CACHE && flag == WINDOWS_CREDMAN_FLAG => {
            Visit::Capture
        }
        [Seg::Key(k), Seg::Key(_)] if k == "projects" => Visit::Descend,
        [Seg::Key(k), Seg::Key(_), Seg::Key(field)]
            if k == "projects" && field_of(field).is_some() =>
        {
            Visit::Capture
        }
        _ => Visit::Skip,
    }
}

impl Visitor for Collect {
    fn visit(&mut self, path: &[Seg]) -> Visit {
        if let [Seg::Key(k)] = path
            && k == "projects"
        {
            // A second top-level `projects` replaces the first, as `JSON.parse` keeps the last
            // of two equal keys: Claude Code never sees the first one's projects.
            self.config.projects.clear();
        }
        if let [Seg::Key(k), Seg::Key(project)] = path
            && k == "projects"
        {
            self.config.projects.push(ProjectConfig {
                path: project.clone(),
                fields: ProjectFields::default(),
            });
        }
        wanted(path)
    }

    fn captured(&mut self, path: &[Seg], raw: Vec<u8>) {
        let Ok(value) = parse_captured(&raw) else {
            self.unsupported = true;
            return;
        };
        match path {
            [Seg::Key(_)] => self.config.user_servers = Some(value.into_value()),
            [Seg::Key(_), Seg::Key(_)] => {
                self.config.windows_credman_flag = Some(value.into_value())
            }
            [_, Seg::Key(project), Seg::Key(field)] => {
                if let Some(p) = self.current_project(project)
                    && let Some(field) = field_of(field)
                {
                    p.fields.set(field, value);
                }
            }
            _ => {}
        }
    }
}

/// Streams `path` and keeps the MCP-relevant parts.
pub fn load(path: &Path) -> Loaded<GlobalConfig> {
    load_trusting(path, &safe::Trust::default())
}

/// [`load`], refusing a file `trust` does not allow; the target is opened as
/// [`super::load_small_trusting`] opens it, and read up to [`safe::GLOBAL_CONFIG_CAP`].
pub fn load_trusting(path: &Path, trust: &safe::Trust) -> Loaded<GlobalConfig> {
    let facts = file::inspect(path);
    let mut loaded = Loaded {
        path: path.to_path_buf(),
        sha256: None,
        facts: facts.clone(),
        problems: JsonProblems::default(),
        content: None,
    };
    if !facts.present || facts.error.is_some() {
        loaded.problems.read_error = facts.error;
        return loaded;
    }
    let target = facts.target.clone().unwrap_or_else(|| path.to_path_buf());
    let open = || -> std::io::Result<_> {
        trust.check_file(&facts)?;
        safe::open_regular_meta(&target, safe::GLOBAL_CONFIG_CAP)
    };
    let result = open().and_then(|(f, meta)| {
        let mut collect = Collect::default();
        // A large file of ours through mapped windows (no read() copy), else read.
        let mapped = if safe::mapped::only_we_can_write(&meta, trust.euid) {
            safe::mapped::open(f, meta.len())
        } else {
            Err(f)
        };
        let mut report = match mapped {
            Ok(mapped) => scan::scan_source(mapped, &mut collect)?,
            Err(f) => {
                let f = f.take(safe::GLOBAL_CONFIG_CAP);
                scan::scan(BufReader::with_capacity(0, f), &mut collect)?
            }
        };
        collect.config.top_level = std::mem::take(&mut report.top_level);
        if !report.duplicates.is_empty() {
            collect.merge_repeated_projects();
        }
        let mut problems = if report.error.is_some() || !report.duplicates.is_empty() {
            let f = open()?.0.take(safe::GLOBAL_CONFIG_CAP);
            locate(&report, BufReader::new(f))?
        } else {
            JsonProblems {
                bom: report.bom,
                ..JsonProblems::default()
            }
        };
        if collect.unsupported && problems.syntax.is_none() {
            problems.syntax = Some(super::SyntaxProblem {
                kind: crate::json::SyntaxErrorKind::Unsupported,
                at: crate::json::LineCol { line: 1, column: 1 },
            });
        }
        Ok((collect.config, problems))
    });
    match result {
        Ok((config, problems)) => {
            loaded.content = problems.syntax.is_none().then_some(config);
            loaded.problems = problems;
        }
        Err(e) => loaded.problems.read_error = Some(e.to_string()),
    }
    loaded
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load_text(text: &str) -> Loaded<GlobalConfig> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(".claude.json");
        std::fs::write(&path, text).unwrap();
        load(&path)
    }

    /// The projects and fields a `Value` of the text holds (`JSON.parse`'s reading: of a key
    /// given twice, the last value at the first place).
    fn projects_of_value(text: &str) -> Vec<(String, Vec<(String, Value)>)> {
        let value: Value = serde_json::from_str(text).unwrap();
        let Some(projects) = value.get("projects").and_then(Value::as_object) else {
            return Vec::new();
        };
        projects
            .iter()
            .map(|(path, p)| {
                let fields = p
                    .as_object()
                    .map(|o| {
                        o.iter()
                            .filter(|(k, _)| PROJECT_FIELDS.contains(&k.as_str()))
                            .map(|(k, v)| (k.clone(), v.clone()))
                            .collect()
                    })
                    .unwrap_or_default();
                (path.clone(), fields)
            })
            .collect()
    }

    fn projects_loaded(loaded: &Loaded<GlobalConfig>) -> Vec<(String, Vec<(String, Value)>)> {
        let config = loaded.content.as_ref().expect("parsed");
        config
            .projects
            .iter()
            .map(|p| {
                let fields = p
                    .fields
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.clone()))
                    .collect();
                (p.path.clone(), fields)
            })
            .collect()
    }

    #[test]
    fn projects_read_as_a_value_of_the_file_holds_them() {
        for text in [
            r#"{"projects":{"/a":{"mcpServers":{},"history":[1],"enabledMcpjsonServers":[],"hasTrustDialogAccepted":false}}}"#,
            r#"{"projects":{"/a":{"mcpServers":{"s":{"url":"u"}},"disabledMcpServers":["x"],"mcpServers":{}}}}"#,
            r#"{"projects":{"/a":{"hasTrustDialogAccepted":true},"/b":{"mcpServers":null},"/a":{"enableAllProjectMcpServers":true,"mcpServers":{ }}}}"#,
            r#"{"projects":{"/a":{"mcpServers":{}},"/b":{},"/a":5,"/c":{"disabledMcpjsonServers":["p"]},"/b":{"hasTrustDialogAccepted":null}}}"#,
            r#"{"projects":{"/\u0061":{"mcpServers":{}},"/a":{"hasTrustDialogAccepted":true}}}"#,
            r#"{"projects":{"/a":{"mcpServers":[],"enabledMcpjsonServers":"x","disabledMcpjsonServers":1.5e3}},"x":{"projects":{"/z":{}}}}"#,
            r#"{"projects":[{"mcpServers":{}}]}"#,
            r#"{"projects":{}}"#,
            r#"{"mcpServers":{}}"#,
        ] {
            let loaded = load_text(text);
            assert_eq!(projects_loaded(&loaded), projects_of_value(text), "{text}");
        }
    }

    /// Two `projects` members: each one's projects are kept, in one list (what the loader has
    /// always made of it), a key given in both once, at its first place with its last value.
    #[test]
    fn of_two_projects_members_the_last_counts_as_json_parse_keeps_it() {
        let text = r#"{"projects":{"/a":{"mcpServers":{}},"/b":{}},"projects":{"/c":{},"/a":{"hasTrustDialogAccepted":true}}}"#;
        let got = projects_loaded(&load_text(text));
        let want = vec![
            ("/c".to_string(), vec![]),
            (
                "/a".to_string(),
                vec![("hasTrustDialogAccepted".to_string(), Value::Bool(true))],
            ),
        ];
        assert_eq!(got, want);
        // And what JSON.parse (serde_json keeps the last too) gives, project by project.
        let parsed: Value = serde_json::from_str(text).unwrap();
        let keys: Vec<&String> = parsed["projects"].as_object().unwrap().keys().collect();
        assert_eq!(keys, ["/c", "/a"]);
    }

    #[test]
    fn literals_made_without_the_parser_are_what_it_makes() {
        for raw in [
            "{}", "[]", "false", "true", "null", "{ }", "[1]", "\"s\"", "0",
        ] {
            let want: Value = serde_json::from_str(raw).unwrap();
            assert_eq!(
                parse_captured(raw.as_bytes()).unwrap().value(),
                &want,
                "{raw}"
            );
            assert_eq!(Captured::of(want.clone()).value(), &want, "{raw}");
            assert_eq!(Captured::of(want.clone()).into_value(), want, "{raw}");
        }
        assert!(parse_captured(b"1e400").is_err());
    }

    #[test]
    fn fields_keep_their_first_place_and_last_value() {
        let mut fields = ProjectFields::default();
        fields.insert("hasTrustDialogAccepted", Value::Bool(false));
        fields.insert("mcpServers", Value::Null);
        fields.insert("history", Value::Null);
        fields.insert("hasTrustDialogAccepted", Value::Bool(true));
        let names: Vec<&str> = fields.iter().map(|(k, _)| k).collect();
        assert_eq!(names, ["hasTrustDialogAccepted", "mcpServers"]);
        assert_eq!(
            fields.get("hasTrustDialogAccepted"),
            Some(&Value::Bool(true))
        );
        assert_eq!(fields.get("history"), None);
        let map = fields.to_map();
        assert_eq!(
            map.keys().collect::<Vec<_>>(),
            ["hasTrustDialogAccepted", "mcpServers"]
        );
        for (i, name) in PROJECT_FIELDS.iter().enumerate() {
            assert_eq!(field_of(name), Some(i as Field));
        }
        assert_eq!(field_of("mcpserver"), None);
    }
}
