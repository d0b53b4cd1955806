//! A `${VAR}` server's entry under the key a Claude Code started without the variable computes
//! (issue 9 item 4, anthropics/claude-code#81090): live for GUI, IDE and launchd launches, so it
//! is reported, never removed.

use super::Findings;
use super::{CheckInfo, Finding, Severity};
use crate::model::inventory::Inventory;

pub const INFO: CheckInfo = CheckInfo {
    code: super::Code::LauncherKey,
    severity: Severity::Info,
    summary: "An entry is under the key a Claude Code started without the server's ${VAR} uses",
    explanation: "\
**What it means.** The server's url or headers use `${VAR}`. Claude Code expands it from its own \
environment, and an unset variable stays as the literal `${VAR}` text, in the request and in the \
key its OAuth state is filed under. A variable exported only in an interactive shell's rc file is \
unset for Claude Code started from a GUI, an IDE or launchd, so one server has two keys: the one \
computed here (the variable set) and the one without it. This entry is under the second: it is \
live for those launches, and this tool never removes it. (Reported upstream as \
anthropics/claude-code#81090.)

**How to fix it.** Make the variable reach every way you start Claude Code (the IDE's or the \
desktop's environment, `launchctl setenv VAR value` on macOS, a systemd user environment), or \
take the value out of the config: a `headersHelper` script prints the headers at connect time and \
is not part of the key. Once every launch has the variable the entry is unused; this tool still \
keeps it (remove it by hand, backed up, if you are sure).",
};

pub fn run(inv: &Inventory, out: &mut Findings<'_>) {
    if !inv.entries_known() {
        return;
    }
    let mut seen = std::collections::HashSet::new();
    for s in &inv.servers {
        let Some(key) = &s.unset_env_key else {
            continue;
        };
        let Some(e) = inv.entry(key) else { continue };
        if !seen.insert(key.as_str()) {
            continue;
        }
        let vars: Vec<String> = s.env_used.iter().map(|v| format!("${{{v}}}")).collect();
        let token = if e.token.usable() {
            "It holds a usable token"
        } else {
            "It holds no usable token"
        };
        out.push(
            Finding::new(
                INFO.code,
                INFO.severity,
                format!(
                    "'{}' uses {} in its url or headers. {key} is its key with {} unset (the \
                     literal text stays), which is what Claude Code started from a GUI, an IDE or \
                     launchd computes when the variable is only set in your shell: that entry is \
                     live for those launches. {token}; it is kept. Make the variable reach every \
                     launcher, or use a headersHelper instead of ${{VAR}} in headers \
                     (anthropics/claude-code#81090).",
                    s.name,
                    vars.join(", "),
                    if vars.len() == 1 { "it" } else { "them" },
                ),
            )
            .server(&s.name)
            .key(key)
            .file(inv.credentials.path.display().to_string())
            .evidence("variables", s.env_used.clone()),
        );
    }
}
