use super::{CheckInfo, Finding, Severity, has_static_auth, live_entries, remove_marker};
use crate::model::inventory::Inventory;
use crate::model::marker::MarkerState;
use crate::timefmt;

pub const INFO: CheckInfo = CheckInfo {
    code: super::Code::StaleNeedsAuthMarker,
    severity: Severity::Error,
    summary: "A fresh needs-auth marker blocks a server whose current key holds a usable token",
    explanation: "\
**What it means.** `mcp-needs-auth-cache.json` has a marker for the server younger than its TTL \
(15 minutes, or the marker's `ttlMs`), and the entry under the server's current key holds a usable \
token. Non-interactive sessions (`claude -p`, the SDK, scripts and CI) skip the server **without \
connecting** until the marker expires, while `claude mcp list` and `/mcp` show it connected: \
\"connected, but no tools\". An interactive `claude` deletes the whole marker file when it starts, \
so it is not affected.

**Why it happens.** A connection needed auth and wrote the marker; a sign-in in `/mcp` or another \
process then stored a token, but nothing clears the marker.

**How to fix it.** Remove the marker (`fix`, safe: it holds no credential), or delete the file \
`mcp-needs-auth-cache.json` while Claude Code is not running. The effect is immediate.",
};

pub fn run(inv: &Inventory, out: &mut Vec<Finding>) {
    for m in &inv.markers {
        if m.state != MarkerState::Fresh || has_static_auth(inv, &m.name) {
            continue;
        }
        let usable = inv
            .in_use_named(&m.name)
            .filter_map(|s| live_entries(inv, s))
            .find(|e| e.token.usable());
        let Some(e) = usable else { continue };
        let until = m
            .expires_at()
            .map(|t| {
                format!(
                    " for another {} (until {})",
                    timefmt::duration(t.saturating_sub(inv.now_ms)),
                    timefmt::rfc3339(t)
                )
            })
            .unwrap_or_default();
        let age = m.age_ms.map(timefmt::duration).unwrap_or_default();
        out.push(
            Finding::new(
                INFO.code,
                INFO.severity,
                format!(
                    "Non-interactive sessions (claude -p, the SDK) will skip '{name}'{until} because \
                     a needs-auth marker from {age} ago says it needed a login, but its current key \
                     {key} holds a usable token. `claude mcp list` says Connected (it ignores the \
                     marker) while those sessions show no tools. Removing the marker fixes them at \
                     once.",
                    name = m.name,
                    key = e.key,
                ),
            )
            .server(&m.name)
            .key(&e.key)
            .file(inv.cache.path.display().to_string())
            .evidence("marker_age_seconds", m.age_ms.unwrap_or_default() / 1000)
            .action(remove_marker(inv, &m.name)),
        );
    }
}
