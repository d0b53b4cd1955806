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
    use rustix::fs::{Mode, OFlags};
    let cannot_read = || ProcessScan::CannotTell {
        why: format!("{} cannot be read", root.display()),
    };
    let Ok(entries) = std::fs::read_dir(root) else {
        return cannot_read();
    };
    // Every per-process file is opened relative to this, by `PID/NAME`: no path to build and no
    // `/proc` to look up again for each.
    let flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC;
    let Ok(root_fd) = rustix::fs::open(root, flags, Mode::empty()) else {
        return cannot_read();
    };
    let me = std::process::id();
    let kernel_threads = kernel_threads(&root_fd);
    let mut processes = Vec::new();
    // Buffers reused for every process: most of a small home's `check` is this loop (about a
    // hundred processes on a quiet machine).
    let mut cmdline = Vec::with_capacity(4096);
    let mut link = Vec::with_capacity(256);
    let mut file = String::with_capacity(32);
    for e in entries.flatten() {
        let name = e.file_name();
        let Some(pid) = name.to_str().and_then(|s| s.parse::<u32>().ok()) else {
            continue;
        };
        if pid == me || kernel_threads.binary_search(&pid).is_ok() {
            continue;
        }
        let in_dir = |file: &mut String, leaf: &str| {
            file.clear();
            file.push_str(name.to_str().unwrap_or_default());
            file.push('/');
            file.push_str(leaf);
        };
        in_dir(&mut file, "exe");
        let target =
            match rustix::fs::readlinkat(&root_fd, file.as_str(), std::mem::take(&mut link)) {
                Ok(target) => Some(target),
                // No executable at all: a kernel thread or a zombie, which has no memory and so an
                // empty command line too (most of `/proc` on a quiet machine: three syscalls saved
                // each). Another user's process answers EACCES here and is read on.
                Err(rustix::io::Errno::NOENT) => continue,
                Err(_) => None,
            };
        in_dir(&mut file, "cmdline");
        read_leading_args(&root_fd, &file, &mut cmdline);
        let exe = target.as_ref().map(|t| {
            Path::new(<std::ffi::OsStr as std::os::unix::ffi::OsStrExt>::from_bytes(t.as_bytes()))
        });
        let claude = is_claude(exe, &cmdline);
        if let Some(t) = target {
            link = t.into_bytes();
        }
        if !claude {
            continue;
        }
        // Read like the command line (one `read` per 4 kB, no `statx`): `fs::read` on a file that
        // reports no size started at 32 bytes and doubled, nine reads for a usual environment.
        in_dir(&mut file, "environ");
        read_prefix(&root_fd, &file, &mut cmdline, |_| false);
        let config_dir = config_dir_from_environ(&cmdline);
        processes.push(ClaudeProcess {
            pid,
            canonical_config_dir: config_dir.as_deref().map(Canonical::of),
            config_dir,
        });
    }
    processes.sort_by_key(|p| p.pid);
    ProcessScan::Scanned { processes }
}

/// The kernel's own threads (sorted), so the scan passes them without asking each for its
/// executable: on a quiet machine they are most of `/proc` (60 of 65 entries here), and a
/// `readlinkat` in `/proc` costs 4 to 9 µs on a VM, half of the demo's scan. They are the
/// children of `kthreadd`, PID 2, which `2/task/2/children` lists in one read. Only when PID 2
/// has no executable, as a kernel thread has: in a PID namespace PID 2 is an ordinary process
/// (maybe Claude Code's parent), whose children must be looked at. Empty when anything does not
/// fit: then every process is looked at, as before. A thread that appears after the read is looked
/// at too; a PID reused since is the race any scan of `/proc` has.
#[cfg(target_os = "linux")]
fn kernel_threads(root: &impl std::os::fd::AsFd) -> Vec<u32> {
    match rustix::fs::readlinkat(root, "2/exe", Vec::new()) {
        Err(rustix::io::Errno::NOENT) => {}
        _ => return Vec::new(),
    }
    let mut children = Vec::with_capacity(1024);
    read_prefix(root, "2/task/2/children", &mut children, |_| false);
    let mut pids: Vec<u32> = children
        .split(|b| b.is_ascii_whitespace())
        .filter_map(|p| std::str::from_utf8(p).ok()?.parse().ok())
        .collect();
    pids.sort_unstable();
    pids
}

/// How many leading non-empty arguments [`is_claude`] looks at: `argv[0]` and the two after it.
const ARGS_LOOKED_AT: usize = 3;

/// The command line `file` (relative to `dir`) into `buf` (emptied first; left empty when it
/// cannot be read), up to its end or until [`ARGS_LOOKED_AT`] whole non-empty arguments are in,
/// whichever comes first: what [`is_claude`] sees is the same either way, and the usual command
/// line takes one `read`, not a second one to find the end. Read into `buf`'s spare capacity, so
/// nothing is zeroed first; no `statx` for a size hint (`/proc` files report 0).
#[cfg(target_os = "linux")]
fn read_leading_args(dir: &impl std::os::fd::AsFd, file: &str, buf: &mut Vec<u8>) {
    read_prefix(dir, file, buf, |read| whole_args(read) >= ARGS_LOOKED_AT);
}

/// `file` (relative to `dir`) into `buf` (emptied first; left empty when it cannot be read), up
/// to its end or until `enough` says what is in is enough.
#[cfg(target_os = "linux")]
fn read_prefix(
    dir: &impl std::os::fd::AsFd,
    file: &str,
    buf: &mut Vec<u8>,
    enough: impl Fn(&[u8]) -> bool,
) {
    use rustix::fs::{Mode, OFlags};
    buf.clear();
    let Ok(fd) = rustix::fs::openat(dir, file, OFlags::RDONLY | OFlags::CLOEXEC, Mode::empty())
    else {
        return;
    };
    loop {
        if buf.len() == buf.capacity() {
            buf.reserve(buf.capacity().max(4096));
        }
        match rustix::io::read(&fd, rustix::buffer::spare_capacity(buf)) {
            Ok(0) => return,
            Ok(_) if enough(buf) => return,
            Ok(_) | Err(rustix::io::Errno::INTR) => {}
            Err(_) => {
                buf.clear();
                return;
            }
        }
    }
}

/// The NUL-terminated non-empty arguments at the start of a command line (a last one without
/// its NUL may still grow, so it does not count).
fn whole_args(cmdline: &[u8]) -> usize {
    let Some(last_nul) = cmdline.iter().rposition(|&b| b == 0) else {
        return 0;
    };
    cmdline[..last_nul]
        .split(|&b| b == 0)
        .filter(|a| !a.is_empty())
        .count()
}

#[cfg(not(target_os = "linux"))]
fn scan_proc(_root: &Path) -> ProcessScan {
    ProcessScan::CannotTell {
        why: "process inspection is implemented for Linux only".into(),
    }
}

/// A native `claude` binary, or node running the `@anthropic-ai/claude-code` bundle. Looks at
/// no more of the command line than its first [`ARGS_LOOKED_AT`] non-empty arguments.
fn is_claude(exe: Option<&Path>, cmdline: &[u8]) -> bool {
    let exe_is_claude = exe
        .and_then(|p| p.file_name())
        .is_some_and(|n| n == "claude" || n.to_string_lossy().starts_with("claude-code"));
    let mut args = cmdline
        .split(|&b| b == 0)
        .filter(|a| !a.is_empty())
        .take(ARGS_LOOKED_AT)
        .peekable();
    let argv0_is_claude = args
        .peek()
        .map(|a| a.rsplit(|&b| b == b'/').next().unwrap_or(a))
        .is_some_and(|base| base == b"claude");
    // On the bytes: the needles are ASCII, which invalid UTF-8 around them cannot change.
    let runs_bundle = args
        .any(|a| a.ends_with(b"cli.js") && a.windows(BUNDLE.len()).any(|w| w == BUNDLE.as_bytes()));
    exe_is_claude || argv0_is_claude || runs_bundle
}

/// The npm package whose `cli.js` is Claude Code.
const BUNDLE: &str = "@anthropic-ai/claude-code";

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
mod tests;
