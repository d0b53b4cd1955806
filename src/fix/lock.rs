//! Locks. Two kinds, both taken before any write:
//!
//! - our own: `std::fs::File::lock` on `<configDir>/.mcp-auth-doctor.lock`, so two doctor runs never
//!   interleave (an `flock` does not exclude Claude Code, which uses lock directories);
//! - Claude Code's: the proper-lockfile lock *directory* it takes for the same file
//!   (`.storage-write.lock` beside `.credentials.json`, `<file>.lock` for `.claude.json`), made
//!   with `mkdir`, its mtime refreshed while held, removed when done.

use std::fs::{self, File};
use std::io::{self, Read, Seek, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

use anyhow::{Result, bail};

use crate::store::safe::{DirHandle, Trust};

pub use crate::layout::{OWN_LOCK, STALE_LOCK_AFTER as STALE_AFTER};
use crate::system::leftovers::lock_age;

/// Why a lock could not be taken; each is "could not run" (exit 8).
#[derive(Debug)]
pub enum LockError {
    /// Claude Code (or another writer) holds it and did not let go in time.
    Busy {
        dir: PathBuf,
        age: Duration,
    },
    /// Older than [`STALE_AFTER`]; taken over only when allowed.
    Stale {
        dir: PathBuf,
        age: Duration,
    },
    /// Something that is not a lock directory (a file, a symlink) has the lock's name.
    NotALockDir {
        dir: PathBuf,
        what: &'static str,
    },
    /// A stale lock directory could not be removed (it is not empty, or not ours to remove).
    CannotRemove {
        dir: PathBuf,
        err: io::Error,
    },
    Io {
        dir: PathBuf,
        err: io::Error,
    },
}

impl std::fmt::Display for LockError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LockError::Busy { dir, age } => write!(
                f,
                "Claude Code is writing this file right now (its lock {} is held, {} s old). \
                 Nothing was changed; run the command again in a moment",
                dir.display(),
                age.as_secs()
            ),
            LockError::Stale { dir, age } => write!(
                f,
                "the lock directory {} is {} s old, so whoever took it probably crashed. Nothing \
                 was changed. If no Claude Code is running, pass --break-stale-lock to take it over",
                dir.display(),
                age.as_secs()
            ),
            LockError::NotALockDir { dir, what } => write!(
                f,
                "{} is {what}, not the lock directory Claude Code makes there, so nobody can take \
                 the lock. Nothing was changed. Remove it if no program uses it, then run the \
                 command again",
                dir.display()
            ),
            LockError::CannotRemove { dir, err } => write!(
                f,
                "cannot take over the stale lock directory {}: {err}. Claude Code's lock \
                 directories are empty, so this one was left alone. Nothing was changed; look \
                 inside it, and remove it if no program uses it",
                dir.display()
            ),
            LockError::Io { dir, err } => {
                write!(f, "cannot take the lock directory {}: {err}", dir.display())
            }
        }
    }
}

impl std::error::Error for LockError {}

/// Our own exclusive lock; released on drop (and by the kernel when we die). On drop the
/// sidecar is removed too, while the lock is still held, when it is still the file we locked, a
/// regular file and empty (a killed run's record of a Claude Code lock stays: see
/// [`left_by_dead_run`]). That is race-free because every taker checks, once it holds the lock,
/// that the name still leads to the file it locked, and starts over when it does not.
pub struct OwnLock {
    file: File,
    dir: DirHandle,
}

impl Drop for OwnLock {
    fn drop(&mut self) {
        if still_ours(&self.dir, &self.file) == Some(true)
            && self
                .file
                .metadata()
                .is_ok_and(|m| m.is_file() && m.len() == 0)
        {
            let _ = self.dir.remove_file(std::ffi::OsStr::new(OWN_LOCK));
        }
        // The lock itself goes with the file descriptor.
    }
}

/// Whether the sidecar's name in `dir` leads (without following a link) to the very file
/// `file` is; `None` when that cannot be told (not Unix).
fn still_ours(dir: &DirHandle, file: &File) -> Option<bool> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let ours = file.metadata().ok()?;
        let named = fs::symlink_metadata(dir.path().join(OWN_LOCK));
        Some(named.is_ok_and(|n| n.dev() == ours.dev() && n.ino() == ours.ino()))
    }
    #[cfg(not(unix))]
    {
        let _ = (dir, file);
        None
    }
}

/// Takes our own lock in `config_dir`. The sidecar is opened without following a symlink and
/// without blocking (a FIFO planted there is refused), and given to the home's owner through the
/// open file, never by path.
pub fn own_lock(config_dir: &Path, wait: Duration, trust: &Trust) -> Result<OwnLock> {
    fs::create_dir_all(config_dir)?;
    let dir = DirHandle::open(config_dir)?;
    trust.check_dir(config_dir, &dir)?;
    let path = config_dir.join(OWN_LOCK);
    let file = dir.open_lock_file(OWN_LOCK)?;
    // Best effort: a sidecar root made stays usable by the home's owner.
    let _ = crate::store::safe::set_file_mode_owner(&file, None, trust.owner_for_new_files());
    let start = Instant::now();
    let mut file = file;
    loop {
        match file.try_lock() {
            // A run that held it may have removed the sidecar on release (see [`OwnLock`]):
            // then this lock is on a file nobody else will lock, so open the name again.
            Ok(()) if still_ours(&dir, &file) == Some(false) => {
                file = dir.open_lock_file(OWN_LOCK)?;
                let _ = crate::store::safe::set_file_mode_owner(
                    &file,
                    None,
                    trust.owner_for_new_files(),
                );
            }
            Ok(()) => return Ok(OwnLock { file, dir }),
            Err(fs::TryLockError::WouldBlock) if start.elapsed() < wait => {
                std::thread::sleep(Duration::from_millis(100));
            }
            Err(fs::TryLockError::WouldBlock) => {
                bail!(
                    "another mcp-auth-doctor is changing these files ({} is locked); nothing was \
                     changed",
                    path.display()
                )
            }
            Err(fs::TryLockError::Error(e)) => return Err(e.into()),
        }
    }
}

/// What the sidecar records about a Claude Code lock directory we took.
#[derive(Debug, PartialEq, Eq)]
struct HeldRecord {
    pid: u32,
    dev: u64,
    ino: u64,
    dir: PathBuf,
}

impl HeldRecord {
    fn of(dir: &Path) -> Option<Self> {
        let (dev, ino) = identity(dir)?;
        Some(Self {
            pid: std::process::id(),
            dev,
            ino,
            dir: dir.to_path_buf(),
        })
    }

    fn line(&self) -> String {
        format!(
            "held {} {} {} {}\n",
            self.pid,
            self.dev,
            self.ino,
            self.dir.display()
        )
    }

    fn parse(text: &str) -> Option<Self> {
        let rest = text.lines().next()?.strip_prefix("held ")?;
        let mut parts = rest.splitn(4, ' ');
        Some(Self {
            pid: parts.next()?.parse().ok()?,
            dev: parts.next()?.parse().ok()?,
            ino: parts.next()?.parse().ok()?,
            dir: PathBuf::from(parts.next()?),
        })
    }
}

#[cfg(unix)]
fn identity(dir: &Path) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    let meta = fs::symlink_metadata(dir).ok()?;
    meta.is_dir().then(|| (meta.dev(), meta.ino()))
}

#[cfg(not(unix))]
fn identity(_dir: &Path) -> Option<(u64, u64)> {
    None
}

/// Rewrites the sidecar's record (empty to clear it). Best effort: a read-only sidecar just
/// records nothing, and the lock then goes stale the ordinary way.
fn write_record(config_dir: &Path, record: Option<&HeldRecord>) {
    let Ok(dir) = DirHandle::open(config_dir) else {
        return;
    };
    let Ok(mut file) = dir.open_lock_file(OWN_LOCK) else {
        return;
    };
    let text = record.map(HeldRecord::line).unwrap_or_default();
    // No fsync: the record only has to survive our process being killed (the page cache keeps
    // it), and the time between taking the lock and recording it is kept as short as it can be.
    let _ = file
        .set_len(0)
        .and_then(|()| file.rewind())
        .and_then(|()| file.write_all(text.as_bytes()));
}

fn read_record(config_dir: &Path) -> Option<HeldRecord> {
    let dir = DirHandle::open(config_dir).ok()?;
    let mut text = String::new();
    dir.open_lock_file(OWN_LOCK)
        .ok()?
        .take(4096)
        .read_to_string(&mut text)
        .ok()?;
    HeldRecord::parse(&text)
}

/// Whether process `pid` is gone.
fn is_dead(pid: u32) -> bool {
    #[cfg(unix)]
    {
        let Some(pid) = i32::try_from(pid)
            .ok()
            .and_then(rustix::process::Pid::from_raw)
        else {
            return false;
        };
        rustix::process::test_kill_process(pid) == Err(rustix::io::Errno::SRCH)
    }
    #[cfg(not(unix))]
    {
        let _ = pid;
        false
    }
}

/// Whether `dir` is the very lock directory a run of ours took and then died holding (killed,
/// say): the sidecar records it, with a pid that is not ours and no longer runs, and the same
/// directory (device and inode) is still there. Only called while we hold our own lock, so no
/// other doctor run is using the record.
fn left_by_dead_run(config_dir: &Path, dir: &Path) -> bool {
    let Some(record) = read_record(config_dir) else {
        return false;
    };
    record.dir == dir
        && record.pid != std::process::id()
        && identity(dir) == Some((record.dev, record.ino))
        && is_dead(record.pid)
}

/// Claude Code's lock directory, held; removed on drop.
pub struct ClaudeLock {
    dir: PathBuf,
    config_dir: PathBuf,
}

impl ClaudeLock {
    /// Refreshes the mtime, as proper-lockfile does, so nobody takes the lock as stale.
    pub fn touch(&self) {
        if let Ok(d) = open_dir_nofollow(&self.dir) {
            let _ = d.set_modified(SystemTime::now());
        }
    }
}

impl Drop for ClaudeLock {
    fn drop(&mut self) {
        let _ = fs::remove_dir(&self.dir);
        write_record(&self.config_dir, None);
    }
}

/// Opens a directory without following a symlink at its name.
fn open_dir_nofollow(dir: &Path) -> io::Result<File> {
    #[cfg(unix)]
    {
        use rustix::fs::{Mode, OFlags};
        let fd = rustix::fs::open(
            dir,
            OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC,
            Mode::empty(),
        )?;
        Ok(File::from(fd))
    }
    #[cfg(not(unix))]
    File::open(dir)
}

/// What is at `dir` when it is not a directory.
fn not_a_dir(dir: &Path) -> Option<&'static str> {
    let meta = fs::symlink_metadata(dir).ok()?;
    let ft = meta.file_type();
    if ft.is_dir() {
        None
    } else if ft.is_symlink() {
        Some("a symbolic link")
    } else if ft.is_file() {
        Some("a regular file")
    } else {
        Some("a special file")
    }
}

/// Takes Claude Code's lock directory `dir` (for a file in `config_dir`'s care): waits with
/// backoff while a fresh one is held (up to `wait`), takes over at once one that a killed run of
/// ours left, and takes over a stale one only when `break_stale` says so.
pub fn claude_lock(
    config_dir: &Path,
    dir: &Path,
    wait: Duration,
    break_stale: &mut dyn FnMut(&Path, Duration) -> bool,
) -> std::result::Result<ClaudeLock, LockError> {
    let start = Instant::now();
    let mut delay = Duration::from_millis(50);
    let mut checked_leftover = false;
    loop {
        match fs::create_dir(dir) {
            Ok(()) => {
                write_record(config_dir, HeldRecord::of(dir).as_ref());
                let lock = ClaudeLock {
                    dir: dir.to_path_buf(),
                    config_dir: config_dir.to_path_buf(),
                };
                lock.touch();
                return Ok(lock);
            }
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                if let Some(what) = not_a_dir(dir) {
                    return Err(LockError::NotALockDir {
                        dir: dir.to_path_buf(),
                        what,
                    });
                }
                if !checked_leftover {
                    checked_leftover = true;
                    if left_by_dead_run(config_dir, dir) {
                        remove_lock_dir(dir)?;
                        continue;
                    }
                }
                let age = lock_age(dir).unwrap_or(Duration::ZERO);
                if age >= STALE_AFTER {
                    if !break_stale(dir, age) {
                        return Err(LockError::Stale {
                            dir: dir.to_path_buf(),
                            age,
                        });
                    }
                    remove_lock_dir(dir)?;
                    continue;
                }
                if start.elapsed() >= wait {
                    return Err(LockError::Busy {
                        dir: dir.to_path_buf(),
                        age,
                    });
                }
                std::thread::sleep(delay);
                delay = (delay * 2).min(Duration::from_secs(1));
            }
            Err(err) => {
                return Err(LockError::Io {
                    dir: dir.to_path_buf(),
                    err,
                });
            }
        }
    }
}

/// Removes a lock directory we are taking over. proper-lockfile lock directories are empty;
/// `remove_dir` refuses anything else (and a symlink), which is what we want.
fn remove_lock_dir(dir: &Path) -> std::result::Result<(), LockError> {
    match fs::remove_dir(dir) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(err) => Err(LockError::CannotRemove {
            dir: dir.to_path_buf(),
            err,
        }),
    }
}

/// Whether Claude Code is refreshing the token stored under `key` right now.
pub fn refresh_lock_held(config_dir: &Path, key: &str) -> bool {
    let dir = config_dir.join(crate::layout::refresh_lock_dir_name(key));
    lock_age(&dir).is_some_and(|age| age < STALE_AFTER)
}

/// The lock directory Claude Code uses for `file`.
pub fn claude_lock_dir_for(file: &Path, role: crate::model::inventory::Role) -> Option<PathBuf> {
    use crate::model::inventory::Role;
    match role {
        Role::Credentials => crate::layout::credentials_lock_dir(file),
        Role::GlobalConfig => Some(crate::layout::lock_dir_of(file)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_held_record_round_trips() {
        let r = HeldRecord {
            pid: 42,
            dev: 7,
            ino: 9,
            dir: PathBuf::from("/h/.claude/.storage-write.lock"),
        };
        assert_eq!(HeldRecord::parse(&r.line()), Some(r));
        assert_eq!(HeldRecord::parse("garbage"), None);
        assert_eq!(HeldRecord::parse(""), None);
    }

    fn trust(dir: &Path) -> Trust {
        Trust::for_home(dir, dir)
    }

    /// Releasing our lock removes the empty sidecar it lives on (issue 12, defect 16).
    #[test]
    fn releasing_the_lock_removes_the_empty_sidecar() {
        let d = tempfile::tempdir().unwrap();
        let lock = own_lock(d.path(), Duration::ZERO, &trust(d.path())).unwrap();
        assert!(d.path().join(OWN_LOCK).is_file());
        drop(lock);
        assert!(!d.path().join(OWN_LOCK).exists());
    }

    /// A sidecar that holds a record (a killed run's Claude Code lock) or that is no longer the
    /// file we locked is left alone.
    #[test]
    fn a_sidecar_with_a_record_or_replaced_under_us_stays() {
        let d = tempfile::tempdir().unwrap();
        let path = d.path().join(OWN_LOCK);
        let lock = own_lock(d.path(), Duration::ZERO, &trust(d.path())).unwrap();
        fs::write(&path, "held 1 2 3 /x\n").unwrap();
        drop(lock);
        assert!(path.is_file(), "a record is kept");
        let lock = own_lock(d.path(), Duration::ZERO, &trust(d.path())).unwrap();
        fs::remove_file(&path).unwrap();
        fs::write(&path, "").unwrap();
        drop(lock);
        assert!(path.is_file(), "not the file we locked: kept");
    }

    /// A run waiting on the sidecar while the holder removes it must not end up holding a lock
    /// on the removed file: a third run would then lock a new sidecar beside it.
    #[test]
    #[cfg(unix)]
    fn a_waiter_on_a_removed_sidecar_locks_the_new_one() {
        let d = tempfile::tempdir().unwrap();
        let dir = d.path().to_path_buf();
        let first = own_lock(&dir, Duration::ZERO, &trust(&dir)).unwrap();
        let waiter = {
            let dir = dir.clone();
            std::thread::spawn(move || own_lock(&dir, Duration::from_secs(10), &trust(&dir)))
        };
        // Let the waiter open the current sidecar and start waiting on it.
        std::thread::sleep(Duration::from_millis(300));
        drop(first);
        let second = waiter.join().unwrap().unwrap();
        assert!(
            own_lock(&dir, Duration::ZERO, &trust(&dir)).is_err(),
            "the waiter holds the sidecar that is there now"
        );
        drop(second);
    }
}
