//! The read-only commands: check, status, paths, --list-checks, --explain.

use anyhow::{Result, bail};

use super::Context;
use crate::config::{Command, Config, Format};
use crate::diagnosis::Diagnosis;
use crate::fix::plan::{self, Selection};
use crate::{Outcome, checks, exit, render};

pub fn list_checks(config: &Config) -> Outcome {
    let stdout = match config.format {
        Format::Markdown => render::explain::markdown(),
        Format::Json => render::json::to_string(
            &checks::CHECKS
                .iter()
                .map(|c| {
                    serde_json::json!({
                        "code": c.info.code,
                        "severity": c.info.severity,
                        "severities": c.info.severities(),
                        "severity_depends_on": c.info.severity_range().map(|r| r.why),
                        "summary": c.info.summary,
                    })
                })
                .collect::<Vec<_>>(),
        ),
        Format::Human => render::explain::list(),
    };
    Outcome {
        stdout,
        ..Outcome::default()
    }
}

pub fn explain(config: &Config, code: &str) -> Result<Outcome> {
    use render::explain::Known;
    let Some(known) = render::explain::find(code) else {
        bail!(exit::Error::Usage(render::explain::unknown_code(
            code, true
        )));
    };
    let style = render::style::Style {
        color: config.color,
    };
    let stdout = match (config.format, &known) {
        (Format::Json, _) => render::json::to_string(&render::explain::explain_json(&known)),
        (Format::Markdown, Known::Check(info)) => render::explain::markdown_section(info),
        (_, Known::Check(info)) => render::explain::explain(info, style),
        (_, Known::Probe(info)) => render::explain::explain_probe(info, style),
    };
    Ok(Outcome {
        stdout,
        ..Outcome::default()
    })
}

pub fn check(ctx: &Context<'_>) -> Result<Outcome> {
    let mut diagnosis = Diagnosis::of(ctx.load()?);
    if let Command::Check { skip } = &ctx.config.command {
        diagnosis.skip(skip);
    }
    if let (Command::Status, Some(name)) = (&ctx.config.command, &ctx.config.status_server) {
        render::status::keep_server(&mut diagnosis, name).map_err(exit::Error::Usage)?;
    }
    let exit = exit_for(&diagnosis);
    // What `fix` would do, for the outputs that say it (not the status table).
    let plan_of = |d: &Diagnosis| {
        plan::actions_for_findings(&d.inventory, &d.findings, &Selection::default())
    };
    if ctx.config.format == Format::Json {
        let plan = plan_of(&diagnosis);
        // Written to stdout as it is made: the document is megabytes for a large home.
        let document = crate::Document::new(move |out, edits| {
            let written = render::json::write_check(out, &diagnosis, &plan, edits);
            forget_at_exit(plan, diagnosis);
            written
        });
        return Ok(Outcome {
            exit,
            document: Some(document),
            ..Outcome::default()
        });
    }
    let stdout = match &ctx.config.command {
        Command::Status => render::status::table(&diagnosis, ctx.style()),
        _ => {
            let plan = plan_of(&diagnosis);
            let stdout = render::human::check(&diagnosis, &plan, ctx.style());
            std::mem::forget(plan);
            stdout
        }
    };
    std::mem::forget(diagnosis);
    Ok(Outcome {
        stdout,
        exit,
        ..Outcome::default()
    })
}

/// The process ends right after printing: freeing every finding, entry and planned step one
/// allocation at a time would only cost time (about a tenth of a small home's run).
fn forget_at_exit(plan: plan::Plan, diagnosis: Diagnosis) {
    std::mem::forget(plan);
    std::mem::forget(diagnosis);
}

pub fn paths(ctx: &Context<'_>) -> Result<Outcome> {
    let inventory = ctx.load()?;
    let stdout = if ctx.json() {
        render::paths::json(&inventory, ctx.env, ctx.config.now_from.as_deref())
    } else {
        render::paths::human(
            &inventory,
            ctx.env,
            ctx.config.now_from.as_deref(),
            ctx.style(),
        )
    };
    Ok(Outcome {
        stdout,
        ..Outcome::default()
    })
}

/// `check`'s exit status for a diagnosis: a state file that could not be read adds "could not
/// run" (8) to "problems" (4), since what it holds was not looked at.
pub fn exit_for(d: &Diagnosis) -> u8 {
    exit_of(d.has_problems(), &d.inventory)
}

/// [`exit_for`] of a diagnosis with (`problems`) or without findings at warning or above.
pub(super) fn exit_of(problems: bool, inventory: &crate::model::inventory::Inventory) -> u8 {
    let problems = if problems { exit::PROBLEMS } else { exit::OK };
    if inventory.unreadable_state() {
        problems | exit::COULD_NOT_RUN
    } else {
        problems
    }
}
