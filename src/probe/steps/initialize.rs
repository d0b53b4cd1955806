//! Step 1: the MCP request Claude Code sends first, without credentials (an `initialize` POST,
//! or a GET for an event stream with `--sse`), and what its answer, above all a 401 and its
//! `WWW-Authenticate` challenge, means for the sign-in.

use serde_json::json;

use super::{First, PROTOCOL_VERSION, Runner};
use crate::checks::{Code, Severity};
use crate::probe::challenge;
use crate::probe::http::{Method, Request};
use crate::probe::transcript::show_url;
use crate::probe::urls::{self, Url};
use crate::probe::verdict::Noted;
use crate::term::sanitize;

/// The first request Claude Code sends a server: an MCP `initialize` POST, or with `sse` the GET
/// of an event stream. The probe sends it without credentials; `probe --token` adds its
/// `Authorization` header to the same request.
pub fn initialize_request(url: String, sse: bool) -> Request {
    if sse {
        return Request {
            method: Method::Get,
            url,
            headers: vec![("Accept", "text/event-stream".into())],
            body: None,
        };
    }
    let body = json!({
        "jsonrpc": "2.0",
        "id": 0,
        "method": "initialize",
        "params": {
            "protocolVersion": PROTOCOL_VERSION,
            "capabilities": {},
            "clientInfo": {"name": "mcp-auth-doctor", "version": env!("CARGO_PKG_VERSION")},
        },
    });
    Request {
        method: Method::Post,
        url,
        headers: vec![
            ("Content-Type", "application/json".into()),
            ("Accept", "application/json, text/event-stream".into()),
        ],
        body: Some(body.to_string()),
    }
}

impl Runner<'_> {
    pub(super) fn initialize(&mut self) -> First {
        let mut cur = self.begin(1);
        let url = self.plan.url.as_string();
        let request = initialize_request(url.clone(), self.plan.sse);
        let what = if self.plan.sse {
            "the SSE GET"
        } else {
            "the MCP initialize request"
        };
        let reply = match self.send(&mut cur, request) {
            Ok(r) => r,
            Err(f) => {
                let n = self.failure(&f, what, &url, false);
                self.note(n);
                self.finish(cur, format!("no answer: {f}"));
                return First::Stop;
            }
        };
        let status = reply.status;
        let challenges: Vec<&str> = reply.headers_named("www-authenticate").collect();
        let parsed: Vec<challenge::Challenge> = challenges
            .iter()
            .flat_map(|h| challenge::parse(h))
            .collect();
        let bearer = parsed.iter().find(|c| c.is_bearer());
        match status {
            200..=299 => {
                self.note(Noted::new(
                    Code::NoAuthRequired,
                    Severity::Info,
                    format!(
                        "{what} got HTTP {status} without any credentials: the server does not \
                         ask for OAuth. If Claude Code still says it needs authentication, the \
                         cause is local state (`mcp-auth-doctor check`)."
                    ),
                ));
                self.finish(
                    cur,
                    format!("HTTP {status} without credentials: no authentication needed"),
                );
                First::Open
            }
            300..=399 => {
                let location = reply
                    .header("location")
                    .map(|l| urls::resolve(&self.plan.url, l));
                let shown = location
                    .as_deref()
                    .map(show_url)
                    .unwrap_or_else(|| "nowhere (no Location header)".into());
                self.note(
                    Noted::new(
                        Code::Redirect,
                        Severity::Error,
                        format!(
                            "{what} got HTTP {status} redirecting to {shown}. Claude Code's HTTP \
                             client follows it, but a 301/302/303 turns the POST into a GET and \
                             loses the request, and OAuth state and the resource check stay tied \
                             to the configured URL."
                        ),
                    )
                    .evidence("location", shown.clone())
                    .fails_connect(
                        format!("the server answers the MCP URL with a redirect (HTTP {status}) to {shown}"),
                        format!(
                            "serve MCP at the configured URL without a redirect (or users should \
                             configure {shown} instead)"
                        ),
                    ),
                );
                self.finish(cur, format!("HTTP {status}: a redirect to {shown}"));
                First::Stop
            }
            401 => {
                let summary = self.challenge_findings(&challenges, &parsed, status);
                self.finish(cur, summary);
                First::Challenged(challenge::sdk_view(&challenges))
            }
            403 if bearer.is_some() => {
                let error = bearer.and_then(|b| b.param("error")).unwrap_or("");
                self.note(Noted::new(
                    Code::InsufficientScope403,
                    Severity::Warning,
                    format!(
                        "{what} got HTTP 403 with a Bearer challenge (error=\"{}\"). A request \
                         without a token should get 401 (RFC 6750, MCP authorization spec); \
                         Claude Code versions without step-up authorization treat a 403 as \
                         \"Failed to connect\".",
                        sanitize(error)
                    ),
                ));
                let summary = self.challenge_findings(&challenges, &parsed, status);
                self.finish(cur, summary);
                First::Challenged(challenge::sdk_view(&challenges))
            }
            403 => {
                let server = reply.header("server").map(sanitize);
                let mut n = Noted::new(
                    Code::Waf403,
                    Severity::Error,
                    format!(
                        "{what} got HTTP 403 without a Bearer challenge{}: something in front of \
                         the MCP server (a firewall, CDN or bot protection) refuses the client \
                         before OAuth can start.",
                        server
                            .as_deref()
                            .map(|s| format!(" (server: {s})"))
                            .unwrap_or_default()
                    ),
                )
                .fails_connect(
                    "the server answers HTTP 403 without an OAuth challenge (a firewall or CDN \
                     blocks the request)",
                    "let unauthenticated MCP POSTs from non-browser clients through to the MCP \
                     server, which should answer 401 with WWW-Authenticate: Bearer",
                );
                if let Some(s) = server {
                    n = n.evidence("server", s);
                }
                self.note(n);
                self.finish(cur, "HTTP 403 without a Bearer challenge".to_string());
                First::Stop
            }
            _ => {
                let hint = match (status, self.plan.sse) {
                    (404, _) => " Check the URL's path (often /mcp, or /sse for SSE servers).",
                    (405, false) => {
                        " The server may speak only the older SSE transport: try `--sse` (or \
                         \"type\": \"sse\")."
                    }
                    (405, true) => {
                        " The server may speak streamable HTTP instead: try without `--sse` (or \
                         \"type\": \"http\")."
                    }
                    (406 | 415, _) => {
                        " The server rejects the Accept or Content-Type an MCP client sends."
                    }
                    (500..=599, _) => " The server failed.",
                    _ => "",
                };
                self.note(
                    Noted::new(
                        Code::UnexpectedStatus,
                        Severity::Error,
                        format!(
                            "{what} got HTTP {status}; Claude Code treats any status but 401 as a \
                             failure.{hint}"
                        ),
                    )
                    .evidence("status", status)
                    .fails_connect(
                        format!("the server answers {what} with HTTP {status}"),
                        format!(
                            "the MCP URL must answer an unauthenticated request with 401 and \
                             WWW-Authenticate: Bearer (it answered HTTP {status})"
                        ),
                    ),
                );
                self.finish(cur, format!("HTTP {status}"));
                First::Stop
            }
        }
    }

    /// Findings about the challenge of a 401 (or a Bearer 403); returns the step summary.
    fn challenge_findings(
        &mut self,
        raw: &[&str],
        parsed: &[challenge::Challenge],
        status: u16,
    ) -> String {
        let sdk = challenge::sdk_view(raw);
        let Some(bearer) = parsed.iter().find(|c| c.is_bearer()) else {
            if raw.is_empty() {
                self.note(Noted::new(
                    Code::NoWwwAuthenticate,
                    Severity::Warning,
                    format!(
                        "HTTP {status} without a WWW-Authenticate header. The MCP authorization \
                         spec requires `WWW-Authenticate: Bearer resource_metadata=\"…\"`; Claude \
                         Code still tries the well-known metadata locations, other clients may \
                         not."
                    ),
                ));
                return format!("HTTP {status}, but no WWW-Authenticate header");
            }
            let schemes: Vec<String> = parsed.iter().map(|c| sanitize(&c.scheme)).collect();
            self.note(Noted::new(
                Code::WwwAuthenticateNotBearer,
                Severity::Warning,
                format!(
                    "HTTP {status} offers {} but no Bearer challenge; Claude Code only speaks \
                     OAuth Bearer and falls back to the well-known metadata locations.",
                    schemes.join(", ")
                ),
            ));
            return format!("HTTP {status} with a non-Bearer challenge");
        };
        let spec_rm = bearer.param("resource_metadata");
        match (spec_rm, &sdk.resource_metadata) {
            (Some(rm), None) => {
                let why = if !bearer.quoted.iter().any(|q| q == "resource_metadata") {
                    "it reads the value only in quotes (resource_metadata=\"…\")"
                } else if Url::parse(rm).is_none() {
                    "the value is not an absolute URL"
                } else {
                    "it reads the parameters only when the header starts with `Bearer`"
                };
                self.note(
                    Noted::new(
                        Code::ResourceMetadataIgnored,
                        Severity::Warning,
                        format!(
                            "The Bearer challenge names resource_metadata {}, but Claude Code's \
                             SDK does not see it: {why}. It falls back to the well-known \
                             locations.",
                            show_url(rm)
                        ),
                    )
                    .evidence("resource_metadata", show_url(rm)),
                );
            }
            (None, _) => self.note(Noted::new(
                Code::NoResourceMetadata,
                Severity::Info,
                "The Bearer challenge names no resource_metadata; Claude Code looks for \
                 protected-resource metadata at the well-known locations instead.",
            )),
            _ => {}
        }
        let mut parts = vec![format!("HTTP {status} with a Bearer challenge")];
        for name in ["resource_metadata", "scope", "error"] {
            if let Some(v) = bearer.param(name) {
                let v = if name == "resource_metadata" {
                    show_url(v)
                } else {
                    sanitize(v)
                };
                parts.push(format!("{name}={v}"));
            }
        }
        parts.join("; ")
    }
}
