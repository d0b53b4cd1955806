//! The one place that talks to the network: a blocking HTTP/1.1 client (ureq) with a timeout per
//! request, no redirects followed, no status treated as an error, TLS by rustls with the
//! platform's roots, and proxies taken from the environment the way curl takes them.

use std::cell::RefCell;
use std::io::Read;
use std::sync::Arc;
use std::time::{Duration, Instant};

use ureq::Agent;
use ureq::tls::{RootCerts, TlsConfig, TlsProvider};

use super::urls::Url;

/// At most this much of a response body is kept.
pub const BODY_LIMIT: usize = 64 * 1024;

const USER_AGENT: &str = concat!("mcp-auth-doctor/", env!("CARGO_PKG_VERSION"), " (probe)");

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
        }
    }
}

/// A request to send. Only the probe builds these; the only one that carries a credential is
/// `probe --token`'s single `initialize` ([`super::token`]).
#[derive(Debug, Clone)]
pub struct Request {
    pub method: Method,
    pub url: String,
    pub headers: Vec<(&'static str, String)>,
    pub body: Option<String>,
}

/// What came back.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    /// Header names lowercase, in the order received.
    pub headers: Vec<(String, String)>,
    /// Up to [`BODY_LIMIT`] bytes of the body.
    pub body: Vec<u8>,
    /// Whether the body was cut at the limit, or by an error while reading it.
    pub body_truncated: bool,
    /// Why the body was not read at all (an event stream never ends).
    pub body_skipped: Option<&'static str>,
}

impl Reply {
    /// The first header with this (lowercase) name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Every header with this (lowercase) name.
    pub fn headers_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> {
        self.headers
            .iter()
            .filter(move |(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn body_text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// Why no response came back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// Nothing within the timeout.
    Timeout,
    /// Name resolution or the TCP connection failed.
    Unreachable(String),
    /// The TLS handshake failed (certificate not trusted, protocol mismatch).
    Tls(String),
    /// The proxy from the environment refused or could not be reached.
    Proxy(String),
    /// Anything else (a URL the client cannot use, a broken response).
    Other(String),
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failure::Timeout => f.write_str("no response within the timeout"),
            Failure::Unreachable(e) => write!(f, "cannot connect: {e}"),
            Failure::Tls(e) => write!(f, "TLS failed: {e}"),
            Failure::Proxy(e) => write!(f, "proxy failed: {e}"),
            Failure::Other(e) => f.write_str(e),
        }
    }
}

/// The result of one request, with how long it took and which proxy carried it.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub result: Result<Reply, Failure>,
    pub elapsed: Duration,
    /// The proxy used (redacted: no userinfo), if any.
    pub proxy: Option<String>,
}

/// Proxy settings, read once from the environment (curl's variables and rules).
#[derive(Debug, Clone, Default)]
pub struct ProxyEnv {
    pub https: Option<String>,
    pub http: Option<String>,
    pub all: Option<String>,
    pub no_proxy: Option<String>,
}

impl ProxyEnv {
    pub fn from_process() -> Self {
        let var = |names: &[&str]| {
            names
                .iter()
                .filter_map(|n| std::env::var(n).ok())
                .find(|v| !v.trim().is_empty())
        };
        Self {
            https: var(&["HTTPS_PROXY", "https_proxy"]),
            http: var(&["http_proxy", "HTTP_PROXY"]),
            all: var(&["ALL_PROXY", "all_proxy"]),
            no_proxy: var(&["NO_PROXY", "no_proxy"]),
        }
    }

    /// The proxy for `url`: none for loopback hosts or a `NO_PROXY` match; else `HTTPS_PROXY`
    /// (https) or `HTTP_PROXY` (http), then `ALL_PROXY`.
    pub fn proxy_for(&self, url: &Url) -> Option<String> {
        if url.is_loopback() || self.bypass(url.bare_host()) {
            return None;
        }
        let specific = if url.scheme == "https" {
            &self.https
        } else {
            &self.http
        };
        specific.clone().or_else(|| self.all.clone())
    }

    /// `NO_PROXY`: comma-separated hosts or domain suffixes (`example.com` and `.example.com`
    /// both match `example.com` and its subdomains), `*` for everything. Ports are ignored.
    fn bypass(&self, host: &str) -> bool {
        let Some(list) = &self.no_proxy else {
            return false;
        };
        let host = host.to_ascii_lowercase();
        list.split(',').map(str::trim).any(|entry| {
            if entry == "*" {
                return true;
            }
            let entry = entry.trim_start_matches('[');
            let entry = match entry.split_once(']') {
                Some((h, _)) => h,
                None if entry.matches(':').count() == 1 => entry.split(':').next().unwrap_or(""),
                None => entry,
            };
            let entry = entry.trim_start_matches("*.").trim_start_matches('.');
            let entry = entry.to_ascii_lowercase();
            !entry.is_empty() && (host == entry || host.ends_with(&format!(".{entry}")))
        })
    }
}

/// A blocking client with one agent per proxy setting.
pub struct Client {
    timeout: Duration,
    proxies: ProxyEnv,
    agents: RefCell<Vec<(Option<String>, Agent)>>,
}

impl Client {
    pub fn new(timeout: Duration, proxies: ProxyEnv) -> Self {
        Self {
            timeout,
            proxies,
            agents: RefCell::new(Vec::new()),
        }
    }

    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    fn agent(&self, proxy: &Option<String>) -> Result<Agent, Failure> {
        if let Some((_, a)) = self.agents.borrow().iter().find(|(p, _)| p == proxy) {
            return Ok(a.clone());
        }
        let proxy_config = match proxy {
            Some(p) => Some(
                ureq::Proxy::new(p)
                    .map_err(|e| Failure::Proxy(format!("cannot use {}: {e}", redact_proxy(p))))?,
            ),
            None => None,
        };
        let tls = TlsConfig::builder()
            .provider(TlsProvider::Rustls)
            .root_certs(RootCerts::PlatformVerifier)
            .unversioned_rustls_crypto_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .build();
        let agent: Agent = Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .timeout_global(Some(self.timeout))
            .user_agent(USER_AGENT)
            .proxy(proxy_config)
            .tls_config(tls)
            .build()
            .into();
        self.agents
            .borrow_mut()
            .push((proxy.clone(), agent.clone()));
        Ok(agent)
    }

    /// Sends one request and reads (a bounded prefix of) the answer.
    pub fn send(&self, request: &Request) -> Outcome {
        let start = Instant::now();
        let Some(url) = Url::parse(&request.url) else {
            return Outcome {
                result: Err(Failure::Other(
                    "not an absolute http(s) URL; nothing was sent".into(),
                )),
                elapsed: start.elapsed(),
                proxy: None,
            };
        };
        let proxy = self.proxies.proxy_for(&url);
        let shown_proxy = proxy.as_deref().map(redact_proxy);
        let result = self
            .agent(&proxy)
            .and_then(|agent| self.exchange(&agent, request))
            .map_err(|f| match (f, &shown_proxy) {
                // Through a proxy, the only connection made is to the proxy.
                (Failure::Unreachable(e), Some(p)) => {
                    Failure::Proxy(format!("cannot reach the proxy {p}: {e}"))
                }
                (f, _) => f,
            });
        Outcome {
            result,
            elapsed: start.elapsed(),
            proxy: shown_proxy,
        }
    }

    fn exchange(&self, agent: &Agent, request: &Request) -> Result<Reply, Failure> {
        let mut builder = ureq::http::Request::builder()
            .method(request.method.as_str())
            .uri(&request.url);
        for (k, v) in &request.headers {
            builder = builder.header(*k, v);
        }
        let body = request.body.clone().unwrap_or_default().into_bytes();
        let http_request = builder
            .body(body)
            .map_err(|e| Failure::Other(format!("cannot build the request: {e}")))?;
        let response = agent.run(http_request).map_err(classify)?;
        let status = response.status().as_u16();
        let headers: Vec<(String, String)> = response
            .headers()
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str().to_ascii_lowercase(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect();
        let event_stream = headers.iter().any(|(k, v)| {
            k == "content-type" && v.to_ascii_lowercase().starts_with("text/event-stream")
        });
        if event_stream && (200..300).contains(&status) {
            return Ok(Reply {
                status,
                headers,
                body: Vec::new(),
                body_truncated: false,
                body_skipped: Some("an event stream; not read"),
            });
        }
        let mut body = Vec::new();
        let reader = response.into_body().into_reader();
        let read = reader.take(BODY_LIMIT as u64 + 1).read_to_end(&mut body);
        let mut body_truncated = read.is_err();
        if body.len() > BODY_LIMIT {
            body.truncate(BODY_LIMIT);
            body_truncated = true;
        }
        Ok(Reply {
            status,
            headers,
            body,
            body_truncated,
            body_skipped: None,
        })
    }
}

/// Maps the client's error to what it means for a probe.
fn classify(e: ureq::Error) -> Failure {
    use std::io::ErrorKind;
    match e {
        ureq::Error::Timeout(_) => Failure::Timeout,
        ureq::Error::HostNotFound => Failure::Unreachable("host not found".into()),
        ureq::Error::ConnectionFailed => Failure::Unreachable("connection failed".into()),
        ureq::Error::Io(io)
            if io
                .get_ref()
                .is_some_and(|inner| inner.downcast_ref::<rustls::Error>().is_some()) =>
        {
            Failure::Tls(io.to_string())
        }
        ureq::Error::Io(io) => match io.kind() {
            ErrorKind::TimedOut | ErrorKind::WouldBlock => Failure::Timeout,
            ErrorKind::ConnectionRefused => Failure::Unreachable("connection refused".into()),
            _ => Failure::Unreachable(io.to_string()),
        },
        ureq::Error::Tls(m) => Failure::Tls(m.to_string()),
        ureq::Error::Rustls(r) => Failure::Tls(r.to_string()),
        ureq::Error::InvalidProxyUrl => Failure::Proxy("invalid proxy URL".into()),
        ureq::Error::ConnectProxyFailed(m) => Failure::Proxy(m),
        other => Failure::Other(other.to_string()),
    }
}

/// A proxy URL without its userinfo.
fn redact_proxy(p: &str) -> String {
    crate::redact::url(p)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(no_proxy: &str) -> ProxyEnv {
        ProxyEnv {
            https: Some("http://user:pw@proxy.corp:3128".into()),
            http: None,
            all: Some("http://all.corp:8080".into()),
            no_proxy: Some(no_proxy.into()),
        }
    }

    #[test]
    fn chooses_the_proxy_like_curl() {
        let e = env("internal.example, .corp.example,10.1.2.3:8080");
        let p = |u: &str| e.proxy_for(&Url::parse(u).unwrap());
        assert_eq!(
            p("https://mcp.example.com/mcp").as_deref(),
            Some("http://user:pw@proxy.corp:3128")
        );
        assert_eq!(
            p("http://mcp.example.com/mcp").as_deref(),
            Some("http://all.corp:8080")
        );
        assert_eq!(p("https://internal.example/mcp"), None);
        assert_eq!(p("https://a.internal.example/mcp"), None);
        assert_eq!(p("https://x.corp.example/"), None);
        assert_eq!(p("https://corp.example/"), None);
        assert_eq!(p("https://10.1.2.3/"), None);
        assert!(p("https://notinternal.example/").is_some());
        assert_eq!(p("http://127.0.0.1:9/"), None);
        assert_eq!(p("http://localhost:9/"), None);
        assert_eq!(p("http://[::1]:9/"), None);
        assert_eq!(env("*").proxy_for(&Url::parse("https://x/").unwrap()), None);
        assert_eq!(
            redact_proxy("http://user:pw@proxy.corp:3128"),
            "http://***@proxy.corp:3128"
        );
    }
}
