//! `restore --section mcpOAuth`: the backup's grants merged into the current credentials file by
//! key, and the moves to a live key the backup recorded undone, as byte-exact edits.

use anyhow::{Context as _, Result};
use serde_json::{Value, json};

use crate::fix::backup::{self, Backup};
use crate::fix::{NewContent, edit};
use crate::model::entry::Entry;

/// The moves to a live key the backup's manifest recorded (made after it was taken).
pub(super) fn moves_in(b: &Backup) -> Vec<backup::MovedEntry> {
    b.manifest
        .actions
        .iter()
        .filter_map(|a| a.moved.as_deref().cloned())
        .collect()
}

/// Merges `mcpOAuth` grants from `backup` into `current`: only entries that hold a usable token
/// are considered; a key missing now is added; a key present in both keeps the current entry
/// unless it holds no usable token (then the backup's, which does, replaces it).
pub(super) fn merge_section(
    current: &[u8],
    backup: &[u8],
    now_ms: i64,
    moves: &[backup::MovedEntry],
) -> Result<NewContent> {
    let theirs: Value =
        serde_json::from_slice(backup).context("the backup copy is not valid JSON")?;
    let Some(saved) = theirs.get("mcpOAuth").and_then(Value::as_object) else {
        return Ok(None);
    };
    let mut text = if current.is_empty() {
        b"{}".to_vec()
    } else {
        current.to_vec()
    };
    let mut now: Value = serde_json::from_slice(&text)
        .context("the current credentials file is not valid JSON; it is never written")?;
    if now.get("mcpOAuth").is_none() {
        text = edit::insert_member(&text, &[], "mcpOAuth", &json!({}))?;
        now["mcpOAuth"] = json!({});
    }
    let mut changed = false;
    for (key, value) in saved {
        // Only grants come back: a placeholder or a dead token would make sessions skip the
        // server again.
        if !Entry::from_value(key, value, now_ms).token.usable() {
            continue;
        }
        let live = now["mcpOAuth"].get(key).cloned();
        let take = match &live {
            None => true,
            Some(l) => {
                !Entry::from_value(key, l, now_ms).token.usable()
                    && Entry::from_value(key, value, now_ms).token.usable()
            }
        };
        if !take {
            continue;
        }
        if live.is_some() {
            text = edit::remove_member(&text, &["mcpOAuth"], key)?.unwrap_or(text);
            if let Some(m) = now["mcpOAuth"].as_object_mut() {
                m.shift_remove(key);
            }
        }
        text = edit::insert_member(&text, &["mcpOAuth"], key, value)?;
        if let Some(m) = now["mcpOAuth"].as_object_mut() {
            m.insert(key.clone(), value.clone());
        }
        changed = true;
    }
    // Undo the moves: the live key gets back what it held before (nothing, or the placeholder
    // the move replaced), but only while it holds exactly what the move wrote (a refresh since
    // makes it newer: kept) and only once the old key is back as it was (else the token would
    // be lost).
    for m in moves {
        let Some(old) = saved.get(&m.from) else {
            continue;
        };
        if now["mcpOAuth"].get(&m.from) != Some(old) {
            continue;
        }
        // What the move wrote, while the live key still holds it unchanged.
        let Some(moved) = now["mcpOAuth"].get(&m.to) else {
            continue;
        };
        // The url the move set is known by its hash; the rest is what the move makes of `old`.
        let Some(url) = moved
            .get("serverUrl")
            .and_then(Value::as_str)
            .filter(|u| backup::sha256_hex(u.as_bytes()) == m.server_url_sha256)
        else {
            continue;
        };
        if *moved != crate::fix::rewrite::entry_after_move(old, url) {
            continue;
        }
        text = edit::remove_member(&text, &["mcpOAuth"], &m.to)?.unwrap_or(text);
        if let Some(o) = now["mcpOAuth"].as_object_mut() {
            o.shift_remove(&m.to);
        }
        if let Some(before) = saved.get(&m.to) {
            text = edit::insert_member(&text, &["mcpOAuth"], &m.to, before)?;
            if let Some(o) = now["mcpOAuth"].as_object_mut() {
                o.insert(m.to.clone(), before.clone());
            }
        }
        changed = true;
    }
    Ok(changed.then_some((text.into(), Some(now.into()))))
}
