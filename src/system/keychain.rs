//! The macOS Keychain item Claude Code keeps its credentials in, read through `security`: by
//! default on macOS when the credentials file is absent (the item is then the live store), always
//! with `--keychain`, never with `--no-keychain`. Writes go through `security -i` too (see
//! [`write`]), so the item's access list, which trusts `/usr/bin/security` because Claude Code
//! made it with that program, stays as it is.

use std::path::PathBuf;
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

/// The service name Claude Code 2.1.332 uses: `CLAUDE_SECURESTORAGE_CONFIG_DIR`, when set,
/// replaces `CLAUDE_CONFIG_DIR` as the directory whose hash suffixes the name (state-formats.md
/// §1.3; the hash is assumed to be taken of it as of `CLAUDE_CONFIG_DIR`, the string as set),
/// and the rule that chose it, for `paths`.
pub fn service_for(
    claude_config_dir: Option<&str>,
    securestorage_dir: Option<&str>,
) -> (String, &'static str) {
    let securestorage_dir = securestorage_dir.filter(|d| !d.is_empty());
    let claude_config_dir = claude_config_dir.filter(|d| !d.is_empty());
    match (securestorage_dir, claude_config_dir) {
        (Some(dir), _) => (
            service_name(Some(dir)),
            "suffix: sha256 of $CLAUDE_SECURESTORAGE_CONFIG_DIR, which wins over CLAUDE_CONFIG_DIR",
        ),
        (None, Some(dir)) => (
            service_name(Some(dir)),
            "suffix: sha256 of $CLAUDE_CONFIG_DIR",
        ),
        (None, None) => (
            service_name(None),
            "no suffix: neither CLAUDE_CONFIG_DIR nor CLAUDE_SECURESTORAGE_CONFIG_DIR is set",
        ),
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

/// Whether to read the item: `--keychain`, `--no-keychain`, or neither.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum KeychainChoice {
    /// Read it where Claude Code would: on macOS when the credentials file is absent.
    #[default]
    Auto,
    /// `--keychain`: read it even when the file exists (to see `keychain-file-split`).
    Always,
    /// `--no-keychain`: never run `security`.
    Never,
}

/// The platform decision, pure so it is tested on Linux: `target_os` is
/// `std::env::consts::OS` (or a debug-build test override). Claude Code on macOS reads the
/// Keychain first and the file only as a fallback, and deletes the file once it has moved it into
/// the item, so an absent file on macOS means the item is probably the live store.
pub fn should_read(
    target_os: &str,
    choice: KeychainChoice,
    credentials_file_present: bool,
) -> bool {
    match choice {
        KeychainChoice::Always => true,
        KeychainChoice::Never => false,
        KeychainChoice::Auto => target_os == "macos" && !credentials_file_present,
    }
}

/// The OS whose rules apply: this one, or in debug builds (tests) the value of
/// `MCP_AUTH_DOCTOR_TEST_OS`, so the macOS defaults are tested on Linux with the fake `security`.
pub fn target_os() -> String {
    crate::paths::target_os()
}

/// How long a read may take before it is given up: with a terminal the user can answer a
/// Keychain access dialog; without one nobody will, so the read times out quickly and says so.
pub fn read_timeout(interactive: bool) -> Duration {
    if interactive {
        Duration::from_secs(30)
    } else {
        Duration::from_secs(5)
    }
}

/// What reading the Keychain gave.
#[derive(Debug, Clone)]
pub enum KeychainRead {
    Found {
        service: String,
        blob: Value,
        /// The item's JSON text, byte for byte (decoded from hex when it was stored so): what
        /// `fix` edits and backs up, and whose checksum says whether it changed since the plan.
        text: Vec<u8>,
        /// The account the item was found under (written back under the same one).
        account: String,
        /// How the item is named where a file path would be shown ([`shown_path`]).
        shown: PathBuf,
    },
    NotFound {
        service: String,
        why: String,
    },
}

/// Reads the item with `security find-generic-password -a <account> -w -s <service>`. The value
/// may be the JSON itself or (as Claude Code writes it with `-X`) its hex encoding.
pub fn read(
    claude_config_dir: Option<&str>,
    securestorage_dir: Option<&str>,
    user: Option<&str>,
    timeout: Duration,
) -> KeychainRead {
    let (service, _) = service_for(claude_config_dir, securestorage_dir);
    read_item(&service, &account(user), timeout)
}

/// Where a plan, a report or a backup manifest shows a file path, the item is shown as this
/// (never a path on disk: nothing opens it).
pub fn shown_path(service: &str) -> PathBuf {
    PathBuf::from(format!("Keychain item \"{service}\""))
}

/// The program Claude Code reads and writes the item with, and whose access-list entry the item
/// has: `/usr/bin/security`, never whatever `security` comes first on PATH (a planted one would see
/// the whole credentials object). Debug builds (the tests) resolve it through PATH, so the fake
/// in tests/bin stands in.
#[cfg(not(debug_assertions))]
const SECURITY: &str = "/usr/bin/security";
#[cfg(debug_assertions)]
const SECURITY: &str = "security";

/// Reads the item of `service` and `account` (also the re-read under the lock before a write and
/// the read-back after it).
pub fn read_item(service: &str, account: &str, timeout: Duration) -> KeychainRead {
    let service = service.to_string();
    let program = SECURITY;
    let out = run_with_timeout(
        program,
        &["find-generic-password", "-a", account, "-w", "-s", &service],
        timeout,
    );
    match out {
        Err(why) if why.starts_with("no answer") => KeychainRead::NotFound {
            service,
            why: format!(
                "`security` gave {why} (a Keychain access prompt may be waiting; it was not \
                 waited for; run in a terminal and allow access, or pass --no-keychain)"
            ),
        },
        Err(why) => KeychainRead::NotFound { service, why },
        Ok(text) => match decode(text.trim()) {
            Some((blob, text)) => KeychainRead::Found {
                shown: shown_path(&service),
                service,
                blob,
                text,
                account: account.to_string(),
            },
            None => KeychainRead::NotFound {
                service,
                why: "the item is not JSON (nor hex-encoded JSON)".into(),
            },
        },
    }
}

/// The item's value as JSON and as its exact bytes.
fn decode(text: &str) -> Option<(Value, Vec<u8>)> {
    if let Ok(v) = serde_json::from_str::<Value>(text) {
        return Some((v, text.as_bytes().to_vec()));
    }
    let bytes = from_hex(text)?;
    Some((serde_json::from_slice(&bytes).ok()?, bytes))
}

fn from_hex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) || !text.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).ok())
        .collect()
}

fn to_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The longest command line Claude Code sends on `security -i`'s stdin; a longer one goes on
/// argv. The tool reads stdin in lines of at most 4,095 bytes (`MAX_LINE_LEN 4096` in Apple's
/// SecurityTool `security.c`, read with one fixed buffer and no continuation), so a longer line
/// cannot go through stdin at all (docs/safety.md, Keychain).
pub const STDIN_LINE_MAX: usize = 4032;

/// How a value goes to `security`: the command line on stdin, or (too long for it) on argv.
#[derive(Debug, PartialEq, Eq)]
pub enum WriteVia {
    /// `security -i`, with this line (and a newline) on stdin.
    Stdin(String),
    /// `security add-generic-password -U -a <acct> -s <svc> -X <hex>`: the value is visible to
    /// other processes of the machine while it runs.
    Argv(Vec<String>),
}

/// Exactly what Claude Code does (state-formats.md §1.3): the hex value inside double quotes on
/// stdin when the line is at most [`STDIN_LINE_MAX`] bytes, the same arguments on argv otherwise.
pub fn write_via(service: &str, account: &str, value: &[u8]) -> WriteVia {
    let hex = to_hex(value);
    let line = format!("add-generic-password -U -a \"{account}\" -s \"{service}\" -X \"{hex}\"");
    if line.len() <= STDIN_LINE_MAX {
        WriteVia::Stdin(line)
    } else {
        WriteVia::Argv(
            [
                "add-generic-password",
                "-U",
                "-a",
                account,
                "-s",
                service,
                "-X",
                &hex,
            ]
            .map(String::from)
            .to_vec(),
        )
    }
}

/// Replaces the item's value with `value` through `security` (resolved through PATH like the
/// read; on macOS that is /usr/bin/security, the program the item's access list trusts). The
/// error says what `security` said (its exit status and first stderr line, which never holds the
/// value), never the value.
pub fn write(service: &str, account: &str, value: &[u8], timeout: Duration) -> Result<(), String> {
    use std::io::Write as _;
    use std::process::{Command, Stdio};
    let (mut cmd, stdin) = match write_via(service, account, value) {
        WriteVia::Stdin(line) => {
            let mut c = Command::new(SECURITY);
            c.arg("-i");
            (c, Some(line + "\n"))
        }
        WriteVia::Argv(args) => {
            let mut c = Command::new(SECURITY);
            c.args(args);
            (c, None)
        }
    };
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run security: {e}"))?;
    if let Some(line) = stdin
        && let Some(mut pipe) = child.stdin.take()
    {
        pipe.write_all(line.as_bytes())
            .map_err(|e| format!("cannot talk to security: {e}"))?;
    }
    drop(child.stdin.take());
    let start = std::time::Instant::now();
    loop {
        match child.try_wait() {
            Ok(Some(status)) => {
                let mut err = String::new();
                if let Some(mut s) = child.stderr.take() {
                    use std::io::Read as _;
                    let _ = s.read_to_string(&mut err);
                }
                let first = err.lines().next().unwrap_or_default();
                // `security -i` exits 0 even when its command failed; it then says
                // "<command>: returned <n>" on stderr.
                return if status.success() && !err.contains("returned") {
                    Ok(())
                } else {
                    Err(format!("security {status}: {}", redact_hex(first)))
                };
            }
            Ok(None) if start.elapsed() < timeout => {
                std::thread::sleep(Duration::from_millis(20));
            }
            Ok(None) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!(
                    "`security` gave no answer within {} s (a Keychain prompt may be waiting)",
                    timeout.as_secs()
                ));
            }
            Err(e) => return Err(e.to_string()),
        }
    }
}

/// A message from `security` with any long hex run (a value it echoed) cut out.
fn redact_hex(line: &str) -> String {
    line.split(' ')
        .map(|w| {
            if w.len() >= 16 && w.trim_matches('"').bytes().all(|b| b.is_ascii_hexdigit()) {
                "<value>"
            } else {
                w
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
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

    /// The §9.3 vectors, with the directory given as CLAUDE_SECURESTORAGE_CONFIG_DIR: it names
    /// the suffix, over CLAUDE_CONFIG_DIR when both are set.
    #[test]
    fn the_secure_storage_dir_names_the_service_when_set() {
        let work = "/Users/alice/.claude-work";
        let cases = [
            (None, None, "Claude Code-credentials"),
            (None, Some(work), "Claude Code-credentials-be865d75"),
            (
                Some("/Users/alice/.claude"),
                Some(work),
                "Claude Code-credentials-be865d75",
            ),
            (
                Some("/Users/alice/.claude"),
                None,
                "Claude Code-credentials-5ac5e874",
            ),
            (
                None,
                Some("C:\\Users\\alice\\.claude"),
                "Claude Code-credentials-e2bccfa8",
            ),
            (
                Some("/Users/alice/.claude"),
                Some(""),
                "Claude Code-credentials-5ac5e874",
            ),
        ];
        for (config_dir, secure, service) in cases {
            let (name, rule) = service_for(config_dir, secure);
            assert_eq!(name, service, "{config_dir:?} {secure:?}");
            assert!(
                rule.contains(if secure.is_some_and(|s| !s.is_empty()) {
                    "SECURESTORAGE"
                } else if config_dir.is_some() {
                    "$CLAUDE_CONFIG_DIR"
                } else {
                    "no suffix"
                }),
                "{rule}"
            );
        }
    }

    #[test]
    fn the_keychain_is_read_by_default_only_on_macos_without_the_file() {
        use KeychainChoice::*;
        assert!(should_read("macos", Auto, false));
        assert!(!should_read("macos", Auto, true));
        assert!(!should_read("linux", Auto, false));
        assert!(!should_read("windows", Auto, false));
        assert!(should_read("linux", Always, true));
        assert!(should_read("macos", Always, true));
        assert!(!should_read("macos", Never, false));
        assert!(read_timeout(false) < read_timeout(true));
    }

    #[test]
    fn account_falls_back_like_claude_code() {
        assert_eq!(account(Some("alice")), "alice");
        assert_eq!(account(Some("Alice Smith")), "claude-code-user");
        assert_eq!(account(None), "claude-code-user");
    }

    #[test]
    fn decodes_plain_and_hex_values() {
        let one = || (serde_json::json!({"a": 1}), br#"{"a":1}"#.to_vec());
        assert_eq!(decode(r#"{"a":1}"#), Some(one()));
        assert_eq!(decode(&to_hex(br#"{"a":1}"#)), Some(one()));
        assert_eq!(decode("nope"), None);
    }

    #[test]
    fn a_value_goes_on_stdin_up_to_claude_codes_limit_and_on_argv_beyond() {
        let small = br#"{"mcpOAuth":{}}"#;
        assert_eq!(
            write_via("Claude Code-credentials", "alice", small),
            WriteVia::Stdin(format!(
                "add-generic-password -U -a \"alice\" -s \"Claude Code-credentials\" -X \"{}\"",
                to_hex(small)
            ))
        );
        // The fixed part is 69 bytes here: 4032 - 69 = 3963 hex digits fit, so 1981 bytes.
        let fixed =
            r#"add-generic-password -U -a "alice" -s "Claude Code-credentials" -X """#.len();
        let fits = vec![b'x'; (STDIN_LINE_MAX - fixed) / 2];
        assert!(
            matches!(write_via("Claude Code-credentials", "alice", &fits), WriteVia::Stdin(l) if l.len() <= STDIN_LINE_MAX)
        );
        let too_long = vec![b'x'; fits.len() + 1];
        let WriteVia::Argv(args) = write_via("Claude Code-credentials", "alice", &too_long) else {
            panic!("a longer value goes on argv, as Claude Code does");
        };
        assert_eq!(
            args[..6],
            [
                "add-generic-password",
                "-U",
                "-a",
                "alice",
                "-s",
                "Claude Code-credentials"
            ]
        );
        assert_eq!(args[6], "-X");
        assert_eq!(from_hex(&args[7]).unwrap(), too_long);
    }

    #[test]
    fn messages_from_security_lose_hex_runs() {
        assert_eq!(
            redact_hex("bad value 7b226d63704f41757468223a7b7d7d here"),
            "bad value <value> here"
        );
    }
}
