//! `report`: the bug-ticket report, Markdown or JSON, on stdout or into a 0600 file.

use std::path::Path;

use anyhow::{Context as _, Result};

use super::Context;
use super::inspect::exit_for;
use crate::diagnosis::Diagnosis;
use crate::fix::plan::{self, Selection};
use crate::render::{anonymize, fit, json, ticket};
use crate::system::claude_version;
use crate::{Outcome, redact};

pub fn report(
    ctx: &Context<'_>,
    output: Option<&Path>,
    anonymize: bool,
    verify: bool,
) -> Result<Outcome> {
    let diagnosis = Diagnosis::of(ctx.load()?);
    let verified = verify.then(|| super::verify::claude_view(&diagnosis));
    let plan = plan::for_findings(
        &diagnosis.inventory,
        &diagnosis.findings,
        &Selection::default(),
    );
    let claude_version = match claude_version::claude_version() {
        Ok(v) => v,
        Err(why) => why,
    };
    let t = ticket::build(
        &diagnosis,
        ticket::Extras {
            claude_version,
            plan,
            generated_ms: crate::timefmt::now_ms(),
            now_from: ctx.config.now_from.clone(),
        },
    );
    let mut text = match (&verified, ctx.json()) {
        (None, true) => json::to_string(&t),
        (None, false) => ticket::markdown(&t),
        (Some(view), true) => crate::render::mcp_remote::ticket_json_with_verify(&t, view),
        (Some(view), false) => {
            ticket::markdown(&t) + &crate::render::mcp_remote::verify_markdown(view)
        }
    };
    text = anonymize::home_as_tilde(&text, &diagnosis.inventory.locations.home.path);
    if anonymize {
        text = anonymize::anonymize(&text, &diagnosis);
    }
    let text = redact::output(&text).into_owned();
    // Markdown goes into an issue body; JSON is for attaching, whole.
    let text = if ctx.json() {
        text
    } else {
        fit::fit(&text, fit::ISSUE_BODY_MAX)
    };
    let exit = exit_for(&diagnosis);
    match output {
        None => Ok(Outcome {
            stdout: text,
            exit,
            ..Outcome::default()
        }),
        Some(path) => {
            crate::store::private::write_private(path, text.as_bytes(), Some(0o600))
                .with_context(|| format!("cannot write the report to {}", path.display()))?;
            Ok(Outcome {
                stderr: format!(
                    "Wrote the report to {} (mode 0600). Read it before you attach it.\n",
                    path.display()
                ),
                exit,
                ..Outcome::default()
            })
        }
    }
}
