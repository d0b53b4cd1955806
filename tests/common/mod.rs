//! Test harness: copy a `testdata/<scenario>` home to a temp dir, make it look like a real home
//! (symlinks kept, `@HOME@` replaced, credential modes set), and run the real binary against it
//! with a pinned clock and a clean environment.

#![allow(dead_code)]

use std::fs;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use tempfile::TempDir;

/// The fixtures' "now": 2026-06-01T12:00:00Z.
pub const NOW_MS: &str = "1780315200000";

/// Every secret in every fixture contains this.
pub const CANARY: &str = "CANARY";

pub struct Home {
    _dir: TempDir,
    pub path: PathBuf,
    env: Vec<(String, String)>,
}

/// Per-scenario environment, as documented in testdata/README.md.
fn scenario_env(name: &str, home: &Path) -> Vec<(String, String)> {
    match name {
        "env-changed" => vec![("MCP_HOST".into(), "new.example.com".into())],
        "launcher-keys" => vec![("ACME_TENANT".into(), "team-a".into())],
        "container-callback" => vec![("REMOTE_CONTAINERS".into(), "true".into())],
        "config-dir" => vec![(
            "CLAUDE_CONFIG_DIR".into(),
            home.join("profiles/work").display().to_string(),
        )],
        // Set where no shell expands it (issue 9 item 5): Claude Code takes it literally.
        "tilde-config-dir" => vec![("CLAUDE_CONFIG_DIR".into(), "~/.claude-work".into())],
        "tilde-config-dir-absolute" => vec![(
            "CLAUDE_CONFIG_DIR".into(),
            home.join(".claude-work").display().to_string(),
        )],
        // Windows rules on this machine (a debug-build hook, see paths::target_os).
        "windows-credman" | "windows-credman-off" => {
            vec![("MCP_AUTH_DOCTOR_TEST_OS".into(), "windows".into())]
        }
        _ => vec![],
    }
}

impl Home {
    /// A fresh copy of `testdata/<name>`.
    pub fn fixture(name: &str) -> Self {
        let src = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("testdata")
            .join(name);
        assert!(src.is_dir(), "no fixture {name}");
        let dir = tempfile::Builder::new()
            .prefix("mad-home-")
            .tempdir()
            .expect("temp dir");
        // Resolve /tmp symlinks (macOS) so paths in output match.
        let path = dir.path().canonicalize().expect("canonical temp dir");
        copy_tree(&src, &path, &path);
        set_credential_modes(
            &path,
            if name == "credentials-0644" {
                0o644
            } else {
                0o600
            },
        );
        if name == "stale-lock" {
            make_lock_dirs(&path);
        }
        let env = scenario_env(name, &path);
        Self {
            _dir: dir,
            path,
            env,
        }
    }

    /// Runs the binary with `args`, HOME pointing at this home, and a clean environment.
    pub fn cmd(&self, args: &[&str]) -> Command {
        let mut cmd = Command::cargo_bin("mcp-auth-doctor").expect("binary");
        cmd.env_clear()
            .env("HOME", &self.path)
            .env("USERPROFILE", &self.path)
            .env("MCP_AUTH_DOCTOR_NOW", NOW_MS)
            .env("NO_COLOR", "1")
            // No `claude` (or anything else) to find: the report's `claude --version` probe stays
            // fast and the same on every machine.
            .env("PATH", "/nonexistent-mcp-auth-doctor-test-path")
            // Not in a container, whatever machine the tests run on (a test sets it to a file).
            .env(
                "MCP_AUTH_DOCTOR_TEST_DOCKERENV",
                "/nonexistent-mcp-auth-doctor-dockerenv",
            )
            .current_dir(&self.path)
            .args(args);
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        cmd
    }

    /// Runs and returns (stdout, stderr, exit code), with the temp home shown as `[HOME]`.
    pub fn run(&self, args: &[&str]) -> (String, String, i32) {
        let out = self.cmd(args).output().expect("run");
        let home = self.path.display().to_string();
        let clean = |b: &[u8]| String::from_utf8_lossy(b).replace(&home, "[HOME]");
        (
            clean(&out.stdout),
            clean(&out.stderr),
            out.status.code().unwrap_or(-1),
        )
    }

    /// `check --format json`, parsed.
    pub fn check_json(&self) -> (serde_json::Value, i32) {
        self.check_json_with(&[])
    }

    /// `check --format json` with `extra` arguments, parsed.
    pub fn check_json_with(&self, extra: &[&str]) -> (serde_json::Value, i32) {
        let mut args = vec!["check", "--format", "json"];
        args.extend_from_slice(extra);
        let (stdout, stderr, code) = self.run(&args);
        let v = serde_json::from_str(&stdout)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {stdout}\nstderr: {stderr}"));
        (v, code)
    }
}

/// The findings of a check document with `code`, in report order.
pub fn findings_with<'a>(doc: &'a serde_json::Value, code: &str) -> Vec<&'a serde_json::Value> {
    doc["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["code"] == code)
        .collect()
}

/// The finding codes in a check document, sorted and deduplicated.
pub fn codes(doc: &serde_json::Value) -> Vec<String> {
    let mut c: Vec<String> = doc["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| f["code"].as_str().unwrap().to_string())
        .collect();
    c.sort();
    c.dedup();
    c
}

/// Lock directories for the `stale-lock` scenario: two 2 minutes old, one fresh.
fn make_lock_dirs(home: &Path) {
    let old = std::time::SystemTime::now() - std::time::Duration::from_secs(120);
    for dir in [
        ".claude/.storage-write.lock",
        ".claude/mcp-refresh-linear_638130d5ab3558f4.lock.lock",
    ] {
        let p = home.join(dir);
        fs::create_dir(&p).unwrap();
        fs::File::open(&p).unwrap().set_modified(old).unwrap();
    }
    fs::create_dir(home.join(".claude.json.lock")).unwrap();
}

fn copy_tree(src: &Path, dst: &Path, home: &Path) {
    fs::create_dir_all(dst).unwrap();
    for entry in fs::read_dir(src).unwrap() {
        let entry = entry.unwrap();
        let from = entry.path();
        let to = dst.join(entry.file_name());
        let ty = entry.file_type().unwrap();
        if ty.is_symlink() {
            let target = fs::read_link(&from).unwrap();
            #[cfg(unix)]
            std::os::unix::fs::symlink(&target, &to).unwrap();
            #[cfg(not(unix))]
            let _ = target;
        } else if ty.is_dir() {
            copy_tree(&from, &to, home);
        } else {
            let bytes = fs::read(&from).unwrap();
            let needle = b"@HOME@";
            let bytes = if bytes.windows(needle.len()).any(|w| w == needle) {
                String::from_utf8(bytes)
                    .unwrap()
                    .replace("@HOME@", &home.display().to_string())
                    .into_bytes()
            } else {
                bytes
            };
            fs::write(&to, bytes).unwrap();
        }
    }
}

/// Git keeps no modes: give every credentials file the mode Claude Code gives it (chmod follows
/// symlinks, as Claude Code's does).
fn set_credential_modes(dir: &Path, mode: u32) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        for entry in fs::read_dir(dir).unwrap() {
            let entry = entry.unwrap();
            let path = entry.path();
            if entry.file_type().unwrap().is_dir() {
                set_credential_modes(&path, mode);
            } else if path.file_name().is_some_and(|n| n == ".credentials.json") && path.exists() {
                fs::set_permissions(&path, fs::Permissions::from_mode(mode)).unwrap();
            }
        }
    }
    #[cfg(not(unix))]
    let _ = (dir, mode);
}

/// Every scenario folder in testdata/.
pub fn scenarios() -> Vec<String> {
    let mut v: Vec<String> = fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata"))
        .unwrap()
        .filter_map(|e| {
            let e = e.ok()?;
            e.file_type()
                .ok()?
                .is_dir()
                .then(|| e.file_name().to_string_lossy().into_owned())
        })
        .collect();
    v.sort();
    v
}

/// `text` with the lines that wrapping broke joined again (a continuation line is indented two
/// more spaces than the line it continues, as `render::style::fit_to_page` makes it): for
/// matching a sentence of an error message, which is wrapped to the page like stdout.
pub fn unwrap_lines(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut lead = 0usize;
    for (i, line) in text.split('\n').enumerate() {
        let indent = line.len() - line.trim_start_matches(' ').len();
        if i > 0 && !line.is_empty() && indent == lead + 2 {
            out.push(' ');
            out.push_str(line.trim_start_matches(' '));
            continue;
        }
        if i > 0 {
            out.push('\n');
        }
        out.push_str(line);
        lead = indent;
    }
    out
}
