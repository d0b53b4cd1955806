//! Recognising mcp-remote in server definitions and reading its arguments.

use super::*;

fn strings(args: &[&str]) -> Vec<String> {
    args.iter().map(|a| a.to_string()).collect()
}

fn launch_of(command: &str, args: &[&str]) -> Option<Launch> {
    launch(command, &strings(args), &[])
}

const URL: &str = "https://mcp.example.com/mcp";

#[test]
fn recognises_every_launcher() {
    let exact = Requested::Exact(Version::parse("0.1.49").unwrap());
    let cases: Vec<(&str, Vec<&str>, Launcher, Requested)> = vec![
        (
            "npx",
            vec!["mcp-remote", URL],
            Launcher::Npx,
            Requested::Unpinned,
        ),
        (
            "npx",
            vec!["-y", "mcp-remote@0.1.49", URL],
            Launcher::Npx,
            exact.clone(),
        ),
        (
            "npx",
            vec!["--yes", "mcp-remote@latest", URL],
            Launcher::Npx,
            Requested::Spec("latest".into()),
        ),
        (
            "npx",
            vec!["-y", "--", "mcp-remote@^0.1", URL],
            Launcher::Npx,
            Requested::Spec("^0.1".into()),
        ),
        (
            "npx",
            vec!["-p", "mcp-remote@0.1.49", "mcp-remote", URL],
            Launcher::Npx,
            exact.clone(),
        ),
        (
            "npx",
            vec!["--package=mcp-remote@0.1.49", "mcp-remote", URL],
            Launcher::Npx,
            exact.clone(),
        ),
        (
            "/usr/local/bin/npx",
            vec!["mcp-remote", URL],
            Launcher::Npx,
            Requested::Unpinned,
        ),
        (
            "C:\\Program Files\\nodejs\\npx.cmd",
            vec!["-y", "mcp-remote", URL],
            Launcher::Npx,
            Requested::Unpinned,
        ),
        (
            "npx",
            vec![
                "--registry",
                "https://npm.example.com/",
                "-y",
                "mcp-remote@0.1.49",
                URL,
            ],
            Launcher::Npx,
            exact.clone(),
        ),
        (
            "bunx",
            vec!["mcp-remote@0.1.49", URL],
            Launcher::Bunx,
            exact.clone(),
        ),
        (
            "pnpm",
            vec!["dlx", "mcp-remote", URL],
            Launcher::PnpmDlx,
            Requested::Unpinned,
        ),
        (
            "pnpm",
            vec!["--silent", "dlx", "mcp-remote@0.1.49", URL],
            Launcher::PnpmDlx,
            exact.clone(),
        ),
        (
            "pnpx",
            vec!["mcp-remote", URL],
            Launcher::PnpmDlx,
            Requested::Unpinned,
        ),
        (
            "yarn",
            vec!["dlx", "mcp-remote", URL],
            Launcher::YarnDlx,
            Requested::Unpinned,
        ),
        (
            "npm",
            vec!["exec", "--", "mcp-remote@0.1.49", URL],
            Launcher::NpmExec,
            exact.clone(),
        ),
        (
            "mcp-remote",
            vec![URL],
            Launcher::Direct,
            Requested::Installed,
        ),
        (
            "/home/u/.npm-global/bin/mcp-remote",
            vec![URL],
            Launcher::Direct,
            Requested::Installed,
        ),
        (
            "cmd",
            vec!["/c", "npx", "-y", "mcp-remote@0.1.49", URL],
            Launcher::Npx,
            exact.clone(),
        ),
        (
            "node",
            vec!["/home/u/x/node_modules/mcp-remote/dist/proxy.js", URL],
            Launcher::Node,
            Requested::Installed,
        ),
    ];
    for (command, args, launcher, requested) in cases {
        let found = launch_of(command, &args).unwrap_or_else(|| panic!("{command} {args:?}"));
        assert_eq!(found.launcher, launcher, "{command} {args:?}");
        assert_eq!(found.requested, requested, "{command} {args:?}");
        assert_eq!(
            found.invocation.server_url.as_deref(),
            Some(URL),
            "{command} {args:?}"
        );
    }
}

#[test]
fn other_servers_are_not_mcp_remote() {
    let cases: Vec<(&str, Vec<&str>)> = vec![
        (
            "npx",
            vec!["-y", "@modelcontextprotocol/server-filesystem", "/tmp"],
        ),
        ("npx", vec!["mcp-remote-fork", URL]),
        ("npx", vec!["-p", "mcp-remote", "something-else", URL]),
        ("npx", vec![]),
        ("pnpm", vec!["install", "mcp-remote"]),
        ("node", vec!["server.js", URL]),
        ("uvx", vec!["mcp-remote", URL]),
        ("cmd", vec!["/c", "echo", "mcp-remote"]),
        ("python", vec!["-m", "mcp_remote", URL]),
    ];
    for (command, args) in cases {
        assert_eq!(launch_of(command, &args), None, "{command} {args:?}");
    }
}

#[test]
fn config_dir_comes_from_the_definitions_env() {
    let env = vec![("MCP_REMOTE_CONFIG_DIR".to_string(), "/srv/auth".to_string())];
    let found = launch("npx", &strings(&["mcp-remote", URL]), &env).unwrap();
    assert_eq!(found.config_dir.as_deref(), Some("/srv/auth"));
    let empty = vec![("MCP_REMOTE_CONFIG_DIR".to_string(), String::new())];
    // An empty value is falsy in `process.env.X || default`: the default applies.
    assert_eq!(
        launch("npx", &strings(&["mcp-remote", URL]), &empty)
            .unwrap()
            .config_dir,
        None
    );
}

#[test]
fn requested_release_decides_the_folder_when_it_can() {
    let folder =
        |command: &str, args: &[&str]| launch_of(command, args).unwrap().requested.folder_name();
    assert_eq!(
        folder("npx", &["-y", "mcp-remote@0.1.49", URL]).as_deref(),
        Some("mcp-remote-0.1.49")
    );
    assert_eq!(
        folder("npx", &["-y", "mcp-remote@0.15.1", URL]).as_deref(),
        Some("mcp-remote-v1")
    );
    assert_eq!(
        folder("npx", &["-y", "mcp-remote@latest", URL]).as_deref(),
        Some("mcp-remote-v1")
    );
    assert_eq!(folder("npx", &["-y", "mcp-remote", URL]), None);
    assert_eq!(folder("mcp-remote", &[URL]), None);
}

#[test]
fn headers_are_taken_out_before_the_positional_arguments() {
    let inv = parse_mcp_remote_args(&strings(&[
        "--header", "A: 1", URL, "--header", "B:2", "4000",
    ]));
    assert_eq!(inv.server_url.as_deref(), Some(URL));
    assert_eq!(inv.port_arg, Some(4000));
    let names: Vec<&str> = inv.headers.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["A", "B"]);
    assert_eq!(inv.headers[0].1.expose(), "1");
}

#[test]
fn malformed_headers_are_dropped_as_mcp_remote_drops_them() {
    let inv = parse_mcp_remote_args(&strings(&[
        URL,
        "--header",
        "No Colon",
        "--header",
        "Bad Name: x",
        "--header",
        "Multi: a\nb",
        "--header",
        "Lead:\n  value",
        "--header",
        "__proto__: x",
    ]));
    let headers: Vec<(&str, &str)> = inv
        .headers
        .iter()
        .map(|(n, v)| (n.as_str(), v.expose()))
        .collect();
    assert_eq!(headers, [("Lead", "value")]);
}

#[test]
fn header_values_never_show_in_debug_output() {
    let inv = parse_mcp_remote_args(&strings(&[
        URL,
        "--header",
        "Authorization: Bearer CANARY-hdr",
    ]));
    let shown = format!("{inv:?}");
    assert!(!shown.contains("CANARY"), "{shown}");
    assert!(shown.contains("Authorization"));
}

#[test]
fn positional_port_is_read_like_parse_int() {
    let port = |arg: &str| parse_mcp_remote_args(&strings(&[URL, arg])).port_arg;
    assert_eq!(port("3334"), Some(3334));
    assert_eq!(port(" 3334abc"), Some(3334));
    assert_eq!(port("0x10"), Some(16));
    assert_eq!(port("-5"), Some(-5));
    assert_eq!(port("0"), None);
    assert_eq!(port("--allow-http"), None);
    assert_eq!(port(""), None);
    let inv = parse_mcp_remote_args(&strings(&[URL, "-5"]));
    assert_eq!(inv.callback_port("af00b6f32a6a21582603f8f63e6c95d9"), None);
    let derived = parse_mcp_remote_args(&strings(&[URL, "--debug"]));
    assert_eq!(
        derived.callback_port("af00b6f32a6a21582603f8f63e6c95d9"),
        Some(48135)
    );
    assert_eq!(
        derived
            .redirect_url("af00b6f32a6a21582603f8f63e6c95d9", false)
            .as_deref(),
        Some("http://localhost:48135/oauth/callback")
    );
    let custom = parse_mcp_remote_args(&strings(&[
        URL,
        "9876",
        "--host",
        "127.0.0.1",
        "--callback-path",
        "/cb",
    ]));
    assert_eq!(
        custom.redirect_url("ignored", false).as_deref(),
        Some("http://127.0.0.1:9876/cb")
    );
}

#[test]
fn resource_options() {
    let inv = |args: &[&str]| parse_mcp_remote_args(&strings(args));
    assert_eq!(
        inv(&[URL, "--resource", "  https://r.example/ "]).effective_resource(),
        Some("https://r.example/")
    );
    assert_eq!(inv(&[URL, "--resource", " "]).effective_resource(), None);
    assert!(inv(&[URL, "--resource", ""]).disable_resource);
    let disabled = inv(&[
        URL,
        "--resource",
        "https://r.example/",
        "--disable-resource-parameter",
    ]);
    assert_eq!(disabled.effective_resource(), None);
    // `--resource` as the last argument has no value and is ignored.
    assert_eq!(inv(&[URL, "--resource"]).effective_resource(), None);
}

#[test]
fn options_mcp_remote_refuses_or_ignores() {
    let inv = |args: &[&str]| parse_mcp_remote_args(&strings(args));
    assert!(
        inv(&[URL, "--authorize-param", "state=x"])
            .refuses_to_start
            .is_some()
    );
    assert!(
        inv(&[URL, "--authorize-param", "=x"])
            .refuses_to_start
            .is_some()
    );
    assert!(
        inv(&[URL, "--token-endpoint", "https://a.example/t"])
            .refuses_to_start
            .is_some()
    );
    assert!(
        inv(&[
            URL,
            "--client-credentials",
            "--token-endpoint",
            "http://a.example/t"
        ])
        .refuses_to_start
        .is_some()
    );
    let fine = inv(&[
        URL,
        "--client-credentials",
        "--token-endpoint",
        "HTTPS://Auth.Example.com:443",
    ]);
    assert_eq!(fine.refuses_to_start, None);
    assert_eq!(
        fine.token_endpoint.as_deref(),
        Some("https://auth.example.com/")
    );
    let loopback = inv(&[
        URL,
        "--client-credentials",
        "--token-endpoint",
        "http://127.0.0.1:8080/t?x=1",
    ]);
    assert_eq!(
        loopback.token_endpoint.as_deref(),
        Some("http://127.0.0.1:8080/t?x=1")
    );
    assert_eq!(
        inv(&[URL, "--client-metadata-url", "https://app.example.com/"]).client_metadata_url,
        None
    );
    assert_eq!(
        inv(&[URL, "--client-metadata-url", "http://app.example.com/c"]).client_metadata_url,
        None
    );
    assert_eq!(
        inv(&[
            URL,
            "--client-metadata-url",
            " https://app.example.com/c.json "
        ])
        .client_metadata_url
        .as_deref(),
        Some("https://app.example.com/c.json")
    );
    assert_eq!(
        inv(&[URL, "--callback-path", "/wait-for-auth"]).callback_path,
        None
    );
    assert!(inv(&[URL, "--header-file", "/x"]).header_file);
}
