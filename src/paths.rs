//! Where Claude Code keeps each file, decided exactly as Claude Code decides it
//! (state-formats.md §1), plus the rule that chose each path so `paths` can explain it.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::layout;

mod platform;
pub use platform::{
    Folder, home_from_variable, home_variable, is_windows_absolute, plain_absolute,
    project_contains, project_key, same_project, target_os,
};

/// Environment variables that move Claude Code's state.
pub const STATE_ENV_VARS: &[&str] = &[
    "CLAUDE_CONFIG_DIR",
    "CLAUDE_SECURESTORAGE_CONFIG_DIR",
    "CLAUDE_CODE_CUSTOM_OAUTH_URL",
    "CLAUDE_CODE_PLUGIN_CACHE_DIR",
    "CLAUDE_CODE_FORCE_WINDOWS_CREDMAN",
];

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
    /// `$HOME`.
    #[default]
    Variable,
    /// The variable is not set, so the OS's user database gave it (as Node's `os.homedir` does).
    UserDatabase,
    /// `%USERPROFILE%`, the home variable on Windows.
    UserProfile,
}

impl Environment {
    pub fn from_process() -> Self {
        let os = target_os();
        let home_var = home_variable(&os);
        let vars = STATE_ENV_VARS
            .iter()
            .filter_map(|name| {
                let value = std::env::var_os(name)?.to_string_lossy().into_owned();
                (!value.is_empty()).then(|| (name.to_string(), value))
            })
            .collect();
        Self {
            // The variable of the target OS first (so a Windows run pretended on Linux takes
            // `USERPROFILE`), then the OS's own answer, as Node's `os.homedir` falls back.
            home: home_from_variable(&os, |name| std::env::var(name).ok())
                .or_else(std::env::home_dir),
            cwd: std::env::current_dir().unwrap_or_else(|_| PathBuf::from(".")),
            vars,
            user: std::env::var("USER").ok(),
            home_from: if std::env::var_os(home_var).is_some_and(|v| !v.is_empty()) {
                if os == "windows" {
                    HomeSource::UserProfile
                } else {
                    HomeSource::Variable
                }
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
    /// `CLAUDE_CODE_FORCE_WINDOWS_CREDMAN=1`: Claude Code 2.1.332 on Windows keeps credentials
    /// in the Windows Credential Manager, whatever its feature flag says (state-formats §1.3).
    pub windows_credman_forced: bool,
    /// `$CLAUDE_SECURESTORAGE_CONFIG_DIR` as set (not resolved): besides moving the credentials
    /// file, it names the macOS Keychain item (`system::keychain::service_for`).
    pub securestorage_dir: Option<String>,
    /// The state variables set to a path that starts with a literal `~` (name, value): Claude
    /// Code does not expand it (#78988, #37570), so its store is `<folder>/~/...`.
    pub literal_tilde: Vec<(String, String)>,
    /// `$CLAUDE_CONFIG_DIR` as set (not resolved), or `--config-dir` as given (which stands for
    /// it), naming the macOS Keychain item `load` reads and messages name
    /// (`system::keychain::service_for`). The variable is ignored under `--home`, like every other
    /// state-moving variable: the environment is ours, not that home's.
    pub claude_config_dir_var: Option<String>,
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
                rule: match env.home_from {
                    HomeSource::UserProfile => "%USERPROFILE%".into(),
                    HomeSource::Variable => "$HOME".into(),
                    HomeSource::UserDatabase => format!(
                        "the user database, since {} is not set; Claude Code does the same",
                        home_variable(std::env::consts::OS)
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
        let windows_credman_forced = var("CLAUDE_CODE_FORCE_WINDOWS_CREDMAN", &mut ignored_env)
            .is_some_and(|v| env_truthy(&v));

        let project_dir = flags
            .project
            .as_ref()
            .map(|p| absolute(p, &env.cwd))
            .unwrap_or_else(|| env.cwd.clone());
        // Claude Code takes a relative directory variable (a literal `~/x` is one: nothing
        // expands it) relative to the folder it starts in: the folder being checked.
        let literal_tilde: Vec<(String, String)> = [
            ("CLAUDE_CONFIG_DIR", &claude_config_dir),
            ("CLAUDE_SECURESTORAGE_CONFIG_DIR", &secure_dir),
        ]
        .into_iter()
        .filter_map(|(name, value)| {
            let value = value.as_ref()?;
            is_literal_tilde(value).then(|| (name.to_string(), value.clone()))
        })
        .collect();
        let from_folder = |name: &str, d: &str| -> Chosen {
            let rule = if is_literal_tilde(d) {
                format!(
                    "${name} is {d}: Claude Code does not expand ~, so it is a folder named ~ \
                     in the folder Claude Code starts in, here {}",
                    project_dir.display()
                )
            } else if Path::new(d).is_absolute() {
                format!("${name}")
            } else {
                format!(
                    "${name}, relative to the folder Claude Code starts in, here {}",
                    project_dir.display()
                )
            };
            Chosen {
                // An absolute value is used as given (trailing slash and all), as before.
                path: if Path::new(d).is_absolute() {
                    PathBuf::from(d)
                } else {
                    absolute(Path::new(d), &project_dir)
                },
                rule,
            }
        };
        // The directory that `.claude.json` sits in when it is not the legacy file.
        let (config_dir, explicit_dir) = match (&flags.config_dir, &claude_config_dir) {
            (Some(d), _) => (
                Chosen {
                    path: absolute(d, &env.cwd),
                    rule: "--config-dir".into(),
                },
                true,
            ),
            (None, Some(d)) => (from_folder("CLAUDE_CONFIG_DIR", d), true),
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

        let securestorage_dir = secure_dir.clone();
        let credentials = match secure_dir {
            Some(d) => {
                let dir = from_folder("CLAUDE_SECURESTORAGE_CONFIG_DIR", &d);
                Chosen {
                    path: dir.path.join(layout::CREDENTIALS),
                    rule: dir.rule,
                }
            }
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
            windows_credman_forced,
            securestorage_dir,
            literal_tilde,
            // `--config-dir` stands for CLAUDE_CONFIG_DIR, so it names the item as that would.
            claude_config_dir_var: flags
                .config_dir
                .as_ref()
                .map(|d| d.to_string_lossy().into_owned())
                .or_else(|| claude_config_dir.clone()),
        })
    }

    /// `path` with the home directory shown as `~`, for messages.
    pub fn display(&self, path: &Path) -> String {
        tilde(path, &self.home.path)
    }
}

/// Whether a directory variable's value starts with a `~` a shell would have expanded (`~`,
/// `~/x`, `~user/x`): Claude Code takes it literally.
pub fn is_literal_tilde(value: &str) -> bool {
    value.starts_with('~')
}

/// Whether a flag variable is on as Claude Code reads such flags (`1`, `true`, `yes`, `on`, any
/// case; state-formats §1.3 names `=1`, the other spellings are assumed from its other flags).
fn env_truthy(value: &str) -> bool {
    matches!(
        value.trim().to_ascii_lowercase().as_str(),
        "1" | "true" | "yes" | "on"
    )
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

#[cfg(test)]
mod tests;
