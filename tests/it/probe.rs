//! `probe` against a loopback mock MCP server that each test starts for itself (127.0.0.1, port
//! 0, hand-written HTTP/1.1, a thread per connection). Every switch of the mock is one way real
//! servers get OAuth discovery wrong; each test asserts the finding codes and the verdict.
//! Nothing here reaches anything but 127.0.0.1.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use mcp_auth_doctor::exit;
use mcp_auth_doctor::model::inventory::Inventory;
use mcp_auth_doctor::paths::{Environment, Locations, Overrides};
use mcp_auth_doctor::probe::verdict::{Shows, SignIn};
use mcp_auth_doctor::probe::{self, ProbeOptions, ProbeReport, ProbeTarget};
use mcp_auth_doctor::render::{self, style::Style};
use serde_json::{Value, json};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Switch {
    /// Everything as the MCP authorization spec and Claude Code want it.
    Compliant,
    /// The registration response carries `null` in optional fields (the bug report).
    DcrNulls,
    /// A 401 without `WWW-Authenticate`.
    NoWwwAuthenticate,
    /// A firewall's 403 page instead of a 401.
    Waf403,
    /// Authorization-server metadata with `"registration_endpoint": null`.
    NullRegistrationEndpoint,
    /// Protected-resource metadata naming another resource.
    ResourceMismatch,
    /// Only `/.well-known/openid-configuration`, no RFC 8414 document.
    OpenIdOnly,
    /// Every answer takes longer than the probe's timeout.
    Slow,
    /// No authentication at all: initialize succeeds.
    Open,
    /// The MCP URL redirects.
    Redirect,
}

/// How long `Slow` waits before answering; tests use a much shorter timeout.
const SLOW: Duration = Duration::from_millis(1500);

struct Mock {
    base: String,
    /// Every request received, raw (head and body).
    seen: Arc<Mutex<Vec<String>>>,
}

impl Mock {
    fn start(switch: Switch) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        let base = format!("http://{}", listener.local_addr().unwrap());
        let seen = Arc::new(Mutex::new(Vec::new()));
        let (b, s) = (base.clone(), seen.clone());
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                let Ok(conn) = conn else { break };
                let (b, s) = (b.clone(), s.clone());
                std::thread::spawn(move || serve(conn, switch, &b, &s));
            }
        });
        Self { base, seen }
    }

    fn url(&self) -> String {
        format!("{}/mcp", self.base)
    }

    fn seen(&self) -> Vec<String> {
        self.seen.lock().unwrap().clone()
    }

    fn paths(&self) -> Vec<String> {
        self.seen()
            .iter()
            .map(|r| {
                let line = r.lines().next().unwrap_or("");
                let mut parts = line.split(' ');
                format!(
                    "{} {}",
                    parts.next().unwrap_or(""),
                    parts.next().unwrap_or("")
                )
            })
            .collect()
    }
}

fn serve(conn: TcpStream, switch: Switch, base: &str, seen: &Mutex<Vec<String>>) {
    conn.set_read_timeout(Some(Duration::from_secs(5))).ok();
    let mut reader = BufReader::new(conn.try_clone().expect("clone"));
    let mut head = String::new();
    loop {
        let mut line = String::new();
        match reader.read_line(&mut line) {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
        head.push_str(&line);
        if line == "\r\n" || line == "\n" {
            break;
        }
    }
    let length: usize = head
        .lines()
        .filter_map(|l| l.split_once(':'))
        .find(|(k, _)| k.trim().eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.trim().parse().ok())
        .unwrap_or(0);
    let mut body = vec![0; length];
    if reader.read_exact(&mut body).is_err() {
        return;
    }
    let body = String::from_utf8_lossy(&body).into_owned();
    seen.lock().unwrap().push(format!("{head}{body}"));
    let mut first = head.lines().next().unwrap_or("").split(' ');
    let method = first.next().unwrap_or("").to_string();
    let path = first.next().unwrap_or("").to_string();

    if switch == Switch::Slow {
        std::thread::sleep(SLOW);
    }
    let (status, headers, payload) = route(switch, &method, &path, &body, base);
    let reason = match status {
        200 => "OK",
        201 => "Created",
        307 => "Temporary Redirect",
        401 => "Unauthorized",
        403 => "Forbidden",
        _ => "Not Found",
    };
    let mut out = format!("HTTP/1.1 {status} {reason}\r\n");
    for (k, v) in headers {
        out.push_str(&format!("{k}: {v}\r\n"));
    }
    out.push_str(&format!(
        "Content-Length: {}\r\nConnection: close\r\n\r\n{payload}",
        payload.len()
    ));
    let mut conn = conn;
    let _ = conn.write_all(out.as_bytes());
    let _ = conn.flush();
}

type Answer = (u16, Vec<(&'static str, String)>, String);

fn json_answer(status: u16, v: Value) -> Answer {
    (
        status,
        vec![("Content-Type", "application/json".into())],
        v.to_string(),
    )
}

fn not_found() -> Answer {
    (
        404,
        vec![("Content-Type", "text/plain".into())],
        "not found".into(),
    )
}

fn route(switch: Switch, method: &str, path: &str, body: &str, base: &str) -> Answer {
    match (method, path) {
        ("POST", "/mcp") => match switch {
            Switch::Open => json_answer(
                200,
                json!({"jsonrpc": "2.0", "id": 0, "result": {"protocolVersion": "2025-06-18",
                    "capabilities": {}, "serverInfo": {"name": "mock", "version": "1"}}}),
            ),
            Switch::Redirect => (
                307,
                vec![("Location", format!("{base}/mcp/"))],
                String::new(),
            ),
            Switch::Waf403 => (
                403,
                vec![
                    ("Server", "cloudflare".into()),
                    ("Content-Type", "text/html".into()),
                ],
                "<html><head><title>Attention Required! | Cloudflare</title></head>\n<body>\
                 Sorry, you have been blocked</body></html>"
                    .into(),
            ),
            Switch::NoWwwAuthenticate => json_answer(401, json!({"error": "unauthorized"})),
            _ => (
                401,
                vec![
                    (
                        "WWW-Authenticate",
                        format!(
                            "Bearer realm=\"mcp\", resource_metadata=\"{base}/.well-known/oauth-protected-resource/mcp\", scope=\"mcp\""
                        ),
                    ),
                    ("Content-Type", "application/json".into()),
                ],
                json!({"error": "invalid_token", "error_description": "No token"}).to_string(),
            ),
        },
        ("GET", "/.well-known/oauth-protected-resource/mcp") => {
            let resource = if switch == Switch::ResourceMismatch {
                format!("{base}/other")
            } else {
                format!("{base}/mcp")
            };
            json_answer(
                200,
                json!({
                    "resource": resource,
                    "authorization_servers": [base],
                    "scopes_supported": ["mcp"],
                    "bearer_methods_supported": ["header"],
                }),
            )
        }
        ("GET", "/.well-known/oauth-authorization-server") => {
            if switch == Switch::OpenIdOnly {
                return not_found();
            }
            let mut doc = json!({
                "issuer": base,
                "authorization_endpoint": format!("{base}/authorize"),
                "token_endpoint": format!("{base}/token"),
                "registration_endpoint": format!("{base}/register"),
                "response_types_supported": ["code"],
                "grant_types_supported": ["authorization_code", "refresh_token"],
                "code_challenge_methods_supported": ["S256"],
                "token_endpoint_auth_methods_supported": ["none"],
                "scopes_supported": ["mcp"],
            });
            if switch == Switch::NullRegistrationEndpoint {
                doc["registration_endpoint"] = Value::Null;
            }
            json_answer(200, doc)
        }
        ("GET", "/.well-known/openid-configuration") if switch == Switch::OpenIdOnly => {
            json_answer(
                200,
                json!({
                    "issuer": base,
                    "authorization_endpoint": format!("{base}/authorize"),
                    "token_endpoint": format!("{base}/token"),
                    "registration_endpoint": format!("{base}/register"),
                    "jwks_uri": format!("{base}/jwks"),
                    "response_types_supported": ["code"],
                    "subject_types_supported": ["public"],
                    "id_token_signing_alg_values_supported": ["RS256"],
                    "code_challenge_methods_supported": ["S256"],
                }),
            )
        }
        ("POST", "/register") => {
            let request: Value = serde_json::from_str(body).unwrap_or(Value::Null);
            let redirects = request.get("redirect_uris").cloned().unwrap_or(json!([]));
            let mut doc = json!({
                "client_id": "mock-client-1",
                "client_id_issued_at": 1780315200,
                "redirect_uris": redirects,
                "grant_types": ["authorization_code", "refresh_token"],
                "response_types": ["code"],
                "token_endpoint_auth_method": "none",
                "client_name": request.get("client_name").cloned().unwrap_or(Value::Null),
                "registration_access_token": "REGSECRET-do-not-print-1234",
            });
            if switch == Switch::DcrNulls {
                for field in ["client_uri", "logo_uri", "software_id", "software_version"] {
                    doc[field] = Value::Null;
                }
            }
            json_answer(201, doc)
        }
        _ => not_found(),
    }
}

fn probe_url(url: &str, register: bool, timeout: Duration) -> ProbeReport {
    let home = tempfile::tempdir().unwrap();
    let inventory = load_inventory(home.path());
    probe::run(
        &ProbeOptions {
            target: ProbeTarget::Url(url.into()),
            sse: false,
            register,
            timeout,
            token: false,
        },
        &inventory,
    )
    .expect("probe runs")
}

fn load_inventory(home: &Path) -> Inventory {
    let env = Environment {
        home: Some(home.to_path_buf()),
        cwd: home.to_path_buf(),
        vars: HashMap::new(),
        user: None,
        home_from: Default::default(),
    };
    let overrides = Overrides {
        home: Some(home.to_path_buf()),
        config_dir: None,
        project: Some(home.to_path_buf()),
        managed_dir: Some(home.join("managed")),
        mcp_config: Vec::new(),
    };
    let locations = Locations::resolve(&env, &overrides).unwrap();
    Inventory::from_snapshot(
        mcp_auth_doctor::load::snapshot(locations, &Default::default()),
        &HashMap::<String, String>::new(),
        mcp_auth_doctor::timefmt::now_ms(),
    )
}

const T: Duration = Duration::from_secs(5);

fn codes(r: &ProbeReport) -> Vec<&'static str> {
    r.codes()
}

/// The JSON report parses and agrees with the report.
fn json_of(r: &ProbeReport) -> Value {
    let v: Value = serde_json::from_str(&render::probe::json(r)).expect("valid JSON");
    assert_eq!(v["schema"], 1);
    assert_eq!(v["steps"].as_array().unwrap().len(), 4);
    let json_codes: Vec<&str> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap())
        .collect();
    assert_eq!(json_codes, r.codes());
    v
}

#[test]
fn compliant_server_needs_auth_and_sign_in_should_work() {
    let mock = Mock::start(Switch::Compliant);
    let r = probe_url(&mock.url(), true, T);
    assert_eq!(codes(&r), Vec::<&str>::new());
    assert_eq!(r.verdict.shows, Shows::NeedsAuth);
    assert_eq!(r.verdict.sign_in, SignIn::ShouldWork);
    assert!(!r.has_problems());
    let human = render::probe::human(&r, Style { color: false });
    assert!(
        human.contains("Claude Code will show: ! Needs authentication."),
        "{human}"
    );
    assert!(human.contains("Nothing to tell the server's operator."));
    // The registration access token the server returned is never shown.
    assert!(!human.contains("REGSECRET") && !render::probe::json(&r).contains("REGSECRET"));
    let v = json_of(&r);
    assert_eq!(v["verdict"]["shows"], "needs-auth");
    assert_eq!(v["verdict"]["sign_in"], "should-work");
    let statuses: Vec<&str> = v["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["ok", "ok", "ok", "ok"]);
    assert_eq!(
        mock.paths(),
        [
            "POST /mcp",
            "GET /.well-known/oauth-protected-resource/mcp",
            "GET /.well-known/oauth-authorization-server",
            "POST /register",
        ]
    );
}

#[test]
fn without_register_nothing_is_created() {
    let mock = Mock::start(Switch::Compliant);
    let r = probe_url(&mock.url(), false, T);
    assert_eq!(codes(&r), Vec::<&str>::new());
    assert_eq!(r.verdict.shows, Shows::NeedsAuth);
    assert_eq!(r.verdict.sign_in, SignIn::Untested);
    assert!(!mock.paths().iter().any(|p| p.contains("/register")));
    let v = json_of(&r);
    assert_eq!(v["steps"][3]["status"], "skipped");
}

#[test]
fn dcr_nulls_are_named_and_sign_in_fails() {
    let mock = Mock::start(Switch::DcrNulls);
    let r = probe_url(&mock.url(), true, T);
    assert_eq!(
        codes(&r),
        [
            "dcr-null-field",
            "dcr-null-field",
            "dcr-null-field",
            "dcr-null-field"
        ]
    );
    let fields: Vec<&str> = r
        .findings
        .iter()
        .map(|f| f.evidence["field"].as_str().unwrap())
        .collect();
    assert_eq!(
        fields,
        ["client_uri", "logo_uri", "software_id", "software_version"]
    );
    assert_eq!(r.verdict.shows, Shows::NeedsAuth);
    assert_eq!(r.verdict.sign_in, SignIn::Fails);
    assert!(r.has_problems());
    let tell = r.verdict.tell_operator.as_deref().unwrap();
    assert!(tell.contains("instead of sending null"), "{tell}");
    assert!(r.verdict.line.contains("expected string, received null"));
}

#[test]
fn a_401_without_www_authenticate_still_discovers_via_well_known() {
    let mock = Mock::start(Switch::NoWwwAuthenticate);
    let r = probe_url(&mock.url(), true, T);
    assert_eq!(codes(&r), ["no-www-authenticate"]);
    assert_eq!(r.verdict.shows, Shows::NeedsAuth);
    assert_eq!(r.verdict.sign_in, SignIn::ShouldWork);
    assert!(r.has_problems());
    assert_eq!(
        mock.paths()[1],
        "GET /.well-known/oauth-protected-resource/mcp"
    );
}

#[test]
fn a_waf_403_fails_to_connect() {
    let mock = Mock::start(Switch::Waf403);
    let r = probe_url(&mock.url(), true, T);
    assert_eq!(codes(&r), ["waf-403"]);
    assert_eq!(r.verdict.shows, Shows::Failed);
    assert!(
        r.verdict
            .line
            .starts_with("Claude Code will show: ✗ Failed to connect, because")
    );
    assert_eq!(r.findings[0].evidence["server"], "cloudflare");
    assert_eq!(mock.paths(), ["POST /mcp"]);
    let human = render::probe::human(&r, Style { color: false });
    assert!(human.contains("Tell the server's operator:"), "{human}");
}

#[test]
fn a_null_registration_endpoint_fails_discovery() {
    let mock = Mock::start(Switch::NullRegistrationEndpoint);
    let r = probe_url(&mock.url(), true, T);
    assert_eq!(codes(&r), ["metadata-null-field"]);
    assert_eq!(r.findings[0].evidence["field"], "registration_endpoint");
    assert_eq!(r.verdict.shows, Shows::Failed);
    assert!(r.verdict.line.contains("registration_endpoint"));
    // Claude Code stops before registering, and so does the probe.
    assert!(!mock.paths().iter().any(|p| p.contains("/register")));
}

#[test]
fn a_resource_mismatch_fails_to_connect() {
    let mock = Mock::start(Switch::ResourceMismatch);
    let r = probe_url(&mock.url(), true, T);
    assert_eq!(codes(&r), ["resource-mismatch"]);
    assert_eq!(r.verdict.shows, Shows::Failed);
    let tell = r.verdict.tell_operator.as_deref().unwrap();
    assert!(tell.contains(&mock.url()), "{tell}");
}

#[test]
fn only_openid_configuration_is_fine() {
    let mock = Mock::start(Switch::OpenIdOnly);
    let r = probe_url(&mock.url(), true, T);
    assert_eq!(codes(&r), ["openid-configuration-only"]);
    assert_eq!(r.verdict.shows, Shows::NeedsAuth);
    assert_eq!(r.verdict.sign_in, SignIn::ShouldWork);
    assert!(!r.has_problems());
    assert!(
        mock.paths()
            .contains(&"GET /.well-known/openid-configuration".to_string())
    );
}

#[test]
fn a_slow_server_times_out_quickly() {
    let mock = Mock::start(Switch::Slow);
    let start = Instant::now();
    let r = probe_url(&mock.url(), true, Duration::from_millis(200));
    assert!(start.elapsed() < SLOW, "took {:?}", start.elapsed());
    assert_eq!(codes(&r), ["timeout"]);
    assert_eq!(r.verdict.shows, Shows::Failed);
    assert!(
        r.verdict.line.contains("within 0.2 s"),
        "{}",
        r.verdict.line
    );
    let v = json_of(&r);
    assert!(v["steps"][0]["exchanges"][0]["error"].is_string());
}

#[test]
fn an_open_server_connects() {
    let mock = Mock::start(Switch::Open);
    let r = probe_url(&mock.url(), true, T);
    assert_eq!(codes(&r), ["no-auth-required"]);
    assert_eq!(r.verdict.shows, Shows::Connected);
    assert!(!r.has_problems());
    assert_eq!(mock.paths(), ["POST /mcp"]);
}

#[test]
fn a_redirect_is_named_not_followed() {
    let mock = Mock::start(Switch::Redirect);
    let r = probe_url(&mock.url(), true, T);
    assert_eq!(codes(&r), ["redirect"]);
    assert_eq!(r.verdict.shows, Shows::Failed);
    assert_eq!(
        r.findings[0].evidence["location"],
        format!("{}/", mock.url())
    );
    assert_eq!(mock.paths(), ["POST /mcp"]);
}

#[test]
fn the_initialize_request_is_a_real_mcp_request_without_credentials() {
    let mock = Mock::start(Switch::Compliant);
    probe_url(&mock.url(), false, T);
    let first = &mock.seen()[0];
    let lower = first.to_ascii_lowercase();
    assert!(lower.contains("content-type: application/json"));
    assert!(lower.contains("accept: application/json, text/event-stream"));
    assert!(first.contains("\"method\":\"initialize\""));
    assert!(!lower.contains("authorization:"));
}

/// A temp home where `name` is configured with `config`, and the credentials file holds a
/// complete token set for its live key, every secret containing `CANARY`.
fn home_with(name: &str, config: Value) -> tempfile::TempDir {
    let home = tempfile::tempdir().unwrap();
    let url = config["url"].as_str().unwrap().to_string();
    let headers = config
        .get("headers")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let key = mcp_auth_doctor::model::key::server_key(name, "http", &url, &headers);
    std::fs::write(
        home.path().join(".claude.json"),
        json!({"mcpServers": {name: config}}).to_string(),
    )
    .unwrap();
    let dir = home.path().join(".claude");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join(".credentials.json"),
        json!({"mcpOAuth": {key: {
            "serverName": name,
            "serverUrl": url,
            "accessToken": "at-CANARY-0123456789",
            "refreshToken": "rt-CANARY-0123456789",
            "expiresAt": 4102444800000u64,
            "clientId": "client-CANARY-id",
            "clientSecret": "cs-CANARY-secret",
            "scope": "mcp",
        }}})
        .to_string(),
    )
    .unwrap();
    home
}

#[test]
fn no_stored_secret_is_ever_sent_or_shown() {
    let mock = Mock::start(Switch::Compliant);
    let home = home_with(
        "canary",
        json!({"type": "http", "url": mock.url(), "headers": {"X-Api-Key": "hk-CANARY-header"}}),
    );
    let inventory = load_inventory(home.path());
    // The entry is really there and live, so a leak would be possible.
    assert!(
        inventory
            .entries
            .iter()
            .any(|e| e.key().starts_with("canary|"))
    );
    assert!(
        inventory
            .live_keys()
            .keys()
            .any(|k| k.starts_with("canary|"))
    );
    let r = probe::run(
        &ProbeOptions {
            target: ProbeTarget::Name("canary".into()),
            sse: false,
            register: true,
            timeout: T,
            token: false,
        },
        &inventory,
    )
    .unwrap();
    assert_eq!(r.target.name.as_deref(), Some("canary"));
    assert_eq!(codes(&r), ["headers-not-sent"]);
    assert_eq!(r.verdict.shows, Shows::NeedsAuth);
    let seen = mock.seen();
    assert_eq!(seen.len(), 4);
    for request in &seen {
        assert!(!request.contains("CANARY"), "sent a secret:\n{request}");
        assert!(!request.to_ascii_lowercase().contains("authorization:"));
    }
    for output in [
        render::probe::human(&r, Style { color: false }),
        render::probe::json(&r),
    ] {
        assert!(!output.contains("CANARY"), "printed a secret:\n{output}");
    }
}

#[test]
fn names_resolve_through_the_configuration() {
    let home = home_with(
        "stdio-one",
        json!({"type": "http", "url": "http://127.0.0.1:9/mcp"}),
    );
    // Replace the config with one stdio server and one sse server.
    std::fs::write(
        home.path().join(".claude.json"),
        json!({"mcpServers": {
            "local": {"command": "node", "args": ["server.js"]},
        }})
        .to_string(),
    )
    .unwrap();
    let inventory = load_inventory(home.path());
    let run = |name: &str| {
        probe::run(
            &ProbeOptions {
                target: ProbeTarget::Name(name.into()),
                sse: false,
                register: false,
                timeout: T,
                token: false,
            },
            &inventory,
        )
    };
    let e = run("nobody").unwrap_err();
    assert_eq!(exit::status_of(&e), exit::USAGE, "{e:#}");
    assert!(e.to_string().contains("no server named 'nobody'"));
    let e = run("local").unwrap_err();
    assert_eq!(exit::status_of(&e), exit::USAGE, "{e:#}");
    assert!(e.to_string().contains("stdio"), "{e}");
    let e = probe::run(
        &ProbeOptions {
            target: ProbeTarget::Url("ftp://example.com/".into()),
            sse: false,
            register: false,
            timeout: T,
            token: false,
        },
        &inventory,
    )
    .unwrap_err();
    assert_eq!(exit::status_of(&e), exit::USAGE);
}

#[test]
fn an_sse_server_is_probed_with_a_get() {
    let mock = Mock::start(Switch::Compliant);
    let home = home_with("events", json!({"type": "sse", "url": mock.url()}));
    let inventory = load_inventory(home.path());
    let r = probe::run(
        &ProbeOptions {
            target: ProbeTarget::Name("events".into()),
            sse: false,
            register: false,
            timeout: T,
            token: false,
        },
        &inventory,
    )
    .unwrap();
    assert_eq!(r.target.transport, "sse");
    // The mock answers only POST /mcp with a 401; a GET gets 404, which is what Claude Code's
    // SSE transport would get too.
    assert_eq!(mock.paths()[0], "GET /mcp");
    assert_eq!(codes(&r), ["unexpected-status"]);
    assert!(
        mock.seen()[0]
            .to_ascii_lowercase()
            .contains("accept: text/event-stream")
    );
}

#[test]
fn a_closed_port_is_unreachable() {
    // A port that was just free: nothing listens there.
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let r = probe_url(&format!("http://127.0.0.1:{port}/mcp"), false, T);
    assert_eq!(codes(&r), ["unreachable"]);
    assert_eq!(r.verdict.shows, Shows::Failed);
}
