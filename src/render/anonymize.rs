//! What `report` does to its finished text before it is shown: the home path as `~` always, and
//! with `--anonymize` server names, hosts, key hashes, project folders and other processes' config
//! dirs replaced by stable placeholders. Both work on the rendered text, Markdown or JSON, so a path
//! or a name that reached a message without going through `Locations::display` is caught too.

use std::path::Path;

use crate::diagnosis::Diagnosis;
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
pub fn anonymize(text: &str, d: &Diagnosis) -> String {
    let inv = &d.inventory;
    let mut names: Vec<String> = inv.servers.iter().map(|s| s.name.clone()).collect();
    names.extend(inv.entries.iter().map(|e| e.name.clone()));
    names.extend(inv.markers.iter().map(|m| m.name.clone()));
    let mut hosts: Vec<String> = Vec::new();
    let urls = inv
        .servers
        .iter()
        .filter_map(|s| s.url.clone())
        .chain(inv.entries.iter().filter_map(|e| e.server_url.clone()));
    for u in urls {
        if let Some(h) = redact::host(&u) {
            hosts.push(h.to_string());
        }
    }
    let hashes: Vec<String> = inv
        .entries
        .iter()
        .filter_map(|e| e.hash.clone())
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
    let mut map: Vec<(String, String)> = Vec::new();
    let mut add = |list: Vec<String>, prefix: &str| {
        let mut seen: Vec<String> = Vec::new();
        for item in list {
            // Very short names would replace pieces of ordinary words.
            if item.chars().count() < 3 || seen.contains(&item) {
                continue;
            }
            seen.push(item.clone());
            map.push((item, format!("{prefix}-{}", seen.len())));
        }
    };
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
    add(projects, "project");
    add(other_config_dirs, "config-dir");
    add(hosts, "host");
    add(hashes, "hash");
    add(names, "server");
    // Longest first, so `work-linear` is replaced before `linear`.
    map.sort_by_key(|(from, _)| std::cmp::Reverse(from.len()));
    let mut out = text.to_string();
    for (from, to) in &map {
        out = out.replace(from.as_str(), to);
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
