//! What the words say: advice the user can follow as printed (issue 12 defects 9, 11, 16).

use crate::common;

use common::Home;

/// The stale-lock advice says `rmdir` the lock directory: its name, made of a key, must be shown
/// whole, in every format and command that prints it.
#[test]
fn a_stale_lock_names_the_directory_to_remove() {
    let home = Home::fixture("stale-lock");
    let lock = "mcp-refresh-linear_638130d5ab3558f4.lock.lock";
    for args in [
        &["check"][..],
        &["check", "--format", "json"],
        &["report"],
        &["report", "--format", "json"],
    ] {
        let (out, _, _) = home.run(args);
        assert!(out.contains(lock), "{args:?}: {lock} not shown:\n{out}");
        assert!(
            !out.contains("[redacted"),
            "{args:?}: something redacted:\n{out}"
        );
    }
}

/// The last line of `check`.
fn closing_line(home: &Home) -> String {
    let (out, _, _) = home.run(&["check"]);
    out.trim_end()
        .lines()
        .last()
        .unwrap_or_default()
        .to_string()
}

/// `check`'s closing line counts in words ("no infos", "1 repair") and points at
/// `fix --dry-run` only when fix would change something, with the number of steps fix shows.
#[test]
fn the_closing_line_counts_what_fix_would_do() {
    for name in [
        "demo",
        "trailing-slash",
        "credentials-0644",
        "healthy",
        "commented",
    ] {
        let home = Home::fixture(name);
        let last = closing_line(&home);
        assert!(!last.contains("(s)"), "{name}: {last}");
        assert!(!last.contains(" 0 "), "{name}: {last}");
        assert!(!last.starts_with("0 "), "{name}: {last}");
        let (dry, _, _) = home.run(&["fix", "--dry-run", "--format", "json"]);
        let doc: serde_json::Value = serde_json::from_str(&dry).expect("fix JSON");
        let steps = doc["plan"]["steps"].as_array().expect("steps").len();
        match steps {
            0 => assert!(!last.contains("fix --dry-run"), "{name}: {last}"),
            1 => assert!(
                last.ends_with("shows the 1 repair fix would make"),
                "{name}: {last}"
            ),
            n => assert!(
                last.ends_with(&format!("shows the {n} repairs fix would make")),
                "{name}: {last}"
            ),
        }
    }
    assert_eq!(
        closing_line(&Home::fixture("healthy")),
        "no errors, no warnings, no infos"
    );
}

/// No sentence contradicts another about the same server, and the sign-in instruction is given
/// once per server, in its next step; checked on every fixture's `check --format json`.
#[test]
fn findings_agree_with_their_server_and_sign_in_is_said_once() {
    let mut wrong = Vec::new();
    for name in common::scenarios() {
        let (doc, _) = Home::fixture(&name).check_json();
        let findings = doc["findings"].as_array().cloned().unwrap_or_default();
        for f in &findings {
            let msg = f["message"].as_str().unwrap_or_default();
            if msg.contains("(by hand:") {
                wrong.push(format!(
                    "{name} {}: sign-in instruction in a finding",
                    f["code"]
                ));
            }
        }
        for s in doc["servers"].as_array().into_iter().flatten() {
            let server = s["name"].as_str().unwrap_or_default();
            let explanation = s["explanation"].as_str().unwrap_or_default();
            let next = s["next_step"].as_str().unwrap_or_default();
            let about: Vec<&str> = findings
                .iter()
                .filter(|f| f["server"].as_str() == Some(server))
                .filter_map(|f| f["message"].as_str())
                .collect();
            let says_login = |t: &str| {
                t.contains("needs a login") || t.contains("sign in:") || t.contains("Sign in")
            };
            if next.contains("no sign-in needed")
                && let Some(m) = about.iter().find(|m| says_login(m))
            {
                wrong.push(format!("{name} {server}: '{next}' beside '{m}'"));
            }
            if explanation.contains("right for a server that needs none")
                && let Some(m) = about.iter().find(|m| m.contains("needs a login"))
            {
                wrong.push(format!("{name} {server}: '{explanation}' beside '{m}'"));
            }
            // The real client's `claude mcp list` ignores markers and placeholders, nothing else.
            let ignored = s["token"]["state"] == "placeholder"
                || matches!(s["marker"]["state"].as_str(), Some("fresh" | "future"));
            if explanation.contains("connects anyway") && !ignored {
                wrong.push(format!(
                    "{name} {server}: 'connects anyway' without a marker or placeholder"
                ));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// An empty or BOM-only credentials file is what Claude Code reads as "no credentials": every
/// server is signed out as far as Claude Code is concerned, nothing is lost by its next write,
/// and nothing says the credentials "could not be read" (issue 12 defect 15).
#[test]
fn an_empty_credentials_file_is_signed_out_not_unreadable() {
    for bytes in [&b""[..], b"\xef\xbb\xbf", b"\xef\xbb\xbf  \n"] {
        let home = Home::fixture("empty-file");
        std::fs::write(home.path.join(".claude/.credentials.json"), bytes).unwrap();
        let (doc, code) = home.check_json();
        assert_eq!(code, 4, "{bytes:?}");
        let linear = doc["servers"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["name"] == "linear")
            .expect("linear");
        let explanation = linear["explanation"].as_str().unwrap();
        assert!(
            explanation.contains("signed out as far as Claude Code is concerned"),
            "{bytes:?}: {explanation}"
        );
        assert!(!explanation.contains("could not be read"), "{explanation}");
        for f in doc["findings"].as_array().unwrap() {
            let msg = f["message"].as_str().unwrap();
            assert!(!msg.contains("losing everything"), "{bytes:?}: {msg}");
            assert!(!msg.contains("after the mark is valid"), "{bytes:?}: {msg}");
        }
        let unparseable = doc["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["code"] == "unparseable-file")
            .expect("unparseable-file");
        assert!(
            unparseable["message"]
                .as_str()
                .unwrap()
                .contains("signed out as far as Claude Code is concerned"),
            "{bytes:?}: {}",
            unparseable["message"]
        );
    }
}

/// An I/O error says which command was doing what, and where (issue 12 defect 15).
#[test]
fn an_io_error_names_the_command_the_step_and_the_path() {
    let home = Home::fixture("demo");
    std::fs::write(home.path.join(".claude/backups"), b"").unwrap();
    let (_, stderr, code) = home.run(&["fix", "--yes"]);
    let stderr = common::unwrap_lines(&stderr);
    assert_eq!(code, 8, "{stderr}");
    assert!(
        stderr.starts_with(
            "mcp-auth-doctor: error: fix: cannot open the backup folder \
             [HOME]/.claude/backups/mcp-auth-doctor: "
        ),
        "{stderr}"
    );
}

/// One vocabulary of verdicts: the word `status`, `check`, `login` and the report show is the
/// `verdict` of `check --format json`, so a script and a reader say the same thing.
#[test]
fn human_verdict_words_are_the_json_words() {
    let mut seen = std::collections::BTreeSet::new();
    for name in [
        "demo",
        "settings-approval",
        "invalid-config",
        "static-header",
    ] {
        let home = Home::fixture(name);
        let (doc, _) = home.check_json();
        let (status, _, _) = home.run(&["status"]);
        let (report, _, _) = home.run(&["report"]);
        // Wide, so that each server's header is one line.
        let out = home.cmd(&["check"]).env("COLUMNS", "400").output().unwrap();
        let check = String::from_utf8_lossy(&out.stdout).into_owned();
        let rows: Vec<&str> = status
            .lines()
            .skip(1)
            .take_while(|l| !l.is_empty())
            .collect();
        let servers = doc["servers"].as_array().expect("servers");
        assert_eq!(rows.len(), servers.len(), "{name}:\n{status}");
        for (row, s) in rows.iter().zip(servers) {
            let verdict = s["verdict"].as_str().unwrap();
            seen.insert(verdict.to_string());
            assert!(
                row.ends_with(&format!("  {verdict}")),
                "{name}: status row does not end with the JSON verdict {verdict:?}: {row}"
            );
            assert!(
                report.contains(&format!("| {verdict} |")),
                "{name}: report has no row with {verdict:?}"
            );
            let header = format!("{} (", s["name"].as_str().unwrap());
            let line = check
                .lines()
                .find(|l| l.starts_with(&header))
                .unwrap_or_else(|| panic!("{name}: no header for {header}"));
            assert!(
                line.ends_with(&format!("  {verdict}")),
                "{name}: check header does not end with {verdict:?}: {line}"
            );
        }
    }
    // The words that differed before: two-word verdicts.
    assert!(
        seen.iter().any(|v| v.contains('-')),
        "no multi-word verdict in these fixtures: {seen:?}"
    );
}

/// "Fix the definition" names the server, its url and scope, never `NAME URL` placeholders.
#[test]
fn fix_the_definition_fills_in_the_name_and_url() {
    let next_of = |fixture: &str, extra: &[&str], server: &str| -> String {
        let home = Home::fixture(fixture);
        let mut args = vec!["check", "--format", "json"];
        args.extend(extra);
        let (out, _, _) = home.run(&args);
        let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
        let s = doc["servers"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["name"] == server)
            .unwrap_or_else(|| panic!("{fixture}: no {server}"));
        s["next_step"].as_str().unwrap_or_default().to_string()
    };
    let notion = next_of("invalid-config", &[], "notion");
    assert!(
        notion.contains(
            "`claude mcp remove notion -s user`, then `claude mcp add --transport http -s user \
             notion https://mcp.notion.com/mcp`"
        ),
        "{notion}"
    );
    let empty = next_of("invalid-config", &[], "empty");
    assert!(
        empty.contains("`claude mcp remove empty -s user`"),
        "{empty}"
    );
    let context7 = next_of(
        "streamable-http",
        &["--claude-version", "2.1.100"],
        "context7",
    );
    assert!(context7.contains(" context7 https://"), "{context7}");
    for text in [&notion, &empty, &context7] {
        assert!(!text.contains("NAME") && !text.contains("URL"), "{text}");
    }
}

/// A finding's `action` in JSON is what `fix` will do for it: the placeholder under quarri's
/// live key is replaced by the move of the old key's entry (stale-registration), not removed on
/// its own, in `check --format json`, the JSON report and the Markdown report alike.
#[test]
fn the_json_action_is_the_change_the_plan_makes() {
    let home = Home::fixture("demo");
    let (plan_out, _, _) = home.run(&["fix", "--dry-run", "--format", "json"]);
    let plan: serde_json::Value = serde_json::from_str(&plan_out).unwrap();
    let planned: Vec<String> = plan["plan"]["steps"]
        .as_array()
        .expect("plan steps")
        .iter()
        .map(|s| s["action"]["summary"].as_str().unwrap().to_string())
        .collect();
    let (check, _) = home.check_json();
    let (report, _, _) = home.run(&["report", "--format", "json"]);
    let report: serde_json::Value = serde_json::from_str(&report).unwrap();
    for doc in [&check, &report] {
        let pending = doc["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["code"] == "pending-registration")
            .expect("pending-registration");
        assert_eq!(pending["action"]["kind"], "move-entry", "{pending:#}");
        for f in doc["findings"].as_array().unwrap() {
            if let Some(summary) = f["action"]["summary"].as_str() {
                assert!(
                    planned.iter().any(|p| p == summary),
                    "{} says {summary:?}, the plan does {planned:?}",
                    f["code"]
                );
            }
        }
    }
    let (markdown, _, _) = home.run(&["report"]);
    assert!(
        !markdown.contains("fix would: remove mcpOAuth entry \"quarri|"),
        "{markdown}"
    );
}

/// Wrapped text never breaks inside a command: a `backticked` command stays on one line (a
/// line with an odd number of backticks has half of one), and so does a bare
/// `mcp-auth-doctor restore <id>` with its backup id.
#[test]
fn wrapping_never_breaks_inside_a_command() {
    let mut broken = Vec::new();
    for columns in ["60", "80"] {
        for fixture in [
            "demo",
            "invalid-config",
            "expired",
            "settings-approval",
            "stale-lock",
        ] {
            let home = Home::fixture(fixture);
            for args in [
                &["check"][..],
                &["fix", "--dry-run"],
                &["status"],
                &["fix", "--yes"],
                &["login", "linear", "--dry-run"],
            ] {
                let out = home.cmd(args).env("COLUMNS", columns).output().unwrap();
                let text = format!(
                    "{}{}",
                    String::from_utf8_lossy(&out.stdout),
                    String::from_utf8_lossy(&out.stderr)
                );
                for line in text.lines() {
                    let ticks = line.matches('`').count();
                    let bare_restore = line.trim_end().ends_with("mcp-auth-doctor restore")
                        || line.trim_end().ends_with("mcp-auth-doctor");
                    if ticks % 2 == 1 || bare_restore {
                        broken.push(format!("{fixture} {args:?} COLUMNS={columns}: {line}"));
                    }
                }
            }
        }
    }
    assert!(
        broken.is_empty(),
        "commands broken across lines:\n{}",
        broken.join("\n")
    );
}

/// The backup `fix` made is shown under `~`, as every other path for people is.
#[test]
fn the_backup_path_is_shown_with_the_home_as_tilde() {
    let home = Home::fixture("demo");
    let (out, _, code) = home.run(&["fix", "--yes"]);
    assert_eq!(code & 1, 1, "{out}");
    assert!(
        out.contains("Backup: ~/.claude/backups/mcp-auth-doctor/"),
        "{out}"
    );
}

/// The stale-lock advice gives the whole command to run, kept in one piece when wrapped.
#[test]
fn the_stale_lock_advice_is_a_command_to_paste() {
    let home = Home::fixture("stale-lock");
    let out = home.cmd(&["check"]).env("COLUMNS", "80").output().unwrap();
    let text = common::unwrap_lines(&String::from_utf8_lossy(&out.stdout));
    assert!(
        text.contains("`mcp-auth-doctor fix --break-stale-lock`"),
        "{text}"
    );
}

/// The messages of `code` in `doc` (a `check --format json` document) about `server`.
fn messages_of(doc: &serde_json::Value, code: &str, server: &str) -> Vec<String> {
    doc["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["code"] == code && f["server"] == server)
        .map(|f| f["message"].as_str().expect("message").to_string())
        .collect()
}

/// A `.mcp.json` server nobody approved has an "approve it" next step: its missing-registration
/// note must not send the user to that step to sign in, and must say approval comes first.
#[test]
fn a_server_pending_approval_is_not_told_its_next_step_signs_in() {
    let home = Home::fixture("settings-approval");
    let (out, _, _) = home.run(&["--project", "app-untrusted", "check", "--format", "json"]);
    let doc: serde_json::Value = serde_json::from_str(&out).expect("check JSON");
    for server in ["p1", "pending"] {
        let found = messages_of(&doc, "missing-registration", server);
        assert_eq!(found.len(), 1, "{server}: {doc}");
        let message = &found[0];
        assert!(
            !message.contains("the server's next step says how"),
            "{server}: {message}"
        );
        assert!(message.contains("approv"), "{server}: {message}");
    }
    // A loaded server keeps pointing at its (sign-in) next step.
    let (out, _, _) = home.run(&["check", "--format", "json"]);
    let doc: serde_json::Value = serde_json::from_str(&out).expect("check JSON");
    let found = messages_of(&doc, "missing-registration", "pending");
    assert_eq!(found.len(), 1, "{doc}");
    assert!(
        found[0].contains("the server's next step says how"),
        "{}",
        found[0]
    );
}

/// A marker that is there but expired shows as `expired` in `status`; needs-auth-cache-gap
/// must say the same, not that the server has no marker.
#[test]
fn an_expired_marker_is_called_expired_not_missing() {
    let home = Home::fixture("anonymize-vocabulary");
    let (status, _, _) = home.run(&["status"]);
    let row = status
        .lines()
        .find(|l| l.starts_with("a "))
        .unwrap_or_else(|| panic!("{status}"));
    assert!(row.contains("expired  needs-login"), "{row}");
    let (doc, _) = home.check_json();
    let found = messages_of(&doc, "needs-auth-cache-gap", "a");
    assert_eq!(found.len(), 1, "{doc}");
    assert!(
        !found[0].contains("has no needs-auth marker"),
        "{}",
        found[0]
    );
    assert!(
        found[0].contains("needs-auth marker has expired"),
        "{}",
        found[0]
    );
    // Where there is no marker at all, it still says so.
    let (doc, _) = Home::fixture("expired").check_json();
    let found = messages_of(&doc, "needs-auth-cache-gap", "linear");
    assert_eq!(found.len(), 1, "{doc}");
    assert!(
        found[0].contains("has no needs-auth marker"),
        "{}",
        found[0]
    );
}

/// `paths` shows each rule in one pair of parentheses, never "(<home>/.claude (... not set))".
#[test]
fn paths_rules_have_no_nested_parentheses() {
    let (out, _, _) = Home::fixture("demo").run(&["paths"]);
    let flat = common::unwrap_lines(&out);
    assert!(!flat.contains("not set))"), "{out}");
    assert!(
        flat.contains("(<home>/.claude, CLAUDE_CONFIG_DIR not set)"),
        "{out}"
    );
    // A literal `~` rule names the folder Claude Code starts in without a second pair.
    let (out, _, _) = Home::fixture("tilde-config-dir").run(&["paths"]);
    let flat = common::unwrap_lines(&out);
    assert!(!flat.contains("))"), "{out}");
    assert!(flat.contains("Claude Code starts in, here "), "{out}");
}

/// mcp-remote file names are a 32-hex hash and a fixed word: not secrets, shown whole (as in
/// `backups` after fix removed one).
#[test]
fn backups_name_mcp_remote_files_whole() {
    let home = Home::fixture("mcp-remote-leftovers");
    let (_, _, _) = home.run(&["fix", "--yes"]);
    for args in [&["backups"][..], &["backups", "--format", "json"]] {
        let (out, _, _) = home.run(args);
        assert!(
            out.contains("322e534fe675c04cd28f632049419f81_lock.json"),
            "{args:?}:\n{out}"
        );
        assert!(!out.contains("[redacted"), "{args:?}:\n{out}");
    }
}

/// On macOS with CLAUDE_CONFIG_DIR set, keychain-store names the suffixed Keychain item Claude
/// Code really uses, not the unsuffixed default.
#[test]
fn keychain_store_names_the_suffixed_item() {
    let home = Home::fixture("config-dir");
    for creds in [
        ".claude/.credentials.json",
        "profiles/work/.credentials.json",
    ] {
        std::fs::remove_file(home.path.join(creds)).unwrap();
    }
    let dir = home.path.join("profiles/work").display().to_string();
    let out = home
        .cmd(&["check", "--format", "json", "--no-keychain"])
        .env("MCP_AUTH_DOCTOR_TEST_OS", "macos")
        .output()
        .unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("check JSON");
    let message = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == "keychain-store")
        .unwrap_or_else(|| panic!("{doc}"))["message"]
        .as_str()
        .unwrap()
        .to_string();
    let service = mcp_auth_doctor::system::keychain::service_name(Some(&dir));
    assert!(service.len() > "Claude Code-credentials".len());
    assert!(message.contains(&format!("\"{service}\"")), "{message}");
}

/// mcp-remote's repairs and findings count files in words: "1 mcp-remote file", "2 ... files",
/// never "file(s)".
#[test]
fn mcp_remote_files_are_counted_in_words() {
    let home = Home::fixture("mcp-remote-leftovers");
    for args in [
        &["check"][..],
        &["check", "--format", "json"],
        &["fix", "--dry-run"],
    ] {
        let (out, _, _) = home.run(args);
        let flat = common::unwrap_lines(&out);
        assert!(!flat.contains("file(s)"), "{args:?}:\n{out}");
        assert!(
            flat.contains("remove 1 mcp-remote file of one server"),
            "{args:?}:\n{out}"
        );
        if args[0] == "check" {
            assert!(flat.contains("2 mcp-remote files in"), "{args:?}:\n{out}");
        }
    }
}
