//! The kinds of syntax error the scanner reports, with their stable codes and descriptions.

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
    /// Valid for `JSON.parse`, but not representable here (a number beyond a double's range, a
    /// lone surrogate escape, nesting beyond serde_json's limit). Claude Code reads the file.
    Unsupported,
}

impl SyntaxErrorKind {
    /// Whether Claude Code's `JSON.parse` still accepts the file (only this tool cannot read it).
    pub fn claude_reads_it(self) -> bool {
        matches!(self, Self::TooDeep | Self::Unsupported)
    }

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
            Self::Unsupported => "unsupported",
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
            Self::Unsupported => {
                "a value this tool cannot represent (a number beyond a double's range, a lone \
                 surrogate escape, or very deep nesting)"
                    .into()
            }
        }
    }
}
