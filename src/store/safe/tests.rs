//! Unit tests of the untrusted-home file access.

use super::*;
use std::ffi::OsStr;

#[test]
fn a_fifo_is_refused_without_blocking() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("f");
    rustix::fs::mkfifoat(
        rustix::fs::CWD,
        &fifo,
        rustix::fs::Mode::from_raw_mode(0o600),
    )
    .unwrap();
    let e = read_regular(&fifo, 10).unwrap_err();
    assert!(e.to_string().contains("named pipe"), "{e}");
}

#[test]
fn a_device_is_refused_and_a_large_file_is_capped() {
    let e = read_regular(Path::new("/dev/zero"), 10).unwrap_err();
    assert!(e.to_string().contains("device"), "{e}");
    let dir = tempfile::tempdir().unwrap();
    let big = dir.path().join("big");
    std::fs::write(&big, [b' '; 11]).unwrap();
    let e = read_regular(&big, 10).unwrap_err();
    assert!(e.to_string().contains("11 bytes"), "{e}");
    assert_eq!(read_regular(&big, 11).unwrap().len(), 11);
}

#[test]
fn a_final_symlink_is_not_followed() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("real"), "x").unwrap();
    std::os::unix::fs::symlink("real", dir.path().join("link")).unwrap();
    let e = read_regular(&dir.path().join("link"), 10).unwrap_err();
    assert!(e.to_string().contains("symbolic link"), "{e}");
    let h = DirHandle::open(dir.path()).unwrap();
    assert!(h.child_dir("link", false, 0).is_err());
}

#[test]
fn remove_tree_never_enters_a_link() {
    let dir = tempfile::tempdir().unwrap();
    let victim = tempfile::tempdir().unwrap();
    std::fs::create_dir(victim.path().join("keep")).unwrap();
    std::fs::create_dir_all(dir.path().join("t/sub")).unwrap();
    std::fs::write(dir.path().join("t/sub/f"), "x").unwrap();
    std::os::unix::fs::symlink(victim.path(), dir.path().join("t/link")).unwrap();
    let h = DirHandle::open(dir.path()).unwrap();
    h.remove_tree(OsStr::new("t")).unwrap();
    assert!(!dir.path().join("t").exists());
    assert!(victim.path().join("keep").is_dir());
}
