//! mcp-auth-doctor: diagnose and safely repair the MCP OAuth state Claude Code keeps on disk.
//!
//! The binary is a thin shell over this library: `cli` parses arguments into a [`config::Config`],
//! [`run`] does the work, and `exit` maps the outcome to the documented exit status.

pub mod checks;
pub mod commands;
pub mod config;
pub mod diagnosis;
pub mod digest;
pub mod exit;
pub mod fix;
pub mod json;
pub mod layout;
pub mod load;
pub mod model;
pub mod paths;
pub mod probe;
pub mod redact;
pub mod release;
pub mod render;
pub mod store;
pub mod suggest;
pub mod system;
pub mod term;
pub mod timefmt;
pub mod urls;
pub mod vars;
pub mod verify;

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

/// Runs one command. `Err` means it could not run at all (the status [`exit::status_of`] says: 8,
/// or 2 for a usage error);
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
#[derive(serde::Serialize)]
struct ErrorDocument<'a> {
    schema: u32,
    command: &'a str,
    error: ErrorJson,
}

#[derive(serde::Serialize)]
struct ErrorJson {
    kind: &'static str,
    message: String,
    exit: u8,
}

/// The [`Outcome`] of a command that could not run, with `--format json`.
fn json_error(config: &Config, e: &anyhow::Error) -> Outcome {
    let code = exit::status_of(e);
    let message = render::style::sanitize(&redact::free_text(&format!("{e:#}")));
    Outcome {
        stdout: render::json::to_string(&ErrorDocument {
            schema: render::json::SCHEMA,
            command: config.command.name(),
            error: ErrorJson {
                kind: exit::kind_of(e),
                message: message.clone(),
                exit: code,
            },
        }),
        stderr: format!("mcp-auth-doctor: error: {message}\n"),
        exit: code,
    }
}
