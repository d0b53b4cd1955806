//! Every command we print for the user to run next (`fix --dry-run`, `restore ID`, `login NAME`,
//! the `next:` lines) must work when pasted into the same shell: it has to look at the same
//! files this run looked at. This inserts the location flags of this run (`--home`,
//! `--config-dir`, `--project`, `--managed-dir`) after `mcp-auth-doctor` wherever a subcommand
//! follows it, quoted for a POSIX shell.

use crate::checks::shell_quote;
use crate::paths::Overrides;

/// The subcommands whose mentions get the flags.
const SUBCOMMANDS: &[&str] = &[
    "check", "status", "paths", "report", "probe", "fix", "forget", "login", "backups", "restore",
];

const PROGRAM: &str = "mcp-auth-doctor";

/// The location flags of this run, each followed by a space (empty when none was given).
pub fn flags(overrides: &Overrides) -> String {
    let mut out = String::new();
    for (flag, value) in [
        ("--home", &overrides.home),
        ("--config-dir", &overrides.config_dir),
        ("--project", &overrides.project),
        ("--managed-dir", &overrides.managed_dir),
    ] {
        if let Some(path) = value {
            out.push_str(flag);
            out.push(' ');
            out.push_str(&shell_quote(&path.to_string_lossy()));
            out.push(' ');
        }
    }
    out
}

/// `text` with this run's location flags in every `mcp-auth-doctor SUBCOMMAND` it mentions.
pub fn pasteable(text: &str, overrides: &Overrides) -> String {
    let flags = flags(overrides);
    if flags.is_empty() || !text.contains(PROGRAM) {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len() + flags.len() * 4);
    let mut rest = text;
    while let Some(at) = rest.find(PROGRAM) {
        let after = &rest[at + PROGRAM.len()..];
        // The subcommand may follow on the next line when the text was wrapped.
        let gap = after.len() - after.trim_start_matches([' ', '\n']).len();
        let (space, after) = after.split_at(gap);
        out.push_str(&rest[..at + PROGRAM.len()]);
        out.push_str(space);
        let word: &str = after
            .split(|c: char| !c.is_ascii_alphanumeric() && c != '-')
            .next()
            .unwrap_or("");
        if gap > 0 && SUBCOMMANDS.contains(&word) {
            out.push_str(&flags);
        }
        rest = after;
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn overrides(home: &str) -> Overrides {
        Overrides {
            home: Some(PathBuf::from(home)),
            project: Some(PathBuf::from("/w/app")),
            ..Overrides::default()
        }
    }

    #[test]
    fn inserts_the_flags_before_every_subcommand_and_quotes_them() {
        let o = overrides("/tmp/my home");
        assert_eq!(
            pasteable(
                "run `mcp-auth-doctor fix --dry-run`; undo: mcp-auth-doctor restore 1\n",
                &o
            ),
            "run `mcp-auth-doctor --home '/tmp/my home' --project /w/app fix --dry-run`; undo: \
             mcp-auth-doctor --home '/tmp/my home' --project /w/app restore 1\n"
        );
    }

    #[test]
    fn finds_a_subcommand_wrapped_onto_the_next_line() {
        assert_eq!(
            pasteable(
                "then `mcp-auth-doctor\n      fix` once more",
                &overrides("/h")
            ),
            "then `mcp-auth-doctor\n      --home /h --project /w/app fix` once more"
        );
    }

    #[test]
    fn leaves_everything_else_alone() {
        let o = overrides("/h");
        for text in [
            "mcp-auth-doctor: error: nothing",
            "mcp-auth-doctor --list-checks",
            "no program here",
            "ends with mcp-auth-doctor ",
            "mcp-auth-doctorfix",
        ] {
            assert_eq!(pasteable(text, &o), text);
        }
        assert_eq!(
            pasteable("mcp-auth-doctor fix", &Overrides::default()),
            "mcp-auth-doctor fix"
        );
    }
}
