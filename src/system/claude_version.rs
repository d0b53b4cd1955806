//! `claude --version`, run with a timeout: the release `check` judges by (`load`), the bug-ticket
//! report, and `login`.

use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Runs `program args` and returns its stdout, or why not, within `timeout`.
pub fn run_with_timeout(program: &str, args: &[&str], timeout: Duration) -> Result<String, String> {
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => "not found".to_string(),
            _ => e.to_string(),
        })?;
    let start = Instant::now();
    // `check` asks this on every run: poll fast at first (a native `claude --version` answers in
    // milliseconds), then back off to 20 ms.
    let mut pause = Duration::from_millis(1);
    loop {
        match child.try_wait() {
            Ok(Some(status)) => {
                let mut out = String::new();
                if let Some(mut s) = child.stdout.take() {
                    let _ = s.read_to_string(&mut out);
                }
                return if status.success() {
                    Ok(out)
                } else {
                    Err(format!("exited with {status}"))
                };
            }
            Ok(None) if start.elapsed() < timeout => {
                std::thread::sleep(pause);
                pause = (pause * 2).min(Duration::from_millis(20));
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

/// The installed Claude Code's version line, or why it is unknown.
pub fn claude_version() -> Result<String, String> {
    run_with_timeout("claude", &["--version"], Duration::from_secs(5))
        .map(|s| s.lines().next().unwrap_or_default().trim().to_string())
}
