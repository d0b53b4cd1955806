//! No secret ever reaches any output. Every secret in every fixture contains a canary; no command,
//! in any format, on any fixture, may print the canary or any 8-character piece of a secret.

use crate::common;

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
        // mcp-remote file names are shown whole (a hash is not a secret); their tokens are not.
        "mcp-remote-leftovers",
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

/// Secrets in server URLs (userinfo, query values, a path segment after `/s/`, `/token/` or
/// `/key/`, a medium-length random segment, a long one, a fragment) never reach any output, and
/// the URLs stay recognisable: scheme, host and the ordinary path are kept.
#[test]
fn secrets_in_server_urls_are_never_printed() {
    let home = Home::fixture("secret-urls");
    let commands: &[&[&str]] = &[
        &["check"],
        &["check", "--format", "json"],
        &["status"],
        &["status", "--format", "json"],
        &["report"],
        &["report", "--anonymize"],
        &["report", "--format", "json"],
        &["report", "--anonymize", "--format", "json"],
        &["fix", "--dry-run"],
        &["fix", "--dry-run", "--format", "json"],
        &["fix", "--dry-run", "--only", "stale-registration"],
        &[
            "fix",
            "--dry-run",
            "--only",
            "orphaned-registration",
            "--format",
            "json",
        ],
    ];
    for args in commands {
        let (stdout, stderr, _) = home.run(args);
        for output in [&stdout, &stderr] {
            assert!(
                !output.contains(CANARY),
                "{args:?} printed a secret from a URL:\n{output}"
            );
        }
    }
    // The writes: plan, result and the backup manifests (which record what was removed).
    let mut written = Vec::new();
    for args in [
        &[
            "fix",
            "--yes",
            "--only",
            "stale-registration",
            "--format",
            "json",
        ][..],
        &["fix", "--yes", "--only", "orphaned-registration"],
        &["backups", "--format", "json"],
    ] {
        let (stdout, stderr, _) = home.run(args);
        written.push((format!("{args:?}"), stdout));
        written.push((format!("{args:?} stderr"), stderr));
    }
    let root = home.path.join(".claude/backups/mcp-auth-doctor");
    for dir in std::fs::read_dir(&root).into_iter().flatten().flatten() {
        let manifest = std::fs::read_to_string(dir.path().join("manifest.json")).unwrap();
        written.push(("manifest".into(), manifest));
    }
    assert!(
        written
            .iter()
            .filter(|(what, _)| what == "manifest")
            .count()
            >= 2,
        "fix made no backups"
    );
    for (what, text) in &written {
        assert!(
            !text.contains(CANARY),
            "{what} leaked a secret from a URL:\n{text}"
        );
    }
    let home = Home::fixture("secret-urls");
    let (check, _, _) = home.run(&["check"]);
    for shown in [
        "https://mcp.zapier.com/api/mcp/s/***/mcp",
        "https://***@mcp.example.com/mcp",
        "https://api.example.net/mcp?api_key=***&team=***",
        "https://hooks.example.org/v1/***/mcp",
        "https://mcp.example.io/sse/***",
        "https://***@mcp.example.dev/token/***/mcp#***",
        "https://old.example.com/key/***/mcp?token=***&x",
    ] {
        assert!(
            check.contains(shown),
            "check does not show {shown}:\n{check}"
        );
    }
}

/// A loopback server that answers every request with a 401 whose `WWW-Authenticate` points at
/// protected-resource metadata under a secret path, and that metadata names an authorization
/// server with secrets in its path and query. It serves `limit` connections, then stops.
fn secret_echoing_server(limit: usize) -> (String, std::thread::JoinHandle<()>) {
    use std::io::{BufRead, BufReader, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    let base = format!("http://{}", listener.local_addr().unwrap());
    let b = base.clone();
    let handle = std::thread::spawn(move || {
        for conn in listener.incoming().take(limit) {
            let Ok(mut conn) = conn else { break };
            conn.set_read_timeout(Some(std::time::Duration::from_secs(2)))
                .ok();
            let mut reader = BufReader::new(conn.try_clone().unwrap());
            let mut request = String::new();
            let mut line = String::new();
            while reader.read_line(&mut line).is_ok_and(|n| n > 0) && line != "\r\n" {
                request.push_str(&line);
                line.clear();
            }
            let path = request.split(' ').nth(1).unwrap_or("/").to_string();
            let (status, extra, body) = if path.starts_with("/.well-known/oauth-protected-resource")
            {
                let doc = format!(
                    r#"{{"resource":"{b}/api/mcp/s/CANARYprobe1/mcp","authorization_servers":["{b}/key/CANARYprobe4/?tenant=CANARYprobe5"]}}"#
                );
                ("200 OK", String::new(), doc)
            } else {
                (
                    "401 Unauthorized",
                    format!(
                        "WWW-Authenticate: Bearer resource_metadata=\"{b}/.well-known/oauth-protected-resource/api/mcp/s/CANARYprobe1/mcp\"\r\n"
                    ),
                    String::new(),
                )
            };
            let _ = write!(
                conn,
                "HTTP/1.1 {status}\r\n{extra}Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    (base, handle)
}

/// `probe` shows the configured URL, each request's URL and the URLs in the server's answers:
/// none of them may carry the secrets in their userinfo, query or path.
#[test]
fn probe_never_prints_a_secret_from_a_url() {
    let (base, server) = secret_echoing_server(64);
    let home = Home::fixture("empty-home");
    let url = format!("{base}/api/mcp/s/CANARYprobe1/mcp?api_key=CANARYprobe2#CANARYprobe3");
    std::fs::write(
        home.path.join(".claude.json"),
        format!(r#"{{"mcpServers":{{"zap":{{"type":"http","url":"{url}"}}}}}}"#),
    )
    .unwrap();
    let mut outputs = Vec::new();
    for args in [
        &["probe", "zap", "--timeout", "2"][..],
        &["probe", "zap", "--timeout", "2", "--format", "json"],
        &["check"],
    ] {
        let (stdout, stderr, _) = home.run(args);
        outputs.push((args, stdout, stderr));
    }
    // Stop the server: one more connection past what the probes used would block, so connect
    // until it has served its limit.
    while !server.is_finished() {
        let _ = std::net::TcpStream::connect(base.trim_start_matches("http://"));
    }
    let (_, human, _) = &outputs[0];
    assert!(
        human.contains("/api/mcp/s/***/mcp"),
        "probe shows no redacted URL:\n{human}"
    );
    assert!(
        human.contains("oauth-protected-resource"),
        "the probe did not get as far as the metadata:\n{human}"
    );
    for (args, stdout, stderr) in &outputs {
        for output in [stdout, stderr] {
            assert!(
                !output.contains(CANARY),
                "{args:?} printed a secret from a URL:\n{output}"
            );
        }
    }
}

/// A secret that only the last line of defence can catch (a token pasted as a server name, one
/// in a URL's query) never reaches the JSON documents `check` and `status` write to stdout as
/// they make them (`Outcome::document`): they pass `redact::output` like every other stdout.
#[test]
fn the_streamed_json_documents_pass_the_last_line_of_defence() {
    let home = Home::fixture("healthy");
    let file = home.path.join(".claude.json");
    let mut config: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    let token = "ghpCANARY16C7e42F292c6912E7710c838347Ae178B4a";
    config["mcpServers"][token] = serde_json::json!({
        "type": "http",
        "url": format!("https://h.example/mcp?api_key={token}"),
    });
    std::fs::write(&file, serde_json::to_string_pretty(&config).unwrap()).unwrap();
    for args in [
        &["check", "--format", "json"][..],
        &["status", "--format", "json"],
        &["check", "--format", "json", "--home", "."],
    ] {
        let (stdout, stderr, _) = home.run(args);
        let doc: serde_json::Value = serde_json::from_str(&stdout)
            .unwrap_or_else(|e| panic!("{args:?}: not JSON ({e}):\n{stdout}"));
        assert!(
            doc["servers"].as_array().is_some_and(|s| s.len() > 1),
            "{args:?}"
        );
        assert!(
            stdout.contains("[redacted sha256:"),
            "{args:?}: nothing was redacted:\n{stdout}"
        );
        for output in [&stdout, &stderr] {
            assert!(
                !output.contains(CANARY),
                "{args:?} printed the canary:\n{output}"
            );
        }
    }
}
