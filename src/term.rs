//! Text bound for a terminal, shared by the renderers and the prompts (which must not depend on
//! the renderer): every string from the files stripped of what could steer the terminal.

/// Removes characters that could move the cursor, change colours, break a line or reorder text:
/// C0 and C1 controls (except none: tabs and newlines in file data are also suspicious), DEL, the
/// line and paragraph separators U+2028 and U+2029, and the Unicode bidirectional overrides,
/// isolates and marks.
pub fn sanitize(s: &str) -> String {
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
