//! Writing a file only its owner may read (`report --output`): not a state file, so not the
//! write protocol of `fix`, but the same care about what is already at the path.

use std::path::Path;

use super::safe::DirHandle;

/// Creates or replaces `dest` so that nobody but its owner can read it at any moment: a new temp
/// file beside it (created 0600, `O_EXCL`, never through a symlink), given `mode`, fsynced and
/// renamed over `dest`. An existing symlink (or anything but a regular file) at `dest` is refused,
/// never followed. For `report --output`.
pub fn write_private(dest: &Path, bytes: &[u8], mode: Option<u32>) -> std::io::Result<()> {
    let dir_path = match dest.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let name = dest
        .file_name()
        .ok_or_else(|| std::io::Error::other("the path has no file name"))?;
    if let Ok(meta) = std::fs::symlink_metadata(dest)
        && !meta.is_file()
    {
        return Err(std::io::Error::new(
            std::io::ErrorKind::AlreadyExists,
            format!(
                "{} exists and is {}; it is not replaced",
                dest.display(),
                if meta.file_type().is_symlink() {
                    "a symbolic link"
                } else {
                    "not a regular file"
                }
            ),
        ));
    }
    let dir = DirHandle::open(dir_path)?;
    let name = name
        .to_str()
        .ok_or_else(|| std::io::Error::other("the file name is not valid UTF-8"))?;
    dir.write_atomic(name, bytes, mode, None)
}
