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
    /// That config dir with its symlinks resolved, as the scan found it (not shown).
    #[serde(skip)]
    pub canonical_config_dir: Option<Canonical>,
}

/// A path with its symlinks resolved when the scan ran (the path itself when that failed), so two
/// spellings of one config dir compare equal without the comparison touching the disk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Canonical(pub PathBuf);

impl Canonical {
    /// Resolves `p` now (I/O: called by `load` and the scan only).
    pub fn of(p: &Path) -> Self {
        Self(p.canonicalize().unwrap_or_else(|_| p.to_path_buf()))
    }
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

/// Which running Claude Code processes share a config dir, as far as can be told.
#[derive(Debug, Default)]
pub struct Sharing<'a> {
    /// Their environment says they use it.
    pub known: Vec<&'a ClaudeProcess>,
    /// Their environment cannot be read (another user's process, when we are not root): they
    /// may use it or not.
    pub unknown: Vec<&'a ClaudeProcess>,
}

impl ProcessScan {
    /// Processes that may use `config_dir`: those that do, and those whose environment is
    /// unreadable. For caution (fix's warning, a lock's staleness); to *say* who uses it, see
    /// [`ProcessScan::sharing`].
    pub fn using(&self, config_dir: &Canonical) -> Vec<&ClaudeProcess> {
        let s = self.sharing(config_dir);
        let mut all = s.known;
        all.extend(s.unknown);
        all.sort_by_key(|p| p.pid);
        all
    }

    /// Processes that use `config_dir`, and apart from them those that cannot be told.
    pub fn sharing(&self, config_dir: &Canonical) -> Sharing<'_> {
        let mut out = Sharing::default();
        if let ProcessScan::Scanned { processes } = self {
            for p in processes {
                match &p.canonical_config_dir {
                    Some(d) if d == config_dir => out.known.push(p),
                    Some(_) => {}
                    None => out.unknown.push(p),
                }
            }
        }
        out
    }
}

/// Scans for Claude Code processes (Linux: `/proc`; elsewhere: cannot tell). `target_os` is
/// whose rules apply (`paths::target_os`; empty: this OS's), so a Windows or macOS run pretended
/// on Linux does not read this machine's `/proc` either.
pub fn scan(target_os: &str) -> ProcessScan {
    let os = if target_os.is_empty() {
        std::env::consts::OS
    } else {
        target_os
    };
    if os != "linux" {
        return ProcessScan::CannotTell {
            why: "process inspection is implemented for Linux only".into(),
        };
    }
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
    // One buffer for every command line: most of a small home's `check` is this loop (about a
    // hundred processes on a quiet machine), so no per-process allocation or size query.
    let mut cmdline = Vec::with_capacity(4096);
    for e in entries.flatten() {
        let Some(pid) = e.file_name().to_str().and_then(|s| s.parse::<u32>().ok()) else {
            continue;
        };
        if pid == me {
            continue;
        }
        let dir = e.path();
        read_into(&dir.join("cmdline"), &mut cmdline);
        let exe = std::fs::read_link(dir.join("exe")).ok();
        if !is_claude(exe.as_deref(), &cmdline) {
            continue;
        }
        let config_dir = std::fs::read(dir.join("environ"))
            .ok()
            .and_then(|env| config_dir_from_environ(&env));
        processes.push(ClaudeProcess {
            pid,
            canonical_config_dir: config_dir.as_deref().map(Canonical::of),
            config_dir,
        });
    }
    processes.sort_by_key(|p| p.pid);
    ProcessScan::Scanned { processes }
}

/// The whole file into `buf` (emptied first; left empty when it cannot be read), as
/// `std::fs::read` would, without its `statx` for a size hint (`/proc` files report 0).
#[cfg(target_os = "linux")]
fn read_into(path: &Path, buf: &mut Vec<u8>) {
    use std::io::Read;
    buf.clear();
    // Through `take`: `File::read_to_end` would ask for the size first (one more syscall).
    let read = std::fs::File::open(path).and_then(|f| f.take(u64::MAX).read_to_end(buf));
    if read.is_err() {
        buf.clear();
    }
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
            home = Some(PathBuf::from(v).join(crate::layout::CONFIG_DIR));
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

    #[cfg(target_os = "linux")]
    #[test]
    fn a_process_whose_environment_cannot_be_read_is_unknown_not_sharing() {
        let proc_root = tempfile::tempdir().unwrap();
        let mine = proc_root.path().join("config");
        std::fs::create_dir(&mine).unwrap();
        for (pid, environ) in [
            (
                "101",
                Some(format!("CLAUDE_CONFIG_DIR={}\0", mine.display())),
            ),
            ("102", None), // environ unreadable: another user's process
            ("103", Some("HOME=/elsewhere\0".to_string())),
        ] {
            let dir = proc_root.path().join(pid);
            std::fs::create_dir(&dir).unwrap();
            std::fs::write(dir.join("cmdline"), b"claude\0").unwrap();
            if let Some(env) = environ {
                std::fs::write(dir.join("environ"), env).unwrap();
            }
        }
        let scan = scan_proc(proc_root.path());
        let mine = Canonical::of(&mine);
        let sharing = scan.sharing(&mine);
        let pids = |v: &[&ClaudeProcess]| v.iter().map(|p| p.pid).collect::<Vec<_>>();
        assert_eq!(pids(&sharing.known), vec![101]);
        assert_eq!(pids(&sharing.unknown), vec![102]);
        // Caution still counts the unknown one.
        assert_eq!(pids(&scan.using(&mine)), vec![101, 102]);
    }

    #[test]
    fn only_linux_rules_scan_processes() {
        for os in ["windows", "macos"] {
            assert!(
                matches!(scan(os), ProcessScan::CannotTell { .. }),
                "{os} has no /proc to read"
            );
        }
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
