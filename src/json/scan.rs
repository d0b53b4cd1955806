//! A streaming JSON scanner that validates a document, reports *where* and *why* it is broken, finds
//! duplicate object keys, and hands back only the sub-values the caller asks for.
//!
//! Why not `serde_json` alone: its errors do not distinguish a comment from a trailing comma or a
//! truncated file, it silently keeps the last of two duplicate keys, and building a `Value` of a
//! 200 MB `~/.claude.json` costs several times the file's size in memory. The scanner walks the
//! bytes once through a fixed buffer, tracks only a byte offset in the hot path (line and column are
//! computed afterwards, see [`super::position`]), and copies out the raw bytes of the few values a
//! [`Visitor`] wants, which are then parsed with `serde_json` (order-preserving).

use std::io::{self, Read};

use super::input::{Input, StringStop, plain_string_len, whitespace_len};
use super::keys::{KeyStack, key_text};
use super::skim;
use super::source::Source;

mod kind;
pub use kind::SyntaxErrorKind;

/// One step of a path into a JSON document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seg {
    Key(String),
    Index(usize),
}

/// What the scanner should do with the value found at a path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Visit {
    /// Validate it, look for duplicate keys, but do not report its children.
    Skip,
    /// Descend: ask the visitor again for each child.
    Descend,
    /// Copy out the value's raw bytes and hand them to [`Visitor::captured`].
    Capture,
}

/// Decides, path by path, what the scanner keeps.
pub trait Visitor {
    fn visit(&mut self, path: &[Seg]) -> Visit;
    fn captured(&mut self, path: &[Seg], raw: Vec<u8>);

    /// Byte span of one member of an object the visitor descended into: from the key's opening
    /// quote to the end of its value. Used to edit a file without re-serialising it.
    fn member_span(&mut self, _object: &[Seg], _key: &str, _start: u64, _end: u64) {}

    /// Byte offsets of the `{` and `}` of an object the visitor descended into.
    fn object_span(&mut self, _path: &[Seg], _open: u64, _close: u64) {}
}

/// A visitor that walks the whole document (so duplicate keys are reported with full paths) and
/// captures nothing. Right for small files that are parsed into a `Value` afterwards.
pub struct ValidateOnly;

impl Visitor for ValidateOnly {
    fn visit(&mut self, _path: &[Seg]) -> Visit {
        Visit::Descend
    }
    fn captured(&mut self, _path: &[Seg], _raw: Vec<u8>) {}
}

/// A syntax error at a byte offset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SyntaxError {
    pub kind: SyntaxErrorKind,
    pub offset: u64,
}

/// A key that appears twice in one object. `JSON.parse` keeps the last value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DuplicateKey {
    /// Path of the object holding the key (as far as the scanner tracked it).
    pub object_path: Vec<Seg>,
    pub key: String,
    /// Offset of the second occurrence's opening quote.
    pub offset: u64,
}

/// Size of one member of the top-level object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberSize {
    pub key: String,
    pub bytes: u64,
}

/// Everything one pass over a document found.
#[derive(Debug, Default)]
pub struct ScanReport {
    /// The file starts with a UTF-8 byte order mark (skipped for the rest of the scan).
    pub bom: bool,
    /// Bytes read.
    pub len: u64,
    pub error: Option<SyntaxError>,
    pub duplicates: Vec<DuplicateKey>,
    /// Members of the top-level object with their sizes, in file order.
    pub top_level: Vec<MemberSize>,
}

const MAX_DEPTH: usize = 512;

/// Scans `reader` to its end (or its first syntax error).
///
/// I/O errors are returned as `Err`; everything wrong with the content is in the report.
pub fn scan<R: Read>(reader: R, visitor: &mut dyn Visitor) -> io::Result<ScanReport> {
    scan_input(Input::new(reader), visitor)
}

/// [`scan`] of bytes already in memory. The same report: text shorter than the scanner's
/// buffer is read in one piece either way, so only the buffer's size differs (one byte more
/// than the text, so the read after it finds the end).
pub fn scan_slice(text: &[u8], visitor: &mut dyn Visitor) -> io::Result<ScanReport> {
    scan_input(Input::with_capacity(text, text.len() + 1), visitor)
}

/// [`scan`] of the chunks a [`Source`] hands out (a mapped file: no copy into a buffer of ours).
/// The same report as [`scan`] of the same bytes; the source's own errors (the file changed
/// under it) are returned as `Err`.
pub fn scan_source<S: Source>(src: S, visitor: &mut dyn Visitor) -> io::Result<ScanReport> {
    scan_input(Input::from_source(src), visitor)
}

fn scan_input<S: Source>(mut input: Input<S>, visitor: &mut dyn Visitor) -> io::Result<ScanReport> {
    let kernel = skim::kernel();
    // UTF-8 in strings only with the skim that validates what it skims (`input/utf8.rs`).
    input.utf8.ahead = kernel != skim::Kernel::Avx512;
    scan_checking(input, visitor, kernel)
}

/// The scan with the skim `kernel` and the UTF-8 check chosen in `input` (the tests choose
/// both, apart from each other and from the process-wide strategy).
fn scan_checking<S: Source>(
    input: Input<S>,
    visitor: &mut dyn Visitor,
    kernel: skim::Kernel,
) -> io::Result<ScanReport> {
    let mut s = Scanner {
        input,
        path: Vec::new(),
        report: ScanReport::default(),
        visitor,
        keys: KeyStack::default(),
        kernel,
    };
    let run = s.run();
    // The source's word first: the bytes scanned may not have been the file's.
    s.input.finish()?;
    run?;
    let mut report = s.report;
    report.len = s.input.offset();
    if let Some(bad) = s.input.utf8.error {
        // Invalid UTF-8 is found in a string the scanner has read, or (checking ahead) when a
        // chunk is read, possibly past a syntax error: report whichever problem comes first.
        if report.error.is_none_or(|e| bad <= e.offset) {
            report.error = Some(SyntaxError {
                kind: SyntaxErrorKind::InvalidUtf8,
                offset: bad,
            });
        }
    }
    Ok(report)
}

/// Internal control flow: a syntax error or an I/O error stops the scan.
enum Stop {
    Syntax(SyntaxError),
    Io(io::Error),
}

impl From<io::Error> for Stop {
    fn from(e: io::Error) -> Self {
        Stop::Io(e)
    }
}

type Step<T = ()> = Result<T, Stop>;

struct Scanner<'v, S> {
    input: Input<S>,
    /// The path of the value being scanned, tracked only while the visitor descends.
    path: Vec<Seg>,
    report: ScanReport,
    visitor: &'v mut dyn Visitor,
    /// The keys of every object being scanned, for duplicate detection.
    keys: KeyStack,
    /// The string skimmer, chosen once per scan rather than once per string.
    kernel: skim::Kernel,
}

impl<S: Source> Scanner<'_, S> {
    fn run(&mut self) -> io::Result<()> {
        match self.document() {
            Ok(()) => Ok(()),
            Err(Stop::Syntax(e)) => {
                self.input.check_utf8_at_stop();
                self.report.error = Some(e);
                Ok(())
            }
            Err(Stop::Io(e)) => Err(e),
        }
    }

    fn err<T>(&self, kind: SyntaxErrorKind, offset: u64) -> Step<T> {
        Err(Stop::Syntax(SyntaxError { kind, offset }))
    }

    fn document(&mut self) -> Step {
        if self.input.starts_with_bom()? {
            self.report.bom = true;
        }
        self.skip_ws()?;
        if self.input.peek()?.is_none() {
            return self.err(SyntaxErrorKind::Empty, self.input.offset());
        }
        let visit = self.visitor.visit(&self.path);
        self.value(visit, 0)?;
        self.skip_ws()?;
        if self.input.peek()?.is_some() {
            return self.err(SyntaxErrorKind::TrailingContent, self.input.offset());
        }
        Ok(())
    }

    /// Skips whitespace; a `/` that starts a comment is reported as such. Afterwards the next byte
    /// is buffered, unless the input has ended.
    #[inline(always)]
    fn skip_ws(&mut self) -> Step {
        // Most calls find a value or a `,` `:` `}` `]` right there: one compare, no loop.
        if let Some(&b) = self.input.rest().first()
            && b > b' '
            && b != b'/'
        {
            return Ok(());
        }
        self.skip_ws_run()
    }

    /// [`Self::skip_ws`] past whitespace, across chunks.
    fn skip_ws_run(&mut self) -> Step {
        loop {
            let rest = self.input.rest();
            let n = whitespace_len(rest);
            let next = rest.get(n).copied();
            self.input.pos += n;
            match next {
                Some(b'/') => return self.err(SyntaxErrorKind::Comment, self.input.offset()),
                Some(_) => return Ok(()),
                None if !self.input.fill()? => return Ok(()),
                None => {}
            }
        }
    }

    fn value(&mut self, visit: Visit, depth: usize) -> Step {
        if depth > MAX_DEPTH {
            return self.err(SyntaxErrorKind::TooDeep, self.input.offset());
        }
        if visit == Visit::Capture {
            self.input.start_capture();
            let result = self.value(Visit::Skip, depth);
            let raw = self.input.finish_capture();
            result?;
            self.visitor.captured(&self.path, raw);
            return Ok(());
        }
        let start = self.input.offset();
        match self.input.peek()? {
            None => self.err(SyntaxErrorKind::UnexpectedEnd, start),
            Some(b'{') => self.object(visit, depth),
            Some(b'[') => self.array(visit, depth),
            Some(b'"') => self.string(None),
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(b't') => self.literal(b"true"),
            Some(b'f') => self.literal(b"false"),
            Some(b'n') => self.literal(b"null"),
            Some(b'/') => self.err(SyntaxErrorKind::Comment, start),
            Some(b) => self.err(SyntaxErrorKind::UnexpectedCharacter(b), start),
        }
    }

    fn object(&mut self, visit: Visit, depth: usize) -> Step {
        let open = self.input.offset();
        self.input.bump(); // '{'
        let mut keys = self.keys.open();
        let mut comma_at = None;
        // One allocation for the text of this object's keys, reused member after member (the
        // 5,000 projects' 17 keys each were 85,000 allocations and frees on a large home).
        let mut spare = String::new();
        loop {
            self.skip_ws()?;
            let at = self.input.offset();
            match self.input.peek()? {
                None => return self.err(SyntaxErrorKind::UnexpectedEnd, at),
                Some(b'}') => {
                    if let Some(comma) = comma_at {
                        return self.err(SyntaxErrorKind::TrailingComma, comma);
                    }
                    self.keys.close(keys);
                    self.close_object(visit, open);
                    return Ok(());
                }
                Some(b'"') => {}
                Some(b) => return self.err(SyntaxErrorKind::UnexpectedCharacter(b), at),
            }
            let mut arena = std::mem::take(&mut self.keys.bytes);
            let key_start = arena.len();
            let result = self.string(Some(&mut arena));
            self.keys.bytes = arena;
            result?;
            let (duplicate, identity) = self.keys.insert(&mut keys, key_start);
            let mut key = if duplicate || visit == Visit::Descend || depth == 0 {
                let mut text = std::mem::take(&mut spare);
                key_text(identity, &mut text);
                Some(text)
            } else {
                None
            };
            if duplicate {
                self.keys.bytes.truncate(key_start);
            }
            if duplicate {
                self.report.duplicates.push(DuplicateKey {
                    object_path: self.path.clone(),
                    key: key.clone().unwrap_or_default(),
                    offset: at,
                });
            }
            self.skip_ws()?;
            match self.input.peek()? {
                Some(b':') => self.input.bump(),
                None => return self.err(SyntaxErrorKind::UnexpectedEnd, self.input.offset()),
                Some(b) => {
                    return self.err(SyntaxErrorKind::UnexpectedCharacter(b), self.input.offset());
                }
            }
            self.skip_ws()?;
            let member_start = self.input.offset();
            if visit == Visit::Descend {
                // The key moves into the path and back: no copy per member.
                self.path.push(Seg::Key(key.take().unwrap_or_default()));
                let child = self.visitor.visit(&self.path);
                let result = self.value(child, depth + 1);
                let popped = self.path.pop();
                result?;
                let k = match popped {
                    Some(Seg::Key(k)) => k,
                    _ => String::new(), // not reached: the key pushed above
                };
                let end = self.input.offset();
                self.visitor.member_span(&self.path, &k, at, end);
                key = Some(k);
            } else {
                self.value(Visit::Skip, depth + 1)?;
            }
            if depth == 0 {
                self.report.top_level.push(MemberSize {
                    key: key.unwrap_or_default(),
                    bytes: self.input.offset() - member_start,
                });
            } else if let Some(text) = key {
                spare = text;
            }
            self.skip_ws()?;
            let at = self.input.offset();
            match self.input.peek()? {
                Some(b',') => {
                    comma_at = Some(at);
                    self.input.bump();
                }
                Some(b'}') => {
                    self.keys.close(keys);
                    self.close_object(visit, open);
                    return Ok(());
                }
                None => return self.err(SyntaxErrorKind::UnexpectedEnd, at),
                Some(b) => return self.err(SyntaxErrorKind::UnexpectedCharacter(b), at),
            }
        }
    }

    /// Consumes the `}` and reports the object's span to a visitor that descended into it.
    fn close_object(&mut self, visit: Visit, open: u64) {
        let close = self.input.offset();
        self.input.bump();
        if visit == Visit::Descend {
            self.visitor.object_span(&self.path, open, close);
        }
    }

    fn array(&mut self, visit: Visit, depth: usize) -> Step {
        self.input.bump(); // '['
        let mut index = 0;
        let mut comma_at = None;
        loop {
            self.skip_ws()?;
            let at = self.input.offset();
            match self.input.peek()? {
                None => return self.err(SyntaxErrorKind::UnexpectedEnd, at),
                Some(b']') => {
                    if let Some(comma) = comma_at {
                        return self.err(SyntaxErrorKind::TrailingComma, comma);
                    }
                    self.input.bump();
                    return Ok(());
                }
                _ => {}
            }
            if visit == Visit::Descend {
                self.path.push(Seg::Index(index));
                let child = self.visitor.visit(&self.path);
                let result = self.value(child, depth + 1);
                self.path.pop();
                result?;
            } else {
                self.value(Visit::Skip, depth + 1)?;
            }
            index += 1;
            self.skip_ws()?;
            let at = self.input.offset();
            match self.input.peek()? {
                Some(b',') => {
                    comma_at = Some(at);
                    self.input.bump();
                }
                Some(b']') => {
                    self.input.bump();
                    return Ok(());
                }
                None => return self.err(SyntaxErrorKind::UnexpectedEnd, at),
                Some(b) => return self.err(SyntaxErrorKind::UnexpectedCharacter(b), at),
            }
        }
    }

    /// Scans a string starting at its opening quote. With `out`, the raw bytes between the quotes
    /// (escapes undecoded) are appended to it.
    fn string(&mut self, mut out: Option<&mut Vec<u8>>) -> Step {
        self.input.bump(); // '"'
        let kernel = self.kernel;
        loop {
            // Fast path: runs of plain bytes and escapes that are wholly buffered, with a local index
            // and no call per byte; the raw bytes are copied out in one piece.
            let buf = self.input.bytes();
            let from = self.input.pos;
            let mut i = from;
            // Whether bytes of this piece may be invalid UTF-8: then they are checked.
            let mut unchecked = false;
            let stop = 'stop: loop {
                // Whole 64-byte blocks by masks (skim.rs); the careful steps below take over
                // wherever a block needs a closer look, and report every error.
                let skimmed = skim::skim(buf, i, kernel);
                i = skimmed.next;
                unchecked |= skimmed.unchecked;
                if skimmed.closed {
                    break 'stop Some(StringStop::Quote);
                }
                let plain = plain_string_len(&buf[i..]);
                // Rare with a skim (a chunk's last bytes, the way to an error): no closer look.
                unchecked |= plain != 0;
                i += plain;
                match buf.get(i) {
                    Some(b'\\') if i + 6 <= buf.len() => match buf[i + 1] {
                        b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => i += 2,
                        b'u' if buf[i + 2..i + 6].iter().all(u8::is_ascii_hexdigit) => i += 6,
                        _ => break Some(StringStop::InvalidEscape),
                    },
                    Some(b'"') => break Some(StringStop::Quote),
                    // Near the end of the buffer.
                    Some(b'\\') => break Some(StringStop::Backslash),
                    Some(_) => break Some(StringStop::Control),
                    None => break None,
                }
            };
            if let Some(out) = out.as_deref_mut() {
                out.extend_from_slice(&buf[from..i]);
            }
            self.input.pos = i;
            // Before any refill: the piece is the body's bytes in this chunk since `from`.
            self.input
                .check_string_utf8(from, i, unchecked, stop.is_none());
            let at = self.input.offset();
            match stop {
                Some(StringStop::Quote) => {
                    self.input.bump();
                    return Ok(());
                }
                Some(StringStop::Backslash) => self.escape_across_refill(out.as_deref_mut(), at)?,
                Some(StringStop::InvalidEscape) => {
                    return self.err(SyntaxErrorKind::InvalidEscape, at);
                }
                Some(StringStop::Control) => {
                    return self.err(SyntaxErrorKind::ControlCharacter, at);
                }
                None => {
                    if !self.input.fill()? {
                        return self.err(SyntaxErrorKind::UnexpectedEnd, at);
                    }
                }
            }
        }
    }

    /// An escape (at offset `at`, the backslash) that may continue past the buffered bytes.
    fn escape_across_refill(&mut self, mut out: Option<&mut Vec<u8>>, at: u64) -> Step {
        self.input.bump(); // '\\'
        let Some(esc) = self.input.peek()? else {
            return self.err(SyntaxErrorKind::UnexpectedEnd, self.input.offset());
        };
        self.input.bump();
        if let Some(out) = out.as_deref_mut() {
            out.extend_from_slice(&[b'\\', esc]);
        }
        match esc {
            b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => Ok(()),
            b'u' => {
                for _ in 0..4 {
                    match self.input.peek()? {
                        Some(h) if h.is_ascii_hexdigit() => {
                            self.input.bump();
                            if let Some(out) = out.as_deref_mut() {
                                out.push(h);
                            }
                        }
                        None => {
                            return self.err(SyntaxErrorKind::UnexpectedEnd, self.input.offset());
                        }
                        Some(_) => return self.err(SyntaxErrorKind::InvalidEscape, at),
                    }
                }
                Ok(())
            }
            _ => self.err(SyntaxErrorKind::InvalidEscape, at),
        }
    }

    fn number(&mut self) -> Step {
        let start = self.input.offset();
        let bad = |s: &Self| s.err(SyntaxErrorKind::InvalidNumber, start);
        if self.input.peek()? == Some(b'-') {
            self.input.bump();
        }
        match self.input.peek()? {
            Some(b'0') => self.input.bump(),
            Some(b'1'..=b'9') => self.digits()?,
            None => return self.err(SyntaxErrorKind::UnexpectedEnd, self.input.offset()),
            _ => return bad(self),
        }
        if self.input.peek()? == Some(b'.') {
            self.input.bump();
            if !matches!(self.input.peek()?, Some(b'0'..=b'9')) {
                return bad(self);
            }
            self.digits()?;
        }
        if matches!(self.input.peek()?, Some(b'e' | b'E')) {
            self.input.bump();
            if matches!(self.input.peek()?, Some(b'+' | b'-')) {
                self.input.bump();
            }
            if !matches!(self.input.peek()?, Some(b'0'..=b'9')) {
                return bad(self);
            }
            self.digits()?;
        }
        match self.input.peek()? {
            Some(b'0'..=b'9' | b'.' | b'e' | b'E' | b'+' | b'-') => bad(self),
            _ => Ok(()),
        }
    }

    fn digits(&mut self) -> Step {
        loop {
            let rest = self.input.rest();
            let n = rest
                .iter()
                .position(|b| !b.is_ascii_digit())
                .unwrap_or(rest.len());
            let more = n == rest.len();
            self.input.pos += n;
            if !more || !self.input.fill()? {
                return Ok(());
            }
        }
    }

    fn literal(&mut self, word: &'static [u8]) -> Step {
        if self.input.rest().starts_with(word) {
            self.input.pos += word.len();
            return Ok(());
        }
        let start = self.input.offset();
        for &expected in word {
            match self.input.peek()? {
                Some(b) if b == expected => self.input.bump(),
                None => return self.err(SyntaxErrorKind::UnexpectedEnd, self.input.offset()),
                Some(b) => {
                    return self.err(SyntaxErrorKind::UnexpectedCharacter(b), start);
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
#[cfg(test)]
mod utf8_tests;
