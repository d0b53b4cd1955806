//! The document's strings edited one by one against the edits of its whole text (what
//! `Document` did before: `commands::pasteable::pasteable_json_lines`, then `redact::output`),
//! and secrets planted in every kind of string the serializer writes.

use serde::Serialize;
use serde_json::{Value, json};

use crate::render::json::{Edits, to_string};
use crate::test_rng::Rng;

/// A JWT and a long random run: what `redact::free_text` fingerprints.
const JWT: &str = "eyJhbGciOiJIUzI1NiJ9.CANARYeyJzdWIiOiIxIn0.c2lnbmF0dXJl";
const RUN: &str = "CANARYa1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6";

/// What a string of a test document is made of: URLs with secrets in each part, token shapes,
/// commands that get flags, JSON escapes and invisible characters beside them.
const PIECES: &[&str] = &[
    "plain words",
    " ",
    "x",
    "é",
    "→",
    "\u{202e}",
    "\n",
    "\"",
    "\\",
    ":",
    "//",
    "https://mcp.example/mcp",
    "https://user:CANARYpw@mcp.example/mcp",
    "https://mcp.example/s/CANARYpath/mcp",
    "https://mcp.example/mcp?api_key=CANARYq&x",
    "http://h.example/a#CANARYfrag",
    "https://mcp.example/0123456789abcdefCANARY0123456789/mcp",
    JWT,
    RUN,
    "ey",
    "J",
    "aB3_-9aB3_-9aB3_",
    "`mcp-auth-doctor restore --latest`",
    "mcp-auth-doctor fix",
    "mcp-auth-doctor",
    ").",
];

/// The commands among [`PIECES`], drawn more often.
const COMMANDS: &[&str] = &[
    "`mcp-auth-doctor restore --latest`",
    "mcp-auth-doctor fix",
    "mcp-auth-doctor\nlogin x",
];

fn text(rng: &mut Rng) -> String {
    (0..rng.below(6))
        .map(|_| match rng.below(5) {
            0 => COMMANDS[rng.below(COMMANDS.len())],
            _ => PIECES[rng.below(PIECES.len())],
        })
        .collect()
}

/// Keys: the command members, and any other text.
fn key(rng: &mut Rng) -> String {
    match rng.below(4) {
        0 => "note".into(),
        1 => "next_step".into(),
        _ => text(rng),
    }
}

fn value(rng: &mut Rng, depth: usize) -> Value {
    match rng.below(if depth >= 4 { 4 } else { 6 }) {
        0 => Value::Null,
        1 => [json!(12345678901234567890u64), json!(-7), json!(1.5e300)][rng.below(3)].clone(),
        2 | 3 => Value::String(text(rng)),
        4 => Value::Array((0..rng.below(4)).map(|_| value(rng, depth + 1)).collect()),
        _ => Value::Object(
            (0..rng.below(4))
                .map(|_| {
                    let key = key(rng);
                    // A command member's value is mostly a string, as in a report.
                    let value = match rng.below(2) {
                        0 if super::is_command_field(&key) => Value::String(text(rng)),
                        _ => value(rng, depth + 1),
                    };
                    (key, value)
                })
                .collect(),
        ),
    }
}

/// The document as `write_check` writes it, with `edits`.
fn edited(value: &(impl Serialize + ?Sized), edits: &Edits) -> String {
    let mut out = Vec::new();
    super::super::write_edited(&mut out, value, edits).expect("serialises");
    out.push(b'\n');
    String::from_utf8(out).expect("UTF-8")
}

/// The document with `edits` applied to its whole text, as before.
fn edited_whole(value: &impl Serialize, edits: &Edits) -> String {
    let text = to_string(value);
    let pasted = crate::commands::pasteable::pasteable_json_lines(&text, &edits.flags);
    if edits.redact {
        crate::redact::output(&pasted).into_owned()
    } else {
        pasted.into_owned()
    }
}

fn all_edits() -> [Edits; 3] {
    let flags = "--home '/tmp/h o/CANARYaaaa1111bbbb2222cccc3333dddd4444' ".to_string();
    [
        Edits {
            flags: String::new(),
            redact: true,
        },
        Edits {
            flags: flags.clone(),
            redact: true,
        },
        Edits {
            flags,
            redact: false,
        },
    ]
}

#[test]
fn strings_edited_one_by_one_give_the_text_edited_whole() {
    let mut rng = Rng::new(0x51ab_c0de_7e57_0001);
    let (mut redacted, mut pasted) = (0, 0);
    for _ in 0..6_000 {
        let doc = value(&mut rng, 0);
        let plain = to_string(&doc);
        for edits in &all_edits() {
            let want = edited_whole(&doc, edits);
            let got = edited(&doc, edits);
            assert!(got == want, "{edits:?}\nwant:\n{want}\ngot:\n{got}");
            redacted += usize::from(edits.redact && want.len() != plain.len());
            pasted += usize::from(!edits.redact && want != plain);
        }
    }
    // The corpus exercises both edits (the comparison could not fail otherwise).
    assert!(redacted > 1_000 && pasted > 150, "{redacted} {pasted}");
}

/// Every kind of string the serializer writes: values, keys of maps, elements, `Display`
/// values, characters' neighbours, variants' names and contents, the command members' strings.
#[derive(Serialize)]
struct EveryKind {
    value: String,
    list: Vec<String>,
    map: std::collections::BTreeMap<String, String>,
    #[serde(serialize_with = "by_display")]
    shown: String,
    note: String,
    next_step: Option<String>,
    variant: Variant,
    tuple: (String, char),
}

#[derive(Serialize)]
enum Variant {
    Newtype(String),
}

fn by_display<S: serde::Serializer>(text: &str, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(&format_args!("{text}"))
}

#[test]
fn a_secret_in_any_kind_of_string_is_redacted() {
    let planted = [
        JWT.to_string(),
        RUN.to_string(),
        format!("see https://u:{RUN}@mcp.example/mcp"),
        format!("`mcp-auth-doctor restore --latest` \u{202e}{RUN}"),
        format!("https://mcp.example/mcp?key={RUN}"),
        format!("https://mcp.example/token/{RUN}x"),
        format!("\\n{RUN}\"\u{85}"),
    ];
    for secret in &planted {
        let doc = EveryKind {
            value: secret.clone(),
            list: vec!["a".into(), secret.clone()],
            map: [(secret.clone(), secret.clone())].into(),
            shown: secret.clone(),
            note: secret.clone(),
            next_step: Some(secret.clone()),
            variant: Variant::Newtype(secret.clone()),
            tuple: (secret.clone(), 'é'),
        };
        for edits in all_edits().iter().filter(|e| e.redact) {
            let got = edited(&doc, edits);
            assert!(!got.contains("CANARY"), "{secret}:\n{got}");
            assert_eq!(got, edited_whole(&doc, edits));
            // Nine strings, each with its secret replaced.
            assert!(got.matches("[redacted").count() + got.matches("***").count() >= 9);
            serde_json::from_str::<Value>(&got).expect("still JSON");
        }
        // Without redaction the secret is there: the test sees it when it is not redacted.
        let shown = edited(&doc, &all_edits()[2]);
        assert!(shown.contains("CANARY"), "{shown}");
    }
}

#[test]
fn command_members_get_the_flags_and_nothing_else_does() {
    let doc = json!({
        "note": "`mcp-auth-doctor restore --latest` undoes it",
        "next_step": "run mcp-auth-doctor fix",
        "message": "run mcp-auth-doctor fix",
        "nested": {"note": ["mcp-auth-doctor fix"], "x": {"note": "mcp-auth-doctor login a"}},
        "list": ["note", "mcp-auth-doctor fix"],
    });
    let edits = Edits {
        flags: "--home /h ".into(),
        redact: true,
    };
    let got: Value = serde_json::from_str(&edited(&doc, &edits)).unwrap();
    assert_eq!(
        got["note"],
        "`mcp-auth-doctor --home /h restore --latest` undoes it"
    );
    assert_eq!(got["next_step"], "run mcp-auth-doctor --home /h fix");
    assert_eq!(got["message"], "run mcp-auth-doctor fix");
    assert_eq!(got["nested"]["note"][0], "mcp-auth-doctor fix");
    assert_eq!(
        got["nested"]["x"]["note"],
        "mcp-auth-doctor --home /h login a"
    );
    assert_eq!(got["list"][1], "mcp-auth-doctor fix");
}
