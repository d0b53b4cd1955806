//! The project key of a folder inside a git repository (state-formats.md §5.1): the git root, and
//! for a linked worktree the main repository's root, as Claude Code's `findCanonicalGitRoot`
//! finds it (src/load/git_root.rs). Real client, 2.1.100 and 2.1.332: `claude mcp add -s local`
//! run inside a worktree writes under the main repository's key.
//!
//! `git-worktree` is `user-and-local` (notion in user scope, and in the local scope of
//! `code/app` with another URL, both keys valid) where `code/app` is a repository with a linked
//! worktree `code/app-wt`. Git cannot store a path named `.git`, so the fixture spells it
//! `dot-git` and [`git_home`] renames it in the copy.

use std::fs;
use std::path::Path;

use serde_json::Value;

use crate::common;

use common::Home;

/// The `git-worktree` home with every `dot-git` renamed `.git`.
fn git_home() -> Home {
    let home = Home::fixture("git-worktree");
    rename_dot_git(&home.path);
    home
}

fn rename_dot_git(dir: &Path) {
    for entry in fs::read_dir(dir).unwrap() {
        let entry = entry.unwrap();
        let path = entry.path();
        if entry.file_type().unwrap().is_dir() {
            rename_dot_git(&path);
        }
        if entry.file_name() == "dot-git" {
            fs::rename(&path, path.with_file_name(".git")).unwrap();
        }
    }
}

fn check_from(home: &Home, folder: &str) -> (Value, i32) {
    let dir = home.path.join(folder);
    home.check_json_with(&["--project", dir.to_str().unwrap()])
}

/// (scope, verdict) of every server, in report order.
fn verdicts(doc: &Value) -> Vec<(String, String)> {
    doc["servers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["scopes"][0].as_str().unwrap().to_string(),
                s["verdict"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn pairs(v: &[(&str, &str)]) -> Vec<(String, String)> {
    v.iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

/// What Claude Code does in `code/app` (and so in its worktree): the local notion is in use and
/// shadows the user one; both entries are live.
fn assert_in_the_main_project(doc: &Value, code: i32) {
    assert_eq!(code, 0, "{doc:#}");
    assert_eq!(common::codes(doc), vec!["conflicting-scopes"], "{doc:#}");
    assert_eq!(
        verdicts(doc),
        pairs(&[("user", "shadowed"), ("local:~/code/app", "ok")])
    );
}

#[test]
fn a_worktree_uses_its_main_repositorys_local_servers() {
    let home = git_home();
    let (doc, code) = check_from(&home, "code/app-wt/sub");
    assert_in_the_main_project(&doc, code);
    // Nothing fix would do there touches either notion entry.
    let wt = home.path.join("code/app-wt");
    let (plan, _, _) = home.run(&["fix", "--dry-run", "--project", wt.to_str().unwrap()]);
    assert!(!plan.contains("notion|"), "{plan}");
}

/// The plain repository case is unchanged: a subfolder of `code/app` is filed under `code/app`.
#[test]
fn a_subfolder_of_a_repository_uses_the_repository_root() {
    let home = git_home();
    let (doc, code) = check_from(&home, "code/app/src");
    assert_in_the_main_project(&doc, code);
}

/// A worktree whose admin folder does not point back at it is, as for Claude Code, its own root:
/// there the user notion is in use and nothing is shadowed.
#[test]
fn a_worktree_that_does_not_check_out_is_its_own_root() {
    let home = git_home();
    fs::write(
        home.path.join("code/app/.git/worktrees/app-wt/gitdir"),
        "/somewhere/else/.git\n",
    )
    .unwrap();
    let (doc, _) = check_from(&home, "code/app-wt");
    assert_eq!(
        verdicts(&doc),
        pairs(&[("user", "ok"), ("local:~/code/app", "ok")])
    );
}

/// A `.git` file that is a planted symlink is not read (src/load/git_root.rs): the worktree is
/// its own root, and the run neither blocks nor fails.
#[cfg(unix)]
#[test]
fn a_symlinked_git_file_is_not_followed() {
    let home = git_home();
    let dot_git = home.path.join("code/app-wt/.git");
    let real = home.path.join("code/app-wt-git");
    fs::rename(&dot_git, &real).unwrap();
    std::os::unix::fs::symlink(&real, &dot_git).unwrap();
    let (doc, code) = check_from(&home, "code/app-wt");
    assert_eq!(code, 0, "{doc:#}");
    assert_eq!(
        verdicts(&doc),
        pairs(&[("user", "ok"), ("local:~/code/app", "ok")])
    );
}
