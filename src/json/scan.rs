//! A streaming JSON scanner that validates a document, reports *where* and *why* it is broken, finds
//! duplicate object keys, and hands back only the sub-values the caller asks for.
//!
//! Why not `serde_json` alone: its errors do not distinguish a comment from a trailing comma or a
//! truncated file, it silently keeps the last of two duplicate keys, and building a `Value` of a
//! 200 MB `~/.claude.json` costs several times the file's size in memory. The scanner walks the
//! bytes once through a fixed buffer, tracks only a byte offset in the hot path (line and column are
//! computed afterwards, see [`super::position`]), and copies out the raw bytes of the few values a
//! [`Visitor`] wants, which are then parsed with `serde_json` (order-preserving).

use std::collections::HashSet;
use std::io::{self, Read};

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

/// Why a document is not valid JSON (as `JSON.parse` sees it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyntaxErrorKind {
    /// 0 bytes, or only whitespace.
    Empty,
    /// The document ends in the middle of a value (a truncated write).
    UnexpectedEnd,
    /// `//` or `/* */`: JSON has no comments.
    Comment,
    /// A `,` right before `}` or `]`.
    TrailingComma,
    /// Bytes that are not UTF-8.
    InvalidUtf8,
    /// A raw control character (such as a newline) inside a string.
    ControlCharacter,
    /// A backslash escape that JSON does not define.
    InvalidEscape,
    /// A malformed number.
    InvalidNumber,
    /// A byte that cannot start or continue a value here.
    UnexpectedCharacter(u8),
    /// More content after the top-level value.
    TrailingContent,
    /// Nesting deeper than the scanner supports.
    TooDeep,
}

impl SyntaxErrorKind {
    /// A short kebab-case name, stable for JSON output.
    pub fn code(self) -> &'static str {
        match self {
            Self::Empty => "empty",
            Self::UnexpectedEnd => "truncated",
            Self::Comment => "comment",
            Self::TrailingComma => "trailing-comma",
            Self::InvalidUtf8 => "invalid-utf8",
            Self::ControlCharacter => "control-character",
            Self::InvalidEscape => "invalid-escape",
            Self::InvalidNumber => "invalid-number",
            Self::UnexpectedCharacter(_) => "unexpected-character",
            Self::TrailingContent => "trailing-content",
            Self::TooDeep => "too-deep",
        }
    }

    /// What is wrong, in words.
    pub fn describe(self) -> String {
        match self {
            Self::Empty => "the file is empty (0 bytes or only whitespace)".into(),
            Self::UnexpectedEnd => {
                "the file ends in the middle of a value (truncated, e.g. by a full disk or a crash)"
                    .into()
            }
            Self::Comment => "a comment; JSON does not allow comments".into(),
            Self::TrailingComma => "a trailing comma before a closing bracket".into(),
            Self::InvalidUtf8 => "bytes that are not valid UTF-8".into(),
            Self::ControlCharacter => {
                "a raw control character (such as a line break) inside a string".into()
            }
            Self::InvalidEscape => "an invalid backslash escape inside a string".into(),
            Self::InvalidNumber => "a malformed number".into(),
            Self::UnexpectedCharacter(b) => {
                if b.is_ascii_graphic() {
                    format!("unexpected character '{}'", b as char)
                } else {
                    format!("unexpected byte 0x{b:02x}")
                }
            }
            Self::TrailingContent => "more content after the end of the JSON document".into(),
            Self::TooDeep => "nesting deeper than 512 levels".into(),
        }
    }
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
const BUF_SIZE: usize = 64 * 1024;

/// Scans `reader` to its end (or its first syntax error).
///
/// I/O errors are returned as `Err`; everything wrong with the content is in the report.
pub fn scan<R: Read>(reader: R, visitor: &mut dyn Visitor) -> io::Result<ScanReport> {
    let mut s = Scanner {
        input: Input::new(reader),
        path: Vec::new(),
        report: ScanReport::default(),
        visitor,
        keys: KeyStack::default(),
    };
    s.run()?;
    let mut report = s.report;
    report.len = s.input.offset();
    if let Some(bad) = s.input.utf8_error {
        // Invalid UTF-8 is found when a chunk is read, possibly ahead of the scanner: report
        // whichever problem comes first in the file.
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

struct Scanner<'v, R> {
    input: Input<R>,
    /// The path of the value being scanned, tracked only while the visitor descends.
    path: Vec<Seg>,
    report: ScanReport,
    visitor: &'v mut dyn Visitor,
    /// The keys of every object being scanned, for duplicate detection.
    keys: KeyStack,
}

impl<R: Read> Scanner<'_, R> {
    fn run(&mut self) -> io::Result<()> {
        match self.document() {
            Ok(()) => Ok(()),
            Err(Stop::Syntax(e)) => {
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
    #[inline]
    fn skip_ws(&mut self) -> Step {
        loop {
            let rest = self.input.rest();
            let n = rest
                .iter()
                .position(|&b| !matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
                .unwrap_or(rest.len());
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
            let key = if duplicate || visit == Visit::Descend || depth == 0 {
                Some(String::from_utf8_lossy(identity).into_owned())
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
                let key = key.clone().unwrap_or_default();
                self.path.push(Seg::Key(key.clone()));
                let child = self.visitor.visit(&self.path);
                let result = self.value(child, depth + 1);
                self.path.pop();
                result?;
                let end = self.input.offset();
                self.visitor.member_span(&self.path, &key, at, end);
            } else {
                self.value(Visit::Skip, depth + 1)?;
            }
            if depth == 0 {
                self.report.top_level.push(MemberSize {
                    key: key.unwrap_or_default(),
                    bytes: self.input.offset() - member_start,
                });
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
        loop {
            // Fast path: runs of plain bytes and escapes that are wholly buffered, with a local index
            // and no call per byte; the raw bytes are copied out in one piece.
            let buf = &self.input.buf[..self.input.end];
            let from = self.input.pos;
            let mut i = from;
            let stop = loop {
                i += plain_string_len(&buf[i..]);
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

/// Decodes a key's raw bytes (escapes included) into a `String`.
fn decode_key(raw: &[u8]) -> String {
    if !raw.contains(&b'\\') {
        return String::from_utf8_lossy(raw).into_owned();
    }
    let mut quoted = Vec::with_capacity(raw.len() + 2);
    quoted.push(b'"');
    quoted.extend_from_slice(raw);
    quoted.push(b'"');
    serde_json::from_slice::<String>(&quoted)
        .unwrap_or_else(|_| String::from_utf8_lossy(raw).into_owned())
}

/// Why the fast path inside a string stopped.
enum StringStop {
    Quote,
    /// An escape that may continue past the buffered bytes.
    Backslash,
    InvalidEscape,
    Control,
}

/// The length of the run of plain string bytes (not `"`, `\\` or a control character) that `s`
/// starts with.
#[inline(always)]
fn plain_string_len(s: &[u8]) -> usize {
    let mut n = 0;
    for word in s.chunks_exact(8) {
        let mask = stop_mask(u64::from_le_bytes(word.try_into().expect("8 bytes")));
        if mask != 0 {
            return n + (mask.trailing_zeros() / 8) as usize;
        }
        n += 8;
    }
    let tail = &s[n..];
    n + tail
        .iter()
        .position(|&b| STOPS_STRING[b as usize])
        .unwrap_or(tail.len())
}

/// The high bit of each byte of `word` (little-endian) that is `"`, `\\` or below 0x20. Bytes above
/// the first flagged one may be flagged wrongly (a borrow runs upwards), so only the lowest flag is
/// meaningful.
#[inline]
fn stop_mask(word: u64) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let zero_bytes = |x: u64| x.wrapping_sub(ONES) & !x & HIGH;
    zero_bytes(word ^ (ONES * u64::from(b'"')))
        | zero_bytes(word ^ (ONES * u64::from(b'\\')))
        | (word.wrapping_sub(ONES * 0x20) & !word & HIGH)
}

/// The keys of every object being scanned, for duplicate detection without an allocation per key:
/// one byte arena and one index, used as a stack (an object's keys sit above its parent's, and go
/// when it closes).
#[derive(Default)]
struct KeyStack {
    /// Identity bytes of the keys (decoded when the key has escapes).
    bytes: Vec<u8>,
    /// (hash, start, end) of each key in `bytes`.
    index: Vec<(u64, usize, usize)>,
}

/// One open object's part of the [`KeyStack`].
struct ObjectKeys {
    index_from: usize,
    bytes_from: usize,
    /// The hashes, once the object has more keys than a linear search handles well.
    hashes: Option<HashSet<u64>>,
}

/// Up to this many keys an object's duplicates are found by a linear search over their hashes.
const LINEAR_KEYS: usize = 16;

impl KeyStack {
    fn open(&self) -> ObjectKeys {
        ObjectKeys {
            index_from: self.index.len(),
            bytes_from: self.bytes.len(),
            hashes: None,
        }
    }

    fn close(&mut self, keys: ObjectKeys) {
        self.index.truncate(keys.index_from);
        self.bytes.truncate(keys.bytes_from);
    }

    /// Adds the key whose raw bytes (escapes undecoded) start at `start` in the arena. Returns
    /// whether the object already has it, and its identity: escaped and plain spellings of one key
    /// are the same key to `JSON.parse`. A duplicate stays in the arena for the caller to read and
    /// truncate; it is not indexed.
    fn insert(&mut self, keys: &mut ObjectKeys, start: usize) -> (bool, &[u8]) {
        if self.bytes[start..].contains(&b'\\') {
            let decoded = decode_key(&self.bytes[start..]);
            self.bytes.truncate(start);
            self.bytes.extend_from_slice(decoded.as_bytes());
        }
        let end = self.bytes.len();
        let identity = &self.bytes[start..end];
        let hash = key_hash(identity);
        let members = &self.index[keys.index_from..];
        let maybe = match keys.hashes.as_mut() {
            Some(set) => !set.insert(hash),
            None => members.iter().any(|m| m.0 == hash),
        };
        // Equal hashes are confirmed byte for byte.
        let duplicate = maybe
            && members
                .iter()
                .any(|&(h, s, e)| h == hash && self.bytes[s..e] == *identity);
        if !duplicate {
            self.index.push((hash, start, end));
            let count = self.index.len() - keys.index_from;
            if keys.hashes.is_none() && count > LINEAR_KEYS {
                keys.hashes = Some(self.index[keys.index_from..].iter().map(|m| m.0).collect());
            }
        }
        (duplicate, &self.bytes[start..end])
    }
}

/// A fast 64-bit hash of a key (word at a time); collisions are resolved by comparing bytes.
fn key_hash(bytes: &[u8]) -> u64 {
    const K: u64 = 0x517c_c1b7_2722_0a95;
    let mut h = (bytes.len() as u64).wrapping_mul(K);
    let mut words = bytes.chunks_exact(8);
    for w in &mut words {
        let w = u64::from_le_bytes(w.try_into().expect("8 bytes"));
        h = (h.rotate_left(5) ^ w).wrapping_mul(K);
    }
    let mut last = [0u8; 8];
    last[..words.remainder().len()].copy_from_slice(words.remainder());
    h = (h.rotate_left(5) ^ u64::from_le_bytes(last)).wrapping_mul(K);
    h ^ (h >> 29)
}

/// Bytes that end the fast path inside a string: `"`, `\` and control characters.
static STOPS_STRING: [bool; 256] = {
    let mut t = [false; 256];
    let mut i = 0;
    while i < 0x20 {
        t[i] = true;
        i += 1;
    }
    t[b'"' as usize] = true;
    t[b'\\' as usize] = true;
    t
};

/// A buffered reader that knows its offset, validates UTF-8 chunk by chunk, and can copy out the
/// bytes of a value as they pass.
struct Input<R> {
    reader: R,
    buf: Box<[u8]>,
    pos: usize,
    end: usize,
    /// File offset of `buf[0]`.
    base: u64,
    eof: bool,
    capture: Option<Vec<u8>>,
    capture_from: usize,
    /// The start of a UTF-8 sequence cut by the end of the previous chunk.
    utf8_carry: Vec<u8>,
    /// Offset of the first invalid UTF-8 byte seen.
    utf8_error: Option<u64>,
}

impl<R: Read> Input<R> {
    fn new(reader: R) -> Self {
        Self {
            reader,
            buf: vec![0; BUF_SIZE].into_boxed_slice(),
            pos: 0,
            end: 0,
            base: 0,
            eof: false,
            capture: None,
            capture_from: 0,
            utf8_carry: Vec::new(),
            utf8_error: None,
        }
    }

    fn offset(&self) -> u64 {
        self.base + self.pos as u64
    }

    fn starts_with_bom(&mut self) -> io::Result<bool> {
        while self.end < 3 && !self.eof {
            self.fill_more()?;
        }
        if self.buf[..self.end].starts_with(&[0xEF, 0xBB, 0xBF]) {
            self.pos = 3;
            return Ok(true);
        }
        Ok(false)
    }

    #[inline]
    fn peek(&mut self) -> io::Result<Option<u8>> {
        if self.pos < self.end {
            return Ok(Some(self.buf[self.pos]));
        }
        self.refill()?;
        Ok((self.pos < self.end).then(|| self.buf[self.pos]))
    }

    /// Consumes the byte `peek` returned.
    #[inline]
    fn bump(&mut self) {
        self.pos += 1;
    }

    /// The buffered bytes not yet consumed.
    #[inline]
    fn rest(&self) -> &[u8] {
        &self.buf[self.pos..self.end]
    }

    /// Makes sure a byte is buffered; false at the end of the input.
    #[inline]
    fn fill(&mut self) -> io::Result<bool> {
        if self.pos < self.end {
            return Ok(true);
        }
        self.refill()?;
        Ok(self.pos < self.end)
    }

    /// Reads the next chunk once everything buffered is consumed.
    fn refill(&mut self) -> io::Result<()> {
        if self.eof || self.pos < self.end {
            return Ok(());
        }
        if let Some(cap) = self.capture.as_mut() {
            cap.extend_from_slice(&self.buf[self.capture_from..self.end]);
            self.capture_from = 0;
        }
        self.base += self.end as u64;
        self.pos = 0;
        self.end = 0;
        self.fill_more()
    }

    /// Appends one read to the buffer (which must have room) and validates its UTF-8.
    fn fill_more(&mut self) -> io::Result<()> {
        let start = self.end;
        let n = loop {
            match self.reader.read(&mut self.buf[start..]) {
                Ok(n) => break n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
        };
        if n == 0 {
            self.eof = true;
            if !self.utf8_carry.is_empty() {
                self.note_bad_utf8(self.base + start as u64 - self.utf8_carry.len() as u64);
                self.utf8_carry.clear();
            }
            return Ok(());
        }
        self.end = start + n;
        self.validate_utf8(start);
        Ok(())
    }

    fn note_bad_utf8(&mut self, offset: u64) {
        if self.utf8_error.is_none() {
            self.utf8_error = Some(offset);
        }
    }

    fn validate_utf8(&mut self, start: usize) {
        if self.utf8_error.is_some() {
            return;
        }
        let mut from = start;
        // Finish a sequence cut by the previous chunk.
        if !self.utf8_carry.is_empty() {
            let carry_offset = self.base + start as u64 - self.utf8_carry.len() as u64;
            let need = utf8_width(self.utf8_carry[0]).saturating_sub(self.utf8_carry.len());
            let take = need.min(self.end - start);
            let mut seq = std::mem::take(&mut self.utf8_carry);
            seq.extend_from_slice(&self.buf[start..start + take]);
            from = start + take;
            match std::str::from_utf8(&seq) {
                Ok(_) => {}
                Err(e) if e.error_len().is_none() && from == self.end => {
                    self.utf8_carry = seq;
                    return;
                }
                Err(_) => {
                    self.note_bad_utf8(carry_offset);
                    return;
                }
            }
        }
        if let Err(e) = std::str::from_utf8(&self.buf[from..self.end]) {
            let bad = from + e.valid_up_to();
            if e.error_len().is_none() {
                self.utf8_carry = self.buf[bad..self.end].to_vec();
            } else {
                self.note_bad_utf8(self.base + bad as u64);
            }
        }
    }

    fn start_capture(&mut self) {
        self.capture = Some(Vec::new());
        self.capture_from = self.pos;
    }

    fn finish_capture(&mut self) -> Vec<u8> {
        let mut cap = self.capture.take().unwrap_or_default();
        cap.extend_from_slice(&self.buf[self.capture_from..self.pos]);
        cap
    }
}

/// The length of a UTF-8 sequence from its first byte (1 for an invalid lead byte).
fn utf8_width(lead: u8) -> usize {
    match lead {
        0xC0..=0xDF => 2,
        0xE0..=0xEF => 3,
        0xF0..=0xF7 => 4,
        _ => 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(text: &[u8]) -> ScanReport {
        scan(text, &mut ValidateOnly).unwrap()
    }

    fn kind(text: &[u8]) -> Option<(SyntaxErrorKind, u64)> {
        check(text).error.map(|e| (e.kind, e.offset))
    }

    #[test]
    fn accepts_valid_documents() {
        for doc in [
            &br#"{}"#[..],
            br#" {"a": [1, -2.5e+3, true, false, null, "x\"\\\/\b\f\n\r\t\u00e9"], "b": {}} "#,
            br#"[]"#,
            br#""just a string""#,
            "{\"\u{00fc}ml\u{00e4}ut\": \"\u{1f600}\"}".as_bytes(),
        ] {
            assert_eq!(check(doc).error, None, "{}", String::from_utf8_lossy(doc));
        }
    }

    #[test]
    fn names_each_kind_of_breakage() {
        assert_eq!(kind(b""), Some((SyntaxErrorKind::Empty, 0)));
        assert_eq!(kind(b"  \n"), Some((SyntaxErrorKind::Empty, 3)));
        assert_eq!(
            kind(br#"{"a": {"type": "ht"#),
            Some((SyntaxErrorKind::UnexpectedEnd, 18))
        );
        assert_eq!(
            kind(b"{\n  // hi\n  \"a\": 1}"),
            Some((SyntaxErrorKind::Comment, 4))
        );
        assert_eq!(
            kind(br#"{"a": 1 /* x */}"#),
            Some((SyntaxErrorKind::Comment, 8))
        );
        assert_eq!(
            kind(br#"{"a": 1,}"#),
            Some((SyntaxErrorKind::TrailingComma, 7))
        );
        assert_eq!(
            kind(br#"[1, 2, ]"#),
            Some((SyntaxErrorKind::TrailingComma, 5))
        );
        assert_eq!(
            kind(b"{\"a\": \"x\ny\"}"),
            Some((SyntaxErrorKind::ControlCharacter, 8))
        );
        assert_eq!(
            kind(br#"{"a": "\q"}"#),
            Some((SyntaxErrorKind::InvalidEscape, 7))
        );
        assert_eq!(
            kind(br#"{"a": 01}"#),
            Some((SyntaxErrorKind::InvalidNumber, 6))
        );
        assert_eq!(
            kind(br#"{"a": tru}"#),
            Some((SyntaxErrorKind::UnexpectedCharacter(b'}'), 6))
        );
        assert_eq!(
            kind(br#"{} {}"#),
            Some((SyntaxErrorKind::TrailingContent, 3))
        );
        assert_eq!(
            kind(b"{\"a\": \"\xff\"}"),
            Some((SyntaxErrorKind::InvalidUtf8, 7))
        );
        assert_eq!(
            kind(br#"{'a': 1}"#),
            Some((SyntaxErrorKind::UnexpectedCharacter(b'\''), 1))
        );
    }

    #[test]
    fn reports_a_bom_and_scans_past_it() {
        let r = check(b"\xEF\xBB\xBF{\"a\":1}");
        assert!(r.bom);
        assert_eq!(r.error, None);
        assert!(!check(b"{}").bom);
    }

    #[test]
    fn finds_duplicate_keys_with_their_paths() {
        let r =
            check(br#"{"m": {"k|1": {"a": 1}, "x": 2, "k|1": {}}, "m2": {"\u0061": 1, "a": 2}}"#);
        let found: Vec<_> = r
            .duplicates
            .iter()
            .map(|d| (d.object_path.clone(), d.key.clone(), d.offset))
            .collect();
        assert_eq!(
            found,
            vec![
                (vec![Seg::Key("m".into())], "k|1".into(), 32),
                (vec![Seg::Key("m2".into())], "a".into(), 64),
            ]
        );
    }

    #[test]
    fn records_top_level_member_sizes() {
        let r = check(br#"{"small": 1, "big": [1, 2, 3]}"#);
        let sizes: Vec<_> = r
            .top_level
            .iter()
            .map(|m| (m.key.as_str(), m.bytes))
            .collect();
        assert_eq!(sizes, vec![("small", 1), ("big", 9)]);
    }

    struct Grab(Vec<(Vec<Seg>, String)>);
    impl Visitor for Grab {
        fn visit(&mut self, path: &[Seg]) -> Visit {
            match path {
                [] => Visit::Descend,
                [Seg::Key(k)] if k == "projects" => Visit::Descend,
                [Seg::Key(_), Seg::Key(_)] => Visit::Descend,
                [Seg::Key(_), Seg::Key(_), Seg::Key(k)] if k == "mcpServers" => Visit::Capture,
                [Seg::Key(k)] if k == "mcpServers" => Visit::Capture,
                _ => Visit::Skip,
            }
        }
        fn captured(&mut self, path: &[Seg], raw: Vec<u8>) {
            self.0
                .push((path.to_vec(), String::from_utf8(raw).unwrap()));
        }
    }

    #[test]
    fn captures_raw_values_across_buffer_refills() {
        let filler = "x".repeat(BUF_SIZE * 2 + 17);
        let doc = format!(
            r#"{{"history": "{filler}", "mcpServers": {{"a": {{"url": "{filler}"}}}}, "projects": {{"/p": {{"h": [1], "mcpServers": {{"b": 1}}}}}}}}"#
        );
        let mut grab = Grab(Vec::new());
        let report = scan(doc.as_bytes(), &mut grab).unwrap();
        assert_eq!(report.error, None);
        assert_eq!(grab.0.len(), 2);
        assert_eq!(grab.0[0].1, format!(r#"{{"a": {{"url": "{filler}"}}}}"#));
        assert_eq!(
            grab.0[1].0,
            vec![
                Seg::Key("projects".into()),
                Seg::Key("/p".into()),
                Seg::Key("mcpServers".into())
            ]
        );
        assert_eq!(grab.0[1].1, r#"{"b": 1}"#);
    }

    #[test]
    fn finds_the_first_stop_byte_word_at_a_time() {
        // Every stop kind at every position of a word and of the tail, after plain bytes of every
        // kind (ASCII, non-ASCII, bytes just above each stop).
        let fillers = [b'a', b' ', 0x21, 0x23, 0x5b, 0x5d, 0x7f, 0x80, 0xc3, 0xff];
        for len in 0..40 {
            for at in 0..=len {
                for &stop in &[b'"', b'\\', 0x00, 0x01, 0x0a, 0x1f] {
                    for &fill in &fillers {
                        let mut s = vec![fill; len];
                        if at < len {
                            s[at] = stop;
                            // Stops after the first must not matter.
                            if at + 1 < len {
                                s[at + 1] = 0x00;
                            }
                        }
                        let want = s
                            .iter()
                            .position(|&b| STOPS_STRING[b as usize])
                            .unwrap_or(len);
                        assert_eq!(plain_string_len(&s), want, "{s:?}");
                    }
                }
            }
        }
    }

    #[test]
    fn escapes_and_errors_at_every_buffer_boundary() {
        // The same document read in pieces of every size from 1 to 9 bytes: escapes, errors and
        // duplicate keys cut at every possible place give the same report as reading it whole.
        let docs: &[&[u8]] = &[
            br#"{"a\"b": "x\\y\/z\u00e9\n", "k": 1, "\u006b": 2, "big": [1.5e3, -0, true, null]}"#,
            br#"{"s": "abc\u00g1"}"#,
            br#"{"s": "abc\q"}"#,
            b"{\"s\": \"abc\x01\"}",
            br#"{"s": "abc\u00e"#,
            br#"{"s": "abc\"#,
            br#"{"a": 1, "b": 2, "a": 3}"#,
        ];
        struct Pieces<'a>(&'a [u8], usize);
        impl Read for Pieces<'_> {
            fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
                let n = self.1.min(self.0.len()).min(buf.len());
                buf[..n].copy_from_slice(&self.0[..n]);
                self.0 = &self.0[n..];
                Ok(n)
            }
        }
        for doc in docs {
            let whole = check(doc);
            for piece in 1..10 {
                let r = scan(Pieces(doc, piece), &mut ValidateOnly).unwrap();
                assert_eq!(
                    r.error,
                    whole.error,
                    "{piece}: {}",
                    String::from_utf8_lossy(doc)
                );
                assert_eq!(r.duplicates, whole.duplicates);
            }
        }
        assert_eq!(
            check(docs[1]).error.map(|e| (e.kind, e.offset)),
            Some((SyntaxErrorKind::InvalidEscape, 10))
        );
        assert_eq!(
            check(docs[3]).error.map(|e| (e.kind, e.offset)),
            Some((SyntaxErrorKind::ControlCharacter, 10))
        );
        assert_eq!(check(docs[6]).duplicates[0].key, "a");
    }

    #[test]
    fn finds_duplicates_in_objects_with_many_keys() {
        // Past the linear search: the hash set, and escaped spellings of the same key.
        let mut doc = String::from("{");
        for i in 0..100 {
            doc.push_str(&format!(r#""k{i}": {{"x": 1, "x": 2}}, "#));
        }
        doc.push_str(r#""k7": 0, "k\u0035\u0030": 0, "last": 0}"#);
        let r = check(doc.as_bytes());
        let found: Vec<_> = r
            .duplicates
            .iter()
            .filter(|d| d.object_path.is_empty())
            .map(|d| d.key.as_str())
            .collect();
        assert_eq!(found, vec!["k7", "k50"]);
        // Each inner object has its own "x" twice.
        assert_eq!(r.duplicates.iter().filter(|d| d.key == "x").count(), 100);
    }

    #[test]
    fn equal_hashes_of_different_keys_are_not_duplicates() {
        let mut keys = KeyStack::default();
        let mut obj = keys.open();
        let add = |keys: &mut KeyStack, obj: &mut ObjectKeys, k: &str| {
            let start = keys.bytes.len();
            keys.bytes.extend_from_slice(k.as_bytes());
            let (dup, _) = keys.insert(obj, start);
            if dup {
                keys.bytes.truncate(start);
            }
            dup
        };
        assert!(!add(&mut keys, &mut obj, "alpha"));
        // Make "beta" collide with "alpha" in the linear search...
        keys.index[0].0 = key_hash(b"beta");
        assert!(!add(&mut keys, &mut obj, "beta"));
        assert!(add(&mut keys, &mut obj, "beta"));
        for i in 0..LINEAR_KEYS {
            assert!(!add(&mut keys, &mut obj, &format!("k{i}")));
        }
        // ...and "zeta" with something already in the hash set.
        assert!(obj.hashes.is_some());
        obj.hashes.as_mut().unwrap().insert(key_hash(b"zeta"));
        assert!(!add(&mut keys, &mut obj, "zeta"));
        assert!(add(&mut keys, &mut obj, "zeta"));
        assert!(add(&mut keys, &mut obj, "k3"));
        keys.close(obj);
        assert!(keys.bytes.is_empty() && keys.index.is_empty());
    }

    #[test]
    fn invalid_utf8_split_across_chunks_is_found() {
        // A 3-byte sequence whose third byte is wrong, placed across the first buffer boundary.
        let mut doc = b"[\"".to_vec();
        doc.extend(std::iter::repeat_n(b'a', BUF_SIZE - 3));
        doc.extend_from_slice(&[0xE2, 0x82, b'x', b'"', b']']);
        let r = check(&doc);
        assert_eq!(r.error.map(|e| e.kind), Some(SyntaxErrorKind::InvalidUtf8));
        // The same sequence completed correctly is fine.
        let mut ok = b"[\"".to_vec();
        ok.extend(std::iter::repeat_n(b'a', BUF_SIZE - 3));
        ok.extend_from_slice(&[0xE2, 0x82, 0xAC, b'"', b']']);
        assert_eq!(check(&ok).error, None);
    }
}
