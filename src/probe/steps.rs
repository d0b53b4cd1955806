//! The four steps, in the order Claude Code's MCP SDK takes them: an unauthenticated MCP request,
//! protected-resource metadata (RFC 9728), authorization-server metadata (RFC 8414 / OpenID
//! Connect Discovery), and, only when asked, a dynamic client registration (RFC 7591).

use serde::Serialize;
use serde_json::{Map, Value, json};

use super::challenge::{self, SdkView};
use super::http::{Client, Failure, Method, Reply, Request};
use super::lint::{self, FieldProblem, Problem};
use super::transcript::{Exchange, show_url};
use super::urls::{self, MetadataKind, Url};
use super::verdict::{FirstContact, Noted};
use crate::checks::Severity;
use crate::report::style::sanitize;

/// The MCP protocol version the probe speaks.
pub const PROTOCOL_VERSION: &str = "2025-06-18";
/// The redirect URI registered with `--register`: a loopback callback like Claude Code's.
pub const REDIRECT_URI: &str = "http://localhost:53682/callback";
/// Redirects followed for metadata GETs (as `fetch` follows them).
const MAX_REDIRECTS: usize = 5;

/// What to probe.
#[derive(Debug, Clone)]
pub struct Plan {
    pub url: Url,
    pub sse: bool,
    pub register: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum StepStatus {
    Ok,
    Warning,
    Error,
    Skipped,
}

impl StepStatus {
    pub fn label(self) -> &'static str {
        match self {
            StepStatus::Ok => "ok",
            StepStatus::Warning => "warning",
            StepStatus::Error => "error",
            StepStatus::Skipped => "skipped",
        }
    }
}

/// One step as reported.
#[derive(Debug, Clone, Serialize)]
pub struct Step {
    pub step: u8,
    pub name: &'static str,
    pub status: StepStatus,
    pub summary: String,
    pub exchanges: Vec<Exchange>,
    /// Codes of the findings this step produced.
    pub findings: Vec<&'static str>,
}

/// Everything the steps produced.
pub struct Outcome {
    pub steps: Vec<Step>,
    pub noted: Vec<Noted>,
    pub first: FirstContact,
    pub registered: bool,
}

const NAMES: [&str; 4] = [
    "initialize",
    "protected-resource-metadata",
    "authorization-server-metadata",
    "registration",
];

/// Runs the steps against `plan.url`.
pub fn run(client: &Client, plan: &Plan) -> Outcome {
    let mut r = Runner {
        client,
        plan,
        noted: Vec::new(),
        steps: Vec::new(),
    };
    let first = r.initialize();
    let mut registered = false;
    match &first {
        First::Challenged(view) => {
            if let Some(auth) = r.protected_resource(view) {
                let meta = r.authorization_server(&auth);
                registered = r.registration(meta.as_ref());
            }
        }
        First::Open => {}
        First::Stop => {}
    }
    let why = match &first {
        First::Open => "not needed: the server did not ask for authentication",
        _ => "not run: an earlier step stopped the probe",
    };
    for (i, name) in NAMES.iter().enumerate() {
        let n = i as u8 + 1;
        if !r.steps.iter().any(|s| s.step == n) {
            r.steps.push(Step {
                step: n,
                name,
                status: StepStatus::Skipped,
                summary: why.into(),
                exchanges: Vec::new(),
                findings: Vec::new(),
            });
        }
    }
    r.steps.sort_by_key(|s| s.step);
    Outcome {
        steps: r.steps,
        noted: r.noted,
        first: match first {
            First::Open => FirstContact::Open,
            First::Challenged(_) => FirstContact::Challenged,
            First::Stop => FirstContact::Other,
        },
        registered,
    }
}

enum First {
    Stop,
    Open,
    Challenged(SdkView),
}

/// Where step 3 looks, and why.
struct AuthServer {
    url: String,
    /// The MCP server stands in for its own authorization server (the 2025-03-26 way), because
    /// of this.
    legacy: Option<String>,
}

/// What step 4 needs from step 3.
struct ServerMetadata {
    registration_endpoint: Option<String>,
}

struct Runner<'a> {
    client: &'a Client,
    plan: &'a Plan,
    noted: Vec<Noted>,
    steps: Vec<Step>,
}

/// A step being run.
struct Current {
    step: u8,
    first_noted: usize,
    exchanges: Vec<Exchange>,
}

impl Runner<'_> {
    fn begin(&self, step: u8) -> Current {
        Current {
            step,
            first_noted: self.noted.len(),
            exchanges: Vec::new(),
        }
    }

    fn finish(&mut self, cur: Current, summary: impl Into<String>) {
        let mine = &self.noted[cur.first_noted..];
        let status = match mine.iter().map(|n| n.finding.severity).max() {
            Some(Severity::Error) => StepStatus::Error,
            Some(Severity::Warning) => StepStatus::Warning,
            _ => StepStatus::Ok,
        };
        self.steps.push(Step {
            step: cur.step,
            name: NAMES[cur.step as usize - 1],
            status,
            summary: summary.into(),
            exchanges: cur.exchanges,
            findings: mine.iter().map(|n| n.finding.code).collect(),
        });
    }

    fn skip(&mut self, step: u8, summary: impl Into<String>) {
        self.steps.push(Step {
            step,
            name: NAMES[step as usize - 1],
            status: StepStatus::Skipped,
            summary: summary.into(),
            exchanges: Vec::new(),
            findings: Vec::new(),
        });
    }

    fn note(&mut self, n: Noted) {
        self.noted.push(n);
    }

    fn send(&self, cur: &mut Current, request: Request) -> Result<Reply, Failure> {
        let outcome = self.client.send(&request);
        cur.exchanges.push(Exchange::of(&request, &outcome));
        outcome.result
    }

    /// A metadata GET, following redirects as `fetch` does.
    fn get_metadata(&self, cur: &mut Current, url: &str) -> Result<(String, Reply), Failure> {
        let mut url = url.to_string();
        for _ in 0..=MAX_REDIRECTS {
            let reply = self.send(
                cur,
                Request {
                    method: Method::Get,
                    url: url.clone(),
                    headers: vec![
                        ("Accept", "application/json".into()),
                        ("MCP-Protocol-Version", PROTOCOL_VERSION.into()),
                    ],
                    body: None,
                },
            )?;
            let location = reply.header("location").map(String::from);
            match (reply.status, location, Url::parse(&url)) {
                (301 | 302 | 303 | 307 | 308, Some(loc), Some(base)) => {
                    url = urls::resolve(&base, &loc);
                }
                _ => return Ok((url, reply)),
            }
        }
        Err(Failure::Other(format!(
            "more than {MAX_REDIRECTS} redirects"
        )))
    }

    /// The finding for a request that got no response.
    fn failure(&self, f: &Failure, what: &str, url: &str, sign_in: bool) -> Noted {
        let host = Url::parse(url)
            .map(|u| u.host)
            .unwrap_or_else(|| "the host".into());
        let host = sanitize(&host);
        let t = seconds(self.client.timeout());
        let (code, message, because, tell) = match f {
            Failure::Timeout => (
                "timeout",
                format!("{what} got no answer within {t} (--timeout)."),
                format!("{host} did not answer {what} within {t}"),
                "the server (or something in front of it) is too slow or hangs; Claude Code \
                 gives up after 30 s (MCP_TIMEOUT)"
                    .to_string(),
            ),
            Failure::Tls(e) => (
                "tls-failed",
                format!(
                    "{what}: the TLS handshake with {host} failed: {}.",
                    sanitize(e)
                ),
                format!("the TLS handshake with {host} failed"),
                "serve a certificate chain that the usual public roots trust (if only this \
                 machine fails, look for an intercepting proxy on your side)"
                    .to_string(),
            ),
            Failure::Proxy(e) => (
                "proxy-failed",
                format!("{what}: the proxy failed: {}.", sanitize(e)),
                "the proxy from HTTPS_PROXY/ALL_PROXY failed".to_string(),
                "nothing yet: this is a local proxy problem (HTTPS_PROXY, NO_PROXY)".to_string(),
            ),
            Failure::Unreachable(e) | Failure::Other(e) => (
                "unreachable",
                format!("{what}: cannot reach {host}: {}.", sanitize(e)),
                format!("{host} cannot be reached ({})", sanitize(e)),
                "nothing until you have checked DNS, the network and the URL on your side; if \
                 those are fine, the server is down"
                    .to_string(),
            ),
        };
        let n = Noted::new(code, Severity::Error, message).evidence("url", show_url(url));
        if sign_in {
            n.fails_sign_in(because, tell)
        } else {
            n.fails_connect(because, tell)
        }
    }

    // ---- step 1 -------------------------------------------------------------------------

    fn initialize(&mut self) -> First {
        let mut cur = self.begin(1);
        let url = self.plan.url.as_string();
        let request = if self.plan.sse {
            Request {
                method: Method::Get,
                url: url.clone(),
                headers: vec![("Accept", "text/event-stream".into())],
                body: None,
            }
        } else {
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
                url: url.clone(),
                headers: vec![
                    ("Content-Type", "application/json".into()),
                    ("Accept", "application/json, text/event-stream".into()),
                ],
                body: Some(body.to_string()),
            }
        };
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
                    "no-auth-required",
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
                        "redirect",
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
                    "insufficient-scope-403",
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
                    "waf-403",
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
                        "unexpected-status",
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
                    "no-www-authenticate",
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
                "www-authenticate-not-bearer",
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
                        "resource-metadata-ignored",
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
                "no-resource-metadata",
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

    // ---- step 2 -------------------------------------------------------------------------

    fn protected_resource(&mut self, view: &SdkView) -> Option<AuthServer> {
        let mut cur = self.begin(2);
        let server = self.plan.url.as_string();
        let (candidates, advertised) = match &view.resource_metadata {
            Some(u) => (vec![u.clone()], true),
            None => (urls::protected_resource_candidates(&self.plan.url), false),
        };
        let mut tried: Vec<String> = Vec::new();
        let mut found: Option<(String, Reply)> = None;
        for candidate in &candidates {
            match self.get_metadata(&mut cur, candidate) {
                Err(Failure::Timeout) => {
                    let n = self.failure(
                        &Failure::Timeout,
                        "the protected-resource metadata request",
                        candidate,
                        false,
                    );
                    self.note(n);
                    self.finish(cur, "no answer");
                    return None;
                }
                Err(f) => tried.push(format!("{}: {f}", show_url(candidate))),
                Ok((url, reply)) if (200..300).contains(&reply.status) => {
                    found = Some((url, reply));
                    break;
                }
                Ok((url, reply)) => {
                    tried.push(format!("{}: HTTP {}", show_url(&url), reply.status));
                    if !(400..500).contains(&reply.status) {
                        break; // the SDK stops at anything but a 4xx
                    }
                }
            }
            if advertised {
                break;
            }
        }
        let legacy = |reason: String| AuthServer {
            url: server.clone(),
            legacy: Some(reason),
        };
        let Some((url, reply)) = found else {
            let where_ = if advertised {
                "at the advertised resource_metadata URL"
            } else {
                "at the well-known locations"
            };
            self.note(
                Noted::new(
                    "no-protected-resource-metadata",
                    Severity::Warning,
                    format!(
                        "No protected-resource metadata {where_} ({}). Claude Code then treats \
                         the MCP server itself as the authorization server (the 2025-03-26 way) \
                         and looks for its metadata at {}.",
                        tried.join("; "),
                        self.plan.url.origin()
                    ),
                )
                .evidence("tried", tried.clone()),
            );
            self.finish(cur, format!("not found {where_}"));
            return Some(legacy(format!(
                "there is no protected-resource metadata {where_}"
            )));
        };
        let shown = show_url(&url);
        let doc = match serde_json::from_slice::<Value>(&reply.body) {
            Ok(Value::Object(m)) => m,
            _ => {
                self.note(Noted::new(
                    "protected-resource-metadata-invalid",
                    Severity::Warning,
                    format!(
                        "The protected-resource metadata at {shown} is not a JSON object; Claude \
                         Code ignores it and treats the MCP server as its own authorization server."
                    ),
                ));
                self.finish(cur, format!("{shown}: not a JSON object"));
                return Some(legacy(format!("the metadata at {shown} is not JSON")));
            }
        };
        let problems = lint::check(&doc, lint::PROTECTED_RESOURCE);
        if !problems.is_empty() {
            let (nulls, others): (Vec<&FieldProblem>, Vec<&FieldProblem>) =
                problems.iter().partition(|p| p.problem == Problem::Null);
            for p in &nulls {
                self.note(
                    Noted::new(
                        "metadata-null-field",
                        Severity::Warning,
                        format!(
                            "The protected-resource metadata at {shown} has \"{}\": null where \
                             the spec wants {}. Claude Code's schema rejects the whole document \
                             (\"expected {}, received null\"), ignores it, and treats the MCP \
                             server as its own authorization server.",
                            p.field,
                            p.expected.describe(),
                            zod_type(p.expected)
                        ),
                    )
                    .evidence("field", p.field),
                );
            }
            if !others.is_empty() {
                self.note(Noted::new(
                    "protected-resource-metadata-invalid",
                    Severity::Warning,
                    format!(
                        "The protected-resource metadata at {shown} fails Claude Code's schema \
                         ({}); it ignores the document and treats the MCP server as its own \
                         authorization server.",
                        describe_problems(&others)
                    ),
                ));
            }
            self.finish(cur, format!("{shown}: rejected by Claude Code's schema"));
            return Some(legacy(format!(
                "it rejects the protected-resource metadata at {shown}"
            )));
        }
        let resource = doc.get("resource").and_then(Value::as_str).unwrap_or("");
        match Url::parse(resource) {
            Some(r) if urls::resource_covers(&r, &self.plan.url) => {}
            _ => self.note(
                Noted::new(
                    "resource-mismatch",
                    Severity::Error,
                    format!(
                        "The protected-resource metadata says \"resource\": \"{}\", which does not \
                         cover the server URL {} (same origin, and a path that is a prefix of the \
                         server's). Claude Code refuses it: \"Protected resource … does not match \
                         expected …\".",
                        show_url(resource),
                        show_url(&server)
                    ),
                )
                .evidence("resource", show_url(resource))
                .evidence("server", show_url(&server))
                .fails_connect(
                    format!(
                        "the protected-resource metadata names resource {}, not {}",
                        show_url(resource),
                        show_url(&server)
                    ),
                    format!(
                        "set \"resource\" in the protected-resource metadata to {} (the URL \
                         clients connect to)",
                        show_url(&server)
                    ),
                ),
            ),
        }
        let servers: Vec<&str> = doc
            .get("authorization_servers")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let Some(first) = servers.first() else {
            self.note(Noted::new(
                "no-authorization-servers",
                Severity::Warning,
                format!(
                    "The protected-resource metadata at {shown} lists no authorization_servers; \
                     Claude Code treats the MCP server as its own authorization server."
                ),
            ));
            self.finish(
                cur,
                format!(
                    "{shown}: resource {}; no authorization_servers",
                    show_url(resource)
                ),
            );
            return Some(legacy(
                "the protected-resource metadata lists no authorization server".into(),
            ));
        };
        let more = if servers.len() > 1 {
            format!(
                " (and {} more; Claude Code uses the first)",
                servers.len() - 1
            )
        } else {
            String::new()
        };
        self.finish(
            cur,
            format!(
                "{shown}: resource {}; authorization server {}{more}",
                show_url(resource),
                show_url(first)
            ),
        );
        Some(AuthServer {
            url: first.to_string(),
            legacy: None,
        })
    }

    // ---- step 3 -------------------------------------------------------------------------

    fn authorization_server(&mut self, auth: &AuthServer) -> Option<ServerMetadata> {
        let mut cur = self.begin(3);
        let Some(issuer) = Url::parse(&auth.url) else {
            self.note(
                Noted::new(
                    "no-authorization-server-metadata",
                    Severity::Error,
                    format!(
                        "The authorization server {} is not an absolute http(s) URL.",
                        show_url(&auth.url)
                    ),
                )
                .fails_connect(
                    "the authorization server's URL is not usable",
                    "list an absolute https URL in authorization_servers",
                ),
            );
            self.finish(cur, "no usable authorization server URL");
            return None;
        };
        let mut tried: Vec<String> = Vec::new();
        let mut found: Option<(MetadataKind, String, Reply)> = None;
        for (kind, candidate) in urls::authorization_server_candidates(&issuer) {
            match self.get_metadata(&mut cur, &candidate) {
                Err(Failure::Timeout) => {
                    let n = self.failure(
                        &Failure::Timeout,
                        "the authorization-server metadata request",
                        &candidate,
                        false,
                    );
                    self.note(n);
                    self.finish(cur, "no answer");
                    return None;
                }
                Err(f) => tried.push(format!("{}: {f}", show_url(&candidate))),
                Ok((url, reply)) if (200..300).contains(&reply.status) => {
                    found = Some((kind, url, reply));
                    break;
                }
                Ok((url, reply)) if (400..500).contains(&reply.status) => {
                    tried.push(format!("{}: HTTP {}", show_url(&url), reply.status));
                }
                Ok((url, reply)) => {
                    let shown = show_url(&url);
                    self.note(
                        Noted::new(
                            "unexpected-status",
                            Severity::Error,
                            format!(
                                "The authorization-server metadata request to {shown} got HTTP {}; \
                                 Claude Code gives up on anything but a 2xx or 4xx there.",
                                reply.status
                            ),
                        )
                        .evidence("status", reply.status)
                        .fails_connect(
                            format!(
                                "fetching the authorization-server metadata at {shown} fails with \
                                 HTTP {}",
                                reply.status
                            ),
                            format!("make {shown} answer (it returns HTTP {})", reply.status),
                        ),
                    );
                    self.finish(cur, format!("{shown}: HTTP {}", reply.status));
                    return None;
                }
            }
        }
        let Some((kind, url, reply)) = found else {
            let (because, tell) = match &auth.legacy {
                Some(reason) => (
                    format!(
                        "{reason}, and the MCP server publishes no authorization-server metadata \
                         either"
                    ),
                    format!(
                        "publish RFC 9728 protected-resource metadata at {} naming the \
                         authorization server, and point to it from WWW-Authenticate \
                         resource_metadata",
                        show_url(&urls::protected_resource_candidates(&self.plan.url)[0])
                    ),
                ),
                None => (
                    format!(
                        "the authorization server {} publishes no metadata where Claude Code \
                         looks",
                        show_url(&auth.url)
                    ),
                    format!(
                        "publish RFC 8414 metadata at {}",
                        show_url(&urls::authorization_server_candidates(&issuer)[0].1)
                    ),
                ),
            };
            self.note(
                Noted::new(
                    "no-authorization-server-metadata",
                    Severity::Error,
                    format!(
                        "No authorization-server metadata for {} at any place Claude Code looks \
                         ({}).",
                        show_url(&auth.url),
                        tried.join("; ")
                    ),
                )
                .evidence("tried", tried.clone())
                .fails_connect(because, tell),
            );
            self.finish(cur, "not found");
            return None;
        };
        let shown = show_url(&url);
        let doc = match serde_json::from_slice::<Value>(&reply.body) {
            Ok(Value::Object(m)) => m,
            _ => {
                self.note(
                    Noted::new(
                        "metadata-not-json",
                        Severity::Error,
                        format!(
                            "The authorization-server metadata at {shown} is not a JSON object."
                        ),
                    )
                    .fails_connect(
                        format!("the authorization-server metadata at {shown} is not JSON"),
                        format!("serve the metadata at {shown} as a JSON object"),
                    ),
                );
                self.finish(cur, format!("{shown}: not a JSON object"));
                return None;
            }
        };
        if kind == MetadataKind::OpenId {
            self.note(Noted::new(
                "openid-configuration-only",
                Severity::Info,
                format!(
                    "Only OpenID Connect discovery answered ({shown}); the RFC 8414 locations did \
                     not ({}). Claude Code accepts that.",
                    tried.join("; ")
                ),
            ));
        }
        let table = match kind {
            MetadataKind::OAuth => lint::OAUTH_SERVER,
            MetadataKind::OpenId => lint::OPENID_PROVIDER,
        };
        let problems = lint::check(&doc, table);
        for p in &problems {
            let (code, message, because) = match p.problem {
                Problem::Null => (
                    "metadata-null-field",
                    format!(
                        "The authorization-server metadata at {shown} has \"{}\": null where the \
                         spec wants {} (or the member left out). Claude Code's schema rejects the \
                         document: \"expected {}, received null\".",
                        p.field,
                        p.expected.describe(),
                        zod_type(p.expected)
                    ),
                    format!(
                        "the authorization-server metadata has \"{}\": null, which Claude Code's \
                         schema rejects",
                        p.field
                    ),
                ),
                Problem::Missing => (
                    "metadata-missing-field",
                    format!(
                        "The authorization-server metadata at {shown} has no \"{}\" ({} \
                         required).",
                        p.field,
                        p.expected.describe()
                    ),
                    format!(
                        "the authorization-server metadata has no \"{}\", which Claude Code's \
                         schema requires",
                        p.field
                    ),
                ),
                Problem::WrongType(t) => (
                    "metadata-bad-field",
                    format!(
                        "The authorization-server metadata at {shown} has \"{}\" as {t} where the \
                         spec wants {}.",
                        p.field,
                        p.expected.describe()
                    ),
                    format!(
                        "the authorization-server metadata's \"{}\" is not {}",
                        p.field,
                        p.expected.describe()
                    ),
                ),
            };
            let tell = match p.problem {
                Problem::Null => format!(
                    "leave \"{}\" out of the metadata instead of sending null",
                    p.field
                ),
                Problem::Missing => format!("add \"{}\" to the metadata at {shown}", p.field),
                Problem::WrongType(_) => format!(
                    "send \"{}\" as {} in the metadata at {shown}",
                    p.field,
                    p.expected.describe()
                ),
            };
            self.note(
                Noted::new(code, Severity::Error, message)
                    .evidence("field", p.field)
                    .fails_connect(because, tell),
            );
        }
        let bad = |f: &str| problems.iter().any(|p| p.field == f);
        if auth.legacy.is_none()
            && let Some(iss) = doc.get("issuer").and_then(Value::as_str)
            && !urls::same_issuer(iss, &auth.url)
        {
            self.note(
                Noted::new(
                    "issuer-mismatch",
                    Severity::Warning,
                    format!(
                        "The metadata's issuer \"{}\" differs from the authorization server URL {} \
                         it was discovered for. RFC 8414 §3.3 says clients must reject that; \
                         Claude Code's SDK does not check, stricter clients do.",
                        show_url(iss),
                        show_url(&auth.url)
                    ),
                )
                .evidence("issuer", show_url(iss)),
            );
        }
        let strings = |f: &str| -> Option<Vec<&str>> {
            doc.get(f)
                .and_then(Value::as_array)
                .map(|a| a.iter().filter_map(Value::as_str).collect())
        };
        if !bad("code_challenge_methods_supported") {
            let methods = strings("code_challenge_methods_supported");
            if !methods.as_ref().is_some_and(|m| m.contains(&"S256")) {
                let what = match &methods {
                    Some(m) => format!("offers only {:?}", m),
                    None => "has no code_challenge_methods_supported".into(),
                };
                self.note(
                    Noted::new(
                        "no-s256",
                        Severity::Error,
                        format!(
                            "The authorization-server metadata {what}; MCP requires PKCE with \
                             S256 and Claude Code refuses to start a sign-in without it."
                        ),
                    )
                    .fails_connect(
                        "the authorization server does not advertise PKCE S256",
                        "add \"code_challenge_methods_supported\": [\"S256\"] to the \
                         authorization-server metadata (and support it)",
                    ),
                );
            }
        }
        if !bad("response_types_supported")
            && let Some(types) = strings("response_types_supported")
            && !types.contains(&"code")
        {
            self.note(
                Noted::new(
                    "no-code-response-type",
                    Severity::Error,
                    format!(
                        "response_types_supported is {types:?}, without \"code\"; Claude Code \
                         needs the authorization code flow."
                    ),
                )
                .fails_connect(
                    "the authorization server does not offer the \"code\" response type",
                    "support and advertise \"response_types_supported\": [\"code\"]",
                ),
            );
        }
        if !bad("grant_types_supported")
            && let Some(grants) = strings("grant_types_supported")
            && !grants.contains(&"authorization_code")
        {
            self.note(
                Noted::new(
                    "no-authorization-code-grant",
                    Severity::Error,
                    format!(
                        "grant_types_supported is {grants:?}, without \"authorization_code\"; \
                         Claude Code cannot exchange the code for a token."
                    ),
                )
                .fails_connect(
                    "the authorization server does not offer the authorization_code grant",
                    "support the authorization_code grant (and refresh_token) and list them in \
                     grant_types_supported",
                ),
            );
        }
        let registration_endpoint = doc
            .get("registration_endpoint")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty() && !bad("registration_endpoint"))
            .map(String::from);
        let cimd = doc.get("client_id_metadata_document_supported") == Some(&Value::Bool(true));
        if registration_endpoint.is_none() && !bad("registration_endpoint") {
            if cimd {
                self.note(Noted::new(
                    "no-registration",
                    Severity::Warning,
                    "The authorization server offers client ID metadata documents but no \
                     registration_endpoint; Claude Code versions that only do dynamic client \
                     registration cannot sign in.",
                ));
            } else {
                self.note(
                    Noted::new(
                        "no-registration",
                        Severity::Error,
                        "The authorization-server metadata has neither a registration_endpoint \
                         nor client_id_metadata_document_supported: Claude Code has no way to \
                         get a client ID (\"Incompatible auth server: does not support dynamic \
                         client registration\"), unless a client ID is configured for the server.",
                    )
                    .fails_connect(
                        "the authorization server offers no dynamic client registration",
                        "enable dynamic client registration (RFC 7591) and advertise its \
                         registration_endpoint",
                    ),
                );
            }
        }
        let field = |f: &str| {
            doc.get(f)
                .and_then(Value::as_str)
                .map(show_url)
                .unwrap_or_else(|| "-".into())
        };
        self.finish(
            cur,
            format!(
                "{shown}: issuer {}; authorize {}; token {}; registration {}",
                field("issuer"),
                field("authorization_endpoint"),
                field("token_endpoint"),
                registration_endpoint
                    .as_deref()
                    .map(show_url)
                    .unwrap_or_else(|| if cimd {
                        "client ID metadata documents".into()
                    } else {
                        "none".into()
                    })
            ),
        );
        Some(ServerMetadata {
            registration_endpoint,
        })
    }

    // ---- step 4 -------------------------------------------------------------------------

    fn registration(&mut self, meta: Option<&ServerMetadata>) -> bool {
        let blocked = self
            .noted
            .iter()
            .any(|n| matches!(n.effect, super::verdict::Effect::FailsConnect(_)));
        let endpoint = meta.and_then(|m| m.registration_endpoint.clone());
        if !self.plan.register {
            self.skip(
                4,
                "not run: --register tries a dynamic client registration (it creates a client on \
                 the server)",
            );
            return false;
        }
        if blocked {
            self.skip(4, "not run: Claude Code stops before registering");
            return false;
        }
        let Some(endpoint) = endpoint else {
            self.skip(4, "not run: no registration endpoint");
            return false;
        };
        let mut cur = self.begin(4);
        let body = json!({
            "client_name": "mcp-auth-doctor probe",
            "redirect_uris": [REDIRECT_URI],
            "grant_types": ["authorization_code", "refresh_token"],
            "response_types": ["code"],
            "token_endpoint_auth_method": "none",
        });
        let request = Request {
            method: Method::Post,
            url: endpoint.clone(),
            headers: vec![
                ("Content-Type", "application/json".into()),
                ("Accept", "application/json".into()),
            ],
            body: Some(body.to_string()),
        };
        let shown = show_url(&endpoint);
        let reply = match self.send(&mut cur, request) {
            Ok(r) => r,
            Err(f) => {
                let n = self.failure(&f, "the registration request", &endpoint, true);
                self.note(n);
                self.finish(cur, format!("{shown}: {f}"));
                return false;
            }
        };
        if !(200..300).contains(&reply.status) {
            let error = serde_json::from_slice::<Value>(&reply.body)
                .ok()
                .and_then(|v| {
                    let e = v.get("error")?.as_str()?.to_string();
                    let d = v
                        .get("error_description")
                        .and_then(Value::as_str)
                        .map(|d| format!(": {d}"))
                        .unwrap_or_default();
                    Some(sanitize(&format!("{e}{d}")))
                });
            let detail = error
                .as_deref()
                .map(|e| format!(" ({e})"))
                .unwrap_or_default();
            self.note(
                Noted::new(
                    "dcr-failed",
                    Severity::Error,
                    format!(
                        "The registration at {shown} got HTTP {}{detail}; Claude Code's sign-in \
                         stops there.",
                        reply.status
                    ),
                )
                .evidence("status", reply.status)
                .fails_sign_in(
                    format!(
                        "the registration endpoint refuses a registration like Claude Code's \
                         (HTTP {}{detail})",
                        reply.status
                    ),
                    "accept RFC 7591 registrations from public clients (token_endpoint_auth_method \
                     none, a http://localhost redirect URI, authorization_code and refresh_token)",
                ),
            );
            self.finish(cur, format!("{shown}: HTTP {}", reply.status));
            return false;
        }
        let doc: Map<String, Value> = match serde_json::from_slice::<Value>(&reply.body) {
            Ok(Value::Object(m)) => m,
            _ => {
                self.note(
                    Noted::new(
                        "dcr-not-json",
                        Severity::Error,
                        format!("The registration response from {shown} is not a JSON object."),
                    )
                    .fails_sign_in(
                        "the registration response is not JSON",
                        "answer registrations with the RFC 7591 client information as a JSON \
                         object",
                    ),
                );
                self.finish(cur, format!("{shown}: HTTP {}, not JSON", reply.status));
                return false;
            }
        };
        let problems = lint::check(&doc, lint::REGISTRATION);
        let nulls: Vec<&str> = problems
            .iter()
            .filter(|p| p.problem == Problem::Null)
            .map(|p| p.field)
            .collect();
        for p in &problems {
            match (p.field, &p.problem) {
                ("client_id", Problem::Missing | Problem::Null | Problem::WrongType(_)) => {}
                ("redirect_uris", Problem::Missing) => {}
                (_, Problem::Null) => self.note(
                    Noted::new(
                        "dcr-null-field",
                        Severity::Error,
                        format!(
                            "The registration response has \"{}\": null where RFC 7591 wants {} \
                             or the member left out. Claude Code rejects the whole response: \
                             \"expected {}, received null\", and the sign-in fails with \"SDK \
                             auth failed\".",
                            p.field,
                            p.expected.describe(),
                            zod_type(p.expected)
                        ),
                    )
                    .evidence("field", p.field)
                    .fails_sign_in(
                        format!(
                            "the registration response has null in {} (\"expected string, \
                             received null\")",
                            nulls.join(", ")
                        ),
                        format!(
                            "leave optional members out of the registration response instead of \
                             sending null ({})",
                            nulls.join(", ")
                        ),
                    ),
                ),
                (_, Problem::WrongType(t)) => self.note(
                    Noted::new(
                        "dcr-bad-field",
                        Severity::Error,
                        format!(
                            "The registration response has \"{}\" as {t} where RFC 7591 wants {}; \
                             Claude Code rejects the response.",
                            p.field,
                            p.expected.describe()
                        ),
                    )
                    .evidence("field", p.field)
                    .fails_sign_in(
                        format!("the registration response's \"{}\" is {t}", p.field),
                        format!(
                            "send \"{}\" as {} in registration responses",
                            p.field,
                            p.expected.describe()
                        ),
                    ),
                ),
                (_, Problem::Missing) => {}
            }
        }
        let client_id = doc.get("client_id").and_then(Value::as_str);
        if client_id.is_none_or(str::is_empty) {
            self.note(
                Noted::new(
                    "dcr-no-client-id",
                    Severity::Error,
                    "The registration response has no client_id string (RFC 7591 §3.2.1 requires one).",
                )
                .fails_sign_in(
                    "the registration response has no client_id",
                    "return the new client's client_id in the registration response",
                ),
            );
        }
        let echoed: Option<Vec<&str>> = doc
            .get("redirect_uris")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_str).collect());
        let redirect_problem = match &echoed {
            None if !doc.contains_key("redirect_uris") => Some(
                "has no redirect_uris, which Claude Code's schema requires in the response"
                    .to_string(),
            ),
            Some(list) if !list.contains(&REDIRECT_URI) => Some(format!(
                "returns redirect_uris {list:?} instead of the one sent ({REDIRECT_URI}), so the \
                 authorization would redirect where Claude Code does not listen"
            )),
            _ => None,
        };
        if let Some(problem) = redirect_problem {
            self.note(
                Noted::new(
                    "dcr-redirect-not-echoed",
                    Severity::Error,
                    format!("The registration response {}.", sanitize(&problem)),
                )
                .fails_sign_in(
                    "the registration response does not return the redirect URI that was sent",
                    "return the registered redirect_uris, unchanged, in the registration response",
                ),
            );
        }
        let ok = self.noted[cur.first_noted..].is_empty();
        let id = client_id
            .map(|c| format!("client_id {}", sanitize(c)))
            .unwrap_or_else(|| "no client_id".into());
        self.finish(
            cur,
            format!(
                "{shown}: HTTP {}, {id} (a client now exists on the server; it is never used)",
                reply.status
            ),
        );
        ok
    }
}

/// The type name zod prints for a field kind.
fn zod_type(kind: lint::Kind) -> &'static str {
    match kind {
        lint::Kind::StrArray | lint::Kind::UrlArray => "array",
        lint::Kind::Number => "number",
        lint::Kind::Bool => "boolean",
        _ => "string",
    }
}

fn describe_problems(problems: &[&FieldProblem]) -> String {
    problems
        .iter()
        .map(|p| match p.problem {
            Problem::Missing => format!("no \"{}\"", p.field),
            Problem::Null => format!("\"{}\" is null", p.field),
            Problem::WrongType(t) => {
                format!("\"{}\" is {t}, not {}", p.field, p.expected.describe())
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// `10 s`, `0.25 s`.
pub fn seconds(d: std::time::Duration) -> String {
    let s = d.as_secs_f64();
    if s.fract() == 0.0 {
        format!("{} s", s as u64)
    } else {
        format!("{} s", (s * 1000.0).round() / 1000.0)
    }
}
