//! mcp-auth-doctor: diagnose and safely repair the MCP OAuth state Claude Code keeps on disk.
//!
//! The binary is a thin shell over this library: `cli` parses arguments into a [`config::Config`],
//! [`run`] does the work, and `exit` maps the outcome to the documented exit status.

pub mod checks;
pub mod config;
pub mod diagnosis;
pub mod exit;
pub mod json;
pub mod model;
pub mod paths;
pub mod probe;
pub mod redact;
pub mod report;
pub mod store;
pub mod timefmt;

use anyhow::{Result, bail};

use config::{Command, Config, Format};
use diagnosis::Diagnosis;
use model::inventory::Inventory;
use model::key::EnvLookup;
use paths::{Environment, Locations};
use report::style::Style;

/// What a run produced: text for stdout and the exit status.
#[derive(Debug)]
pub struct Outcome {
    pub stdout: String,
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
pub fn run(config: &Config, env: &Environment, vars: &dyn EnvLookup) -> Result<Outcome> {
    let style = Style {
        color: config.color,
    };
    match &config.command {
        Command::ListChecks => {
            let stdout = match config.format {
                Format::Markdown => report::explain::markdown(),
                Format::Json => report::json::to_string(
                    &checks::CHECKS
                        .iter()
                        .map(|c| {
                            serde_json::json!({
                                "code": c.info.code,
                                "severity": c.info.severity,
                                "summary": c.info.summary,
                            })
                        })
                        .collect::<Vec<_>>(),
                ),
                Format::Human => report::explain::list(),
            };
            return Ok(Outcome {
                stdout,
                exit: exit::OK,
            });
        }
        Command::Explain(code) => {
            let Some(info) = checks::find(code) else {
                bail!(UsageError(format!(
                    "no check has the code '{code}'; `mcp-auth-doctor --list-checks` lists them"
                )));
            };
            return Ok(Outcome {
                stdout: report::explain::explain(info),
                exit: exit::OK,
            });
        }
        _ => {}
    }
    if config.format == Format::Markdown {
        bail!(UsageError(
            "--format markdown is only for --list-checks; use human or json".into()
        ));
    }
    let locations = Locations::resolve(env, &config.overrides).map_err(anyhow::Error::msg)?;
    let inventory = Inventory::load(locations, vars, config.now_ms);
    if config.command == Command::Paths {
        let stdout = match config.format {
            Format::Json => report::paths::json(&inventory, env),
            _ => report::paths::human(&inventory, env, style),
        };
        return Ok(Outcome {
            stdout,
            exit: exit::OK,
        });
    }
    let diagnosis = Diagnosis::of(inventory);
    let stdout = match (&config.command, config.format) {
        (_, Format::Json) => report::json::check(&diagnosis),
        (Command::Status, _) => report::status::table(&diagnosis, style),
        _ => report::human::check(&diagnosis, style),
    };
    let exit = if diagnosis.has_problems() {
        exit::PROBLEMS
    } else {
        exit::OK
    };
    Ok(Outcome { stdout, exit })
}
