use super::Findings;
use super::{CheckInfo, Finding, Severity};
use crate::model::inventory::Inventory;

pub const INFO: CheckInfo = CheckInfo {
    code: super::Code::InvalidServerConfig,
    severity: Severity::Error,
    summary: "A configured MCP server is invalid, so Claude Code drops its whole scope",
    explanation: "\
**What it means.** A server definition that Claude Code's config schema rejects: most often a \
`url` without `\"type\": \"http\"` or `\"sse\"` (the type is required for url servers), or a \
definition with neither `url` nor `command`, or a `type` it does not know. Claude Code 2.1.100 \
then ignores **every** server in the same scope (user scope, one local project, one `.mcp.json`, \
the managed file), silently: `claude mcp list` prints no error. Plugin files are the exception: \
only the bad server is skipped. `\"type\": \"streamable-http\"` (the spelling vendor documentation \
uses) is invalid this way in releases before 2.1.332; from 2.1.332 on it is an alias of `http` (and the \
key is hashed as `\"type\":\"http\"`), so the doctor judges it by the release it assumes (the \
installed one, or `--claude-version`).

**How to fix it by hand.** Re-add it with `claude mcp add --transport http NAME URL` (or edit the \
file and add the missing field).",
};

pub fn run(inv: &Inventory, out: &mut Findings<'_>) {
    for s in &inv.servers {
        let Some(why) = &s.invalid else { continue };
        let siblings: Vec<&str> = inv
            .servers
            .iter()
            .filter(|o| o.file == s.file && o.scope == s.scope && o.name != s.name)
            // Plugin files are validated server by server.
            .filter(|o| !matches!(o.scope, crate::model::server::Scope::Plugin { .. }))
            .map(|o| o.name.as_str())
            .collect();
        let dropped = if siblings.is_empty() {
            String::new()
        } else {
            format!(
                " Claude Code then ignores every server in that scope, so '{}' {} unavailable too.",
                siblings.join("', '"),
                if siblings.len() == 1 { "is" } else { "are" }
            )
        };
        out.push(
            Finding::new(
                INFO.code,
                INFO.severity,
                format!(
                    "'{}' ({} scope, {}) is not a valid server definition: {why}.{dropped}",
                    s.name,
                    s.scope.label(),
                    inv.locations.display(&s.file)
                ),
            )
            .server(&s.name)
            .file(s.file.display().to_string())
            .evidence("dropped_with_it", siblings),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::Snapshot;
    use serde_json::json;

    fn findings(snapshot: Snapshot) -> Vec<Finding> {
        crate::load::for_test::run_check(snapshot, run)
    }

    #[test]
    fn a_url_server_without_a_type_is_invalid_and_takes_its_scope_with_it() {
        let found = findings(
            Snapshot::for_test().with_global_config(json!({"mcpServers": {
                "typeless": {"url": "https://typeless.example/mcp"},
                "fine": {"type": "http", "url": "https://fine.example/mcp"},
            }})),
        );
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].code, INFO.code);
        assert_eq!(found[0].severity, INFO.severity);
        assert_eq!(found[0].server.as_deref(), Some("typeless"));
        assert_eq!(found[0].file.as_deref(), Some("/home/u/.claude.json"));
        assert_eq!(found[0].evidence["dropped_with_it"], json!(["fine"]));
    }

    #[test]
    fn a_server_in_another_scope_is_not_dropped_with_it() {
        let found = findings(
            Snapshot::for_test()
                .with_global_config(json!({"mcpServers": {"bad": {"type": "http"}}}))
                .with_mcp_json(
                    "/home/u/work",
                    json!({"mcpServers": {"fine": {"type": "http", "url": "https://f.example"}}}),
                ),
        );
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].evidence["dropped_with_it"], json!([]));
    }

    #[test]
    fn valid_definitions_are_not_reported() {
        let found = findings(
            Snapshot::for_test().with_global_config(json!({"mcpServers": {
                "http": {"type": "http", "url": "https://a.example/mcp"},
                "stdio": {"command": "npx", "args": ["server"]},
            }})),
        );
        assert!(found.is_empty(), "{found:?}");
    }
}
