//! Every rule of Claude Code's that differs between releases, in one table ([`RULES`]), and the
//! release a diagnosis assumes ([`Assumed`]): the installed one (`claude --version`, asked by
//! `load`), the one given with `--claude-version`, or, without either, the newest one this build
//! knows. A new release-dependent rule is a new [`Rule`] and a row here, never an `if` on a version
//! somewhere else.

use std::fmt;

use serde::Serialize;

/// A Claude Code release, `major.minor.patch`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Release(pub u64, pub u64, pub u64);

impl Release {
    /// `2.1.332`, `2.1.332 (Claude Code)` (the `claude --version` line), `v2.1.332`.
    pub fn parse(text: &str) -> Option<Self> {
        let word = text.split_whitespace().next()?;
        let word = word.strip_prefix('v').unwrap_or(word);
        let mut parts = word.split('.').map(|p| p.parse::<u64>().ok());
        let r = Release(parts.next()??, parts.next()??, parts.next()??);
        parts.next().is_none().then_some(r)
    }
}

impl fmt::Display for Release {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.0, self.1, self.2)
    }
}

impl Serialize for Release {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// The newest release whose behaviour this build knows (read and run, docs/state-formats.md).
pub const NEWEST_KNOWN: Release = Release(2, 1, 332);

/// The behaviours that differ between releases.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    /// `"type": "streamable-http"` is accepted as an alias of `http`, and the `mcpOAuth` key is
    /// hashed with `"type":"http"`. Older releases reject the definition (and with it its scope).
    StreamableHttpAlias,
    /// A needs-auth marker more than 60 s in the future is ignored (older releases count it until
    /// that time has come: `now - timestamp < ttl` holds for any future time).
    FutureMarkerIgnored,
    /// A marker's own `ttlMs` counts, and claude.ai connectors default to 4 h.
    MarkerTtlPerEntry,
    /// A single needs-auth marker is deleted (`mcp remove`, a successful sign-in); older releases
    /// only ever unlink the whole file, at the start of an interactive session.
    MarkerRemovedPerEntry,
    /// A pending entry's `clientId` is reused at the next sign-in instead of registering anew.
    ClientIdReused,
    /// `claude mcp login NAME` exists (older releases: `/mcp` in a session only).
    CliLogin,
    /// A pending entry (no access and no refresh token) makes sessions skip the server as
    /// needs-auth, with no TTL.
    PendingEntryBlocks,
    /// A plain connect (`claude mcp list`, session start) no longer registers a client: the
    /// registration waits for an interactive sign-in. Older releases register on every 401, so
    /// their pending entry without a `clientId` means the registration failed.
    RegistrationDeferredToSignIn,
    /// A managed settings document (`managed-settings.json` or a drop-in of
    /// `managed-settings.d/`) that does not parse as a JSON object stops Claude Code at start-up:
    /// `claude`, `claude -p` and `claude mcp list` print the error and exit 1. Older releases
    /// skip that file alone.
    BrokenManagedSettingsStopsClaude,
}

/// One row: since which release a rule holds, and how that is known.
pub struct RuleRow {
    pub rule: Rule,
    /// What holds from `since` on, in a few words (`--version -v` lists them).
    pub what: &'static str,
    /// The first release known to behave so. Releases between a known "no" and this "yes" were not
    /// examined: they are judged as the older behaviour.
    pub since: Release,
    pub evidence: &'static str,
}

/// The table.
pub const RULES: &[RuleRow] = &[
    RuleRow {
        rule: Rule::StreamableHttpAlias,
        what: "\"type\": \"streamable-http\" is http (key hashed as http)",
        since: Release(2, 1, 332),
        evidence: "real client 2.1.332: loaded as http, key of \"type\":\"http\"; 2.1.100: the \
                   server is not listed (tests/real-client/model-facts.md)",
    },
    RuleRow {
        rule: Rule::FutureMarkerIgnored,
        what: "a needs-auth marker > 60 s in the future is ignored",
        since: Release(2, 1, 332),
        evidence: "code: 2.1.332 counts -60 s < now - timestamp < ttl; 2.1.100 now - timestamp < ttl",
    },
    RuleRow {
        rule: Rule::MarkerTtlPerEntry,
        what: "a marker's ttlMs counts; claude.ai connectors 4 h",
        since: Release(2, 1, 332),
        evidence: "code and observed: 2.1.332 writes ttlMs; 2.1.100 has a fixed 15 min",
    },
    RuleRow {
        rule: Rule::MarkerRemovedPerEntry,
        what: "single needs-auth markers are deleted",
        since: Release(2, 1, 332),
        evidence: "code: 2.1.332 deletes one marker; 2.1.100 only unlinks the file",
    },
    RuleRow {
        rule: Rule::ClientIdReused,
        what: "a stored clientId is reused at sign-in",
        since: Release(2, 1, 332),
        evidence: "observed: 2.1.332 signs in with a stored clientId",
    },
    RuleRow {
        rule: Rule::CliLogin,
        what: "`claude mcp login NAME` exists",
        since: Release(2, 1, 186),
        evidence: "real client: 2.1.100 has no `mcp login`, 2.1.332 has",
    },
    RuleRow {
        rule: Rule::PendingEntryBlocks,
        what: "a tokenless entry makes sessions skip the server",
        since: Release(2, 1, 100),
        evidence: "code and observed in 2.1.100 and 2.1.332",
    },
    RuleRow {
        rule: Rule::RegistrationDeferredToSignIn,
        what: "a plain connect saves no client registration",
        since: Release(2, 1, 332),
        evidence: "observed: 2.1.100's pending entry after `mcp list` has clientId (DCR ran), \
                   2.1.332's has none (state-formats.md §2.1, §9.5)",
    },
    RuleRow {
        rule: Rule::BrokenManagedSettingsStopsClaude,
        what: "a managed settings file that is not a JSON object stops Claude Code",
        since: Release(2, 1, 332),
        evidence: "real client: 2.1.332's `claude -p` and `mcp list` exit 1 with \"<file>: Managed \
                   settings document could not be parsed as a JSON object\" (a syntax error or \
                   `[]`, base file or drop-in; an empty one loads); 2.1.100 skips the file \
                   (tests/real-client/README.md)",
    },
];

/// The first release known to behave as `rule` says.
pub fn since(rule: Rule) -> Release {
    RULES
        .iter()
        .find(|r| r.rule == rule)
        .map_or(NEWEST_KNOWN, |r| r.since)
}

/// Whether `release` behaves as `rule` says.
pub fn holds(rule: Rule, release: Release) -> bool {
    RULES
        .iter()
        .find(|r| r.rule == rule)
        .is_some_and(|r| release >= r.since)
}

/// Where the assumed release came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Source {
    /// `claude --version` answered.
    Installed,
    /// `--claude-version`.
    Flag,
    /// Neither: the newest behaviour this build knows.
    NewestKnown,
}

/// The release a diagnosis judges by.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Assumed {
    pub release: Release,
    pub source: Source,
    /// Why the installed release was not used (`claude` not found, an unreadable answer), when
    /// the source is [`Source::NewestKnown`].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub why: Option<String>,
}

impl Default for Assumed {
    fn default() -> Self {
        Self {
            release: NEWEST_KNOWN,
            source: Source::NewestKnown,
            why: None,
        }
    }
}

impl Assumed {
    /// The assumption from the flag (wins), else the probe's answer, else the newest known.
    /// `probe` is `None` when `claude --version` was not asked.
    pub fn decide(flag: Option<Release>, probe: Option<&Result<String, String>>) -> Self {
        if let Some(release) = flag {
            return Self {
                release,
                source: Source::Flag,
                why: None,
            };
        }
        match probe {
            Some(Ok(line)) => match Release::parse(line) {
                Some(release) => Self {
                    release,
                    source: Source::Installed,
                    why: None,
                },
                None => Self {
                    why: Some("`claude --version` gave no release number".into()),
                    ..Self::default()
                },
            },
            Some(Err(why)) => Self {
                why: Some(format!("`claude --version`: {why}")),
                ..Self::default()
            },
            None => Self::default(),
        }
    }

    pub fn holds(&self, rule: Rule) -> bool {
        holds(rule, self.release)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_version_lines() {
        assert_eq!(
            Release::parse("2.1.332 (Claude Code)"),
            Some(Release(2, 1, 332))
        );
        assert_eq!(Release::parse("v2.1.100"), Some(Release(2, 1, 100)));
        assert_eq!(Release::parse("2.1"), None);
        assert_eq!(Release::parse("2.1.x"), None);
        assert_eq!(Release::parse("2.1.3.4"), None);
        assert_eq!(Release::parse(""), None);
    }

    #[test]
    fn every_rule_has_one_row() {
        for rule in [
            Rule::StreamableHttpAlias,
            Rule::FutureMarkerIgnored,
            Rule::MarkerTtlPerEntry,
            Rule::MarkerRemovedPerEntry,
            Rule::ClientIdReused,
            Rule::CliLogin,
            Rule::PendingEntryBlocks,
            Rule::RegistrationDeferredToSignIn,
        ] {
            assert_eq!(
                RULES.iter().filter(|r| r.rule == rule).count(),
                1,
                "{rule:?}"
            );
        }
    }

    #[test]
    fn judges_by_release() {
        // Real client: 2.1.100 does not list a streamable-http server, 2.1.332 does.
        assert!(!holds(Rule::StreamableHttpAlias, Release(2, 1, 100)));
        assert!(holds(Rule::StreamableHttpAlias, Release(2, 1, 332)));
        assert!(!holds(Rule::CliLogin, Release(2, 1, 100)));
        assert!(holds(Rule::CliLogin, Release(2, 1, 186)));
        assert!(holds(Rule::PendingEntryBlocks, Release(2, 1, 100)));
    }

    #[test]
    fn the_flag_wins_then_the_probe_then_the_newest() {
        let probe = Ok("2.1.100 (Claude Code)".to_string());
        let flag = Assumed::decide(Some(Release(2, 1, 200)), Some(&probe));
        assert_eq!(
            (flag.release, flag.source),
            (Release(2, 1, 200), Source::Flag)
        );
        let installed = Assumed::decide(None, Some(&probe));
        assert_eq!(
            (installed.release, installed.source),
            (Release(2, 1, 100), Source::Installed)
        );
        let missing = Assumed::decide(None, Some(&Err("not found".into())));
        assert_eq!(
            (missing.release, missing.source),
            (NEWEST_KNOWN, Source::NewestKnown)
        );
        assert_eq!(
            missing.why.as_deref(),
            Some("`claude --version`: not found")
        );
        assert_eq!(Assumed::decide(None, None), Assumed::default());
    }
}
