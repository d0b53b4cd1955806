//! `report --anonymize` on every fixture, Markdown and JSON: no home path (so no user name), no
//! project folder, no server name survives. The names to look for come from the same home's
//! report without `--anonymize` and from its `.claude.json`, so a new fixture is covered as soon
//! as it is added.

use crate::common;

use common::Home;
use serde_json::Value;

/// Server names as the plain report shows them: its server rows, its findings and its `mcpOAuth`
/// keys, of any length.
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
    names.retain(|n| !n.is_empty());
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
        // A name is looked for where a name is shown (quoted, in a key, as a command's
        // argument); a name of three characters or more anywhere at all, unless the fixture
        // named a server with one of the tool's own words (then the word stays, as it should:
        // names_that_are_words_are_replaced_as_names_only).
        for n in server_names(&home) {
            needles.extend(name_forms(&n));
            if n.chars().count() >= 3 && !TOOL_WORDS.contains(&n.as_str()) {
                needles.push(n);
            }
        }
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

/// Fixture server names that are also words of the tool's own text.
const TOOL_WORDS: &[&str] = &[
    "approved", "rejected", "allowed", "denied", "disabled", "fix", "login", "empty", "expired",
    "pending",
];

/// How the outputs show a server name: quoted, as the name part of a key, as an argument.
fn name_forms(n: &str) -> Vec<String> {
    vec![
        format!("'{n}'"),
        format!("\"{n}\""),
        format!("`{n}`"),
        format!("{n}|"),
        format!("({n})"),
        format!("login {n}`"),
        format!("--server {n}`"),
    ]
}

/// Servers named with the tool's own words (`approved`, `fix`, `login`) and a one-letter name
/// (`a`): every shown name is replaced, and no word of the report around it is.
#[test]
fn names_that_are_words_are_replaced_as_names_only() {
    let home = Home::fixture("anonymize-vocabulary");
    for format in ["markdown", "json"] {
        let plain = home.run(&["report", "--format", format]).0;
        let anon = home.run(&["report", "--anonymize", "--format", format]).0;
        for name in ["approved", "fix", "login", "a"] {
            assert!(
                name_forms(name).iter().any(|f| plain.contains(f.as_str())),
                "{format}: the plain report shows no {name:?}: the fixture tests nothing"
            );
            for form in name_forms(name) {
                assert!(!anon.contains(&form), "{format}: {form} left:\n{anon}");
            }
        }
        // The tool's own words, as many times as in the plain report: none was taken for a name.
        for word in [
            "fix would",
            "mcp-auth-doctor fix",
            "needs-login",
            "not-approved",
            " a ",
            "approval",
            "sign-in",
        ] {
            assert_eq!(
                anon.matches(word).count(),
                plain.matches(word).count(),
                "{format}: {word:?} changed:\n{anon}"
            );
        }
        if format == "json" {
            serde_json::from_str::<Value>(&anon).expect("still JSON");
        }
    }
}
