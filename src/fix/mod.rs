//! Repairs: turn a [`plan::Plan`] into changes on disk that never lose data, never race Claude
//! Code, and can always be undone (docs/safety.md). For each file, in order:
//!
//! 1. resolve symlinks: the target is written and the link stays a link;
//! 2. our own lock, then Claude Code's lock directory for that file;
//! 3. re-read under the lock; if the bytes changed since the plan, start over;
//! 4. back up the original bytes (and mode);
//! 5. write atomically (same-directory temp file, same mode, fsync, rename, fsync the directory);
//! 6. re-read and check that exactly the planned members changed, else put the backup back.

/// The actions checks propose live with the checks (they are what a finding says `fix` would
/// do); the plan and the write protocol use them from here.
pub use crate::checks::action;
pub mod atomic;
pub mod backup;
mod chmod;
pub mod edit;
pub mod expected;
pub mod heap;
pub mod keychain;
pub mod lock;
pub mod mcp_remote;
pub mod plan;
pub mod prompt;
pub mod rewrite;
pub mod shown;
pub mod spliced;

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, Result, bail};
use serde::Serialize;

use crate::checks::ActionKind;
use crate::model::inventory::{Inventory, Role};
use crate::store::file;
use crate::store::safe::{self, Trust};
use backup::{Backup, sha256_hex};
pub use chmod::set_mode;
pub use expected::{Base, Expected};
use plan::Step;
pub use spliced::NewText;

/// Test hooks after a named step of the write protocol, debug builds only (release builds never
/// look at the variables): `MCP_AUTH_DOCTOR_TEST_ABORT_AFTER=step` stops the process there (a
/// crash), and `MCP_AUTH_DOCTOR_TEST_PAUSE_AFTER=step` with `MCP_AUTH_DOCTOR_TEST_PAUSE_DIR=dir`
/// creates `dir/paused` and waits (up to 20 s) for `dir/resume`, so a test can act in that window.
pub fn checkpoint(step: &str) {
    #[cfg(debug_assertions)]
    {
        if std::env::var("MCP_AUTH_DOCTOR_TEST_ABORT_AFTER").is_ok_and(|s| s == step) {
            eprintln!("mcp-auth-doctor: test hook: aborting after {step}");
            std::process::abort();
        }
        if std::env::var("MCP_AUTH_DOCTOR_TEST_PAUSE_AFTER").is_ok_and(|s| s == step)
            && let Some(dir) = std::env::var_os("MCP_AUTH_DOCTOR_TEST_PAUSE_DIR")
        {
            let dir = PathBuf::from(dir);
            // Pause once per run: a re-plan passes the same step again.
            if !dir.join("resumed").exists() && fs::write(dir.join("paused"), step).is_ok() {
                let start = std::time::Instant::now();
                while !dir.join("resume").exists() && start.elapsed() < Duration::from_secs(20) {
                    std::thread::sleep(Duration::from_millis(10));
                }
                let _ = fs::remove_file(dir.join("resume"));
                let _ = fs::write(dir.join("resumed"), step);
            }
        }
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
pub struct Applied<'p> {
    pub applied: Vec<&'p Step>,
    pub skipped: Vec<Skipped<'p>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub backup: Option<BackupRef>,
}

#[derive(Debug, Serialize)]
pub struct Skipped<'p> {
    #[serde(flatten)]
    pub step: &'p Step,
    pub reason: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct BackupRef {
    pub id: String,
    pub path: String,
}

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
    /// SHA-256 of the bytes the plan was made on; a mismatch means
    /// [`Written::ChangedUnderneath`].
    pub expect_sha: Option<&'a str>,
    /// When the file does not exist: create it with this mode (restore), or fail.
    pub create_mode: Option<u32>,
}

/// What the edit function returns: the new text (of the bytes it was given), and what it must be
/// ([`Expected`]: checked before the write), or `None` when there is nothing to change.
pub type NewContent = Option<(NewText, Option<Expected>)>;

/// Turns the bytes read under the lock into [`NewContent`], adding to the list the manifest
/// actions it really carries out (a step skipped there is not recorded as done): steps of the
/// plan `'p`, for a function that borrows `'a`.
pub type EditFn<'a, 'p> = dyn FnMut(&[u8], &mut backup::Actions<'p>) -> Result<NewContent> + 'a;

/// The result of one [`write_file`].
#[derive(Debug, PartialEq, Eq)]
pub enum Written {
    Yes,
    NothingToDo,
    /// The target is read-only: reported, never worked around.
    ReadOnly(PathBuf),
    /// The file (the path Claude Code uses) changed since the plan was made: nothing was
    /// written; plan again.
    ChangedUnderneath(PathBuf),
}

/// What [`apply`] came to.
#[derive(Debug)]
pub enum Attempt<'p> {
    /// Carried out (some steps may be skipped, with their reasons).
    Done(Applied<'p>),
    /// The first file to change had changed since the plan was made, and nothing was written:
    /// plan again.
    Replan(PathBuf),
}

/// Resolves `path`'s symlinks once and checks what they lead to: a regular file this run may
/// touch (`trust`: as root on someone's home, only a file of theirs). Reads it without following
/// a link at the end, without blocking, up to the cap.
fn read_target(
    path: &Path,
    role: Option<Role>,
    trust: &Trust,
) -> Result<(file::FileFacts, Option<Vec<u8>>)> {
    let facts = file::inspect(path);
    if let Some(e) = &facts.error {
        bail!(
            "{} cannot be read: {e}; nothing was changed",
            path.display()
        );
    }
    let Some(target) = &facts.target else {
        return Ok((facts, None));
    };
    trust.check_file(&facts)?;
    let cap = if role == Some(Role::GlobalConfig) {
        safe::GLOBAL_CONFIG_CAP
    } else {
        safe::SMALL_FILE_CAP
    };
    let bytes = safe::read_same(target, cap, facts.id)
        .with_context(|| format!("cannot read {}; nothing was changed", target.display()))?;
    Ok((facts, Some(bytes)))
}

/// Steps 2 to 7 of the protocol for one file. `edit` gets the bytes read under the lock, and
/// adds to the list it is given the manifest actions it really carries out.
pub fn write_file<'p>(
    config_dir: &Path,
    trust: &Trust,
    file_edit: FileEdit<'_>,
    edit: &mut EditFn<'_, 'p>,
    backup: &mut Option<Backup>,
    opts: &mut WriteOptions<'_>,
) -> Result<Written> {
    let path = file_edit.path;
    let claude_lock = match file_edit
        .role
        .and_then(|r| lock::claude_lock_dir_for(path, r))
    {
        Some(dir) => Some(
            lock::claude_lock(config_dir, &dir, opts.lock_wait, opts.break_stale)
                .map_err(anyhow::Error::from)?,
        ),
        None => None,
    };
    checkpoint("claude-lock");
    let (facts, read) = read_target(path, file_edit.role, trust)?;
    let (target, before) = match (&facts.target, read) {
        (Some(t), Some(bytes)) => (t.clone(), bytes),
        _ if file_edit.create_mode.is_some() => (path.to_path_buf(), Vec::new()),
        _ => bail!("{} is gone; nothing was changed", path.display()),
    };
    if let Some(expected) = file_edit.expect_sha
        && expected != sha256_hex(&before)
    {
        return Ok(Written::ChangedUnderneath(path.to_path_buf()));
    }
    checkpoint("reread");
    if fs::metadata(&target).is_ok_and(|m| m.permissions().readonly()) {
        return Ok(Written::ReadOnly(target));
    }
    let mut actions = backup::Actions::default();
    let Some((new_text, expected)) = edit(&before, &mut actions)? else {
        return Ok(Written::NothingToDo);
    };
    // The new text where it lies: for removals, the pieces of `before` they keep, hashed,
    // checked, written and compared piece by piece (no copy of the file, issue 15).
    let text = new_text.over(&before);
    let b = Backup::lazily(backup, config_dir, opts.command, trust)?;
    let existed = facts.target.is_some();
    if existed {
        b.add_file(
            file_edit.role,
            path,
            &target,
            &facts.symlinks,
            facts.mode,
            &before,
        )?;
    }
    // The manifest gets the new checksum before the file does, in the one save of this step:
    // nothing writes the manifest after the rename, so a crash there cannot leave it
    // half-written.
    if existed {
        b.set_after_sha(&target, Some(text.sha256_hex()));
    }
    // Check the planned bytes before they reach the disk, not only after: without a tree of
    // the file while the lock is held (a removal is checked by spans, a move streamed against
    // the expected value).
    let planned_ok = expected
        .as_ref()
        .is_none_or(|want| want.holds(&before, &text));
    if !planned_ok && existed {
        b.set_after(&target, None);
    }
    // Made after the check, which scans the file twice (its peak): see `backup::Actions`.
    actions.append_to(&mut b.manifest.actions);
    b.save()?;
    checkpoint("backup");
    if let Some(l) = &claude_lock {
        l.touch();
    }
    if !planned_ok {
        bail!(crate::exit::Error::Internal(format!(
            "the planned content of {} is not what was planned; nothing was written (backup in \
             {})",
            target.display(),
            b.dir.display()
        )));
    }
    let mode = facts.mode.or(file_edit.create_mode);
    let replaced = atomic::replace(
        &target,
        &text,
        mode,
        facts.owner.or(trust.owner_for_new_files()),
        existed.then_some(atomic::Expect {
            bytes: &before,
            id: facts.id,
        }),
        trust,
    )
    .with_context(|| format!("cannot write {}", target.display()));
    match replaced {
        Ok(atomic::Replaced::Yes) => {}
        Ok(atomic::Replaced::ChangedUnderneath) => {
            if existed {
                b.set_after(&target, None);
                b.save()?;
            }
            return Ok(Written::ChangedUnderneath(path.to_path_buf()));
        }
        Err(e) => {
            if existed {
                b.set_after(&target, None);
                let _ = b.save();
            }
            return Err(e);
        }
    }
    // Verify: the bytes are what was planned. They were checked to parse to exactly the
    // expected JSON before the write (`planned_ok`), so the same bytes need no second parse.
    drop(expected);
    // Compared a piece at a time (no second copy of the file; unreadable reads as empty).
    let ok = safe::open_regular(&target, safe::GLOBAL_CONFIG_CAP)
        .and_then(|file| atomic::reads_as(file, &text))
        .unwrap_or(text.is_empty());
    if !ok {
        // Someone wrote the file right after us (the cache has no lock; Claude Code 2.1.100
        // writes the credentials without one): their content wins, ours is in the backup.
        bail!(
            "{} was changed by another writer right after this write; it was left as that writer \
             made it (the original is in {})",
            target.display(),
            b.dir.display()
        );
    }
    checkpoint("verified");
    drop(claude_lock);
    Ok(Written::Yes)
}

/// The path fix writes for a content edit of a file of `role`: the path Claude Code uses, as
/// the inventory has it; `None` for a role fix never writes.
fn writable_path(inv: &Inventory, role: Role) -> Option<&Path> {
    match role {
        Role::Credentials => Some(&inv.credentials.path),
        Role::NeedsAuthCache => Some(&inv.cache.path),
        Role::GlobalConfig => Some(&inv.global.path),
        _ => None,
    }
}

/// The files to change, by the display text of the path written (the order the plan shows and
/// `Applied` reports; the text is only an ordering key, never turned back into a path).
type ByFile<'i, 'p> = BTreeMap<String, (&'i Path, Role, Vec<&'p Step>)>;

/// Puts `step` in the group of the file its role names. The path written is the inventory's for
/// that role, never the action's (which is for display: a chmod shows the symlink target), so
/// every write goes through the symlinks and trust checks of the path Claude Code uses.
fn group_step<'i, 'p>(
    groups: &mut ByFile<'i, 'p>,
    inv: &'i Inventory,
    step: &'p Step,
) -> Result<()> {
    let role = step.action.role;
    let Some(path) = writable_path(inv, role) else {
        bail!(crate::exit::Error::Internal(format!(
            "no write rule for {}",
            step.action.file_shown()
        )));
    };
    groups
        .entry(path.display().to_string())
        .or_insert_with(|| (path, role, Vec::new()))
        .2
        .push(step);
    Ok(())
}

/// Carries out `steps` (already confirmed). [`Attempt::Replan`] when the first file changed
/// since `inv` was loaded; a later file that did is skipped, since earlier ones are changed.
pub fn apply<'p>(
    inv: &Inventory,
    steps: Vec<&'p Step>,
    opts: &mut WriteOptions<'_>,
) -> Result<Attempt<'p>> {
    let mut done = Applied::default();
    if steps.is_empty() {
        return Ok(Attempt::Done(done));
    }
    let config_dir = &inv.locations.config_dir.path;
    let _own = lock::own_lock(config_dir, opts.lock_wait, &inv.trust)?;
    checkpoint("own-lock");

    // One backup for the whole run, created on first use.
    let mut backup: Option<Backup> = None;
    // The Keychain item, when it is the live store, first (its own protocol: fix::keychain).
    let (item_steps, steps): (Vec<&Step>, Vec<&Step>) = steps
        .into_iter()
        .partition(|s| s.action.role == Role::KeychainItem);
    if !item_steps.is_empty()
        && let Some(shown) = keychain::apply(inv, item_steps, &mut backup, opts, &mut done)?
    {
        return Ok(Attempt::Replan(shown));
    }
    // mcp-remote's files: removals under their own rules (fix::mcp_remote).
    let (remote_steps, steps): (Vec<&Step>, Vec<&Step>) = steps
        .into_iter()
        .partition(|s| s.action.role == Role::McpRemoteFile);
    let mut by_file = ByFile::new();
    let mut chmods = ByFile::new();
    for s in steps {
        let group = if matches!(s.action.kind, ActionKind::Chmod { .. }) {
            &mut chmods
        } else {
            &mut by_file
        };
        group_step(group, inv, s)?;
    }
    for (path, role, steps) in by_file.into_values() {
        let mut applied_here = Vec::new();
        let mut skipped_here = Vec::new();
        let mut pending = Some(steps);
        let mut edit_fn = |before: &[u8],
                           actions: &mut backup::Actions<'p>|
         -> Result<NewContent> {
            let (text, whole, steps) =
                rewrite::whole_file(before, pending.take().unwrap_or_default());
            applied_here.extend(whole);
            let not_json = || format!("{} is not valid JSON; it is never written", path.display());
            // The same parse as the plan-time load (`accept::parses`: what `JSON.parse` takes,
            // `Value`'s limits included), with no tree; a move's tree is made later by
            // `member_steps` from the text after the removals.
            crate::store::accept::parses(&text).with_context(not_json)?;
            let needs_tree = rewrite::needs_tree(&steps);
            let base = match &text {
                Cow::Borrowed(b) => Base::Suffix(before.len() - b.len()),
                Cow::Owned(t) => Base::Text(t.clone()),
            };
            edit_members(
                config_dir,
                &text,
                base,
                needs_tree,
                steps,
                &mut applied_here,
                &mut skipped_here,
                actions,
            )
        };
        let file_edit = FileEdit {
            path,
            role: Some(role),
            expect_sha: plan_time_sha(inv, role),
            create_mode: None,
        };
        let written = match write_file(
            config_dir,
            &inv.trust,
            file_edit,
            &mut edit_fn,
            &mut backup,
            opts,
        ) {
            Ok(Written::ChangedUnderneath(path)) if done.applied.is_empty() => {
                return Ok(Attempt::Replan(path));
            }
            // Earlier files are already changed: keep going and say so, rather than dropping
            // the record of what was done.
            Ok(Written::ChangedUnderneath(_)) => {
                for step in pending.take().unwrap_or_default() {
                    done.skipped.push(Skipped {
                        step,
                        reason: "the file changed while the plan was made; run fix again".into(),
                    });
                }
                continue;
            }
            Ok(w) => w,
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
    for (path, role, steps) in chmods.into_values() {
        chmod::apply_chmod(path, role, steps, &mut backup, inv, opts, &mut done)?;
    }
    mcp_remote::remove_files(inv, remote_steps, &mut backup, opts, &mut done)?;
    if let Some(b) = backup {
        done.backup = Some(BackupRef {
            id: b.manifest.id.clone(),
            path: b.dir.display().to_string(),
        });
        backup::prune(config_dir);
    }
    Ok(Attempt::Done(done))
}

/// The member edits of one write, made under the locks (for a file and for the Keychain item
/// alike): a step whose entry Claude Code is refreshing right now is skipped, the rest go through
/// [`rewrite::member_steps`] in one pass, and the manifest lists what was carried out (with any
/// whole-file repairs already in `applied_here`).
#[allow(clippy::too_many_arguments)]
fn edit_members<'p>(
    config_dir: &Path,
    text: &[u8],
    base: Base,
    tree: bool,
    steps: Vec<&'p Step>,
    applied_here: &mut Vec<&'p Step>,
    skipped_here: &mut Vec<Skipped<'p>>,
    actions: &mut backup::Actions<'p>,
) -> Result<NewContent> {
    let mut runnable = Vec::new();
    for step in steps {
        if rewrite::entry_keys(&step.action.kind)
            .iter()
            .any(|key| lock::refresh_lock_held(config_dir, key))
        {
            skipped_here.push(Skipped {
                step,
                reason: "Claude Code is refreshing this token right now (its refresh lock is \
                         held); run fix again in a minute"
                    .into(),
            });
            continue;
        }
        runnable.push(step);
    }
    let edited = rewrite::member_steps(text, tree, runnable)?;
    applied_here.extend(edited.applied);
    actions.of_steps(applied_here);
    skipped_here.extend(edited.gone.into_iter().map(|step| Skipped {
        step,
        reason: "already gone".into(),
    }));
    // The new text as pieces of the bytes read under the lock, which `text` is from `base` on.
    let new_text = match (edited.text, &base) {
        (NewText::Kept(kept), Base::Suffix(at)) => NewText::Kept(
            kept.into_iter()
                .map(|(from, to)| (from + at, to + at))
                .collect(),
        ),
        (NewText::Kept(kept), Base::Text(_)) => NewText::Kept(kept).into_bytes(text).into(),
        (bytes @ NewText::Bytes(_), _) => bytes,
    };
    let expected = match edited.expected {
        Some(tree) => Expected::Tree(tree),
        None => Expected::Removed {
            base,
            removals: edited.removed,
        },
    };
    Ok((!applied_here.is_empty()).then_some((new_text, Some(expected))))
}
