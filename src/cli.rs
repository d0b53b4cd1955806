//! The command line, and nothing else: clap derive structs, and [`parse`], which parses the usual
//! command lines without building every subcommand. `main.rs` turns them into a plain
//! [`mcp_auth_doctor::config::Config`], so the library never sees clap.

use std::ffi::OsString;
use std::path::PathBuf;

use clap::{ArgAction, Args, FromArgMatches, Parser, Subcommand, ValueEnum};

/// The command line of this process, parsed. Most runs are `check` or `status` of a small home,
/// where building every subcommand's arguments (and a copy of the fifteen global options in each
/// of them) was a fifth of the run's instructions and most of its heap (issue 15): those are first
/// parsed by a command line that has only the top level and the subcommand named
/// ([`parse_lean`]). Anything that tree does not accept (help, a usage error, another subcommand)
/// is parsed again by the whole [`Cli`], which so alone says what help, errors, completions and
/// the man page say.
pub fn parse() -> Result<Cli, clap::Error> {
    let args: Vec<OsString> = std::env::args_os().collect();
    match parse_lean(&args) {
        Some(cli) => Ok(cli),
        None => Cli::try_parse_from(args),
    }
}

/// Adds a subcommand's arguments to its `clap::Command`.
type Augment = fn(clap::Command) -> clap::Command;

/// The subcommands [`parse_lean`] builds alone, each with how to add its arguments.
const LEAN: [(&str, Augment); 4] = [
    ("check", <CheckArgs as Args>::augment_args),
    ("status", <StatusArgs as Args>::augment_args),
    ("paths", |c| c),
    ("backups", |c| c),
];

/// `args` parsed by a command line of the top level's options and the [`LEAN`] subcommands they
/// name (usually one, or none); `None` when they name another subcommand or that command line
/// does not take them (then the whole [`Cli`] parses them: what it makes of them is the answer).
/// Where it takes them, the whole `Cli` makes the same of them: the lean tree is the whole one
/// without the other subcommands (and without the texts only help shows), and a word naming one
/// of those at the top level is an error in the lean tree (the top level takes no positional
/// argument) where the whole one would run it
/// (`tests::the_lean_parse_agrees_with_the_whole_command_line`).
fn parse_lean(args: &[OsString]) -> Option<Cli> {
    let mut named = [false; LEAN.len()];
    for arg in args.iter().skip(1).filter_map(|a| a.to_str()) {
        if let Some(i) = LEAN.iter().position(|(name, _)| *name == arg) {
            named[i] = true;
        } else if arg == "help" || <Command as Subcommand>::has_subcommand(arg) {
            return None;
        }
    }
    let mut cmd = clap::Command::new("mcp-auth-doctor").disable_version_flag(true);
    cmd = <GlobalArgs as Args>::augment_args(cmd);
    cmd = <TopArgs as Args>::augment_args(cmd);
    for (&(name, augment), _) in LEAN.iter().zip(named).filter(|(_, named)| *named) {
        cmd = cmd.subcommand(augment(clap::Command::new(name)));
    }
    let mut matches = cmd.try_get_matches_from(args).ok()?;
    Cli::from_arg_matches_mut(&mut matches).ok()
}

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

    #[command(flatten)]
    pub top: TopArgs,
}

// The options only the top level takes. (Not a doc comment: a flattened struct's doc comment
// would become an `about`.)
#[derive(Debug, Args)]
pub struct TopArgs {
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
    Check(CheckArgs),
    /// One line per server: scope, token state, expiry, marker, verdict
    Status(StatusArgs),
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

// `check`'s options (a struct of their own, so that [`parse`] can build `check` alone; not a doc
// comment, which would become an `about`).
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Leave findings with this code out, also of the exit status (repeatable): for what you
    /// accept
    #[arg(long, value_name = "CODE")]
    pub skip: Vec<String>,
    /// Explain a finding code instead of checking (the same as the global --explain)
    #[arg(long, value_name = "CODE")]
    pub explain: Option<String>,
}

// `status`'s argument (see [`CheckArgs`]).
#[derive(Debug, Args)]
pub struct StatusArgs {
    /// Only this server (its rows, its findings and the findings about no server)
    pub name: Option<String>,
}

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

#[cfg(test)]
mod tests {
    use super::*;

    fn argv(line: &str) -> Vec<OsString> {
        std::iter::once("mcp-auth-doctor")
            .chain(line.split_whitespace())
            .map(OsString::from)
            .collect()
    }

    /// Every command line the lean tree takes is taken by the whole one, with the same result;
    /// every one the whole tree rejects (or answers with help) the lean one leaves to it; and the
    /// usual `check` and `status` lines do take the lean path.
    #[test]
    fn the_lean_parse_agrees_with_the_whole_command_line() {
        let lean_ones = [
            "",
            "check",
            "status",
            "paths",
            "backups",
            "--home h check --now 2026-06-01T12:00:00Z --project h",
            "check --home h --format json --skip expired-token --skip stale-lock",
            "--format=json -vv check --explain stale-lock",
            "status quarri --color never --claude-version 2.1.100",
            "status check",
            "--home check status",
            "--project status",
            "--mcp-config a.json --mcp-config b.json -q status",
            "--keychain paths",
            "--no-keychain backups --config-dir c --managed-dir m",
            "--list-checks --format markdown",
            "--explain stale-lock",
            "-V",
            "--version -v",
            "check -- ",
        ];
        for line in lean_ones {
            let args = argv(line);
            let lean = parse_lean(&args).unwrap_or_else(|| panic!("`{line}` is not lean"));
            let whole = Cli::try_parse_from(&args).expect("the whole tree takes it");
            assert_eq!(format!("{lean:?}"), format!("{whole:?}"), "`{line}`");
        }
        let whole_ones = [
            "--help",
            "-h",
            "check --help",
            "status -h",
            "help",
            "help check",
            "fix --dry-run",
            "--home check fix",
            "check status",
            "status a b",
            "paths x",
            "check --bogus",
            "chek",
            "--format xml check",
            "-q -v check",
            "--keychain --no-keychain status",
            "--claude-version 1.x status",
            "check --explain",
            "--now",
            "--home",
            "forget check",
            "completions bash",
            "man",
            "verify",
        ];
        for line in whole_ones {
            let args = argv(line);
            assert!(parse_lean(&args).is_none(), "`{line}` was parsed lean");
        }
    }
}
