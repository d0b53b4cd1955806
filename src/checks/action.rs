//! Typed repairs: what a finding proposes and `fix` carries out. An [`Action`] names its file by
//! role (and the path shown, whatever bytes it holds) and its target by the [`ActionKind`] (a key, a
//! name), never by display text: the `file` and `pointer` of the JSON output are made from them
//! when it is serialized, and [`crate::fix::apply`] never parses a string back into a path or pointer.

use std::borrow::Cow;
use std::cell::RefCell;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Serialize;

use crate::model::inventory::Role;

/// What a repair would change.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case", tag = "kind")]
pub enum ActionKind {
    /// Delete `mcpOAuth[key]` from the credentials file.
    RemoveEntry { key: String },
    /// Delete `cache[name]` from the needs-auth cache.
    RemoveMarker { name: String },
    /// Delete `mcpOAuthClientConfig[key]` (a pre-configured client secret) from the credentials.
    RemoveClientConfig { key: String },
    /// Set the file's permission bits (shown as four octal digits, `"0600"`).
    Chmod {
        #[serde(serialize_with = "octal_mode")]
        mode: u32,
    },
    /// Rename `mcpOAuth[from]` to `to` (dropping what is under `to`) and set its `serverUrl`.
    MoveEntry {
        from: String,
        to: String,
        /// The current url, written as the entry's `serverUrl`; shown only redacted (a url may
        /// carry a secret in its userinfo, query or path).
        #[serde(serialize_with = "redacted_url")]
        server_url: String,
    },
    /// Drop the three bytes of a leading UTF-8 byte order mark, nothing else.
    RemoveBom,
    /// Replace the whole file with `{}` (a disposable cache that does not parse).
    ReplaceWithEmptyObject,
    /// Delete these `<hash>_*` files of one server from one mcp-remote version folder (never the
    /// folder, never `~/.mcp-auth`). Names are checked again when applied.
    RemoveMcpRemoteFiles { folder: String, names: Vec<String> },
}

fn redacted_url<S: serde::Serializer>(url: &str, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&crate::redact::url(url))
}

fn octal_mode<S: serde::Serializer>(mode: &u32, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&format!("{mode:04o}"))
}

impl ActionKind {
    /// For a removal of one named thing, its summary up to the name, and the name: the summary
    /// is then `remove WHAT "NAME"` (one wording for [`Action::summary`] and the JSON writer).
    fn removal_of_one(&self) -> Option<(&'static str, &str)> {
        match self {
            ActionKind::RemoveEntry { key } => Some(("remove mcpOAuth entry \"", key)),
            ActionKind::RemoveMarker { name } => Some(("remove needs-auth marker \"", name)),
            ActionKind::RemoveClientConfig { key } => {
                Some(("remove mcpOAuthClientConfig entry \"", key))
            }
            _ => None,
        }
    }

    /// The JSON member it removes or moves: the path of keys to its object and its key; `None`
    /// for a change to the whole file.
    pub fn member(&self) -> Option<(Vec<String>, String)> {
        self.member_ref().map(|(object, key)| {
            (
                object.iter().map(|s| s.to_string()).collect(),
                key.to_string(),
            )
        })
    }

    /// [`ActionKind::member`], borrowed.
    fn member_ref(&self) -> Option<(&'static [&'static str], &str)> {
        match self {
            ActionKind::RemoveEntry { key } => Some((&["mcpOAuth"], key)),
            ActionKind::MoveEntry { from, .. } => Some((&["mcpOAuth"], from)),
            ActionKind::RemoveClientConfig { key } => Some((&["mcpOAuthClientConfig"], key)),
            ActionKind::RemoveMarker { name } => Some((&[], name)),
            ActionKind::Chmod { .. }
            | ActionKind::RemoveBom
            | ActionKind::ReplaceWithEmptyObject
            | ActionKind::RemoveMcpRemoteFiles { .. } => None,
        }
    }

    /// Whether it changes one JSON member (see [`ActionKind::member`]).
    pub fn has_member(&self) -> bool {
        self.member_ref().is_some()
    }

    /// The member as a JSON Pointer, for display and the backup manifest.
    pub fn pointer(&self) -> Option<String> {
        self.pointer_shown().map(|p| p.to_string())
    }

    /// [`ActionKind::pointer`] as text written where it goes, with no string of its own: every
    /// finding's action has one in the JSON output (issue 15).
    pub fn pointer_shown(&self) -> Option<Pointer<'_>> {
        self.member_ref()
            .map(|(object, key)| Pointer { object, key })
    }
}

/// A member's JSON Pointer (RFC 6901: `~` written `~0`, `/` written `~1`), shown by `Display`
/// (the same text as `json::pointer` of its keys) and serialized as that string.
#[derive(Clone, Copy)]
pub struct Pointer<'a> {
    object: &'static [&'static str],
    key: &'a str,
}

impl std::fmt::Display for Pointer<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        use std::fmt::Write;
        for seg in self.object.iter().chain([&self.key]) {
            f.write_char('/')?;
            let mut rest = *seg;
            // By bytes (both are ASCII): a `char` pattern search was most of a pointer's cost.
            while let Some(at) = rest.bytes().position(|b| b == b'~' || b == b'/') {
                f.write_str(&rest[..at])?;
                f.write_str(if rest.as_bytes()[at] == b'~' {
                    "~0"
                } else {
                    "~1"
                })?;
                rest = &rest[at + 1..];
            }
            f.write_str(rest)?;
        }
        Ok(())
    }
}

impl Serialize for Pointer<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        // Nothing to escape (every key of a generated home): the pieces joined without the
        // formatting machinery, which cost ~1,400 instructions a pointer (issue 15).
        let plain = |seg: &str| !seg.bytes().any(|b| b == b'~' || b == b'/');
        match self.object {
            [] if plain(self.key) => serialize_joined(s, &["/", self.key]),
            [object] if plain(object) && plain(self.key) => {
                serialize_joined(s, &["/", object, "/", self.key])
            }
            _ => s.collect_str(self),
        }
    }
}

/// Serializes the text `pieces` join to as one string: joined on the stack when short (no
/// allocation, no `fmt`), in a `String` otherwise.
fn serialize_joined<S: serde::Serializer>(s: S, pieces: &[&str]) -> Result<S::Ok, S::Error> {
    const ROOM: usize = 256;
    let len: usize = pieces.iter().map(|p| p.len()).sum();
    if len > ROOM {
        return s.serialize_str(&pieces.concat());
    }
    let mut buf = [0u8; ROOM];
    let mut at = 0;
    for piece in pieces {
        buf[at..at + piece.len()].copy_from_slice(piece.as_bytes());
        at += piece.len();
    }
    // Whole strings one after another are UTF-8.
    s.serialize_str(std::str::from_utf8(&buf[..at]).expect("joined strings are UTF-8"))
}

/// A path serialized as its display text, written where it goes: the path itself when it is
/// UTF-8 (what `Display` shows then), without going through `fmt`.
struct Shown<'a>(&'a Path);

impl Serialize for Shown<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.0.to_str() {
            Some(text) => s.serialize_str(text),
            None => s.collect_str(&self.0.display()),
        }
    }
}

/// An action's summary as [`Action::summary`] gives it, serialized without a `String` of its own
/// for the removals made by the thousand.
struct SummaryShown<'a>(&'a Action);

impl Serialize for SummaryShown<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let action = self.0;
        match (&action.summary, action.kind.removal_of_one()) {
            (Summary::OfKind, Some((start, name))) => serialize_joined(s, &[start, name, "\""]),
            _ => s.serialize_str(&action.summary()),
        }
    }
}

/// A proposed repair, computed by `check` and applied by `fix`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Action {
    pub kind: ActionKind,
    /// Which of Claude Code's files it changes.
    pub role: Role,
    /// That file as shown: the path Claude Code uses for a content edit, the symlink target
    /// (whose mode protects the bytes) for a chmod. Display only: `apply` writes the path the
    /// inventory has for [`Action::role`], through its symlinks and trust checks. Shared: the
    /// thousands of actions on one file hold one copy of its path ([`shared_path`]).
    pub path: ActionPath,
    /// True when it cannot lose a usable credential (`fix --safe-only` applies only these, and
    /// the prompt's default answer is yes only for these).
    pub safe: bool,
    /// True when `fix` applies it only if its code is named with `--only`: the entry may be live
    /// in a way this tool cannot see (a `${VAR}` with another value, a live key of a static-auth
    /// server). Everything else is applied by default, backed up first.
    pub ask_only: bool,
    /// One line for the plan ([`Action::summary`]).
    summary: Summary,
    /// What the user should know about this change, for the plan (what `restore` brings back,
    /// what the client does next). The notes the constructors add are static text, not a copy
    /// per action.
    pub note: Option<Cow<'static, str>>,
}

/// An action's one-line summary: made from its kind when it is shown, for the removals made by
/// the thousand (no text per action), or given.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Summary {
    OfKind,
    Given(Box<str>),
}

/// The file an [`Action`] shows: a path shared by every action on that file ([`shared_path`]),
/// read as a `&Path`.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct ActionPath(Arc<Path>);

impl std::ops::Deref for ActionPath {
    type Target = Path;
    fn deref(&self) -> &Path {
        &self.0
    }
}

impl std::fmt::Debug for ActionPath {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl PartialEq<Path> for ActionPath {
    fn eq(&self, other: &Path) -> bool {
        *self.0 == *other
    }
}

impl PartialEq<&Path> for ActionPath {
    fn eq(&self, other: &&Path) -> bool {
        *self.0 == **other
    }
}

impl From<&Path> for ActionPath {
    fn from(path: &Path) -> Self {
        ActionPath(shared_path(path))
    }
}

impl From<PathBuf> for ActionPath {
    fn from(path: PathBuf) -> Self {
        Self::from(path.as_path())
    }
}

impl From<String> for ActionPath {
    fn from(path: String) -> Self {
        Self::from(PathBuf::from(path))
    }
}

/// `path` as an [`Action`] holds it: the same allocation as the last actions on that file.
/// The few files actions name (the credentials, the cache, the global config...) are kept
/// per thread, most recent first; a path not among them is added, the oldest dropped.
fn shared_path(path: &Path) -> Arc<Path> {
    const KEPT: usize = 8;
    thread_local! {
        static RECENT: RefCell<Vec<Arc<Path>>> = const { RefCell::new(Vec::new()) };
    }
    RECENT.with_borrow_mut(|recent| {
        if let Some(i) = recent.iter().position(|p| **p == *path) {
            let found = recent.remove(i);
            recent.insert(0, found.clone());
            return found;
        }
        let new: Arc<Path> = Arc::from(path);
        recent.insert(0, new.clone());
        recent.truncate(KEPT);
        new
    })
}

/// The JSON shape of an [`Action`] (docs/json.md): its kind's members (`kind` and the kind's
/// fields, as the kind serialises), its file as display text, its pointer, made here from the
/// typed fields. Written member by member as a struct: a `#[serde(flatten)]` of the kind made
/// the whole action a map, each of its keys a string to escape and edit like any other (issue
/// 15: 5,000 actions' keys were 10% of a report); `tests` compare it with the flattened form.
impl Serialize for Action {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let pointer = self.kind.pointer_shown();
        let members = self.kind.member_count()
            + 3
            + usize::from(pointer.is_some())
            + usize::from(self.ask_only)
            + usize::from(self.note.is_some());
        let mut st = s.serialize_struct("Action", members)?;
        self.kind.serialize_members(&mut st)?;
        st.serialize_field("file", &Shown(&self.path))?;
        if let Some(pointer) = &pointer {
            st.serialize_field("pointer", pointer)?;
        }
        st.serialize_field("safe", &self.safe)?;
        if self.ask_only {
            st.serialize_field("ask_only", &self.ask_only)?;
        }
        st.serialize_field("summary", &SummaryShown(self))?;
        if let Some(note) = self.note.as_deref() {
            st.serialize_field("note", note)?;
        }
        st.end()
    }
}

impl ActionKind {
    /// How many members [`ActionKind::serialize_members`] writes.
    fn member_count(&self) -> usize {
        match self {
            ActionKind::RemoveEntry { .. }
            | ActionKind::RemoveMarker { .. }
            | ActionKind::RemoveClientConfig { .. }
            | ActionKind::Chmod { .. } => 2,
            ActionKind::MoveEntry { .. } => 4,
            ActionKind::RemoveBom | ActionKind::ReplaceWithEmptyObject => 1,
            ActionKind::RemoveMcpRemoteFiles { .. } => 3,
        }
    }

    /// The members the kind serialises as (its `kind` tag, then its fields), into an action's
    /// object.
    fn serialize_members<S: serde::ser::SerializeStruct>(
        &self,
        st: &mut S,
    ) -> Result<(), S::Error> {
        struct Mode(u32);
        impl Serialize for Mode {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                octal_mode(&self.0, s)
            }
        }
        struct Redacted<'a>(&'a str);
        impl Serialize for Redacted<'_> {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                redacted_url(self.0, s)
            }
        }
        match self {
            ActionKind::RemoveEntry { key } => {
                st.serialize_field("kind", "remove-entry")?;
                st.serialize_field("key", key)
            }
            ActionKind::RemoveMarker { name } => {
                st.serialize_field("kind", "remove-marker")?;
                st.serialize_field("name", name)
            }
            ActionKind::RemoveClientConfig { key } => {
                st.serialize_field("kind", "remove-client-config")?;
                st.serialize_field("key", key)
            }
            ActionKind::Chmod { mode } => {
                st.serialize_field("kind", "chmod")?;
                st.serialize_field("mode", &Mode(*mode))
            }
            ActionKind::MoveEntry {
                from,
                to,
                server_url,
            } => {
                st.serialize_field("kind", "move-entry")?;
                st.serialize_field("from", from)?;
                st.serialize_field("to", to)?;
                st.serialize_field("server_url", &Redacted(server_url))
            }
            ActionKind::RemoveBom => st.serialize_field("kind", "remove-bom"),
            ActionKind::ReplaceWithEmptyObject => {
                st.serialize_field("kind", "replace-with-empty-object")
            }
            ActionKind::RemoveMcpRemoteFiles { folder, names } => {
                st.serialize_field("kind", "remove-mcp-remote-files")?;
                st.serialize_field("folder", folder)?;
                st.serialize_field("names", names)
            }
        }
    }
}

impl Action {
    /// An action with no note that is safe and applied by default.
    pub fn new(role: Role, path: &Path, kind: ActionKind, summary: String) -> Self {
        Self::with_summary(role, path, kind, Summary::Given(summary.into()))
    }

    fn with_summary(role: Role, path: &Path, kind: ActionKind, summary: Summary) -> Self {
        Self {
            kind,
            role,
            path: ActionPath::from(path),
            safe: true,
            ask_only: false,
            summary,
            note: None,
        }
    }

    /// The one line the plan shows.
    pub fn summary(&self) -> Cow<'_, str> {
        let given = match &self.summary {
            Summary::Given(text) => return Cow::Borrowed(text),
            Summary::OfKind => &self.kind,
        };
        if let Some((start, name)) = given.removal_of_one() {
            return Cow::Owned(format!("{start}{name}\""));
        }
        Cow::Owned(match given {
            ActionKind::RemoveEntry { .. }
            | ActionKind::RemoveMarker { .. }
            | ActionKind::RemoveClientConfig { .. } => unreachable!("removal_of_one answers it"),
            ActionKind::RemoveMcpRemoteFiles { folder, names } => match names.len() {
                1 => format!("remove 1 mcp-remote file of one server from {folder}"),
                n => format!("remove {n} mcp-remote files of one server from {folder}"),
            },
            // Only the removals above are made with `Summary::OfKind`.
            ActionKind::Chmod { .. }
            | ActionKind::MoveEntry { .. }
            | ActionKind::RemoveBom
            | ActionKind::ReplaceWithEmptyObject => String::new(),
        })
    }

    /// Deletes `mcpOAuth[key]` from the credentials file at `path`. A removal that loses a usable
    /// token (`safe` false) says how to get it back.
    pub fn remove_entry(path: &Path, key: &str, safe: bool) -> Self {
        let mut action = Self::with_summary(
            Role::Credentials,
            path,
            ActionKind::RemoveEntry {
                key: key.to_string(),
            },
            Summary::OfKind,
        );
        action.safe = safe;
        action.note = (!safe).then_some(Cow::Borrowed(
            "it holds a usable token: it is backed up first, and `mcp-auth-doctor restore \
             --latest` brings it back",
        ));
        action
    }

    /// Deletes `names` (one server's `<hash>_*` files) from the mcp-remote version folder at
    /// `folder_path` (named `folder`). `safe` when no usable token is among them.
    pub fn remove_mcp_remote_files(
        folder_path: &Path,
        folder: &str,
        names: Vec<String>,
        safe: bool,
    ) -> Self {
        let mut action = Self::with_summary(
            Role::McpRemoteFile,
            folder_path,
            ActionKind::RemoveMcpRemoteFiles {
                folder: folder.to_string(),
                names,
            },
            Summary::OfKind,
        );
        action.safe = safe;
        action.note = Some(Cow::Borrowed(
            "only these files: the folder, the other servers' files and ~/.mcp-auth stay as they \
             are; they are backed up first, and `mcp-auth-doctor restore --latest` brings them \
             back",
        ));
        action
    }

    /// Deletes the needs-auth marker for `name` from the cache at `path`.
    pub fn remove_marker(path: &Path, name: &str) -> Self {
        Self::with_summary(
            Role::NeedsAuthCache,
            path,
            ActionKind::RemoveMarker {
                name: name.to_string(),
            },
            Summary::OfKind,
        )
    }

    /// Deletes `mcpOAuthClientConfig[key]` (a client secret) from the credentials at `path`.
    pub fn remove_client_config(path: &Path, key: &str) -> Self {
        let mut action = Self::with_summary(
            Role::Credentials,
            path,
            ActionKind::RemoveClientConfig {
                key: key.to_string(),
            },
            Summary::OfKind,
        );
        action.safe = false;
        action
    }

    /// Moves `mcpOAuth[from]` to `to` in the credentials at `path`, setting its `serverUrl`.
    pub fn move_entry(
        path: &Path,
        from: &str,
        to: &str,
        server_url: &str,
        summary: String,
    ) -> Self {
        Self::new(
            Role::Credentials,
            path,
            ActionKind::MoveEntry {
                from: from.to_string(),
                to: to.to_string(),
                server_url: server_url.to_string(),
            },
            summary,
        )
    }

    /// Sets the mode of `target` (the file a `role` path leads to).
    pub fn chmod(role: Role, target: &Path, mode: u32, summary: String) -> Self {
        Self::new(role, target, ActionKind::Chmod { mode }, summary)
    }

    /// The file as the JSON output and the plan show it.
    pub fn file_shown(&self) -> String {
        self.path.display().to_string()
    }

    /// Applied by `fix` only when its code is named with `--only`; `why` becomes the note.
    pub fn only_when_asked(mut self, why: impl Into<Cow<'static, str>>) -> Self {
        self.ask_only = true;
        self.note = Some(why.into());
        self
    }

    /// Adds the plan's one-line note.
    pub fn with_note(mut self, note: impl Into<Cow<'static, str>>) -> Self {
        self.note = Some(note.into());
        self
    }
}

#[cfg(test)]
mod tests;
