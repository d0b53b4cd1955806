//! Release quality (issue 12): what a new user or a script meets first. Wrong directories are
//! usage errors, `paths` never contradicts itself, `--now` takes seconds too, severities agree,
//! codes get a did-you-mean, `status` says why it failed, text fits the terminal.

use crate::common;

use common::Home;

// ---- defect 2: a directory flag that names no directory -----------------------------------------

#[test]
fn a_missing_directory_flag_is_a_usage_error_naming_the_path() {
    let home = Home::fixture("healthy");
    for flag in ["--home", "--config-dir", "--project", "--managed-dir"] {
        let missing = home.path.join("no-such-dir");
        let (stdout, stderr, code) = home.run(&["check", flag, missing.to_str().unwrap()]);
        assert_eq!(code, 2, "{flag}: {stdout}{stderr}");
        assert!(stderr.contains(flag), "{flag}: {stderr}");
        assert!(stderr.contains("[HOME]/no-such-dir"), "{flag}: {stderr}");
        assert!(!stdout.contains("No Claude Code state found"), "{stdout}");
    }
    // A script reading JSON gets the documented error object.
    let missing = home.path.join("no-such-dir");
    let (stdout, _, code) = home.run(&[
        "check",
        "--format",
        "json",
        "--home",
        missing.to_str().unwrap(),
    ]);
    assert_eq!(code, 2);
    let doc: serde_json::Value = serde_json::from_str(&stdout).expect(&stdout);
    assert_eq!(doc["error"]["kind"], "usage", "{doc}");
}

#[test]
fn a_directory_flag_naming_a_file_is_a_usage_error() {
    let home = Home::fixture("healthy");
    let file = home.path.join(".claude.json");
    let (_, stderr, code) = home.run(&["status", "--home", file.to_str().unwrap()]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("is not a directory"), "{stderr}");
}

#[test]
fn a_mistyped_directory_gets_a_did_you_mean() {
    let home = Home::fixture("healthy");
    std::fs::create_dir(home.path.join("work-profile")).unwrap();
    let typo = home.path.join("work-profle");
    let (_, stderr, code) = home.run(&["paths", "--config-dir", typo.to_str().unwrap()]);
    let stderr = common::unwrap_lines(&stderr);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("did you mean [HOME]/work-profile?"),
        "{stderr}"
    );
}

#[test]
fn no_state_found_shows_the_real_paths_it_looked_at() {
    let home = Home::fixture("empty-home");
    // `check` (also as the default command) and `status` say it in the same words.
    let (status, _, _) = home.run(&["status"]);
    for args in [&["status"][..], &["check"], &[]] {
        let (stdout, _, code) = home.run(args);
        assert_eq!(code, 0, "{stdout}");
        assert!(stdout.contains("No Claude Code state found"), "{stdout}");
        assert!(stdout.contains("[HOME]/.claude.json"), "{stdout}");
        assert!(
            stdout.contains("[HOME]/.claude/.credentials.json"),
            "{stdout}"
        );
        assert!(stdout.contains("from $HOME"), "{args:?}: {stdout}");
        assert_eq!(stdout, status, "{args:?}");
    }
}

// ---- defect 13: `paths` wording ------------------------------------------------------------------

#[test]
fn paths_never_says_not_set_beside_set_but_ignored() {
    let home = Home::fixture("config-dir");
    let path = home.path.display().to_string();
    let (stdout, _, code) = home.run(&["paths", "--home", &path]);
    assert_eq!(code, 0, "{stdout}");
    assert!(
        stdout.contains("CLAUDE_CONFIG_DIR is set (ignored"),
        "{stdout}"
    );
    assert!(!stdout.contains("CLAUDE_CONFIG_DIR not set"), "{stdout}");
}

#[test]
fn paths_says_where_home_came_from_when_home_is_unset() {
    let home = Home::fixture("healthy");
    let out = home
        .cmd(&["paths"])
        .env_remove("HOME")
        .env_remove("USERPROFILE")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let first = stdout.lines().next().unwrap_or_default();
    assert!(first.starts_with("home"), "{stdout}");
    assert!(!first.contains("($HOME)"), "{first}");
    assert!(first.contains("HOME is not set"), "{first}");
}

// ---- defect 6: `--now` in seconds, and naming the variable ----------------------------------------

#[test]
fn now_takes_epoch_seconds_and_says_how_it_read_them() {
    let home = Home::fixture("expired");
    let (ms_doc, _) = home.check_json();
    let (secs, _, _) = home.run(&["check", "--format", "json", "--now", "1780315200"]);
    let secs: serde_json::Value = serde_json::from_str(&secs).unwrap();
    assert_eq!(secs["findings"], ms_doc["findings"]);
    let (paths, _, _) = home.run(&["paths", "--now", "1780315200"]);
    assert!(
        paths.contains("2026-06-01T12:00:00Z  (--now 1780315200, read as epoch seconds)"),
        "{paths}"
    );
    let (paths, _, _) = home.run(&["paths"]);
    assert!(
        paths.contains("(MCP_AUTH_DOCTOR_NOW 1780315200000, read as epoch milliseconds)"),
        "{paths}"
    );
}

#[test]
fn a_bad_now_variable_is_named_as_the_variable() {
    let home = Home::fixture("healthy");
    let out = home
        .cmd(&["check"])
        .env("MCP_AUTH_DOCTOR_NOW", "yesterday")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("MCP_AUTH_DOCTOR_NOW: 'yesterday'"),
        "{stderr}"
    );
    assert!(!stderr.contains("--now"), "{stderr}");
    let (_, stderr, code) = home.run(&["check", "--now", "later"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("--now: 'later'"), "{stderr}");
}

// ---- defect 5: one severity per code -------------------------------------------------------------

/// Every fixture under testdata/, by name.
fn fixtures() -> Vec<String> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata");
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| e.path().is_dir())
        .filter_map(|e| e.file_name().into_string().ok())
        .collect();
    names.sort();
    names
}

#[test]
fn every_finding_has_a_severity_list_checks_allows_for_its_code() {
    let (listed, _, _) = Home::fixture("healthy").run(&["--list-checks", "--format", "json"]);
    let listed: serde_json::Value = serde_json::from_str(&listed).unwrap();
    let allowed = |code: &str| -> Vec<String> {
        let c = listed
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["code"] == code)
            .unwrap_or_else(|| panic!("{code} is not listed"));
        match c["severities"].as_array() {
            Some(all) => all.iter().map(|s| s.as_str().unwrap().into()).collect(),
            None => vec![c["severity"].as_str().unwrap().into()],
        }
    };
    let mut seen = 0;
    for name in fixtures() {
        let (doc, _) = Home::fixture(&name).check_json();
        for f in doc["findings"].as_array().unwrap() {
            let (code, severity) = (f["code"].as_str().unwrap(), f["severity"].as_str().unwrap());
            assert!(
                allowed(code).iter().any(|s| s == severity),
                "{name}: {code} printed as {severity}, listed as {:?}",
                allowed(code)
            );
            seen += 1;
        }
    }
    assert!(seen > 50, "only {seen} findings in all fixtures");
}

#[test]
fn a_code_whose_severity_varies_says_why_in_explain() {
    let home = Home::fixture("healthy");
    let (list, _, _) = home.run(&["--list-checks"]);
    let line = list
        .lines()
        .find(|l| l.starts_with("pending-registration "))
        .unwrap();
    assert!(line.contains("warning/error"), "{line}");
    let (text, _, code) = home.run(&["--explain", "pending-registration"]);
    assert_eq!(code, 0);
    assert!(
        text.starts_with("pending-registration (warning/error)"),
        "{text}"
    );
    assert!(
        text.contains("Severity. Warning or error: a warning for"),
        "{text}"
    );
    let (text, _, _) = home.run(&["--explain", "expired-token"]);
    assert!(!text.contains("Severity."), "{text}");
    // The Markdown keeps its bold.
    let (md, _, _) = home.run(&["--explain", "pending-registration", "--format", "markdown"]);
    assert!(md.contains("**Severity.** Warning or error"), "{md}");
}

// ---- defect 7: did-you-mean for codes, probe codes in --explain, --explain as JSON ---------------

#[test]
fn a_mistyped_code_gets_a_did_you_mean_everywhere_codes_are_taken() {
    let home = Home::fixture("healthy");
    for args in [
        &["--explain", "stale-lok"][..],
        &["fix", "--dry-run", "--only", "stale-lok"],
        &["fix", "--dry-run", "--skip", "stale-lok"],
    ] {
        let (_, stderr, code) = home.run(args);
        let stderr = common::unwrap_lines(&stderr);
        assert_eq!(code, 2, "{args:?}: {stderr}");
        assert!(
            stderr.contains("'stale-lok' (did you mean 'stale-lock'?)"),
            "{args:?}: {stderr}"
        );
    }
    let (_, stderr, code) = home.run(&["--explain", "qqqqqqqq"]);
    assert_eq!(code, 2);
    assert!(!stderr.contains("did you mean"), "{stderr}");
}

#[test]
fn explain_knows_the_probes_codes() {
    let home = Home::fixture("healthy");
    let (stdout, stderr, code) = home.run(&["--explain", "waf-403"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.starts_with("waf-403 (error; reported by mcp-auth-doctor probe, step 1)"),
        "{stdout}"
    );
    assert!(stdout.contains("firewall"), "{stdout}");
    let (_, stderr, _) = home.run(&["--explain", "waf-404"]);
    assert!(stderr.contains("did you mean 'waf-403'?"), "{stderr}");
}

#[test]
fn explain_in_json_is_json() {
    let home = Home::fixture("healthy");
    let (stdout, _, code) = home.run(&["--explain", "pending-registration", "--format", "json"]);
    assert_eq!(code, 0);
    let doc: serde_json::Value = serde_json::from_str(&stdout).expect(&stdout);
    assert_eq!(doc["code"], "pending-registration");
    assert_eq!(doc["reported_by"], "check");
    assert_eq!(doc["severities"], serde_json::json!(["warning", "error"]));
    assert!(
        doc["explanation"]
            .as_str()
            .unwrap()
            .contains("How to fix it")
    );
    let (stdout, _, _) = home.run(&["--explain", "no-s256", "--format", "json"]);
    let doc: serde_json::Value = serde_json::from_str(&stdout).expect(&stdout);
    assert_eq!(doc["reported_by"], "probe");
    assert_eq!(doc["step"], "3");
    assert_eq!(doc["severity"], "error");
}

// ---- defect 3: status says why it exits 4; "no servers" only when true; NAME; local scope ------

#[test]
fn status_never_exits_4_without_saying_why() {
    let home = Home::fixture("credentials-0644");
    let (stdout, _, code) = home.run(&["status"]);
    assert_eq!(code, 4, "{stdout}");
    assert!(
        stdout.contains(
            "1 warning outside servers (credentials-permissions): run `mcp-auth-doctor check`"
        ),
        "{stdout}"
    );
    // Every fixture: a status that exits 4 shows a red row or names the findings.
    for name in fixtures() {
        let home = Home::fixture(&name);
        let (stdout, _, code) = home.run(&["status"]);
        let (doc, _) = home.check_json();
        let red_row = doc["servers"].as_array().unwrap().iter().any(|s| {
            [
                "skipped",
                "needs-login",
                "invalid-config",
                "fails-to-connect",
            ]
            .contains(&s["verdict"].as_str().unwrap_or(""))
        });
        if code == 4 && !red_row {
            // The footer is wrapped: compare with the line breaks as spaces.
            let one_line = stdout.split_whitespace().collect::<Vec<_>>().join(" ");
            assert!(
                one_line.contains("run `mcp-auth-doctor check`"),
                "{name}: {stdout}"
            );
        }
    }
}

#[test]
fn status_does_not_say_no_servers_when_the_config_could_not_be_parsed() {
    let home = Home::fixture("truncated");
    let (stdout, _, code) = home.run(&["status"]);
    assert_eq!(code, 4);
    assert!(
        !stdout.contains("No MCP servers are configured"),
        "{stdout}"
    );
    assert!(
        stdout.contains("No MCP servers could be read: ~/.claude.json cannot be parsed"),
        "{stdout}"
    );
    let (stdout, _, _) = Home::fixture("empty-cache").run(&["status"]);
    assert!(!stdout.contains("could be read"), "{stdout}");
}

#[test]
fn status_name_shows_only_that_server_and_its_exit_status() {
    let home = Home::fixture("demo");
    let (all, _, code) = home.run(&["status"]);
    assert_eq!(code, 4);
    assert!(all.contains("quarri"), "{all}");
    let (one, _, code) = home.run(&["status", "linear"]);
    assert!(one.contains("linear"), "{one}");
    assert!(!one.contains("quarri") && !one.contains("sentry"), "{one}");
    // demo's credentials are 0600 here, and linear is fine.
    assert_eq!(code, 0, "{one}");
    let (_, stderr, code) = home.run(&["status", "lnear"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("did you mean 'linear'?"), "{stderr}");
}

#[test]
fn status_shows_the_project_of_a_local_server() {
    let (stdout, _, _) = Home::fixture("user-and-local").run(&["status"]);
    assert!(stdout.contains("local:~/code/app"), "{stdout}");
}

// ---- defect 8: wrap to the terminal width ------------------------------------------------------

#[test]
fn prose_wraps_to_columns_and_to_100_without_a_terminal() {
    let home = Home::fixture("demo");
    let run = |columns: Option<&str>| {
        let mut cmd = home.cmd(&["check"]);
        if let Some(c) = columns {
            cmd.env("COLUMNS", c);
        }
        String::from_utf8(cmd.output().unwrap().stdout).unwrap()
    };
    let (narrow, default, wide) = (run(Some("80")), run(None), run(Some("160")));
    // The prose lines (explanations, findings, next steps); a few generated one-liners are
    // not wrapped yet (`fix would: ...`, the summary).
    let prose = |text: &str, width: usize| {
        text.lines()
            .filter(|l| !l.contains("fix would:") && !l.contains("mcp-auth-doctor fix --dry-run"))
            .filter(|l| l.chars().count() > width)
            .map(String::from)
            .collect::<Vec<_>>()
    };
    assert_eq!(prose(&narrow, 80), Vec::<String>::new());
    assert_eq!(prose(&default, 100), Vec::<String>::new());
    assert!(
        default.lines().any(|l| l.chars().count() > 80),
        "no line over 80 without COLUMNS: not wrapped at 100?"
    );
    assert!(narrow.lines().count() > default.lines().count());
    assert!(wide.lines().count() < default.lines().count());
}

// ---- completions, man page, --version, -v, -q ----------------------------------------------------

#[test]
fn completions_generate_for_every_shell() {
    let home = Home::fixture("empty-home");
    for (shell, marker) in [
        ("bash", "complete -F _mcp__auth__doctor"),
        ("zsh", "#compdef mcp-auth-doctor"),
        ("fish", "complete -c mcp-auth-doctor"),
        ("powershell", "Register-ArgumentCompleter"),
    ] {
        let (stdout, stderr, code) = home.run(&["completions", shell]);
        assert_eq!(code, 0, "{shell}: {stderr}");
        assert!(stdout.contains(marker), "{shell}: no {marker}");
        // Generated from the clap definition: subcommands and flags are in it.
        for word in ["status", "explain", "only", "dry-run"] {
            assert!(stdout.contains(word), "{shell}: no {word}");
        }
    }
    // The bash script loads, and registers the completion.
    let (script, _, _) = home.run(&["completions", "bash"]);
    let path = home.path.join("completion.bash");
    std::fs::write(&path, script).unwrap();
    let loaded = std::process::Command::new("bash")
        .arg("-c")
        .arg(format!(
            "source '{}' && complete -p mcp-auth-doctor",
            path.display()
        ))
        .output();
    if let Ok(out) = loaded {
        let registered = String::from_utf8_lossy(&out.stdout);
        assert!(registered.contains("_mcp__auth__doctor"), "{registered}");
    }
    let (_, stderr, code) = home.run(&["completions", "tcsh"]);
    assert_eq!(code, 2, "{stderr}");
}

#[test]
fn the_man_page_is_generated_from_the_command_line() {
    let (stdout, stderr, code) = Home::fixture("empty-home").run(&["man"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains(".TH mcp-auth-doctor 1"), "{stdout}");
    for section in [".SH NAME", ".SH SYNOPSIS", ".SH OPTIONS", ".SH SUBCOMMANDS"] {
        assert!(stdout.contains(section), "no {section}");
    }
    assert!(
        stdout.contains("EXIT STATUS"),
        "the exit status is in the man page"
    );
    assert!(stdout.contains("completions"), "{stdout}");
}

#[test]
fn version_is_short_and_verbose_version_names_the_known_releases() {
    let home = Home::fixture("empty-home");
    let (short, _, code) = home.run(&["--version"]);
    assert_eq!(code, 0);
    assert_eq!(
        short,
        format!("mcp-auth-doctor {}\n", env!("CARGO_PKG_VERSION"))
    );
    let (same, _, _) = home.run(&["-V"]);
    assert_eq!(same, short);
    let (long, _, code) = home.run(&["--version", "-v"]);
    assert_eq!(code, 0);
    assert!(long.starts_with(&short), "{long}");
    for release in ["2.1.100", "2.1.186", "2.1.332"] {
        assert!(long.contains(release), "{long}");
    }
    assert!(long.contains("needs-auth TTL  15 min"), "{long}");
}

#[test]
fn quiet_prints_nothing_but_keeps_the_exit_status_and_errors() {
    let home = Home::fixture("demo");
    let out = home.cmd(&["check", "-q"]).output().unwrap();
    assert_eq!(out.status.code(), Some(4));
    assert!(out.stdout.is_empty() && out.stderr.is_empty());
    let out = home
        .cmd(&["status", "--quiet", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(4));
    assert!(out.stdout.is_empty());
    let (_, stderr, code) = home.run(&["-q", "--explain", "nope"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("no check or probe finding"), "{stderr}");
    // A fix with no terminal cannot ask: that is an error, and -q still says so.
    let (stdout, stderr, code) = home.run(&["fix", "-q"]);
    assert_ne!(code & 8, 0, "{stdout}{stderr}");
    assert!(stdout.is_empty(), "{stdout}");
    assert!(!stderr.is_empty(), "-q hid why fix could not run");
}

#[test]
fn verbose_says_what_was_read_and_how_it_was_chosen() {
    let home = Home::fixture("healthy");
    let (stdout, stderr, code) = home.run(&["status", "-v"]);
    let (plain, _, plain_code) = home.run(&["status"]);
    assert_eq!(
        (stdout, code),
        (plain, plain_code),
        "-v changes only stderr"
    );
    assert!(stderr.contains("home [HOME] (chosen by $HOME)"), "{stderr}");
    assert!(
        stderr.contains("credentials [HOME]/.claude/.credentials.json"),
        "{stderr}"
    );
    assert!(
        stderr.contains("now 2026-06-01T12:00:00Z (MCP_AUTH_DOCTOR_NOW 1780315200000"),
        "{stderr}"
    );
    assert!(stderr.contains("done in "), "{stderr}");
}

#[test]
fn list_checks_fits_80_columns_and_keeps_one_code_per_entry() {
    let home = Home::fixture("empty-home");
    for columns in ["80", "100", "60"] {
        let out = home
            .cmd(&["--list-checks"])
            .env("COLUMNS", columns)
            .output()
            .unwrap();
        let text = String::from_utf8(out.stdout).unwrap();
        let width: usize = columns.parse().unwrap();
        let long: Vec<&str> = text.lines().filter(|l| l.chars().count() > width).collect();
        assert!(long.is_empty(), "COLUMNS={columns}: {long:#?}");
        let codes = text.lines().filter(|l| !l.starts_with(' ')).count();
        let (json, _, _) = home.run(&["--list-checks", "--format", "json"]);
        let listed: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(codes, listed.as_array().unwrap().len(), "{text}");
    }
}

#[test]
fn explain_fits_80_columns_and_loses_no_word() {
    let home = Home::fixture("empty-home");
    let (json, _, _) = home.run(&["--list-checks", "--format", "json"]);
    let listed: serde_json::Value = serde_json::from_str(&json).unwrap();
    for c in listed.as_array().unwrap() {
        let code = c["code"].as_str().unwrap();
        let out = home
            .cmd(&["--explain", code])
            .env("COLUMNS", "80")
            .output()
            .unwrap();
        let text = String::from_utf8(out.stdout).unwrap();
        let long: Vec<&str> = text.lines().filter(|l| l.chars().count() > 80).collect();
        let (doc, _, _) = home.run(&["--explain", code, "--format", "json"]);
        let doc: serde_json::Value = serde_json::from_str(&doc).unwrap();
        // A single word, or a command (a code span of the Markdown, shown without its
        // backticks), longer than the page cannot be wrapped; nothing else may be long.
        let markdown = doc["explanation"].as_str().unwrap_or_default();
        let a_command = |l: &str| {
            let t = l.trim().trim_end_matches(['.', ',', ';', ')']);
            markdown.contains(&format!("`{t}`"))
        };
        assert!(
            long.iter().all(|l| unbreakable(l) || a_command(l)),
            "{code}: {long:#?}"
        );
        let words = |s: &str| s.split_whitespace().map(String::from).collect::<Vec<_>>();
        // The terminal text is the Markdown rendered: compare it with the Markdown's words
        // less its markers.
        let plain = |s: &str| {
            let s = s.replace("**", "").replace('`', "");
            // `[text](target)` shows as its text (a target in this file is left out).
            let mut out = String::new();
            let mut rest = s.as_str();
            while let Some(at) = rest.find("](#") {
                let open = rest[..at].rfind('[').unwrap_or(at);
                let end = rest[at..].find(')').map_or(rest.len(), |e| at + e + 1);
                out.push_str(&rest[..open]);
                out.push_str(rest.get(open + 1..at).unwrap_or_default());
                rest = &rest[end..];
            }
            out.push_str(rest);
            out.replace('*', "")
        };
        let explanation = words(&plain(doc["explanation"].as_str().unwrap()));
        let shown = words(&text.replace('*', ""));
        assert!(
            shown
                .windows(explanation.len())
                .any(|w| w == explanation.as_slice()),
            "{code}: the wrapped text lost or changed words"
        );
    }
}

#[test]
fn paths_fits_80_columns() {
    let home = Home::fixture("config-dir");
    let out = home.cmd(&["paths"]).env("COLUMNS", "80").output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    // The temp home's path is long and unbreakable; measure with it as `[HOME]`.
    let text = text.replace(&home.path.display().to_string(), "[HOME]");
    let long: Vec<&str> = text.lines().filter(|l| l.chars().count() > 80).collect();
    assert!(long.is_empty(), "{long:#?}");
    assert!(text.contains("(MCP_AUTH_DOCTOR_NOW 1780315200000, read as epoch milliseconds)"));
}

#[test]
fn explain_in_markdown_is_the_section_of_docs_checks_md() {
    let (section, _, code) =
        Home::fixture("empty-home").run(&["--explain", "stale-lock", "--format", "markdown"]);
    assert_eq!(code, 0);
    assert!(section.starts_with("## stale-lock\n"), "{section}");
    let doc = include_str!("../../docs/checks.md");
    assert!(
        doc.contains(&section),
        "not the docs/checks.md section:\n{section}"
    );
}

/// The JSON `next_step` is the command the human `next:` line shows, pasteable as it is: it keeps
/// the `--home` this run was given (issue 10, "every command we print ... can be pasted as is").
#[test]
fn json_next_steps_keep_the_location_flags_like_the_human_output() {
    let home = Home::fixture("expired");
    let flag = home.path.to_str().unwrap().to_string();
    let (human, _, _) = home.run(&["--home", &flag, "--color", "never", "check"]);
    let (json, _, _) = home.run(&["--home", &flag, "check", "--format", "json"]);
    let doc: serde_json::Value = serde_json::from_str(&json).unwrap();
    let next = doc["servers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "linear")
        .and_then(|s| s["next_step"].as_str())
        .unwrap()
        .to_string();
    // run() shows the temp home as [HOME].
    let pasteable = "mcp-auth-doctor --home [HOME] login linear";
    assert!(next.contains(pasteable), "{next}");
    let flat = human.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        flat.contains(pasteable),
        "the human output says the same:\n{human}"
    );
}

/// A line nothing may break: one word, or one `backticked` command (wrapping never breaks
/// inside a command: it goes on a line of its own, whole).
fn unbreakable(line: &str) -> bool {
    let t = line.trim();
    !t.contains(' ')
        || (t.starts_with('`')
            && t.matches('`').count() == 2
            && t.trim_end_matches(['.', ',', ';', ')']).ends_with('`'))
}

/// In an 80-column terminal no line is wider than 80 characters, on any fixture and for every
/// command that prints for people, with `--home` given (the flags that make a command pasteable
/// are inserted before wrapping, so they count). The one exception is a line that is a single
/// token or command after its indent: nothing can break it (issue 12, defects 8 and 11).
#[test]
fn no_line_is_wider_than_80_columns_with_columns_80() {
    let mut wide = Vec::new();
    for name in fixtures() {
        let home = Home::fixture(&name);
        let flag = home.path.to_str().unwrap().to_string();
        for args in [
            &["check"][..],
            &["status"],
            &["fix", "--dry-run"],
            &["paths"],
            &["backups"],
        ] {
            let mut full = vec!["--home", flag.as_str(), "--color", "never"];
            full.extend_from_slice(args);
            let out = home.cmd(&full).env("COLUMNS", "80").output().unwrap();
            let text = String::from_utf8_lossy(&out.stdout).into_owned()
                + &String::from_utf8_lossy(&out.stderr);
            for line in text.lines() {
                if line.chars().count() > 80 && !unbreakable(line) {
                    wide.push(format!("{name} {args:?}: {line}"));
                }
            }
        }
    }
    assert!(
        wide.is_empty(),
        "{} wide lines:\n{}",
        wide.len(),
        wide.join("\n")
    );
}

/// A pending registration whose placeholder the plan replaces by a move says so on its
/// "fix would:" line, not "remove" (the plan has no such removal): demo's quarri.
#[test]
fn a_placeholder_the_plan_replaces_by_a_move_says_so_in_fix_would() {
    let home = Home::fixture("demo");
    let (check, _, _) = home.run(&["check"]);
    let (plan, _, _) = home.run(&["fix", "--dry-run"]);
    let flat = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
    let (check, plan) = (flat(&check), flat(&plan));
    assert!(
        !plan.contains("remove mcpOAuth entry \"quarri|0c54185165cc81b2\""),
        "{plan}"
    );
    assert!(
        !check.contains("fix would: remove mcpOAuth entry \"quarri|0c54185165cc81b2\""),
        "{check}"
    );
    assert!(
        check.contains(
            "fix would: replace it with the entry moved here from \"quarri|fdee9dcb0f0c01de\""
        ),
        "{check}"
    );
}
