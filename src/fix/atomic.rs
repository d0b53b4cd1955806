//! Atomic replacement of a file: a temp file in the same directory, the same mode, written and
//! fsynced, renamed over the target, and the directory fsynced. A crash at any point leaves either
//! the old content or the new, never a mix.
//!
//! Everything happens relative to one handle on the target's directory (`openat`, `renameat`):
//! a directory on the way swapped for a symlink after we opened it cannot send the new file
//! elsewhere, and mode and owner are set on the open temp file, never by path.

use std::ffi::OsStr;
use std::io;
use std::path::Path;

use super::checkpoint;
use crate::store::safe::{self, DirHandle};

/// What [`replace`] did.
#[derive(Debug, PartialEq, Eq)]
pub enum Replaced {
    Yes,
    /// The target's bytes were no longer the expected ones just before the rename (a writer that
    /// takes no lock got in): nothing was replaced.
    ChangedUnderneath,
}

/// What the target must still be right before the rename.
#[derive(Debug, Clone, Copy)]
pub struct Expect<'a> {
    /// The bytes the edit was made on.
    pub bytes: &'a [u8],
    /// Device and inode of the file that was read (and trusted).
    pub id: Option<(u64, u64)>,
}

/// Replaces `target` (a real file, never a symlink: resolve links first) with `bytes`, keeping
/// `mode` and `owner` (uid, gid): run as root on someone's home, a new file owned by root would
/// lock its owner out of their own credentials. The target's directory must be one `trust`
/// allows. When `expect` is given, the target is opened again through the directory handle right
/// before the rename, and nothing is replaced unless it is still the same file holding exactly
/// those bytes: a directory on the way swapped for a link cannot redirect the write, and a
/// writer without a lock (the needs-auth cache has none in Claude Code) gets a window of one read
/// and one rename instead of the whole edit.
pub fn replace(
    target: &Path,
    bytes: &[u8],
    mode: Option<u32>,
    owner: Option<(u32, u32)>,
    expect: Option<Expect<'_>>,
    trust: &safe::Trust,
) -> io::Result<Replaced> {
    let dir_path = target
        .parent()
        .ok_or_else(|| io::Error::other("the target has no parent directory"))?;
    let name = target
        .file_name()
        .ok_or_else(|| io::Error::other("the target has no file name"))?;
    let dir = DirHandle::open(dir_path)?;
    trust.check_dir(dir_path, &dir)?;
    let temp = safe::temp_name(&name.to_string_lossy());
    let temp = OsStr::new(&temp);
    let result = dir
        .write_new(temp, bytes, mode, owner)
        .and_then(|()| {
            checkpoint("temp-written");
            match expect {
                Some(expect) => {
                    let file = dir.open_regular(name, safe::GLOBAL_CONFIG_CAP)?;
                    let same_file =
                        expect.id.is_none() || safe::file_id(&file.metadata()?) == expect.id;
                    Ok(same_file
                        && safe::read_capped(target, file, safe::GLOBAL_CONFIG_CAP)?
                            == expect.bytes)
                }
                None => Ok(true),
            }
        })
        .and_then(|same| {
            if same {
                rename_with_retry(&dir, temp, name).map(|()| Replaced::Yes)
            } else {
                Ok(Replaced::ChangedUnderneath)
            }
        });
    if !matches!(result, Ok(Replaced::Yes)) {
        let _ = dir.remove_file(temp);
        return result;
    }
    checkpoint("renamed");
    dir.sync();
    Ok(Replaced::Yes)
}

/// On Windows a rename over a file another process has open fails with a sharing violation for a
/// moment; retry with a bounded backoff. Elsewhere the first error is final.
fn rename_with_retry(dir: &DirHandle, from: &OsStr, to: &OsStr) -> io::Result<()> {
    let mut delay = std::time::Duration::from_millis(20);
    for attempt in 0.. {
        match dir.rename(from, to) {
            Ok(()) => return Ok(()),
            Err(e)
                if cfg!(windows) && e.kind() == io::ErrorKind::PermissionDenied && attempt < 8 =>
            {
                std::thread::sleep(delay);
                delay *= 2;
            }
            Err(e) => return Err(e),
        }
    }
    unreachable!("the loop returns")
}
