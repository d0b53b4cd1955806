//! Issue 14: file-system and write-protocol hardening. Root may run the tool on a user's home, so
//! every path there may be a planted symlink, FIFO or device; these tests plant them and check that
//! nothing outside the home is read, written, chowned, chmodded or deleted, and that nothing hangs.
//!
//! Ownership attacks need root (to give the home to another uid); elsewhere they are skipped with a
//! message. No user account is needed: a numeric uid is enough for the tool and for the kernel.

use crate::common;

use std::fs;
use std::os::unix::fs::{MetadataExt, PermissionsExt, symlink};
use std::path::{Path, PathBuf};
use std::time::Duration;

use common::Home;
use serde_json::Value;

/// The uid the tests give a home to when running as root.
const USER: u32 = 4242;

fn is_root() -> bool {
    fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0)
}

/// Gives `path` and everything under it to [`USER`] (symlinks themselves, not their targets).
fn give_away(path: &Path) {
    std::os::unix::fs::lchown(path, Some(USER), Some(USER)).unwrap();
    if fs::symlink_metadata(path).unwrap().is_dir() {
        for e in fs::read_dir(path).unwrap() {
            give_away(&e.unwrap().path());
        }
    }
}

/// A home that belongs to [`USER`], or `None` (with a message) when we cannot give one away.
fn users_home(fixture: &str) -> Option<Home> {
    if !is_root() {
        eprintln!("not root: cannot give a home to another user; skipped");
        return None;
    }
    let home = Home::fixture(fixture);
    give_away(&home.path);
    Some(home)
}

/// A root-owned file outside the home, the target of an attack.
struct Victim {
    _dir: tempfile::TempDir,
    path: PathBuf,
}

fn victim(content: &str, mode: u32) -> Victim {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("victim");
    fs::write(&path, content).unwrap();
    fs::set_permissions(&path, fs::Permissions::from_mode(mode)).unwrap();
    Victim { _dir: dir, path }
}

fn owner_mode(p: &Path) -> (u32, u32) {
    let m = fs::symlink_metadata(p).unwrap();
    (m.uid(), m.mode() & 0o7777)
}

fn claude(home: &Home) -> PathBuf {
    home.path.join(".claude")
}

fn backup_dirs(home: &Home) -> Vec<PathBuf> {
    let root = claude(home).join("backups/mcp-auth-doctor");
    let mut v: Vec<PathBuf> = fs::read_dir(root)
        .map(|d| d.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    v.sort();
    v
}

fn manifest(dir: &Path) -> Value {
    serde_json::from_slice(&fs::read(dir.join("manifest.json")).unwrap()).unwrap()
}

// Defect 1: planted symlinks in the config dir.

#[test]
fn a_planted_sidecar_lock_link_is_neither_followed_nor_chowned() {
    let Some(home) = users_home("demo") else {
        return;
    };
    let v = victim("root:secret\n", 0o640);
    symlink(&v.path, claude(&home).join(".mcp-auth-doctor.lock")).unwrap();
    let (_, stderr, code) = home.run(&["fix", "--yes"]);
    assert_eq!(code & 8, 8, "{stderr}");
    assert!(stderr.contains("symbolic link"), "{stderr}");
    assert_eq!(owner_mode(&v.path), (0, 0o640));
    assert_eq!(fs::read_to_string(&v.path).unwrap(), "root:secret\n");
}

#[test]
fn a_planted_backup_folder_link_is_not_chmodded_chowned_or_pruned() {
    let Some(home) = users_home("demo") else {
        return;
    };
    let target = tempfile::tempdir().unwrap();
    fs::set_permissions(target.path(), fs::Permissions::from_mode(0o755)).unwrap();
    for i in 0..25 {
        fs::create_dir(target.path().join(format!("2020{i:02}"))).unwrap();
    }
    fs::create_dir_all(claude(&home).join("backups")).unwrap();
    symlink(target.path(), claude(&home).join("backups/mcp-auth-doctor")).unwrap();
    let (_, stderr, code) = home.run(&["fix", "--yes"]);
    assert_eq!(code & 8, 8, "{stderr}");
    assert_eq!(owner_mode(target.path()), (0, 0o755));
    assert_eq!(fs::read_dir(target.path()).unwrap().count(), 25);
}

// Defect 4: a symlinked credentials file leading to a root-only file.

#[test]
fn a_credentials_link_to_roots_file_is_neither_read_nor_chmodded() {
    let Some(home) = users_home("credentials-0644") else {
        return;
    };
    let creds = claude(&home).join(".credentials.json");
    let bytes = fs::read_to_string(&creds).unwrap();
    // Valid JSON, 0644, so that a doctor trusting the link would plan a chmod and back it up.
    let v = victim(&bytes, 0o644);
    fs::remove_file(&creds).unwrap();
    symlink(&v.path, &creds).unwrap();
    std::os::unix::fs::lchown(&creds, Some(USER), Some(USER)).unwrap();
    let (stdout, stderr, code) = home.run(&["fix", "--yes"]);
    assert_eq!(code & 1, 0, "nothing may be changed: {stdout}{stderr}");
    assert_eq!(owner_mode(&v.path), (0, 0o644));
    for dir in backup_dirs(&home) {
        for f in fs::read_dir(dir).unwrap().flatten() {
            assert_ne!(fs::read(f.path()).unwrap(), bytes.as_bytes());
        }
    }
    let (doc, _) = home.check_json();
    assert!(
        doc["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["code"] == "unparseable-file"
                && f["message"].as_str().unwrap().contains("owned by uid 0")),
        "{doc}"
    );
}

#[test]
fn a_folder_swapped_for_a_link_mid_write_does_not_redirect_the_write() {
    let Some(home) = users_home("demo") else {
        return;
    };
    // A dotfiles-style link whose folder the user swaps for a link to root's folder while the
    // fix runs: the write must not land in root's folder under the file's name, even when root's
    // file there holds the very bytes the edit was planned on (a file the user can read).
    let evil = home.path.join("evil");
    fs::create_dir(&evil).unwrap();
    let creds = claude(&home).join(".credentials.json");
    fs::rename(&creds, evil.join("credentials.json")).unwrap();
    symlink(evil.join("credentials.json"), &creds).unwrap();
    give_away(&home.path);
    let roots = tempfile::tempdir().unwrap();
    let bytes = fs::read(evil.join("credentials.json")).unwrap();
    fs::write(roots.path().join("credentials.json"), &bytes).unwrap();
    let (out, code) = fix_paused(&home, &["fix", "--yes"], "backup", || {
        fs::rename(&evil, home.path.join("evil.old")).unwrap();
        symlink(roots.path(), &evil).unwrap();
    });
    assert_eq!(code & 8, 8, "{out}");
    let left = roots.path().join("credentials.json");
    assert_eq!(fs::read(&left).unwrap(), bytes, "{out}");
    assert_eq!(owner_mode(&left).0, 0, "{out}");
    assert_eq!(fs::read_dir(roots.path()).unwrap().count(), 1, "{out}");
}

// Defect 2: restore trusts the manifest.

/// A fix on `demo` that made one backup; returns its directory.
fn fixed_demo() -> (Home, PathBuf) {
    let home = Home::fixture("demo");
    let (_, stderr, code) = home.run(&["fix", "--yes"]);
    assert_eq!(code & 1, 1, "{stderr}");
    let dirs = backup_dirs(&home);
    assert_eq!(dirs.len(), 1);
    (home, dirs[0].clone())
}

fn id_of(dir: &Path) -> String {
    dir.file_name().unwrap().to_string_lossy().into_owned()
}

#[test]
fn restore_writes_only_where_the_state_files_are_now() {
    let (home, dir) = fixed_demo();
    let v = victim("keep me\n", 0o644);
    let mut m = manifest(&dir);
    for f in m["files"].as_array_mut().unwrap() {
        f["path"] = Value::from(v.path.display().to_string());
        f["target"] = Value::from(v.path.display().to_string());
        f.as_object_mut().unwrap().remove("role");
    }
    fs::write(dir.join("manifest.json"), m.to_string()).unwrap();
    let (stdout, stderr, code) = home.run(&["restore", &id_of(&dir), "--yes", "--overwrite-newer"]);
    assert_eq!(code & 8, 8, "{stdout}{stderr}");
    assert_eq!(fs::read_to_string(&v.path).unwrap(), "keep me\n");
}

#[test]
fn restore_reads_copies_only_from_inside_the_backup() {
    let (home, dir) = fixed_demo();
    let creds = claude(&home).join(".credentials.json");
    let secret = victim("{\"mcpOAuth\":{},\"stolen\":\"root-only\"}", 0o600);
    for copy in [
        secret.path.display().to_string(),
        format!("../../../../../../../..{}", secret.path.display()),
    ] {
        let mut m = manifest(&dir);
        for f in m["files"].as_array_mut().unwrap() {
            f["copy"] = Value::from(copy.clone());
        }
        fs::write(dir.join("manifest.json"), m.to_string()).unwrap();
        let (stdout, stderr, code) =
            home.run(&["restore", &id_of(&dir), "--yes", "--overwrite-newer"]);
        assert_eq!(code & 8, 8, "{stdout}{stderr}");
        assert!(
            stderr.contains("not a file in the backup folder"),
            "{stderr}"
        );
        assert!(!fs::read_to_string(&creds).unwrap().contains("stolen"));
    }
}

#[test]
fn restore_refuses_a_copy_that_does_not_match_its_checksum() {
    let (home, dir) = fixed_demo();
    let creds = claude(&home).join(".credentials.json");
    let m = manifest(&dir);
    let copy = dir.join(m["files"][0]["copy"].as_str().unwrap());
    fs::write(&copy, "{\"mcpOAuth\":{},\"planted\":1}").unwrap();
    let (stdout, stderr, code) = home.run(&["restore", &id_of(&dir), "--yes", "--overwrite-newer"]);
    assert_eq!(code & 8, 8, "{stdout}{stderr}");
    assert!(stderr.contains("checksum"), "{stderr}");
    assert!(!fs::read_to_string(&creds).unwrap().contains("planted"));
}

// Defect 3: the manifest is written atomically before the state file, and a backup without one
// can still be restored.

#[test]
fn a_backup_whose_manifest_is_lost_can_still_be_restored() {
    let home = Home::fixture("demo");
    let creds = claude(&home).join(".credentials.json");
    let original = fs::read(&creds).unwrap();
    let (_, stderr, code) = home.run(&["fix", "--yes"]);
    assert_eq!(code & 1, 1, "{stderr}");
    assert_ne!(fs::read(&creds).unwrap(), original);
    let dir = backup_dirs(&home).pop().unwrap();
    fs::write(dir.join("manifest.json"), "").unwrap();
    let (stdout, stderr, code) = home.run(&["restore", &id_of(&dir), "--yes", "--overwrite-newer"]);
    assert_eq!(code & 1, 1, "{stdout}{stderr}");
    assert!(stdout.contains("manifest is missing or broken"), "{stdout}");
    assert_eq!(fs::read(&creds).unwrap(), original);
}

/// Runs `fix --yes` paused after `step`, calls `during` in the pause, and returns the output.
fn fix_paused(home: &Home, args: &[&str], step: &str, during: impl FnOnce()) -> (String, i32) {
    let pause = tempfile::tempdir().unwrap();
    let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("mcp-auth-doctor"));
    cmd.env_clear()
        .env("HOME", &home.path)
        .env("MCP_AUTH_DOCTOR_NOW", common::NOW_MS)
        .env("NO_COLOR", "1")
        .env("PATH", "/nonexistent")
        .env("MCP_AUTH_DOCTOR_TEST_PAUSE_AFTER", step)
        .env("MCP_AUTH_DOCTOR_TEST_PAUSE_DIR", pause.path())
        .current_dir(&home.path)
        .args(args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let child = cmd.spawn().unwrap();
    let start = std::time::Instant::now();
    while !pause.path().join("paused").exists() && start.elapsed() < Duration::from_secs(20) {
        std::thread::sleep(Duration::from_millis(10));
    }
    let paused = pause.path().join("paused").exists();
    if paused {
        during();
    }
    fs::write(pause.path().join("resume"), "").unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(paused, "the run never paused after {step}");
    (
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr),
        out.status.code().unwrap_or(-1),
    )
}

#[test]
fn the_manifest_is_never_written_through_a_planted_link() {
    let home = Home::fixture("demo");
    let v = victim("do not truncate\n", 0o600);
    let (out, code) = fix_paused(&home, &["fix", "--yes"], "backup", || {
        let dir = backup_dirs(&home).pop().unwrap();
        fs::remove_file(dir.join("manifest.json")).unwrap();
        symlink(&v.path, dir.join("manifest.json")).unwrap();
    });
    assert_eq!(code & 1, 1, "{out}");
    assert_eq!(fs::read_to_string(&v.path).unwrap(), "do not truncate\n");
}

// Defect 7: a dangling or looping `.claude.json` link blocks every orphan and stale judgement.

#[test]
fn a_dangling_or_looping_global_config_blocks_orphan_judgements() {
    for make in ["dangling", "loop"] {
        let home = Home::fixture("healthy");
        let config = home.path.join(".claude.json");
        fs::remove_file(&config).unwrap();
        if make == "dangling" {
            symlink("dotfiles/gone.json", &config).unwrap();
        } else {
            symlink(".claude.json.b", &config).unwrap();
            symlink(".claude.json", home.path.join(".claude.json.b")).unwrap();
        }
        let creds = claude(&home).join(".credentials.json");
        let before = fs::read(&creds).unwrap();
        let (doc, code) = home.check_json();
        let codes = common::codes(&doc);
        assert!(
            !codes.contains(&"orphaned-registration".into()),
            "{make}: {codes:?}"
        );
        assert!(
            codes.contains(&"unparseable-file".into()),
            "{make}: {codes:?}"
        );
        assert_eq!(code & 8, 8, "{make}");
        let (out, _, _) = home.run(&["fix", "--yes", "--only", "orphaned-registration"]);
        assert_eq!(fs::read(&creds).unwrap(), before, "{make}: {out}");
    }
}

// Defect 8: FIFOs, devices and huge files.

fn mkfifo(path: &Path) {
    let status = std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .unwrap();
    assert!(status.success());
}

#[test]
fn a_fifo_at_a_state_path_or_the_sidecar_lock_does_not_hang() {
    for at in [
        ".claude/.credentials.json",
        ".claude/mcp-needs-auth-cache.json",
    ] {
        let home = Home::fixture("demo");
        fs::remove_file(home.path.join(at)).unwrap();
        mkfifo(&home.path.join(at));
        let out = home
            .cmd(&["check", "--format", "json"])
            .timeout(Duration::from_secs(10))
            .output()
            .unwrap();
        assert_eq!(out.status.code().map(|c| c & 8), Some(8), "{at}");
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("named pipe"),
            "{at}"
        );
    }
    let home = Home::fixture("demo");
    mkfifo(&claude(&home).join(".mcp-auth-doctor.lock"));
    let out = home
        .cmd(&["fix", "--yes"])
        .timeout(Duration::from_secs(10))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(8));
    assert!(String::from_utf8_lossy(&out.stderr).contains("named pipe"));
}

#[test]
fn a_link_to_dev_zero_is_refused() {
    let home = Home::fixture("demo");
    let cache = claude(&home).join("mcp-needs-auth-cache.json");
    fs::remove_file(&cache).unwrap();
    symlink("/dev/zero", &cache).unwrap();
    let out = home
        .cmd(&["check", "--format", "json"])
        .timeout(Duration::from_secs(10))
        .output()
        .unwrap();
    assert_eq!(out.status.code().map(|c| c & 8), Some(8));
    assert!(String::from_utf8_lossy(&out.stdout).contains("a device"));
}

#[test]
fn a_state_file_over_the_cap_is_not_read() {
    let home = Home::fixture("demo");
    let cache = claude(&home).join("mcp-needs-auth-cache.json");
    fs::File::create(&cache)
        .unwrap()
        .set_len((64 << 20) + 1)
        .unwrap();
    let (doc, code) = home.check_json();
    assert_eq!(code & 8, 8);
    assert!(doc.to_string().contains("more than the 64 MiB"), "{doc}");
}

// Defect 9: nothing readable is not a clean bill of health.

#[test]
fn an_unsearchable_config_dir_is_an_error_and_exit_8() {
    let Some(home) = users_home("healthy") else {
        return;
    };
    if std::process::Command::new("setpriv")
        .arg("--version")
        .output()
        .is_err()
    {
        eprintln!("no setpriv: skipped");
        return;
    }
    fs::set_permissions(claude(&home), fs::Permissions::from_mode(0o000)).unwrap();
    let bin = assert_cmd::cargo::cargo_bin("mcp-auth-doctor");
    let out = std::process::Command::new("setpriv")
        .args(["--reuid", &USER.to_string(), "--regid", &USER.to_string()])
        .arg("--clear-groups")
        .arg(&bin)
        .args(["check", "--format", "json"])
        .env_clear()
        .env("HOME", &home.path)
        .env("MCP_AUTH_DOCTOR_NOW", common::NOW_MS)
        .current_dir("/")
        .output()
        .unwrap();
    fs::set_permissions(claude(&home), fs::Permissions::from_mode(0o700)).unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let doc: Value = serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stdout}"));
    assert_eq!(out.status.code().map(|c| c & 8), Some(8), "{stdout}");
    assert!(
        doc["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["code"] == "unparseable-file" && f["severity"] == "error"),
        "{doc}"
    );
}

// Defect 10: `report -o` does not follow a symlink.

#[test]
fn report_output_refuses_a_symlink() {
    let home = Home::fixture("healthy");
    let v = victim("precious\n", 0o644);
    let out = home.path.join("report.md");
    symlink(&v.path, &out).unwrap();
    let (_, stderr, code) = home.run(&["report", "-o", "report.md"]);
    assert_eq!(code & 8, 8, "{stderr}");
    assert_eq!(fs::read_to_string(&v.path).unwrap(), "precious\n");
    assert_eq!(owner_mode(&v.path).1, 0o644);
    // A plain path still works, and the report is private.
    let (_, stderr, code) = home.run(&["report", "-o", "plain.md"]);
    assert_eq!(code & 8, 0, "{stderr}");
    assert_eq!(owner_mode(&home.path.join("plain.md")).1, 0o600);
}

// Defect 11: a writer without a lock (Claude Code's needs-auth cache) between plan and rename.

#[test]
fn a_cache_write_during_the_fix_is_not_lost() {
    let home = Home::fixture("expired");
    let cache = claude(&home).join("mcp-needs-auth-cache.json");
    fs::write(&cache, r#"{"gone-server":{"timestamp":1780000000000}}"#).unwrap();
    // Only the cache is in the plan, so the change underneath makes fix plan again (a file after
    // one already written is skipped instead, with "run fix again").
    let args = ["fix", "--yes", "--only", "orphaned-needs-auth-marker"];
    let (out, code) = fix_paused(&home, &args, "temp-written", || {
        // What Claude Code does: read, add a marker, write in place, no lock.
        fs::write(
            &cache,
            r#"{"gone-server":{"timestamp":1780000000000},"linear":{"timestamp":1780314900000}}"#,
        )
        .unwrap();
    });
    assert_eq!(code & 8, 0, "{out}");
    let now: Value = serde_json::from_slice(&fs::read(&cache).unwrap()).unwrap();
    assert!(
        now.get("linear").is_some(),
        "the marker written meanwhile was lost: {now}\n{out}"
    );
    assert!(now.get("gone-server").is_none(), "{now}\n{out}");
    assert!(out.contains("changed while the plan was made"), "{out}");
}

// Defect 12.

#[test]
fn fix_works_under_a_home_path_that_is_not_utf8() {
    use std::os::unix::ffi::OsStrExt;
    let home = Home::fixture("demo");
    let links = tempfile::tempdir().unwrap();
    let odd = links.path().join(std::ffi::OsStr::from_bytes(b"h\xffme"));
    symlink(&home.path, &odd).unwrap();
    let out = home
        .cmd(&["fix", "--yes"])
        .env("HOME", &odd)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code().map(|c| c & 9), Some(1), "{stderr}");
}

/// The lock directory Claude Code uses while refreshing the token stored under `key`.
fn refresh_lock_dir(key: &str) -> String {
    let s: String = key
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    format!("mcp-refresh-{s}.lock.lock")
}

#[test]
fn the_manifest_lists_only_what_was_done() {
    let home = Home::fixture("demo");
    let (doc, _) = home.check_json();
    let pending = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == "pending-registration")
        .expect("demo has a pending registration, which fix removes");
    let key = pending["key"].as_str().unwrap();
    fs::create_dir(claude(&home).join(refresh_lock_dir(key))).unwrap();
    // The stale registration of the same file is removed, so the file is written and backed up
    // while the pending one is skipped.
    let (stdout, stderr, code) = home.run(&[
        "fix",
        "--yes",
        "--only",
        "pending-registration",
        "--only",
        "stale-registration",
    ]);
    assert_eq!(code & 1, 1, "{stdout}{stderr}");
    assert!(stdout.contains("refreshing this token"), "{stdout}");
    let m = manifest(&backup_dirs(&home).pop().unwrap());
    let actions = m["actions"].to_string();
    assert!(
        !actions.contains(key),
        "a skipped action is in the manifest: {actions}"
    );
}

#[test]
fn a_lock_left_by_a_killed_run_does_not_block_the_next() {
    let home = Home::fixture("demo");
    let out = home
        .cmd(&["fix", "--yes"])
        .env("MCP_AUTH_DOCTOR_TEST_ABORT_AFTER", "claude-lock")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(claude(&home).join(".storage-write.lock").is_dir());
    let (stdout, stderr, code) = home.run(&["fix", "--yes", "--lock-wait", "1"]);
    assert_eq!(code & 9, 1, "{stdout}{stderr}");
    assert!(!claude(&home).join(".storage-write.lock").exists());
}

#[test]
fn a_lock_held_by_someone_else_still_blocks() {
    // The takeover above is only for our own dead run: a fresh lock of Claude Code's is waited for.
    let home = Home::fixture("demo");
    fs::create_dir(claude(&home).join(".storage-write.lock")).unwrap();
    let (_, stderr, code) = home.run(&["fix", "--yes", "--lock-wait", "1"]);
    assert_eq!(code, 8, "{stderr}");
    assert!(stderr.contains("Claude Code is writing"), "{stderr}");
}

#[test]
fn a_stale_lock_dir_that_is_not_empty_is_named_in_the_error() {
    let home = Home::fixture("demo");
    let lock = claude(&home).join(".storage-write.lock");
    fs::create_dir(&lock).unwrap();
    fs::write(lock.join("something"), "").unwrap();
    let old = std::time::SystemTime::now() - Duration::from_secs(120);
    fs::File::open(&lock).unwrap().set_modified(old).unwrap();
    let (_, stderr, code) = home.run(&["fix", "--yes", "--break-stale-lock"]);
    assert_eq!(code, 8, "{stderr}");
    assert!(stderr.contains(".storage-write.lock"), "{stderr}");
    assert!(stderr.contains("left alone"), "{stderr}");
    assert!(lock.join("something").exists());
}

#[test]
fn a_file_where_the_lock_dir_goes_is_not_called_claude_code_writing() {
    let home = Home::fixture("demo");
    fs::write(claude(&home).join(".storage-write.lock"), "").unwrap();
    let (_, stderr, code) = home.run(&["fix", "--yes", "--lock-wait", "1"]);
    assert_eq!(code, 8, "{stderr}");
    assert!(!stderr.contains("Claude Code is writing"), "{stderr}");
    assert!(stderr.contains("a regular file"), "{stderr}");
}

#[test]
fn json_errors_are_json() {
    let home = Home::fixture("demo");
    fs::write(claude(&home).join(".storage-write.lock"), "").unwrap();
    for args in [
        &["fix", "--yes", "--format", "json", "--lock-wait", "1"][..],
        &["restore", "no-such-backup", "--yes", "--format", "json"][..],
    ] {
        let (stdout, stderr, code) = home.run(args);
        assert_eq!(code, 8, "{stderr}");
        let doc: Value =
            serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{args:?}: {e}: {stdout}"));
        assert_eq!(doc["error"]["exit"], 8, "{doc}");
        assert!(
            doc["error"]["message"].as_str().unwrap().len() > 10,
            "{doc}"
        );
        assert!(stderr.contains("error:"), "{stderr}");
    }
}

// Review after the merges: a move is an mcpOAuth edit too, so a key held twice stops it (as it stops
// every removal), instead of planning a move that fails at apply time.

#[test]
fn no_move_is_planned_while_mcp_oauth_holds_a_key_twice() {
    let home = Home::fixture("trailing-slash");
    let path = claude(&home).join(".credentials.json");
    let text = fs::read_to_string(&path).unwrap();
    // Duplicate the first mcpOAuth member (linear's valid entry) right after itself.
    let start = text.find("\"linear|638130d5ab3558f4\"").unwrap();
    let member_end = text[start..].find("}},").unwrap() + start + 2;
    let member = &text[start..member_end];
    let doubled = format!("{},{}{}", &text[..member_end], member, &text[member_end..]);
    fs::write(&path, doubled).unwrap();
    let (out, _, code) = home.run(&["check", "--format", "json"]);
    let doc: Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"));
    let findings = doc["findings"].as_array().unwrap();
    assert!(
        findings.iter().any(|f| f["code"] == "duplicate-json-key"),
        "{doc}"
    );
    assert!(
        !findings.iter().any(|f| f["action"]["kind"] == "move-entry"),
        "a move was planned inside an object with a duplicated key: {doc}"
    );
    assert_eq!(code & 8, 0, "{out}");
    let (_, stderr, code) = home.run(&["fix", "--yes"]);
    assert_eq!(code & 8, 0, "fix must not fail at apply time: {stderr}");
}

// Review after the merges: `login` runs the user's `claude`; as root on their home that would run
// their config (headersHelper, plugins) as root and leave root-owned files behind.

#[test]
fn login_refuses_to_run_claude_as_root_on_another_users_home() {
    let Some(home) = users_home("expired") else {
        return;
    };
    let bin = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/bin");
    let ran = home.path.join("claude-args");
    let out = home
        .cmd(&["login", "linear", "--yes"])
        .env("PATH", format!("{}:/usr/bin:/bin", bin.display()))
        .env("FAKE_CLAUDE_KEY", "linear|638130d5ab3558f4")
        .env("FAKE_CLAUDE_ARGS", &ran)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("as root on another user's home"),
        "{stderr}"
    );
    assert!(!ran.exists(), "claude was run: {stderr}");
}
