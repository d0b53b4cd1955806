//! The platform as a value: which OS's rules apply ([`target_os`]), and Claude Code's
//! per-platform rules as pure functions of it, so the Windows ones are tested on Linux with
//! Windows inputs (issue 11). Nothing here reads the disk.

use std::path::{Path, PathBuf};

/// The OS whose rules apply, as `std::env::consts::OS` names it: this one, or in debug builds
/// (tests) the value of `MCP_AUTH_DOCTOR_TEST_OS`, so the macOS and Windows rules are tested on
/// Linux (the Keychain with the fake `security`, the Windows home, project keys and write path).
/// Every platform rule is a pure function of this value, never a `cfg!`.
pub fn target_os() -> String {
    #[cfg(debug_assertions)]
    if let Ok(os) = std::env::var("MCP_AUTH_DOCTOR_TEST_OS") {
        return os;
    }
    std::env::consts::OS.into()
}

/// The variable Node's `os.homedir()` (and so Claude Code) takes the home from on `os`
/// (`std::env::consts::OS` names): `USERPROFILE` on Windows, `HOME` elsewhere. When it is unset
/// or empty, both fall back to the OS's user database (Rust's `std::env::home_dir` does the same
/// since 1.85, which [`super::Environment::from_process`] uses).
pub fn home_variable(os: &str) -> &'static str {
    if os == "windows" {
        "USERPROFILE"
    } else {
        "HOME"
    }
}

/// The home on `os` from its variable, as Node reads it: an empty value counts as unset
/// (`None`: ask the user database).
pub fn home_from_variable(os: &str, var: impl Fn(&str) -> Option<String>) -> Option<PathBuf> {
    var(home_variable(os))
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
}

/// A project folder as Claude Code keys it in `.claude.json` `projects`: on Windows every `\`
/// becomes `/` (state-formats §1.6), so `C:\Users\a\p` is keyed `C:/Users/a/p` and the UNC
/// path `\\srv\share\p` is keyed `//srv/share/p`; the drive letter keeps its case. Elsewhere
/// the path is the key as it is.
pub fn project_key(os: &str, dir: &str) -> String {
    if os == "windows" {
        dir.replace('\\', "/")
    } else {
        dir.to_string()
    }
}

/// Whether a project key names the folder `dir` on `os`. Windows folders compare without regard
/// to case (NTFS and SMB shares are case-insensitive by default) and with either separator;
/// other systems compare as paths, case-sensitively (a case-sensitive APFS or ext4 folder
/// differs), so only a trailing `/` or a doubled one is forgiven.
pub fn same_project(os: &str, key: &str, dir: &str) -> bool {
    if os == "windows" {
        windows_folder(key) == windows_folder(dir)
    } else {
        unix_same_folder(key, dir, last_name(dir))
    }
}

/// [`same_project`] under Unix rules, given `dir_name` = [`last_name`]`(dir)` (a [`Folder`]
/// works it out once for many keys). Equal paths have equal last components: most of the
/// thousands of project keys compared with one folder are told apart by that, read from the end
/// of the key without taking both paths apart (issue 15).
fn unix_same_folder(key: &str, dir: &str, dir_name: Option<&str>) -> bool {
    if let Some(name) = dir_name
        && last_name_differs(key, name)
    {
        return false;
    }
    Path::new(key) == Path::new(dir)
}

/// The last component of a Unix path when it is a name (`Path::file_name`), by bytes: `None`
/// when it is `.`, `..` or there is none, which the caller then compares in full.
fn last_name(path: &str) -> Option<&str> {
    // By bytes from the end: `str`'s pattern searches cost more than the compare they avoid.
    let bytes = path.as_bytes();
    let end = bytes
        .iter()
        .rposition(|&b| b != b'/')
        .map_or(0, |at| at + 1);
    let start = bytes[..end]
        .iter()
        .rposition(|&b| b == b'/')
        .map_or(0, |at| at + 1);
    let name = &path[start..end];
    (!matches!(name, "" | "." | "..")).then_some(name)
}

/// Whether the folder `dir` is the project `key` or inside it, by the rules of
/// [`same_project`] (a trusted ancestor folder covers its subfolders).
pub fn project_contains(os: &str, key: &str, dir: &str) -> bool {
    if os == "windows" {
        let (key, dir) = (windows_folder(key), windows_folder(dir));
        dir == key
            || dir
                .strip_prefix(&key)
                .is_some_and(|rest| key.ends_with('/') || rest.starts_with('/'))
    } else {
        Path::new(dir).starts_with(Path::new(key))
    }
}

/// One folder compared with many project keys: [`same_project`] and [`project_contains`] with
/// what depends only on the folder worked out once. Thousands of project keys are compared with
/// the folder being checked, twice or three times a run, and taking the folder's last name apart
/// again for each key was ~1.5% of `check` on 5,000 projects (issue 15).
#[derive(Debug, Clone, Copy)]
pub struct Folder<'a> {
    os: &'a str,
    dir: &'a str,
    /// [`last_name`] of `dir` (Unix rules).
    name: Option<&'a str>,
    /// `dir` is a [`plain_absolute`] path (Unix rules).
    plain: bool,
}

impl<'a> Folder<'a> {
    /// The folder `dir` under `os`'s rules.
    pub fn new(os: &'a str, dir: &'a str) -> Self {
        Self {
            os,
            dir,
            name: last_name(dir),
            plain: plain_absolute(dir.as_bytes()),
        }
    }

    /// [`same_project`]`(os, key, dir)`.
    pub fn is_project(&self, key: &str) -> bool {
        if self.os == "windows" {
            return same_project(self.os, key, self.dir);
        }
        unix_same_folder(key, self.dir, self.name)
    }

    /// [`project_contains`]`(os, key, dir)`: the folder is the project `key` or inside it.
    pub fn is_in_project(&self, key: &str) -> bool {
        if self.os == "windows" {
            return project_contains(self.os, key, self.dir);
        }
        if self.plain && plain_absolute(key.as_bytes()) {
            // Plain paths' components are their `/`-separated pieces, so a prefix of
            // components is a prefix of bytes ending where a component does.
            let (dir, key) = (self.dir.as_bytes(), key.as_bytes());
            return key == b"/"
                || dir
                    .strip_prefix(key)
                    .is_some_and(|rest| rest.is_empty() || rest[0] == b'/');
        }
        project_contains(self.os, key, self.dir)
    }
}

/// Whether [`last_name`]`(key)` is a name other than `name` (`false` when it is `name`, or is
/// `None`: the caller then compares in full), without taking `key` apart: its end compared with
/// `name`.
fn last_name_differs(key: &str, name: &str) -> bool {
    let mut k = key.as_bytes();
    while let [rest @ .., b'/'] = k {
        k = rest;
    }
    if let Some(before) = k.len().checked_sub(name.len())
        && k.ends_with(name.as_bytes())
        && (before == 0 || k[before - 1] == b'/')
    {
        return false;
    }
    // The last component is not `name`; `last_name` is `None` when it is empty, `.` or `..`.
    let unnamed =
        k.is_empty() || matches!(k, b"." | b"..") || k.ends_with(b"/.") || k.ends_with(b"/..");
    !unnamed
}

/// Whether `path` is absolute and spelled so that its components (`Path::components`) are its
/// `/`-separated pieces: no empty piece (`//`, a trailing `/`) and no `.` piece. (`..` is a
/// component of its own, compared as written, as a piece is.)
pub fn plain_absolute(path: &[u8]) -> bool {
    if path.first() != Some(&b'/') {
        return false;
    }
    // One pass without a branch per byte: a `//`, a `/./`, and the endings `/` and `/.`.
    let (mut before, mut last) = (0u8, 0u8);
    let mut odd = false;
    for &b in path {
        odd |= (last == b'/') & (b == b'/');
        odd |= (before == b'/') & (last == b'.') & (b == b'/');
        (before, last) = (last, b);
    }
    odd |= (path.len() > 1) & (last == b'/');
    odd |= (before == b'/') & (last == b'.');
    !odd
}

/// A Windows folder in the one form two spellings of it share: `/` separators (the form Claude
/// Code keys projects by), lower case, no trailing `/` except on a root (`c:/`).
fn windows_folder(path: &str) -> String {
    let key = project_key("windows", path).to_lowercase();
    if key.len() > 3 && key.ends_with('/') {
        key[..key.len() - 1].to_string()
    } else {
        key
    }
}

/// Whether `key` is an absolute Windows path in either separator: a drive (`C:/`, `C:\`) or UNC
/// (`//srv/share`, `\\srv\share`). Such a key cannot be checked on Unix.
pub fn is_windows_absolute(key: &str) -> bool {
    let b = key.as_bytes();
    let drive =
        b.len() >= 3 && b[0].is_ascii_alphabetic() && b[1] == b':' && matches!(b[2], b'/' | b'\\');
    let unc = b.len() > 2
        && matches!(b[0], b'/' | b'\\')
        && b[1] == b[0]
        && !matches!(b[2], b'/' | b'\\');
    drive || unc
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unix_project_folders_compare_as_paths_do() {
        let spellings = [
            "", "/", "//", "/a", "/a/", "/a//", "/a/.", "/a/./", "./a", "a", "a/", "/a/b", "/a//b",
            "/a/./b", "/a/b/", "/a/b/.", "/a/b/..", "/a/..", "/b", "/ab", "/a/b/c", "/a/c", "..",
            "/a/b c", "/é/b", ".", "./", "/a/.b", "/a/b.",
        ];
        for key in spellings {
            for dir in spellings {
                assert_eq!(
                    same_project("linux", key, dir),
                    Path::new(key) == Path::new(dir),
                    "{key:?} {dir:?}"
                );
            }
            if let Some(name) = last_name(key) {
                let file_name = Path::new(key).file_name().and_then(|n| n.to_str());
                assert_eq!(Some(name), file_name, "{key:?}");
            }
        }
    }

    /// A [`Folder`] answers as the two-path functions do, for every pair of spellings.
    #[test]
    fn a_folder_compared_with_keys_answers_as_the_path_functions() {
        let spellings = [
            "",
            "/",
            "//",
            "/a",
            "/a/",
            "/a//",
            "/a/.",
            "/a/./",
            "./a",
            "a",
            "a/",
            "/a/b",
            "/a//b",
            "/a/./b",
            "/a/b/",
            "/a/b/.",
            "/a/b/..",
            "/a/..",
            "/b",
            "/ab",
            "/a/b/c",
            "/a/c",
            "..",
            "/a/b c",
            "/é/b",
            ".",
            "./",
            "/a/.b",
            "/a/b.",
            "/a/..b",
            "/..",
            "/a/b/c/",
            "/xa/b",
            "/a/bb",
            "b",
            "/a/b/c/..",
            "/a/.../b",
            "/.a",
        ];
        for os in ["linux", "macos", "windows"] {
            for dir in spellings {
                let folder = Folder::new(os, dir);
                for key in spellings {
                    assert_eq!(
                        folder.is_project(key),
                        same_project(os, key, dir),
                        "{os} {key:?} {dir:?}"
                    );
                    assert_eq!(
                        folder.is_in_project(key),
                        project_contains(os, key, dir),
                        "{os} {key:?} {dir:?}"
                    );
                }
            }
        }
        for plain in [
            "/", "/a", "/a/b", "/a/..", "/a/.b", "/a/b.", "/..", "/a/...",
        ] {
            assert!(plain_absolute(plain.as_bytes()), "{plain}");
        }
        for not in ["", "a", "//", "/a/", "/a//b", "/a/.", "/a/./b", "/.", "./a"] {
            assert!(!plain_absolute(not.as_bytes()), "{not}");
        }
    }

    #[test]
    fn the_home_comes_from_userprofile_on_windows_as_node_reads_it() {
        let vars = |name: &str| match name {
            "USERPROFILE" => Some(r"C:\Users\alice".to_string()),
            "HOME" => Some("/home/alice".to_string()),
            _ => None,
        };
        assert_eq!(
            home_from_variable("windows", vars),
            Some(PathBuf::from(r"C:\Users\alice"))
        );
        assert_eq!(
            home_from_variable("macos", vars),
            Some(PathBuf::from("/home/alice"))
        );
        assert_eq!(
            home_from_variable("linux", vars),
            Some(PathBuf::from("/home/alice"))
        );
        // Unset or empty: the user database decides (None here).
        assert_eq!(home_from_variable("windows", |_| Some(String::new())), None);
        assert_eq!(home_from_variable("windows", |_| None), None);
        assert_eq!(home_variable("linux"), "HOME");
    }

    #[test]
    fn windows_project_keys_use_forward_slashes() {
        assert_eq!(
            project_key("windows", r"C:\Users\alice\proj"),
            "C:/Users/alice/proj"
        );
        assert_eq!(
            project_key("windows", r"\\srv\share\proj"),
            "//srv/share/proj"
        );
        assert_eq!(
            project_key("windows", "C:/Users/alice/proj"),
            "C:/Users/alice/proj"
        );
        // A backslash is an ordinary character in a Unix name.
        assert_eq!(project_key("linux", r"/home/a\b"), r"/home/a\b");
    }

    #[test]
    fn windows_project_lookup_ignores_case_and_separators() {
        assert!(same_project(
            "windows",
            "C:/Users/Alice/Proj",
            r"c:\users\alice\proj"
        ));
        assert!(same_project("windows", "//SRV/Share/p", r"\\srv\share\P"));
        assert!(same_project("windows", "C:/p/", "C:/p"));
        assert!(same_project("windows", "C:/", r"c:\"));
        assert!(!same_project("windows", "C:/p", "D:/p"));
        assert!(!same_project("windows", "C:/p", "C:/pp"));
        assert!(!same_project("linux", "/home/Alice", "/home/alice"));
        assert!(!same_project("macos", "/Users/Alice", "/Users/alice"));
        assert!(same_project("linux", "/home/alice", "/home/alice"));
        assert!(same_project("linux", "/home/alice/", "/home/alice"));
    }

    #[test]
    fn a_windows_project_covers_its_subfolders_whatever_the_spelling() {
        assert!(project_contains(
            "windows",
            "C:/Users/Alice",
            r"c:\users\alice\Proj"
        ));
        assert!(project_contains(
            "windows",
            "C:/Users/Alice",
            "C:/Users/alice"
        ));
        assert!(project_contains("windows", "C:/", r"c:\x"));
        assert!(project_contains("windows", "//SRV/share", r"\\srv\Share\p"));
        assert!(!project_contains(
            "windows",
            "C:/Users/Al",
            "C:/Users/Alice"
        ));
        assert!(!project_contains("windows", "C:/p", "D:/p/q"));
        assert!(project_contains("linux", "/home/u", "/home/u/app"));
        assert!(!project_contains("linux", "/home/U", "/home/u/app"));
        assert!(!project_contains("linux", "/home/u", "/home/uu"));
    }

    #[test]
    fn windows_absolute_paths_are_told_apart() {
        for key in [
            r"C:\Users\a",
            "C:/Users/a",
            "//srv/share",
            r"\\srv\share",
            "d:/",
        ] {
            assert!(is_windows_absolute(key), "{key}");
        }
        for key in ["/home/a", "relative", "C:", "C:relative", "///x", "/"] {
            assert!(!is_windows_absolute(key), "{key}");
        }
    }
}
