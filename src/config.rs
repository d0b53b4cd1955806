//! The plain configuration the library runs on, built from the command line by `main.rs`.

use crate::paths::Overrides;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Human,
    Json,
    Markdown,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    Check,
    Status,
    Paths,
    ListChecks,
    Explain(String),
}

#[derive(Debug, Clone)]
pub struct Config {
    pub command: Command,
    pub overrides: Overrides,
    /// "Now", in epoch milliseconds (pinned by `--now` for reproducible reports and tests).
    pub now_ms: i64,
    pub format: Format,
    pub color: bool,
}
