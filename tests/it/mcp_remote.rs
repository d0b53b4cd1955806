//! mcp-remote state (issue 13): the base dir, Claude Desktop's config, the checks on homes whose
//! `~/.mcp-auth` real mcp-remote releases wrote, and the loader's trust rules.

use std::fs;
use std::path::Path;

use serde_json::Value;

use crate::common::{self, Home};

/// The files `rm <dir>/<prefix>*` would remove.
fn glob(dir: &Path, prefix: &str) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(prefix))
        .collect();
    names.sort();
    names
}

#[test]
fn tokens_left_in_the_0_1_49_folder_are_stranded_for_the_unpinned_desktop_server_only() {
    let home = Home::fixture("mcp-remote-upgrade");
    let (doc, _) = home.check_json();
    let stranded = common::findings_with(&doc, "mcp-remote-stranded-tokens");
    assert_eq!(stranded.len(), 1, "{doc:#}");
    let f = stranded[0];
    assert_eq!(f["evidence"]["desktop_server"], "tenant");
    assert_eq!(f["evidence"]["client"], "desktop");
    assert_eq!(f["evidence"]["folder_in_use"], "mcp-remote-v1");
    assert_eq!(f["evidence"]["folders_with_tokens"][0], "mcp-remote-0.1.49");
    // The removal it proposes (only when asked) is exactly tenant's files in the old folder
    // (hash observed in docs/mcp-remote.md §3.1), none of the other two servers'.
    assert_eq!(f["action"]["ask_only"], true);
    assert_eq!(f["action"]["folder"], "mcp-remote-0.1.49");
    let before = common_files(&home.path);
    let (_, stderr, code) = home.run(&["fix", "--yes"]);
    assert_eq!(code & 8, 0, "{stderr}");
    assert_eq!(
        before,
        common_files(&home.path),
        "fix without --only leaves it"
    );
    let (stdout, stderr, code) =
        home.run(&["fix", "--only", "mcp-remote-stranded-tokens", "--yes"]);
    assert_eq!(code & 1, 1, "{stdout}{stderr}");
    let old = home.path.join(".mcp-auth/mcp-remote-0.1.49");
    assert!(glob(&old, "6b97b5e8").is_empty());
    assert_eq!(
        changed(&before, &common_files(&home.path)),
        [
            "6b97b5e844eec72e9f466e794181930f_client_info.json",
            "6b97b5e844eec72e9f466e794181930f_code_verifier_26086.txt",
            "6b97b5e844eec72e9f466e794181930f_tokens.json",
        ],
        "every other file byte-identical"
    );
    restore_latest_and_compare(&home, &before);
}

/// The file names present in `before` and not the same in `after` (gone or changed), sorted;
/// fails if `after` has a file `before` did not (outside the backups folder).
fn changed(before: &[(String, Vec<u8>)], after: &[(String, Vec<u8>)]) -> Vec<String> {
    for (path, _) in after {
        assert!(
            path.contains("/backups/") || before.iter().any(|(p, _)| p == path),
            "new file {path}"
        );
    }
    let mut out: Vec<String> = before
        .iter()
        .filter(|(p, b)| !after.iter().any(|(q, c)| q == p && c == b))
        .map(|(p, _)| p.rsplit('/').next().unwrap().to_string())
        .collect();
    out.sort();
    out
}

/// `restore --latest` puts back every byte `before` had (the backups folder aside).
fn restore_latest_and_compare(home: &Home, before: &[(String, Vec<u8>)]) {
    let (_, stderr, code) = home.run(&["restore", "--latest", "--yes"]);
    assert_eq!(code, 1, "{stderr}");
    let now: Vec<(String, Vec<u8>)> = common_files(&home.path)
        .into_iter()
        .filter(|(p, _)| !p.contains("/backups/"))
        .collect();
    let before: Vec<(String, Vec<u8>)> = before
        .iter()
        .filter(|(p, _)| !p.contains("/backups/"))
        .cloned()
        .collect();
    assert_eq!(before, now, "restore brings every byte back");
}

#[test]
fn fix_removes_a_dead_lock_and_an_orphan_only_when_asked_and_nothing_else() {
    let home = Home::fixture("mcp-remote-leftovers");
    let before = common_files(&home.path);
    let (stdout, stderr, code) = home.run(&["fix", "--yes"]);
    assert_eq!(code & 1, 1, "{stdout}{stderr}");
    assert_eq!(
        changed(&before, &common_files(&home.path)),
        ["322e534fe675c04cd28f632049419f81_lock.json"],
        "only the dead lock; legacy's tokens and verifier beside it stay"
    );
    restore_latest_and_compare(&home, &before);
    let (_, _, code) = home.run(&["fix", "--only", "mcp-remote-orphaned-state", "--yes"]);
    assert_eq!(code & 1, 1);
    assert_eq!(
        changed(&before, &common_files(&home.path)),
        [
            "652b15f55b0887d6335f8510c96cfb6b_client_info.json",
            "652b15f55b0887d6335f8510c96cfb6b_tokens.json",
        ]
    );
    assert!(
        home.path.join(".mcp-auth/mcp-remote-v1").is_dir(),
        "never the folder"
    );
    restore_latest_and_compare(&home, &before);
}

#[test]
fn forget_removes_one_servers_files_in_every_version_folder() {
    let home = Home::fixture("mcp-remote-upgrade");
    let before = common_files(&home.path);
    // mock: user scope, files in both folders (URL-only hash in 0.1.49, the same in v1).
    let (stdout, stderr, code) = home.run(&["forget", "mock", "--yes"]);
    assert_eq!(code & 1, 1, "{stdout}{stderr}");
    assert_eq!(
        changed(&before, &common_files(&home.path)),
        [
            "af00b6f32a6a21582603f8f63e6c95d9_client_info.json",
            "af00b6f32a6a21582603f8f63e6c95d9_client_info.json",
            "af00b6f32a6a21582603f8f63e6c95d9_code_verifier_22605.txt",
            "af00b6f32a6a21582603f8f63e6c95d9_tokens.json",
            "af00b6f32a6a21582603f8f63e6c95d9_tokens.json",
        ]
    );
    restore_latest_and_compare(&home, &before);
    // A Claude Desktop server's name is known to forget too.
    let (stdout, stderr, code) = home.run(&["forget", "tenant", "--yes"]);
    assert_eq!(code & 1, 1, "{stdout}{stderr}");
    assert_eq!(changed(&before, &common_files(&home.path)).len(), 3);
}

#[test]
fn mcp_remote_config_dir_replaces_the_home_folder() {
    let home = Home::fixture("mcp-remote-leftovers");
    let elsewhere = home.path.join("state/mcp");
    fs::create_dir_all(elsewhere.parent().unwrap()).unwrap();
    fs::rename(home.path.join(".mcp-auth"), &elsewhere).unwrap();
    let (moved, _) = home.check_json();
    assert!(
        common::findings_with(&moved, "mcp-remote-expired-token").is_empty(),
        "nothing at ~/.mcp-auth any more"
    );
    let out = home
        .cmd(&["check", "--format", "json"])
        .env("MCP_REMOTE_CONFIG_DIR", &elsewhere)
        .output()
        .unwrap();
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        common::findings_with(&doc, "mcp-remote-expired-token").len(),
        1
    );
    assert_eq!(
        common::findings_with(&doc, "mcp-remote-orphaned-state").len(),
        1
    );
}

#[cfg(unix)]
#[test]
fn a_linked_version_folder_or_file_is_not_read_and_check_writes_nothing() {
    let home = Home::fixture("mcp-remote-leftovers");
    let base = home.path.join(".mcp-auth");
    // A folder link mcp-remote never makes: not a version folder, nothing under it is read.
    std::os::unix::fs::symlink(base.join("mcp-remote-v1"), base.join("mcp-remote-0.1.20")).unwrap();
    // A planted link in place of a tokens file: reported, not followed.
    let fine = base.join("mcp-remote-v1/0ca5c126bca807bd8eba0fd2f529624d_tokens.json");
    fs::remove_file(&fine).unwrap();
    std::os::unix::fs::symlink("/etc/passwd", &fine).unwrap();
    let before = common_files(&home.path);
    let (doc, _) = home.check_json();
    let unusable = common::findings_with(&doc, "mcp-remote-unusable-file");
    assert!(
        unusable
            .iter()
            .any(|f| f["message"].as_str().unwrap().contains("symbolic link")),
        "{unusable:#?}"
    );
    // Orphans are not doubled by the linked folder.
    assert_eq!(
        common::findings_with(&doc, "mcp-remote-orphaned-state").len(),
        1
    );
    assert_eq!(before, common_files(&home.path), "check never writes");
}

/// Every regular file under `dir` with its bytes (links as their target text).
fn common_files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in fs::read_dir(&d).unwrap() {
            let e = e.unwrap();
            let p = e.path();
            let ty = e.file_type().unwrap();
            if ty.is_symlink() {
                out.push((
                    p.display().to_string(),
                    fs::read_link(&p)
                        .unwrap()
                        .display()
                        .to_string()
                        .into_bytes(),
                ));
            } else if ty.is_dir() {
                stack.push(p);
            } else {
                out.push((p.display().to_string(), fs::read(&p).unwrap()));
            }
        }
    }
    out.sort();
    out
}

#[test]
fn every_mcp_remote_code_is_explained() {
    let home = Home::fixture("healthy");
    for code in [
        "mcp-remote-stranded-tokens",
        "mcp-remote-expired-token",
        "mcp-remote-dead-lock",
        "mcp-remote-registration-without-tokens",
        "mcp-remote-orphaned-state",
        "mcp-remote-unusable-file",
    ] {
        let (stdout, stderr, status) = home.run(&["--explain", code]);
        assert_eq!(status, 0, "{code}: {stderr}");
        assert!(stdout.contains("What it means"), "{code}: {stdout}");
    }
    let _ = common::CANARY;
}

/// Each server's `(verdict, token state)` in `check --format json`, by name.
fn verdicts(doc: &Value) -> Vec<(String, String, String)> {
    doc["servers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["name"].as_str().unwrap().to_string(),
                s["verdict"].as_str().unwrap().to_string(),
                s["token"]["state"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn triple(name: &str, verdict: &str, token: &str) -> (String, String, String) {
    (name.into(), verdict.into(), token.into())
}

#[test]
fn a_claude_code_server_that_runs_mcp_remote_is_judged_by_its_mcp_remote_state() {
    // Issue 13 §1: not "no OAuth for this transport", but what mcp-remote will do on start with
    // the state in the version folder its release reads.
    let home = Home::fixture("mcp-remote-leftovers");
    let (doc, _) = home.check_json();
    assert_eq!(
        verdicts(&doc),
        [
            // Expired, no refresh token: the next start opens the browser.
            triple("expired", "signs-in-on-start", "expired"),
            // A client registration and no tokens.
            triple("pending", "signs-in-on-start", "none"),
            // A tokens file mcp-remote cannot use counts as none.
            triple("broken", "signs-in-on-start", "none"),
            // Pinned to 0.1.49, whose own folder holds usable tokens.
            triple("legacy", "ok", "valid"),
        ],
        "{doc:#}"
    );
    let legacy = &doc["servers"][3];
    assert!(
        legacy["explanation"]
            .as_str()
            .unwrap()
            .contains("mcp-remote-0.1.49 holds usable tokens"),
        "{legacy:#}"
    );
    assert!(
        legacy["next_step"]
            .as_str()
            .unwrap()
            .contains("probe legacy --token"),
        "{legacy:#}"
    );
    // The findings about one server's file are filed under that server.
    let owner = |code: &str| common::findings_with(&doc, code)[0]["server"].clone();
    assert_eq!(owner("mcp-remote-unusable-file"), "broken");
    assert_eq!(owner("mcp-remote-dead-lock"), "legacy");
    assert_eq!(owner("mcp-remote-orphaned-state"), Value::Null);
    // The human outputs use the same word, and no row contradicts the findings any more.
    let (status, _, _) = home.run(&["status"]);
    assert!(status.contains("signs-in-on-start"), "{status}");
    assert!(!status.contains("not-applicable"), "{status}");
    let (check, _, _) = home.run(&["check"]);
    assert!(!check.contains("not-oauth"), "{check}");

    let home = Home::fixture("mcp-remote-upgrade");
    let (doc, _) = home.check_json();
    assert_eq!(verdicts(&doc), [triple("mock", "ok", "valid")], "{doc:#}");
}
