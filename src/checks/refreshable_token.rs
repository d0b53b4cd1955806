use super::{CheckInfo, Finding, Severity};
use crate::model::entry::TokenState;
use crate::model::inventory::Inventory;
use crate::timefmt;

pub const INFO: CheckInfo = CheckInfo {
    code: super::Code::RefreshableToken,
    severity: Severity::Info,
    summary: "The access token expired or expires within 5 minutes, and Claude Code will refresh it",
    explanation: "\
**What it means.** The access token has expired, or expires within Claude Code's 300-second \
refresh window, and a refresh token is stored. Claude Code refreshes it (under its refresh lock) \
on the next connection. Nothing to do.

**When it becomes a problem.** If the server rejects the refresh token (`invalid_grant`), Claude \
Code blanks the entry and the server needs a login; that shows up as `pending-registration`. \
mcp-auth-doctor never refreshes tokens itself: a refresh racing a running Claude Code can revoke \
the whole token family.",
};

pub fn run(inv: &Inventory, out: &mut Vec<Finding>) {
    let live = inv.live_keys();
    for e in &inv.entries {
        if e.token != TokenState::Refreshable || !live.contains_key(e.key.as_str()) {
            continue;
        }
        let when = match e.expires_at() {
            Some(t) if t <= inv.now_ms => format!("expired {}", timefmt::relative(t, inv.now_ms)),
            Some(t) => format!("expires {}", timefmt::relative(t, inv.now_ms)),
            None => "has no access token".to_string(),
        };
        let mut f = Finding::new(
            INFO.code,
            INFO.severity,
            format!(
                "The access token for '{}' {when}; Claude Code refreshes it with the stored refresh \
                 token on the next connection.",
                e.name
            ),
        )
        .server(&e.name)
        .key(&e.key);
        if let Some(t) = e.expires_at() {
            f = f.evidence("expires_at", timefmt::rfc3339(t));
        }
        out.push(f);
    }
}
