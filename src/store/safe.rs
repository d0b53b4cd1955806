//! File access for a home we do not trust (docs/safety.md, "Threat model").
//!
//! Root may run this tool on someone else's home, and then every name under that home is theirs to
//! plant: a symlink to `/etc/shadow`, a FIFO that blocks a reader forever, a link to `/dev/zero`.
//! So every file is opened without following a final symlink and without blocking, checked to be a
//! regular file before a byte is read, and read only up to a cap. Everything we create, chown,
//! chmod, rename or delete goes through a directory handle we opened (and checked) once, with
//! `*at` calls and `O_NOFOLLOW`: swapping a name for a link afterwards changes nothing, and an
//! owner or mode is only ever set on an open file (`fchown`/`fchmod`), never by path.

use std::fs::File;
use std::io::{self, Read};
use std::path::Path;

/// The most of `.claude.json` this tool reads (it can be hundreds of MB of project history).
pub const GLOBAL_CONFIG_CAP: u64 = 2 << 30;
/// The most of any other state file this tool reads.
pub const SMALL_FILE_CAP: u64 = 64 << 20;

/// Whose files a run may read and write.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Trust {
    /// The effective user running us.
    pub euid: Option<u32>,
    /// Whose state this is: the owner of the home we were pointed at or, when that is root's,
    /// of the config dir. What we create there is given to them; as root, they are the one user
    /// whose links and files we do not take on faith.
    pub owner: Option<(u32, u32)>,
}

impl Trust {
    /// The trust for a run by this process on `home` with the config dir `config_dir`.
    pub fn for_home(home: &Path, config_dir: &Path) -> Self {
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            let owner_of = |p: &Path| std::fs::metadata(p).ok().map(|m| (m.uid(), m.gid()));
            let (home_owner, config_owner) = (owner_of(home), owner_of(config_dir));
            let owner = [home_owner, config_owner]
                .into_iter()
                .flatten()
                .find(|(uid, _)| *uid != 0)
                .or(home_owner)
                .or(config_owner);
            Self {
                euid: Some(rustix::process::geteuid().as_raw()),
                owner,
            }
        }
        #[cfg(not(unix))]
        {
            let _ = (home, config_dir);
            Self::default()
        }
    }

    /// Root working on state that belongs to someone else: the case where every path under the
    /// home is the other user's to plant.
    pub fn root_on_other_home(&self) -> bool {
        self.euid == Some(0) && self.owner.is_some_and(|(uid, _)| uid != 0)
    }

    /// Whether a file (or folder) owned by `owner` may be read and written as state. As root on
    /// someone else's home, only theirs may, or one of root's own that we reached directly (no
    /// symlink on the way, a single hard link: nothing the other user could have pointed at us).
    /// A link they planted to `/etc/shadow` is refused rather than read into their backup folder
    /// or chmodded.
    pub fn check_owner(
        &self,
        path: &Path,
        owner: Option<(u32, u32)>,
        direct: bool,
    ) -> io::Result<()> {
        let (Some((home_uid, _)), Some((uid, _))) = (self.owner, owner) else {
            return Ok(());
        };
        if self.root_on_other_home() && uid != home_uid && !(uid == 0 && direct) {
            return Err(io::Error::new(
                io::ErrorKind::PermissionDenied,
                format!(
                    "{} is owned by uid {uid}, not by uid {home_uid} whose home this is; running \
                     as root, this tool does not read or write it (where does it link to?)",
                    path.display()
                ),
            ));
        }
        Ok(())
    }

    /// [`Trust::check_owner`] for a state file's resolved facts.
    pub fn check_file(&self, facts: &super::FileFacts) -> io::Result<()> {
        let Some(target) = &facts.target else {
            return Ok(());
        };
        let direct = facts.symlinks.is_empty() && facts.links.is_none_or(|n| n <= 1);
        self.check_owner(target, facts.owner, direct)
    }

    /// [`Trust::check_owner`] for a directory we opened at `path` (following links: a dotfiles
    /// setup may link the config dir; then it must be the owner's).
    pub fn check_dir(&self, path: &Path, dir: &DirHandle) -> io::Result<()> {
        let direct = std::fs::canonicalize(path).is_ok_and(|c| c == path);
        self.check_owner(path, dir.owner(), direct)
    }

    /// The owner to give what we create under the home (only root can give files away).
    pub fn owner_for_new_files(&self) -> Option<(u32, u32)> {
        (self.euid == Some(0)).then_some(self.owner).flatten()
    }
}

/// Device and inode: which file this is, whatever its name now.
pub fn file_id(meta: &std::fs::Metadata) -> Option<(u64, u64)> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        Some((meta.dev(), meta.ino()))
    }
    #[cfg(not(unix))]
    {
        let _ = meta;
        None
    }
}

/// The error for a file that is no longer the one that was inspected.
pub fn swapped(path: &Path) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidInput,
        format!(
            "{} was replaced by another file while it was being read; nothing was done with it",
            path.display()
        ),
    )
}

fn not_regular(path: &Path, meta: &std::fs::Metadata) -> io::Error {
    let ft = meta.file_type();
    let what = if ft.is_dir() {
        "a directory"
    } else if ft.is_symlink() {
        "a symbolic link"
    } else {
        #[cfg(unix)]
        {
            use std::os::unix::fs::FileTypeExt;
            if ft.is_fifo() {
                "a named pipe (FIFO)"
            } else if ft.is_char_device() || ft.is_block_device() {
                "a device"
            } else if ft.is_socket() {
                "a socket"
            } else {
                "not a regular file"
            }
        }
        #[cfg(not(unix))]
        "not a regular file"
    };
    io::Error::new(
        io::ErrorKind::InvalidInput,
        format!(
            "{} is {what}, not a regular file; it is neither read nor written",
            path.display()
        ),
    )
}

fn over_cap(path: &Path, size: u64, cap: u64) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!(
            "{} is {size} bytes, more than the {} MiB this tool reads; nothing was read from it",
            path.display(),
            cap >> 20
        ),
    )
}

fn symlink_refused(path: &Path) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidInput,
        format!(
            "{} is a symbolic link where a plain file or folder was expected (was it planted?); \
             it was not followed",
            path.display()
        ),
    )
}

#[cfg(unix)]
fn map_open_error(path: &Path, e: rustix::io::Errno) -> io::Error {
    if e == rustix::io::Errno::LOOP {
        symlink_refused(path)
    } else {
        io::Error::from(e)
    }
}

/// Checks an open file: a regular file, no larger than `cap`.
fn check_regular(path: &Path, file: &File, cap: u64) -> io::Result<std::fs::Metadata> {
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(not_regular(path, &meta));
    }
    if meta.len() > cap {
        return Err(over_cap(path, meta.len(), cap));
    }
    Ok(meta)
}

/// Opens `path` for reading: never through a final symlink (resolve links first), never blocking
/// on a FIFO, only a regular file of at most `cap` bytes.
pub fn open_regular(path: &Path, cap: u64) -> io::Result<File> {
    open_regular_meta(path, cap).map(|(file, _)| file)
}

/// [`open_regular`], with the metadata its check read (callers that need the size, owner or
/// identity use it instead of asking again: one `fstat` per file, not three).
pub fn open_regular_meta(path: &Path, cap: u64) -> io::Result<(File, std::fs::Metadata)> {
    #[cfg(unix)]
    let file = {
        use rustix::fs::{Mode, OFlags};
        let fd = rustix::fs::open(
            path,
            OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::NONBLOCK | OFlags::CLOEXEC,
            Mode::empty(),
        )
        .map_err(|e| map_open_error(path, e))?;
        File::from(fd)
    };
    #[cfg(not(unix))]
    let file = File::open(path)?;
    let meta = check_regular(path, &file, cap)?;
    Ok((file, meta))
}

/// Reads a whole open file, failing (rather than growing without bound) past `cap`.
pub fn read_capped(path: &Path, file: File, cap: u64) -> io::Result<Vec<u8>> {
    let len = file.metadata().map_or(0, |m| m.len());
    read_sized(path, file, len, cap)
}

/// [`read_capped`] for a file whose size (`len`, what its metadata said) is known.
pub fn read_sized(path: &Path, file: File, len: u64, cap: u64) -> io::Result<Vec<u8>> {
    // The size the file says it has, reserved at once (`take` hides it from `read_to_end`,
    // which then doubles its way up: 8 MB held for a 5 MB file). One byte more, so reading to
    // the end does not grow the buffer to learn there is nothing left.
    let hint = len.min(cap) as usize;
    let mut bytes = Vec::with_capacity(hint.saturating_add(1));
    file.take(cap + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > cap {
        return Err(over_cap(path, bytes.len() as u64, cap));
    }
    Ok(bytes)
}

/// [`open_regular`] and read it all.
pub fn read_regular(path: &Path, cap: u64) -> io::Result<Vec<u8>> {
    let (file, meta) = open_regular_meta(path, cap)?;
    read_sized(path, file, meta.len(), cap)
}

/// [`read_regular`], and only if it is still the file `id` names (the one that was checked).
pub fn read_same(path: &Path, cap: u64, id: Option<(u64, u64)>) -> io::Result<Vec<u8>> {
    let (file, meta) = open_regular_meta(path, cap)?;
    if id.is_some() && file_id(&meta) != id {
        return Err(swapped(path));
    }
    read_sized(path, file, meta.len(), cap)
}

mod dir;
pub mod mapped;
pub use dir::{DirHandle, set_file_mode_owner, temp_name};

#[cfg(all(test, unix))]
mod tests;
