//! `report` on a large home fits a GitHub issue body (65,536 characters) and stays well-formed:
//! long tables folded into `<details>`, the rest cut with a note of what was left out; and the
//! report's clock, main problem and time style (issue 12 defect 10).

use crate::common;
use crate::synth;

use assert_cmd::Command;
use common::Home;

const MAX: usize = 65_536;

#[test]
fn a_large_report_fits_an_issue_body_and_says_what_it_left_out() {
    let dir = tempfile::Builder::new()
        .prefix("mad-fit-")
        .tempdir()
        .expect("temp dir");
    let manifest = synth::generate(
        dir.path(),
        &synth::Params {
            claude_json_bytes: 1 << 18,
            projects: 50,
            servers: 200,
            entries: 800,
            seed: 11,
            now_ms: synth::DEFAULT_NOW_MS,
            text: synth::Text::Mixed,
        },
    )
    .expect("generate");
    let home = manifest.home.clone();
    let run = |args: &[&str]| {
        let out = Command::cargo_bin("mcp-auth-doctor")
            .expect("binary")
            .env_clear()
            .env("HOME", &home)
            .env("MCP_AUTH_DOCTOR_NOW", manifest.now_ms.to_string())
            .env("PATH", "/nonexistent-mcp-auth-doctor-test-path")
            .current_dir(&home)
            .args(args)
            .output()
            .expect("run");
        String::from_utf8(out.stdout).expect("UTF-8")
    };
    let json = run(&["report", "--format", "json"]);
    assert!(
        json.chars().count() > MAX,
        "the home is too small to test the cap"
    );
    for args in [&["report"][..], &["report", "--anonymize"]] {
        let md = run(args);
        let n = md.chars().count();
        assert!(n <= MAX, "{args:?}: {n} characters");
        assert!(
            md.contains("<details><summary>`mcpOAuth`, redacted:")
                || md.contains("<details><summary>Findings:"),
            "{args:?}: no long table folded"
        );
        assert!(
            md.contains(
                "**This report was cut to fit a GitHub issue (65,536 characters).** Left out:"
            ),
            "{args:?}: no note"
        );
        assert_eq!(
            md.matches("<details>").count(),
            md.matches("</details>").count(),
            "{args:?}: unbalanced <details>"
        );
    }
}

/// A small report is never folded or cut.
#[test]
fn a_small_report_is_whole() {
    let (md, _, _) = Home::fixture("demo").run(&["report"]);
    assert!(!md.contains("This report was cut"));
    assert!(!md.contains(" rows</summary>"));
}

/// `Generated` is the real time; the pinned time the diagnosis used is given apart.
#[test]
fn generated_is_the_real_time_and_now_is_shown_apart() {
    let home = Home::fixture("demo");
    let (md, _, _) = home.run(&["report"]);
    let generated = md
        .lines()
        .find_map(|l| l.strip_prefix("Generated "))
        .expect("Generated line");
    assert!(
        !generated.starts_with("2026-06-01T12:00:00Z"),
        "{generated}"
    );
    assert!(
        generated.contains(
            "The diagnosis used the time 2026-06-01T12:00:00Z (MCP_AUTH_DOCTOR_NOW 1780315200000, \
             read as epoch milliseconds)"
        ),
        "{generated}"
    );
    let (json, _, _) = home.run(&["report", "--format", "json"]);
    let doc: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(doc["now"], "2026-06-01T12:00:00Z");
    assert_ne!(doc["generated_at"], doc["now"]);
    assert!(
        doc["now_from"]
            .as_str()
            .unwrap()
            .starts_with("MCP_AUTH_DOCTOR_NOW")
    );
}

/// "The main problem" is what blocks a server (demo: quarri is skipped), not the file mode.
#[test]
fn the_main_problem_is_what_blocks_servers() {
    let home = Home::fixture("demo");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let creds = home.path.join(".claude/.credentials.json");
        std::fs::set_permissions(&creds, std::fs::Permissions::from_mode(0o644)).unwrap();
    }
    let (md, _, _) = home.run(&["report"]);
    assert!(
        md.contains("The main problem is `pending-registration`"),
        "{}",
        md.lines()
            .find(|l| l.starts_with("**Summary"))
            .unwrap_or_default()
    );
}

/// Both tables show times the same way (RFC 3339).
#[test]
fn both_tables_show_times_alike() {
    let (md, _, _) = Home::fixture("expired").run(&["report"]);
    let table = md
        .split("## `mcpOAuth`, redacted")
        .nth(1)
        .expect("mcpOAuth section");
    assert!(table.contains("| 2026-05-28T20:26:40Z |"), "{table}");
    assert!(
        !table.contains(" ago |") && !table.contains("| in "),
        "{table}"
    );
}
