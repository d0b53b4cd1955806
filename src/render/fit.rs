//! Fitting a Markdown report into a GitHub issue body (65,536 characters): long tables are
//! folded into `<details>`, and what still does not fit is cut at a line, every open
//! `<details>` closed, with a note of what was left out. Runs on the finished text (after
//! anonymising and redaction, which change its length).

/// GitHub's limit for an issue or comment body, in characters.
pub const ISSUE_BODY_MAX: usize = 65_536;

/// A table with more rows than this is folded when the report is too long.
const LONG_TABLE_ROWS: usize = 20;

/// Room kept for the closing tags and the note when cutting.
const NOTE_ROOM: usize = 1_000;

/// `md`, at most `max` characters long.
pub fn fit(md: &str, max: usize) -> String {
    if md.chars().count() <= max {
        return md.to_string();
    }
    let folded = fold_long_tables(md);
    if folded.chars().count() <= max {
        return folded;
    }
    cut(&folded, max)
}

/// Wraps each table of more than [`LONG_TABLE_ROWS`] rows in `<details>`, its summary naming the
/// section and the number of rows.
fn fold_long_tables(md: &str) -> String {
    let lines: Vec<&str> = md.split_inclusive('\n').collect();
    let mut out = String::with_capacity(md.len() + 256);
    let mut section = "";
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        if let Some(h) = line.strip_prefix("## ") {
            section = h.trim();
        }
        if !line.starts_with('|') {
            out.push_str(line);
            i += 1;
            continue;
        }
        let end = lines[i..]
            .iter()
            .position(|l| !l.starts_with('|'))
            .map_or(lines.len(), |n| i + n);
        // Header and delimiter rows are not data.
        let rows = (end - i).saturating_sub(2);
        if rows > LONG_TABLE_ROWS {
            out.push_str(&format!(
                "<details><summary>{section}: {rows} rows</summary>\n\n"
            ));
            for l in &lines[i..end] {
                out.push_str(l);
            }
            out.push_str("\n</details>\n");
        } else {
            for l in &lines[i..end] {
                out.push_str(l);
            }
        }
        i = end;
    }
    out
}

/// Keeps whole lines while they fit, closes the `<details>` left open, and says what is missing.
fn cut(md: &str, max: usize) -> String {
    let budget = max.saturating_sub(NOTE_ROOM);
    let lines: Vec<&str> = md.split_inclusive('\n').collect();
    let mut out = String::new();
    let mut used = 0;
    let mut open = 0usize;
    let mut section = String::new();
    let mut kept = 0;
    for line in &lines {
        let n = line.chars().count();
        if used + n > budget {
            break;
        }
        if let Some(h) = line.strip_prefix("## ") {
            section = h.trim().to_string();
        }
        open += line.matches("<details>").count();
        open = open.saturating_sub(line.matches("</details>").count());
        out.push_str(line);
        used += n;
        kept += 1;
    }
    let later: Vec<String> = lines[kept..]
        .iter()
        .filter_map(|l| l.strip_prefix("## "))
        .map(|h| format!("\"{}\"", h.trim()))
        .collect();
    if !out.ends_with('\n') {
        out.push('\n');
    }
    out.push('\n');
    for _ in 0..open {
        out.push_str("</details>\n\n");
    }
    let mut note = format!(
        "---\n\n**This report was cut to fit a GitHub issue ({} characters).** Left out: {} of {} \
         lines, from part of \"{section}\" on",
        group_thousands(max),
        lines.len() - kept,
        lines.len()
    );
    if !later.is_empty() {
        note.push_str(&format!(", including {}", later.join(", ")));
    }
    note.push_str(
        ". `mcp-auth-doctor report --format json -o report.json` writes everything: attach that \
         file as well.\n",
    );
    out.push_str(&note);
    out
}

fn group_thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(rows: usize) -> String {
        let mut t = String::from("| A | B |\n|---|---|\n");
        for i in 0..rows {
            t.push_str(&format!("| {i} | {} |\n", "x".repeat(40)));
        }
        t
    }

    #[test]
    fn a_short_report_is_left_alone() {
        let md = format!("# R\n\n## Servers\n\n{}", table(30));
        assert_eq!(fit(&md, 100_000), md);
    }

    #[test]
    fn long_tables_fold_first() {
        let md = format!(
            "# R\n\n## Servers\n\n{}\n## Files\n\n{}",
            table(30),
            table(3)
        );
        let out = fit(&md, md.chars().count() - 1);
        assert!(out.contains("<details><summary>Servers: 30 rows</summary>\n\n| A | B |"));
        assert!(!out.contains("Files: 3 rows"), "{out}");
    }

    #[test]
    fn a_cut_closes_what_it_opened_and_says_what_is_missing() {
        let md = format!(
            "# R\n\n## Findings\n\n<details><summary>a</summary>\n\n{}\n</details>\n\n## Plan\n\nx\n",
            "long line\n".repeat(2_000)
        );
        let out = fit(&md, 5_000);
        assert!(out.chars().count() <= 5_000, "{}", out.chars().count());
        assert_eq!(
            out.matches("<details>").count(),
            out.matches("</details>").count()
        );
        assert!(
            out.contains("from part of \"Findings\" on, including \"Plan\""),
            "{out}"
        );
        assert!(out.contains("5,000 characters"));
    }
}
