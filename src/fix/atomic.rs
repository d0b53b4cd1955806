//! Atomic replacement of a file: a temp file in the same directory, the same mode, written and
//! fsynced, renamed over the target, and the directory fsynced. A crash at any point leaves either
//! the old content or the new, never a mix.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use super::checkpoint;

/// Replaces `target` (a real file, never a symlink: resolve links first) with `bytes`, keeping
/// `mode` and `owner` (uid, gid): run as root on someone's home, a new file owned by root would
/// lock its owner out of their own credentials.
pub fn replace(
    target: &Path,
    bytes: &[u8],
    mode: Option<u32>,
    owner: Option<(u32, u32)>,
) -> io::Result<()> {
    let dir = target
        .parent()
        .ok_or_else(|| io::Error::other("the target has no parent directory"))?;
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temp = temp_path(dir, &name);
    let result = write_temp(&temp, bytes, mode, owner).and_then(|()| {
        checkpoint("temp-written");
        rename_with_retry(&temp, target)
    });
    if result.is_err() {
        let _ = fs::remove_file(&temp);
        return result;
    }
    checkpoint("renamed");
    sync_dir(dir);
    Ok(())
}

fn temp_path(dir: &Path, name: &str) -> PathBuf {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    dir.join(format!(
        ".{name}.mcp-auth-doctor.{}.{nanos:08x}.tmp",
        std::process::id()
    ))
}

fn write_temp(
    temp: &Path,
    bytes: &[u8],
    mode: Option<u32>,
    owner: Option<(u32, u32)>,
) -> io::Result<()> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        // Never readable by others, even for a moment; the final mode is set below.
        options.mode(0o600);
    }
    let mut file = options.open(temp)?;
    file.write_all(bytes)?;
    #[cfg(unix)]
    if let Some(mode) = mode {
        use std::os::unix::fs::PermissionsExt;
        file.set_permissions(fs::Permissions::from_mode(mode))?;
    }
    #[cfg(unix)]
    if let Some((uid, gid)) = owner {
        use std::os::unix::fs::MetadataExt;
        let meta = file.metadata()?;
        if (meta.uid(), meta.gid()) != (uid, gid) {
            std::os::unix::fs::fchown(&file, Some(uid), Some(gid)).map_err(|e| {
                io::Error::new(
                    e.kind(),
                    format!("cannot give the new file the owner {uid}:{gid} of the old one: {e}"),
                )
            })?;
        }
    }
    #[cfg(not(unix))]
    let _ = (mode, owner);
    file.sync_all()
}

/// On Windows a rename over a file another process has open fails with a sharing violation for a
/// moment; retry with a bounded backoff. Elsewhere the first error is final.
fn rename_with_retry(from: &Path, to: &Path) -> io::Result<()> {
    let mut delay = std::time::Duration::from_millis(20);
    for attempt in 0.. {
        match fs::rename(from, to) {
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

fn sync_dir(dir: &Path) {
    #[cfg(unix)]
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
    #[cfg(not(unix))]
    let _ = dir;
}
