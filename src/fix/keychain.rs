//! The write protocol for the macOS Keychain item, when it is the live store (Claude Code on
//! macOS keeps the whole credentials object there and deletes `.credentials.json`). The same
//! steps as for the file ([`super::write_file`]), where they apply:
//!
//! 1. our own lock (taken by the caller), then Claude Code's `.storage-write.lock` in the config
//!    dir, which 2.1.332 takes around every read-modify-write of the credentials (state-formats
//!    §6.5);
//! 2. re-read the item under the lock; if its bytes changed since the plan, start over;
//! 3. back up the current value: a file in the same backup folder (0600 in a 0700 folder, like
//!    the credentials-file copies); the manifest names the item, never its value;
//! 4. write through `security` exactly as Claude Code does ([`keychain::write`]), so the item's
//!    access list, which trusts `/usr/bin/security`, stays as it is;
//! 5. read it back: it must be exactly the planned bytes, else the original is put back.
//!
//! The new value is the current value with the same byte-preserving member edits the file gets
//! ([`super::rewrite::member_steps`]). An item whose payload spilled into overflow items
//! (`keychainOverflow`, 2.1.332) is never written: this tool cannot see or rewrite those.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, Result, bail};

use super::backup::{self, Backup, sha256_hex};
use super::plan::Step;
use super::spliced::Spliced;
use super::{Applied, EditFn, WriteOptions, Written, checkpoint, lock};
use crate::model::inventory::{Inventory, KeychainItem, Role};
use crate::system::keychain::{self as item, KeychainRead};

/// How long one `security` call may take while the lock is held.
const SECURITY_TIMEOUT: Duration = Duration::from_secs(15);

/// Why an item with `keychainOverflow` is not written.
pub const OVERFLOW: &str = "the Keychain item's payload is split into encrypted overflow items \
     (keychainOverflow, Claude Code 2.1.332 and later), which this tool cannot read or rewrite; \
     nothing was changed. To clear the MCP sign-ins, run /logout in Claude Code and sign in \
     again";

/// The item as it is now, read again (under the lock, or after the write).
fn read_now(it: &KeychainItem<'_>) -> Result<Vec<u8>> {
    match item::read_item(it.service, it.account, SECURITY_TIMEOUT) {
        KeychainRead::Found { text, .. } => Ok(text),
        KeychainRead::NotFound { service, why } => bail!(
            "cannot read the Keychain item \"{service}\": {why}; nothing was changed (is the \
             keychain locked? unlock it, or run in a terminal to allow access)"
        ),
    }
}

/// The item's write protocol, steps 1 to 5 above, with `edit` as for a file:
/// [`Written::ChangedUnderneath`] when the value is not what `expect_sha` says (a re-plan).
pub fn write_item<'p>(
    inv: &Inventory,
    expect_sha: Option<&str>,
    edit_fn: &mut EditFn<'_, 'p>,
    backup: &mut Option<Backup>,
    opts: &mut WriteOptions<'_>,
) -> Result<Written> {
    let Some(it) = inv.keychain_item() else {
        bail!(crate::exit::Error::Internal(
            "a Keychain write without the Keychain as the live store".into()
        ));
    };
    if it.overflow {
        bail!(OVERFLOW);
    }
    let config_dir = &inv.locations.config_dir.path;
    let shown: PathBuf = it.shown.to_path_buf();
    let lock_dir = config_dir.join(crate::layout::STORAGE_WRITE_LOCK);
    let claude_lock = lock::claude_lock(config_dir, &lock_dir, opts.lock_wait, opts.break_stale)
        .map_err(anyhow::Error::from)?;
    checkpoint("claude-lock");
    let before = read_now(&it)?;
    if let Some(expected) = expect_sha
        && expected != sha256_hex(&before)
    {
        return Ok(Written::ChangedUnderneath(shown));
    }
    checkpoint("reread");
    let mut actions = backup::Actions::default();
    let Some((text, expected)) = edit_fn(&before, &mut actions)? else {
        return Ok(Written::NothingToDo);
    };
    // One buffer: a few kilobytes, written through `security`.
    let text = text.into_bytes(&before);
    if let Some(want) = &expected {
        // The same check as for a file: spans for removals, a streamed walk for moves (no
        // second parse of the item).
        if !want.holds(&before, &Spliced::whole(&text)) {
            bail!(crate::exit::Error::Internal(format!(
                "the planned value of {} is not what was planned; nothing was written",
                shown.display()
            )));
        }
    }
    let b = Backup::lazily(backup, config_dir, opts.command, &inv.trust)?;
    b.add_file(
        Some(Role::KeychainItem),
        &shown,
        &shown,
        &[],
        Some(0o600),
        &before,
    )?;
    actions.append_to(&mut b.manifest.actions);
    b.set_after(&shown, Some(&text));
    b.save()?;
    checkpoint("backup");
    claude_lock.touch();
    if let Err(why) = item::write(it.service, it.account, &text, SECURITY_TIMEOUT) {
        b.set_after(&shown, None);
        let _ = b.save();
        bail!(
            "cannot write the Keychain item \"{}\": {why}; nothing was changed (is the keychain \
             locked, or was access denied? unlock it and run the command again)",
            it.service
        );
    }
    let written = read_now(&it).unwrap_or_default();
    if written == text {
        checkpoint("verified");
        drop(claude_lock);
        return Ok(Written::Yes);
    }
    if written != before && !written.is_empty() {
        // Someone (Claude Code 2.1.100 takes no lock) wrote right after us: theirs stays.
        bail!(
            "{} was changed by another writer right after this write; it was left as that writer \
             made it (the original is in {})",
            shown.display(),
            b.dir.display()
        );
    }
    item::write(it.service, it.account, &before, SECURITY_TIMEOUT).map_err(|why| {
        anyhow::anyhow!(
            "{} did not read back as planned and the original could not be put back ({why}); it \
             is in {} (mcp-auth-doctor restore {})",
            shown.display(),
            b.dir.display(),
            b.manifest.id
        )
    })?;
    b.set_after(&shown, None);
    b.save()?;
    bail!(
        "{} did not read back as planned; the original was put back (backup in {})",
        shown.display(),
        b.dir.display()
    )
}

/// Carries out the member steps on the Keychain item (`fix`, `forget`); `Some(shown)` when the
/// item changed since the plan and nothing was written (plan again).
pub fn apply<'p>(
    inv: &Inventory,
    steps: Vec<&'p Step>,
    backup: &mut Option<Backup>,
    opts: &mut WriteOptions<'_>,
    done: &mut Applied<'p>,
) -> Result<Option<PathBuf>> {
    let Some(it) = inv.keychain_item() else {
        bail!(crate::exit::Error::Internal(
            "a Keychain step without the Keychain as the live store".into()
        ));
    };
    let config_dir = &inv.locations.config_dir.path;
    let planned_sha = sha256_hex(it.text);
    let mut pending = Some(steps);
    let mut applied_here = Vec::new();
    let mut skipped_here = Vec::new();
    let mut edit_fn =
        |before: &[u8], actions: &mut backup::Actions<'p>| -> Result<super::NewContent> {
            let steps = pending.take().unwrap_or_default();
            let not_json = "the Keychain item is not valid JSON; it is never written";
            // The same parse as the plan-time load, with no tree (see `fix::edit_members`'s
            // caller in fix/mod.rs).
            crate::store::accept::parses(before).context(not_json)?;
            let needs_tree = super::rewrite::needs_tree(&steps);
            super::edit_members(
                config_dir,
                before,
                super::Base::Suffix(0),
                needs_tree,
                steps,
                &mut applied_here,
                &mut skipped_here,
                actions,
            )
        };
    match write_item(inv, Some(&planned_sha), &mut edit_fn, backup, opts)? {
        Written::ChangedUnderneath(shown) => return Ok(Some(shown)),
        Written::Yes | Written::NothingToDo | Written::ReadOnly(_) => {}
    }
    done.applied.extend(applied_here);
    done.skipped.extend(skipped_here);
    Ok(None)
}
