use super::Findings;
use super::{CheckInfo, Finding, Severity};
use crate::model::inventory::Inventory;

pub const INFO: CheckInfo = CheckInfo {
    code: super::Code::UnsetEnvVar,
    severity: Severity::Warning,
    summary: "A server's url or headers use ${VAR}, and VAR is not set in this shell",
    explanation: "\
**What it means.** Claude Code expands `${VAR}` and `${VAR:-default}` in a server's url and header \
values from its own environment. A variable that is unset (with no default) stays as the literal \
`${VAR}` text: the url is then not a real address and Claude Code fails to connect \
(`✗ Failed to connect`). The key of the server's OAuth state is computed after expansion, so every \
value of the variable has its own key: this tool computes keys with *this shell's* environment.

**How to fix it.** Set the variable where you start Claude Code (and where you run this tool, so \
both agree), or give it a default: `${VAR:-value}`.",
};

pub fn run(inv: &Inventory, out: &mut Findings<'_>) {
    let mut seen = std::collections::HashSet::new();
    for s in &inv.servers {
        if s.env_missing.is_empty() || !seen.insert((s.name.as_str(), s.file.as_path())) {
            continue;
        }
        let vars: Vec<String> = s.env_missing.iter().map(|v| format!("${{{v}}}")).collect();
        out.push(
            Finding::new(
                INFO.code,
                INFO.severity,
                format!(
                    "'{}' uses {} in its url or headers, and it is not set in this shell. A Claude \
                     Code started without it keeps the literal text and fails to connect; started \
                     with it, the server's OAuth state sits under a different key than the one \
                     computed here.",
                    s.name,
                    vars.join(", ")
                ),
            )
            .server(&s.name)
            .file(s.file.display().to_string())
            .evidence("unset", s.env_missing.clone()),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::Snapshot;
    use serde_json::json;

    fn findings(server: serde_json::Value) -> Vec<Finding> {
        let snapshot =
            Snapshot::for_test().with_global_config(json!({"mcpServers": {"api": server}}));
        crate::load::for_test::run_check(snapshot, run)
    }

    #[test]
    fn an_unset_variable_in_the_url_is_reported() {
        let found = findings(json!({"type": "http", "url": "https://${MCP_TEST_UNSET_HOST}/mcp"}));
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].code, INFO.code);
        assert_eq!(found[0].severity, INFO.severity);
        assert_eq!(found[0].server.as_deref(), Some("api"));
        assert_eq!(found[0].evidence["unset"], json!(["MCP_TEST_UNSET_HOST"]));
    }

    #[test]
    fn a_variable_with_a_default_or_none_at_all_is_fine() {
        assert!(
            findings(
                json!({"type": "http", "url": "https://${MCP_TEST_UNSET_HOST:-a.example}/mcp"})
            )
            .is_empty()
        );
        assert!(findings(json!({"type": "http", "url": "https://a.example/mcp"})).is_empty());
    }
}
