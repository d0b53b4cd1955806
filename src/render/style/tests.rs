//! Tests of [`super`]: wrapping, fitting to the page, the flags in pasted commands.

use super::*;

/// [`units`] as it was, by `split(' ')`: the reference for the byte loop.
fn units_by_split(text: &str) -> Vec<(usize, &str)> {
    let mut out: Vec<(usize, &str)> = Vec::new();
    let (mut last_start, mut spaces, mut at) = (0usize, 0usize, 0usize);
    let mut open = false;
    let mut command: Option<Command> = None;
    for word in text.split(' ') {
        let start = at;
        at += word.len() + 1;
        if word.is_empty() {
            spaces += 1;
            continue;
        }
        let joins = open || command.as_mut().is_some_and(|c| c.takes(word));
        match out.last_mut() {
            Some((_, unit)) if joins => *unit = &text[last_start..start + word.len()],
            _ => {
                command = None;
                last_start = start;
                out.push((spaces, word));
            }
        }
        spaces = 1;
        if word.bytes().filter(|&b| b == b'`').count() % 2 == 1 {
            open = !open;
        }
        if !open && command.is_none() && word == PROGRAM {
            command = Some(Command::default());
        }
        if command.as_ref().is_some_and(|c| c.ended) {
            command = None;
        }
    }
    out
}

/// [`insert_flags`] as it was, copying as it went: the reference for the borrowing one.
fn insert_flags_by_copy(text: &str, flags: &str) -> String {
    if flags.is_empty() || !text.contains(PROGRAM) {
        return text.to_string();
    }
    let mut out = String::new();
    let mut rest = text;
    while let Some(at) = rest.find(PROGRAM) {
        let after = &rest[at + PROGRAM.len()..];
        let gap = after.len() - after.trim_start_matches([' ', '\n']).len();
        let (space, after) = after.split_at(gap);
        out.push_str(&rest[..at + PROGRAM.len()]);
        out.push_str(space);
        let word = after
            .split(|c: char| !c.is_ascii_alphanumeric() && c != '-')
            .next()
            .unwrap_or("");
        if gap > 0 && SUBCOMMANDS.contains(&word) {
            out.push_str(flags);
        }
        rest = after;
    }
    out.push_str(rest);
    out
}

#[test]
fn flags_go_where_the_copying_insert_put_them() {
    let pieces = [
        "mcp-auth-doctor",
        " ",
        "\n",
        "fix",
        "restore",
        "--home",
        "x",
        "`",
        "mcp-auth-doctorfix",
        "é",
        "status,",
        "  ",
    ];
    for a in pieces {
        for b in pieces {
            for c in pieces {
                let text = format!("{a}{b}{c} then mcp-auth-doctor {b}{a}");
                for flags in ["", "--home /h "] {
                    let got = insert_flags_cow(&text, flags);
                    assert_eq!(got, insert_flags_by_copy(&text, flags), "{text:?}");
                    let twice = insert_flags(&got, flags);
                    assert_eq!(twice, got, "inserting twice changes nothing: {text:?}");
                }
            }
        }
    }
}

#[test]
fn units_are_those_split_by_spaces_gave() {
    let words = [
        "",
        " ",
        "  ",
        "`",
        "``",
        "a`b",
        "`x y`",
        "mcp-auth-doctor",
        "fix",
        "restore",
        "--home",
        "/h",
        "--latest,",
        "probe",
        "name).",
        "é→",
        "\u{85}",
        "x\ny",
        "done.",
    ];
    for a in words {
        for b in words {
            for c in words {
                for sep in [" ", "  "] {
                    let text = [a, b, c, "mcp-auth-doctor", a, c].join(sep);
                    assert_eq!(units(&text), units_by_split(&text), "{text:?}");
                    assert_eq!(char_count(&text), text.chars().count());
                }
            }
        }
    }
}

#[test]
fn strips_terminal_controls() {
    assert_eq!(
        sanitize("ok\x1b[31mred\u{202E}x"),
        "ok\u{FFFD}[31mred\u{FFFD}x"
    );
    assert_eq!(sanitize("Ünï cödé"), "Ünï cödé");
    // Line and paragraph separators break a line in some terminals; bidi marks reorder text.
    assert_eq!(
        sanitize("a\u{2028}b\u{2029}c\u{200F}d\u{200E}e\u{61C}f\u{85}g"),
        "a\u{FFFD}b\u{FFFD}c\u{FFFD}d\u{FFFD}e\u{FFFD}f\u{FFFD}g"
    );
    // A zero-width joiner inside an emoji is kept.
    assert_eq!(sanitize("👩\u{200D}💻"), "👩\u{200D}💻");
}

#[test]
fn page_width_comes_from_columns_then_the_terminal() {
    assert_eq!(detect_page_width(Some("80"), Some(120)), 80);
    assert_eq!(detect_page_width(Some("junk"), Some(120)), 120);
    assert_eq!(detect_page_width(Some("0"), None), WIDTH);
    assert_eq!(detect_page_width(None, None), WIDTH);
    assert_eq!(detect_page_width(Some("12"), None), MIN_PAGE);
}

#[test]
fn fits_long_lines_to_the_page_after_the_fact() {
    // The page is WIDTH (100) unless the binary set it: these lines are built around that.
    let long = format!("    - {}  (code)", ["word"; 30].join(" "));
    let fitted = fit_to_page(&format!("short\n{long}\n"));
    let lines: Vec<&str> = fitted.lines().collect();
    assert_eq!(lines[0], "short");
    assert!(lines.iter().all(|l| l.chars().count() <= WIDTH), "{fitted}");
    assert!(lines[1].starts_with("    - word"), "{fitted}");
    assert!(lines[2].starts_with("      word"), "two deeper: {fitted}");
    assert!(
        fitted.ends_with("word  (code)\n"),
        "double spaces kept: {fitted}"
    );
    let token = format!("  {}", "x".repeat(WIDTH + 5));
    assert_eq!(
        fit_to_page(&token),
        token,
        "an unbreakable word stays whole"
    );
    let coloured = format!("\x1b[2m{}\x1b[0m", "y".repeat(WIDTH - 2));
    assert_eq!(
        fit_to_page(&coloured),
        coloured,
        "escape codes take no columns"
    );
}

#[test]
fn wraps_words() {
    assert_eq!(wrap("aa bb cc dd", 5, "  "), "aa bb\n  cc\n  dd");
}

/// A piece is the text's own slice: runs of spaces inside it stay as they were, and the
/// spaces before each piece are counted.
#[test]
fn a_piece_keeps_its_spaces() {
    assert_eq!(
        units("  x `a  b`   mcp-auth-doctor  fix y"),
        [
            (2, "x"),
            (1, "`a  b`"),
            (3, "mcp-auth-doctor  fix"),
            (1, "y")
        ]
    );
}

#[test]
fn a_command_is_never_broken() {
    let pieces =
        |t: &str| -> Vec<String> { units(t).into_iter().map(|(_, u)| u.to_string()).collect() };
    assert_eq!(
        pieces("run `mcp-auth-doctor fix --dry-run` now"),
        ["run", "`mcp-auth-doctor fix --dry-run`", "now"]
    );
    assert_eq!(
        pieces("Undo:   mcp-auth-doctor restore 20260601T120000Z-1 then"),
        [
            "Undo:",
            "mcp-auth-doctor restore 20260601T120000Z-1",
            "then"
        ]
    );
    assert_eq!(
        pieces("(undo: mcp-auth-doctor restore 7) and more"),
        ["(undo:", "mcp-auth-doctor restore 7)", "and", "more"]
    );
    assert_eq!(
        pieces("so mcp-auth-doctor never writes"),
        ["so", "mcp-auth-doctor", "never", "writes"]
    );
    assert_eq!(
        pieces("x mcp-auth-doctor --home /h fix --server a b"),
        ["x", "mcp-auth-doctor --home /h fix --server a", "b"],
        "with the location flags made pasteable"
    );
    assert_eq!(
        pieces("mcp-auth-doctor fix --server a b"),
        ["mcp-auth-doctor fix --server a", "b"]
    );
    // Too long for the width: on a line of its own, whole.
    let text = "see `mcp-auth-doctor login some-server --no-browser` next";
    assert_eq!(
        wrap(text, 20, "  ").lines().collect::<Vec<_>>(),
        [
            "see",
            "  `mcp-auth-doctor login some-server --no-browser`",
            "  next"
        ]
    );
}
