use super::{CheckInfo, Finding, Severity, live_entries};
use crate::model::inventory::Inventory;

pub const INFO: CheckInfo = CheckInfo {
    code: super::Code::RedirectPortMismatch,
    severity: Severity::Warning,
    summary: "The stored client registration redirects to another port than oauth.callbackPort",
    explanation: "\
**What it means.** A dynamically registered OAuth client is bound to the redirect URI it was \
registered with (`http://localhost:<port>/callback`). The entry's `redirectUri` names one port, \
the server's config (`oauth.callbackPort`) another. Sign-in then fails at the authorization server \
with `redirect_uri_mismatch` (or the browser cannot reach the callback), every time, because the \
stored registration is reused.

**Why it happens.** The callback port was set or changed after the first sign-in, or the first \
registration used a random port.

**How to fix it.** Remove the entry so the next sign-in registers anew with the configured port, \
then sign in (`mcp-auth-doctor login NAME` does both). `fix` removes it by default when it holds \
no usable token; one that still holds a usable token keeps working until the next sign-in, so it \
is removed only when asked: `mcp-auth-doctor fix --only redirect-port-mismatch --server NAME` \
(not `forget NAME`, which would also drop every other key of the name).",
};

/// The port of a loopback redirect URI (`http://localhost:3118/callback` → 3118).
fn port_of(uri: &str) -> Option<u64> {
    let rest = uri.split_once("://")?.1;
    let authority = rest.split('/').next()?;
    authority.rsplit_once(':')?.1.parse().ok()
}

pub fn run(inv: &Inventory, out: &mut Vec<Finding>) {
    for s in &inv.servers {
        let Some(want) = s.callback_port else {
            continue;
        };
        let Some(e) = live_entries(inv, s) else {
            continue;
        };
        let Some(uri) = &e.redirect_uri else { continue };
        let Some(have) = port_of(uri) else { continue };
        if have == want {
            continue;
        }
        out.push(
            Finding::new(
                INFO.code,
                INFO.severity,
                format!(
                    "The client registration stored for '{}' redirects to port {have} ({uri}), \
                     but its config sets oauth.callbackPort {want}: sign-in will fail with a \
                     redirect mismatch. {} so the next sign-in registers anew.",
                    s.name,
                    if e.token.usable() {
                        "It still holds a usable token, so nothing breaks until the next sign-in; \
                         then remove the entry first"
                            .to_string()
                    } else {
                        "Remove the entry (`mcp-auth-doctor fix`)".to_string()
                    }
                ),
            )
            .server(&s.name)
            .key(&e.key)
            .evidence("registered_port", have)
            .evidence("configured_port", want)
            .action(
                super::remove_entry(inv, &e.key, !e.token.usable()).map(|a| {
                    if e.token.usable() {
                        a.only_when_asked(
                            "it still holds a usable token, and the mismatch only matters at the \
                             next sign-in",
                        )
                    } else {
                        a
                    }
                }),
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn reads_the_port() {
        assert_eq!(super::port_of("http://localhost:3118/callback"), Some(3118));
        assert_eq!(super::port_of("http://127.0.0.1:80"), Some(80));
        assert_eq!(super::port_of("http://localhost/callback"), None);
    }
}
