//! `report`: well-formed GitHub Markdown, the same content as JSON, a private file, anonymised
//! names.

use crate::common;

use common::Home;
use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};

/// Parses Markdown as GitHub does (tables on) and checks its structure: headings, tables whose
/// rows all have as many cells as the header, and balanced `<details>` blocks.
fn check_markdown(md: &str) -> (Vec<String>, usize) {
    let mut headings = Vec::new();
    let mut tables = 0;
    let mut in_heading = false;
    let mut header_cells = 0;
    let mut row_cells = 0;
    let mut in_head = false;
    let mut html = String::new();
    for event in Parser::new_ext(md, Options::ENABLE_TABLES) {
        match event {
            Event::Start(Tag::Heading { .. }) => {
                in_heading = true;
                headings.push(String::new());
            }
            Event::End(TagEnd::Heading(_)) => in_heading = false,
            Event::Text(t) | Event::Code(t) if in_heading => {
                headings.last_mut().unwrap().push_str(&t)
            }
            Event::Start(Tag::Table(_)) => tables += 1,
            Event::Start(Tag::TableHead) => {
                in_head = true;
                header_cells = 0;
            }
            Event::End(TagEnd::TableHead) => in_head = false,
            Event::Start(Tag::TableRow) => row_cells = 0,
            Event::End(TagEnd::TableRow) => assert_eq!(
                row_cells, header_cells,
                "a table row has the wrong number of cells"
            ),
            Event::Start(Tag::TableCell) => {
                if in_head {
                    header_cells += 1;
                } else {
                    row_cells += 1;
                }
            }
            Event::Html(h) | Event::InlineHtml(h) => html.push_str(&h),
            _ => {}
        }
    }
    assert_eq!(
        html.matches("<details>").count(),
        html.matches("</details>").count(),
        "{html}"
    );
    assert_eq!(
        html.matches("<summary>").count(),
        html.matches("</summary>").count()
    );
    (headings, tables)
}

#[test]
fn the_markdown_report_renders_on_github() {
    for name in common::scenarios() {
        let home = Home::fixture(&name);
        let (md, stderr, code) = home.run(&["report"]);
        assert!(code & 8 == 0, "{name}: {stderr}");
        let (headings, tables) = check_markdown(&md);
        assert!(
            headings[0].starts_with("MCP OAuth state report"),
            "{name}: {headings:?}"
        );
        for section in [
            "Environment",
            "Files",
            "Servers",
            "Findings",
            "Plan (dry run of mcp-auth-doctor fix)",
            "mcpOAuth, redacted",
        ] {
            assert!(
                headings.iter().any(|h| h == section),
                "{name}: no section {section}: {headings:?}"
            );
        }
        assert!(tables >= 2, "{name}");
    }
}

#[test]
fn the_report_says_what_check_says() {
    let home = Home::fixture("demo");
    let (md, _, code) = home.run(&["report"]);
    assert_eq!(code, 4, "same exit status as check");
    assert!(
        md.contains("**Summary.** 4 MCP servers configured, 1 unusable in sessions."),
        "{md}"
    );
    assert!(
        md.contains("The main problem is `pending-registration`"),
        "{md}"
    );
    assert!(
        md.contains("| `quarri\\|0c54185165cc81b2` | yes | placeholder |"),
        "{md}"
    );
    assert!(
        md.contains("- key: `quarri|0c54185165cc81b2`"),
        "a pipe outside tables is not escaped: {md}"
    );
    let (json, _, code) = home.run(&["report", "--format", "json"]);
    assert_eq!(code, 4);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["summary"]["unusable"], 1);
    assert_eq!(v["summary"]["top_cause"][0], "pending-registration");
    assert_eq!(v["mcp_oauth"].as_array().unwrap().len(), 4);
    // quarri's token moves onto its live key (replacing the placeholder), and its marker goes.
    assert_eq!(v["plan"]["steps"].as_array().unwrap().len(), 2);
    assert_eq!(v["files"][1]["path"], "~/.claude/.credentials.json");
}

#[test]
fn output_goes_to_a_private_file() {
    let home = Home::fixture("demo");
    let path = home.path.join("report.md");
    let (stdout, stderr, code) = home.run(&["report", "--output", path.to_str().unwrap()]);
    assert_eq!(code, 4);
    assert!(stdout.is_empty());
    assert!(stderr.contains("Wrote the report to"), "{stderr}");
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.starts_with("# MCP OAuth state report"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
}

#[test]
fn anonymize_hides_names_hosts_hashes_and_projects() {
    for name in [
        "demo",
        "user-and-local",
        "plugin-claudeai",
        "shared-registration",
    ] {
        let home = Home::fixture(name);
        for format in ["markdown", "json"] {
            let (out, _, _) = home.run(&["report", "--anonymize", "--format", format]);
            for secret_name in [
                "quarri",
                "linear",
                "sentry",
                "notion",
                "acme",
                "Google Drive",
                "Teamwork",
                "0c54185165cc81b2",
                "638130d5ab3558f4",
                "code/app",
            ] {
                assert!(
                    !out.contains(secret_name),
                    "{name} {format}: {secret_name} shown:\n{out}"
                );
            }
            assert!(out.contains("server-1"), "{name} {format}");
            if format == "json" {
                serde_json::from_str::<serde_json::Value>(&out).unwrap();
            }
        }
    }
}
