//! The per-server summary: for every configured server, what Claude Code will do with it and why,
//! in Claude Code's own terms.

use serde::Serialize;

use crate::checks::{Code, Finding};
use crate::model::entry::{PlaceholderShape, TokenState};
use crate::model::inventory::Inventory;
use crate::model::marker::{Marker, MarkerState};
use crate::model::secret::SecretInfo;
use crate::model::server::{ConfiguredServer, Scope, StaticAuth};
use crate::paths::tilde;
use crate::{redact, timefmt};

/// What happens when a session uses the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    /// Sessions connect with a usable token.
    Ok,
    /// The token has expired (or is about to); Claude Code refreshes it with the refresh token.
    Refreshes,
    /// Claude Code cannot even reach the server as configured (an unset `${VAR}` in its url, a
    /// `null` entry).
    FailsToConnect,
    /// Sessions skip the server as needs-auth without connecting.
    Skipped,
    /// Claude Code has no usable token; an interactive login is needed.
    NeedsLogin,
    /// No OAuth state: Claude Code connects without a token.
    NoToken,
    /// Authenticates with a static header or headersHelper.
    StaticAuth,
    /// stdio, ws, or another transport without OAuth.
    NotOauth,
    /// Claude Code rejects the definition.
    InvalidConfig,
    /// The credentials could not be read (Keychain, unreadable file).
    Unknown,
    /// `managed-mcp.json` exists, so Claude Code uses only the managed servers.
    Ignored,
}

impl Verdict {
    pub fn label(self) -> &'static str {
        match self {
            Verdict::Ok => "ok",
            Verdict::Refreshes => "refreshes",
            Verdict::FailsToConnect => "fails to connect",
            Verdict::Skipped => "skipped",
            Verdict::NeedsLogin => "needs login",
            Verdict::NoToken => "no token",
            Verdict::StaticAuth => "static auth",
            Verdict::NotOauth => "no oauth",
            Verdict::InvalidConfig => "invalid",
            Verdict::Unknown => "unknown",
            Verdict::Ignored => "ignored",
        }
    }

    /// Whether this verdict means the server does not work in sessions.
    pub fn is_problem(self) -> bool {
        matches!(
            self,
            Verdict::Skipped
                | Verdict::NeedsLogin
                | Verdict::InvalidConfig
                | Verdict::FailsToConnect
        )
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct TokenReport {
    /// `valid`, `refreshable`, `expired`, `placeholder`, `none`, `unknown`, `not-applicable`.
    pub state: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shape: Option<PlaceholderShape>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires_in_seconds: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub access_token: Option<SecretInfo>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<SecretInfo>,
}

#[derive(Debug, Clone, Serialize)]
pub struct MarkerReport {
    /// `none`, `fresh`, `expired`, `future`, `invalid`.
    pub state: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub counts_until: Option<String>,
}

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

/// One report per distinct server definition (a name with one key; the same definition in two
/// scopes is one server with two scopes).
pub fn summarise(inv: &Inventory, findings: &[Finding]) -> Vec<ServerReport> {
    let mut groups: Vec<(String, Vec<&ConfiguredServer>)> = Vec::new();
    for s in &inv.servers {
        let identity = match &s.key {
            Some(k) => k.clone(),
            None => format!(
                "{}\u{0}{}\u{0}{}",
                s.name,
                s.transport.as_deref().unwrap_or(""),
                s.url.as_deref().unwrap_or("")
            ),
        };
        match groups.iter_mut().find(|(id, _)| *id == identity) {
            Some((_, members)) => members.push(s),
            None => groups.push((identity, vec![s])),
        }
    }
    let live = inv.live_keys();
    groups
        .into_iter()
        .map(|(_, members)| report(inv, &members, findings, &live))
        .collect()
}

fn scope_label(inv: &Inventory, scope: &Scope) -> String {
    let home = &inv.locations.home.path;
    match scope {
        Scope::User => "user".into(),
        Scope::Local { project, .. } => {
            format!("local:{}", tilde(std::path::Path::new(project), home))
        }
        Scope::Project { file } => format!("project:{}", tilde(file, home)),
        Scope::Managed => "managed".into(),
        Scope::Plugin { id } => format!("plugin:{id}"),
    }
}

fn report(
    inv: &Inventory,
    members: &[&ConfiguredServer],
    findings: &[Finding],
    live: &std::collections::HashMap<&str, Vec<&ConfiguredServer>>,
) -> ServerReport {
    let s = members[0];
    let now = inv.now_ms;
    let entry = s.key.as_deref().and_then(|k| inv.entry(k));
    let marker = inv.marker(&s.name);
    let entries_known = inv.entries_known();

    let token = match (&s.key, entry) {
        (None, _) => token_report("not-applicable"),
        (Some(_), _) if !entries_known => token_report("unknown"),
        (Some(_), None) => token_report("none"),
        (Some(_), Some(e)) => {
            let state = match e.token {
                TokenState::Valid => "valid",
                TokenState::Refreshable => "refreshable",
                TokenState::Expired => "expired",
                TokenState::Placeholder => "placeholder",
            };
            TokenReport {
                shape: e.shape,
                expires_at: e.expires_at().map(timefmt::rfc3339),
                expires_in_seconds: e.expires_at().map(|t| t.saturating_sub(now) / 1000),
                access_token: e.access_token.clone(),
                refresh_token: e.refresh_token.clone(),
                ..token_report(state)
            }
        }
    };
    let marker_report = marker_report(marker);
    // fix would move a usable token from an old key onto this server's live key.
    let moves_in = findings.iter().any(|f| {
        matches!(
            f.action.as_ref().map(|a| &a.kind),
            Some(crate::checks::ActionKind::MoveEntry { to, .. }) if s.key.as_ref() == Some(to)
        )
    });
    let (verdict, explanation, next_step) = verdict(inv, s, entry, marker, moves_in);
    let mut codes: Vec<Code> = findings
        .iter()
        .filter(|f| f.server.as_deref() == Some(s.name.as_str()))
        .filter(|f| match (&f.key, &s.key) {
            // Findings about another key of the same name belong to that key's report, except
            // those about keys nobody configures (stale), which concern every definition.
            (Some(fk), Some(sk)) => fk == sk || !live.contains_key(fk.as_str()),
            _ => true,
        })
        .map(|f| f.code)
        .collect();
    codes.dedup();
    let mut scopes: Vec<String> = members.iter().map(|m| scope_label(inv, &m.scope)).collect();
    scopes.dedup();
    ServerReport {
        name: s.name.clone(),
        scopes,
        transport: s.transport.clone(),
        url: s.url.as_deref().map(redact::url),
        expected_key: s.key.clone(),
        token,
        marker: marker_report,
        verdict,
        explanation,
        next_step,
        findings: codes,
    }
}

fn token_report(state: &str) -> TokenReport {
    TokenReport {
        state: state.into(),
        shape: None,
        expires_at: None,
        expires_in_seconds: None,
        access_token: None,
        refresh_token: None,
    }
}

fn marker_report(marker: Option<&Marker>) -> MarkerReport {
    let Some(m) = marker else {
        return MarkerReport {
            state: "none".into(),
            timestamp: None,
            counts_until: None,
        };
    };
    let state = match m.state {
        MarkerState::Fresh => "fresh",
        MarkerState::Expired => "expired",
        MarkerState::Future => "future",
        MarkerState::Invalid => "invalid",
    };
    MarkerReport {
        state: state.into(),
        timestamp: m.timestamp.map(timefmt::rfc3339),
        counts_until: m.expires_at().map(timefmt::rfc3339),
    }
}

fn verdict(
    inv: &Inventory,
    s: &ConfiguredServer,
    entry: Option<&crate::model::entry::Entry>,
    marker: Option<&Marker>,
    moves_in: bool,
) -> (Verdict, String, Option<String>) {
    let login = crate::checks::login_hint(&s.name);
    let move_in = "`mcp-auth-doctor fix` moves the usable token from the old key to the \
                   current one (no sign-in needed)"
        .to_string();
    if let Some(why) = &s.invalid {
        return (
            Verdict::InvalidConfig,
            format!(
                "Claude Code rejects this definition: {why}; it then ignores every server in the \
                 same scope."
            ),
            Some("fix the definition (claude mcp add --transport http NAME URL)".into()),
        );
    }
    if inv.managed.as_claude_sees().is_some() && s.scope != Scope::Managed {
        return (
            Verdict::Ignored,
            format!(
                "Claude Code ignores it: {} exists, and an enterprise managed-mcp.json has \
                 exclusive control over MCP servers.",
                inv.locations.display(&inv.managed.path)
            ),
            None,
        );
    }
    if let Some(bad) = inv.scope_breaker(s) {
        return (
            Verdict::InvalidConfig,
            format!(
                "Claude Code ignores every server in this scope because '{}' there is not a valid \
                 definition.",
                bad.name
            ),
            Some(format!("fix or remove '{}'", bad.name)),
        );
    }
    if s.key.is_none() {
        let how = match s.transport.as_deref() {
            None | Some("stdio") => "runs it as a local command",
            Some("claudeai-proxy") => "connects through the Claude.ai login",
            _ => "connects to it",
        };
        return (
            Verdict::NotOauth,
            format!("No OAuth for this transport: Claude Code {how} without mcpOAuth state."),
            None,
        );
    }
    if !s.env_missing.is_empty() {
        let vars = s.env_missing.join(", ");
        return (
            Verdict::FailsToConnect,
            format!(
                "Its url or headers use {vars}, which is not set in this shell: a Claude Code \
                 started from here keeps the literal ${{…}} text and fails to connect (✗ Failed to \
                 connect). With it set, the server's key is different from the one shown."
            ),
            Some(format!(
                "set {vars} where you start Claude Code (and here, to check it)"
            )),
        );
    }
    let fix = "mcp-auth-doctor fix".to_string();
    let blocking = marker.filter(|m| m.blocks());
    if let Some(auth) = s.static_auth {
        let how = match auth {
            StaticAuth::AuthorizationHeader => "an Authorization header",
            StaticAuth::HeadersHelper => "a headersHelper",
        };
        let placeholder = entry.is_some_and(|e| e.token == TokenState::Placeholder);
        if placeholder || blocking.is_some() {
            return (
                Verdict::Skipped,
                format!(
                    "Sessions will skip this server as needs-auth: it authenticates with {how}, \
                     but OAuth state left after a 401/403 says it needs a login."
                ),
                Some(fix),
            );
        }
        return (
            Verdict::StaticAuth,
            format!("Authenticates with {how}; Claude Code sends it on every request."),
            None,
        );
    }
    if inv.credentials_empty() {
        return (
            Verdict::NoToken,
            "The credentials file holds nothing (it is empty, or only a byte order mark): Claude \
             Code reads that as no credentials, so this server is signed out as far as Claude \
             Code is concerned. It connects without a token, and a server that requires OAuth \
             shows ! Needs authentication."
                .into(),
            Some(format!("if the server asks for authentication: {login}")),
        );
    }
    if !inv.entries_known() {
        return (
            Verdict::Unknown,
            "The credentials could not be read, so the token state is unknown.".into(),
            None,
        );
    }
    let placeholder = entry.is_some_and(|e| e.token == TokenState::Placeholder);
    if let Some(m) = blocking.filter(|_| !placeholder) {
        let until = match m.state {
            MarkerState::Future => "until its future timestamp has passed (2.1.100)".to_string(),
            _ => m
                .expires_at()
                .map(|t| format!("until {}", timefmt::rfc3339(t)))
                .unwrap_or_default(),
        };
        let usable = entry.is_some_and(|e| e.token.usable());
        let tail = if usable {
            ", although its current key holds a usable token"
        } else {
            ""
        };
        // Removing the marker helps only when there is a token to connect with; otherwise the
        // server needs a sign-in either way.
        let next = if usable { fix } else { login.clone() };
        return (
            Verdict::Skipped,
            format!(
                "Non-interactive sessions (claude -p, the SDK) will skip this server {until} \
                 because a needs-auth marker says it needed a login{tail}. `claude mcp list` does \
                 not read the marker, and an interactive claude clears it at start."
            ),
            Some(next),
        );
    }
    let Some(e) = entry else {
        let old = inv.entries.iter().any(|e| e.name == s.name);
        // Entries under old keys say the server used OAuth: "right for a server that needs none"
        // would contradict the sign-in or the move the findings then ask for.
        let explanation = if old {
            "No OAuth entry under the current key: its entries are under old keys that Claude Code \
             no longer reads, so it connects without a token, and a server that requires OAuth \
             shows ! Needs authentication."
        } else {
            "No OAuth entry under the current key: Claude Code connects without a token, which is \
             right for a server that needs none; one that requires OAuth shows ! Needs \
             authentication."
        };
        return (
            Verdict::NoToken,
            explanation.to_string(),
            // Offline, nothing says whether the server needs OAuth; the sign-in is conditional.
            Some(if moves_in {
                move_in
            } else {
                format!("if the server asks for authentication: {login}")
            }),
        );
    };
    if e.shape == Some(crate::model::entry::PlaceholderShape::NotAnObject) {
        return (
            Verdict::FailsToConnect,
            "The entry under its current key is not an object: Claude Code throws while reading \
             it and the server fails to connect."
                .into(),
            Some(fix),
        );
    }
    match e.token {
        TokenState::Placeholder => (
            Verdict::Skipped,
            format!(
                "Sessions will skip this server as needs-auth without connecting: the entry under \
                 its current key holds neither an access nor a refresh token{}. `claude mcp list` \
                 ignores this and connects anyway.",
                if blocking.is_some() {
                    ", and a needs-auth marker names it too"
                } else {
                    ""
                }
            ),
            Some(if moves_in {
                move_in
            } else {
                format!(
                    "{login}; if the server needs no sign-in: {fix}; if sign-in fails at client \
                     registration: `mcp-auth-doctor probe {} --register`",
                    crate::checks::shell_quote(&s.name)
                )
            }),
        ),
        TokenState::Expired => (
            Verdict::NeedsLogin,
            "The token expired and there is no refresh token: the server will answer 401 and \
             Claude Code shows ! Needs authentication."
                .into(),
            Some(login),
        ),
        TokenState::Refreshable => (
            Verdict::Refreshes,
            "Claude Code refreshes the token with the stored refresh token on the next connection; \
             if the server rejects the refresh token, it will ask for a new sign-in."
                .into(),
            None,
        ),
        TokenState::Valid => (
            Verdict::Ok,
            match e.expires_at() {
                Some(t) => format!(
                    "Sessions connect with the stored token (expires {}).",
                    timefmt::relative(t, inv.now_ms)
                ),
                None => "Sessions connect with the stored token.".into(),
            },
            None,
        ),
    }
}
