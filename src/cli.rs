//! The command line, and nothing else: clap derive structs. `main.rs` turns them into a plain
//! [`mcp_auth_doctor::config::Config`], so the library never sees clap.

use std::path::PathBuf;

use clap::{ArgAction, Args, Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "mcp-auth-doctor",
    version,
    // Our own -V/--version, so that `--version -v` can also list the Claude Code releases known.
    disable_version_flag = true,
    about = "Diagnose (and safely repair) the MCP OAuth state Claude Code keeps on disk",
    long_about = "Diagnose the MCP OAuth state Claude Code keeps on disk: configured servers in every \
scope, the mcpOAuth entries in .credentials.json, and the needs-auth markers. It says, per server, \
what Claude Code will do with it and why, in Claude Code's own terms. Checking never writes.\n\n\
Run with no command to check the state of the current user.",
    after_long_help = mcp_auth_doctor::exit::HELP,
    after_help = "Run `mcp-auth-doctor --help` for the exit status and more."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,

    #[command(flatten)]
    pub global: GlobalArgs,

    /// List every check: code, severity and summary
    #[arg(long)]
    pub list_checks: bool,

    /// Explain a finding code: what it means, why it happens, how to fix it by hand
    #[arg(long, value_name = "CODE")]
    pub explain: Option<String>,

    /// Print the version (with -v: the Claude Code releases and rules this build knows)
    #[arg(short = 'V', long)]
    pub version: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Diagnose every server and file (the default); never writes
    Check {
        /// Leave findings with this code out, also of the exit status (repeatable): for what you
        /// accept
        #[arg(long, value_name = "CODE")]
        skip: Vec<String>,
        /// Explain a finding code instead of checking (the same as the global --explain)
        #[arg(long, value_name = "CODE")]
        explain: Option<String>,
    },
    /// One line per server: scope, token state, expiry, marker, verdict
    Status {
        /// Only this server (its rows, its findings and the findings about no server)
        name: Option<String>,
    },
    /// Show where each state file is, whether it exists, and which rule chose it
    Paths,
    /// A redacted report for a bug ticket: Markdown (or --format json), no secrets in it
    Report {
        /// Write it to this file (created 0600) instead of stdout
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
        /// Also replace server names, hosts, key hashes and project folders with placeholders
        #[arg(long)]
        anonymize: bool,
        /// Also run `claude mcp list` (it connects to every server and starts stdio servers) and
        /// include its view next to ours, as `verify` does
        #[arg(long)]
        verify: bool,
    },
    /// Check a server's OAuth discovery over the network, as Claude Code would see it (opt-in)
    Probe {
        /// A configured server name, or an http(s) URL
        target: String,
        /// Use the SSE transport for a URL (a configured server uses its own type)
        #[arg(long)]
        sse: bool,
        /// Also try a dynamic client registration: this CREATES a client on the server
        #[arg(long)]
        register: bool,
        /// Seconds to wait for each request
        #[arg(long, value_name = "SECONDS", default_value_t = 10)]
        timeout: u64,
        /// Send the stored access token (Claude Code's, and mcp-remote's) in one initialize to
        /// the configured URL and report whether it is accepted. Never refreshes it, never
        /// follows a redirect with it, never prints it; https only (or loopback)
        #[arg(long, conflicts_with_all = ["sse", "register"])]
        token: bool,
    },
    /// Repair what check found: show the plan, ask (or --yes), back up, apply
    #[command(after_long_help = FIX_POLICY)]
    Fix(FixArgs),
    /// Remove all OAuth state for one server name (every key, client secret and marker)
    Forget {
        /// The server name, as configured (`plugin:p:s` and `claude.ai Name` work too)
        name: String,
        #[command(flatten)]
        write: WriteArgs,
    },
    /// Get one server from "needs authentication" to connected: repair, sign in, check again
    ///
    /// Repairs the server's state (placeholder, dead client registration, stale marker, a token to
    /// move), signs in with `claude mcp login NAME` (or prints the /mcp steps and waits for Enter
    /// on releases before 2.1.186 and for plugin and claude.ai servers), removes the needs-auth
    /// marker the sign-in leaves, and checks the server again. Without `claude` on PATH it changes
    /// nothing.
    Login {
        /// The server name, as configured
        name: String,
        /// Pass --no-browser to `claude mcp login` (print the sign-in URL instead of opening it)
        #[arg(long)]
        no_browser: bool,
        #[command(flatten)]
        write: WriteArgs,
    },
    /// List the backups fix, forget, login and restore made
    Backups,
    /// Put the files of a backup back (the current ones are backed up first)
    #[command(override_usage = "mcp-auth-doctor restore [OPTIONS] <ID | --latest>")]
    Restore {
        /// The backup id, as `backups` lists it
        #[arg(required_unless_present = "latest")]
        id: Option<String>,
        /// Restore the newest backup (what the last fix, forget or restore changed)
        #[arg(long, conflicts_with = "id")]
        latest: bool,
        /// Only merge this section back, by key, keeping entries that are newer now (`mcpOAuth`)
        #[arg(long, value_name = "SECTION", value_parser = ["mcpOAuth"])]
        section: Option<String>,
        /// Put files back even if they changed after the backup was made
        #[arg(long)]
        overwrite_newer: bool,
        #[command(flatten)]
        write: WriteArgs,
    },
    /// Print a shell completion script to stdout (see the README for where to put it)
    Completions {
        /// The shell to complete for
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff) to stdout: `mcp-auth-doctor man > mcp-auth-doctor.1`
    Man,
    /// Run the installed `claude mcp list` and put its line for each server next to our verdict
    ///
    /// Opt-in: `claude mcp list` connects to every configured server and starts every stdio
    /// server (their commands run), and may write needs-auth markers and pending entries. Exit 4
    /// when the two views disagree.
    Verify {
        /// Seconds to wait for `claude mcp list`
        #[arg(long, value_name = "SECONDS", default_value_t = 60)]
        timeout: u64,
    },
}

/// What `fix --help` says about what fix does by default (docs/safety.md has the table).
const FIX_POLICY: &str = "\
WHAT FIX DOES BY DEFAULT:
  Moves a usable token from an old key to the server's live key when the url changed on the same
  origin (scheme, host, port) and the live key holds nothing usable (--no-move: never).
  Removes placeholders, dead client registrations, markers that make sessions skip a server, and
  stale or orphaned entries, also those that still hold a usable token: every removal is backed
  up first and `mcp-auth-doctor restore --latest` brings it back (--safe-only keeps them; at a
  prompt the answer for them defaults to no).
  Never by default: an entry live in any scope, one whose config uses ${VAR}, a static-auth
  server's live entry, plugin or claude.ai entries it cannot verify (--only CODE removes them).
  Never writes an unparseable credentials or config file; removes a byte order mark (3 bytes) and
  replaces an unparseable needs-auth cache with {}.";

/// Flags every writing command takes.
#[derive(Debug, Args)]
pub struct WriteArgs {
    /// Show the plan and write nothing
    #[arg(short = 'n', long)]
    pub dry_run: bool,

    /// Apply every step without asking (needed when there is no terminal)
    #[arg(short = 'y', long)]
    pub yes: bool,

    /// Take over a Claude Code lock directory older than 60 s (only if no Claude Code is writing)
    #[arg(long)]
    pub break_stale_lock: bool,

    /// All overrides at once (today: --break-stale-lock)
    #[arg(long)]
    pub force: bool,

    /// Seconds to wait for a lock Claude Code holds before giving up
    #[arg(long, value_name = "SECONDS", default_value_t = 10)]
    pub lock_wait: u64,
}

#[derive(Debug, Args)]
pub struct FixArgs {
    #[command(flatten)]
    pub write: WriteArgs,

    /// Only changes that cannot lose a usable credential (keeps stale and orphaned entries that
    /// still hold a token; moves, which lose nothing, still happen)
    #[arg(long)]
    pub safe_only: bool,

    /// Only this server (repeatable)
    #[arg(long = "server", value_name = "NAME")]
    pub servers: Vec<String>,

    /// Only findings with this code (repeatable); naming a code also allows its changes that
    /// remove a usable token
    #[arg(long, value_name = "CODE")]
    pub only: Vec<String>,

    /// Leave findings with this code alone (repeatable)
    #[arg(long, value_name = "CODE")]
    pub skip: Vec<String>,

    /// Never move a usable token from an old key to the server's live key (the old entry is then
    /// removed like any stale one)
    #[arg(long)]
    pub no_move: bool,
}

#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// Look at this home directory instead of $HOME (ignores CLAUDE_CONFIG_DIR and friends)
    #[arg(long, global = true, value_name = "DIR")]
    pub home: Option<PathBuf>,

    /// Use this Claude config dir, as CLAUDE_CONFIG_DIR would
    #[arg(long, global = true, value_name = "DIR")]
    pub config_dir: Option<PathBuf>,

    /// Read .mcp.json from this project folder and its ancestors (default: the current folder)
    #[arg(long, global = true, value_name = "DIR")]
    pub project: Option<PathBuf>,

    /// Read managed-mcp.json from this folder instead of the system one
    #[arg(long, global = true, value_name = "DIR")]
    pub managed_dir: Option<PathBuf>,

    /// Judge expiry and marker ages as of this time (RFC 3339, epoch s or ms; also MCP_AUTH_DOCTOR_NOW)
    #[arg(long, global = true, value_name = "TIME")]
    pub now: Option<String>,

    /// Output format
    #[arg(long, global = true, value_enum, default_value_t = Format::Human)]
    pub format: Format,

    /// Read the macOS Keychain item Claude Code keeps credentials in even when the credentials
    /// file exists (via `security`; on macOS it is read by default when the file is absent)
    #[arg(long, global = true, conflicts_with = "no_keychain")]
    pub keychain: bool,

    /// Never read or write the macOS Keychain item (no `security` is run)
    #[arg(long, global = true)]
    pub no_keychain: bool,
    /// Judge by this Claude Code release (X.Y.Z) instead of the installed one (`claude --version`;
    /// without either, the newest release this build knows)
    #[arg(long, global = true, value_name = "X.Y.Z", value_parser = parse_release)]
    pub claude_version: Option<mcp_auth_doctor::model::release::Release>,

    /// Say more on stderr: the home, config dir and time used and how each was chosen, and how
    /// long the run took
    #[arg(short, long, global = true, action = ArgAction::Count, conflicts_with = "quiet")]
    pub verbose: u8,

    /// Print nothing but errors: the exit status is the answer
    #[arg(short, long, global = true)]
    pub quiet: bool,

    /// When to use colour (never when NO_COLOR is set, unless `always`)
    #[arg(long, global = true, value_enum, default_value_t = Color::Auto, value_name = "WHEN")]
    pub color: Color,

    /// Also read the servers of this file, as `claude --mcp-config FILE` (or an SDK session) passes
    /// them, so their OAuth state is live (repeatable)
    #[arg(long = "mcp-config", global = true, value_name = "FILE")]
    pub mcp_config: Vec<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Human,
    Json,
    /// Markdown (for report and --list-checks)
    Markdown,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Color {
    Auto,
    Always,
    Never,
}

/// `--claude-version 2.1.332`.
fn parse_release(text: &str) -> Result<mcp_auth_doctor::model::release::Release, String> {
    mcp_auth_doctor::model::release::Release::parse(text)
        .ok_or_else(|| format!("'{text}' is not a release number like 2.1.332"))
}
