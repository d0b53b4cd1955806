//! Lossless, careful loading of Claude Code's files.
//!
//! Every file is inspected (symlinks, mode, size) and scanned for the ways JSON breaks in the field
//! before anything is parsed. A file that Claude Code itself cannot parse is kept apart: the
//! diagnosis treats it as Claude Code does (as if it were empty) and nothing ever writes it.

pub mod accept;
pub mod credentials;
pub mod file;
pub mod global_config;
pub mod plugins;
pub mod private;
pub mod safe;
pub mod tilde;

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::json::position::{self, LineCol};
use crate::json::scan::{self, ScanReport, ValidateOnly};
use crate::json::{SyntaxErrorKind, pointer};
pub use file::FileFacts;

/// A duplicate key, located.
#[derive(Debug, Clone)]
pub struct DuplicateKey {
    /// JSON Pointer of the object that holds the key twice.
    pub object_pointer: String,
    pub key: String,
    pub at: LineCol,
}

/// A syntax error, located.
#[derive(Debug, Clone)]
pub struct SyntaxProblem {
    pub kind: SyntaxErrorKind,
    pub at: LineCol,
}

/// What is wrong with a file as JSON, independent of what it means.
#[derive(Debug, Clone, Default)]
pub struct JsonProblems {
    pub bom: bool,
    pub syntax: Option<SyntaxProblem>,
    pub duplicates: Vec<DuplicateKey>,
    /// The file exists but could not be read (permissions, I/O).
    pub read_error: Option<String>,
}

impl JsonProblems {
    /// `JSON.parse` in Claude Code fails on a BOM or any syntax error.
    pub fn claude_can_parse(&self) -> bool {
        !self.bom && self.syntax.is_none() && self.read_error.is_none()
    }
}

/// One loaded file: facts, problems, and the content (parsed past a BOM, so the doctor can say what
/// the file holds even when Claude Code cannot read it).
#[derive(Debug, Clone)]
pub struct Loaded<T> {
    pub path: PathBuf,
    /// SHA-256 of the bytes read (small files only), so a writer can tell whether the file changed
    /// between planning and writing.
    pub sha256: Option<String>,
    pub facts: FileFacts,
    pub problems: JsonProblems,
    pub content: Option<T>,
}

impl<T> Loaded<T> {
    fn absent(path: &Path, facts: FileFacts) -> Self {
        Self {
            path: path.to_path_buf(),
            sha256: None,
            facts,
            problems: JsonProblems::default(),
            content: None,
        }
    }

    /// A file that is not there (for snapshots built in tests).
    #[cfg(test)]
    pub(crate) fn missing(path: &Path) -> Self {
        Self::absent(path, FileFacts::default())
    }

    /// A regular file Claude Code can parse, holding `content` (for snapshots built in tests).
    #[cfg(test)]
    pub(crate) fn parsed(path: &Path, content: T) -> Self {
        let facts = FileFacts {
            present: true,
            is_file: true,
            mode: Some(0o600),
            links: Some(1),
            target: Some(path.to_path_buf()),
            ..FileFacts::default()
        };
        Self {
            content: Some(content),
            ..Self::absent(path, facts)
        }
    }

    /// The content as Claude Code sees it: nothing when it cannot parse the file.
    pub fn as_claude_sees(&self) -> Option<&T> {
        if self.problems.claude_can_parse() {
            self.content.as_ref()
        } else {
            None
        }
    }
}

/// Loads a small JSON file (credentials, needs-auth cache, `.mcp.json`) into an order-preserving
/// `Value`, trusting no one in particular (see [`load_small_trusting`]).
pub fn load_small(path: &Path) -> Loaded<Value> {
    load_small_trusting(path, &safe::Trust::default())
}

/// [`load_small`], refusing a file `trust` does not allow (root on someone's home: a link to a file
/// that is not theirs). The symlink chain is resolved once; the final target is opened without
/// following a link, without blocking (a FIFO), and only when it is a regular file of at most
/// [`safe::SMALL_FILE_CAP`] bytes.
pub fn load_small_trusting(path: &Path, trust: &safe::Trust) -> Loaded<Value> {
    load_small_scanned(
        path,
        trust,
        Checksum::Made,
        |_| ValidateOnly,
        |bytes, bom, _| serde_json::from_slice::<Value>(&bytes[bom..]),
    )
}

/// Whether a loader makes [`Loaded::sha256`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Checksum {
    Made,
    /// For a run that never writes: only a writer's unchanged-check reads the checksum, and for
    /// a credentials file of 1,000 entries it was ~3% of `check` (issue 15).
    Skipped,
}

/// Which paths of a document a loader's visitor follows ([`load_small_scanned`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Paths {
    /// Only where the loader needs them; it may skip the rest.
    Needed,
    /// Everywhere (what [`ValidateOnly`] does): a duplicated key is reported with the exact path
    /// of its object, which a scan that skipped a subtree cannot give for a key inside it.
    All,
}

/// The one reading of a small state file that every loader shares ([`load_small_trusting`],
/// `credentials::load_trusting`): the facts, the trust check, a capped read of a regular file, one
/// scan with `visitor(Paths::Needed)` for syntax errors and duplicated keys with their positions
/// (scanned again with `visitor(Paths::All)` when it found a duplicated key: its object's path is
/// then exact, rare as that is), the checksum; then, only when the text has no syntax error,
/// `content` makes the content from the bytes, the length of a byte order mark to skip and the
/// visitor. Its `serde_json` error (valid for `JSON.parse`, not for serde_json: a number beyond
/// f64, a lone surrogate escape, nesting beyond its recursion limit) becomes an `unsupported`
/// syntax problem at its position.
pub(crate) fn load_small_scanned<T, V: scan::Visitor>(
    path: &Path,
    trust: &safe::Trust,
    checksum: Checksum,
    make_visitor: impl Fn(Paths) -> V,
    content: impl FnOnce(Vec<u8>, usize, V) -> serde_json::Result<T>,
) -> Loaded<T> {
    let facts = file::inspect(path);
    if !facts.present || facts.error.is_some() {
        let mut loaded = Loaded::absent(path, facts.clone());
        loaded.problems.read_error = facts.error;
        return loaded;
    }
    let read = facts
        .target
        .as_deref()
        .ok_or_else(|| std::io::Error::other("no target"))
        .and_then(|target| {
            trust.check_file(&facts)?;
            safe::read_regular(target, safe::SMALL_FILE_CAP)
        });
    let bytes = match read {
        Ok(b) => b,
        Err(e) => {
            let mut loaded = Loaded::absent(path, facts);
            loaded.problems.read_error = Some(e.to_string());
            return loaded;
        }
    };
    let scanned = scan_with(&bytes, make_visitor(Paths::Needed)).and_then(|(report, visitor)| {
        if report.duplicates.is_empty() {
            Ok((report, visitor))
        } else {
            scan_with(&bytes, make_visitor(Paths::All))
        }
    });
    let (report, visitor) = match scanned {
        Ok(r) => r,
        Err(e) => {
            let mut loaded = Loaded::absent(path, facts);
            loaded.problems.read_error = Some(e.to_string());
            return loaded;
        }
    };
    let mut problems = locate(&report, &bytes[..]).unwrap_or_default();
    let sha256 = match checksum {
        Checksum::Made => Some(crate::digest::sha256_hex(&bytes)),
        Checksum::Skipped => None,
    };
    let bom = if report.bom { 3 } else { 0 };
    let content = if problems.syntax.is_none() {
        match content(bytes, bom, visitor) {
            Ok(c) => Some(c),
            Err(e) => {
                problems.syntax = Some(SyntaxProblem {
                    kind: SyntaxErrorKind::Unsupported,
                    at: LineCol {
                        line: e.line() as u64,
                        column: e.column() as u64,
                    },
                });
                None
            }
        }
    } else {
        None
    };
    Loaded {
        path: path.to_path_buf(),
        sha256,
        facts,
        problems,
        content,
    }
}

/// One scan of `bytes` with `visitor`, handed back with its report.
fn scan_with<V: scan::Visitor>(bytes: &[u8], mut visitor: V) -> std::io::Result<(ScanReport, V)> {
    let report = scan::scan_slice(bytes, &mut visitor)?;
    Ok((report, visitor))
}

/// Attaches line and column to everything a scan found, reading `source` once more.
fn locate(report: &ScanReport, source: impl std::io::Read) -> std::io::Result<JsonProblems> {
    let mut offsets: Vec<u64> = report.duplicates.iter().map(|d| d.offset).collect();
    if let Some(e) = report.error {
        offsets.push(e.offset);
    }
    let positions = if offsets.is_empty() {
        Vec::new()
    } else {
        position::resolve(source, &offsets)?
    };
    let duplicates = report
        .duplicates
        .iter()
        .zip(&positions)
        .map(|(d, at)| DuplicateKey {
            object_pointer: pointer(&d.object_path),
            key: d.key.clone(),
            at: *at,
        })
        .collect();
    let syntax = report.error.map(|e| SyntaxProblem {
        kind: e.kind,
        at: *positions.last().unwrap_or(&LineCol { line: 1, column: 1 }),
    });
    Ok(JsonProblems {
        bom: report.bom,
        syntax,
        duplicates,
        read_error: None,
    })
}
