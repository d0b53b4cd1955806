//! The command line, and nothing else: clap derive structs. `main.rs` turns them into a plain
//! [`mcp_auth_doctor::config::Config`], so the library never sees clap.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "mcp-auth-doctor",
    version,
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
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Diagnose every server and file (the default); never writes
    Check,
    /// One line per server: scope, token state, expiry, marker, verdict
    Status,
    /// Show where each state file is, whether it exists, and which rule chose it
    Paths,
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

    /// Judge expiry and marker ages as of this time (RFC 3339 or epoch ms; also MCP_AUTH_DOCTOR_NOW)
    #[arg(long, global = true, value_name = "TIME")]
    pub now: Option<String>,

    /// Output format
    #[arg(long, global = true, value_enum, default_value_t = Format::Human)]
    pub format: Format,

    /// When to use colour (never when NO_COLOR is set, unless `always`)
    #[arg(long, global = true, value_enum, default_value_t = Color::Auto, value_name = "WHEN")]
    pub color: Color,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Human,
    Json,
    /// Markdown (for --list-checks)
    Markdown,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Color {
    Auto,
    Always,
    Never,
}
