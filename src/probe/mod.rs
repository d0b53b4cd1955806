//! `probe NAME` / `probe URL`: the only command that uses the network. It asks a server, without
//! any credentials, what Claude Code's MCP SDK would ask it (an MCP request, then OAuth
//! discovery, then, with `--register`, a dynamic client registration) and says what Claude Code
//! will show for it, in Claude Code's words, and what to tell the server's operator.
//!
//! Modules: [`http`] (the client), [`urls`] and [`challenge`] (parsing), [`steps`] (the four
//! steps), [`lint`] (schema checks), [`transcript`] (redacted record of the exchanges),
//! [`verdict`] (codes and the verdict); `render::probe` renders it (human and JSON). docs/probe.md
//! describes them for users.

pub mod challenge;
pub mod http;
pub mod lint;
pub mod steps;
pub mod token;
pub mod transcript;
/// URL parsing is shared (checks compare origins with it); it lives in [`crate::urls`].
pub use crate::urls;
pub mod verdict;

use std::path::Path;
use std::time::Duration;

use anyhow::{Result, bail};
use serde::Serialize;

use crate::checks::{Code, Finding, Severity};
use crate::exit;
use crate::model::inventory::Inventory;
use crate::model::server::{ConfiguredServer, Scope, StaticAuth};
use crate::term::sanitize;
use steps::{Plan, Step};
use transcript::show_url;
use urls::Url;
use verdict::{Noted, ProbeVerdict};

/// The default timeout per request.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// What to probe.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProbeTarget {
    /// A configured server's name, resolved through every scope Claude Code reads.
    Name(String),
    /// An absolute `http(s)` URL, configured or not.
    Url(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProbeOptions {
    pub target: ProbeTarget,
    /// Speak the SSE transport (a GET for an event stream) instead of streamable HTTP.
    pub sse: bool,
    /// Also try a dynamic client registration (it creates a client on the server).
    pub register: bool,
    /// Per request.
    pub timeout: Duration,
    /// `--token`: send the stored access token in one `initialize` instead ([`token`]).
    pub token: bool,
}

/// What was probed.
#[derive(Debug, Clone, Serialize)]
pub struct TargetReport {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The scope whose definition was used.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    /// `http` or `sse`.
    pub transport: &'static str,
    /// The URL, redacted (no userinfo, no query values).
    pub url: String,
    pub timeout_ms: u64,
    pub register: bool,
}

/// The result of a probe.
#[derive(Debug, Clone)]
pub struct ProbeReport {
    pub target: TargetReport,
    pub steps: Vec<Step>,
    pub findings: Vec<Finding>,
    pub verdict: ProbeVerdict,
    /// The step each finding belongs to (0: the target), parallel to `findings`.
    finding_steps: Vec<u8>,
}

impl ProbeReport {
    /// Whether anything at warning or above was found (exit status 4).
    pub fn has_problems(&self) -> bool {
        self.findings
            .iter()
            .any(|f| f.severity >= Severity::Warning)
    }

    /// The findings of one step (0: about the target).
    pub fn findings_of(&self, step: u8) -> impl Iterator<Item = (&Finding, u8)> {
        self.findings
            .iter()
            .zip(self.finding_steps.iter().copied())
            .filter(move |(_, s)| *s == step)
    }

    /// The codes found, in order (for tests and scripts).
    pub fn codes(&self) -> Vec<&'static str> {
        self.findings.iter().map(|f| f.code.as_str()).collect()
    }
}

/// Probes the target. `Err` only for a usage error (an unknown name, a stdio server, a bad URL)
/// or when the probe cannot run at all; everything the server does wrong is a finding.
pub fn run(opts: &ProbeOptions, inventory: &Inventory) -> Result<ProbeReport> {
    if opts.timeout.is_zero() {
        bail!(exit::Error::Usage("--timeout must be more than 0".into()));
    }
    let (mut target, plan, target_noted) = resolve(opts, inventory)?;
    target.timeout_ms = opts.timeout.as_millis().min(u64::MAX as u128) as u64;
    let client = http::Client::new(opts.timeout, http::ProxyEnv::from_process());
    let outcome = steps::run(&client, &plan);

    let mut all: Vec<(Noted, u8)> = target_noted.into_iter().map(|n| (n, 0)).collect();
    let mut step_of = Vec::new();
    for s in &outcome.steps {
        for _ in &s.findings {
            step_of.push(s.step);
        }
    }
    all.extend(outcome.noted.into_iter().zip(step_of));
    let noted: Vec<Noted> = all.iter().map(|(n, _)| n.clone()).collect();
    let verdict = verdict::decide(outcome.first, &noted, outcome.registered);
    let name = target.name.clone();
    let (findings, finding_steps) = all
        .into_iter()
        .map(|(n, s)| {
            let f = match &name {
                Some(name) => n.finding.server(name),
                None => n.finding,
            };
            (f, s)
        })
        .unzip();
    Ok(ProbeReport {
        target,
        steps: outcome.steps,
        findings,
        verdict,
        finding_steps,
    })
}

/// Finds the URL and transport to probe, and notes about the configuration.
fn resolve(opts: &ProbeOptions, inventory: &Inventory) -> Result<(TargetReport, Plan, Vec<Noted>)> {
    let transport = |sse: bool| if sse { "sse" } else { "http" };
    match &opts.target {
        ProbeTarget::Url(text) => {
            let Some(url) = Url::parse(text) else {
                bail!(exit::Error::Usage(format!(
                    "'{}' is not an absolute http:// or https:// URL",
                    sanitize(&show_url(text))
                )));
            };
            Ok((
                TargetReport {
                    name: None,
                    scope: None,
                    transport: transport(opts.sse),
                    url: show_url(&url.as_string()),
                    timeout_ms: 0,
                    register: opts.register,
                },
                Plan {
                    url,
                    sse: opts.sse,
                    register: opts.register,
                },
                Vec::new(),
            ))
        }
        ProbeTarget::Name(name) => {
            let shown = sanitize(name);
            let defs: Vec<&ConfiguredServer> = inventory.servers_named(name).collect();
            if defs.is_empty() {
                bail!(exit::Error::Usage(format!(
                    "no server named '{shown}' is configured in any scope this tool can see \
                     (`mcp-auth-doctor status` lists them); to probe an unconfigured server, give \
                     its URL"
                )));
            }
            let usable: Vec<&ConfiguredServer> = defs
                .iter()
                .copied()
                .filter(|s| {
                    s.invalid.is_none()
                        && matches!(s.transport.as_deref(), Some("http" | "sse"))
                        && s.url.is_some()
                })
                .collect();
            let Some(chosen) = usable
                .iter()
                .copied()
                .min_by_key(|s| precedence(&s.scope, &inventory.locations.project_dir))
            else {
                let first = defs[0];
                let why = match (&first.invalid, first.transport.as_deref()) {
                    (Some(reason), _) => format!("Claude Code skips it: {reason}"),
                    (None, Some("ws")) => {
                        "it is a WebSocket server; probe speaks http and sse".to_string()
                    }
                    _ => "it is a stdio server (a local command), with nothing to probe over HTTP"
                        .to_string(),
                };
                bail!(exit::Error::Usage(format!(
                    "cannot probe '{shown}': {}",
                    sanitize(&why)
                )));
            };
            let raw_url = chosen.url.clone().unwrap_or_default();
            if raw_url.contains("${") {
                bail!(exit::Error::Usage(format!(
                    "cannot probe '{shown}': its url uses {}, not set here",
                    chosen
                        .env_missing
                        .iter()
                        .map(|v| format!("${{{v}}}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                )));
            }
            let Some(url) = Url::parse(&raw_url) else {
                bail!(exit::Error::Usage(format!(
                    "cannot probe '{shown}': its url {} is not an absolute http(s) URL",
                    show_url(&raw_url)
                )));
            };
            let sse = opts.sse || chosen.transport.as_deref() == Some("sse");
            let mut noted = Vec::new();
            let others: Vec<String> = usable
                .iter()
                .filter(|s| s.url != chosen.url || s.transport != chosen.transport)
                .map(|s| {
                    format!(
                        "{} ({})",
                        show_url(s.url.as_deref().unwrap_or("")),
                        s.scope.label()
                    )
                })
                .collect();
            if !others.is_empty() {
                noted.push(Noted::new(
                    Code::SeveralDefinitions,
                    Severity::Info,
                    format!(
                        "'{shown}' is also configured as {}; probing the {} definition, which \
                         Claude Code uses here.",
                        others.join(", "),
                        chosen.scope.label()
                    ),
                ));
            }
            match chosen.static_auth {
                Some(StaticAuth::AuthorizationHeader) => noted.push(Noted::new(
                    Code::StaticAuthConfigured,
                    Severity::Info,
                    "The configuration sets its own Authorization header, so Claude Code sends it \
                     and does not use OAuth for this server. The probe sends no credentials, so it \
                     shows only what a client without that header would get.",
                )),
                Some(StaticAuth::HeadersHelper) => noted.push(Noted::new(
                    Code::StaticAuthConfigured,
                    Severity::Info,
                    "The configuration has a headersHelper, whose headers Claude Code sends; the \
                     probe does not run it and sends no credentials.",
                )),
                None => {}
            }
            let header_names: Vec<String> = chosen.headers.keys().map(|k| sanitize(k)).collect();
            if !header_names.is_empty() {
                noted.push(
                    Noted::new(
                        Code::HeadersNotSent,
                        Severity::Info,
                        format!(
                            "The configuration has headers ({}); the probe does not send them, \
                             since they may hold secrets. A server that needs them to route the \
                             request may answer differently for Claude Code.",
                            header_names.join(", ")
                        ),
                    )
                    .evidence("headers", header_names),
                );
            }
            Ok((
                TargetReport {
                    name: Some(name.clone()),
                    scope: Some(scope_text(&chosen.scope)),
                    transport: transport(sse),
                    url: show_url(&url.as_string()),
                    timeout_ms: 0,
                    register: opts.register,
                },
                Plan {
                    url,
                    sse,
                    register: opts.register,
                },
                noted,
            ))
        }
    }
}

/// The http or sse definition of `name` Claude Code uses here (by [`precedence`]), if any.
pub fn chosen_definition<'a>(inv: &'a Inventory, name: &'a str) -> Option<&'a ConfiguredServer> {
    inv.servers_named(name)
        .filter(|s| {
            s.invalid.is_none()
                && matches!(s.transport.as_deref(), Some("http" | "sse"))
                && s.url.is_some()
        })
        .min_by_key(|s| precedence(&s.scope, &inv.locations.project_dir))
}

/// Which definition Claude Code uses when a name is defined in several scopes: managed, then the
/// local scope of this project, then `.mcp.json` (nearest first), then user, then plugins, then
/// the local scopes of other projects.
fn precedence(scope: &Scope, project_dir: &Path) -> u8 {
    match scope {
        Scope::Managed => 0,
        Scope::Local { project, .. } if Path::new(project) == project_dir => 1,
        Scope::Project { .. } => 2,
        Scope::User => 3,
        Scope::Plugin { .. } => 4,
        Scope::Local { .. } => 5,
        // `--mcp-config` servers are the session's own: as the folder's local ones.
        Scope::McpConfig { .. } => 1,
    }
}

fn scope_text(scope: &Scope) -> String {
    match scope {
        Scope::Local { project, .. } => format!("local: {}", sanitize(project)),
        other => other.label().to_string(),
    }
}
