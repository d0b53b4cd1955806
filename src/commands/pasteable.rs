//! Every command we print for the user to run next (`fix --dry-run`, `restore ID`, `login NAME`,
//! the `next:` lines) must work when pasted into the same shell: it has to look at the same
//! files this run looked at. This inserts the location flags of this run (`--home`,
//! `--config-dir`, `--project`, `--managed-dir`) after `mcp-auth-doctor` wherever a subcommand
//! follows it, quoted for a POSIX shell.

use std::borrow::Cow;

use crate::checks::shell_quote;
use crate::paths::Overrides;
// The JSON members whose text is shown to people as commands to run: they get the same flags
// the human output's commands get, so a script can show or run them as they are (named where
// the writer puts the flags in as it writes: `render::json::Edits`).
use crate::render::json::COMMAND_FIELDS as JSON_COMMAND_FIELDS;

const PROGRAM: &str = "mcp-auth-doctor";

/// The location flags of this run, each followed by a space (empty when none was given).
pub fn flags(overrides: &Overrides) -> String {
    let mut out = String::new();
    for (flag, value) in [
        ("--home", &overrides.home),
        ("--config-dir", &overrides.config_dir),
        ("--project", &overrides.project),
        ("--managed-dir", &overrides.managed_dir),
    ] {
        if let Some(path) = value {
            out.push_str(flag);
            out.push(' ');
            out.push_str(&shell_quote(&path.to_string_lossy()));
            out.push(' ');
        }
    }
    for file in &overrides.mcp_config {
        out.push_str("--mcp-config ");
        out.push_str(&shell_quote(&file.to_string_lossy()));
        out.push(' ');
    }
    out
}

/// `text` with this run's location flags in every `mcp-auth-doctor SUBCOMMAND` it mentions
/// ([`crate::render::style::insert_flags`], which [`crate::render::style::wrap`] also applies
/// before wrapping, so that wrapped text holds its width; inserting twice changes nothing).
pub fn pasteable(text: &str, overrides: &Overrides) -> String {
    pasteable_cow(text, overrides).into_owned()
}

/// [`pasteable`], borrowed when nothing goes in (a human report has its flags from `wrap`
/// already: no copy of it).
pub fn pasteable_cow<'a>(text: &'a str, overrides: &Overrides) -> Cow<'a, str> {
    crate::render::style::insert_flags_cow(text, &flags(overrides))
}

/// `doc` (one JSON document as we print it) with this run's location flags in the commands of
/// its [`JSON_COMMAND_FIELDS`]; anything that is not such a document is returned as it is, and
/// so is a document with nothing to change (borrowed: no copy of a report-sized text).
///
/// Edits the text in place of parsing it into a tree and printing it again (which cost a
/// 1,000-entry report a parse, a walk and a second serialisation: issue 15). It relies on the
/// layout [`crate::render::json::to_string`] gives every document: pretty-printed, so every
/// member of an object starts its own line, `"key": value`, and a string never holds a raw line
/// break. A line that starts (after its indent) with `"note": "` is therefore that member, at
/// any depth, exactly where the tree walk found it; only its string is re-encoded. Only a string
/// that mentions `mcp-auth-doctor` can change, and JSON never escapes a character of that name,
/// so the lines looked at are those where the name occurs, not every line of the document.
pub fn pasteable_json<'a>(doc: &'a str, overrides: &Overrides) -> Cow<'a, str> {
    if flags(overrides).is_empty() || !doc.contains(PROGRAM) {
        return Cow::Borrowed(doc);
    }
    // Validate without building a tree: text that is not JSON is returned as it is.
    if serde_json::from_str::<serde::de::IgnoredAny>(doc).is_err() {
        return Cow::Borrowed(doc);
    }
    pasteable_json_lines(doc, &flags(overrides))
}

/// [`pasteable_json`] of whole lines of a document [`crate::render::json::to_string`] printed
/// (or [`crate::render::json::write_pretty`] is writing), with the run's [`flags`]: no check
/// that the text is JSON, since it is known to be (a document streamed to stdout in chunks of
/// lines; each member and each of its strings is on one line, so a chunk of whole lines holds
/// every string it edits whole).
pub fn pasteable_json_lines<'a>(doc: &'a str, flags: &str) -> Cow<'a, str> {
    static NAME: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
        std::sync::LazyLock::new(|| memchr::memmem::Finder::new(PROGRAM));
    if flags.is_empty() {
        return Cow::Borrowed(doc);
    }
    // Allocated at the first string that changes.
    let mut out: Option<String> = None;
    let mut copied = 0;
    let mut search = 0;
    // The last string edited, as it is in `doc`, and what it became (`None`: unchanged).
    let mut last_edit: Option<(&str, Option<String>)> = None;
    // With SIMD: the name is on every other line of a report with actions (issue 15).
    while let Some(found) = NAME.find(&doc.as_bytes()[search..]) {
        let mention = search + found;
        search = mention + PROGRAM.len();
        let line = doc[..mention].rfind('\n').map_or(0, |nl| nl + 1);
        let member = doc[line..].trim_start_matches(' ');
        let at = doc.len() - member.len();
        let Some(field) = JSON_COMMAND_FIELDS.iter().find(|f| {
            member
                .strip_prefix('"')
                .and_then(|m| m.strip_prefix(**f))
                .is_some_and(|m| m.starts_with("\": \""))
        }) else {
            continue;
        };
        let open = at + field.len() + 4;
        let Some(len) = string_len(&doc[open..]) else {
            continue;
        };
        if mention < open || mention >= open + len {
            continue; // the name, on this member's line but not in its string
        }
        search = open + len;
        let literal = &doc[open..open + len];
        // The notes of a report's actions are mostly the same few sentences: the last one's
        // edit is used again (one allocation and one pass of the flags per note were most of
        // this edit; issue 15).
        if let Some((last, edited)) = &last_edit
            && *last == literal
        {
            if let Some(edited) = edited {
                let o = out.get_or_insert_with(|| String::with_capacity(doc.len() + 1024));
                o.push_str(&doc[copied..open]);
                o.push_str(edited);
                copied = open + len;
            }
            continue;
        }
        // A string with no escape and no control character is its own text: no parse (this
        // ran for every note of a 1,000-entry report; issue 15).
        let body = &doc[open + 1..open + len - 1];
        let plain = body
            .bytes()
            .fold(true, |plain, b| plain & (b >= 0x20) & (b != b'\\'));
        let text = if plain {
            Cow::Borrowed(body)
        } else {
            match serde_json::from_str::<String>(&doc[open..open + len]) {
                Ok(text) => Cow::Owned(text),
                Err(_) => continue,
            }
        };
        let pasted = crate::render::style::insert_flags(&text, flags);
        let edited = (pasted != *text).then(|| crate::render::json::string(&pasted));
        if let Some(edited) = &edited {
            let o = out.get_or_insert_with(|| String::with_capacity(doc.len() + 1024));
            o.push_str(&doc[copied..open]);
            o.push_str(edited);
            copied = open + len;
        }
        last_edit = Some((literal, edited));
    }
    match out {
        None => Cow::Borrowed(doc),
        Some(mut o) => {
            o.push_str(&doc[copied..]);
            Cow::Owned(o)
        }
    }
}

/// The length of the JSON string literal `text` starts with (its quotes included).
fn string_len(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut i = 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'"' => return Some(i + 1),
            _ => i += 1,
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What [`pasteable_json`] did before it edited the text: parse, walk, print again.
    fn pasteable_json_by_tree(doc: &str, overrides: &Overrides) -> String {
        if flags(overrides).is_empty() || !doc.contains(PROGRAM) {
            return doc.to_string();
        }
        let Ok(mut value) = serde_json::from_str::<serde_json::Value>(doc) else {
            return doc.to_string();
        };
        fn walk(v: &mut serde_json::Value, overrides: &Overrides) {
            match v {
                serde_json::Value::Object(m) => {
                    for (k, x) in m.iter_mut() {
                        match x {
                            serde_json::Value::String(s)
                                if JSON_COMMAND_FIELDS.contains(&k.as_str()) =>
                            {
                                *s = pasteable(s, overrides);
                            }
                            _ => walk(x, overrides),
                        }
                    }
                }
                serde_json::Value::Array(a) => a.iter_mut().for_each(|x| walk(x, overrides)),
                _ => {}
            }
        }
        walk(&mut value, overrides);
        crate::render::json::to_string(&value)
    }

    #[test]
    fn editing_the_text_gives_what_the_tree_walk_gave() {
        let o = overrides("/tmp/my \"home\" \u{202e}x");
        let docs = [
            serde_json::json!({
                "note": "`mcp-auth-doctor fix` first",
                "servers": [
                    {"next_step": "`mcp-auth-doctor login a\"b`\n\u{85}", "note": null},
                    {"next_step": {"note": "mcp-auth-doctor restore 1", "next_step": 3}},
                    ["note", "\n  \"note\": \"mcp-auth-doctor fix\"", "next_step"],
                    {"notes": "mcp-auth-doctor fix", "next_stepx": "mcp-auth-doctor fix"},
                    {"x": "\"note\": \"mcp-auth-doctor fix", "note": "\\\"mcp-auth-doctor fix\\"},
                ],
                "z": {"note": "no command", "next_step": "mcp-auth-doctor\n  fix", "n": 1e300},
                "\u{feff}note": "mcp-auth-doctor fix",
                "empty": {}, "list": [], "note2": "mcp-auth-doctor fix",
                "mcp-auth-doctor": {"note": "mcp-auth-doctor fix, then mcp-auth-doctor restore 1"},
                "mcp-auth-doctor fix": "mcp-auth-doctor fix"
            }),
            serde_json::json!(["mcp-auth-doctor fix", {"note": "mcp-auth-doctor fix"}]),
            serde_json::json!({"note": "nothing to run"}),
            // The same strings again (the last edit used again), changed or not, escaped or
            // not, under the same member or another.
            serde_json::json!([
                {"note": "mcp-auth-doctor fix"}, {"note": "mcp-auth-doctor fix"},
                {"note": "mcp-auth-doctor"}, {"note": "mcp-auth-doctor"},
                {"next_step": "mcp-auth-doctor fix"}, {"note": "mcp-auth-doctor fix"},
                {"note": "a \"mcp-auth-doctor fix\""}, {"note": "a \"mcp-auth-doctor fix\""},
                {"notes": "mcp-auth-doctor fix"}, {"note": "mcp-auth-doctor fix"},
            ]),
        ];
        for value in docs {
            let doc = crate::render::json::to_string(&value);
            for o in [&o, &overrides("/h"), &Overrides::default()] {
                assert_eq!(
                    pasteable_json(&doc, o),
                    pasteable_json_by_tree(&doc, o),
                    "{doc}"
                );
            }
        }
        for broken in [
            "{\"note\": \"mcp-auth-doctor fix\"",
            "mcp-auth-doctor fix",
            "[1,]",
        ] {
            assert_eq!(pasteable_json(broken, &o), broken);
        }
    }
    use std::path::PathBuf;

    fn overrides(home: &str) -> Overrides {
        Overrides {
            home: Some(PathBuf::from(home)),
            project: Some(PathBuf::from("/w/app")),
            ..Overrides::default()
        }
    }

    #[test]
    fn inserts_the_flags_before_every_subcommand_and_quotes_them() {
        let o = overrides("/tmp/my home");
        assert_eq!(
            pasteable(
                "run `mcp-auth-doctor fix --dry-run`; undo: mcp-auth-doctor restore 1\n",
                &o
            ),
            "run `mcp-auth-doctor --home '/tmp/my home' --project /w/app fix --dry-run`; undo: \
             mcp-auth-doctor --home '/tmp/my home' --project /w/app restore 1\n"
        );
    }

    #[test]
    fn finds_a_subcommand_wrapped_onto_the_next_line() {
        assert_eq!(
            pasteable(
                "then `mcp-auth-doctor\n      fix` once more",
                &overrides("/h")
            ),
            "then `mcp-auth-doctor\n      --home /h --project /w/app fix` once more"
        );
    }

    #[test]
    fn json_next_steps_and_notes_get_the_flags_and_nothing_else_changes() {
        let o = overrides("/tmp/my home");
        let doc = crate::render::json::to_string(&serde_json::json!({
            "z": "mcp-auth-doctor fix",
            "servers": [{"next_step": "`mcp-auth-doctor login linear`", "n": 1.5}],
            "action": {"note": "`mcp-auth-doctor restore --latest` brings it back"},
        }));
        let out: serde_json::Value = serde_json::from_str(&pasteable_json(&doc, &o)).unwrap();
        assert_eq!(
            out["servers"][0]["next_step"],
            "`mcp-auth-doctor --home '/tmp/my home' --project /w/app login linear`"
        );
        assert_eq!(
            out["action"]["note"],
            "`mcp-auth-doctor --home '/tmp/my home' --project /w/app restore --latest` brings it \
             back"
        );
        assert_eq!(out["z"], "mcp-auth-doctor fix", "only the command fields");
        assert_eq!(out["servers"][0]["n"], 1.5);
        assert_eq!(pasteable_json(&doc, &Overrides::default()), doc);
        assert_eq!(
            pasteable_json("not json mcp-auth-doctor fix", &o),
            "not json mcp-auth-doctor fix"
        );
    }

    #[test]
    fn leaves_everything_else_alone() {
        let o = overrides("/h");
        for text in [
            "mcp-auth-doctor: error: nothing",
            "mcp-auth-doctor --list-checks",
            "no program here",
            "ends with mcp-auth-doctor ",
            "mcp-auth-doctorfix",
        ] {
            assert_eq!(pasteable(text, &o), text);
        }
        assert_eq!(
            pasteable("mcp-auth-doctor fix", &Overrides::default()),
            "mcp-auth-doctor fix"
        );
    }
}
