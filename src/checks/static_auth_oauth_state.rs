use super::{CheckInfo, Finding, Severity, remove_entry, remove_marker};
use crate::model::inventory::Inventory;
use crate::model::server::StaticAuth;

pub const INFO: CheckInfo = CheckInfo {
    code: super::Code::StaticAuthOauthState,
    severity: Severity::Warning,
    summary: "OAuth state for a server that authenticates with a static header or headersHelper",
    explanation: "\
**What it means.** The server is configured with an `Authorization` header or a `headersHelper`, \
yet an `mcpOAuth` entry or a needs-auth marker exists for it. Any 401 or 403 (a wrong or rotated \
token, a WAF) makes Claude Code start OAuth discovery and save a placeholder; the placeholder and \
the marker then make sessions skip the server, although it never used OAuth.

**Why it happens.** An expired or rotated static token, a proxy answering 401/403, basic auth in \
front of the server. Note that header values are part of the key, so rotating the token in the \
header also orphans the old entry.

**How to fix it.** Remove the entry and the marker (`fix`), then fix the static credential itself \
(the header value or the helper's output).",
};

pub fn run(inv: &Inventory, out: &mut Vec<Finding>) {
    let mut done = std::collections::HashSet::new();
    for s in &inv.servers {
        let Some(auth) = s.static_auth else { continue };
        if !done.insert(s.name.as_str()) {
            continue;
        }
        let how = match auth {
            StaticAuth::AuthorizationHeader => "an Authorization header",
            StaticAuth::HeadersHelper => "a headersHelper",
        };
        if let Some(e) = s.key.as_deref().and_then(|k| inv.entry(k)) {
            let skip = if e.token.usable() {
                String::new()
            } else {
                " Sessions skip the server because of it.".to_string()
            };
            out.push(
                Finding::new(
                    INFO.code,
                    INFO.severity,
                    format!(
                        "'{}' authenticates with {how}, yet an OAuth entry exists under its key {} \
                         (saved after a 401 or 403 started OAuth discovery).{skip} Remove it and \
                         check the static credential.",
                        s.name, e.key
                    ),
                )
                .server(&s.name)
                .key(&e.key)
                .file(inv.credentials.path.display().to_string())
                .action(remove_entry(inv, &e.key, !e.token.usable()).map(|a| {
                    if e.token.usable() {
                        a.only_when_asked("it is under the live key and holds a usable token")
                    } else {
                        a
                    }
                })),
            );
        }
        if let Some(m) = inv.marker(&s.name) {
            let effect = if m.blocks() {
                "sessions skip the server until it expires"
            } else {
                "it has expired and no longer counts"
            };
            out.push(
                Finding::new(
                    INFO.code,
                    INFO.severity,
                    format!(
                        "'{}' authenticates with {how}, yet it has a needs-auth marker: {effect}. \
                         Remove it and check the static credential.",
                        s.name
                    ),
                )
                .server(&s.name)
                .file(inv.cache.path.display().to_string())
                .action(remove_marker(inv, &s.name)),
            );
        }
    }
}
