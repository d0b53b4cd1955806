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
pub mod suggest;
pub mod system;
pub mod term;
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

/// Runs one command. `Err` means it could not run at all (exit 8, or 2 for a [`UsageError`]);
/// with `--format json` that is instead an [`Outcome`] whose stdout is an error object (a script
/// reading stdout always gets JSON) and whose stderr says the same for a person.
///
/// Whatever a command printed passes [`redact::output`] on the way out, so a secret hiding where
/// no check expected one (a server name, a URL, an error message) is still never shown.
pub fn run(config: &Config, env: &Environment, vars: &dyn EnvLookup) -> Result<Outcome> {
    let mut outcome = match commands::run(config, env, vars) {
        Ok(outcome) => outcome,
        Err(e) if config.format == config::Format::Json => json_error(config, &e),
        Err(e) => return Err(e),
    };
    // Copy only when something was redacted (stdout can be megabytes of JSON).
    if let std::borrow::Cow::Owned(s) = redact::output(&outcome.stdout) {
        outcome.stdout = s;
    }
    if let std::borrow::Cow::Owned(s) = redact::output(&outcome.stderr) {
        outcome.stderr = s;
    }
    Ok(outcome)
}

/// The JSON document for a command that could not run (docs/json.md, "Errors").
fn json_error(config: &Config, e: &anyhow::Error) -> Outcome {
    let usage = e.downcast_ref::<UsageError>().is_some();
    let code = if usage {
        exit::USAGE
    } else {
        exit::COULD_NOT_RUN
    };
    let message = report::style::sanitize(&redact::free_text(&format!("{e:#}")));
    Outcome {
        stdout: report::json::to_string(&serde_json::json!({
            "schema": report::json::SCHEMA,
            "command": config.command.name(),
            "error": {
                "kind": if usage { "usage" } else { "could-not-run" },
                "message": message,
                "exit": code,
            },
        })),
        stderr: format!("mcp-auth-doctor: error: {message}\n"),
        exit: code,
    }
}
