//! Edits JSON text in place: a removed member's bytes go, every other byte stays exactly as it was
//! (key order, number spelling, escapes, indentation, the missing trailing newline).
//!
//! Re-serialising a `Value` would normalise `1.0` to `1.0` but `1e3` to `1000.0` and `\u00e9` to
//! `é`; cutting the member's byte span out of the original text cannot.
//!
//! Any number of members is removed in one scan and one copy ([`remove_members`]): a `fix` that
//! removes 5,000 entries from a 10,000-entry file must not re-scan and copy the file 5,000 times
//! while it holds Claude Code's lock. The bytes are the same as removing the members one at a time
//! (see [`removal_ranges`] and the tests).
//!
//! An object that holds a key twice is never edited: `JSON.parse` keeps the last copy, a removal
//! by key cannot say which copy it means, and removing either copy could drop the tokens Claude
//! Code does not see but the user may need. The user decides (see `duplicate-json-key`).

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use anyhow::{Result, bail};
use serde_json::Value;

use super::spliced::Spliced;
use crate::json::scan::{self, Seg, Visit, Visitor};

mod removed;
mod verify;
pub use removed::removed_exactly;
pub use verify::parses_to;

/// One member to remove: `key` in the object at `object` (`[]` is the top level). The path is
/// shared by the removals from one object: a `fix` holds thousands of removals through its
/// write, and a path of their own was ~60 bytes each (issue 15).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Removal {
    pub object: Arc<[String]>,
    pub key: String,
}

impl Removal {
    /// The removal a two-level JSON Pointer names (`/mcpOAuth/<key>`, `/<key>`).
    pub fn from_pointer(pointer: &str) -> Option<Self> {
        let (object, key) = split_pointer(pointer)?;
        Some(Self {
            object: object.into(),
            key,
        })
    }
}

/// What [`removal_cuts`] found: the byte ranges to cut, and which removals were there.
#[derive(Debug)]
pub struct Cuts {
    /// The ranges (`from`, `to`) to delete, sorted, not overlapping.
    pub cuts: Vec<(usize, usize)>,
    /// For each removal, in order: whether its member was there (a removal listed twice is found
    /// once).
    pub found: Vec<bool>,
}

/// What [`remove_members`] did.
#[derive(Debug)]
pub struct Removed {
    /// The new bytes (the input's bytes when nothing was found).
    pub text: Vec<u8>,
    /// For each removal, in order: whether its member was there (a removal listed twice is found
    /// once).
    pub found: Vec<bool>,
}

/// One member of a target object: key, start of the key's quote, end of the value.
struct Member {
    key: MemberKey,
    start: u64,
    end: u64,
}

/// A member's key: most are spelt in the text as they read (no escape), so the text holds
/// them and a member is 32 bytes with no copy (issue 15: a `String` each was ~1 MB of the
/// spans of a 10,000-entry file while `fix` wrote it).
enum MemberKey {
    /// The key is the `len` bytes after the member's opening quote.
    InText(u32),
    /// Spelt with an escape: the key as it reads.
    Escaped(Box<str>),
}

impl Member {
    /// The key as it reads; `text` is the text the member was found in.
    fn key<'t>(&'t self, text: &Spliced<'t>) -> &'t str {
        match &self.key {
            MemberKey::Escaped(key) => key,
            MemberKey::InText(len) => {
                let at = self.start as usize + 1;
                // Checked when the member was recorded: in one piece of the text, and valid
                // UTF-8 (a `&str` the scanner gave), so this cannot fail.
                text.slice(at, at + *len as usize)
                    .and_then(|key| std::str::from_utf8(key).ok())
                    .unwrap_or_default()
            }
        }
    }
}

/// What one scan found about one target object.
#[derive(Default)]
struct Target {
    members: Vec<Member>,
    /// The `{` and `}` of the object.
    object: Option<(u64, u64)>,
    /// How many objects sit at the path (more than one when a key on the way is duplicated:
    /// then the spans would mix two objects).
    objects: usize,
}

/// The member spans of every target object, found in one scan.
struct Spans<'a> {
    paths: Vec<&'a [String]>,
    targets: Vec<Target>,
}

/// The visitor that collects [`Spans`] from `text`, where most keys are read from
/// ([`MemberKey`]).
struct Collect<'s, 'a, 't> {
    spans: Spans<'a>,
    text: &'s Spliced<'t>,
}

fn same_path(path: &[Seg], target: &[String]) -> bool {
    path.len() == target.len() && on_the_way(path, target)
}

/// Whether `path` is `target` or leads to it.
fn on_the_way(path: &[Seg], target: &[String]) -> bool {
    path.len() <= target.len()
        && path
            .iter()
            .zip(target)
            .all(|(seg, want)| matches!(seg, Seg::Key(k) if k == want))
}

impl Spans<'_> {
    fn target_of(&self, path: &[Seg]) -> Option<usize> {
        self.paths.iter().position(|t| same_path(path, t))
    }
}

impl Visitor for Collect<'_, '_, '_> {
    fn visit(&mut self, path: &[Seg]) -> Visit {
        if self.spans.paths.iter().any(|t| on_the_way(path, t)) {
            Visit::Descend
        } else {
            Visit::Skip
        }
    }
    fn captured(&mut self, _path: &[Seg], _raw: Vec<u8>) {}
    fn member_span(&mut self, object: &[Seg], key: &str, start: u64, end: u64) {
        if let Some(t) = self.spans.target_of(object) {
            let at = start as usize + 1;
            // Read from the text only when the quoted key lies in one piece of it.
            let in_text = u32::try_from(key.len()).ok().filter(|_| {
                start < end
                    && self
                        .text
                        .slice(at - 1, at + key.len() + 1)
                        .is_some_and(|quoted| {
                            quoted[0] == b'"'
                                && quoted[quoted.len() - 1] == b'"'
                                && &quoted[1..quoted.len() - 1] == key.as_bytes()
                        })
            });
            let key = match in_text {
                Some(len) => MemberKey::InText(len),
                None => MemberKey::Escaped(key.into()),
            };
            self.spans.targets[t]
                .members
                .push(Member { key, start, end });
        }
    }
    fn object_span(&mut self, path: &[Seg], open: u64, close: u64) {
        if let Some(t) = self.spans.target_of(path) {
            self.spans.targets[t].object = Some((open, close));
            self.spans.targets[t].objects += 1;
        }
    }
}

fn show(path: &[String]) -> String {
    if path.is_empty() {
        "the top-level object".to_string()
    } else {
        format!("/{}", path.join("/"))
    }
}

/// Scans `text` once for the members of every object in `paths`. Refuses broken JSON, a BOM, an
/// object that appears twice, and an object (or a key on the way to it) with a duplicated key.
fn spans<'a>(text: &Spliced<'_>, paths: Vec<&'a [String]>) -> Result<Spans<'a>> {
    let mut collect = Collect {
        spans: Spans {
            targets: paths.iter().map(|_| Target::default()).collect(),
            paths,
        },
        text,
    };
    let report = scan::scan(text.reader(), &mut collect)?;
    let v = collect.spans;
    if let Some(e) = report.error {
        bail!("the file is not valid JSON ({})", e.kind.describe());
    }
    if report.bom {
        bail!("the file starts with a byte order mark");
    }
    for (path, t) in v.paths.iter().zip(&v.targets) {
        if t.objects > 1 {
            bail!(
                "the file holds /{} more than once (a duplicated key); edit it by hand",
                path.join("/")
            );
        }
    }
    for d in &report.duplicates {
        for path in &v.paths {
            let inside = same_path(&d.object_path, path);
            let on_the_way = d.object_path.len() < path.len()
                && on_the_way(&d.object_path, path)
                && path[d.object_path.len()] == d.key;
            if inside || on_the_way {
                bail!(
                    "{} holds the key \"{}\" more than once; fix never edits an object with a \
                     duplicated key (Claude Code uses the last copy): decide which copy is right \
                     and delete the other by hand",
                    show(&path[..d.object_path.len()]),
                    d.key
                );
            }
        }
    }
    Ok(v)
}

/// The byte ranges to delete so that the members at `removed` (indices into `members`, sorted,
/// distinct) are gone, exactly as removing them one at a time would leave the text:
///
/// - the only member left goes with all whitespace: `{}` (what Claude Code accepts and writes);
/// - a member with a kept member after it goes from its key up to the next member's key (its
///   comma and the whitespace before the next);
/// - a member after the last kept one goes from the end of the previous value (the comma before
///   it).
///
/// So the kept members keep the separator that followed each of them, the lead whitespace after
/// `{` and the trail before `}` stay, and runs of removed members collapse.
fn removal_ranges(
    members: &[Member],
    removed: &[usize],
    (open, close): (u64, u64),
) -> Vec<(u64, u64)> {
    if removed.is_empty() {
        return Vec::new();
    }
    if removed.len() == members.len() {
        return vec![(open + 1, close)];
    }
    let mut ranges = Vec::new();
    let mut gone = removed.iter().copied().peekable();
    let mut last_kept: Option<usize> = None;
    let mut i = 0;
    while i < members.len() {
        if gone.peek() != Some(&i) {
            last_kept = Some(i);
            i += 1;
            continue;
        }
        // A run of removed members i..j.
        let mut j = i;
        while gone.peek() == Some(&j) {
            gone.next();
            j += 1;
        }
        if j < members.len() {
            ranges.push((members[i].start, members[j].start));
        } else {
            let prev = last_kept.expect("some member is kept");
            ranges.push((members[prev].end, members[j - 1].end));
        }
        i = j;
    }
    ranges
}

/// Removes the members `removals` name, in one scan and one copy ([`removal_cuts`] and the bytes
/// between the cuts).
pub fn remove_members(text: &[u8], removals: &[Removal]) -> Result<Removed> {
    let Cuts { cuts, found } = removal_cuts(text, removals)?;
    // Exactly the bytes kept: a buffer the size of the old file held half of it unused while
    // the file was written (issue 15).
    let cut: usize = cuts.iter().map(|&(from, to)| to - from).sum();
    let mut out = Vec::with_capacity(text.len().saturating_sub(cut));
    let mut at = 0;
    for (from, to) in cuts {
        out.extend_from_slice(&text[at..from]);
        at = to;
    }
    out.extend_from_slice(&text[at..]);
    Ok(Removed { text: out, found })
}

/// The byte ranges whose removal removes the members `removals` name, found in one scan: the
/// text without them is [`remove_members`]'s, which the write protocol writes from the text it
/// read without copying it ([`super::spliced`]). A removal whose member is not there is
/// reported as not found. Refuses (nothing changes) broken JSON, a byte order mark, and any
/// target object that appears twice or holds a duplicated key.
pub fn removal_cuts(text: &[u8], removals: &[Removal]) -> Result<Cuts> {
    let mut paths: Vec<&[String]> = Vec::new();
    for r in removals {
        if !paths.contains(&&*r.object) {
            paths.push(&r.object);
        }
    }
    for (i, a) in paths.iter().enumerate() {
        if paths[i + 1..]
            .iter()
            .any(|b| a.starts_with(b) || b.starts_with(a))
        {
            bail!(crate::exit::Error::Internal(
                "one edit removes members of nested objects".into()
            ));
        }
    }
    let whole = Spliced::whole(text);
    let s = spans(&whole, paths)?;
    let mut found = vec![false; removals.len()];
    let mut ranges = Vec::new();
    for (t, (path, target)) in s.paths.iter().zip(&s.targets).enumerate() {
        let index: HashMap<&str, usize> = target
            .members
            .iter()
            .enumerate()
            .map(|(i, m)| (m.key(&whole), i))
            .collect();
        let mut removed = HashSet::new();
        for (r, removal) in removals.iter().enumerate() {
            if &*removal.object != s.paths[t] {
                continue;
            }
            if let Some(&i) = index.get(removal.key.as_str()) {
                found[r] = removed.insert(i);
            }
        }
        if removed.is_empty() {
            continue;
        }
        let Some(object) = target.object else {
            bail!(crate::exit::Error::Internal(format!(
                "no span for the object at {}",
                show(path)
            )));
        };
        let mut removed: Vec<usize> = removed.into_iter().collect();
        removed.sort_unstable();
        ranges.extend(removal_ranges(&target.members, &removed, object));
    }
    ranges.sort_unstable();
    let cuts = ranges
        .into_iter()
        .map(|(from, to)| (from as usize, to as usize))
        .collect();
    Ok(Cuts { cuts, found })
}

/// Removes `key` from the object at `object_path` (`[]` is the top level). Returns `None` when the
/// key is not there.
pub fn remove_member(text: &[u8], object_path: &[&str], key: &str) -> Result<Option<Vec<u8>>> {
    let removal = Removal {
        object: object_path.iter().map(|s| s.to_string()).collect(),
        key: key.to_string(),
    };
    let removed = remove_members(text, std::slice::from_ref(&removal))?;
    Ok(removed.found[0].then_some(removed.text))
}

/// Adds `"key": value` as the last member of the object at `object_path`, in the object's own
/// style (compact, or one member per line with its indentation). The object must exist and must not
/// hold `key`. Every existing byte stays as it was.
pub fn insert_member(
    text: &[u8],
    object_path: &[&str],
    key: &str,
    value: &Value,
) -> Result<Vec<u8>> {
    let path: Vec<String> = object_path.iter().map(|s| s.to_string()).collect();
    let whole = Spliced::whole(text);
    let s = spans(&whole, vec![&path])?;
    let target = &s.targets[0];
    let Some((open, close)) = target.object else {
        bail!("no object at /{}", object_path.join("/"));
    };
    if target.members.iter().any(|m| m.key(&whole) == key) {
        bail!("\"{key}\" is already there");
    }
    let (open, close) = (open as usize, close as usize);
    let pretty =
        text[open..close].contains(&b'\n') || (target.members.is_empty() && text.contains(&b'\n'));
    let member = format!(
        "{}{}{}",
        Value::String(key.to_string()),
        if pretty { ": " } else { ":" },
        serde_json::to_string(value)?
    );
    let mut out = Vec::with_capacity(text.len() + member.len() + 8);
    match target.members.last() {
        Some(last) => {
            // Reuse the whitespace that precedes the first member (newline and indentation).
            let first_start = target.members[0].start as usize;
            let lead = &text[open + 1..first_start];
            let last_end = last.end as usize;
            out.extend_from_slice(&text[..last_end]);
            out.push(b',');
            out.extend_from_slice(lead);
            out.extend_from_slice(member.as_bytes());
            out.extend_from_slice(&text[last_end..]);
        }
        None => {
            out.extend_from_slice(&text[..open + 1]);
            out.extend_from_slice(member.as_bytes());
            out.extend_from_slice(&text[close..]);
        }
    }
    Ok(out)
}

/// What a JSON Pointer with two levels or fewer names: the object path and the key.
pub fn split_pointer(pointer: &str) -> Option<(Vec<String>, String)> {
    let mut parts: Vec<String> = pointer
        .strip_prefix('/')?
        .split('/')
        .map(|p| p.replace("~1", "/").replace("~0", "~"))
        .collect();
    let key = parts.pop()?;
    Some((parts, key))
}

/// The value the edited text must parse to: `before` without the removed members, built once
/// (one pass over each object, no copy of the rest).
pub fn expected_after<'a>(
    mut before: Value,
    removals: impl IntoIterator<Item = &'a Removal>,
) -> Value {
    let mut by_object: HashMap<&[String], HashSet<&str>> = HashMap::new();
    for r in removals {
        by_object.entry(&r.object).or_default().insert(&r.key);
    }
    for (object, keys) in by_object {
        let mut target = Some(&mut before);
        for seg in object {
            target = target.and_then(|t| t.get_mut(seg.as_str()));
        }
        if let Some(Value::Object(map)) = target {
            map.retain(|k, _| !keys.contains(k.as_str()));
        }
    }
    before
}

/// Order-sensitive equality (serde_json's `Map` equality ignores order): true exactly when both
/// serialise to the same text, without serialising them (`fix` checks a whole credentials file
/// twice per write).
pub fn same_json(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Null, Value::Null) => true,
        (Value::Bool(x), Value::Bool(y)) => x == y,
        // Floats by their bits: `-0.0` and `0.0` print differently; ints by value and sign.
        (Value::Number(x), Value::Number(y)) => {
            if x.is_f64() || y.is_f64() {
                x.is_f64()
                    && y.is_f64()
                    && x.as_f64().map(f64::to_bits) == y.as_f64().map(f64::to_bits)
            } else {
                x.as_i64() == y.as_i64() && x.as_u64() == y.as_u64()
            }
        }
        (Value::String(x), Value::String(y)) => x == y,
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| same_json(a, b))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .zip(y)
                    .all(|((ka, va), (kb, vb))| ka == kb && same_json(va, vb))
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests;
