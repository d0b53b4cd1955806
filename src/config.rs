//! The plain configuration the library runs on, built from the command line by `main.rs`.

use std::time::Duration;

use crate::paths::Overrides;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Human,
    Json,
    Markdown,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    Check {
        /// Finding codes left out of the report and the exit status (`--skip`).
        skip: Vec<crate::checks::Code>,
    },
    Status,
    Paths,
    ListChecks,
    Explain(String),
    Fix,
    Forget(String),
    /// Repair one server's state, sign in with the client, clear the marker, check again.
    Login {
        name: String,
        /// Pass `--no-browser` to `claude mcp login`.
        no_browser: bool,
    },
    Backups,
    /// The bug-ticket report.
    Report {
        output: Option<std::path::PathBuf>,
        anonymize: bool,
        /// `--verify`: include `claude mcp list`'s view (issue 13).
        verify: bool,
    },
    /// The opt-in network probe of one server.
    Probe(crate::probe::ProbeOptions),
    Restore {
        /// The backup id; `None` for the newest (`--latest`).
        id: Option<String>,
        /// Merge only this section (`mcpOAuth`) instead of putting whole files back.
        section: Option<String>,
    },
    /// `claude mcp list` next to our verdicts (issue 13), waiting this long for it.
    Verify {
        timeout: Duration,
    },
}

impl Command {
    pub fn name(&self) -> &'static str {
        match self {
            Command::Check { .. } => "check",
            Command::Status => "status",
            Command::Paths => "paths",
            Command::ListChecks => "list-checks",
            Command::Explain(_) => "explain",
            Command::Fix => "fix",
            Command::Forget(_) => "forget",
            Command::Login { .. } => "login",
            Command::Backups => "backups",
            Command::Report { .. } => "report",
            Command::Probe(_) => "probe",
            Command::Restore { .. } => "restore",
            Command::Verify { .. } => "verify",
        }
    }
}

/// How writing commands (`fix`, `forget`, `restore`) behave.
#[derive(Debug, Clone)]
pub struct WriteSettings {
    /// Show the plan, write nothing.
    pub dry_run: bool,
    /// Apply every step without asking.
    pub yes: bool,
    /// Both stdin and stderr are terminals, so questions can be asked.
    pub interactive: bool,
    pub selection: Selection,
    /// Take over a lock directory older than 60 s.
    pub break_stale_lock: bool,
    /// `restore`: put a file back even if it changed after the backup was taken.
    pub overwrite_newer: bool,
    /// How long to wait for a lock Claude Code holds.
    pub lock_wait: Duration,
}

impl Default for WriteSettings {
    fn default() -> Self {
        Self {
            dry_run: false,
            yes: false,
            interactive: false,
            selection: Selection::default(),
            break_stale_lock: false,
            overwrite_newer: false,
            lock_wait: Duration::from_secs(10),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Config {
    pub command: Command,
    pub overrides: Overrides,
    /// "Now", in epoch milliseconds (pinned by `--now` for reproducible reports and tests).
    pub now_ms: i64,
    /// How a pinned "now" was given and read (`--now 1780315200, read as epoch seconds`); `None`
    /// when it is the clock.
    pub now_from: Option<String>,
    /// `status NAME`: the one server to show.
    pub status_server: Option<String>,
    pub format: Format,
    pub color: bool,
    /// Whether to read the macOS Keychain item (`--keychain`, `--no-keychain`, or neither).
    pub keychain: crate::system::keychain::KeychainChoice,
    /// The OS whose rules apply (`std::env::consts::OS`; debug builds let tests pretend macOS
    /// with `MCP_AUTH_DOCTOR_TEST_OS`).
    pub target_os: String,
    pub write: WriteSettings,
    /// `--claude-version`: the release to judge by instead of the installed one.
    pub claude_version: Option<crate::model::release::Release>,
}

impl Config {
    /// How `load` learns the release to judge by: the flag, else `claude --version`.
    pub fn release_options(&self) -> crate::load::LoadOptions {
        crate::load::LoadOptions {
            claude_version: self.claude_version,
            probe_claude_version: true,
            // Not a release option, but every command that loads takes these (commands build
            // their LoadOptions from this).
            mcp_config: self.overrides.mcp_config.clone(),
            ..Default::default()
        }
    }
}

/// What narrows a plan (from `fix`'s flags).
#[derive(Debug, Clone, Default)]
pub struct Selection {
    /// Only actions that cannot lose a usable credential, even when `only` names a code.
    pub safe_only: bool,
    /// Only these servers (empty: all).
    pub servers: Vec<String>,
    /// Only these finding codes (empty: all). Naming a code is also how one asks for its
    /// actions that would remove a usable token.
    pub only: Vec<crate::checks::Code>,
    pub skip: Vec<crate::checks::Code>,
    /// Never move a token to its live key (`--no-move`): the stale entry is then handled like
    /// any other stale entry.
    pub no_move: bool,
}
