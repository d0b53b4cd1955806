//! No secret ever reaches any output. Every secret in every fixture contains a canary; no command,
//! in any format, on any fixture, may print the canary or any 8-character piece of a secret.

mod common;

use common::{CANARY, Home};

/// Every secret value in a fixture (strings that contain the canary), to check for fragments.
fn secrets(home: &Home) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![home.path.clone()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if let Ok(text) = std::fs::read_to_string(&p) {
                for piece in text.split('"') {
                    if piece.contains(CANARY) {
                        out.push(piece.to_string());
                    }
                }
            }
        }
    }
    out
}

#[test]
fn no_command_prints_a_secret_or_a_piece_of_one() {
    let commands: &[&[&str]] = &[
        &[],
        &["check"],
        &["check", "--format", "json"],
        &["status"],
        &["status", "--format", "json"],
        &["paths"],
        &["paths", "--format", "json"],
        &["check", "--color", "always"],
        &["report"],
        &["report", "--format", "json"],
        &["report", "--anonymize"],
        &["fix", "--dry-run", "--format", "json"],
    ];
    let mut checked = 0;
    for name in common::scenarios() {
        let home = Home::fixture(&name);
        let secrets = secrets(&home);
        for args in commands {
            let (stdout, stderr, _) = home.run(args);
            for output in [&stdout, &stderr] {
                assert!(
                    !output.contains(CANARY),
                    "{name} {args:?} printed the canary:\n{output}"
                );
                for secret in &secrets {
                    // Every 8-character piece that overlaps the canary (pieces made only of the
                    // server name, which fixtures embed in their tokens, are fine to print).
                    let chars: Vec<char> = secret.chars().collect();
                    let start = secret[..secret.find(CANARY).unwrap()].chars().count();
                    let end = start + CANARY.len();
                    for (i, window) in chars.windows(8).enumerate() {
                        if i >= end || i + 8 <= start {
                            continue;
                        }
                        let piece: String = window.iter().collect();
                        assert!(
                            !output.contains(&piece),
                            "{name} {args:?} printed part of a secret ({piece}):\n{output}"
                        );
                    }
                }
            }
            checked += 1;
        }
    }
    assert!(checked > 100, "only {checked} runs");
}

/// The writing commands: plans, results, errors and the backup manifests never carry a secret.
#[test]
fn writing_commands_and_backups_never_carry_a_secret() {
    for name in [
        "demo",
        "static-header",
        "blanked",
        "removed-orphan",
        "healthy",
        "credentials-0644",
    ] {
        let home = Home::fixture(name);
        let mut outputs = Vec::new();
        for args in [
            &["fix", "--dry-run"][..],
            &["fix", "--dry-run", "--format", "json"],
            &["fix"],
            &["fix", "--yes", "--format", "json"],
            &["forget", "linear", "--yes"],
            &["forget", "github", "--dry-run", "--format", "json"],
            &["backups"],
            &["backups", "--format", "json"],
            &["restore", "no-such-backup", "--yes"],
        ] {
            let (stdout, stderr, _) = home.run(args);
            outputs.push((format!("{args:?}"), stdout));
            outputs.push((format!("{args:?} stderr"), stderr));
        }
        let root = home.path.join(".claude/backups/mcp-auth-doctor");
        for dir in std::fs::read_dir(&root).into_iter().flatten().flatten() {
            let manifest = std::fs::read_to_string(dir.path().join("manifest.json")).unwrap();
            outputs.push(("manifest".into(), manifest));
        }
        assert!(
            outputs.iter().any(|(what, _)| what == "manifest"),
            "{name}: no backup was made"
        );
        for (what, text) in outputs {
            assert!(
                !text.contains(CANARY),
                "{name} {what} leaked a secret:\n{text}"
            );
        }
    }
}
