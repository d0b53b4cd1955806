//! Where a check puts its findings: a list (`check`, JSON, tests), or a function that takes each
//! finding as it is made, so that a command that needs only a little of each (the plan's steps,
//! the counts and server verdicts shown after a `fix`) never holds them all (issue 15: the
//! findings of a 10,000-entry home were ~10 MB of a `fix --yes`'s peak).

use super::Finding;

/// The findings of the checks run so far, or the function each is handed to.
pub struct Findings<'a> {
    list: Vec<Finding>,
    each: Option<&'a mut dyn FnMut(Finding)>,
}

impl Default for Findings<'_> {
    fn default() -> Self {
        Self::list()
    }
}

impl<'a> Findings<'a> {
    /// Findings kept in a list, in the order they are pushed.
    pub fn list() -> Self {
        Self::list_of_about(0)
    }

    /// [`Findings::list`] with room for `expected` findings reserved at once: a list grown by
    /// doubling copies every finding it holds into fresh memory each time (issue 15: 1,058
    /// findings of 280 bytes were copied ~1.1 MB over ten moves, a third of a 1,000-entry
    /// `check`'s page faults). Room reserved and never written costs no page.
    pub fn list_of_about(expected: usize) -> Self {
        Self {
            list: Vec::with_capacity(expected),
            each: None,
        }
    }

    /// Each finding handed to `each` as it is pushed, none kept.
    pub fn each(each: &'a mut dyn FnMut(Finding)) -> Self {
        Self {
            list: Vec::new(),
            each: Some(each),
        }
    }

    /// Adds one finding: kept, or handed on at once.
    pub fn push(&mut self, finding: Finding) {
        match &mut self.each {
            Some(each) => each(finding),
            None => self.list.push(finding),
        }
    }

    /// [`Findings::push`] for each of `findings`, in order.
    pub fn extend(&mut self, findings: impl IntoIterator<Item = Finding>) {
        for f in findings {
            self.push(f);
        }
    }

    /// The findings kept (none when they were handed on).
    pub fn into_vec(self) -> Vec<Finding> {
        self.list
    }
}

/// What the server summaries read of a finding ([`crate::diagnosis::servers::summarise`]):
/// implemented by the finding and by its [`Brief`].
pub trait About {
    fn code(&self) -> super::Code;
    fn severity(&self) -> super::Severity;
    fn server(&self) -> Option<&str>;
    fn key(&self) -> Option<&str>;
    /// The live key a move puts a token under, when the finding proposes a move.
    fn moves_to(&self) -> Option<&str>;
}

impl About for Finding {
    fn code(&self) -> super::Code {
        self.code
    }
    fn severity(&self) -> super::Severity {
        self.severity
    }
    fn server(&self) -> Option<&str> {
        self.server.as_deref()
    }
    fn key(&self) -> Option<&str> {
        self.key.as_deref()
    }
    fn moves_to(&self) -> Option<&str> {
        match self.action.as_ref().map(|a| &a.kind) {
            Some(super::ActionKind::MoveEntry { to, .. }) => Some(to),
            _ => None,
        }
    }
}

/// A finding with only what the counts, the exit status and the server summaries read: a
/// fraction of its size (no message, evidence or action).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Brief {
    pub code: super::Code,
    pub severity: super::Severity,
    server: Option<Box<str>>,
    key: Option<Box<str>>,
    moves_to: Option<Box<str>>,
}

impl Brief {
    /// The brief of `f`: its code, severity, server, key and the key a move puts it under.
    pub fn of(f: &Finding) -> Self {
        Self {
            code: f.code,
            severity: f.severity,
            server: f.server.as_deref().map(Box::from),
            key: f.key.as_deref().map(Box::from),
            moves_to: f.moves_to().map(Box::from),
        }
    }
}

impl About for Brief {
    fn code(&self) -> super::Code {
        self.code
    }
    fn severity(&self) -> super::Severity {
        self.severity
    }
    fn server(&self) -> Option<&str> {
        self.server.as_deref()
    }
    fn key(&self) -> Option<&str> {
        self.key.as_deref()
    }
    fn moves_to(&self) -> Option<&str> {
        self.moves_to.as_deref()
    }
}
