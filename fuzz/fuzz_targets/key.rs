//! The key function: `name|hash16` over `JSON.stringify({type, url, headers})`, `${VAR}`
//! expansion, key splitting and the refresh-lock name, on arbitrary strings. Nothing panics, and
//! each result has the shape Claude Code's own code gives it.

#![no_main]

use std::collections::HashMap;

use libfuzzer_sys::fuzz_target;
use mcp_auth_doctor::model::key;
use serde_json::{Map, Value};

fuzz_target!(|data: &[u8]| {
    // Fields separated by NUL: name, transport, url, then header name/value pairs; the env is
    // every header pair too (so ${VAR} finds some of them set).
    let text = String::from_utf8_lossy(data);
    let mut parts = text.split('\0');
    let name = parts.next().unwrap_or("");
    let transport = parts.next().unwrap_or("http");
    let url = parts.next().unwrap_or("");
    let rest: Vec<&str> = parts.collect();
    let mut headers = Map::new();
    let mut env = HashMap::new();
    for pair in rest.chunks(2) {
        let (k, v) = (pair[0], pair.get(1).copied().unwrap_or(""));
        headers.insert(k.to_string(), Value::String(v.to_string()));
        env.insert(k.to_string(), v.to_string());
    }

    let expanded = key::expand_env(url, &env);
    if !url.contains("${") {
        assert_eq!(expanded.value, url);
        assert!(expanded.used.is_empty() && expanded.missing.is_empty());
    }
    for m in &expanded.missing {
        assert!(expanded.used.contains(m));
        assert!(expanded.value.contains(&format!("${{{m}}}")));
    }

    let input = key::hash_input(transport, &expanded.value, &headers);
    let parsed: Value = serde_json::from_str(&input).expect("hash input is JSON");
    let obj = parsed.as_object().expect("an object");
    let fields: Vec<&str> = obj.keys().map(String::as_str).collect();
    assert_eq!(fields, ["type", "url", "headers"]);
    assert_eq!(obj["type"], transport);
    assert_eq!(obj["url"], expanded.value.as_str());
    let shown = obj["headers"].as_object().expect("headers object");
    assert_eq!(shown.len(), headers.len());
    for (k, v) in &headers {
        assert_eq!(shown.get(k), Some(v));
    }
    // JavaScript lists array-index keys first, ascending, then the others in insertion order.
    let index = |k: &str| {
        (!k.is_empty()
            && k.bytes().all(|b| b.is_ascii_digit())
            && (k == "0" || !k.starts_with('0')))
        .then(|| k.parse::<u64>().ok().filter(|n| *n < u64::from(u32::MAX)))
        .flatten()
    };
    let order: Vec<Option<u64>> = shown.keys().map(|k| index(k)).collect();
    let firsts = order.iter().take_while(|i| i.is_some()).count();
    assert!(order[firsts..].iter().all(Option::is_none), "{order:?}");
    assert!(order[..firsts].windows(2).all(|w| w[0] < w[1]), "{order:?}");
    let others: Vec<&String> = shown.keys().filter(|k| index(k).is_none()).collect();
    let others_before: Vec<&String> = headers.keys().filter(|k| index(k).is_none()).collect();
    assert_eq!(others, others_before);

    let k = key::server_key(name, transport, &expanded.value, &headers);
    let (n, hash) = key::split_key(&k);
    assert_eq!(n, name);
    let hash = hash.expect("a hash part");
    assert_eq!(hash, key::hash16(&input));
    assert!(hash.len() == 16 && hash.bytes().all(|b| b.is_ascii_hexdigit()));

    let lock = key::refresh_lock_dir_name(&k);
    assert!(lock.starts_with("mcp-refresh-") && lock.ends_with(".lock.lock"));
    let middle = &lock["mcp-refresh-".len()..lock.len() - ".lock.lock".len()];
    assert_eq!(middle.len(), k.encode_utf16().count());
    assert!(
        middle
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_')
    );

    // Splitting an arbitrary string never panics, and a hash part is 16 hex digits.
    if let (_, Some(h)) = key::split_key(&text) {
        assert!(h.len() == 16 && h.bytes().all(|b| b.is_ascii_hexdigit()));
    }
});
