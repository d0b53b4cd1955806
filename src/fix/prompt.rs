//! Questions at a terminal: per action (yes / no / all / quit) and before taking over a stale
//! lock. Without a terminal nothing is ever asked: a writing command then needs `--yes`.
//!
//! [`decide`] is the one dry-run / confirm / no-terminal / cancel flow of every writing command
//! (`fix`, `forget`, `restore`), so they cannot drift apart on when they ask or write.

use std::path::Path;
use std::time::Duration;

use dialoguer::console::{Key, Term};

use super::plan::Step;
use crate::config::WriteSettings;

/// What a writing command does once its plan is shown.
#[derive(Debug, PartialEq, Eq)]
pub enum Decision<T> {
    /// `--dry-run`: write nothing.
    DryRun,
    /// Confirmed, by `--yes` or at the terminal: carry this out.
    Apply(T),
    /// No `--yes` and no terminal to ask on: write nothing, exit [`crate::exit::COULD_NOT_RUN`].
    NoTerminal,
    /// Cancelled at a prompt: write nothing, exit [`crate::exit::CANCELLED`].
    Cancelled,
}

/// The flow: `--dry-run` wins, then `--yes` applies `all`, then `ask` (called only when there is
/// a terminal; `None` means cancelled) decides.
pub fn decide<T>(w: &WriteSettings, all: T, ask: impl FnOnce() -> Option<T>) -> Decision<T> {
    if w.dry_run {
        Decision::DryRun
    } else if w.yes {
        Decision::Apply(all)
    } else if w.interactive {
        ask().map_or(Decision::Cancelled, Decision::Apply)
    } else {
        Decision::NoTerminal
    }
}

/// What is said on stdout after a cancel.
pub const CANCELLED: &str = "Cancelled: nothing was changed.\n";

/// What is said on stderr for [`Decision::NoTerminal`]: `--yes` would `apply`, `--dry-run` would
/// only `show`.
pub fn no_terminal(apply: &str, show: &str) -> String {
    format!(
        "mcp-auth-doctor: nothing was changed: there is no terminal to ask on. Pass --yes to \
         {apply}, or --dry-run to only show {show}.\n"
    )
}

/// Whether a stale lock directory may be taken over: `--break-stale-lock`, or a yes at the
/// terminal.
pub fn may_break_stale(w: &WriteSettings) -> impl FnMut(&Path, Duration) -> bool + '_ {
    |dir, age| w.break_stale_lock || (w.interactive && ask_stale_lock(dir, age))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    Yes,
    No,
    /// This one and every remaining one.
    All,
    /// Stop and change nothing.
    Quit,
}

/// Asks on stderr, one key: `y`, `n`, `a` (all), `q` (quit), Enter for the default; Esc and
/// Ctrl-C quit (nothing is changed, and `fix` exits 32). The terminal is left as it was: the key
/// is read in raw mode only while waiting for it (Ctrl-C arrives as a key there, not as a signal
/// that would kill us with the cursor hidden), and nothing hides the cursor.
pub fn ask_step(step: &Step, index: usize, total: usize) -> Answer {
    let server = step
        .server
        .as_deref()
        .map(|s| format!(", {}", crate::term::sanitize(s)))
        .unwrap_or_default();
    let warn = if step.action.safe {
        ""
    } else {
        " (it holds a usable token)"
    };
    let default = default_answer(step);
    let keys = if default == Answer::Yes {
        "[Y/n/a/q]"
    } else {
        "[y/N/a/q]"
    };
    let prompt = format!(
        "[{}/{}] {}{warn} ({}{server})? {keys} ",
        index + 1,
        total,
        crate::term::sanitize(&step.action.summary()),
        step.code
    );
    ask_key(&prompt, |key| step_answer(key, default)).unwrap_or(Answer::Quit)
}

/// Writes `prompt` on stderr and reads keys until `answer` maps one; `None` when the terminal
/// went away. The answer is echoed as a word, so the scrollback shows what was chosen.
fn ask_key<T: Copy + Word>(prompt: &str, answer: impl Fn(&Key) -> Option<T>) -> Option<T> {
    let term = Term::stderr();
    term.write_str(prompt).ok()?;
    let got = loop {
        match term.read_key_raw() {
            Ok(Key::Unknown) | Err(_) => break None,
            Ok(key) => {
                if let Some(a) = answer(&key) {
                    break Some(a);
                }
            }
        }
    };
    let _ = term.write_line(got.map_or("", |a| a.word()));
    let _ = term.show_cursor();
    got
}

/// The word echoed for an answer.
trait Word {
    fn word(self) -> &'static str;
}

impl Word for Answer {
    fn word(self) -> &'static str {
        match self {
            Answer::Yes => "yes",
            Answer::No => "no",
            Answer::All => "all",
            Answer::Quit => "quit",
        }
    }
}

impl Word for bool {
    fn word(self) -> &'static str {
        if self { "yes" } else { "no" }
    }
}

/// The answer a key gives at a step's prompt; `None` for a key that answers nothing.
fn step_answer(key: &Key, default: Answer) -> Option<Answer> {
    match key {
        Key::Char('y' | 'Y') => Some(Answer::Yes),
        Key::Char('n' | 'N') => Some(Answer::No),
        Key::Char('a' | 'A') => Some(Answer::All),
        Key::Char('q' | 'Q') | Key::Escape | Key::CtrlC => Some(Answer::Quit),
        Key::Enter => Some(default),
        _ => None,
    }
}

/// The answer Enter gives: yes for a change that cannot lose a usable credential, no for one
/// that removes a usable token: it is backed up, but it is still the user's call.
fn default_answer(step: &Step) -> Answer {
    if step.action.safe {
        Answer::Yes
    } else {
        Answer::No
    }
}

/// Asks whether a stale lock directory may be taken over: `y` or `n`, Enter for no. Esc and
/// Ctrl-C say no too, and nothing is written: the lock stays, and the write stops on it.
pub fn ask_stale_lock(dir: &Path, age: Duration) -> bool {
    let prompt = format!(
        "The lock {} is {} s old; whoever took it probably crashed. Take it over (only if no \
         Claude Code is writing)? [y/N] ",
        dir.display(),
        age.as_secs()
    );
    ask_key(&prompt, lock_answer).unwrap_or(false)
}

/// A yes/no question (`restore`): `y` or `n`, Enter for no; Esc and Ctrl-C say no, and the caller
/// reports "Cancelled".
pub fn confirm(question: &str) -> bool {
    ask_key(&format!("{question} [y/N] "), lock_answer).unwrap_or(false)
}

fn lock_answer(key: &Key) -> Option<bool> {
    match key {
        Key::Char('y' | 'Y') => Some(true),
        Key::Char('n' | 'N') | Key::Enter | Key::Escape | Key::CtrlC => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::{Action, ActionKind};
    use crate::model::inventory::Role;
    use std::path::Path;

    fn step(safe: bool) -> Step {
        let mut action = Action::new(
            Role::Credentials,
            Path::new("f"),
            ActionKind::RemoveEntry { key: "x|1".into() },
            "remove".into(),
        );
        action.safe = safe;
        Step::new("stale-registration", Some("x"), action)
    }

    #[test]
    fn dry_run_wins_then_yes_then_the_terminal() {
        let w = |dry_run, yes, interactive| WriteSettings {
            dry_run,
            yes,
            interactive,
            ..WriteSettings::default()
        };
        let never = || -> Option<u8> { panic!("asked") };
        assert_eq!(decide(&w(true, true, true), 1, never), Decision::DryRun);
        assert_eq!(decide(&w(false, true, true), 1, never), Decision::Apply(1));
        assert_eq!(
            decide(&w(false, false, false), 1, never),
            Decision::NoTerminal
        );
        assert_eq!(
            decide(&w(false, false, true), 1, || Some(2)),
            Decision::Apply(2)
        );
        assert_eq!(
            decide(&w(false, false, true), 1, || None),
            Decision::Cancelled
        );
    }

    #[test]
    fn the_prompt_defaults_to_no_only_for_a_usable_token() {
        assert_eq!(default_answer(&step(true)), Answer::Yes);
        assert_eq!(default_answer(&step(false)), Answer::No);
        assert_eq!(step_answer(&Key::Enter, Answer::No), Some(Answer::No));
        assert_eq!(step_answer(&Key::Enter, Answer::Yes), Some(Answer::Yes));
    }

    #[test]
    fn y_and_n_answer_and_ctrl_c_quits() {
        for (key, want) in [
            (Key::Char('y'), Some(Answer::Yes)),
            (Key::Char('Y'), Some(Answer::Yes)),
            (Key::Char('n'), Some(Answer::No)),
            (Key::Char('a'), Some(Answer::All)),
            (Key::Char('q'), Some(Answer::Quit)),
            (Key::Escape, Some(Answer::Quit)),
            (Key::CtrlC, Some(Answer::Quit)),
            (Key::Char('x'), None),
            (Key::ArrowDown, None),
        ] {
            assert_eq!(step_answer(&key, Answer::Yes), want, "{key:?}");
        }
        assert_eq!(lock_answer(&Key::Char('y')), Some(true));
        assert_eq!(lock_answer(&Key::Enter), Some(false));
        assert_eq!(lock_answer(&Key::CtrlC), Some(false));
        assert_eq!(lock_answer(&Key::Char('x')), None);
    }
}
