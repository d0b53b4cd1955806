//! Questions at a terminal: per action (yes / no / all / quit) and before taking over a stale
//! lock. Without a terminal nothing is ever asked: a writing command then needs `--yes`.

use std::path::Path;
use std::time::Duration;

use super::plan::Step;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    Yes,
    No,
    /// This one and every remaining one.
    All,
    /// Stop and change nothing.
    Quit,
}

/// Asks on stderr with dialoguer; `None` when the terminal went away (treated as quit).
pub fn ask_step(step: &Step, index: usize, total: usize) -> Answer {
    let server = step
        .server
        .as_deref()
        .map(|s| format!(", {}", crate::report::style::sanitize(s)))
        .unwrap_or_default();
    let warn = if step.action.safe {
        ""
    } else {
        " (it holds a usable token)"
    };
    let prompt = format!(
        "[{}/{}] {}{warn} ({}{server})?",
        index + 1,
        total,
        crate::report::style::sanitize(&step.action.summary),
        step.code
    );
    let choice = dialoguer::Select::new()
        .with_prompt(prompt)
        .items([
            "yes",
            "no",
            "all: this and every remaining change",
            "quit: change nothing",
        ])
        // A change that removes a usable token is backed up, but it is still the user's call.
        .default(if step.action.safe { 0 } else { 1 })
        .interact_opt();
    match choice {
        Ok(Some(0)) => Answer::Yes,
        Ok(Some(1)) => Answer::No,
        Ok(Some(2)) => Answer::All,
        _ => Answer::Quit,
    }
}

/// Asks whether a stale lock directory may be taken over.
pub fn ask_stale_lock(dir: &Path, age: Duration) -> bool {
    dialoguer::Confirm::new()
        .with_prompt(format!(
            "The lock {} is {} s old; whoever took it probably crashed. Take it over (only if no \
             Claude Code is writing)?",
            dir.display(),
            age.as_secs()
        ))
        .default(false)
        .interact()
        .unwrap_or(false)
}
