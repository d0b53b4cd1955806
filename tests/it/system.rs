//! Probes of the machine: running Claude Code processes, a huge ~/.claude.json, the Keychain
//! (through a fake `security`), claude-running warnings before a fix.

use crate::common;

use std::fs;
use std::path::Path;
use std::process::{Child, Command};

use common::{CANARY, Home, codes};

/// A process whose executable is named `claude`, with the given config dir in its environment.
struct FakeClaude(Child);

impl FakeClaude {
    fn start(dir: &Path, env: &[(&str, &Path)]) -> Self {
        let exe = dir.join("claude");
        fs::copy("/bin/sleep", &exe).unwrap();
        let mut cmd = Command::new(&exe);
        cmd.arg("30").env_clear();
        for (k, v) in env {
            cmd.env(k, v);
        }
        let child = cmd.spawn().unwrap();
        // Give /proc a moment to show it.
        std::thread::sleep(std::time::Duration::from_millis(50));
        FakeClaude(child)
    }
}

impl Drop for FakeClaude {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[cfg(target_os = "linux")]
#[test]
fn a_running_claude_on_this_config_dir_is_reported_and_fix_warns() {
    let home = Home::fixture("demo");
    let bin = tempfile::tempdir().unwrap();
    let (doc, _) = home.check_json();
    assert!(!codes(&doc).contains(&"claude-running".to_string()));
    // One on another config dir does not count.
    let elsewhere = tempfile::tempdir().unwrap();
    let other = FakeClaude::start(bin.path(), &[("HOME", elsewhere.path())]);
    let (doc, _) = home.check_json();
    assert!(
        !codes(&doc).contains(&"claude-running".to_string()),
        "{doc}"
    );
    drop(other);
    let bin2 = tempfile::tempdir().unwrap();
    let claude = FakeClaude::start(bin2.path(), &[("HOME", &home.path)]);
    let (doc, _) = home.check_json();
    assert!(codes(&doc).contains(&"claude-running".to_string()), "{doc}");
    let (stdout, _, code) = home.run(&["fix", "--yes"]);
    assert_eq!(code & 1, 1);
    assert!(
        stdout.contains("Claude Code is running with this config dir"),
        "{stdout}"
    );
    drop(claude);
}

#[test]
fn a_huge_claude_json_is_config_bloat() {
    let home = Home::fixture("healthy");
    let path = home.path.join(".claude.json");
    let text = fs::read_to_string(&path).unwrap();
    let (doc, _) = home.check_json();
    assert!(!codes(&doc).contains(&"config-bloat".to_string()));
    // 51 MB of history in one project, the rest as it was.
    let history = format!(
        "\"history\": [{}],",
        vec![format!("{{\"display\": \"{}\"}}", "x".repeat(1000)); 51 * 1024].join(",")
    );
    let bloated = text.replacen(
        "\"allowedTools\"",
        &format!("{history}\n      \"allowedTools\""),
        1,
    );
    assert_ne!(bloated, text);
    fs::write(&path, bloated).unwrap();
    let (doc, code) = home.check_json();
    let bloat = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == "config-bloat")
        .unwrap_or_else(|| panic!("{doc}"));
    assert_eq!(bloat["severity"], "info");
    assert!(
        bloat["message"].as_str().unwrap().contains("projects (5"),
        "{bloat}"
    );
    assert_eq!(code, 0, "info only below 200 MB");
    // The servers are still all found: the history was streamed past.
    assert_eq!(doc["servers"].as_array().unwrap().len(), 4, "{doc}");
}

fn keychain_cmd(home: &Home, args: &[&str], value: &str, hex: bool) -> assert_cmd::Command {
    let mut cmd = home.cmd(args);
    let bin = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/bin");
    cmd.env("PATH", format!("{}:/usr/bin:/bin", bin.display()))
        .env("USER", "alice")
        .env("FAKE_KEYCHAIN_VALUE", value)
        .env("FAKE_SECURITY_ARGS", home.path.join("security-args"));
    if hex {
        cmd.env("FAKE_KEYCHAIN_HEX", "1");
    }
    cmd
}

#[test]
fn the_keychain_is_read_only_when_asked_and_a_split_is_reported() {
    let home = Home::fixture("healthy");
    let file = fs::read_to_string(home.path.join(".claude/.credentials.json")).unwrap();
    // The Keychain holds the same blob minus notion's entry.
    let mut blob: serde_json::Value = serde_json::from_str(&file).unwrap();
    blob["mcpOAuth"]
        .as_object_mut()
        .unwrap()
        .shift_remove("notion|eac663db915250e7");
    let blob = blob.to_string();
    // Without --keychain, `security` is never run.
    let out = keychain_cmd(&home, &["check", "--format", "json"], &blob, false)
        .output()
        .unwrap();
    assert!(!home.path.join("security-args").exists());
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(!codes(&doc).contains(&"keychain-file-split".to_string()));
    for hex in [false, true] {
        let out = keychain_cmd(
            &home,
            &["check", "--format", "json", "--keychain"],
            &blob,
            hex,
        )
        .output()
        .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(!stdout.contains(CANARY), "{stdout}");
        let doc: serde_json::Value = serde_json::from_str(&stdout).unwrap();
        assert!(
            codes(&doc).contains(&"keychain-file-split".to_string()),
            "hex={hex}: {doc}"
        );
        // The Keychain is the live store: notion has no entry there, and nothing is proposed
        // for the file.
        let notion = doc["servers"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["name"] == "notion")
            .unwrap();
        assert_eq!(notion["token"]["state"], "none", "{notion}");
        let args = fs::read_to_string(home.path.join("security-args")).unwrap();
        assert_eq!(
            args.trim(),
            "find-generic-password -a alice -w -s Claude Code-credentials"
        );
    }
    // Same content: no split.
    let out = keychain_cmd(
        &home,
        &["check", "--format", "json", "--keychain"],
        &file,
        false,
    )
    .output()
    .unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(!codes(&doc).contains(&"keychain-file-split".to_string()));
}

#[test]
fn with_claude_config_dir_the_keychain_service_has_the_hash_suffix() {
    let home = Home::fixture("config-dir");
    let out = keychain_cmd(&home, &["check", "--keychain"], "", false)
        .output()
        .unwrap();
    assert!(out.status.code().is_some());
    let args = fs::read_to_string(home.path.join("security-args")).unwrap();
    let dir = home.path.join("profiles/work").display().to_string();
    let expected = mcp_auth_doctor::system::keychain::service_name(Some(&dir));
    assert!(expected.starts_with("Claude Code-credentials-"));
    assert!(args.trim().ends_with(&format!("-s {expected}")), "{args}");
}

/// `--config-dir DIR` stands for `CLAUDE_CONFIG_DIR=DIR`, so it names the same Keychain item.
#[test]
fn with_config_dir_given_the_keychain_service_has_that_dirs_suffix() {
    let home = Home::fixture("config-dir");
    let dir = home.path.join("profiles/work").display().to_string();
    let mut cmd = keychain_cmd(
        &home,
        &["check", "--keychain", "--config-dir", &dir],
        "",
        false,
    );
    cmd.env_remove("CLAUDE_CONFIG_DIR");
    let out = cmd.output().unwrap();
    assert!(out.status.code().is_some());
    let args = fs::read_to_string(home.path.join("security-args")).unwrap();
    let expected = mcp_auth_doctor::system::keychain::service_name(Some(&dir));
    assert!(args.trim().ends_with(&format!("-s {expected}")), "{args}");
}
