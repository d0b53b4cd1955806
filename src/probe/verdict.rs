//! The probe's finding codes, what each finding does to Claude Code's connection, and the verdict
//! line built from them in Claude Code's own vocabulary.

use serde::Serialize;

use crate::checks::{Code, Finding, Severity};

/// One probe code's step and summary (its row in docs/probe.md says the rest).
#[derive(Debug, Clone, Copy)]
pub struct CodeInfo {
    pub code: Code,
    pub step: &'static str,
    pub summary: &'static str,
}

/// Every code the probe can report.
pub const CODES: &[CodeInfo] = &[
    CodeInfo {
        code: Code::SeveralDefinitions,
        step: "target",
        summary: "the name is configured with different URLs in several scopes; the one Claude Code uses is probed",
    },
    CodeInfo {
        code: Code::HeadersNotSent,
        step: "target",
        summary: "the configuration has headers; the probe does not send them",
    },
    CodeInfo {
        code: Code::StaticAuthConfigured,
        step: "target",
        summary: "the configuration sends its own Authorization header, so Claude Code does not use OAuth for it",
    },
    CodeInfo {
        code: Code::Timeout,
        step: "any",
        summary: "no answer within the timeout",
    },
    CodeInfo {
        code: Code::Unreachable,
        step: "any",
        summary: "the host cannot be resolved or connected to",
    },
    CodeInfo {
        code: Code::TlsFailed,
        step: "any",
        summary: "the TLS handshake failed (untrusted certificate, intercepting proxy)",
    },
    CodeInfo {
        code: Code::ProxyFailed,
        step: "any",
        summary: "the proxy from HTTPS_PROXY/ALL_PROXY could not be used",
    },
    CodeInfo {
        code: Code::UnexpectedStatus,
        step: "1, 3",
        summary: "an HTTP status Claude Code treats as a failure",
    },
    CodeInfo {
        code: Code::Redirect,
        step: "1",
        summary: "the MCP URL answers with a redirect",
    },
    CodeInfo {
        code: Code::NoAuthRequired,
        step: "1",
        summary: "the server answered without asking for authentication",
    },
    CodeInfo {
        code: Code::NoWwwAuthenticate,
        step: "1",
        summary: "a 401 without a WWW-Authenticate header",
    },
    CodeInfo {
        code: Code::WwwAuthenticateNotBearer,
        step: "1",
        summary: "WWW-Authenticate offers no Bearer challenge",
    },
    CodeInfo {
        code: Code::ResourceMetadataIgnored,
        step: "1",
        summary: "resource_metadata is there, but in a form Claude Code's SDK does not read",
    },
    CodeInfo {
        code: Code::NoResourceMetadata,
        step: "1",
        summary: "the Bearer challenge names no resource_metadata",
    },
    CodeInfo {
        code: Code::InsufficientScope403,
        step: "1",
        summary: "a 403 insufficient_scope where a request without a token should get 401",
    },
    CodeInfo {
        code: Code::Waf403,
        step: "1",
        summary: "a 403 without a Bearer challenge: a firewall or CDN blocks the client",
    },
    CodeInfo {
        code: Code::NoProtectedResourceMetadata,
        step: "2",
        summary: "no RFC 9728 protected-resource metadata where Claude Code looks",
    },
    CodeInfo {
        code: Code::ProtectedResourceMetadataInvalid,
        step: "2",
        summary: "protected-resource metadata that Claude Code's schema rejects",
    },
    CodeInfo {
        code: Code::ResourceMismatch,
        step: "2",
        summary: "`resource` does not cover the server URL",
    },
    CodeInfo {
        code: Code::NoAuthorizationServers,
        step: "2",
        summary: "`authorization_servers` is missing or empty",
    },
    CodeInfo {
        code: Code::MetadataNullField,
        step: "2, 3",
        summary: "a metadata field is null where a string or array is required",
    },
    CodeInfo {
        code: Code::NoAuthorizationServerMetadata,
        step: "3",
        summary: "no authorization-server metadata where Claude Code looks",
    },
    CodeInfo {
        code: Code::MetadataNotJson,
        step: "3",
        summary: "the authorization-server metadata is not a JSON object",
    },
    CodeInfo {
        code: Code::MetadataMissingField,
        step: "3",
        summary: "a required authorization-server metadata field is missing",
    },
    CodeInfo {
        code: Code::MetadataBadField,
        step: "3",
        summary: "an authorization-server metadata field has the wrong type",
    },
    CodeInfo {
        code: Code::IssuerMismatch,
        step: "3",
        summary: "`issuer` differs from the authorization server's URL",
    },
    CodeInfo {
        code: Code::NoS256,
        step: "3",
        summary: "PKCE S256 is not in code_challenge_methods_supported",
    },
    CodeInfo {
        code: Code::NoCodeResponseType,
        step: "3",
        summary: "response_types_supported lacks `code`",
    },
    CodeInfo {
        code: Code::NoAuthorizationCodeGrant,
        step: "3",
        summary: "grant_types_supported lacks `authorization_code`",
    },
    CodeInfo {
        code: Code::NoRegistration,
        step: "3",
        summary: "no registration_endpoint (and at most client ID metadata documents)",
    },
    CodeInfo {
        code: Code::OpenidConfigurationOnly,
        step: "3",
        summary: "only OpenID configuration is published (fine for Claude Code)",
    },
    CodeInfo {
        code: Code::DcrFailed,
        step: "4",
        summary: "the registration endpoint refused the registration",
    },
    CodeInfo {
        code: Code::DcrNotJson,
        step: "4",
        summary: "the registration response is not a JSON object",
    },
    CodeInfo {
        code: Code::DcrNullField,
        step: "4",
        summary: "the registration response has null in a field (Claude Code: \"expected string, received null\")",
    },
    CodeInfo {
        code: Code::DcrBadField,
        step: "4",
        summary: "a registration response field has the wrong type",
    },
    CodeInfo {
        code: Code::DcrNoClientId,
        step: "4",
        summary: "the registration response has no client_id",
    },
    CodeInfo {
        code: Code::DcrRedirectNotEchoed,
        step: "4",
        summary: "the registration response does not return the redirect URI that was sent",
    },
];

/// What a finding does to Claude Code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// Nothing fatal.
    None,
    /// The connection (or OAuth discovery during it) fails: `✗ Failed to connect`.
    FailsConnect(Blame),
    /// The connection says needs-auth, but signing in cannot complete.
    FailsSignIn(Blame),
}

/// Why, in a few words, and what the server's operator should change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Blame {
    pub because: String,
    pub tell: String,
}

/// A finding and its effect.
#[derive(Debug, Clone)]
pub struct Noted {
    pub finding: Finding,
    pub effect: Effect,
}

impl Noted {
    /// A finding with a probe code (a test keeps [`CODES`] listing every one).
    pub fn new(code: Code, severity: Severity, message: impl Into<String>) -> Self {
        // Messages are sentences; some start with a phrase like "the MCP initialize request".
        let message: String = message.into();
        let mut chars = message.chars();
        let message = match chars.next() {
            Some(c) => c.to_uppercase().chain(chars).collect(),
            None => message,
        };
        Self {
            finding: Finding::new(code, severity, message),
            effect: Effect::None,
        }
    }

    pub fn fails_connect(mut self, because: impl Into<String>, tell: impl Into<String>) -> Self {
        self.effect = Effect::FailsConnect(Blame {
            because: because.into(),
            tell: tell.into(),
        });
        self
    }

    pub fn fails_sign_in(mut self, because: impl Into<String>, tell: impl Into<String>) -> Self {
        self.effect = Effect::FailsSignIn(Blame {
            because: because.into(),
            tell: tell.into(),
        });
        self
    }

    pub fn evidence(mut self, name: &'static str, value: impl Into<serde_json::Value>) -> Self {
        self.finding = self.finding.evidence(name, value);
        self
    }
}

/// What `claude mcp list` will say.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Shows {
    Connected,
    NeedsAuth,
    Failed,
}

impl Shows {
    pub fn label(self) -> &'static str {
        match self {
            Shows::Connected => "✓ Connected",
            Shows::NeedsAuth => "! Needs authentication",
            Shows::Failed => "✗ Failed to connect",
        }
    }
}

/// Whether signing in (`/mcp` → Authenticate) can work.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SignIn {
    /// No sign-in is needed.
    NotNeeded,
    /// Discovery and registration passed.
    ShouldWork,
    /// Discovery passed; registration was not tried.
    Untested,
    /// It cannot complete (or the connection fails before it could start).
    Fails,
}

/// What Claude Code will show for the probed server and whether signing in can work (the
/// offline per-server verdict is `diagnosis::Verdict`).
#[derive(Debug, Clone, Serialize)]
pub struct ProbeVerdict {
    pub shows: Shows,
    /// Claude Code's label.
    pub label: &'static str,
    pub sign_in: SignIn,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub because: Option<String>,
    /// The one thing to tell the server's operator, if anything.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tell_operator: Option<String>,
    /// The verdict as one sentence.
    pub line: String,
}

/// How far the first request got.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FirstContact {
    /// A 2xx: no authentication asked for.
    Open,
    /// A 401, or a 403 with a Bearer challenge: Claude Code starts OAuth.
    Challenged,
    /// Anything else (a failure finding says what).
    Other,
}

/// The verdict from the findings: the first connect-breaking finding wins, then the first
/// sign-in-breaking one.
pub fn decide(first: FirstContact, noted: &[Noted], registered: bool) -> ProbeVerdict {
    let connect = noted.iter().find_map(|n| match &n.effect {
        Effect::FailsConnect(b) => Some(b),
        _ => None,
    });
    let sign_in = noted.iter().find_map(|n| match &n.effect {
        Effect::FailsSignIn(b) => Some(b),
        _ => None,
    });
    if let Some(b) = connect {
        return ProbeVerdict {
            shows: Shows::Failed,
            label: Shows::Failed.label(),
            sign_in: SignIn::Fails,
            because: Some(b.because.clone()),
            tell_operator: Some(b.tell.clone()),
            line: format!(
                "Claude Code will show: {}, because {}.",
                Shows::Failed.label(),
                b.because
            ),
        };
    }
    match first {
        FirstContact::Open => ProbeVerdict {
            shows: Shows::Connected,
            label: Shows::Connected.label(),
            sign_in: SignIn::NotNeeded,
            because: Some("the server answered without asking for authentication".into()),
            tell_operator: None,
            line: format!(
                "Claude Code will show: {}: the server answered without asking for authentication.",
                Shows::Connected.label()
            ),
        },
        FirstContact::Challenged => match sign_in {
            Some(b) => ProbeVerdict {
                shows: Shows::NeedsAuth,
                label: Shows::NeedsAuth.label(),
                sign_in: SignIn::Fails,
                because: Some(b.because.clone()),
                tell_operator: Some(b.tell.clone()),
                line: format!(
                    "Claude Code will show: {} (2.1.100: {}), and signing in fails, because {}.",
                    Shows::NeedsAuth.label(),
                    Shows::Failed.label(),
                    b.because
                ),
            },
            None if registered => ProbeVerdict {
                shows: Shows::NeedsAuth,
                label: Shows::NeedsAuth.label(),
                sign_in: SignIn::ShouldWork,
                because: None,
                tell_operator: None,
                line: format!(
                    "Claude Code will show: {}. Discovery and registration work, so signing in \
                     (/mcp, then Authenticate) should succeed.",
                    Shows::NeedsAuth.label()
                ),
            },
            None => ProbeVerdict {
                shows: Shows::NeedsAuth,
                label: Shows::NeedsAuth.label(),
                sign_in: SignIn::Untested,
                because: None,
                tell_operator: None,
                line: format!(
                    "Claude Code will show: {}. Discovery works; registration was not tried \
                     (--register tries it, creating a client on the server).",
                    Shows::NeedsAuth.label()
                ),
            },
        },
        // Without a connect-breaking finding this cannot happen; say so rather than guess.
        FirstContact::Other => ProbeVerdict {
            shows: Shows::Failed,
            label: Shows::Failed.label(),
            sign_in: SignIn::Fails,
            because: Some("the first request did not get a usable answer".into()),
            tell_operator: None,
            line: format!(
                "Claude Code will show: {}, because the first request did not get a usable answer.",
                Shows::Failed.label()
            ),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_lists_every_probe_code_once_and_nothing_else() {
        let listed: Vec<Code> = CODES.iter().map(|c| c.code).collect();
        let probe: Vec<Code> = Code::ALL
            .iter()
            .copied()
            .filter(|c| c.reported_by() == crate::checks::code::ReportedBy::Probe)
            .collect();
        assert_eq!(
            listed, probe,
            "CODES and the probe's codes in checks::code disagree"
        );
    }

    #[test]
    fn docs_list_exactly_these_codes() {
        let doc = include_str!("../../docs/probe.md");
        let documented: std::collections::BTreeSet<&str> = doc
            .lines()
            .filter_map(|l| l.strip_prefix("| `"))
            .filter_map(|l| l.split('`').next())
            .collect();
        let known: std::collections::BTreeSet<&str> =
            CODES.iter().map(|c| c.code.as_str()).collect();
        assert_eq!(documented, known, "docs/probe.md and CODES disagree");
    }

    #[test]
    fn connect_failures_win() {
        let noted = vec![
            Noted::new(Code::DcrNullField, Severity::Error, "m").fails_sign_in("dcr", "fix dcr"),
            Noted::new(Code::ResourceMismatch, Severity::Error, "m")
                .fails_connect("res", "fix res"),
        ];
        let v = decide(FirstContact::Challenged, &noted, true);
        assert_eq!(v.shows, Shows::Failed);
        assert_eq!(v.tell_operator.as_deref(), Some("fix res"));
        let v = decide(FirstContact::Challenged, &noted[..1], true);
        assert_eq!((v.shows, v.sign_in), (Shows::NeedsAuth, SignIn::Fails));
        let v = decide(FirstContact::Challenged, &[], false);
        assert_eq!(v.sign_in, SignIn::Untested);
        let v = decide(FirstContact::Open, &[], false);
        assert_eq!(v.shows, Shows::Connected);
    }
}
