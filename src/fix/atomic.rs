//! Atomic replacement of a file: a temp file in the same directory, the same mode, written and
//! fsynced, renamed over the target, and the directory fsynced. A crash at any point leaves either
//! the old content or the new, never a mix.
//!
//! Everything happens relative to one handle on the target's directory (`openat`, `renameat`):
//! a directory on the way swapped for a symlink after we opened it cannot send the new file
//! elsewhere, and mode and owner are set on the open temp file, never by path.

use std::ffi::OsStr;
use std::io::{self, Write};
use std::path::Path;
use std::time::Duration;

use super::checkpoint;
use super::spliced::Spliced;
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

/// Replaces `target` (a real file, never a symlink: resolve links first) with `text`, keeping
/// `mode` and `owner` (uid, gid): run as root on someone's home, a new file owned by root would
/// lock its owner out of their own credentials. The target's directory must be one `trust`
/// allows. When `expect` is given, the target is opened again through the directory handle right
/// before the rename, and nothing is replaced unless it is still the same file holding exactly
/// those bytes: a directory on the way swapped for a link cannot redirect the write, and a
/// writer without a lock (the needs-auth cache has none in Claude Code) gets a window of one read
/// and one rename instead of the whole edit.
pub fn replace(
    target: &Path,
    text: &Spliced<'_>,
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
    let result = write_new(&dir, temp, text, mode, owner)
        .and_then(|()| {
            checkpoint("temp-written");
            match expect {
                Some(expect) => {
                    let (file, meta) = dir.open_regular_meta(name, safe::GLOBAL_CONFIG_CAP)?;
                    let same_file = expect.id.is_none() || safe::file_id(&meta) == expect.id;
                    Ok(same_file && reads_as(file, &Spliced::whole(expect.bytes))?)
                }
                None => Ok(true),
            }
        })
        .and_then(|same| {
            if same {
                rename_with_retry(&dir, temp, name, target).map(|()| Replaced::Yes)
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

/// [`DirHandle::write_new`] of text in pieces: a new file `name` (which must not exist), the
/// pieces written through one buffer, `mode` and `owner` set on the open file, fsynced.
fn write_new(
    dir: &DirHandle,
    name: &OsStr,
    text: &Spliced<'_>,
    mode: Option<u32>,
    owner: Option<(u32, u32)>,
) -> io::Result<()> {
    let file = dir.create_new(name)?;
    // A removal's pieces are a few hundred bytes each: gathered into 64 KB writes, not one
    // system call per piece (a piece as large as the buffer goes straight through).
    let mut out = io::BufWriter::with_capacity(64 * 1024, &file);
    for piece in text.pieces() {
        out.write_all(piece)?;
    }
    out.flush()?;
    drop(out);
    safe::set_file_mode_owner(&file, mode, owner)?;
    file.sync_all()
}

/// Whether `file` holds exactly `text`, read a piece at a time: no copy of the whole file
/// beside the text it is compared with (issue 15: one more copy of a 5 MB credentials file at
/// `fix`'s peak). A file longer than `text` is told apart after at most one piece more.
pub fn reads_as(mut file: impl io::Read, text: &Spliced<'_>) -> io::Result<bool> {
    let mut piece = vec![0u8; 64 * 1024];
    let mut at = 0;
    loop {
        let n = match file.read(&mut piece) {
            Ok(0) => return Ok(at == text.len()),
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if !text.eq_range(at, at + n, &piece[..n]) {
            return Ok(false);
        }
        at += n;
    }
}

/// On Windows a rename over a file another process has open (an editor, an antivirus scanner,
/// OneDrive, a Claude Code reading it) fails with a sharing violation for a moment; retry with a
/// bounded backoff. Elsewhere the first error is final.
fn rename_with_retry(dir: &DirHandle, from: &OsStr, to: &OsStr, target: &Path) -> io::Result<()> {
    retry_rename(
        cfg!(windows),
        target,
        || dir.rename(from, to),
        std::thread::sleep,
    )
}

/// How often [`retry_rename`] tries, and its first wait (doubled after each try: 20 ms to
/// 2.56 s, about 5 s in all; not a busy loop, and short enough to wait for at a prompt).
const RENAME_TRIES: u32 = 9;
const FIRST_RENAME_WAIT: Duration = Duration::from_millis(20);

/// The retry loop of [`rename_with_retry`], with the rename and the sleep injected so it is
/// tested on any OS. `windows` turns the retry on; a sharing violation that outlasts every try
/// becomes an error that names `target` and says what to do.
fn retry_rename(
    windows: bool,
    target: &Path,
    mut rename: impl FnMut() -> io::Result<()>,
    mut sleep: impl FnMut(Duration),
) -> io::Result<()> {
    let mut wait = FIRST_RENAME_WAIT;
    let mut waited = Duration::ZERO;
    for attempt in 1..=RENAME_TRIES {
        match rename() {
            Ok(()) => return Ok(()),
            Err(e) if windows && is_sharing_violation(&e) => {
                if attempt == RENAME_TRIES {
                    return Err(io::Error::new(
                        e.kind(),
                        format!(
                            "{} is held open by another program (an editor, an antivirus \
                             scanner, OneDrive, a running Claude Code): it could not be replaced \
                             in {} tries over {} ms ({e}); close that program and run again \
                             (nothing was changed)",
                            target.display(),
                            RENAME_TRIES,
                            waited.as_millis(),
                        ),
                    ));
                }
                sleep(wait);
                waited += wait;
                wait *= 2;
            }
            Err(e) => return Err(e),
        }
    }
    unreachable!("the last try returns")
}

/// Whether a failed rename is Windows' "the file is in use": `ERROR_ACCESS_DENIED` (5, what
/// Node reports as EPERM), `ERROR_SHARING_VIOLATION` (32) or `ERROR_LOCK_VIOLATION` (33), or the
/// kinds the standard library maps them to.
fn is_sharing_violation(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::PermissionDenied | io::ErrorKind::ResourceBusy
    ) || matches!(e.raw_os_error(), Some(5 | 32 | 33))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A rename that fails with a sharing violation `failures` times, then succeeds; it counts
    /// its calls and the waits asked for.
    fn run(windows: bool, failures: usize) -> (io::Result<()>, usize, Vec<Duration>) {
        let mut calls = 0;
        let mut waits = Vec::new();
        let result = retry_rename(
            windows,
            Path::new("/home/u/.claude/.credentials.json"),
            || {
                calls += 1;
                if calls <= failures {
                    Err(io::Error::from_raw_os_error(32))
                } else {
                    Ok(())
                }
            },
            |d| waits.push(d),
        );
        (result, calls, waits)
    }

    #[test]
    fn a_sharing_violation_twice_is_retried_with_a_growing_wait() {
        let (result, calls, waits) = run(true, 2);
        assert!(result.is_ok(), "{result:?}");
        assert_eq!(calls, 3);
        assert_eq!(
            waits,
            vec![Duration::from_millis(20), Duration::from_millis(40)]
        );
    }

    #[test]
    fn a_file_held_open_for_good_is_a_clear_error_naming_it() {
        let (result, calls, waits) = run(true, usize::MAX);
        let message = result.unwrap_err().to_string();
        assert_eq!(calls, RENAME_TRIES as usize, "bounded");
        assert_eq!(waits.len(), RENAME_TRIES as usize - 1);
        let total: Duration = waits.iter().sum();
        assert!(total < Duration::from_secs(6), "{total:?}");
        assert!(
            message.contains("/home/u/.claude/.credentials.json is held open"),
            "{message}"
        );
        assert!(message.contains("close that program"), "{message}");
    }

    #[test]
    fn elsewhere_and_for_other_errors_the_first_failure_is_final() {
        let (result, calls, waits) = run(false, 2);
        assert!(result.is_err());
        assert_eq!((calls, waits.len()), (1, 0));
        let mut calls = 0;
        let result = retry_rename(
            true,
            Path::new("x"),
            || {
                calls += 1;
                Err(io::Error::from(io::ErrorKind::NotFound))
            },
            |_| panic!("no wait for an error that will not pass"),
        );
        assert_eq!(result.unwrap_err().kind(), io::ErrorKind::NotFound);
        assert_eq!(calls, 1);
    }
}
