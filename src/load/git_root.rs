//! The folder Claude Code files a folder's local-scope servers under (state-formats.md §5.1, the
//! `projects` key): the git root at or above it, and for a linked worktree the root of its main
//! repository. Claude Code's `findCanonicalGitRoot` (2.1.100 and 2.1.332, the same steps; 2.1.332
//! adds the caps and refusals below): read the worktree's `.git` file (`gitdir: <admin dir>`),
//! the admin dir's `commondir` (the main `.git`, usually `../..`), check that the admin dir is
//! `<common>/worktrees/<name>` and that its `gitdir` file points back at this worktree's `.git`,
//! then take the folder holding the common dir (or the common dir itself for a bare repository).
//! Any step that fails leaves the worktree as its own root, as the client does. Real client, both
//! releases: `claude mcp add -s local` run inside a worktree writes under the main repo's key.
//!
//! Everything here is read only to name a project key; nothing it names is ever written. The
//! `.git` file may point anywhere, so every file is read as state files are (`store::safe`: no
//! final symlink, no FIFO or device, at most [`GIT_FILE_CAP`] bytes, as root on someone else's
//! home only their files).

use std::path::{Component, Path, PathBuf};

use crate::paths;
use crate::store::safe::{self, Trust};

/// The most of a `.git`, `commondir` or `gitdir` file read (2.1.332 reads no more either).
pub const GIT_FILE_CAP: u64 = 64 << 10;

/// The git root at or above `dir` as Claude Code finds it (`findGitRoot`): the nearest folder
/// whose `.git` is a directory or a file (a repository or a linked worktree / submodule).
pub fn find(dir: &Path) -> Option<PathBuf> {
    paths::dir_and_ancestors(dir)
        .into_iter()
        .find(|d| std::fs::metadata(d.join(".git")).is_ok_and(|m| m.is_dir() || m.is_file()))
}

/// The project key Claude Code uses for the git root `root`: the main repository's root when
/// `root` is a linked worktree, else `root` itself.
pub fn canonical(root: &Path, trust: &Trust) -> PathBuf {
    main_repository(root, trust).unwrap_or_else(|| root.to_path_buf())
}

/// The main repository of the worktree at `root`, if `root` is a worktree that checks out.
fn main_repository(root: &Path, trust: &Trust) -> Option<PathBuf> {
    let dot_git = read_text(&root.join(".git"), trust)?;
    let admin = resolve(root, dot_git.trim().strip_prefix("gitdir:")?.trim());
    let commondir = read_text(&admin.join("commondir"), trust)?;
    let common = resolve(&admin, commondir.trim());
    if resolve(admin.parent()?, "") != common.join("worktrees") {
        return None;
    }
    let back = read_text(&admin.join("gitdir"), trust)?;
    let back = std::fs::canonicalize(back.trim()).ok()?;
    if back != std::fs::canonicalize(root).ok()?.join(".git") {
        return None;
    }
    if common.file_name()? != ".git" {
        // A bare repository is its own root, unless it has a `.git` of its own (2.1.332).
        return (!common.join(".git").exists()).then_some(common);
    }
    common.parent().map(Path::to_path_buf)
}

/// A small git file's text: `None` when it is missing, not a regular file, a symlink, over the
/// cap, not UTF-8, not the home owner's (as root on someone else's home), or names a path with
/// `\` or a NUL (refused by 2.1.332 on Unix).
fn read_text(path: &Path, trust: &Trust) -> Option<String> {
    let (file, meta) = safe::open_regular_meta(path, GIT_FILE_CAP).ok()?;
    trust.check_owner(path, owner(&meta), false).ok()?;
    let bytes = safe::read_sized(path, file, meta.len(), GIT_FILE_CAP).ok()?;
    let text = String::from_utf8(bytes).ok()?;
    (!text.contains(['\\', '\0'])).then_some(text)
}

#[cfg(unix)]
fn owner(meta: &std::fs::Metadata) -> Option<(u32, u32)> {
    use std::os::unix::fs::MetadataExt;
    Some((meta.uid(), meta.gid()))
}

#[cfg(not(unix))]
fn owner(_: &std::fs::Metadata) -> Option<(u32, u32)> {
    None
}

/// Node's `path.resolve(base, rel)`: `rel` against `base` unless absolute, `.` and `..` folded
/// lexically (no symlink is followed), no trailing separator.
fn resolve(base: &Path, rel: &str) -> PathBuf {
    let mut out = PathBuf::new();
    for part in base.join(rel).components() {
        match part {
            Component::ParentDir => {
                if out.parent().is_some() {
                    out.pop();
                }
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::fs;

    /// A main repository `main/` with a linked worktree `wt/`, laid out as `git worktree add`
    /// does (absolute `gitdir` paths, `commondir` `../..`).
    fn repo_with_worktree() -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let base = dir.path().canonicalize().unwrap();
        let admin = base.join("main/.git/worktrees/wt");
        fs::create_dir_all(&admin).unwrap();
        fs::create_dir_all(base.join("wt/sub")).unwrap();
        fs::write(admin.join("commondir"), "../..\n").unwrap();
        fs::write(
            admin.join("gitdir"),
            format!("{}\n", base.join("wt/.git").display()),
        )
        .unwrap();
        fs::write(
            base.join("wt/.git"),
            format!("gitdir: {}\n", admin.display()),
        )
        .unwrap();
        (dir, base)
    }

    fn mine() -> Trust {
        Trust::default()
    }

    #[test]
    fn a_worktree_maps_to_its_main_repository() {
        let (_d, base) = repo_with_worktree();
        let root = find(&base.join("wt/sub")).unwrap();
        assert_eq!(root, base.join("wt"));
        assert_eq!(canonical(&root, &mine()), base.join("main"));
    }

    #[test]
    fn a_plain_repository_is_its_own_root() {
        let (_d, base) = repo_with_worktree();
        fs::create_dir_all(base.join("main/src")).unwrap();
        let root = find(&base.join("main/src")).unwrap();
        assert_eq!(root, base.join("main"));
        assert_eq!(canonical(&root, &mine()), base.join("main"));
    }

    #[test]
    fn a_relative_gitdir_resolves_against_the_worktree() {
        let (_d, base) = repo_with_worktree();
        fs::write(base.join("wt/.git"), "gitdir: ../main/.git/worktrees/wt").unwrap();
        assert_eq!(canonical(&base.join("wt"), &mine()), base.join("main"));
    }

    #[test]
    fn a_worktree_the_admin_dir_does_not_point_back_at_stays_its_own_root() {
        let (_d, base) = repo_with_worktree();
        let admin = base.join("main/.git/worktrees/wt");
        fs::write(admin.join("gitdir"), "/elsewhere/.git\n").unwrap();
        assert_eq!(canonical(&base.join("wt"), &mine()), base.join("wt"));
    }

    #[test]
    fn an_admin_dir_outside_the_common_worktrees_folder_stays_its_own_root() {
        let (_d, base) = repo_with_worktree();
        let admin = base.join("main/.git/worktrees/wt");
        fs::write(admin.join("commondir"), "../../..").unwrap();
        assert_eq!(canonical(&base.join("wt"), &mine()), base.join("wt"));
    }

    #[test]
    fn a_bare_common_dir_is_the_root() {
        let dir = tempfile::tempdir().unwrap();
        let base = dir.path().canonicalize().unwrap();
        let admin = base.join("repo.git/worktrees/wt");
        fs::create_dir_all(&admin).unwrap();
        fs::create_dir_all(base.join("wt")).unwrap();
        fs::write(admin.join("commondir"), "../..").unwrap();
        fs::write(
            admin.join("gitdir"),
            base.join("wt/.git").display().to_string(),
        )
        .unwrap();
        fs::write(base.join("wt/.git"), format!("gitdir: {}", admin.display())).unwrap();
        assert_eq!(canonical(&base.join("wt"), &mine()), base.join("repo.git"));
    }

    /// A planted symlink, FIFO or oversized file anywhere on the way is not read: the worktree
    /// stays its own root, and nothing blocks.
    #[test]
    fn planted_links_fifos_and_huge_files_are_not_followed() {
        let (_d, base) = repo_with_worktree();
        let admin = base.join("main/.git/worktrees/wt");
        let wt = base.join("wt");

        let real = base.join("commondir-real");
        fs::write(&real, "../..").unwrap();
        fs::remove_file(admin.join("commondir")).unwrap();
        std::os::unix::fs::symlink(&real, admin.join("commondir")).unwrap();
        assert_eq!(canonical(&wt, &mine()), wt);

        fs::remove_file(admin.join("commondir")).unwrap();
        rustix::fs::mkfifoat(
            rustix::fs::CWD,
            admin.join("commondir"),
            rustix::fs::Mode::from_raw_mode(0o600),
        )
        .unwrap();
        assert_eq!(canonical(&wt, &mine()), wt);

        fs::remove_file(admin.join("commondir")).unwrap();
        let huge = format!("../..{}", " ".repeat(GIT_FILE_CAP as usize));
        fs::write(admin.join("commondir"), huge).unwrap();
        assert_eq!(canonical(&wt, &mine()), wt);
    }

    #[test]
    fn resolve_folds_dots_like_node() {
        assert_eq!(
            resolve(Path::new("/a/b/.git/worktrees/x"), "../.."),
            PathBuf::from("/a/b/.git")
        );
        assert_eq!(
            resolve(Path::new("/a"), "/x/./y/../z"),
            PathBuf::from("/x/z")
        );
        assert_eq!(resolve(Path::new("/"), "../.."), PathBuf::from("/"));
    }
}
