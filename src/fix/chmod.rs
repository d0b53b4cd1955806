//! The one repair that leaves a file's bytes alone: its mode. Backed up and recorded like an
//! edit, but done through an open file that is proved to be the one checked, since a chmod takes
//! no lock and Claude Code may rename a new file in at any time.

use std::fs;
use std::path::Path;

use anyhow::{Context, Result, bail};

use super::backup::{self, Backup};
use super::plan::Step;
use super::{Applied, WriteOptions, read_target};
use crate::checks::ActionKind;
use crate::model::inventory::{Inventory, Role};
use crate::store::file;
use crate::store::safe::{self, Trust};

pub(super) fn apply_chmod<'p>(
    path: &Path,
    role: Role,
    steps: Vec<&'p Step>,
    backup: &mut Option<Backup>,
    inv: &Inventory,
    opts: &WriteOptions<'_>,
    done: &mut Applied<'p>,
) -> Result<()> {
    let role = Some(role);
    let (facts, read) = read_target(path, role, &inv.trust)?;
    let (Some(target), Some(bytes)) = (facts.target.clone(), read) else {
        bail!("{} is gone; nothing was changed", path.display());
    };
    let b = Backup::lazily(
        backup,
        &inv.locations.config_dir.path,
        opts.command,
        &inv.trust,
    )?;
    if !b
        .manifest
        .files
        .iter()
        .any(|f| f.target == target.display().to_string())
    {
        b.add_file(role, path, &target, &facts.symlinks, facts.mode, &bytes)?;
    }
    // A chmod leaves the bytes as they are.
    b.set_after(&target, Some(&bytes));
    b.save()?;
    for step in steps {
        if let ActionKind::Chmod { mode } = &step.action.kind {
            set_mode(path, *mode, &inv.trust)?;
            b.manifest.actions.push(backup::ManifestAction {
                code: step.code.into(),
                summary: step.action.summary().into_owned(),
                file: step.action.file_shown().into(),
                pointer: None,
                moved: None,
            });
            done.applied.push(step);
        }
    }
    b.save()?;
    Ok(())
}

/// chmod the file `path` leads to, through an open file (never by path): the symlinks are
/// resolved, the target checked as every state file is ([`Trust::check_file`]), then opened
/// without following a link at its name, and chmodded only if it is still the very file that was
/// checked. A file replaced in between (Claude Code renames a new one in without our lock, since
/// a chmod takes none) is looked at again, up to three times. The one chmod of a state file, for
/// `fix` and `restore`: true when the mode changed, false when the file already had it.
pub fn set_mode(path: &Path, mode: u32, trust: &Trust) -> Result<bool> {
    let cannot = || format!("cannot chmod {}", path.display());
    for attempt in 0..3 {
        let facts = file::inspect(path);
        if let Some(e) = &facts.error {
            bail!("cannot chmod {}: {e}", path.display());
        }
        let Some(target) = &facts.target else {
            bail!("{} is gone; nothing was changed", path.display());
        };
        trust.check_file(&facts).with_context(cannot)?;
        let file = safe::open_regular(target, u64::MAX).with_context(cannot)?;
        let meta = file.metadata().with_context(cannot)?;
        if facts.id.is_some() && safe::file_id(&meta) != facts.id {
            if attempt < 2 {
                continue;
            }
            return Err(safe::swapped(target)).with_context(cannot);
        }
        if permission_bits(&meta) == Some(mode) {
            return Ok(false);
        }
        safe::set_file_mode_owner(&file, Some(mode), None).with_context(cannot)?;
        return Ok(true);
    }
    unreachable!("the loop returns")
}

/// The permission bits (with setuid, setgid and sticky) of an open file; `None` off Unix.
fn permission_bits(meta: &fs::Metadata) -> Option<u32> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        Some(meta.permissions().mode() & 0o7777)
    }
    #[cfg(not(unix))]
    {
        let _ = meta;
        None
    }
}
