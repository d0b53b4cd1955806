//! What the machine says beyond the files' content: running Claude Code processes, lock
//! directories, leftover temp files, the Keychain on request, `claude --version`. Every probe is
//! read-only and bounded in time.

pub mod claude_version;
pub mod keychain;
pub mod leftovers;
pub mod processes;
