//! Backups: every byte a command is about to change is copied first, into
//! `<configDir>/backups/mcp-auth-doctor/<UTC time>/` (0700), with a manifest that says what was
//! changed and how to check it. No secret is written to the manifest; the copies themselves hold
//! what the originals held, with the originals' modes.

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};

/// How many backups are kept.
pub const KEEP: usize = 20;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Manifest {
    pub schema: u32,
    pub id: String,
    pub created: String,
    pub tool_version: String,
    /// `fix`, `forget`, `restore`.
    pub command: String,
    pub files: Vec<BackedUpFile>,
    pub actions: Vec<ManifestAction>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BackedUpFile {
    /// The path Claude Code uses (maybe a symlink).
    pub path: String,
    /// The real file that was written.
    pub target: String,
    #[serde(default)]
    pub symlinks: Vec<(String, String)>,
    pub mode: Option<String>,
    /// The copy's file name inside the backup directory.
    pub copy: String,
    pub size: u64,
    pub sha256_before: String,
    pub sha256_after: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ManifestAction {
    pub code: String,
    pub summary: String,
    pub file: String,
    pub pointer: Option<String>,
}

pub use crate::model::secret::sha256_hex;

pub fn root(config_dir: &Path) -> PathBuf {
    config_dir.join("backups").join("mcp-auth-doctor")
}

/// A backup being written.
pub struct Backup {
    pub dir: PathBuf,
    pub manifest: Manifest,
    /// The config dir's owner: the backup belongs to them even when root runs the repair.
    owner: Option<(u32, u32)>,
}

/// Best effort: give `path` to `owner` (only root can give files away; for anyone else the owner
/// is already right).
fn chown(path: &Path, owner: Option<(u32, u32)>) {
    #[cfg(unix)]
    if let Some((uid, gid)) = owner {
        let _ = std::os::unix::fs::chown(path, Some(uid), Some(gid));
    }
    #[cfg(not(unix))]
    let _ = (path, owner);
}

impl Backup {
    /// Creates a fresh, private backup directory.
    pub fn create(config_dir: &Path, command: &str) -> Result<Self> {
        let root = root(config_dir);
        fs::create_dir_all(&root)
            .with_context(|| format!("cannot create the backup folder {}", root.display()))?;
        set_private(&root);
        let owner = crate::store::file::inspect(config_dir).owner;
        chown(&root, owner);
        let now = chrono::Utc::now();
        let base = now.format("%Y%m%dT%H%M%S%.3fZ").to_string();
        let mut id = base.clone();
        let mut n = 1;
        let dir = loop {
            let dir = root.join(&id);
            match fs::create_dir(&dir) {
                Ok(()) => break dir,
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    n += 1;
                    id = format!("{base}-{n}");
                }
                Err(e) => {
                    return Err(e).with_context(|| format!("cannot create {}", dir.display()));
                }
            }
        };
        set_private(&dir);
        chown(&dir, owner);
        Ok(Self {
            owner,
            dir,
            manifest: Manifest {
                schema: 1,
                id,
                created: now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                tool_version: env!("CARGO_PKG_VERSION").into(),
                command: command.into(),
                files: Vec::new(),
                actions: Vec::new(),
            },
        })
    }

    /// Copies `bytes` (the current content of `target`) into the backup, with the file's mode.
    pub fn add_file(
        &mut self,
        path: &Path,
        target: &Path,
        symlinks: &[(PathBuf, PathBuf)],
        mode: Option<u32>,
        bytes: &[u8],
    ) -> Result<()> {
        let base = target
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "file".into());
        let mut copy = base.clone();
        let mut n = 1;
        while self.manifest.files.iter().any(|f| f.copy == copy) {
            n += 1;
            copy = format!("{base}.{n}");
        }
        let dest = self.dir.join(&copy);
        write_private(&dest, bytes, mode)
            .with_context(|| format!("cannot write the backup {}", dest.display()))?;
        chown(&dest, self.owner);
        self.manifest.files.push(BackedUpFile {
            path: path.display().to_string(),
            target: target.display().to_string(),
            symlinks: symlinks
                .iter()
                .map(|(l, t)| (l.display().to_string(), t.display().to_string()))
                .collect(),
            mode: mode.map(|m| format!("{m:04o}")),
            copy,
            size: bytes.len() as u64,
            sha256_before: sha256_hex(bytes),
            sha256_after: None,
        });
        self.save()
    }

    /// Records the hash of what was written to `target`.
    pub fn record_after(&mut self, target: &Path, bytes: &[u8]) -> Result<()> {
        let t = target.display().to_string();
        if let Some(f) = self.manifest.files.iter_mut().find(|f| f.target == t) {
            f.sha256_after = Some(sha256_hex(bytes));
        }
        self.save()
    }

    pub fn save(&self) -> Result<()> {
        let text = serde_json::to_string_pretty(&self.manifest)? + "\n";
        let path = self.dir.join("manifest.json");
        write_private(&path, text.as_bytes(), Some(0o600))
            .with_context(|| format!("cannot write the backup {}", path.display()))?;
        chown(&path, self.owner);
        Ok(())
    }
}

/// Creates or replaces `dest` so that nobody but its owner can read it at any moment (created
/// 0600), then gives it `mode`. For backup copies and for `report --output`.
pub(crate) fn write_private(dest: &Path, bytes: &[u8], mode: Option<u32>) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut f = options.open(dest)?;
    f.write_all(bytes)?;
    #[cfg(unix)]
    if let Some(mode) = mode {
        use std::os::unix::fs::PermissionsExt;
        f.set_permissions(fs::Permissions::from_mode(mode))?;
    }
    #[cfg(not(unix))]
    let _ = mode;
    f.sync_all()
}

fn set_private(dir: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if dir.file_name().is_some_and(|n| n == "mcp-auth-doctor")
            || dir
                .parent()
                .is_some_and(|p| p.file_name().is_some_and(|n| n == "mcp-auth-doctor"))
        {
            let _ = fs::set_permissions(dir, fs::Permissions::from_mode(0o700));
        }
    }
    #[cfg(not(unix))]
    let _ = dir;
}

/// Every backup, oldest first.
pub fn list(config_dir: &Path) -> Vec<(PathBuf, Result<Manifest>)> {
    let root = root(config_dir);
    let Ok(entries) = fs::read_dir(&root) else {
        return Vec::new();
    };
    let mut dirs: Vec<PathBuf> = entries
        .filter_map(|e| e.ok())
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .map(|e| e.path())
        .collect();
    dirs.sort();
    dirs.into_iter()
        .map(|d| {
            let m = fs::read(d.join("manifest.json"))
                .context("no readable manifest.json")
                .and_then(|b| serde_json::from_slice(&b).context("manifest.json is not valid"));
            (d, m)
        })
        .collect()
}

/// Opens one backup by id.
pub fn open(config_dir: &Path, id: &str) -> Result<Backup> {
    if id.is_empty() || id.contains(['/', '\\']) || id.starts_with('.') {
        bail!("'{id}' is not a backup id; `mcp-auth-doctor backups` lists them");
    }
    let dir = root(config_dir).join(id);
    let bytes = fs::read(dir.join("manifest.json")).with_context(|| {
        format!(
            "no backup '{id}' (looked in {}); `mcp-auth-doctor backups` lists them",
            dir.display()
        )
    })?;
    let manifest: Manifest = serde_json::from_slice(&bytes)
        .with_context(|| format!("the manifest of backup '{id}' is not valid"))?;
    Ok(Backup {
        owner: crate::store::file::inspect(&dir).owner,
        dir,
        manifest,
    })
}

/// Deletes the oldest backups beyond [`KEEP`].
pub fn prune(config_dir: &Path) {
    let all = list(config_dir);
    if all.len() > KEEP {
        for (dir, _) in &all[..all.len() - KEEP] {
            let _ = fs::remove_dir_all(dir);
        }
    }
}
