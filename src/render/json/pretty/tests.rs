//! [`super::write`] against serde_json's pretty printer and [`super::super::escape_invisible`]
//! on every kind of value serde has.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::{Value, json};

use crate::test_rng::Rng;

/// What the document writer used to make of `value`.
fn reference(value: &(impl Serialize + ?Sized)) -> Result<String, String> {
    serde_json::to_string_pretty(value)
        .map(super::super::escape_invisible)
        .map_err(|e| e.to_string())
}

fn ours(value: &(impl Serialize + ?Sized)) -> Result<String, String> {
    let mut out = Vec::new();
    super::write(&mut out, value).map_err(|e| e.to_string())?;
    Ok(String::from_utf8(out).expect("UTF-8"))
}

fn same(value: &(impl Serialize + ?Sized)) {
    let want = reference(value);
    let got = ours(value);
    match (&want, &got) {
        (Ok(w), Ok(g)) => assert!(w == g, "want:\n{w}\ngot:\n{g}"),
        (Err(_), Err(_)) => {}
        _ => panic!("want {want:?}, got {got:?}"),
    }
}

/// Characters for strings: plain, every escape serde makes, invisible ones, other non-ASCII.
const CHARS: &[char] = &[
    'a',
    'Z',
    '0',
    ' ',
    '/',
    '"',
    '\\',
    '\n',
    '\r',
    '\t',
    '\u{0}',
    '\u{1}',
    '\u{8}',
    '\u{b}',
    '\u{c}',
    '\u{1f}',
    '\u{7f}',
    '\u{80}',
    '\u{85}',
    '\u{9f}',
    '\u{a0}',
    'é',
    '\u{61c}',
    '\u{200b}',
    '\u{200f}',
    '\u{2028}',
    '\u{202e}',
    '\u{2066}',
    '\u{2069}',
    '\u{feff}',
    '→',
    '日',
    '\u{1f600}',
    '\u{fffd}',
];

impl Rng {
    fn string(&mut self) -> String {
        let len = [0, 1, 2, 5, 40, 70][self.below(6)];
        (0..len)
            .map(|_| {
                if self.below(3) == 0 {
                    CHARS[self.below(CHARS.len())]
                } else {
                    'x'
                }
            })
            .collect()
    }

    fn value(&mut self, depth: usize) -> Value {
        let kinds = if depth >= 5 { 6 } else { 8 };
        match self.below(kinds) {
            0 => Value::Null,
            1 => Value::Bool(self.below(2) == 0),
            2 => json!([0u64, 7, u64::MAX, 1 << 53][self.below(4)]),
            3 => json!([-1i64, i64::MIN, -42][self.below(3)]),
            4 => json!([0.5f64, -0.0, 1e300, 1e-7, 123456.789, 0.1 + 0.2, 2.5e-308][self.below(7)]),
            5 => Value::String(self.string()),
            6 => Value::Array((0..self.below(4)).map(|_| self.value(depth + 1)).collect()),
            _ => Value::Object(
                (0..self.below(4))
                    .map(|_| (self.string(), self.value(depth + 1)))
                    .collect(),
            ),
        }
    }
}

#[test]
fn random_documents_are_written_as_serde_json_writes_them() {
    let mut rng = Rng::new(0x2545_f491_4f6c_dd1d);
    for _ in 0..3000 {
        same(&rng.value(0));
    }
    for c in CHARS {
        same(&format!("{c}"));
        same(&json!({ format!("k{c}"): [format!("{c}{c}"), c.to_string()] }));
    }
    let all: String = ('\u{0}'..='\u{3000}').collect();
    same(&all);
    same(&json!({}));
    same(&json!([]));
    same(&json!([[], {}, [[]], {"a": {}}]));
}

#[derive(Serialize)]
struct Unit;

#[derive(Serialize)]
struct Newtype(u8);

#[derive(Serialize)]
struct Pair(i32, &'static str);

#[derive(Serialize)]
struct Empty {}

#[derive(Serialize)]
enum Kinds {
    Unit,
    Newtype(Vec<u8>),
    EmptyTuple(),
    Tuple(u8, Option<char>),
    EmptyStruct {},
    Struct { a: u32, b: Vec<Kinds> },
}

#[derive(Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
enum Tagged {
    First { x: u8 },
    Second,
}

#[derive(Serialize)]
struct Inner {
    c: &'static str,
    d: Option<u8>,
}

#[derive(Serialize)]
struct Everything {
    #[serde(skip_serializing_if = "Option::is_none")]
    skipped: Option<u8>,
    kept: Option<u8>,
    unit: (),
    unit_struct: Unit,
    newtype: Newtype,
    pair: Pair,
    empty: Empty,
    tuple: (u8, &'static str, f32),
    kinds: Vec<Kinds>,
    tagged: Vec<Tagged>,
    #[serde(flatten)]
    inner: Inner,
    numbers: (i8, i16, i32, i64, i128, u8, u16, u32, u64, u128),
    floats: [f64; 6],
    small_floats: [f32; 3],
    ch: char,
    int_keys: BTreeMap<i64, u8>,
    bool_keys: BTreeMap<bool, u8>,
    char_keys: BTreeMap<char, u8>,
    unit_keys: BTreeMap<Tagged2, u8>,
}

#[derive(Serialize, PartialEq, Eq, PartialOrd, Ord)]
enum Tagged2 {
    KeyVariant,
}

/// Bytes, as serde_json writes them (an array of numbers).
struct Bytes(&'static [u8]);

impl Serialize for Bytes {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_bytes(self.0)
    }
}

#[test]
fn every_kind_of_value_is_written_as_serde_json_writes_it() {
    let everything = Everything {
        skipped: None,
        kept: None,
        unit: (),
        unit_struct: Unit,
        newtype: Newtype(3),
        pair: Pair(-4, "p\u{202e}"),
        empty: Empty {},
        tuple: (1, "t", 1.1),
        kinds: vec![
            Kinds::Unit,
            Kinds::Newtype(vec![1, 2]),
            Kinds::Newtype(vec![]),
            Kinds::EmptyTuple(),
            Kinds::Tuple(9, Some('\u{85}')),
            Kinds::EmptyStruct {},
            Kinds::Struct {
                a: 1,
                b: vec![Kinds::Struct { a: 2, b: vec![] }, Kinds::Unit],
            },
        ],
        tagged: vec![Tagged::First { x: 1 }, Tagged::Second],
        inner: Inner { c: "c", d: Some(4) },
        numbers: (
            i8::MIN,
            -1,
            0,
            i64::MAX,
            i128::MIN,
            255,
            1,
            2,
            u64::MAX,
            u128::MAX,
        ),
        floats: [0.0, -0.0, f64::NAN, f64::INFINITY, 1e21, 5e-324],
        small_floats: [1e20, 0.1, f32::MIN_POSITIVE],
        ch: '"',
        int_keys: [(-1, 1), (7, 2)].into(),
        bool_keys: [(true, 1), (false, 0)].into(),
        char_keys: [('\u{2028}', 1)].into(),
        unit_keys: [(Tagged2::KeyVariant, 1)].into(),
    };
    assert!(reference(&everything).is_ok());
    same(&everything);
    same(&Bytes(b"\x00\xffab"));
    same(&Bytes(b""));
    same(&vec![Some(1), None]);
    same(&Kinds::Newtype(vec![5]));
    same(&Kinds::Tuple(1, None));
    same(&Kinds::Struct { a: 1, b: vec![] });
    // Keys serde_json refuses are refused.
    same(&BTreeMap::from([(Some(1), 1)]));
    same(&BTreeMap::from([(vec![1], 1)]));
    let float_keys: Vec<(f64, u8)> = vec![(1.5, 1)];
    struct FloatKeys(Vec<(f64, u8)>);
    impl Serialize for FloatKeys {
        fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            s.collect_map(self.0.iter().map(|(k, v)| (k, v)))
        }
    }
    same(&FloatKeys(float_keys));
    same(&FloatKeys(vec![(f64::NAN, 1)]));
}

#[test]
fn documents_deeper_than_one_indent_write_are_written_as_serde_json_writes_them() {
    // The indent is written in one piece up to 32 levels; deeper ones in several.
    for depth in [1, 2, 31, 32, 33, 34, 40, 70] {
        let mut value = json!({"leaf": [1, "two"], "empty": {}, "none": []});
        for level in 0..depth {
            value = if level % 2 == 0 {
                json!([value, level])
            } else {
                json!({"k": value, "n": level})
            };
        }
        same(&value);
    }
}

/// A character to escape is found wherever it sits: in a whole 32-byte block or the rest after
/// the last one, first, last or alone, in strings of every length around a block.
#[test]
fn a_character_to_escape_is_escaped_at_every_offset() {
    for len in [1, 31, 32, 33, 63, 64, 65, 100] {
        for at in 0..len {
            for c in CHARS
                .iter()
                .filter(|c| !c.is_ascii_alphanumeric() && **c != ' ')
            {
                let text: String = (0..len).map(|i| if i == at { *c } else { 'x' }).collect();
                same(&text);
                same(&json!({ text.clone(): [text] }));
            }
        }
        same(&"y".repeat(len));
    }
}

/// Values written with `collect_str` (an action's file and pointer), one after another through
/// the serializer's one buffer: each is its own text, escaped like any string, the later ones
/// shorter than the earlier ones too.
#[test]
fn values_collected_as_strings_are_written_as_serde_json_writes_them() {
    struct Shown(&'static str);
    impl std::fmt::Display for Shown {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str(self.0)
        }
    }
    impl Serialize for Shown {
        fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            s.collect_str(self)
        }
    }
    let texts = [
        "/a/very/long/path/to/a/file.json",
        "",
        "\u{202e}\"q\"\n",
        "x",
    ];
    same(&texts.map(Shown));
    same(&BTreeMap::from(texts.map(|t| (t, Shown(t)))));
}

/// Struct members, whose key and `": "` go out in one write when they fit: keys with characters
/// to escape, longer than that write, and members indented past it, as serde_json writes them.
#[test]
fn struct_members_are_written_as_serde_json_writes_them() {
    #[derive(Serialize)]
    struct Odd {
        #[serde(rename = "q\"\u{202e}\n")]
        quoted: u8,
        #[serde(
            rename = "kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk"
        )]
        long: u8,
        plain: Option<Box<Odd>>,
    }
    let mut odd = Odd {
        quoted: 1,
        long: 2,
        plain: None,
    };
    for _ in 0..70 {
        same(&odd);
        odd = Odd {
            quoted: 0,
            long: 0,
            plain: Some(Box::new(odd)),
        };
    }
    same(&odd);
}
