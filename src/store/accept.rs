//! Whether `serde_json` parses a text into a `Value`, answered without building the `Value`.
//!
//! A parsed credentials file with `preserve_order` is a tree about eight times the file (a
//! hashed `IndexMap` per object, a `String` per key and value). Where only the answer "does it
//! parse" is needed (the write protocol's validity check, a loader that keeps only some
//! members), [`parses`] reads the text with serde_json's own deserializer through a visitor that
//! keeps nothing. It asks for every value with `deserialize_any`, as `Value`'s own `Deserialize`
//! does, so numbers and strings are parsed in full (a number beyond `f64`, a lone surrogate
//! escape) and the recursion limit applies: it fails exactly where `from_slice::<Value>` fails,
//! with the same error and position. (`IgnoredAny` would not: it skips numbers and escapes
//! without checking them.)

use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

mod quick;

/// [`parses`], answered by a quick proof first ([`quick::surely_parses`]) and by serde only when
/// that proof fails: the same answer, the same error and position. For a loader that parses the
/// parts of the text again later anyway; a writer's validity check keeps to [`parses`].
pub fn parses_quickly(text: &[u8]) -> serde_json::Result<()> {
    if quick::surely_parses(text) {
        return Ok(());
    }
    parses(text)
}

/// [`parses_quickly`] for a text the scanner (`json::scan`) has accepted whole, without a byte
/// order mark: the proof then only looks for what serde refuses of valid JSON
/// ([`quick::surely_parses_scanned`]), the careful proof and serde only when it cannot tell.
pub fn parses_scanned(text: &[u8]) -> serde_json::Result<()> {
    if quick::surely_parses_scanned(text) {
        return Ok(());
    }
    parses_quickly(text)
}

/// `serde_json::from_slice::<Value>(text).map(drop)`, without the tree.
pub fn parses(text: &[u8]) -> serde_json::Result<()> {
    let mut de = serde_json::Deserializer::from_slice(text);
    Accept.deserialize(&mut de)?;
    de.end()
}

/// One JSON value, read in full and dropped.
#[derive(Clone, Copy)]
pub struct Accept;

impl<'de> DeserializeSeed<'de> for Accept {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Accept {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any valid JSON value")
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<(), E> {
        Ok(())
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<(), E> {
        Ok(())
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<(), E> {
        Ok(())
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<(), E> {
        Ok(())
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<(), E> {
        Ok(())
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_none<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq.next_element_seed(Accept)?.is_some() {}
        Ok(())
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while map.next_key_seed(Accept)?.is_some() {
            map.next_value_seed(Accept)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    /// Texts `from_slice::<Value>` accepts and rejects for different reasons.
    fn corpus() -> Vec<Vec<u8>> {
        let mut out: Vec<Vec<u8>> = [
            r#"{"a":1,"b":[true,null,"x"],"c":{"d":-2,"e":1.5}}"#,
            r#"{"a":1,"a":2}"#,
            r#"{"a":1e400}"#,
            r#"{"a":-1e400}"#,
            r#"{"a":1e-400}"#,
            r#"{"a":18446744073709551616,"b":-9223372036854775809}"#,
            r#"{"a":"\ud800"}"#,
            r#"{"\ud800":1}"#,
            r#"{"a":"\ud83d\ude00","b":"\u00e9\n\"\\\/"}"#,
            r#"{"a":"\x"}"#,
            r#"{"a":"tab	in"}"#,
            r#"{"a":01}"#,
            r#"{"a":1.}"#,
            r#"{"a":.5}"#,
            r#"{"a":1,}"#,
            r#"[1,2,]"#,
            r#"{"a":1} x"#,
            "{\"a\":1}\n\t ",
            r#"{"a" 1}"#,
            r#"{1:2}"#,
            "\u{feff}{}",
            "",
            "   ",
            "null",
            "\"x\"",
            "-0.0",
            "[[[]]]",
            "{\"a\":\"\u{7f}\u{2028}\"}",
        ]
        .iter()
        .map(|s| s.as_bytes().to_vec())
        .collect();
        out.push(b"{\"a\":\"\xff\"}".to_vec());
        out.push(b"{\"a\":\"\xc3\"}".to_vec());
        for depth in [127, 128, 129, 200] {
            let mut deep = "[".repeat(depth).into_bytes();
            deep.extend("]".repeat(depth).into_bytes());
            out.push(deep);
            let mut deep = "{\"a\":".repeat(depth).into_bytes();
            deep.extend(b"1");
            deep.extend("}".repeat(depth).into_bytes());
            out.push(deep);
        }
        out
    }

    #[test]
    fn fails_exactly_where_parsing_into_a_value_fails_with_the_same_error() {
        let (mut ok, mut failed) = (0, 0);
        for text in corpus() {
            let want = serde_json::from_slice::<Value>(&text).map(drop);
            let got = super::parses(&text);
            assert_eq!(
                got.as_ref().map_err(ToString::to_string),
                want.as_ref().map_err(ToString::to_string),
                "{}",
                String::from_utf8_lossy(&text)
            );
            if want.is_ok() { ok += 1 } else { failed += 1 }
        }
        assert!(ok >= 8 && failed >= 15, "{ok} accepted, {failed} refused");
    }
}
