//! `login NAME`: the whole recovery for one server. Repair its state (placeholder, dead client,
//! stale marker, a token to move), run the client's own sign-in (`claude mcp login NAME` on
//! 2.1.186+; older releases: the `/mcp` steps, then wait for Enter), clear the needs-auth marker
//! the tokenless connect during sign-in leaves (2.1.100 writes one, and `claude -p` sessions then
//! skip the server for 15 minutes: observed), and check again.
//!
//! Without `claude` on PATH it says so and stops before changing anything: the sign-in is the
//! point of the command, and the repair alone is `fix --server NAME`.

use std::fmt::Write as _;
use std::io::BufRead;
use std::process::Command;

use anyhow::{Result, bail};

mod output;

use output::{INDENT, LoginDocument, emit, indent, verdict_line, without_summary};

use super::Context;
use super::fix;
use crate::checks::{self, ActionKind, shell_quote};
use crate::diagnosis::Diagnosis;
use crate::fix::plan::{self, Plan, Selection, Step};
use crate::fix::{self as repair, WriteOptions};
use crate::model::release::{self, Release, Rule};
use crate::model::server::{NameKind, Scope};
use crate::render::servers::{ServerReport, Verdict};
use crate::{Outcome, exit};

/// How the sign-in happens.
#[derive(Debug, Clone, PartialEq, Eq)]
enum SignIn {
    /// `claude mcp login NAME [--no-browser]`.
    Cli(Vec<String>),
    /// An older release, a plugin server or a claude.ai connector: `/mcp` in a session.
    InSession,
}

pub fn login(ctx: &Context<'_>, name: &str, no_browser: bool) -> Result<Outcome> {
    let w = &ctx.config.write;
    let mut missing_claude = None;
    let first = Diagnosis::of(ctx.load()?);
    fix::require_known(&first.inventory, &[name.to_string()])?;
    if !first.inventory.is_configured(name) {
        bail!(exit::Error::Usage(format!(
            "'{name}' has OAuth state but no scope configures it, so there is nothing to sign in \
             to; `mcp-auth-doctor fix --server {}` cleans its state up",
            shell_quote(name)
        )));
    }
    // Root on another user's home: their `claude` would run as root, load their config (a planted
    // headersHelper or plugin runs as root) and leave root-owned files in their home.
    if first.inventory.trust.root_on_other_home() {
        bail!(exit::Error::Usage(format!(
            "login runs `claude` and will not do that as root on another user's home; run it as \
             that user instead (e.g. `sudo -u USER mcp-auth-doctor login {}`)",
            shell_quote(name)
        )));
    }
    // A server Claude Code does not load here (disabled, rejected, denied, suppressed): a
    // sign-in would not connect it, and `claude mcp login` may refuse it. Say what to switch on.
    let mut in_use = first.inventory.in_use_named(name).peekable();
    if in_use.peek().is_some() && in_use.all(|s| s.loading.is_dead()) {
        let verdict = first
            .servers
            .iter()
            .find(|s| s.name == name && s.verdict != Verdict::Shadowed)
            .map_or("not loaded".to_string(), |s| {
                crate::render::servers::verdict_word(s.verdict)
            });
        bail!(exit::Error::Usage(format!(
            "'{name}' is {verdict} in this folder: Claude Code does not load it, so signing in \
             would not connect it. Nothing was changed. `mcp-auth-doctor status {}` says which \
             setting keeps it off; switch it on first, then run login again",
            shell_quote(name)
        )));
    }
    // A server loaded here only through a local scope of another folder: Claude Code loads it in
    // sessions started there, and `claude mcp login` run from here would not find it.
    let here = first.inventory.current_project();
    let elsewhere: Vec<&str> = first
        .inventory
        .in_use_named(name)
        .map(|s| match &s.scope {
            Scope::Local { project, .. } if Some(project.as_str()) != here => {
                Some(project.as_str())
            }
            _ => None,
        })
        .collect::<Option<Vec<&str>>>()
        .unwrap_or_default();
    if let Some(folder) = elsewhere.first() {
        let folder = first
            .inventory
            .locations
            .display(std::path::Path::new(folder));
        bail!(exit::Error::Usage(format!(
            "'{name}' is not loaded in this folder: it is configured only in the local scope of \
             {folder}, so Claude Code loads it in sessions started there. Nothing was changed. \
             Run login for that folder: `mcp-auth-doctor --project {} login {}`",
            shell_quote(&folder),
            shell_quote(name)
        )));
    }
    // A definition Claude Code rejects (or one in a scope it drops): a sign-in would not connect
    // it. Say what to fix first.
    let invalid = first
        .servers
        .iter()
        .filter(|s| s.name == name && s.verdict != Verdict::Shadowed)
        .collect::<Vec<_>>();
    if !invalid.is_empty() && invalid.iter().all(|s| s.verdict == Verdict::InvalidConfig) {
        let first_step = crate::render::servers::next_step(invalid[0])
            .unwrap_or_else(|| "fix its definition".into());
        bail!(exit::Error::Usage(format!(
            "'{name}' is invalid-config: Claude Code rejects its definition or drops its scope, \
             so signing in would not connect it. Nothing was changed. First: {first_step}; then \
             `mcp-auth-doctor check`"
        )));
    }
    // A server that already connects needs no sign-in: running one would replace a working token
    // and open a browser for nothing.
    let mut mine = first
        .servers
        .iter()
        .filter(|s| s.name == name && s.verdict != Verdict::Shadowed)
        .peekable();
    if mine.peek().is_some() && mine.all(|s| matches!(s.verdict, Verdict::Ok | Verdict::Refreshes))
    {
        return Ok(already_connects(ctx, &first, name, no_browser));
    }
    let version = match crate::system::claude_version::claude_version() {
        Ok(v) => v,
        // A dry run runs no `claude`: it says what a real run would, by the release assumed.
        Err(why) if w.dry_run => {
            missing_claude = Some(why);
            first.inventory.release.release.to_string()
        }
        Err(why) => bail!(
            "cannot run `claude` ({why}): it is not on PATH, and login signs in with it. Nothing \
             was changed. Sign in from a Claude Code session (/mcp → {} → Authenticate), then run \
             `mcp-auth-doctor fix --server {}`",
            name,
            shell_quote(name)
        ),
    };
    let sign_in = sign_in_for(name, &version, no_browser);
    // `claude mcp login` refuses to run without a terminal ("this isn't an interactive
    // terminal"), and before refusing 2.1.332 already cleared the stored token (judged with the
    // real client, tests/real-client/README.md): refuse first, before any repair.
    if matches!(sign_in, SignIn::Cli(_)) && !w.dry_run && !has_terminal() {
        bail!(exit::Error::Usage(format!(
            "`claude mcp login` needs a terminal, and this run has none (stdin is not a \
             terminal). Nothing was changed. Run `mcp-auth-doctor login {}` in a terminal, or \
             `mcp-auth-doctor fix --server {}` here and sign in from a Claude Code session (/mcp)",
            shell_quote(name),
            shell_quote(name)
        )));
    }
    let mut doc = LoginDocument::new(name, w.dry_run, &sign_in);

    emit(ctx, &format!("1. Repair the state of '{name}'\n"));
    let selection = Selection {
        safe_only: true,
        servers: vec![name.to_string()],
        ..Selection::default()
    };
    let make_plan = |d: &Diagnosis| plan::for_findings(&d.inventory, &d.findings, &selection);
    let moves_to_live_key = moves_to_live_key(&first, name, &make_plan(&first));
    // The repair's report is shown indented under step 1: it is laid out for that much less.
    let page = crate::render::style::page_width();
    crate::render::style::set_page_width(page.saturating_sub(INDENT.len()));
    let repaired = fix::run(ctx, "login", &[], &make_plan);
    crate::render::style::set_page_width(page);
    let repaired = repaired?;
    if ctx.json() {
        doc.repair = serde_json::from_str(&repaired.stdout).unwrap_or(serde_json::Value::Null);
    } else {
        emit(ctx, &indent(&without_summary(&repaired.stdout)));
    }
    if !repaired.stderr.is_empty() {
        // Printed now, past `run`'s redaction of the outcome: redacted here.
        eprint!("{}", crate::redact::output(&repaired.stderr));
    }
    if repaired.exit & (exit::COULD_NOT_RUN | exit::CANCELLED) != 0 {
        doc.sign_in.result = "not-run";
        return Ok(doc.finish(ctx, String::new(), repaired.exit));
    }
    let mut changed = repaired.exit & exit::FIXED;

    let sign_in_text = match &sign_in {
        SignIn::Cli(args) => format!("run `claude {}`", args.join(" ")),
        SignIn::InSession => format!(
            "in a Claude Code session: /mcp → {name} → Authenticate (`{version}` has no `claude \
             mcp login`{})",
            match NameKind::of(name) {
                NameKind::Plain => "",
                _ => ", and this kind of server signs in only there",
            }
        ),
    };
    if w.dry_run {
        let unless = if moves_to_live_key {
            ", unless the move above leaves a token Claude Code connects with (then login skips \
             it)"
        } else {
            ""
        };
        emit(
            ctx,
            &format!(
                "2. Sign in{unless}: {sign_in_text}\n{}3. Remove the needs-auth marker the sign-in \
                 leaves, if the server then has a usable token\n4. Check '{name}' again\nDry run: \
                 nothing was changed.\n",
                match &missing_claude {
                    Some(why) => format!(
                        "   (`claude` is not on PATH ({why}): a real run needs it, or sign in \
                         from a Claude Code session: /mcp → {name} → Authenticate)\n"
                    ),
                    None => String::new(),
                }
            ),
        );
        doc.sign_in.result = "planned";
        doc.servers = reports_for(&first, name);
        return Ok(doc.finish(ctx, String::new(), super::inspect::exit_for(&first)));
    }

    // The repair may have moved a usable token to the live key (a URL edited on the same
    // origin): Claude Code then connects without a sign-in (observed), so running one would only
    // replace a working token and open a browser for nothing.
    let after_repair = Diagnosis::of(ctx.load()?);
    let needs_sign_in = !(changed != 0
        && !usable_under_live_key(&first, name)
        && usable_under_live_key(&after_repair, name));
    let mut notes = String::new();
    if !needs_sign_in {
        doc.sign_in.result = "not-needed";
        emit(
            ctx,
            &format!(
                "2. Sign in: not needed: the repair left a usable token under the live key, and\n   \
                 Claude Code connects with it (if the server rejects it: `mcp-auth-doctor login \
                 {}`)\n",
                shell_quote(name)
            ),
        );
    } else {
        emit(ctx, &format!("2. Sign in: {sign_in_text}\n"));
        match &sign_in {
            SignIn::Cli(args) => {
                let mut cmd = child_claude(ctx);
                if ctx.json() {
                    // stdout is the JSON document's; the client's own lines go to stderr.
                    cmd.stdout(std::io::stderr());
                }
                match cmd.args(args).status() {
                    Ok(s) if s.success() => doc.sign_in.result = "done",
                    Ok(s) => {
                        doc.sign_in.result = "failed";
                        let _ = writeln!(notes, "`claude mcp login` ended with {s}.");
                    }
                    Err(e) => {
                        doc.sign_in.result = "could-not-run";
                        let _ = writeln!(notes, "`claude mcp login` could not run: {e}.");
                    }
                }
            }
            SignIn::InSession => {
                emit(
                    ctx,
                    "   Press Enter here when you have signed in (Ctrl-C to stop).\n",
                );
                let mut line = String::new();
                if std::io::stdin().lock().read_line(&mut line).unwrap_or(0) == 0 {
                    let stopped = format!(
                        "No input to wait on: stopped. Once signed in, run `mcp-auth-doctor fix \
                         --server {}`.\n",
                        shell_quote(name)
                    );
                    emit(ctx, &stopped);
                    doc.sign_in.result = "not-run";
                    doc.sign_in.message = Some(stopped.trim_end().to_string());
                    return Ok(doc.finish(ctx, String::new(), exit::CANCELLED | changed));
                }
                doc.sign_in.result = "done";
            }
        }
    }

    emit(ctx, "3. Remove the needs-auth marker the sign-in leaves\n");
    let signed_in = Diagnosis::of(ctx.load()?);
    let marker_plan = marker_after_sign_in(&signed_in, name);
    if marker_plan.is_empty() {
        let why = if signed_in.inventory.marker(name).is_some() {
            "   The marker stays: the server has no usable token, so it still needs a sign-in.\n"
        } else {
            "   There is none.\n"
        };
        emit(ctx, why);
    } else {
        let mut break_stale = |_: &std::path::Path, _: std::time::Duration| w.break_stale_lock;
        let mut opts = WriteOptions {
            lock_wait: w.lock_wait,
            break_stale: &mut break_stale,
            command: "login",
        };
        let applied = match repair::apply(
            &signed_in.inventory,
            marker_plan.steps.iter().collect(),
            &mut opts,
        )? {
            repair::Attempt::Done(applied) => applied,
            repair::Attempt::Replan(path) => {
                return Err(exit::Error::ChangedUnderneath(path).into());
            }
        };
        if !applied.applied.is_empty() {
            changed = exit::FIXED;
        }
        emit(
            ctx,
            &indent(&crate::render::plan::applied(
                &applied,
                &signed_in.inventory.locations,
                ctx.style(),
            )),
        );
        doc.marker = applied.applied.into_iter().cloned().collect();
    }

    emit(ctx, &format!("4. Check '{name}' again\n"));
    let now = Diagnosis::of(ctx.load()?);
    let mut out = String::new();
    // A failed sign-in, or no token after it, is not what login was run for.
    let mut problem = !notes.is_empty();
    for s in now.servers.iter().filter(|s| s.name == name) {
        problem |= s.verdict.is_problem() || s.verdict == Verdict::NoToken;
        out.push_str(&verdict_line(&crate::render::servers::report(s)));
    }
    out.push_str(&notes);
    if !notes.is_empty() {
        doc.sign_in.message = Some(notes.trim_end().to_string());
    }
    doc.servers = reports_for(&now, name);
    Ok(doc.finish(
        ctx,
        out,
        changed | if problem { exit::PROBLEMS } else { exit::OK },
    ))
}

/// The answer for a server that connects as it is: what it does, and how to sign in again
/// anyway (login itself will not replace a working token).
fn already_connects(ctx: &Context<'_>, d: &Diagnosis, name: &str, no_browser: bool) -> Outcome {
    let release = d.inventory.release.release.to_string();
    let sign_in = sign_in_for(name, &release, no_browser);
    let anyway = match &sign_in {
        SignIn::Cli(args) => format!("`claude {}`", args.join(" ")),
        SignIn::InSession => format!("/mcp → {name} → Authenticate in a Claude Code session"),
    };
    let mut doc = LoginDocument::new(name, ctx.config.write.dry_run, &sign_in);
    doc.sign_in.result = "not-needed";
    doc.servers = reports_for(d, name);
    let mut text =
        format!("'{name}' already connects, so it needs no sign-in. Nothing was changed.\n");
    for s in &doc.servers {
        text.push_str(&verdict_line(s));
    }
    if d.findings
        .iter()
        .any(|f| f.server.as_deref() == Some(name) && f.action.is_some())
    {
        let _ = writeln!(
            text,
            "Left over state of it can go: `mcp-auth-doctor fix --server {}`",
            shell_quote(name)
        );
    }
    let _ = writeln!(
        text,
        "To sign in again anyway (the server rejects the token, or you want another account): \
         {anyway}"
    );
    let text = crate::redact::free_text(&text);
    let text = super::pasteable::pasteable(&text, &ctx.config.overrides);
    doc.finish(ctx, text, exit::OK)
}

fn reports_for(d: &Diagnosis, name: &str) -> Vec<ServerReport> {
    d.servers
        .iter()
        .filter(|s| s.name == name)
        .map(crate::render::servers::report)
        .collect()
}

/// Whether the plan moves an entry to a live key of this server (the move that can make the
/// sign-in unneeded).
fn moves_to_live_key(d: &Diagnosis, name: &str, plan: &Plan) -> bool {
    let live: Vec<&str> = d
        .inventory
        .servers_named(name)
        .filter_map(|s| s.key.as_deref())
        .collect();
    plan.steps.iter().any(|s| {
        matches!(&s.action.kind, ActionKind::MoveEntry { to, .. } if live.contains(&to.as_str()))
    })
}

/// Whether a live key of this server holds a usable token (valid, or refreshable).
fn usable_under_live_key(d: &Diagnosis, name: &str) -> bool {
    let inv = &d.inventory;
    inv.servers_named(name)
        .filter_map(|s| s.key.as_deref().and_then(|k| inv.entry(k)))
        .any(|e| e.token.usable())
}

/// Which sign-in the installed release offers for this server.
fn sign_in_for(name: &str, version: &str, no_browser: bool) -> SignIn {
    // `claude mcp login` exists from the release the table says (2.1.100 has no such command).
    let cli = NameKind::of(name) == NameKind::Plain
        && Release::parse(version).is_none_or(|v| release::holds(Rule::CliLogin, v));
    if !cli {
        return SignIn::InSession;
    }
    let mut args = vec!["mcp".to_string(), "login".to_string(), name.to_string()];
    if no_browser {
        args.push("--no-browser".into());
    }
    SignIn::Cli(args)
}

/// `claude`, run where this run looks: the same home, config dir and project folder.
fn child_claude(ctx: &Context<'_>) -> Command {
    let mut cmd = Command::new("claude");
    let o = &ctx.config.overrides;
    if let Some(home) = &o.home {
        cmd.env("HOME", home);
        // --home ignores the shell's state variables; so must the client it runs.
        for var in ["CLAUDE_CONFIG_DIR", "CLAUDE_SECURESTORAGE_CONFIG_DIR"] {
            cmd.env_remove(var);
        }
    }
    if let Some(dir) = &o.config_dir {
        cmd.env("CLAUDE_CONFIG_DIR", dir);
    }
    if let Some(project) = &o.project {
        cmd.current_dir(project);
    }
    cmd
}

/// The marker removal, when the server has a usable token under its live key now (a marker in
/// front of a usable token only makes sessions skip a working server).
fn marker_after_sign_in(d: &Diagnosis, name: &str) -> Plan {
    let inv = &d.inventory;
    let mut plan = Plan::default();
    if usable_under_live_key(d, name) && inv.marker(name).is_some() {
        let action = checks::remove_marker(inv, name);
        plan.steps.push(Step::new("login", Some(name), action));
    }
    plan
}

/// Whether `claude mcp login` will find a terminal (it inherits our stdin). Debug builds (the
/// tests) may say so with `MCP_AUTH_DOCTOR_TEST_TTY=1`, as the fake `claude` then behaves like one
/// run in a terminal.
fn has_terminal() -> bool {
    #[cfg(debug_assertions)]
    if let Ok(v) = std::env::var("MCP_AUTH_DOCTOR_TEST_TTY") {
        return v == "1";
    }
    std::io::IsTerminal::is_terminal(&std::io::stdin())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cli_login_exists_from_2_1_186_and_only_for_plain_names() {
        let cli = |v: &str, n: &str| matches!(sign_in_for(n, v, false), SignIn::Cli(_));
        assert!(cli("2.1.332 (Claude Code)", "linear"));
        assert!(cli("2.1.186 (Claude Code)", "linear"));
        assert!(!cli("2.1.100 (Claude Code)", "linear"));
        assert!(!cli("2.1.332 (Claude Code)", "plugin:acme:docs"));
        assert!(!cli("2.1.332 (Claude Code)", "claude.ai Google Drive"));
        assert!(cli("something else", "linear"), "unknown: try the CLI");
        assert_eq!(
            sign_in_for("linear", "2.1.332", true),
            SignIn::Cli(vec![
                "mcp".into(),
                "login".into(),
                "linear".into(),
                "--no-browser".into()
            ])
        );
    }
}
