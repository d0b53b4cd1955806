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
    pub fields: Map<String, Value>,
}

impl ProjectConfig {
    pub fn servers(&self) -> Option<&Map<String, Value>> {
        self.fields.get("mcpServers").and_then(Value::as_object)
    }
}

#[derive(Default)]
struct Collect {
    config: GlobalConfig,
    /// A captured value serde_json could not represent: the server list is then incomplete.
    unsupported: bool,
    /// Position of each project in `config.projects` (thousands of projects: no linear search).
    /// foldhash, not SipHash (~0.6% of `check` on 5,000 projects; see `model::inventory::LiveKeys`
    /// for why a crafted collision is no concern).
    index: HashMap<String, usize, foldhash::fast::RandomState>,
    /// The project last looked up: the scanner visits a project, then captures its fields, so
    /// those captures find it without hashing its key again.
    last: Option<usize>,
}

impl Collect {
    fn project(&mut self, key: &str) -> &mut ProjectConfig {
        if let Some(i) = self.last
            && self.config.projects[i].path == key
        {
            return &mut self.config.projects[i];
        }
        // `JSON.parse` keeps one entry per key (the last value, at the first position).
        if let Some(&i) = self.index.get(key) {
            self.last = Some(i);
            return &mut self.config.projects[i];
        }
        self.last = Some(self.config.projects.len());
        self.index
            .insert(key.to_string(), self.config.projects.len());
        self.config.projects.push(ProjectConfig {
            path: key.to_string(),
            fields: Map::new(),
        });
        self.config.projects.last_mut().expect("just pushed")
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
            if k == "projects" && PROJECT_FIELDS.contains(&field.as_str()) =>
        {
            Visit::Capture
        }
        _ => Visit::Skip,
    }
}

impl Visitor for Collect {
    fn visit(&mut self, path: &[Seg]) -> Visit {
        if let [Seg::Key(k), Seg::Key(project)] = path
            && k == "projects"
        {
            self.project(project).fields.clear();
        }
        wanted(path)
    }

    fn captured(&mut self, path: &[Seg], raw: Vec<u8>) {
        let Ok(value) = serde_json::from_slice::<Value>(&raw) else {
            self.unsupported = true;
            return;
        };
        match path {
            [Seg::Key(_)] => self.config.user_servers = Some(value),
            [Seg::Key(_), Seg::Key(_)] => self.config.windows_credman_flag = Some(value),
            [_, Seg::Key(project), Seg::Key(field)] => {
                let fields = &mut self.project(project).fields;
                if fields.is_empty() {
                    // Room for every field at the first: a map grown field by field reallocated
                    // its entries and its table twice each (10% of `check` on 5,000 projects of
                    // four captured fields each, with the page faults of the growing heap).
                    *fields = Map::with_capacity(PROJECT_FIELDS.len());
                }
                fields.insert(field.clone(), value);
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
        // A large file through mapped windows (no read() copy), else read.
        let mut report = match safe::mapped::open(f, meta.len()) {
            Ok(mapped) => scan::scan_source(mapped, &mut collect)?,
            Err(f) => {
                let f = f.take(safe::GLOBAL_CONFIG_CAP);
                scan::scan(BufReader::with_capacity(0, f), &mut collect)?
            }
        };
        collect.config.top_level = std::mem::take(&mut report.top_level);
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
