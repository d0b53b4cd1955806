use super::{CheckInfo, Finding, SIGN_IN_AS_NEXT, Severity, defined_elsewhere};
use crate::model::inventory::Inventory;

pub const INFO: CheckInfo = CheckInfo {
    code: super::Code::MissingRegistration,
    severity: Severity::Info,
    summary: "A configured http/sse server has no OAuth entry under its current key",
    explanation: "\
**What it means.** No `mcpOAuth` entry exists under the key Claude Code derives from the server's \
current config. Claude Code connects without a token. That is fine for a server that needs no \
OAuth; one that does answers 401 and shows `! Needs authentication` until you sign in.

**Why it happens.** The server was never signed in to, the config changed (the old entry is then \
reported as `stale-registration`), or the credentials were wiped (`/logout`, an account switch).

**How to fix it.** If the server needs OAuth: `/mcp` → Authenticate (`claude mcp login NAME` on 2.1.186+). After a wipe, \
`mcp-auth-doctor restore` can bring back grants from a backup.",
};

pub fn run(inv: &Inventory, out: &mut Vec<Finding>) {
    if !inv.entries_known() || !inv.has_any_state() {
        return;
    }
    let mut seen = std::collections::HashSet::new();
    for s in &inv.servers {
        let Some(key) = &s.key else { continue };
        // With an unset ${VAR} the key computed here is not Claude Code's: see unset-env-var.
        if !s.env_missing.is_empty()
            || s.loading.is_dead()
            || s.static_auth.is_some()
            || defined_elsewhere(inv, &s.name)
            || inv.entry(key).is_some()
            || !seen.insert(key.as_str())
        {
            continue;
        }
        let old = inv.entries.iter().filter(|e| e.name == s.name).count();
        let note = match old {
            0 => String::new(),
            1 => " Its one entry is under an older key that Claude Code no longer reads (see \
                  stale-registration)."
                .to_string(),
            n => format!(
                " Its {n} entries are under older keys that Claude Code no longer reads (see \
                 stale-registration)."
            ),
        };
        let text = if super::stale_registration::moves_into(inv, &s.name, key) {
            format!(
                "No OAuth entry under the current key of '{}' ({key}).{note} fix moves its usable \
                 token here, so no sign-in is needed.",
                s.name
            )
        } else {
            format!(
                "No OAuth entry under the current key of '{}' ({key}): Claude Code connects \
                 without a token, and if the server requires OAuth it shows ! Needs \
                 authentication until you sign in ({SIGN_IN_AS_NEXT}).{note}",
                s.name
            )
        };
        out.push(
            Finding::new(INFO.code, INFO.severity, text)
                .server(&s.name)
                .key(key),
        );
    }
}
