//! Exit status: bits that OR together, the same in every output format (fsck style), and the
//! one error type for "could not run" with the status each kind maps to (as fd's
//! `exit_codes.rs`). Code below the command boundary returns [`Error`] where the caller must tell
//! kinds apart; everything else is an I/O failure, which could not run.

use std::path::PathBuf;

/// Nothing at warning or above.
pub const OK: u8 = 0;
/// `fix` changed something.
pub const FIXED: u8 = 1;
/// The command line was wrong.
pub const USAGE: u8 = 2;
/// Problems (warnings or errors) were found, or remain.
pub const PROBLEMS: u8 = 4;
/// Could not run: an unreadable home, an I/O error, no terminal to ask on.
pub const COULD_NOT_RUN: u8 = 8;
/// Cancelled at a prompt.
pub const CANCELLED: u8 = 32;

/// The EXIT STATUS section of `--help` and the README.
pub const HELP: &str = "\
EXIT STATUS:
  Bits that add up; the same for every --format.
    0   nothing at warning or above
    1   fix changed something
    2   usage error
    4   problems found (warnings or errors), or left after fix
    8   could not run (no home directory, I/O error, no terminal to ask on)
   32   cancelled at a prompt
  Example: fix repaired some things and problems remain: 1 + 4 = 5.";

/// Why a command could not run, where the kind matters: it decides the exit status, the JSON
/// error's `kind`, and whether `fix` plans again.
#[derive(Debug)]
pub enum Error {
    /// The command line was wrong in a way found only after parsing (an unknown code, a format
    /// the command does not take): [`USAGE`].
    Usage(String),
    /// The file changed between planning and writing: `fix` plans again; after its last
    /// attempt, or elsewhere, [`COULD_NOT_RUN`].
    ChangedUnderneath(PathBuf),
    /// What this program planned does not hold: a bug, never the user's input.
    /// [`COULD_NOT_RUN`].
    Internal(String),
}

impl Error {
    /// The exit status it maps to.
    pub fn status(&self) -> u8 {
        match self {
            Error::Usage(_) => USAGE,
            Error::ChangedUnderneath(_) | Error::Internal(_) => COULD_NOT_RUN,
        }
    }

    /// The JSON error document's `kind` (docs/json.md, "Errors").
    pub fn kind(&self) -> &'static str {
        match self {
            Error::Usage(_) => "usage",
            Error::ChangedUnderneath(_) | Error::Internal(_) => "could-not-run",
        }
    }
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Error::Usage(message) => f.write_str(message),
            Error::ChangedUnderneath(path) => {
                write!(f, "{} changed while the plan was made", path.display())
            }
            Error::Internal(message) => write!(f, "internal: {message}"),
        }
    }
}

impl std::error::Error for Error {}

/// The [`Error`] an `anyhow` error that ended a command carries, if any (through its context).
/// The one place the edges look into an `anyhow` chain.
pub fn error_of(e: &anyhow::Error) -> Option<&Error> {
    e.downcast_ref::<Error>()
}

/// The exit status of an error that ended a command: its [`Error`]'s, else could not run.
pub fn status_of(e: &anyhow::Error) -> u8 {
    error_of(e).map_or(COULD_NOT_RUN, Error::status)
}

/// The JSON error document's `kind` for an error that ended a command.
pub fn kind_of(e: &anyhow::Error) -> &'static str {
    error_of(e).map_or("could-not-run", Error::kind)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_kind_maps_to_its_status_through_context() {
        let usage = anyhow::Error::from(Error::Usage("bad".into())).context("fix");
        assert_eq!((status_of(&usage), kind_of(&usage)), (USAGE, "usage"));
        let changed = anyhow::Error::from(Error::ChangedUnderneath("/f".into()));
        assert_eq!(status_of(&changed), COULD_NOT_RUN);
        assert_eq!(changed.to_string(), "/f changed while the plan was made");
        let io = anyhow::anyhow!("cannot read");
        assert_eq!(
            (status_of(&io), kind_of(&io)),
            (COULD_NOT_RUN, "could-not-run")
        );
        assert_eq!(Error::Internal("x".into()).to_string(), "internal: x");
    }
}
