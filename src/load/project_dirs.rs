//! Which `projects` keys of `~/.claude.json` are folders on this machine, without a `stat` per
//! key: a large history names thousands of projects, most of them gone, and each `statx` of a
//! missing path cost about 2 µs of system time (5,000 of them were a tenth of `check`'s system
//! time on the 200 MB bench home).
//!
//! Keys that share a parent folder are answered from one listing of that folder; the answer is
//! the one `Path::is_dir` gives (it follows symlinks, and anything it cannot look up is not a
//! folder):
//! - a name the listing has as a directory is a folder, once one `stat` of such a name proved the
//!   parent searchable (a folder we may list but not search makes `stat` fail: not a folder);
//! - a symlink, or an entry whose type the file system does not say, is `stat`ed as before;
//! - a name that is not listed, or is listed as anything else, is not a folder.
//!
//! Parents with few keys, keys that end in `..`, and parents we cannot list are `stat`ed key by
//! key, as before.

use std::collections::HashMap;
use std::ffi::{OsStr, OsString};
use std::fs;
use std::path::Path;

/// Below this many keys under one parent, a `stat` per key is cheaper than a listing.
const LIST_FROM: usize = 8;
/// A listing is given up (and the keys `stat`ed) past this many entries per key it answers: a
/// huge folder holding a few projects is cheaper to `stat` into.
const ENTRIES_PER_KEY: usize = 64;

/// Folder answers by path. Hashed by foldhash, not SipHash: 5,000 project paths made SipHash
/// ~1% of `check` on a 200 MB home. The paths come from the user's own `.claude.json`, so a
/// crafted collision could only slow this user's own run (the reasoning of
/// [`crate::model::inventory::LiveKeys`]).
pub type DirMap = HashMap<String, bool, foldhash::fast::RandomState>;

/// A folder's entries by name, from its listing. foldhash, as [`DirMap`]: the names are the
/// user's own folder's (5,000 of them SipHashed on the 200 MB bench home).
type Entries = HashMap<OsString, Listed, foldhash::fast::RandomState>;

/// A parent folder and the (file name, key) of the keys under it, in order.
type Group<'a> = (&'a Path, Vec<(&'a OsStr, &'a str)>);

/// Whether each of `paths` (absolute) is a folder, as `Path::new(p).is_dir()` says.
pub fn which_are_dirs<'a>(paths: impl IntoIterator<Item = &'a str>) -> DirMap {
    let paths = paths.into_iter();
    // Room for every key at once (the upper bound: the caller filters the projects' keys).
    let (low, high) = paths.size_hint();
    let mut out = DirMap::with_capacity_and_hasher(high.unwrap_or(low), Default::default());
    // Parent -> its group. Keyed by the parent's bytes, not `&Path`: hashing a `Path` walks its
    // components (~0.5% of `check` on 5,000 projects). Two spellings of one folder ("/a//b",
    // "/a/b") then make two groups, each answered alike.
    let mut groups: HashMap<&OsStr, Group<'a>, foldhash::fast::RandomState> = HashMap::default();
    for p in paths {
        match parent_and_name(p) {
            Some((parent, name)) => {
                groups
                    .entry(parent.as_os_str())
                    .or_insert_with(|| (parent, Vec::new()))
                    .1
                    .push((name, p));
            }
            None => {
                out.insert(p.to_string(), Path::new(p).is_dir());
            }
        }
    }
    // Each key answered and stored once (a key given twice is answered twice, alike).
    for (parent, keys) in groups.into_values() {
        let listed = if keys.len() >= LIST_FROM {
            list(parent, keys.len() * ENTRIES_PER_KEY)
        } else {
            Listing::Unknown
        };
        let is_dir = |key: &str| Path::new(key).is_dir();
        let answers = match listed {
            Listing::Entries(entries) => answer_from(&entries, &keys, is_dir),
            Listing::Missing => Some(vec![false; keys.len()]),
            Listing::Unknown => None,
        };
        match answers {
            Some(answers) => {
                for ((_, key), is_dir) in keys.iter().zip(answers) {
                    out.insert(key.to_string(), is_dir);
                }
            }
            None => {
                for (_, key) in keys {
                    out.insert(key.to_string(), Path::new(key).is_dir());
                }
            }
        }
    }
    out
}

/// `Path::parent` and `Path::file_name` of `p`, when both are there and the name is not `..`
/// (such a key is `stat`ed on its own). A plain absolute path (`paths::plain_absolute`) is split
/// at its last `/` by bytes, which is what `Path` gives for it on Unix without walking its
/// components (~1% of `check` on 5,000 projects).
fn parent_and_name(p: &str) -> Option<(&Path, &OsStr)> {
    if p.ends_with("..") {
        return None;
    }
    #[cfg(unix)]
    if crate::paths::plain_absolute(p.as_bytes()) {
        let slash = p.rfind('/')?;
        let name = &p[slash + 1..];
        let parent = if slash == 0 { "/" } else { &p[..slash] };
        return (!name.is_empty()).then(|| (Path::new(parent), OsStr::new(name)));
    }
    let path = Path::new(p);
    Some((path.parent()?, path.file_name()?))
}

/// What a listing said about one name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Listed {
    Dir,
    /// A symlink, or a type the file system did not give: ask `stat`.
    Ask,
    Other,
}

/// What listing a parent folder said.
enum Listing {
    /// Its entries by name.
    Entries(Entries),
    /// The folder is not there, or is not a folder (`ENOENT`, `ENOTDIR`): then no path through
    /// it resolves, so nothing under it is a folder, as a `stat` of each key would say with the
    /// same error. A history that names thousands of projects under a folder since removed
    /// (or a home moved elsewhere) was a failing `statx` per key.
    Missing,
    /// It could not be listed (no permission, more than `max` entries...): `stat` each key.
    Unknown,
}

/// The entries of `dir` by name ([`Listing`]), up to `max` of them.
fn list(dir: &Path, max: usize) -> Listing {
    let read = match fs::read_dir(dir) {
        Ok(read) => read,
        Err(e) if is_missing(&e) => return Listing::Missing,
        Err(_) => return Listing::Unknown,
    };
    let mut entries = Entries::default();
    for entry in read {
        let Ok(entry) = entry else {
            return Listing::Unknown;
        };
        if entries.len() >= max {
            return Listing::Unknown;
        }
        // `file_type` comes from the listing (d_type) where the file system gives it.
        let kind = match entry.file_type() {
            Ok(t) if t.is_dir() => Listed::Dir,
            Ok(t) if t.is_symlink() => Listed::Ask,
            Ok(_) => Listed::Other,
            Err(_) => Listed::Ask,
        };
        entries.insert(entry.file_name(), kind);
    }
    Listing::Entries(entries)
}

/// Whether opening a folder failed because it (or a folder on its way) is not there or is not
/// a folder.
fn is_missing(e: &std::io::Error) -> bool {
    matches!(
        e.kind(),
        std::io::ErrorKind::NotFound | std::io::ErrorKind::NotADirectory
    )
}

/// The answers for `keys` from their parent's listing, asking `is_dir` (`Path::is_dir`) where
/// the listing cannot say, or `None` when the listing cannot be trusted (its first listed folder
/// does not `stat` as one: the parent is not searchable, or it changed under us).
fn answer_from(
    entries: &Entries,
    keys: &[(&OsStr, &str)],
    is_dir: impl Fn(&str) -> bool,
) -> Option<Vec<bool>> {
    let mut searchable = None;
    keys.iter()
        .map(|&(name, key)| match entries.get(name) {
            Some(Listed::Dir) => {
                let ok = *searchable.get_or_insert_with(|| is_dir(key));
                ok.then_some(true)
            }
            Some(Listed::Ask) => Some(is_dir(key)),
            Some(Listed::Other) | None => Some(false),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every kind of key, answered by the listing and by `is_dir` alike.
    #[test]
    fn answers_as_is_dir_does() {
        let tmp = tempfile::tempdir().unwrap();
        let base = tmp.path();
        let code = base.join("code");
        fs::create_dir(&code).unwrap();
        let mut keys = Vec::new();
        for i in 0..40 {
            let name = format!("p{i:02}");
            let path = code.join(&name);
            match i % 5 {
                0 => fs::create_dir(&path).unwrap(),
                1 => fs::write(&path, b"").unwrap(),
                2 => {} // missing
                #[cfg(unix)]
                3 => std::os::unix::fs::symlink(base, &path).unwrap(),
                #[cfg(unix)]
                _ => std::os::unix::fs::symlink(base.join("nowhere"), &path).unwrap(),
                #[cfg(not(unix))]
                _ => {}
            }
            keys.push(path.display().to_string());
        }
        let code_s = code.display().to_string();
        keys.extend([
            format!("{code_s}/p00/"),
            format!("{code_s}/p01/"),
            format!("{code_s}/p00/.."),
            format!("{code_s}/./p05"),
            format!("{code_s}//p10"),
            format!("{code_s}/missing/p00"),
            "/".to_string(),
            code_s.clone(),
        ]);
        // The same folders under a second spelling of their parent: a group (and listing) of its own.
        let doubled: Vec<String> = (0..40).map(|i| format!("{code_s}//p{i:02}")).collect();
        keys.extend(doubled);
        // A few keys under a parent of their own (stat'ed one by one), and a repeated key.
        keys.push(base.display().to_string());
        keys.push(keys[0].clone());
        let got = which_are_dirs(keys.iter().map(String::as_str));
        for k in &keys {
            assert_eq!(got[k], Path::new(k).is_dir(), "{k}");
        }
        assert!(got[&keys[0]] && !got[&keys[1]] && !got[&keys[2]]);
    }

    /// A folder we may list but not search (`stat` of anything under it fails), or one that
    /// changed after the listing: the first listed folder that does not `stat` as a folder makes
    /// the whole listing untrusted; symlinks are always asked.
    #[test]
    fn a_listing_is_trusted_only_once_a_listed_folder_stats_as_one() {
        let entries: Entries = [
            ("a", Listed::Dir),
            ("b", Listed::Dir),
            ("l", Listed::Ask),
            ("f", Listed::Other),
        ]
        .into_iter()
        .map(|(n, k)| (OsString::from(n), k))
        .collect();
        let keys: Vec<(&std::ffi::OsStr, &str)> = ["f", "l", "a", "b", "gone"]
            .iter()
            .map(|k| (std::ffi::OsStr::new(k), *k))
            .collect();
        let asked = std::cell::RefCell::new(Vec::new());
        let stat = |answer: bool| {
            let asked = &asked;
            move |k: &str| {
                asked.borrow_mut().push(k.to_string());
                answer
            }
        };
        assert_eq!(
            answer_from(&entries, &keys, stat(true)),
            Some(vec![false, true, true, true, false])
        );
        // One stat for the symlink, one for the first folder; none for the rest.
        assert_eq!(*asked.borrow(), ["l", "a"]);
        assert_eq!(answer_from(&entries, &keys, stat(false)), None);
    }

    /// Keys under a parent that is not there, is a file, or is a dangling symlink: one failed
    /// listing answers them all, as `is_dir` would; a parent reached through a symlink to a
    /// folder is listed as that folder.
    #[test]
    fn keys_under_a_missing_parent_are_answered_by_one_failed_listing() {
        let tmp = tempfile::tempdir().unwrap();
        let base = tmp.path();
        fs::create_dir(base.join("real")).unwrap();
        fs::write(base.join("file"), b"").unwrap();
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(base.join("nowhere"), base.join("dangling")).unwrap();
            std::os::unix::fs::symlink(base.join("real"), base.join("linked")).unwrap();
        }
        for i in 0..LIST_FROM {
            fs::create_dir(base.join("real").join(format!("p{i}"))).unwrap();
        }
        for parent in ["gone", "gone/deeper", "file", "dangling"] {
            assert!(
                matches!(list(&base.join(parent), 100), Listing::Missing),
                "{parent}"
            );
        }
        assert!(matches!(list(&base.join("real"), 100), Listing::Entries(_)));
        let mut keys = Vec::new();
        for parent in ["gone", "gone/deeper", "file", "dangling", "real", "linked"] {
            for i in 0..LIST_FROM + 1 {
                keys.push(
                    base.join(parent)
                        .join(format!("p{i}"))
                        .display()
                        .to_string(),
                );
            }
        }
        let got = which_are_dirs(keys.iter().map(String::as_str));
        for k in &keys {
            assert_eq!(got[k], Path::new(k).is_dir(), "{k}");
        }
        let dirs = keys.iter().filter(|k| got[*k]).count();
        assert_eq!(dirs, if cfg!(unix) { 2 * LIST_FROM } else { LIST_FROM });
    }

    /// The split by bytes is `Path`'s split, for every kind of spelling.
    #[test]
    fn parent_and_name_are_what_path_says() {
        for p in [
            "/",
            "/a",
            "/a/b",
            "/a/b/",
            "/a//b",
            "/a/./b",
            "/a/.",
            "/a/..",
            "/a/b..",
            "/a/.b",
            "/..",
            "a/b",
            "a",
            "",
            "//a",
            "/a/b c/é",
            "/a/...",
        ] {
            let path = Path::new(p);
            let want = (!p.ends_with(".."))
                .then(|| path.parent().zip(path.file_name()))
                .flatten();
            assert_eq!(parent_and_name(p), want, "{p:?}");
        }
    }

    #[test]
    fn a_huge_listing_is_given_up_for_stats() {
        let tmp = tempfile::tempdir().unwrap();
        for i in 0..(LIST_FROM * ENTRIES_PER_KEY + 5) {
            fs::write(tmp.path().join(format!("f{i}")), b"").unwrap();
        }
        assert!(matches!(
            list(tmp.path(), LIST_FROM * ENTRIES_PER_KEY),
            Listing::Unknown
        ));
        assert!(matches!(list(tmp.path(), usize::MAX), Listing::Entries(_)));
    }
}
