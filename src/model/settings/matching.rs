//! How a server is named in a settings list: `.mcp.json` approvals by normalised name, allow and
//! deny rules by name, url (with `*` wildcards) or command.

use serde_json::{Map, Value};

use crate::model::server::ConfiguredServer;

/// `.mcp.json` names are compared after `[^A-Za-z0-9_-]` → `_` (state-formats.md §5.1).
pub(super) fn normalised(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

pub(super) fn names_in(value: &Map<String, Value>, field: &str, name: &str) -> bool {
    let want = normalised(name);
    value.get(field).and_then(Value::as_array).is_some_and(|a| {
        a.iter()
            .filter_map(Value::as_str)
            .any(|n| normalised(n) == want)
    })
}

/// `*` matches any run of characters; everything else matches itself.
pub(super) fn wildcard(pattern: &str, text: &str) -> bool {
    let mut parts = pattern.split('*');
    let first = parts.next().unwrap_or("");
    let Some(mut rest) = text.strip_prefix(first) else {
        return false;
    };
    let parts: Vec<&str> = parts.collect();
    let Some((last, middle)) = parts.split_last() else {
        return rest.is_empty();
    };
    for p in middle {
        match rest.find(p) {
            Some(i) => rest = &rest[i + p.len()..],
            None => return false,
        }
    }
    rest.ends_with(last)
}

/// Whether an `allowedMcpServers` / `deniedMcpServers` member names `s`: by `serverName`, by
/// `serverUrl` (with `*` wildcards) or by `serverCommand` (the command and its arguments).
pub(super) fn policy_matches(rule: &Value, s: &ConfiguredServer) -> bool {
    if let Some(n) = rule.get("serverName").and_then(Value::as_str) {
        return n == s.name;
    }
    if let Some(u) = rule.get("serverUrl").and_then(Value::as_str) {
        return s.url.as_deref().is_some_and(|url| wildcard(u, url));
    }
    if let Some(c) = rule.get("serverCommand").and_then(Value::as_array) {
        let c: Vec<&str> = c.iter().filter_map(Value::as_str).collect();
        return s
            .command
            .as_ref()
            .is_some_and(|have| have.iter().map(String::as_str).eq(c.iter().copied()));
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards_match_like_the_allowlist() {
        assert!(wildcard("http://h/u1/*", "http://h/u1/mcp"));
        assert!(wildcard("*", "anything"));
        assert!(wildcard(
            "https://*.example.com/*",
            "https://a.example.com/mcp"
        ));
        assert!(!wildcard("http://h/u1/*", "http://h/u2/mcp"));
        assert!(wildcard("http://h/x", "http://h/x"));
        assert!(!wildcard("http://h/x", "http://h/xy"));
    }

    #[test]
    fn mcp_json_names_are_compared_normalised() {
        let v = serde_json::json!({"enabledMcpjsonServers": ["my.server"]});
        assert!(names_in(
            v.as_object().unwrap(),
            "enabledMcpjsonServers",
            "my_server"
        ));
        assert!(!names_in(
            v.as_object().unwrap(),
            "enabledMcpjsonServers",
            "other"
        ));
    }
}
