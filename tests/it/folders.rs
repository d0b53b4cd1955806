//! Issue 9, items 2–4: the release a verdict assumes, the server Claude Code uses in the folder
//! being checked, and the key each launcher's environment gives a `${VAR}` server.

use serde_json::Value;

use crate::common::{self, Home};

fn server<'a>(doc: &'a Value, name: &str) -> Vec<&'a Value> {
    doc["servers"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["name"] == name)
        .collect()
}

fn snapshot(name: &str, doc: &Value) {
    insta::assert_json_snapshot!(name.to_string(), doc, {
        ".version" => "[version]",
        ".files[].modified" => "[mtime]",
        ".findings[].evidence.age_seconds" => "[age]",
    });
}

// ---- item 2: the release table ------------------------------------------------------------------

/// Real client 2.1.332 (tests/real-client/model-facts.md, `streamable-http`): a user server with
/// `"type": "streamable-http"` is loaded as http and keyed `sh1|3e90b12fecba3a5a`, the key of
/// `"type":"http"`. The newest known release is assumed when `claude` is not on PATH.
#[test]
fn streamable_http_is_http_in_2_1_332() {
    let home = Home::fixture("streamable-http");
    let (doc, code) = home.check_json_with(&[]);
    assert_eq!(code, 0, "{doc:#}");
    assert_eq!(doc["claude_release"]["release"], "2.1.332");
    assert_eq!(doc["claude_release"]["source"], "newest-known");
    assert!(common::codes(&doc).is_empty(), "{doc:#}");
    let context7 = server(&doc, "context7");
    assert_eq!(context7.len(), 1);
    assert_eq!(context7[0]["verdict"], "ok");
    assert_eq!(context7[0]["expected_key"], "context7|88db94c95c518802");
    assert_eq!(server(&doc, "notion")[0]["verdict"], "ok");
    snapshot("streamable-http-2.1.332", &doc);

    let (flagged, code) = home.check_json_with(&["--claude-version", "2.1.332"]);
    assert_eq!(code, 0);
    assert_eq!(flagged["claude_release"]["source"], "flag");
    assert_eq!(flagged["servers"], doc["servers"]);
}

/// Real client 2.1.100 (model-facts.md, `streamable-http`): `claude mcp get sh1` says "No MCP
/// server found". The server is invalid there and drops its scope; its entry is the one 2.1.332
/// uses, so it is neither stale nor removed.
#[test]
fn streamable_http_is_invalid_in_2_1_100_and_its_entry_stays() {
    let home = Home::fixture("streamable-http");
    let (doc, code) = home.check_json_with(&["--claude-version", "2.1.100"]);
    assert_eq!(code, 4);
    assert_eq!(doc["claude_release"]["release"], "2.1.100");
    assert_eq!(doc["claude_release"]["source"], "flag");
    assert_eq!(common::codes(&doc), vec!["invalid-server-config"]);
    let finding = &doc["findings"][0];
    assert_eq!(finding["server"], "context7");
    assert!(
        finding["message"]
            .as_str()
            .unwrap()
            .contains("\"streamable-http\" is not one Claude Code 2.1.100 knows"),
        "{finding:#}"
    );
    assert_eq!(server(&doc, "context7")[0]["verdict"], "invalid-config");
    assert_eq!(server(&doc, "notion")[0]["verdict"], "invalid-config");
    snapshot("streamable-http-2.1.100", &doc);

    let (out, _, _) = home.run(&["fix", "--dry-run", "--claude-version", "2.1.100"]);
    assert!(!out.contains("context7|88db94c95c518802"), "{out}");
}

#[test]
fn the_installed_release_is_asked_and_the_flag_wins() {
    let home = Home::fixture("streamable-http");
    let bin = home.path.join("bin");
    std::fs::create_dir(&bin).unwrap();
    let claude = bin.join("claude");
    std::fs::write(&claude, "#!/bin/sh\necho '2.1.100 (Claude Code)'\n").unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&claude, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let run = |extra: &[&str]| -> Value {
        let mut args = vec!["check", "--format", "json"];
        args.extend_from_slice(extra);
        let out = home.cmd(&args).env("PATH", &bin).output().unwrap();
        serde_json::from_slice(&out.stdout).unwrap()
    };
    let installed = run(&[]);
    assert_eq!(installed["claude_release"]["release"], "2.1.100");
    assert_eq!(installed["claude_release"]["source"], "installed");
    assert_eq!(common::codes(&installed), vec!["invalid-server-config"]);
    let flagged = run(&["--claude-version", "2.1.332"]);
    assert_eq!(flagged["claude_release"]["source"], "flag");
    assert!(common::codes(&flagged).is_empty());
}

#[test]
fn human_output_says_which_release_it_assumes() {
    let home = Home::fixture("streamable-http");
    let (out, _, _) = home.run(&["check"]);
    assert!(
        out.contains("Judged as Claude Code 2.1.332 behaves (the newest release this build knows"),
        "{out}"
    );
    let (out, _, _) = home.run(&["check", "--claude-version", "2.1.100"]);
    assert!(
        out.contains("Judged as Claude Code 2.1.100 behaves (as --claude-version says)."),
        "{out}"
    );
}

#[test]
fn a_bad_claude_version_is_a_usage_error() {
    let home = Home::fixture("streamable-http");
    let (_, stderr, code) = home.run(&["check", "--claude-version", "two"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("'two' is not a release number like 2.1.332"),
        "{stderr}"
    );
}

/// Marker rules by release (state-formats.md §4, from code): 2.1.100 counts a marker dated in the
/// future until that time (`now - timestamp < ttl`), 2.1.332 ignores one more than 60 s ahead. The
/// marker is reported either way (it is wrong in both); only the verdict depends on the release.
#[test]
fn a_future_marker_blocks_only_where_the_release_counts_it() {
    let home = Home::fixture("future-marker");
    let (newest, _) = home.check_json_with(&[]);
    let (old, _) = home.check_json_with(&["--claude-version", "2.1.100"]);
    for doc in [&newest, &old] {
        assert_eq!(common::codes(doc), vec!["future-needs-auth-marker"]);
    }
    assert_eq!(newest["servers"][0]["verdict"], "ok");
    assert_eq!(old["servers"][0]["verdict"], "skipped");
    assert!(
        old["servers"][0]["explanation"]
            .as_str()
            .unwrap()
            .contains("until its future timestamp has passed"),
        "{old:#}"
    );
}

/// A marker's own `ttlMs` is a 2.1.332 field: 2.1.100 judges every marker by 15 minutes.
#[test]
fn a_marker_ttl_counts_only_where_the_release_has_it() {
    use mcp_auth_doctor::model::marker::{Marker, MarkerState};
    use mcp_auth_doctor::model::release::{Assumed, Release, Source};
    let now = 1_780_315_200_000_i64;
    let v = serde_json::json!({"timestamp": now - 3_600_000, "ttlMs": 14_400_000});
    let as_of = |r| Assumed {
        release: r,
        source: Source::Flag,
        why: None,
    };
    let newest = Marker::from_value_as("a", &v, now, &as_of(Release(2, 1, 332)));
    let old = Marker::from_value_as("a", &v, now, &as_of(Release(2, 1, 100)));
    assert_eq!(newest.state, MarkerState::Fresh);
    assert_eq!(old.state, MarkerState::Expired);
}

// ---- item 3: the effective server per folder ----------------------------------------------------

/// Real client (model-facts.md, `local-shadows-user`): with user `dup` and local `dup` of the
/// folder, both 2.1.100 and 2.1.332 use the local one; 2.1.332 prints "[Conflicting scopes]".
/// Here the home is the project folder: the user notion (valid token) is shadowed, the local one
/// (a placeholder) is what sessions use, and the per-name marker is judged against it (sealing,
/// not stale), its findings under its own block.
#[test]
fn the_local_definition_is_judged_and_the_user_one_is_shadowed() {
    let home = Home::fixture("local-shadows-user");
    let (doc, code) = home.check_json_with(&[]);
    assert_eq!(code, 4);
    let notion = server(&doc, "notion");
    assert_eq!(notion.len(), 2);
    let user = notion.iter().find(|s| s["scopes"][0] == "user").unwrap();
    let local = notion.iter().find(|s| s["scopes"][0] != "user").unwrap();
    assert_eq!(user["verdict"], "shadowed");
    assert_eq!(user["findings"], serde_json::json!(["conflicting-scopes"]));
    assert!(
        user["explanation"]
            .as_str()
            .unwrap()
            .starts_with("Conflicting scopes: in this folder Claude Code uses the local-scope"),
        "{user:#}"
    );
    assert_eq!(local["verdict"], "skipped");
    assert_eq!(
        local["findings"],
        serde_json::json!(["pending-registration", "sealing-needs-auth-marker"])
    );
    // Nothing fix would do touches the shadowed definition's entry.
    let (plan, _, _) = home.run(&["fix", "--dry-run"]);
    assert!(!plan.contains("notion|eac663db915250e7"), "{plan}");
    snapshot("local-shadows-user", &doc);

    // In the human report each finding sits under its own definition's block.
    let (human, _, _) = home.run(&["check"]);
    let user_block = human
        .split("\n\n")
        .find(|b| b.starts_with("notion (user;"))
        .unwrap();
    assert!(user_block.contains("shadowed"), "{user_block}");
    assert!(!user_block.contains("pending-registration"), "{user_block}");
    assert!(!user_block.contains("needs-auth-marker"), "{user_block}");
}

/// The same home judged from another folder: there the user definition is the one in use, the
/// marker blocks its usable token (stale), and nothing is shadowed.
#[test]
fn another_folder_uses_the_user_definition() {
    let home = Home::fixture("local-shadows-user");
    let elsewhere = home.path.join("elsewhere");
    std::fs::create_dir(&elsewhere).unwrap();
    let (doc, _) = home.check_json_with(&["--project", elsewhere.to_str().unwrap()]);
    let codes = common::codes(&doc);
    assert!(
        !codes.contains(&"conflicting-scopes".to_string()),
        "{codes:?}"
    );
    assert!(
        codes.contains(&"stale-needs-auth-marker".to_string()),
        "{codes:?}"
    );
    assert!(
        doc["servers"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["verdict"] != "shadowed"),
        "{doc:#}"
    );
}

/// `user-and-local` checked from its project folder `code/app`: the user notion is shadowed there,
/// and its entry stays live (no stale or orphaned finding).
#[test]
fn user_and_local_from_the_project_folder() {
    let home = Home::fixture("user-and-local");
    let app = home.path.join("code/app");
    let (doc, code) = home.check_json_with(&["--project", app.to_str().unwrap()]);
    assert_eq!(code, 0, "{doc:#}");
    assert_eq!(common::codes(&doc), vec!["conflicting-scopes"]);
    let verdicts: Vec<(&str, &str)> = doc["servers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["scopes"][0].as_str().unwrap(),
                s["verdict"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        verdicts,
        vec![("user", "shadowed"), ("local:~/code/app", "ok")]
    );
    assert_eq!(doc["summary"]["servers_unusable"], 0);
}

// ---- item 4: a key per launcher -----------------------------------------------------------------

/// Real client (model-facts.md, `env-var-unset`): with the variable unset, 2.1.100 and 2.1.332
/// keep `${MF_UNSET_VAR}` literally, in the url and in the key. So with ACME_TENANT set here, the
/// entry under the key of the literal header is the one a GUI / IDE / launchd launch (no shell rc
/// file) uses: reported at info level, kept, never stale.
#[test]
fn the_key_of_a_launch_without_the_variable_is_live_and_kept() {
    let home = Home::fixture("launcher-keys");
    let (doc, code) = home.check_json_with(&[]);
    assert_eq!(code, 0, "{doc:#}");
    assert_eq!(common::codes(&doc), vec!["launcher-key"]);
    let f = &doc["findings"][0];
    assert_eq!(f["severity"], "info");
    assert_eq!(f["key"], "acme|a0e1c5e670c68b0e");
    assert!(f.get("action").is_none(), "{f:#}");
    let message = f["message"].as_str().unwrap();
    assert!(message.contains("headersHelper"), "{message}");
    assert!(
        message.contains("anthropics/claude-code#81090"),
        "{message}"
    );
    let acme = server(&doc, "acme");
    assert_eq!(acme[0]["expected_key"], "acme|c637c9bfd382a127");
    assert_eq!(acme[0]["verdict"], "ok");
    snapshot("launcher-keys", &doc);

    for args in [
        &["fix", "--dry-run"][..],
        &["fix", "--dry-run", "--server", "acme"],
    ] {
        let (plan, _, _) = home.run(args);
        assert!(!plan.contains("acme|a0e1c5e670c68b0e"), "{args:?}: {plan}");
    }
    let (explain, _, code) = home.run(&["--explain", "launcher-key"]);
    assert_eq!(code, 0);
    assert!(explain.contains("launchd"), "{explain}");
}

/// Another value of the variable is not "unset": with ACME_TENANT=team-b the team-a entry is
/// stale as before (unset-env-var and stale-registration handle ${VAR} changes), and the
/// literal-key entry is still the GUI launches' one.
#[test]
fn another_value_of_the_variable_is_not_a_launcher_key() {
    let home = Home::fixture("launcher-keys");
    let out = home
        .cmd(&["check", "--format", "json"])
        .env("ACME_TENANT", "team-b")
        .output()
        .unwrap();
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    let keyed: Vec<(String, String)> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["code"].as_str().unwrap().to_string(),
                f["key"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    assert!(keyed.contains(&("stale-registration".into(), "acme|c637c9bfd382a127".into())));
    assert!(keyed.contains(&("launcher-key".into(), "acme|a0e1c5e670c68b0e".into())));
    assert!(!keyed.contains(&("stale-registration".into(), "acme|a0e1c5e670c68b0e".into())));
}
