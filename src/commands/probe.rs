//! `probe`: the only command that touches the network, and only when asked.

use anyhow::Result;

use super::Context;
use crate::probe::{self, ProbeOptions};
use crate::{Outcome, exit, render};

pub fn probe(ctx: &Context<'_>, options: &ProbeOptions) -> Result<Outcome> {
    let inventory = ctx.load()?;
    let report = probe::run(options, &inventory)?;
    let stdout = if ctx.json() {
        render::probe::json(&report)
    } else {
        render::probe::human(&report, ctx.style())
    };
    Ok(Outcome {
        stdout,
        exit: if report.has_problems() {
            exit::PROBLEMS
        } else {
            exit::OK
        },
        ..Outcome::default()
    })
}
