//! The macOS Keychain item Claude Code keeps its credentials in, read (never written) through
//! `security`, and only when asked (`--keychain`).

use std::time::Duration;

use serde_json::Value;
use sha2::{Digest, Sha256};

use super::claude_version::run_with_timeout;

/// The generic-password service name, exactly as Claude Code derives it (state-formats.md §1.3):
/// `Claude Code-credentials`, plus `-<first 8 hex of sha256(configDir)>` whenever
/// `CLAUDE_CONFIG_DIR` is set (even to the default path).
pub fn service_name(claude_config_dir: Option<&str>) -> String {
    match claude_config_dir.filter(|d| !d.is_empty()) {
        Some(dir) => {
            let digest = Sha256::digest(dir.as_bytes());
            let hex: String = digest[..4].iter().map(|b| format!("{b:02x}")).collect();
            format!("Claude Code-credentials-{hex}")
        }
        None => "Claude Code-credentials".into(),
    }
}

/// The account: `$USER`, forced to `claude-code-user` when it has characters outside
/// `[A-Za-z0-9._-]` (2.1.332) or is unset.
pub fn account(user: Option<&str>) -> String {
    match user {
        Some(u)
            if !u.is_empty()
                && u.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b".-_".contains(&b)) =>
        {
            u.to_string()
        }
        _ => "claude-code-user".into(),
    }
}

/// What reading the Keychain gave.
#[derive(Debug, Clone)]
pub enum KeychainRead {
    Found { service: String, blob: Value },
    NotFound { service: String, why: String },
}

/// Reads the item with `security find-generic-password -a <account> -w -s <service>`. The value
/// may be the JSON itself or (as Claude Code writes it with `-X`) its hex encoding.
pub fn read(claude_config_dir: Option<&str>, user: Option<&str>) -> KeychainRead {
    let service = service_name(claude_config_dir);
    let account = account(user);
    // Resolved through PATH (on macOS that is /usr/bin/security), so tests can put a fake first.
    let program = "security";
    let out = run_with_timeout(
        program,
        &[
            "find-generic-password",
            "-a",
            &account,
            "-w",
            "-s",
            &service,
        ],
        Duration::from_secs(10),
    );
    match out {
        Err(why) => KeychainRead::NotFound { service, why },
        Ok(text) => match decode(text.trim()) {
            Some(blob) => KeychainRead::Found { service, blob },
            None => KeychainRead::NotFound {
                service,
                why: "the item is not JSON (nor hex-encoded JSON)".into(),
            },
        },
    }
}

fn decode(text: &str) -> Option<Value> {
    if let Ok(v) = serde_json::from_str::<Value>(text) {
        return Some(v);
    }
    if text.len().is_multiple_of(2) && text.bytes().all(|b| b.is_ascii_hexdigit()) {
        let bytes: Option<Vec<u8>> = (0..text.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&text[i..i + 2], 16).ok())
            .collect();
        return serde_json::from_slice(&bytes?).ok();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    /// state-formats.md §9.3.
    #[test]
    fn service_names_match_the_vectors() {
        for (dir, service) in [
            (None, "Claude Code-credentials"),
            (
                Some("/Users/alice/.claude"),
                "Claude Code-credentials-5ac5e874",
            ),
            (
                Some("/Users/alice/.claude/"),
                "Claude Code-credentials-51d748fa",
            ),
            (
                Some("/Users/alice/.claude-work"),
                "Claude Code-credentials-be865d75",
            ),
            (
                Some("C:\\Users\\alice\\.claude"),
                "Claude Code-credentials-e2bccfa8",
            ),
        ] {
            assert_eq!(service_name(dir), service);
        }
    }

    #[test]
    fn account_falls_back_like_claude_code() {
        assert_eq!(account(Some("alice")), "alice");
        assert_eq!(account(Some("Alice Smith")), "claude-code-user");
        assert_eq!(account(None), "claude-code-user");
    }

    #[test]
    fn decodes_plain_and_hex_values() {
        assert_eq!(decode(r#"{"a":1}"#), Some(serde_json::json!({"a": 1})));
        let hex: String = br#"{"a":1}"#.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(decode(&hex), Some(serde_json::json!({"a": 1})));
        assert_eq!(decode("nope"), None);
    }
}
