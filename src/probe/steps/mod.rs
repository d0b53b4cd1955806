//! The four steps, in the order Claude Code's MCP SDK takes them: an unauthenticated MCP request,
//! protected-resource metadata (RFC 9728), authorization-server metadata (RFC 8414 / OpenID
//! Connect Discovery), and, only when asked, a dynamic client registration (RFC 7591).
//!
//! Files: this one holds the shared types, the orchestration and what the steps share (sending,
//! following redirects, the findings for a request without an answer); each step has its own:
//! `initialize` (1), `resource_metadata` (2), `server_metadata` (3) and `registration` (4).

mod initialize;
mod registration;
mod resource_metadata;
mod server_metadata;

pub use initialize::initialize_request;

use serde::Serialize;

use super::challenge::SdkView;
use super::http::{Client, Failure, Method, Reply, Request};
use super::lint;
use super::transcript::{Exchange, show_url};
use super::urls::{self, Url};
use super::verdict::{FirstContact, Noted};
use crate::checks::{Code, Severity};
use crate::term::sanitize;

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
    pub findings: Vec<Code>,
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
                Code::Timeout,
                format!("{what} got no answer within {t} (--timeout)."),
                format!("{host} did not answer {what} within {t}"),
                "the server (or something in front of it) is too slow or hangs; Claude Code \
                 gives up after 30 s (MCP_TIMEOUT)"
                    .to_string(),
            ),
            Failure::Tls(e) => (
                Code::TlsFailed,
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
                Code::ProxyFailed,
                format!("{what}: the proxy failed: {}.", sanitize(e)),
                "the proxy from HTTPS_PROXY/ALL_PROXY failed".to_string(),
                "nothing yet: this is a local proxy problem (HTTPS_PROXY, NO_PROXY)".to_string(),
            ),
            Failure::Unreachable(e) | Failure::Other(e) => (
                Code::Unreachable,
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

/// `10 s`, `0.25 s`.
pub fn seconds(d: std::time::Duration) -> String {
    let s = d.as_secs_f64();
    if s.fract() == 0.0 {
        format!("{} s", s as u64)
    } else {
        format!("{} s", (s * 1000.0).round() / 1000.0)
    }
}
