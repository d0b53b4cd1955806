//! `report`: everything a bug ticket needs, as data (`--format json`) or as GitHub-flavoured
//! Markdown, with no secret in it: tokens appear only as `sha256:<8 hex> len=<n>`, URLs without
//! userinfo or query values, paths with the home as `~`, and (`--anonymize`) server names, hosts,
//! key hashes and project folders replaced by stable placeholders.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::path::{Path, PathBuf};

use serde::Serialize;
use serde_json::Value;

use super::files::{self, FileReport};
use super::servers::ServerReport;
use crate::checks::{Finding, Severity};
use crate::diagnosis::Diagnosis;
use crate::fix::plan::Plan;
use crate::model::entry::Entry;
use crate::model::secret::SecretInfo;
use crate::paths::Locations;
use crate::render::style::{count, plural, sanitize};
use crate::system::keychain::KeychainRead;
use crate::system::processes::{ClaudeProcess, ProcessScan};
use crate::{redact, timefmt};

#[derive(Debug, Serialize)]
pub struct Ticket {
    pub schema: u32,
    /// When the report was made, by the real clock.
    pub generated_at: String,
    /// The time the diagnosis used: the clock, or a pinned `--now`.
    pub now: String,
    /// How a pinned "now" was given (`--now 1780315200, read as epoch seconds`); absent for the
    /// clock.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub now_from: Option<String>,
    pub summary: Summary,
    pub environment: Environment,
    pub files: Vec<FileReport>,
    pub servers: Vec<ServerReport>,
    pub findings: Vec<Finding>,
    pub plan: Plan,
    pub mcp_oauth: Vec<EntryProjection>,
    /// Container / WSL / none (model::host), as `paths` shows it.
    pub host: crate::model::host::HostReport,
}

#[derive(Debug, Serialize)]
pub struct Summary {
    pub servers: usize,
    pub unusable: usize,
    pub errors: usize,
    pub warnings: usize,
    pub infos: usize,
    /// The main problem and what it means: the code behind most findings about servers that
    /// sessions skip or that need a login, before any other error or warning.
    pub top_cause: Option<(String, String)>,
}

#[derive(Debug, Serialize)]
pub struct Environment {
    pub tool_version: String,
    pub os: String,
    pub arch: String,
    /// `claude --version`, or why it is unknown.
    pub claude_version: String,
    /// State-moving variables that are set, with paths shown with `~`.
    pub env_vars: BTreeMap<String, String>,
    pub processes: ProcessScan,
    pub lock_dirs: Vec<(String, u64)>,
    pub temp_files: Vec<String>,
    pub corrupted_config_backups: usize,
    pub global_config_bytes: Option<u64>,
    pub projects: usize,
    pub keychain: Option<String>,
    /// Pids of the processes that use this report's config dir (not shown; labels processes).
    #[serde(skip)]
    pub processes_here: Vec<u32>,
}

/// One `mcpOAuth` entry, as much as can be shown safely.
#[derive(Debug, Serialize)]
pub struct EntryProjection {
    pub key: String,
    pub fields: Vec<String>,
    pub token: String,
    pub access_token: Option<SecretInfo>,
    pub refresh_token: Option<SecretInfo>,
    pub client_secret: Option<SecretInfo>,
    pub expires: Option<String>,
    /// RFC 3339, as the Servers table shows it.
    pub expires_at: Option<String>,
    pub server_url: Option<String>,
    pub live: bool,
}

/// What the caller measured outside the diagnosis.
pub struct Extras {
    pub claude_version: String,
    pub plan: Plan,
    /// The real clock when the report was made (epoch ms).
    pub generated_ms: i64,
    /// How a pinned "now" was given, if it was.
    pub now_from: Option<String>,
}

pub fn build(d: &Diagnosis, extras: Extras) -> Ticket {
    let inv = &d.inventory;
    let (errors, warnings, infos) = d.counts();
    // The main problem: what keeps servers from working (sessions skip them, they need a login)
    // comes before file hygiene; then the most severe code, then the most frequent (first seen
    // on a tie).
    let blocked: std::collections::HashSet<&str> = d
        .servers
        .iter()
        .filter(|s| s.verdict.is_problem())
        .map(|s| s.name.as_str())
        .collect();
    let mut counts: Vec<(crate::checks::Code, bool, Severity, usize)> = Vec::new();
    for f in d
        .findings
        .iter()
        .filter(|f| f.severity >= Severity::Warning)
    {
        let blocks = f.server.as_deref().is_some_and(|n| blocked.contains(n));
        match counts.iter_mut().find(|(c, _, _, _)| *c == f.code) {
            Some(entry) => {
                entry.1 |= blocks;
                entry.3 += 1;
            }
            None => counts.push((f.code, blocks, f.severity, 1)),
        }
    }
    let top_cause = counts
        .iter()
        .rev()
        .max_by_key(|(_, blocks, sev, n)| (*blocks, *sev, *n))
        .map(|(code, _, _, _)| code)
        .and_then(|code| crate::checks::find(*code))
        .map(|info| (info.code.to_string(), info.summary.to_string()));
    let home = &inv.locations.home.path;
    let env_vars = inv
        .locations
        .ignored_env
        .iter()
        .map(|k| (k.clone(), "(set, ignored: --home)".to_string()))
        .chain(
            [
                ("CLAUDE_CONFIG_DIR", Some(&inv.locations.config_dir)),
                ("CLAUDE_SECURESTORAGE_CONFIG_DIR", None),
            ]
            .into_iter()
            .filter_map(|(name, chosen)| match chosen {
                Some(c) if c.rule == "$CLAUDE_CONFIG_DIR" => {
                    Some((name.to_string(), inv.locations.display(&c.path)))
                }
                None if inv.locations.credentials.rule == "$CLAUDE_SECURESTORAGE_CONFIG_DIR" => {
                    Some((
                        name.to_string(),
                        inv.locations
                            .display(inv.credentials.path.parent().unwrap_or(home)),
                    ))
                }
                _ => None,
            }),
        )
        .collect();
    let live = inv.live_keys();
    let secret_of = |v: &Value, field: &str| -> Option<SecretInfo> {
        v.get(field)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .map(SecretInfo::of)
    };
    let mcp_oauth = inv
        .entries
        .iter()
        .map(|e: &Entry| {
            let raw = inv.file_first_entry(e.key()).unwrap_or(Value::Null);
            EntryProjection {
                key: e.key().to_string(),
                fields: e.field_list(),
                token: serde_json::to_value(e.token)
                    .ok()
                    .and_then(|v| v.as_str().map(String::from))
                    .unwrap_or_default(),
                access_token: e.access_token.clone(),
                refresh_token: e.refresh_token.clone(),
                client_secret: secret_of(&raw, "clientSecret"),
                expires: e.expires_at().map(|t| timefmt::relative(t, inv.now_ms)),
                expires_at: e.expires_at().map(timefmt::rfc3339),
                server_url: e.server_url().map(redact::url),
                live: live.contains_key(e.key()),
            }
        })
        .collect();
    let mut files = files::files(inv);
    for f in &mut files {
        f.path = inv.locations.display(Path::new(&f.path));
        if let Some(t) = &f.target {
            f.target = Some(inv.locations.display(Path::new(t)));
        }
    }
    let servers = super::servers::reports(&d.servers);
    Ticket {
        schema: 1,
        generated_at: timefmt::rfc3339(extras.generated_ms),
        now: timefmt::rfc3339(inv.now_ms),
        now_from: extras.now_from,
        summary: Summary {
            servers: d.servers.len(),
            unusable: d.servers.iter().filter(|s| s.verdict.is_problem()).count(),
            errors,
            warnings,
            infos,
            top_cause,
        },
        environment: Environment {
            tool_version: env!("CARGO_PKG_VERSION").into(),
            os: std::env::consts::OS.into(),
            arch: std::env::consts::ARCH.into(),
            claude_version: extras.claude_version,
            env_vars,
            processes: processes_shown(&inv.processes, &inv.locations),
            lock_dirs: inv
                .lock_dirs
                .iter()
                .map(|l| (inv.locations.display(&l.path), l.age_seconds))
                .collect(),
            temp_files: inv
                .temp_files
                .iter()
                .map(|p| inv.locations.display(p))
                .collect(),
            corrupted_config_backups: inv.corrupted_backups,
            global_config_bytes: inv.global.facts.size,
            projects: inv.global.content.as_ref().map_or(0, |c| c.projects.len()),
            processes_here: inv
                .processes_using_config_dir()
                .iter()
                .map(|p| p.pid)
                .collect(),
            keychain: inv.keychain.as_ref().map(|k| match k {
                KeychainRead::Found { service, .. } => format!("\"{service}\": read"),
                KeychainRead::NotFound { service, why } => format!("\"{service}\": {why}"),
            }),
        },
        files,
        servers,
        // Each action as the plan carries it out (a placeholder's removal folded into a move).
        findings: super::plan::findings_as_planned(&d.findings, &extras.plan)
            .into_iter()
            .map(|mut f| {
                f.file = f.file.map(|p| inv.locations.display(Path::new(&*p)).into());
                if let Some(a) = &mut f.action {
                    a.path = inv.locations.display(&a.path).into();
                }
                f
            })
            .collect(),
        plan: plan_shown(extras.plan, &inv.locations),
        mcp_oauth,
        host: inv.host.report(),
    }
}

/// The process scan with each config dir shown with `~`.
fn processes_shown(scan: &ProcessScan, locations: &Locations) -> ProcessScan {
    match scan {
        ProcessScan::Scanned { processes } => ProcessScan::Scanned {
            processes: processes
                .iter()
                .map(|p| ClaudeProcess {
                    pid: p.pid,
                    config_dir: p
                        .config_dir
                        .as_deref()
                        .map(|c| PathBuf::from(locations.display(c))),
                    canonical_config_dir: p.canonical_config_dir.clone(),
                })
                .collect(),
        },
        other => other.clone(),
    }
}

/// The plan with each step's file shown with `~` (the summaries already are).
fn plan_shown(mut plan: Plan, locations: &Locations) -> Plan {
    let steps = plan
        .steps
        .iter_mut()
        .chain(plan.kept.iter_mut().map(|k| &mut k.step));
    for st in steps {
        st.action.path = locations.display(&st.action.path).into();
    }
    plan
}

/// Text in a paragraph or list: no HTML, one line.
fn text(s: &str) -> String {
    sanitize(s)
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace(['\n', '\r'], " ")
}

/// Text in a Markdown table cell: no HTML, no pipes breaking the table, one line.
fn md(s: &str) -> String {
    sanitize(s)
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('|', "\\|")
        .replace(['\n', '\r'], " ")
}

/// Inline code in a table cell: backticks cannot be escaped inside, so they are dropped; a pipe
/// needs its backslash even inside code in a GFM table cell.
fn code(s: &str) -> String {
    format!("`{}`", sanitize(s).replace('`', "'").replace('|', "\\|"))
}

/// Inline code outside a table, where a backslash would be shown literally.
fn code_inline(s: &str) -> String {
    format!("`{}`", sanitize(s).replace('`', "'"))
}

pub fn markdown(t: &Ticket) -> String {
    let mut out = String::new();
    let s = &t.summary;
    let _ = writeln!(
        out,
        "# MCP OAuth state report (mcp-auth-doctor {})\n",
        t.environment.tool_version
    );
    let clock = match &t.now_from {
        Some(from) => format!(" The diagnosis used the time {} ({}).", t.now, text(from)),
        None => String::new(),
    };
    let _ = writeln!(
        out,
        "Generated {} by mcp-auth-doctor.{clock} Secrets appear only as `sha256:<8 hex> len=<n>` \
         fingerprints; URLs without userinfo or query values; paths with the home as `~`.\n",
        t.generated_at
    );
    let cause = match &s.top_cause {
        Some((code_, summary)) => format!(" The main problem is `{code_}`: {}.", text(summary)),
        None => String::new(),
    };
    let _ = writeln!(
        out,
        "**Summary.** {} configured, {} unusable in sessions. {}, {}, {}.{cause}\n",
        plural(s.servers, "MCP server"),
        s.unusable,
        capitalized(&count(s.errors, "error")),
        count(s.warnings, "warning"),
        count(s.infos, "info"),
    );

    let e = &t.environment;
    out.push_str("## Environment\n\n| What | Value |\n|---|---|\n");
    let _ = writeln!(out, "| mcp-auth-doctor | {} |", md(&e.tool_version));
    let _ = writeln!(out, "| OS | {} {} |", md(&e.os), md(&e.arch));
    let host = match t.host.kind {
        "none" => "none".to_string(),
        kind => format!("{kind}: {}", t.host.detail),
    };
    let _ = writeln!(out, "| Host | {} |", md(&host));
    let _ = writeln!(out, "| `claude --version` | {} |", md(&e.claude_version));
    for (k, v) in &e.env_vars {
        let _ = writeln!(out, "| `{}` | {} |", k, md(v));
    }
    let procs = match &e.processes {
        ProcessScan::Scanned { processes } if processes.is_empty() => "none".to_string(),
        ProcessScan::Scanned { processes } => processes
            .iter()
            .map(|p| {
                let whose = match &p.config_dir {
                    None => "config dir unknown",
                    Some(_) if e.processes_here.contains(&p.pid) => "this config dir",
                    Some(_) => "another config dir",
                };
                format!("pid {} ({whose})", p.pid)
            })
            .collect::<Vec<_>>()
            .join(", "),
        ProcessScan::CannotTell { why } => format!("cannot tell ({why})"),
    };
    let _ = writeln!(out, "| Running Claude Code | {} |", md(&procs));
    if let Some(k) = &e.keychain {
        let _ = writeln!(out, "| Keychain | {} |", md(k));
    }
    let locks = if e.lock_dirs.is_empty() {
        "none".to_string()
    } else {
        e.lock_dirs
            .iter()
            .map(|(p, age)| format!("{p} ({age} s old)"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let _ = writeln!(out, "| Lock directories | {} |", md(&locks));
    let temps = if e.temp_files.is_empty() {
        "none".into()
    } else {
        e.temp_files.join(", ")
    };
    let _ = writeln!(out, "| Leftover temp files | {} |", md(&temps));
    let _ = writeln!(
        out,
        "| `.claude.json` corrupted copies | {} |",
        e.corrupted_config_backups
    );
    if let Some(bytes) = e.global_config_bytes {
        let _ = writeln!(
            out,
            "| `.claude.json` size | {} bytes, {} projects |",
            bytes, e.projects
        );
    }

    out.push_str("\n## Files\n\n| Role | Path | Present | Size | Mode | Modified | Parse |\n|---|---|---|---|---|---|---|\n");
    for f in &t.files {
        let role = serde_json::to_value(f.role)
            .ok()
            .and_then(|v| v.as_str().map(String::from))
            .unwrap_or_default();
        let mut path = code(&f.path);
        for l in &f.symlinks {
            let _ = write!(path, " → {}", code(&l.points_to));
        }
        let parse = match &f.error {
            Some(err) => format!("{} (line {}, column {})", f.parse, err.line, err.column),
            None => f.parse.clone(),
        };
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} |",
            role,
            path,
            if f.present { "yes" } else { "no" },
            f.size.map_or("-".into(), |s| s.to_string()),
            f.mode.clone().unwrap_or_else(|| "-".into()),
            f.modified.clone().unwrap_or_else(|| "-".into()),
            md(&parse)
        );
    }

    out.push_str("\n## Servers\n\n");
    if t.servers.is_empty() {
        out.push_str("No MCP servers are configured.\n");
    } else {
        out.push_str("| Server | Scope | Transport | Token | Expires | Marker | Verdict |\n|---|---|---|---|---|---|---|\n");
        for sv in &t.servers {
            let scopes: Vec<&str> = sv
                .scopes
                .iter()
                .map(|s| s.split(':').next().unwrap_or(s))
                .collect();
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} | {} |",
                code(&sv.name),
                md(&scopes.join(", ")),
                md(sv.transport.as_deref().unwrap_or("stdio")),
                sv.token.state,
                sv.token.expires_at.as_deref().unwrap_or("-"),
                sv.marker.state,
                super::servers::verdict_word(sv.verdict)
            );
        }
        // The findings refer to these for how to sign in: each is said once, here.
        let next: Vec<&ServerReport> = t.servers.iter().filter(|s| s.next_step.is_some()).collect();
        if !next.is_empty() {
            out.push_str("\nNext steps:\n\n");
            for sv in next {
                let _ = writeln!(
                    out,
                    "- {}: {}",
                    code_inline(&sv.name),
                    text(sv.next_step.as_deref().unwrap_or_default())
                );
            }
        }
    }

    out.push_str("\n## Findings\n\n");
    if t.findings.is_empty() {
        out.push_str("None.\n");
    } else {
        out.push_str("| Severity | Code | Server | Message |\n|---|---|---|---|\n");
        for f in &t.findings {
            let _ = writeln!(
                out,
                "| {} | `{}` | {} | {} |",
                f.severity.label(),
                f.code,
                f.server.as_deref().map_or("-".into(), code),
                md(first_sentence(&f.message.text()))
            );
        }
        out.push('\n');
        for f in &t.findings {
            let who = f
                .server
                .as_deref()
                .map(|s| format!(" ({})", text(s)))
                .unwrap_or_default();
            let _ = write!(
                out,
                "<details><summary>{}: <code>{}</code>{who}</summary>\n\n{}\n\n",
                f.severity.label(),
                f.code,
                text(&f.message.text())
            );
            if let Some(k) = &f.key {
                let _ = writeln!(out, "- key: {}", code_inline(k));
            }
            if let Some(l) = &f.location {
                let _ = writeln!(out, "- at line {}, column {}", l.line, l.column);
            }
            for (name, value) in f.evidence.iter() {
                let _ = writeln!(out, "- {}: {}", text(name), code_inline(&value.to_string()));
            }
            if let Some(a) = &f.action {
                let _ = writeln!(out, "- fix would: {}", text(&a.summary()));
            }
            out.push_str("\n</details>\n\n");
        }
    }

    out.push_str("\n## Plan (dry run of `mcp-auth-doctor fix`)\n\n");
    let n = t.plan.steps.len();
    let _ = write!(
        out,
        "<details><summary>{n} change{} fix would make, {} kept</summary>\n\n",
        if n == 1 { "" } else { "s" },
        t.plan.kept.len()
    );
    if n == 0 && t.plan.kept.is_empty() {
        out.push_str("Nothing to change.\n");
    }
    for st in &t.plan.steps {
        let _ = writeln!(out, "- {} (`{}`)", text(&st.action.summary()), st.code);
    }
    for k in &t.plan.kept {
        let _ = writeln!(
            out,
            "- kept: {} (`{}`): {}",
            text(&k.step.action.summary()),
            k.step.code,
            text(&k.reason)
        );
    }
    out.push_str("\n</details>\n");

    out.push_str("\n## `mcpOAuth`, redacted\n\n");
    if t.mcp_oauth.is_empty() {
        out.push_str("No entries.\n");
    } else {
        out.push_str("| Key | Live | Token | Access token | Refresh token | Client secret | Expires | Server URL | Fields |\n|---|---|---|---|---|---|---|---|---|\n");
        let show =
            |s: &Option<SecretInfo>| s.as_ref().map_or("-".to_string(), |i| code(&i.to_string()));
        for p in &t.mcp_oauth {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} | {} | {} | {} |",
                code(&p.key),
                if p.live { "yes" } else { "no" },
                p.token,
                show(&p.access_token),
                show(&p.refresh_token),
                show(&p.client_secret),
                p.expires_at.as_deref().unwrap_or("-"),
                p.server_url.as_deref().map_or("-".into(), code),
                md(&p.fields.join(", "))
            );
        }
    }
    out
}

fn capitalized(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

fn first_sentence(s: &str) -> &str {
    match s.find(". ") {
        Some(i) => &s[..=i],
        None => s,
    }
}
