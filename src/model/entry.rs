//! Stored `mcpOAuth` entries, classified the way Claude Code's own code treats them.

use std::collections::HashMap;
use std::hash::{BuildHasher, Hash, Hasher};

use serde::Serialize;
use serde_json::Value;

use super::key;

mod list;
mod span;
mod texts;
use super::secret::SecretInfo;
pub use list::List;
use texts::{Optional, Texts};

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

    /// Its name as it serialises (`"valid"`, ...), without going through serde: findings give
    /// it as evidence once per entry (issue 15).
    pub fn label(self) -> &'static str {
        match self {
            TokenState::Valid => "valid",
            TokenState::Refreshable => "refreshable",
            TokenState::Expired => "expired",
            TokenState::Placeholder => "placeholder",
        }
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
    /// The key (of which the name and hash are parts), `serverName`, `serverUrl` and
    /// `redirectUri`, in one allocation: read with [`Entry::key`], [`Entry::name`],
    /// [`Entry::hash`], [`Entry::server_name_field`], [`Entry::server_url`] and
    /// [`Entry::redirect_uri`].
    texts: Texts,
    pub access_token: Option<SecretInfo>,
    pub refresh_token: Option<SecretInfo>,
    /// `refreshToken` is present as an empty string.
    pub refresh_token_empty: bool,
    pub expires: Expiry,
    pub client_id: bool,
    pub client_secret: bool,
    pub discovery_state: bool,
    pub scope: bool,
    /// `discoveryState.registrationNotOfferedAt` (2.1.332): a sign-in found no way to register a
    /// client (no registration endpoint, or one that failed).
    pub registration_not_offered: bool,
    /// `scope`: the scopes the stored grant holds (space-separated in the file), when a string.
    /// Shared by the entries whose `scope` is the same string ([`FieldLists`]): one Claude Code
    /// writes the same few, and a list of its own was four allocations, ~160 bytes per entry
    /// of a 10,000-entry `fix` (issue 15).
    pub granted_scopes: Option<List>,
    /// `stepUpScope`: the scopes a connection was asked for (a 403 `insufficient_scope`, or the
    /// scope of an authorization url), when a string.
    pub step_up_scopes: Option<List>,
    /// Field names present, in order (shared: a plan step shows them too, and entries written
    /// by one Claude Code have the same few lists).
    pub fields: List,
    pub token: TokenState,
    pub shape: Option<PlaceholderShape>,
    /// The entry is not a JSON object at all.
    pub malformed: bool,
}

/// An entry member's value as the classification reads it: a string (most members), or any
/// other JSON value. Both the tree of a parsed entry ([`Entry::from_value`]) and the reader of
/// an entry's text ([`Entry::from_json_sharing`]) give these, so one function judges both.
#[derive(Clone, Copy)]
enum Member<'v> {
    Str(&'v str),
    /// Never a `Value::String` (that is [`Member::Str`]).
    Other(&'v Value),
}

impl<'v> Member<'v> {
    fn of(value: &'v Value) -> Self {
        match value {
            Value::String(s) => Member::Str(s),
            other => Member::Other(other),
        }
    }

    fn as_str(self) -> Option<&'v str> {
        match self {
            Member::Str(s) => Some(s),
            Member::Other(_) => None,
        }
    }
}

/// JavaScript truthiness, which is what Claude Code's `!entry.accessToken` tests.
fn truthy(v: Option<Member<'_>>) -> bool {
    match v {
        None | Some(Member::Other(Value::Null)) => false,
        Some(Member::Other(Value::Bool(b))) => *b,
        Some(Member::Other(Value::Number(n))) => {
            n.as_f64().is_some_and(|f| f != 0.0 && !f.is_nan())
        }
        Some(Member::Str(s)) => !s.is_empty(),
        Some(Member::Other(_)) => true,
    }
}

fn secret(v: Option<Member<'_>>) -> Option<SecretInfo> {
    match v {
        Some(Member::Str(s)) if !s.is_empty() => Some(SecretInfo::of(s)),
        Some(Member::Other(other)) if truthy(v) => Some(SecretInfo::of(&other.to_string())),
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

/// [`scope_words`] of a string, each word boxed, in a slice of exactly their number.
fn scope_list(s: &str) -> List {
    let mut out: Vec<Box<str>> = Vec::new();
    for w in s.split_whitespace() {
        if !out.iter().any(|o| &**o == w) {
            out.push(w.into());
        }
    }
    out.into_iter().collect()
}

/// `expiresAt - Date.now()` as JavaScript computes it: a number or a numeric string is a time,
/// `null` is 0 (long expired), and anything else (absent, `"abc"`) is NaN, which Claude Code
/// treats as "not expired".
fn js_expiry(v: Option<Member<'_>>) -> Expiry {
    match v {
        Some(Member::Other(Value::Null)) => Expiry::At(0),
        Some(Member::Other(Value::Bool(b))) => Expiry::At(i64::from(*b)),
        Some(Member::Other(Value::Number(n))) => n
            .as_f64()
            .filter(|f| f.is_finite())
            .map_or(Expiry::Unknown, |f| Expiry::At(f as i64)),
        Some(Member::Str(s)) => {
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

/// The field lists and scope lists of the entries read so far, so that entries with the same
/// fields in the same order, or the same `scope` (most of a file: one Claude Code writes them),
/// share one list instead of a copy each.
#[derive(Default)]
pub struct FieldLists {
    /// By a hash of the names: the lists with that hash. foldhash (as `inventory::LiveKeys`),
    /// not SipHash: every entry hashes its field names here, and only whether lists are shared
    /// depends on it, never the output.
    seen: HashMap<u64, Vec<List>, foldhash::fast::RandomState>,
    /// The hasher of the names (one seed for the run, so equal lists hash equal).
    names: foldhash::fast::RandomState,
    /// The scope words of each scope string seen ([`scope_list`]).
    scopes: HashMap<Box<str>, List, foldhash::fast::RandomState>,
}

impl FieldLists {
    /// The shared list of `names`; allocates only for a list not seen before.
    fn of<'a>(&mut self, names: impl Iterator<Item = &'a str> + Clone) -> List {
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
        let list: List = names.map(Box::from).collect();
        lists.push(list.clone());
        list
    }

    /// The shared [`scope_list`] of `scope`; allocates only for a string not seen before.
    fn scopes_of(&mut self, scope: &str) -> List {
        if let Some(found) = self.scopes.get(scope) {
            return found.clone();
        }
        let list: List = scope_list(scope);
        self.scopes.insert(scope.into(), list.clone());
        list
    }
}

/// What [`Entry::judge`] reads of an entry: the members Claude Code's code reads (by [`Field`];
/// of a member given twice, the last, as `JSON.parse` and a parsed `Value` keep), and what
/// `discoveryState` says.
struct Facts<'v> {
    members: [Option<Member<'v>>; Field::COUNT],
    /// `discoveryState` is present.
    discovery_state: bool,
    /// `discoveryState.registrationNotOfferedAt` is present and not `null`.
    registration_not_offered: bool,
    /// The entry is a JSON object (a value that is not has no members).
    is_object: bool,
}

impl Facts<'_> {
    fn get(&self, field: Field) -> Option<Member<'_>> {
        self.members[field as usize]
    }
}

/// An entry member Claude Code's code reads (besides `discoveryState`, of which only two facts
/// count: [`Facts`]).
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
    RedirectUri,
    StepUpScope,
}

impl Field {
    const COUNT: usize = Field::StepUpScope as usize + 1;

    /// The field a member's name is, if it is one of them.
    fn named(name: &str) -> Option<Self> {
        Some(match name {
            "accessToken" => Field::AccessToken,
            "refreshToken" => Field::RefreshToken,
            "expiresAt" => Field::ExpiresAt,
            "scope" => Field::Scope,
            "serverName" => Field::ServerName,
            "serverUrl" => Field::ServerUrl,
            "clientId" => Field::ClientId,
            "clientSecret" => Field::ClientSecret,
            "redirectUri" => Field::RedirectUri,
            "stepUpScope" => Field::StepUpScope,
            _ => return None,
        })
    }
}

/// The member of `discoveryState` whose presence (not `null`) says a sign-in found no way to
/// register a client.
const REGISTRATION_NOT_OFFERED_AT: &str = "registrationNotOfferedAt";

impl<'v> Facts<'v> {
    /// One pass over the members: the ~17 lookups by name it replaces each hashed the name with
    /// SipHash (serde_json's `preserve_order` map), ~a tenth of `check`'s time per entry on a
    /// 1,000-entry home (issue 15). A member appears once in a parsed object, so each slot is what
    /// `value.get(name)` returns; a value that is not an object has none.
    fn of(value: &'v Value) -> Self {
        let mut out = Facts {
            members: [None; Field::COUNT],
            discovery_state: false,
            registration_not_offered: false,
            is_object: value.is_object(),
        };
        for (k, v) in value.as_object().into_iter().flatten() {
            if k == "discoveryState" {
                out.discovery_state = true;
                out.registration_not_offered = v
                    .get(REGISTRATION_NOT_OFFERED_AT)
                    .is_some_and(|v| !v.is_null());
            } else if let Some(field) = Field::named(k) {
                out.members[field as usize] = Some(Member::of(v));
            }
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
        let names = value
            .as_object()
            .into_iter()
            .flat_map(|o| o.keys().map(String::as_str));
        let fields = lists.of(names);
        Self::judge(key_str, &Facts::of(value), fields, now_ms, lists)
    }

    /// The entry `key_str` whose members say `facts` and whose field names are `fields`, its
    /// scope lists shared through `lists`.
    fn judge(
        key_str: &str,
        facts: &Facts<'_>,
        fields: List,
        now_ms: i64,
        lists: &mut FieldLists,
    ) -> Self {
        let get = |f: Field| facts.get(f);
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
        let refresh_token_empty = matches!(get(Field::RefreshToken), Some(Member::Str("")));
        let scope = get(Field::Scope).is_some();
        let shape = (token == TokenState::Placeholder).then_some({
            if !facts.is_object {
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
        let text = |f: Field| get(f).and_then(Member::as_str);
        Self {
            texts: Texts::new(
                key_str,
                [
                    text(Field::ServerName),
                    text(Field::ServerUrl),
                    text(Field::RedirectUri),
                ],
            ),
            access_token: secret(get(Field::AccessToken)),
            refresh_token: secret(get(Field::RefreshToken)),
            refresh_token_empty,
            expires,
            client_id: truthy(get(Field::ClientId)),
            client_secret: truthy(get(Field::ClientSecret)),
            discovery_state: facts.discovery_state,
            scope,
            registration_not_offered: facts.registration_not_offered,
            granted_scopes: text(Field::Scope).map(|s| lists.scopes_of(s)),
            step_up_scopes: text(Field::StepUpScope).map(|s| lists.scopes_of(s)),
            fields,
            token,
            shape,
            malformed: !facts.is_object,
        }
    }

    /// The key, as stored.
    pub fn key(&self) -> &str {
        self.texts.key()
    }

    /// The part of the key before the hash (the whole key when it has none).
    pub fn name(&self) -> &str {
        self.texts.name()
    }

    /// The 16-hex hash, if the key has one.
    pub fn hash(&self) -> Option<&str> {
        self.texts.hash()
    }

    /// The `serverName` field, when it is a string.
    pub fn server_name_field(&self) -> Option<&str> {
        self.texts.optional(Optional::ServerName)
    }

    /// The `serverUrl` field: the url the entry was created for.
    pub fn server_url(&self) -> Option<&str> {
        self.texts.optional(Optional::ServerUrl)
    }

    /// `redirectUri` (newer versions): the loopback callback the registration was made for.
    pub fn redirect_uri(&self) -> Option<&str> {
        self.texts.optional(Optional::RedirectUri)
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
mod tests;

#[cfg(test)]
mod label {
    use super::TokenState;

    /// The label is the serialised name, for every state.
    #[test]
    fn a_token_state_s_label_is_its_serialised_name() {
        use TokenState::*;
        for state in [Valid, Refreshable, Expired, Placeholder] {
            assert_eq!(serde_json::to_value(state).unwrap(), state.label());
        }
    }
}

#[cfg(test)]
mod size {
    /// The inventory holds one per `mcpOAuth` entry: 272 bytes before issue 15's seventh round
    /// (strings as `String`s, the secrets' lengths as `usize`s), 200 before its tenth (a
    /// `Box<str>` per text, the name and hash as copies of parts of the key; the shared lists
    /// as fat pointers).
    #[test]
    fn an_entry_stays_small() {
        let size = std::mem::size_of::<super::Entry>();
        assert!(size <= 120, "{size}");
    }
}
