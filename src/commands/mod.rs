//! One module per command; each turns a [`Config`] into an [`Outcome`].

mod backups;
mod fix;
mod inspect;
mod login;
pub mod pasteable;
mod probe;
mod report;
mod verify;

use anyhow::{Result, bail};

use crate::config::{Command, Config, Format};
use crate::model::inventory::{Inventory, LoadOptions};
use crate::model::key::EnvLookup;
use crate::paths::{Environment, Locations};
use crate::render::style::Style;
use crate::{Outcome, exit};

pub fn run(config: &Config, env: &Environment, vars: &dyn EnvLookup) -> Result<Outcome> {
    match &config.command {
        Command::ListChecks => return Ok(inspect::list_checks(config)),
        Command::Explain(code) => return inspect::explain(config, code),
        _ => {}
    }
    if config.format == Format::Markdown && !matches!(config.command, Command::Report { .. }) {
        bail!(exit::Error::Usage(format!(
            "--format markdown is only for --list-checks and report; {} takes human or json",
            config.command.name()
        )));
    }
    // A directory flag naming no directory is a usage error, never an empty "healthy" home.
    config
        .overrides
        .check(&env.cwd)
        .map_err(exit::Error::Usage)?;
    if config.format == Format::Human && !matches!(config.command, Command::Report { .. }) {
        crate::render::style::set_paste_flags(pasteable::flags(&config.overrides));
    }
    let ctx = Context { config, env, vars };
    // "fix: cannot write ...": an error that is not the command line's says which command was
    // doing what (the inner messages name the path and the step).
    let mut outcome = run_command(&ctx).map_err(|e| {
        if exit::status_of(&e) == exit::USAGE {
            e
        } else {
            e.context(config.command.name())
        }
    })?;
    // A report is read on someone else's machine and may be anonymised: its commands never get
    // this run's paths (they would name the reporter's home).
    match config.format {
        _ if matches!(config.command, Command::Report { .. }) => {}
        Format::Human => {
            if let std::borrow::Cow::Owned(s) =
                pasteable::pasteable_cow(&outcome.stdout, &config.overrides)
            {
                outcome.stdout = s;
            }
            outcome.stderr = pasteable::pasteable(&outcome.stderr, &config.overrides);
            outcome.stdout = crate::render::style::fit_to_page(&outcome.stdout);
            outcome.stderr = crate::render::style::fit_to_page(&outcome.stderr);
        }
        Format::Json => {
            if let std::borrow::Cow::Owned(s) =
                pasteable::pasteable_json(&outcome.stdout, &config.overrides)
            {
                outcome.stdout = s;
            }
            if let Some(document) = &mut outcome.document {
                document.paste_flags(pasteable::flags(&config.overrides));
            }
        }
        _ => {}
    }
    Ok(outcome)
}

fn run_command(ctx: &Context<'_>) -> Result<Outcome> {
    let config = ctx.config;
    match &config.command {
        Command::Check { .. } | Command::Status => inspect::check(ctx),
        Command::Paths => inspect::paths(ctx),
        Command::Fix => fix::fix(ctx),
        Command::Forget(name) => fix::forget(ctx, name),
        Command::Login { name, no_browser } => login::login(ctx, name, *no_browser),
        Command::Backups => backups::list(ctx),
        Command::Probe(options) => probe::probe(ctx, options),
        Command::Report {
            output,
            anonymize,
            verify,
        } => report::report(ctx, output.as_deref(), *anonymize, *verify),
        Command::Restore { id, section } => {
            backups::restore(ctx, id.as_deref(), section.as_deref())
        }
        Command::Verify { timeout } => verify::verify(ctx, *timeout),
        Command::ListChecks | Command::Explain(_) => unreachable!("handled above"),
    }
}

/// Shows `text` at once, before the command's [`Outcome`] is complete (the plan, before the
/// questions about it). The same treatment as every `Outcome` gets on its way out: redacted
/// ([`crate::redact::output`]) and, for people, with its commands pasteable.
pub(crate) fn show_now(ctx: &Context<'_>, text: &str) {
    let text = pasteable::pasteable(&crate::redact::output(text), &ctx.config.overrides);
    let text = crate::render::style::fit_to_page(&text);
    let mut stdout = std::io::stdout().lock();
    let _ = std::io::Write::write_all(&mut stdout, text.as_bytes());
    let _ = std::io::Write::flush(&mut stdout);
}

/// What every command needs.
pub struct Context<'a> {
    pub config: &'a Config,
    pub env: &'a Environment,
    pub vars: &'a dyn EnvLookup,
}

impl Context<'_> {
    pub fn style(&self) -> Style {
        Style {
            color: self.config.color,
        }
    }

    pub fn json(&self) -> bool {
        self.config.format == Format::Json
    }

    pub fn locations(&self) -> Result<Locations> {
        Locations::resolve(self.env, &self.config.overrides).map_err(anyhow::Error::msg)
    }

    pub fn load(&self) -> Result<Inventory> {
        let options = LoadOptions {
            keychain: self.config.keychain,
            user: self.env.user.clone(),
            target_os: self.config.target_os.clone(),
            interactive: self.config.write.interactive,
            mcp_remote_config_dir: self.vars.var(crate::layout::MCP_REMOTE_CONFIG_DIR_VAR),
            appdata: self.vars.var("APPDATA").map(std::path::PathBuf::from),
            skip_process_scan: !scans_processes(&self.config.command),
            // `check` and `status` write nothing (a writer's unchanged-check reads the sums).
            skip_checksums: matches!(self.config.command, Command::Check { .. } | Command::Status),
            ..self.config.release_options()
        };
        let snapshot = crate::load::snapshot(self.locations()?, &options);
        Ok(Inventory::from_snapshot(
            snapshot,
            self.vars,
            self.config.now_ms,
        ))
    }
}

/// Whether a command reads the `/proc` scan (most of a small home's load time, issue 15): those
/// that diagnose (`claude-running`, `stale-lock`), report, or write with `fix`'s "Claude Code is
/// running" note (`forget` too: it runs `fix`'s plan and prints that note). `paths` and `backups`
/// show no process; `probe` judges one server over the network and `restore` puts files back
/// under the lock protocol, and neither looks at one; `verify` shows only the servers' verdicts
/// next to `claude mcp list`'s, and no verdict depends on a process (`diagnosis::verdict`).
fn scans_processes(command: &Command) -> bool {
    !matches!(
        command,
        Command::Paths
            | Command::Backups
            | Command::Probe(_)
            | Command::Restore { .. }
            | Command::Verify { .. }
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::probe::{ProbeOptions, ProbeTarget};

    #[test]
    fn only_the_commands_that_look_at_processes_scan_for_them() {
        let probe = Command::Probe(ProbeOptions {
            target: ProbeTarget::Name("s".into()),
            sse: false,
            register: false,
            timeout: std::time::Duration::from_secs(1),
            token: false,
        });
        let restore = Command::Restore {
            id: None,
            section: None,
        };
        let verify = Command::Verify {
            timeout: std::time::Duration::from_secs(1),
        };
        for skips in [Command::Paths, Command::Backups, probe, restore, verify] {
            assert!(!scans_processes(&skips), "{} scans", skips.name());
        }
        let report = Command::Report {
            output: None,
            anonymize: false,
            verify: false,
        };
        let scans = [
            Command::Check { skip: Vec::new() },
            Command::Status,
            Command::Fix,
            Command::Forget("s".into()),
            report,
        ];
        for command in scans {
            assert!(scans_processes(&command), "{} skips", command.name());
        }
    }
}
