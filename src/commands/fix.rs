//! `fix` and `forget`: plan, show, confirm, apply under the write protocol, report what is left.

use std::fmt::Write;

use anyhow::Result;
use serde_json::json;

use super::Context;
use super::inspect::exit_for;
use crate::diagnosis::Diagnosis;
use crate::fix::plan::{self, Plan, Step};
use crate::fix::prompt::{self, Answer};
use crate::fix::{self as repair, ChangedUnderneath, WriteOptions};
use crate::report::servers::Verdict;
use crate::report::style::plural;
use crate::{Outcome, exit, report};

/// How many times a plan is recomputed when Claude Code changes a file under our feet.
const ATTEMPTS: usize = 3;

pub fn fix(ctx: &Context<'_>) -> Result<Outcome> {
    let selection = ctx.config.write.selection.clone();
    run(ctx, "fix", &|d: &Diagnosis| {
        plan::for_findings(&d.inventory, &d.findings, &selection)
    })
}

pub fn forget(ctx: &Context<'_>, name: &str) -> Result<Outcome> {
    let mut outcome = run(ctx, "forget", &|d: &Diagnosis| {
        plan::for_forget(&d.inventory, name)
    })?;
    if outcome.exit & exit::FIXED != 0 && !ctx.json() {
        let login = crate::checks::login_hint(name);
        if !outcome.stdout.contains(&login) {
            let _ = writeln!(outcome.stdout, "Sign in again when you need it: {login}");
        }
    }
    Ok(outcome)
}

fn run(
    ctx: &Context<'_>,
    command: &str,
    make_plan: &dyn Fn(&Diagnosis) -> Plan,
) -> Result<Outcome> {
    let w = &ctx.config.write;
    let style = ctx.style();
    let mut out = String::new();
    for attempt in 0..ATTEMPTS {
        let diagnosis = Diagnosis::of(ctx.load()?);
        let inv = &diagnosis.inventory;
        let plan = make_plan(&diagnosis);
        if !ctx.json() {
            out.push_str(&report::plan::plan(&plan, &inv.locations, style));
        }
        let before_exit = exit_for(&diagnosis);
        if w.dry_run || plan.is_empty() {
            return Ok(finish(
                ctx,
                out,
                command,
                &plan,
                None,
                &diagnosis,
                before_exit,
                w.dry_run,
            ));
        }
        let confirmed: Vec<Step> = if w.yes {
            plan.steps.clone()
        } else if w.interactive {
            // The plan has to be on the screen before the questions about it.
            print!("{}", crate::redact::output(&out));
            let _ = std::io::Write::flush(&mut std::io::stdout());
            out.clear();
            match ask_each(&plan.steps) {
                Some(steps) if steps.is_empty() => {
                    out.push_str("You declined every change: nothing was changed.\n");
                    return Ok(Outcome {
                        stdout: maybe_json(ctx, out, command, &plan, None, &diagnosis, false),
                        exit: before_exit,
                        ..Outcome::default()
                    });
                }
                Some(steps) => steps,
                None => {
                    out.push_str("Cancelled: nothing was changed.\n");
                    return Ok(Outcome {
                        stdout: maybe_json(ctx, out, command, &plan, None, &diagnosis, false),
                        exit: exit::CANCELLED | before_exit,
                        ..Outcome::default()
                    });
                }
            }
        } else {
            return Ok(Outcome {
                stdout: maybe_json(ctx, out, command, &plan, None, &diagnosis, false),
                stderr:
                    "mcp-auth-doctor: nothing was changed: there is no terminal to ask on. Pass \
                         --yes to apply the plan above, or --dry-run to only show it.\n"
                        .into(),
                exit: exit::COULD_NOT_RUN | before_exit,
            });
        };
        let running = inv.processes.using(&inv.locations.config_dir.path);
        if !running.is_empty() {
            let pids: Vec<String> = running.iter().map(|p| p.pid.to_string()).collect();
            let _ = writeln!(
                out,
                "Note: Claude Code is running with this config dir (pid {}). Its lock is \
                 respected; restart it afterwards, since it keeps state in memory.",
                pids.join(", ")
            );
        }
        let mut break_stale = |dir: &std::path::Path, age: std::time::Duration| {
            w.break_stale_lock || (w.interactive && prompt::ask_stale_lock(dir, age))
        };
        let mut opts = WriteOptions {
            lock_wait: w.lock_wait,
            break_stale: &mut break_stale,
            command,
        };
        match repair::apply(inv, confirmed, &mut opts) {
            Ok(applied) => {
                let after = Diagnosis::of(ctx.load()?);
                if !ctx.json() {
                    out.push('\n');
                    out.push_str(&report::plan::applied(&applied, style));
                }
                let fixed = if applied.applied.is_empty() {
                    0
                } else {
                    exit::FIXED
                };
                let mut outcome = finish(
                    ctx,
                    out,
                    command,
                    &plan,
                    Some(&applied),
                    &after,
                    exit_for(&after),
                    false,
                );
                outcome.exit |= fixed;
                return Ok(outcome);
            }
            Err(e) if e.is::<ChangedUnderneath>() && attempt + 1 < ATTEMPTS => {
                let _ = writeln!(out, "\n{e}; planning again.\n");
            }
            Err(e) => return Err(e),
        }
    }
    unreachable!("the loop returns on its last attempt")
}

/// Asks per step; `None` means quit (change nothing), an empty list that every change was
/// declined.
fn ask_each(steps: &[Step]) -> Option<Vec<Step>> {
    let mut accepted = Vec::new();
    let mut all = false;
    for (i, s) in steps.iter().enumerate() {
        let answer = if all {
            Answer::Yes
        } else {
            prompt::ask_step(s, i, steps.len())
        };
        match answer {
            Answer::Yes => accepted.push(s.clone()),
            Answer::No => {}
            Answer::All => {
                all = true;
                accepted.push(s.clone());
            }
            Answer::Quit => return None,
        }
    }
    Some(accepted)
}

#[allow(clippy::too_many_arguments)]
fn finish(
    ctx: &Context<'_>,
    mut out: String,
    command: &str,
    plan: &Plan,
    applied: Option<&repair::Applied>,
    now: &Diagnosis,
    exit: u8,
    dry_run: bool,
) -> Outcome {
    if !ctx.json() {
        let (e, w, i) = now.counts();
        if dry_run {
            out.push_str("Dry run: nothing was changed.\n");
        }
        let label = if applied.is_some() { "Now" } else { "Findings" };
        let _ = writeln!(
            out,
            "{label}: {}, {}, {} (`mcp-auth-doctor check` for details).",
            plural(e, "error"),
            plural(w, "warning"),
            plural(i, "info")
        );
        let logins: Vec<String> = now
            .servers
            .iter()
            .filter(|s| {
                matches!(s.verdict, Verdict::NeedsLogin)
                    || (applied.is_some()
                        && s.verdict == Verdict::NoToken
                        && s.findings.contains(&"missing-registration"))
            })
            .filter_map(|s| s.next_step.clone())
            .collect();
        if applied.is_some() && !logins.is_empty() {
            let _ = writeln!(out, "Next: {}", logins.join("; "));
        }
    }
    Outcome {
        stdout: maybe_json(ctx, out, command, plan, applied, now, dry_run),
        exit,
        ..Outcome::default()
    }
}

fn maybe_json(
    ctx: &Context<'_>,
    human: String,
    command: &str,
    plan: &Plan,
    applied: Option<&repair::Applied>,
    now: &Diagnosis,
    dry_run: bool,
) -> String {
    if !ctx.json() {
        return human;
    }
    let (errors, warnings, infos) = now.counts();
    report::json::to_string(&json!({
        "schema": report::json::SCHEMA,
        "command": command,
        "dry_run": dry_run,
        "plan": plan,
        "applied": applied,
        "remaining": { "errors": errors, "warnings": warnings, "infos": infos },
        "findings": now.findings,
    }))
}
