use super::Findings;
use super::{CheckInfo, Finding, Severity};
use crate::model::inventory::Inventory;

/// Above this, `.claude.json` is worth a note; above the second, a warning.
const INFO_BYTES: u64 = 50 * 1024 * 1024;
const WARN_BYTES: u64 = 200 * 1024 * 1024;

pub const INFO: CheckInfo = CheckInfo {
    code: super::Code::ConfigBloat,
    severity: Severity::Warning,
    summary: "~/.claude.json is very large (over 50 MB; a warning over 200 MB)",
    explanation: "\
**What it means.** Older Claude Code versions kept per-project prompt history (with pasted \
content) in `~/.claude.json`. Files of 65-238 MB are reported; every start parses the whole file, \
and a large file is more likely to be caught half-written. The finding names the largest \
top-level parts.

**How to fix it by hand.** With Claude Code closed, back the file up and drop the history: \
`cp ~/.claude.json ~/.claude.json.bak && jq 'del(.projects[].history)' ~/.claude.json.bak > \
~/.claude.json`. MCP servers, the account and the settings are kept.",
};

pub const SEVERITIES: super::SeverityRange = super::SeverityRange {
    lowest: Severity::Info,
    why: "a note over 50 MB, a warning over 200 MB",
};

pub fn run(inv: &Inventory, out: &mut Findings<'_>) {
    let Some(size) = inv.global.facts.size.filter(|s| *s > INFO_BYTES) else {
        return;
    };
    let severity = if size > WARN_BYTES {
        Severity::Warning
    } else {
        Severity::Info
    };
    let (mut parts, projects) = match inv.global.content.as_ref() {
        Some(c) => (c.top_level.clone(), c.projects.len()),
        None => (Vec::new(), 0),
    };
    parts.sort_by_key(|m| std::cmp::Reverse(m.bytes));
    let biggest: Vec<String> = parts
        .iter()
        .take(3)
        .map(|m| format!("{} ({} MB)", m.key, m.bytes / 1_048_576))
        .collect();
    let shown = inv.locations.display(&inv.global.path);
    out.push(
        Finding::new(
            INFO.code,
            severity,
            format!(
                "{shown} is {} MB ({projects} projects; largest parts: {}). Every Claude Code start \
                 parses all of it. With Claude Code closed: cp {shown} {shown}.bak && jq \
                 'del(.projects[].history)' {shown}.bak > {shown}",
                size / 1_048_576,
                if biggest.is_empty() {
                    "unknown".to_string()
                } else {
                    biggest.join(", ")
                }
            ),
        )
        .file(inv.global.path.display().to_string())
        .evidence("bytes", size)
        .evidence("projects", projects),
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::Snapshot;
    use serde_json::json;

    fn findings_at(bytes: u64) -> Vec<Finding> {
        let mut snapshot = Snapshot::for_test()
            .with_global_config(json!({"projects": {"/home/u/work": {}, "/home/u/other": {}}}));
        snapshot.global.facts.size = Some(bytes);
        crate::load::for_test::run_check(snapshot, run)
    }

    #[test]
    fn over_50_mb_is_a_note_and_over_200_mb_a_warning() {
        let note = findings_at(INFO_BYTES + 1);
        assert_eq!(note.len(), 1);
        assert_eq!(note[0].code, INFO.code);
        assert_eq!(note[0].severity, Severity::Info);
        assert_eq!(note[0].evidence["bytes"], INFO_BYTES + 1);
        assert_eq!(note[0].evidence["projects"], 2);
        assert_eq!(note[0].file.as_deref(), Some("/home/u/.claude.json"));
        let warning = findings_at(WARN_BYTES + 1);
        assert_eq!(warning[0].severity, Severity::Warning);
    }

    #[test]
    fn up_to_50_mb_is_fine() {
        assert!(findings_at(INFO_BYTES).is_empty());
        assert!(findings_at(1024).is_empty());
    }
}
