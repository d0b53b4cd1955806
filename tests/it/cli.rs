//! The command line as a user meets it: exit statuses, usage errors, --explain, --list-checks,
//! paths, status, colour, and the generated checks reference.

use crate::common;

use common::{Home, codes};

#[test]
fn a_home_without_claude_code_is_not_broken() {
    let home = Home::fixture("empty-home");
    let (stdout, stderr, code) = home.run(&[]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("No Claude Code state found"), "{stdout}");
    let (doc, code) = home.check_json();
    assert_eq!(code, 0);
    assert_eq!(doc["state_found"], false);
}

#[test]
fn exit_status_is_the_same_in_every_format() {
    for (name, expected) in [("demo", 4), ("healthy", 0)] {
        let home = Home::fixture(name);
        for args in [
            &["check"][..],
            &["check", "--format", "json"],
            &["status"],
            &["status", "--format", "json"],
        ] {
            let (_, _, code) = home.run(args);
            assert_eq!(code, expected, "{name} {args:?}");
        }
    }
}

#[test]
fn usage_errors_exit_2_and_say_what_to_do() {
    let home = Home::fixture("healthy");
    let (_, stderr, code) = home.run(&["--explain", "no-such-code"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("--list-checks"), "{stderr}");
    let (_, stderr, code) = home.run(&["check", "--now", "yesterday"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("RFC 3339"), "{stderr}");
    let (_, _, code) = home.run(&["no-such-command"]);
    assert_eq!(code, 2);
    let (_, stderr, code) = home.run(&["check", "--format", "markdown"]);
    assert_eq!(code, 2, "{stderr}");
}

#[test]
fn no_home_at_all_could_not_run() {
    let home = Home::fixture("empty-home");
    let out = home
        .cmd(&["check"])
        .env_remove("HOME")
        .env_remove("USERPROFILE")
        .output()
        .unwrap();
    // Without HOME, std falls back to the password database; only when that also fails is it
    // exit 8. Either way it must not panic.
    let code = out.status.code().unwrap();
    assert!(code == 0 || code == 4 || code == 8, "exit {code}");
    assert!(!String::from_utf8_lossy(&out.stderr).contains("panicked"));
}

#[test]
fn help_documents_the_exit_status() {
    let home = Home::fixture("empty-home");
    let (stdout, _, code) = home.run(&["--help"]);
    assert_eq!(code, 0);
    assert!(stdout.contains("EXIT STATUS"), "{stdout}");
    assert!(stdout.contains("32   cancelled"), "{stdout}");
}

#[test]
fn explain_prints_the_long_text() {
    let home = Home::fixture("empty-home");
    let (stdout, _, code) = home.run(&["--explain", "pending-registration"]);
    assert_eq!(code, 0);
    assert!(
        stdout.starts_with("pending-registration (warning/error)"),
        "{stdout}"
    );
    assert!(stdout.contains("How to fix it"), "{stdout}");
}

#[test]
fn docs_checks_md_matches_the_code() {
    let home = Home::fixture("empty-home");
    let (generated, _, code) = home.run(&["--list-checks", "--format", "markdown"]);
    assert_eq!(code, 0);
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/checks.md");
    if std::env::var_os("UPDATE_DOCS").is_some() {
        std::fs::write(&path, &generated).unwrap();
    }
    let on_disk = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        on_disk == generated,
        "docs/checks.md is out of date: run `UPDATE_DOCS=1 cargo test --test cli docs_checks_md`"
    );
}

#[test]
fn status_is_one_line_per_server() {
    let home = Home::fixture("demo");
    let (stdout, _, code) = home.run(&["status"]);
    assert_eq!(code, 4);
    let lines: Vec<&str> = stdout.lines().collect();
    assert!(lines[0].starts_with("SERVER"), "{stdout}");
    assert_eq!(lines.len(), 5, "{stdout}");
    let quarri = lines.iter().find(|l| l.starts_with("quarri")).unwrap();
    assert!(
        quarri.contains("placeholder") && quarri.contains("fresh") && quarri.ends_with("skipped"),
        "{quarri}"
    );
}

#[test]
fn paths_shows_the_symlink_chain_and_the_rule() {
    let home = Home::fixture("symlinked-credentials");
    let (doc_text, _, code) = home.run(&["paths", "--format", "json"]);
    assert_eq!(code, 0);
    let doc: serde_json::Value = serde_json::from_str(&doc_text).unwrap();
    let creds = doc["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["role"] == "credentials")
        .unwrap();
    assert_eq!(
        creds["symlinks"][0]["points_to"],
        "../dotfiles/claude/credentials.json"
    );
    assert_eq!(creds["mode"], "0600");
    assert_eq!(
        creds["target"],
        "[HOME]/.claude/../dotfiles/claude/credentials.json"
    );
    let (human, _, _) = home.run(&["paths"]);
    assert!(
        human.contains("~/.claude/.credentials.json -> ../dotfiles/claude/credentials.json"),
        "{human}"
    );
}

#[test]
fn paths_follow_claude_config_dir_and_home_flag_ignores_it() {
    let home = Home::fixture("config-dir");
    let (stdout, _, _) = home.run(&["paths", "--format", "json"]);
    let doc: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(doc["config_dir"], "[HOME]/profiles/work");
    assert_eq!(doc["config_dir_chosen_by"], "$CLAUDE_CONFIG_DIR");
    let (stdout, _, _) = home.run(&["check"]);
    assert!(
        !stdout.contains("decoy"),
        "the home's own state leaked in:\n{stdout}"
    );
    // --home means "this other home": the shell's CLAUDE_CONFIG_DIR is ignored, and said so.
    let path = home.path.display().to_string();
    let (stdout, _, _) = home.run(&["paths", "--home", &path]);
    assert!(
        stdout.contains("CLAUDE_CONFIG_DIR is set (ignored"),
        "{stdout}"
    );
    let (stdout, _, _) = home.run(&["check", "--home", &path]);
    assert!(stdout.contains("decoy"), "{stdout}");
}

#[test]
fn colour_only_when_asked_or_on_a_terminal() {
    let home = Home::fixture("demo");
    let (plain, _, _) = home.run(&["check"]);
    assert!(!plain.contains('\x1b'));
    let (coloured, _, _) = home.run(&["check", "--color", "always"]);
    assert!(coloured.contains("\x1b["));
}

#[test]
fn control_characters_from_files_are_neutralised() {
    let home = Home::fixture("healthy");
    let config = home.path.join(".claude.json");
    let text = std::fs::read_to_string(&config).unwrap();
    let evil = text.replacen("\"linear\"", "\"lin\\u001b[2Jear\"", 1);
    assert_ne!(text, evil);
    std::fs::write(&config, evil).unwrap();
    let (stdout, _, _) = home.run(&["check"]);
    assert!(!stdout.contains('\x1b'), "{stdout}");
    assert!(stdout.contains("lin\u{FFFD}[2Jear"), "{stdout}");
}

#[test]
fn probe_is_wired_to_the_command_line() {
    let home = Home::fixture("demo");
    let (_, stderr, code) = home.run(&["probe", "no-such-server"]);
    assert_eq!(code, 2, "{stderr}");
    // A closed loopback port: nothing leaves the machine.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{port}/mcp");
    let (stdout, _, code) = home.run(&["probe", &url, "--timeout", "2"]);
    assert_eq!(code, 4, "{stdout}");
    assert!(stdout.contains("Failed to connect"), "{stdout}");
    let (json, _, code) = home.run(&["probe", &url, "--timeout", "2", "--format", "json"]);
    assert_eq!(code, 4);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["schema"], 1);
}

#[test]
fn a_managed_mcp_json_takes_exclusive_control() {
    let home = Home::fixture("healthy");
    let managed = home.path.join("managed");
    std::fs::create_dir(&managed).unwrap();
    std::fs::write(
        managed.join("managed-mcp.json"),
        r#"{"mcpServers":{"corp":{"type":"http","url":"https://mcp.corp.example/mcp"}}}"#,
    )
    .unwrap();
    let (stdout, _, _) = home.run(&[
        "check",
        "--format",
        "json",
        "--managed-dir",
        managed.to_str().unwrap(),
    ]);
    let doc: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let verdicts: Vec<(String, String)> = doc["servers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["name"].as_str().unwrap().into(),
                s["verdict"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert!(
        verdicts.contains(&("linear".into(), "ignored".into())),
        "{verdicts:?}"
    );
    assert!(
        verdicts.contains(&("corp".into(), "no-token".into())),
        "{verdicts:?}"
    );
}

#[test]
fn the_report_strips_control_characters_from_names() {
    let home = Home::fixture("healthy");
    let config = home.path.join(".claude.json");
    let text = std::fs::read_to_string(&config).unwrap();
    std::fs::write(
        &config,
        text.replacen("\"linear\"", "\"lin\\u001b[2J|ear\\nx\"", 1),
    )
    .unwrap();
    let (md, _, _) = home.run(&["report"]);
    assert!(!md.contains('\x1b'), "{md}");
    assert!(md.contains("lin\u{FFFD}[2J"), "{md}");
}

#[test]
fn json_that_claude_code_reads_but_we_cannot_is_said_so() {
    let home = Home::fixture("healthy");
    let path = home.path.join(".claude/.credentials.json");
    let text = std::fs::read_to_string(&path).unwrap();
    let huge = format!("1{}", "0".repeat(400));
    let odd = text.replacen("\"x\":1", &format!("\"x\":{huge}"), 1);
    assert_ne!(odd, text);
    std::fs::write(&path, &odd).unwrap();
    let (doc, _) = home.check_json();
    let f = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == "unparseable-file")
        .unwrap_or_else(|| panic!("{doc}"));
    assert_eq!(f["evidence"]["error"], "unsupported");
    assert_eq!(f["severity"], "warning");
    assert!(
        f["message"]
            .as_str()
            .unwrap()
            .contains("Claude Code reads it"),
        "{f}"
    );
    // Nothing is judged from it, and nothing writes it.
    assert!(!codes(&doc).contains(&"missing-registration".to_string()));
    home.run(&["fix", "--yes"]);
    assert_eq!(std::fs::read_to_string(&path).unwrap(), odd);
}

#[test]
fn explain_is_taken_after_check_as_well_as_before_it() {
    let home = Home::fixture("empty-home");
    let (global, _, code) = home.run(&["--explain", "stale-lock"]);
    assert_eq!(code, 0);
    let (after, stderr, code) = home.run(&["check", "--explain", "stale-lock"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(after, global);
    let (_, stderr, code) = home.run(&["check", "--explain", "stale-lok"]);
    let stderr = common::unwrap_lines(&stderr);
    assert_eq!(code, 2);
    assert!(stderr.contains("did you mean 'stale-lock'"), "{stderr}");
}

/// Errors on stderr are wrapped to the page like stdout, also those found before the command
/// runs (a bad flag value), and a command in them stays whole.
#[test]
fn errors_are_wrapped_to_the_page_width() {
    let home = Home::fixture("expired");
    for args in [
        &["login", "linear", "--yes"][..],
        &["--now", "yesterday-ish", "check"],
        &["--explain", "stale-lok"],
    ] {
        let out = home.cmd(args).env("COLUMNS", "60").output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.starts_with("mcp-auth-doctor: error: "), "{stderr}");
        assert!(stderr.lines().count() > 1, "{args:?} not wrapped: {stderr}");
        for line in stderr.lines() {
            let t = line.trim();
            assert!(
                line.chars().count() <= 60 || !t.contains(' ') || t.starts_with('`'),
                "{args:?}: too wide: {line}"
            );
            assert_eq!(
                line.matches('`').count() % 2,
                0,
                "{args:?}: split command: {line}"
            );
        }
    }
}

/// `--explain CODE` for people is plain text: no Markdown markers (`**`, backticks, links) and
/// no escape codes when stdout is not a terminal; `--format markdown` and `--format json` keep
/// the Markdown (docs/checks.md is made of it).
#[test]
fn explain_for_people_renders_the_markdown() {
    let home = Home::fixture("empty-home");
    let (json, _, _) = home.run(&["--list-checks", "--format", "json"]);
    let listed: serde_json::Value = serde_json::from_str(&json).unwrap();
    let mut markdown_seen = false;
    for c in listed.as_array().unwrap() {
        let code = c["code"].as_str().unwrap();
        let (text, _, status) = home.run(&["--explain", code]);
        assert_eq!(status, 0);
        for marker in ["**", "`", "](", "\x1b"] {
            assert!(!text.contains(marker), "{code}: {marker:?} in:\n{text}");
        }
        let (md, _, _) = home.run(&["--explain", code, "--format", "markdown"]);
        let (js, _, _) = home.run(&["--explain", code, "--format", "json"]);
        let js: serde_json::Value = serde_json::from_str(&js).unwrap();
        if md.contains("**") {
            markdown_seen = true;
            assert!(js["explanation"].as_str().unwrap().contains("**"), "{code}");
        }
    }
    assert!(
        markdown_seen,
        "no explanation has Markdown: the test tests nothing"
    );
    // With colour forced, bold is bold.
    let (text, _, _) = home.run(&["--explain", "stale-lock", "--color", "always"]);
    assert!(text.contains("\x1b[1mWhat it means.\x1b[0m"), "{text}");
}

/// `check`, `status`, `paths` and `backups` are parsed by a lean command line (`cli::parse`):
/// options read the same before and after the subcommand, subcommand options and arguments
/// still work, and what that command line does not take still gets the whole one's answer.
#[test]
fn the_usual_command_lines_read_the_same_wherever_the_options_are() {
    let home = Home::fixture("demo");
    for (before, after) in [
        (
            &["--format", "json", "check"][..],
            &["check", "--format", "json"][..],
        ),
        (&["-q", "status"], &["status", "-q"]),
        (
            &["--color", "never", "paths"],
            &["paths", "--color", "never"],
        ),
        (
            &["--format", "json", "backups"],
            &["backups", "--format", "json"],
        ),
    ] {
        assert_eq!(home.run(before), home.run(after), "{before:?} / {after:?}");
    }
    let (all, _) = home.check_json();
    let code = all["findings"][0]["code"]
        .as_str()
        .expect("the demo has findings");
    let listed = format!("\"code\": \"{code}\"");
    let (unskipped, _, _) = home.run(&["check", "--format", "json"]);
    assert!(unskipped.contains(&listed), "{unskipped}");
    let (skipped, _, _) = home.run(&["check", "--format", "json", "--skip", code]);
    assert!(!skipped.contains(&listed), "{skipped}");
    let (explained, _, code_explain) = home.run(&["check", "--explain", code]);
    assert_eq!(code_explain, 0);
    assert!(explained.contains(code), "{explained}");
    // Help and a typo get the whole command line's answer.
    let (help, _, help_code) = home.run(&["status", "--help"]);
    assert_eq!(help_code, 0);
    assert!(help.contains("One line per server"), "{help}");
    let (_, typo, typo_code) = home.run(&["check", "--skp", code]);
    assert_eq!(typo_code, 2);
    assert!(typo.contains("--skip"), "{typo}");
}
