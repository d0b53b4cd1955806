//! Managed settings drop-ins (`<managedDir>/managed-settings.d/*.json`): Claude Code 2.1.100's
//! `loadManagedFileSettings` (unchanged in 2.1.332) merges them onto `managed-settings.json` in
//! name order, a later file's value replacing an earlier one's and lists joining, and skips one it
//! cannot load alone. Fixture `settings-drop-ins`, run with `--managed-dir ~/managed`; the merge
//! is judged as 2.1.100 does it, since 2.1.332 does not start at all while its `20-broken.json`
//! does not parse (the last test).

use serde_json::Value;

use crate::common;

use common::Home;

fn check_managed(home: &Home) -> (Value, i32) {
    check_managed_as(home, "2.1.100")
}

fn check_managed_as(home: &Home, release: &str) -> (Value, i32) {
    let managed = home.path.join("managed");
    home.check_json_with(&[
        "--managed-dir",
        managed.to_str().unwrap(),
        "--claude-version",
        release,
    ])
}

fn verdict<'a>(doc: &'a Value, name: &str) -> &'a str {
    doc["servers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == name)
        .unwrap_or_else(|| panic!("no server {name}"))["verdict"]
        .as_str()
        .unwrap()
}

#[test]
fn drop_ins_merge_onto_the_managed_settings_in_name_order() {
    let home = Home::fixture("settings-drop-ins");
    let (doc, code) = check_managed(&home);
    assert_eq!(code, 4, "the two broken drop-ins are errors");
    // 10-deny.json denies gated (which the base file allows).
    assert_eq!(verdict(&doc, "gated"), "denied");
    let unloaded = common::findings_with(&doc, "unloaded-server-state");
    assert_eq!(unloaded.len(), 1);
    assert!(
        unloaded[0]["message"]
            .as_str()
            .unwrap()
            .contains("managed-settings.d/10-deny.json"),
        "{unloaded:?}"
    );
    // allowManagedMcpServersOnly: the base file's allowlist and 40-allow-blocked.json's join.
    assert_eq!(verdict(&doc, "allowed"), "ok");
    assert_ne!(verdict(&doc, "blocked"), "denied");
    // .hidden.json and notes.txt (both deny blocked) are not drop-ins.
    assert!(common::findings_with(&doc, "pending-registration").is_empty());
}

#[test]
fn a_broken_drop_in_is_reported_with_its_line_and_column_and_ignored_alone() {
    let home = Home::fixture("settings-drop-ins");
    let (doc, _) = check_managed(&home);
    let unparseable = common::findings_with(&doc, "unparseable-file");
    assert_eq!(unparseable.len(), 1, "{unparseable:?}");
    let message = unparseable[0]["message"].as_str().unwrap();
    assert!(message.contains("20-broken.json"), "{message}");
    assert!(message.contains("line 5, column 6"), "{message}");
    assert!(unparseable[0]["action"].is_null(), "never written");
    // 30-rejected.json is valid JSON Claude Code rejects whole: its deny of allowed does not count.
    let rejected = common::findings_with(&doc, "invalid-settings-file");
    assert_eq!(rejected.len(), 1, "{rejected:?}");
    assert!(
        rejected[0]["file"]
            .as_str()
            .unwrap()
            .ends_with("managed-settings.d/30-rejected.json"),
        "{rejected:?}"
    );
    assert_eq!(verdict(&doc, "allowed"), "ok");
    // Every drop-in read is listed among the files; the hidden one and notes.txt are not.
    let files: Vec<&str> = doc["files"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["role"] == "settings")
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    assert_eq!(files.len(), 5, "{files:?}");
    assert!(
        !files
            .iter()
            .any(|f| f.contains("hidden") || f.contains("notes"))
    );
    // check wrote nothing there.
    let broken = home.path.join("managed/managed-settings.d/20-broken.json");
    let before = std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("testdata/settings-drop-ins/managed/managed-settings.d/20-broken.json"),
    )
    .unwrap();
    assert_eq!(std::fs::read(broken).unwrap(), before);
}

/// Real client 2.1.332: `claude -p` and `claude mcp list` print "<file>: Managed settings document
/// could not be parsed as a JSON object; none of its settings are in effect. Fix or remove it." and
/// exit 1 (tests/real-client/README.md), so no server of any scope connects.
#[test]
fn from_2_1_332_on_a_broken_drop_in_stops_claude_code_and_every_server_with_it() {
    let home = Home::fixture("settings-drop-ins");
    let (doc, code) = check_managed_as(&home, "2.1.332");
    assert_eq!(code, 4);
    for name in ["allowed", "blocked", "gated"] {
        assert_eq!(verdict(&doc, name), "startup-blocked", "{name}");
    }
    let server = doc["servers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "allowed");
    let explanation = server.unwrap()["explanation"].as_str().unwrap_or_default();
    assert!(
        explanation.contains("managed-settings.d/20-broken.json"),
        "{server:?}"
    );
    let unparseable = common::findings_with(&doc, "unparseable-file");
    let message = unparseable[0]["message"].as_str().unwrap();
    assert!(message.contains("does not start"), "{message}");
    // 30-rejected.json parses: Claude Code skips it alone, in both releases.
    assert!(
        !common::findings_with(&doc, "invalid-settings-file")[0]["message"]
            .as_str()
            .unwrap()
            .contains("does not start")
    );
    // As 2.1.100 the same file is skipped alone.
    let (old, _) = check_managed(&home);
    assert!(
        !common::findings_with(&old, "unparseable-file")[0]["message"]
            .as_str()
            .unwrap()
            .contains("does not start")
    );
}
