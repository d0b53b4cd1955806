//! `check` on a generated home finds exactly the states the generator planted: every planted entry,
//! marker and missing project folder gets the finding Claude Code's rules call for, under its key or
//! name, and nothing else is reported. The benchmark's homes come from the same generator
//! (`examples/gen_home.rs`); this runs a small one.

use crate::common;
use crate::synth;

use std::collections::{BTreeMap, BTreeSet};

use assert_cmd::Command;
use serde_json::Value;

use common::CANARY;

/// A small home: about 2 MB of `.claude.json`, 200 projects, 20 servers, 60 entries.
fn generate(dir: &std::path::Path) -> Value {
    synth::generate(
        dir,
        &synth::Params {
            claude_json_bytes: 2 << 20,
            projects: 200,
            servers: 20,
            entries: 60,
            seed: 7,
            now_ms: synth::DEFAULT_NOW_MS,
            text: synth::Text::Mixed,
        },
    )
    .expect("generate");
    let text = std::fs::read_to_string(dir.join("manifest.json")).expect("manifest");
    serde_json::from_str(&text).expect("manifest is JSON")
}

fn s(v: &Value) -> String {
    v.as_str().unwrap_or_default().to_string()
}

/// The findings Claude Code's rules call for, as (code, key or server name or project), from what
/// the manifest says was planted.
fn expected(manifest: &Value) -> Vec<(String, String)> {
    let servers = manifest["servers"].as_array().unwrap();
    let entries = manifest["entries"].as_array().unwrap();
    let markers: BTreeMap<String, String> = manifest["markers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| (s(&m["name"]), s(&m["state"])))
        .collect();
    let live_state: BTreeMap<String, String> = entries
        .iter()
        .filter(|e| s(&e["state"]).starts_with("live-"))
        .map(|e| (s(&e["key"]), s(&e["state"])))
        .collect();
    let has_stale: BTreeSet<String> = entries
        .iter()
        .filter(|e| e["state"] == "stale")
        .map(|e| s(&e["name"]))
        .collect();
    // A usable stale entry (the generator keeps it on the server's origin) is moved onto a live
    // key that holds nothing, so that server needs no login.
    let home = s(&manifest["home"]);
    let creds: Value = serde_json::from_str(
        &std::fs::read_to_string(format!("{home}/.claude/.credentials.json")).expect("credentials"),
    )
    .expect("credentials JSON");
    let now = manifest["now_ms"].as_i64().expect("now_ms");
    let usable = |key: &str| {
        let e = &creds["mcpOAuth"][key];
        let has = |f: &str| e[f].as_str().is_some_and(|t| !t.is_empty());
        has("accessToken") && (e["expiresAt"].as_i64().unwrap_or(0) > now || has("refreshToken"))
    };
    let moves_in: BTreeSet<String> = entries
        .iter()
        .filter(|e| e["state"] == "stale" && usable(e["key"].as_str().unwrap_or_default()))
        .map(|e| s(&e["name"]))
        .collect();
    let mut out = Vec::new();
    let mut push = |code: &str, what: String| out.push((code.to_string(), what));
    for e in entries {
        let key = s(&e["key"]);
        match e["state"].as_str().unwrap() {
            "live-valid" => {}
            "live-refreshable" => push("refreshable-token", key),
            "live-expired" => {
                push("expired-token", key.clone());
                // The generator gives every entry with an access token a clientId.
                push("dead-client-registration", key.clone());
                push("needs-auth-cache-gap", key);
            }
            "live-placeholder" => push("pending-registration", key),
            "stale" => push("stale-registration", key),
            "orphaned" => push("orphaned-registration", key),
            other => panic!("unknown entry state {other}"),
        }
    }
    for srv in servers {
        let (name, key) = (s(&srv["name"]), s(&srv["key"]));
        let fresh = markers.get(&name).is_some_and(|m| m == "fresh");
        match live_state.get(&key).map(String::as_str) {
            None => {
                push("missing-registration", key.clone());
                if has_stale.contains(&name) && !moves_in.contains(&name) {
                    push("needs-auth-cache-gap", key);
                }
            }
            Some("live-valid") if fresh => push("stale-needs-auth-marker", key),
            Some("live-placeholder") if fresh => push("sealing-needs-auth-marker", name),
            _ => {}
        }
    }
    for (name, state) in &markers {
        if state == "orphan" {
            push("orphaned-needs-auth-marker", name.clone());
        }
    }
    for p in manifest["missing_project_dirs"].as_array().unwrap() {
        push("missing-project-dir", s(p));
    }
    out.sort();
    out
}

#[test]
fn check_finds_exactly_what_the_generator_planted() {
    let dir = tempfile::Builder::new()
        .prefix("mad-gen-")
        .tempdir()
        .expect("temp dir");
    let manifest = generate(dir.path());
    let home = s(&manifest["home"]);

    // Every state is planted, so a check that stops finding one of them fails here.
    let states: BTreeSet<String> = manifest["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| s(&e["state"]))
        .collect();
    for want in [
        "live-valid",
        "live-refreshable",
        "live-expired",
        "live-placeholder",
        "stale",
        "orphaned",
    ] {
        assert!(
            states.contains(want),
            "the generator planted no {want} entry"
        );
    }
    let size = std::fs::metadata(format!("{home}/.claude.json"))
        .unwrap()
        .len();
    assert!(size > (2 << 20) - 8192 && size <= 2 << 20, "size {size}");

    let out = Command::cargo_bin("mcp-auth-doctor")
        .expect("binary")
        .env_clear()
        .env("HOME", &home)
        .env("USERPROFILE", &home)
        .env("MCP_AUTH_DOCTOR_NOW", manifest["now_ms"].to_string())
        .env("NO_COLOR", "1")
        .current_dir(&home)
        .args(["check", "--format", "json"])
        .output()
        .expect("run");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(!stdout.contains(CANARY), "a secret reached the output");
    let doc: Value =
        serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {stdout}"));
    assert_eq!(out.status.code(), Some(4), "exit status");

    let mut found: Vec<(String, String)> = doc["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            let what = ["key", "server"]
                .iter()
                .find_map(|k| f[*k].as_str())
                .or_else(|| f["evidence"]["project"].as_str())
                .unwrap_or_default();
            (s(&f["code"]), what.to_string())
        })
        .collect();
    found.sort();
    let want = expected(&manifest);
    let missing: Vec<_> = want.iter().filter(|w| !found.contains(w)).collect();
    let extra: Vec<_> = found.iter().filter(|f| !want.contains(f)).collect();
    assert!(
        missing.is_empty() && extra.is_empty() && found.len() == want.len(),
        "planted but not found: {missing:#?}\nfound but not planted: {extra:#?}"
    );
}

#[test]
fn the_generator_is_deterministic() {
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    let params = synth::Params {
        claude_json_bytes: 256 << 10,
        projects: 30,
        servers: 8,
        entries: 20,
        seed: 3,
        now_ms: synth::DEFAULT_NOW_MS,
        text: synth::Text::Heavy,
    };
    let ma = synth::generate(a.path(), &params).unwrap();
    let mb = synth::generate(b.path(), &params).unwrap();
    for file in [
        ".claude/.credentials.json",
        ".claude/mcp-needs-auth-cache.json",
    ] {
        assert_eq!(
            std::fs::read(ma.home.join(file)).unwrap(),
            std::fs::read(mb.home.join(file)).unwrap(),
            "{file}"
        );
    }
    // .claude.json names project folders under the home, so compare it with the homes swapped out.
    let strip = |m: &synth::Manifest| {
        std::fs::read_to_string(m.home.join(".claude.json"))
            .unwrap()
            .replace(&m.home.display().to_string(), "[HOME]")
    };
    assert_eq!(strip(&ma), strip(&mb));
    assert_eq!(ma.entries, mb.entries);
}
