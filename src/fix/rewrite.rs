//! Byte-level rewrites beyond removing one member (which is [`super::edit`]'s job): moving an
//! `mcpOAuth` entry to another key while setting its `serverUrl`, dropping a byte order mark, and
//! replacing a disposable cache that does not parse. Each keeps every byte it was not asked to
//! change, and each has a function that says what the result must parse to, so the write protocol
//! can verify it before and after the rename.

use std::borrow::Cow;

use anyhow::{Result, bail};
use serde_json::{Map, Value};

use super::edit;
use super::plan::Step;
use super::spliced::{NewText, Spliced, kept_between};
use crate::checks::ActionKind;
use crate::json::scan::{self, Seg, Visit, Visitor};

/// The UTF-8 byte order mark.
const BOM: &[u8] = b"\xEF\xBB\xBF";

/// The members (key, start, end) of the one object at a path of keys, and its braces.
struct Members<'a> {
    target: &'a [&'a str],
    found: Vec<(String, usize, usize)>,
    objects: usize,
    braces: Option<(usize, usize)>,
}

fn on_path(path: &[Seg], target: &[&str]) -> bool {
    path.len() <= target.len()
        && path
            .iter()
            .zip(target)
            .all(|(seg, want)| matches!(seg, Seg::Key(k) if k == want))
}

impl Visitor for Members<'_> {
    fn visit(&mut self, path: &[Seg]) -> Visit {
        if on_path(path, self.target) {
            Visit::Descend
        } else {
            Visit::Skip
        }
    }
    fn captured(&mut self, _path: &[Seg], _raw: Vec<u8>) {}
    fn member_span(&mut self, object: &[Seg], key: &str, start: u64, end: u64) {
        if object.len() == self.target.len() && on_path(object, self.target) {
            self.found
                .push((key.to_string(), start as usize, end as usize));
        }
    }
    fn object_span(&mut self, path: &[Seg], open: u64, close: u64) {
        if path.len() == self.target.len() && on_path(path, self.target) {
            self.objects += 1;
            self.braces = Some((open as usize, close as usize));
        }
    }
}

fn members(text: &[u8], target: &[&str]) -> Result<Vec<(String, usize, usize)>> {
    object_members(text, target)?
        .map(|(found, _)| found)
        .ok_or_else(|| anyhow::anyhow!("there is no object at /{}", target.join("/")))
}

/// The members of the one object at `target` and the offsets of its `{` and `}`; `None` when
/// there is no object there.
#[allow(clippy::type_complexity)]
fn object_members(
    text: &[u8],
    target: &[&str],
) -> Result<Option<(Vec<(String, usize, usize)>, (usize, usize))>> {
    let mut v = Members {
        target,
        found: Vec::new(),
        objects: 0,
        braces: None,
    };
    let report = scan::scan(text, &mut v)?;
    if let Some(e) = report.error {
        bail!("the file is not valid JSON ({})", e.kind.describe());
    }
    if report.bom {
        bail!("the file starts with a byte order mark");
    }
    match (v.objects, v.braces) {
        (1, Some(braces)) => Ok(Some((v.found, braces))),
        (0, _) => Ok(None),
        _ => bail!(
            "the file holds /{} more than once (a duplicated key); edit it by hand",
            target.join("/")
        ),
    }
}

/// The member steps for one file, applied to its text and, for moves, to the JSON it must parse
/// to: removals grouped by object, one scan each; then moves, one by one.
pub struct Edited<'p> {
    /// The new text, of the text the steps were given: its pieces that stay when there are only
    /// removals (nothing copied: [`super::spliced`]), new bytes when a move rewrote it.
    pub text: NewText,
    /// What the text must parse to, when the steps were given one (moves need it).
    pub expected: Option<Value>,
    /// The removals carried out, for the no-tree check of a removal-only edit
    /// ([`edit::removed_exactly`]).
    pub removed: Vec<edit::Removal>,
    pub applied: Vec<&'p Step>,
    /// Steps whose member was already gone.
    pub gone: Vec<&'p Step>,
}

/// The value `text` parses to (text the caller checked parses: a failure is a bug).
fn tree_of(text: &[u8]) -> Result<Value> {
    serde_json::from_slice(text).map_err(|e| {
        crate::exit::Error::Internal(format!("the edited text does not parse ({e})")).into()
    })
}

/// Whether `steps` hold a move, whose check needs the expected value as a tree
/// ([`member_steps`]); removals alone are checked without one.
pub fn needs_tree(steps: &[&Step]) -> bool {
    steps
        .iter()
        .any(|s| matches!(s.action.kind, ActionKind::MoveEntry { .. }))
}

/// The member steps applied to `text` (JSON that serde_json parses: the caller checked).
/// With `tree` (moves, [`needs_tree`]) the result carries the value the new text must parse
/// to, made from the text after the removals.
pub fn member_steps<'p>(text: &[u8], tree: bool, steps: Vec<&'p Step>) -> Result<Edited<'p>> {
    let mut out = Edited {
        text: NewText::Bytes(Vec::new()),
        expected: None,
        removed: Vec::new(),
        applied: Vec::new(),
        gone: Vec::new(),
    };
    let mut removals = Vec::new();
    let mut removal_steps = Vec::new();
    let mut moves = Vec::new();
    for step in steps {
        let Some((object, key)) = step.action.kind.member() else {
            bail!(crate::exit::Error::Internal(format!(
                "no pointer for {}",
                step.action.summary()
            )));
        };
        if matches!(step.action.kind, ActionKind::MoveEntry { .. }) {
            moves.push((object, step));
        } else {
            // One path for the removals from one object (most are all from `mcpOAuth`).
            let object = match removals.last() {
                Some(edit::Removal { object: last, .. }) if **last == object[..] => last.clone(),
                _ => object.into(),
            };
            removals.push(edit::Removal { object, key });
            removal_steps.push(step);
        }
    }
    // Every removal in one scan (edit::removal_cuts), the expected value once.
    let mut found = Vec::new();
    let mut cuts = Vec::new();
    if !removals.is_empty() {
        let removed = edit::removal_cuts(text, &removals)?;
        (cuts, found) = (removed.cuts, removed.found);
        // The removals found, moved (not copied: a second copy of thousands of keys, issue 15).
        let gone = removals.into_iter().zip(&found).filter(|(_, f)| **f);
        out.removed = gone.map(|(r, _)| r).collect();
    }
    // Removals alone leave the pieces of the text between the cuts: written from where they
    // lie, never copied (issue 15). Moves rewrite the text, from a copy of those pieces.
    let kept = kept_between(text.len(), &cuts);
    drop(cuts);
    let mut current = if tree {
        let removed = NewText::Kept(kept).into_bytes(text);
        // The tree below is the old text's less those members only once `removed_exactly` has
        // shown the new text to be the old one without exactly them.
        if !out.removed.is_empty()
            && !edit::removed_exactly(text, &Spliced::whole(&removed), &out.removed)
        {
            bail!(crate::exit::Error::Internal(
                "the removals did not leave the text they must".into()
            ));
        }
        Some(removed)
    } else {
        out.text = NewText::Kept(kept);
        None
    };
    for (step, found) in removal_steps.into_iter().zip(found) {
        if found {
            out.applied.push(step);
        } else {
            out.gone.push(step);
        }
    }
    // The tree is parsed from the text after the removals (half the file's when half its
    // entries go: the tree of the whole file was the peak of a `fix` with moves, issue 15).
    let mut expected = match &current {
        Some(text) => Some(tree_of(text)?),
        None => None,
    };
    if !moves.is_empty() && expected.is_none() {
        bail!(crate::exit::Error::Internal(
            "a move without the value it must leave".into()
        ));
    }
    for (object, step) in moves {
        // The tree goes through each move and comes back changed: never copied (a copy of a
        // tree of the whole file per move was the peak of a `fix` with moves, issue 15).
        let (Some(want), Some(now)) = (expected.take(), current.as_deref()) else {
            break;
        };
        let (moved, after) = move_step(now, want, &step.action.kind, &object)?;
        expected = Some(after);
        match moved {
            Some(text) => {
                current = Some(text);
                out.applied.push(step);
            }
            None => out.gone.push(step),
        }
    }
    if let Some(text) = current {
        out.text = NewText::Bytes(text);
    }
    out.expected = expected;
    Ok(out)
}

/// The end of the JSON string literal that starts at `start` (just past its closing quote).
fn string_end(text: &[u8], start: usize) -> Result<usize> {
    if text.get(start) != Some(&b'"') {
        bail!(crate::exit::Error::Internal(format!(
            "no string at byte {start}"
        )));
    }
    let mut i = start + 1;
    while let Some(&b) = text.get(i) {
        match b {
            b'\\' => i += 2,
            b'"' => return Ok(i + 1),
            _ => i += 1,
        }
    }
    bail!(crate::exit::Error::Internal(format!(
        "unterminated string at byte {start}"
    )))
}

/// Where the value of the member whose key starts at `start` begins.
fn value_start(text: &[u8], start: usize) -> Result<usize> {
    let mut i = string_end(text, start)?;
    let skip_ws = |i: &mut usize| {
        while text.get(*i).is_some_and(|b| b" \t\r\n".contains(b)) {
            *i += 1;
        }
    };
    skip_ws(&mut i);
    if text.get(i) != Some(&b':') {
        bail!(crate::exit::Error::Internal(format!(
            "no ':' after the key at byte {start}"
        )));
    }
    i += 1;
    skip_ws(&mut i);
    Ok(i)
}

/// The one member named `key`, or `None`; an error when the key appears more than once (the
/// edit could not say which copy it means).
fn only<'m>(
    found: &'m [(String, usize, usize)],
    key: &str,
) -> Result<Option<&'m (String, usize, usize)>> {
    let mut it = found.iter().filter(|(k, _, _)| k == key);
    let first = it.next();
    if it.next().is_some() {
        bail!("\"{key}\" appears more than once; edit it by hand");
    }
    Ok(first)
}

/// Moves the member `from` of the object at `object_path` to the key `to`, in place (its
/// position, formatting and every other field stay), after setting each of `set` in it (replaced
/// in place, or added as its last member). A member already under `to` is removed first. `None`
/// when `from` is not there.
pub fn move_member(
    text: &[u8],
    object_path: &[&str],
    from: &str,
    to: &str,
    set: &[(&str, Value)],
) -> Result<Option<Vec<u8>>> {
    if from == to {
        bail!(crate::exit::Error::Internal(
            "a move to the same key".into()
        ));
    }
    let found = members(text, object_path)?;
    if only(&found, from)?.is_none() {
        return Ok(None);
    }
    let mut text = text.to_vec();
    if only(&found, to)?.is_some() {
        text = edit::remove_member(&text, object_path, to)?
            .ok_or_else(|| crate::exit::Error::Internal("lost the target".into()))?;
    }
    let mut entry_path = object_path.to_vec();
    entry_path.push(from);
    for (field, value) in set {
        let fields = members(&text, &entry_path)?;
        let literal = serde_json::to_string(value)?;
        text = match only(&fields, field)? {
            Some(&(_, start, end)) => {
                let at = value_start(&text, start)?;
                let mut out = text[..at].to_vec();
                out.extend_from_slice(literal.as_bytes());
                out.extend_from_slice(&text[end..]);
                out
            }
            None => edit::insert_member(&text, &entry_path, field, value)?,
        };
    }
    let found = members(&text, object_path)?;
    let &(_, start, _) = only(&found, from)?
        .ok_or_else(|| crate::exit::Error::Internal("lost the member".into()))?;
    let end = string_end(&text, start)?;
    let mut out = text[..start].to_vec();
    out.extend_from_slice(serde_json::to_string(to)?.as_bytes());
    out.extend_from_slice(&text[end..]);
    Ok(Some(out))
}

/// What [`move_member`]'s result must parse to.
pub fn expected_move(
    before: &Value,
    object_path: &[&str],
    from: &str,
    to: &str,
    set: &[(&str, Value)],
) -> Value {
    let mut v = before.clone();
    expected_move_in(&mut v, object_path, from, to, set);
    v
}

/// [`expected_move`] in place: `v` becomes what the move's result must parse to.
fn expected_move_in(
    v: &mut Value,
    object_path: &[&str],
    from: &str,
    to: &str,
    set: &[(&str, Value)],
) {
    let mut target = Some(v);
    for seg in object_path {
        target = target.and_then(|t| t.get_mut(*seg));
    }
    if let Some(Value::Object(map)) = target
        && map.contains_key(from)
    {
        map.shift_remove(to);
        let old = std::mem::take(map);
        let mut new = Map::new();
        for (k, mut value) in old {
            if k == from {
                if let Value::Object(entry) = &mut value {
                    for (field, val) in set {
                        entry.insert((*field).to_string(), val.clone());
                    }
                }
                new.insert(to.to_string(), value);
            } else {
                new.insert(k, value);
            }
        }
        *map = new;
    }
}

/// The bytes without a leading byte order mark; `None` when there is none.
pub fn without_bom(text: &[u8]) -> Option<&[u8]> {
    text.strip_prefix(BOM)
}

/// The `mcpOAuth` keys a step changes (for Claude Code's per-key refresh locks).
pub fn entry_keys(kind: &ActionKind) -> Vec<&str> {
    match kind {
        ActionKind::RemoveEntry { key } => vec![key],
        ActionKind::MoveEntry { from, to, .. } => vec![from, to],
        _ => Vec::new(),
    }
}

/// A move step's change to a file's text (`None` when there is nothing to do: the member is
/// already gone), and the JSON the text must parse to, `expected` changed in place (the same
/// value when nothing is done). Removals go through [`edit::remove_members`] in
/// [`member_steps`]; whole-file steps (a BOM, a cache replaced) through [`whole_file`].
fn move_step(
    text: &[u8],
    expected: Value,
    kind: &ActionKind,
    object: &[String],
) -> Result<(Option<Vec<u8>>, Value)> {
    let ActionKind::MoveEntry {
        from,
        to,
        server_url,
    } = kind
    else {
        bail!(crate::exit::Error::Internal("not a move".into()));
    };
    let object_refs: Vec<&str> = object.iter().map(String::as_str).collect();
    let (dropped, mut expected) =
        drop_stale_resource_metadata(text, expected, object, from, server_url)?;
    let text = dropped.as_deref().unwrap_or(text);
    let set = [("serverUrl", Value::String(server_url.clone()))];
    match move_member(text, &object_refs, from, to, &set)? {
        Some(t) => {
            expected_move_in(&mut expected, &object_refs, from, to, &set);
            Ok((Some(t), expected))
        }
        // The drop found the entry in the text that the tree was checked against: it is there.
        None if dropped.is_some() => bail!(crate::exit::Error::Internal(format!(
            "the entry {from} went missing while it was moved"
        ))),
        None => Ok((None, expected)),
    }
}

/// Whether moving `entry` to `server_url` drops its `discoveryState.resourceMetadataUrl` (see
/// [`drop_stale_resource_metadata`]): it names another url's metadata.
fn has_stale_resource_metadata(entry: &Value, server_url: &str) -> bool {
    entry.get("serverUrl").and_then(Value::as_str) != Some(server_url)
        && entry
            .get("discoveryState")
            .and_then(|d| d.get("resourceMetadataUrl"))
            .is_some()
}

/// What a move to `server_url` writes for the entry `old`, as a value: `restore --section` undoes
/// a move only while the live key still holds exactly this.
pub fn entry_after_move(old: &Value, server_url: &str) -> Value {
    let mut entry = old.clone();
    let stale = has_stale_resource_metadata(old, server_url);
    if let Value::Object(fields) = &mut entry {
        if stale && let Some(Value::Object(d)) = fields.get_mut("discoveryState") {
            d.shift_remove("resourceMetadataUrl");
        }
        fields.insert("serverUrl".into(), Value::String(server_url.into()));
    }
    entry
}

/// When a move changes the entry's url, its `discoveryState.resourceMetadataUrl` names the old
/// url's protected-resource metadata. Claude Code's next sign-in reads it before it deletes the
/// entry and then refuses the server ("Protected resource .../mcp does not match expected
/// .../v2/mcp"), leaving the entry tokenless for good: seen with 2.1.100 after a move from `/mcp`
/// to `/v2/mcp` (tests/real-client/README.md). Without it the client discovers the metadata
/// again. The token and everything else in `discoveryState` stay. Same url: nothing to drop
/// (`None`, and nothing copied).
fn drop_stale_resource_metadata(
    text: &[u8],
    expected: Value,
    object: &[String],
    from: &str,
    server_url: &str,
) -> Result<(Option<Vec<u8>>, Value)> {
    let mut entry_path: Vec<String> = object.to_vec();
    entry_path.push(from.to_string());
    let entry = entry_path
        .iter()
        .try_fold(&expected, |v, seg| v.get(seg.as_str()));
    if !entry.is_some_and(|e| has_stale_resource_metadata(e, server_url)) {
        return Ok((None, expected));
    }
    entry_path.push("discoveryState".to_string());
    let removal = edit::Removal {
        object: entry_path.into(),
        key: "resourceMetadataUrl".to_string(),
    };
    let removed = edit::remove_members(text, std::slice::from_ref(&removal))?;
    if !removed.found[0] {
        return Ok((None, expected));
    }
    let after = edit::expected_after(expected, std::slice::from_ref(&removal));
    Ok((Some(removed.text), after))
}

/// Applies the whole-file steps among `steps` to `before`: returns the text the member steps
/// start from (borrowed from `before` unless a cache was replaced: no copy of the file), the
/// whole-file steps that changed something, and the member steps.
#[allow(clippy::type_complexity)]
pub fn whole_file<'b, 'p>(
    before: &'b [u8],
    steps: Vec<&'p Step>,
) -> (Cow<'b, [u8]>, Vec<&'p Step>, Vec<&'p Step>) {
    let mut text = Cow::Borrowed(before);
    let (mut done, mut rest) = (Vec::new(), Vec::new());
    for step in steps {
        match &step.action.kind {
            ActionKind::RemoveBom => {
                if let Some(skip) = without_bom(&text).map(|t| text.len() - t.len()) {
                    text = match text {
                        Cow::Borrowed(b) => Cow::Borrowed(&b[skip..]),
                        Cow::Owned(o) => Cow::Owned(o[skip..].to_vec()),
                    };
                    done.push(step);
                }
            }
            ActionKind::ReplaceWithEmptyObject => {
                if *text != b"{}"[..] {
                    text = Cow::Owned(b"{}".to_vec());
                    done.push(step);
                }
            }
            _ => rest.push(step),
        }
    }
    (text, done, rest)
}

#[cfg(test)]
mod tests;
