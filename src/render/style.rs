//! Terminal presentation: colour only when asked or on a terminal without `NO_COLOR`, every string
//! from the files stripped of control characters, and long sentences wrapped.

// Moved to the neutral `term` module (prompts use it too); re-exported for the renderers.
pub use crate::term::sanitize;

use crate::checks::Severity;

#[derive(Debug, Clone, Copy)]
pub struct Style {
    pub color: bool,
}

impl Style {
    fn paint(self, code: &str, s: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    }
    pub fn red(self, s: &str) -> String {
        self.paint("31;1", s)
    }
    pub fn yellow(self, s: &str) -> String {
        self.paint("33;1", s)
    }
    pub fn green(self, s: &str) -> String {
        self.paint("32", s)
    }
    pub fn blue(self, s: &str) -> String {
        self.paint("34", s)
    }
    pub fn bold(self, s: &str) -> String {
        self.paint("1", s)
    }
    pub fn dim(self, s: &str) -> String {
        self.paint("2", s)
    }
}

/// The page width renderers lay text out for: they pass [`wrap`] widths as parts of this one
/// (`WIDTH - 4` beside a 4-column indent), and `wrap` moves them to the real page width.
pub const WIDTH: usize = 100;

/// The narrowest page wrapping honours; below it, lines of a word or two help no one.
const MIN_PAGE: usize = 40;

/// The real page width: the terminal's (or `COLUMNS`), set once by the binary at start.
static PAGE: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(WIDTH);

/// Sets the page width text is wrapped to (the binary calls it with the terminal's width).
pub fn set_page_width(columns: usize) {
    PAGE.store(columns.max(MIN_PAGE), std::sync::atomic::Ordering::Relaxed);
}

/// The page width text is wrapped to: [`WIDTH`] unless [`set_page_width`] said otherwise.
pub fn page_width() -> usize {
    PAGE.load(std::sync::atomic::Ordering::Relaxed)
}

/// The page width for this process: `COLUMNS` when it is a positive number (as clap and most
/// CLIs honour it), else the terminal's width when stdout is one, else [`WIDTH`].
pub fn detect_page_width(columns_var: Option<&str>, terminal: Option<usize>) -> usize {
    columns_var
        .and_then(|c| c.trim().parse::<usize>().ok())
        .filter(|c| *c > 0)
        .or(terminal)
        .unwrap_or(WIDTH)
        .max(MIN_PAGE)
}

/// The location flags of this run (`--home DIR ` ...), set once by the command layer for human
/// output: [`wrap`] inserts them into the commands it wraps, so the width holds after the text
/// is made pasteable.
static PASTE_FLAGS: std::sync::RwLock<String> = std::sync::RwLock::new(String::new());

/// Sets the flags [`wrap`] inserts after `mcp-auth-doctor SUBCOMMAND` (empty: none).
pub fn set_paste_flags(flags: String) {
    if let Ok(mut f) = PASTE_FLAGS.write() {
        *f = flags;
    }
}

/// The subcommands whose mentions get the flags.
const SUBCOMMANDS: &[&str] = &[
    "check", "status", "paths", "report", "probe", "fix", "forget", "login", "backups", "restore",
];

const PROGRAM: &str = "mcp-auth-doctor";

/// Finds [`PROGRAM`] with a prebuilt finder: `contains` and `find` built a substring searcher
/// per call, once per sentence of the human output.
fn find_program(text: &str) -> Option<usize> {
    static FINDER: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
        std::sync::LazyLock::new(|| memchr::memmem::Finder::new(PROGRAM));
    FINDER.find(text.as_bytes())
}

/// `text` with `flags` inserted after `mcp-auth-doctor` wherever a subcommand follows it (on the
/// same line or, in wrapped text, the next). Text that already has them is left as it is: the
/// word after the program is then a flag, not a subcommand.
pub fn insert_flags(text: &str, flags: &str) -> String {
    insert_flags_cow(text, flags).into_owned()
}

/// [`insert_flags`], borrowed when nothing goes in (a finished human report has its commands'
/// flags already, from [`wrap`]: copying its megabyte was for nothing; issue 15).
pub fn insert_flags_cow<'t>(text: &'t str, flags: &str) -> std::borrow::Cow<'t, str> {
    if flags.is_empty() {
        return std::borrow::Cow::Borrowed(text);
    }
    // Where the flags go: after a mention of the program and the spaces or line break that
    // follow it, when a subcommand comes next.
    let mut places = Vec::new();
    let mut from = 0;
    while let Some(at) = find_program(&text[from..]) {
        let after_at = from + at + PROGRAM.len();
        let after = &text[after_at..];
        // The subcommand may follow on the next line when the text was wrapped.
        let gap = after.len() - after.trim_start_matches([' ', '\n']).len();
        let word: &str = after[gap..]
            .split(|c: char| !c.is_ascii_alphanumeric() && c != '-')
            .next()
            .unwrap_or("");
        if gap > 0 && SUBCOMMANDS.contains(&word) {
            places.push(after_at + gap);
        }
        from = after_at + gap;
    }
    if places.is_empty() {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + flags.len() * places.len());
    let mut copied = 0;
    for at in places {
        out.push_str(&text[copied..at]);
        out.push_str(flags);
        copied = at;
    }
    out.push_str(&text[copied..]);
    std::borrow::Cow::Owned(out)
}

/// Wraps `text` to `width` columns of a [`WIDTH`]-column page, moved to the real page width;
/// every line after the first starts with `indent`. The commands in it get this run's location
/// flags first ([`set_paste_flags`]), so the lines fit with them.
pub fn wrap(text: &str, width: usize, indent: &str) -> String {
    // Borrowed unless flags go in: this runs for every sentence of the human output.
    let text = match PASTE_FLAGS.read() {
        Ok(flags) if !flags.is_empty() && find_program(text).is_some() => {
            std::borrow::Cow::Owned(insert_flags(text, &flags))
        }
        _ => std::borrow::Cow::Borrowed(text),
    };
    let indent_len = indent.chars().count();
    let width = (width + page_width())
        .saturating_sub(WIDTH)
        .max(indent_len + 1);
    let mut out = String::with_capacity(text.len() + 16);
    let mut col = 0;
    each_unit(&text, |_, word| {
        let len = char_count(word);
        if col > 0 && col + 1 + len > width {
            out.push('\n');
            out.push_str(indent);
            col = indent_len;
        } else if col > 0 {
            out.push(' ');
            col += 1;
        }
        out.push_str(word);
        col += len;
    });
    out
}

/// Breaks every line of `text` that is wider than the page at its spaces, each continuation
/// indented two columns deeper than the line it came from. Run on finished human output, after
/// the commands in it were made pasteable (which lengthens lines that [`wrap`] already fitted):
/// wrapping has to happen after that insertion to hold. A word wider than the page stays whole;
/// escape codes do not count as columns.
pub fn fit_to_page(text: &str) -> String {
    let width = page_width();
    // A line no longer in bytes than the page fits whatever its characters are: most lines.
    let fits = |l: &str| l.len() <= width || visible_len(l) <= width;
    if text.lines().all(fits) {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len() + 64);
    for line in text.split_inclusive('\n') {
        let (body, newline) = match line.strip_suffix('\n') {
            Some(b) => (b, "\n"),
            None => (line, ""),
        };
        if fits(body) {
            out.push_str(line);
            continue;
        }
        let lead_len = body.len() - body.trim_start_matches(' ').len();
        let lead = &body[..lead_len];
        let cont = format!("{lead}  ");
        out.push_str(lead);
        let mut col = lead_len;
        let mut started = false;
        for (spaces, word) in units(&body[lead_len..]) {
            let len = visible_len(word);
            if started && col + spaces + len > width {
                out.push('\n');
                out.push_str(&cont);
                col = cont.len();
                started = false;
            }
            if started {
                out.push_str(&" ".repeat(spaces));
                col += spaces;
            }
            out.push_str(word);
            col += len;
            started = true;
        }
        out.push_str(newline);
    }
    out
}

/// Flags of ours that take a value: in a bare command the value belongs to it.
const VALUE_FLAGS: &[&str] = &[
    "--home",
    "--config-dir",
    "--project",
    "--managed-dir",
    "--now",
    "--format",
    "--claude-version",
    "--server",
    "--only",
    "--skip",
    "--output",
    "-o",
    "--lock-wait",
    "--explain",
    "--color",
];

/// The subcommands that take one argument after them (a name, an id).
const WITH_ARGUMENT: &[&str] = &["restore", "login", "forget", "probe", "status"];

/// `text` cut into what a line may break between, each with the count of spaces before it: the
/// words, except that a `backticked` span and a bare `mcp-auth-doctor SUBCOMMAND [ARG]
/// [--flag VALUE]...` are one piece each, so that wrapping never breaks a command (or a
/// backup id away from its `restore`).
fn units(text: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    each_unit(text, |spaces, unit| out.push((spaces, unit)));
    out
}

/// [`units`], each handed to `f` as it is complete instead of collected ([`wrap`] needs no list:
/// a vector grown per sentence of the human report was an allocation and copies per call).
fn each_unit<'t>(text: &'t str, mut f: impl FnMut(usize, &'t str)) {
    // Each piece is a slice of `text`: the words it joins keep the spaces between them as they
    // were, so nothing is copied (this ran per word of every wrapped line of the human output).
    // The last piece, not handed on yet (another word may join it): spaces before, start, end.
    let mut last: Option<(usize, usize, usize)> = None;
    let mut spaces = 0usize;
    // Inside a backticked span (`open`), or how a bare command goes on (`command`).
    let mut open = false;
    let mut command: Option<Command> = None;
    // The words between single spaces, found byte by byte with their backticks counted on the
    // way: `split(' ')` called memchr once per word, most of them a few bytes (this was the
    // largest part of the human report of 1,000 entries; issue 15).
    let bytes = text.as_bytes();
    let mut start = 0usize;
    while start <= bytes.len() {
        let mut end = start;
        let mut backticks = 0usize;
        while let Some(&b) = bytes.get(end) {
            if b == b' ' {
                break;
            }
            backticks += usize::from(b == b'`');
            end += 1;
        }
        let word = &text[start..end];
        let word_start = start;
        start = end + 1;
        if word.is_empty() {
            spaces += 1;
            continue;
        }
        let start = word_start;
        let joins = open || command.as_mut().is_some_and(|c| c.takes(word));
        match &mut last {
            Some((_, _, end)) if joins => *end = start + word.len(),
            _ => {
                command = None;
                if let Some((spaces, from, to)) = last {
                    f(spaces, &text[from..to]);
                }
                last = Some((spaces, start, start + word.len()));
            }
        }
        spaces = 1;
        if backticks % 2 == 1 {
            open = !open;
        }
        if !open && command.is_none() && word == PROGRAM {
            command = Some(Command::default());
        }
        if command.as_ref().is_some_and(|c| c.ended) {
            command = None;
        }
    }
    if let Some((spaces, from, to)) = last {
        f(spaces, &text[from..to]);
    }
}

/// How far a bare `mcp-auth-doctor ...` command has gone, to tell its words from the prose after.
#[derive(Default)]
struct Command {
    subcommand: Option<String>,
    argument_taken: bool,
    value_next: bool,
    ended: bool,
}

impl Command {
    /// Whether `word` is part of the command (and so joins it).
    fn takes(&mut self, word: &str) -> bool {
        // A word that ends a clause ends the command after it.
        let bare = word.trim_end_matches([',', ';', ')', '.', ':']);
        let ends = bare.len() != word.len();
        let part = if self.value_next {
            self.value_next = false;
            true
        } else if self.subcommand.is_none() && bare.starts_with('-') {
            // Location flags made pasteable come before the subcommand.
            self.value_next = !ends && VALUE_FLAGS.contains(&bare);
            true
        } else if self.subcommand.is_none() {
            let sub = SUBCOMMANDS.contains(&bare);
            if sub {
                self.subcommand = Some(bare.to_string());
            }
            sub
        } else if bare.starts_with('-') {
            self.value_next = !ends && VALUE_FLAGS.contains(&bare);
            true
        } else if !self.argument_taken
            && self
                .subcommand
                .as_deref()
                .is_some_and(|s| WITH_ARGUMENT.contains(&s))
        {
            self.argument_taken = true;
            true
        } else {
            false
        };
        self.ended = part && ends;
        part
    }
}

/// `s.chars().count()`, inlined: the bytes that begin a character (std's call per word of every
/// wrapped sentence showed in the human report's profile; issue 15).
fn char_count(s: &str) -> usize {
    s.bytes().filter(|&b| (b as i8) >= -0x40).count()
}

/// Columns `s` takes on a terminal: characters, not counting `ESC [ ... letter` sequences.
fn visible_len(s: &str) -> usize {
    let mut n = 0;
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\x1b' {
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            n += 1;
        }
    }
    n
}

/// `error[code]` in the severity's colour.
pub fn severity_tag(style: Style, s: Severity, code: &str) -> String {
    let text = format!("{}[{code}]", s.label());
    match s {
        Severity::Error => style.red(&text),
        Severity::Warning => style.yellow(&text),
        Severity::Info => style.blue(&text),
    }
}

/// `1 error`, `2 errors`.
pub fn plural(n: usize, word: &str) -> String {
    format!("{n} {word}{}", if n == 1 { "" } else { "s" })
}

/// `n` things in words for a sentence: "no infos", "1 repair", "3 repairs".
pub fn count(n: usize, word: &str) -> String {
    if n == 0 {
        format!("no {word}s")
    } else {
        plural(n, word)
    }
}

/// Pads `s` to `width` characters (for tables).
pub fn pad(s: &str, width: usize) -> String {
    let n = s.chars().count();
    if n >= width {
        s.to_string()
    } else {
        format!("{s}{}", " ".repeat(width - n))
    }
}

#[cfg(test)]
mod tests;
