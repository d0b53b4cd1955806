//! `backups` (list) and `restore` (whole files, or one section merged back by key).

use std::fmt::Write;
use std::path::{Path, PathBuf};

use anyhow::{Result, bail};
use serde::Serialize;

mod merge;

use merge::{merge_section, moves_in};

use super::Context;
use crate::fix::backup::{self, Backup, sha256_hex};
use crate::fix::prompt::{self, Decision};
use crate::fix::{self as repair, FileEdit, WriteOptions, Written, lock};
use crate::model::inventory::{Inventory, Role};
use crate::render::style::sanitize;
use crate::store::safe;
use crate::store::safe::Trust;
use crate::{Outcome, exit, render};

pub fn list(ctx: &Context<'_>) -> Result<Outcome> {
    let locations = ctx.locations()?;
    let all = backup::list(&locations.config_dir.path);
    if ctx.json() {
        let backups: Vec<ListedBackup> = all
            .iter()
            .map(|(dir, m)| match m {
                Ok(m) => ListedBackup::Readable {
                    id: &m.id,
                    path: dir.display().to_string(),
                    created: &m.created,
                    command: &m.command,
                    files: m.files.iter().map(|f| f.path.as_str()).collect(),
                    actions: m.actions.iter().map(|a| a.summary.as_str()).collect(),
                },
                Err(e) => ListedBackup::Unreadable {
                    path: dir.display().to_string(),
                    error: format!("{e:#}"),
                },
            })
            .collect();
        return Ok(Outcome {
            stdout: render::json::to_string(&BackupList {
                schema: render::json::SCHEMA,
                backups,
            }),
            ..Outcome::default()
        });
    }
    let mut out = String::new();
    if all.is_empty() {
        let _ = writeln!(
            out,
            "No backups yet in {} (fix, forget, login and restore make one before every change).",
            locations.display(&backup::root(&locations.config_dir.path))
        );
    }
    for (dir, m) in &all {
        match m {
            Ok(m) => {
                let files: Vec<String> = m
                    .files
                    .iter()
                    .map(|f| locations.display(Path::new(&f.path)))
                    .collect();
                let _ = writeln!(
                    out,
                    "{}  {}  {}: {}",
                    m.id,
                    m.command,
                    crate::render::style::plural(m.actions.len(), "change"),
                    sanitize(&files.join(", "))
                );
                for a in &m.actions {
                    let _ = writeln!(out, "    {} ({})", sanitize(&a.summary), a.code);
                }
            }
            Err(e) => {
                let _ = writeln!(out, "{}  (unreadable: {e:#})", dir.display());
            }
        }
    }
    Ok(Outcome {
        stdout: out,
        ..Outcome::default()
    })
}

/// The `backups --format json` document (docs/json.md).
#[derive(Serialize)]
struct BackupList<'a> {
    schema: u32,
    backups: Vec<ListedBackup<'a>>,
}

#[derive(Serialize)]
#[serde(untagged)]
enum ListedBackup<'a> {
    Readable {
        id: &'a str,
        path: String,
        created: &'a str,
        command: &'a str,
        files: Vec<&'a str>,
        actions: Vec<&'a str>,
    },
    Unreadable {
        path: String,
        error: String,
    },
}

/// The `restore --format json` document (docs/json.md).
#[derive(Serialize)]
struct RestoreDocument<'a> {
    schema: u32,
    command: &'static str,
    dry_run: bool,
    backup: RestoredFrom<'a>,
    files: Vec<RestoredFile<'a>>,
    restored: usize,
    undo: Option<&'a str>,
}

#[derive(Serialize)]
struct RestoredFrom<'a> {
    id: &'a str,
    command: &'a str,
    created: &'a str,
    recovered: bool,
}

#[derive(Serialize)]
struct RestoredFile<'a> {
    path: String,
    summary: &'a str,
    result: &'a str,
}

/// One file to put back, or one section to merge.
struct RestoreItem {
    /// Where the role's file is now (never a path the manifest named).
    path: PathBuf,
    role: Role,
    /// The copy's bytes, read from inside the backup folder and checked against their checksum.
    bytes: Vec<u8>,
    mode: Option<u32>,
    /// The file changed after the backup was made.
    changed_since: bool,
    /// SHA-256 of the file as it was when the restore was planned (of nothing, if it is gone),
    /// checked again under the lock.
    planned_sha: String,
    summary: String,
}

pub fn restore(ctx: &Context<'_>, id: Option<&str>, section: Option<&str>) -> Result<Outcome> {
    let w = &ctx.config.write;
    let inv = ctx.load()?;
    let config_dir = inv.locations.config_dir.path.clone();
    let latest;
    let id = match id {
        Some(id) => id,
        None => {
            // `--latest`: the newest backup with a readable manifest.
            latest = backup::list(&config_dir)
                .into_iter()
                .rev()
                .find_map(|(_, m)| m.ok().map(|m| m.id))
                .ok_or_else(|| {
                    anyhow::anyhow!(
                        "there is no backup to restore in {}",
                        inv.locations.display(&backup::root(&config_dir))
                    )
                })?;
            latest.as_str()
        }
    };
    let b = backup::open(&config_dir, id)?;
    let items = restore_items(&inv, &b, section)?;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Backup {} ({}, {}):",
        b.manifest.id, b.manifest.command, b.manifest.created
    );
    if b.recovered {
        let _ = writeln!(
            out,
            "    (its manifest is missing or broken: the copies were found by their names, which \
             carry each one's role and checksum)"
        );
    }
    for item in &items {
        let _ = writeln!(out, "    - {}", sanitize(&item.summary));
    }
    let newer: Vec<&RestoreItem> = items.iter().filter(|i| i.changed_since).collect();
    if section.is_none() && !newer.is_empty() && !w.overwrite_newer {
        let names: Vec<String> = newer
            .iter()
            .map(|i| inv.locations.display(&i.path))
            .collect();
        bail!(exit::Error::Usage(format!(
            "{} changed after this backup was made; restoring would drop those changes. Pass \
             --overwrite-newer to restore anyway (the current files are backed up first), or \
             --section mcpOAuth to merge only the MCP grants back",
            names.join(", ")
        )));
    }
    match prompt::decide(w, (), || prompt::confirm("Restore these?").then_some(())) {
        Decision::DryRun => {
            out.push_str("Dry run: nothing was changed.\n");
            let planned: Vec<(&RestoreItem, &str)> = items.iter().map(|i| (i, "planned")).collect();
            return Ok(Outcome {
                stdout: restore_output(ctx, out, &b, &planned, true, None),
                ..Outcome::default()
            });
        }
        Decision::NoTerminal => {
            return Ok(Outcome {
                stdout: restore_output(ctx, out, &b, &[], false, None),
                stderr: prompt::no_terminal("restore", "what would change"),
                exit: exit::COULD_NOT_RUN,
                ..Outcome::default()
            });
        }
        Decision::Cancelled => {
            out.push_str(prompt::CANCELLED);
            return Ok(Outcome {
                stdout: restore_output(ctx, out, &b, &[], false, None),
                exit: exit::CANCELLED,
                ..Outcome::default()
            });
        }
        Decision::Apply(()) => {}
    }
    let _own = lock::own_lock(&config_dir, w.lock_wait, &inv.trust)?;
    let mut break_stale = prompt::may_break_stale(w);
    let mut opts = WriteOptions {
        lock_wait: w.lock_wait,
        break_stale: &mut break_stale,
        command: "restore",
    };
    let mut new_backup: Option<Backup> = None;
    let mut restored = 0;
    let mut results: Vec<(&RestoreItem, &str)> = Vec::new();
    let moves = moves_in(&b);
    for item in &items {
        let original = &item.bytes;
        let mut edit_fn = |current: &[u8], actions: &mut backup::Actions<'_>| {
            actions.push(backup::ManifestAction {
                code: "restore".into(),
                summary: item.summary.clone(),
                file: item.path.display().to_string().into(),
                pointer: None,
                moved: None,
            });
            match section {
                None => {
                    Ok((current != original.as_slice()).then(|| (original.clone().into(), None)))
                }
                Some(_) => merge_section(current, original, ctx.config.now_ms, &moves),
            }
        };
        let file_edit = FileEdit {
            path: &item.path,
            role: Some(item.role),
            // A whole-file restore must not drop what was written while it waited for the lock;
            // a section merge works on whatever is there.
            expect_sha: section.is_none().then_some(item.planned_sha.as_str()),
            create_mode: Some(item.mode.unwrap_or(0o600)),
        };
        let written = if item.role == Role::KeychainItem {
            repair::keychain::write_item(
                &inv,
                file_edit.expect_sha,
                &mut edit_fn,
                &mut new_backup,
                &mut opts,
            )?
        } else {
            repair::write_file(
                &config_dir,
                &inv.trust,
                file_edit,
                &mut edit_fn,
                &mut new_backup,
                &mut opts,
            )?
        };
        match written {
            Written::Yes => {
                // The write keeps the mode the file has now, so a fix that also chmodded it
                // (0644 -> 0600 beside an edit) is undone only with the recorded mode put back.
                // The bytes are back by now: a mode that cannot be is said, not fatal.
                if section.is_none()
                    && item.role != Role::KeychainItem
                    && let Err(e) = restore_mode(&item.path, item.mode, &inv.trust)
                {
                    let _ = writeln!(
                        out,
                        "{} is restored, but its mode could not be put back: {e:#}",
                        inv.locations.display(&item.path)
                    );
                }
                restored += 1;
                results.push((item, "restored"));
            }
            Written::NothingToDo => {
                // Same bytes; the mode may still differ (a chmod the backup recorded).
                if section.is_none() && restore_mode(&item.path, item.mode, &inv.trust)? {
                    restored += 1;
                    results.push((item, "restored"));
                } else {
                    results.push((item, "unchanged"));
                    let _ = writeln!(
                        out,
                        "{} already matches the backup.",
                        inv.locations.display(&item.path)
                    );
                }
            }
            Written::ChangedUnderneath(path) => {
                return Err(exit::Error::ChangedUnderneath(path).into());
            }
            Written::ReadOnly(t) => {
                results.push((item, "read-only"));
                let _ = writeln!(out, "{} is read-only; not restored.", t.display());
            }
        }
    }
    let _ = writeln!(
        out,
        "Restored {}.",
        crate::render::style::plural(restored, "file")
    );
    if let Some(nb) = &new_backup {
        let _ = writeln!(
            out,
            "Undo this restore: mcp-auth-doctor restore {}",
            nb.manifest.id
        );
        backup::prune(&config_dir);
    }
    let undo = new_backup.as_ref().map(|nb| nb.manifest.id.as_str());
    Ok(Outcome {
        stdout: restore_output(ctx, out, &b, &results, false, undo),
        exit: if restored > 0 { exit::FIXED } else { exit::OK },
        ..Outcome::default()
    })
}

/// `restore`'s output: the human text, or with `--format json` (docs/json.md) the backup, each
/// file and what happened to it, and the backup that undoes this restore.
fn restore_output(
    ctx: &Context<'_>,
    human: String,
    b: &Backup,
    results: &[(&RestoreItem, &str)],
    dry_run: bool,
    undo: Option<&str>,
) -> String {
    if !ctx.json() {
        return human;
    }
    let files = results
        .iter()
        .map(|(item, result)| RestoredFile {
            path: item.path.display().to_string(),
            summary: &item.summary,
            result,
        })
        .collect();
    render::json::to_string(&RestoreDocument {
        schema: render::json::SCHEMA,
        command: "restore",
        dry_run,
        backup: RestoredFrom {
            id: &b.manifest.id,
            command: &b.manifest.command,
            created: &b.manifest.created,
            recovered: b.recovered,
        },
        files,
        restored: results.iter().filter(|(_, r)| *r == "restored").count(),
        undo,
    })
}

/// Puts the backed-up mode back on the file `path` leads to; true when it changed. Nothing to do
/// when the backup recorded no mode or the file is gone.
fn restore_mode(path: &Path, mode: Option<u32>, trust: &Trust) -> Result<bool> {
    if !cfg!(unix) {
        return Ok(false);
    }
    match mode {
        Some(mode) if crate::store::file::inspect(path).target.is_some() => {
            repair::set_mode(path, mode, trust)
        }
        _ => Ok(false),
    }
}

/// Where the file of `role` is now: a restore writes only there, whatever path the manifest
/// recorded (the manifest lives in a folder the home's owner can edit).
fn current_path(inv: &Inventory, role: Role) -> Option<&Path> {
    match role {
        Role::Credentials => Some(&inv.credentials.path),
        Role::NeedsAuthCache => Some(&inv.cache.path),
        Role::GlobalConfig => Some(&inv.global.path),
        Role::KeychainItem => inv.keychain_item().map(|it| it.shown),
        _ => None,
    }
}

/// The role of a backed-up file: recorded, or (older backups) the role whose current path the
/// recorded path is.
fn role_of_backed_up(inv: &Inventory, f: &backup::BackedUpFile) -> Option<Role> {
    f.role.or_else(|| {
        [Role::Credentials, Role::NeedsAuthCache, Role::GlobalConfig]
            .into_iter()
            .find(|r| current_path(inv, *r).is_some_and(|p| p.display().to_string() == f.path))
    })
}

/// A mode a restore may give a state file: read and write bits only (a manifest asking for
/// setuid or execute bits is not obeyed).
fn sane_mode(mode: &str) -> Option<u32> {
    u32::from_str_radix(mode, 8).ok().map(|m| m & 0o666)
}

fn restore_items(inv: &Inventory, b: &Backup, section: Option<&str>) -> Result<Vec<RestoreItem>> {
    let mut items = Vec::new();
    for f in &b.manifest.files {
        let Some(role) = role_of_backed_up(inv, f) else {
            bail!(
                "backup {} holds a copy of {}, which is not where Claude Code keeps any of its \
                 files now; nothing was restored",
                b.manifest.id,
                sanitize(&f.path)
            );
        };
        let path = match role {
            Role::McpRemoteFile => repair::mcp_remote::restore_path(inv, &f.path),
            _ => current_path(inv, role).map(Path::to_path_buf),
        };
        let Some(path) = path else {
            bail!(
                "backup {} names a file this tool does not restore",
                b.manifest.id
            );
        };
        if section.is_some() && !matches!(role, Role::Credentials | Role::KeychainItem) {
            continue;
        }
        let bytes = b.read_copy(f)?;
        let current = match inv.keychain_item() {
            Some(it) if role == Role::KeychainItem => Some(it.text.to_vec()),
            _ => crate::store::file::inspect(&path)
                .target
                .and_then(|t| safe::read_regular(&t, safe::GLOBAL_CONFIG_CAP).ok()),
        };
        let planned_sha = sha256_hex(current.as_deref().unwrap_or_default());
        let changed_since = match (&current, &f.sha256_after) {
            // Already as in the backup: nothing newer would be lost.
            (Some(now), _) if now == &bytes => false,
            (Some(bytes), Some(after)) => sha256_hex(bytes) != *after,
            (None, _) => false,
            (Some(now), None) => now.as_slice() != bytes.as_slice(),
        };
        let summary = match section {
            Some(s) => format!(
                "merge the {s} entries of {} back, by key (entries that are newer now are kept){}",
                inv.locations.display(&path),
                if moves_in(b).is_empty() {
                    ""
                } else {
                    "; the moves to live keys it recorded are undone where the moved entry is \
                     unchanged"
                }
            ),
            None => format!(
                "put back {} ({} bytes){}",
                inv.locations.display(&path),
                bytes.len(),
                if changed_since {
                    ", which changed since"
                } else {
                    ""
                }
            ),
        };
        items.push(RestoreItem {
            path,
            role,
            bytes,
            mode: f.mode.as_deref().and_then(sane_mode),
            changed_since,
            planned_sha,
            summary,
        });
    }
    if items.is_empty() {
        match section {
            Some(s) => bail!(exit::Error::Usage(format!(
                "backup {} holds no copy of {}, so there is no {s} to merge",
                b.manifest.id,
                inv.locations.display(&inv.credentials.path)
            ))),
            None => bail!("backup {} holds no files", b.manifest.id),
        }
    }
    Ok(items)
}
