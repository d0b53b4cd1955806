//! `verify`: runs the installed `claude mcp list` (opt-in: it connects to every server and starts
//! every stdio server) and puts its line for each server next to our verdict, flagging every
//! disagreement (`crate::verify` compares; `render::mcp_remote` renders).

use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Result, bail};

use super::Context;
use crate::diagnosis::Diagnosis;
use crate::{Outcome, exit, render, verify};

/// What `verify` says before it runs the client (on stderr, so it is seen before the wait).
pub const NOTICE: &str = "Running `claude mcp list`: it connects to every configured server \
     and starts every stdio server (their commands run), and it may write needs-auth markers and \
     pending entries of its own.";

pub fn verify(ctx: &Context<'_>, timeout: Duration) -> Result<Outcome> {
    let diagnosis = Diagnosis::of(ctx.load()?);
    if diagnosis.inventory.trust.root_on_other_home() {
        bail!(exit::Error::Usage(
            "verify would run root's `claude`, not the home owner's; run it as that user".into()
        ));
    }
    eprintln!("{NOTICE} (up to {} s)", timeout.as_secs());
    let output = run_mcp_list(&diagnosis.inventory.locations.project_dir, timeout)
        .map_err(|why| anyhow::anyhow!("`claude mcp list` did not give its view: {why}"))?;
    let rows = verify::compare(&diagnosis.servers, &verify::parse(&output));
    let stdout = if ctx.json() {
        render::mcp_remote::verify_json(&rows)
    } else {
        render::mcp_remote::verify_human(&rows, ctx.style())
    };
    Ok(Outcome {
        stdout,
        exit: if rows.iter().any(verify::Row::disagrees) {
            exit::PROBLEMS
        } else {
            exit::OK
        },
        ..Outcome::default()
    })
}

/// `claude mcp list`'s view for `report --verify`: the rows, or why there are none (a report is
/// still written when the client is missing or hangs). Says first what it runs.
pub fn claude_view(diagnosis: &Diagnosis) -> Result<Vec<verify::Row>, String> {
    if diagnosis.inventory.trust.root_on_other_home() {
        return Err("not run: as root on another user's home it would be root's `claude`".into());
    }
    eprintln!("{NOTICE} (up to {} s)", REPORT_TIMEOUT.as_secs());
    let output = run_mcp_list(&diagnosis.inventory.locations.project_dir, REPORT_TIMEOUT)?;
    Ok(verify::compare(&diagnosis.servers, &verify::parse(&output)))
}

/// How long `report --verify` waits for `claude mcp list`.
pub const REPORT_TIMEOUT: Duration = Duration::from_secs(60);

/// `claude mcp list` in `cwd`, its stdout within `timeout` (read while it runs, so a long
/// listing cannot fill the pipe and stall it).
fn run_mcp_list(cwd: &Path, timeout: Duration) -> Result<String, String> {
    let mut child = Command::new("claude")
        .args(["mcp", "list"])
        .current_dir(cwd)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => "`claude` is not on PATH".to_string(),
            _ => e.to_string(),
        })?;
    let mut stdout = child.stdout.take().ok_or("no stdout")?;
    let (sender, received) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut out = Vec::new();
        let _ = stdout.by_ref().take(4 << 20).read_to_end(&mut out);
        let _ = sender.send(out);
    });
    let start = Instant::now();
    loop {
        match child.try_wait() {
            Ok(Some(status)) => {
                // A stdio server it started may still hold the pipe: wait a little, no more.
                let out = received
                    .recv_timeout(Duration::from_secs(2))
                    .unwrap_or_default();
                let text = String::from_utf8_lossy(&out).into_owned();
                // 2.1.x exits 0 whatever the servers said; anything else is not its listing.
                return if status.success() {
                    Ok(text)
                } else {
                    Err(format!("it exited with {status}"))
                };
            }
            Ok(None) if start.elapsed() < timeout => {
                std::thread::sleep(Duration::from_millis(20));
            }
            Ok(None) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!("no answer within {} s", timeout.as_secs()));
            }
            Err(e) => return Err(e.to_string()),
        }
    }
}
