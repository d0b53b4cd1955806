//! Issue 9 item 1: the settings files decide which servers Claude Code loads in a folder. Each
//! fixture home triggers a verdict and holds a server that must not get it. Where the real client
//! (tests/real-client/model-facts.md, 2.1.100 and 2.1.332) disagrees with state-formats.md §12,
//! the test follows the real client and says so.

use serde_json::Value;

use crate::common;

use common::{CANARY, Home};

/// `(name, verdict)` of every server, in report order.
fn verdicts(doc: &Value) -> Vec<(String, String)> {
    doc["servers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["name"].as_str().unwrap().to_string(),
                s["verdict"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn server<'a>(doc: &'a Value, name: &str) -> &'a Value {
    doc["servers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == name)
        .unwrap_or_else(|| panic!("no server {name}"))
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

/// Findings with `code` about `name`.
fn findings<'a>(doc: &'a Value, code: &str, name: &str) -> Vec<&'a Value> {
    doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] == code && f["server"] == name)
        .collect()
}

/// Not loaded is never a problem and never asks for a sign-in.
fn assert_not_told_to_sign_in(doc: &Value, name: &str) {
    let s = server(doc, name);
    let text = format!("{} {}", s["explanation"], s["next_step"]);
    assert!(!text.contains("login"), "{name}: {text}");
    for f in doc["findings"].as_array().unwrap() {
        if f["server"] == name {
            let m = f["message"].as_str().unwrap();
            assert!(!m.contains("sign in ("), "{name} told to sign in: {m}");
        }
    }
}

#[test]
fn a_server_disabled_for_the_folder_is_disabled_there_and_its_leftovers_are_dead() {
    let home = Home::fixture("settings-disabled");
    let (doc, code) = home.check_json_with(&[]);
    assert_eq!(code, 0, "not loaded is not a problem");
    assert_eq!(
        verdicts(&doc),
        pairs(&[("off", "disabled"), ("on", "ok"), ("paused", "disabled")]),
        // enabledMcpServers: ["on"] does nothing to an ordinary server (model-facts.md, both
        // releases).
    );
    for name in ["off", "paused"] {
        assert_not_told_to_sign_in(&doc, name);
        assert!(server(&doc, name)["next_step"].is_null());
    }
    // The placeholder and the marker are dead state, removable; the token is kept.
    let off = findings(&doc, "unloaded-server-state", "off");
    assert_eq!(off.len(), 2, "{off:?}");
    assert!(off.iter().all(|f| f["action"]["safe"] == true), "{off:?}");
    let paused = findings(&doc, "unloaded-server-state", "paused");
    assert_eq!(paused.len(), 1);
    assert!(paused[0]["action"].is_null(), "a token is never removed");
    assert!(
        paused[0]["message"]
            .as_str()
            .unwrap()
            .contains("holds a token and is kept")
    );
    for code in [
        "pending-registration",
        "sealing-needs-auth-marker",
        "missing-registration",
    ] {
        assert!(findings(&doc, code, "off").is_empty(), "{code}");
    }
}

#[test]
fn the_same_home_checked_from_another_folder_loads_the_server() {
    // disabledMcpServers is per folder: from ~/code the server is loaded and its placeholder is
    // what pending-registration says.
    let home = Home::fixture("settings-disabled");
    let code_dir = home.path.join("code");
    let (doc, code) = home.check_json_with(&["--project", code_dir.to_str().unwrap()]);
    assert_eq!(code, 4);
    assert_eq!(server(&doc, "off")["verdict"], "skipped");
    assert_eq!(findings(&doc, "pending-registration", "off").len(), 1);
    assert!(findings(&doc, "unloaded-server-state", "off").is_empty());
}

#[test]
fn fix_removes_the_dead_placeholder_and_marker_and_keeps_the_token() {
    let home = Home::fixture("settings-disabled");
    let (_, stderr, code) = home.run(&["fix", "--yes"]);
    assert_eq!(code, 1, "{stderr}");
    let creds: Value = serde_json::from_str(
        &std::fs::read_to_string(home.path.join(".claude/.credentials.json")).unwrap(),
    )
    .unwrap();
    let keys: Vec<&str> = creds["mcpOAuth"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert!(!keys.iter().any(|k| k.starts_with("off|")), "{keys:?}");
    assert!(keys.iter().any(|k| k.starts_with("paused|")), "{keys:?}");
    assert!(keys.iter().any(|k| k.starts_with("on|")), "{keys:?}");
    let cache = std::fs::read_to_string(home.path.join(".claude/mcp-needs-auth-cache.json"))
        .unwrap_or_default();
    assert!(!cache.contains("\"off\""), "{cache}");
    let (doc, code) = home.check_json_with(&[]);
    assert_eq!(code, 0);
    assert_eq!(findings(&doc, "unloaded-server-state", "off").len(), 0);
}

#[test]
fn only_true_enables_a_plugin_and_a_duplicate_of_a_manual_server_is_suppressed() {
    let home = Home::fixture("settings-plugins");
    let (doc, code) = home.check_json_with(&[]);
    assert_eq!(code, 0);
    assert_eq!(
        verdicts(&doc),
        pairs(&[
            ("search", "ok"),
            // enabledPlugins false: not enabled.
            ("plugin:acme:docs", "disabled"),
            // Same url as the user server: dropped without a message (both releases; §12.2
            // said "since 2.1.71", and 2.1.100 does it too).
            ("plugin:beta:search", "suppressed"),
            // enabledPlugins true: loaded.
            ("plugin:gamma:notes", "ok"),
        ])
    );
    for name in ["plugin:acme:docs", "plugin:beta:search"] {
        assert_not_told_to_sign_in(&doc, name);
        assert_eq!(findings(&doc, "unloaded-server-state", name).len(), 1);
        assert!(findings(&doc, "pending-registration", name).is_empty());
    }
}

#[test]
fn mcp_json_servers_need_an_approval_that_counts() {
    let home = Home::fixture("settings-approval");
    let (doc, code) = home.check_json_with(&[]);
    assert_eq!(code, 0);
    let mine: Vec<_> = verdicts(&doc)
        .into_iter()
        .filter(|(n, _)| n != "p1")
        .collect();
    assert_eq!(
        mine,
        pairs(&[
            // ~/.claude/settings.json approves it.
            ("approved", "ok"),
            // Approved only in settings.local.json of an untrusted folder, which does not count
            // elsewhere (2.1.332 wants trust); but this folder is the home directory, which
            // 2.1.332 treats as trusted (tests/real-client/compare-verdicts.sh): it is loaded.
            // From ~/app-untrusted the same server is not-approved (below).
            ("pending", "no-token"),
            // disabledMcpjsonServers counts, trusted or not.
            ("rejected", "rejected"),
        ])
    );
    assert_not_told_to_sign_in(&doc, "rejected");
    // The rejected server's token is kept, its marker is dead.
    let rejected = findings(&doc, "unloaded-server-state", "rejected");
    assert_eq!(rejected.len(), 2, "{rejected:?}");
    assert_eq!(
        rejected.iter().filter(|f| f["action"].is_object()).count(),
        1
    );
}

#[test]
fn a_checked_in_approval_counts_only_in_a_trusted_folder() {
    let home = Home::fixture("settings-approval");
    // ~/app-untrusted/.claude/settings.json (checked in) approves p1; the folder is not trusted.
    let work = home.path.join("app-untrusted");
    let (doc, _) = home.check_json_with(&["--project", work.to_str().unwrap()]);
    let p1: Vec<_> = doc["servers"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["name"] == "p1")
        .map(|s| s["verdict"].as_str().unwrap())
        .collect();
    assert!(p1.contains(&"not-approved"), "{p1:?}");
    // The home's "pending" is approved only in the home's settings.local.json, which counts only
    // for the home folder itself: not here.
    let next = server(&doc, "pending")["next_step"].as_str().unwrap();
    assert!(next.contains("approve"), "{next}");
    // ~/app-trusted/.claude/settings.json (checked in) enables all; the folder is trusted: it counts
    // (2.1.332: "a checked-in project settings file does approve once the folder is trusted").
    let trusted = home.path.join("app-trusted");
    let (doc, _) = home.check_json_with(&["--project", trusted.to_str().unwrap()]);
    assert_eq!(server(&doc, "p1")["verdict"], "no-token");
    // From the trusted folder, the home's .mcp.json (an ancestor) is judged by its settings:
    // settings.local.json is the home's, not this folder's, so "rejected" is not rejected here.
    assert_ne!(server(&doc, "rejected")["verdict"], "rejected");
}

#[test]
fn deny_and_allow_lists_in_user_and_managed_settings() {
    let home = Home::fixture("settings-denied");
    let (doc, code) = home.check_json_with(&[]);
    assert_eq!(code, 0);
    // Lists in ~/.claude/settings.json filter too: not managed-only (model-facts.md, both
    // releases; §12.2 listed them as managed settings).
    assert_eq!(
        verdicts(&doc),
        pairs(&[
            ("allowed", "ok"),
            ("blocked", "denied"),
            ("other", "denied")
        ])
    );
    assert_eq!(findings(&doc, "unloaded-server-state", "other").len(), 1);
    assert_not_told_to_sign_in(&doc, "other");
    // Managed allowManagedMcpServersOnly: only the managed allowlist ([other]) counts.
    let managed = home.path.join("managed");
    let (doc, code) = home.check_json_with(&["--managed-dir", managed.to_str().unwrap()]);
    assert_eq!(
        verdicts(&doc),
        pairs(&[
            ("allowed", "denied"),
            ("blocked", "denied"),
            ("other", "skipped")
        ])
    );
    assert_eq!(code, 4, "other's placeholder is a problem again");
    let files: Vec<&str> = doc["files"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["role"] == "settings")
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    assert_eq!(files.len(), 2, "{files:?}");
}

#[test]
fn a_settings_file_claude_code_cannot_parse_is_reported_and_ignored() {
    let home = Home::fixture("settings-unparseable");
    let (doc, code) = home.check_json_with(&[]);
    assert_eq!(code, 4);
    let bad: Vec<_> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] == "unparseable-file")
        .collect();
    assert_eq!(bad.len(), 1);
    let message = bad[0]["message"].as_str().unwrap();
    assert!(message.contains("settings.json"), "{message}");
    assert!(message.contains("line 3, column 43"), "{message}");
    assert!(
        bad[0]["action"].is_null(),
        "a settings file is never written"
    );
    // Its denial does not count, as Claude Code ignores the file.
    assert_eq!(server(&doc, "blocked")["verdict"], "ok");
}

#[test]
fn the_settings_fixtures_carry_canaries_for_the_canary_test() {
    for (name, file) in [
        ("settings-disabled", ".claude/settings.json"),
        ("settings-approval", ".claude/settings.local.json"),
        ("settings-unparseable", ".claude/settings.json"),
    ] {
        let home = Home::fixture(name);
        let text = std::fs::read_to_string(home.path.join(file)).unwrap();
        assert!(text.contains(CANARY), "{name}/{file}");
        for args in [
            &["check"][..],
            &["check", "--format", "json"],
            &["report", "--format", "json"],
        ] {
            let (stdout, stderr, _) = home.run(args);
            assert!(!stdout.contains(CANARY) && !stderr.contains(CANARY));
        }
    }
}

#[test]
fn settings_verdicts_snapshot() {
    for name in [
        "settings-disabled",
        "settings-plugins",
        "settings-approval",
        "settings-denied",
        "settings-invalid-plugins",
    ] {
        let home = Home::fixture(name);
        let (doc, _) = home.check_json_with(&[]);
        let servers: Vec<Value> = doc["servers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| {
                serde_json::json!({
                    "name": s["name"],
                    "verdict": s["verdict"],
                    "explanation": s["explanation"],
                    "next_step": s["next_step"],
                    "findings": s["findings"],
                })
            })
            .collect();
        insta::assert_json_snapshot!(format!("settings-{name}"), servers);
    }
}

#[test]
fn a_settings_file_with_a_non_boolean_enabled_plugins_value_is_ignored_whole() {
    // Real client, both releases (tests/real-client/README.md): with "acme@market": "yes" in
    // ~/.claude/settings.json neither 2.1.100 nor 2.1.332 lists gamma, which the same file sets
    // true; with "acme@market": false both list it.
    let home = Home::fixture("settings-invalid-plugins");
    let (doc, code) = home.check_json_with(&[]);
    assert_eq!(code, 4);
    assert_eq!(
        verdicts(&doc),
        pairs(&[
            ("search", "ok"),
            ("plugin:acme:docs", "disabled"),
            ("plugin:beta:search", "disabled"),
            ("plugin:gamma:notes", "disabled"),
        ])
    );
    let found: Vec<&Value> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] == "invalid-settings-file")
        .collect();
    assert_eq!(found.len(), 1, "{doc}");
    let message = found[0]["message"].as_str().unwrap();
    assert!(
        message.contains("~/.claude/settings.json does not load")
            && message.contains("\"enabledPlugins.acme@market\" is a string"),
        "{message}"
    );
    for name in [
        "plugin:acme:docs",
        "plugin:beta:search",
        "plugin:gamma:notes",
    ] {
        assert_not_told_to_sign_in(&doc, name);
    }
}
