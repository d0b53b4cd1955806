//! A settings file that is valid JSON but that Claude Code rejects as a whole, so it ignores every
//! setting in it (the plugins it enables, the approvals and server lists it sets). Seen with the
//! real client 2.1.332 (tests/real-client/README.md, settings-plugins): one `enabledPlugins`
//! value that is not a boolean, and `claude plugin enable` says `~/.claude/settings.json does not
//! load (its "enabledPlugins.acme@market" is not valid), so Claude Code ignores the whole file`.
//! The model (`model::settings::rejected_setting`) decides which files; this check says so.

use super::Findings;
use super::{CheckInfo, Finding, Severity};
use crate::model::inventory::Inventory;

pub const INFO: CheckInfo = CheckInfo {
    code: super::Code::InvalidSettingsFile,
    severity: Severity::Error,
    summary: "A settings file holds a value Claude Code rejects, so it ignores the whole file",
    explanation: "\
**What it means.** A settings file (`~/.claude/settings.json`, the project's \
`.claude/settings.json` or `settings.local.json`, the managed `managed-settings.json` or one \
of the drop-ins in `managed-settings.d/`) is valid JSON, but one of its values is not what Claude Code accepts: an `enabledPlugins` member that is \
not `true` or `false` (`\"yes\"`, `1`, `null`). Claude Code then does not load the file at all: \
`~/.claude/settings.json does not load (its \"enabledPlugins.acme@market\" is not valid), so Claude \
Code ignores the whole file` (2.1.332's `claude plugin enable`; 2.1.100 ignores it the same way).

**What Claude Code does with it.** Every setting in the file is ignored, not only the bad one: \
the plugins it enables are off (their MCP servers are not loaded), and the approvals, \
`disabledMcpjsonServers`, allow and deny lists it sets do not count. The other settings files \
still load (of the managed drop-ins, each is skipped alone). Commands that write settings (`claude plugin enable`) write to the file but it stays \
ignored. This tool judges the servers the same way.

**How to fix it by hand.** Set the value the finding names to `true` (on) or `false` (off), or \
remove it. mcp-auth-doctor does not edit settings files.",
};

pub fn run(inv: &Inventory, out: &mut Findings<'_>) {
    for f in &inv.settings.ignored {
        out.push(
            Finding::new(
                INFO.code,
                INFO.severity,
                format!(
                    "{} does not load: its \"{}\" is {}, not true or false, so Claude Code \
                     ignores the whole file (every setting in it: the plugins it enables, the \
                     approvals and server lists it sets). Servers are judged without it. Set \
                     that value to true or false.",
                    f.shown, f.setting, f.found
                ),
            )
            .file(f.path.display().to_string())
            .evidence("setting", f.setting.as_str()),
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
    fn a_non_boolean_enabled_plugins_value_makes_the_file_ignored() {
        let found = findings(Snapshot::for_test().with_user_settings(json!({
            "enabledPlugins": {"ok@m": true, "bad@m": "CANARY-yes"},
            "enableAllProjectMcpServers": true
        })));
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].code, INFO.code);
        assert!(
            found[0]
                .message
                .contains("\"enabledPlugins.bad@m\" is a string"),
            "{}",
            found[0].message
        );
        assert!(!found[0].message.contains("CANARY"), "{}", found[0].message);
    }

    #[test]
    fn booleans_and_other_files_are_not_reported() {
        let found = findings(
            Snapshot::for_test()
                .with_user_settings(json!({"enabledPlugins": {"a@m": true, "b@m": false}}))
                .with_local_settings(json!({"enabledMcpjsonServers": ["x"]})),
        );
        assert!(found.is_empty(), "{found:?}");
    }
}
