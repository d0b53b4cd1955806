//! Field checks for the JSON documents discovery returns, with the field types Claude Code's MCP
//! SDK validates them against (its zod schemas): a known field that is `null`, missing when
//! required, or of the wrong type makes the whole document fail validation. Unknown fields are
//! ignored, as the SDK ignores them.

use serde_json::{Map, Value};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A string.
    Str,
    /// An absolute URL (or `""`), not `javascript:`, `data:` or `vbscript:`.
    Url,
    /// An array of strings.
    StrArray,
    /// An array of URLs.
    UrlArray,
    Number,
    Bool,
    /// Anything, `null` included.
    Any,
}

impl Kind {
    pub fn describe(self) -> &'static str {
        match self {
            Kind::Str => "a string",
            Kind::Url => "a URL string",
            Kind::StrArray => "an array of strings",
            Kind::UrlArray => "an array of URL strings",
            Kind::Number => "a number",
            Kind::Bool => "a boolean",
            Kind::Any => "any value",
        }
    }
}

/// One field: name, type, and whether it is required.
pub type Field = (&'static str, Kind, bool);

/// RFC 9728 protected-resource metadata.
pub const PROTECTED_RESOURCE: &[Field] = &[
    ("resource", Kind::Url, true),
    ("authorization_servers", Kind::UrlArray, false),
    ("jwks_uri", Kind::Url, false),
    ("scopes_supported", Kind::StrArray, false),
    ("bearer_methods_supported", Kind::StrArray, false),
    (
        "resource_signing_alg_values_supported",
        Kind::StrArray,
        false,
    ),
    ("resource_name", Kind::Str, false),
    ("resource_documentation", Kind::Str, false),
    ("resource_policy_uri", Kind::Url, false),
    ("resource_tos_uri", Kind::Url, false),
    (
        "tls_client_certificate_bound_access_tokens",
        Kind::Bool,
        false,
    ),
    (
        "authorization_details_types_supported",
        Kind::StrArray,
        false,
    ),
    ("dpop_signing_alg_values_supported", Kind::StrArray, false),
    ("dpop_bound_access_tokens_required", Kind::Bool, false),
];

/// RFC 8414 authorization-server metadata.
pub const OAUTH_SERVER: &[Field] = &[
    ("issuer", Kind::Str, true),
    ("authorization_endpoint", Kind::Url, true),
    ("token_endpoint", Kind::Url, true),
    ("registration_endpoint", Kind::Url, false),
    ("scopes_supported", Kind::StrArray, false),
    ("response_types_supported", Kind::StrArray, true),
    ("response_modes_supported", Kind::StrArray, false),
    ("grant_types_supported", Kind::StrArray, false),
    (
        "token_endpoint_auth_methods_supported",
        Kind::StrArray,
        false,
    ),
    (
        "token_endpoint_auth_signing_alg_values_supported",
        Kind::StrArray,
        false,
    ),
    ("service_documentation", Kind::Url, false),
    ("revocation_endpoint", Kind::Url, false),
    (
        "revocation_endpoint_auth_methods_supported",
        Kind::StrArray,
        false,
    ),
    (
        "revocation_endpoint_auth_signing_alg_values_supported",
        Kind::StrArray,
        false,
    ),
    ("introspection_endpoint", Kind::Str, false),
    (
        "introspection_endpoint_auth_methods_supported",
        Kind::StrArray,
        false,
    ),
    (
        "introspection_endpoint_auth_signing_alg_values_supported",
        Kind::StrArray,
        false,
    ),
    ("code_challenge_methods_supported", Kind::StrArray, false),
    ("client_id_metadata_document_supported", Kind::Bool, false),
];

/// OpenID Connect Discovery 1.0 provider metadata (plus `code_challenge_methods_supported`).
pub const OPENID_PROVIDER: &[Field] = &[
    ("issuer", Kind::Str, true),
    ("authorization_endpoint", Kind::Url, true),
    ("token_endpoint", Kind::Url, true),
    ("userinfo_endpoint", Kind::Url, false),
    ("jwks_uri", Kind::Url, true),
    ("registration_endpoint", Kind::Url, false),
    ("scopes_supported", Kind::StrArray, false),
    ("response_types_supported", Kind::StrArray, true),
    ("response_modes_supported", Kind::StrArray, false),
    ("grant_types_supported", Kind::StrArray, false),
    ("acr_values_supported", Kind::StrArray, false),
    ("subject_types_supported", Kind::StrArray, true),
    (
        "id_token_signing_alg_values_supported",
        Kind::StrArray,
        true,
    ),
    (
        "id_token_encryption_alg_values_supported",
        Kind::StrArray,
        false,
    ),
    (
        "id_token_encryption_enc_values_supported",
        Kind::StrArray,
        false,
    ),
    (
        "userinfo_signing_alg_values_supported",
        Kind::StrArray,
        false,
    ),
    (
        "userinfo_encryption_alg_values_supported",
        Kind::StrArray,
        false,
    ),
    (
        "userinfo_encryption_enc_values_supported",
        Kind::StrArray,
        false,
    ),
    (
        "request_object_signing_alg_values_supported",
        Kind::StrArray,
        false,
    ),
    (
        "request_object_encryption_alg_values_supported",
        Kind::StrArray,
        false,
    ),
    (
        "request_object_encryption_enc_values_supported",
        Kind::StrArray,
        false,
    ),
    (
        "token_endpoint_auth_methods_supported",
        Kind::StrArray,
        false,
    ),
    (
        "token_endpoint_auth_signing_alg_values_supported",
        Kind::StrArray,
        false,
    ),
    ("display_values_supported", Kind::StrArray, false),
    ("claim_types_supported", Kind::StrArray, false),
    ("claims_supported", Kind::StrArray, false),
    ("service_documentation", Kind::Str, false),
    ("claims_locales_supported", Kind::StrArray, false),
    ("ui_locales_supported", Kind::StrArray, false),
    ("claims_parameter_supported", Kind::Bool, false),
    ("request_parameter_supported", Kind::Bool, false),
    ("request_uri_parameter_supported", Kind::Bool, false),
    ("require_request_uri_registration", Kind::Bool, false),
    ("op_policy_uri", Kind::Url, false),
    ("op_tos_uri", Kind::Url, false),
    ("code_challenge_methods_supported", Kind::StrArray, false),
];

/// RFC 7591 client information response (client metadata plus client information).
pub const REGISTRATION: &[Field] = &[
    ("client_id", Kind::Str, true),
    ("client_secret", Kind::Str, false),
    ("client_id_issued_at", Kind::Number, false),
    ("client_secret_expires_at", Kind::Number, false),
    ("redirect_uris", Kind::UrlArray, true),
    ("token_endpoint_auth_method", Kind::Str, false),
    ("grant_types", Kind::StrArray, false),
    ("response_types", Kind::StrArray, false),
    ("client_name", Kind::Str, false),
    ("client_uri", Kind::Url, false),
    ("logo_uri", Kind::Url, false),
    ("scope", Kind::Str, false),
    ("contacts", Kind::StrArray, false),
    ("tos_uri", Kind::Url, false),
    ("policy_uri", Kind::Str, false),
    ("jwks_uri", Kind::Url, false),
    ("jwks", Kind::Any, false),
    ("software_id", Kind::Str, false),
    ("software_version", Kind::Str, false),
    ("software_statement", Kind::Str, false),
];

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// Present as `null`.
    Null,
    /// Required and absent.
    Missing,
    /// Present with another type; the value's JSON type.
    WrongType(&'static str),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldProblem {
    pub field: &'static str,
    pub expected: Kind,
    pub problem: Problem,
}

/// Every problem with the known fields of `doc`, in table order.
pub fn check(doc: &Map<String, Value>, fields: &[Field]) -> Vec<FieldProblem> {
    let mut out = Vec::new();
    for &(field, kind, required) in fields {
        let problem = match doc.get(field) {
            None if required => Some(Problem::Missing),
            None => None,
            Some(_) if kind == Kind::Any => None,
            Some(Value::Null) => Some(Problem::Null),
            Some(v) if !matches(v, kind) => Some(Problem::WrongType(json_type(v))),
            Some(_) => None,
        };
        if let Some(problem) = problem {
            out.push(FieldProblem {
                field,
                expected: kind,
                problem,
            });
        }
    }
    out
}

fn matches(v: &Value, kind: Kind) -> bool {
    match kind {
        Kind::Str => v.is_string(),
        Kind::Url => v.as_str().is_some_and(is_url),
        Kind::StrArray => v.as_array().is_some_and(|a| a.iter().all(Value::is_string)),
        Kind::UrlArray => v
            .as_array()
            .is_some_and(|a| a.iter().all(|x| x.as_str().is_some_and(is_url))),
        Kind::Number => v.is_number(),
        Kind::Bool => v.is_boolean(),
        Kind::Any => true,
    }
}

/// What `new URL()` accepts, roughly: a scheme and a colon; the SDK also allows `""` and rejects
/// script-like schemes.
fn is_url(s: &str) -> bool {
    if s.is_empty() {
        return true;
    }
    let Some((scheme, rest)) = s.split_once(':') else {
        return false;
    };
    let mut chars = scheme.chars();
    let valid_scheme = chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c));
    let lower = scheme.to_ascii_lowercase();
    let special = matches!(lower.as_str(), "http" | "https" | "ws" | "wss" | "ftp");
    valid_scheme
        && !matches!(lower.as_str(), "javascript" | "data" | "vbscript")
        && (!special || rest.starts_with("//") && rest.len() > 2)
}

/// The JSON type name of a value.
pub fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_nulls_missing_and_wrong_types() {
        let doc = serde_json::json!({
            "client_id": "abc",
            "redirect_uris": ["http://localhost:1/callback"],
            "client_uri": null,
            "logo_uri": "not a url",
            "client_id_issued_at": "yesterday",
            "jwks": null,
            "unknown": null,
        });
        let problems = check(doc.as_object().unwrap(), REGISTRATION);
        let got: Vec<(&str, &Problem)> = problems.iter().map(|p| (p.field, &p.problem)).collect();
        assert_eq!(
            got,
            [
                ("client_id_issued_at", &Problem::WrongType("string")),
                ("client_uri", &Problem::Null),
                ("logo_uri", &Problem::WrongType("string")),
            ]
        );
        let missing = check(&Map::new(), REGISTRATION);
        assert_eq!(missing.len(), 2);
        assert!(missing.iter().all(|p| p.problem == Problem::Missing));
    }

    #[test]
    fn urls_like_the_sdk() {
        assert!(is_url("https://h/x"));
        assert!(is_url("urn:ietf:x"));
        assert!(is_url(""));
        assert!(!is_url("javascript:alert(1)"));
        assert!(!is_url("/relative"));
        assert!(!is_url("https:"));
    }
}
