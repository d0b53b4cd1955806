//! The files mcp-remote keeps in a version folder, by name, and the JSON in them, read the way
//! mcp-remote reads them (its zod schemas in 0.15.1; the 0.1.49 ones are a subset). A file
//! mcp-remote's schema rejects is one it treats as absent, so it is [`Unusable`] here, with why.
//! Secrets (tokens, client secret) are kept only as [`SecretInfo`].

use serde_json::{Map, Value};

use crate::model::secret::SecretInfo;

/// mcp-remote treats an access token as expired this long before `expires_at` (60 s in 0.1.49
/// and 0.15.1), and refreshes it then if it has a refresh token.
pub const EXPIRY_MARGIN_MS: i64 = 60_000;

/// A `<hash>_lock.json` older than this is stale (30 min, releases up to 0.2.1).
pub const LOCK_MAX_AGE_MS: i64 = 30 * 60 * 1000;

/// A `<hash>_refresh_in_progress.json` lease older than this is abandoned (30 s, 0.12.0 on).
pub const LEASE_MAX_AGE_MS: i64 = 30_000;

/// What one file in a version folder is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    Tokens,
    ClientInfo,
    /// `lock.json`: who runs the sign-in (releases up to 0.2.1).
    Lock,
    /// `code_verifier.txt` (up to 0.1.x), `code_verifier_<pid>.txt` (0.1.49 to 0.2.3),
    /// `code_verifier_<state>.txt` (0.2.7 on). A PKCE secret of a sign-in in progress or
    /// abandoned; 0.15.1 sweeps ones older than 10 minutes after a sign-in.
    CodeVerifier {
        flow: Option<String>,
    },
    /// `discovery_state_<state>.json` (0.15.1): the authorization server a sign-in started with.
    DiscoveryState {
        flow: String,
    },
    /// `refresh_in_progress.json` (0.12.0 on): a lease on refreshing the tokens.
    RefreshLease,
    /// `debug.log` (`--debug`): may contain token values; never print it.
    DebugLog,
    /// `<file>.<pid>.<ms>.tmp`: an atomic write that did not finish.
    Temp {
        of: String,
    },
    /// Anything else after the `<hash>_` prefix.
    Other(String),
}

/// A file name in a version folder, split into the server hash and what the file is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileName {
    pub hash: String,
    pub kind: Kind,
}

impl FileName {
    /// `None` when the name does not start with 32 lowercase hex digits and `_`, i.e. not one
    /// of mcp-remote's per-server files.
    pub fn parse(name: &str) -> Option<Self> {
        let (hash, rest) = name.split_at_checked(32)?;
        let rest = rest.strip_prefix('_')?;
        if !hash.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
            return None;
        }
        Some(Self {
            hash: hash.to_string(),
            kind: kind_of(rest),
        })
    }
}

fn kind_of(rest: &str) -> Kind {
    match rest {
        "tokens.json" => return Kind::Tokens,
        "client_info.json" => return Kind::ClientInfo,
        "lock.json" => return Kind::Lock,
        "code_verifier.txt" => return Kind::CodeVerifier { flow: None },
        "refresh_in_progress.json" => return Kind::RefreshLease,
        "debug.log" => return Kind::DebugLog,
        _ => {}
    }
    if let Some(flow) = rest
        .strip_prefix("code_verifier_")
        .and_then(|r| r.strip_suffix(".txt"))
    {
        return Kind::CodeVerifier {
            flow: Some(flow.to_string()),
        };
    }
    if let Some(flow) = rest
        .strip_prefix("discovery_state_")
        .and_then(|r| r.strip_suffix(".json"))
    {
        return Kind::DiscoveryState {
            flow: flow.to_string(),
        };
    }
    if let Some(stem) = rest.strip_suffix(".tmp") {
        let mut parts = stem.rsplitn(3, '.');
        let (ms, pid, of) = (parts.next(), parts.next(), parts.next());
        let digits = |s: Option<&str>| {
            s.is_some_and(|s| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
        };
        if let (true, true, Some(of)) = (digits(ms), digits(pid), of) {
            return Kind::Temp { of: of.to_string() };
        }
    }
    Kind::Other(rest.to_string())
}

/// The names of a server's fixed files: `<hash>_tokens.json`, `<hash>_client_info.json`,
/// `<hash>_lock.json`.
pub fn tokens_file(hash: &str) -> String {
    format!("{hash}_tokens.json")
}

pub fn client_info_file(hash: &str) -> String {
    format!("{hash}_client_info.json")
}

pub fn lock_file(hash: &str) -> String {
    format!("{hash}_lock.json")
}

/// Why mcp-remote would not use a file (it logs "Error reading …" and carries on without it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unusable {
    NotJson,
    NotAnObject,
    /// A required field is missing or a field has the wrong type (named).
    Field(&'static str),
}

/// `<hash>_tokens.json`.
#[derive(Debug, Clone, PartialEq)]
pub struct Tokens {
    pub access_token: SecretInfo,
    /// The access token itself, for `probe --token` only (its `Debug` shows the length).
    pub access_token_value: super::Redacted,
    pub refresh_token: Option<SecretInfo>,
    pub id_token: Option<SecretInfo>,
    pub token_type: String,
    pub scope: Option<String>,
    /// Seconds, as the token endpoint answered.
    pub expires_in: Option<f64>,
    /// Epoch ms: save time + `expires_in` s; absent when the server gave no `expires_in`.
    pub expires_at: Option<f64>,
    /// 0.4.0 on: the scope mcp-remote asked for; a different request later discards the tokens.
    pub requested_scope: Option<String>,
    /// 0.15.1: the authorization server's issuer.
    pub issuer: Option<String>,
}

/// What mcp-remote will do with stored tokens at `now`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenState {
    /// No (or a zero) `expires_at`: mcp-remote never considers it expired.
    NoExpiry,
    /// Used as is.
    Fresh,
    /// Within 60 s of `expires_at` or past it, with a refresh token: refreshed on next use.
    WillRefresh,
    /// Past it (with the margin) and no refresh token: the server will refuse it; sign-in again.
    Expired,
}

impl Tokens {
    pub fn state(&self, now_ms: i64) -> TokenState {
        let Some(at) = self.expires_at.filter(|at| *at != 0.0 && !at.is_nan()) else {
            return TokenState::NoExpiry;
        };
        if (now_ms as f64) < at - EXPIRY_MARGIN_MS as f64 {
            TokenState::Fresh
        } else if self.refresh_token.is_some() {
            TokenState::WillRefresh
        } else {
            TokenState::Expired
        }
    }
}

pub fn parse_tokens(text: &str) -> Result<Tokens, Unusable> {
    let object = object_of(text)?;
    let access_token = required_string(&object, "access_token")?;
    Ok(Tokens {
        access_token: SecretInfo::of(access_token),
        access_token_value: super::Redacted::new(access_token),
        refresh_token: optional_string(&object, "refresh_token")?.map(SecretInfo::of),
        id_token: optional_string(&object, "id_token")?.map(SecretInfo::of),
        token_type: required_string(&object, "token_type")?.to_string(),
        scope: optional_string(&object, "scope")?.map(str::to_string),
        expires_in: coerced_number(&object, "expires_in")?,
        expires_at: coerced_number(&object, "expires_at")?,
        requested_scope: optional_string(&object, "requested_scope")?.map(str::to_string),
        issuer: optional_string(&object, "issuer")?.map(str::to_string),
    })
}

/// `<hash>_client_info.json`: the dynamic client registration (or, before 0.15.1, a copy of a
/// static one).
#[derive(Debug, Clone, PartialEq)]
pub struct ClientInfo {
    pub client_id: String,
    pub client_secret: Option<SecretInfo>,
    pub redirect_uris: Vec<String>,
    pub issuer: Option<String>,
}

impl ClientInfo {
    /// Whether mcp-remote keeps this registration for a session whose redirect URL is
    /// `redirect_url`; 0.15.1 (and 0.1.49) delete it and register again otherwise.
    pub fn registered_for(&self, redirect_url: &str) -> bool {
        self.redirect_uris.iter().any(|u| u == redirect_url)
    }
}

pub fn parse_client_info(text: &str) -> Result<ClientInfo, Unusable> {
    let object = object_of(text)?;
    let redirect_uris = match object.get("redirect_uris") {
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| v.as_str().map(str::to_string))
            .collect::<Option<Vec<_>>>()
            .ok_or(Unusable::Field("redirect_uris"))?,
        _ => return Err(Unusable::Field("redirect_uris")),
    };
    Ok(ClientInfo {
        client_id: required_string(&object, "client_id")?.to_string(),
        client_secret: optional_string(&object, "client_secret")?.map(SecretInfo::of),
        redirect_uris,
        issuer: optional_string(&object, "issuer")?.map(str::to_string),
    })
}

/// `<hash>_lock.json` (releases up to 0.2.1): `{"pid", "port", "timestamp"}`, all numbers.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Lock {
    pub pid: f64,
    pub port: f64,
    /// Epoch ms when the sign-in started.
    pub timestamp: f64,
}

/// What the next mcp-remote makes of a lock file, as far as can be known without the network.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LockState {
    /// Older than 30 minutes: deleted and ignored.
    TooOld,
    /// Its process is gone: deleted and ignored.
    DeadProcess,
    /// Its process runs: mcp-remote then asks `http://127.0.0.1:<port>/wait-for-auth?poll=false`
    /// and waits for that sign-in if it answers 200 or 202; otherwise deletes the lock.
    Held,
}

impl Lock {
    /// `pid_alive`: whether `kill(pid, 0)` succeeds (the loader's question to answer).
    pub fn state(&self, now_ms: i64, pid_alive: bool) -> LockState {
        if now_ms as f64 - self.timestamp > LOCK_MAX_AGE_MS as f64 {
            LockState::TooOld
        } else if !pid_alive {
            LockState::DeadProcess
        } else {
            LockState::Held
        }
    }
}

/// `None` where mcp-remote's own check (`typeof … === "number"` for all three) fails: it then
/// treats the folder as unlocked and overwrites the file.
pub fn parse_lock(text: &str) -> Option<Lock> {
    let object = object_of(text).ok()?;
    let number = |key| object.get(key).and_then(Value::as_f64);
    Some(Lock {
        pid: number("pid")?,
        port: number("port")?,
        timestamp: number("timestamp")?,
    })
}

/// `<hash>_refresh_in_progress.json` (0.12.0 on): `{"pid", "nonce", "at"}`.
#[derive(Debug, Clone, PartialEq)]
pub struct Lease {
    pub pid: u64,
    pub at: f64,
}

impl Lease {
    /// Live while younger than 30 s and its process runs (EPERM counts as running).
    pub fn live(&self, now_ms: i64, pid_alive: bool) -> bool {
        (now_ms as f64 - self.at) < LEASE_MAX_AGE_MS as f64 && pid_alive
    }
}

pub fn parse_lease(text: &str) -> Result<Lease, Unusable> {
    let object = object_of(text)?;
    let pid = object
        .get("pid")
        .and_then(Value::as_u64)
        .filter(|p| *p > 0)
        .ok_or(Unusable::Field("pid"))?;
    required_string(&object, "nonce").and_then(|n| {
        if n.is_empty() {
            Err(Unusable::Field("nonce"))
        } else {
            Ok(n)
        }
    })?;
    let at = object
        .get("at")
        .and_then(Value::as_f64)
        .ok_or(Unusable::Field("at"))?;
    Ok(Lease { pid, at })
}

fn object_of(text: &str) -> Result<Map<String, Value>, Unusable> {
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(object)) => Ok(object),
        Ok(_) => Err(Unusable::NotAnObject),
        Err(_) => Err(Unusable::NotJson),
    }
}

fn required_string<'a>(
    object: &'a Map<String, Value>,
    key: &'static str,
) -> Result<&'a str, Unusable> {
    object
        .get(key)
        .and_then(Value::as_str)
        .ok_or(Unusable::Field(key))
}

fn optional_string<'a>(
    object: &'a Map<String, Value>,
    key: &'static str,
) -> Result<Option<&'a str>, Unusable> {
    match object.get(key) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(Unusable::Field(key)),
    }
}

/// zod's `coerce.number().optional()`: absent is `None`; otherwise JavaScript's `Number(value)`
/// (a numeric string, `true`/`false`, `null` as 0), refused when that is NaN.
fn coerced_number(object: &Map<String, Value>, key: &'static str) -> Result<Option<f64>, Unusable> {
    let number = match object.get(key) {
        None => return Ok(None),
        Some(Value::Number(n)) => n.as_f64(),
        Some(Value::Null) => Some(0.0),
        Some(Value::Bool(b)) => Some(f64::from(u8::from(*b))),
        Some(Value::String(s)) => {
            let s = s.trim();
            if s.is_empty() {
                Some(0.0)
            } else {
                s.parse::<f64>().ok().filter(|n| n.is_finite())
            }
        }
        Some(_) => None,
    };
    number.map(Some).ok_or(Unusable::Field(key))
}

#[cfg(test)]
mod tests {
    use super::*;

    const HASH: &str = "af00b6f32a6a21582603f8f63e6c95d9";

    #[test]
    fn file_names_written_by_0_1_49_and_0_15_1() {
        let cases = [
            ("tokens.json", Kind::Tokens),
            ("client_info.json", Kind::ClientInfo),
            ("lock.json", Kind::Lock),
            (
                "code_verifier_22605.txt",
                Kind::CodeVerifier {
                    flow: Some("22605".into()),
                },
            ),
            ("code_verifier.txt", Kind::CodeVerifier { flow: None }),
            (
                "discovery_state_5f68acf2-c6ab-4e45-8102-11940ed8268f.json",
                Kind::DiscoveryState {
                    flow: "5f68acf2-c6ab-4e45-8102-11940ed8268f".into(),
                },
            ),
            ("refresh_in_progress.json", Kind::RefreshLease),
            ("debug.log", Kind::DebugLog),
            (
                "tokens.json.4242.1796138315597.tmp",
                Kind::Temp {
                    of: "tokens.json".into(),
                },
            ),
            (
                "tokens.json.x.1.tmp",
                Kind::Other("tokens.json.x.1.tmp".into()),
            ),
            ("notes.txt", Kind::Other("notes.txt".into())),
        ];
        for (rest, kind) in cases {
            let name = format!("{HASH}_{rest}");
            assert_eq!(
                FileName::parse(&name),
                Some(FileName {
                    hash: HASH.into(),
                    kind
                }),
                "{name}"
            );
        }
        assert_eq!(tokens_file(HASH), format!("{HASH}_tokens.json"));
        assert_eq!(client_info_file(HASH), format!("{HASH}_client_info.json"));
        assert_eq!(lock_file(HASH), format!("{HASH}_lock.json"));
        for bad in [
            "AF00B6F32A6A21582603F8F63E6C95D9_tokens.json",
            "af00_tokens.json",
            "tokens.json",
            "é",
        ] {
            assert_eq!(FileName::parse(bad), None, "{bad}");
        }
    }

    /// The shape 0.15.1 wrote (observed; values replaced, fields and order kept).
    const TOKENS_0_15_1: &str = r#"{
  "access_token": "CANARY-access-0123456789abcdef",
  "token_type": "Bearer",
  "expires_in": 3600,
  "scope": "mcp",
  "refresh_token": "CANARY-refresh-0123456789abcde",
  "issuer": "http://127.0.0.1:18931",
  "expires_at": 1796141942787,
  "requested_scope": "mcp"
}"#;

    #[test]
    fn tokens_as_written_and_their_expiry() {
        let tokens = parse_tokens(TOKENS_0_15_1).unwrap();
        assert_eq!(tokens.token_type, "Bearer");
        assert_eq!(tokens.expires_at, Some(1796141942787.0));
        assert_eq!(tokens.issuer.as_deref(), Some("http://127.0.0.1:18931"));
        assert_eq!(tokens.requested_scope.as_deref(), Some("mcp"));
        assert_eq!(tokens.access_token.len, 30);
        assert!(
            !format!("{tokens:?}").contains("CANARY"),
            "Debug must not show a token"
        );
        let at = 1796141942787_i64;
        assert_eq!(tokens.state(at - 60_001), TokenState::Fresh);
        assert_eq!(tokens.state(at - 60_000), TokenState::WillRefresh);
        let no_refresh = Tokens {
            refresh_token: None,
            ..tokens.clone()
        };
        assert_eq!(no_refresh.state(at + 1), TokenState::Expired);
        let no_expiry = Tokens {
            expires_at: Some(0.0),
            ..tokens
        };
        assert_eq!(no_expiry.state(i64::MAX), TokenState::NoExpiry);
    }

    #[test]
    fn tokens_mcp_remote_would_not_use() {
        assert_eq!(parse_tokens("{").unwrap_err(), Unusable::NotJson);
        assert_eq!(parse_tokens("[]").unwrap_err(), Unusable::NotAnObject);
        assert_eq!(
            parse_tokens(r#"{"token_type":"Bearer"}"#).unwrap_err(),
            Unusable::Field("access_token")
        );
        let bad_expiry = r#"{"access_token":"a","token_type":"Bearer","expires_at":"soon"}"#;
        assert_eq!(
            parse_tokens(bad_expiry).unwrap_err(),
            Unusable::Field("expires_at")
        );
        // coerce.number: a numeric string is accepted.
        let string_expiry = r#"{"access_token":"a","token_type":"Bearer","expires_at":"1000"}"#;
        assert_eq!(
            parse_tokens(string_expiry).unwrap().expires_at,
            Some(1000.0)
        );
    }

    #[test]
    fn client_info_as_written_by_0_15_1() {
        let text = r#"{
  "redirect_uris": ["http://localhost:48135/oauth/callback"],
  "token_endpoint_auth_method": "none",
  "grant_types": ["authorization_code", "refresh_token"],
  "response_types": ["code"],
  "client_name": "MCP CLI Proxy",
  "scope": "mcp",
  "client_id": "mock-client-56886504736a",
  "client_id_issued_at": 1796138342,
  "issuer": "http://127.0.0.1:18931"
}"#;
        let info = parse_client_info(text).unwrap();
        assert_eq!(info.client_id, "mock-client-56886504736a");
        assert!(info.client_secret.is_none());
        assert!(info.registered_for("http://localhost:48135/oauth/callback"));
        assert!(!info.registered_for("http://localhost:48136/oauth/callback"));
        assert_eq!(
            parse_client_info(r#"{"client_id":"x"}"#).unwrap_err(),
            Unusable::Field("redirect_uris")
        );
        assert_eq!(
            parse_client_info(r#"{"redirect_uris":[]}"#).unwrap_err(),
            Unusable::Field("client_id")
        );
    }

    #[test]
    fn lock_as_written_by_0_1_49() {
        let lock =
            parse_lock(r#"{"pid": 22605, "port": 48135, "timestamp": 1796138315597}"#).unwrap();
        assert_eq!((lock.pid, lock.port), (22605.0, 48135.0));
        let t = 1796138315597_i64;
        assert_eq!(lock.state(t + 1000, true), LockState::Held);
        assert_eq!(lock.state(t + 1000, false), LockState::DeadProcess);
        assert_eq!(lock.state(t + LOCK_MAX_AGE_MS + 1, true), LockState::TooOld);
        assert_eq!(lock.state(t + LOCK_MAX_AGE_MS, true), LockState::Held);
        assert_eq!(parse_lock(r#"{"pid":"1","port":2,"timestamp":3}"#), None);
        assert_eq!(parse_lock("null"), None);
    }

    #[test]
    fn refresh_lease() {
        let lease = parse_lease(r#"{"pid": 7, "nonce": "n", "at": 1000}"#).unwrap();
        assert!(lease.live(1000 + 29_999, true));
        assert!(!lease.live(1000 + 30_000, true));
        assert!(!lease.live(1001, false));
        assert_eq!(
            parse_lease(r#"{"pid": 0, "nonce": "n", "at": 1}"#).unwrap_err(),
            Unusable::Field("pid")
        );
        assert_eq!(
            parse_lease(r#"{"pid": 1, "nonce": "", "at": 1}"#).unwrap_err(),
            Unusable::Field("nonce")
        );
    }
}
