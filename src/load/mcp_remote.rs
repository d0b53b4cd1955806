//! Reads mcp-remote's state folder and Claude Desktop's server list (issue 13; the facts are in
//! docs/mcp-remote.md). Like the rest of `load`, this is where the disk is asked; the model
//! (`model::mcp_remote`) parses what is read here.
//!
//! The base dir is `MCP_REMOTE_CONFIG_DIR` when set and non-empty, else `<home>/.mcp-auth`. A
//! definition's own `env.MCP_REMOTE_CONFIG_DIR` is never read: a config never names a path we open
//! (the same rule as for `--header-file`). Under the base dir, every real folder (not a link to
//! one) and in it every `<hash>_*` name are listed; the small JSON files mcp-remote reads
//! (`tokens.json`, `client_info.json`, `lock.json`, `refresh_in_progress.json`) are opened
//! without following a link and without blocking, must be regular files and are read up to a
//! cap. Other files (PKCE verifiers, `debug.log`, which can hold whole tokens) are listed and
//! never read. A lock or lease names a pid; whether it runs is a process fact, so it is asked here.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::layout;
use crate::store::safe::{DirHandle, Trust};
use crate::store::{self, Loaded};

/// The most of one mcp-remote file this tool reads: they are a few hundred bytes.
pub const FILE_CAP: u64 = 1 << 20;
/// The most files listed in one version folder (a runaway folder stays a bounded read).
pub const MAX_FILES: usize = 10_000;

/// Where the base dir came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BaseSource {
    /// `<home>/.mcp-auth`.
    Home,
    /// `MCP_REMOTE_CONFIG_DIR` in this process's environment.
    Variable,
}

/// Everything read for mcp-remote and Claude Desktop.
#[derive(Debug)]
pub struct McpRemoteFiles {
    pub base: BaseDir,
    /// `claude_desktop_config.json` for the snapshot's target OS.
    pub desktop: Loaded<Value>,
}

/// The base dir and what is in it.
#[derive(Debug)]
pub struct BaseDir {
    pub path: PathBuf,
    pub source: BaseSource,
    /// It exists and is a directory we opened.
    pub present: bool,
    /// Why it (or a listing in it) could not be read; `None` when absent or read.
    pub error: Option<String>,
    pub folders: Vec<VersionFolder>,
}

/// One folder directly under the base dir (mcp-remote names them `mcp-remote-<version>` and
/// `mcp-remote-v1`; any other folder is listed too, the model decides).
#[derive(Debug)]
pub struct VersionFolder {
    pub name: String,
    pub path: PathBuf,
    pub error: Option<String>,
    pub files: Vec<StateFile>,
}

/// One `<hash>_*` entry in a version folder.
#[derive(Debug)]
pub struct StateFile {
    pub name: String,
    pub content: Content,
    /// For a lock or lease: whether the pid it names runs.
    pub process: Option<ProcessFact>,
}

/// What was read of a file.
pub enum Content {
    /// The text (mcp-remote writes UTF-8 JSON). It may hold tokens: `Debug` shows its length only.
    Text(String),
    /// A name we list but never open (verifiers, `debug.log`, temp files, anything else).
    NotRead,
    /// Not a regular file, a link, too large, not UTF-8, or unreadable: why.
    Error(String),
}

impl std::fmt::Debug for Content {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Content::Text(t) => write!(f, "Text(len={})", t.len()),
            Content::NotRead => write!(f, "NotRead"),
            Content::Error(e) => write!(f, "Error({e:?})"),
        }
    }
}

#[cfg(test)]
impl McpRemoteFiles {
    /// No `~/.mcp-auth` and no Desktop config (for snapshots built in tests).
    pub fn for_test() -> Self {
        Self {
            base: BaseDir {
                path: PathBuf::from("/home/u/.mcp-auth"),
                source: BaseSource::Home,
                present: false,
                error: None,
                folders: Vec::new(),
            },
            desktop: Loaded::missing(Path::new(
                "/home/u/.config/Claude/claude_desktop_config.json",
            )),
        }
    }
}

#[cfg(test)]
impl super::Snapshot {
    /// `~/.mcp-auth/<folder>/<name>` holds `text` (a lock or lease naming a process in `process`).
    pub fn with_mcp_remote_file(
        mut self,
        folder: &str,
        name: &str,
        text: &str,
        process: Option<ProcessFact>,
    ) -> Self {
        let base = &mut self.mcp_remote.base;
        base.present = true;
        let at = match base.folders.iter().position(|f| f.name == folder) {
            Some(at) => at,
            None => {
                base.folders.push(VersionFolder {
                    name: folder.to_string(),
                    path: base.path.join(folder),
                    error: None,
                    files: Vec::new(),
                });
                base.folders.len() - 1
            }
        };
        base.folders[at].files.push(StateFile {
            name: name.to_string(),
            content: Content::Text(text.to_string()),
            process,
        });
        self
    }

    /// Claude Desktop's config holds `json`.
    pub fn with_desktop_config(mut self, json: Value) -> Self {
        self.mcp_remote.desktop = Loaded::parsed(&self.mcp_remote.desktop.path.clone(), json);
        self
    }
}

/// Whether the process a lock or lease names runs (`kill(pid, 0)`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProcessFact {
    Running,
    /// No such process.
    Gone,
    /// It exists but belongs to another user (EPERM). mcp-remote's lock check counts this as
    /// dead, its lease check as alive.
    NotPermitted,
    /// No pid we could ask about (not a positive integer, or not on Unix).
    Unknown,
}

/// The suffixes of the files mcp-remote reads as JSON, the only ones opened.
const READ_SUFFIXES: [&str; 4] = [
    "_tokens.json",
    "_client_info.json",
    "_lock.json",
    "_refresh_in_progress.json",
];

/// The base dir mcp-remote uses: `config_dir_var` (this process's `MCP_REMOTE_CONFIG_DIR`) when
/// non-empty, else `<home>/.mcp-auth`.
pub fn base_dir(home: &Path, config_dir_var: Option<&str>) -> (PathBuf, BaseSource) {
    match config_dir_var.filter(|v| !v.is_empty()) {
        Some(dir) => (PathBuf::from(dir), BaseSource::Variable),
        None => (home.join(layout::MCP_REMOTE_DIR), BaseSource::Home),
    }
}

/// Reads the base dir and the Desktop config.
pub fn load(
    home: &Path,
    config_dir_var: Option<&str>,
    target_os: &str,
    appdata: Option<&Path>,
    trust: &Trust,
) -> McpRemoteFiles {
    let (path, source) = base_dir(home, config_dir_var);
    let desktop_path =
        layout::desktop_config_dir(home, target_os, appdata).join(layout::DESKTOP_CONFIG);
    McpRemoteFiles {
        base: read_base(path, source, trust),
        desktop: store::load_small_trusting(&desktop_path, trust),
    }
}

fn read_base(path: PathBuf, source: BaseSource, trust: &Trust) -> BaseDir {
    let mut base = BaseDir {
        path,
        source,
        present: false,
        error: None,
        folders: Vec::new(),
    };
    let dir = match std::fs::metadata(&base.path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return base,
        Err(e) => {
            base.error = Some(format!("{}: {e}", base.path.display()));
            return base;
        }
        Ok(_) => DirHandle::open(&base.path).and_then(|d| {
            trust.check_dir(&base.path, &d)?;
            Ok(d)
        }),
    };
    let dir = match dir {
        Ok(d) => d,
        Err(e) => {
            base.error = Some(format!("{}: {e}", base.path.display()));
            return base;
        }
    };
    base.present = true;
    let names = match dir.subdirs() {
        Ok(n) => n,
        Err(e) => {
            base.error = Some(format!("{}: {e}", base.path.display()));
            return base;
        }
    };
    for name in names {
        let Some(text) = name.to_str() else { continue };
        base.folders.push(read_folder(&dir, text, trust));
    }
    base
}

fn read_folder(base: &DirHandle, name: &str, trust: &Trust) -> VersionFolder {
    let path = base.path().join(name);
    let mut folder = VersionFolder {
        name: name.to_string(),
        path: path.clone(),
        error: None,
        files: Vec::new(),
    };
    let dir = match base.child_dir(name, false, 0).and_then(|(d, _)| {
        trust.check_dir(&path, &d)?;
        Ok(d)
    }) {
        Ok(d) => d,
        Err(e) => {
            folder.error = Some(e.to_string());
            return folder;
        }
    };
    let names = match dir.names() {
        Ok(n) => n,
        Err(e) => {
            folder.error = Some(format!("{}: {e}", path.display()));
            return folder;
        }
    };
    for name in names.iter().filter_map(|n| n.to_str()).take(MAX_FILES) {
        if !is_per_server_name(name) {
            continue;
        }
        folder.files.push(read_file(&dir, name));
    }
    folder
}

/// `<32 lowercase hex>_…`: one of mcp-remote's per-server files.
fn is_per_server_name(name: &str) -> bool {
    name.len() > 33
        && name.as_bytes()[32] == b'_'
        && name.as_bytes()[..32]
            .iter()
            .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

fn read_file(dir: &DirHandle, name: &str) -> StateFile {
    let wanted = READ_SUFFIXES.iter().any(|s| name.ends_with(s));
    let content = if !wanted {
        Content::NotRead
    } else {
        match dir.read(OsStr::new(name), FILE_CAP) {
            Ok(bytes) => match String::from_utf8(bytes) {
                Ok(text) => Content::Text(text),
                Err(_) => Content::Error(format!(
                    "{} is not UTF-8 text",
                    dir.path().join(name).display()
                )),
            },
            Err(e) => Content::Error(e.to_string()),
        }
    };
    let names_a_pid = name.ends_with("_lock.json") || name.ends_with("_refresh_in_progress.json");
    let process = match (&content, names_a_pid) {
        (Content::Text(text), true) => Some(process_of(text)),
        _ => None,
    };
    StateFile {
        name: name.to_string(),
        content,
        process,
    }
}

/// Whether the `pid` a lock or lease names runs.
fn process_of(text: &str) -> ProcessFact {
    let pid = serde_json::from_str::<Value>(text)
        .ok()
        .and_then(|v| v.get("pid").and_then(Value::as_u64))
        .and_then(|p| i32::try_from(p).ok())
        .filter(|p| *p > 0);
    match pid {
        Some(pid) => pid_state(pid),
        None => ProcessFact::Unknown,
    }
}

#[cfg(unix)]
fn pid_state(pid: i32) -> ProcessFact {
    let Some(pid) = rustix::process::Pid::from_raw(pid) else {
        return ProcessFact::Unknown;
    };
    match rustix::process::test_kill_process(pid) {
        Ok(()) => ProcessFact::Running,
        Err(rustix::io::Errno::PERM) => ProcessFact::NotPermitted,
        Err(rustix::io::Errno::SRCH) => ProcessFact::Gone,
        Err(_) => ProcessFact::Unknown,
    }
}

#[cfg(not(unix))]
fn pid_state(_pid: i32) -> ProcessFact {
    ProcessFact::Unknown
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    const HASH: &str = "af00b6f32a6a21582603f8f63e6c95d9";

    #[test]
    fn the_variable_replaces_the_home_folder_unless_empty() {
        let home = Path::new("/h");
        assert_eq!(
            base_dir(home, None),
            (PathBuf::from("/h/.mcp-auth"), BaseSource::Home)
        );
        assert_eq!(base_dir(home, Some("")).1, BaseSource::Home);
        assert_eq!(
            base_dir(home, Some("/x")),
            (PathBuf::from("/x"), BaseSource::Variable)
        );
    }

    #[test]
    fn reads_the_json_files_lists_the_rest_and_follows_no_link() {
        let home = tempfile::tempdir().unwrap();
        let v1 = home.path().join(".mcp-auth/mcp-remote-v1");
        std::fs::create_dir_all(&v1).unwrap();
        std::fs::write(v1.join(format!("{HASH}_tokens.json")), "{}").unwrap();
        std::fs::write(v1.join(format!("{HASH}_code_verifier_1.txt")), "CANARY").unwrap();
        std::fs::write(v1.join("notes.txt"), "x").unwrap();
        std::os::unix::fs::symlink("/etc/passwd", v1.join(format!("{HASH}_client_info.json")))
            .unwrap();
        // A link to a folder is not a version folder.
        std::os::unix::fs::symlink(&v1, home.path().join(".mcp-auth/mcp-remote-0.1.49")).unwrap();
        let files = load(home.path(), None, "linux", None, &Trust::default());
        assert!(files.base.present);
        assert_eq!(files.base.folders.len(), 1);
        let folder = &files.base.folders[0];
        assert_eq!(folder.name, "mcp-remote-v1");
        let names: Vec<&str> = folder.files.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(
            names,
            [
                format!("{HASH}_client_info.json"),
                format!("{HASH}_code_verifier_1.txt"),
                format!("{HASH}_tokens.json"),
            ]
        );
        assert!(
            matches!(&folder.files[0].content, Content::Error(e) if e.contains("symbolic link"))
        );
        assert!(matches!(folder.files[1].content, Content::NotRead));
        assert!(matches!(&folder.files[2].content, Content::Text(t) if t == "{}"));
        assert!(!format!("{files:?}").contains("CANARY"));
        assert!(!files.desktop.facts.present);
    }

    #[test]
    fn a_fifo_is_not_opened() {
        let home = tempfile::tempdir().unwrap();
        let v1 = home.path().join(".mcp-auth/mcp-remote-v1");
        std::fs::create_dir_all(&v1).unwrap();
        let fifo = v1.join(format!("{HASH}_tokens.json"));
        rustix::fs::mknodat(
            rustix::fs::CWD,
            &fifo,
            rustix::fs::FileType::Fifo,
            rustix::fs::Mode::from_raw_mode(0o600),
            0,
        )
        .unwrap();
        let files = load(home.path(), None, "linux", None, &Trust::default());
        let file = &files.base.folders[0].files[0];
        assert!(matches!(&file.content, Content::Error(e) if e.contains("FIFO")));
    }

    #[test]
    fn a_lock_names_a_process_that_runs_or_not() {
        let home = tempfile::tempdir().unwrap();
        let v = home.path().join(".mcp-auth/mcp-remote-0.1.49");
        std::fs::create_dir_all(&v).unwrap();
        let me = std::process::id();
        std::fs::write(
            v.join(format!("{HASH}_lock.json")),
            format!(r#"{{"pid": {me}, "port": 1, "timestamp": 1}}"#),
        )
        .unwrap();
        // Above the kernel's pid_max (4194304 at most): never a running process.
        std::fs::write(
            v.join(format!("{}_lock.json", "0".repeat(32))),
            r#"{"pid": 2000000000, "port": 1, "timestamp": 1}"#,
        )
        .unwrap();
        let files = load(home.path(), None, "linux", None, &Trust::default());
        let facts: Vec<_> = files.base.folders[0]
            .files
            .iter()
            .map(|f| f.process)
            .collect();
        assert_eq!(facts, [Some(ProcessFact::Gone), Some(ProcessFact::Running)]);
    }

    #[test]
    fn desktop_config_by_os() {
        let home = Path::new("/h");
        let dir = |os, appdata: Option<&Path>| layout::desktop_config_dir(home, os, appdata);
        assert_eq!(dir("linux", None), PathBuf::from("/h/.config/Claude"));
        assert_eq!(
            dir("macos", None),
            PathBuf::from("/h/Library/Application Support/Claude")
        );
        assert_eq!(
            dir("windows", Some(Path::new("/h/AD"))),
            PathBuf::from("/h/AD/Claude")
        );
        assert_eq!(
            dir("windows", None),
            PathBuf::from("/h/AppData/Roaming/Claude")
        );
    }
}
