//! `probe`: the only command that touches the network, and only when asked.

use anyhow::Result;

use super::Context;
use crate::probe::{self, ProbeOptions};
use crate::{Outcome, exit, render};

pub fn probe(ctx: &Context<'_>, options: &ProbeOptions) -> Result<Outcome> {
    let inventory = ctx.load()?;
    if options.token {
        let report = probe::token::run(options, &inventory)?;
        let stdout = if ctx.json() {
            render::mcp_remote::token_json(&report)
        } else {
            render::mcp_remote::token_human(&report, ctx.style())
        };
        return Ok(outcome(stdout, report.has_problems()));
    }
    let report = probe::run(options, &inventory)?;
    let stdout = if ctx.json() {
        render::probe::json(&report)
    } else {
        render::probe::human(&report, ctx.style())
    };
    Ok(outcome(stdout, report.has_problems()))
}

fn outcome(stdout: String, problems: bool) -> Outcome {
    Outcome {
        stdout,
        exit: if problems { exit::PROBLEMS } else { exit::OK },
        ..Outcome::default()
    }
}
