//! The platform is a value: `MCP_AUTH_DOCTOR_TEST_OS` (a debug-build hook) makes the binary apply
//! another OS's rules on Linux, so the Windows rules that need a whole run (the home from
//! `USERPROFILE`, no mode bits, no process scan, the Credential Manager) are tested here. The pure
//! rules have unit tests with Windows inputs in `src/paths.rs` and `src/model/folder.rs`.

use std::fs;

use serde_json::Value;

use crate::common::{self, CANARY, Home};

/// [`Home::run`] with more environment variables.
fn run_env(home: &Home, args: &[&str], env: &[(&str, &str)]) -> (String, String, i32) {
    let mut cmd = home.cmd(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("run");
    let shown = home.path.display().to_string();
    let clean = |b: &[u8]| String::from_utf8_lossy(b).replace(&shown, "[HOME]");
    (
        clean(&out.stdout),
        clean(&out.stderr),
        out.status.code().unwrap_or(-1),
    )
}

fn json(stdout: &str, stderr: &str) -> Value {
    serde_json::from_str(stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {stdout}\n{stderr}"))
}

#[test]
fn the_home_comes_from_userprofile_when_the_target_is_windows() {
    let home = Home::fixture("healthy");
    let (out, err, code) = run_env(
        &home,
        &["paths", "--format", "json"],
        &[
            ("MCP_AUTH_DOCTOR_TEST_OS", "windows"),
            ("HOME", "/nonexistent-home-of-another-os"),
        ],
    );
    assert_eq!(code, 0, "{err}");
    let doc = json(&out, &err);
    assert_eq!(doc["home"], "[HOME]");
    assert_eq!(doc["home_chosen_by"], "%USERPROFILE%");
    // On Linux the same environment takes HOME.
    let elsewhere = home.path.join("elsewhere").display().to_string();
    let (out, err, _) = run_env(
        &home,
        &["paths", "--format", "json"],
        &[("HOME", &elsewhere)],
    );
    let doc = json(&out, &err);
    assert_eq!(doc["home"], "[HOME]/elsewhere");
    assert_eq!(doc["home_chosen_by"], "$HOME");
}

/// `text` with every LF made CRLF, as a Windows editor saves it.
fn crlf(text: &str) -> String {
    text.replace('\n', "\r\n")
}

/// A credentials file saved with CRLF line ends (pretty-printed by an editor, then repaired):
/// Claude Code's `JSON.parse` reads it, so must we, and fix's byte-exact edit keeps every CRLF and
/// every byte outside the member it changes.
#[test]
fn fix_on_a_crlf_credentials_file_keeps_crlf_and_every_untouched_byte() {
    let home = Home::fixture("trailing-slash");
    let creds = home.path.join(".claude/.credentials.json");
    let value: Value = serde_json::from_slice(&fs::read(&creds).unwrap()).unwrap();
    let before = crlf(&serde_json::to_string_pretty(&value).unwrap());
    fs::write(&creds, &before).unwrap();

    let (doc, _) = home.check_json();
    let lf_home = Home::fixture("trailing-slash");
    let (lf_doc, _) = lf_home.check_json();
    assert_eq!(common::codes(&doc), common::codes(&lf_doc), "CRLF parses");
    assert!(!common::codes(&doc).contains(&"unparseable-file".to_string()));

    let (out, err, code) = home.run(&["fix", "--yes"]);
    assert_eq!(code, 1, "fixed, no problem left: {out}\n{err}");
    let after = fs::read_to_string(&creds).unwrap();
    assert_ne!(after, before, "fix changed nothing");
    serde_json::from_str::<Value>(&after).expect("still JSON");
    assert_eq!(
        after.matches("\r\n").count(),
        after.matches('\n').count(),
        "a bare LF was written: {after:?}"
    );
    // The members fix does not touch, byte for byte: everything before `mcpOAuth`, and from the
    // member after it to the end.
    let head = before.find("\"mcpOAuth\"").unwrap();
    assert_eq!(after[..head], before[..head]);
    let tail = before.find("\"pluginSecrets\"").unwrap();
    assert!(after.ends_with(&before[tail..]), "{after}");
    assert!(!out.contains(CANARY) && !err.contains(CANARY));
}

/// No Unix mode bits on Windows: a credentials file mode 0644 is reported on Linux and not under
/// Windows rules (the explanation says why); and there is no `/proc` to scan, so the report says
/// "cannot tell" about running Claude Code processes, as on macOS.
#[test]
fn windows_rules_skip_mode_bits_and_cannot_tell_running_processes() {
    let home = Home::fixture("credentials-0644");
    let (doc, _) = home.check_json();
    assert!(common::codes(&doc).contains(&"credentials-permissions".to_string()));
    let windows = [("MCP_AUTH_DOCTOR_TEST_OS", "windows")];
    let (out, err, _) = run_env(&home, &["check", "--format", "json"], &windows);
    let codes = common::codes(&json(&out, &err));
    assert!(
        !codes.contains(&"credentials-permissions".to_string()),
        "{codes:?}"
    );
    let (out, _, _) = run_env(&home, &["--explain", "credentials-permissions"], &windows);
    assert!(out.contains("On Windows"), "{out}");

    let (report, err, _) = run_env(&home, &["report"], &windows);
    assert!(
        report.contains("cannot tell (process inspection is implemented for Linux only)"),
        "{report}\n{err}"
    );
}

/// The Credential Manager note follows the flag or the variable, under Windows rules only; the
/// variable is one of the state variables `paths` lists.
#[test]
fn the_credential_manager_is_named_only_on_windows_by_flag_or_variable() {
    let finding = |name: &str, env: &[(&str, &str)]| {
        let home = Home::fixture(name);
        let (out, err, _) = run_env(&home, &["check", "--format", "json"], env);
        common::codes(&json(&out, &err)).contains(&"windows-credential-manager".to_string())
    };
    let linux = [("MCP_AUTH_DOCTOR_TEST_OS", "linux")];
    assert!(
        finding("windows-credman", &[]),
        "the fixture's own rules: Windows"
    );
    assert!(
        !finding("windows-credman", &linux),
        "the flag means nothing on Linux"
    );
    assert!(!finding("windows-credman-off", &[]));
    let forced = [("CLAUDE_CODE_FORCE_WINDOWS_CREDMAN", "1")];
    assert!(finding("windows-credman-off", &forced));
    let forced_on_linux = [("CLAUDE_CODE_FORCE_WINDOWS_CREDMAN", "1"), linux[0]];
    assert!(!finding("windows-credman-off", &forced_on_linux));

    let home = Home::fixture("windows-credman");
    let (human, _, code) = home.run(&["check"]);
    assert_eq!(code, 0, "an info finding sets no exit bit: {human}");
    assert!(
        human.contains("info[windows-credential-manager]"),
        "{human}"
    );
    let (out, err, _) = run_env(&home, &["paths", "--format", "json"], &forced);
    let env = json(&out, &err)["environment"].clone();
    assert!(
        env.as_array()
            .unwrap()
            .iter()
            .any(|v| v["name"] == "CLAUDE_CODE_FORCE_WINDOWS_CREDMAN" && v["set"] == true),
        "{env}"
    );
}

/// Issue 9 item 5: `CLAUDE_CONFIG_DIR=~/.claude-work` (not expanded) is read as Claude Code reads
/// it, a folder named `~` in the folder checked; `paths` shows that path and why; the same tree
/// seen without the variable is a stray store; an absolute value says nothing.
#[test]
fn a_literal_tilde_config_dir_is_read_where_claude_code_keeps_it_and_stray_trees_are_listed() {
    let home = Home::fixture("tilde-config-dir");
    let (human, _, code) = home.run(&["check"]);
    assert_eq!(code, 4, "a warning: {human}");
    assert!(
        !human.contains("decoy"),
        "the home's own store was read: {human}"
    );
    assert!(human.contains("linear"), "{human}");
    assert!(human.contains("[HOME]/~/.claude-work"), "{human}");
    let (explain, _, _) = home.run(&["--explain", "literal-tilde-config-dir"]);
    assert!(explain.contains("does not expand ~"), "{explain}");

    let (out, err, _) = home.run(&["paths", "--format", "json"]);
    let doc = json(&out, &err);
    assert_eq!(doc["config_dir"], "[HOME]/~/.claude-work");
    assert!(
        doc["config_dir_chosen_by"]
            .as_str()
            .unwrap()
            .contains("does not expand ~"),
        "{doc}"
    );
    assert_eq!(
        doc["literal_tilde_stores"],
        serde_json::json!(["[HOME]/~/.claude-work"])
    );
    let (human, _, _) = home.run(&["paths"]);
    assert!(human.contains("stray"), "{human}");

    // From another folder Claude Code (and so this check) uses another store: empty there.
    let elsewhere = home.path.join("code");
    fs::create_dir(&elsewhere).unwrap();
    let folder = elsewhere.display().to_string();
    let (out, err, _) = home.run(&["paths", "--format", "json", "--project", &folder]);
    assert_eq!(json(&out, &err)["config_dir"], "[HOME]/code/~/.claude-work");

    // Without the variable (the shell's Claude Code), the tree is a stray store.
    let (out, err, code) = run_env(
        &home,
        &["check", "--format", "json"],
        &[("CLAUDE_CONFIG_DIR", "")],
    );
    let doc = json(&out, &err);
    let stray: Vec<_> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] == "literal-tilde-config-dir")
        .collect();
    assert_eq!(stray.len(), 1, "{doc}");
    assert_eq!(stray[0]["file"], "[HOME]/~/.claude-work");
    assert_eq!(code & 4, 4);
}
