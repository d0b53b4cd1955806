//! The probe report for people and for scripts (`probe` decides; this only renders).

use std::fmt::Write;

use serde::Serialize;

use super::style::{Style, sanitize, severity_tag, wrap};
use crate::checks::Finding;
use crate::probe::steps::StepStatus;
use crate::probe::transcript::Exchange;
use crate::probe::verdict::Shows;
use crate::probe::{self, ProbeReport};

const WIDTH: usize = 100;
/// Response headers worth a line in the human report (JSON has them all).
const SHOWN_HEADERS: &[&str] = &["www-authenticate", "location", "content-type", "server"];
/// Characters of a body in the human report.
const HUMAN_BODY: usize = 240;

fn status_tag(style: Style, s: StepStatus) -> String {
    match s {
        StepStatus::Ok => style.green(s.label()),
        StepStatus::Warning => style.yellow(s.label()),
        StepStatus::Error => style.red(s.label()),
        StepStatus::Skipped => style.dim(s.label()),
    }
}

fn finding(out: &mut String, style: Style, f: &Finding, indent: &str) {
    let plain = format!("{}[{}]", f.severity.label(), f.code);
    let cont = format!("{indent}  ");
    let text = wrap(
        &format!("{plain} {}", sanitize(&f.message.text())),
        WIDTH - indent.len(),
        &cont,
    );
    let text = text.replacen(&plain, &severity_tag(style, f.severity, f.code.as_str()), 1);
    let _ = writeln!(out, "{indent}{text}");
}

fn exchange(out: &mut String, style: Style, x: &Exchange) {
    let _ = writeln!(
        out,
        "    {} {} {}{}",
        style.dim("→"),
        x.request.method,
        x.request.url,
        x.proxy
            .as_deref()
            .map(|p| style.dim(&format!(" (via proxy {p})")))
            .unwrap_or_default()
    );
    match (&x.response, &x.error) {
        (Some(r), _) => {
            let _ = writeln!(
                out,
                "    {} HTTP {} {}",
                style.dim("←"),
                r.status,
                style.dim(&format!("({} ms)", x.elapsed_ms))
            );
            for name in SHOWN_HEADERS {
                if let Some(v) = r.headers.get(*name).and_then(|v| v.as_str()) {
                    let line = wrap(&format!("{name}: {v}"), WIDTH - 6, "        ");
                    let _ = writeln!(out, "      {}", style.dim(&line));
                }
            }
            if let Some(b) = &r.body {
                let short: String = b.chars().take(HUMAN_BODY).collect();
                let more = if short.len() < b.len() || r.body_truncated {
                    "…"
                } else {
                    ""
                };
                let _ = writeln!(
                    out,
                    "      {}",
                    style.dim(&hard_wrap(&format!("body: {short}{more}")))
                );
            }
            if let Some(n) = &r.body_note {
                let _ = writeln!(out, "      {}", style.dim(&format!("body: {n}")));
            }
        }
        (None, Some(e)) => {
            let _ = writeln!(
                out,
                "    {} {} {}",
                style.dim("←"),
                style.red(e),
                style.dim(&format!("({} ms)", x.elapsed_ms))
            );
        }
        (None, None) => {}
    }
}

/// Wraps at spaces, and cuts words longer than a line (compact JSON has few spaces).
fn hard_wrap(text: &str) -> String {
    const LINE: usize = WIDTH - 8;
    let mut pieces: Vec<String> = Vec::new();
    for word in text.split(' ') {
        let chars: Vec<char> = word.chars().collect();
        for chunk in chars.chunks(LINE) {
            pieces.push(chunk.iter().collect());
        }
    }
    wrap(&pieces.join(" "), WIDTH - 6, "        ")
}

/// `probe` for people: the target, each step with its exchanges and findings, the verdict.
pub fn human(r: &ProbeReport, style: Style) -> String {
    let mut out = String::new();
    let t = &r.target;
    let what = match (&t.name, &t.scope) {
        (Some(n), Some(s)) => format!(
            "{} ({s}; {} {})",
            style.bold(&sanitize(n)),
            t.transport,
            t.url
        ),
        (Some(n), None) => format!("{} ({} {})", style.bold(&sanitize(n)), t.transport, t.url),
        _ => format!("{} {}", t.transport, style.bold(&t.url)),
    };
    let _ = writeln!(out, "Probing {what}");
    let note = wrap(
        "Requests carry no credentials: no stored token or secret is read or sent. Only \
         --register creates anything on the server.",
        WIDTH,
        "",
    );
    let _ = writeln!(out, "{}", style.dim(&note));
    for (f, _) in r.findings_of(0) {
        finding(&mut out, style, f, "  ");
    }
    out.push('\n');
    for s in &r.steps {
        let _ = writeln!(
            out,
            "{}. {}  {}",
            s.step,
            style.bold(s.name),
            status_tag(style, s.status)
        );
        for x in &s.exchanges {
            exchange(&mut out, style, x);
        }
        let _ = writeln!(
            out,
            "    {}",
            wrap(&sanitize(&s.summary), WIDTH - 4, "    ")
        );
        for (f, _) in r.findings_of(s.step) {
            finding(&mut out, style, f, "    ");
        }
        out.push('\n');
    }
    let v = &r.verdict;
    let label = match v.shows {
        Shows::Connected => style.green(v.label),
        Shows::NeedsAuth => style.yellow(v.label),
        Shows::Failed => style.red(v.label),
    };
    let line = wrap(&sanitize(&v.line), WIDTH, "  ");
    let _ = writeln!(out, "{}", line.replacen(v.label, &label, 1));
    match &v.tell_operator {
        Some(t) => {
            let _ = writeln!(
                out,
                "{}",
                wrap(
                    &format!("Tell the server's operator: {}.", sanitize(t)),
                    WIDTH,
                    "  "
                )
            );
        }
        None if v.shows != Shows::Failed => {
            let _ = writeln!(out, "Nothing to tell the server's operator.");
        }
        None => {}
    }
    out
}

#[derive(Serialize)]
struct Document<'a> {
    schema: u32,
    tool: &'static str,
    version: &'static str,
    target: &'a probe::TargetReport,
    steps: &'a [probe::steps::Step],
    findings: &'a [Finding],
    verdict: &'a probe::verdict::ProbeVerdict,
}

/// `{"schema":1, "tool", "version", "target", "steps", "findings", "verdict"}`.
pub fn json(r: &ProbeReport) -> String {
    super::json::to_string(&Document {
        schema: super::json::SCHEMA,
        tool: env!("CARGO_PKG_NAME"),
        version: env!("CARGO_PKG_VERSION"),
        target: &r.target,
        steps: &r.steps,
        findings: &r.findings,
        verdict: &r.verdict,
    })
}
