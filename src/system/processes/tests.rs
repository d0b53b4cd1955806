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
        // Its config dir after 10 kB of other variables: read to the end, past one read.
        (
            "104",
            Some(format!(
                "FILLER={}\0CLAUDE_CONFIG_DIR={}\0",
                "x".repeat(10_000),
                mine.display()
            )),
        ),
    ] {
        let dir = proc_root.path().join(pid);
        std::fs::create_dir(&dir).unwrap();
        std::fs::write(dir.join("cmdline"), b"claude\0").unwrap();
        std::os::unix::fs::symlink("/usr/bin/node", dir.join("exe")).unwrap();
        if let Some(env) = environ {
            std::fs::write(dir.join("environ"), env).unwrap();
        }
    }
    let scan = scan_proc(proc_root.path());
    let mine = Canonical::of(&mine);
    let sharing = scan.sharing(&mine);
    let pids = |v: &[&ClaudeProcess]| v.iter().map(|p| p.pid).collect::<Vec<_>>();
    assert_eq!(pids(&sharing.known), vec![101, 104]);
    assert_eq!(pids(&sharing.unknown), vec![102]);
    // Caution still counts the unknown one.
    assert_eq!(pids(&scan.using(&mine)), vec![101, 102, 104]);
}

/// What a fake `/proc/PID/exe` is.
#[cfg(target_os = "linux")]
#[derive(Clone, Copy)]
enum Exe {
    /// A symlink to this executable.
    Link(&'static str),
    /// Not a symlink: reading it fails as it does for another user's process.
    Unreadable,
    /// Absent, as for a kernel thread.
    Missing,
}

#[cfg(target_os = "linux")]
fn fake_process(root: &Path, pid: u32, exe: Exe, cmdline: &[u8]) {
    let dir = root.join(pid.to_string());
    std::fs::create_dir(&dir).unwrap();
    std::fs::write(dir.join("cmdline"), cmdline).unwrap();
    match exe {
        Exe::Link(target) => std::os::unix::fs::symlink(target, dir.join("exe")).unwrap(),
        Exe::Unreadable => std::fs::write(dir.join("exe"), b"").unwrap(),
        Exe::Missing => {}
    }
}

/// Command lines that take more than one read, skip empty arguments, or end without a NUL.
#[cfg(target_os = "linux")]
fn varied_processes() -> Vec<(u32, Exe, Vec<u8>)> {
    let bundle = b"/usr/lib/node_modules/@anthropic-ai/claude-code/cli.js".to_vec();
    let long_dir = format!("/{}", "d".repeat(5000)).into_bytes();
    let join = |parts: &[&[u8]]| parts.concat();
    vec![
        (200, Exe::Missing, Vec::new()), // kernel thread
        (
            201,
            Exe::Link("/usr/bin/bash"),
            b"bash\0-c\0claude-ish\0".to_vec(),
        ),
        (
            202,
            Exe::Link("/usr/bin/node"),
            b"claude\0--resume\0".to_vec(),
        ),
        // The bundle after an argv[0] longer than one read.
        (
            203,
            Exe::Link("/usr/bin/node"),
            join(&[&long_dir, b"/node\0", &bundle, b"\0mcp\0"]),
        ),
        // The bundle as the fourth argument is not looked at.
        (
            204,
            Exe::Link("/usr/bin/node"),
            join(&[b"node\0--inspect\0--trace\0", &bundle, b"\0"]),
        ),
        // Empty arguments do not count: the bundle is the third non-empty one.
        (
            205,
            Exe::Link("/usr/bin/node"),
            join(&[b"\0\0node\0\0--inspect\0\0", &bundle, b"\0"]),
        ),
        (206, Exe::Unreadable, b"claude\0".to_vec()),
        (
            207,
            Exe::Link("/opt/claude-code-2.1/claude"),
            b"x\0".to_vec(),
        ),
        // A rewritten command line without its last NUL.
        (208, Exe::Link("/usr/bin/node"), join(&[b"node\0", &bundle])),
        // argv[0] alone longer than two reads, ending in `claude`.
        (
            209,
            Exe::Link("/usr/bin/env"),
            join(&[&long_dir, &long_dir, b"/claude\0-p\0"]),
        ),
        (
            210,
            Exe::Link("/usr/bin/python3"),
            join(&[&long_dir, b"\0"]),
        ),
        // Invalid UTF-8 beside the names looked for, and inside one.
        (
            212,
            Exe::Link("/usr/bin/node"),
            b"node\0\xff\xfe/@anthropic-ai/claude-code/\xc3cli.js\0".to_vec(),
        ),
        (
            213,
            Exe::Link("/usr/bin/node"),
            b"node\0/@anthropic-ai/claude\xff-code/cli.js\0".to_vec(),
        ),
        (214, Exe::Link("/usr/bin/node"), b"/x/\xffclaude\0".to_vec()),
        // Enough arguments in one read, followed by many more.
        (
            211,
            Exe::Link("/usr/bin/node"),
            join(&[b"node\0a\0b\0", &long_dir, b"\0", &bundle, b"\0"]),
        ),
    ]
}

/// The scan reads less (no command line for a process without an executable, no more of one
/// than its first arguments) and recognises exactly what reading everything recognises.
#[cfg(target_os = "linux")]
#[test]
fn recognises_what_reading_every_file_whole_recognises() {
    let proc_root = tempfile::tempdir().unwrap();
    for (pid, exe, cmdline) in varied_processes() {
        fake_process(proc_root.path(), pid, exe, &cmdline);
    }
    let everything: Vec<u32> = varied_processes()
        .into_iter()
        .filter(|(pid, _, _)| {
            let dir = proc_root.path().join(pid.to_string());
            let exe = std::fs::read_link(dir.join("exe")).ok();
            let cmdline = std::fs::read(dir.join("cmdline")).unwrap_or_default();
            is_claude(exe.as_deref(), &cmdline)
        })
        .map(|(pid, _, _)| pid)
        .collect();
    assert_eq!(everything, vec![202, 203, 205, 206, 207, 208, 209, 212]);
    let ProcessScan::Scanned { processes } = scan_proc(proc_root.path()) else {
        panic!("the fake /proc is readable");
    };
    let scanned: Vec<u32> = processes.iter().map(|p| p.pid).collect();
    assert_eq!(scanned, everything);
}

/// A fake PID 2 with this executable and these children.
#[cfg(target_os = "linux")]
fn fake_kthreadd(root: &Path, exe: Exe, children: &str) {
    fake_process(root, 2, exe, b"");
    let task = root.join("2/task/2");
    std::fs::create_dir_all(&task).unwrap();
    std::fs::write(task.join("children"), children).unwrap();
}

/// The children of a PID 2 without an executable are kernel threads: not looked at, so a
/// Claude Code planted among them is not found (which proves the list is what is used).
/// When PID 2 is an ordinary process (a PID namespace), its children are looked at.
#[cfg(target_os = "linux")]
#[test]
fn passes_the_kernel_threads_without_looking_at_each() {
    for (pid2, found) in [
        (Exe::Missing, vec![202]),
        (Exe::Link("/usr/bin/bash"), vec![202, 230]),
        (Exe::Unreadable, vec![202, 230]),
    ] {
        let proc_root = tempfile::tempdir().unwrap();
        fake_kthreadd(proc_root.path(), pid2, "200 230 231 \n");
        fake_process(proc_root.path(), 200, Exe::Missing, b"");
        fake_process(
            proc_root.path(),
            202,
            Exe::Link("/usr/bin/claude"),
            b"claude\0",
        );
        fake_process(
            proc_root.path(),
            230,
            Exe::Link("/usr/bin/claude"),
            b"claude\0",
        );
        let ProcessScan::Scanned { processes } = scan_proc(proc_root.path()) else {
            panic!("the fake /proc is readable");
        };
        let scanned: Vec<u32> = processes.iter().map(|p| p.pid).collect();
        assert_eq!(scanned, found);
    }
    let root = tempfile::tempdir().unwrap();
    let root_fd = std::fs::File::open(root.path()).unwrap();
    // No PID 2 at all (`hidepid`): nothing is passed.
    assert_eq!(kernel_threads(&root_fd), Vec::<u32>::new());
    fake_kthreadd(root.path(), Exe::Missing, "9 3 x 12");
    assert_eq!(kernel_threads(&root_fd), vec![3, 9, 12]);
}

#[cfg(target_os = "linux")]
#[test]
fn reads_a_command_line_only_as_far_as_its_first_three_arguments() {
    let dir = tempfile::tempdir().unwrap();
    let dir_fd = std::fs::File::open(dir.path()).unwrap();
    let mut buf = Vec::new();
    for (pid, _, cmdline) in varied_processes() {
        let path = dir.path().join(pid.to_string());
        std::fs::write(&path, &cmdline).unwrap();
        read_leading_args(&dir_fd, &pid.to_string(), &mut buf);
        assert!(cmdline.starts_with(&buf), "pid {pid}: a prefix");
        assert_eq!(
            is_claude(None, &buf),
            is_claude(None, &cmdline),
            "pid {pid}"
        );
    }
    // Three short arguments and 10 kB more: one read of 4 kB, not the whole line.
    let long = [b"node\0a\0b\0".as_slice(), &[b'x'; 10_000]].concat();
    let path = dir.path().join("long");
    std::fs::write(&path, &long).unwrap();
    let mut fresh = Vec::new();
    read_leading_args(&dir_fd, "long", &mut fresh);
    assert_eq!(fresh.len(), 4096);
    // Short of three: read to the end.
    std::fs::write(&path, b"node\0\0\0only").unwrap();
    read_leading_args(&dir_fd, "long", &mut buf);
    assert_eq!(buf, b"node\0\0\0only");
    read_leading_args(&dir_fd, "missing", &mut buf);
    assert!(buf.is_empty());
}

/// `is_claude` as it was before it stopped at the third argument and compared bytes.
fn is_claude_as_before(exe: Option<&Path>, cmdline: &[u8]) -> bool {
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

#[cfg(target_os = "linux")]
#[test]
fn judges_every_command_line_as_before() {
    let exes = [
        None,
        Some(Path::new("/usr/bin/node")),
        Some(Path::new("/home/u/.local/bin/claude")),
        Some(Path::new("/opt/claude-code-2/x")),
    ];
    for (pid, _, cmdline) in varied_processes() {
        for exe in exes {
            assert_eq!(
                is_claude(exe, &cmdline),
                is_claude_as_before(exe, &cmdline),
                "pid {pid}, exe {exe:?}"
            );
        }
    }
}

#[test]
fn counts_only_whole_non_empty_arguments() {
    assert_eq!(whole_args(b""), 0);
    assert_eq!(whole_args(b"node"), 0);
    assert_eq!(whole_args(b"node\0"), 1);
    assert_eq!(whole_args(b"\0\0node\0\0x\0partial"), 2);
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
