use super::Findings;
use super::{CheckInfo, Finding, Severity};
use crate::model::inventory::Inventory;

pub const INFO: CheckInfo = CheckInfo {
    code: super::Code::LegacyConfigFile,
    severity: Severity::Info,
    summary: "The legacy ~/.claude/.config.json exists, so Claude Code uses it instead of ~/.claude.json",
    explanation: "\
**What it means.** When `<configDir>/.config.json` exists, Claude Code treats it as its global \
config and ignores `~/.claude.json` entirely: user- and local-scope MCP servers are read from the \
legacy file. Edits to `~/.claude.json` then seem to have no effect.

**Why it happens.** Very old installs, or a file copied into `~/.claude` by hand.

**How to fix it by hand.** If `.config.json` is stale, move it aside (Claude Code then uses \
`~/.claude.json`); if it is the one you use, keep it and know that it wins.",
};

pub fn run(inv: &Inventory, out: &mut Findings<'_>) {
    if !inv.locations.legacy_global_config {
        return;
    }
    let legacy = inv.locations.display(&inv.locations.global_config.path);
    let ignored = inv.locations.home.path.join(crate::layout::GLOBAL_CONFIG);
    let also = if inv.disk.home_global_config_exists {
        format!(
            "; {} exists but is ignored",
            inv.locations.display(&ignored)
        )
    } else {
        String::new()
    };
    out.push(
        Finding::new(
            INFO.code,
            INFO.severity,
            format!(
                "Claude Code uses the legacy {legacy} as its global config because it exists{also}. \
                 MCP servers are read from the legacy file."
            ),
        )
        .file(inv.locations.global_config.path.display().to_string()),
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::Snapshot;

    fn findings(snapshot: Snapshot) -> Vec<Finding> {
        let mut out = Findings::list();
        run(&snapshot.inventory(), &mut out);
        out.into_vec()
    }

    #[test]
    fn the_legacy_file_in_use_is_reported_with_the_ignored_one() {
        let found = findings(Snapshot::for_test_with(true).with_home_global_config_file());
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].code, INFO.code);
        assert_eq!(
            found[0].file.as_deref(),
            Some("/home/u/.claude/.config.json")
        );
        assert!(
            found[0]
                .message
                .contains("; ~/.claude.json exists but is ignored"),
            "{}",
            found[0].message
        );
    }

    #[test]
    fn an_ignored_file_that_does_not_exist_is_not_mentioned() {
        let found = findings(Snapshot::for_test_with(true));
        assert_eq!(found.len(), 1);
        assert!(
            !found[0].message.contains("ignored"),
            "{}",
            found[0].message
        );
    }

    #[test]
    fn no_legacy_file_no_finding() {
        assert!(findings(Snapshot::for_test().with_home_global_config_file()).is_empty());
    }
}
