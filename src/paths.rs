//! Where Claude Code keeps each file, decided exactly as Claude Code decides it
//! (state-formats.md §1), plus the rule that chose each path so `paths` can explain it.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::layout;

/// Environment variables that move Claude Code's state.
pub const STATE_ENV_VARS: &[&str] = &[
    "CLAUDE_CONFIG_DIR",
    "CLAUDE_SECURESTORAGE_CONFIG_DIR",
    "CLAUDE_CODE_CUSTOM_OAUTH_URL",
    "CLAUDE_CODE_PLUGIN_CACHE_DIR",
];

/// The variable the home directory comes from on this OS.
const HOME_VAR: &str = if cfg!(windows) { "USERPROFILE" } else { "HOME" };

/// What the process was started with: the environment, already read, so the rest of the program
/// (and its tests) never reads the real environment behind its back.
#[derive(Debug, Clone, Default)]
pub struct Environment {
    /// `std::env::home_dir()`: `HOME` on Unix, `USERPROFILE` on Windows, like Node's `os.homedir`.
    pub home: Option<PathBuf>,
    pub cwd: PathBuf,
    /// The variables in [`STATE_ENV_VARS`] that are set and non-empty.
    pub vars: HashMap<String, String>,
    /// `$USER` (the macOS Keychain account).
    pub user: Option<String>,
    /// Where [`Environment::home`] came from, so `paths` can say it.
    pub home_from: HomeSource,
}

/// Where the home directory came from when `--home` was not given.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum HomeSource {
    /// `$HOME` (`%USERPROFILE%` on Windows).
    #[default]
    Variable,
    /// The variable is not set, so the OS's user database gave it (as Node's `os.homedir` does).
    UserDatabase,
}

impl Environment {
    pub fn from_process() -> Self {
        let vars = STATE_ENV_VARS
            .iter()
            .filter_map(|name| {
                let value = std::env::var_os(name)?.to_string_lossy().into_owned();
                (!value.is_empty()).then(|| (name.to_string(), value))
            })
            .collect();
        Self {
            home: std::env::home_dir(),
            cwd: std::env::current_dir().unwrap_or_else(|_| PathBuf::from(".")),
            vars,
            user: std::env::var("USER").ok(),
            home_from: if std::env::var_os(HOME_VAR).is_some() {
                HomeSource::Variable
            } else {
                HomeSource::UserDatabase
            },
        }
    }
}

/// Flags that override the environment.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    pub home: Option<PathBuf>,
    pub config_dir: Option<PathBuf>,
    pub project: Option<PathBuf>,
    pub managed_dir: Option<PathBuf>,
    /// `--mcp-config FILE`s (absolute): not a location Claude Code derives, but every command
    /// printed for pasting must carry them, or a pasted `fix` takes their servers' entries for
    /// orphans ([`crate::commands::pasteable`]).
    pub mcp_config: Vec<PathBuf>,
}

impl Overrides {
    /// Fails when a directory given on the command line is not one: a typo there must not turn
    /// into "No Claude Code state found" and exit 0 (a script would read that as healthy).
    /// The message names the flag and the path, and a sibling with a close name when there is one.
    pub fn check(&self, cwd: &Path) -> Result<(), String> {
        let given = [
            ("--home", &self.home),
            ("--config-dir", &self.config_dir),
            ("--project", &self.project),
            ("--managed-dir", &self.managed_dir),
        ];
        for (flag, dir) in given {
            let Some(dir) = dir else { continue };
            let path = absolute(dir, cwd);
            let problem = match std::fs::metadata(&path) {
                Ok(m) if m.is_dir() => continue,
                Ok(_) => "is not a directory".to_string(),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                    format!("no such directory{}", sibling_hint(&path))
                }
                Err(e) => format!("cannot be read: {e}"),
            };
            return Err(format!(
                "{flag} {}: {problem}; give an existing directory",
                path.display()
            ));
        }
        Ok(())
    }
}

/// `" (did you mean /x/y?)"` when `path`'s parent holds a directory with a close name.
fn sibling_hint(path: &Path) -> String {
    let (Some(parent), Some(name)) = (path.parent(), path.file_name()) else {
        return String::new();
    };
    let Ok(entries) = std::fs::read_dir(parent) else {
        return String::new();
    };
    // Bounded: a huge directory is not worth scanning for a hint.
    let names: Vec<String> = entries
        .take(10_000)
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .filter_map(|e| e.file_name().into_string().ok())
        .collect();
    match crate::suggest::closest(&name.to_string_lossy(), names.iter().map(String::as_str)) {
        Some(near) => format!(" (did you mean {}?)", parent.join(near).display()),
        None => String::new(),
    }
}

/// A path and the rule that chose it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chosen {
    pub path: PathBuf,
    pub rule: String,
}

/// Every location the diagnosis reads.
#[derive(Debug, Clone)]
pub struct Locations {
    pub home: Chosen,
    pub config_dir: Chosen,
    pub global_config: Chosen,
    /// True when the legacy `<configDir>/.config.json` is the global config.
    pub legacy_global_config: bool,
    pub credentials: Chosen,
    pub needs_auth_cache: Chosen,
    pub managed_mcp: Chosen,
    /// Where installed plugins (and `installed_plugins.json`) live.
    pub plugins_dir: Chosen,
    /// The directory whose `.mcp.json` chain is read (the working directory unless `--project`).
    pub project_dir: PathBuf,
    /// Environment variables that were set but ignored (because a flag overrides them).
    pub ignored_env: Vec<String>,
}

impl Locations {
    /// Resolves every path. Fails only when no home directory can be found at all.
    pub fn resolve(env: &Environment, flags: &Overrides) -> Result<Self, String> {
        Self::resolve_with(env, flags, &|legacy| legacy.is_file())
    }

    /// [`Locations::resolve`], asking `is_file` whether the legacy `<configDir>/.config.json`
    /// exists (the one question about the disk that decides a path; tests answer it without one).
    pub fn resolve_with(
        env: &Environment,
        flags: &Overrides,
        is_file: &dyn Fn(&Path) -> bool,
    ) -> Result<Self, String> {
        let home = match (&flags.home, &env.home) {
            (Some(h), _) => Chosen {
                path: absolute(h, &env.cwd),
                rule: "--home".into(),
            },
            (None, Some(h)) => Chosen {
                path: h.clone(),
                rule: match (env.home_from, cfg!(windows)) {
                    (HomeSource::Variable, true) => "%USERPROFILE%".into(),
                    (HomeSource::Variable, false) => "$HOME".into(),
                    (HomeSource::UserDatabase, _) => format!(
                        "the user database, since {HOME_VAR} is not set; Claude Code does the same"
                    ),
                },
            },
            (None, None) => {
                return Err(
                    "cannot find your home directory: HOME (USERPROFILE on Windows) is not set; \
                     pass --home DIR"
                        .into(),
                );
            }
        };
        // `--home` points at a whole other home (a fixture, a backup): the shell's state-moving
        // variables belong to the real one, so they are ignored rather than mixed in.
        let use_env = flags.home.is_none();
        let mut ignored_env = Vec::new();
        let var = |name: &str, ignored: &mut Vec<String>| -> Option<String> {
            let value = env.vars.get(name).cloned()?;
            if use_env {
                Some(value)
            } else {
                ignored.push(name.to_string());
                None
            }
        };
        let claude_config_dir = var("CLAUDE_CONFIG_DIR", &mut ignored_env);
        let secure_dir = var("CLAUDE_SECURESTORAGE_CONFIG_DIR", &mut ignored_env);
        let custom_oauth = var("CLAUDE_CODE_CUSTOM_OAUTH_URL", &mut ignored_env);
        let plugin_cache = var("CLAUDE_CODE_PLUGIN_CACHE_DIR", &mut ignored_env);

        // The directory that `.claude.json` sits in when it is not the legacy file.
        let (config_dir, explicit_dir) = match (&flags.config_dir, &claude_config_dir) {
            (Some(d), _) => (
                Chosen {
                    path: absolute(d, &env.cwd),
                    rule: "--config-dir".into(),
                },
                true,
            ),
            (None, Some(d)) => (
                Chosen {
                    path: PathBuf::from(d),
                    rule: "$CLAUDE_CONFIG_DIR".into(),
                },
                true,
            ),
            (None, None) => (
                Chosen {
                    path: home.path.join(layout::CONFIG_DIR),
                    rule: if ignored_env.iter().any(|v| v == "CLAUDE_CONFIG_DIR") {
                        "<home>/.claude (CLAUDE_CONFIG_DIR ignored: --home was given)"
                    } else {
                        "<home>/.claude (CLAUDE_CONFIG_DIR not set)"
                    }
                    .into(),
                },
                false,
            ),
        };

        let global_name = layout::global_config_name(custom_oauth.is_some());
        let legacy = config_dir.path.join(layout::LEGACY_GLOBAL_CONFIG);
        let legacy_global_config = is_file(&legacy);
        let global_config = if legacy_global_config {
            Chosen {
                path: legacy,
                rule: "legacy <configDir>/.config.json exists, so it wins".into(),
            }
        } else if explicit_dir {
            Chosen {
                path: config_dir.path.join(global_name),
                rule: format!("inside the config dir ({})", config_dir.rule),
            }
        } else {
            Chosen {
                path: home.path.join(global_name),
                rule: "<home>/.claude.json, a sibling of ~/.claude".into(),
            }
        };
        let global_config = if custom_oauth.is_none() {
            global_config
        } else {
            Chosen {
                rule: format!(
                    "{} (suffix -custom-oauth: CLAUDE_CODE_CUSTOM_OAUTH_URL is set)",
                    global_config.rule
                ),
                ..global_config
            }
        };

        let credentials = match secure_dir {
            Some(d) => Chosen {
                path: PathBuf::from(d).join(layout::CREDENTIALS),
                rule: "$CLAUDE_SECURESTORAGE_CONFIG_DIR".into(),
            },
            None => Chosen {
                path: config_dir.path.join(layout::CREDENTIALS),
                rule: format!("<configDir>/.credentials.json ({})", config_dir.rule),
            },
        };
        let needs_auth_cache = Chosen {
            path: config_dir.path.join(layout::NEEDS_AUTH_CACHE),
            rule: "<configDir>/mcp-needs-auth-cache.json".into(),
        };
        let managed_mcp = match &flags.managed_dir {
            Some(d) => Chosen {
                path: absolute(d, &env.cwd).join(layout::MANAGED_MCP),
                rule: "--managed-dir".into(),
            },
            None => Chosen {
                path: default_managed_dir().join(layout::MANAGED_MCP),
                rule: "the system-wide managed settings directory".into(),
            },
        };
        let plugins_dir = match plugin_cache {
            Some(d) => Chosen {
                path: PathBuf::from(d),
                rule: "$CLAUDE_CODE_PLUGIN_CACHE_DIR".into(),
            },
            None => Chosen {
                path: config_dir.path.join(layout::PLUGINS_DIR),
                rule: "<configDir>/plugins".into(),
            },
        };
        let project_dir = flags
            .project
            .as_ref()
            .map(|p| absolute(p, &env.cwd))
            .unwrap_or_else(|| env.cwd.clone());
        Ok(Self {
            home,
            config_dir,
            global_config,
            legacy_global_config,
            credentials,
            needs_auth_cache,
            managed_mcp,
            plugins_dir,
            project_dir,
            ignored_env,
        })
    }

    /// `path` with the home directory shown as `~`, for messages.
    pub fn display(&self, path: &Path) -> String {
        tilde(path, &self.home.path)
    }
}

/// `path` with `home` shown as `~`.
pub fn tilde(path: &Path, home: &Path) -> String {
    match path.strip_prefix(home) {
        Ok(rest) if rest.as_os_str().is_empty() => "~".into(),
        Ok(rest) => format!("~/{}", rest.display()),
        Err(_) => path.display().to_string(),
    }
}

/// `path` made absolute against `cwd`, with `.` components dropped (lexically: symlinks are kept,
/// as Claude Code keeps them).
fn absolute(path: &Path, cwd: &Path) -> PathBuf {
    let joined = if path.is_absolute() {
        path.to_path_buf()
    } else {
        cwd.join(path)
    };
    joined
        .components()
        .filter(|c| !matches!(c, std::path::Component::CurDir))
        .collect()
}

/// Where enterprise `managed-mcp.json` lives on this OS.
pub fn default_managed_dir() -> PathBuf {
    if cfg!(target_os = "macos") {
        PathBuf::from("/Library/Application Support/ClaudeCode")
    } else if cfg!(windows) {
        PathBuf::from(r"C:\Program Files\ClaudeCode")
    } else {
        PathBuf::from("/etc/claude-code")
    }
}

/// `dir` and each ancestor, nearest first, excluding the filesystem root (Claude Code reads
/// `.mcp.json` from all of them).
pub fn dir_and_ancestors(dir: &Path) -> Vec<PathBuf> {
    dir.ancestors()
        .filter(|d| d.parent().is_some())
        .map(Path::to_path_buf)
        .collect()
}

// ---- Windows rules, as pure functions of the target OS (tested on Linux; issue 11) ----------

/// The variable Node's `os.homedir()` (and so Claude Code) takes the home from on `os`
/// (`std::env::consts::OS` names): `USERPROFILE` on Windows, `HOME` elsewhere. When it is unset
/// or empty, both fall back to the OS's user database (Rust's `std::env::home_dir` does the same
/// since 1.85, which [`Environment::from_process`] uses).
pub fn home_variable(os: &str) -> &'static str {
    if os == "windows" {
        "USERPROFILE"
    } else {
        "HOME"
    }
}

/// The home on `os` from its variable, as Node reads it: an empty value counts as unset
/// (`None`: ask the user database).
pub fn home_from_variable(os: &str, var: impl Fn(&str) -> Option<String>) -> Option<PathBuf> {
    var(home_variable(os))
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
}

/// A project folder as Claude Code keys it in `.claude.json` `projects`: on Windows every `\`
/// becomes `/` (state-formats §1.6), so `C:\Users\a\p` is keyed `C:/Users/a/p` and the UNC
/// path `\\srv\share\p` is keyed `//srv/share/p`; the drive letter keeps its case. Elsewhere
/// the path is the key as it is.
pub fn project_key(os: &str, dir: &str) -> String {
    if os == "windows" {
        dir.replace('\\', "/")
    } else {
        dir.to_string()
    }
}

/// Whether a project key names the folder `dir` on `os`. Windows folders compare without regard
/// to case (NTFS and SMB shares are case-insensitive by default) and with either separator;
/// other systems compare byte for byte (a case-sensitive APFS or ext4 folder differs).
pub fn same_project(os: &str, key: &str, dir: &str) -> bool {
    if os == "windows" {
        let (a, b) = (project_key(os, key), project_key(os, dir));
        let trim = |s: &str| {
            // `C:/p/` and `C:/p` are the same folder; the root `C:/` keeps its slash.
            if s.len() > 3 && s.ends_with('/') {
                s[..s.len() - 1].to_string()
            } else {
                s.to_string()
            }
        };
        trim(&a).to_lowercase() == trim(&b).to_lowercase()
    } else {
        key == dir
    }
}

/// Whether `key` is an absolute Windows path in either separator: a drive (`C:/`, `C:\`) or UNC
/// (`//srv/share`, `\\srv\share`). Such a key cannot be checked on Unix.
pub fn is_windows_absolute(key: &str) -> bool {
    let b = key.as_bytes();
    let drive =
        b.len() >= 3 && b[0].is_ascii_alphabetic() && b[1] == b':' && matches!(b[2], b'/' | b'\\');
    let unc = b.len() > 2
        && matches!(b[0], b'/' | b'\\')
        && b[1] == b[0]
        && !matches!(b[2], b'/' | b'\\');
    drive || unc
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(vars: &[(&str, &str)]) -> Environment {
        Environment {
            home: Some(PathBuf::from("/home/u")),
            cwd: PathBuf::from("/home/u/code/app"),
            vars: vars
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            user: None,
            home_from: HomeSource::Variable,
        }
    }

    #[test]
    fn rules_never_contradict_the_environment() {
        let flags = Overrides {
            home: Some(PathBuf::from("/fixture")),
            ..Overrides::default()
        };
        let l = Locations::resolve(&env(&[("CLAUDE_CONFIG_DIR", "/p/work")]), &flags).unwrap();
        assert!(
            !l.config_dir.rule.contains("not set"),
            "{}",
            l.config_dir.rule
        );
        assert!(
            l.config_dir.rule.contains("ignored"),
            "{}",
            l.config_dir.rule
        );
        let unset = Environment {
            home_from: HomeSource::UserDatabase,
            ..env(&[])
        };
        let l = Locations::resolve(&unset, &Overrides::default()).unwrap();
        assert!(l.home.rule.contains("user database"), "{}", l.home.rule);
        assert!(l.home.rule.contains("not set"), "{}", l.home.rule);
    }

    #[test]
    fn defaults_follow_claude_code() {
        let l = Locations::resolve(&env(&[]), &Overrides::default()).unwrap();
        assert_eq!(l.config_dir.path, PathBuf::from("/home/u/.claude"));
        assert_eq!(l.global_config.path, PathBuf::from("/home/u/.claude.json"));
        assert_eq!(
            l.credentials.path,
            PathBuf::from("/home/u/.claude/.credentials.json")
        );
        assert_eq!(
            l.needs_auth_cache.path,
            PathBuf::from("/home/u/.claude/mcp-needs-auth-cache.json")
        );
    }

    #[test]
    fn claude_config_dir_moves_everything_inside_it() {
        let l = Locations::resolve(
            &env(&[("CLAUDE_CONFIG_DIR", "/p/work")]),
            &Overrides::default(),
        )
        .unwrap();
        assert_eq!(l.global_config.path, PathBuf::from("/p/work/.claude.json"));
        assert_eq!(
            l.credentials.path,
            PathBuf::from("/p/work/.credentials.json")
        );
        assert_eq!(
            l.needs_auth_cache.path,
            PathBuf::from("/p/work/mcp-needs-auth-cache.json")
        );
    }

    #[test]
    fn secure_storage_dir_moves_only_credentials() {
        let l = Locations::resolve(
            &env(&[("CLAUDE_SECURESTORAGE_CONFIG_DIR", "/s")]),
            &Overrides::default(),
        )
        .unwrap();
        assert_eq!(l.credentials.path, PathBuf::from("/s/.credentials.json"));
        assert_eq!(
            l.needs_auth_cache.path,
            PathBuf::from("/home/u/.claude/mcp-needs-auth-cache.json")
        );
    }

    #[test]
    fn home_flag_ignores_the_shells_state_variables() {
        let flags = Overrides {
            home: Some(PathBuf::from("/fixture")),
            ..Overrides::default()
        };
        let l = Locations::resolve(&env(&[("CLAUDE_CONFIG_DIR", "/p/work")]), &flags).unwrap();
        assert_eq!(l.global_config.path, PathBuf::from("/fixture/.claude.json"));
        assert_eq!(l.ignored_env, vec!["CLAUDE_CONFIG_DIR"]);
    }

    #[test]
    fn custom_oauth_url_adds_a_suffix() {
        let l = Locations::resolve(
            &env(&[("CLAUDE_CODE_CUSTOM_OAUTH_URL", "https://x")]),
            &Overrides::default(),
        )
        .unwrap();
        assert_eq!(
            l.global_config.path,
            PathBuf::from("/home/u/.claude-custom-oauth.json")
        );
    }

    #[test]
    fn the_home_comes_from_userprofile_on_windows_as_node_reads_it() {
        let vars = |name: &str| match name {
            "USERPROFILE" => Some(r"C:\Users\alice".to_string()),
            "HOME" => Some("/home/alice".to_string()),
            _ => None,
        };
        assert_eq!(
            home_from_variable("windows", vars),
            Some(PathBuf::from(r"C:\Users\alice"))
        );
        assert_eq!(
            home_from_variable("macos", vars),
            Some(PathBuf::from("/home/alice"))
        );
        assert_eq!(
            home_from_variable("linux", vars),
            Some(PathBuf::from("/home/alice"))
        );
        // Unset or empty: the user database decides (None here).
        assert_eq!(home_from_variable("windows", |_| Some(String::new())), None);
        assert_eq!(home_from_variable("windows", |_| None), None);
        assert_eq!(home_variable(std::env::consts::OS), HOME_VAR);
    }

    #[test]
    fn windows_project_keys_use_forward_slashes() {
        assert_eq!(
            project_key("windows", r"C:\Users\alice\proj"),
            "C:/Users/alice/proj"
        );
        assert_eq!(
            project_key("windows", r"\\srv\share\proj"),
            "//srv/share/proj"
        );
        assert_eq!(
            project_key("windows", "C:/Users/alice/proj"),
            "C:/Users/alice/proj"
        );
        // A backslash is an ordinary character in a Unix name.
        assert_eq!(project_key("linux", r"/home/a\b"), r"/home/a\b");
    }

    #[test]
    fn windows_project_lookup_ignores_case_and_separators() {
        assert!(same_project(
            "windows",
            "C:/Users/Alice/Proj",
            r"c:\users\alice\proj"
        ));
        assert!(same_project("windows", "//SRV/Share/p", r"\\srv\share\P"));
        assert!(same_project("windows", "C:/p/", "C:/p"));
        assert!(same_project("windows", "C:/", r"c:\"));
        assert!(!same_project("windows", "C:/p", "D:/p"));
        assert!(!same_project("windows", "C:/p", "C:/pp"));
        assert!(!same_project("linux", "/home/Alice", "/home/alice"));
        assert!(!same_project("macos", "/Users/Alice", "/Users/alice"));
        assert!(same_project("linux", "/home/alice", "/home/alice"));
    }

    #[test]
    fn windows_absolute_paths_are_told_apart() {
        for key in [
            r"C:\Users\a",
            "C:/Users/a",
            "//srv/share",
            r"\\srv\share",
            "d:/",
        ] {
            assert!(is_windows_absolute(key), "{key}");
        }
        for key in ["/home/a", "relative", "C:", "C:relative", "///x", "/"] {
            assert!(!is_windows_absolute(key), "{key}");
        }
    }

    #[test]
    fn ancestors_exclude_the_root() {
        let dirs = dir_and_ancestors(Path::new("/a/b"));
        assert_eq!(dirs, vec![PathBuf::from("/a/b"), PathBuf::from("/a")]);
    }
}
