//! Every finding code, as one enum: the checks' and the network probe's. Codes are stable
//! kebab-case names that scripts match on, so they are data compared by variant, never strings
//! compared by value: a misspelt code does not compile. `--explain`, `--list-checks`, `check
//! --skip` and `fix --only` all go through [`Code`].

use std::fmt;
use std::str::FromStr;

use serde::{Serialize, Serializer};

/// Which command reports a code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportedBy {
    /// `check` (and so `status`, `fix`, `report`): one module in `src/checks` each.
    Check,
    /// `probe`: listed with its step in `probe::verdict::CODES` and docs/probe.md.
    Probe,
}

/// Declares [`Code`], its text and which command reports it, from one list.
macro_rules! codes {
    (
        checks { $($check:ident = $check_text:literal,)* }
        probe { $($probe:ident = $probe_text:literal,)* }
    ) => {
        /// A finding code. Serialised as its kebab-case text.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Code {
            $($check,)*
            $($probe,)*
        }

        impl Code {
            /// Every code: the checks' first, then the probe's.
            pub const ALL: &'static [Code] = &[$(Code::$check,)* $(Code::$probe,)*];

            /// The stable kebab-case text.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(Code::$check => $check_text,)*
                    $(Code::$probe => $probe_text,)*
                }
            }

            pub const fn reported_by(self) -> ReportedBy {
                match self {
                    $(Code::$check => ReportedBy::Check,)*
                    $(Code::$probe => ReportedBy::Probe,)*
                }
            }
        }
    };
}

codes! {
    checks {
        UnparseableFile = "unparseable-file",
        ByteOrderMark = "byte-order-mark",
        DuplicateJsonKey = "duplicate-json-key",
        CredentialsPermissions = "credentials-permissions",
        LegacyConfigFile = "legacy-config-file",
        KeychainStore = "keychain-store",
        KeychainFileSplit = "keychain-file-split",
        ClaudeRunning = "claude-running",
        StaleLock = "stale-lock",
        LeftoverTempFile = "leftover-temp-file",
        ConfigBloat = "config-bloat",
        InvalidServerConfig = "invalid-server-config",
        UnsetEnvVar = "unset-env-var",
        MissingProjectDir = "missing-project-dir",
        PendingRegistration = "pending-registration",
        ExpiredToken = "expired-token",
        DeadClientRegistration = "dead-client-registration",
        RefreshableToken = "refreshable-token",
        MissingRegistration = "missing-registration",
        StaleRegistration = "stale-registration",
        OrphanedRegistration = "orphaned-registration",
        UnverifiedRegistration = "unverified-registration",
        SharedRegistration = "shared-registration",
        StaticAuthOauthState = "static-auth-oauth-state",
        RedirectPortMismatch = "redirect-port-mismatch",
        MisfiledClientSecret = "misfiled-client-secret",
        StaleNeedsAuthMarker = "stale-needs-auth-marker",
        SealingNeedsAuthMarker = "sealing-needs-auth-marker",
        FutureNeedsAuthMarker = "future-needs-auth-marker",
        OrphanedNeedsAuthMarker = "orphaned-needs-auth-marker",
        NeedsAuthCacheGap = "needs-auth-cache-gap",
        UnloadedServerState = "unloaded-server-state",
        ConflictingScopes = "conflicting-scopes",
        LauncherKey = "launcher-key",
        WindowsCredentialManager = "windows-credential-manager",
        LiteralTildeConfigDir = "literal-tilde-config-dir",
        ScopeShortfall = "scope-shortfall",
        ContainerCallbackPort = "container-callback-port",
        SharedMacosHome = "shared-macos-home",
        McpRemoteStrandedTokens = "mcp-remote-stranded-tokens",
        McpRemoteExpiredToken = "mcp-remote-expired-token",
        McpRemoteDeadLock = "mcp-remote-dead-lock",
        McpRemoteRegistrationWithoutTokens = "mcp-remote-registration-without-tokens",
        McpRemoteOrphanedState = "mcp-remote-orphaned-state",
        McpRemoteUnusableFile = "mcp-remote-unusable-file",
        InvalidSettingsFile = "invalid-settings-file",
    }
    probe {
        SeveralDefinitions = "several-definitions",
        HeadersNotSent = "headers-not-sent",
        StaticAuthConfigured = "static-auth-configured",
        Timeout = "timeout",
        Unreachable = "unreachable",
        TlsFailed = "tls-failed",
        ProxyFailed = "proxy-failed",
        UnexpectedStatus = "unexpected-status",
        Redirect = "redirect",
        NoAuthRequired = "no-auth-required",
        NoWwwAuthenticate = "no-www-authenticate",
        WwwAuthenticateNotBearer = "www-authenticate-not-bearer",
        ResourceMetadataIgnored = "resource-metadata-ignored",
        NoResourceMetadata = "no-resource-metadata",
        InsufficientScope403 = "insufficient-scope-403",
        Waf403 = "waf-403",
        NoProtectedResourceMetadata = "no-protected-resource-metadata",
        ProtectedResourceMetadataInvalid = "protected-resource-metadata-invalid",
        ResourceMismatch = "resource-mismatch",
        NoAuthorizationServers = "no-authorization-servers",
        MetadataNullField = "metadata-null-field",
        NoAuthorizationServerMetadata = "no-authorization-server-metadata",
        MetadataNotJson = "metadata-not-json",
        MetadataMissingField = "metadata-missing-field",
        MetadataBadField = "metadata-bad-field",
        IssuerMismatch = "issuer-mismatch",
        NoS256 = "no-s256",
        NoCodeResponseType = "no-code-response-type",
        NoAuthorizationCodeGrant = "no-authorization-code-grant",
        NoRegistration = "no-registration",
        OpenidConfigurationOnly = "openid-configuration-only",
        DcrFailed = "dcr-failed",
        DcrNotJson = "dcr-not-json",
        DcrNullField = "dcr-null-field",
        DcrBadField = "dcr-bad-field",
        DcrNoClientId = "dcr-no-client-id",
        DcrRedirectNotEchoed = "dcr-redirect-not-echoed",
    }
}

impl Code {
    /// A check's code (what `check --skip` and `fix --only` take); `None` for a probe code or
    /// any other text.
    pub fn of_check(text: &str) -> Option<Code> {
        text.parse()
            .ok()
            .filter(|c: &Code| c.reported_by() == ReportedBy::Check)
    }
}

/// The text names no code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownCode;

impl FromStr for Code {
    type Err = UnknownCode;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Code::ALL
            .iter()
            .copied()
            .find(|c| c.as_str() == text)
            .ok_or(UnknownCode)
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // `pad`, not `write_str`: `--list-checks` aligns codes with `{:width$}`.
        f.pad(self.as_str())
    }
}

impl Serialize for Code {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_kebab_case_and_parse_back() {
        let mut seen = std::collections::BTreeSet::new();
        for &c in Code::ALL {
            let text = c.as_str();
            assert!(seen.insert(text), "duplicate code {text}");
            assert!(
                !text.is_empty()
                    && !text.starts_with('-')
                    && !text.ends_with('-')
                    && !text.contains("--")
                    && text
                        .bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'),
                "{text} is not kebab-case"
            );
            assert_eq!(text.parse::<Code>(), Ok(c));
            assert_eq!(c.to_string(), text);
            assert_eq!(serde_json::to_value(c).unwrap(), text);
        }
        assert_eq!("Stale-Registration".parse::<Code>(), Err(UnknownCode));
    }

    #[test]
    fn pads_like_a_str_for_aligned_lists() {
        assert_eq!(format!("{:12}|", Code::StaleLock), "stale-lock  |");
    }

    #[test]
    fn only_check_codes_are_check_codes() {
        assert_eq!(
            Code::of_check("stale-registration"),
            Some(Code::StaleRegistration)
        );
        assert_eq!(Code::of_check("dcr-failed"), None);
        assert_eq!(Code::of_check("no-such-code"), None);
    }
}
