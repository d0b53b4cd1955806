//! Exit status: bits that OR together, the same in every output format (fsck style).

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
