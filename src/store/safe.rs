//! File access for a home we do not trust (docs/safety.md, "Threat model").
//!
//! Root may run this tool on someone else's home, and then every name under that home is theirs to
//! plant: a symlink to `/etc/shadow`, a FIFO that blocks a reader forever, a link to `/dev/zero`.
//! So every file is opened without following a final symlink and without blocking, checked to be a
//! regular file before a byte is read, and read only up to a cap. Everything we create, chown,
//! chmod, rename or delete goes through a directory handle we opened (and checked) once, with
//! `*at` calls and `O_NOFOLLOW`: swapping a name for a link afterwards changes nothing, and an
//! owner or mode is only ever set on an open file (`fchown`/`fchmod`), never by path.

use std::ffi::{OsStr, OsString};
use std::fs::File;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

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
    check_regular(path, &file, cap)?;
    Ok(file)
}

/// Reads a whole open file, failing (rather than growing without bound) past `cap`.
pub fn read_capped(path: &Path, file: File, cap: u64) -> io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    file.take(cap + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > cap {
        return Err(over_cap(path, bytes.len() as u64, cap));
    }
    Ok(bytes)
}

/// [`open_regular`] and read it all.
pub fn read_regular(path: &Path, cap: u64) -> io::Result<Vec<u8>> {
    read_capped(path, open_regular(path, cap)?, cap)
}

/// [`read_regular`], and only if it is still the file `id` names (the one that was checked).
pub fn read_same(path: &Path, cap: u64, id: Option<(u64, u64)>) -> io::Result<Vec<u8>> {
    let file = open_regular(path, cap)?;
    if id.is_some() && file_id(&file.metadata()?) != id {
        return Err(swapped(path));
    }
    read_capped(path, file, cap)
}

/// A directory opened once; everything below is done relative to it.
#[derive(Debug)]
pub struct DirHandle {
    #[cfg(unix)]
    fd: std::os::fd::OwnedFd,
    path: PathBuf,
}

impl DirHandle {
    /// Opens `path` as a directory. Links in `path` are followed (a dotfiles setup may link the
    /// config dir); what it leads to must be a directory.
    pub fn open(path: &Path) -> io::Result<Self> {
        #[cfg(unix)]
        {
            use rustix::fs::{Mode, OFlags};
            let fd = rustix::fs::open(
                path,
                OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC,
                Mode::empty(),
            )?;
            Ok(Self {
                fd,
                path: path.to_path_buf(),
            })
        }
        #[cfg(not(unix))]
        {
            if !std::fs::metadata(path)?.is_dir() {
                return Err(io::Error::other(format!(
                    "{} is not a directory",
                    path.display()
                )));
            }
            Ok(Self {
                path: path.to_path_buf(),
            })
        }
    }

    /// The path this handle was opened at (for messages).
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// `(uid, gid)` of the directory itself.
    pub fn owner(&self) -> Option<(u32, u32)> {
        #[cfg(unix)]
        {
            let st = rustix::fs::fstat(&self.fd).ok()?;
            Some((st.st_uid, st.st_gid))
        }
        #[cfg(not(unix))]
        None
    }

    /// Opens the child directory `name` without following a symlink, creating it (with `mode`)
    /// when `create` and it is missing. Returns the handle and whether it was created.
    pub fn child_dir(
        &self,
        name: impl AsRef<OsStr>,
        create: bool,
        mode: u32,
    ) -> io::Result<(Self, bool)> {
        let name = name.as_ref();
        let path = self.path.join(name);
        #[cfg(unix)]
        {
            use rustix::fs::{Mode, OFlags};
            let mut created = false;
            if create {
                match rustix::fs::mkdirat(&self.fd, name, Mode::from_raw_mode(mode)) {
                    Ok(()) => created = true,
                    Err(rustix::io::Errno::EXIST) => {}
                    Err(e) => return Err(e.into()),
                }
            }
            let fd = rustix::fs::openat(
                &self.fd,
                name,
                OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC,
                Mode::empty(),
            )
            .map_err(|e| match e {
                rustix::io::Errno::LOOP => symlink_refused(&path),
                rustix::io::Errno::NOTDIR => io::Error::new(
                    io::ErrorKind::InvalidInput,
                    format!("{} is not a directory", path.display()),
                ),
                e => e.into(),
            })?;
            Ok((Self { fd, path }, created))
        }
        #[cfg(not(unix))]
        {
            let _ = mode;
            let created = create && std::fs::create_dir(&path).is_ok();
            Ok((Self::open(&path)?, created))
        }
    }

    /// Gives the directory `mode` and, when set, `owner`, on the open handle.
    pub fn set_mode_owner(&self, mode: Option<u32>, owner: Option<(u32, u32)>) -> io::Result<()> {
        #[cfg(unix)]
        {
            if let Some(mode) = mode {
                rustix::fs::fchmod(&self.fd, rustix::fs::Mode::from_raw_mode(mode))?;
            }
            fchown_if_needed(&self.fd, owner)?;
        }
        #[cfg(not(unix))]
        let _ = (mode, owner);
        Ok(())
    }

    /// Opens `name` in this directory for reading: not through a symlink, not blocking, regular,
    /// at most `cap` bytes.
    pub fn open_regular(&self, name: &OsStr, cap: u64) -> io::Result<File> {
        let path = self.path.join(name);
        #[cfg(unix)]
        let file = {
            use rustix::fs::{Mode, OFlags};
            File::from(
                rustix::fs::openat(
                    &self.fd,
                    name,
                    OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::NONBLOCK | OFlags::CLOEXEC,
                    Mode::empty(),
                )
                .map_err(|e| map_open_error(&path, e))?,
            )
        };
        #[cfg(not(unix))]
        let file = File::open(&path)?;
        check_regular(&path, &file, cap)?;
        Ok(file)
    }

    /// Reads `name` whole ([`DirHandle::open_regular`]).
    pub fn read(&self, name: &OsStr, cap: u64) -> io::Result<Vec<u8>> {
        let path = self.path.join(name);
        read_capped(&path, self.open_regular(name, cap)?, cap)
    }

    /// Opens (creating 0600 if missing) a lock file `name`: never through a symlink, never
    /// blocking, only a regular file. Read-only when we may not write it (a lock works on that).
    pub fn open_lock_file(&self, name: &str) -> io::Result<File> {
        let path = self.path.join(name);
        #[cfg(unix)]
        let file = {
            use rustix::fs::{Mode, OFlags};
            let flags = OFlags::NOFOLLOW | OFlags::NONBLOCK | OFlags::CLOEXEC;
            let fd = match rustix::fs::openat(
                &self.fd,
                name,
                flags | OFlags::RDWR | OFlags::CREATE,
                Mode::from_raw_mode(0o600),
            ) {
                Err(rustix::io::Errno::ACCESS) => {
                    rustix::fs::openat(&self.fd, name, flags | OFlags::RDONLY, Mode::empty())
                }
                other => other,
            }
            .map_err(|e| map_open_error(&path, e))?;
            File::from(fd)
        };
        #[cfg(not(unix))]
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .read(true)
            .write(true)
            .open(&path)?;
        check_regular(&path, &file, SMALL_FILE_CAP)?;
        Ok(file)
    }

    /// Creates `name` (it must not exist: not even as a symlink) readable only by its owner.
    pub fn create_new(&self, name: &OsStr) -> io::Result<File> {
        #[cfg(unix)]
        {
            use rustix::fs::{Mode, OFlags};
            let fd = rustix::fs::openat(
                &self.fd,
                name,
                OFlags::WRONLY | OFlags::CREATE | OFlags::EXCL | OFlags::NOFOLLOW | OFlags::CLOEXEC,
                Mode::from_raw_mode(0o600),
            )?;
            Ok(File::from(fd))
        }
        #[cfg(not(unix))]
        std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(self.path.join(name))
    }

    /// Writes `bytes` into a new file `name` (which must not exist), gives it `mode` and `owner` on
    /// the open file, and fsyncs it.
    pub fn write_new(
        &self,
        name: &OsStr,
        bytes: &[u8],
        mode: Option<u32>,
        owner: Option<(u32, u32)>,
    ) -> io::Result<()> {
        let mut file = self.create_new(name)?;
        file.write_all(bytes)?;
        set_file_mode_owner(&file, mode, owner)?;
        file.sync_all()
    }

    /// Replaces `name` atomically: a new temp file beside it, written, given `mode` and `owner`,
    /// fsynced, renamed over `name` (a symlink there is replaced, never followed), and the directory
    /// fsynced.
    pub fn write_atomic(
        &self,
        name: &str,
        bytes: &[u8],
        mode: Option<u32>,
        owner: Option<(u32, u32)>,
    ) -> io::Result<()> {
        let temp = temp_name(name);
        if let Err(e) = self.write_new(temp.as_ref(), bytes, mode, owner) {
            let _ = self.remove_file(temp.as_ref());
            return Err(e);
        }
        if let Err(e) = self.rename(temp.as_ref(), name.as_ref()) {
            let _ = self.remove_file(temp.as_ref());
            return Err(e);
        }
        self.sync();
        Ok(())
    }

    /// Renames `from` to `to`, both in this directory.
    pub fn rename(&self, from: &OsStr, to: &OsStr) -> io::Result<()> {
        #[cfg(unix)]
        {
            rustix::fs::renameat(&self.fd, from, &self.fd, to)?;
            Ok(())
        }
        #[cfg(not(unix))]
        std::fs::rename(self.path.join(from), self.path.join(to))
    }

    pub fn remove_file(&self, name: &OsStr) -> io::Result<()> {
        #[cfg(unix)]
        {
            rustix::fs::unlinkat(&self.fd, name, rustix::fs::AtFlags::empty())?;
            Ok(())
        }
        #[cfg(not(unix))]
        std::fs::remove_file(self.path.join(name))
    }

    /// The entries of this directory that are real directories (not links to one), by name.
    pub fn subdirs(&self) -> io::Result<Vec<OsString>> {
        let mut out = Vec::new();
        #[cfg(unix)]
        {
            use std::os::unix::ffi::OsStrExt;
            let mut dir = rustix::fs::Dir::read_from(&self.fd)?;
            while let Some(entry) = dir.read() {
                let entry = entry?;
                let name = entry.file_name().to_bytes();
                if name == b"." || name == b".." {
                    continue;
                }
                let name = OsStr::from_bytes(name).to_os_string();
                let st = rustix::fs::statat(&self.fd, &name, rustix::fs::AtFlags::SYMLINK_NOFOLLOW);
                if st.is_ok_and(|st| {
                    rustix::fs::FileType::from_raw_mode(st.st_mode)
                        == rustix::fs::FileType::Directory
                }) {
                    out.push(name);
                }
            }
        }
        #[cfg(not(unix))]
        for e in std::fs::read_dir(&self.path)?.flatten() {
            if e.file_type().is_ok_and(|t| t.is_dir()) {
                out.push(e.file_name());
            }
        }
        out.sort();
        Ok(out)
    }

    /// Every entry name in this directory (any type).
    pub fn names(&self) -> io::Result<Vec<OsString>> {
        let mut out = Vec::new();
        #[cfg(unix)]
        {
            use std::os::unix::ffi::OsStrExt;
            let mut dir = rustix::fs::Dir::read_from(&self.fd)?;
            while let Some(entry) = dir.read() {
                let entry = entry?;
                let name = entry.file_name().to_bytes();
                if name != b"." && name != b".." {
                    out.push(OsStr::from_bytes(name).to_os_string());
                }
            }
        }
        #[cfg(not(unix))]
        for e in std::fs::read_dir(&self.path)?.flatten() {
            out.push(e.file_name());
        }
        out.sort();
        Ok(out)
    }

    /// Deletes the subdirectory `name` and everything in it, never following a symlink: a link
    /// inside is removed as a link, and the target of a link is never entered.
    pub fn remove_tree(&self, name: &OsStr) -> io::Result<()> {
        self.remove_tree_depth(name, 0)
    }

    fn remove_tree_depth(&self, name: &OsStr, depth: usize) -> io::Result<()> {
        if depth > 16 {
            return Err(io::Error::other("the backup folder is nested too deeply"));
        }
        let (child, _) = self.child_dir(name, false, 0)?;
        for entry in child.names()? {
            #[cfg(unix)]
            let is_dir =
                rustix::fs::statat(&child.fd, &entry, rustix::fs::AtFlags::SYMLINK_NOFOLLOW)
                    .is_ok_and(|st| {
                        rustix::fs::FileType::from_raw_mode(st.st_mode)
                            == rustix::fs::FileType::Directory
                    });
            #[cfg(not(unix))]
            let is_dir =
                std::fs::symlink_metadata(child.path.join(&entry)).is_ok_and(|m| m.is_dir());
            if is_dir {
                child.remove_tree_depth(&entry, depth + 1)?;
            } else {
                child.remove_file(&entry)?;
            }
        }
        #[cfg(unix)]
        {
            rustix::fs::unlinkat(&self.fd, name, rustix::fs::AtFlags::REMOVEDIR)?;
            Ok(())
        }
        #[cfg(not(unix))]
        std::fs::remove_dir(self.path.join(name))
    }

    /// Best effort: fsync the directory, so a rename in it survives a crash.
    pub fn sync(&self) {
        #[cfg(unix)]
        let _ = rustix::fs::fsync(&self.fd);
    }
}

/// A temp name beside `name`, unique to this process and moment.
pub fn temp_name(name: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!(
        ".{name}.mcp-auth-doctor.{}.{nanos:08x}.tmp",
        std::process::id()
    )
}

/// Gives an open file `mode` and `owner` (fchmod/fchown: the file, never a path).
pub fn set_file_mode_owner(
    file: &File,
    mode: Option<u32>,
    owner: Option<(u32, u32)>,
) -> io::Result<()> {
    #[cfg(unix)]
    {
        if let Some(mode) = mode {
            rustix::fs::fchmod(file, rustix::fs::Mode::from_raw_mode(mode))?;
        }
        fchown_if_needed(file, owner).map_err(|e| {
            let (uid, gid) = owner.unwrap_or_default();
            io::Error::new(
                e.kind(),
                format!("cannot give the file the owner {uid}:{gid}: {e}"),
            )
        })?;
    }
    #[cfg(not(unix))]
    let _ = (file, mode, owner);
    Ok(())
}

#[cfg(unix)]
fn fchown_if_needed<Fd: std::os::fd::AsFd>(fd: Fd, owner: Option<(u32, u32)>) -> io::Result<()> {
    let Some((uid, gid)) = owner else {
        return Ok(());
    };
    let st = rustix::fs::fstat(&fd)?;
    if (st.st_uid, st.st_gid) != (uid, gid) {
        rustix::fs::fchown(
            &fd,
            Some(rustix::fs::Uid::from_raw(uid)),
            Some(rustix::fs::Gid::from_raw(gid)),
        )?;
    }
    Ok(())
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn a_fifo_is_refused_without_blocking() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("f");
        rustix::fs::mkfifoat(
            rustix::fs::CWD,
            &fifo,
            rustix::fs::Mode::from_raw_mode(0o600),
        )
        .unwrap();
        let e = read_regular(&fifo, 10).unwrap_err();
        assert!(e.to_string().contains("named pipe"), "{e}");
    }

    #[test]
    fn a_device_is_refused_and_a_large_file_is_capped() {
        let e = read_regular(Path::new("/dev/zero"), 10).unwrap_err();
        assert!(e.to_string().contains("device"), "{e}");
        let dir = tempfile::tempdir().unwrap();
        let big = dir.path().join("big");
        std::fs::write(&big, [b' '; 11]).unwrap();
        let e = read_regular(&big, 10).unwrap_err();
        assert!(e.to_string().contains("11 bytes"), "{e}");
        assert_eq!(read_regular(&big, 11).unwrap().len(), 11);
    }

    #[test]
    fn a_final_symlink_is_not_followed() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("real"), "x").unwrap();
        std::os::unix::fs::symlink("real", dir.path().join("link")).unwrap();
        let e = read_regular(&dir.path().join("link"), 10).unwrap_err();
        assert!(e.to_string().contains("symbolic link"), "{e}");
        let h = DirHandle::open(dir.path()).unwrap();
        assert!(h.child_dir("link", false, 0).is_err());
    }

    #[test]
    fn remove_tree_never_enters_a_link() {
        let dir = tempfile::tempdir().unwrap();
        let victim = tempfile::tempdir().unwrap();
        std::fs::create_dir(victim.path().join("keep")).unwrap();
        std::fs::create_dir_all(dir.path().join("t/sub")).unwrap();
        std::fs::write(dir.path().join("t/sub/f"), "x").unwrap();
        std::os::unix::fs::symlink(victim.path(), dir.path().join("t/link")).unwrap();
        let h = DirHandle::open(dir.path()).unwrap();
        h.remove_tree(OsStr::new("t")).unwrap();
        assert!(!dir.path().join("t").exists());
        assert!(victim.path().join("keep").is_dir());
    }
}
