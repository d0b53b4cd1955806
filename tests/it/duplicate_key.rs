//! Issue 14, defect 6: `testdata/duplicate-key` holds `linear|638130d5ab3558f4` twice in
//! `mcpOAuth`, a valid copy first and a placeholder last. Claude Code (`JSON.parse`) uses the last.
//! A removal by key took both copies and with them the valid tokens. `fix` now never edits an
//! object with a duplicated key, and says so: which copy is right is the user's call.

use crate::common;

use std::fs;

use common::Home;
use serde_json::Value;

#[test]
fn default_fix_keeps_both_copies_of_a_duplicated_entry() {
    let home = Home::fixture("duplicate-key");
    let path = home.path.join(".claude/.credentials.json");
    let before = fs::read(&path).unwrap();
    let (stdout, stderr, code) = home.run(&["fix", "--yes"]);
    assert_eq!(code & 8, 0, "fix could not run: {stderr}");
    let after = fs::read(&path).unwrap();
    assert_eq!(
        String::from_utf8_lossy(&after),
        String::from_utf8_lossy(&before),
        "the file's content changed: {stdout}"
    );
    let text = String::from_utf8(after).unwrap();
    for token in ["at-CANARY-linear-1", "rt-CANARY-linear-1"] {
        assert!(text.contains(token), "the valid copy's {token} is gone");
    }
    // The mode fix is still applied: the refusal is about that one object only.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
}

#[test]
fn the_plan_proposes_no_edit_of_the_duplicated_object_and_says_why() {
    let home = Home::fixture("duplicate-key");
    let (doc, _) = home.check_json();
    let findings = doc["findings"].as_array().unwrap();
    for f in findings {
        if let Some(pointer) = f["action"]["pointer"].as_str() {
            assert!(
                !pointer.starts_with("/mcpOAuth/"),
                "{} proposes {pointer}",
                f["code"]
            );
        }
    }
    let dup = findings
        .iter()
        .find(|f| f["code"] == "duplicate-json-key")
        .expect("duplicate-json-key");
    let message = dup["message"].as_str().unwrap();
    assert!(message.contains("fix leaves"), "{message}");
    let (stdout, _, _) = home.run(&["fix", "--dry-run", "--format", "json"]);
    let plan: Value = serde_json::from_str(&stdout).unwrap();
    let steps = plan["plan"]["steps"].as_array().unwrap();
    assert!(
        steps.iter().all(|s| s["action"]["pointer"].is_null()),
        "{steps:?}"
    );
}
