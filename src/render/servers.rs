//! The per-server summary in words: what Claude Code will do with each server and why, in
//! Claude Code's own terms. The decision is made in `diagnosis`; this only phrases it.

use serde::Serialize;

use crate::checks::{Code, login_hint, shell_quote};
use crate::diagnosis::mcp_remote::RemoteState;
pub use crate::diagnosis::servers::{MarkerReport, ServerSummary, TokenReport};
pub use crate::diagnosis::verdict::Verdict;
use crate::diagnosis::verdict::{MarkerUntil, NextStep, NoOauthTransport, Reason};
use crate::model::server::StaticAuth;
use crate::model::settings::Loading;
use crate::timefmt;

/// A server as `check --format json` and the report show it.
#[derive(Debug, Clone, Serialize)]
pub struct ServerReport {
    pub name: String,
    /// `user`, `local:<project>`, `project:<.mcp.json>`, `managed`.
    pub scopes: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub transport: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expected_key: Option<String>,
    pub token: TokenReport,
    pub marker: MarkerReport,
    pub verdict: Verdict,
    /// Why, in Claude Code's terms.
    pub explanation: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_step: Option<String>,
    /// Codes of the findings about this server.
    pub findings: Vec<Code>,
}

/// The summary in words.
pub fn report(s: &ServerSummary) -> ServerReport {
    ServerReport {
        name: s.name.clone(),
        scopes: s.scopes.clone(),
        transport: s.transport.clone(),
        url: s.url.clone(),
        expected_key: s.expected_key.clone(),
        token: s.token.clone(),
        marker: s.marker.clone(),
        verdict: s.verdict,
        explanation: explanation(&s.reason),
        next_step: next_step(s),
        findings: s.findings.clone(),
    }
}

/// Every summary in words.
pub fn reports(servers: &[ServerSummary]) -> Vec<ServerReport> {
    servers.iter().map(report).collect()
}

/// The verdict as every output says it: the `verdict` word of `check --format json`
/// (`needs-login`, `not-oauth`), so a script and a reader use one vocabulary (docs/json.md).
pub fn verdict_word(v: Verdict) -> String {
    match serde_json::to_value(v) {
        Ok(serde_json::Value::String(word)) => word,
        _ => v.label().to_string(),
    }
}

/// The server's next step, if it has one.
pub fn next_step(s: &ServerSummary) -> Option<String> {
    match s.next.as_ref()? {
        NextStep::FixDefinition => Some(fix_definition(s)),
        next => Some(next_step_text(next)),
    }
}

/// How to repair a definition Claude Code rejects, with this server's own name, url and scope
/// (`claude mcp add` refuses a name that exists, so the invalid one is removed first).
fn fix_definition(s: &ServerSummary) -> String {
    let name = shell_quote(&s.name);
    let scope = s.scopes.first().map(String::as_str).unwrap_or("user");
    let (flag, where_) = match scope.split_once(':') {
        _ if scope == "user" => ("user", String::new()),
        Some(("local", folder)) => ("local", format!(" (in {folder})")),
        Some(("project", file)) => (
            "project",
            format!(
                " (in the folder of {})",
                file.trim_end_matches(".mcp.json").trim_end_matches('/')
            ),
        ),
        // Managed and plugin servers are not `claude mcp add`'s to change.
        _ => return "fix the definition in the file that defines it".into(),
    };
    let remove = format!("`claude mcp remove {name} -s {flag}`");
    match &s.url {
        Some(url) => {
            let transport = if s.transport.as_deref() == Some("sse") {
                "sse"
            } else {
                "http"
            };
            format!(
                "fix the definition by hand, or re-add it{where_}: {remove}, then `claude mcp add \
                 --transport {transport} -s {flag} {name} {}`",
                shell_quote(url)
            )
        }
        None => format!(
            "give it a \"command\" (or a \"url\" and \"type\"), or remove it{where_}: {remove}"
        ),
    }
}

fn static_auth(how: StaticAuth) -> &'static str {
    match how {
        StaticAuth::AuthorizationHeader => "an Authorization header",
        StaticAuth::HeadersHelper => "a headersHelper",
    }
}

/// Why the verdict is what it is, in Claude Code's terms.
pub fn explanation(reason: &Reason) -> String {
    match reason {
        Reason::InvalidDefinition { why } => format!(
            "Claude Code rejects this definition: {why}; it then ignores every server in the \
             same scope."
        ),
        Reason::ManagedOnly { managed_file } => format!(
            "Claude Code ignores it: {managed_file} exists, and an enterprise managed-mcp.json has \
             exclusive control over MCP servers."
        ),
        Reason::StartupBlocked { file } => format!(
            "Claude Code does not start while {file} does not parse as a JSON object (seen with \
             2.1.332; 2.1.100 skips the file), so no server connects until it is repaired or \
             removed."
        ),
        Reason::ScopeBroken { culprit } => format!(
            "Claude Code ignores every server in this scope because '{culprit}' there is not a \
             valid definition."
        ),
        Reason::NotOauth { transport } => {
            let how = match transport {
                NoOauthTransport::LocalCommand => "runs it as a local command",
                NoOauthTransport::ClaudeAiProxy => "connects through the Claude.ai login",
                NoOauthTransport::Other => "connects to it",
            };
            format!("No OAuth for this transport: Claude Code {how} without mcpOAuth state.")
        }
        Reason::EnvMissing { vars } => format!(
            "Its url or headers use {}, which is not set in this shell: a Claude Code started \
             from here keeps the literal ${{…}} text and fails to connect (✗ Failed to connect). \
             With it set, the server's key is different from the one shown.",
            vars.join(", ")
        ),
        Reason::StaticAuthSkipped { how } => format!(
            "Sessions will skip this server as needs-auth: it authenticates with {}, but OAuth \
             state left after a 401/403 says it needs a login.",
            static_auth(*how)
        ),
        Reason::StaticAuth { how } => format!(
            "Authenticates with {}; Claude Code sends it on every request.",
            static_auth(*how)
        ),
        Reason::CredentialsEmpty => "The credentials file holds nothing (it is empty, or only a \
             byte order mark): Claude Code reads that as no credentials, so this server is signed \
             out as far as Claude Code is concerned. It connects without a token, and a server \
             that requires OAuth shows ! Needs authentication."
            .into(),
        Reason::CredentialsUnknown => {
            "The credentials could not be read, so the token state is unknown.".into()
        }
        Reason::MarkerBlocks { until, usable } => {
            let until = match until {
                MarkerUntil::FutureTimestampPasses => {
                    "until its future timestamp has passed (2.1.100)".to_string()
                }
                MarkerUntil::At(t) => format!("until {}", timefmt::rfc3339(*t)),
                MarkerUntil::Unstated => String::new(),
            };
            let tail = if *usable {
                ", although its current key holds a usable token"
            } else {
                ""
            };
            format!(
                "Non-interactive sessions (claude -p, the SDK) will skip this server {until} \
                 because a needs-auth marker says it needed a login{tail}. `claude mcp list` does \
                 not read the marker, and an interactive claude clears it at start."
            )
        }
        Reason::NoEntry { old_keys: true } => "No OAuth entry under the current key: its entries \
             are under old keys that Claude Code no longer reads, so it connects without a token, \
             and a server that requires OAuth shows ! Needs authentication."
            .into(),
        Reason::NoEntry { old_keys: false } => "No OAuth entry under the current key: Claude Code \
             connects without a token, which is right for a server that needs none; one that \
             requires OAuth shows ! Needs authentication."
            .into(),
        Reason::EntryNotObject => "The entry under its current key is not an object: Claude Code \
             throws while reading it and the server fails to connect."
            .into(),
        Reason::Placeholder {
            marked,
            registration_failed,
        } => format!(
            "Sessions will skip this server as needs-auth without connecting: the entry under \
             its current key holds neither an access nor a refresh token{}. `claude mcp list` \
             ignores this and connects anyway.{}",
            if *marked {
                ", and a needs-auth marker names it too"
            } else {
                ""
            },
            if *registration_failed {
                " It holds no client registration either, after a connection that should have \
                 made one: registering a client with the server failed, so another sign-in \
                 fails the same way until registration works."
            } else {
                ""
            }
        ),
        Reason::Expired => "The token expired and there is no refresh token: the server will \
             answer 401 and Claude Code shows ! Needs authentication."
            .into(),
        Reason::Refreshable => "Claude Code refreshes the token with the stored refresh token on \
             the next connection; if the server rejects the refresh token, it will ask for a new \
             sign-in."
            .into(),
        Reason::Valid {
            expires_at: Some(t),
            now_ms,
        } => format!(
            "Sessions send the stored token (expires {}) and connect if the server still \
             accepts it.",
            timefmt::relative(*t, *now_ms)
        ),
        Reason::Valid {
            expires_at: None, ..
        } => "Sessions send the stored token and connect if the server still accepts it.".into(),
        Reason::NotLoaded { loading } => not_loaded(loading),
        Reason::Shadowed { project, url } => format!(
            "Conflicting scopes: in this folder Claude Code uses the local-scope definition \
             (project {project}{}) instead. This one is not broken: its entry stays live for \
             every other folder. OAuth tokens are stored per endpoint, so signing in to one does \
             not carry over to the other.",
            url.as_deref().map(|u| format!(", {u}")).unwrap_or_default()
        ),
        Reason::McpRemote { state } => mcp_remote(state),
    }
}

/// Why a stdio server that runs mcp-remote gets its verdict: its OAuth state is mcp-remote's, in
/// the version folder the release it starts reads.
fn mcp_remote(state: &RemoteState) -> String {
    const WHERE: &str = "It runs mcp-remote, which keeps its OAuth state in ~/.mcp-auth \
                         (not in Claude Code's credentials)";
    match state {
        RemoteState::SignedIn { folder, expires_at } => format!(
            "{WHERE}: {folder} holds usable tokens for it{}, which mcp-remote sends on start; \
             it connects if the server still accepts them.",
            expires_at
                .map(|t| format!(" (expiring {})", timefmt::rfc3339(t)))
                .unwrap_or_default()
        ),
        RemoteState::Refreshes { folder } => format!(
            "{WHERE}: its access token in {folder} has expired, and mcp-remote refreshes it with \
             the stored refresh token on start; if the server rejects that, it opens the browser \
             to sign in."
        ),
        RemoteState::Expired { folder } => format!(
            "{WHERE}: its access token in {folder} has expired and there is no refresh token, so \
             the next start opens the browser to sign in again."
        ),
        RemoteState::RegisteredOnly { folder } => format!(
            "{WHERE}: {folder} holds a client registration for it but no usable tokens, so the \
             next start opens the browser to sign in (reusing the registration)."
        ),
        RemoteState::Stranded { folder, elsewhere } => format!(
            "{WHERE}: the release it starts reads {folder}, which holds no tokens for it, but \
             {} does (left by another release): the next start opens the browser to sign in \
             again.",
            elsewhere.join(", ")
        ),
        RemoteState::UnusableTokens { folder } => format!(
            "{WHERE}: its tokens file in {folder} cannot be used, so mcp-remote treats it as \
             absent and the next start opens the browser to sign in again."
        ),
        RemoteState::Nothing { folder } => format!(
            "{WHERE}: {folder} holds nothing usable for it, so the next start signs in (opens \
             the browser) if the server asks for authentication."
        ),
        RemoteState::ReleaseUndecided => format!(
            "{WHERE}, but its definition does not decide which mcp-remote release runs (a version \
             range, a tag, or an installed copy), and each release line reads its own version \
             folder: its sign-in state is unknown."
        ),
        RemoteState::OwnConfigDir => "It runs mcp-remote with its own MCP_REMOTE_CONFIG_DIR, \
             which this tool does not open: its sign-in state is unknown."
            .into(),
    }
}

/// Why the settings keep Claude Code from loading a server, in its own words where it has them
/// (2.1.332's `claude mcp list` and `get`). None of these is a problem, and none asks for a
/// sign-in: the server's OAuth state is kept for when it is switched on again.
fn not_loaded(loading: &Loading) -> String {
    const KEPT: &str = "Not a problem: nothing connects to it here, and its stored sign-in (if \
                        any) is kept for when it is switched on again.";
    match loading {
        Loading::Loaded => String::new(),
        Loading::PluginNotEnabled {
            plugin,
            value,
            file,
        } => format!(
            "Claude Code does not load it: its plugin {plugin} is not enabled \
             (enabledPlugins[\"{plugin}\"] is {value} in {file}; only true enables a plugin). \
             {KEPT}"
        ),
        Loading::Disabled { folder } => format!(
            "Disabled for this project (re-enable via /mcp): disabledMcpServers of {folder} in \
             .claude.json names it, so sessions started there do not connect to it (2.1.332's \
             `claude mcp list` shows ⊘ Disabled; 2.1.100's still tries it). {KEPT}"
        ),
        Loading::Rejected { file } => format!(
            "Rejected: disabledMcpjsonServers in {file} names this .mcp.json server, so Claude \
             Code does not load it (`claude mcp get` says ✘ Rejected). {KEPT}"
        ),
        Loading::NotApproved { trusted } => format!(
            "Pending approval: no approval that counts names this .mcp.json server, so interactive \
             sessions do not load it (2.1.332's `claude mcp list` shows ⏸ Pending approval); `claude -p` and \
             SDK sessions load it all the same.{}",
            if *trusted {
                ""
            } else {
                " This folder is not trusted yet, so approvals in its .claude/settings.json, \
                 .claude/settings.local.json and .claude.json entry do not count; only \
                 ~/.claude/settings.json approves it."
            }
        ),
        Loading::Denied { file } => format!(
            "Denied: deniedMcpServers in {file} matches it, so Claude Code does not load it. \
             {KEPT}"
        ),
        Loading::NotAllowed { files } => format!(
            "Not allowed: allowedMcpServers ({}) lists servers, and not this one, so Claude Code \
             does not load it. {KEPT}",
            files.join(", ")
        ),
        Loading::Suppressed { by } => format!(
            "Suppressed: it has the same url or command as the manually configured server \
             '{by}', which Claude Code uses instead (both 2.1.100 and 2.1.332 drop the plugin's \
             copy without a message). {KEPT}"
        ),
    }
}

/// What to do next, as one instruction.
pub fn next_step_text(next: &NextStep) -> String {
    const FIX: &str = "mcp-auth-doctor fix";
    match next {
        NextStep::FixDefinition => {
            "fix the definition (claude mcp add --transport http NAME URL)".into()
        }
        NextStep::FixOrRemove { culprit } => format!("fix or remove '{culprit}'"),
        NextStep::MendManagedSettings { file } => format!(
            "have {file} repaired or removed (it is the administrator's: mcp-auth-doctor \
             never writes it)"
        ),
        NextStep::SetVars { vars } => {
            let vars = vars.join(", ");
            format!("set {vars} where you start Claude Code (and here, to check it)")
        }
        NextStep::Fix => FIX.into(),
        NextStep::MoveIn { name } => format!(
            "`mcp-auth-doctor fix` moves the usable token from the old key to the current one; \
             no sign-in is needed if the server still accepts that token (`mcp-auth-doctor probe \
             {}` shows what it asks for now)",
            shell_quote(name)
        ),
        NextStep::SignIn { name } => login_hint(name),
        NextStep::SignInIfAsked { name } => format!(
            "if the server asks for authentication: {}",
            login_hint(name)
        ),
        NextStep::SignInFixOrProbe { name } => format!(
            "{}; if the server needs no sign-in: {FIX}; if sign-in fails at client \
             registration: `mcp-auth-doctor probe {} --register`",
            login_hint(name),
            shell_quote(name)
        ),
        NextStep::Approve { name } => format!(
            "to load it in interactive sessions, start `claude` in this folder and approve it, or \
             add {} to enabledMcpjsonServers in ~/.claude/settings.json",
            serde_json::Value::from(name.as_str())
        ),
        NextStep::ProbeRegistration { name } => format!(
            "not another sign-in: `mcp-auth-doctor probe {} --register` shows what the server's \
             client registration answers (it creates a client there); then `{FIX}` removes the \
             entry, or set oauth.clientId to a client registered by hand",
            shell_quote(name)
        ),
        NextStep::ProbeTokenThenFix { name } => format!(
            "`mcp-auth-doctor probe {} --token` asks the server whether it still accepts the \
             stored token: if it does, `{FIX}` removes the marker and sessions connect; if it \
             answers 401 invalid_token, sign in instead: {}",
            shell_quote(name),
            login_hint(name)
        ),
        NextStep::ProbeToken { name } => format!(
            "`mcp-auth-doctor probe {} --token` asks the server whether it still accepts \
             mcp-remote's stored token",
            shell_quote(name)
        ),
        NextStep::StartToSignIn { name: _ } => "start a session that uses it: mcp-remote opens \
             the browser to sign in"
            .into(),
        NextStep::PinOrSignIn { name: _ } => "pin the mcp-remote release that wrote the tokens \
             in the definition's args (mcp-remote@X.Y.Z), or sign in once with the release that \
             runs; `mcp-auth-doctor fix --only mcp-remote-stranded-tokens` then removes the old \
             copies (backed up)"
            .into(),
    }
}

/// The one line that says which release the verdicts assume, and why that one.
pub fn release_line(a: &crate::model::release::Assumed) -> String {
    use crate::model::release::Source;
    let why = match a.source {
        Source::Installed => "the installed release (`claude --version`)".to_string(),
        Source::Flag => "as --claude-version says".to_string(),
        Source::NewestKnown => match &a.why {
            Some(why) => format!(
                "the newest release this build knows; {}; --claude-version X.Y.Z to choose",
                super::style::sanitize(why)
            ),
            None => {
                "the newest release this build knows; --claude-version X.Y.Z to choose".to_string()
            }
        },
    };
    format!("Judged as Claude Code {} behaves ({why}).", a.release)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_in_a_next_step_is_quoted_for_the_shell() {
        let text = next_step_text(&NextStep::SignInFixOrProbe {
            name: "my server".into(),
        });
        assert!(
            text.starts_with("`mcp-auth-doctor login 'my server'`"),
            "{text}"
        );
        assert!(
            text.ends_with("`mcp-auth-doctor probe 'my server' --register`"),
            "{text}"
        );
    }

    #[test]
    fn a_valid_token_says_when_it_expires_only_when_it_knows() {
        let now = 1_780_315_200_000;
        let later = explanation(&Reason::Valid {
            expires_at: Some(now + 3_600_000),
            now_ms: now,
        });
        assert!(later.starts_with("Sessions send the stored token (expires "));
        let never = explanation(&Reason::Valid {
            expires_at: None,
            now_ms: now,
        });
        assert_eq!(
            never,
            "Sessions send the stored token and connect if the server still accepts it."
        );
    }
}
