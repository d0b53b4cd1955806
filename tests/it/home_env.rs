//! `--home` points at another home (a fixture, a backup, root on a user's home): the shell's
//! state-moving variables are ours, not that home's, so every location ignores them
//! (src/paths.rs; `paths` lists them as ignored). The macOS Keychain item's name is one of those
//! locations: `CLAUDE_CONFIG_DIR` in our environment must not suffix the item read for that home.
//! The fake `security` (tests/bin/security) holds the item, as in tests/it/keychain.rs.

use std::fs;
use std::path::Path;

use serde_json::Value;

use crate::common::{self, Home};
use mcp_auth_doctor::system::keychain::service_name;

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn our_config_dir_variable_does_not_name_the_keychain_item_of_another_home() {
    let home = Home::fixture("trailing-slash");
    let creds = home.path.join(".claude/.credentials.json");
    let store = home.path.join("fake-keychain");
    fs::write(&store, hex(&fs::read(&creds).unwrap())).unwrap();
    fs::remove_file(&creds).unwrap();
    let log = home.path.join("security-log");
    // That home's Claude Code ran without CLAUDE_CONFIG_DIR: its item has no suffix.
    let service = service_name(None);
    let bin = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/bin");
    let ours = home.path.join("our-profile").display().to_string();
    let run = |args: &[&str]| {
        let mut all = vec!["--home", home.path.to_str().unwrap()];
        all.extend_from_slice(args);
        let out = home
            .cmd(&all)
            .env("PATH", format!("{}:/usr/bin:/bin", bin.display()))
            .env("USER", "alice")
            .env("MCP_AUTH_DOCTOR_TEST_OS", "macos")
            .env("FAKE_KEYCHAIN_STORE", &store)
            .env("FAKE_KEYCHAIN_ACCOUNT", "alice")
            .env("FAKE_KEYCHAIN_SERVICE", &service)
            .env("FAKE_SECURITY_LOG", &log)
            .env("CLAUDE_CONFIG_DIR", &ours)
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(!stdout.contains(common::CANARY) && !stderr.contains(common::CANARY));
        serde_json::from_str::<Value>(&stdout).unwrap_or_else(|e| panic!("{e}: {stdout}{stderr}"))
    };

    let doc = run(&["check", "--format", "json"]);
    let asked = fs::read_to_string(&log).unwrap_or_default();
    let wanted = format!("argv: find-generic-password -a alice -w -s {service}");
    assert!(
        asked.lines().any(|l| l == wanted),
        "the unsuffixed item is asked for: {asked}"
    );
    assert!(
        common::codes(&doc).contains(&"stale-registration".to_string()),
        "the item was read: {doc:#}"
    );

    let paths = run(&["paths", "--format", "json"]);
    assert_eq!(paths["keychain_service"], service.as_str(), "{paths:#}");
}
