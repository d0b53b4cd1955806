//! `probe NAME --token`: does the server still accept the stored access token? Opt-in (only with
//! the flag), one request per stored token: the MCP `initialize` Claude Code (or mcp-remote)
//! sends first, with `Authorization: Bearer <token>`, to the URL the client itself sends it to
//! and nowhere else.
//!
//! * The token is Claude Code's entry for the server's live key (the file or the Keychain item,
//!   whichever is the live store), and for a server that runs mcp-remote the `tokens.json` in the
//!   folder its release reads.
//! * Never refreshed: a refresh can rotate the refresh token and revoke the stored one.
//! * Never followed: a redirect is reported, not followed (the client is built with no
//!   redirects), so the token goes to the configured origin only.
//! * Refused for a URL that is not `https`, unless it is loopback: the token would cross the
//!   network in clear text.
//! * Never shown: the token is in the request header only; the report holds its length.

use anyhow::{Result, bail};
use serde::Serialize;
use serde_json::Value;

use super::challenge;
use super::http::{Client, ProxyEnv, Reply, Request};
use super::steps::initialize_request;
use super::transcript::show_url;
use super::urls::{self, Url};
use super::{ProbeOptions, ProbeTarget};
use crate::exit;
use crate::model::inventory::Inventory;
use crate::model::mcp_remote::found::RemoteServer;
use crate::term::sanitize;

/// Where a token came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "store")]
pub enum Source {
    /// Claude Code's `mcpOAuth[key]`.
    ClaudeCode { key: String },
    /// mcp-remote's `<hash>_tokens.json` in this version folder, for a server of this client.
    McpRemote { client: String, folder: String },
}

/// What the server said to the token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "answer")]
pub enum Answer {
    /// 2xx: the token is accepted.
    Accepted { status: u16 },
    /// 401 `error="invalid_token"`: the server forgot the grant (or the client): sign in again.
    InvalidToken {
        #[serde(skip_serializing_if = "Option::is_none")]
        description: Option<String>,
    },
    /// 401 without `invalid_token` (another error, or none).
    Unauthorized {
        #[serde(skip_serializing_if = "Option::is_none")]
        error: Option<String>,
    },
    /// 403 `error="insufficient_scope"`: the token is valid, its scope is not enough.
    InsufficientScope {
        #[serde(skip_serializing_if = "Option::is_none")]
        scope: Option<String>,
    },
    /// 403 otherwise (a firewall, a policy).
    Forbidden,
    /// 3xx: not followed, so the token went nowhere else.
    Redirect {
        status: u16,
        #[serde(skip_serializing_if = "Option::is_none")]
        location: Option<String>,
    },
    /// Any other status.
    Unexpected { status: u16 },
    /// No answer (timeout, connection, TLS).
    NoAnswer { why: String },
}

impl Answer {
    /// Whether it is one the user has to act on (exit status 4).
    pub fn is_problem(&self) -> bool {
        !matches!(self, Answer::Accepted { .. })
    }
}

/// One stored token, sent once.
#[derive(Debug, Clone, Serialize)]
pub struct TokenCheck {
    #[serde(flatten)]
    pub source: Source,
    /// The URL it was sent to, redacted.
    pub url: String,
    /// The token's length (never the token).
    pub token_length: usize,
    #[serde(flatten)]
    pub answer: Answer,
}

/// `probe NAME --token`.
#[derive(Debug, Clone, Serialize)]
pub struct TokenReport {
    pub name: String,
    pub checks: Vec<TokenCheck>,
}

impl TokenReport {
    pub fn has_problems(&self) -> bool {
        self.checks.iter().any(|c| c.answer.is_problem())
    }
}

/// A token to send and where.
struct Candidate {
    source: Source,
    url: Url,
    sse: bool,
    token: String,
}

/// Sends each stored token for the server named in `opts` once. `Err` for a usage error: a URL
/// target, no such server, no stored token, a URL that is not https (or loopback).
pub fn run(opts: &ProbeOptions, inv: &Inventory) -> Result<TokenReport> {
    let ProbeTarget::Name(name) = &opts.target else {
        bail!(exit::Error::Usage(
            "--token needs a configured server name: the token is sent only to the URL its \
             client uses"
                .into()
        ));
    };
    if opts.timeout.is_zero() {
        bail!(exit::Error::Usage("--timeout must be more than 0".into()));
    }
    let candidates = candidates(name, inv)?;
    let client = Client::new(opts.timeout, ProxyEnv::from_process());
    let checks = candidates
        .into_iter()
        .map(|c| TokenCheck {
            url: show_url(&c.url.as_string()),
            token_length: c.token.chars().count(),
            answer: send(&client, &c),
            source: c.source,
        })
        .collect();
    Ok(TokenReport {
        name: name.clone(),
        checks,
    })
}

fn candidates(name: &str, inv: &Inventory) -> Result<Vec<Candidate>> {
    let shown = sanitize(name);
    let mut out = Vec::new();
    let mut refused = Vec::new();
    // Claude Code's own definition and entry (the one Claude Code uses here).
    if let Some(server) = super::chosen_definition(inv, name)
        && let (Some(key), Some(url)) = (&server.key, &server.url)
        && let Some(token) = claude_code_token(inv, key)
    {
        match usable_url(url) {
            Ok(url) => out.push(Candidate {
                source: Source::ClaudeCode { key: key.clone() },
                url,
                sse: server.transport.as_deref() == Some("sse"),
                token,
            }),
            Err(why) => refused.push(why),
        }
    }
    // mcp-remote servers of that name (Claude Code's stdio ones and Claude Desktop's).
    let remote = &inv.mcp_remote;
    for server in remote.named(name) {
        let state = remote.state_of(server);
        let (Some(tokens), Some((folder, _))) = (state.tokens(), &state.in_use) else {
            continue;
        };
        let Some(url) = remote_url(server) else {
            continue;
        };
        match usable_url(&url) {
            Ok(url) => out.push(Candidate {
                source: Source::McpRemote {
                    client: server.client.label().to_string(),
                    folder: folder.clone(),
                },
                url,
                sse: false,
                token: tokens.access_token_value.expose().to_string(),
            }),
            Err(why) => refused.push(why),
        }
    }
    if out.is_empty() {
        if let Some(why) = refused.into_iter().next() {
            bail!(exit::Error::Usage(format!(
                "not sending the token of '{shown}': {why}"
            )));
        }
        bail!(exit::Error::Usage(format!(
            "no stored access token for '{shown}' to send: neither Claude Code's entry under its \
             live key nor an mcp-remote tokens file in the folder its release reads \
             (`mcp-auth-doctor status` shows what is stored)"
        )));
    }
    Ok(out)
}

/// The access token of `mcpOAuth[key]` in the live store, when it holds a non-empty one.
fn claude_code_token(inv: &Inventory, key: &str) -> Option<String> {
    inv.live_entry(key)?
        .get("accessToken")
        .and_then(Value::as_str)
        .filter(|t| !t.is_empty())
        .map(str::to_string)
}

/// The server URL mcp-remote connects to (expanded as its client passes it).
fn remote_url(server: &RemoteServer) -> Option<String> {
    server.launch.invocation.server_url.clone()
}

/// An `https` URL, or an `http` one on this machine; why not otherwise.
fn usable_url(text: &str) -> Result<Url, String> {
    let Some(url) = Url::parse(text) else {
        return Err(format!(
            "its URL {} is not an absolute http(s) URL",
            show_url(text)
        ));
    };
    if url.scheme != "https" && !url.is_loopback() {
        return Err(format!(
            "its URL {} is not https, so the token would cross the network in clear text",
            show_url(text)
        ));
    }
    Ok(url)
}

/// The request: `initialize` (or the SSE GET), as the probe sends it, with the token.
fn request(c: &Candidate) -> Request {
    let mut request = initialize_request(c.url.as_string(), c.sse);
    request
        .headers
        .push(("Authorization", format!("Bearer {}", c.token)));
    request
}

fn send(client: &Client, c: &Candidate) -> Answer {
    match client.send(&request(c)).result {
        Ok(reply) => answer_of(&reply, &c.url),
        Err(failure) => Answer::NoAnswer {
            why: failure.to_string(),
        },
    }
}

/// Reads the status and the Bearer challenge's `error` and `scope` (RFC 6750 §3.1).
fn answer_of(reply: &Reply, url: &Url) -> Answer {
    let bearer = reply
        .headers_named("www-authenticate")
        .flat_map(challenge::parse)
        .find(|c| c.is_bearer());
    let param = |name: &str| bearer.as_ref().and_then(|c| c.param(name)).map(sanitize);
    match reply.status {
        200..=299 => Answer::Accepted {
            status: reply.status,
        },
        300..=399 => Answer::Redirect {
            status: reply.status,
            location: reply
                .header("location")
                .map(|l| show_url(&urls::resolve(url, l))),
        },
        401 if param("error").as_deref() == Some("invalid_token") => Answer::InvalidToken {
            description: param("error_description"),
        },
        401 => Answer::Unauthorized {
            error: param("error"),
        },
        403 if param("error").as_deref() == Some("insufficient_scope") => {
            Answer::InsufficientScope {
                scope: param("scope"),
            }
        }
        403 => Answer::Forbidden,
        status => Answer::Unexpected { status },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reply(status: u16, headers: &[(&str, &str)]) -> Reply {
        Reply {
            status,
            headers: headers
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            body: Vec::new(),
            body_truncated: false,
            body_skipped: None,
        }
    }

    #[test]
    fn the_answers_are_read_from_status_and_challenge() {
        let url = Url::parse("https://mcp.example.com/mcp").unwrap();
        let www = "www-authenticate";
        assert_eq!(
            answer_of(&reply(200, &[]), &url),
            Answer::Accepted { status: 200 }
        );
        assert_eq!(
            answer_of(
                &reply(
                    401,
                    &[(
                        www,
                        r#"Bearer error="invalid_token", error_description="gone""#
                    )]
                ),
                &url
            ),
            Answer::InvalidToken {
                description: Some("gone".into())
            }
        );
        assert_eq!(
            answer_of(&reply(401, &[(www, r#"Bearer realm="x""#)]), &url),
            Answer::Unauthorized { error: None }
        );
        assert_eq!(
            answer_of(
                &reply(
                    403,
                    &[(
                        www,
                        r#"Bearer error="insufficient_scope", scope="mcp admin""#
                    )]
                ),
                &url
            ),
            Answer::InsufficientScope {
                scope: Some("mcp admin".into())
            }
        );
        assert_eq!(answer_of(&reply(403, &[]), &url), Answer::Forbidden);
        assert_eq!(
            answer_of(&reply(307, &[("location", "/elsewhere")]), &url),
            Answer::Redirect {
                status: 307,
                location: Some("https://mcp.example.com/elsewhere".into())
            }
        );
    }

    #[test]
    fn only_https_or_loopback_gets_a_token() {
        assert!(usable_url("https://mcp.example.com/mcp").is_ok());
        assert!(usable_url("http://127.0.0.1:8080/mcp").is_ok());
        assert!(usable_url("http://localhost/mcp").is_ok());
        let refused = usable_url("http://mcp.example.com/mcp").unwrap_err();
        assert!(refused.contains("not https"), "{refused}");
        assert!(usable_url("ftp://x/").is_err());
    }
}
