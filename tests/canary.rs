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
