//! What a file on disk is before anything is parsed: present or not, size, mode, and the symlink
//! chain that leads to the bytes (a dotfiles setup often links `.credentials.json` elsewhere).

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

/// Facts about one path.
#[derive(Debug, Clone, Default)]
pub struct FileFacts {
    /// It exists, or its existence cannot be ruled out: looking it up failed with something other
    /// than "not found" (a folder on the way we may not search), and `error` says what.
    pub present: bool,
    pub size: Option<u64>,
    /// Permission bits of the final target (Unix).
    pub mode: Option<u32>,
    /// Owner and group of the final target (Unix): a rewrite must keep them.
    pub owner: Option<(u32, u32)>,
    /// The final target is a regular file (not a directory or a device).
    pub is_file: bool,
    /// How many hard links the final target has (Unix).
    pub links: Option<u64>,
    /// Device and inode of the final target (Unix): a writer checks it is still the file that
    /// was inspected and trusted before it replaces or chmods it.
    pub id: Option<(u64, u64)>,
    pub modified: Option<SystemTime>,
    /// Each link followed, as `link -> what it points to`, in order.
    pub symlinks: Vec<(PathBuf, PathBuf)>,
    /// The real file the bytes come from (the path itself when it is not a link).
    pub target: Option<PathBuf>,
    /// Why the path could not be inspected (permission denied, a dangling link, ...).
    pub error: Option<String>,
}

/// Inspects `path`, following symlinks by hand so the chain can be shown.
pub fn inspect(path: &Path) -> FileFacts {
    let mut facts = FileFacts::default();
    let mut current = path.to_path_buf();
    for _ in 0..40 {
        match fs::symlink_metadata(&current) {
            Ok(meta) if meta.file_type().is_symlink() => {
                let dest = match fs::read_link(&current) {
                    Ok(d) => d,
                    Err(e) => {
                        facts.error = Some(e.to_string());
                        return facts;
                    }
                };
                let resolved = match current.parent() {
                    Some(parent) if dest.is_relative() => parent.join(&dest),
                    _ => dest.clone(),
                };
                facts.symlinks.push((current.clone(), dest));
                current = resolved;
            }
            Ok(meta) => {
                facts.present = true;
                facts.size = Some(meta.len());
                facts.modified = meta.modified().ok();
                facts.mode = mode_of(&meta);
                facts.owner = owner_of(&meta);
                facts.is_file = meta.is_file();
                facts.links = links_of(&meta);
                facts.id = super::safe::file_id(&meta);
                facts.target = Some(current);
                return facts;
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                if !facts.symlinks.is_empty() {
                    facts.error = Some(format!(
                        "the symlink points to {}, which does not exist",
                        current.display()
                    ));
                }
                return facts;
            }
            Err(e) => {
                facts.present = true;
                facts.error = Some(e.to_string());
                return facts;
            }
        }
    }
    facts.error = Some("too many levels of symbolic links".into());
    facts
}

#[cfg(unix)]
fn mode_of(meta: &fs::Metadata) -> Option<u32> {
    use std::os::unix::fs::PermissionsExt;
    Some(meta.permissions().mode() & 0o7777)
}

#[cfg(not(unix))]
fn mode_of(_meta: &fs::Metadata) -> Option<u32> {
    None
}

#[cfg(unix)]
fn links_of(meta: &fs::Metadata) -> Option<u64> {
    use std::os::unix::fs::MetadataExt;
    Some(meta.nlink())
}

#[cfg(not(unix))]
fn links_of(_meta: &fs::Metadata) -> Option<u64> {
    None
}

#[cfg(unix)]
fn owner_of(meta: &fs::Metadata) -> Option<(u32, u32)> {
    use std::os::unix::fs::MetadataExt;
    Some((meta.uid(), meta.gid()))
}

#[cfg(not(unix))]
fn owner_of(_meta: &fs::Metadata) -> Option<(u32, u32)> {
    None
}
