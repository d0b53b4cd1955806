//! Locks. Two kinds, both taken before any write:
//!
//! - our own: `std::fs::File::lock` on `<configDir>/.mcp-auth-doctor.lock`, so two doctor runs never
//!   interleave (an `flock` does not exclude Claude Code, which uses lock directories);
//! - Claude Code's: the proper-lockfile lock *directory* it takes for the same file
//!   (`.storage-write.lock` beside `.credentials.json`, `<file>.lock` for `.claude.json`), made
//!   with `mkdir`, its mtime refreshed while held, removed when done.

use std::fs::{self, File, OpenOptions};
use std::io;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

use anyhow::{Result, bail};

/// A lock directory older than this is stale (the largest stale time Claude Code uses).
pub const STALE_AFTER: Duration = Duration::from_secs(60);

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
    Io(io::Error),
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
            LockError::Io(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for LockError {}

/// Our own exclusive lock; released on drop.
pub struct OwnLock {
    _file: File,
}

pub fn own_lock(config_dir: &Path, wait: Duration) -> Result<OwnLock> {
    fs::create_dir_all(config_dir)?;
    let path = config_dir.join(".mcp-auth-doctor.lock");
    // An existing sidecar another user (root) created may be read-only for us: a lock works on a
    // read-only handle too.
    let file = match OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
    {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::PermissionDenied => File::open(&path)?,
        Err(e) => return Err(e.into()),
    };
    #[cfg(unix)]
    if let Some((uid, gid)) = crate::store::file::inspect(config_dir).owner {
        let _ = std::os::unix::fs::fchown(&file, Some(uid), Some(gid));
    }
    let start = Instant::now();
    loop {
        match file.try_lock() {
            Ok(()) => return Ok(OwnLock { _file: file }),
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

/// Claude Code's lock directory, held; removed on drop.
pub struct ClaudeLock {
    dir: PathBuf,
}

impl ClaudeLock {
    /// Refreshes the mtime, as proper-lockfile does, so nobody takes the lock as stale.
    pub fn touch(&self) {
        if let Ok(d) = File::open(&self.dir) {
            let _ = d.set_modified(SystemTime::now());
        }
    }
}

impl Drop for ClaudeLock {
    fn drop(&mut self) {
        let _ = fs::remove_dir(&self.dir);
    }
}

/// How old a lock directory is, if it exists.
pub fn lock_age(dir: &Path) -> Option<Duration> {
    let meta = fs::metadata(dir).ok()?;
    let mtime = meta.modified().ok()?;
    Some(
        SystemTime::now()
            .duration_since(mtime)
            .unwrap_or(Duration::ZERO),
    )
}

/// Takes Claude Code's lock directory `dir`: waits with backoff while a fresh one is held (up to
/// `wait`), and takes over a stale one only when `break_stale` says so.
pub fn claude_lock(
    dir: &Path,
    wait: Duration,
    break_stale: &mut dyn FnMut(&Path, Duration) -> bool,
) -> std::result::Result<ClaudeLock, LockError> {
    let start = Instant::now();
    let mut delay = Duration::from_millis(50);
    loop {
        match fs::create_dir(dir) {
            Ok(()) => {
                let lock = ClaudeLock {
                    dir: dir.to_path_buf(),
                };
                lock.touch();
                return Ok(lock);
            }
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                let age = lock_age(dir).unwrap_or(Duration::ZERO);
                if age >= STALE_AFTER {
                    if !break_stale(dir, age) {
                        return Err(LockError::Stale {
                            dir: dir.to_path_buf(),
                            age,
                        });
                    }
                    // proper-lockfile lock directories are empty; remove_dir refuses anything else.
                    fs::remove_dir(dir).map_err(LockError::Io)?;
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
            Err(e) => return Err(LockError::Io(e)),
        }
    }
}

/// Whether Claude Code is refreshing the token stored under `key` right now.
pub fn refresh_lock_held(config_dir: &Path, key: &str) -> bool {
    let dir = config_dir.join(crate::model::key::refresh_lock_dir_name(key));
    lock_age(&dir).is_some_and(|age| age < STALE_AFTER)
}

/// The lock directory Claude Code uses for `file`.
pub fn claude_lock_dir_for(file: &Path, role: crate::model::inventory::Role) -> Option<PathBuf> {
    use crate::model::inventory::Role;
    match role {
        Role::Credentials => Some(file.parent()?.join(".storage-write.lock")),
        Role::GlobalConfig => {
            let mut name = file.file_name()?.to_os_string();
            name.push(".lock");
            Some(file.with_file_name(name))
        }
        _ => None,
    }
}
