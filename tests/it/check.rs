//! `check` on every fixture home: the codes each scenario must and must not produce, and a JSON
//! snapshot of the whole report.

use crate::common;

use common::{Home, codes};

/// Every code `--list-checks --format json` knows.
fn all_codes() -> Vec<String> {
    let home = Home::fixture("empty-home");
    let (stdout, _, code) = home.run(&["--list-checks", "--format", "json"]);
    assert_eq!(code, 0);
    let list: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    list.as_array()
        .unwrap()
        .iter()
        .map(|c| c["code"].as_str().unwrap().to_string())
        .collect()
}

/// (scenario, codes that must appear, codes that must not, expected exit status).
const EXPECTATIONS: &[(&str, &[&str], &[&str], i32)] = &[
    (
        "demo",
        &[
            "stale-registration",
            "pending-registration",
            "sealing-needs-auth-marker",
            "refreshable-token",
        ],
        &[
            "orphaned-registration",
            "expired-token",
            "stale-needs-auth-marker",
            "missing-registration",
        ],
        4,
    ),
    ("healthy", &[], &["*"], 0),
    (
        "url-moved",
        &[
            "stale-registration",
            "pending-registration",
            "sealing-needs-auth-marker",
            "missing-registration",
        ],
        &["orphaned-registration", "expired-token"],
        4,
    ),
    (
        "url-edited",
        &["stale-registration", "missing-registration"],
        // fix moves the token to the live key: no login is needed, so no needs-auth-cache-gap.
        &[
            "orphaned-registration",
            "pending-registration",
            "needs-auth-cache-gap",
        ],
        4,
    ),
    (
        "trailing-slash",
        &["stale-registration", "pending-registration"],
        &["orphaned-registration", "missing-registration"],
        4,
    ),
    (
        "header-order",
        &["stale-registration", "missing-registration"],
        &["orphaned-registration"],
        4,
    ),
    (
        "env-changed",
        // No move (the key depends on ${MCP_HOST}): a login may be needed.
        &[
            "stale-registration",
            "missing-registration",
            "needs-auth-cache-gap",
        ],
        // The old entry is another value of MCP_HOST, not "unset": no launcher-key.
        &[
            "orphaned-registration",
            "pending-registration",
            "launcher-key",
        ],
        4,
    ),
    (
        "removed-orphan",
        &["orphaned-registration", "orphaned-needs-auth-marker"],
        &["stale-registration", "missing-registration"],
        4,
    ),
    (
        "pending-marker",
        &["pending-registration", "sealing-needs-auth-marker"],
        &["stale-needs-auth-marker", "stale-registration"],
        4,
    ),
    (
        "blanked",
        &["pending-registration"],
        &["expired-token", "stale-registration"],
        4,
    ),
    (
        "expired",
        &[
            "expired-token",
            "dead-client-registration",
            "needs-auth-cache-gap",
            "refreshable-token",
        ],
        &["pending-registration", "stale-needs-auth-marker"],
        4,
    ),
    (
        "marker-blocks-valid",
        &["stale-needs-auth-marker"],
        &[
            "pending-registration",
            "sealing-needs-auth-marker",
            "orphaned-needs-auth-marker",
        ],
        4,
    ),
    (
        "future-marker",
        &["future-needs-auth-marker"],
        &["stale-needs-auth-marker", "orphaned-needs-auth-marker"],
        4,
    ),
    (
        "static-header",
        &["static-auth-oauth-state"],
        &[
            "pending-registration",
            "missing-registration",
            "stale-needs-auth-marker",
            "sealing-needs-auth-marker",
            "needs-auth-cache-gap",
        ],
        4,
    ),
    (
        "plugin-claudeai",
        &["unverified-registration"],
        &["orphaned-registration", "orphaned-needs-auth-marker"],
        0,
    ),
    (
        "config-dir",
        &["stale-registration", "missing-registration"],
        &["orphaned-registration", "orphaned-needs-auth-marker"],
        4,
    ),
    (
        "legacy-config",
        &["legacy-config-file"],
        &["orphaned-registration", "missing-registration"],
        0,
    ),
    (
        "symlinked-credentials",
        &[],
        &["credentials-permissions", "unparseable-file"],
        0,
    ),
    (
        "credentials-0644",
        &["credentials-permissions"],
        &["unparseable-file"],
        4,
    ),
    (
        "bom",
        &["byte-order-mark"],
        &["missing-registration", "orphaned-registration"],
        4,
    ),
    (
        "truncated",
        &["unparseable-file"],
        &[
            "orphaned-registration",
            "stale-registration",
            "orphaned-needs-auth-marker",
        ],
        4,
    ),
    (
        "commented",
        &["unparseable-file"],
        &["orphaned-registration", "stale-registration"],
        4,
    ),
    (
        "trailing-comma",
        &["unparseable-file"],
        &["stale-needs-auth-marker"],
        4,
    ),
    (
        "duplicate-key",
        &["duplicate-json-key", "pending-registration"],
        &["unparseable-file"],
        4,
    ),
    (
        "empty-file",
        &["unparseable-file"],
        &["missing-registration"],
        4,
    ),
    (
        "missing-project-dir",
        &["missing-project-dir"],
        &["orphaned-registration"],
        0,
    ),
    (
        "windows-keys",
        &[],
        &["orphaned-registration", "missing-project-dir"],
        0,
    ),
    (
        "tilde-config-dir",
        &["literal-tilde-config-dir"],
        &["orphaned-registration", "missing-registration"],
        4,
    ),
    (
        "tilde-config-dir-absolute",
        &[],
        &["literal-tilde-config-dir", "*"],
        0,
    ),
    (
        "windows-credman",
        &["windows-credential-manager"],
        &["credentials-permissions", "orphaned-registration"],
        0,
    ),
    (
        "windows-credman-off",
        &[],
        &["windows-credential-manager", "*"],
        0,
    ),
    (
        "shared-registration",
        &["shared-registration"],
        &["orphaned-registration"],
        0,
    ),
    (
        "user-and-local",
        &[],
        // Run from the home, not code/app: nothing shadows (tests/it/folders.rs runs it there).
        &[
            "stale-registration",
            "orphaned-registration",
            "conflicting-scopes",
        ],
        0,
    ),
    (
        "project-mcp-json",
        &[],
        &["orphaned-registration", "missing-registration"],
        0,
    ),
    (
        "invalid-config",
        &["invalid-server-config"],
        &["orphaned-registration", "missing-registration"],
        4,
    ),
    (
        "leftovers",
        &["leftover-temp-file"],
        &["unparseable-file"],
        0,
    ),
    ("stale-lock", &["stale-lock"], &["claude-running"], 4),
    (
        "plugins",
        &[
            "stale-registration",
            "orphaned-registration",
            "orphaned-needs-auth-marker",
        ],
        &["unverified-registration", "pending-registration"],
        4,
    ),
    (
        "env-unset",
        &["unset-env-var"],
        &["orphaned-registration"],
        4,
    ),
    (
        "empty-cache",
        &["unparseable-file"],
        &["stale-needs-auth-marker"],
        0,
    ),
    (
        "null-entry",
        &["pending-registration"],
        &["orphaned-registration"],
        4,
    ),
    (
        "redirect-port",
        &["redirect-port-mismatch", "pending-registration"],
        &["stale-registration"],
        4,
    ),
    (
        "misfiled-secret",
        &["misfiled-client-secret", "pending-registration"],
        &["stale-registration", "orphaned-registration"],
        4,
    ),
    ("empty-home", &[], &["*"], 0),
    (
        "secret-urls",
        &[
            "stale-registration",
            "shared-registration",
            "orphaned-registration",
        ],
        &["pending-registration", "unparseable-file"],
        4,
    ),
    // Issue 9 item 1: servers the settings keep from loading (tests/it/settings.rs has more).
    (
        "settings-disabled",
        &["unloaded-server-state"],
        &[
            "pending-registration",
            "sealing-needs-auth-marker",
            "missing-registration",
        ],
        0,
    ),
    (
        "settings-plugins",
        &["unloaded-server-state"],
        &["pending-registration", "invalid-settings-file"],
        0,
    ),
    (
        "settings-approval",
        &["unloaded-server-state"],
        &["stale-needs-auth-marker", "pending-registration"],
        0,
    ),
    (
        "settings-denied",
        &["unloaded-server-state"],
        &["pending-registration"],
        0,
    ),
    (
        "settings-unparseable",
        &["unparseable-file"],
        &["unloaded-server-state"],
        4,
    ),
    // Issue 9 item 2: valid in the newest known release (tests/it/folders.rs judges 2.1.100).
    ("streamable-http", &[], &["*", "invalid-server-config"], 0),
    // Issue 9 item 3: the home is the project folder, so its local notion shadows the user one.
    (
        "local-shadows-user",
        &[
            "conflicting-scopes",
            "pending-registration",
            "sealing-needs-auth-marker",
        ],
        &["stale-needs-auth-marker", "stale-registration"],
        4,
    ),
    // Issue 9 item 4: the entry under the "ACME_TENANT unset" key is live for GUI launches.
    (
        "launcher-keys",
        &["launcher-key"],
        &["*", "stale-registration"],
        0,
    ),
    // Issue 9 item 9: acme's pending entry says registration failed; linear's is ordinary.
    (
        "registration-failed",
        &["pending-registration", "sealing-needs-auth-marker"],
        &["stale-needs-auth-marker", "stale-registration"],
        4,
    ),
    // Issue 9 item 7: linear's stepUpScope and notion's oauth.scopes ask for more than the grant.
    (
        "scope-shortfall",
        &["scope-shortfall"],
        &["pending-registration", "stale-registration"],
        4,
    ),
    // Issue 9 item 6: without --mcp-config its sdk-notion entry is an orphan (tests/it/fidelity.rs
    // passes sdk/servers.json, and then it is live).
    (
        "mcp-config",
        &["orphaned-registration"],
        &["stale-registration", "unparseable-file"],
        4,
    ),
    // Issue 9 item 8: REMOTE_CONTAINERS=true (tests/common/mod.rs); acme's registration is
    // pinned to a random loopback port, notion's to its oauth.callbackPort.
    (
        "container-callback",
        &["container-callback-port", "pending-registration"],
        &["redirect-port-mismatch", "shared-macos-home"],
        4,
    ),
    // Issue 9 item 8: projects under /Users/, no credentials file, a fresh marker, on Linux.
    (
        "shared-macos-home",
        &["shared-macos-home"],
        &["container-callback-port", "stale-needs-auth-marker"],
        4,
    ),
    // Issue 13: real files mcp-remote 0.1.49 and then 0.15.1 wrote (tests/real-client).
    (
        "mcp-remote-upgrade",
        &["mcp-remote-stranded-tokens"],
        &[
            "mcp-remote-expired-token",
            "mcp-remote-dead-lock",
            "mcp-remote-registration-without-tokens",
            "mcp-remote-orphaned-state",
            "mcp-remote-unusable-file",
        ],
        4,
    ),
    (
        "mcp-remote-leftovers",
        &[
            "mcp-remote-expired-token",
            "mcp-remote-dead-lock",
            "mcp-remote-registration-without-tokens",
            "mcp-remote-orphaned-state",
            "mcp-remote-unusable-file",
        ],
        &["mcp-remote-stranded-tokens"],
        4,
    ),
    // Issue 12: server names that are the tool's own words, for `report --anonymize`.
    (
        "anonymize-vocabulary",
        &[
            "expired-token",
            "dead-client-registration",
            "stale-registration",
        ],
        &["orphaned-registration"],
        4,
    ),
    // A settings file Claude Code ignores whole: one non-boolean enabledPlugins value
    // (2.1.332 and 2.1.100 list none of its plugins' servers; tests/real-client/README.md).
    (
        "settings-invalid-plugins",
        &["invalid-settings-file", "unloaded-server-state"],
        &["pending-registration"],
        4,
    ),
    // `user-and-local` inside a git repository with a worktree; from the home (no repository)
    // nothing shadows (tests/it/worktree.rs checks it from the worktree).
    (
        "git-worktree",
        &[],
        &[
            "stale-registration",
            "orphaned-registration",
            "conflicting-scopes",
        ],
        0,
    ),
    // Without --managed-dir its managed folder is not read (tests/it/drop_ins.rs reads it).
    (
        "settings-drop-ins",
        &["pending-registration"],
        &[
            "unparseable-file",
            "invalid-settings-file",
            "unloaded-server-state",
        ],
        4,
    ),
];

fn check_expectations(name: &str) {
    let (_, must, must_not, exit) = EXPECTATIONS
        .iter()
        .find(|e| e.0 == name)
        .unwrap_or_else(|| panic!("no expectations for {name}"));
    let home = Home::fixture(name);
    let (doc, code) = home.check_json();
    let found = codes(&doc);
    for c in *must {
        assert!(
            found.iter().any(|f| f == c),
            "{name}: expected {c}, found {found:?}"
        );
    }
    for c in *must_not {
        if *c == "*" {
            let serious: Vec<_> = doc["findings"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|f| f["severity"] != "info")
                .collect();
            assert!(
                serious.is_empty(),
                "{name}: expected no warnings or errors, got {serious:?}"
            );
        } else {
            assert!(
                !found.iter().any(|f| f == c),
                "{name}: {c} must not appear: {found:?}"
            );
        }
    }
    assert_eq!(code, *exit, "{name}: exit status");
    insta::assert_json_snapshot!(format!("check-{name}"), doc, {
        ".version" => "[version]",
        ".files[].modified" => "[mtime]",
        ".findings[].evidence.age_seconds" => "[age]",
    });
}

macro_rules! scenario_tests {
    ($($fn:ident => $name:literal),* $(,)?) => {
        $( #[test] fn $fn() { check_expectations($name); } )*
    };
}

scenario_tests! {
    demo => "demo",
    healthy => "healthy",
    url_edited => "url-edited",
    url_moved => "url-moved",
    trailing_slash => "trailing-slash",
    header_order => "header-order",
    env_changed => "env-changed",
    removed_orphan => "removed-orphan",
    pending_marker => "pending-marker",
    blanked => "blanked",
    expired => "expired",
    marker_blocks_valid => "marker-blocks-valid",
    future_marker => "future-marker",
    static_header => "static-header",
    plugin_claudeai => "plugin-claudeai",
    config_dir => "config-dir",
    legacy_config => "legacy-config",
    symlinked_credentials => "symlinked-credentials",
    credentials_0644 => "credentials-0644",
    bom => "bom",
    truncated => "truncated",
    commented => "commented",
    trailing_comma => "trailing-comma",
    duplicate_key => "duplicate-key",
    empty_file => "empty-file",
    missing_project_dir => "missing-project-dir",
    windows_keys => "windows-keys",
    shared_registration => "shared-registration",
    user_and_local => "user-and-local",
    project_mcp_json => "project-mcp-json",
    invalid_config => "invalid-config",
    leftovers => "leftovers",
    plugins => "plugins",
    env_unset => "env-unset",
    empty_cache => "empty-cache",
    null_entry => "null-entry",
    redirect_port => "redirect-port",
    misfiled_secret => "misfiled-secret",
    stale_lock => "stale-lock",
    empty_home => "empty-home",
    secret_urls => "secret-urls",
    settings_disabled => "settings-disabled",
    settings_plugins => "settings-plugins",
    settings_approval => "settings-approval",
    settings_denied => "settings-denied",
    settings_unparseable => "settings-unparseable",
    streamable_http => "streamable-http",
    local_shadows_user => "local-shadows-user",
    launcher_keys => "launcher-keys",
    windows_credman => "windows-credman",
    windows_credman_off => "windows-credman-off",
    tilde_config_dir => "tilde-config-dir",
    tilde_config_dir_absolute => "tilde-config-dir-absolute",
    registration_failed => "registration-failed",
    scope_shortfall => "scope-shortfall",
    mcp_config => "mcp-config",
    container_callback => "container-callback",
    shared_macos_home => "shared-macos-home",
    mcp_remote_upgrade => "mcp-remote-upgrade",
    mcp_remote_leftovers => "mcp-remote-leftovers",
    anonymize_vocabulary => "anonymize-vocabulary",
    settings_invalid_plugins => "settings-invalid-plugins",
    git_worktree => "git-worktree",
    settings_drop_ins => "settings-drop-ins",
}

#[test]
fn every_scenario_has_expectations_and_a_test() {
    for s in common::scenarios() {
        assert!(
            EXPECTATIONS.iter().any(|e| e.0 == s),
            "testdata/{s} has no expectations"
        );
    }
}

/// Each code has a fixture that triggers it and one that must not (the `healthy` home must not
/// trigger anything at warning or above, and the table names explicit negatives).
#[test]
fn every_code_is_triggered_and_excluded_by_some_fixture() {
    // keychain-store needs macOS (the credentials are then in the Keychain); the others need a
    // running process, a fake `security` or a 50 MB file, so their own tests below make them.
    let platform_only = [
        "keychain-store",
        "claude-running",
        "keychain-file-split",
        "config-bloat",
    ];
    for code in all_codes() {
        if platform_only.contains(&code.as_str()) {
            continue;
        }
        assert!(
            EXPECTATIONS.iter().any(|e| e.1.contains(&code.as_str())),
            "no fixture triggers {code}"
        );
        assert!(
            EXPECTATIONS
                .iter()
                .any(|e| e.2.contains(&code.as_str()) || e.2.contains(&"*")),
            "no fixture excludes {code}"
        );
    }
}

#[test]
fn the_demo_explains_the_bug_report_in_claude_codes_terms() {
    let home = Home::fixture("demo");
    let (doc, _) = home.check_json();
    let quarri = doc["servers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "quarri")
        .unwrap();
    // §11: quarri|0c54185165cc81b2 is the live key, never called stale.
    assert_eq!(quarri["expected_key"], "quarri|0c54185165cc81b2");
    assert_eq!(quarri["verdict"], "skipped");
    assert_eq!(quarri["token"]["state"], "placeholder");
    let stale: Vec<_> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] == "stale-registration")
        .map(|f| f["key"].as_str().unwrap())
        .collect();
    assert_eq!(stale, vec!["quarri|fdee9dcb0f0c01de"]);
    let (human, _, _) = home.run(&["check"]);
    assert!(human.contains("Sessions will skip 'quarri'"), "{human}");
    assert!(human.contains("trailing slash"), "{human}");
}

#[test]
fn check_never_writes() {
    for name in common::scenarios() {
        let home = Home::fixture(&name);
        let before = snapshot_tree(&home.path);
        for args in [
            &["check"][..],
            &["status"],
            &["paths"],
            &["check", "--format", "json"],
        ] {
            home.cmd(args).output().unwrap();
        }
        assert_eq!(before, snapshot_tree(&home.path), "{name}: files changed");
    }
}

fn snapshot_tree(
    dir: &std::path::Path,
) -> Vec<(std::path::PathBuf, Vec<u8>, Option<std::time::SystemTime>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let e = e.unwrap();
            let p = e.path();
            let meta = std::fs::symlink_metadata(&p).unwrap();
            if meta.is_dir() {
                stack.push(p.clone());
                out.push((p, Vec::new(), None));
            } else {
                let bytes = std::fs::read(&p).unwrap_or_default();
                out.push((p, bytes, meta.modified().ok()));
            }
        }
    }
    out.sort();
    out
}

#[test]
fn check_skip_leaves_a_code_out_of_the_report_and_the_exit_status() {
    let home = Home::fixture("env-changed");
    let (doc, code) = home.check_json();
    assert_eq!(code, 4);
    assert!(codes(&doc).contains(&"stale-registration".to_string()));
    let (stdout, _, code) = home.run(&[
        "check",
        "--skip",
        "stale-registration",
        "--skip",
        "needs-auth-cache-gap",
        "--format",
        "json",
    ]);
    let doc: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert!(!codes(&doc).contains(&"stale-registration".to_string()));
    assert!(
        doc["servers"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| !s["findings"].to_string().contains("stale-registration"))
    );
    assert_eq!(code, 0, "{stdout}");
    let (_, stderr, code) = home.run(&["check", "--skip", "no-such-code"]);
    assert_eq!(code, 2, "{stderr}");
}
