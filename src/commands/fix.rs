//! `fix` and `forget`: plan, show, confirm, apply under the write protocol, report what is left.

use std::fmt::Write;

use anyhow::{Result, bail};
use serde::Serialize;

use super::Context;
use super::inspect::{exit_for, exit_of};
use crate::checks::{ActionKind, Brief};
use crate::diagnosis::Diagnosis;
use crate::fix::plan::{self, Plan, Step};
use crate::fix::prompt::{self, Answer, Decision};
use crate::fix::{self as repair, Attempt, WriteOptions};
use crate::model::inventory::Inventory;
use crate::render::servers::Verdict;
use crate::render::style::count;
use crate::{Outcome, exit, render};

/// How many times a plan is recomputed when Claude Code changes a file under our feet.
const ATTEMPTS: usize = 3;

pub fn fix(ctx: &Context<'_>) -> Result<Outcome> {
    let selection = ctx.config.write.selection.clone();
    // A step's `before` and `after` are shown only in JSON: the human plan and the backup
    // manifest say what a step does, never those values.
    let json = ctx.json();
    // `--only` names every code whose findings the plan is made of; without it every check's.
    // The plan is the one `make_plan` makes of the diagnosis: made as the checks run, it needs
    // no diagnosis (issue 15: `fix --yes` on 10,000 entries held every finding of every check).
    let codes = (!selection.only.is_empty()).then_some(&selection.only[..]);
    let from_checks = |inv: &Inventory| plan::from_checks(inv, codes, &selection, json);
    let lean = Some(Lean { plan: &from_checks });
    run_reading(ctx, "fix", &selection.servers, lean, &|d: &Diagnosis| {
        if json {
            plan::for_findings(&d.inventory, &d.findings, &selection)
        } else {
            plan::actions_for_findings(&d.inventory, &d.findings, &selection)
        }
    })
}

/// A plan made as the checks it reads run (or of no finding at all), when it is applied
/// without a question: no diagnosis is made.
#[derive(Clone, Copy)]
struct Lean<'a> {
    plan: &'a dyn Fn(&Inventory) -> Plan,
}

pub fn forget(ctx: &Context<'_>, name: &str) -> Result<Outcome> {
    let lean = Lean {
        plan: &|inv: &Inventory| plan::for_forget(inv, name),
    };
    let mut outcome = run_reading(
        ctx,
        "forget",
        &[name.to_string()],
        Some(lean),
        &|d: &Diagnosis| plan::for_forget(&d.inventory, name),
    )?;
    if outcome.exit & exit::FIXED != 0 && !ctx.json() {
        let login = crate::render::style::sanitize(&crate::checks::login_hint(name));
        if !outcome.stdout.contains(&login) {
            let _ = writeln!(outcome.stdout, "Sign in again when you need it: {login}");
        }
    }
    Ok(outcome)
}

/// Fails with a usage error (and a did-you-mean) when a name is known to no scope, entry,
/// client secret or marker: a typo should not read as "nothing to change".
pub(super) fn require_known(inv: &Inventory, names: &[String]) -> Result<()> {
    // No name to check, no list: a copy of every entry's name, sorted, was the plan-time peak
    // of a 10,000-entry `fix` (issue 15).
    if names.is_empty() {
        return Ok(());
    }
    let known = known_names(inv);
    for name in names {
        if known.iter().any(|k| k == name) {
            continue;
        }
        let hint = match did_you_mean(name, &known) {
            Some(k) => format!("; did you mean '{k}'?"),
            None if known.is_empty() => "; there is no server or OAuth state at all".into(),
            None if known.len() <= 12 => format!("; known names: {}", known.join(", ")),
            None => format!("; known names include {}", known[..12].join(", ")),
        };
        bail!(exit::Error::Usage(format!(
            "no scope, mcpOAuth entry or needs-auth marker knows a server named '{name}'{hint} \
             (`mcp-auth-doctor status` lists the servers)"
        )));
    }
    Ok(())
}

/// Every server name a scope configures or some OAuth state is kept for.
fn known_names(inv: &Inventory) -> Vec<String> {
    let client_configs = inv
        .credentials
        .as_claude_sees()
        .and_then(|c| c.get("mcpOAuthClientConfig"))
        .and_then(serde_json::Value::as_object)
        .into_iter()
        .flat_map(|m| m.keys())
        .map(|k| crate::model::key::split_key(k).0.to_string());
    let mut names: Vec<String> = inv
        .servers
        .iter()
        .map(|s| s.name.clone())
        .chain(inv.entries.iter().map(|e| e.name().to_string()))
        .chain(
            inv.entries
                .iter()
                .filter_map(|e| e.server_name_field().map(String::from)),
        )
        .chain(inv.markers.iter().map(|m| m.name.clone()))
        .chain(client_configs)
        .chain(inv.mcp_remote.servers.iter().map(|s| s.name.clone()))
        .collect();
    names.sort();
    names.dedup();
    names
}

/// The known name closest to `name`, if it is close enough to be a typo.
fn did_you_mean<'a>(name: &str, known: &'a [String]) -> Option<&'a str> {
    let lower = name.to_lowercase();
    known
        .iter()
        .map(|k| (edit_distance(&lower, &k.to_lowercase()), k))
        .filter(|(d, k)| *d <= (k.chars().count().max(3) / 3).max(1) || k.contains(name))
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k.as_str())
}

/// Levenshtein distance over chars.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != *cb))
                .min(prev[j + 1] + 1)
                .min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

pub(super) fn run(
    ctx: &Context<'_>,
    command: &str,
    names: &[String],
    make_plan: &dyn Fn(&Diagnosis) -> Plan,
) -> Result<Outcome> {
    run_reading(ctx, command, names, None, make_plan)
}

/// [`run`], with the plan `lean` makes when it applies without a question (`make_plan`'s
/// plan, made of fewer findings).
fn run_reading(
    ctx: &Context<'_>,
    command: &str,
    names: &[String],
    lean: Option<Lean<'_>>,
    make_plan: &dyn Fn(&Diagnosis) -> Plan,
) -> Result<Outcome> {
    let w = &ctx.config.write;
    let style = ctx.style();
    let mut out = String::new();
    // With `--yes` (and no `--dry-run`) a plan with steps is applied without a question, and
    // what is shown after the write is the diagnosis made after it: the plan-time findings are
    // read only by the plan. So only the checks the plan reads run, and their findings go once
    // the plan is made; an empty plan (shown with the plan-time diagnosis) gets the whole
    // diagnosis made again (issue 15: the other checks' findings, and the findings once they
    // are steps, were most of a 10,000-entry `fix`'s peak).
    let applies = w.yes && !w.dry_run;
    let lean = lean.filter(|_| applies);
    // Nothing is shown before the write when it applies: the plan is rendered when the output
    // is put together, with the write's buffers and the plan-time inventory gone.
    let deferred = applies && !ctx.json();
    for attempt in 0..ATTEMPTS {
        let inventory = ctx.load()?;
        if attempt == 0 {
            require_known(&inventory, names)?;
        }
        let (plan, diagnosis) = match lean {
            Some(lean) => {
                let plan = (lean.plan)(&inventory);
                let diagnosis = if plan.is_empty() {
                    Diagnosis::of(inventory)
                } else {
                    Diagnosis {
                        inventory,
                        findings: Vec::new(),
                        servers: Vec::new(),
                    }
                };
                (plan, diagnosis)
            }
            None => {
                let diagnosis = Diagnosis::of(inventory);
                (make_plan(&diagnosis), diagnosis)
            }
        };
        let inv = &diagnosis.inventory;
        if !ctx.json() && (!deferred || plan.is_empty()) {
            let shown = render::plan::plan(&plan, &inv.locations, style);
            // The first plan becomes the output itself: a copy of a plan of thousands of
            // lines was part of the peak (issue 15).
            if out.is_empty() {
                out = shown;
            } else {
                out.push_str(&shown);
            }
        }
        let before_exit = exit_for(&diagnosis);
        let unchanged = Ending {
            command,
            plan: &plan,
            applied: None,
            now: &diagnosis,
            counts: diagnosis.counts(),
            dry_run: false,
        };
        let decision = if plan.is_empty() {
            Decision::DryRun
        } else {
            // The steps are borrowed from the plan, never copied: the plan is still shown (JSON)
            // after the write, and a copy of thousands of steps was a peak of its own (issue 15).
            prompt::decide(w, plan.steps.iter().collect(), || {
                // The plan has to be on the screen before the questions about it.
                super::show_now(ctx, &out);
                out.clear();
                ask_each(&plan.steps)
            })
        };
        let confirmed = match decision {
            Decision::DryRun => {
                let ending = Ending {
                    dry_run: w.dry_run,
                    ..unchanged
                };
                return Ok(finish(ctx, out, &ending, before_exit));
            }
            Decision::Apply(steps) if steps.is_empty() => {
                out.push_str("You declined every change: nothing was changed.\n");
                return Ok(Outcome {
                    stdout: maybe_json(ctx, out, &unchanged),
                    exit: before_exit,
                    ..Outcome::default()
                });
            }
            Decision::Apply(steps) => steps,
            Decision::Cancelled => {
                out.push_str(prompt::CANCELLED);
                return Ok(Outcome {
                    stdout: maybe_json(ctx, out, &unchanged),
                    exit: exit::CANCELLED | before_exit,
                    ..Outcome::default()
                });
            }
            Decision::NoTerminal => {
                return Ok(Outcome {
                    stdout: maybe_json(ctx, out, &unchanged),
                    stderr: prompt::no_terminal("apply the plan above", "it"),
                    exit: exit::COULD_NOT_RUN | before_exit,
                    ..Outcome::default()
                });
            }
        };
        // Said after the plan: when the plan is rendered later, kept until it is.
        let mut note = String::new();
        let running = inv.processes_using_config_dir();
        if !running.is_empty() {
            let pids: Vec<String> = running.iter().map(|p| p.pid.to_string()).collect();
            let _ = writeln!(
                note,
                "Note: Claude Code is running with this config dir (pid {}). Its lock is \
                 respected; restart it afterwards, since it keeps state in memory.",
                pids.join(", ")
            );
        }
        if !deferred {
            out.push_str(&note);
            note.clear();
        }
        let shown_plan = |out: &mut String, locations: &crate::paths::Locations| {
            if deferred {
                out.push_str(&render::plan::plan(&plan, locations, style));
                out.push_str(&note);
            }
        };
        // From here on only the paths, checksums and trust of the plan-time inventory are used:
        // the parsed files, findings and summaries go before the write (it holds Claude Code's
        // lock) and before the diagnosis after it is built, so the two never coexist.
        let plan_time = apply_view(diagnosis.inventory);
        let inv = &plan_time;
        let mut break_stale = prompt::may_break_stale(w);
        let mut opts = WriteOptions {
            lock_wait: w.lock_wait,
            break_stale: &mut break_stale,
            command,
        };
        match repair::apply(inv, confirmed, &mut opts)? {
            Attempt::Done(applied) => {
                let locations = plan_time.locations.clone();
                drop(plan_time);
                let (after, counts, now_exit) = if ctx.json() {
                    let after = Diagnosis::of(ctx.load()?);
                    let (counts, now_exit) = (after.counts(), exit_for(&after));
                    (after, counts, now_exit)
                } else {
                    summarised(ctx.load()?)
                };
                shown_plan(&mut out, &locations);
                if !ctx.json() {
                    out.push('\n');
                    out.push_str(&render::plan::applied(&applied, &locations, style));
                }
                let fixed = if applied.applied.is_empty() {
                    0
                } else {
                    exit::FIXED
                };
                let ending = Ending {
                    command,
                    plan: &plan,
                    applied: Some(&applied),
                    now: &after,
                    counts,
                    dry_run: false,
                };
                let mut outcome = finish(ctx, out, &ending, now_exit);
                outcome.exit |= fixed;
                // The process ends right after printing: freeing the diagnosis of a large
                // file one allocation at a time would only cost time (`lib::run` says why).
                std::mem::forget((after, applied));
                std::mem::forget(plan);
                return Ok(outcome);
            }
            Attempt::Replan(path) => {
                shown_plan(&mut out, &plan_time.locations);
                let changed = exit::Error::ChangedUnderneath(path);
                if attempt + 1 == ATTEMPTS {
                    return Err(changed.into());
                }
                let _ = writeln!(out, "\n{changed}; planning again.\n");
            }
        }
    }
    unreachable!("the loop returns on its last attempt")
}

/// An inventory with only what [`repair::apply`] reads (paths, checksums, trust, locations, the
/// Keychain item): the entries and the parsed credentials and cache are dropped (the
/// credentials' text and spans, the size of the file; the write reads the file again under the
/// lock). Taken from the
/// plan-time diagnosis, whose findings and server summaries go with it.
fn apply_view(mut inventory: Inventory) -> Inventory {
    inventory.drop_entries();
    inventory.credentials.content = None;
    inventory.cache.content = None;
    inventory
}

/// The diagnosis after a write as people are shown it: the counts, the exit status and the
/// servers' next steps, worked out from each finding's [`Brief`] as it is made (issue 15: the
/// findings of the entries a 10,000-entry `fix` leaves were ~10 MB, the peak of its end).
/// Its findings are empty and its inventory is the [`apply_view`]: the parsed files go before
/// the plan is rendered.
fn summarised(inventory: Inventory) -> (Diagnosis, (usize, usize, usize), u8) {
    let mut briefs: Vec<Brief> = Vec::new();
    crate::checks::run_each(&inventory, None, &mut |f| briefs.push(Brief::of(&f)));
    let servers = crate::diagnosis::servers::summarise(&inventory, &briefs);
    let counts = crate::diagnosis::counts(&briefs);
    let exit = exit_of(crate::diagnosis::has_problems(&briefs), &inventory);
    drop(briefs);
    let diagnosis = Diagnosis {
        inventory: apply_view(inventory),
        findings: Vec::new(),
        servers,
    };
    (diagnosis, counts, exit)
}

/// Asks per step; `None` means quit (change nothing), an empty list that every change was
/// declined.
fn ask_each(steps: &[Step]) -> Option<Vec<&Step>> {
    let mut accepted = Vec::new();
    let mut all = false;
    for (i, s) in steps.iter().enumerate() {
        let answer = if all {
            Answer::Yes
        } else {
            prompt::ask_step(s, i, steps.len())
        };
        match answer {
            Answer::Yes => accepted.push(s),
            Answer::No => {}
            Answer::All => {
                all = true;
                accepted.push(s);
            }
            Answer::Quit => return None,
        }
    }
    Some(accepted)
}

/// How a `fix` or `forget` run ends: what it planned, what it did, and the diagnosis now.
#[derive(Clone, Copy)]
struct Ending<'a> {
    command: &'a str,
    plan: &'a Plan,
    /// `None` when nothing was attempted (a dry run, an empty plan, a cancel).
    applied: Option<&'a repair::Applied<'a>>,
    now: &'a Diagnosis,
    /// `now`'s (errors, warnings, infos), counted before its findings may go.
    counts: (usize, usize, usize),
    dry_run: bool,
}

/// The `fix` / `forget` JSON document (docs/json.md).
#[derive(Serialize)]
struct FixDocument<'a> {
    schema: u32,
    command: &'a str,
    dry_run: bool,
    plan: &'a Plan,
    // Flat: what was changed, what was skipped at write time and why, and the backup.
    applied: &'a [&'a Step],
    skipped: &'a [repair::Skipped<'a>],
    backup: Option<&'a repair::BackupRef>,
    remaining: Remaining,
    /// Servers this run left with no entry that still need a sign-in (see [`needs_sign_in`]).
    needs_sign_in: Vec<String>,
    findings: &'a [crate::checks::Finding],
}

#[derive(Serialize)]
struct Remaining {
    errors: usize,
    warnings: usize,
    infos: usize,
}

fn finish(ctx: &Context<'_>, mut out: String, end: &Ending<'_>, mut exit: u8) -> Outcome {
    let (applied, now) = (end.applied, end.now);
    // A server whose only entry this run removed (a placeholder, an expired token) did use
    // OAuth: it still needs a sign-in, although with no entry left the state alone cannot say so
    // (a later `check` reads it as "no token"). The run says so and keeps the problems bit.
    let needs_sign_in = needs_sign_in(end);
    if !needs_sign_in.is_empty() {
        exit |= exit::PROBLEMS;
    }
    if !ctx.json() {
        let (e, w, i) = end.counts;
        if end.dry_run {
            out.push_str("Dry run: nothing was changed.\n");
        }
        let label = if applied.is_some() { "Now" } else { "Findings" };
        let _ = writeln!(
            out,
            "{label}: {}, {}, {} (`mcp-auth-doctor check` for details).",
            count(e, "error"),
            count(w, "warning"),
            count(i, "info")
        );
        if !needs_sign_in.is_empty() {
            let _ = writeln!(
                out,
                "Still needs a sign-in (its old entry is gone, so `check` can no longer tell): {}.",
                needs_sign_in.join(", ")
            );
        }
        let mut logins: Vec<String> = Vec::new();
        for s in &now.servers {
            let next = if s.verdict == Verdict::NeedsLogin {
                crate::render::servers::next_step(s)
            } else if applied.is_some() && s.verdict == Verdict::NoToken {
                if needs_sign_in.contains(&s.name) {
                    Some(crate::checks::login_hint(&s.name))
                } else if s
                    .findings
                    .contains(&crate::checks::Code::MissingRegistration)
                {
                    crate::render::servers::next_step(s)
                } else {
                    None
                }
            } else {
                None
            };
            if let Some(next) = next.filter(|n| !logins.contains(n)) {
                logins.push(next);
            }
        }
        if applied.is_some() && !logins.is_empty() {
            let _ = writeln!(out, "Next: {}", logins.join("\n      "));
        }
    }
    Outcome {
        stdout: maybe_json(ctx, out, end),
        exit,
        ..Outcome::default()
    }
}

/// The servers this run removed an unusable entry of that now have no token at all.
fn needs_sign_in(end: &Ending<'_>) -> Vec<String> {
    let Some(applied) = end.applied else {
        return Vec::new();
    };
    let mut names: Vec<String> = Vec::new();
    for step in &applied.applied {
        let (ActionKind::RemoveEntry { .. }, true, Some(name)) =
            (&step.action.kind, step.action.safe, step.server.as_deref())
        else {
            continue;
        };
        let no_token_now = end
            .now
            .servers
            .iter()
            .any(|s| s.name == name && s.verdict == Verdict::NoToken);
        if no_token_now && !names.iter().any(|n| n == name) {
            names.push(name.to_string());
        }
    }
    names
}

fn maybe_json(ctx: &Context<'_>, human: String, end: &Ending<'_>) -> String {
    if !ctx.json() {
        return human;
    }
    let (errors, warnings, infos) = end.counts;
    render::json::to_string(&FixDocument {
        schema: render::json::SCHEMA,
        command: end.command,
        dry_run: end.dry_run,
        plan: end.plan,
        applied: end.applied.map_or(&[][..], |a| &a.applied[..]),
        skipped: end.applied.map_or(&[][..], |a| &a.skipped[..]),
        backup: end.applied.and_then(|a| a.backup.as_ref()),
        remaining: Remaining {
            errors,
            warnings,
            infos,
        },
        needs_sign_in: needs_sign_in(end),
        findings: &end.now.findings,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_a_close_name_only() {
        let known = vec![
            "linear".to_string(),
            "notion".to_string(),
            "sentry".to_string(),
        ];
        assert_eq!(did_you_mean("linera", &known), Some("linear"));
        assert_eq!(did_you_mean("Notion", &known), Some("notion"));
        assert_eq!(did_you_mean("github", &known), None);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }
}
