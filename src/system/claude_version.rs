//! `claude --version`, run with a timeout: the release `check` judges by (`load`), the bug-ticket
//! report, and `login`.

use std::io::Read;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// The most stdout [`run_with_timeout`] keeps: far above `claude mcp list` with hundreds of
/// servers, far below what a runaway child could fill memory with.
pub const OUTPUT_CAP: usize = 8 << 20;

/// Runs `program args` and returns its stdout, or why not, within `timeout`. Stdout is read while
/// the child runs (a thread), so a child writing more than a pipe buffer is not blocked until the
/// timeout; past [`OUTPUT_CAP`] the rest is read and dropped, and the run is an error.
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
    let stdout = child.stdout.take().map(read_in_background);
    // `check` asks this on every run: poll fast at first (a native `claude --version` answers in
    // milliseconds), then back off to 20 ms.
    let mut pause = Duration::from_millis(1);
    loop {
        match child.try_wait() {
            Ok(Some(status)) => {
                // A grandchild may hold the pipe open after the child is gone: wait for the end
                // of its output no longer than the time left.
                let left = timeout.saturating_sub(start.elapsed());
                let out = match stdout.map(|rx| rx.recv_timeout(left)) {
                    None => Captured::default(),
                    Some(Ok(out)) => out,
                    Some(Err(_)) => {
                        return Err(format!(
                            "its output did not end within {} s",
                            timeout.as_secs()
                        ));
                    }
                };
                if !status.success() {
                    return Err(format!("exited with {status}"));
                }
                if out.over_cap {
                    return Err(format!("wrote more than {} MB", OUTPUT_CAP >> 20));
                }
                return Ok(String::from_utf8_lossy(&out.bytes).into_owned());
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

/// A child's stdout, up to [`OUTPUT_CAP`].
#[derive(Default)]
struct Captured {
    bytes: Vec<u8>,
    over_cap: bool,
}

/// Reads `pipe` to its end on a thread, keeping at most [`OUTPUT_CAP`] bytes (the rest is read
/// and dropped, so the writer never blocks), and sends what it kept when the pipe closes.
fn read_in_background(mut pipe: std::process::ChildStdout) -> mpsc::Receiver<Captured> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut out = Captured::default();
        let mut buf = [0u8; 64 << 10];
        loop {
            match pipe.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => {
                    let room = OUTPUT_CAP - out.bytes.len();
                    out.bytes.extend_from_slice(&buf[..n.min(room)]);
                    out.over_cap |= n > room;
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(_) => break,
            }
        }
        let _ = tx.send(out);
    });
    rx
}

/// The installed Claude Code's version line, or why it is unknown. Read from the install when it
/// says (a few file-system lookups), else asked of `claude --version` (a Node start: a quarter of
/// a second or more, on every `check`).
pub fn claude_version() -> Result<String, String> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    // No `claude` on PATH: nothing to start (spawning only to fail costs a process).
    let Some(program) = on_path(&path) else {
        return Err("not found".into());
    };
    if let Some(v) = installed_version(&program) {
        return Ok(format!("{v} (Claude Code)"));
    }
    run_with_timeout("claude", &["--version"], Duration::from_secs(5))
        .map(|s| s.lines().next().unwrap_or_default().trim().to_string())
}

/// The first `claude` on `path`, as the shell would find it.
fn on_path(path: &std::ffi::OsStr) -> Option<std::path::PathBuf> {
    std::env::split_paths(path)
        .map(|d| d.join("claude"))
        .find(|p| p.is_file())
}

/// The version of `program` (a `claude` found on PATH), from where it is installed, without
/// running it: the native installer's `.../versions/X.Y.Z` file, or the `package.json` of the npm
/// package `@anthropic-ai/claude-code` the link points into. `None` when neither says (then ask
/// it).
fn installed_version(program: &std::path::Path) -> Option<String> {
    let target = std::fs::canonicalize(program).ok()?;
    let file_name = target.file_name()?.to_str()?;
    if is_release(file_name) {
        return Some(file_name.to_string());
    }
    for dir in target.ancestors().skip(1).take(4) {
        let manifest = dir.join("package.json");
        let Ok(meta) = std::fs::metadata(&manifest) else {
            continue;
        };
        if !meta.is_file() || meta.len() > 1 << 20 {
            return None;
        }
        let text = std::fs::read_to_string(&manifest).ok()?;
        let value: serde_json::Value = serde_json::from_str(&text).ok()?;
        if value.get("name").and_then(|n| n.as_str()) != Some("@anthropic-ai/claude-code") {
            return None;
        }
        let version = value.get("version")?.as_str()?;
        return is_release(version).then(|| version.to_string());
    }
    None
}

/// `X.Y.Z` with digits only.
fn is_release(s: &str) -> bool {
    let parts: Vec<&str> = s.split('.').collect();
    parts.len() == 3
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn reads_the_version_of_an_npm_and_a_native_install_without_running_it() {
        let dir = tempfile_dir();
        // npm: bin/claude -> ../lib/node_modules/@anthropic-ai/claude-code/bin/claude.exe
        let pkg = dir.join("lib/node_modules/@anthropic-ai/claude-code");
        std::fs::create_dir_all(pkg.join("bin")).unwrap();
        std::fs::write(pkg.join("bin/claude.exe"), "#!/bin/sh\nexit 99\n").unwrap();
        std::fs::write(
            pkg.join("package.json"),
            r#"{"name":"@anthropic-ai/claude-code","version":"2.1.332"}"#,
        )
        .unwrap();
        let npm_bin = dir.join("npm-bin");
        std::fs::create_dir_all(&npm_bin).unwrap();
        std::os::unix::fs::symlink(pkg.join("bin/claude.exe"), npm_bin.join("claude")).unwrap();
        assert_eq!(
            installed_version(&on_path(npm_bin.as_os_str()).unwrap()).as_deref(),
            Some("2.1.332")
        );
        // native: ~/.local/bin/claude -> ~/.local/share/claude/versions/2.1.100
        let versions = dir.join("share/claude/versions");
        std::fs::create_dir_all(&versions).unwrap();
        std::fs::write(versions.join("2.1.100"), "").unwrap();
        let native_bin = dir.join("native-bin");
        std::fs::create_dir_all(&native_bin).unwrap();
        std::os::unix::fs::symlink(versions.join("2.1.100"), native_bin.join("claude")).unwrap();
        assert_eq!(
            installed_version(&on_path(native_bin.as_os_str()).unwrap()).as_deref(),
            Some("2.1.100")
        );
        // Anything else (a wrapper script, another package): ask `claude --version`.
        let other = dir.join("other-bin");
        std::fs::create_dir_all(&other).unwrap();
        std::fs::write(other.join("claude"), "#!/bin/sh\necho 9.9.9\n").unwrap();
        assert_eq!(
            installed_version(&on_path(other.as_os_str()).unwrap()),
            None
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// A child that writes more than a pipe buffer (64 KB: `claude mcp list` with many servers)
    /// before it exits is read while it runs, so it exits and all of it comes back.
    #[test]
    fn a_child_writing_a_megabyte_is_read_while_it_runs() {
        let started = Instant::now();
        let out = run_with_timeout(
            "sh",
            &["-c", "head -c 1048576 /dev/zero | tr '\\0' a"],
            Duration::from_secs(3),
        )
        .expect("answers");
        assert_eq!(out.len(), 1 << 20);
        assert!(out.bytes().all(|b| b == b'a'));
        assert!(started.elapsed() < Duration::from_secs(3));
    }

    /// Past the cap the child still runs to its end (its output is drained), and the run is a
    /// clear error rather than a truncated answer.
    #[test]
    fn output_past_the_cap_is_drained_and_an_error() {
        let script = format!("head -c {} /dev/zero", OUTPUT_CAP + 1);
        let err = run_with_timeout("sh", &["-c", &script], Duration::from_secs(5)).unwrap_err();
        assert_eq!(err, format!("wrote more than {} MB", OUTPUT_CAP >> 20));
    }

    /// A background grandchild holding stdout open does not hold the answer past the timeout.
    #[test]
    fn a_grandchild_holding_the_pipe_does_not_hang_the_answer() {
        let started = Instant::now();
        let err = run_with_timeout(
            "sh",
            &["-c", "echo 1.0.0; sleep 3 & exit 0"],
            Duration::from_secs(1),
        )
        .unwrap_err();
        assert_eq!(err, "its output did not end within 1 s");
        assert!(started.elapsed() < Duration::from_millis(2500));
    }

    fn tempfile_dir() -> std::path::PathBuf {
        let d = std::env::temp_dir().join(format!(
            "mad-claude-version-{}-{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos()
        ));
        std::fs::create_dir_all(&d).unwrap();
        d
    }
}
