//! The redaction: a secret (here always containing `CANARY`) placed anywhere a server puts one in
//! a URL (userinfo, a query value, the fragment, a path segment after `/s/`, `/token/`, `/key/`)
//! or written as a token-shaped run never survives, whatever text surrounds it, in plain text or
//! inside a JSON document; and redacting a JSON document leaves valid JSON.

#![no_main]

use libfuzzer_sys::fuzz_target;
use mcp_auth_doctor::redact;

const CANARY: &str = "CANARY";

/// Draws choices from the fuzzer's bytes (zeros once they run out).
struct Bytes<'a>(&'a [u8]);

impl Bytes<'_> {
    fn next(&mut self) -> u8 {
        match self.0.split_first() {
            Some((b, rest)) => {
                self.0 = rest;
                *b
            }
            None => 0,
        }
    }
    fn pick<'s>(&mut self, options: &[&'s str]) -> &'s str {
        options[self.next() as usize % options.len()]
    }
    /// Up to `max` characters from `alphabet`.
    fn chars(&mut self, alphabet: &str, max: u8) -> String {
        let a: Vec<char> = alphabet.chars().collect();
        (0..self.next() % (max + 1))
            .map(|_| a[self.next() as usize % a.len()])
            .collect()
    }
}

const UNRESERVED: &str = "abcXYZ019-._~";
const SUB_DELIMS: &str = "!$&()*+,;=";

/// A secret for a part of a URL that may hold `extra` besides unreserved characters.
fn secret(b: &mut Bytes<'_>, extra: &str) -> String {
    let alphabet = format!("{UNRESERVED}{extra}%");
    format!("{}{CANARY}{}", b.chars(&alphabet, 6), b.chars(&alphabet, 6))
}

/// A URL with one secret in it, and the secret.
fn url_with_secret(b: &mut Bytes<'_>) -> String {
    let scheme = b.pick(&["https", "http", "wss", "HTTPS"]);
    let host = format!(
        "{}{}{}",
        b.chars("abcxyz019-.", 12),
        b.pick(&["", ".example.com", "[::1]", "127.0.0.1"]),
        b.pick(&["", ":8443", ":1"])
    );
    let plain_path: String = (0..b.next() % 4)
        .map(|_| format!("/{}", b.chars("abcmpv012-._", 8)))
        .collect();
    let query_name = b.chars("abk_", 6);
    let mut userinfo = String::new();
    let mut path = plain_path.clone();
    let mut query = String::new();
    let mut fragment = String::new();
    match b.next() % 5 {
        0 => {
            // A password may hold ? and # unescaped; '@' and '/' end it.
            let user = b.chars(UNRESERVED, 6);
            userinfo = format!("{user}:{}@", secret(b, &format!("{SUB_DELIMS}:?#")));
        }
        1 => userinfo = format!("{}@", secret(b, &SUB_DELIMS.replace(['&', '=', ','], ""))),
        2 => {
            let value = secret(b, &format!("{}=?/@:", SUB_DELIMS.replace('&', "")));
            query = format!("?{query_name}={value}");
            if b.next().is_multiple_of(2) {
                query.push_str(&format!(
                    "&{}={}",
                    b.chars(UNRESERVED, 4),
                    b.chars(UNRESERVED, 4)
                ));
            }
        }
        3 => fragment = format!("#{}", secret(b, &format!("{SUB_DELIMS}:/?@#"))),
        _ => {
            let marker = b.pick(&[
                "s", "S", "token", "Tokens", "key", "KEYS", "secret", "api-key",
            ]);
            path.push_str(&format!(
                "/{marker}/{}",
                secret(b, &format!("{SUB_DELIMS}:@"))
            ));
            if b.next().is_multiple_of(2) {
                path.push_str("/mcp");
            }
        }
    }
    if query.is_empty() && b.next().is_multiple_of(3) {
        query = format!("?{query_name}");
    }
    format!("{scheme}://{userinfo}{host}{path}{query}{fragment}")
}

/// A token-shaped run with a secret in it: 32+ base64url characters, 4+ digits and letters.
fn token(b: &mut Bytes<'_>) -> String {
    let mut t = format!("{}{CANARY}0123", b.chars("abcXYZ0189", 20));
    while t.len() < 32 {
        t.push('q');
    }
    t
}

fuzz_target!(|data: &[u8]| {
    let mut b = Bytes(data);
    let url = url_with_secret(&mut b);
    let shown = redact::url(&url);
    assert!(!shown.contains(CANARY), "{url} -> {shown}");
    assert_eq!(redact::url(&shown), shown, "not idempotent: {url}");

    // Free text around it (no 'C', so no canary but ours), kept apart by spaces.
    let noise = |b: &mut Bytes<'_>| {
        let n = b.next() as usize % 24;
        let take = n.min(b.0.len());
        let (piece, rest) = b.0.split_at(take);
        b.0 = rest;
        String::from_utf8_lossy(piece).replace(['C', 'c'], "k")
    };
    let before = noise(&mut b);
    let middle = noise(&mut b);
    let after = noise(&mut b);
    let tok = token(&mut b);
    let text = format!("{before} {url} {middle} {tok} {after}");
    let out = redact::output(&text);
    assert!(!out.contains(CANARY), "{text:?} -> {out:?}");

    let doc = serde_json::json!({ "message": text, "url": url }).to_string();
    let out = redact::output(&doc);
    let back: serde_json::Value =
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {doc} -> {out}"));
    assert!(!out.contains(CANARY), "{doc} -> {out}");
    assert!(!back.to_string().contains(CANARY));

    // Arbitrary text never panics and stays JSON when it was JSON.
    let raw = String::from_utf8_lossy(data);
    let _ = redact::output(&raw);
    let raw_doc = serde_json::Value::String(raw.into_owned()).to_string();
    let out = redact::output(&raw_doc);
    serde_json::from_str::<serde_json::Value>(&out)
        .unwrap_or_else(|e| panic!("{e}: {raw_doc} -> {out}"));
});
