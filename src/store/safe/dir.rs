//! A directory handle for the untrusted home: every create, read, rename and delete below it is
//! an `*at` call relative to the handle, with `O_NOFOLLOW`.

use std::ffi::{OsStr, OsString};
use std::fs::File;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

#[cfg(unix)]
use super::map_open_error;
use super::{SMALL_FILE_CAP, check_regular, read_sized, symlink_refused};

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
        self.open_regular_meta(name, cap).map(|(file, _)| file)
    }

    /// [`DirHandle::open_regular`], with the metadata its check read.
    pub fn open_regular_meta(
        &self,
        name: &OsStr,
        cap: u64,
    ) -> io::Result<(File, std::fs::Metadata)> {
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
        let meta = check_regular(&path, &file, cap)?;
        Ok((file, meta))
    }

    /// Reads `name` whole ([`DirHandle::open_regular`]).
    pub fn read(&self, name: &OsStr, cap: u64) -> io::Result<Vec<u8>> {
        let path = self.path.join(name);
        let (file, meta) = self.open_regular_meta(name, cap)?;
        read_sized(&path, file, meta.len(), cap)
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
        let mut out = self.names()?;
        out.retain(|name| self.is_real_dir(name));
        Ok(out)
    }

    /// Whether `name` here is a directory itself, not a link to one.
    fn is_real_dir(&self, name: &OsStr) -> bool {
        #[cfg(unix)]
        {
            rustix::fs::statat(&self.fd, name, rustix::fs::AtFlags::SYMLINK_NOFOLLOW).is_ok_and(
                |st| {
                    rustix::fs::FileType::from_raw_mode(st.st_mode)
                        == rustix::fs::FileType::Directory
                },
            )
        }
        #[cfg(not(unix))]
        {
            std::fs::symlink_metadata(self.path.join(name)).is_ok_and(|m| m.is_dir())
        }
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
    use crate::layout::{OWN_TEMP_MARKER, OWN_TEMP_SUFFIX};
    format!(
        ".{name}{OWN_TEMP_MARKER}{}.{nanos:08x}{OWN_TEMP_SUFFIX}",
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
