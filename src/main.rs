//! Thin binary: parse the command line into a plain `Config`, run it, map the result to the
//! documented exit status in one place.

mod cli;

use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use std::time::Duration;

use mcp_auth_doctor::config::{Command, Config, Format, WriteSettings};
use mcp_auth_doctor::fix::plan::Selection;
use mcp_auth_doctor::load::ProcessEnv;
use mcp_auth_doctor::paths::{Environment, Overrides};
use mcp_auth_doctor::probe::{ProbeOptions, ProbeTarget};
use mcp_auth_doctor::system::keychain::KeychainChoice;
use mcp_auth_doctor::{exit, timefmt};

fn main() -> ExitCode {
    let cli = match cli::parse() {
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
    if let Some(code) = standalone(&cli) {
        return code;
    }
    // First, so that an error about the command line is wrapped like the rest.
    mcp_auth_doctor::render::style::set_page_width(page_width());
    let (verbose, quiet) = (cli.global.verbose > 0, cli.global.quiet);
    let started = std::time::Instant::now();
    let config = match config_from(cli) {
        Ok(config) => config,
        Err(e) => return report_error(&e, &Overrides::default()),
    };
    if matches!(
        config.command,
        Command::Fix | Command::Forget(_) | Command::Login { .. }
    ) {
        // Here, before any thread starts (glibc's manual marks mallopt MT-Unsafe): the
        // commands that rewrite a file hold their peak memory to twice it (`fix::heap`).
        mcp_auth_doctor::fix::heap::keep_large_blocks_mapped();
    }
    let env = Environment::from_process();
    if verbose {
        eprint!(
            "{}",
            mcp_auth_doctor::render::paths::verbose(
                mcp_auth_doctor::paths::Locations::resolve(&env, &config.overrides).ok(),
                config.now_ms,
                config.now_from.as_deref(),
            )
        );
    }
    match mcp_auth_doctor::run(&config, &env, &ProcessEnv) {
        Ok(mut outcome) => {
            // --quiet keeps only what says the run failed (it could not run, or was cancelled).
            let failed = outcome.exit & (exit::USAGE | exit::COULD_NOT_RUN | exit::CANCELLED) != 0;
            if !quiet || failed {
                eprint!("{}", outcome.stderr);
            }
            if !quiet {
                let mut stdout = std::io::stdout().lock();
                // A closed pipe (`| head`) is not an error worth reporting.
                let _ = outcome.write_stdout(&mut stdout);
            }
            if verbose {
                eprintln!(
                    "mcp-auth-doctor: done in {} ms, exit status {}",
                    started.elapsed().as_millis(),
                    outcome.exit
                );
            }
            ExitCode::from(outcome.exit)
        }
        Err(e) => report_error(&e, &config.overrides),
    }
}

/// Prints an error once, redacted and sanitised, with any command in it pasteable as is, wrapped
/// to the page width.
fn report_error(e: &anyhow::Error, overrides: &Overrides) -> ExitCode {
    let text = format!("{e:#}");
    let text = mcp_auth_doctor::redact::output(&text);
    let text = mcp_auth_doctor::render::style::sanitize(&text);
    let text = mcp_auth_doctor::commands::pasteable::pasteable(&text, overrides);
    // Wrapped to the page like stdout; a command in it stays whole (render::style::units).
    let line = format!("mcp-auth-doctor: error: {text}\n");
    eprint!("{}", mcp_auth_doctor::render::style::fit_to_page(&line));
    ExitCode::from(exit::status_of(e))
}

/// `--version`, `completions SHELL` and `man`: answered from the command line definition alone,
/// before anything is read.
fn standalone(cli: &cli::Cli) -> Option<ExitCode> {
    use clap::CommandFactory;
    let text = match &cli.command {
        _ if cli.top.version => {
            mcp_auth_doctor::render::version::text(cli.global.verbose > 0).into_bytes()
        }
        Some(cli::Command::Completions { shell }) => {
            let mut out = Vec::new();
            clap_complete::generate(
                *shell,
                &mut cli::Cli::command(),
                "mcp-auth-doctor",
                &mut out,
            );
            out
        }
        Some(cli::Command::Man) => {
            let mut out = Vec::new();
            if let Err(e) = clap_mangen::Man::new(cli::Cli::command()).render(&mut out) {
                eprintln!("mcp-auth-doctor: error: cannot render the man page: {e}");
                return Some(ExitCode::from(exit::COULD_NOT_RUN));
            }
            out
        }
        _ => return None,
    };
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(&text);
    let _ = stdout.flush();
    Some(ExitCode::from(exit::OK))
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
    let mut status_server = None;
    let command = if cli.top.list_checks {
        Command::ListChecks
    } else if let Some(code) = cli.top.explain {
        Command::Explain(code)
    } else {
        match cli.command {
            None => Command::Check { skip: Vec::new() },
            // `check --explain CODE`, as users type it after reading a finding of `check`.
            Some(cli::Command::Check(cli::CheckArgs {
                explain: Some(code),
                ..
            })) => Command::Explain(code),
            Some(cli::Command::Check(cli::CheckArgs { skip, .. })) => Command::Check {
                skip: check_codes(&skip)?,
            },
            Some(cli::Command::Status(cli::StatusArgs { name })) => {
                status_server = name;
                Command::Status
            }
            Some(cli::Command::Paths) => Command::Paths,
            Some(cli::Command::Backups) => Command::Backups,
            Some(cli::Command::Verify { timeout }) => Command::Verify {
                timeout: Duration::from_secs(timeout),
            },
            Some(cli::Command::Probe {
                target,
                sse,
                register,
                timeout,
                token,
            }) => Command::Probe(ProbeOptions {
                target: if target.contains("://") {
                    ProbeTarget::Url(target)
                } else {
                    ProbeTarget::Name(target)
                },
                sse,
                register,
                timeout: Duration::from_secs(timeout),
                token,
            }),
            Some(cli::Command::Report {
                output,
                anonymize,
                verify,
            }) => Command::Report {
                output,
                anonymize,
                verify,
            },
            Some(cli::Command::Fix(f)) => {
                take(f.write);
                write.selection = Selection {
                    safe_only: f.safe_only,
                    servers: f.servers,
                    only: check_codes(&f.only)?,
                    skip: check_codes(&f.skip)?,
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
            Some(cli::Command::Completions { .. } | cli::Command::Man) => {
                // Answered by `standalone` before this is called.
                return Err(
                    exit::Error::Usage("completions and man take no other work".into()).into(),
                );
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
    // The flag wins over the variable; an error names the one that was wrong.
    let now_given = match g.now {
        Some(t) => Some(("--now", t)),
        None => std::env::var("MCP_AUTH_DOCTOR_NOW")
            .ok()
            .filter(|s| !s.is_empty())
            .map(|t| ("MCP_AUTH_DOCTOR_NOW", t)),
    };
    let (now_ms, now_from) = match now_given {
        Some((source, text)) => {
            let pinned = timefmt::parse_now(&text)
                .map_err(|e| exit::Error::Usage(format!("{source}: {e}")))?;
            let from = format!("{source} {}, read as {}", text.trim(), pinned.read_as);
            (pinned.ms, Some(from))
        }
        None => (timefmt::now_ms(), None),
    };
    let mcp_config = mcp_auth_doctor::load::mcp_config::resolve(
        g.mcp_config,
        &std::env::current_dir().unwrap_or_default(),
    )
    .map_err(exit::Error::Usage)?;
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
            mcp_config,
        },
        now_ms,
        now_from,
        status_server,
        format: match g.format {
            cli::Format::Human => Format::Human,
            cli::Format::Json => Format::Json,
            cli::Format::Markdown => Format::Markdown,
        },
        color,
        keychain: match (g.keychain, g.no_keychain) {
            (true, _) => KeychainChoice::Always,
            (_, true) => KeychainChoice::Never,
            _ => KeychainChoice::Auto,
        },
        target_os: mcp_auth_doctor::system::keychain::target_os(),
        write,
        claude_version: g.claude_version,
    })
}

/// The check codes `--skip` and `--only` name; the first that no check has is a usage error
/// (with the nearest code when one is close).
fn check_codes(texts: &[String]) -> anyhow::Result<Vec<mcp_auth_doctor::checks::Code>> {
    texts
        .iter()
        .map(|text| {
            mcp_auth_doctor::checks::Code::of_check(text).ok_or_else(|| {
                let message = mcp_auth_doctor::render::explain::unknown_code(text, false);
                exit::Error::Usage(message).into()
            })
        })
        .collect()
}

/// `COLUMNS`, else the terminal's width when stdout is a terminal, else 100.
fn page_width() -> usize {
    let terminal = std::io::stdout()
        .is_terminal()
        .then(|| terminal_size::terminal_size().map(|(w, _)| usize::from(w.0)))
        .flatten();
    mcp_auth_doctor::render::style::detect_page_width(
        std::env::var("COLUMNS").ok().as_deref(),
        terminal,
    )
}
