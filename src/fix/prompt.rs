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
        .default(default_choice(step))
        .interact_opt();
    match choice {
        Ok(Some(0)) => Answer::Yes,
        Ok(Some(1)) => Answer::No,
        Ok(Some(2)) => Answer::All,
        _ => Answer::Quit,
    }
}

/// The answer the prompt starts on: yes (0) for a change that cannot lose a usable credential, no
/// (1) for one that removes a usable token: it is backed up, but it is still the user's call.
fn default_choice(step: &Step) -> usize {
    if step.action.safe { 0 } else { 1 }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::{Action, ActionKind};

    fn step(safe: bool) -> Step {
        Step {
            code: "stale-registration".into(),
            server: Some("x".into()),
            action: Action {
                kind: ActionKind::RemoveEntry { key: "x|1".into() },
                file: "f".into(),
                pointer: None,
                safe,
                ask_only: false,
                summary: "remove".into(),
                note: None,
            },
            before: serde_json::Value::Null,
            after: serde_json::Value::Null,
        }
    }

    #[test]
    fn the_prompt_defaults_to_no_only_for_a_usable_token() {
        assert_eq!(default_choice(&step(true)), 0, "yes");
        assert_eq!(default_choice(&step(false)), 1, "no");
    }
}
