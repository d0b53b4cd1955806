//! What the words say: advice the user can follow as printed (issue 12 defects 9, 11, 16).

mod common;

use common::Home;

/// The stale-lock advice says `rmdir` the lock directory: its name, made of a key, must be shown
/// whole, in every format and command that prints it.
#[test]
fn a_stale_lock_names_the_directory_to_remove() {
    let home = Home::fixture("stale-lock");
    let lock = "mcp-refresh-linear_638130d5ab3558f4.lock.lock";
    for args in [
        &["check"][..],
        &["check", "--format", "json"],
        &["report"],
        &["report", "--format", "json"],
    ] {
        let (out, _, _) = home.run(args);
        assert!(out.contains(lock), "{args:?}: {lock} not shown:\n{out}");
        assert!(
            !out.contains("[redacted"),
            "{args:?}: something redacted:\n{out}"
        );
    }
}
