//! `report --anonymize` on every fixture, Markdown and JSON: no home path (so no user name), no
//! project folder, no server name survives. The names to look for come from the same home's
//! report without `--anonymize` and from its `.claude.json`, so a new fixture is covered as soon
//! as it is added.

use crate::common;

use common::Home;
use serde_json::Value;

/// Server names as the plain report shows them: its server rows, its findings and its `mcpOAuth`
/// keys. Names shorter than three characters are kept by design (they would replace pieces of
/// ordinary words), so they are not looked for.
fn server_names(home: &Home) -> Vec<String> {
    let out = home
        .cmd(&["report", "--format", "json"])
        .output()
        .expect("run");
    let doc: Value = serde_json::from_slice(&out.stdout).expect("report JSON");
    let mut names: Vec<String> = Vec::new();
    for s in doc["servers"].as_array().into_iter().flatten() {
        names.extend(s["name"].as_str().map(String::from));
    }
    for f in doc["findings"].as_array().into_iter().flatten() {
        names.extend(f["server"].as_str().map(String::from));
    }
    for e in doc["mcp_oauth"].as_array().into_iter().flatten() {
        let key = e["key"].as_str().unwrap_or_default();
        names.push(key.split('|').next().unwrap_or_default().to_string());
    }
    names.retain(|n| n.chars().count() >= 3);
    names.sort();
    names.dedup();
    names
}

/// The project folders of `.claude.json`, as absolute paths and as the part under the home.
fn project_folders(home: &Home) -> Vec<String> {
    let Ok(text) = std::fs::read_to_string(home.path.join(".claude.json")) else {
        return Vec::new();
    };
    let Ok(doc) = serde_json::from_str::<Value>(&text) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for key in doc["projects"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(k, _)| k)
    {
        out.push(key.clone());
        if let Some(rest) = key.strip_prefix(&home.path.display().to_string()) {
            out.push(rest.trim_start_matches('/').to_string());
        }
    }
    out.retain(|p| p.chars().count() >= 3);
    out
}

#[test]
fn no_home_project_or_server_name_in_any_anonymised_report() {
    let mut leaks = Vec::new();
    for name in common::scenarios() {
        let home = Home::fixture(&name);
        let home_path = home.path.display().to_string();
        let user = home
            .path
            .file_name()
            .unwrap()
            .to_string_lossy()
            .into_owned();
        let mut needles = vec![home_path, user];
        needles.extend(project_folders(&home));
        needles.extend(server_names(&home));
        // With `--home` too: commands in the report must not get this run's paths.
        let home_flag = home.path.display().to_string();
        for (format, flags) in [
            ("markdown", vec![]),
            ("json", vec![]),
            // No --format: the report's default, as a user runs it.
            ("default", vec!["--home", home_flag.as_str()]),
        ] {
            let mut args = vec!["report", "--anonymize"];
            if format != "default" {
                args.extend(["--format", format]);
            }
            args.extend(flags);
            let out = home.cmd(&args).output().expect("run");
            let text = String::from_utf8_lossy(&out.stdout);
            assert!(!text.is_empty(), "{name} {format}: empty report");
            if format == "json" {
                serde_json::from_str::<Value>(&text)
                    .unwrap_or_else(|e| panic!("{name}: not JSON ({e})"));
            }
            for needle in &needles {
                if let Some(at) = text.find(needle.as_str()) {
                    let line = text[..at].lines().count();
                    leaks.push(format!("{name} {format} line {line}: {needle:?}"));
                }
            }
        }
    }
    assert!(leaks.is_empty(), "leaked:\n{}", leaks.join("\n"));
}
