//! Whether JSON text parses to a given value, without building a second value.
//!
//! `fix` checks the bytes it is about to write against the value they must parse to. Parsing
//! them into a `Value` and comparing ([`super::same_json`]) held a second copy of the whole
//! credentials file as a tree (about five times the file) next to the expected one, while
//! Claude Code's lock is held. [`parses_to`] instead walks the expected value while serde_json
//! reads the text, and stops at the first difference.
//!
//! The answer is exactly `from_slice::<Value>(text).is_ok_and(|v| same_json(&v, want))`: the
//! walk builds each leaf as serde_json's own `Value` visitor would and compares it with
//! `same_json`; it answers "yes" only when the text's objects hold exactly the expected keys in
//! the expected order. Anything else (a duplicated key, which a parse would collapse; a
//! difference; a syntax error) falls back to the full parse and comparison, so the rare
//! doubtful case costs memory, never a wrong answer.

use std::fmt;

use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::{Number, Value};

use super::same_json;

/// Whether `text` parses (as `serde_json::from_slice` would) to a value equal to `want`, order
/// included ([`same_json`]).
pub fn parses_to(text: &[u8], want: &Value) -> bool {
    walks_to(text, want) || serde_json::from_slice::<Value>(text).is_ok_and(|v| same_json(&v, want))
}

/// The streaming half of [`parses_to`]: true only when the text reads as `want` member by
/// member, element by element.
fn walks_to(text: &[u8], want: &Value) -> bool {
    let mut de = serde_json::Deserializer::from_slice(text);
    Matches(want).deserialize(&mut de).is_ok() && de.end().is_ok()
}

/// Reads one JSON value and succeeds only when it is the value held.
struct Matches<'a>(&'a Value);

/// The error that stops the walk at the first difference.
fn differs<E: de::Error>() -> E {
    E::custom("differs from the expected value")
}

impl Matches<'_> {
    /// A leaf as serde_json's `Value` visitor builds it, compared as [`same_json`] does.
    fn leaf<E: de::Error>(&self, got: Value) -> Result<(), E> {
        if same_json(&got, self.0) {
            Ok(())
        } else {
            Err(differs())
        }
    }
}

impl<'de> DeserializeSeed<'de> for Matches<'_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Matches<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<(), E> {
        self.leaf(Value::Bool(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<(), E> {
        self.leaf(Value::Number(v.into()))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<(), E> {
        self.leaf(Value::Number(v.into()))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<(), E> {
        self.leaf(Number::from_f64(v).map_or(Value::Null, Value::Number))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<(), E> {
        match self.0 {
            Value::String(s) if s == v => Ok(()),
            _ => Err(differs()),
        }
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        self.leaf(Value::Null)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let Value::Array(items) = self.0 else {
            return Err(differs());
        };
        for item in items {
            if seq.next_element_seed(Matches(item))?.is_none() {
                return Err(differs());
            }
        }
        match seq.next_element::<IgnoredAny>()? {
            None => Ok(()),
            Some(_) => Err(differs()),
        }
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let Value::Object(members) = self.0 else {
            return Err(differs());
        };
        for (key, value) in members {
            if map.next_key_seed(KeyIs(key))?.is_none() {
                return Err(differs());
            }
            map.next_value_seed(Matches(value))?;
        }
        match map.next_key::<IgnoredAny>()? {
            None => Ok(()),
            Some(_) => Err(differs()),
        }
    }
}

/// Reads one object key and succeeds only when it is the key held.
struct KeyIs<'a>(&'a str);

impl<'de> DeserializeSeed<'de> for KeyIs<'_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for KeyIs<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object key")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<(), E> {
        if v == self.0 { Ok(()) } else { Err(differs()) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What `parses_to` must answer: the full parse and comparison.
    fn by_parse(text: &str, want: &Value) -> bool {
        serde_json::from_str::<Value>(text).is_ok_and(|v| same_json(&v, want))
    }

    const TEXTS: &[&str] = &[
        r#"{"a":1,"b":[true,null,"x"],"c":{"d":-2,"e":1.5}}"#,
        r#"{"b":[true,null,"x"],"a":1,"c":{"d":-2,"e":1.5}}"#,
        r#"{"a":1,"b":[true,null],"c":{"d":-2,"e":1.5}}"#,
        r#"{"a":1,"b":[true,null,"x",1],"c":{"d":-2,"e":1.5}}"#,
        r#"{"a":1.0,"b":[true,null,"x"],"c":{"d":-2,"e":1.5}}"#,
        r#"{"a":1,"b":[true,null,"x"],"c":{"d":-2,"e":15e-1}}"#,
        r#"{"a":1,"b":[true,null,"\u0078"],"c":{"d":-2,"e":1.5}}"#,
        r#"{"a":1,"b":[true,null,"x"],"c":{"d":-2,"e":1.5},"f":{}}"#,
        r#"{"a":1,"b":[true,null,"x"],"c":{"d":-2,"d":-2,"e":1.5}}"#,
        r#"{"a":1,"a":1,"b":[true,null,"x"],"c":{"d":-2,"e":1.5}}"#,
        r#"{"a":0,"b":[true,null,"x"],"c":{"d":-2,"e":1.5},"a":1}"#,
        r#"{"a":1,"b":[true,null,"x"],"c":{"d":-2,"e":1.5}} "#,
        r#"{"a":1,"b":[true,null,"x"],"c":{"d":-2,"e":1.5}}x"#,
        r#"{"a":1,"b":[true,null,"x"],"c":{"d":-2,"e":1.5}"#,
        r#"{"a":-0.0,"b":[false,null,"x"],"c":{"d":-2,"e":1.5}}"#,
        r#"{"a":18446744073709551615,"b":[],"c":{"d":-9223372036854775808}}"#,
        r#"{"a":18446744073709551616,"b":[],"c":{"d":-9223372036854775809}}"#,
        r#"{"a":"\ud83d\ude00","b":[[],[{}]],"c":{}}"#,
        r#"[]"#,
        r#"null"#,
        r#""x""#,
        "",
    ];

    #[test]
    fn answers_what_parsing_and_comparing_answers() {
        for want_text in TEXTS {
            let Ok(want) = serde_json::from_str::<Value>(want_text) else {
                continue;
            };
            for text in TEXTS {
                assert_eq!(
                    parses_to(text.as_bytes(), &want),
                    by_parse(text, &want),
                    "{text} against {want_text}"
                );
            }
        }
    }

    #[test]
    fn the_walk_alone_never_says_yes_where_the_parse_says_no() {
        for want_text in TEXTS {
            let Ok(want) = serde_json::from_str::<Value>(want_text) else {
                continue;
            };
            for text in TEXTS {
                if walks_to(text.as_bytes(), &want) {
                    assert!(by_parse(text, &want), "{text} against {want_text}");
                }
            }
        }
        // And it does say yes for equal documents, so the fallback is the rare case.
        let want: Value = serde_json::from_str(TEXTS[0]).unwrap();
        assert!(walks_to(TEXTS[0].as_bytes(), &want));
        assert!(walks_to(TEXTS[6].as_bytes(), &want));
        // A duplicated key: the parse keeps the last copy; only the fallback can tell.
        let collapsed: Value = serde_json::from_str(TEXTS[10]).unwrap();
        assert!(!walks_to(TEXTS[10].as_bytes(), &collapsed));
        assert!(parses_to(TEXTS[10].as_bytes(), &collapsed));
    }
}
