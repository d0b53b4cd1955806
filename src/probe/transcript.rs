//! What was sent and received, in the form the report shows it: URLs without userinfo or query
//! values, secret-looking headers and JSON members replaced by a fingerprint, control characters
//! removed, bodies cut short.

use serde::Serialize;
use serde_json::{Map, Value};

use super::http::{Failure, Outcome, Request};
use crate::model::secret::SecretInfo;
use crate::redact;
use crate::term::sanitize;

/// Longest body shown, in characters.
pub const BODY_SHOWN: usize = 1200;
/// Longest header value shown, in characters.
const HEADER_SHOWN: usize = 300;

/// One request and what came of it.
#[derive(Debug, Clone, Serialize)]
pub struct Exchange {
    pub request: Sent,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub response: Option<Received>,
    /// Why there is no response.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    pub elapsed_ms: u64,
    /// The proxy that carried it (from HTTPS_PROXY and friends), userinfo hidden.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub proxy: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Sent {
    pub method: &'static str,
    pub url: String,
    pub headers: Map<String, Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Received {
    pub status: u16,
    pub headers: Map<String, Value>,
    /// The body as shown: redacted, at most [`BODY_SHOWN`] characters.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    /// Bytes received (up to the client's limit).
    pub body_bytes: usize,
    /// Whether `body` is not the whole body.
    pub body_truncated: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body_note: Option<String>,
}

impl Exchange {
    pub fn of(request: &Request, outcome: &Outcome) -> Self {
        let mut headers = Map::new();
        for (k, v) in &request.headers {
            headers.insert((*k).to_string(), Value::String(header_value(k, v)));
        }
        let sent = Sent {
            method: request.method.as_str(),
            url: show_url(&request.url),
            headers,
            body: request.body.as_deref().map(|b| show_body(b.as_bytes()).0),
        };
        let (response, error) = match &outcome.result {
            Ok(reply) => {
                let mut headers = Map::new();
                for (k, v) in &reply.headers {
                    let shown = header_value(k, v);
                    match headers.get_mut(k) {
                        Some(Value::String(prev)) => {
                            prev.push_str(", ");
                            prev.push_str(&shown);
                        }
                        _ => {
                            headers.insert(k.clone(), Value::String(shown));
                        }
                    }
                }
                let (body, cut) = if reply.body.is_empty() {
                    (None, false)
                } else {
                    let (b, cut) = show_body(&reply.body);
                    (Some(b), cut)
                };
                (
                    Some(Received {
                        status: reply.status,
                        headers,
                        body,
                        body_bytes: reply.body.len(),
                        body_truncated: cut || reply.body_truncated,
                        body_note: reply.body_skipped.map(String::from),
                    }),
                    None,
                )
            }
            Err(f) => (None, Some(sanitize(&failure_text(f)))),
        };
        Self {
            request: sent,
            response,
            error,
            elapsed_ms: outcome.elapsed.as_millis().min(u64::MAX as u128) as u64,
            proxy: outcome.proxy.as_deref().map(sanitize),
        }
    }
}

fn failure_text(f: &Failure) -> String {
    let text = f.to_string();
    if text.chars().count() > HEADER_SHOWN {
        format!("{}…", text.chars().take(HEADER_SHOWN).collect::<String>())
    } else {
        text
    }
}

/// A URL as shown: no userinfo, no query values, no fragment; control characters removed.
pub fn show_url(url: &str) -> String {
    sanitize(&redact::url(url))
}

/// Whether a header or JSON member name looks like it carries a credential.
fn secret_name(name: &str) -> bool {
    let n = name.to_ascii_lowercase().replace('-', "_");
    matches!(
        n.as_str(),
        "authorization" | "proxy_authorization" | "cookie" | "set_cookie" | "token" | "code"
    ) || n.ends_with("_token")
        || n.ends_with("secret")
        || n.contains("password")
        || n.contains("api_key")
        || n.contains("apikey")
}

/// A header value as shown.
fn header_value(name: &str, value: &str) -> String {
    if secret_name(name) {
        return format!("<redacted {}>", SecretInfo::of(value));
    }
    let value = if name.eq_ignore_ascii_case("location") || name.eq_ignore_ascii_case("link") {
        redact::url(value)
    } else {
        value.to_string()
    };
    cut(&sanitize(&value), HEADER_SHOWN).0
}

/// A body as shown, and whether it was cut: JSON is redacted member by member and printed
/// compactly; anything else has its whitespace collapsed.
pub fn show_body(bytes: &[u8]) -> (String, bool) {
    let text = String::from_utf8_lossy(bytes);
    if let Ok(mut v) = serde_json::from_str::<Value>(&text) {
        redact_json(&mut v);
        let s = serde_json::to_string(&v).unwrap_or_default();
        return cut(&sanitize(&s), BODY_SHOWN);
    }
    let collapsed: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    cut(&sanitize(&collapsed), BODY_SHOWN)
}

/// Replaces secret-looking members by a fingerprint and hides query values in URLs, in place.
pub fn redact_json(v: &mut Value) {
    match v {
        Value::Object(map) => {
            for (k, val) in map.iter_mut() {
                if secret_name(k) {
                    if let Some(s) = val.as_str() {
                        *val = Value::String(format!("<redacted {}>", SecretInfo::of(s)));
                        continue;
                    }
                    if !val.is_null() && !val.is_array() && !val.is_object() {
                        *val = Value::String("<redacted>".into());
                        continue;
                    }
                }
                redact_json(val);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(redact_json),
        Value::String(s) if s.contains("://") => *s = redact::url(s),
        _ => {}
    }
}

fn cut(s: &str, max: usize) -> (String, bool) {
    if s.chars().count() <= max {
        (s.to_string(), false)
    } else {
        (
            format!("{}…", s.chars().take(max).collect::<String>()),
            true,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_secrets_in_json_and_headers() {
        let (b, _) = show_body(
            br#"{"client_id":"c1","client_secret":"s3cr3t","registration_access_token":"rat","token_endpoint":"https://h/token?x=1","n":{"refresh_token":"r"}}"#,
        );
        assert!(!b.contains("s3cr3t") && !b.contains("\"rat\"") && !b.contains("\"r\""));
        assert!(b.contains("\"client_id\":\"c1\""));
        assert!(b.contains("https://h/token?x=***"));
        assert!(header_value("Set-Cookie", "sid=abc").starts_with("<redacted sha256:"));
        assert_eq!(
            header_value("location", "https://u:p@h/x?k=v"),
            "https://***@h/x?k=***"
        );
        assert_eq!(header_value("x", "a\x1b[31m"), "a\u{FFFD}[31m");
    }

    #[test]
    fn cuts_long_bodies() {
        let long = "x ".repeat(2000);
        let (b, cut) = show_body(long.as_bytes());
        assert!(cut);
        assert_eq!(b.chars().count(), BODY_SHOWN + 1);
    }
}
