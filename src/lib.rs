//! mcp-auth-doctor: diagnose and safely repair the MCP OAuth state Claude Code keeps on disk.
//!
//! The binary is a thin shell over this library: `cli` parses arguments into a [`config::Config`],
//! [`run`] does the work, and `exit` maps the outcome to the documented exit status.

pub mod checks;
pub mod commands;
pub mod config;
pub mod diagnosis;
pub mod digest;
pub mod exit;
pub mod fix;
pub mod json;
pub mod layout;
pub mod load;
pub mod model;
pub mod paths;
pub mod probe;
pub mod redact;
pub mod release;
pub mod render;
pub mod store;
pub mod suggest;
pub mod system;
pub mod term;
#[cfg(test)]
mod test_rng;
pub mod timefmt;
pub mod urls;
pub mod vars;
pub mod verify;

use anyhow::Result;

use config::Config;
use model::key::EnvLookup;
use paths::Environment;

/// What a run produced: text for stdout and stderr, and the exit status.
#[derive(Debug, Default)]
pub struct Outcome {
    pub stdout: String,
    /// Messages for a person (why nothing was written, what to pass instead).
    pub stderr: String,
    pub exit: u8,
    /// A document for stdout, after `stdout`, written as it is made ([`Outcome::write_stdout`]).
    pub document: Option<Document>,
}

impl Outcome {
    /// Writes what goes to stdout: `stdout`, then the [`Document`], if any.
    pub fn write_stdout(&mut self, out: &mut dyn std::io::Write) -> std::io::Result<()> {
        out.write_all(self.stdout.as_bytes())?;
        if let Some(document) = self.document.take() {
            document.write_to(out)?;
        }
        out.flush()
    }
}

/// What writes a [`Document`]'s text to the writer it is given, with the edits given.
type WriteText =
    Box<dyn FnOnce(&mut dyn std::io::Write, &render::json::Edits) -> std::io::Result<()>>;

/// A document too large to hold for nothing (`check --format json`: 1.45 MB for 1,000 entries,
/// whose pages and the copies each pass made were a fifth of the run; issue 15): written straight
/// to stdout as it is made. It gets the edits every stdout gets, in the same order: the
/// commands' pasteable flags ([`Document::paste_flags`]), then [`redact::output`], always; its
/// writer applies them to each string as it writes it ([`render::json::Edits`]), which gives the
/// bytes the whole text would have become.
pub struct Document {
    write: Option<WriteText>,
    edits: render::json::Edits,
}

impl Document {
    /// `write` writes the document's text to the writer it is given, with the edits it is given.
    pub fn new(
        write: impl FnOnce(&mut dyn std::io::Write, &render::json::Edits) -> std::io::Result<()>
        + 'static,
    ) -> Self {
        Self {
            write: Some(Box::new(write)),
            edits: render::json::Edits {
                flags: String::new(),
                redact: true,
            },
        }
    }

    /// Puts this run's location flags (`commands::pasteable::flags`) into the commands the
    /// document shows.
    pub fn paste_flags(&mut self, flags: String) {
        self.edits.flags = flags;
    }

    fn write_to(mut self, out: &mut dyn std::io::Write) -> std::io::Result<()> {
        let Some(write) = self.write.take() else {
            return Ok(());
        };
        write(out, &self.edits)?;
        out.flush()
    }
}

/// A document not written (`--quiet`) is not freed either: what it would have written from (a
/// whole diagnosis) goes with the process, which ends next.
impl Drop for Document {
    fn drop(&mut self) {
        std::mem::forget(self.write.take());
    }
}

impl std::fmt::Debug for Document {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Document")
            .field("edits", &self.edits)
            .finish_non_exhaustive()
    }
}

/// Runs one command. `Err` means it could not run at all (the status [`exit::status_of`] says: 8,
/// or 2 for a usage error);
/// with `--format json` that is instead an [`Outcome`] whose stdout is an error object (a script
/// reading stdout always gets JSON) and whose stderr says the same for a person.
///
/// Whatever a command printed passes [`redact::output`] on the way out (a [`Document`], each of
/// its strings), so a secret hiding where no check expected one (a server name, a URL, an error
/// message) is still never shown.
pub fn run(config: &Config, env: &Environment, vars: &dyn EnvLookup) -> Result<Outcome> {
    let mut outcome = match commands::run(config, env, vars) {
        Ok(outcome) => outcome,
        Err(e) if config.format == config::Format::Json => json_error(config, &e),
        Err(e) => return Err(e),
    };
    // Copy only when something was redacted (stdout can be megabytes of JSON).
    if let std::borrow::Cow::Owned(s) = redact::output(&outcome.stdout) {
        outcome.stdout = s;
    }
    if let std::borrow::Cow::Owned(s) = redact::output(&outcome.stderr) {
        outcome.stderr = s;
    }
    // A document is redacted string by string as it is written (`Document::new`).
    Ok(outcome)
}

/// The JSON document for a command that could not run (docs/json.md, "Errors").
#[derive(serde::Serialize)]
struct ErrorDocument<'a> {
    schema: u32,
    command: &'a str,
    error: ErrorJson,
}

#[derive(serde::Serialize)]
struct ErrorJson {
    kind: &'static str,
    message: String,
    exit: u8,
}

/// The [`Outcome`] of a command that could not run, with `--format json`.
fn json_error(config: &Config, e: &anyhow::Error) -> Outcome {
    let code = exit::status_of(e);
    let message = render::style::sanitize(&redact::free_text(&format!("{e:#}")));
    Outcome {
        stdout: render::json::to_string(&ErrorDocument {
            schema: render::json::SCHEMA,
            command: config.command.name(),
            error: ErrorJson {
                kind: exit::kind_of(e),
                message: message.clone(),
                exit: code,
            },
        }),
        stderr: format!("mcp-auth-doctor: error: {message}\n"),
        exit: code,
        document: None,
    }
}
