//! `verify` with a fake `claude` on PATH (tests/bin/claude) printing `claude mcp list` in each
//! release's style: parsed, put next to our verdicts, disagreements flagged (exit 4).

use std::path::Path;

use serde_json::Value;

use crate::common::{CANARY, Home};

fn bin_path() -> String {
    let bin = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/bin");
    format!("{}:/usr/bin:/bin", bin.display())
}

/// `verify ARGS` on `home` with the fake client printing `listing`.
fn verify(home: &Home, listing: &str, args: &[&str]) -> (String, String, i32) {
    run_with(home, listing, "verify", args)
}

/// `COMMAND ARGS` (`verify`, or `report` with `--verify`) with the fake client.
fn run_with(home: &Home, listing: &str, command: &str, args: &[&str]) -> (String, String, i32) {
    let list = home.path.join("mcp-list.txt");
    std::fs::write(&list, listing).unwrap();
    let mut all = vec![command];
    if command == "report" {
        all.push("--verify");
    }
    all.extend_from_slice(args);
    let out = home
        .cmd(&all)
        .env("PATH", bin_path())
        .env("FAKE_CLAUDE_LIST", &list)
        .env("FAKE_CLAUDE_CWD", home.path.join("claude-cwd"))
        .output()
        .unwrap();
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    (
        text(&out.stdout),
        text(&out.stderr),
        out.status.code().unwrap(),
    )
}

fn row<'a>(doc: &'a Value, name: &str) -> &'a Value {
    doc["servers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == name)
        .unwrap_or_else(|| panic!("no row {name}: {doc:#}"))
}

/// The `demo` home: linear ok, sentry refreshes, quarri skipped (a placeholder and a marker),
/// one stdio server.
#[test]
fn the_2_1_100_style_agrees_and_flags_a_skipped_server_mcp_list_connects() {
    let home = Home::fixture("demo");
    let (doc, _) = home.check_json();
    let stdio = doc["servers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["transport"] == "stdio")
        .map(|s| s["name"].as_str().unwrap().to_string())
        .unwrap();
    let listing = format!(
        "Checking MCP server health...\n\n\
         linear: https://mcp.linear.app/mcp (HTTP) - ✓ Connected\n\
         sentry: https://mcp.sentry.dev/mcp (HTTP) - ✓ Connected\n\
         quarri: https://mcp.quarri.com/mcp (HTTP) - ✓ Connected\n\
         {stdio}: node server.js - ✓ Connected\n"
    );
    let (stdout, stderr, code) = verify(&home, &listing, &["--format", "json"]);
    assert!(
        stderr.contains("connects to every configured server and starts every stdio server"),
        "it says what it runs first: {stderr}"
    );
    let doc: Value = serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stdout}"));
    assert_eq!(row(&doc, "linear")["agreement"], "agree");
    assert_eq!(row(&doc, "linear")["claude"]["status"], "connected");
    assert_eq!(row(&doc, "sentry")["agreement"], "agree");
    assert_eq!(row(&doc, &stdio)["agreement"], "agree");
    let quarri = row(&doc, "quarri");
    assert_eq!(quarri["ours"], "skipped");
    assert_eq!(quarri["agreement"], "sessions-skip");
    assert!(
        quarri["why"]
            .as_str()
            .unwrap()
            .contains("needs-auth marker")
    );
    assert_eq!(code, 4, "a disagreement");
    // It ran in the folder being checked (the home, here).
    let cwd = std::fs::read_to_string(home.path.join("claude-cwd")).unwrap();
    assert_eq!(Path::new(cwd.trim()), home.path);
}

#[test]
fn the_2_1_332_style_and_a_token_the_server_refuses() {
    let home = Home::fixture("healthy");
    let listing = "Checking MCP server health…\n\n\
        linear: https://mcp.linear.app/mcp (HTTP) - ! Needs authentication\n\
        notion: https://mcp.notion.com/mcp (HTTP) - ✘ Failed to connect — HTTP 503\n\
        sentry: https://mcp.sentry.dev/mcp (HTTP) - ✔ Connected\n\
        stranger: https://x.example.com/mcp (HTTP) - ✔ Connected\n";
    let (stdout, _, code) = verify(&home, listing, &["--format", "json"]);
    assert_eq!(code, 4);
    let doc: Value = serde_json::from_str(&stdout).unwrap();
    let linear = row(&doc, "linear");
    assert_eq!(linear["ours"], "ok");
    assert_eq!(linear["agreement"], "server-refuses-token");
    assert!(
        linear["why"]
            .as_str()
            .unwrap()
            .contains("probe linear --token")
    );
    let notion = row(&doc, "notion");
    assert_eq!(notion["claude"]["status"], "failed");
    assert_eq!(notion["claude"]["reason"], "HTTP 503");
    assert_eq!(notion["agreement"], "connection-failed");
    assert_eq!(row(&doc, "sentry")["agreement"], "agree");
    assert_eq!(row(&doc, "stranger")["agreement"], "unknown-here");
    // The human view says the same.
    let (human, _, _) = verify(&home, listing, &[]);
    assert!(
        human.contains("linear  ours: ok  claude mcp list: ! Needs authentication  differs"),
        "{human}"
    );
    // The count line in words, from the JSON of the same listing.
    let rows = doc["servers"].as_array().unwrap();
    let differ = rows.iter().filter(|r| r["agreement"] != "agree").count();
    let counted = format!("{} servers, {differ} disagreements.", rows.len());
    assert!(rows.len() > 1 && differ > 1, "{doc:#}");
    assert!(human.contains(&counted), "{counted} in {human}");
}

#[test]
fn a_server_mcp_list_omits_is_flagged_and_full_agreement_exits_0() {
    let home = Home::fixture("healthy");
    let (doc, _) = home.check_json();
    let names: Vec<String> = doc["servers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap().to_string())
        .collect();
    let all: String = names
        .iter()
        .map(|n| format!("{n}: https://example.com/mcp (HTTP) - ✔ Connected\n"))
        .collect();
    let (stdout, stderr, code) = verify(&home, &all, &[]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(!stdout.contains(CANARY));
    let (stdout, _, code) = verify(
        &home,
        &all.lines().skip(1).collect::<Vec<_>>().join("\n"),
        &["--format", "json"],
    );
    assert_eq!(code, 4);
    let doc: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(row(&doc, &names[0])["agreement"], "not-listed");
}

#[test]
fn without_claude_it_cannot_run_and_a_hung_one_times_out() {
    let home = Home::fixture("healthy");
    let (_, stderr, code) = home.run(&["verify"]);
    assert_eq!(code, 8, "{stderr}");
    assert!(stderr.contains("not on PATH"), "{stderr}");
    let list = home.path.join("mcp-list.txt");
    std::fs::write(&list, "").unwrap();
    let start = std::time::Instant::now();
    let out = home
        .cmd(&["verify", "--timeout", "1"])
        .env("PATH", bin_path())
        .env("FAKE_CLAUDE_LIST", &list)
        .env("FAKE_CLAUDE_LIST_SLEEP", "5")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(8));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no answer within 1 s"));
    assert!(start.elapsed() < std::time::Duration::from_secs(4));
}

/// Every table row has as many cells as its header (GitHub's table rules, via pulldown-cmark),
/// and the headings in order.
fn markdown_tables_and_headings(md: &str) -> (usize, Vec<String>) {
    use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};
    let (mut tables, mut headings) = (0, Vec::new());
    let (mut in_head, mut in_heading, mut header, mut cells) = (false, false, 0, 0);
    for event in Parser::new_ext(md, Options::ENABLE_TABLES) {
        match event {
            Event::Start(Tag::Table(_)) => tables += 1,
            Event::Start(Tag::TableHead) => (in_head, header) = (true, 0),
            Event::End(TagEnd::TableHead) => in_head = false,
            Event::Start(Tag::TableRow) => cells = 0,
            Event::End(TagEnd::TableRow) => assert_eq!(cells, header, "a row's cells"),
            Event::Start(Tag::TableCell) if in_head => header += 1,
            Event::Start(Tag::TableCell) => cells += 1,
            Event::Start(Tag::Heading { .. }) => {
                in_heading = true;
                headings.push(String::new());
            }
            Event::End(TagEnd::Heading(_)) => in_heading = false,
            Event::Text(t) | Event::Code(t) if in_heading => {
                headings.last_mut().unwrap().push_str(&t)
            }
            _ => {}
        }
    }
    (tables, headings)
}

#[test]
fn report_verify_is_well_formed_markdown_and_json_with_claudes_view() {
    let home = Home::fixture("demo");
    let listing = "Checking MCP server health…\n\n\
        linear: https://mcp.linear.app/mcp (HTTP) - ✔ Connected\n\
        quarri: https://mcp.quarri.com/mcp (HTTP) - ✘ Failed to connect — a | pipe\n";
    let (plain, _, _) = home.run(&["report"]);
    let (md, stderr, code) = run_with(&home, listing, "report", &[]);
    assert!(code & 8 == 0, "{stderr}");
    assert!(stderr.contains("starts every stdio server"), "{stderr}");
    let (tables, headings) = markdown_tables_and_headings(&md);
    let (plain_tables, _) = markdown_tables_and_headings(&plain);
    assert_eq!(tables, plain_tables + 1, "one more table");
    assert_eq!(headings.last().unwrap(), "What claude mcp list says");
    assert!(
        md.contains("| quarri | skipped | ✘ Failed to connect — a \\| pipe | no |"),
        "{md}"
    );
    assert!(!md.contains(CANARY));
    // JSON: the ticket with a verify member.
    let (json, _, _) = run_with(&home, listing, "report", &["--format", "json"]);
    let doc: Value = serde_json::from_str(&json).unwrap();
    assert_eq!(row(&doc["verify"], "linear")["agreement"], "agree");
    assert!(doc["servers"].is_array(), "the ticket is still all there");
    // Without claude the report is still written, and says why the view is missing.
    let (md, _, code) = home.run(&["report", "--verify"]);
    assert!(code & 8 == 0);
    assert!(
        md.contains("`claude mcp list` did not give its view: `claude` is not on PATH."),
        "{md}"
    );
}
