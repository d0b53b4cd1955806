//! mcp-auth-doctor: diagnose and safely repair the MCP OAuth state Claude Code keeps on disk.
//!
//! The binary is a thin shell over this library: `cli` parses arguments into a [`config::Config`],
//! [`run`] does the work, and `exit` maps the outcome to the documented exit status.

pub mod checks;
pub mod commands;
pub mod config;
pub mod diagnosis;
pub mod exit;
pub mod fix;
pub mod json;
pub mod model;
pub mod paths;
pub mod probe;
pub mod redact;
pub mod report;
pub mod store;
pub mod system;
pub mod timefmt;

use anyhow::Result;

use config::Config;
use model::key::EnvLookup;
use paths::Environment;

/// What a run produced: text for stdout and stderr, and the exit status.
#[derive(Debug, Default)]
pub struct Outcome {
    pub stdout: String,
    /// Messages for a person (why nothing was written, what to pass instead).
    pub stderr: String,
    pub exit: u8,
}

/// A usage error found after parsing (an unknown code, an unsupported format): exit status 2.
#[derive(Debug)]
pub struct UsageError(pub String);

impl std::fmt::Display for UsageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UsageError {}

/// Runs one command. `Err` means it could not run at all (exit 8, or 2 for a [`UsageError`]).
///
/// Whatever a command printed passes [`redact::output`] on the way out, so a secret hiding where
/// no check expected one (a server name, a URL, an error message) is still never shown.
pub fn run(config: &Config, env: &Environment, vars: &dyn EnvLookup) -> Result<Outcome> {
    let mut outcome = commands::run(config, env, vars)?;
    outcome.stdout = redact::output(&outcome.stdout).into_owned();
    outcome.stderr = redact::output(&outcome.stderr).into_owned();
    Ok(outcome)
}
