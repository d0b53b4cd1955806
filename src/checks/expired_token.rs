use super::{CheckInfo, Finding, SIGN_IN_AS_NEXT, Severity};
use crate::model::entry::TokenState;
use crate::model::inventory::Inventory;
use crate::timefmt;

pub const INFO: CheckInfo = CheckInfo {
    code: super::Code::ExpiredToken,
    severity: Severity::Error,
    summary: "The access token expired and there is no refresh token: an interactive login is needed",
    explanation: "\
**What it means.** The entry under the server's current key has an access token whose `expiresAt` \
has passed, and no refresh token. Claude Code will not send an expired token, the server answers \
401, and every view shows `! Needs authentication`.

**Why it happens.** Servers that issue no refresh token (or whose refresh tokens are not stored), \
and machines that were off longer than the token's lifetime.

**How to fix it.** Sign in again: `/mcp` → Authenticate (`claude mcp login NAME` on 2.1.186+), or `/mcp` → the server → Authenticate \
in a session. When the entry keeps a client registration, `fix` removes it first \
(`dead-client-registration`), so the sign-in registers a new client instead of reusing one the \
server may have forgotten; `mcp-auth-doctor login NAME` does both.",
};

pub fn run(inv: &Inventory, out: &mut Vec<Finding>) {
    let live = inv.live_keys();
    for e in &inv.entries {
        if e.token != TokenState::Expired || !live.contains_key(e.key.as_str()) {
            continue;
        }
        if super::unloaded_server_state::all_dead(&live[e.key.as_str()]) {
            continue; // not loaded here: no sign-in (unloaded-server-state)
        }
        let when = e
            .expires_at()
            .map(|t| format!(" {}", timefmt::relative(t, inv.now_ms)))
            .unwrap_or_default();
        let mut f = Finding::new(
            INFO.code,
            INFO.severity,
            format!(
                "The access token for '{name}' expired{when} and there is no refresh token, so \
                 Claude Code connects without it and the server asks again: ! Needs \
                 authentication. Sign in again ({SIGN_IN_AS_NEXT}).",
                name = e.name,
            ),
        )
        .server(&e.name)
        .key(&e.key)
        .file(inv.credentials.path.display().to_string());
        if let Some(t) = e.expires_at() {
            f = f.evidence("expires_at", timefmt::rfc3339(t));
        }
        out.push(f);
    }
}
