//! `paths`: every file Claude Code would use, whether it is there, and which rule chose it.

use std::fmt::Write;

use serde::Serialize;

use super::files::{self, FileReport};
use super::style::{Style, sanitize};
use crate::model::inventory::Inventory;

#[derive(Serialize)]
struct PathsDocument {
    schema: u32,
    home: String,
    home_chosen_by: String,
    config_dir: String,
    config_dir_chosen_by: String,
    project_dir: String,
    /// The time findings are judged at (RFC 3339).
    now: String,
    /// How a pinned time was given and read (`--now 1780315200, read as epoch seconds`); absent
    /// when it is the clock.
    #[serde(skip_serializing_if = "Option::is_none")]
    now_from: Option<String>,
    environment: Vec<EnvVar>,
    files: Vec<FileReport>,
    /// The macOS Keychain item's service name and the rule that named it.
    keychain_service: String,
    keychain_service_chosen_by: &'static str,
    /// Folders under a directory literally named `~` (home or folder checked) holding Claude
    /// Code state: an unexpanded `CLAUDE_CONFIG_DIR=~/...` made them.
    literal_tilde_stores: Vec<String>,
    /// Container / WSL / none: where a sign-in's browser runs elsewhere (model::host).
    host: crate::model::host::HostReport,
}

/// The Keychain service `load` reads (the same inputs: none of ours under `--home`), and its rule.
fn keychain_service(inv: &Inventory) -> (String, &'static str) {
    crate::system::keychain::service_for(
        inv.locations.claude_config_dir_var.as_deref(),
        inv.locations.securestorage_dir.as_deref(),
    )
}

#[derive(Serialize)]
struct EnvVar {
    name: &'static str,
    set: bool,
    /// True when set but ignored because `--home` was given.
    ignored: bool,
}

fn env_vars(inv: &Inventory, env: &crate::paths::Environment) -> Vec<EnvVar> {
    crate::paths::STATE_ENV_VARS
        .iter()
        .map(|name| EnvVar {
            name,
            set: env.vars.contains_key(*name),
            ignored: inv.locations.ignored_env.iter().any(|i| i == name),
        })
        .collect()
}

/// "No Claude Code state found", with the full paths that were looked at and the rule that chose
/// the home, so a mistyped `--home` or an unexpected `$HOME` is visible at once.
pub fn no_state_found(inv: &Inventory) -> String {
    let l = &inv.locations;
    format!(
        "No Claude Code state found: none of {}, {} or {} exists (home {}, from {}).\n\
         Nothing to check. (Use --home DIR or --config-dir DIR to look elsewhere.)\n",
        sanitize(&l.global_config.path.display().to_string()),
        sanitize(&inv.credentials.path.display().to_string()),
        sanitize(&l.config_dir.path.display().to_string()),
        sanitize(&l.home.path.display().to_string()),
        l.home.rule,
    )
}

/// `-v`: where the run looks and why, and the time it judges at, for stderr (paths are not
/// secrets; control characters are still stripped). `locations` is `None` when no home was found
/// (the run then fails with its own error).
pub fn verbose(
    locations: Option<crate::paths::Locations>,
    now_ms: i64,
    now_from: Option<&str>,
) -> String {
    let mut lines = Vec::new();
    if let Some(l) = &locations {
        for (what, chosen) in [
            ("home", &l.home),
            ("config dir", &l.config_dir),
            ("global config", &l.global_config),
            ("credentials", &l.credentials),
            ("needs-auth cache", &l.needs_auth_cache),
        ] {
            lines.push(format!(
                "{what} {} (chosen by {})",
                chosen.path.display(),
                chosen.rule
            ));
        }
        lines.push(format!("project {}", l.project_dir.display()));
    }
    lines.push(format!(
        "now {} ({})",
        crate::timefmt::rfc3339(now_ms),
        now_from.unwrap_or("the clock")
    ));
    lines
        .iter()
        .map(|l| format!("mcp-auth-doctor: {}\n", sanitize(l)))
        .collect()
}

pub fn json(inv: &Inventory, env: &crate::paths::Environment, now_from: Option<&str>) -> String {
    let l = &inv.locations;
    super::json::to_string(&PathsDocument {
        schema: super::json::SCHEMA,
        home: l.home.path.display().to_string(),
        home_chosen_by: l.home.rule.clone(),
        config_dir: l.config_dir.path.display().to_string(),
        config_dir_chosen_by: l.config_dir.rule.clone(),
        project_dir: l.project_dir.display().to_string(),
        now: crate::timefmt::rfc3339(inv.now_ms),
        now_from: now_from.map(String::from),
        environment: env_vars(inv, env),
        files: files::files(inv),
        keychain_service: keychain_service(inv).0,
        keychain_service_chosen_by: keychain_service(inv).1,
        literal_tilde_stores: inv
            .literal_tilde_stores
            .iter()
            .map(|s| s.dir.display().to_string())
            .collect(),
        host: inv.host.report(),
    })
}

pub fn human(
    inv: &Inventory,
    env: &crate::paths::Environment,
    now_from: Option<&str>,
    style: Style,
) -> String {
    let l = &inv.locations;
    let mut out = String::new();
    let now = crate::timefmt::rfc3339(inv.now_ms);
    for (label, value, note) in [
        (
            "home",
            l.home.path.display().to_string(),
            Some(l.home.rule.as_str()),
        ),
        (
            "config dir",
            l.config_dir.path.display().to_string(),
            Some(l.config_dir.rule.as_str()),
        ),
        ("project", l.project_dir.display().to_string(), None),
        ("now", now, Some(now_from.unwrap_or("the clock"))),
    ] {
        header(&mut out, style, label, &value, note);
    }
    let host = inv.host.report();
    let host_note = (host.kind != "none").then_some(host.detail.as_str());
    header(&mut out, style, "host", host.kind, host_note);
    if inv.target_os == "macos" {
        let (service, rule) = keychain_service(inv);
        header(&mut out, style, "keychain", &service, Some(rule));
    }
    for store in &inv.literal_tilde_stores {
        let note = "a folder named ~ holding Claude Code state: see literal-tilde-config-dir";
        header(
            &mut out,
            style,
            "stray",
            &store.dir.display().to_string(),
            Some(note),
        );
    }
    for v in env_vars(inv, env) {
        if v.set {
            let note = if v.ignored {
                " (ignored: --home was given; use --config-dir)"
            } else {
                ""
            };
            let _ = writeln!(out, "{} {} is set{note}", style.bold("env       "), v.name);
        }
    }
    out.push('\n');
    for f in files::files(inv) {
        let role = serde_json::to_value(f.role)
            .ok()
            .and_then(|v| v.as_str().map(String::from))
            .unwrap_or_default();
        let state = if f.present {
            let mut parts = vec![format!("{} bytes", f.size.unwrap_or(0))];
            if let Some(m) = &f.mode {
                parts.push(format!("mode {m}"));
            }
            parts.push(format!("parse: {}", f.parse));
            parts.join(", ")
        } else {
            f.parse.clone()
        };
        let _ = writeln!(out, "{}", style.bold(&role));
        let _ = writeln!(
            out,
            "    {}  {}",
            sanitize(&inv.locations.display(std::path::Path::new(&f.path))),
            style.dim(&format!("[{state}]"))
        );
        for link in &f.symlinks {
            let _ = writeln!(
                out,
                "    {} -> {}",
                sanitize(&inv.locations.display(std::path::Path::new(&link.link))),
                sanitize(&link.points_to)
            );
        }
        let _ = writeln!(
            out,
            "    {}",
            style.dim(&hanging(
                &unnested(&format!("chosen by: {}", f.chosen_by)),
                4
            ))
        );
    }
    out
}

/// `text` wrapped to the page as if it started at column `at`, its later lines indented to `at`.
fn hanging(text: &str, at: usize) -> String {
    let indent = " ".repeat(at);
    super::style::wrap(text, super::style::WIDTH.saturating_sub(at), "")
        .replace('\n', &format!("\n{indent}"))
}

/// `home       /path  (rule)`, with the rule on the lines below when the line would not fit.
fn header(out: &mut String, style: Style, label: &str, value: &str, note: Option<&str>) {
    const COLUMN: usize = 11;
    let label = format!("{label:10}");
    let value = sanitize(value);
    let Some(note) = note.map(|n| unnested(&format!("({})", sanitize(n)))) else {
        let _ = writeln!(out, "{} {value}", style.bold(&label));
        return;
    };
    let one_line = COLUMN + value.chars().count() + 2 + note.chars().count();
    if one_line <= super::style::page_width() {
        let _ = writeln!(out, "{} {value}  {}", style.bold(&label), style.dim(&note));
    } else {
        let _ = writeln!(out, "{} {value}", style.bold(&label));
        let _ = writeln!(
            out,
            "{}{}",
            " ".repeat(COLUMN),
            style.dim(&hanging(&note, COLUMN))
        );
    }
}

/// `text` with a parenthesis inside another one made a comma clause: "(<home>/.claude
/// (CLAUDE_CONFIG_DIR not set))" reads "(<home>/.claude, CLAUDE_CONFIG_DIR not set)". Only a
/// group without `/` that closes where its outer one does is rewritten, so a path that holds
/// parentheses is shown as it is.
fn unnested(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut depth = 0usize;
    // For each open group: whether it is an inner one being rewritten.
    let mut rewritten = Vec::new();
    for (i, c) in text.char_indices() {
        match c {
            '(' => {
                let inner = depth >= 1 && out.ends_with(' ') && {
                    let rest = &text[i + 1..];
                    let end = rest.find(')').unwrap_or(rest.len());
                    !rest[..end].contains(['/', '(']) && rest[end..].starts_with("))")
                };
                depth += 1;
                rewritten.push(inner);
                if inner {
                    out.pop();
                    out.push_str(", ");
                } else {
                    out.push(c);
                }
            }
            ')' if depth > 0 => {
                depth -= 1;
                if !rewritten.pop().unwrap_or(false) {
                    out.push(c);
                }
            }
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod unnested_tests {
    use super::unnested;

    #[test]
    fn an_inner_parenthesis_becomes_a_comma_clause_and_paths_stay() {
        assert_eq!(
            unnested("(<home>/.claude (CLAUDE_CONFIG_DIR not set))"),
            "(<home>/.claude, CLAUDE_CONFIG_DIR not set)"
        );
        assert_eq!(unnested("(a) b"), "(a) b");
        assert_eq!(unnested("(/x/My (stuff)/y)"), "(/x/My (stuff)/y)");
        assert_eq!(unnested("plain"), "plain");
    }
}
