//! mcp-remote state (issue 13): the base dir, Claude Desktop's config, the checks on homes whose
//! `~/.mcp-auth` real mcp-remote releases wrote, and the loader's trust rules.

use std::fs;
use std::path::Path;

use serde_json::Value;

use crate::common::{self, Home};

fn findings<'a>(doc: &'a Value, code: &str) -> Vec<&'a Value> {
    doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] == code)
        .collect()
}

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
    let stranded = findings(&doc, "mcp-remote-stranded-tokens");
    assert_eq!(stranded.len(), 1, "{doc:#}");
    let f = stranded[0];
    assert_eq!(f["evidence"]["desktop_server"], "tenant");
    assert_eq!(f["evidence"]["client"], "desktop");
    assert_eq!(f["evidence"]["folder_in_use"], "mcp-remote-v1");
    assert_eq!(f["evidence"]["folders_with_tokens"][0], "mcp-remote-0.1.49");
    // The removal it suggests names exactly tenant's files in the old folder (hash observed in
    // docs/mcp-remote.md §3.1), none of the other two servers'.
    let message = f["message"].as_str().unwrap();
    let prefix = "6b97b5e8";
    assert!(
        message.contains(&format!("rm ~/.mcp-auth/mcp-remote-0.1.49/{prefix}*")),
        "{message}"
    );
    let old = home.path.join(".mcp-auth/mcp-remote-0.1.49");
    assert_eq!(
        glob(&old, prefix),
        [
            "6b97b5e844eec72e9f466e794181930f_client_info.json",
            "6b97b5e844eec72e9f466e794181930f_code_verifier_26086.txt",
            "6b97b5e844eec72e9f466e794181930f_tokens.json",
        ]
    );
}

#[test]
fn mcp_remote_config_dir_replaces_the_home_folder() {
    let home = Home::fixture("mcp-remote-leftovers");
    let elsewhere = home.path.join("state/mcp");
    fs::create_dir_all(elsewhere.parent().unwrap()).unwrap();
    fs::rename(home.path.join(".mcp-auth"), &elsewhere).unwrap();
    let (moved, _) = home.check_json();
    assert!(
        findings(&moved, "mcp-remote-expired-token").is_empty(),
        "nothing at ~/.mcp-auth any more"
    );
    let out = home
        .cmd(&["check", "--format", "json"])
        .env("MCP_REMOTE_CONFIG_DIR", &elsewhere)
        .output()
        .unwrap();
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(findings(&doc, "mcp-remote-expired-token").len(), 1);
    assert_eq!(findings(&doc, "mcp-remote-orphaned-state").len(), 1);
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
    let unusable = findings(&doc, "mcp-remote-unusable-file");
    assert!(
        unusable
            .iter()
            .any(|f| f["message"].as_str().unwrap().contains("symbolic link")),
        "{unusable:#?}"
    );
    // Orphans are not doubled by the linked folder.
    assert_eq!(findings(&doc, "mcp-remote-orphaned-state").len(), 1);
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
