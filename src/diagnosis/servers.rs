//! The per-server summary, as data: for every distinct server definition, its token, its
//! needs-auth marker, the [`ServerVerdict`](super::verdict::ServerVerdict) and the codes of the
//! findings about it. `render::servers` turns it into prose.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};

use serde::Serialize;

use super::verdict::{self, NextStep, Reason, Verdict};
use crate::checks::{About, Code, Finding};
use crate::model::entry::{PlaceholderShape, TokenState};
use crate::model::inventory::Inventory;
use crate::model::marker::{Marker, MarkerState};
use crate::model::secret::SecretInfo;
use crate::model::server::{ConfiguredServer, Scope};
use crate::paths::tilde;
use crate::{redact, timefmt};

/// What Claude Code has as a token for a server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum TokenStatus {
    Valid,
    Refreshable,
    Expired,
    Placeholder,
    /// No entry under the server's key.
    None,
    /// The credentials could not be read.
    Unknown,
    /// A transport without OAuth.
    NotApplicable,
}

impl TokenStatus {
    pub fn label(self) -> &'static str {
        match self {
            TokenStatus::Valid => "valid",
            TokenStatus::Refreshable => "refreshable",
            TokenStatus::Expired => "expired",
            TokenStatus::Placeholder => "placeholder",
            TokenStatus::None => "none",
            TokenStatus::Unknown => "unknown",
            TokenStatus::NotApplicable => "not-applicable",
        }
    }
}

impl From<TokenState> for TokenStatus {
    fn from(state: TokenState) -> Self {
        match state {
            TokenState::Valid => TokenStatus::Valid,
            TokenState::Refreshable => TokenStatus::Refreshable,
            TokenState::Expired => TokenStatus::Expired,
            TokenState::Placeholder => TokenStatus::Placeholder,
        }
    }
}

impl std::fmt::Display for TokenStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(self.label())
    }
}

/// The state of a server's needs-auth marker.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum MarkerStatus {
    None,
    Fresh,
    Expired,
    Future,
    Invalid,
}

impl MarkerStatus {
    pub fn label(self) -> &'static str {
        match self {
            MarkerStatus::None => "none",
            MarkerStatus::Fresh => "fresh",
            MarkerStatus::Expired => "expired",
            MarkerStatus::Future => "future",
            MarkerStatus::Invalid => "invalid",
        }
    }
}

impl From<MarkerState> for MarkerStatus {
    fn from(state: MarkerState) -> Self {
        match state {
            MarkerState::Fresh => MarkerStatus::Fresh,
            MarkerState::Expired => MarkerStatus::Expired,
            MarkerState::Future => MarkerStatus::Future,
            MarkerState::Invalid => MarkerStatus::Invalid,
        }
    }
}

impl std::fmt::Display for MarkerStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(self.label())
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct TokenReport {
    pub state: TokenStatus,
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

impl TokenReport {
    /// A TOKEN cell with a state and nothing else to show (no entry, not applicable, unknown);
    /// the base the detailed reports fill in.
    pub fn bare(state: TokenStatus) -> TokenReport {
        TokenReport {
            state,
            shape: None,
            expires_at: None,
            expires_in_seconds: None,
            access_token: None,
            refresh_token: None,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct MarkerReport {
    pub state: MarkerStatus,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub counts_until: Option<String>,
}

/// One server definition and what Claude Code will do with it.
#[derive(Debug, Clone)]
pub struct ServerSummary {
    pub name: String,
    /// `user`, `local:<project>`, `project:<.mcp.json>`, `managed`.
    pub scopes: Vec<String>,
    pub transport: Option<String>,
    /// Redacted.
    pub url: Option<String>,
    pub expected_key: Option<String>,
    pub token: TokenReport,
    pub marker: MarkerReport,
    pub verdict: Verdict,
    /// Why, as data (`render::servers` says it in Claude Code's terms).
    pub reason: Reason,
    pub next: Option<NextStep>,
    /// Codes of the findings about this server.
    pub findings: Vec<Code>,
}

/// One summary per distinct server definition (a name with one key; the same definition in two
/// scopes is one server with two scopes). `findings` are the findings, or their
/// [`crate::checks::Brief`]s (the same summaries).
pub fn summarise<F: About>(inv: &Inventory, findings: &[F]) -> Vec<ServerSummary> {
    // Groups in order of their first server, found by identity in a map: a search of the groups
    // per server was servers x definitions (issue 15). A key and a keyless identity share one
    // namespace, as they did in that search.
    let mut groups: Vec<Vec<&ConfiguredServer>> = Vec::new();
    let mut group_of: HashMap<Cow<'_, str>, usize, foldhash::fast::RandomState> =
        HashMap::default();
    for s in &inv.servers {
        let identity = match &s.key {
            Some(k) => Cow::Borrowed(k.as_str()),
            None => Cow::Owned(format!(
                "{}\u{0}{}\u{0}{}",
                s.name,
                s.transport.as_deref().unwrap_or(""),
                s.url.as_deref().unwrap_or("")
            )),
        };
        match group_of.get(&identity) {
            Some(&at) => groups[at].push(s),
            None => {
                group_of.insert(identity, groups.len());
                groups.push(vec![s]);
            }
        }
    }
    let about = FindingsAbout::of(findings);
    let live = inv.live_keys();
    groups
        .into_iter()
        .map(|members| summary(inv, &members, findings, &about, &live))
        .collect()
}

/// The findings looked up per server, made once: each summary scanned every finding twice, which
/// made the summaries servers x findings (issue 15).
struct FindingsAbout<'a> {
    /// Positions of the findings about each server name, in order.
    by_server: HashMap<&'a str, Vec<usize>, foldhash::fast::RandomState>,
    /// The live keys some finding moves a token onto.
    moved_to: HashSet<&'a str, foldhash::fast::RandomState>,
}

impl<'a> FindingsAbout<'a> {
    fn of<F: About>(findings: &'a [F]) -> Self {
        let mut by_server: HashMap<&str, Vec<usize>, _> = HashMap::default();
        let mut moved_to = HashSet::default();
        for (i, f) in findings.iter().enumerate() {
            if let Some(name) = f.server() {
                by_server.entry(name).or_default().push(i);
            }
            if let Some(to) = f.moves_to() {
                moved_to.insert(to);
            }
        }
        Self {
            by_server,
            moved_to,
        }
    }
}

/// The server block a finding is shown under: the one whose key it is about, else the first
/// definition of its name in use in the folder being checked (not a shadowed one), else the first
/// definition of its name. `None` for a finding about no configured name.
pub fn block_of(servers: &[ServerSummary], f: &Finding) -> Option<usize> {
    let name = f.server.as_deref()?;
    let same: Vec<usize> = (0..servers.len())
        .filter(|&i| servers[i].name == name)
        .collect();
    let by_key = f.key.as_ref().and_then(|k| {
        same.iter()
            .copied()
            .find(|&i| servers[i].expected_key.as_ref() == Some(k))
    });
    by_key
        .or_else(|| {
            same.iter()
                .copied()
                .find(|&i| servers[i].verdict != Verdict::Shadowed)
        })
        .or_else(|| same.first().copied())
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
        Scope::McpConfig { file } => format!("mcp-config:{}", tilde(file, home)),
    }
}

fn summary<F: About>(
    inv: &Inventory,
    members: &[&ConfiguredServer],
    findings: &[F],
    about: &FindingsAbout<'_>,
    live: &crate::model::inventory::LiveKeys<'_>,
) -> ServerSummary {
    let s = members[0];
    let now = inv.now_ms;
    let entry = s.key.as_deref().and_then(|k| inv.entry(k));
    let marker = inv.marker(&s.name);
    let entries_known = inv.entries_known();

    let remote = super::mcp_remote::remote_of(inv, s);
    let token = match (&s.key, entry) {
        (None, _) => match remote {
            Some(r) => super::mcp_remote::token_report(inv, r),
            None => TokenReport::bare(TokenStatus::NotApplicable),
        },
        (Some(_), _) if !entries_known => TokenReport::bare(TokenStatus::Unknown),
        (Some(_), None) => TokenReport::bare(TokenStatus::None),
        (Some(_), Some(e)) => TokenReport {
            shape: e.shape,
            expires_at: e.expires_at().map(timefmt::rfc3339),
            expires_in_seconds: e.expires_at().map(|t| t.saturating_sub(now) / 1000),
            access_token: e.access_token.clone(),
            refresh_token: e.refresh_token.clone(),
            ..TokenReport::bare(e.token.into())
        },
    };
    // fix would move a usable token from an old key onto this server's live key.
    let moves_in = s.key.as_deref().is_some_and(|k| about.moved_to.contains(k));
    let decision = verdict::decide(inv, s, entry, marker, moves_in);
    let shadowed = decision.verdict == Verdict::Shadowed;
    let mine = about
        .by_server
        .get(s.name.as_str())
        .map_or(&[][..], Vec::as_slice);
    let mut codes: Vec<Code> = mine
        .iter()
        .map(|&i| &findings[i])
        // A shadowed definition has only the findings about its own key: the marker (per name)
        // and the rest concern the definition in use.
        .filter(|f| !shadowed || (f.key().is_some() && f.key() == s.key.as_deref()))
        .filter(|f| match (f.key(), s.key.as_deref()) {
            // Findings about another key of the same name belong to that key's report, except
            // those about keys nobody configures (stale), which concern every definition.
            (Some(fk), Some(sk)) => fk == sk || !live.contains_key(fk),
            _ => true,
        })
        .map(|f| f.code())
        .collect();
    codes.dedup();
    let mut scopes: Vec<String> = members.iter().map(|m| scope_label(inv, &m.scope)).collect();
    scopes.dedup();
    ServerSummary {
        name: s.name.clone(),
        scopes,
        transport: s.transport.clone(),
        url: s.url.as_deref().map(redact::url),
        expected_key: s.key.clone(),
        token,
        marker: marker_report(marker),
        verdict: decision.verdict,
        reason: decision.reason,
        next: decision.next,
        findings: codes,
    }
}

fn marker_report(marker: Option<&Marker>) -> MarkerReport {
    let Some(m) = marker else {
        return MarkerReport {
            state: MarkerStatus::None,
            timestamp: None,
            counts_until: None,
        };
    };
    MarkerReport {
        state: m.state.into(),
        timestamp: m.timestamp.map(timefmt::rfc3339),
        counts_until: m.expires_at().map(timefmt::rfc3339),
    }
}
