//! Issue 9 items 6–9: what offline state can know (item 9), scope shortfall (item 7),
//! `--mcp-config` files (item 6), containers / WSL / shared homes (item 8). Each fixture home
//! triggers its finding and holds a server that must not get it.

use serde_json::Value;

use crate::common;

use common::Home;

fn server<'a>(doc: &'a Value, name: &str) -> &'a Value {
    doc["servers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == name)
        .unwrap_or_else(|| panic!("no server {name}: {doc}"))
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

fn next_step(doc: &Value, name: &str) -> String {
    server(doc, name)["next_step"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

#[test]
fn a_pending_entry_whose_registration_failed_is_sent_to_probe_register_not_to_sign_in() {
    let home = Home::fixture("registration-failed");
    let (doc, _) = home.check_json_with(&[]);
    // acme: 2.1.332 recorded that the server offers no registration.
    let acme = next_step(&doc, "acme");
    assert!(acme.contains("probe acme --register"), "{acme}");
    assert!(acme.starts_with("not another sign-in"), "{acme}");
    assert!(!acme.contains("login"), "{acme}");
    let found = findings(&doc, "pending-registration", "acme");
    assert_eq!(found.len(), 1);
    assert!(
        found[0]["message"]
            .as_str()
            .unwrap()
            .contains("offered no registration")
    );
    // linear: the ordinary 2.1.332 pending entry (a plain connect saves no client): sign in.
    let linear = next_step(&doc, "linear");
    assert!(
        linear.starts_with("`mcp-auth-doctor login linear`"),
        "{linear}"
    );
    // 2.1.100 registers a client on every 401: its discovery-only entry means DCR failed.
    let (old, _) = home.check_json_with(&["--claude-version", "2.1.100"]);
    let linear = next_step(&old, "linear");
    assert!(linear.contains("probe linear --register"), "{linear}");
    let message = findings(&old, "pending-registration", "linear")[0]["message"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        message.contains("Claude Code 2.1.100 registers a client"),
        "{message}"
    );
}

/// Item 9: no verdict or finding promises an outcome only the server decides.
#[test]
fn no_server_dependent_outcome_is_promised() {
    // The homes where these sentences were said before (demo: a move; marker-blocks-valid: a
    // stale marker; settings-disabled: a kept token; healthy: valid tokens).
    for name in [
        "demo",
        "marker-blocks-valid",
        "settings-disabled",
        "healthy",
    ] {
        let home = Home::fixture(name);
        let (stdout, _, _) = home.run(&["check", "--format", "json"]);
        for promise in [
            "fixes them at once",
            "The effect is immediate",
            "works again as soon as",
            "Sessions connect with the stored token",
            "(no sign-in needed)",
        ] {
            assert!(!stdout.contains(promise), "{name}: {promise}");
        }
    }
    let home = Home::fixture("healthy");
    let (explain, _, _) = home.run(&["--explain", "stale-needs-auth-marker"]);
    assert!(
        explain.contains("if the server still accepts it"),
        "{explain}"
    );
}

#[test]
fn a_grant_narrower_than_the_step_up_or_the_pinned_scopes_asks_to_re_authenticate() {
    let home = Home::fixture("scope-shortfall");
    let (doc, code) = home.check_json_with(&[]);
    assert_eq!(code, 4, "warnings only");
    // linear: stepUpScope "read write" over a "read" grant.
    let linear = findings(&doc, "scope-shortfall", "linear");
    assert_eq!(linear.len(), 1, "{doc}");
    assert_eq!(
        linear[0]["evidence"]["missing_scopes"],
        serde_json::json!(["write"])
    );
    assert!(linear[0]["action"].is_null(), "deletes nothing");
    let m = linear[0]["message"].as_str().unwrap();
    assert!(m.contains("Re-authenticate to grant write"), "{m}");
    // notion: oauth.scopes pins comments:write.
    let notion = findings(&doc, "scope-shortfall", "notion");
    assert_eq!(notion.len(), 1);
    assert_eq!(
        notion[0]["evidence"]["missing_scopes"],
        serde_json::json!(["comments:write"])
    );
    // sentry (step-up within the grant) and atlassian (the pinned scopes, in another order):
    // nothing; every server keeps its verdict.
    for name in ["sentry", "atlassian"] {
        assert!(findings(&doc, "scope-shortfall", name).is_empty(), "{name}");
    }
    for name in ["linear", "notion", "sentry", "atlassian"] {
        assert_eq!(server(&doc, name)["verdict"], "ok", "{name}");
    }
    let (plan, _, _) = home.run(&["fix", "--dry-run"]);
    assert!(!plan.contains("linear|"), "no fix action: {plan}");
    let (explain, _, code) = home.run(&["--explain", "scope-shortfall"]);
    assert_eq!(code, 0);
    assert!(explain.contains("Re-authenticate"), "{explain}");
}

/// Item 6: the servers of a `--mcp-config` file are a scope of their own, so their entries are
/// live (without the flag the same entry is an orphan).
#[test]
fn mcp_config_servers_are_a_scope_and_their_entries_are_live() {
    let home = Home::fixture("mcp-config");
    let (plain, _) = home.check_json_with(&[]);
    assert_eq!(
        findings(&plain, "orphaned-registration", "sdk-notion").len(),
        1,
        "without the flag the entry has no server"
    );
    let (doc, code) = home.check_json_with(&["--mcp-config", "sdk/servers.json"]);
    assert_eq!(code, 0, "{doc}");
    assert!(findings(&doc, "orphaned-registration", "sdk-notion").is_empty());
    let notion = server(&doc, "sdk-notion");
    assert_eq!(notion["verdict"], "ok");
    assert_eq!(
        notion["scopes"],
        serde_json::json!(["mcp-config:~/sdk/servers.json"])
    );
    // Keyed as every other scope (state-formats.md §3): the key of the same http url. Real client:
    // a `claude -p --mcp-config FILE` session of 2.1.100 and of 2.1.332 wrote its pending entry
    // under the key we compute, `${VAR:-default}` in a header expanded (tests/real-client/README.md).
    assert_eq!(notion["expected_key"], "sdk-notion|eac663db915250e7");
    assert_eq!(server(&doc, "internal")["verdict"], "static-auth");
    // The file is listed with its role, and the flag can be given after the command or before.
    let files = doc["files"].as_array().unwrap();
    assert!(
        files
            .iter()
            .any(|f| f["role"] == "mcp-config" && f["path"] == "[HOME]/sdk/servers.json"),
        "{files:?}"
    );
    let (before, _, _) = home.run(&["--mcp-config", "sdk/servers.json", "check"]);
    assert!(before.contains("mcp-config:~/sdk/servers.json"), "{before}");
}

#[test]
fn a_broken_mcp_config_file_is_reported_with_its_line_and_column_and_never_written() {
    let home = Home::fixture("mcp-config");
    let broken = home.path.join("sdk/broken.json");
    let bytes = std::fs::read(&broken).unwrap();
    let (doc, _) = home.check_json_with(&[
        "--mcp-config",
        "sdk/servers.json",
        "--mcp-config",
        "sdk/broken.json",
    ]);
    let unparseable: Vec<&Value> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] == "unparseable-file")
        .collect();
    assert_eq!(unparseable.len(), 1, "{doc}");
    let m = unparseable[0]["message"].as_str().unwrap();
    assert!(m.contains("~/sdk/broken.json"), "{m}");
    assert!(m.contains("line 8, column 8"), "{m}");
    assert!(unparseable[0]["action"].is_null(), "never written");
    // Incomplete configs: nothing is judged orphaned.
    assert!(
        common::codes(&doc)
            .iter()
            .all(|c| c != "orphaned-registration")
    );
    let (_, _, _) = home.run(&[
        "fix",
        "--yes",
        "--mcp-config",
        "sdk/servers.json",
        "--mcp-config",
        "sdk/broken.json",
    ]);
    assert_eq!(std::fs::read(&broken).unwrap(), bytes);
}

#[test]
fn a_missing_mcp_config_file_is_a_usage_error() {
    let home = Home::fixture("mcp-config");
    let (stdout, stderr, code) = home.run(&["check", "--mcp-config", "sdk/nope.json"]);
    assert_eq!(code, 2, "{stdout}{stderr}");
    assert!(
        stderr.contains("--mcp-config [HOME]/sdk/nope.json: no such file"),
        "{stderr}"
    );
    assert!(stdout.is_empty());
}

/// No secret of a `--mcp-config` file (a header value, also in a file that does not parse) is
/// printed by any command, in any format.
#[test]
fn no_mcp_config_secret_is_printed() {
    let home = Home::fixture("mcp-config");
    let files = [
        "--mcp-config",
        "sdk/servers.json",
        "--mcp-config",
        "sdk/broken.json",
    ];
    let commands: &[&[&str]] = &[
        &["check"],
        &["check", "--format", "json"],
        &["check", "--format", "markdown"],
        &["status"],
        &["status", "internal", "--format", "json"],
        &["paths", "--format", "json"],
        &["report"],
        &["report", "--format", "json"],
        &["fix", "--dry-run", "--format", "json"],
    ];
    for args in commands {
        for extra in [&files[..2], &files[..]] {
            let mut all = args.to_vec();
            all.extend_from_slice(extra);
            let (stdout, stderr, _) = home.run(&all);
            for output in [&stdout, &stderr] {
                assert!(
                    !output.contains(common::CANARY),
                    "{all:?} printed the canary:\n{output}"
                );
                assert!(!output.contains("mcp-config-header"), "{all:?}: {output}");
            }
        }
    }
}

/// `check --format json` with extra environment variables (after the fixture's own).
fn check_env(home: &Home, set: &[(&str, &str)], unset: &[&str]) -> Value {
    let mut cmd = home.cmd(&["check", "--format", "json"]);
    for (k, v) in set {
        cmd.env(k, v);
    }
    for k in unset {
        cmd.env_remove(k);
    }
    let out = cmd.output().unwrap();
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&out.stdout)))
}

/// Item 8: a pending registration pinned to a random loopback port, in a container or WSL.
#[test]
fn a_random_callback_port_in_a_container_or_wsl_gets_the_three_ways_out() {
    let home = Home::fixture("container-callback");
    // The harness sets REMOTE_CONTAINERS=true for this home (tests/common/mod.rs).
    let (doc, _) = home.check_json_with(&[]);
    let acme = findings(&doc, "container-callback-port", "acme");
    assert_eq!(acme.len(), 1, "{doc}");
    let m = acme[0]["message"].as_str().unwrap();
    assert!(
        m.contains("a dev container (REMOTE_CONTAINERS is set)"),
        "{m}"
    );
    for advice in [
        "oauth.callbackPort",
        "forward it",
        "drop the pinned registration",
        "claude mcp login acme --no-browser",
    ] {
        assert!(m.contains(advice), "{advice}: {m}");
    }
    assert!(acme[0]["action"].is_null(), "advice only");
    assert_eq!(acme[0]["evidence"]["registered_port"], 53682);
    // notion fixes its port with oauth.callbackPort; linear is signed in.
    for name in ["notion", "linear"] {
        assert!(findings(&doc, "container-callback-port", name).is_empty());
    }
    // Outside a container: nothing.
    let plain = check_env(&home, &[], &["REMOTE_CONTAINERS"]);
    assert!(!common::codes(&plain).contains(&"container-callback-port".to_string()));
    // WSL, Codespaces and /.dockerenv say so too.
    let dockerenv = home.path.join(".dockerenv-marker");
    std::fs::write(&dockerenv, "").unwrap();
    let dockerenv = dockerenv.display().to_string();
    for (var, value, says) in [
        ("WSL_DISTRO_NAME", "Ubuntu", "WSL (Ubuntu)"),
        ("CODESPACES", "true", "GitHub Codespaces"),
        (
            "MCP_AUTH_DOCTOR_TEST_DOCKERENV",
            dockerenv.as_str(),
            "/.dockerenv exists",
        ),
    ] {
        let doc = check_env(&home, &[(var, value)], &["REMOTE_CONTAINERS"]);
        let found = findings(&doc, "container-callback-port", "acme");
        assert_eq!(found.len(), 1, "{var}: {doc}");
        let m = found[0]["message"].as_str().unwrap();
        assert!(m.contains(says), "{var}: {m}");
    }
}

/// Item 8: a Linux home that a macOS host shares loses its credentials file to the Keychain.
#[test]
fn a_linux_home_with_mac_projects_no_credentials_and_fresh_markers_is_a_shared_home() {
    let home = Home::fixture("shared-macos-home");
    let doc = check_env(&home, &[("MCP_AUTH_DOCTOR_TEST_OS", "linux")], &[]);
    let found: Vec<&Value> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] == "shared-macos-home")
        .collect();
    assert_eq!(found.len(), 1, "{doc}");
    let m = found[0]["message"].as_str().unwrap();
    assert!(m.contains("CLAUDE_CONFIG_DIR"), "{m}");
    assert!(m.contains("CLAUDE_SECURESTORAGE_CONFIG_DIR"), "{m}");
    assert!(found[0]["action"].is_null());
    // On macOS the missing file is the Keychain's doing, as it should be: nothing.
    let mac = check_env(&home, &[("MCP_AUTH_DOCTOR_TEST_OS", "macos")], &[]);
    assert!(!common::codes(&mac).contains(&"shared-macos-home".to_string()));
    // With the credentials file back, nothing either.
    std::fs::write(home.path.join(".claude/.credentials.json"), "{}").unwrap();
    let back = check_env(&home, &[("MCP_AUTH_DOCTOR_TEST_OS", "linux")], &[]);
    assert!(!common::codes(&back).contains(&"shared-macos-home".to_string()));
}

/// Every command printed for pasting carries the run's `--mcp-config` files: a `fix` pasted
/// without them would take those servers' entries for orphans and remove them.
#[test]
fn pasted_commands_carry_the_mcp_config_files() {
    let home = Home::fixture("registration-failed");
    std::fs::write(home.path.join("sdk.json"), r#"{"mcpServers": {}}"#).unwrap();
    let (doc, _) = home.check_json_with(&["--mcp-config", "sdk.json"]);
    let next = next_step(&doc, "linear");
    assert!(
        next.contains("mcp-auth-doctor --mcp-config [HOME]/sdk.json login linear"),
        "{next}"
    );
    let (human, _, _) = home.run(&["check", "--mcp-config", "sdk.json"]);
    assert!(
        human.contains("mcp-auth-doctor --mcp-config [HOME]/sdk.json fix"),
        "{human}"
    );
}

/// Item 8, made visible: `paths` (human and JSON) and the report (JSON top level `host`, the
/// Markdown's Environment row) say container / WSL / none.
#[test]
fn the_host_environment_is_shown_in_paths_and_the_report() {
    let home = Home::fixture("container-callback");
    let run = |args: &[&str], set: &[(&str, &str)], unset: &[&str]| -> String {
        let mut cmd = home.cmd(args);
        for (k, v) in set {
            cmd.env(k, v);
        }
        for k in unset {
            cmd.env_remove(k);
        }
        let out = cmd.output().unwrap();
        String::from_utf8(out.stdout).unwrap()
    };
    let json = |text: String| -> Value {
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
    };
    // The harness sets REMOTE_CONTAINERS=true for this home.
    let paths = json(run(&["paths", "--format", "json"], &[], &[]));
    assert_eq!(paths["host"]["kind"], "container", "{paths}");
    assert_eq!(
        paths["host"]["detail"],
        "a dev container (REMOTE_CONTAINERS is set)"
    );
    let human = run(&["paths"], &[], &[]);
    assert!(
        human
            .lines()
            .any(|l| l.starts_with("host") && l.contains("container")),
        "{human}"
    );
    let wsl = json(run(
        &["paths", "--format", "json"],
        &[("WSL_DISTRO_NAME", "Ubuntu")],
        &["REMOTE_CONTAINERS"],
    ));
    assert_eq!(wsl["host"]["kind"], "wsl");
    assert_eq!(wsl["host"]["detail"], "WSL (Ubuntu)");
    let none = json(run(
        &["paths", "--format", "json"],
        &[],
        &["REMOTE_CONTAINERS"],
    ));
    assert_eq!(none["host"]["kind"], "none", "{none}");
    let human = run(&["paths"], &[], &["REMOTE_CONTAINERS"]);
    assert!(
        human
            .lines()
            .any(|l| l.split_whitespace().eq(["host", "none"])),
        "{human}"
    );
    let report = json(run(&["report", "--format", "json"], &[], &[]));
    assert_eq!(report["host"]["kind"], "container", "{report}");
    let markdown = run(&["report"], &[], &[]);
    assert!(
        markdown.contains("| Host | container: a dev container (REMOTE_CONTAINERS is set) |"),
        "{markdown}"
    );
}

/// Issue 13 §2: `probe NAME --token` is pointed to where it decides the verdict, and only there.
/// A usable token that a fresh marker blocks: the marker says the server once refused a token, so
/// whether removing it (`fix`) is enough depends on the server; other verdicts keep their step.
#[test]
fn probe_token_is_the_next_step_only_where_the_server_decides() {
    let home = Home::fixture("marker-blocks-valid");
    let (doc, _) = home.check_json_with(&[]);
    let step = next_step(&doc, "linear");
    assert!(
        step.starts_with("`mcp-auth-doctor probe linear --token`")
            && step.contains("`mcp-auth-doctor fix` removes the marker")
            && step.contains("mcp-auth-doctor login linear"),
        "{step}"
    );
    // A healthy home: ok verdicts get no probe step.
    let home = Home::fixture("healthy");
    let (doc, _) = home.check_json_with(&[]);
    for s in doc["servers"].as_array().unwrap() {
        let text = s["next_step"].as_str().unwrap_or("");
        assert!(!text.contains("--token"), "{}: {text}", s["name"]);
    }
}
