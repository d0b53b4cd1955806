//! Running Claude Code processes, grouped by the config dir each one uses, so `fix` can warn before
//! writing a file a running Claude Code shares. "Cannot tell" is reported as such, never as "none".

use std::path::{Path, PathBuf};

use serde::Serialize;

/// One running Claude Code.
#[derive(Debug, Clone, Serialize)]
pub struct ClaudeProcess {
    pub pid: u32,
    /// The config dir it uses, when its environment could be read.
    pub config_dir: Option<PathBuf>,
}

/// What the process scan could see.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "status", rename_all = "kebab-case")]
pub enum ProcessScan {
    /// The scan ran; `processes` may be empty.
    Scanned { processes: Vec<ClaudeProcess> },
    /// This OS, or this sandbox, does not let us look.
    CannotTell { why: String },
}

impl ProcessScan {
    /// Processes that (as far as can be told) use `config_dir`. Those whose environment is
    /// unreadable are included: they may.
    pub fn using(&self, config_dir: &Path) -> Vec<&ClaudeProcess> {
        let want = canonical(config_dir);
        match self {
            ProcessScan::Scanned { processes } => processes
                .iter()
                .filter(|p| p.config_dir.as_deref().is_none_or(|d| canonical(d) == want))
                .collect(),
            ProcessScan::CannotTell { .. } => Vec::new(),
        }
    }
}

fn canonical(p: &Path) -> PathBuf {
    p.canonicalize().unwrap_or_else(|_| p.to_path_buf())
}

/// Scans for Claude Code processes (Linux: `/proc`; elsewhere: cannot tell).
pub fn scan() -> ProcessScan {
    scan_proc(Path::new("/proc"))
}

#[cfg(target_os = "linux")]
fn scan_proc(root: &Path) -> ProcessScan {
    let Ok(entries) = std::fs::read_dir(root) else {
        return ProcessScan::CannotTell {
            why: format!("{} cannot be read", root.display()),
        };
    };
    let me = std::process::id();
    let mut processes = Vec::new();
    for e in entries.flatten() {
        let Some(pid) = e.file_name().to_str().and_then(|s| s.parse::<u32>().ok()) else {
            continue;
        };
        if pid == me {
            continue;
        }
        let dir = e.path();
        let cmdline = std::fs::read(dir.join("cmdline")).unwrap_or_default();
        let exe = std::fs::read_link(dir.join("exe")).ok();
        if !is_claude(exe.as_deref(), &cmdline) {
            continue;
        }
        let config_dir = std::fs::read(dir.join("environ"))
            .ok()
            .and_then(|env| config_dir_from_environ(&env));
        processes.push(ClaudeProcess { pid, config_dir });
    }
    processes.sort_by_key(|p| p.pid);
    ProcessScan::Scanned { processes }
}

#[cfg(not(target_os = "linux"))]
fn scan_proc(_root: &Path) -> ProcessScan {
    ProcessScan::CannotTell {
        why: "process inspection is implemented for Linux only".into(),
    }
}

/// A native `claude` binary, or node running the `@anthropic-ai/claude-code` bundle.
fn is_claude(exe: Option<&Path>, cmdline: &[u8]) -> bool {
    let exe_is_claude = exe
        .and_then(|p| p.file_name())
        .is_some_and(|n| n == "claude" || n.to_string_lossy().starts_with("claude-code"));
    let args: Vec<&[u8]> = cmdline
        .split(|&b| b == 0)
        .filter(|a| !a.is_empty())
        .collect();
    let argv0_is_claude = args
        .first()
        .map(|a| a.rsplit(|&b| b == b'/').next().unwrap_or(a))
        .is_some_and(|base| base == b"claude");
    let runs_bundle = args.iter().take(3).any(|a| {
        let a = String::from_utf8_lossy(a);
        a.contains("@anthropic-ai/claude-code") && a.ends_with("cli.js")
    });
    exe_is_claude || argv0_is_claude || runs_bundle
}

/// `CLAUDE_CONFIG_DIR`, else `$HOME/.claude`, from a NUL-separated environment block.
fn config_dir_from_environ(env: &[u8]) -> Option<PathBuf> {
    let mut home = None;
    for var in env.split(|&b| b == 0) {
        let var = String::from_utf8_lossy(var);
        if let Some(v) = var.strip_prefix("CLAUDE_CONFIG_DIR=")
            && !v.is_empty()
        {
            return Some(PathBuf::from(v));
        }
        if let Some(v) = var.strip_prefix("HOME=") {
            home = Some(PathBuf::from(v).join(".claude"));
        }
    }
    home
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_claude_processes() {
        assert!(is_claude(Some(Path::new("/home/u/.local/bin/claude")), b""));
        assert!(is_claude(None, b"claude\0--resume\0"));
        assert!(is_claude(
            None,
            b"node\0/usr/lib/node_modules/@anthropic-ai/claude-code/cli.js\0mcp\0"
        ));
        assert!(!is_claude(
            Some(Path::new("/usr/bin/bash")),
            b"bash\0-c\0claude-ish\0"
        ));
    }

    #[test]
    fn reads_the_config_dir_from_the_environment() {
        assert_eq!(
            config_dir_from_environ(b"HOME=/home/u\0CLAUDE_CONFIG_DIR=/p/work\0"),
            Some(PathBuf::from("/p/work"))
        );
        assert_eq!(
            config_dir_from_environ(b"PATH=/bin\0HOME=/home/u\0"),
            Some(PathBuf::from("/home/u/.claude"))
        );
        assert_eq!(config_dir_from_environ(b"PATH=/bin\0"), None);
    }
}
