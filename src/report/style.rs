//! Terminal presentation: colour only when asked or on a terminal without `NO_COLOR`, every string
//! from the files stripped of control characters, and long sentences wrapped.

/// Removes characters that could move the cursor, change colours or reorder text: C0 and C1
/// controls (except none: tabs and newlines in file data are also suspicious), DEL, and the
/// Unicode bidirectional overrides.
pub fn sanitize(s: &str) -> String {
    s.chars()
        .map(|c| {
            let bidi = matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}');
            if c.is_control() || bidi {
                '\u{FFFD}'
            } else {
                c
            }
        })
        .collect()
}

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

/// The width text is laid out for.
pub const WIDTH: usize = 100;

/// Wraps `text` to `width` columns; every line after the first starts with `indent`.
pub fn wrap(text: &str, width: usize, indent: &str) -> String {
    let mut out = String::new();
    let mut col = 0;
    for word in text.split(' ').filter(|w| !w.is_empty()) {
        let len = word.chars().count();
        if col > 0 && col + 1 + len > width {
            out.push('\n');
            out.push_str(indent);
            col = indent.chars().count();
        } else if col > 0 {
            out.push(' ');
            col += 1;
        }
        out.push_str(word);
        col += len;
    }
    out
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
mod tests {
    use super::*;

    #[test]
    fn strips_terminal_controls() {
        assert_eq!(
            sanitize("ok\x1b[31mred\u{202E}x"),
            "ok\u{FFFD}[31mred\u{FFFD}x"
        );
        assert_eq!(sanitize("Ünï cödé"), "Ünï cödé");
    }

    #[test]
    fn wraps_words() {
        assert_eq!(wrap("aa bb cc dd", 5, "  "), "aa bb\n  cc\n  dd");
    }
}
