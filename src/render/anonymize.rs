//! What `report` does to its finished text before it is shown: the home path as `~` always, and
//! with `--anonymize` server names, hosts, key hashes, project folders and other processes' config
//! dirs replaced by stable placeholders. Both work on the rendered text, Markdown or JSON, so a path
//! or a name that reached a message without going through `Locations::display` is caught too.

use std::path::Path;

use crate::diagnosis::Diagnosis;
use crate::layout;
use crate::redact;
use crate::system::processes::ProcessScan;

/// `text` with every occurrence of the home path (raw, or as a JSON string escapes it) shown as
/// `~`: the last guard behind the header's promise "paths with the home as `~`", for a path that
/// reached a message or an evidence value without going through `Locations::display`. Only a
/// whole path component matches (`/home/al` is not replaced inside `/home/alice`), and a home
/// of one component (`/`, `/root` is two) is left alone rather than replacing every slash.
pub fn home_as_tilde(text: &str, home: &Path) -> String {
    let raw = home.display().to_string();
    let raw = raw.trim_end_matches('/');
    if raw.len() < 2 {
        return text.to_string();
    }
    let escaped = serde_json::to_string(raw).unwrap_or_default();
    let escaped = escaped.trim_matches('"');
    let mut out = text.to_string();
    for needle in [raw, escaped] {
        out = replace_component(&out, needle, "~");
    }
    out
}

/// Replaces `needle` with `with` where the next character ends a path component.
fn replace_component(text: &str, needle: &str, with: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(needle) {
        let after = &rest[at + needle.len()..];
        let ends = after
            .chars()
            .next()
            .is_none_or(|c| !(c.is_alphanumeric() || matches!(c, '-' | '_' | '.')));
        out.push_str(&rest[..at]);
        out.push_str(if ends { with } else { needle });
        rest = after;
    }
    out.push_str(rest);
    out
}

/// Replaces server names, hosts, key hashes and project folders with stable placeholders.
///
/// Hosts, hashes and folders are replaced wherever they appear (none of them is a word of
/// ours). A server name is replaced only where the renderers put a name: quoted (`'linear'`,
/// `"linear"`, `` `linear` ``, `(linear)`, `<code>linear</code>`), as the name part of a key
/// (`linear|…`, `linear\|…` in a Markdown table), as the last step of a JSON Pointer
/// (`/linear"`), or as the argument of one of our commands (`mcp-auth-doctor login linear`).
/// So a server named `approved`, `fix` or `a` is replaced without touching the words "not
/// approved", "fix would" or "a", and a name of any length is replaced.
pub fn anonymize(text: &str, d: &Diagnosis) -> String {
    let inv = &d.inventory;
    let mut names: Vec<String> = inv.servers.iter().map(|s| s.name.clone()).collect();
    names.extend(inv.entries.iter().map(|e| e.name().to_string()));
    names.extend(inv.markers.iter().map(|m| m.name.clone()));
    let mut hosts: Vec<String> = Vec::new();
    let urls = inv.servers.iter().filter_map(|s| s.url.clone()).chain(
        inv.entries
            .iter()
            .filter_map(|e| e.server_url().map(String::from)),
    );
    for u in urls {
        if let Some(h) = redact::host(&u) {
            hosts.push(h.to_string());
        }
    }
    let hashes: Vec<String> = inv
        .entries
        .iter()
        .filter_map(|e| e.hash().map(String::from))
        .chain(inv.servers.iter().filter_map(|s| {
            s.key
                .as_deref()
                .and_then(|k| crate::model::key::split_key(k).1.map(String::from))
        }))
        .collect();
    let projects: Vec<String> = inv
        .global
        .content
        .as_ref()
        .map(|c| {
            c.projects
                .iter()
                .map(|p| inv.locations.display(Path::new(&p.path)))
                .collect()
        })
        .unwrap_or_default();
    // Other processes' config dirs outside the home would name another user.
    let other_config_dirs: Vec<String> = match &inv.processes {
        ProcessScan::Scanned { processes } => processes
            .iter()
            .filter_map(|p| p.config_dir.as_deref())
            .map(|c| inv.locations.display(c))
            .filter(|c| !c.starts_with('~'))
            .collect(),
        ProcessScan::CannotTell { .. } => Vec::new(),
    };
    let mut anywhere: Vec<(String, String)> = Vec::new();
    // Short folders or hosts would replace pieces of ordinary words; they are not names.
    placeholders(&mut anywhere, projects, "project", 3);
    placeholders(&mut anywhere, other_config_dirs, "config-dir", 3);
    placeholders(&mut anywhere, hosts, "host", 3);
    placeholders(&mut anywhere, hashes, "hash", 3);
    let mut named: Vec<(String, String)> = Vec::new();
    placeholders(&mut named, names, "server", 1);
    // A refresh lock directory's name is made of a key: it becomes the placeholder key's.
    let placeholder = |map: &[(String, String)], of: &str| {
        map.iter()
            .find(|(from, _)| from == of)
            .map(|(_, to)| to.clone())
    };
    for e in &inv.entries {
        let Some(hash) = &e.hash() else { continue };
        if let (Some(n), Some(h)) = (placeholder(&named, e.name()), placeholder(&anywhere, hash)) {
            anywhere.push((
                layout::refresh_lock_dir_name(&format!("{}|{hash}", e.name())),
                layout::refresh_lock_dir_name(&format!("{n}|{h}")),
            ));
        }
    }
    // Longest first, so `work-linear` is replaced before `linear`.
    anywhere.sort_by_key(|(from, _)| std::cmp::Reverse(from.len()));
    let mut out = text.to_string();
    for (from, to) in &anywhere {
        out = out.replace(from.as_str(), to);
    }
    // A name as JSON escapes it is found too (a name with a quote or a backslash in it).
    let mut forms: Vec<(String, &str)> = Vec::new();
    for (from, to) in &named {
        forms.push((from.clone(), to));
        let escaped = serde_json::to_string(from).unwrap_or_default();
        let escaped = escaped.trim_matches('"');
        if escaped != from {
            forms.push((escaped.to_string(), to));
        }
    }
    forms.sort_by_key(|(from, _)| std::cmp::Reverse(from.len()));
    replace_names(&out, &forms)
}

/// Numbers the distinct items of `list` (at least `min` characters long) as `prefix-1`, ….
fn placeholders(map: &mut Vec<(String, String)>, list: Vec<String>, prefix: &str, min: usize) {
    let mut seen: Vec<String> = Vec::new();
    for item in list {
        if item.chars().count() < min || seen.contains(&item) {
            continue;
        }
        seen.push(item.clone());
        map.push((item, format!("{prefix}-{}", seen.len())));
    }
}

/// What may come right before a name the renderers put in the text, and what must then come
/// right after it.
const QUOTES: &[(&str, &[&str])] = &[
    ("'", &["'"]),
    ("\"", &["\""]),
    ("\\\"", &["\\\""]),
    ("`", &["`"]),
    ("(", &[")"]),
    ("<code>", &["</code>"]),
    // A marker's JSON Pointer, `"/name"` (an entry's ends in a key, found by its `|`).
    ("\"/", &["\""]),
];

/// Our commands that take a server name next: a name after one of these is an argument.
const NAME_COMMANDS: &[&str] = &[
    "mcp-auth-doctor login ",
    "mcp-auth-doctor forget ",
    "mcp-auth-doctor probe ",
    "mcp-auth-doctor status ",
    "--server ",
    "claude mcp login ",
    "claude mcp remove ",
    "claude mcp get ",
    "-s user ",
    "-s local ",
    "-s project ",
    "/mcp → ",
];

/// Whether the `len` bytes at `at` in `text` are a name where the renderers put one.
fn is_name_position(text: &str, at: usize, len: usize) -> bool {
    let before = &text[..at];
    let after = &text[at + len..];
    // The name part of a key, raw or with the pipe escaped for a Markdown table.
    let starts_token = before
        .chars()
        .next_back()
        .is_none_or(|c| !(c.is_alphanumeric() || matches!(c, '-' | '_' | '.' | ':')));
    if starts_token && (after.starts_with('|') || after.starts_with("\\|")) {
        return true;
    }
    if QUOTES.iter().any(|(open, closers)| {
        before.ends_with(open) && closers.iter().any(|c| after.starts_with(c))
    }) {
        return true;
    }
    let ends_token = after
        .chars()
        .next()
        .is_none_or(|c| !(c.is_alphanumeric() || matches!(c, '-' | '_' | '.' | ':' | '|')))
        || after.starts_with(". ")
        || after.starts_with(".\n");
    ends_token && NAME_COMMANDS.iter().any(|c| before.ends_with(c))
}

/// One pass over `text`: at each place one of `forms` (longest first) is at a name position,
/// its placeholder; everything else as it was. One pass, so that a placeholder is never
/// replaced again by a later name.
fn replace_names(text: &str, forms: &[(String, &str)]) -> String {
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    'scan: while at < text.len() {
        for (from, to) in forms {
            if text[at..].starts_with(from.as_str()) && is_name_position(text, at, from.len()) {
                out.push_str(to);
                at += from.len();
                continue 'scan;
            }
        }
        let c = text[at..].chars().next().unwrap_or(' ');
        out.push(c);
        at += c.len_utf8();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_home_becomes_tilde_only_as_a_whole_component() {
        let home = Path::new("/home/al");
        assert_eq!(
            home_as_tilde("chmod 0600 /home/al/.claude/x and /home/alice/y", home),
            "chmod 0600 ~/.claude/x and /home/alice/y"
        );
        assert_eq!(home_as_tilde("\"/home/al\"", home), "\"~\"");
        assert_eq!(home_as_tilde("`/home/al`.", home), "`~`.");
    }

    #[test]
    fn a_home_json_escapes_is_found_escaped() {
        let home = Path::new("/home/a\"b");
        let json = serde_json::to_string("/home/a\"b/.claude.json").unwrap();
        assert_eq!(home_as_tilde(&json, home), "\"~/.claude.json\"");
    }

    #[test]
    fn a_root_home_is_left_alone() {
        assert_eq!(home_as_tilde("/etc/x", Path::new("/")), "/etc/x");
    }
}
