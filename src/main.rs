//! Thin binary: parse the command line into a plain `Config`, run it, map the result to the
//! documented exit status in one place.

mod cli;

use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use clap::Parser;
use std::time::Duration;

use mcp_auth_doctor::config::{Command, Config, Format, WriteSettings};
use mcp_auth_doctor::fix::plan::Selection;
use mcp_auth_doctor::model::key::ProcessEnv;
use mcp_auth_doctor::paths::{Environment, Overrides};
use mcp_auth_doctor::probe::{ProbeOptions, ProbeTarget};
use mcp_auth_doctor::{UsageError, exit, timefmt};

fn main() -> ExitCode {
    let cli = match cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // clap prints help and version to stdout (exit 0) and errors to stderr (exit 2).
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() {
                exit::USAGE
            } else {
                exit::OK
            });
        }
    };
    let config = match config_from(cli) {
        Ok(config) => config,
        Err(e) => return report_error(&e, &Overrides::default()),
    };
    match mcp_auth_doctor::run(&config, &Environment::from_process(), &ProcessEnv) {
        Ok(outcome) => {
            eprint!("{}", outcome.stderr);
            let mut stdout = std::io::stdout().lock();
            // A closed pipe (`| head`) is not an error worth reporting.
            let _ = stdout.write_all(outcome.stdout.as_bytes());
            let _ = stdout.flush();
            ExitCode::from(outcome.exit)
        }
        Err(e) => report_error(&e, &config.overrides),
    }
}

/// Prints an error once, redacted and sanitised, with any command in it pasteable as is.
fn report_error(e: &anyhow::Error, overrides: &Overrides) -> ExitCode {
    let usage = e.downcast_ref::<UsageError>().is_some();
    let text = format!("{e:#}");
    let text = mcp_auth_doctor::redact::output(&text);
    let text = mcp_auth_doctor::report::style::sanitize(&text);
    let text = mcp_auth_doctor::commands::pasteable::pasteable(&text, overrides);
    eprintln!("mcp-auth-doctor: error: {text}");
    ExitCode::from(if usage {
        exit::USAGE
    } else {
        exit::COULD_NOT_RUN
    })
}

/// Turns parsed arguments into the library's plain configuration.
fn config_from(cli: cli::Cli) -> anyhow::Result<Config> {
    let g = cli.global;
    let mut write = WriteSettings {
        interactive: std::io::stdin().is_terminal() && std::io::stderr().is_terminal(),
        ..WriteSettings::default()
    };
    let mut take = |w: cli::WriteArgs| {
        write.dry_run = w.dry_run;
        write.yes = w.yes;
        write.break_stale_lock = w.break_stale_lock || w.force;
        write.lock_wait = Duration::from_secs(w.lock_wait);
    };
    let command = if cli.list_checks {
        Command::ListChecks
    } else if let Some(code) = cli.explain {
        Command::Explain(code)
    } else {
        match cli.command {
            None => Command::Check { skip: Vec::new() },
            Some(cli::Command::Check { skip }) => Command::Check { skip },
            Some(cli::Command::Status) => Command::Status,
            Some(cli::Command::Paths) => Command::Paths,
            Some(cli::Command::Backups) => Command::Backups,
            Some(cli::Command::Probe {
                target,
                sse,
                register,
                timeout,
            }) => Command::Probe(ProbeOptions {
                target: if target.contains("://") {
                    ProbeTarget::Url(target)
                } else {
                    ProbeTarget::Name(target)
                },
                sse,
                register,
                timeout: Duration::from_secs(timeout),
            }),
            Some(cli::Command::Report { output, anonymize }) => {
                Command::Report { output, anonymize }
            }
            Some(cli::Command::Fix(f)) => {
                take(f.write);
                write.selection = Selection {
                    safe_only: f.safe_only,
                    servers: f.servers,
                    only: f.only,
                    skip: f.skip,
                    no_move: f.no_move,
                };
                Command::Fix
            }
            Some(cli::Command::Forget { name, write: w }) => {
                take(w);
                Command::Forget(name)
            }
            Some(cli::Command::Login {
                name,
                no_browser,
                write: w,
            }) => {
                take(w);
                Command::Login { name, no_browser }
            }
            Some(cli::Command::Restore {
                id,
                latest: _,
                section,
                overwrite_newer,
                write: w,
            }) => {
                take(w);
                write.overwrite_newer = overwrite_newer;
                Command::Restore { id, section }
            }
        }
    };
    let check_skip = match &command {
        Command::Check { skip } => skip.as_slice(),
        _ => &[],
    };
    for code in write
        .selection
        .only
        .iter()
        .chain(&write.selection.skip)
        .chain(check_skip)
    {
        if mcp_auth_doctor::checks::find(code).is_none() {
            return Err(UsageError(format!(
                "no check has the code '{code}'; `mcp-auth-doctor --list-checks` lists them"
            ))
            .into());
        }
    }
    let now_text = g.now.or_else(|| {
        std::env::var("MCP_AUTH_DOCTOR_NOW")
            .ok()
            .filter(|s| !s.is_empty())
    });
    let now_ms = match now_text {
        Some(t) => timefmt::parse_now(&t).map_err(|e| UsageError(format!("--now: {e}")))?,
        None => timefmt::now_ms(),
    };
    let color = match g.color {
        cli::Color::Always => true,
        cli::Color::Never => false,
        cli::Color::Auto => {
            std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                && std::io::stdout().is_terminal()
        }
    };
    Ok(Config {
        command,
        overrides: Overrides {
            home: g.home,
            config_dir: g.config_dir,
            project: g.project,
            managed_dir: g.managed_dir,
        },
        now_ms,
        format: match g.format {
            cli::Format::Human => Format::Human,
            cli::Format::Json => Format::Json,
            cli::Format::Markdown => Format::Markdown,
        },
        color,
        keychain: g.keychain,
        write,
    })
}
