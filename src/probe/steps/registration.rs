//! Step 4, only with `--register`: a dynamic client registration (RFC 7591) like Claude Code's,
//! and whether Claude Code would accept the response.

use serde_json::{Map, Value, json};

use super::{REDIRECT_URI, Runner, ServerMetadata, zod_type};
use crate::checks::{Code, Severity};
use crate::probe::http::{Method, Request};
use crate::probe::lint::{self, Problem};
use crate::probe::transcript::show_url;
use crate::probe::verdict::{Effect, Noted};
use crate::term::sanitize;

impl Runner<'_> {
    pub(super) fn registration(&mut self, meta: Option<&ServerMetadata>) -> bool {
        let blocked = self
            .noted
            .iter()
            .any(|n| matches!(n.effect, Effect::FailsConnect(_)));
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
                    Code::DcrFailed,
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
                        Code::DcrNotJson,
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
                        Code::DcrNullField,
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
                        Code::DcrBadField,
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
                    Code::DcrNoClientId,
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
                    Code::DcrRedirectNotEchoed,
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
