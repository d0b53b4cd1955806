//! Text bound for a terminal, shared by the renderers and the prompts (which must not depend on
//! the renderer): every string from the files stripped of what could steer the terminal.

/// Removes characters that could move the cursor, change colours, break a line or reorder text:
/// C0 and C1 controls (except none: tabs and newlines in file data are also suspicious), DEL, the
/// line and paragraph separators U+2028 and U+2029, and the Unicode bidirectional overrides,
/// isolates and marks.
pub fn sanitize(s: &str) -> String {
    // Printable ASCII holds none of them: copied whole (most names, paths and urls are).
    // Without an early exit the test is a few vector compares, not a branch per byte.
    if s.bytes()
        .fold(true, |all, b| all & (0x20..0x7f).contains(&b))
    {
        return s.to_owned();
    }
    sanitize_chars(s)
}

/// [`sanitize`] a character at a time.
fn sanitize_chars(s: &str) -> String {
    s.chars()
        .map(|c| {
            let bidi = matches!(c,
                '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{61C}');
            if c.is_control() || bidi || matches!(c, '\u{2028}' | '\u{2029}') {
                '\u{FFFD}'
            } else {
                c
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_what_moves_the_cursor_or_reorders_text() {
        assert_eq!(
            sanitize("a\x1b[2Jb\tc\u{202E}d\u{85}e\u{2028}f\x7f"),
            "a\u{FFFD}[2Jb\u{FFFD}c\u{FFFD}d\u{FFFD}e\u{FFFD}f\u{FFFD}"
        );
        assert_eq!(sanitize("plain ascii ~ ok"), "plain ascii ~ ok");
        assert_eq!(sanitize("caf\u{e9} \u{1F600}"), "caf\u{e9} \u{1F600}");
    }

    /// The printable-ASCII shortcut gives what the character loop gives, for every ASCII
    /// character alone and beside a non-ASCII one.
    #[test]
    fn the_ascii_shortcut_agrees_with_the_character_loop() {
        for b in 0u8..0x80 {
            let c = char::from(b);
            for s in [format!("x{c}y"), format!("{c}\u{e9}")] {
                assert_eq!(sanitize(&s), sanitize_chars(&s), "{b:#x}");
            }
        }
    }
}
