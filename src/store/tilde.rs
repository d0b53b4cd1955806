//! Stray literal-`~` stores: a `CLAUDE_CONFIG_DIR=~/x` set where no shell expands it (a launchd
//! plist, an IDE setting, a systemd unit, a `.env` file) makes Claude Code create its whole store
//! as `./~/x/` in the folder it was started in (#78988, #37570). This finds such trees: a
//! directory literally named `~` directly under a root (the home, the folder checked), holding a
//! `.claude.json` or `.credentials.json` somewhere in its first levels.
//!
//! Names only: nothing under the tree is opened or followed (a symlink is never entered), and
//! the walk is bounded in depth and entries, so a planted huge or looping tree costs nothing.

use std::path::{Path, PathBuf};

use crate::layout;

/// How deep under `~` a store is looked for: `~/.claude.json` (1), `~/.claude-work/.claude.json`
/// (2), `~/.config/claude/.credentials.json` (3).
const MAX_DEPTH: usize = 3;
/// Directory entries looked at per tree, at most.
const MAX_ENTRIES: usize = 2_000;

/// One folder under a literal `~` that holds Claude Code state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StrayStore {
    /// The folder holding the files (`<root>/~/.claude-work`).
    pub dir: PathBuf,
    /// Which of `.claude.json` and `.credentials.json` it holds.
    pub files: Vec<&'static str>,
}

/// The stray stores under each of `roots` (deduplicated, in order).
pub fn stray_stores(roots: &[&Path]) -> Vec<StrayStore> {
    let mut out: Vec<StrayStore> = Vec::new();
    let mut seen_roots: Vec<&Path> = Vec::new();
    for root in roots {
        if seen_roots.contains(root) {
            continue;
        }
        seen_roots.push(root);
        let tree = root.join("~");
        if !is_real_dir(&tree) {
            continue;
        }
        let mut budget = MAX_ENTRIES;
        walk(&tree, 1, &mut budget, &mut out);
    }
    out
}

fn is_real_dir(path: &Path) -> bool {
    std::fs::symlink_metadata(path).is_ok_and(|m| m.is_dir())
}

fn walk(dir: &Path, depth: usize, budget: &mut usize, out: &mut Vec<StrayStore>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut files = Vec::new();
    let mut subdirs = Vec::new();
    for entry in entries.filter_map(Result::ok) {
        if *budget == 0 {
            break;
        }
        *budget -= 1;
        let name = entry.file_name();
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        for state in [layout::GLOBAL_CONFIG, layout::CREDENTIALS] {
            if name == state && !kind.is_dir() {
                files.push(state);
            }
        }
        if kind.is_dir() && depth < MAX_DEPTH {
            subdirs.push(entry.path());
        }
    }
    if !files.is_empty() {
        files.sort_unstable();
        out.push(StrayStore {
            dir: dir.to_path_buf(),
            files,
        });
    }
    subdirs.sort();
    for sub in subdirs {
        walk(&sub, depth + 1, budget, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_state_under_a_literal_tilde_and_nothing_else() {
        let root = tempfile::tempdir().unwrap();
        let r = root.path();
        std::fs::create_dir_all(r.join("~/.claude-work")).unwrap();
        std::fs::write(r.join("~/.claude-work/.claude.json"), "{}").unwrap();
        std::fs::write(r.join("~/.claude-work/.credentials.json"), "{}").unwrap();
        std::fs::create_dir_all(r.join("~/empty/deeper/deepest")).unwrap();
        std::fs::write(r.join("~/empty/deeper/deepest/.claude.json"), "{}").unwrap();
        // Not a literal `~`: an ordinary home layout.
        std::fs::create_dir_all(r.join(".claude")).unwrap();
        std::fs::write(r.join(".claude/.credentials.json"), "{}").unwrap();
        let found = stray_stores(&[r, r]);
        assert_eq!(
            found,
            vec![StrayStore {
                dir: r.join("~/.claude-work"),
                files: vec![".claude.json", ".credentials.json"],
            }],
            "depth 4 is not looked at; the root is listed once"
        );
        assert!(stray_stores(&[&r.join(".claude")]).is_empty());
    }

    #[cfg(unix)]
    #[test]
    fn a_symlinked_tilde_is_not_entered() {
        let root = tempfile::tempdir().unwrap();
        let elsewhere = tempfile::tempdir().unwrap();
        std::fs::write(elsewhere.path().join(".claude.json"), "{}").unwrap();
        std::os::unix::fs::symlink(elsewhere.path(), root.path().join("~")).unwrap();
        assert!(stray_stores(&[root.path()]).is_empty());
    }
}
