//! `login NAME` with a fake `claude` on PATH (tests/bin/claude) that signs in like the real one:
//! it writes a token under the live key and, when asked, the needs-auth marker 2.1.100 leaves.

use crate::common;

use std::fs;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::Stdio;

use common::Home;
use serde_json::Value;

const LINEAR: &str = "linear|638130d5ab3558f4";

fn bin_path() -> String {
    let bin = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/bin");
    format!("{}:/usr/bin:/bin", bin.display())
}

fn creds(home: &Home) -> PathBuf {
    home.path.join(".claude/.credentials.json")
}

fn login_cmd(home: &Home, args: &[&str]) -> assert_cmd::Command {
    let mut cmd = home.cmd(args);
    cmd.env("PATH", bin_path())
        .env("MCP_AUTH_DOCTOR_TEST_TTY", "1")
        .env("FAKE_CLAUDE_KEY", LINEAR)
        .env("FAKE_CLAUDE_MARKER", "1")
        .env("FAKE_CLAUDE_ARGS", home.path.join("claude-args"))
        .env("FAKE_CLAUDE_SAW", home.path.join("claude-saw"));
    cmd
}

fn run(cmd: &mut assert_cmd::Command) -> (String, String, i32) {
    let out = cmd.output().unwrap();
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        out.status.code().unwrap_or(-1),
    )
}

/// The dead client is removed before the sign-in (which would reuse it), `--no-browser` is passed
/// through, the marker the sign-in leaves is cleared, and the verdict is printed.
#[test]
fn login_repairs_first_signs_in_clears_the_marker_and_checks_again() {
    let home = Home::fixture("expired");
    let (stdout, stderr, code) = run(&mut login_cmd(
        &home,
        &["login", "linear", "--yes", "--no-browser"],
    ));
    assert_eq!(code, 1, "fixed and linear is ok now:\n{stdout}{stderr}");
    assert_eq!(
        fs::read_to_string(home.path.join("claude-args")).unwrap(),
        "mcp login linear --no-browser\n"
    );
    assert_eq!(
        fs::read_to_string(home.path.join("claude-saw")).unwrap(),
        "absent\n",
        "the dead client registration was gone before the sign-in ran"
    );
    let steps: Vec<usize> = ["1. Repair", "2. Sign in", "3. Remove", "4. Check"]
        .iter()
        .map(|s| {
            stdout
                .find(s)
                .unwrap_or_else(|| panic!("no '{s}' in {stdout}"))
        })
        .collect();
    assert!(steps.windows(2).all(|w| w[0] < w[1]), "{stdout}");
    assert!(stdout.contains("linear (user): ok."), "{stdout}");
    assert_eq!(
        fs::read(home.path.join(".claude/mcp-needs-auth-cache.json")).unwrap(),
        b"{}",
        "the marker the sign-in left is gone"
    );
    let v: Value = serde_json::from_slice(&fs::read(creds(&home)).unwrap()).unwrap();
    assert_eq!(v["mcpOAuth"][LINEAR]["accessToken"], "at-CANARY-fake-login");
    assert!(!stdout.contains(common::CANARY) && !stderr.contains(common::CANARY));
}

#[test]
fn without_claude_on_path_login_says_so_and_changes_nothing() {
    let home = Home::fixture("expired");
    let before = fs::read(creds(&home)).unwrap();
    let (stdout, stderr, code) = home.run(&["login", "linear", "--yes"]);
    assert_eq!(code, 8, "{stdout}{stderr}");
    assert!(stderr.contains("not on PATH"), "{stderr}");
    assert_eq!(fs::read(creds(&home)).unwrap(), before);
    assert!(!home.path.join(".claude/backups").exists());
}

#[test]
fn login_dry_run_shows_the_steps_and_runs_nothing() {
    let home = Home::fixture("expired");
    let before = fs::read(creds(&home)).unwrap();
    let (stdout, _, code) = run(&mut login_cmd(&home, &["login", "linear", "--dry-run"]));
    assert_eq!(code, 4, "{stdout}");
    assert!(stdout.contains("dead-client-registration"), "{stdout}");
    assert!(stdout.contains("run `claude mcp login linear`"), "{stdout}");
    assert!(stdout.contains("Dry run: nothing was changed."), "{stdout}");
    assert!(
        !home.path.join("claude-args").exists(),
        "claude was not run"
    );
    assert_eq!(fs::read(creds(&home)).unwrap(), before);
}

#[test]
fn a_failed_sign_in_is_reported_and_exits_with_problems() {
    let home = Home::fixture("expired");
    let (stdout, _, code) =
        run(login_cmd(&home, &["login", "linear", "--yes"]).env("FAKE_CLAUDE_FAIL", "1"));
    assert_eq!(code & 4, 4, "linear still needs a sign-in:\n{stdout}");
    assert!(stdout.contains("`claude mcp login` ended with"), "{stdout}");
}

#[test]
fn login_knows_only_configured_names() {
    let home = Home::fixture("removed-orphan");
    let (_, stderr, code) = run(&mut login_cmd(&home, &["login", "linaer", "--yes"]));
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("did you mean 'linear'?"), "{stderr}");
    let (_, stderr, code) = run(&mut login_cmd(&home, &["login", "sentry", "--yes"]));
    assert_eq!(
        code, 2,
        "sentry has state but no scope configures it: {stderr}"
    );
    assert!(stderr.contains("fix --server sentry"), "{stderr}");
}

/// Releases before 2.1.186 have no `claude mcp login`: login prints the /mcp steps and waits for
/// Enter; the marker a 2.1.100 sign-in leaves is cleared afterwards.
#[test]
fn on_an_older_release_login_waits_for_the_sign_in_in_a_session() {
    let home = Home::fixture("expired");
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_mcp-auth-doctor"))
        .args(["login", "linear", "--yes"])
        .env_clear()
        .env("HOME", &home.path)
        .env("MCP_AUTH_DOCTOR_NOW", common::NOW_MS)
        .env("NO_COLOR", "1")
        .env("PATH", bin_path())
        .env("FAKE_CLAUDE_VERSION", "2.1.100")
        .env("FAKE_CLAUDE_ARGS", home.path.join("claude-args"))
        .current_dir(&home.path)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut seen = String::new();
    while !seen.contains("Press Enter") {
        let mut line = String::new();
        assert!(
            stdout.read_line(&mut line).unwrap() > 0,
            "ended early: {seen}"
        );
        seen.push_str(&line);
    }
    assert!(seen.contains("/mcp → linear → Authenticate"), "{seen}");
    assert!(
        !home.path.join("claude-args").exists(),
        "no claude mcp login on 2.1.100"
    );
    // The user signs in in a session: a token and the marker the tokenless connect left.
    let path = creds(&home);
    let mut v: Value = serde_json::from_slice(&fs::read(&path).unwrap()).unwrap();
    v["mcpOAuth"][LINEAR] = serde_json::json!({"serverName": "linear",
        "accessToken": "at-CANARY-session", "refreshToken": "rt-CANARY-session",
        "expiresAt": 4102444800000u64});
    fs::write(&path, serde_json::to_vec(&v).unwrap()).unwrap();
    let cache = home.path.join(".claude/mcp-needs-auth-cache.json");
    fs::write(&cache, r#"{"linear":{"timestamp":1780315100000}}"#).unwrap();
    child.stdin.take().unwrap().write_all(b"\n").unwrap();
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut stdout, &mut rest).unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(1), "{seen}{rest}");
    assert!(rest.contains("linear (user): ok."), "{rest}");
    assert_eq!(fs::read(&cache).unwrap(), b"{}");
}

/// A URL edited on the same origin: the repair moves the usable token to the live key, and the
/// real client then connects with no sign-in, so login does not run one (issue 10).
#[test]
fn login_skips_the_sign_in_when_the_repair_already_left_a_usable_token() {
    let home = Home::fixture("url-edited");
    let (stdout, stderr, code) = run(login_cmd(&home, &["login", "notion", "--yes"])
        .env("FAKE_CLAUDE_KEY", "notion|8725da5e03624de5"));
    assert_eq!(code, 1, "fixed, and notion is ok:\n{stdout}{stderr}");
    assert!(
        !home.path.join("claude-args").exists(),
        "claude mcp login was not run:\n{stdout}"
    );
    assert!(stdout.contains("2. Sign in: not needed"), "{stdout}");
    assert!(stdout.contains("notion (user): ok."), "{stdout}");
    let v: Value = serde_json::from_slice(&fs::read(creds(&home)).unwrap()).unwrap();
    assert!(v["mcpOAuth"]["notion|8725da5e03624de5"]["accessToken"].is_string());
    assert!(!stdout.contains(common::CANARY) && !stderr.contains(common::CANARY));
}

/// The dry run says the sign-in may not be needed when the plan moves a token to the live key.
#[test]
fn login_dry_run_says_a_move_may_make_the_sign_in_unneeded() {
    let home = Home::fixture("url-edited");
    let (stdout, _, code) = run(&mut login_cmd(&home, &["login", "notion", "--dry-run"]));
    assert_eq!(code, 4, "{stdout}");
    assert!(stdout.contains("unless the move above"), "{stdout}");
    assert!(!home.path.join("claude-args").exists());
}

/// `login --format json`: one document on stdout (the client's own lines and the progress go to
/// stderr), with the repair as fix's document, the sign-in, the marker removal and the verdict.
#[test]
fn login_in_json_prints_one_document_with_every_step() {
    let home = Home::fixture("expired");
    let (stdout, stderr, code) = run(&mut login_cmd(
        &home,
        &["login", "linear", "--yes", "--format", "json"],
    ));
    assert_eq!(code, 1, "{stdout}{stderr}");
    let mut doc: Value = serde_json::from_str(&stdout).expect("stdout is one JSON document");
    assert!(
        stderr.contains("Authentication successful. (fake)"),
        "{stderr}"
    );
    assert!(stderr.contains("2. Sign in"), "{stderr}");
    assert_eq!(doc["repair"]["command"], "login");
    assert_eq!(
        doc["repair"]["applied"][0]["code"],
        "dead-client-registration"
    );
    let backup = doc["repair"]["backup"].take();
    assert!(backup["id"].is_string(), "{doc}");
    assert_eq!(doc["sign_in"]["result"], "done");
    assert_eq!(doc["marker"][0]["action"]["kind"], "remove-marker");
    assert_eq!(doc["servers"][0]["verdict"], "ok");
    insta::assert_json_snapshot!("login-json-expired", doc, {
        ".repair.backup" => "[backup]",
        ".**.note" => "[note]",
        ".**.file" => "[file under the temp home]",
    });
    assert!(!stdout.contains(common::CANARY) && !stderr.contains(common::CANARY));
}

#[test]
fn login_dry_run_in_json_plans_the_sign_in() {
    let home = Home::fixture("url-edited");
    let (stdout, _, code) = run(&mut login_cmd(
        &home,
        &["login", "notion", "--dry-run", "--format", "json"],
    ));
    assert_eq!(code, 4, "{stdout}");
    let doc: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(doc["dry_run"], true);
    assert_eq!(doc["sign_in"]["result"], "planned");
    assert_eq!(doc["sign_in"]["command"], "claude mcp login notion");
    assert_eq!(
        doc["repair"]["plan"]["steps"][0]["action"]["kind"],
        "move-entry"
    );
    assert!(!home.path.join("claude-args").exists());
}

/// `claude mcp login` refuses to run without a terminal, and 2.1.332 clears the stored token
/// before it refuses (real client, tests/real-client/README.md): login refuses first, exit 2,
/// before the repair, and nothing is written.
#[test]
fn without_a_terminal_login_refuses_before_touching_anything() {
    let home = Home::fixture("expired");
    let before = fs::read(creds(&home)).unwrap();
    let (stdout, stderr, code) =
        run(login_cmd(&home, &["login", "linear", "--yes"]).env("MCP_AUTH_DOCTOR_TEST_TTY", "0"));
    assert_eq!(code, 2, "{stdout}{stderr}");
    assert!(stderr.contains("needs a terminal"), "{stderr}");
    assert!(stderr.contains("Nothing was changed"), "{stderr}");
    assert_eq!(fs::read(creds(&home)).unwrap(), before, "nothing written");
    assert!(
        !home.path.join("claude-args").exists(),
        "claude was not run"
    );
}

/// A server the settings switch off is not signed in to: Claude Code would not load it anyway.
#[test]
fn login_refuses_a_server_claude_code_does_not_load_here() {
    let home = Home::fixture("settings-disabled");
    let before = fs::read(creds(&home)).unwrap();
    let (stdout, stderr, code) = run(&mut login_cmd(&home, &["login", "off", "--yes"]));
    assert_eq!(code, 2, "{stdout}{stderr}");
    assert!(
        stderr.contains("'off' is disabled in this folder"),
        "{stderr}"
    );
    assert_eq!(fs::read(creds(&home)).unwrap(), before, "nothing written");
}

/// A server that already connects (a usable token under its live key, no marker) is not signed
/// in to again: login says so, runs no `claude` and writes nothing.
#[test]
fn login_leaves_a_server_that_already_connects_alone() {
    let home = Home::fixture("healthy");
    let before = fs::read(creds(&home)).unwrap();
    let (stdout, stderr, code) = run(&mut login_cmd(&home, &["login", "linear", "--yes"]));
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(stdout.contains("'linear' already connects"), "{stdout}");
    assert!(
        stdout.contains("`claude mcp login linear`"),
        "says how to sign in anyway: {stdout}"
    );
    assert!(
        !home.path.join("claude-args").exists(),
        "claude was not run"
    );
    assert_eq!(fs::read(creds(&home)).unwrap(), before);
    assert!(!home.path.join(".claude/backups").exists());
    let (json, _, code) = run(&mut login_cmd(
        &home,
        &["login", "linear", "--yes", "--format", "json"],
    ));
    assert_eq!(code, 0);
    let doc: Value = serde_json::from_str(&json).unwrap();
    assert_eq!(doc["sign_in"]["result"], "not-needed", "{doc:#}");
}

/// A local-scope server of another folder is not loaded in this one: signing in from here
/// would not connect it. Login names the folder to run it in.
#[test]
fn login_refuses_a_server_configured_only_for_another_folder() {
    let home = Home::fixture("missing-project-dir");
    let before = fs::read(creds(&home)).unwrap();
    let (stdout, stderr, code) = run(&mut login_cmd(&home, &["login", "linear", "--yes"]));
    assert_eq!(code, 2, "{stdout}{stderr}");
    assert!(
        stderr.contains("not loaded in this folder") && stderr.contains("~/code/app"),
        "{stderr}"
    );
    assert!(
        !home.path.join("claude-args").exists(),
        "claude was not run"
    );
    assert_eq!(fs::read(creds(&home)).unwrap(), before);
}

/// A dry run runs no `claude`, so it needs none: it says what would run, and that a real run
/// needs `claude` on PATH.
#[test]
fn login_dry_run_needs_no_claude_on_path() {
    let home = Home::fixture("expired");
    let (stdout, stderr, code) = home.run(&["login", "linear", "--dry-run"]);
    assert_eq!(code, 4, "{stdout}{stderr}");
    assert!(stdout.contains("run `claude mcp login linear`"), "{stdout}");
    assert!(stdout.contains("not on PATH"), "{stdout}");
    assert!(stdout.contains("Dry run: nothing was changed."), "{stdout}");
}

/// A server whose definition (or scope) Claude Code rejects is not signed in to: the sign-in
/// would not connect it. Login says what to fix first and changes nothing.
#[test]
fn login_refuses_a_server_whose_definition_claude_code_rejects() {
    let home = Home::fixture("invalid-config");
    let before = fs::read(home.path.join(".claude.json")).unwrap();
    for (name, first) in [
        ("notion", "claude mcp remove notion -s user"),
        ("linear", "fix or remove 'notion'"),
    ] {
        let (stdout, stderr, code) = run(&mut login_cmd(&home, &["login", name, "--yes"]));
        let stderr = common::unwrap_lines(&stderr);
        assert_eq!(code, 2, "{name}: {stdout}{stderr}");
        assert!(
            stderr.contains("invalid-config") && stderr.contains(first),
            "{stderr}"
        );
        assert!(
            !home.path.join("claude-args").exists(),
            "claude was not run"
        );
    }
    assert_eq!(fs::read(home.path.join(".claude.json")).unwrap(), before);
}

/// A numbered step that wraps goes on under its text (three columns in), not under its number.
#[test]
fn login_steps_wrap_under_their_text() {
    let home = Home::fixture("demo");
    let out = home
        .cmd(&["login", "quarri", "--dry-run"])
        .env("COLUMNS", "60")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = text.lines().collect();
    let step = lines
        .iter()
        .position(|l| l.starts_with("2. Sign in"))
        .unwrap_or_else(|| panic!("{text}"));
    assert!(
        lines[step + 1].starts_with("   ") && !lines[step + 1].starts_with("    "),
        "{text}"
    );
}
