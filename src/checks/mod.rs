//! The checks, one module each. A check reads the [`Inventory`] and pushes [`Finding`]s; it never
//! fails and never writes. Codes are stable kebab-case names: scripts match on them.

pub mod action;
mod byte_order_mark;
mod claude_running;
pub mod code;
mod config_bloat;
mod conflicting_scopes;
mod container_callback_port;
mod credentials_permissions;
mod dead_client_registration;
mod duplicate_json_key;
mod expired_token;
pub mod finding;
mod future_needs_auth_marker;
mod invalid_server_config;
mod invalid_settings_file;
mod keychain_file_split;
mod keychain_store;
mod launcher_key;
mod leftover_temp_file;
mod legacy_config_file;
mod literal_tilde_config_dir;
mod mcp_remote;
mod mcp_remote_dead_lock;
mod mcp_remote_expired_token;
mod mcp_remote_orphaned_state;
mod mcp_remote_registration_without_tokens;
mod mcp_remote_stranded_tokens;
#[cfg(test)]
mod mcp_remote_tests;
mod mcp_remote_unusable_file;
mod message;
mod misfiled_client_secret;
mod missing_project_dir;
mod missing_registration;
mod needs_auth_cache_gap;
mod orphaned_needs_auth_marker;
mod orphaned_registration;
mod pending_registration;
mod redirect_port_mismatch;
mod refreshable_token;
mod scope_shortfall;
mod sealing_needs_auth_marker;
mod shared_macos_home;
mod shared_registration;
mod sink;
mod stale_lock;
mod stale_needs_auth_marker;
mod stale_registration;
mod static_auth_oauth_state;
pub(crate) mod unloaded_server_state;
mod unparseable_file;
mod unset_env_var;
mod unverified_registration;
mod windows_credential_manager;

pub use code::Code;
pub use finding::{Action, ActionKind, Evidence, Finding, Message, Pieces, Severity};
pub use sink::{About, Brief, Findings};

use crate::model::inventory::Inventory;
use crate::model::server::{ConfiguredServer, NameKind};

/// What a check is, for `--list-checks`, `--explain` and `docs/checks.md`.
#[derive(Debug, Clone, Copy)]
pub struct CheckInfo {
    pub code: Code,
    /// The severity it reports; for the few in [`VARYING_SEVERITY`], the highest it can report.
    pub severity: Severity,
    /// One line.
    pub summary: &'static str,
    /// What it means, why it happens, how to fix it by hand (Markdown).
    pub explanation: &'static str,
}

/// For the few codes whose severity depends on what they found: the lowest one they report (the
/// highest is [`CheckInfo::severity`]) and why, for `--list-checks` and `--explain`.
#[derive(Debug, Clone, Copy)]
pub struct SeverityRange {
    pub lowest: Severity,
    /// One sentence: which shape gets which severity.
    pub why: &'static str,
}

/// Every code whose severity varies, with its range. A test runs every fixture and fails when a
/// finding's severity is outside what `--list-checks` says for its code.
pub const VARYING_SEVERITY: &[(Code, SeverityRange)] = &[
    (byte_order_mark::INFO.code, byte_order_mark::SEVERITIES),
    (config_bloat::INFO.code, config_bloat::SEVERITIES),
    (stale_lock::INFO.code, stale_lock::SEVERITIES),
    (
        pending_registration::INFO.code,
        pending_registration::SEVERITIES,
    ),
    (unparseable_file::INFO.code, unparseable_file::SEVERITIES),
];

impl CheckInfo {
    /// The severities findings with this code can have, lowest first.
    pub fn severities(&self) -> Vec<Severity> {
        let lowest = self.severity_range().map_or(self.severity, |r| r.lowest);
        [Severity::Info, Severity::Warning, Severity::Error]
            .into_iter()
            .filter(|s| *s >= lowest && *s <= self.severity)
            .collect()
    }

    /// `error`, or `warning/error` for a code whose severity depends on what it found.
    pub fn severity_label(&self) -> String {
        let labels: Vec<&str> = self.severities().iter().map(|s| s.label()).collect();
        labels.join("/")
    }

    /// Why the severity varies, when it does.
    pub fn severity_range(&self) -> Option<&'static SeverityRange> {
        VARYING_SEVERITY
            .iter()
            .find(|(code, _)| *code == self.code)
            .map(|(_, r)| r)
    }
}

/// A check: its description and the function that runs it.
pub struct Check {
    pub info: CheckInfo,
    pub run: fn(&Inventory, &mut Findings<'_>),
}

macro_rules! checks {
    ($($m:ident),* $(,)?) => {
        &[$(Check { info: $m::INFO, run: $m::run }),*]
    };
}

/// Every check, in the order findings are reported.
pub const CHECKS: &[Check] = checks![
    unparseable_file,
    byte_order_mark,
    duplicate_json_key,
    credentials_permissions,
    legacy_config_file,
    keychain_store,
    keychain_file_split,
    claude_running,
    stale_lock,
    leftover_temp_file,
    config_bloat,
    invalid_server_config,
    unset_env_var,
    missing_project_dir,
    pending_registration,
    expired_token,
    dead_client_registration,
    refreshable_token,
    missing_registration,
    stale_registration,
    orphaned_registration,
    unverified_registration,
    shared_registration,
    static_auth_oauth_state,
    redirect_port_mismatch,
    misfiled_client_secret,
    stale_needs_auth_marker,
    sealing_needs_auth_marker,
    future_needs_auth_marker,
    orphaned_needs_auth_marker,
    needs_auth_cache_gap,
    unloaded_server_state,
    conflicting_scopes,
    launcher_key,
    windows_credential_manager,
    literal_tilde_config_dir,
    scope_shortfall,
    container_callback_port,
    shared_macos_home,
    mcp_remote_unusable_file,
    mcp_remote_stranded_tokens,
    mcp_remote_expired_token,
    mcp_remote_registration_without_tokens,
    mcp_remote_dead_lock,
    mcp_remote_orphaned_state,
    invalid_settings_file,
];

/// Runs every check.
pub fn run_all(inv: &Inventory) -> Vec<Finding> {
    let mut out = Findings::list_of_about(expected_findings(inv));
    for check in CHECKS {
        (check.run)(inv, &mut out);
    }
    let mut out = out.into_vec();
    // Growth by doubling leaves up to half of it unused; the findings live until the command
    // ends (issue 15: 10,000 findings in a 16,384-finding allocation).
    out.shrink_to_fit();
    out
}

/// About as many findings as a home gives, from what most findings are about: entries (one
/// stale or orphaned registration each, at most, and the odd token finding), needs-auth markers
/// and configured servers, and a few about files. Too many is cheap (see
/// [`Findings::list_of_about`]; the list is trimmed at the end), too few only grows the list.
fn expected_findings(inv: &Inventory) -> usize {
    inv.entries.len() + inv.markers.len() + inv.servers.len() / 4 + 32
}

/// Runs every check (only those that report one of `codes`, when given), in [`run_all`]'s
/// order, handing each finding to `each` as it is made: the same findings in the same order,
/// none of them kept. With `codes`, exactly the findings [`run_all`] gives with those codes (no
/// check reads another's findings): what `fix --yes --only CODE` plans from.
pub fn run_each(inv: &Inventory, codes: Option<&[Code]>, each: &mut dyn FnMut(Finding)) {
    let mut out = Findings::each(each);
    for check in CHECKS
        .iter()
        .filter(|c| codes.is_none_or(|codes| codes.contains(&c.info.code)))
    {
        (check.run)(inv, &mut out);
    }
}

/// The check that reports `code`; `None` for a probe code.
pub fn find(code: Code) -> Option<&'static CheckInfo> {
    CHECKS.iter().map(|c| &c.info).find(|i| i.code == code)
}

// ---- helpers shared by the checks -------------------------------------------------------------

/// An action that deletes `mcpOAuth[key]` in the live store (the file, or the Keychain item
/// when that is where Claude Code keeps them); none when `mcpOAuth` holds a key twice: a removal
/// by key cannot say which copy it means and could drop the tokens of the copy Claude Code does
/// not see (issue 14, defect 6); `duplicate-json-key` tells the user to keep one copy by hand.
pub(crate) fn remove_entry(inv: &Inventory, key: &str, safe: bool) -> Option<Action> {
    if mcp_oauth_has_duplicates(inv) {
        return None;
    }
    Some(in_live_store(
        inv,
        Action::remove_entry(&inv.credentials.path, key, safe),
    ))
}

/// `action` (made for the credentials file) retargeted to the Keychain item when that is the
/// live store: the same edit of the same JSON, in the item (`fix::keychain` writes it).
pub(crate) fn in_live_store(inv: &Inventory, mut action: Action) -> Action {
    if let Some(item) = inv.keychain_item()
        && action.role == crate::model::inventory::Role::Credentials
        && action.kind.has_member()
    {
        action.role = crate::model::inventory::Role::KeychainItem;
        action.path = item.shown.to_path_buf().into();
    }
    action
}

/// Whether the credentials file's `mcpOAuth` object holds a key twice (fix never edits it then).
pub(crate) fn mcp_oauth_has_duplicates(inv: &Inventory) -> bool {
    inv.credentials
        .problems
        .duplicates
        .iter()
        .any(|d| d.object_pointer == "/mcpOAuth")
        || inv.keychain_item().is_some_and(|it| it.duplicate_mcp_oauth)
}

/// An action that deletes the needs-auth marker for `name`.
pub(crate) fn remove_marker(inv: &Inventory, name: &str) -> Action {
    Action::remove_marker(&inv.cache.path, name)
}

/// An action on a whole file (a byte order mark, a cache replaced), which loses no credential.
pub(crate) fn whole_file_action(
    role: crate::model::inventory::Role,
    path: &std::path::Path,
    kind: ActionKind,
    summary: String,
) -> Action {
    Action::new(role, path, kind, summary)
}

/// A file as findings show it, made once for the findings of one check that all name it (each
/// holds the same `Arc`).
pub(crate) fn shared_file(path: &std::path::Path) -> std::sync::Arc<str> {
    path.display().to_string().into()
}

/// Whether a name is defined somewhere this tool cannot read: a claude.ai connector, or a plugin
/// server whose plugin's definitions are not readable. A plugin server is *not* defined elsewhere
/// when the plugin registry was read and says the plugin (or that server) is gone.
fn defined_elsewhere(inv: &Inventory, name: &str) -> bool {
    match NameKind::of(name) {
        NameKind::Plain => false,
        NameKind::ClaudeAi => true,
        NameKind::Plugin => plugin_absence(inv, name).is_none(),
    }
}

/// Evidence that a plugin server no longer exists: the plugin is not installed, or it is and its
/// readable definitions do not include the server.
fn plugin_absence(inv: &Inventory, name: &str) -> Option<String> {
    let rest = name.strip_prefix("plugin:")?;
    let (plugin, server) = rest.split_once(':')?;
    if !inv.plugins.known() {
        return None;
    }
    let registry = inv.locations.display(&inv.plugins.registry.path);
    match inv.plugins.named(plugin) {
        None => Some(format!(
            "no installed plugin is named '{plugin}' ({registry})"
        )),
        Some(p) if p.definitions_read && !p.servers.contains_key(server) => Some(format!(
            "the installed plugin '{plugin}' ({}) defines no server '{server}'",
            p.id
        )),
        Some(_) => None,
    }
}

/// The configured servers of `name` that authenticate with a static header or helper.
fn has_static_auth(inv: &Inventory, name: &str) -> bool {
    inv.servers_named(name).any(|s| s.static_auth.is_some())
}

/// The OAuth (http/sse) definitions of `name` whose key holds an entry in `state`.
fn live_entries<'a>(
    inv: &'a Inventory,
    server: &'a ConfiguredServer,
) -> Option<&'a crate::model::entry::Entry> {
    server.key.as_deref().and_then(|k| inv.entry(k))
}

/// How to sign in to a server, in the order that works: `mcp-auth-doctor login NAME` repairs the
/// state first (a placeholder, a dead client registration), signs in with the client and clears
/// the marker the sign-in leaves. By hand: sign in (`/mcp` works in every version; `claude mcp
/// login` exists from 2.1.186 on, and not for plugin servers or claude.ai connectors), then run
/// `fix` once more for that marker.
/// What a finding says where the user must sign in: the instruction itself is given once per
/// server, in its next step (`next:` in `check`, `next_step` in JSON), not in every finding.
pub(crate) const SIGN_IN_AS_NEXT: &str = "the server's next step says how";

pub(crate) fn login_hint(name: &str) -> String {
    let by_hand = match NameKind::of(name) {
        NameKind::Plain => format!(
            "/mcp → Authenticate in a session, or `claude mcp login {}` on 2.1.186+",
            shell_quote(name)
        ),
        NameKind::Plugin => "/mcp in a session: plugin servers have no CLI login".into(),
        NameKind::ClaudeAi => "/mcp in a session: claude.ai connectors sign in there".into(),
    };
    format!(
        "`mcp-auth-doctor login {}` (by hand: {by_hand}, then `mcp-auth-doctor fix` once more)",
        shell_quote(name)
    )
}

/// Quotes a word for a POSIX shell when it needs it.
pub(crate) fn shell_quote(s: &str) -> String {
    if !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.:/@%+=".contains(&b))
    {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_check_code_has_one_check_and_every_check_a_text() {
        let listed: Vec<Code> = CHECKS.iter().map(|c| c.info.code).collect();
        let mut sorted = listed.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted.len(), listed.len(), "two checks share a code");
        for &code in Code::ALL {
            let is_check = code.reported_by() == code::ReportedBy::Check;
            assert_eq!(listed.contains(&code), is_check, "{code}");
        }
        for c in CHECKS {
            assert!(
                !c.info.summary.is_empty() && c.info.explanation.len() > 80,
                "{}",
                c.info.code
            );
        }
    }

    #[test]
    fn run_each_gives_the_findings_run_all_gives_with_those_codes() {
        use serde_json::json;
        let inv = crate::load::Snapshot::for_test()
            .with_global_config(json!({"mcpServers": {
                "live": {"type": "http", "url": "https://live.example/mcp"}
            }}))
            .with_credentials(json!({"mcpOAuth": {
                "gone|0123456789abcdef": {"serverName": "gone", "accessToken": "", "expiresAt": 0},
                "live|0123456789abcdef": {
                    "serverName": "live",
                    "serverUrl": "https://live.example/old",
                    "accessToken": "CANARY-a",
                    "expiresAt": 0
                }
            }}))
            .with_needs_auth_cache(json!({"gone": {"timestamp": 0}}))
            .inventory();
        let all = run_all(&inv);
        let codes: Vec<Code> = all.iter().map(|f| f.code).collect();
        assert!(codes.len() >= 3, "{codes:?}");
        let shown = |f: &[Finding]| serde_json::to_string(f).unwrap();
        for subset in [&codes[..1], &codes[1..], &codes[..], &[]] {
            let wanted: Vec<Finding> = all
                .iter()
                .filter(|f| subset.contains(&f.code))
                .cloned()
                .collect();
            let mut each = Vec::new();
            run_each(&inv, Some(subset), &mut |f| each.push(f));
            assert_eq!(shown(&each), shown(&wanted), "{subset:?}");
        }
        let mut each = Vec::new();
        run_each(&inv, None, &mut |f| each.push(f));
        assert_eq!(shown(&each), shown(&all));
        // A brief says what the server summaries read of its finding.
        let briefs: Vec<Brief> = all.iter().map(Brief::of).collect();
        for (b, f) in briefs.iter().zip(&all) {
            assert_eq!((b.code, b.severity), (f.code, f.severity));
            assert_eq!(
                (b.server(), b.key(), b.moves_to()),
                (f.server(), f.key(), f.moves_to())
            );
        }
        let moving = Finding::new(Code::StaleRegistration, Severity::Warning, "m").action(
            Action::move_entry(
                std::path::Path::new("/c"),
                "a|1",
                "a|2",
                "https://a",
                "s".into(),
            ),
        );
        assert_eq!(Brief::of(&moving).moves_to(), Some("a|2"));
        assert_eq!(moving.moves_to(), Some("a|2"));
        let of = |servers: Vec<crate::diagnosis::ServerSummary>| {
            servers
                .into_iter()
                .map(|s| (s.name, s.verdict, s.findings))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            of(crate::diagnosis::servers::summarise(&inv, &briefs)),
            of(crate::diagnosis::servers::summarise(&inv, &all))
        );
    }

    #[test]
    fn quotes_for_the_shell() {
        assert_eq!(shell_quote("linear"), "linear");
        assert_eq!(shell_quote("my server"), "'my server'");
        assert_eq!(shell_quote("it's"), "'it'\\''s'");
    }
}
