//! The macOS Keychain as the live store, on any OS: the fake `security` (tests/bin/security)
//! keeps one item in a file, checks the exact argv and stdin it gets, refuses a secret on argv,
//! and fails on demand; `MCP_AUTH_DOCTOR_TEST_OS=macos` makes a debug build apply the macOS
//! rules. Each scenario's item is built from its credentials file, which is then removed, as
//! Claude Code does once it has moved the credentials into the Keychain.

use std::fs;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::common::{self, CANARY, Home};
use mcp_auth_doctor::system::keychain::{STDIN_LINE_MAX, service_name};

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(text: &str) -> Vec<u8> {
    let t = text.trim();
    (0..t.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&t[i..i + 2], 16).unwrap())
        .collect()
}

/// A home whose credentials live in the (fake) Keychain item.
struct KeychainHome {
    home: Home,
    store: PathBuf,
    log: PathBuf,
    service: String,
    /// The credentials file's path (gone: its content is in the item).
    creds: PathBuf,
}

fn config_dir_var(name: &str, home: &Path) -> Option<String> {
    (name == "config-dir").then(|| home.join("profiles/work").display().to_string())
}

fn creds_path(name: &str, home: &Path) -> PathBuf {
    match config_dir_var(name, home) {
        Some(d) => PathBuf::from(d).join(".credentials.json"),
        None => home.join(".claude/.credentials.json"),
    }
}

impl KeychainHome {
    /// `testdata/<name>` with its credentials moved into the item; `None` when it has none that
    /// Claude Code could have put there (no file, or not JSON).
    fn from_fixture(name: &str) -> Option<Self> {
        let home = Home::fixture(name);
        let creds = creds_path(name, &home.path);
        let meta = fs::symlink_metadata(&creds).ok()?;
        if !meta.is_file() {
            return None;
        }
        let bytes = fs::read(&creds).ok()?;
        serde_json::from_slice::<Value>(&bytes).ok()?;
        if bytes.starts_with(&[0xef, 0xbb, 0xbf]) || bytes != bytes.trim_ascii() {
            return None;
        }
        fs::remove_file(&creds).unwrap();
        Some(Self::with_item(home, name, &bytes))
    }

    fn with_item(home: Home, name: &str, value: &[u8]) -> Self {
        let store = home.path.join("fake-keychain");
        fs::write(&store, hex(value)).unwrap();
        let log = home.path.join("security-log");
        let service = service_name(config_dir_var(name, &home.path).as_deref());
        let creds = creds_path(name, &home.path);
        Self {
            home,
            store,
            log,
            service,
            creds,
        }
    }

    fn cmd(&self, args: &[&str]) -> assert_cmd::Command {
        let mut cmd = self.home.cmd(args);
        let bin = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/bin");
        cmd.env("PATH", format!("{}:/usr/bin:/bin", bin.display()))
            .env("USER", "alice")
            .env("MCP_AUTH_DOCTOR_TEST_OS", "macos")
            .env("FAKE_KEYCHAIN_STORE", &self.store)
            .env("FAKE_KEYCHAIN_ACCOUNT", "alice")
            .env("FAKE_KEYCHAIN_SERVICE", &self.service)
            .env("FAKE_SECURITY_LOG", &self.log);
        cmd
    }

    fn run_with(&self, args: &[&str], env: &[(&str, &str)]) -> (String, String, i32) {
        let mut cmd = self.cmd(args);
        for (k, v) in env {
            cmd.env(k, v);
        }
        let out = cmd.output().unwrap();
        let (stdout, stderr) = (
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        );
        assert!(!stdout.contains(CANARY), "a secret on stdout: {stdout}");
        assert!(!stderr.contains(CANARY), "a secret on stderr: {stderr}");
        (stdout, stderr, out.status.code().unwrap_or(-1))
    }

    fn run(&self, args: &[&str]) -> (String, String, i32) {
        self.run_with(args, &[])
    }

    fn item(&self) -> Vec<u8> {
        unhex(&fs::read_to_string(&self.store).unwrap())
    }

    fn log(&self) -> String {
        fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Nothing was refused, and no argv `security` got carried a value.
    fn assert_no_secret_on_argv(&self) {
        let log = self.log();
        assert!(!log.contains("REFUSED"), "{log}");
        assert!(!log.contains("BAD"), "{log}");
        for line in log.lines().filter(|l| l.starts_with("argv:")) {
            assert!(!line.contains(" -X "), "{line}");
            assert!(!line.contains(CANARY), "{line}");
        }
    }

    fn shown(&self) -> String {
        format!("Keychain item \"{}\"", self.service)
    }
}

fn backup_ids(home: &Home, config_dir: &Path) -> Vec<String> {
    let _ = home;
    let dir = config_dir.join("backups/mcp-auth-doctor");
    let mut ids: Vec<String> = fs::read_dir(dir)
        .map(|r| {
            r.filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| !n.starts_with('.'))
                .collect()
        })
        .unwrap_or_default();
    ids.sort();
    ids
}

/// The plan's member steps (chmod and whole-file steps are for a file only), with the
/// credentials file or the item they name shown as `CREDENTIALS` (the item stands where the file
/// was), and the cache as `CACHE`.
fn member_steps(doc: &Value, shown: &str) -> Vec<Value> {
    doc["plan"]["steps"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["action"]["pointer"].is_string())
        .map(|s| {
            let mut s = s.clone();
            let file = s["action"]["file"].as_str().unwrap().to_string();
            if file == shown || file.ends_with(".credentials.json") {
                s["action"]["file"] = Value::String("CREDENTIALS".into());
            } else if file.ends_with("mcp-needs-auth-cache.json") {
                s["action"]["file"] = Value::String("CACHE".into());
            }
            s
        })
        .collect()
}

#[test]
fn every_scenario_fix_repairs_in_the_item_what_it_repairs_in_the_file() {
    let mut compared = 0;
    for name in common::scenarios() {
        let Some(kh) = KeychainHome::from_fixture(&name) else {
            continue;
        };
        let original = kh.item();
        let plain = Home::fixture(&name);
        let plain_creds = creds_path(&name, &plain.path);
        let (fs_plan, _, _) = plain.run(&["fix", "--dry-run", "--format", "json"]);
        let fs_plan: Value = serde_json::from_str(&fs_plan).unwrap();
        let (kc_plan, stderr, _) = kh.run(&["fix", "--dry-run", "--format", "json"]);
        let kc_plan: Value =
            serde_json::from_str(&kc_plan).unwrap_or_else(|e| panic!("{name}: {e}: {stderr}"));
        let expected = member_steps(&fs_plan, "");
        let got = member_steps(&kc_plan, &kh.shown());
        // Every credentials step targets the item, none the (absent) file.
        for s in kc_plan["plan"]["steps"].as_array().unwrap() {
            assert!(
                !s["action"]["file"]
                    .as_str()
                    .unwrap()
                    .ends_with(".credentials.json"),
                "{name}: {s}"
            );
        }
        assert_eq!(got, expected, "{name}: the item's plan is not the file's");
        assert_eq!(kc_plan["dry_run"], true);
        assert_eq!(kh.item(), original, "{name}: the dry run wrote the item");
        if expected.is_empty() {
            continue;
        }
        // Claude Code also puts a longer command line on argv: allow it only then.
        let long = original.len() * 2 + 80 > STDIN_LINE_MAX;
        let allow = if long { "1" } else { "0" };
        let (_, fs_err, fs_code) = plain.run(&["fix", "--yes"]);
        let (_, kc_err, kc_code) =
            kh.run_with(&["fix", "--yes"], &[("FAKE_SECURITY_ALLOW_ARGV", allow)]);
        // The same "fixed" bit (the problems left may differ: a few checks read only the file).
        assert_eq!(
            kc_code & 1,
            fs_code & 1,
            "{name}: exit {kc_code} vs {fs_code}: {kc_err} / {fs_err}"
        );
        assert_eq!(kc_code & 8, 0, "{name}: {kc_err}");
        assert!(kc_code & 1 == 1, "{name}: nothing fixed: {kc_err}");
        if !long {
            kh.assert_no_secret_on_argv();
        }
        let fixed_file = fs::read(&plain_creds).unwrap();
        assert_eq!(
            String::from_utf8_lossy(&kh.item()),
            String::from_utf8_lossy(&fixed_file),
            "{name}: the item is not what the file became"
        );
        assert!(!kh.creds.exists(), "{name}: a credentials file appeared");
        if !expected
            .iter()
            .any(|s| s["action"]["file"] == "CREDENTIALS")
        {
            // Only the cache was to change.
            assert_eq!(kh.item(), original, "{name}");
            continue;
        }
        // The manifest names the item, never its value; the copy is private.
        let config_dir = kh.creds.parent().unwrap().to_path_buf();
        let ids = backup_ids(&kh.home, &config_dir);
        assert_eq!(ids.len(), 1, "{name}");
        let dir = config_dir.join("backups/mcp-auth-doctor").join(&ids[0]);
        let manifest = fs::read_to_string(dir.join("manifest.json")).unwrap();
        assert!(!manifest.contains(CANARY), "{name}: {manifest}");
        assert!(manifest.contains("keychain-item"), "{name}: {manifest}");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode(&dir), 0o700);
            let copies: Vec<PathBuf> = fs::read_dir(&dir)
                .unwrap()
                .map(|e| e.unwrap().path())
                .filter(|p| {
                    p.file_name()
                        .unwrap()
                        .to_string_lossy()
                        .starts_with("keychain-item.")
                })
                .collect();
            assert_eq!(copies.len(), 1, "{name}");
            assert_eq!(mode(&copies[0]), 0o600, "{name}");
            assert_eq!(fs::read(&copies[0]).unwrap(), original, "{name}");
        }
        // A second fix has nothing left to do in the item.
        let (_, _, again) = kh.run(&["fix", "--yes"]);
        assert_eq!(again & 1, 0, "{name}: second fix changed something");
        // Restore puts back the exact original value.
        let (_, stderr, code) = kh.run_with(
            &["restore", &ids[0], "--yes"],
            &[("FAKE_SECURITY_ALLOW_ARGV", allow)],
        );
        assert_eq!(code, 1, "{name}: restore failed: {stderr}");
        assert_eq!(kh.item(), original, "{name}: restore did not put it back");
        compared += 1;
    }
    eprintln!("keychain parity: {compared} scenarios repaired and restored in the item");
    assert!(compared >= 8, "only {compared} scenarios compared");
}

#[test]
fn forget_removes_a_name_from_the_item() {
    let kh = KeychainHome::from_fixture("removed-orphan").unwrap();
    let before: Value = serde_json::from_slice(&kh.item()).unwrap();
    let name = before["mcpOAuth"]
        .as_object()
        .unwrap()
        .keys()
        .next()
        .unwrap()
        .split('|')
        .next()
        .unwrap()
        .to_string();
    let (stdout, stderr, code) = kh.run(&["forget", &name, "--yes"]);
    assert_eq!(code & 1, 1, "{stdout}{stderr}");
    kh.assert_no_secret_on_argv();
    let after: Value = serde_json::from_slice(&kh.item()).unwrap();
    assert!(
        !after["mcpOAuth"]
            .as_object()
            .unwrap()
            .keys()
            .any(|k| k.starts_with(&format!("{name}|"))),
        "{after}"
    );
}

#[test]
fn the_item_is_read_by_default_on_macos_without_the_file_and_never_with_no_keychain() {
    let kh = KeychainHome::from_fixture("removed-orphan").unwrap();
    let (doc, _, _) = kh.run(&["check", "--format", "json"]);
    let doc: Value = serde_json::from_str(&doc).unwrap();
    assert!(
        !common::codes(&doc).contains(&"keychain-store".to_string()),
        "{doc}"
    );
    assert!(
        kh.log()
            .contains("argv: find-generic-password -a alice -w -s")
    );
    fs::remove_file(&kh.log).unwrap();
    let (doc, _, _) = kh.run(&["check", "--format", "json", "--no-keychain"]);
    let doc: Value = serde_json::from_str(&doc).unwrap();
    assert!(
        common::codes(&doc).contains(&"keychain-store".to_string()),
        "{doc}"
    );
    assert!(!kh.log.exists(), "--no-keychain ran security");
    // Not macOS: not read by default.
    let (_, _, _) = kh.run_with(&["check"], &[("MCP_AUTH_DOCTOR_TEST_OS", "linux")]);
    assert!(!kh.log.exists(), "security ran on Linux without --keychain");
}

#[test]
fn without_a_terminal_a_hanging_read_times_out_and_says_so() {
    let kh = KeychainHome::from_fixture("removed-orphan").unwrap();
    let start = std::time::Instant::now();
    let (doc, _, _) = kh.run_with(
        &["check", "--format", "json"],
        &[("FAKE_SECURITY_SLEEP", "20")],
    );
    assert!(
        start.elapsed() < std::time::Duration::from_secs(15),
        "{:?}",
        start.elapsed()
    );
    let doc: Value = serde_json::from_str(&doc).unwrap();
    let f = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == "keychain-store")
        .unwrap_or_else(|| panic!("{doc}"));
    let message = f["message"].as_str().unwrap();
    assert!(message.contains("no answer within 5 s"), "{message}");
    assert!(message.contains("prompt"), "{message}");
}

#[test]
fn a_locked_or_denied_keychain_is_a_clear_error_and_nothing_is_written() {
    for failure in ["locked", "denied"] {
        let kh = KeychainHome::from_fixture("removed-orphan").unwrap();
        let original = kh.item();
        let (_, stderr, code) =
            kh.run_with(&["fix", "--yes"], &[("FAKE_SECURITY_FAIL_WRITE", failure)]);
        // Errors are wrapped to the page: match the sentences, not the line breaks.
        let stderr = common::unwrap_lines(&stderr);
        assert_eq!(code & 8, 8, "{failure}: {stderr}");
        assert_eq!(code & 1, 0, "{failure}: {stderr}");
        assert!(
            stderr.contains("cannot write the Keychain item") && stderr.contains("locked"),
            "{failure}: {stderr}"
        );
        assert!(stderr.contains("nothing was changed"), "{stderr}");
        assert_eq!(kh.item(), original, "{failure}");
        kh.assert_no_secret_on_argv();
    }
    // Locked for reads too: the item cannot be read, so nothing is planned for it.
    let kh = KeychainHome::from_fixture("removed-orphan").unwrap();
    let original = kh.item();
    let (stdout, _, _) = kh.run_with(&["fix", "--yes"], &[("FAKE_SECURITY_FAIL", "locked")]);
    assert!(!stdout.contains("Keychain item \""), "{stdout}");
    assert_eq!(kh.item(), original);
}

#[test]
fn a_value_changed_between_plan_and_write_is_planned_again() {
    let kh = KeychainHome::from_fixture("removed-orphan").unwrap();
    let pause = kh.home.path.join("pause");
    fs::create_dir(&pause).unwrap();
    // Claude Code adds a member while we wait for the lock.
    let mut changed: Value = serde_json::from_slice(&kh.item()).unwrap();
    changed["addedMeanwhile"] = Value::Bool(true);
    let changed = serde_json::to_vec(&changed).unwrap();
    let mut cmd = kh.cmd(&["fix", "--yes"]);
    cmd.env("MCP_AUTH_DOCTOR_TEST_PAUSE_AFTER", "own-lock")
        .env("MCP_AUTH_DOCTOR_TEST_PAUSE_DIR", &pause);
    let child = std::thread::spawn(move || cmd.output().unwrap());
    let start = std::time::Instant::now();
    while !pause.join("paused").exists() {
        assert!(start.elapsed().as_secs() < 20, "never paused");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    fs::write(&kh.store, hex(&changed)).unwrap();
    fs::write(pause.join("resume"), "").unwrap();
    let out = child.join().unwrap();
    let code = out.status.code().unwrap();
    assert_eq!(code & 1, 1, "{}", String::from_utf8_lossy(&out.stderr));
    let after: Value = serde_json::from_slice(&kh.item()).unwrap();
    assert_eq!(
        after["addedMeanwhile"], true,
        "the change made meanwhile was lost"
    );
    // Two reads before the pause's write and the re-plan's: the item was read again.
    let reads = kh.log().matches("argv: find-generic-password").count();
    assert!(reads >= 3, "{}", kh.log());
}

#[test]
fn an_item_with_overflow_items_is_never_written() {
    let home = Home::fixture("removed-orphan");
    let creds = home.path.join(".claude/.credentials.json");
    let mut value: Value = serde_json::from_slice(&fs::read(&creds).unwrap()).unwrap();
    value["keychainOverflow"] = serde_json::json!({"parts": 1});
    fs::remove_file(&creds).unwrap();
    let kh = KeychainHome::with_item(home, "removed-orphan", &serde_json::to_vec(&value).unwrap());
    let original = kh.item();
    let (_, stderr, code) = kh.run(&["fix", "--yes"]);
    assert_eq!(code & 1, 0, "{stderr}");
    assert_eq!(code & 8, 8, "{stderr}");
    assert!(stderr.contains("keychainOverflow"), "{stderr}");
    assert!(stderr.contains("/logout"), "{stderr}");
    assert_eq!(kh.item(), original);
    assert!(!kh.log().contains("stdin:"), "{}", kh.log());
}

#[test]
fn a_write_that_does_not_read_back_is_undone() {
    let kh = KeychainHome::from_fixture("removed-orphan").unwrap();
    let original = kh.item();
    let (_, stderr, code) = kh.run_with(&["fix", "--yes"], &[("FAKE_SECURITY_CORRUPT_WRITE", "1")]);
    assert_eq!(code & 8, 8, "{stderr}");
    // The value read back is neither ours nor the original: as for the file, that is another
    // writer's, and it is left; the error says where the original is, and restore brings it back.
    assert!(stderr.contains("the original is in"), "{stderr}");
    assert!(!stderr.contains(CANARY));
    let config_dir = kh.creds.parent().unwrap().to_path_buf();
    let ids = backup_ids(&kh.home, &config_dir);
    let (_, stderr, code) = kh.run(&["restore", &ids[0], "--yes", "--overwrite-newer"]);
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(kh.item(), original);
}

#[test]
fn a_run_killed_mid_write_leaves_the_item_whole_and_the_next_run_finishes() {
    for step in ["claude-lock", "backup"] {
        let kh = KeychainHome::from_fixture("removed-orphan").unwrap();
        let original = kh.item();
        let (_, _, code) = kh.run_with(
            &["fix", "--yes"],
            &[("MCP_AUTH_DOCTOR_TEST_ABORT_AFTER", step)],
        );
        assert_eq!(
            code, -1,
            "{step}: the run was not killed (a signal gives no code)"
        );
        assert_eq!(
            kh.item(),
            original,
            "{step}: the item changed before the write"
        );
        // The lock directory the dead run left is recognised as ours and taken over.
        let (_, stderr, code) = kh.run(&["fix", "--yes"]);
        assert_eq!(code & 1, 1, "{step}: {stderr}");
        assert_ne!(kh.item(), original, "{step}");
        kh.assert_no_secret_on_argv();
    }
}

/// `CLAUDE_SECURESTORAGE_CONFIG_DIR` names the item (state-formats §1.3, 2.1.332): with it set,
/// the item read and repaired is `Claude Code-credentials-<sha256 of it>`, over
/// `CLAUDE_CONFIG_DIR`; `paths` shows that name and the rule.
#[test]
fn the_secure_storage_dir_names_the_item_read_and_repaired() {
    let mut kh = KeychainHome::from_fixture("trailing-slash").unwrap();
    let secure = kh.home.path.join("secure").display().to_string();
    let (service, _) = mcp_auth_doctor::system::keychain::service_for(None, Some(&secure));
    assert_eq!(
        service,
        service_name(Some(&secure)),
        "the same derivation as CLAUDE_CONFIG_DIR"
    );
    kh.service = service.clone();
    let env = [("CLAUDE_SECURESTORAGE_CONFIG_DIR", secure.as_str())];
    let (doc, stderr, _) = kh.run_with(&["check", "--format", "json"], &env);
    let doc: Value = serde_json::from_str(&doc).unwrap_or_else(|e| panic!("{e}: {stderr}"));
    assert!(
        common::codes(&doc).contains(&"stale-registration".to_string()),
        "the item was read: {doc}"
    );
    assert!(
        kh.log()
            .contains(&format!("find-generic-password -a alice -w -s {service}")),
        "{}",
        kh.log()
    );
    let original = kh.item();
    let (out, err, code) = kh.run_with(&["fix", "--yes"], &env);
    assert_eq!(code & 1, 1, "{out}{err}");
    kh.assert_no_secret_on_argv();
    assert_ne!(
        kh.item(),
        original,
        "the item under the secure-storage name was repaired"
    );

    let (paths, _, _) = kh.run_with(&["paths", "--format", "json"], &env);
    let paths: Value = serde_json::from_str(&paths).unwrap();
    assert_eq!(paths["keychain_service"], service.as_str());
    assert!(
        paths["keychain_service_chosen_by"]
            .as_str()
            .unwrap()
            .contains("CLAUDE_SECURESTORAGE_CONFIG_DIR")
    );
    let (human, _, _) = kh.run_with(&["paths"], &env);
    assert!(human.contains(&format!("keychain   {service}")), "{human}");
}

/// `login` with the item as the live store: its repair (fix's plan, so the dead client is removed
/// from the item, not from a file) runs before the sign-in, the fake `claude` signs in into the
/// item as Claude Code on macOS does, and the marker the sign-in leaves (in the cache file, which
/// is never in the Keychain) is removed because the item now holds a usable token.
#[test]
fn login_repairs_the_item_before_the_sign_in_and_reads_the_token_from_it_after() {
    let kh = KeychainHome::from_fixture("expired").unwrap();
    const LINEAR: &str = "linear|638130d5ab3558f4";
    let saw = kh.home.path.join("claude-saw");
    let saw_text = saw.display().to_string();
    let env = [
        ("MCP_AUTH_DOCTOR_TEST_TTY", "1"),
        ("FAKE_CLAUDE_KEY", LINEAR),
        ("FAKE_CLAUDE_MARKER", "1"),
        ("FAKE_CLAUDE_SAW", saw_text.as_str()),
    ];
    let (out, err, code) = kh.run_with(&["login", "linear", "--yes"], &env);
    assert_eq!(code, 1, "fixed, and linear is ok now:\n{out}{err}");
    assert!(
        out.contains(&kh.shown()),
        "the repair names the item: {out}"
    );
    assert_eq!(
        fs::read_to_string(&saw).unwrap(),
        "absent\n",
        "the dead client was gone from the item before the sign-in"
    );
    kh.assert_no_secret_on_argv();
    assert!(!kh.creds.exists(), "no credentials file was made");
    let item: Value = serde_json::from_slice(&kh.item()).unwrap();
    assert_eq!(
        item["mcpOAuth"][LINEAR]["accessToken"],
        "at-CANARY-fake-login"
    );
    assert_eq!(
        fs::read(kh.home.path.join(".claude/mcp-needs-auth-cache.json")).unwrap(),
        b"{}",
        "the marker the sign-in left is gone"
    );
    assert!(out.contains("linear (user): ok."), "{out}");
}
