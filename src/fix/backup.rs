//! Backups: every byte a command is about to change is copied first, into
//! `<configDir>/backups/mcp-auth-doctor/<UTC time>/` (0700), with a manifest that says what was
//! changed and how to check it. No secret is written to the manifest; the copies themselves hold
//! what the originals held, with the originals' modes.

use std::ffi::OsStr;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};

use super::plan::Step;
use crate::model::inventory::Role;
use crate::store::safe::{self, DirHandle, Trust};

/// How many backups are kept.
pub const KEEP: usize = 20;

/// The most of a manifest this tool reads.
const MANIFEST_CAP: u64 = 16 << 20;

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
    /// Which of Claude Code's files this was. `restore` puts a copy back only where that role's
    /// file is now (the manifest sits in a folder the home's owner can edit, so its paths are
    /// shown, never trusted). Missing in backups made before it was recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<Role>,
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

/// One change a backup records. Lean, as a `fix` of thousands of entries holds one per step
/// while it writes: the code static text, the file one string shared by the actions on it,
/// the rare move boxed (issue 15: ~350 bytes per action of a 10,000-entry `fix` before).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ManifestAction {
    pub code: std::borrow::Cow<'static, str>,
    pub summary: String,
    #[serde(serialize_with = "shared_str", deserialize_with = "owned_str")]
    pub file: std::sync::Arc<str>,
    pub pointer: Option<String>,
    /// For a move to the live key: what went where, so that `restore --section mcpOAuth` can
    /// undo it (absent for every other action, and in manifests written before moves were
    /// recorded).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub moved: Option<Box<MovedEntry>>,
}

fn shared_str<S: serde::Serializer>(text: &std::sync::Arc<str>, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(text)
}

fn owned_str<'de, D: serde::Deserializer<'de>>(d: D) -> Result<std::sync::Arc<str>, D::Error> {
    String::deserialize(d).map(std::sync::Arc::from)
}

/// A move to the live key as the manifest records it: the entry under `from` went to `to`, with
/// its `serverUrl` set to the URL whose SHA-256 is `server_url_sha256` (the URL itself may carry
/// a secret, and the manifest is never to hold one). Restoring the section undoes the move only
/// while `to` still holds exactly that: the backup's `from` entry with that `serverUrl`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MovedEntry {
    pub from: String,
    pub to: String,
    pub server_url_sha256: String,
}

impl MovedEntry {
    pub fn of(kind: &crate::fix::action::ActionKind) -> Option<Box<Self>> {
        match kind {
            crate::fix::action::ActionKind::MoveEntry {
                from,
                to,
                server_url,
            } => Some(Box::new(Self {
                from: from.clone(),
                to: to.clone(),
                server_url_sha256: sha256_hex(server_url.as_bytes()),
            })),
            _ => None,
        }
    }
}

pub use crate::model::secret::sha256_hex;

/// The manifest actions one edit carries out. The steps of a `fix` are kept as steps and made
/// into [`ManifestAction`]s only when they go into the manifest, after the write protocol's
/// check of the new text: thousands of actions (1.2 MB at 10,000 entries, their summaries and
/// pointers) were alive beside that check's scan of the file, the peak of the write (issue 15).
#[derive(Debug, Default)]
pub struct Actions<'p> {
    /// Actions given whole (a restore's).
    made: Vec<ManifestAction>,
    /// Steps carried out, whose actions follow the ones given whole.
    steps: Vec<&'p Step>,
}

impl<'p> Actions<'p> {
    pub fn push(&mut self, action: ManifestAction) {
        self.made.push(action);
    }

    /// Records that `steps` were carried out.
    pub fn of_steps(&mut self, steps: &[&'p Step]) {
        self.steps.extend_from_slice(steps);
    }

    /// Appends the actions to a manifest's `list`: those given whole, then the steps'.
    pub fn append_to(self, list: &mut Vec<ManifestAction>) {
        // Moved whole into an empty list: appending copied thousands of actions (issue 15).
        if list.is_empty() {
            *list = self.made;
        } else {
            list.extend(self.made);
        }
        // The file as shown, one string for the actions on one path (all of them, here).
        let mut shown: Option<(&Path, std::sync::Arc<str>)> = None;
        list.reserve_exact(self.steps.len());
        list.extend(self.steps.iter().map(|step| {
            let file = match &shown {
                Some((path, file)) if *path == &*step.action.path => file.clone(),
                _ => {
                    let file: std::sync::Arc<str> = step.action.file_shown().into();
                    shown = Some((&step.action.path, file.clone()));
                    file
                }
            };
            ManifestAction {
                code: step.code.into(),
                summary: step.action.summary().into_owned(),
                file,
                pointer: step.action.kind.pointer(),
                moved: MovedEntry::of(&step.action.kind),
            }
        }));
    }
}

pub fn root(config_dir: &Path) -> PathBuf {
    config_dir.join("backups").join("mcp-auth-doctor")
}

/// A backup being written, or one opened for `restore`.
pub struct Backup {
    pub dir: PathBuf,
    /// The backup directory, opened once without following symlinks; every file in it is
    /// created, read and renamed through this handle.
    handle: DirHandle,
    pub manifest: Manifest,
    /// The manifest was missing or broken: the files were found by their names, which carry
    /// their role and checksum.
    pub recovered: bool,
    /// The home's owner: the backup belongs to them even when root runs the repair.
    owner: Option<(u32, u32)>,
}

/// The role's word in a copy's file name.
fn role_word(role: Role) -> Option<&'static str> {
    match role {
        Role::Credentials => Some("credentials"),
        Role::NeedsAuthCache => Some("needs-auth-cache"),
        Role::GlobalConfig => Some("global-config"),
        Role::KeychainItem => Some("keychain-item"),
        Role::McpRemoteFile => Some("mcp-remote-file"),
        _ => None,
    }
}

/// A copy's file name: `<role>.<sha256 of its bytes>.json`, so a backup whose manifest is lost
/// still says what each copy is and proves it is intact.
fn copy_name(role: Option<Role>, sha: &str) -> String {
    format!("{}.{sha}.json", role.and_then(role_word).unwrap_or("file"))
}

/// The role and checksum a copy's name carries.
fn parse_copy_name(name: &str) -> Option<(Role, String)> {
    let stem = name.strip_suffix(".json")?;
    let (word, sha) = stem.rsplit_once('.')?;
    let role = [
        Role::Credentials,
        Role::NeedsAuthCache,
        Role::GlobalConfig,
        Role::KeychainItem,
        Role::McpRemoteFile,
    ]
    .into_iter()
    .find(|r| role_word(*r) == Some(word))?;
    (sha.len() == 64 && sha.bytes().all(|b| b.is_ascii_hexdigit())).then(|| (role, sha.into()))
}

/// A name a manifest may give a copy: one plain file name inside the backup folder.
fn plain_name(name: &str) -> bool {
    !name.is_empty()
        && name != "."
        && name != ".."
        && !name.contains(['/', '\\', '\0'])
        && !Path::new(name).is_absolute()
}

/// Opens `<configDir>/backups/mcp-auth-doctor`, never through a symlink, creating what is
/// missing when `create` (private, and given to the home's owner).
fn open_root(config_dir: &Path, create: bool, trust: &Trust) -> Result<DirHandle> {
    let root = root(config_dir);
    let cannot = || format!("cannot open the backup folder {}", root.display());
    let config = DirHandle::open(config_dir).with_context(cannot)?;
    if create {
        trust.check_dir(config_dir, &config).with_context(cannot)?;
    }
    let owner = trust.owner_for_new_files();
    let (backups, made) = config
        .child_dir("backups", create, 0o700)
        .with_context(cannot)?;
    if made {
        backups.set_mode_owner(None, owner).with_context(cannot)?;
    }
    let (ours, _) = backups
        .child_dir("mcp-auth-doctor", create, 0o700)
        .with_context(cannot)?;
    if create {
        ours.set_mode_owner(Some(0o700), owner)
            .with_context(cannot)?;
    }
    Ok(ours)
}

impl Backup {
    /// Creates a fresh, private backup directory.
    /// The run's one backup, created on the first file that needs it: a run that ends up
    /// changing nothing leaves no empty backup folder behind.
    pub fn lazily<'a>(
        backup: &'a mut Option<Backup>,
        config_dir: &Path,
        command: &str,
        trust: &Trust,
    ) -> Result<&'a mut Backup> {
        if backup.is_none() {
            *backup = Some(Backup::create(config_dir, command, trust)?);
        }
        Ok(backup.as_mut().expect("created above"))
    }

    pub fn create(config_dir: &Path, command: &str, trust: &Trust) -> Result<Self> {
        let root_dir = open_root(config_dir, true, trust)?;
        let owner = trust.owner_for_new_files();
        let now = chrono::Utc::now();
        let base = now.format("%Y%m%dT%H%M%S%.3fZ").to_string();
        let mut id = base.clone();
        let mut n = 1;
        let handle = loop {
            match root_dir.child_dir(&id, true, 0o700) {
                Ok((dir, true)) => break dir,
                Ok((_, false)) => {
                    n += 1;
                    id = format!("{base}-{n}");
                }
                Err(e) => {
                    return Err(e).with_context(|| {
                        format!("cannot create {}", root_dir.path().join(&id).display())
                    });
                }
            }
        };
        handle
            .set_mode_owner(Some(0o700), owner)
            .with_context(|| format!("cannot create {}", handle.path().display()))?;
        Ok(Self {
            owner,
            dir: handle.path().to_path_buf(),
            handle,
            recovered: false,
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

    /// Copies `bytes` (the current content of `target`) into the backup, with the file's mode
    /// (fsynced). The manifest is saved by the caller, once, with everything else it records;
    /// until then the copy's name alone says what it is.
    pub fn add_file(
        &mut self,
        role: Option<Role>,
        path: &Path,
        target: &Path,
        symlinks: &[(PathBuf, PathBuf)],
        mode: Option<u32>,
        bytes: &[u8],
    ) -> Result<()> {
        let sha = sha256_hex(bytes);
        let base = copy_name(role, &sha);
        let mut copy = base.clone();
        let mut n = 1;
        while self.manifest.files.iter().any(|f| f.copy == copy) {
            n += 1;
            copy = format!("{base}.{n}");
        }
        self.handle
            .write_new(OsStr::new(&copy), bytes, mode, self.owner)
            .with_context(|| {
                format!("cannot write the backup {}", self.dir.join(&copy).display())
            })?;
        self.manifest.files.push(BackedUpFile {
            role,
            path: path.display().to_string(),
            target: target.display().to_string(),
            symlinks: symlinks
                .iter()
                .map(|(l, t)| (l.display().to_string(), t.display().to_string()))
                .collect(),
            mode: mode.map(|m| format!("{m:04o}")),
            copy,
            size: bytes.len() as u64,
            sha256_before: sha,
            sha256_after: None,
        });
        Ok(())
    }

    /// Records the hash of what is about to be written to `target` (`None`: it was not written
    /// after all); [`Backup::save`] writes it down. Saved before the rename, so no write to the
    /// manifest follows the state file's.
    pub fn set_after(&mut self, target: &Path, bytes: Option<&[u8]>) {
        self.set_after_sha(target, bytes.map(sha256_hex));
    }

    /// [`Backup::set_after`] with the hash already made (of text written from pieces).
    pub fn set_after_sha(&mut self, target: &Path, sha: Option<String>) {
        let t = target.display().to_string();
        if let Some(f) = self.manifest.files.iter_mut().find(|f| f.target == t) {
            f.sha256_after = sha;
        }
    }

    /// Writes the manifest atomically (temp file, fsync, rename; never through a symlink), as
    /// [`DirHandle::write_atomic`] does, with the text serialised straight into the temp file:
    /// the text of a manifest of thousands of actions (1.3 MB at 10,000 entries) was held whole
    /// while the file was written (issue 15). The same bytes as `to_string_pretty` and a newline.
    pub fn save(&self) -> Result<()> {
        const NAME: &str = "manifest.json";
        let temp = safe::temp_name(NAME);
        let temp = OsStr::new(&temp);
        let saved = self
            .write_manifest(temp)
            .and_then(|()| self.handle.rename(temp, OsStr::new(NAME)));
        if let Err(e) = saved {
            let _ = self.handle.remove_file(temp);
            return Err(e).with_context(|| {
                format!("cannot write the backup {}", self.dir.join(NAME).display())
            });
        }
        self.handle.sync();
        Ok(())
    }

    /// The manifest's text in a new file `name` of the backup folder, private to the home's
    /// owner, fsynced.
    fn write_manifest(&self, name: &OsStr) -> std::io::Result<()> {
        let file = self.handle.create_new(name)?;
        let mut out = std::io::BufWriter::with_capacity(64 * 1024, &file);
        serde_json::to_writer_pretty(&mut out, &self.manifest)?;
        out.write_all(b"\n")?;
        out.flush()?;
        drop(out);
        safe::set_file_mode_owner(&file, Some(0o600), self.owner)?;
        file.sync_all()
    }

    /// The bytes of one backed-up file, read only from inside this backup's folder (a plain name,
    /// no symlink) and only when they match the checksum recorded for them.
    pub fn read_copy(&self, f: &BackedUpFile) -> Result<Vec<u8>> {
        if !plain_name(&f.copy) {
            bail!(
                "backup {} names its copy '{}', which is not a file in the backup folder; \
                 refusing to read it",
                self.manifest.id,
                crate::term::sanitize(&f.copy)
            );
        }
        let shown = self.dir.join(&f.copy);
        let bytes = self
            .handle
            .read(OsStr::new(&f.copy), safe::GLOBAL_CONFIG_CAP)
            .with_context(|| format!("cannot read the backup copy {}", shown.display()))?;
        if sha256_hex(&bytes) != f.sha256_before {
            bail!(
                "the backup copy {} does not match the checksum recorded for it; it was changed \
                 after the backup was made, so it is not restored",
                shown.display()
            );
        }
        Ok(bytes)
    }
}

/// Every backup, oldest first.
pub fn list(config_dir: &Path) -> Vec<(PathBuf, Result<Manifest>)> {
    let Ok(root) = open_root(config_dir, false, &Trust::default()) else {
        return Vec::new();
    };
    root.subdirs()
        .unwrap_or_default()
        .into_iter()
        .map(|name| {
            let path = root.path().join(&name);
            let m = root
                .child_dir(&name, false, 0)
                .map_err(anyhow::Error::from)
                .and_then(|(d, _)| {
                    d.read(OsStr::new("manifest.json"), MANIFEST_CAP)
                        .context("no readable manifest.json")
                })
                .and_then(|b| serde_json::from_slice(&b).context("manifest.json is not valid"));
            (path, m)
        })
        .collect()
}

/// Opens one backup by id. A missing or broken manifest is not the end: the copies' names say
/// what they are (role and checksum), and the backup is opened from them.
pub fn open(config_dir: &Path, id: &str) -> Result<Backup> {
    if !plain_name(id) || id.starts_with('.') {
        bail!("'{id}' is not a backup id; `mcp-auth-doctor backups` lists them");
    }
    let shown = root(config_dir).join(id);
    let no_backup = || {
        format!(
            "no backup '{id}' (looked in {}); `mcp-auth-doctor backups` lists them",
            shown.display()
        )
    };
    let root_dir = open_root(config_dir, false, &Trust::default()).with_context(no_backup)?;
    let (handle, _) = root_dir.child_dir(id, false, 0).with_context(no_backup)?;
    let parsed = handle
        .read(OsStr::new("manifest.json"), MANIFEST_CAP)
        .map_err(anyhow::Error::from)
        .and_then(|b| serde_json::from_slice::<Manifest>(&b).map_err(anyhow::Error::from));
    let (manifest, recovered) = match parsed {
        Ok(m) => (m, false),
        Err(why) => (
            recovered_manifest(&handle, id)
                .with_context(|| format!("the manifest of backup '{id}' is not valid ({why})"))?,
            true,
        ),
    };
    Ok(Backup {
        owner: None,
        dir: handle.path().to_path_buf(),
        handle,
        manifest,
        recovered,
    })
}

/// A manifest rebuilt from the copies' names (`<role>.<sha256>.json`).
fn recovered_manifest(handle: &DirHandle, id: &str) -> Result<Manifest> {
    let mut files = Vec::new();
    for name in handle.names()? {
        let Some(name) = name.to_str() else { continue };
        let Some((role, sha)) = parse_copy_name(name) else {
            continue;
        };
        let Ok(file) = handle.open_regular(OsStr::new(name), safe::GLOBAL_CONFIG_CAP) else {
            continue;
        };
        let meta = file.metadata()?;
        #[cfg(unix)]
        let mode = {
            use std::os::unix::fs::PermissionsExt;
            Some(format!("{:04o}", meta.permissions().mode() & 0o7777))
        };
        #[cfg(not(unix))]
        let mode = None;
        files.push(BackedUpFile {
            role: Some(role),
            path: String::new(),
            target: String::new(),
            symlinks: Vec::new(),
            mode,
            copy: name.to_string(),
            size: meta.len(),
            sha256_before: sha,
            sha256_after: None,
        });
    }
    if files.is_empty() {
        bail!("and no copy in it carries its role and checksum in its name");
    }
    Ok(Manifest {
        schema: 1,
        id: id.into(),
        created: "unknown (the manifest is missing)".into(),
        tool_version: String::new(),
        command: "unknown".into(),
        files,
        actions: Vec::new(),
    })
}

/// Deletes the oldest backups beyond [`KEEP`], through the verified folder handle only: a
/// symlink planted in the backup folder is removed as a link, never followed.
pub fn prune(config_dir: &Path) {
    let Ok(root) = open_root(config_dir, false, &Trust::default()) else {
        return;
    };
    let all = root.subdirs().unwrap_or_default();
    if all.len() > KEEP {
        for name in &all[..all.len() - KEEP] {
            let _ = root.remove_tree(name);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copy_names_carry_role_and_checksum() {
        let sha = sha256_hex(b"{}");
        let name = copy_name(Some(Role::NeedsAuthCache), &sha);
        assert_eq!(parse_copy_name(&name), Some((Role::NeedsAuthCache, sha)));
        assert_eq!(parse_copy_name("credentials.abc.json"), None);
        assert_eq!(parse_copy_name(".credentials.json"), None);
    }

    #[test]
    fn a_manifest_names_only_plain_files() {
        assert!(plain_name("credentials.x.json"));
        for bad in ["", ".", "..", "../x", "/etc/shadow", "a/b", "a\\b"] {
            assert!(!plain_name(bad), "{bad}");
        }
    }
}
