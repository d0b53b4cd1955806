//! `probe NAME --token` against a loopback mock that checks the Authorization header: accepted,
//! rejected (401 invalid_token), insufficient scope (403 with the scope asked), a redirect that
//! is not followed, and the token never in any output (canary). Nothing here reaches anything
//! but 127.0.0.1.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

use serde_json::{Value, json};

use crate::common::{CANARY, Home};

const CLAUDE_TOKEN: &str = "at-CANARY-claude-0123456789";
const REMOTE_TOKEN: &str = "at-CANARY-remote-0123456789";

#[derive(Clone)]
enum Behaviour {
    /// 200 for a request bearing one of these tokens, else 401 invalid_token.
    Accept(Vec<&'static str>),
    /// 403 insufficient_scope, asking for `mcp admin`.
    InsufficientScope,
    /// 307 to this URL.
    Redirect(String),
}

struct Mock {
    url: String,
    seen: Arc<Mutex<Vec<String>>>,
}

impl Mock {
    fn start(behaviour: Behaviour) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/mcp", listener.local_addr().unwrap());
        let seen = Arc::new(Mutex::new(Vec::new()));
        let s = seen.clone();
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                let Ok(conn) = conn else { break };
                let (b, s) = (behaviour.clone(), s.clone());
                std::thread::spawn(move || serve(conn, &b, &s));
            }
        });
        Self { url, seen }
    }

    fn seen(&self) -> Vec<String> {
        self.seen.lock().unwrap().clone()
    }
}

fn serve(conn: TcpStream, behaviour: &Behaviour, seen: &Mutex<Vec<String>>) {
    let mut reader = BufReader::new(conn.try_clone().unwrap());
    let mut head = String::new();
    let mut length = 0;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
            length = v.trim().parse().unwrap_or(0);
        }
        head.push_str(&line);
        if line == "\r\n" {
            break;
        }
    }
    let mut body = vec![0; length];
    let _ = reader.read_exact(&mut body);
    seen.lock()
        .unwrap()
        .push(format!("{head}{}", String::from_utf8_lossy(&body)));
    let bearer = head
        .lines()
        .find_map(|l| {
            l.split_once(':')
                .filter(|(k, _)| k.eq_ignore_ascii_case("authorization"))
        })
        .map(|(_, v)| v.trim().to_string());
    let (status, extra) = match behaviour {
        Behaviour::Accept(tokens)
            if tokens
                .iter()
                .any(|t| bearer.as_deref() == Some(&format!("Bearer {t}"))) =>
        {
            ("200 OK", String::new())
        }
        Behaviour::Accept(_) => (
            "401 Unauthorized",
            "WWW-Authenticate: Bearer error=\"invalid_token\", error_description=\"grant revoked\"\r\n"
                .to_string(),
        ),
        Behaviour::InsufficientScope => (
            "403 Forbidden",
            "WWW-Authenticate: Bearer error=\"insufficient_scope\", scope=\"mcp admin\"\r\n"
                .to_string(),
        ),
        Behaviour::Redirect(to) => ("307 Temporary Redirect", format!("Location: {to}\r\n")),
    };
    let body = r#"{"jsonrpc":"2.0","id":0,"result":{}}"#;
    let mut conn = conn;
    let _ = write!(
        conn,
        "HTTP/1.1 {status}\r\n{extra}Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
}

/// A home with Claude Code's http server `mock` at `url` (its entry holding [`CLAUDE_TOKEN`]),
/// and a stdio server `remote` running `npx -y mcp-remote URL` whose tokens file in
/// `~/.mcp-auth/mcp-remote-v1` holds [`REMOTE_TOKEN`].
fn home(url: &str, remote_url: &str) -> Home {
    let home = Home::fixture("empty-home");
    let key = mcp_auth_doctor::model::key::server_key("mock", "http", url, &Default::default());
    std::fs::write(
        home.path.join(".claude.json"),
        json!({"mcpServers": {
            "mock": {"type": "http", "url": url},
            "remote": {"type": "stdio", "command": "npx", "args": ["-y", "mcp-remote", remote_url]},
        }})
        .to_string(),
    )
    .unwrap();
    std::fs::create_dir_all(home.path.join(".claude")).unwrap();
    std::fs::write(
        home.path.join(".claude/.credentials.json"),
        json!({"mcpOAuth": {key: {
            "serverName": "mock", "serverUrl": url, "accessToken": CLAUDE_TOKEN,
            "refreshToken": "rt-CANARY-claude", "expiresAt": 4102444800000u64,
            "clientId": "client-1", "scope": "mcp",
        }}})
        .to_string(),
    )
    .unwrap();
    let args = vec![remote_url.to_string()];
    let invocation = mcp_auth_doctor::model::mcp_remote::parse_mcp_remote_args(&args);
    let hash = mcp_auth_doctor::model::mcp_remote::server_url_hash(
        &invocation,
        mcp_auth_doctor::model::mcp_remote::HashInputs::LATEST,
    )
    .unwrap();
    let v1 = home.path.join(".mcp-auth/mcp-remote-v1");
    std::fs::create_dir_all(&v1).unwrap();
    std::fs::write(
        v1.join(format!("{hash}_tokens.json")),
        json!({"access_token": REMOTE_TOKEN, "token_type": "Bearer",
               "refresh_token": "rt-CANARY-remote", "expires_at": 4102444800000u64})
        .to_string(),
    )
    .unwrap();
    home
}

fn probe(home: &Home, name: &str) -> (Value, String, i32) {
    let (stdout, stderr, code) = home.run(&["probe", name, "--token", "--format", "json"]);
    let (human, human_err, _) = home.run(&["probe", name, "--token"]);
    for out in [&stdout, &stderr, &human, &human_err] {
        assert!(!out.contains(CANARY), "the token was printed:\n{out}");
    }
    let doc = serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stdout} {stderr}"));
    (doc, human, code)
}

#[test]
fn an_accepted_token_is_reported_as_accepted_and_sent_only_as_a_bearer_header() {
    let mock = Mock::start(Behaviour::Accept(vec![CLAUDE_TOKEN, REMOTE_TOKEN]));
    let home = home(&mock.url, &mock.url);
    let (doc, human, code) = probe(&home, "mock");
    assert_eq!(code, 0, "{doc:#}");
    assert_eq!(doc["checks"][0]["store"], "claude-code");
    assert_eq!(doc["checks"][0]["answer"], "accepted");
    assert_eq!(doc["checks"][0]["token_length"], CLAUDE_TOKEN.len());
    assert!(human.contains("accepted (HTTP 200)"), "{human}");
    let seen = mock.seen();
    assert!(seen[0].starts_with("POST /mcp "), "{}", seen[0]);
    assert!(seen[0].contains(&format!("Bearer {CLAUDE_TOKEN}")));
    assert!(seen[0].contains("\"method\":\"initialize\""));
    // mcp-remote's token, for the stdio server that runs it.
    let (doc, _, code) = probe(&home, "remote");
    assert_eq!(code, 0, "{doc:#}");
    assert_eq!(doc["checks"][0]["store"], "mcp-remote");
    assert_eq!(doc["checks"][0]["folder"], "mcp-remote-v1");
    assert_eq!(doc["checks"][0]["answer"], "accepted");
}

#[test]
fn a_forgotten_grant_is_invalid_token() {
    let mock = Mock::start(Behaviour::Accept(vec!["another-token"]));
    let home = home(&mock.url, &mock.url);
    let (doc, human, code) = probe(&home, "mock");
    assert_eq!(code, 4);
    assert_eq!(doc["checks"][0]["answer"], "invalid-token");
    assert_eq!(doc["checks"][0]["description"], "grant revoked");
    assert!(human.contains("sign in again"), "{human}");
    // One request per run (the helper runs JSON and human): no refresh, no retry.
    assert_eq!(mock.seen().len(), 2);
    assert!(mock.seen().iter().all(|r| r.starts_with("POST /mcp ")));
}

#[test]
fn insufficient_scope_names_the_scope_asked() {
    let mock = Mock::start(Behaviour::InsufficientScope);
    let home = home(&mock.url, &mock.url);
    let (doc, human, code) = probe(&home, "remote");
    assert_eq!(code, 4);
    assert_eq!(doc["checks"][0]["answer"], "insufficient-scope");
    assert_eq!(doc["checks"][0]["scope"], "mcp admin");
    assert!(human.contains("scope mcp admin"), "{human}");
}

#[test]
fn a_redirect_is_not_followed_so_the_token_goes_nowhere_else() {
    let elsewhere = Mock::start(Behaviour::Accept(vec![CLAUDE_TOKEN]));
    let mock = Mock::start(Behaviour::Redirect(elsewhere.url.clone()));
    let home = home(&mock.url, &mock.url);
    let (doc, _, code) = probe(&home, "mock");
    assert_eq!(code, 4);
    assert_eq!(doc["checks"][0]["answer"], "redirect");
    assert_eq!(doc["checks"][0]["status"], 307);
    assert_eq!(mock.seen().len(), 2, "one request per run");
    assert!(elsewhere.seen().is_empty(), "the redirect was followed");
}

#[test]
fn a_plain_http_url_off_this_machine_gets_no_token() {
    // Nothing listens there: the refusal comes before any connection.
    let home = home("http://mcp.invalid/mcp", "http://mcp.invalid/mcp");
    let (stdout, stderr, code) = home.run(&["probe", "mock", "--token"]);
    assert_eq!(code, 2, "{stdout}{stderr}");
    assert!(
        crate::common::unwrap_lines(&stderr).contains("not https"),
        "{stderr}"
    );
    assert!(!stderr.contains(CANARY) && !stdout.contains(CANARY));
    // And without a stored token there is nothing to send.
    let empty = Home::fixture("empty-home");
    let (_, stderr, code) = empty.run(&["probe", "anything", "--token"]);
    assert_eq!(code, 2, "{stderr}");
}
