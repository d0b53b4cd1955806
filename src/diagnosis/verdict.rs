//! The core rule: what Claude Code will do with one configured server, decided from the
//! inventory as data (a [`Verdict`], the [`Reason`] for it, the [`NextStep`]). The words are
//! made later, by `render::servers`: this module decides, it never phrases.

use serde::Serialize;

use crate::model::entry::{Entry, PlaceholderShape, TokenState};
use crate::model::inventory::Inventory;
use crate::model::marker::{Marker, MarkerState};
use crate::model::server::{ConfiguredServer, Scope, StaticAuth};
use crate::model::settings::Loading;

/// What happens when a session uses the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    /// Sessions connect with a usable token.
    Ok,
    /// The token has expired (or is about to); Claude Code refreshes it with the refresh token.
    Refreshes,
    /// Claude Code cannot even reach the server as configured (an unset `${VAR}` in its url, a
    /// `null` entry).
    FailsToConnect,
    /// Sessions skip the server as needs-auth without connecting.
    Skipped,
    /// Claude Code has no usable token; an interactive login is needed.
    NeedsLogin,
    /// No OAuth state: Claude Code connects without a token.
    NoToken,
    /// Authenticates with a static header or headersHelper.
    StaticAuth,
    /// stdio, ws, or another transport without OAuth.
    NotOauth,
    /// Claude Code rejects the definition.
    InvalidConfig,
    /// The credentials could not be read (Keychain, unreadable file).
    Unknown,
    /// `managed-mcp.json` exists, so Claude Code uses only the managed servers.
    Ignored,
    /// Switched off for the folder checked: `disabledMcpServers` names it, or its plugin is not
    /// enabled. Not loaded, not a problem; never told to sign in.
    Disabled,
    /// A `.mcp.json` server nobody approved: interactive sessions do not load it, `claude -p`
    /// does.
    NotApproved,
    /// A `.mcp.json` server rejected by `disabledMcpjsonServers`: not loaded.
    Rejected,
    /// `deniedMcpServers` matches it, or `allowedMcpServers` lists exist and none matches it.
    Denied,
    /// A plugin server with the same url or command as a manually configured one, which Claude
    /// Code uses instead.
    Suppressed,
    /// In the folder being checked Claude Code uses another definition of the name (a local-scope
    /// one); this one stays live for other folders. Not a problem.
    Shadowed,
    /// A Claude Code stdio server that runs mcp-remote, whose stored state makes mcp-remote
    /// open the browser to sign in when the server next starts (expired tokens without a
    /// refresh token, a registration without tokens, tokens only in another version folder).
    SignsInOnStart,
    /// Claude Code does not start at all: a managed settings file does not parse
    /// ([`crate::model::release::Rule::BrokenManagedSettingsStopsClaude`]).
    StartupBlocked,
}

impl Verdict {
    pub fn label(self) -> &'static str {
        match self {
            Verdict::Ok => "ok",
            Verdict::Refreshes => "refreshes",
            Verdict::FailsToConnect => "fails to connect",
            Verdict::Skipped => "skipped",
            Verdict::NeedsLogin => "needs login",
            Verdict::NoToken => "no token",
            Verdict::StaticAuth => "static auth",
            Verdict::NotOauth => "no oauth",
            Verdict::InvalidConfig => "invalid",
            Verdict::Unknown => "unknown",
            Verdict::Ignored => "ignored",
            Verdict::Disabled => "disabled",
            Verdict::NotApproved => "not approved",
            Verdict::Rejected => "rejected",
            Verdict::Denied => "denied",
            Verdict::Suppressed => "suppressed",
            Verdict::Shadowed => "shadowed",
            Verdict::SignsInOnStart => "signs in on start",
            Verdict::StartupBlocked => "startup blocked",
        }
    }

    /// Whether this verdict means the server does not work in sessions.
    pub fn is_problem(self) -> bool {
        matches!(
            self,
            Verdict::Skipped
                | Verdict::NeedsLogin
                | Verdict::InvalidConfig
                | Verdict::FailsToConnect
                | Verdict::StartupBlocked
        )
    }
}

/// How Claude Code talks to a server that has no OAuth.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoOauthTransport {
    /// stdio (or no transport given): a local command.
    LocalCommand,
    /// `claudeai-proxy`: through the Claude.ai login.
    ClaudeAiProxy,
    /// ws or anything else it connects to directly.
    Other,
}

/// Until when a needs-auth marker makes sessions skip the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MarkerUntil {
    /// Its timestamp is in the future: it counts until that has passed (2.1.100).
    FutureTimestampPasses,
    /// Until this time (epoch milliseconds).
    At(i64),
    /// The marker does not say.
    Unstated,
}

/// Why the verdict is what it is: the facts the explanation is made from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reason {
    /// Claude Code rejects the definition (`why` says how), and with it its whole scope.
    InvalidDefinition { why: String },
    /// A managed-mcp.json (shown as `managed_file`) has exclusive control over MCP servers.
    ManagedOnly { managed_file: String },
    /// The managed settings document `file` (shown) does not parse as a JSON object, and the
    /// release judged by refuses to start while it does not.
    StartupBlocked { file: String },
    /// Another definition in the same scope (`culprit`) is invalid, so the scope is ignored.
    ScopeBroken { culprit: String },
    /// A transport without OAuth.
    NotOauth { transport: NoOauthTransport },
    /// The url or headers use these unset `${VAR}`s.
    EnvMissing { vars: Vec<String> },
    /// Static auth, but OAuth state left after a 401/403 makes sessions skip it.
    StaticAuthSkipped { how: StaticAuth },
    /// Static auth that Claude Code sends on every request.
    StaticAuth { how: StaticAuth },
    /// The credentials file is empty (or only a byte order mark): signed out.
    CredentialsEmpty,
    /// The credentials could not be read.
    CredentialsUnknown,
    /// A needs-auth marker makes non-interactive sessions skip it; `usable` when the current
    /// key holds a usable token all the same.
    MarkerBlocks { until: MarkerUntil, usable: bool },
    /// No entry under the current key; `old_keys` when the name has entries under old keys.
    NoEntry { old_keys: bool },
    /// The entry under the current key is not an object.
    EntryNotObject,
    /// The entry holds no token; `marked` when a needs-auth marker names it too;
    /// `registration_failed` when it also says that registering a client failed
    /// ([`Entry::registration_failed`]), so a sign-in would fail the same way.
    Placeholder {
        marked: bool,
        registration_failed: bool,
    },
    /// Expired, and no refresh token.
    Expired,
    /// Claude Code refreshes it on the next connection.
    Refreshable,
    /// A usable token, expiring at `expires_at` (epoch ms) if it says, seen at `now_ms`.
    Valid {
        expires_at: Option<i64>,
        now_ms: i64,
    },
    /// The settings do not let Claude Code load it in the folder checked (the [`Loading`] says
    /// which setting).
    NotLoaded { loading: Loading },
    /// In the folder being checked, the local-scope definition for `project` (at `url`,
    /// redacted) is used instead.
    Shadowed {
        project: String,
        url: Option<String>,
    },
    /// A stdio server that runs mcp-remote: its OAuth state is mcp-remote's, in `~/.mcp-auth`.
    McpRemote {
        state: super::mcp_remote::RemoteState,
    },
}

/// What the user should do next about the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NextStep {
    /// Fix the definition Claude Code rejects.
    FixDefinition,
    /// Fix or remove the invalid definition that breaks the scope.
    FixOrRemove { culprit: String },
    /// Set these variables where Claude Code starts.
    SetVars { vars: Vec<String> },
    /// Run `mcp-auth-doctor fix`.
    Fix,
    /// `fix` moves the usable token from an old key to the current one of `name`.
    MoveIn { name: String },
    /// Sign in to `name`.
    SignIn { name: String },
    /// Sign in to `name` if the server asks for authentication.
    SignInIfAsked { name: String },
    /// Sign in to `name`, or `fix` when it needs no sign-in, or probe its registration.
    SignInFixOrProbe { name: String },
    /// Approve the `.mcp.json` server `name` (for interactive sessions).
    Approve { name: String },
    /// Registering a client with `name`'s server failed: ask its registration endpoint
    /// (`probe NAME --register`) rather than sign in again.
    ProbeRegistration { name: String },
    /// A usable token that a needs-auth marker blocks: whether removing the marker (`fix`) is
    /// enough depends on the server still accepting the token, which only `probe NAME --token`
    /// can tell (issue 13 §2); if it answers 401, sign in instead.
    ProbeTokenThenFix { name: String },
    /// mcp-remote holds a usable token for `name`: only `probe NAME --token` tells whether the
    /// server still accepts it.
    ProbeToken { name: String },
    /// Start a session that uses the mcp-remote server `name`: mcp-remote opens the browser to
    /// sign in.
    StartToSignIn { name: String },
    /// mcp-remote's tokens for `name` are in another version folder: pin the release that wrote
    /// them, or sign in once with the one that runs.
    PinOrSignIn { name: String },
    /// Have the managed settings document `file` (shown) repaired or removed: it is the
    /// administrator's, and this tool never writes it.
    MendManagedSettings { file: String },
}

/// The decision about one server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerVerdict {
    pub verdict: Verdict,
    pub reason: Reason,
    pub next: Option<NextStep>,
}

fn decided(verdict: Verdict, reason: Reason, next: Option<NextStep>) -> ServerVerdict {
    ServerVerdict {
        verdict,
        reason,
        next,
    }
}

/// What Claude Code does with `s`, whose current key holds `entry` and whose name has `marker`;
/// `moves_in` when `fix` would move a usable token from an old key onto the current one. The
/// first rule that applies wins, in the order Claude Code meets them.
pub fn decide(
    inv: &Inventory,
    s: &ConfiguredServer,
    entry: Option<&Entry>,
    marker: Option<&Marker>,
    moves_in: bool,
) -> ServerVerdict {
    let name = || s.name.clone();
    if let Some(stopper) = inv.claude_stopped_by() {
        let file = inv.locations.display(&stopper.path);
        return decided(
            Verdict::StartupBlocked,
            Reason::StartupBlocked { file: file.clone() },
            Some(NextStep::MendManagedSettings { file }),
        );
    }
    if let Some(why) = &s.invalid {
        return decided(
            Verdict::InvalidConfig,
            Reason::InvalidDefinition { why: why.clone() },
            Some(NextStep::FixDefinition),
        );
    }
    if inv.managed.as_claude_sees().is_some() && s.scope != Scope::Managed {
        return decided(
            Verdict::Ignored,
            Reason::ManagedOnly {
                managed_file: inv.locations.display(&inv.managed.path),
            },
            None,
        );
    }
    if let Some(not_loaded) = not_loaded(s) {
        return not_loaded;
    }
    if let Some(bad) = inv.scope_breaker(s) {
        return decided(
            Verdict::InvalidConfig,
            Reason::ScopeBroken {
                culprit: bad.name.clone(),
            },
            Some(NextStep::FixOrRemove {
                culprit: bad.name.clone(),
            }),
        );
    }
    if let Some(by) = inv.shadowed_by(s)
        && let Scope::Local { project, .. } = &by.scope
    {
        return decided(
            Verdict::Shadowed,
            Reason::Shadowed {
                project: crate::paths::tilde(
                    std::path::Path::new(project),
                    &inv.locations.home.path,
                ),
                url: by.url.as_deref().map(crate::redact::url),
            },
            None,
        );
    }
    if s.key.is_none() {
        if let Some(remote) = super::mcp_remote::remote_of(inv, s) {
            let state = super::mcp_remote::state(inv, remote);
            return super::mcp_remote::decide(&s.name, state);
        }
        let transport = match s.transport.as_deref() {
            None | Some("stdio") => NoOauthTransport::LocalCommand,
            Some("claudeai-proxy") => NoOauthTransport::ClaudeAiProxy,
            _ => NoOauthTransport::Other,
        };
        return decided(Verdict::NotOauth, Reason::NotOauth { transport }, None);
    }
    if !s.env_missing.is_empty() {
        return decided(
            Verdict::FailsToConnect,
            Reason::EnvMissing {
                vars: s.env_missing.clone(),
            },
            Some(NextStep::SetVars {
                vars: s.env_missing.clone(),
            }),
        );
    }
    let blocking = marker.filter(|m| m.blocks());
    let placeholder = entry.is_some_and(|e| e.token == TokenState::Placeholder);
    if let Some(how) = s.static_auth {
        if placeholder || blocking.is_some() {
            return decided(
                Verdict::Skipped,
                Reason::StaticAuthSkipped { how },
                Some(NextStep::Fix),
            );
        }
        return decided(Verdict::StaticAuth, Reason::StaticAuth { how }, None);
    }
    if inv.credentials_empty() {
        return decided(
            Verdict::NoToken,
            Reason::CredentialsEmpty,
            Some(NextStep::SignInIfAsked { name: name() }),
        );
    }
    if !inv.entries_known() {
        return decided(Verdict::Unknown, Reason::CredentialsUnknown, None);
    }
    if let Some(m) = blocking.filter(|_| !placeholder) {
        let until = match m.state {
            MarkerState::Future => MarkerUntil::FutureTimestampPasses,
            _ => m
                .expires_at()
                .map_or(MarkerUntil::Unstated, MarkerUntil::At),
        };
        let usable = entry.is_some_and(|e| e.token.usable());
        // Removing the marker helps only when there is a token to connect with; otherwise the
        // server needs a sign-in either way.
        // The marker says the server once refused a token: offline state cannot tell whether
        // it still refuses this one, `probe NAME --token` can.
        let next = if usable {
            NextStep::ProbeTokenThenFix { name: name() }
        } else {
            NextStep::SignIn { name: name() }
        };
        return decided(
            Verdict::Skipped,
            Reason::MarkerBlocks { until, usable },
            Some(next),
        );
    }
    let Some(e) = entry else {
        // Entries under old keys say the server used OAuth: "right for a server that needs none"
        // would contradict the sign-in or the move the findings then ask for.
        let old_keys = inv.entries.iter().any(|e| *e.name() == *s.name);
        // Offline, nothing says whether the server needs OAuth; the sign-in is conditional.
        let next = if moves_in {
            NextStep::MoveIn { name: name() }
        } else {
            NextStep::SignInIfAsked { name: name() }
        };
        return decided(Verdict::NoToken, Reason::NoEntry { old_keys }, Some(next));
    };
    if e.shape == Some(PlaceholderShape::NotAnObject) {
        return decided(
            Verdict::FailsToConnect,
            Reason::EntryNotObject,
            Some(NextStep::Fix),
        );
    }
    match e.token {
        TokenState::Placeholder => {
            // A pre-registered client (oauth.clientId) needs no registration.
            let registration_failed =
                !s.preregistered_client && e.registration_failed(&inv.release);
            decided(
                Verdict::Skipped,
                Reason::Placeholder {
                    marked: blocking.is_some(),
                    registration_failed,
                },
                Some(if moves_in {
                    NextStep::MoveIn { name: name() }
                } else if registration_failed {
                    NextStep::ProbeRegistration { name: name() }
                } else {
                    NextStep::SignInFixOrProbe { name: name() }
                }),
            )
        }
        TokenState::Expired => decided(
            Verdict::NeedsLogin,
            Reason::Expired,
            Some(NextStep::SignIn { name: name() }),
        ),
        TokenState::Refreshable => decided(Verdict::Refreshes, Reason::Refreshable, None),
        TokenState::Valid => decided(
            Verdict::Ok,
            Reason::Valid {
                expires_at: e.expires_at(),
                now_ms: inv.now_ms,
            },
            None,
        ),
    }
}

/// The verdict for a server the settings keep Claude Code from loading: none of them a problem,
/// and none told to sign in (only an unapproved one gets a next step: approving it).
fn not_loaded(s: &ConfiguredServer) -> Option<ServerVerdict> {
    let verdict = match &s.loading {
        Loading::Loaded => return None,
        Loading::PluginNotEnabled { .. } | Loading::Disabled { .. } => Verdict::Disabled,
        Loading::NotApproved { .. } => Verdict::NotApproved,
        Loading::Rejected { .. } => Verdict::Rejected,
        Loading::Denied { .. } | Loading::NotAllowed { .. } => Verdict::Denied,
        Loading::Suppressed { .. } => Verdict::Suppressed,
    };
    let next = (verdict == Verdict::NotApproved).then(|| NextStep::Approve {
        name: s.name.clone(),
    });
    Some(decided(
        verdict,
        Reason::NotLoaded {
            loading: s.loading.clone(),
        },
        next,
    ))
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;
    use std::path::Path;

    use super::*;
    use crate::paths::{Environment, Locations, Overrides};

    /// The fixture home `testdata/<name>` as the integration tests see it, at their "now".
    fn inventory(name: &str) -> Inventory {
        let home = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("testdata")
            .join(name);
        let env = Environment {
            home: Some(home.clone()),
            cwd: home.clone(),
            vars: HashMap::new(),
            user: None,
            home_from: Default::default(),
        };
        let overrides = Overrides {
            home: Some(home.clone()),
            config_dir: None,
            project: Some(home.clone()),
            managed_dir: Some(home.join("managed")),
            mcp_config: Vec::new(),
        };
        let locations = Locations::resolve(&env, &overrides).unwrap();
        let snapshot = crate::load::snapshot(locations, &Default::default());
        Inventory::from_snapshot(
            snapshot,
            &HashMap::<String, String>::new(),
            1_780_315_200_000,
        )
    }

    fn decision(inv: &Inventory, name: &str, moves_in: bool) -> ServerVerdict {
        let s = inv.servers.iter().find(|s| s.name == name).unwrap();
        let entry = s.key.as_deref().and_then(|k| inv.entry(k));
        decide(inv, s, entry, inv.marker(name), moves_in)
    }

    #[test]
    fn the_demo_servers_are_decided_as_data() {
        let inv = inventory("demo");
        // A placeholder under the live key, a marker, and a usable token under an old key.
        assert_eq!(
            decision(&inv, "quarri", true),
            ServerVerdict {
                verdict: Verdict::Skipped,
                reason: Reason::Placeholder {
                    marked: true,
                    registration_failed: false
                },
                next: Some(NextStep::MoveIn {
                    name: "quarri".into()
                }),
            }
        );
        // Without the move, the sign-in comes first.
        assert_eq!(
            decision(&inv, "quarri", false).next,
            Some(NextStep::SignInFixOrProbe {
                name: "quarri".into()
            })
        );
        let linear = decision(&inv, "linear", false);
        assert_eq!(linear.verdict, Verdict::Ok);
        assert!(
            matches!(linear.reason, Reason::Valid { expires_at: Some(_), now_ms } if now_ms == inv.now_ms),
            "{linear:?}"
        );
        assert_eq!(
            decision(&inv, "sentry", false),
            ServerVerdict {
                verdict: Verdict::Refreshes,
                reason: Reason::Refreshable,
                next: None,
            }
        );
        assert_eq!(
            decision(&inv, "playwright", false).reason,
            Reason::NotOauth {
                transport: NoOauthTransport::LocalCommand
            }
        );
    }
}
