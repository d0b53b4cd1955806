//! Repairs: turn a [`plan::Plan`] into changes on disk that never lose data, never race Claude
//! Code, and can always be undone (docs/safety.md). For each file, in order:
//!
//! 1. resolve symlinks: the target is written and the link stays a link;
//! 2. our own lock, then Claude Code's lock directory for that file;
//! 3. re-read under the lock; if the bytes changed since the plan, start over;
//! 4. back up the original bytes (and mode);
//! 5. write atomically (same-directory temp file, same mode, fsync, rename, fsync the directory);
//! 6. re-read and check that exactly the planned members changed, else put the backup back.

pub mod atomic;
pub mod backup;
pub mod edit;
pub mod lock;
pub mod plan;
pub mod prompt;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, Result, anyhow, bail};
use serde::Serialize;
use serde_json::Value;

use crate::checks::ActionKind;
use crate::model::inventory::{Inventory, Role};
use crate::store::file;
use backup::{Backup, sha256_hex};
use plan::Step;

/// Stops the process after a named step of the write protocol when the test hook asks for it.
/// Debug builds only: release builds never look at the variable.
pub fn checkpoint(step: &str) {
    #[cfg(debug_assertions)]
    if std::env::var("MCP_AUTH_DOCTOR_TEST_ABORT_AFTER").is_ok_and(|s| s == step) {
        eprintln!("mcp-auth-doctor: test hook: aborting after {step}");
        std::process::abort();
    }
    #[cfg(not(debug_assertions))]
    let _ = step;
}

/// How the write protocol behaves.
pub struct WriteOptions<'a> {
    /// How long to wait for a lock Claude Code holds.
    pub lock_wait: Duration,
    /// Asked whether a stale lock directory may be taken over.
    pub break_stale: &'a mut dyn FnMut(&Path, Duration) -> bool,
    /// The command, for the backup manifest.
    pub command: &'a str,
}

/// What was done.
#[derive(Debug, Default, Serialize)]
pub struct Applied {
    pub applied: Vec<Step>,
    pub skipped: Vec<Skipped>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub backup: Option<BackupRef>,
}

#[derive(Debug, Serialize)]
pub struct Skipped {
    #[serde(flatten)]
    pub step: Step,
    pub reason: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct BackupRef {
    pub id: String,
    pub path: String,
}

/// The file changed between planning and writing: plan again.
#[derive(Debug)]
pub struct ChangedUnderneath(pub PathBuf);

impl std::fmt::Display for ChangedUnderneath {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} changed while the plan was made", self.0.display())
    }
}

impl std::error::Error for ChangedUnderneath {}

fn plan_time_sha(inv: &Inventory, role: Role) -> Option<&str> {
    match role {
        Role::Credentials => inv.credentials.sha256.as_deref(),
        Role::NeedsAuthCache => inv.cache.sha256.as_deref(),
        _ => None,
    }
}

/// One file change under the write protocol.
pub struct FileEdit<'a> {
    /// The path Claude Code uses (may be a symlink; the target is written).
    pub path: &'a Path,
    /// Decides Claude Code's lock directory for the file.
    pub role: Option<Role>,
    /// SHA-256 of the bytes the plan was made on; a mismatch means [`ChangedUnderneath`].
    pub expect_sha: Option<&'a str>,
    /// When the file does not exist: create it with this mode (restore), or fail.
    pub create_mode: Option<u32>,
    /// For the backup manifest.
    pub actions: Vec<backup::ManifestAction>,
}

/// What the edit function returns: the new bytes, and the JSON they must parse to (checked after
/// the write), or `None` when there is nothing to change.
pub type NewContent = Option<(Vec<u8>, Option<Value>)>;

/// The result of one [`write_file`].
#[derive(Debug, PartialEq, Eq)]
pub enum Written {
    Yes,
    NothingToDo,
    /// The target is read-only: reported, never worked around.
    ReadOnly(PathBuf),
}

/// Steps 2 to 7 of the protocol for one file. `edit` gets the bytes read under the lock.
pub fn write_file(
    config_dir: &Path,
    file_edit: FileEdit<'_>,
    edit: &mut dyn FnMut(&[u8]) -> Result<NewContent>,
    backup: &mut Option<Backup>,
    opts: &mut WriteOptions<'_>,
) -> Result<Written> {
    let path = file_edit.path;
    let claude_lock = match file_edit
        .role
        .and_then(|r| lock::claude_lock_dir_for(path, r))
    {
        Some(dir) => Some(
            lock::claude_lock(&dir, opts.lock_wait, opts.break_stale)
                .map_err(anyhow::Error::from)?,
        ),
        None => None,
    };
    checkpoint("claude-lock");
    let facts = file::inspect(path);
    let (target, before) = match &facts.target {
        Some(t) => (
            t.clone(),
            fs::read(t).with_context(|| format!("cannot read {}", t.display()))?,
        ),
        None if file_edit.create_mode.is_some() && facts.error.is_none() => {
            (path.to_path_buf(), Vec::new())
        }
        None => bail!("{} is gone; nothing was changed", path.display()),
    };
    if let Some(expected) = file_edit.expect_sha
        && expected != sha256_hex(&before)
    {
        return Err(anyhow!(ChangedUnderneath(path.to_path_buf())));
    }
    checkpoint("reread");
    if fs::metadata(&target).is_ok_and(|m| m.permissions().readonly()) {
        return Ok(Written::ReadOnly(target));
    }
    let Some((text, expected)) = edit(&before)? else {
        return Ok(Written::NothingToDo);
    };
    if backup.is_none() {
        *backup = Some(Backup::create(config_dir, opts.command)?);
    }
    let b = backup.as_mut().expect("created above");
    let existed = facts.target.is_some();
    if existed {
        b.add_file(path, &target, &facts.symlinks, facts.mode, &before)?;
    }
    b.manifest.actions.extend(file_edit.actions);
    b.save()?;
    checkpoint("backup");
    if let Some(l) = &claude_lock {
        l.touch();
    }
    // Check the planned bytes before they reach the disk, not only after.
    if let Some(want) = &expected
        && !serde_json::from_slice::<Value>(&text).is_ok_and(|v| edit::same_json(&v, want))
    {
        bail!(
            "internal: the planned content of {} is not what was planned; nothing was written \
             (backup in {})",
            target.display(),
            b.dir.display()
        );
    }
    let mode = facts.mode.or(file_edit.create_mode);
    atomic::replace(&target, &text, mode, facts.owner)
        .with_context(|| format!("cannot write {}", target.display()))?;
    // Verify: the bytes are what was planned and parse to exactly the expected JSON.
    let written = fs::read(&target).unwrap_or_default();
    let ok = written == text
        && expected.as_ref().is_none_or(|want| {
            serde_json::from_slice::<Value>(&written).is_ok_and(|v| edit::same_json(&v, want))
        });
    if !ok && written != text {
        // Someone wrote the file right after us (the cache has no lock; Claude Code 2.1.100
        // writes the credentials without one): their content wins, ours is in the backup.
        bail!(
            "{} was changed by another writer right after this write; it was left as that writer \
             made it (the original is in {})",
            target.display(),
            b.dir.display()
        );
    }
    if !ok {
        if existed {
            atomic::replace(&target, &before, facts.mode, facts.owner).with_context(|| {
                format!(
                    "verification failed and the original could not be put back; it is in {}",
                    b.dir.display()
                )
            })?;
        }
        bail!(
            "{} did not read back as planned; the original was put back (backup in {})",
            target.display(),
            b.dir.display()
        );
    }
    checkpoint("verified");
    if existed {
        b.record_after(&target, &written)?;
    }
    drop(claude_lock);
    Ok(Written::Yes)
}

/// Carries out `steps` (already confirmed). Returns [`ChangedUnderneath`] (as the error) when a
/// file changed since `inv` was loaded; the caller re-plans.
pub fn apply(inv: &Inventory, steps: Vec<Step>, opts: &mut WriteOptions<'_>) -> Result<Applied> {
    let mut done = Applied::default();
    if steps.is_empty() {
        return Ok(done);
    }
    let config_dir = &inv.locations.config_dir.path;
    let _own = lock::own_lock(config_dir, opts.lock_wait)?;
    checkpoint("own-lock");

    // One backup for the whole run, created on first use.
    let mut backup: Option<Backup> = None;
    let mut by_file: BTreeMap<String, Vec<Step>> = BTreeMap::new();
    let mut chmods: BTreeMap<String, Vec<Step>> = BTreeMap::new();
    for s in steps {
        let group = if matches!(s.action.kind, ActionKind::Chmod { .. }) {
            &mut chmods
        } else {
            &mut by_file
        };
        group.entry(s.action.file.clone()).or_default().push(s);
    }
    for (file_name, steps) in by_file {
        let path = PathBuf::from(&file_name);
        let Some(role) = inv.role_of(&path) else {
            bail!("internal: no write rule for {}", path.display());
        };
        let mut applied_here = Vec::new();
        let mut skipped_here = Vec::new();
        let actions = steps
            .iter()
            .map(|s| backup::ManifestAction {
                code: s.code.clone(),
                summary: s.action.summary.clone(),
                file: s.action.file.clone(),
                pointer: s.action.pointer.clone(),
            })
            .collect();
        let mut pending = Some(steps);
        let mut edit_fn = |before: &[u8]| -> Result<NewContent> {
            let expected: Value = serde_json::from_slice(before).with_context(|| {
                format!("{} is not valid JSON; it is never written", path.display())
            })?;
            // Every removal in one scan and one copy (edit::remove_members).
            let mut removals = Vec::new();
            let mut candidates = Vec::new();
            for step in pending.take().unwrap_or_default() {
                if let ActionKind::RemoveEntry { key } = &step.action.kind
                    && lock::refresh_lock_held(config_dir, key)
                {
                    skipped_here.push(Skipped {
                        step,
                        reason: "Claude Code is refreshing this token right now (its refresh lock \
                                 is held); run fix again in a minute"
                            .into(),
                    });
                    continue;
                }
                let Some(removal) = step
                    .action
                    .pointer
                    .as_deref()
                    .and_then(edit::Removal::from_pointer)
                else {
                    bail!("internal: no pointer for {}", step.action.summary);
                };
                removals.push(removal);
                candidates.push(step);
            }
            let removed = edit::remove_members(before, &removals)?;
            for (step, found) in candidates.into_iter().zip(&removed.found) {
                if *found {
                    applied_here.push(step);
                } else {
                    skipped_here.push(Skipped {
                        step,
                        reason: "already gone".into(),
                    });
                }
            }
            let gone = removals.iter().zip(&removed.found).filter(|(_, f)| **f);
            let expected = edit::expected_after(expected, gone.map(|(r, _)| r));
            Ok((!applied_here.is_empty()).then_some((removed.text, Some(expected))))
        };
        let file_edit = FileEdit {
            path: &path,
            role: Some(role),
            expect_sha: plan_time_sha(inv, role),
            create_mode: None,
            actions,
        };
        let written = match write_file(config_dir, file_edit, &mut edit_fn, &mut backup, opts) {
            Ok(w) => w,
            // Earlier files are already changed: keep going and say so, rather than dropping
            // the record of what was done.
            Err(e) if e.is::<ChangedUnderneath>() && !done.applied.is_empty() => {
                for step in pending.take().unwrap_or_default() {
                    done.skipped.push(Skipped {
                        step,
                        reason: "the file changed while the plan was made; run fix again".into(),
                    });
                }
                continue;
            }
            Err(e) if !done.applied.is_empty() => {
                let b = backup.as_ref().map_or(String::new(), |b| {
                    format!(
                        " (backup {}; undo: mcp-auth-doctor restore {})",
                        b.dir.display(),
                        b.manifest.id
                    )
                });
                return Err(e.context(format!(
                    "{} change(s) were already applied before this{b}",
                    done.applied.len()
                )));
            }
            Err(e) => return Err(e),
        };
        if let Written::ReadOnly(target) = written {
            let steps = pending.take().unwrap_or_default();
            for step in steps.into_iter().chain(applied_here.drain(..)) {
                done.skipped.push(Skipped {
                    step,
                    reason: format!(
                        "{} is read-only (a Nix store or a locked dotfile?); change it at its source",
                        target.display()
                    ),
                });
            }
        }
        done.applied.extend(applied_here);
        done.skipped.extend(skipped_here);
    }
    // Modes last, so a content write (which keeps the old mode) cannot undo them.
    for (file_name, steps) in chmods {
        apply_chmod(
            Path::new(&file_name),
            steps,
            &mut backup,
            inv,
            opts,
            &mut done,
        )?;
    }
    if let Some(b) = backup {
        done.backup = Some(BackupRef {
            id: b.manifest.id.clone(),
            path: b.dir.display().to_string(),
        });
        backup::prune(config_dir);
    }
    Ok(done)
}

fn apply_chmod(
    path: &Path,
    steps: Vec<Step>,
    backup: &mut Option<Backup>,
    inv: &Inventory,
    opts: &WriteOptions<'_>,
    done: &mut Applied,
) -> Result<()> {
    let facts = file::inspect(path);
    let Some(target) = facts.target.clone() else {
        bail!("{} is gone; nothing was changed", path.display());
    };
    let bytes = fs::read(&target).with_context(|| format!("cannot read {}", target.display()))?;
    if backup.is_none() {
        *backup = Some(Backup::create(
            &inv.locations.config_dir.path,
            opts.command,
        )?);
    }
    let b = backup.as_mut().expect("created above");
    if !b
        .manifest
        .files
        .iter()
        .any(|f| f.target == target.display().to_string())
    {
        b.add_file(path, &target, &facts.symlinks, facts.mode, &bytes)?;
    }
    for step in steps {
        if let ActionKind::Chmod { mode } = &step.action.kind {
            let mode = u32::from_str_radix(mode, 8).unwrap_or(0o600);
            set_mode(&target, mode)?;
            b.manifest.actions.push(backup::ManifestAction {
                code: step.code.clone(),
                summary: step.action.summary.clone(),
                file: step.action.file.clone(),
                pointer: None,
            });
            done.applied.push(step);
        }
    }
    b.record_after(&target, &bytes)?;
    Ok(())
}

fn set_mode(target: &Path, mode: u32) -> Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(target, fs::Permissions::from_mode(mode))
            .with_context(|| format!("cannot chmod {}", target.display()))?;
    }
    #[cfg(not(unix))]
    let _ = (target, mode);
    Ok(())
}
