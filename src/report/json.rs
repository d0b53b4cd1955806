//! `--format json`: one document on stdout, `schema` 1, documented in docs/json.md.

use serde::Serialize;

use super::files::{self, FileReport};
use super::servers::ServerReport;
use crate::checks::Finding;
use crate::diagnosis::Diagnosis;
use crate::timefmt;

pub const SCHEMA: u32 = 1;

#[derive(Serialize)]
struct CheckDocument<'a> {
    schema: u32,
    tool: &'static str,
    version: &'static str,
    now: String,
    state_found: bool,
    summary: Summary,
    findings: &'a [Finding],
    servers: &'a [ServerReport],
    files: Vec<FileReport>,
}

#[derive(Serialize)]
struct Summary {
    errors: usize,
    warnings: usize,
    infos: usize,
    servers: usize,
    servers_unusable: usize,
}

pub fn check(d: &Diagnosis) -> String {
    let (errors, warnings, infos) = d.counts();
    let doc = CheckDocument {
        schema: SCHEMA,
        tool: env!("CARGO_PKG_NAME"),
        version: env!("CARGO_PKG_VERSION"),
        now: timefmt::rfc3339(d.inventory.now_ms),
        state_found: d.inventory.has_any_state(),
        summary: Summary {
            errors,
            warnings,
            infos,
            servers: d.servers.len(),
            servers_unusable: d.servers.iter().filter(|s| s.verdict.is_problem()).count(),
        },
        findings: &d.findings,
        servers: &d.servers,
        files: files::files(&d.inventory),
    };
    to_string(&doc)
}

pub fn to_string(value: &impl Serialize) -> String {
    let mut s = serde_json::to_string_pretty(value).unwrap_or_else(|e| {
        format!("{{\"schema\": {SCHEMA}, \"error\": \"cannot serialise the report: {e}\"}}")
    });
    s.push('\n');
    s
}
