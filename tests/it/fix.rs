//! `fix`, `forget`, `backups`, `restore`: the write protocol proven from the outside.

use crate::common;

use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use common::Home;
use serde_json::Value;

fn creds(home: &Home) -> PathBuf {
    home.path.join(".claude/.credentials.json")
}

fn cache(home: &Home) -> PathBuf {
    home.path.join(".claude/mcp-needs-auth-cache.json")
}

fn mtime(p: &Path) -> SystemTime {
    fs::metadata(p).unwrap().modified().unwrap()
}

fn backup_ids(home: &Home) -> Vec<String> {
    let (stdout, _, code) = home.run(&["backups", "--format", "json"]);
    assert_eq!(code, 0);
    let v: Value = serde_json::from_str(&stdout).unwrap();
    v["backups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["id"].as_str().unwrap().to_string())
        .collect()
}

/// All regular files under `dir` with their bytes (for "nothing changed" checks), except the empty
/// sidecar our own lock lives on.
fn files(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            let meta = fs::symlink_metadata(&p).unwrap();
            if meta.is_dir() {
                stack.push(p);
            } else if meta.is_file() && !p.ends_with(".claude/.mcp-auth-doctor.lock") {
                out.push((p.clone(), fs::read(&p).unwrap()));
            }
        }
    }
    out.sort();
    out
}

/// The raw text of `mcpOAuth[key]`'s value in a compact or pretty credentials file.
fn raw_entry<'a>(text: &'a str, key: &str) -> Option<&'a str> {
    let needle = serde_json::to_string(key).unwrap();
    let at = text.find(&needle)? + needle.len();
    let start = at + text[at..].find('{')?;
    let (mut depth, mut in_string, mut escaped) = (0usize, false, false);
    for (i, c) in text[start..].char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if in_string => escaped = true,
            '"' => in_string = !in_string,
            '{' if !in_string => depth += 1,
            '}' if !in_string => {
                depth -= 1;
                if depth == 0 {
                    return Some(&text[start..=start + i]);
                }
            }
            _ => {}
        }
    }
    None
}

/// The permission bits of the file `path` leads to.
#[cfg(unix)]
fn mode_of(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    fs::metadata(path).unwrap().permissions().mode() & 0o7777
}

/// The entries under a live key that hold a usable token, with their raw bytes.
fn live_usable_entries(home: &Home) -> Vec<(String, String)> {
    let (doc, _) = home.check_json();
    let text = fs::read_to_string(creds(home)).unwrap_or_default();
    doc["servers"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| ["valid", "refreshable"].contains(&s["token"]["state"].as_str().unwrap_or("")))
        .filter_map(|s| s["expected_key"].as_str())
        .filter_map(|k| raw_entry(&text, k).map(|raw| (k.to_string(), raw.to_string())))
        .collect()
}

#[test]
fn every_scenario_fix_then_check_is_clean_idempotent_and_restorable() {
    let mut live_checked = 0;
    for name in common::scenarios() {
        let home = Home::fixture(&name);
        let originals = files(&home.path);
        #[cfg(unix)]
        let original_modes: Vec<u32> = originals.iter().map(|(p, _)| mode_of(p)).collect();
        let live = live_usable_entries(&home);
        let (stdout, stderr, code) = home.run(&["fix", "--yes"]);
        assert!(code & 8 == 0, "{name}: fix could not run: {stderr}");
        assert!(
            !stdout.contains("forget"),
            "{name}: fix suggests forget, which drops every key of a name:\n{stdout}"
        );
        // Nothing fix handles by default is left: every change left is one made only when asked.
        let (doc, _) = home.check_json();
        let left: Vec<&Value> = doc["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["action"].is_object() && f["action"]["ask_only"] != true)
            .collect();
        assert!(left.is_empty(), "{name}: fix left {left:?}");
        // Live usable entries are byte-identical.
        let text = fs::read_to_string(creds(&home)).unwrap_or_default();
        for (key, raw) in &live {
            assert_eq!(
                raw_entry(&text, key),
                Some(raw.as_str()),
                "{name}: {key} changed"
            );
            live_checked += 1;
        }
        // A second run changes nothing.
        let before = files(&home.path);
        let stamps: Vec<SystemTime> = before.iter().map(|(p, _)| mtime(p)).collect();
        let (_, _, code2) = home.run(&["fix", "--yes"]);
        assert_eq!(code2 & 1, 0, "{name}: second fix changed something");
        let after = files(&home.path);
        assert_eq!(before, after, "{name}: second fix changed bytes");
        let stamps2: Vec<SystemTime> = after.iter().map(|(p, _)| mtime(p)).collect();
        assert_eq!(stamps, stamps2, "{name}: second fix touched mtimes");
        // Restore puts the original bytes back exactly.
        if code & 1 != 0 {
            let ids = backup_ids(&home);
            let (_, stderr, code) = home.run(&["restore", &ids[0], "--yes"]);
            assert_eq!(code, 1, "{name}: restore failed: {stderr}");
            for (path, bytes) in &originals {
                assert!(
                    &fs::read(path).unwrap() == bytes,
                    "{name}: {} not restored",
                    path.display()
                );
            }
            // ... and their modes, also where fix both edited and chmodded a file (the demo).
            #[cfg(unix)]
            for ((path, _), mode) in originals.iter().zip(&original_modes) {
                assert_eq!(
                    mode_of(path),
                    *mode,
                    "{name}: restore left {} with another mode",
                    path.display()
                );
            }
            #[cfg(unix)]
            if name == "credentials-0644" {
                assert_eq!(
                    mode_of(&creds(&home)),
                    0o644,
                    "restore puts the mode back too"
                );
            }
        }
    }
    assert!(
        live_checked > 20,
        "only {live_checked} live entries were compared"
    );
}

#[test]
fn fix_changes_exactly_the_planned_members_and_keeps_every_other_byte() {
    let home = Home::fixture("demo");
    let old_creds = fs::read(creds(&home)).unwrap();
    let old_cache = fs::read(cache(&home)).unwrap();
    let (stdout, _, code) = home.run(&["fix", "--yes"]);
    assert_eq!(code, 1, "quarri's token moved to its live key:\n{stdout}");
    let new_creds = fs::read(creds(&home)).unwrap();
    // The placeholder's bytes cut out, the old entry renamed in place, its serverUrl set.
    let old_text = String::from_utf8(old_creds).unwrap();
    let placeholder = old_text.find(",\"quarri|0c54185165cc81b2\"").unwrap();
    let after_placeholder = old_text.find(",\"linear|638130d5ab3558f4\"").unwrap();
    let expected = format!(
        "{}{}",
        &old_text[..placeholder],
        &old_text[after_placeholder..]
    )
    .replacen(
        "\"quarri|fdee9dcb0f0c01de\"",
        "\"quarri|0c54185165cc81b2\"",
        1,
    )
    .replacen(
        "\"serverUrl\":\"https://app.quarri.ai/mcp/\"",
        "\"serverUrl\":\"https://app.quarri.ai/mcp\"",
        1,
    )
    // The old url's resource-metadata url goes with the move (see url_moved_expected).
    .replacen(
        ",\"resourceMetadataUrl\":\"https://app.quarri.ai/.well-known/oauth-protected-resource/mcp\"",
        "",
        1,
    );
    assert_eq!(String::from_utf8(new_creds.clone()).unwrap(), expected);
    let v: Value = serde_json::from_slice(&new_creds).unwrap();
    let keys: Vec<&str> = v["mcpOAuth"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        [
            "quarri|0c54185165cc81b2",
            "linear|638130d5ab3558f4",
            "sentry|800cb29a3ac61727"
        ]
    );
    let top: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(
        top,
        [
            "claudeAiOauth",
            "mcpOAuth",
            "pluginSecrets",
            "someFutureKey"
        ]
    );
    assert!(
        !new_creds.ends_with(b"\n"),
        "compact, no trailing newline, as Claude Code writes it"
    );
    assert_eq!(fs::read(cache(&home)).unwrap(), b"{}");
    assert!(old_cache.len() > 2);
    // Mode kept.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            fs::metadata(creds(&home)).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
}

/// The policy: after `fix --yes`, `check` exits 0 unless something needs the user, and what fix
/// keeps on purpose it says why.
#[test]
fn after_fix_check_is_clean_unless_the_user_is_needed() {
    // Stale and orphaned entries with a usable token go by default, backed up.
    for name in ["removed-orphan", "plugins"] {
        let home = Home::fixture(name);
        let (stdout, _, code) = home.run(&["fix", "--yes"]);
        assert_eq!(code, 1, "{name}:\n{stdout}");
        assert!(stdout.contains("restore --latest"), "{name}:\n{stdout}");
        let (doc, code) = home.check_json();
        assert_eq!(code, 0, "{name}: {doc}");
    }
    // A stale entry whose config uses ${VAR} may be live with another value: kept, and said so.
    let home = Home::fixture("env-changed");
    let (stdout, _, _) = home.run(&["fix", "--yes"]);
    // Wrapped to the page: compare with the line breaks read as spaces.
    let flat = stdout.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        flat.contains("the config uses ${MCP_HOST}")
            && flat.contains("--only stale-registration --server acme-api"),
        "{stdout}"
    );
    let v: Value = serde_json::from_slice(&fs::read(creds(&home)).unwrap()).unwrap();
    assert!(v["mcpOAuth"].get("acme-api|2ae07eddc1bf0539").is_some());
}

#[test]
fn restore_latest_puts_back_what_the_last_fix_removed() {
    let home = Home::fixture("removed-orphan");
    let original = fs::read(creds(&home)).unwrap();
    let (_, _, code) = home.run(&["fix", "--yes"]);
    assert_eq!(code & 1, 1);
    assert_ne!(fs::read(creds(&home)).unwrap(), original);
    let (stdout, stderr, code) = home.run(&["restore", "--latest", "--yes"]);
    assert_eq!(code, 1, "{stdout}{stderr}");
    assert_eq!(fs::read(creds(&home)).unwrap(), original);
    let empty = Home::fixture("healthy");
    let (_, stderr, code) = empty.run(&["restore", "--latest", "--yes"]);
    assert_eq!(code, 8, "{stderr}");
    assert!(stderr.contains("no backup"), "{stderr}");
    let (_, _, code) = home.run(&["restore", "--yes"]);
    assert_eq!(code, 2, "an id or --latest is needed");
}

#[test]
fn naming_a_code_removes_entries_that_hold_a_token_and_safe_only_never_does() {
    let home = Home::fixture("removed-orphan");
    let (_, _, code) = home.run(&[
        "fix",
        "--yes",
        "--safe-only",
        "--only",
        "orphaned-registration",
    ]);
    assert_eq!(code & 1, 0, "safe-only must keep the usable token");
    let v: Value = serde_json::from_slice(&fs::read(creds(&home)).unwrap()).unwrap();
    assert!(v["mcpOAuth"].get("sentry|800cb29a3ac61727").is_some());
    let (_, _, code) = home.run(&["fix", "--yes", "--only", "orphaned-registration"]);
    assert_eq!(code & 1, 1);
    let v: Value = serde_json::from_slice(&fs::read(creds(&home)).unwrap()).unwrap();
    assert!(v["mcpOAuth"].get("sentry|800cb29a3ac61727").is_none());
    // The marker was not part of --only orphaned-registration.
    assert_ne!(fs::read(cache(&home)).unwrap(), b"{}");
}

#[test]
fn dry_run_writes_nothing_and_exits_like_check() {
    let home = Home::fixture("demo");
    let before = files(&home.path);
    let (stdout, _, code) = home.run(&["fix", "--dry-run"]);
    assert_eq!(code, 4);
    assert!(stdout.contains("Dry run: nothing was changed."), "{stdout}");
    let (json, _, code) = home.run(&["fix", "-n", "--format", "json"]);
    assert_eq!(code, 4);
    let doc: Value = serde_json::from_str(&json).unwrap();
    assert_eq!(doc["dry_run"], true);
    let pointers: Vec<&str> = doc["plan"]["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["action"]["pointer"].as_str().unwrap())
        .collect();
    assert_eq!(pointers, ["/mcpOAuth/quarri|fdee9dcb0f0c01de", "/quarri"]);
    assert_eq!(doc["plan"]["steps"][0]["action"]["kind"], "move-entry");
    assert_eq!(doc["plan"]["steps"][0]["before"]["token"], "valid");
    assert_eq!(doc["plan"]["steps"][0]["after"]["replaces"], "placeholder");
    assert!(doc["plan"]["kept"].as_array().unwrap().is_empty());
    assert_eq!(before, files(&home.path));
}

#[test]
fn without_a_terminal_and_without_yes_nothing_is_written() {
    let home = Home::fixture("demo");
    let before = files(&home.path);
    let (stdout, stderr, code) = home.run(&["fix"]);
    assert_eq!(code & 8, 8, "{stderr}");
    assert!(
        stderr.contains("--yes") && stderr.contains("--dry-run"),
        "{stderr}"
    );
    assert!(stdout.contains("Plan: 2 changes"), "{stdout}");
    assert_eq!(before, files(&home.path));
    let (_, stderr, code) = home.run(&["forget", "quarri"]);
    assert_eq!(code & 8, 8, "{stderr}");
    assert_eq!(before, files(&home.path));
}

/// The chmod of a symlinked credentials file shows the target but goes through the link (its
/// trust checks included); it failed with "internal: no write rule" while actions carried their
/// file as display text matched against the inventory's paths.
#[cfg(unix)]
#[test]
fn a_symlinked_credentials_file_gets_its_target_chmodded_and_stays_a_link() {
    use std::os::unix::fs::PermissionsExt;
    let home = Home::fixture("symlinked-credentials");
    let target = home.path.join("dotfiles/claude/credentials.json");
    let link = creds(&home);
    fs::remove_file(&link).unwrap();
    std::os::unix::fs::symlink("../dotfiles/claude/credentials.json", &link).unwrap();
    fs::set_permissions(&target, fs::Permissions::from_mode(0o644)).unwrap();
    let (stdout, stderr, code) = home.run(&["fix", "--yes", "--only", "credentials-permissions"]);
    assert_eq!(code & (1 | 8), 1, "{stdout}{stderr}");
    assert!(
        stdout.contains("chmod 0600 ~/.claude/../dotfiles/claude/credentials.json"),
        "{stdout}"
    );
    assert!(
        fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert_eq!(
        fs::metadata(&target).unwrap().permissions().mode() & 0o777,
        0o600
    );
}

#[test]
fn symlinked_credentials_stay_links_and_their_target_is_written() {
    for link_kind in ["relative", "absolute", "link-to-link"] {
        let home = Home::fixture("symlinked-credentials");
        let target = home.path.join("dotfiles/claude/credentials.json");
        let text = fs::read_to_string(&target).unwrap();
        // Turn linear's entry into a placeholder, so there is something to fix.
        let broken = text
            .replacen(
                "\"accessToken\":\"at-CANARY-linear-1\"",
                "\"accessToken\":\"\"",
                1,
            )
            .replacen("\"refreshToken\":\"rt-CANARY-linear-1\",", "", 1);
        assert_ne!(broken, text);
        fs::write(&target, broken).unwrap();
        let link = creds(&home);
        #[cfg(unix)]
        {
            fs::remove_file(&link).unwrap();
            match link_kind {
                "relative" => {
                    std::os::unix::fs::symlink("../dotfiles/claude/credentials.json", &link)
                        .unwrap()
                }
                "absolute" => std::os::unix::fs::symlink(&target, &link).unwrap(),
                _ => {
                    let middle = home.path.join("dotfiles/current.json");
                    std::os::unix::fs::symlink("claude/credentials.json", &middle).unwrap();
                    std::os::unix::fs::symlink(&middle, &link).unwrap();
                }
            }
        }
        let (stdout, stderr, code) = home.run(&["fix", "--yes"]);
        assert_eq!(code & 1, 1, "{link_kind}: {stdout}{stderr}");
        assert!(
            fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink(),
            "{link_kind}"
        );
        let v: Value = serde_json::from_slice(&fs::read(&target).unwrap()).unwrap();
        assert!(
            v["mcpOAuth"].get("linear|638130d5ab3558f4").is_none(),
            "{link_kind}"
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(
                fs::metadata(&target).unwrap().permissions().mode() & 0o777,
                0o600
            );
        }
        // No temp file left beside the target.
        let leftovers: Vec<_> = fs::read_dir(target.parent().unwrap())
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name().to_string_lossy().contains(".tmp"))
            .collect();
        assert!(leftovers.is_empty(), "{link_kind}: {leftovers:?}");
    }
}

#[test]
fn permissions_are_fixed_on_the_target() {
    let home = Home::fixture("credentials-0644");
    let (_, _, code) = home.run(&["fix", "--yes"]);
    assert_eq!(code, 1);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            fs::metadata(creds(&home)).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
}

#[test]
fn unparseable_files_are_never_written() {
    for name in [
        "truncated",
        "commented",
        "trailing-comma",
        "bom",
        "empty-file",
    ] {
        let home = Home::fixture(name);
        let before = files(&home.path);
        home.run(&["fix", "--yes"]);
        home.run(&["forget", "linear", "--yes"]);
        let after = files(&home.path);
        let changed: Vec<_> = before
            .iter()
            .filter(|(p, b)| after.iter().any(|(p2, b2)| p2 == p && b2 != b))
            .map(|(p, _)| p.clone())
            .collect();
        let broken_changed: Vec<_> = changed
            .iter()
            .filter(|p| !p.to_string_lossy().contains("backups"))
            .filter(|p| {
                let bytes = fs::read(p).unwrap();
                serde_json::from_slice::<Value>(&bytes).is_err()
                    || bytes.starts_with(b"\xEF\xBB\xBF")
            })
            .collect();
        assert!(broken_changed.is_empty(), "{name}: {broken_changed:?}");
    }
}

#[test]
fn a_fresh_claude_lock_makes_fix_wait_then_give_up_without_changes() {
    let home = Home::fixture("demo");
    fs::create_dir(home.path.join(".claude/.storage-write.lock")).unwrap();
    let before = files(&home.path);
    let started = std::time::Instant::now();
    let (_, stderr, code) = home.run(&["fix", "--yes", "--lock-wait", "1"]);
    assert_eq!(code & 8, 8, "{stderr}");
    assert!(
        started.elapsed() >= Duration::from_millis(900),
        "it must wait for the lock"
    );
    assert!(stderr.contains("Claude Code is writing"), "{stderr}");
    assert_eq!(before, files(&home.path));
}

#[test]
fn a_stale_claude_lock_is_taken_over_only_when_allowed() {
    let home = Home::fixture("demo");
    let lock = home.path.join(".claude/.storage-write.lock");
    fs::create_dir(&lock).unwrap();
    let old = SystemTime::now() - Duration::from_secs(120);
    fs::File::open(&lock).unwrap().set_modified(old).unwrap();
    let before = files(&home.path);
    let (_, stderr, code) = home.run(&["fix", "--yes", "--lock-wait", "1"]);
    assert_eq!(code & 8, 8, "{stderr}");
    assert!(stderr.contains("--break-stale-lock"), "{stderr}");
    assert_eq!(before, files(&home.path));
    let (_, stderr, code) = home.run(&["fix", "--yes", "--break-stale-lock"]);
    assert_eq!(code & 1, 1, "{stderr}");
    assert!(!lock.exists(), "the lock is released after the write");
}

#[test]
fn an_entry_whose_refresh_lock_is_held_is_left_alone() {
    let home = Home::fixture("demo");
    fs::create_dir(
        home.path
            .join(".claude/mcp-refresh-quarri_0c54185165cc81b2.lock.lock"),
    )
    .unwrap();
    let old = fs::read(creds(&home)).unwrap();
    let (stdout, _, _) = home.run(&["fix", "--yes"]);
    assert!(stdout.contains("refresh lock"), "{stdout}");
    // Neither the placeholder nor the old entry that would move onto its key was touched.
    assert_eq!(fs::read(creds(&home)).unwrap(), old, "{stdout}");
}

#[test]
fn a_read_only_target_is_reported_not_worked_around() {
    let home = Home::fixture("demo");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(creds(&home), fs::Permissions::from_mode(0o400)).unwrap();
    }
    let before = fs::read(creds(&home)).unwrap();
    let (stdout, _, _) = home.run(&["fix", "--yes"]);
    assert!(stdout.contains("read-only"), "{stdout}");
    assert_eq!(before, fs::read(creds(&home)).unwrap());
}

#[test]
fn forget_removes_every_key_client_secret_and_marker_of_a_name() {
    let home = Home::fixture("healthy");
    let (stdout, _, code) = home.run(&["forget", "notion", "--yes"]);
    assert_eq!(code & 1, 1, "{stdout}");
    assert!(stdout.contains("claude mcp login notion"), "{stdout}");
    let v: Value = serde_json::from_slice(&fs::read(creds(&home)).unwrap()).unwrap();
    assert!(
        v["mcpOAuth"]
            .as_object()
            .unwrap()
            .keys()
            .all(|k| !k.starts_with("notion|"))
    );
    let client_config = v["mcpOAuthClientConfig"].as_object().unwrap();
    assert!(client_config.keys().all(|k| !k.starts_with("notion|")));
    // Plugin names work too.
    let home = Home::fixture("plugin-claudeai");
    let (_, _, code) = home.run(&["forget", "plugin:acme:docs", "--yes"]);
    assert_eq!(code & 1, 1);
    let v: Value = serde_json::from_slice(&fs::read(creds(&home)).unwrap()).unwrap();
    assert!(
        v["mcpOAuth"]
            .get("plugin:acme:docs|8d74d27603cb39d6")
            .is_none()
    );
    // A configured name with no state: nothing to do, exit 0.
    let (stdout, _, code) = home.run(&["forget", "linear", "--yes"]);
    assert_eq!(code & 1, 1, "{stdout}");
    let (stdout, _, code) = home.run(&["forget", "linear", "--yes"]);
    assert_eq!(code, 0, "{stdout}");
    assert!(stdout.contains("nothing to change"), "{stdout}");
    // A name nothing knows is a typo: a usage error, not "nothing to change".
    let (_, stderr, code) = home.run(&["forget", "nobody", "--yes"]);
    assert_eq!(code, 2, "{stderr}");
}

#[test]
fn restore_section_brings_grants_back_without_overwriting_newer_ones() {
    let home = Home::fixture("healthy");
    home.run(&["forget", "linear", "--yes"]);
    let id = backup_ids(&home).pop().unwrap();
    // Meanwhile a new grant for sentry arrives: it must survive the merge.
    let path = creds(&home);
    let text = fs::read_to_string(&path).unwrap();
    let newer = text.replacen("at-CANARY-sentry-1", "at-CANARY-sentry-NEW", 1);
    assert_ne!(newer, text);
    fs::write(&path, &newer).unwrap();
    let (stdout, stderr, code) = home.run(&["restore", &id, "--section", "mcpOAuth", "--yes"]);
    assert_eq!(code, 1, "{stdout}{stderr}");
    let v: Value = serde_json::from_slice(&fs::read(&path).unwrap()).unwrap();
    assert!(v["mcpOAuth"].get("linear|638130d5ab3558f4").is_some());
    let after = fs::read_to_string(&path).unwrap();
    assert!(after.contains("at-CANARY-sentry-NEW"));
    // A whole-file restore refuses to drop the newer change unless told.
    let (_, stderr, code) = home.run(&["restore", &id, "--yes"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("--overwrite-newer"), "{stderr}");
}

#[test]
fn restore_of_an_unknown_backup_says_how_to_list_them() {
    let home = Home::fixture("healthy");
    let (_, stderr, code) = home.run(&["restore", "20990101T000000.000Z", "--yes"]);
    assert_eq!(code, 8);
    assert!(stderr.contains("mcp-auth-doctor backups"), "{stderr}");
    let (_, stderr, code) = home.run(&["restore", "../../etc", "--yes"]);
    assert_ne!(code, 0);
    assert!(stderr.contains("not a backup id"), "{stderr}");
}

/// A test hook aborts the process after each step of the write protocol in turn; after every
/// abort the file parses and is either the old or the new content, and from the backup step on
/// the backup exists.
#[test]
fn an_abort_at_any_step_leaves_old_or_new_content() {
    // demo removes entries and a marker; url-moved also moves a token to its live key.
    for fixture in ["demo", "url-moved"] {
        abort_at_every_step(fixture);
    }
}

fn abort_at_every_step(fixture: &str) {
    let reference = Home::fixture(fixture);
    let old = fs::read(creds(&reference)).unwrap();
    reference.run(&["fix", "--yes"]);
    let new = fs::read(creds(&reference)).unwrap();
    assert_ne!(old, new);
    let steps = [
        "own-lock",
        "claude-lock",
        "reread",
        "backup",
        "temp-written",
        "renamed",
        "verified",
    ];
    for (i, step) in steps.iter().enumerate() {
        let home = Home::fixture(fixture);
        let out = home
            .cmd(&["fix", "--yes"])
            .env("MCP_AUTH_DOCTOR_TEST_ABORT_AFTER", step)
            .output()
            .unwrap();
        assert!(
            !out.status.success(),
            "{fixture} {step}: the hook did not fire"
        );
        assert!(
            String::from_utf8_lossy(&out.stderr).contains(step),
            "{fixture} {step}"
        );
        let now = fs::read(creds(&home)).unwrap();
        serde_json::from_slice::<Value>(&now).unwrap_or_else(|e| panic!("{fixture} {step}: {e}"));
        assert!(
            now == old || now == new,
            "{fixture} {step}: a mix of old and new"
        );
        let expect_new = i >= steps.iter().position(|s| *s == "renamed").unwrap();
        assert_eq!(now == new, expect_new, "{fixture} {step}");
        let backups = home.path.join(".claude/backups/mcp-auth-doctor");
        let has_backup = fs::read_dir(&backups)
            .map(|d| d.count() > 0)
            .unwrap_or(false);
        let expect_backup = i >= steps.iter().position(|s| *s == "backup").unwrap();
        assert_eq!(has_backup, expect_backup, "{fixture} {step}: backup");
        // After a crash (and once its lock directories are stale), the next run finishes the job.
        for lock in [".claude/.storage-write.lock", ".claude.json.lock"] {
            let _ = fs::remove_dir_all(home.path.join(lock));
        }
        let (_, stderr, code) = home.run(&["fix", "--yes", "--break-stale-lock"]);
        assert_eq!(code & 8, 0, "{fixture} {step}: {stderr}");
        assert_eq!(
            fs::read(creds(&home)).unwrap(),
            new,
            "{fixture} {step}: rerun"
        );
    }
}

/// A writer that follows Claude Code's protocol (mkdir the lock dir, read, modify, write a temp
/// file, rename, rmdir) adds entries while fix runs again and again: none of its entries is lost.
#[test]
fn fix_never_loses_an_entry_a_concurrent_claude_writer_adds() {
    let home = Home::fixture("demo");
    let path = creds(&home);
    let lock = home.path.join(".claude/.storage-write.lock");
    let writer = {
        let (path, lock) = (path.clone(), lock.clone());
        std::thread::spawn(move || {
            for i in 0..60 {
                while fs::create_dir(&lock).is_err() {
                    std::thread::sleep(Duration::from_millis(1));
                }
                let mut v: Value = serde_json::from_slice(&fs::read(&path).unwrap()).unwrap();
                let entries = v["mcpOAuth"].as_object_mut().unwrap();
                entries.insert(
                    // A claude.ai connector: fix never removes one it cannot verify.
                    format!("claude.ai writer-{i}|0000000000000000"),
                    serde_json::json!({"serverName": format!("claude.ai writer-{i}"), "accessToken": "at-CANARY-w",
                        "refreshToken": "rt-CANARY-w", "expiresAt": 4102444800000u64}),
                );
                // Keep giving fix something to do: the placeholder comes back each time.
                entries.insert(
                    "quarri|0c54185165cc81b2".into(),
                    serde_json::json!({"serverName": "quarri", "accessToken": "", "expiresAt": 0}),
                );
                let temp = path.with_extension(format!("tmp.{i}"));
                fs::write(&temp, serde_json::to_vec(&v).unwrap()).unwrap();
                fs::rename(&temp, &path).unwrap();
                fs::remove_dir(&lock).unwrap();
                std::thread::sleep(Duration::from_millis(3));
            }
        })
    };
    let mut fixed = 0;
    // On a loaded machine every run during the race may see the file change under it and give
    // up (exit 8, nothing written): keep going until one run changed something, which then
    // happens at the latest right after the writer's last write.
    while !writer.is_finished() || fixed == 0 {
        let (_, stderr, code) = home.run(&["fix", "--yes", "--lock-wait", "5"]);
        assert!(
            code & 8 == 0 || stderr.contains("planning again") || stderr.contains("changed"),
            "{stderr}"
        );
        fixed += (code & 1) as usize;
    }
    writer.join().unwrap();
    let v: Value = serde_json::from_slice(&fs::read(&path).unwrap()).unwrap();
    for i in 0..60 {
        assert!(
            v["mcpOAuth"]
                .get(format!("claude.ai writer-{i}|0000000000000000"))
                .is_some(),
            "entry {i} lost"
        );
    }
    assert!(fixed > 0, "fix never got to change anything");
}

/// The same race with the real proper-lockfile npm package driving the writer, as Claude Code
/// 2.1.332 does. `.ci/run` installs the package and sets MCP_AUTH_DOCTOR_PROPER_LOCKFILE; without
/// it (no node on the machine) the Rust writer above covers the protocol.
#[test]
fn fix_never_loses_an_entry_the_real_proper_lockfile_writer_adds() {
    let Some(lockfile) = std::env::var_os("MCP_AUTH_DOCTOR_PROPER_LOCKFILE") else {
        eprintln!("MCP_AUTH_DOCTOR_PROPER_LOCKFILE not set: covered by the Rust writer test");
        return;
    };
    let home = Home::fixture("demo");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/node/claude_writer.js");
    let mut writer = std::process::Command::new("node")
        .arg(&script)
        .arg(&lockfile)
        .arg(creds(&home))
        .arg("40")
        .spawn()
        .expect("node");
    let mut fixed = 0;
    loop {
        let (_, _, code) = home.run(&["fix", "--yes", "--lock-wait", "5"]);
        fixed += (code & 1) as usize;
        // As in the test above: once the writer is done, one more run gets to change something.
        if let Some(status) = writer.try_wait().unwrap() {
            assert!(status.success(), "the node writer failed");
            if fixed > 0 {
                break;
            }
        }
    }
    let v: Value = serde_json::from_slice(&fs::read(creds(&home)).unwrap()).unwrap();
    for i in 0..40 {
        assert!(
            v["mcpOAuth"]
                .get(format!("claude.ai node-{i}|0000000000000000"))
                .is_some(),
            "entry {i} lost"
        );
    }
    assert!(fixed > 0, "fix never got to change anything");
}

/// A credentials file with `mcpOAuth` twice: JSON.parse keeps the last, and a byte-level edit
/// could mix the two objects. fix refuses and writes nothing.
#[test]
fn a_duplicated_section_is_never_edited() {
    let home = Home::fixture("demo");
    let path = creds(&home);
    let text = fs::read_to_string(&path).unwrap();
    let doubled = text.replacen(
        "{\"claudeAiOauth\"",
        "{\"mcpOAuth\":{\"quarri|0c54185165cc81b2\":{\"accessToken\":\"at-CANARY-old\"}},\"claudeAiOauth\"",
        1,
    );
    assert_ne!(doubled, text);
    fs::write(&path, &doubled).unwrap();
    let (_, stderr, code) = home.run(&["fix", "--yes"]);
    assert_eq!(code & 1, 0, "{stderr}");
    assert!(stderr.contains("more than once"), "{stderr}");
    assert_eq!(fs::read_to_string(&path).unwrap(), doubled);
}

/// Run as root on another user's home, the rewritten file keeps its owner (and so does the backup).
#[cfg(unix)]
#[test]
fn the_owner_of_a_rewritten_file_is_kept() {
    use std::os::unix::fs::MetadataExt;
    let home = Home::fixture("demo");
    let path = creds(&home);
    // Only root can give a file away; elsewhere the owner is ours and this proves nothing new.
    if std::os::unix::fs::chown(&path, Some(4242), Some(4343)).is_err() {
        eprintln!("not root: skipped");
        return;
    }
    std::os::unix::fs::chown(home.path.join(".claude"), Some(4242), Some(4343)).unwrap();
    let (_, stderr, code) = home.run(&["fix", "--yes"]);
    assert_eq!(code & 1, 1, "{stderr}");
    let meta = fs::metadata(&path).unwrap();
    assert_eq!((meta.uid(), meta.gid()), (4242, 4343));
    let backups = home.path.join(".claude/backups/mcp-auth-doctor");
    let dir = fs::read_dir(&backups)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    assert_eq!(fs::metadata(&dir).unwrap().uid(), 4242);
    assert_eq!(fs::metadata(dir.join("manifest.json")).unwrap().uid(), 4242);
}

/// A read-only credentials file is left read-only: its content is not edited, and the mode fix
/// only strips the group and other bits.
#[cfg(unix)]
#[test]
fn a_read_only_file_stays_read_only() {
    use std::os::unix::fs::PermissionsExt;
    let home = Home::fixture("demo");
    fs::set_permissions(creds(&home), fs::Permissions::from_mode(0o444)).unwrap();
    let (stdout, _, _) = home.run(&["fix", "--yes"]);
    assert!(stdout.contains("chmod 0400"), "{stdout}");
    let mode = fs::metadata(creds(&home)).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o400);
}

const OLD_DOCS: &str = "docs|67d49f0f4ba63acc";
const LIVE_DOCS: &str = "docs|cf2cae338c16b5d2";

/// The bytes `fix` must leave in url-moved's credentials: docs' old entry renamed in place to the
/// live key with its serverUrl changed (and the old url's resourceMetadataUrl dropped), the placeholder that was there gone, crm's entry (another
/// origin) gone; every other byte as it was.
fn url_moved_expected(old: &str) -> String {
    let placeholder_start = old.find(&format!("\"{LIVE_DOCS}\"")).unwrap();
    let crm_end = old.find(&format!("\"{OLD_DOCS}\"")).unwrap();
    let mut expected = format!("{}{}", &old[..placeholder_start], &old[crm_end..]);
    expected = expected.replacen(&format!("\"{OLD_DOCS}\""), &format!("\"{LIVE_DOCS}\""), 1);
    expected
        .replacen(
            "\"serverUrl\":\"https://docs.example.com/mcp\"",
            "\"serverUrl\":\"https://docs.example.com/v2/mcp\"",
            1,
        )
        // The old url's protected-resource metadata url is dropped: 2.1.100's next sign-in
        // would read it and refuse the moved server (tests/real-client/README.md).
        .replacen(
            ",\"resourceMetadataUrl\":\"https://docs.example.com/.well-known/oauth-protected-resource/mcp\"",
            "",
            1,
        )
}

#[test]
fn a_usable_token_moves_to_its_live_key_on_the_same_origin_only() {
    let home = Home::fixture("url-moved");
    let old = fs::read_to_string(creds(&home)).unwrap();
    let (plan, _, code) = home.run(&["fix", "--dry-run", "--format", "json"]);
    assert_eq!(code, 4);
    let plan: Value = serde_json::from_str(&plan).unwrap();
    let (stdout, stderr, code) = home.run(&["fix", "--yes"]);
    assert_eq!(code, 1, "{stdout}{stderr}");
    assert!(
        stdout.contains("falls back to \"needs authentication\""),
        "the plan says what happens if the server rejects the moved token:\n{stdout}"
    );
    let new = fs::read_to_string(creds(&home)).unwrap();
    assert_eq!(new, url_moved_expected(&old), "every other byte is kept");
    assert_eq!(
        fs::read(cache(&home)).unwrap(),
        b"{}",
        "docs' marker is gone"
    );
    let after: Value = serde_json::from_str(&new).unwrap();
    insta::assert_json_snapshot!(
        "url-moved-plan-and-after",
        serde_json::json!({
            "plan": plan["plan"],
            "before": serde_json::from_str::<Value>(&old).unwrap()["mcpOAuth"],
            "after": after["mcpOAuth"],
        })
    );
    let (doc, code) = home.check_json();
    let docs = doc["servers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "docs")
        .unwrap();
    assert_eq!(docs["verdict"], "ok", "{doc}");
    assert_eq!(code, 0, "{doc}");
    let (_, _, code) = home.run(&["fix", "--yes"]);
    assert_eq!(code & 1, 0, "a second fix changes nothing");
}

#[test]
fn no_move_removes_the_old_entry_instead() {
    let home = Home::fixture("url-moved");
    let (stdout, _, code) = home.run(&["fix", "--yes", "--no-move"]);
    // docs' token is gone, so it needs a sign-in: changed (1) and still a problem (4).
    assert_eq!(code, 5, "{stdout}");
    let v: Value = serde_json::from_slice(&fs::read(creds(&home)).unwrap()).unwrap();
    let keys: Vec<&str> = v["mcpOAuth"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(keys, ["linear|638130d5ab3558f4"]);
    // --safe-only moves (nothing usable is lost) but keeps crm's entry on another origin.
    let home = Home::fixture("url-moved");
    let (stdout, _, _) = home.run(&["fix", "--yes", "--safe-only"]);
    let v: Value = serde_json::from_slice(&fs::read(creds(&home)).unwrap()).unwrap();
    assert!(
        v["mcpOAuth"][LIVE_DOCS]["accessToken"] == "at-CANARY-docs-1",
        "{stdout}"
    );
    assert!(v["mcpOAuth"].get("crm|80938d53e3697fb6").is_some());
}

#[test]
fn explain_says_when_a_token_is_moved() {
    let home = Home::fixture("empty-home");
    let (stdout, _, code) = home.run(&["--explain", "stale-registration"]);
    assert_eq!(code, 0);
    assert!(
        stdout.contains("same origin") && stdout.contains("--no-move"),
        "{stdout}"
    );
}

/// The move under a concurrent writer that follows Claude Code's protocol: the writer's entries
/// all survive, and the token ends under the live key exactly once.
#[test]
fn a_move_never_loses_an_entry_a_concurrent_claude_writer_adds() {
    let home = Home::fixture("url-moved");
    let path = creds(&home);
    let lock = home.path.join(".claude/.storage-write.lock");
    let writer = {
        let (path, lock) = (path.clone(), lock.clone());
        std::thread::spawn(move || {
            for i in 0..40 {
                while fs::create_dir(&lock).is_err() {
                    std::thread::sleep(Duration::from_millis(1));
                }
                let mut v: Value = serde_json::from_slice(&fs::read(&path).unwrap()).unwrap();
                v["mcpOAuth"].as_object_mut().unwrap().insert(
                    format!("claude.ai writer-{i}|0000000000000000"),
                    serde_json::json!({"serverName": format!("claude.ai writer-{i}"),
                        "accessToken": "at-CANARY-w", "expiresAt": 4102444800000u64}),
                );
                let temp = path.with_extension(format!("tmp.{i}"));
                fs::write(&temp, serde_json::to_vec(&v).unwrap()).unwrap();
                fs::rename(&temp, &path).unwrap();
                fs::remove_dir(&lock).unwrap();
                std::thread::sleep(Duration::from_millis(2));
            }
        })
    };
    let mut fixed = 0;
    while !writer.is_finished() || fixed == 0 {
        let (_, stderr, code) = home.run(&["fix", "--yes", "--lock-wait", "5"]);
        assert!(
            code & 8 == 0 || stderr.contains("planning again") || stderr.contains("changed"),
            "{stderr}"
        );
        fixed += (code & 1) as usize;
    }
    writer.join().unwrap();
    let v: Value = serde_json::from_slice(&fs::read(&path).unwrap()).unwrap();
    for i in 0..40 {
        let key = format!("claude.ai writer-{i}|0000000000000000");
        assert!(v["mcpOAuth"].get(&key).is_some(), "entry {i} lost");
    }
    assert_eq!(v["mcpOAuth"][LIVE_DOCS]["accessToken"], "at-CANARY-docs-1");
    assert!(v["mcpOAuth"].get(OLD_DOCS).is_none());
}

/// An expired entry with no refresh token and a client id pins a client the server may have
/// forgotten (2.1.332 reuses it at sign-in): fix removes it by default, also with --safe-only,
/// and leaves refreshable entries alone.
#[test]
fn a_dead_client_registration_is_removed_so_the_next_sign_in_registers_anew() {
    let home = Home::fixture("expired");
    let (stdout, _, code) = home.run(&["fix", "--yes", "--safe-only"]);
    // Changed (1) and still a problem (4): linear needs the sign-in the removal makes possible,
    // which a later `check` can no longer see.
    assert_eq!(code, 5, "{stdout}");
    assert!(stdout.contains("Still needs a sign-in"), "{stdout}");
    assert!(stdout.contains("registers a new client"), "{stdout}");
    let v: Value = serde_json::from_slice(&fs::read(creds(&home)).unwrap()).unwrap();
    let keys: Vec<&str> = v["mcpOAuth"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(keys, ["sentry|800cb29a3ac61727", "notion|eac663db915250e7"]);
    let (doc, code) = home.check_json();
    assert!(!common::codes(&doc).contains(&"dead-client-registration".to_string()));
    assert_eq!(code, 0, "{doc}");
}

/// Every command printed for the user to run next works when pasted: it carries this run's
/// --home (and the other location flags).
#[test]
fn printed_commands_keep_the_location_flags_and_work_when_pasted() {
    let home = Home::fixture("removed-orphan");
    let original = fs::read(creds(&home)).unwrap();
    let dir = home.path.display().to_string();
    let out = home
        .cmd(&["--home", &dir, "fix", "--yes"])
        .env("HOME", "/nonexistent-home")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    let undo = stdout
        .lines()
        .find_map(|l| l.strip_prefix("Undo:   "))
        .unwrap_or_else(|| panic!("no undo line: {stdout}"));
    assert!(
        undo.starts_with(&format!("mcp-auth-doctor --home {dir} restore ")),
        "{undo}"
    );
    let flat = stdout.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        flat.contains(&format!("mcp-auth-doctor --home {dir} restore --latest")),
        "{stdout}"
    );
    // Paste it into a shell whose HOME is elsewhere.
    let bin_dir = Path::new(env!("CARGO_BIN_EXE_mcp-auth-doctor"))
        .parent()
        .unwrap()
        .to_path_buf();
    let pasted = std::process::Command::new("/bin/sh")
        .arg("-c")
        .arg(format!("{undo} --yes"))
        .env_clear()
        .env("PATH", bin_dir)
        .env("HOME", "/nonexistent-home")
        .output()
        .unwrap();
    assert_eq!(
        pasted.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&pasted.stderr)
    );
    assert_eq!(fs::read(creds(&home)).unwrap(), original);
}

#[test]
fn an_unknown_server_name_is_a_usage_error_with_a_suggestion() {
    let home = Home::fixture("healthy");
    let before = files(&home.path);
    let (_, stderr, code) = home.run(&["forget", "linera", "--yes"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("did you mean 'linear'?"), "{stderr}");
    let (_, stderr, code) = home.run(&["fix", "--server", "sentyr", "--yes"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("did you mean 'sentry'?"), "{stderr}");
    // A name only some OAuth state knows (no scope configures it) is known.
    let home2 = Home::fixture("removed-orphan");
    let (_, stderr, code) = home2.run(&["fix", "--server", "sentry", "--dry-run"]);
    assert_eq!(code & 2, 0, "{stderr}");
    // Terminal control characters in the name never reach the terminal.
    let (stdout, stderr, code) = home.run(&["forget", "x\u{1b}[31mred\u{7}", "--yes"]);
    assert_eq!(code, 2);
    assert!(
        !stdout.contains('\u{1b}') && !stderr.contains('\u{1b}'),
        "{stderr}"
    );
    assert!(!stderr.contains('\u{7}'), "{stderr}");
    assert_eq!(before, files(&home.path));
}

/// A byte order mark: exactly the 3 bytes go, and only when the JSON after them is valid.
#[test]
fn a_byte_order_mark_is_removed_and_nothing_else() {
    let home = Home::fixture("bom");
    let old = fs::read(creds(&home)).unwrap();
    assert!(old.starts_with(b"\xEF\xBB\xBF"));
    let (stdout, _, code) = home.run(&["fix", "--yes", "--safe-only"]);
    assert_eq!(code, 1, "{stdout}");
    assert_eq!(fs::read(creds(&home)).unwrap(), &old[3..]);
    let (doc, code) = home.check_json();
    assert_eq!(code, 0, "{doc}");
    // A mark in front of broken JSON: the file is never written.
    let home = Home::fixture("bom");
    let broken = [&old[..old.len() - 1], b","].concat();
    fs::write(creds(&home), &broken).unwrap();
    let (stdout, _, code) = home.run(&["fix", "--yes"]);
    assert_eq!(code & 1, 0, "{stdout}");
    assert_eq!(fs::read(creds(&home)).unwrap(), broken);
}

/// The needs-auth cache is disposable: an unparseable one is backed up and replaced with `{}`;
/// `restore` brings the bytes back.
#[test]
fn an_unparseable_needs_auth_cache_is_backed_up_and_replaced() {
    let home = Home::fixture("trailing-comma");
    let old = fs::read(cache(&home)).unwrap();
    let (stdout, _, code) = home.run(&["fix", "--yes"]);
    assert_eq!(code, 1, "{stdout}");
    assert_eq!(fs::read(cache(&home)).unwrap(), b"{}");
    let (_, stderr, code) = home.run(&["restore", "--latest", "--yes"]);
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(fs::read(cache(&home)).unwrap(), old);
}

/// A secret in the current url (query) is written into the moved entry's serverUrl, but the plan
/// shows the url only redacted. (Finding messages are covered by the redaction work of issue 14.)
#[test]
fn a_moved_entrys_new_url_is_written_whole_and_shown_redacted() {
    let home = Home::fixture("url-moved");
    let config = home.path.join(".claude.json");
    let text = fs::read_to_string(&config).unwrap();
    let secret_url = "https://docs.example.com/v2/mcp?api_key=CANARY-url-1";
    fs::write(
        &config,
        text.replace(
            "\"https://docs.example.com/v2/mcp\"",
            &format!("\"{secret_url}\""),
        ),
    )
    .unwrap();
    let (json, _, _) = home.run(&["fix", "--dry-run", "--format", "json"]);
    let doc: Value = serde_json::from_str(&json).unwrap();
    let plan = doc["plan"].to_string();
    assert!(plan.contains("move-entry"), "{plan}");
    assert!(!plan.contains("CANARY-url"), "{plan}");
    let (stdout, _, code) = home.run(&["fix", "--yes", "--only", "stale-registration"]);
    assert_eq!(code & 1, 1, "{stdout}");
    let plan_lines: Vec<&str> = stdout
        .lines()
        .filter(|l| l.contains("move mcpOAuth"))
        .collect();
    assert!(
        !plan_lines.is_empty() && plan_lines.iter().all(|l| !l.contains("CANARY")),
        "{stdout}"
    );
    let v: Value = serde_json::from_slice(&fs::read(creds(&home)).unwrap()).unwrap();
    let moved = v["mcpOAuth"]
        .as_object()
        .unwrap()
        .values()
        .find(|e| e["accessToken"] == "at-CANARY-docs-1")
        .unwrap();
    assert_eq!(moved["serverUrl"], secret_url);
}

/// `restore --section mcpOAuth` undoes a move to the live key: the old key comes back and the
/// live key holds again what it held before (nothing, or the placeholder), so the section is
/// what it was before the fix (issue 10). Both with and without a placeholder replaced.
#[test]
fn restore_section_mcp_oauth_undoes_a_move_to_the_live_key() {
    for name in ["url-edited", "trailing-slash"] {
        let home = Home::fixture(name);
        let before: Value = serde_json::from_slice(&fs::read(creds(&home)).unwrap()).unwrap();
        let (stdout, _, code) = home.run(&["fix", "--yes"]);
        assert_eq!(code & 1, 1, "{name}: {stdout}");
        assert!(stdout.contains("move mcpOAuth entry"), "{name}: {stdout}");
        let (stdout, stderr, code) =
            home.run(&["restore", "--latest", "--section", "mcpOAuth", "--yes"]);
        assert_eq!(code, 1, "{name}: {stdout}{stderr}");
        assert!(
            stdout.contains("moves"),
            "{name}: the plan says so:\n{stdout}"
        );
        let after: Value = serde_json::from_slice(&fs::read(creds(&home)).unwrap()).unwrap();
        assert_eq!(after["mcpOAuth"], before["mcpOAuth"], "{name}: {stdout}");
    }
}

/// A moved entry Claude Code changed since (a refresh wrote new tokens under the live key) is
/// newer than the backup: restore keeps it (and the old key comes back beside it).
#[test]
fn restore_section_keeps_a_moved_entry_that_changed_since() {
    let home = Home::fixture("url-edited");
    let (_, _, code) = home.run(&["fix", "--yes"]);
    assert_eq!(code & 1, 1);
    let path = creds(&home);
    let mut v: Value = serde_json::from_slice(&fs::read(&path).unwrap()).unwrap();
    v["mcpOAuth"]["notion|8725da5e03624de5"]["accessToken"] = "at-CANARY-refreshed".into();
    fs::write(&path, serde_json::to_vec(&v).unwrap()).unwrap();
    let (stdout, stderr, code) =
        home.run(&["restore", "--latest", "--section", "mcpOAuth", "--yes"]);
    assert_eq!(code & 8, 0, "{stdout}{stderr}");
    let after: Value = serde_json::from_slice(&fs::read(&path).unwrap()).unwrap();
    assert_eq!(
        after["mcpOAuth"]["notion|8725da5e03624de5"]["accessToken"],
        "at-CANARY-refreshed"
    );
}

/// The undo hint after a restore names, by id, the backup that restore made, and restoring it
/// gives back exactly the files as they were before the restore, even after a later backup.
#[test]
fn the_undo_hint_after_a_restore_names_its_own_backup() {
    let home = Home::fixture("removed-orphan");
    let (_, _, code) = home.run(&["fix", "--yes"]);
    assert_eq!(code & 1, 1);
    let fixed = fs::read(creds(&home)).unwrap();
    let (stdout, _, code) = home.run(&["restore", "--latest", "--yes"]);
    assert_eq!(code, 1, "{stdout}");
    assert!(
        !stdout.contains("--latest"),
        "by id, not --latest:\n{stdout}"
    );
    let id = stdout
        .lines()
        .find_map(|l| l.strip_prefix("Undo this restore: mcp-auth-doctor restore "))
        .unwrap_or_else(|| panic!("no undo line:\n{stdout}"))
        .trim()
        .to_string();
    // A later change makes a newer backup: --latest would no longer undo the restore.
    let (_, _, code) = home.run(&["forget", "linear", "--yes"]);
    assert_eq!(code & 1, 1);
    let (stdout, stderr, code) = home.run(&["restore", &id, "--yes", "--overwrite-newer"]);
    assert_eq!(code, 1, "{stdout}{stderr}");
    assert_eq!(fs::read(creds(&home)).unwrap(), fixed);
}

/// Our own lock's sidecar is gone when the command ends: nothing of ours is left in the config
/// dir but the backups (issue 12, defect 16).
#[test]
fn no_lock_sidecar_is_left_in_the_config_dir() {
    let home = Home::fixture("demo");
    let sidecar = home.path.join(".claude/.mcp-auth-doctor.lock");
    let (stdout, _, code) = home.run(&["fix", "--yes"]);
    assert_eq!(code & 1, 1, "{stdout}");
    assert!(!sidecar.exists(), "fix left it");
    let (stdout, _, code) = home.run(&["restore", "--latest", "--yes"]);
    assert_eq!(code, 1, "{stdout}");
    assert!(!sidecar.exists(), "restore left it");
}

/// A fix that both edits and chmods the credentials file (the bundled demo as shipped: 0644 and a
/// stale registration) is undone whole by `restore`: the bytes and the mode.
#[cfg(unix)]
#[test]
fn restore_puts_back_the_mode_of_a_file_fix_edited_and_chmodded() {
    use std::os::unix::fs::PermissionsExt;
    let home = Home::fixture("demo");
    fs::set_permissions(creds(&home), fs::Permissions::from_mode(0o644)).unwrap();
    let before = fs::read(creds(&home)).unwrap();
    let (_, stderr, code) = home.run(&["fix", "--yes"]);
    assert_eq!(code & 1, 1, "fix changed nothing: {stderr}");
    assert_ne!(
        fs::read(creds(&home)).unwrap(),
        before,
        "fix did not edit the file"
    );
    assert_eq!(mode_of(&creds(&home)), 0o600, "fix did not chmod the file");
    let (_, stderr, code) = home.run(&["restore", "--latest", "--yes"]);
    assert_eq!(code, 1, "restore failed: {stderr}");
    assert_eq!(fs::read(creds(&home)).unwrap(), before);
    assert_eq!(mode_of(&creds(&home)), 0o644, "restore left the fixed mode");
}
