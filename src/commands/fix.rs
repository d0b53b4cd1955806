//! `fix` and `forget`: plan, show, confirm, apply under the write protocol, report what is left.

use std::fmt::Write;

use anyhow::{Result, bail};
use serde_json::json;

use super::Context;
use super::inspect::exit_for;
use crate::checks::ActionKind;
use crate::diagnosis::Diagnosis;
use crate::fix::plan::{self, Plan, Step};
use crate::fix::prompt::{self, Answer};
use crate::fix::{self as repair, ChangedUnderneath, WriteOptions};
use crate::model::inventory::Inventory;
use crate::report::servers::Verdict;
use crate::report::style::count;
use crate::{Outcome, UsageError, exit, report};

/// How many times a plan is recomputed when Claude Code changes a file under our feet.
const ATTEMPTS: usize = 3;

pub fn fix(ctx: &Context<'_>) -> Result<Outcome> {
    let selection = ctx.config.write.selection.clone();
    run(ctx, "fix", &selection.servers, &|d: &Diagnosis| {
        plan::for_findings(&d.inventory, &d.findings, &selection)
    })
}

pub fn forget(ctx: &Context<'_>, name: &str) -> Result<Outcome> {
    let mut outcome = run(ctx, "forget", &[name.to_string()], &|d: &Diagnosis| {
        plan::for_forget(&d.inventory, name)
    })?;
    if outcome.exit & exit::FIXED != 0 && !ctx.json() {
        let login = crate::report::style::sanitize(&crate::checks::login_hint(name));
        if !outcome.stdout.contains(&login) {
            let _ = writeln!(outcome.stdout, "Sign in again when you need it: {login}");
        }
    }
    Ok(outcome)
}

/// Fails with a usage error (and a did-you-mean) when a name is known to no scope, entry,
/// client secret or marker: a typo should not read as "nothing to change".
pub(super) fn require_known(inv: &Inventory, names: &[String]) -> Result<()> {
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
        bail!(UsageError(format!(
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
        .chain(inv.entries.iter().map(|e| e.name.clone()))
        .chain(
            inv.entries
                .iter()
                .filter_map(|e| e.server_name_field.clone()),
        )
        .chain(inv.markers.iter().map(|m| m.name.clone()))
        .chain(client_configs)
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
    let w = &ctx.config.write;
    let style = ctx.style();
    let mut out = String::new();
    for attempt in 0..ATTEMPTS {
        let diagnosis = Diagnosis::of(ctx.load()?);
        let inv = &diagnosis.inventory;
        if attempt == 0 {
            require_known(inv, names)?;
        }
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
            print!(
                "{}",
                super::pasteable::pasteable(&crate::redact::output(&out), &ctx.config.overrides)
            );
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
            count(e, "error"),
            count(w, "warning"),
            count(i, "info")
        );
        // Servers whose token-less entry this run removed did use OAuth: they need a sign-in.
        let signed_out: Vec<&str> = applied
            .map(|a| {
                a.applied
                    .iter()
                    .filter(|s| {
                        matches!(s.action.kind, ActionKind::RemoveEntry { .. }) && s.action.safe
                    })
                    .filter_map(|s| s.server.as_deref())
                    .collect()
            })
            .unwrap_or_default();
        let mut logins: Vec<String> = Vec::new();
        for s in &now.servers {
            let next = if s.verdict == Verdict::NeedsLogin {
                crate::report::servers::next_step(s)
            } else if applied.is_some() && s.verdict == Verdict::NoToken {
                if signed_out.contains(&s.name.as_str()) {
                    Some(crate::checks::login_hint(&s.name))
                } else if s
                    .findings
                    .contains(&crate::checks::Code::MissingRegistration)
                {
                    crate::report::servers::next_step(s)
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
        // Flat: what was changed, what was skipped at write time and why, and the backup.
        "applied": applied.map_or(&[][..], |a| &a.applied[..]),
        "skipped": applied.map_or(&[][..], |a| &a.skipped[..]),
        "backup": applied.and_then(|a| a.backup.as_ref()),
        "remaining": { "errors": errors, "warnings": warnings, "infos": infos },
        "findings": now.findings,
    }))
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
