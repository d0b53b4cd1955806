//! Step 3: the authorization-server metadata (RFC 8414, or OpenID Connect Discovery), checked
//! against what Claude Code's SDK needs from it: its schema, PKCE S256, the code flow and a way
//! to get a client ID.

use serde_json::Value;

use super::{AuthServer, Runner, ServerMetadata, zod_type};
use crate::checks::{Code, Severity};
use crate::probe::http::{Failure, Reply};
use crate::probe::lint::{self, Problem};
use crate::probe::transcript::show_url;
use crate::probe::urls::{self, MetadataKind, Url};
use crate::probe::verdict::Noted;

impl Runner<'_> {
    pub(super) fn authorization_server(&mut self, auth: &AuthServer) -> Option<ServerMetadata> {
        let mut cur = self.begin(3);
        let Some(issuer) = Url::parse(&auth.url) else {
            self.note(
                Noted::new(
                    Code::NoAuthorizationServerMetadata,
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
                            Code::UnexpectedStatus,
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
                    Code::NoAuthorizationServerMetadata,
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
                        Code::MetadataNotJson,
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
                Code::OpenidConfigurationOnly,
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
                    Code::MetadataNullField,
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
                    Code::MetadataMissingField,
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
                    Code::MetadataBadField,
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
                    Code::IssuerMismatch,
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
                        Code::NoS256,
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
                    Code::NoCodeResponseType,
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
                    Code::NoAuthorizationCodeGrant,
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
                    Code::NoRegistration,
                    Severity::Warning,
                    "The authorization server offers client ID metadata documents but no \
                     registration_endpoint; Claude Code versions that only do dynamic client \
                     registration cannot sign in.",
                ));
            } else {
                self.note(
                    Noted::new(
                        Code::NoRegistration,
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
}
