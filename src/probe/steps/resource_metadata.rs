//! Step 2: the protected-resource metadata (RFC 9728), at the URL the challenge names or at the
//! well-known locations, and the authorization server it points to.

use serde_json::Value;

use super::{AuthServer, Runner, zod_type};
use crate::checks::{Code, Severity};
use crate::probe::challenge::SdkView;
use crate::probe::http::{Failure, Reply};
use crate::probe::lint::{self, FieldProblem, Problem};
use crate::probe::transcript::show_url;
use crate::probe::urls::{self, Url};
use crate::probe::verdict::Noted;

impl Runner<'_> {
    pub(super) fn protected_resource(&mut self, view: &SdkView) -> Option<AuthServer> {
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
                    Code::NoProtectedResourceMetadata,
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
                    Code::ProtectedResourceMetadataInvalid,
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
                        Code::MetadataNullField,
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
                    Code::ProtectedResourceMetadataInvalid,
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
                    Code::ResourceMismatch,
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
                Code::NoAuthorizationServers,
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
