//! Stored `mcpOAuth` entries, classified the way Claude Code's own code treats them.

use std::collections::HashMap;
use std::hash::{BuildHasher, Hash, Hasher};
use std::sync::Arc;

use serde::Serialize;
use serde_json::Value;

use super::key;
use super::secret::SecretInfo;

/// How close to expiry Claude Code refreshes a token first (its 300 s window).
pub const REFRESH_WINDOW_MS: i64 = 300_000;

/// What Claude Code can do with an entry's tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum TokenState {
    /// An access token that has not expired (or whose expiry is unknown: Claude Code then treats it
    /// as not expired).
    Valid,
    /// Expires within 300 s, or has expired, and has a refresh token: Claude Code refreshes it.
    Refreshable,
    /// Expired and no refresh token: Claude Code sends nothing; the server will ask for a login.
    Expired,
    /// Neither an access nor a refresh token: sessions skip the server as needs-auth.
    Placeholder,
}

impl TokenState {
    /// A token Claude Code can use (directly or after a refresh).
    pub fn usable(self) -> bool {
        matches!(self, TokenState::Valid | TokenState::Refreshable)
    }
}

/// What a placeholder looks like it came from, judged from the fields left in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum PlaceholderShape {
    /// A connect attempt saved discovery or a client registration; no sign-in completed.
    NeverAuthorised,
    /// Tokens were dropped after a refresh failed (`scope` and the client are kept).
    BlankedAfterFailedRefresh,
    /// Both tokens explicitly emptied, the signature of two processes overwriting each other.
    Zeroed,
    /// An expiry in the future with no token: a token write that did not finish.
    TornWrite,
    /// Not a JSON object at all (`null`, a string...): Claude Code throws reading it, so the
    /// server fails.
    NotAnObject,
}

impl PlaceholderShape {
    pub fn describe(self) -> &'static str {
        match self {
            Self::NeverAuthorised => {
                "not signed in: a connection saved discovery state or a client registration and \
                 no sign-in completed since"
            }
            Self::BlankedAfterFailedRefresh => {
                "blanked after a failed refresh: the server rejected the refresh token, and Claude \
                 Code dropped both tokens but kept the scope and client"
            }
            Self::Zeroed => {
                "zeroed: both tokens were overwritten with empty strings, the signature of two \
                 Claude Code processes writing the file at once"
            }
            Self::TornWrite => {
                "a torn write: an expiry in the future but no token, so a token write did not \
                 finish or was lost"
            }
            Self::NotAnObject => {
                "not an object (null, a string, a list...): Claude Code throws while reading it, so \
                 the server fails to connect instead of asking for a sign-in"
            }
        }
    }
}

/// `expiresAt` as Claude Code reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expiry {
    /// Epoch milliseconds.
    At(i64),
    /// Absent or not a number: Claude Code computes NaN and treats the token as not expired.
    Unknown,
}

/// One `mcpOAuth` entry.
#[derive(Debug, Clone)]
pub struct Entry {
    pub key: Box<str>,
    /// The part of the key before the hash.
    pub name: Box<str>,
    /// The 16-hex hash, if the key has one.
    pub hash: Option<Box<str>>,
    /// The `serverName` field, when it is a string.
    pub server_name_field: Option<Box<str>>,
    /// The `serverUrl` field: the url the entry was created for.
    pub server_url: Option<Box<str>>,
    pub access_token: Option<SecretInfo>,
    pub refresh_token: Option<SecretInfo>,
    /// `refreshToken` is present as an empty string.
    pub refresh_token_empty: bool,
    pub expires: Expiry,
    pub client_id: bool,
    pub client_secret: bool,
    pub discovery_state: bool,
    pub scope: bool,
    /// `redirectUri` (newer versions): the loopback callback the registration was made for.
    pub redirect_uri: Option<Box<str>>,
    /// `discoveryState.registrationNotOfferedAt` (2.1.332): a sign-in found no way to register a
    /// client (no registration endpoint, or one that failed).
    pub registration_not_offered: bool,
    /// `scope`: the scopes the stored grant holds (space-separated in the file), when a string.
    /// Boxed, exactly their size: a `Vec` of `String`s grown word by word was ~130 bytes per
    /// entry of a 10,000-entry `fix` (issue 15).
    pub granted_scopes: Option<Box<[Box<str>]>>,
    /// `stepUpScope`: the scopes a connection was asked for (a 403 `insufficient_scope`, or the
    /// scope of an authorization url), when a string.
    pub step_up_scopes: Option<Box<[Box<str>]>>,
    /// Field names present, in order (shared: a plan step shows them too, and entries written
    /// by one Claude Code have the same few lists).
    pub fields: Arc<[Box<str>]>,
    pub token: TokenState,
    pub shape: Option<PlaceholderShape>,
    /// The entry is not a JSON object at all.
    pub malformed: bool,
}

/// JavaScript truthiness, which is what Claude Code's `!entry.accessToken` tests.
fn truthy(v: Option<&Value>) -> bool {
    match v {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(Value::Number(n)) => n.as_f64().is_some_and(|f| f != 0.0 && !f.is_nan()),
        Some(Value::String(s)) => !s.is_empty(),
        Some(_) => true,
    }
}

fn secret(v: Option<&Value>) -> Option<SecretInfo> {
    match v {
        Some(Value::String(s)) if !s.is_empty() => Some(SecretInfo::of(s)),
        Some(other) if truthy(Some(other)) => Some(SecretInfo::of(&other.to_string())),
        _ => None,
    }
}

/// The scope words of an OAuth `scope` value: a space-separated string, or a list of strings (as
/// configs write `oauth.scopes`). Order kept, duplicates dropped.
pub fn scope_words(v: &Value) -> Vec<String> {
    let words: Vec<&str> = match v {
        Value::String(s) => s.split_whitespace().collect(),
        Value::Array(a) => a
            .iter()
            .filter_map(Value::as_str)
            .flat_map(str::split_whitespace)
            .collect(),
        _ => Vec::new(),
    };
    let mut out: Vec<String> = Vec::new();
    for w in words {
        if !out.iter().any(|o| o == w) {
            out.push(w.to_string());
        }
    }
    out
}

/// [`scope_words`] of a string, each word boxed in a slice of exactly their number.
fn scope_list(v: &Value) -> Box<[Box<str>]> {
    let mut out: Vec<Box<str>> = Vec::new();
    if let Value::String(s) = v {
        for w in s.split_whitespace() {
            if !out.iter().any(|o| &**o == w) {
                out.push(w.into());
            }
        }
    }
    out.into_boxed_slice()
}

/// `expiresAt - Date.now()` as JavaScript computes it: a number or a numeric string is a time,
/// `null` is 0 (long expired), and anything else (absent, `"abc"`) is NaN, which Claude Code
/// treats as "not expired".
fn js_expiry(v: Option<&Value>) -> Expiry {
    match v {
        Some(Value::Null) => Expiry::At(0),
        Some(Value::Bool(b)) => Expiry::At(i64::from(*b)),
        Some(Value::Number(n)) => n
            .as_f64()
            .filter(|f| f.is_finite())
            .map_or(Expiry::Unknown, |f| Expiry::At(f as i64)),
        Some(Value::String(s)) => {
            let t = s.trim();
            if t.is_empty() {
                Expiry::At(0)
            } else {
                t.parse::<f64>()
                    .ok()
                    .filter(|f| f.is_finite())
                    .map_or(Expiry::Unknown, |f| Expiry::At(f as i64))
            }
        }
        _ => Expiry::Unknown,
    }
}

/// The field lists of the entries read so far, so that entries with the same fields in the same
/// order (most of a file: one Claude Code writes them) share one list instead of a copy each.
#[derive(Default)]
pub struct FieldLists {
    /// By a hash of the names: the lists with that hash. foldhash (as `inventory::LiveKeys`),
    /// not SipHash: every entry hashes its field names here, and only whether lists are shared
    /// depends on it, never the output.
    seen: HashMap<u64, Vec<Arc<[Box<str>]>>, foldhash::fast::RandomState>,
    /// The hasher of the names (one seed for the run, so equal lists hash equal).
    names: foldhash::fast::RandomState,
}

impl FieldLists {
    /// The shared list of `names`; allocates only for a list not seen before.
    fn of<'a>(&mut self, names: impl Iterator<Item = &'a str> + Clone) -> Arc<[Box<str>]> {
        let mut h = self.names.build_hasher();
        for name in names.clone() {
            name.hash(&mut h);
        }
        let lists = self.seen.entry(h.finish()).or_default();
        if let Some(found) = lists
            .iter()
            .find(|list| list.iter().map(|n| &**n).eq(names.clone()))
        {
            return found.clone();
        }
        let list: Arc<[Box<str>]> = names.map(Box::from).collect();
        lists.push(list.clone());
        list
    }
}

/// The members of an entry [`Entry::from_value_sharing`] reads, by [`Field`].
struct Fields<'v>([Option<&'v Value>; Field::COUNT]);

/// An entry member Claude Code's code reads.
#[derive(Clone, Copy)]
enum Field {
    AccessToken,
    RefreshToken,
    ExpiresAt,
    Scope,
    ServerName,
    ServerUrl,
    ClientId,
    ClientSecret,
    DiscoveryState,
    RedirectUri,
    StepUpScope,
}

impl Field {
    const COUNT: usize = Field::StepUpScope as usize + 1;
}

impl<'v> Fields<'v> {
    /// One pass over the members: the ~17 lookups by name it replaces each hashed the name with
    /// SipHash (serde_json's `preserve_order` map), ~a tenth of `check`'s time per entry on a
    /// 1,000-entry home (issue 15). A member appears once in a parsed object, so each slot is what
    /// `value.get(name)` returns; a value that is not an object has none.
    fn of(value: &'v Value) -> Self {
        let mut out = Fields([None; Field::COUNT]);
        for (k, v) in value.as_object().into_iter().flatten() {
            let field = match k.as_str() {
                "accessToken" => Field::AccessToken,
                "refreshToken" => Field::RefreshToken,
                "expiresAt" => Field::ExpiresAt,
                "scope" => Field::Scope,
                "serverName" => Field::ServerName,
                "serverUrl" => Field::ServerUrl,
                "clientId" => Field::ClientId,
                "clientSecret" => Field::ClientSecret,
                "discoveryState" => Field::DiscoveryState,
                "redirectUri" => Field::RedirectUri,
                "stepUpScope" => Field::StepUpScope,
                _ => continue,
            };
            out.0[field as usize] = Some(v);
        }
        out
    }
}

impl Entry {
    pub fn from_value(key_str: &str, value: &Value, now_ms: i64) -> Self {
        Self::from_value_sharing(key_str, value, now_ms, &mut FieldLists::default())
    }

    /// [`Entry::from_value`], its field list shared through `lists` with the other entries read.
    pub fn from_value_sharing(
        key_str: &str,
        value: &Value,
        now_ms: i64,
        lists: &mut FieldLists,
    ) -> Self {
        let (name, hash) = key::split_key(key_str);
        let fields = Fields::of(value);
        let get = |f: Field| fields.0[f as usize];
        let access = truthy(get(Field::AccessToken));
        let refresh = truthy(get(Field::RefreshToken));
        let expires = js_expiry(get(Field::ExpiresAt));
        let token = if !access && !refresh {
            TokenState::Placeholder
        } else {
            match expires {
                Expiry::At(at) if at.saturating_sub(now_ms) <= 0 => {
                    if refresh {
                        TokenState::Refreshable
                    } else {
                        TokenState::Expired
                    }
                }
                Expiry::At(at) if at.saturating_sub(now_ms) <= REFRESH_WINDOW_MS && refresh => {
                    TokenState::Refreshable
                }
                _ if !access => TokenState::Refreshable,
                _ => TokenState::Valid,
            }
        };
        let refresh_token_empty =
            matches!(get(Field::RefreshToken), Some(Value::String(s)) if s.is_empty());
        let scope = get(Field::Scope).is_some();
        let shape = (token == TokenState::Placeholder).then_some({
            if !value.is_object() {
                PlaceholderShape::NotAnObject
            } else if refresh_token_empty {
                PlaceholderShape::Zeroed
            } else if matches!(expires, Expiry::At(at) if at > now_ms) {
                PlaceholderShape::TornWrite
            } else if scope {
                PlaceholderShape::BlankedAfterFailedRefresh
            } else {
                PlaceholderShape::NeverAuthorised
            }
        });
        Self {
            key: key_str.into(),
            name: name.into(),
            hash: hash.map(Box::from),
            server_name_field: get(Field::ServerName)
                .and_then(Value::as_str)
                .map(Box::from),
            server_url: get(Field::ServerUrl).and_then(Value::as_str).map(Box::from),
            access_token: secret(get(Field::AccessToken)),
            refresh_token: secret(get(Field::RefreshToken)),
            refresh_token_empty,
            expires,
            client_id: truthy(get(Field::ClientId)),
            client_secret: truthy(get(Field::ClientSecret)),
            discovery_state: get(Field::DiscoveryState).is_some(),
            scope,
            redirect_uri: get(Field::RedirectUri)
                .and_then(Value::as_str)
                .map(Box::from),
            registration_not_offered: get(Field::DiscoveryState)
                .and_then(|d| d.get("registrationNotOfferedAt"))
                .is_some_and(|v| !v.is_null()),
            granted_scopes: get(Field::Scope).filter(|v| v.is_string()).map(scope_list),
            step_up_scopes: get(Field::StepUpScope)
                .filter(|v| v.is_string())
                .map(scope_list),
            fields: lists.of(value
                .as_object()
                .into_iter()
                .flat_map(|o| o.keys().map(String::as_str))),
            token,
            shape,
            malformed: !value.is_object(),
        }
    }

    /// Whether this pending entry says that registering a client itself failed, so another
    /// sign-in would fail the same way: no token and no `clientId`, and either a sign-in recorded
    /// that the server offers no registration (`registrationNotOfferedAt`, 2.1.332), or `release`
    /// registers a client on every 401 and the connection saved discovery but no client (2.1.100's
    /// "401 but DCR fails" entry, state-formats.md §2.2). In 2.1.332 a plain connect saves no
    /// client (§2.1), so there a missing `clientId` alone says nothing.
    pub fn registration_failed(&self, release: &super::release::Assumed) -> bool {
        use super::release::Rule;
        self.shape == Some(PlaceholderShape::NeverAuthorised)
            && !self.client_id
            && (self.registration_not_offered
                || (self.discovery_state && !release.holds(Rule::RegistrationDeferredToSignIn)))
    }

    /// The field names as owned strings (for a finding's evidence, a report).
    pub fn field_list(&self) -> Vec<String> {
        self.fields.iter().map(|f| f.to_string()).collect()
    }

    /// The expiry in epoch ms, when known.
    pub fn expires_at(&self) -> Option<i64> {
        match self.expires {
            Expiry::At(ms) if ms > 0 => Some(ms),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const NOW: i64 = 1_780_315_200_000;

    fn state(v: Value) -> (TokenState, Option<PlaceholderShape>) {
        let e = Entry::from_value("x|0123456789abcdef", &v, NOW);
        (e.token, e.shape)
    }

    #[test]
    fn classifies_like_claude_code() {
        use PlaceholderShape::*;
        use TokenState::*;
        let cases = [
            (
                json!({"accessToken": "a", "expiresAt": NOW + 3_600_000}),
                (Valid, None),
            ),
            (json!({"accessToken": "a"}), (Valid, None)),
            (
                json!({"accessToken": "a", "expiresAt": "soon"}),
                (Valid, None),
            ),
            (
                json!({"accessToken": "a", "expiresAt": NOW - 1}),
                (Expired, None),
            ),
            (
                json!({"accessToken": "a", "refreshToken": "r", "expiresAt": NOW - 1}),
                (Refreshable, None),
            ),
            (
                json!({"accessToken": "a", "refreshToken": "r", "expiresAt": NOW + 100_000}),
                (Refreshable, None),
            ),
            (
                json!({"accessToken": "a", "expiresAt": NOW + 100_000}),
                (Valid, None),
            ),
            (
                json!({"accessToken": "", "refreshToken": "r", "expiresAt": 0}),
                (Refreshable, None),
            ),
            (
                json!({"accessToken": "", "expiresAt": 0, "clientId": "c", "discoveryState": {}}),
                (Placeholder, Some(NeverAuthorised)),
            ),
            (
                json!({"accessToken": "", "expiresAt": 0, "scope": "read", "clientId": "c"}),
                (Placeholder, Some(BlankedAfterFailedRefresh)),
            ),
            (
                json!({"accessToken": "", "refreshToken": "", "expiresAt": 0}),
                (Placeholder, Some(Zeroed)),
            ),
            (
                json!({"accessToken": "", "expiresAt": NOW + 3_600_000}),
                (Placeholder, Some(TornWrite)),
            ),
            (
                json!({"serverName": "x"}),
                (Placeholder, Some(NeverAuthorised)),
            ),
        ];
        for (value, expected) in cases {
            assert_eq!(state(value.clone()), expected, "{value}");
        }
    }

    #[test]
    fn entries_with_the_same_fields_in_the_same_order_share_one_list() {
        let mut lists = FieldLists::default();
        let mut read =
            |v: Value| Entry::from_value_sharing("x|0123456789abcdef", &v, NOW, &mut lists);
        let a = read(json!({"serverName": "x", "accessToken": "t", "é\"": 1}));
        let b = read(json!({"serverName": "y", "accessToken": "u", "é\"": 2}));
        let reordered = read(json!({"accessToken": "u", "serverName": "y", "é\"": 2}));
        let fewer = read(json!({"serverName": "y", "accessToken": "u"}));
        let not_an_object = read(json!(null));
        assert!(Arc::ptr_eq(&a.fields, &b.fields));
        assert!(!Arc::ptr_eq(&a.fields, &reordered.fields));
        assert_eq!(a.field_list(), ["serverName", "accessToken", "é\""]);
        assert_eq!(reordered.field_list(), ["accessToken", "serverName", "é\""]);
        assert_eq!(fewer.field_list(), ["serverName", "accessToken"]);
        assert!(not_an_object.fields.is_empty());
    }

    #[test]
    fn a_pending_entry_without_a_client_says_registration_failed_only_where_it_can() {
        use crate::model::release::{Assumed, Release, Source};
        let at = |r: Release| Assumed {
            release: r,
            source: Source::Flag,
            why: None,
        };
        let (old, new) = (at(Release(2, 1, 100)), at(Release(2, 1, 332)));
        let entry = |v: Value| Entry::from_value("x|0123456789abcdef", &v, NOW);
        // Discovery saved, no client: 2.1.100 registers on every 401, so DCR failed there.
        let discovered = entry(json!({"accessToken": "", "expiresAt": 0,
            "discoveryState": {"authorizationServerUrl": "https://as"}}));
        assert!(discovered.registration_failed(&old));
        assert!(!discovered.registration_failed(&new), "2.1.332 defers it");
        // A sign-in recorded that the server offers no registration: in any release.
        let not_offered = entry(json!({"accessToken": "", "discoveryState": {
            "authorizationServerUrl": "https://as", "registrationNotOfferedAt": NOW}}));
        assert!(not_offered.registration_failed(&new));
        // With a client, or with a token, registration did not fail.
        let registered = entry(json!({"accessToken": "", "expiresAt": 0, "clientId": "c",
            "discoveryState": {"authorizationServerUrl": "https://as"}}));
        assert!(!registered.registration_failed(&old));
        let signed_in = entry(json!({"accessToken": "a", "expiresAt": NOW + 3_600_000,
            "discoveryState": {"authorizationServerUrl": "https://as", "registrationNotOfferedAt": 1}}));
        assert!(!signed_in.registration_failed(&new));
    }
}

#[cfg(test)]
mod size {
    /// The inventory holds one per `mcpOAuth` entry: 272 bytes before issue 15's seventh round
    /// (strings as `String`s, the secrets' lengths as `usize`s).
    #[test]
    fn an_entry_stays_small() {
        let size = std::mem::size_of::<super::Entry>();
        assert!(size <= 200, "{size}");
    }
}
