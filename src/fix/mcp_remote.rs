//! Removing one server's mcp-remote files (issue 13): `fix` (a dead lock, an orphan, stranded
//! copies) and `forget NAME`. Only the `<hash>_*` names a step lists, in the one version folder
//! it names, each checked again here: the folder must be one mcp-remote makes
//! (`mcp-remote-<version>` / `mcp-remote-v<n>`) reached without a link, the name one of its
//! per-server file names, the file a regular file. Each is copied into the run's backup (with its
//! mode) and the manifest saved before anything is deleted; `restore` puts it back at the path
//! [`restore_path`] derives, never at one the manifest names. The folder itself and
//! `~/.mcp-auth` are never removed.

use std::ffi::OsStr;
use std::path::{Component, Path, PathBuf};

use anyhow::{Context, Result};

use super::backup::{Backup, ManifestAction};
use super::plan::Step;
use super::{Applied, Skipped, WriteOptions};
use crate::checks::ActionKind;
use crate::load::mcp_remote::FILE_CAP;
use crate::model::inventory::{Inventory, Role};
use crate::model::mcp_remote::FolderKind;
use crate::model::mcp_remote::state::FileName;
use crate::store::safe::DirHandle;

/// Whether `folder` and `name` are names mcp-remote itself makes: a version folder and a
/// per-server file in it (no separators, no `..`).
fn valid_names(folder: &str, name: &str) -> bool {
    let plain = |s: &str| !s.is_empty() && !s.contains(['/', '\\', '\0']) && s != "." && s != "..";
    plain(folder)
        && plain(name)
        && FolderKind::parse(folder).is_some()
        && FileName::parse(name).is_some()
}

/// Where a backed-up mcp-remote file goes back: `recorded` (the manifest's path, which the
/// home's owner can edit) only when it is the base dir this run uses, then a valid version
/// folder, then a valid file name, and nothing else.
pub fn restore_path(inv: &Inventory, recorded: &str) -> Option<PathBuf> {
    let base = &inv.mcp_remote.base;
    let rest = Path::new(recorded).strip_prefix(base).ok()?;
    let parts: Vec<&str> = rest
        .components()
        .map(|c| match c {
            Component::Normal(s) => s.to_str(),
            _ => None,
        })
        .collect::<Option<_>>()?;
    match parts.as_slice() {
        [folder, name] if valid_names(folder, name) => Some(base.join(folder).join(name)),
        _ => None,
    }
}

/// Carries out the mcp-remote file removals among the confirmed steps.
pub fn remove_files<'p>(
    inv: &Inventory,
    steps: Vec<&'p Step>,
    backup: &mut Option<Backup>,
    opts: &WriteOptions<'_>,
    done: &mut Applied<'p>,
) -> Result<()> {
    if steps.is_empty() {
        return Ok(());
    }
    let base_path = &inv.mcp_remote.base;
    let base = DirHandle::open(base_path)
        .and_then(|d| {
            inv.trust.check_dir(base_path, &d)?;
            Ok(d)
        })
        .with_context(|| format!("cannot open {}; nothing was removed", base_path.display()))?;
    for step in steps {
        let ActionKind::RemoveMcpRemoteFiles { folder, names } = &step.action.kind else {
            continue;
        };
        if let Some(bad) = names.iter().find(|n| !valid_names(folder, n)) {
            let reason = format!(
                "'{}' in '{}' is not a name mcp-remote makes; nothing of it was removed",
                crate::term::sanitize(bad),
                crate::term::sanitize(folder)
            );
            done.skipped.push(Skipped { step, reason });
            continue;
        }
        if let Some(reason) = busy(inv, folder, names) {
            done.skipped.push(Skipped { step, reason });
            continue;
        }
        let (dir, _) = base.child_dir(folder, false, 0).with_context(|| {
            format!(
                "cannot open {}; nothing was removed",
                base_path.join(folder).display()
            )
        })?;
        // Copy every file first; delete only once the backup (and its manifest) is on disk.
        let mut present = Vec::new();
        for name in names {
            let file = match dir.open_regular(OsStr::new(name), FILE_CAP) {
                Ok(f) => f,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                Err(e) => {
                    return Err(e).with_context(|| {
                        format!("{}: nothing was removed", dir.path().join(name).display())
                    });
                }
            };
            let mode = mode_of(&file);
            let bytes = crate::store::safe::read_capped(&dir.path().join(name), file, FILE_CAP)?;
            let b = Backup::lazily(
                backup,
                &inv.locations.config_dir.path,
                opts.command,
                &inv.trust,
            )?;
            let path = dir.path().join(name);
            b.add_file(Some(Role::McpRemoteFile), &path, &path, &[], mode, &bytes)?;
            present.push(name.clone());
        }
        if present.is_empty() {
            done.skipped.push(Skipped {
                step,
                reason: "already gone".into(),
            });
            continue;
        }
        let b = backup.as_mut().expect("a file was backed up");
        b.manifest.actions.push(ManifestAction {
            code: step.code.into(),
            summary: step.action.summary().into_owned(),
            file: step.action.file_shown().into(),
            pointer: None,
            moved: None,
        });
        b.save()?;
        super::checkpoint("mcp-remote-backed-up");
        for name in &present {
            dir.remove_file(OsStr::new(name)).with_context(|| {
                format!(
                    "cannot remove {} (it is in backup {})",
                    dir.path().join(name).display(),
                    b.manifest.id
                )
            })?;
        }
        dir.sync();
        done.applied.push(step);
    }
    Ok(())
}

/// Why the server whose files these are is in use by a running mcp-remote right now, if it is:
/// a live refresh lease (0.12.0 on) or a held sign-in lock (up to 0.2.1) for the same hash.
fn busy(inv: &Inventory, folder: &str, names: &[String]) -> Option<String> {
    use crate::load::mcp_remote::ProcessFact;
    use crate::model::mcp_remote::found::Data;
    use crate::model::mcp_remote::state::LockState;
    let folder = inv.mcp_remote.folder(folder)?;
    let hashes: Vec<String> = names
        .iter()
        .filter_map(|n| FileName::parse(n).map(|f| f.hash))
        .collect();
    folder
        .files
        .iter()
        .filter(|f| hashes.contains(&f.hash))
        .find_map(|f| {
            let running = f.process == Some(ProcessFact::Running);
            let alive = running || f.process == Some(ProcessFact::NotPermitted);
            match &f.data {
                Data::Lease(Ok(lease)) if lease.live(inv.now_ms, alive) => Some(
                    "mcp-remote is refreshing these tokens right now; run fix again in a minute",
                ),
                // A dead lock (what mcp-remote-dead-lock removes) is never held.
                Data::Lock(Some(lock)) if lock.state(inv.now_ms, running) == LockState::Held => {
                    Some("an mcp-remote sign-in for this server is running; run fix again after it")
                }
                _ => None,
            }
        })
        .map(str::to_string)
}

fn mode_of(file: &std::fs::File) -> Option<u32> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        file.metadata()
            .ok()
            .map(|m| m.permissions().mode() & 0o7777)
    }
    #[cfg(not(unix))]
    {
        let _ = file;
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::Snapshot;

    #[test]
    fn files_of_a_server_a_running_mcp_remote_uses_are_left_alone() {
        use crate::load::for_test::NOW_MS;
        use crate::load::mcp_remote::ProcessFact;
        let hash = "94baabe3c3fadb285b26c035e4e86046";
        let names = vec![format!("{hash}_tokens.json")];
        let lease = format!(r#"{{"pid": 7, "nonce": "n", "at": {}}}"#, NOW_MS - 1000);
        let lock = format!(r#"{{"pid": 7, "port": 1, "timestamp": {}}}"#, NOW_MS - 1000);
        for (file, text, process, busy_expected) in [
            (
                "refresh_in_progress.json",
                &lease,
                ProcessFact::Running,
                true,
            ),
            ("refresh_in_progress.json", &lease, ProcessFact::Gone, false),
            ("lock.json", &lock, ProcessFact::Running, true),
            ("lock.json", &lock, ProcessFact::Gone, false),
        ] {
            let inv = Snapshot::for_test()
                .with_mcp_remote_file(
                    "mcp-remote-v1",
                    &format!("{hash}_{file}"),
                    text,
                    Some(process),
                )
                .inventory();
            assert_eq!(
                busy(&inv, "mcp-remote-v1", &names).is_some(),
                busy_expected,
                "{file} {process:?}"
            );
        }
    }

    #[test]
    fn a_manifest_path_is_restored_only_inside_the_base_dir_with_mcp_remotes_names() {
        let inv = Snapshot::for_test().inventory();
        let hash = "94baabe3c3fadb285b26c035e4e86046";
        let good = format!("/home/u/.mcp-auth/mcp-remote-v1/{hash}_tokens.json");
        assert_eq!(restore_path(&inv, &good), Some(PathBuf::from(&good)));
        for bad in [
            "/home/u/.mcp-auth/mcp-remote-v1/../../.bashrc".to_string(),
            format!("/home/u/.mcp-auth/other/{hash}_tokens.json"),
            "/home/u/.mcp-auth/mcp-remote-v1/notes.txt".to_string(),
            format!("/home/u/.mcp-auth/mcp-remote-v1/x/{hash}_tokens.json"),
            format!("/etc/mcp-remote-v1/{hash}_tokens.json"),
            "/home/u/.mcp-auth/mcp-remote-v1".to_string(),
        ] {
            assert_eq!(restore_path(&inv, &bad), None, "{bad}");
        }
    }
}
