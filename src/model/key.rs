//! The `mcpOAuth` key Claude Code files a server's OAuth state under, and the `${VAR}` expansion
//! that feeds it.
//!
//! `name|` + the first 16 hex digits of sha256 over `JSON.stringify({type, url, headers})`, with
//! `headers` defaulting to `{}` and keeping the order it has in the config file
//! (state-formats.md §3). A trailing slash, a swapped header order or a changed env value gives a
//! different key, and the old entry is silently ignored from then on.

use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

pub use crate::vars::EnvLookup;

/// The result of expanding one string.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Expansion {
    pub value: String,
    /// Variables that were referenced (set or not).
    pub used: Vec<String>,
    /// Variables that were unset and had no default: left as the literal `${VAR}`.
    pub missing: Vec<String>,
}

/// Expands `${VAR}` and `${VAR:-default}` the way Claude Code 2.1.100 does (read in its code and
/// checked by running it): the pattern is `\$\{([^}]+)\}` (no nesting), the default is everything
/// after the first `:-` (`indexOf` and `slice`), a set variable wins even when empty, and an unset
/// one without a default stays as the literal text.
pub fn expand_env(input: &str, env: &dyn EnvLookup) -> Expansion {
    let mut out = Expansion::default();
    let mut rest = input;
    while let Some(start) = rest.find("${") {
        let after = &rest[start + 2..];
        let Some(len) = after.find('}').filter(|&n| n > 0) else {
            // `${}` or an unterminated `${`: the regex does not match here; keep scanning after it.
            out.value.push_str(&rest[..start + 2]);
            rest = after;
            continue;
        };
        out.value.push_str(&rest[..start]);
        let content = &after[..len];
        let (name, default) = match content.split_once(":-") {
            Some((name, default)) => (name, Some(default)),
            None => (content, None),
        };
        out.used.push(name.to_string());
        match (env.var(name), default) {
            (Some(v), _) => out.value.push_str(&v),
            (None, Some(d)) => out.value.push_str(d),
            (None, None) => {
                out.missing.push(name.to_string());
                out.value.push_str(&rest[start..start + 2 + len + 1]);
            }
        }
        rest = &after[len + 1..];
    }
    out.value.push_str(rest);
    out
}

/// No variable set: what a Claude Code started without the shell's environment (a GUI app, an
/// IDE, launchd) expands `${VAR}` with (defaults apply, the rest stays literal).
pub struct NoEnv;

impl EnvLookup for NoEnv {
    fn var(&self, _name: &str) -> Option<String> {
        None
    }
}

/// The key a server gets when none of its `${VAR}`s is set (anthropics/claude-code#81090): its
/// url and header values expanded with [`NoEnv`].
pub fn key_without_env(
    name: &str,
    transport: &str,
    raw_url: &str,
    raw_headers: &Map<String, Value>,
) -> String {
    let url = expand_env(raw_url, &NoEnv).value;
    let mut headers = Map::new();
    for (k, v) in raw_headers {
        let v = match v.as_str() {
            Some(s) => Value::String(expand_env(s, &NoEnv).value),
            None => v.clone(),
        };
        headers.insert(k.clone(), v);
    }
    server_key(name, transport, &url, &headers)
}

/// Whether JavaScript treats `key` as an array index, which objects list first, in ascending
/// numeric order, whatever order the file has them in.
fn is_array_index(key: &str) -> bool {
    !key.is_empty()
        && key.bytes().all(|b| b.is_ascii_digit())
        && (key == "0" || !key.starts_with('0'))
        && key.parse::<u64>().is_ok_and(|n| n < u64::from(u32::MAX))
}

/// An object's members in the order a JavaScript object built by `JSON.parse` enumerates them:
/// integer-like keys first (ascending), then the others in file order. `{"X":"1","5":"2"}`
/// stringifies as `{"5":"2","X":"1"}`, so that is what Claude Code hashes.
pub fn js_order(map: &Map<String, Value>) -> Map<String, Value> {
    js_members(map)
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// [`js_order`]'s members, borrowed: integer-like keys first (ascending), then the others in
/// file order.
fn js_members(map: &Map<String, Value>) -> impl Iterator<Item = (&String, &Value)> {
    let mut indices: Vec<(u64, &String, &Value)> = map
        .iter()
        .filter(|(k, _)| is_array_index(k))
        .map(|(k, v)| (k.parse().unwrap_or(0), k, v))
        .collect();
    indices.sort_by_key(|(n, _, _)| *n);
    let others = map.iter().filter(|(k, _)| !is_array_index(k));
    indices.into_iter().map(|(_, k, v)| (k, v)).chain(others)
}

/// The exact string Claude Code hashes, built from already-expanded parts.
///
/// Written straight into one buffer, in [`js_order`]'s member order, rather than built as a
/// `Map` (hashed inserts and a copy of every header) and then stringified: it runs for every
/// configured server and for every form `stale-registration` tries (issue 15).
pub fn hash_input(transport: &str, url: &str, headers: &Map<String, Value>) -> String {
    // serde_json escapes exactly what JSON.stringify escapes (quotes, backslashes, control
    // characters as \b \f \n \r \t or lowercase \u00XX) and keeps `/` and non-ASCII as they are.
    fn put<T: serde::Serialize + ?Sized>(out: &mut Vec<u8>, v: &T) {
        // Writing into a Vec never fails, and strings and JSON values always serialize.
        let _ = serde_json::to_writer(&mut *out, v);
    }
    let mut out = Vec::with_capacity(40 + transport.len() + url.len() + 32 * headers.len());
    out.extend_from_slice(b"{\"type\":");
    put(&mut out, transport);
    out.extend_from_slice(b",\"url\":");
    put(&mut out, url);
    out.extend_from_slice(b",\"headers\":{");
    for (i, (k, v)) in js_members(headers).enumerate() {
        if i > 0 {
            out.push(b',');
        }
        put(&mut out, k);
        out.push(b':');
        put(&mut out, v);
    }
    out.extend_from_slice(b"}}");
    // Only `&str`s and serde_json's output went in: valid UTF-8.
    String::from_utf8(out).unwrap_or_default()
}

/// The 16-hex-digit hash part of a key.
pub fn hash16(input: &str) -> String {
    hash16_digits(input)
        .iter()
        .copied()
        .map(char::from)
        .collect()
}

/// Whether `hash` is [`hash16`] of `input`, without a `String` for it: `stale-registration`
/// asks this for every form it tries on every stale entry (issue 15).
pub fn hash16_is(input: &str, hash: &str) -> bool {
    hash.as_bytes() == hash16_digits(input)
}

/// [`hash16`]'s lowercase hex digits, on the stack.
fn hash16_digits(input: &str) -> [u8; 16] {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let digest = Sha256::digest(input.as_bytes());
    let mut hex = [0u8; 16];
    for (pair, byte) in hex.chunks_exact_mut(2).zip(&digest[..8]) {
        pair[0] = HEX[usize::from(byte >> 4)];
        pair[1] = HEX[usize::from(byte & 15)];
    }
    hex
}

/// `name|hash16`.
pub fn server_key(name: &str, transport: &str, url: &str, headers: &Map<String, Value>) -> String {
    format!("{name}|{}", hash16(&hash_input(transport, url, headers)))
}

/// Splits a stored key into its name and hash. Names may contain `|`, so the hash is what follows
/// the last one.
pub fn split_key(key: &str) -> (&str, Option<&str>) {
    match key.rsplit_once('|') {
        Some((name, hash)) if hash.len() == 16 && hash.bytes().all(|b| b.is_ascii_hexdigit()) => {
            (name, Some(hash))
        }
        _ => (key, None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::collections::HashMap;

    fn key_of(name: &str, config: &str, env: &HashMap<String, String>) -> String {
        let config: Value = serde_json::from_str(config).unwrap();
        let url = expand_env(config["url"].as_str().unwrap(), env).value;
        let mut headers = Map::new();
        if let Some(h) = config.get("headers").and_then(Value::as_object) {
            for (k, v) in h {
                let v = expand_env(v.as_str().unwrap(), env).value;
                headers.insert(k.clone(), Value::String(v));
            }
        }
        server_key(name, config["type"].as_str().unwrap(), &url, &headers)
    }

    /// state-formats.md §9.1 (computed by the real program), §9.2 (its key function), §11 (the
    /// bug report) and field-scenarios.md §0.3 (keys people published).
    #[test]
    fn matches_every_published_vector() {
        let vectors: &[(&str, &str, &str)] = &[
            (
                "alpha",
                r#"{"type":"http","url":"http://127.0.0.1:47651/mcp"}"#,
                "alpha|34d7ba5d5e65a322",
            ),
            (
                "beta",
                r#"{"type":"http","url":"http://127.0.0.1:47651/mcp"}"#,
                "beta|34d7ba5d5e65a322",
            ),
            (
                "gamma",
                r#"{"type":"http","url":"http://127.0.0.1:47651/mcp","headers":{"X-Api-Key":"k1"}}"#,
                "gamma|bebb800826b78076",
            ),
            (
                "delta",
                r#"{"type":"sse","url":"http://127.0.0.1:47651/sse"}"#,
                "delta|b17b1e51bc6c633e",
            ),
            (
                "eps",
                r#"{"type":"http","url":"http://127.0.0.1:47651/mcp2"}"#,
                "eps|796bd8755c52ef23",
            ),
            (
                "zeta",
                r#"{"type":"http","url":"http://127.0.0.1:47651/mcp","headers":{"B":"2","A":"1"}}"#,
                "zeta|858e7437e25e67d2",
            ),
            (
                "eta",
                r#"{"type":"http","url":"http://127.0.0.1:47651/mcp","headers":{"A":"1","B":"2"}}"#,
                "eta|7baed81654bd8796",
            ),
            (
                "theta",
                r#"{"type":"http","url":"http://127.0.0.1:47651/mcp","headers":{}}"#,
                "theta|34d7ba5d5e65a322",
            ),
            (
                "iota",
                r#"{"type":"http","url":"http://127.0.0.1:47651/mcp/"}"#,
                "iota|5684ed168344f8dc",
            ),
            (
                "kappa",
                r#"{"type":"http","url":"http://127.0.0.1:${FAKEPORT}/mcp"}"#,
                "kappa|34d7ba5d5e65a322",
            ),
            (
                "plain",
                r#"{"type":"http","url":"http://127.0.0.1:47652/mcp"}"#,
                "plain|2acd6164121e5830",
            ),
            (
                "sentry",
                r#"{"type":"http","url":"https://mcp.sentry.dev/mcp"}"#,
                "sentry|800cb29a3ac61727",
            ),
            (
                "sentry-alt",
                r#"{"type":"http","url":"https://mcp.sentry.dev/mcp"}"#,
                "sentry-alt|800cb29a3ac61727",
            ),
            (
                "sentry",
                r#"{"type":"http","url":"https://mcp.sentry.dev/mcp","headers":{}}"#,
                "sentry|800cb29a3ac61727",
            ),
            (
                "sentry",
                r#"{"type":"http","url":"https://mcp.sentry.dev/mcp/"}"#,
                "sentry|5d531058b54fdfc8",
            ),
            (
                "sentry",
                r#"{"type":"sse","url":"https://mcp.sentry.dev/mcp"}"#,
                "sentry|158a8dba67ce3ed6",
            ),
            (
                "linear",
                r#"{"type":"sse","url":"https://mcp.linear.app/sse"}"#,
                "linear|56dfdedec9c25030",
            ),
            (
                "github",
                r#"{"type":"http","url":"https://api.githubcopilot.com/mcp/","headers":{"Authorization":"Bearer ghp_example"}}"#,
                "github|880dbc6ddd5a5f5d",
            ),
            (
                "corridor",
                r#"{"type":"http","url":"https://app.corridor.dev/api/mcp","headers":{"X-Api-Key":"abc","X-Team":"t1"}}"#,
                "corridor|689831bf10eff32c",
            ),
            (
                "corridor",
                r#"{"type":"http","url":"https://app.corridor.dev/api/mcp","headers":{"X-Team":"t1","X-Api-Key":"abc"}}"#,
                "corridor|2c8b8ed4814bee04",
            ),
            (
                "notion",
                r#"{"type":"http","url":"https://mcp.notion.com/mcp","oauth":{"clientId":"abc","callbackPort":8080},"headersHelper":"/bin/true"}"#,
                "notion|eac663db915250e7",
            ),
            (
                "notion",
                r#"{"type":"http","url":"https://mcp.notion.com/mcp"}"#,
                "notion|eac663db915250e7",
            ),
            (
                "plugin:acme:docs",
                r#"{"type":"http","url":"https://docs.acme.example/mcp"}"#,
                "plugin:acme:docs|8d74d27603cb39d6",
            ),
            (
                "Ünï cödé",
                r#"{"type":"http","url":"https://例え.jp/mcp?q=ä&x=\"y\"","headers":{"X-Emoji":"😀","X-Ctl":"a\tb\u0001"}}"#,
                "Ünï cödé|54de7300159900c5",
            ),
            (
                "my-server",
                r#"{"type":"http","url":"http://localhost:3000/mcp","scope":"user"}"#,
                "my-server|25cc880ea8de995d",
            ),
            (
                "quarri",
                r#"{"type":"http","url":"https://app.quarri.ai/mcp"}"#,
                "quarri|0c54185165cc81b2",
            ),
            (
                "quarri",
                r#"{"type":"http","url":"https://app.quarri.ai/mcp/"}"#,
                "quarri|fdee9dcb0f0c01de",
            ),
            (
                "quarri",
                r#"{"type":"sse","url":"https://app.quarri.ai/mcp"}"#,
                "quarri|d3b1dce0cc6b882a",
            ),
            (
                "linear",
                r#"{"type":"http","url":"https://mcp.linear.app/mcp"}"#,
                "linear|638130d5ab3558f4",
            ),
            (
                "planetscale",
                r#"{"type":"http","url":"https://mcp.pscale.dev/mcp/planetscale"}"#,
                "planetscale|b4aa0b9d0ae7d2f7",
            ),
        ];
        let env: HashMap<String, String> = [("FAKEPORT".to_string(), "47651".to_string())].into();
        for (name, config, expected) in vectors {
            assert_eq!(&key_of(name, config, &env), expected, "{name} {config}");
        }
    }

    #[test]
    fn integer_like_header_names_come_first_as_in_javascript() {
        let mut headers = Map::new();
        headers.insert("X".into(), "1".into());
        headers.insert("10".into(), "3".into());
        headers.insert("5".into(), "2".into());
        headers.insert("05".into(), "4".into());
        assert_eq!(
            hash_input("http", "u", &headers),
            r#"{"type":"http","url":"u","headers":{"5":"2","10":"3","X":"1","05":"4"}}"#
        );
    }

    #[test]
    fn hash_input_writes_what_stringifying_the_js_ordered_object_gives() {
        let cases = [
            json!({}),
            json!({"Authorization": "Bearer x"}),
            json!({"X": "1", "10": "3", "5": "2", "05": "4", "4294967295": "5", "4294967294": "6"}),
            json!({"b": "2", "a": "1", "0": "z"}),
            json!({"q\"uote": "back\\slash", "ctl\u{7f}": "\u{1f}\n", "n": 1, "o": {"z": [1, null]}}),
        ];
        for headers in cases {
            let headers = headers.as_object().unwrap();
            for (t, u) in [("http", "https://a.example/mcp"), ("sse", "u\"\\/ä😀")] {
                let mut obj = Map::new();
                obj.insert("type".into(), Value::String(t.into()));
                obj.insert("url".into(), Value::String(u.into()));
                obj.insert("headers".into(), Value::Object(js_order(headers)));
                assert_eq!(hash_input(t, u, headers), Value::Object(obj).to_string());
            }
        }
        assert_eq!(hash16("abc"), "ba7816bf8f01cfea");
        assert!(hash16_is("abc", "ba7816bf8f01cfea"));
        assert!(!hash16_is("abc", "ba7816bf8f01cfeb"));
        assert!(!hash16_is("abd", "ba7816bf8f01cfea"));
        assert!(!hash16_is("abc", "ba7816bf8f01cfe"));
    }

    #[test]
    fn hash_input_is_byte_exact() {
        let mut headers = Map::new();
        headers.insert("X-Emoji".into(), "😀".into());
        headers.insert("X-Ctl".into(), "a\tb\u{1}".into());
        assert_eq!(
            hash_input("http", "https://例え.jp/mcp?q=ä&x=\"y\"", &headers),
            r#"{"type":"http","url":"https://例え.jp/mcp?q=ä&x=\"y\"","headers":{"X-Emoji":"😀","X-Ctl":"a\tb\u0001"}}"#
        );
    }

    #[test]
    fn expands_like_claude_code() {
        let env: HashMap<String, String> = [
            ("HOST".to_string(), "new.example.com".to_string()),
            ("EMPTY".to_string(), String::new()),
        ]
        .into();
        let e = |s: &str| expand_env(s, &env);
        assert_eq!(
            e("https://${HOST}/mcp").value,
            "https://new.example.com/mcp"
        );
        assert_eq!(e("${UNSET:-eu}").value, "eu");
        assert_eq!(
            e("${UNSET:-a:-b}").value,
            "a:-b",
            "the default is all after the first :-"
        );
        assert_eq!(
            e("${UNSET:-${HOST}}").value,
            "${HOST}",
            "no nesting: the regex stops at the first closing brace"
        );
        assert_eq!(
            e("${EMPTY:-fallback}").value,
            "",
            "a set but empty variable wins"
        );
        let missing = e("x${UNSET}y");
        assert_eq!(missing.value, "x${UNSET}y");
        assert_eq!(missing.missing, vec!["UNSET"]);
        assert_eq!(e("${}${HOST").value, "${}${HOST");
        assert_eq!(e("$HOST").value, "$HOST");
    }

    #[test]
    fn splits_keys_at_the_last_bar() {
        assert_eq!(
            split_key("a|b|0123456789abcdef"),
            ("a|b", Some("0123456789abcdef"))
        );
        assert_eq!(split_key("nohash"), ("nohash", None));
        assert_eq!(split_key("x|short"), ("x|short", None));
    }

    /// Real client 2.1.100 and 2.1.332 (tests/real-client/model-facts.md `env-var-unset`,
    /// `env-var-default`): unset, `${VAR}` stays literal in the key; `${VAR:-d}` takes `d`.
    #[test]
    fn the_key_without_env_keeps_literals_and_takes_defaults() {
        let mut headers = Map::new();
        headers.insert("X-Tenant".into(), Value::String("${T}".into()));
        headers.insert("X-Region".into(), Value::String("${R:-eu}".into()));
        let mut literal = Map::new();
        literal.insert("X-Tenant".into(), Value::String("${T}".into()));
        literal.insert("X-Region".into(), Value::String("eu".into()));
        assert_eq!(
            key_without_env("a", "http", "https://${H:-h.example}/mcp", &headers),
            server_key("a", "http", "https://h.example/mcp", &literal)
        );
    }
}
