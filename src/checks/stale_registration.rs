use super::Findings;
use std::borrow::Cow;
use std::collections::HashMap;
use std::collections::hash_map::Entry as Slot;
use std::fmt::Write;

use serde_json::{Map, Value};

use super::{Action, ActionKind, CheckInfo, Finding, Pieces, Severity, remove_entry};
use crate::model::entry::{Entry, TokenState};
use crate::model::inventory::Inventory;
use crate::model::key;
use crate::model::server::ConfiguredServer;
use crate::redact;

pub const INFO: CheckInfo = CheckInfo {
    code: super::Code::StaleRegistration,
    severity: Severity::Warning,
    summary: "An entry for a configured server sits under a key no current config produces",
    explanation: "\
**What it means.** The server name is configured, but no configured form of it (in any scope) \
hashes to this entry's key. The key covers the transport type, the url (a trailing slash counts) \
and the headers (values and order), after `${VAR}` expansion. Claude Code never reads this entry \
again; it looks under the new key, finds nothing or a placeholder, and asks for a login.

**Why it happens.** The url was edited or re-added slightly differently, a header changed, the \
type went from sse to http, or an environment variable used in the url or headers has another \
value now. The finding names the change when it can tell. Claude Code never removes old keys.

**How to fix it.** When the entry holds a usable token, the server's live key holds nothing \
usable (no entry, or a placeholder), and the url it was made for has the same origin (scheme, \
host, port) as the current one (a path or trailing-slash edit, a header change, sse → http), \
`fix` moves the entry to the live key and sets its `serverUrl` to the current url (and drops \
its `discoveryState.resourceMetadataUrl`, which names the old url: Claude Code's next sign-in \
would otherwise refuse the server): Claude Code then sends it, and no sign-in is needed if the \
server still accepts that token (only the server can say: `mcp-auth-doctor probe NAME` shows what \
it asks for now). It never moves a token to another host. If the server \
rejects the moved token, Claude Code falls back to \"needs authentication\", where it was \
anyway. `fix --no-move` removes the old entry instead.

Otherwise `fix` removes the entry, also when it still holds a usable token: every \
removal is backed up first, and `mcp-auth-doctor restore --latest` (or `restore --section \
mcpOAuth`) brings it back if you change the config back. `fix --safe-only` keeps entries that hold \
a usable token. An entry whose config uses `${VAR}` is removed only when asked (`fix --only \
stale-registration`): with another value of the variable, the key can be live. Then sign in under \
the new config: `mcp-auth-doctor login NAME`, or `/mcp` → Authenticate (`claude mcp login NAME` on \
2.1.186+).",
};

pub fn run(inv: &Inventory, out: &mut Findings<'_>) {
    if !inv.configs_complete() {
        return; // a broken config file may define the server: see unparseable-file
    }
    let live = inv.live_keys();
    // The entries that move, by key, with where to (each entry's target found once).
    let winners: Winners<'_> = movers(inv, None)
        .into_values()
        .map(|(entry, target)| (entry.key(), target))
        .collect();
    let file = super::shared_file(&inv.credentials.path);
    // Each configured form's url as shown, by the form's place in the inventory.
    let mut shown_urls: PerForm<Option<String>> = PerForm::default();
    for e in &inv.entries {
        if live.contains_key(e.key()) {
            continue;
        }
        let configs: Vec<&ConfiguredServer> = inv.servers_named(e.name()).collect();
        if configs.is_empty() {
            continue; // orphaned-registration or unverified-registration
        }
        // The key of a launch without the config's ${VAR}s: live for those (launcher-key).
        if configs
            .iter()
            .any(|s| s.unset_env_key.as_deref() == Some(e.key()))
        {
            continue;
        }
        // Each configured url as shown, redacted once per configured form (its stale entries
        // are often many): the message and the evidence reuse it.
        let shown: Vec<Option<String>> = configs
            .iter()
            .map(|s| {
                shown_urls
                    .entry(std::ptr::from_ref(*s))
                    .or_insert_with(|| s.url.as_deref().map(redact::url))
                    .clone()
            })
            .collect();
        let mut current: Vec<String> = shown.iter().flatten().cloned().collect();
        current.sort_unstable();
        current.dedup();
        // With ${VAR} in the config, another value of VAR (in the shell Claude Code runs in)
        // gives another key, which may be this one: never remove it unasked.
        let env_vars: Vec<&str> = configs
            .iter()
            .flat_map(|s| s.env_used.iter().map(String::as_str))
            .collect();
        let usable = e.token.usable();
        let moved = move_to_live_key(inv, e, &winners);
        // The message as data: the check's sentences fixed, the entry's name, key and urls kept
        // (room for them all: see [`MOST_PIECES`]).
        let mut message = Pieces::with_capacity(MOST_PIECES, 256);
        message
            .fixed("'")
            .text(e.name())
            .fixed("' is configured, but no configured form of it hashes to ")
            .text(e.key());
        let entry_url = e.server_url().map(redact::url);
        if let Some(u) = &entry_url {
            message.fixed(" (created for ").text(u).fixed(")");
        }
        message.fixed("; the current config uses ");
        match current.as_slice() {
            [] => message.fixed("no url"),
            [first, rest @ ..] => rest
                .iter()
                .fold(message.text(first), |m, u| m.text(", ").text(u)),
        };
        message.fixed(". ");
        explain_change(e, &configs, &shown, entry_url.as_deref(), &mut message);
        message.fixed(" Claude Code never reads this entry again.");
        if let Some(ActionKind::MoveEntry { to, .. }) = moved.as_ref().map(|a| &a.kind) {
            message
                .fixed(
                    " It still holds a usable token and the current url is on the same origin, \
                     while the live key ",
                )
                .text(to)
                .fixed(
                    " holds nothing usable: fix moves the entry there (and sets its serverUrl), \
                     so Claude Code sends the token again and needs no sign-in if the server \
                     still accepts it (`mcp-auth-doctor probe ",
                )
                .text(&crate::checks::shell_quote(e.name()))
                .fixed("` shows what it asks for now).");
        } else if !env_vars.is_empty() {
            message
                .fixed(" The config uses ${")
                .text(&env_vars.join("}, ${"))
                .fixed(
                    "}: with another value of it (as Claude Code may run with) this key can be \
                     live, so fix removes it only when asked.",
                );
        } else if usable {
            message.fixed(
                " It still holds a usable token; fix removes it (backed up first: `restore` \
                 brings it back if you change the config back), and --safe-only keeps it.",
            );
        } else {
            message.fixed(" It holds no usable token.");
        }
        let mut f = Finding::new(INFO.code, INFO.severity, message)
            .server(e.name())
            .key(e.key())
            .file(file.clone())
            .evidence_room(2 + usize::from(entry_url.is_some()))
            .evidence("current_urls", current)
            .evidence("token", e.token.label())
            .action(moved.or_else(|| {
                remove_entry(inv, e.key(), !usable).map(|a| {
                    if env_vars.is_empty() {
                        a
                    } else {
                        a.only_when_asked(format!(
                        "the config uses ${{{}}}: with another value of {} this key can be live",
                        env_vars.join("}, ${"),
                        if env_vars.len() == 1 { "it" } else { "them" }
                    ))
                    }
                })
            }));
        if let Some(u) = entry_url {
            f = f.evidence("entry_url", u);
        }
        out.push(f);
    }
}

/// The most pieces a message has: 4 (name and key), 3 (the entry's url), 3 (the current urls,
/// several of them one piece with their commas), the explanation's 5 at most, 1 ("never
/// reads") and a move's 5.
const MOST_PIECES: usize = 4 + 3 + 3 + 5 + 1 + 5;

/// The live key a usable stale entry can move to: the one configured form of the name whose key
/// holds nothing usable (missing or a placeholder), on the same origin (scheme, host, port) as
/// the url the entry was made for, so the token never goes to another host. Never with `${VAR}`
/// in the config (the stale key may be live with another value), never for a static-auth
/// server. When several stale entries could move there, the best token wins (valid over
/// refreshable, then the later expiry); the others are removed as usual.
/// Whether `fix` moves a usable token from an old key of `name` onto its live key `key`, so the
/// server needs no sign-in: findings about that key say so rather than asking for one.
pub(crate) fn moves_into(inv: &Inventory, name: &str, key: &str) -> bool {
    inv.configs_complete()
        && !super::mcp_oauth_has_duplicates(inv)
        && movers(inv, Some(name)).contains_key(&(name, key))
}

/// For each (name, live key) that some usable stale entry of the name can move to, the entry
/// that wins there (see [`move_to_live_key`]), found in one pass over the entries (`only_name`:
/// the entries of that name only). Deciding each entry's move against a list of all entries made
/// a `fix` of 10,000 entries quadratic (5 s of CPU).
/// Each winner comes with the configured form it moves to.
/// Hashed with foldhash (as `inventory::LiveKeys`): looked up per entry, and nothing depends on
/// the maps' order.
type Movers<'a> =
    HashMap<(&'a str, &'a str), (&'a Entry, &'a ConfiguredServer), foldhash::fast::RandomState>;

/// The entries that move, by key, with the configured form each moves to.
type Winners<'a> = HashMap<&'a str, &'a ConfiguredServer, foldhash::fast::RandomState>;

fn movers<'a>(inv: &'a Inventory, only_name: Option<&str>) -> Movers<'a> {
    let live = inv.live_keys();
    let rank = |x: &Entry| {
        (
            x.token == TokenState::Valid,
            x.expires_at().unwrap_or(i64::MAX),
        )
    };
    let mut out = Movers::default();
    let mut origins = Origins::default();
    // One name's entries from the index: the search is asked once per server (issue 15).
    let entries: Box<dyn Iterator<Item = &Entry>> = match only_name {
        Some(name) => Box::new(inv.entries_named(name)),
        None => Box::new(inv.entries.iter()),
    };
    for o in entries {
        if live.contains_key(o.key()) {
            continue;
        }
        let configs: Vec<&ConfiguredServer> = inv.servers_named(o.name()).collect();
        if configs.is_empty() {
            continue;
        }
        let Some(target) = move_target(inv, o, &configs, &mut origins) else {
            continue;
        };
        let Some(to) = target.key.as_deref() else {
            continue;
        };
        // The last of equally ranked entries wins (as `Iterator::max_by_key` picks).
        match out.entry((o.name(), to)) {
            Slot::Occupied(mut best) => {
                if rank(o) >= rank(best.get().0) {
                    best.insert((o, target));
                }
            }
            Slot::Vacant(slot) => {
                slot.insert((o, target));
            }
        }
    }
    out
}

fn move_to_live_key(inv: &Inventory, e: &Entry, winners: &Winners<'_>) -> Option<Action> {
    // Like every mcpOAuth edit: never while the object holds a key twice (checks::remove_entry).
    if super::mcp_oauth_has_duplicates(inv) {
        return None;
    }
    // Its move target, when it is the entry that wins there (decided once, by `movers`).
    let target = winners.get(e.key())?;
    let to = target.key.clone()?;
    let url = target.url.clone()?;
    let replaces = match inv.entry(&to) {
        Some(_) => " and replace the placeholder there",
        None => "",
    };
    Some(super::in_live_store(
        inv,
        Action::move_entry(
            &inv.credentials.path,
            e.key(),
            &to,
            &url,
            format!(
                "move mcpOAuth entry \"{}\" to the live key \"{to}\"{replaces}, serverUrl {}",
                e.key(),
                crate::redact::url(&url)
            ),
        )
        .with_note(
            "same origin, so the token goes to the same host; if the server rejects it there, \
             Claude Code falls back to \"needs authentication\", where it is now (`fix --no-move` \
             removes the old entry instead)",
        ),
    ))
}

/// Something worked out once per configured form, by the form's place in the inventory: asked
/// for each stale entry of its name (they are often many).
type PerForm<T> = HashMap<*const ConfiguredServer, T, foldhash::fast::RandomState>;

/// Each configured form's url, parsed once (`None`: not an http(s) url), for its origin.
type Origins = PerForm<Option<crate::urls::Url>>;

fn move_target<'a>(
    inv: &Inventory,
    e: &Entry,
    configs: &[&'a ConfiguredServer],
    origins: &mut Origins,
) -> Option<&'a ConfiguredServer> {
    use crate::urls::Url;
    if !e.token.usable() || e.malformed {
        return None;
    }
    let entry_url = e.server_url()?;
    // The entry's origin, parsed only when a form passes the cheap tests below (issue 15: a
    // parse, four `String`s, for each usable stale entry, most of which no form can take).
    // `Some(None)`: parsed, not an http(s) url, so the entry moves nowhere.
    let mut origin: Option<Option<Url>> = None;
    let mut targets: Vec<&ConfiguredServer> = Vec::new();
    for s in configs {
        let (Some(key), Some(url)) = (s.key.as_deref(), s.url.as_deref()) else {
            return None;
        };
        if !s.env_used.is_empty() || !s.env_missing.is_empty() || s.static_auth.is_some() {
            return None;
        }
        let holds_nothing = inv
            .entry(key)
            .is_none_or(|t| t.token == TokenState::Placeholder);
        if !(s.invalid.is_none() && holds_nothing) {
            continue;
        }
        let Some(origin) = origin.get_or_insert_with(|| Url::parse(entry_url)) else {
            return None;
        };
        if origins
            .entry(std::ptr::from_ref(*s))
            .or_insert_with(|| Url::parse(url))
            .as_ref()
            .is_some_and(|u| u.same_origin(origin))
            && !targets.iter().any(|t| t.key.as_deref() == Some(key))
        {
            targets.push(s);
        }
    }
    match targets.as_slice() {
        [one] => Some(one),
        _ => None,
    }
}

/// Works out what changed between the config the entry was made for and today's, by re-hashing
/// plausible earlier forms until one produces the entry's key; says it as pieces of the message.
/// `shown`: each config's url redacted (in `configs`' order); `entry_shown`: the entry's
/// `serverUrl` redacted (both already made for the message, so not redacted again here).
fn explain_change(
    e: &Entry,
    configs: &[&ConfiguredServer],
    shown: &[Option<String>],
    entry_shown: Option<&str>,
    out: &mut Pieces,
) {
    let Some(hash) = e.hash() else {
        out.fixed("Its key has no hash part, so it was written by hand or by another tool.");
        return;
    };
    let matches =
        |t: &str, u: &str, h: &Map<String, Value>| key::hash16_is(&key::hash_input(t, u, h), hash);
    if let Some(s) = configs.iter().find(|s| !s.env_missing.is_empty()) {
        out.fixed("The config uses ${")
            .text(&s.env_missing.join("}, ${"))
            .fixed(
                "}, which is not set in this shell, so the key computed here is not the one \
                 Claude Code uses with it set; this entry may well be that one.",
            );
        return;
    }
    for (s, now) in configs.iter().zip(shown) {
        let (Some(url), Some(t), Some(now)) = (s.url.as_deref(), s.connects_as.as_deref(), now)
        else {
            continue;
        };
        let other_t = if t == "sse" { "http" } else { "sse" };
        let entry_url = e.server_url().unwrap_or(url);
        if entry_url != url && matches(t, entry_url, &s.headers) {
            // `entry_url != url`, so it is the entry's own `serverUrl`, shown as `entry_shown`.
            let was = entry_shown.map_or_else(|| redact::url(entry_url).into(), Cow::Borrowed);
            let now = now.as_str();
            if entry_url.trim_end_matches('/') == url.trim_end_matches('/') {
                out.fixed("The url changed only by a trailing slash (")
                    .text(&was)
                    .fixed(" → ")
                    .text(now)
                    .fixed("), which gives a different key.");
            } else if s.url_template.is_some() {
                let _ = write!(
                    out,
                    "The url, built from {}, expanded to {was} then and to {now} now: an \
                     environment variable changed.",
                    redact::url(s.url_template.as_deref().unwrap_or_default())
                );
            } else if was == now {
                let _ = write!(
                    out,
                    "The url changed in a part not shown because it looks like a secret \
                     ({now})."
                );
            } else {
                out.fixed("The url changed from ")
                    .text(&was)
                    .fixed(" to ")
                    .text(now)
                    .fixed(".");
            }
            return;
        }
        if matches(other_t, entry_url, &s.headers) {
            let _ = write!(out, "The transport changed from {other_t} to {t}.");
            return;
        }
        if s.headers.len() > 1 {
            // Built only here: the one form that needs it.
            let reversed: Map<String, Value> = s
                .headers
                .iter()
                .rev()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            if matches(t, entry_url, &reversed) {
                out.fixed(
                    "The headers are the same but in a different order, and header order is \
                     part of the key.",
                );
                return;
            }
        }
        if !s.headers.is_empty() && matches(t, entry_url, &Map::new()) {
            out.fixed("Headers were added to the config since the entry was created.");
            return;
        }
        if entry_url == url {
            if !s.env_used.is_empty() {
                out.fixed("The url is the same, so the headers changed; they use ${")
                    .text(&s.env_used.join("}, ${"))
                    .fixed("}, whose value may have changed.");
            } else {
                out.fixed("The url is the same, so the headers (or their values) changed.");
            }
            return;
        }
    }
    out.fixed(if configs.iter().any(|s| !s.env_used.is_empty()) {
        "The config uses environment variables; a different value at the time gives a different \
         key."
    } else {
        "The url, transport or headers changed since it was created."
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::Snapshot;
    use crate::load::for_test::{expired_entry, http, key_of, valid_entry};
    use serde_json::json;

    const URL: &str = "https://mcp.linear.app/mcp";
    const OLD_URL: &str = "https://mcp.linear.app/old";

    fn findings(snapshot: Snapshot) -> Vec<Finding> {
        crate::load::for_test::run_check(snapshot, run)
    }

    fn old_entry(server: serde_json::Value, entry: serde_json::Value) -> Snapshot {
        let old = key_of("linear", http(OLD_URL));
        Snapshot::for_test()
            .with_global_config(json!({"mcpServers": {"linear": server}}))
            .with_credentials(json!({"mcpOAuth": {old: entry}}))
    }

    #[test]
    fn a_usable_token_under_an_old_key_moves_to_the_live_key_on_the_same_origin() {
        let (old, live) = (key_of("linear", http(OLD_URL)), key_of("linear", http(URL)));
        let found = findings(old_entry(http(URL), valid_entry("linear", OLD_URL)));
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].code, INFO.code);
        assert_eq!(found[0].severity, INFO.severity);
        assert_eq!(found[0].server.as_deref(), Some("linear"));
        assert_eq!(found[0].key.as_deref(), Some(old.as_str()));
        let action = found[0].action.as_ref().expect("an action");
        assert_eq!(
            action.kind,
            ActionKind::MoveEntry {
                from: old,
                to: live,
                server_url: URL.into()
            }
        );
        assert!(!found[0].message.contains("CANARY"), "{}", found[0].message);
    }

    #[test]
    fn of_several_usable_old_entries_the_best_token_moves_the_last_of_equals_and_the_rest_go() {
        let live = key_of("linear", http(URL));
        let old = |path: &str| key_of("linear", http(&format!("https://mcp.linear.app/{path}")));
        let entry = |path: &str, valid: bool| {
            let url = format!("https://mcp.linear.app/{path}");
            if valid {
                valid_entry("linear", &url)
            } else {
                crate::load::for_test::refreshable_entry("linear", &url)
            }
        };
        let snapshot = Snapshot::for_test()
            .with_global_config(json!({"mcpServers": {"linear": http(URL)}}))
            .with_credentials(json!({"mcpOAuth": {
                old("a"): entry("a", true),
                old("b"): entry("b", false),
                old("c"): entry("c", true),
            }}));
        let inv = snapshot.inventory();
        let mut found = Findings::list();
        run(&inv, &mut found);
        let found = found.into_vec();
        let kinds: Vec<(String, ActionKind)> = found
            .iter()
            .map(|f| {
                (
                    f.key.clone().unwrap(),
                    f.action.as_ref().unwrap().kind.clone(),
                )
            })
            .collect();
        // a and c hold equally good tokens (valid, same expiry): the later one in the file moves.
        assert_eq!(
            kinds,
            vec![
                (old("a"), ActionKind::RemoveEntry { key: old("a") }),
                (old("b"), ActionKind::RemoveEntry { key: old("b") }),
                (
                    old("c"),
                    ActionKind::MoveEntry {
                        from: old("c"),
                        to: live.clone(),
                        server_url: URL.into()
                    }
                ),
            ]
        );
        assert!(moves_into(&inv, "linear", &live));
        assert!(!moves_into(&inv, "linear", &old("a")));
        assert!(!moves_into(&inv, "other", &live));
    }

    #[test]
    fn an_unusable_old_entry_is_removed_safely_and_a_usable_one_elsewhere_unsafely() {
        let old = key_of("linear", http(OLD_URL));
        let expired = findings(old_entry(http(URL), expired_entry("linear", OLD_URL)));
        let action = expired[0].action.as_ref().expect("an action");
        assert_eq!(action.kind, ActionKind::RemoveEntry { key: old.clone() });
        assert!(action.safe);
        // Another origin: the token must not go to another host, so it is removed, not moved.
        let elsewhere = findings(old_entry(
            http("https://other.example/mcp"),
            valid_entry("linear", OLD_URL),
        ));
        let action = elsewhere[0].action.as_ref().expect("an action");
        assert_eq!(action.kind, ActionKind::RemoveEntry { key: old });
        assert!(!action.safe);
        assert!(!action.ask_only);
    }

    #[test]
    fn with_a_variable_in_the_config_the_old_key_is_removed_only_when_asked() {
        let templated = http("https://${MCP_TEST_UNSET_HOST:-mcp.linear.app}/mcp");
        let found = findings(old_entry(templated, expired_entry("linear", OLD_URL)));
        let action = found[0].action.as_ref().expect("an action");
        assert!(action.ask_only, "{action:?}");
    }

    #[test]
    fn the_live_key_an_unconfigured_name_or_a_broken_config_is_not_stale() {
        let live = key_of("linear", http(URL));
        let on_live_key = Snapshot::for_test()
            .with_global_config(json!({"mcpServers": {"linear": http(URL)}}))
            .with_credentials(json!({"mcpOAuth": {live: valid_entry("linear", URL)}}));
        let unconfigured = old_entry(http(URL), valid_entry("linear", OLD_URL))
            .with_global_config(json!({"mcpServers": {}}));
        let broken =
            old_entry(http(URL), valid_entry("linear", OLD_URL)).with_unparseable_global_config();
        for snapshot in [on_live_key, unconfigured, broken] {
            let found = findings(snapshot);
            assert!(found.is_empty(), "{found:?}");
        }
    }
}
