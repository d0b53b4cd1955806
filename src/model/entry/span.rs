//! An entry read straight from its text in the credentials file, without a `Value` of it.
//!
//! Parsing each entry's span into a `Value` (serde_json's `preserve_order` map: an `IndexMap`
//! hashed with SipHash, a `String` per key and value) and then reading the few members Claude
//! Code's code reads was most of the cost per entry of `check` (issue 15). Here serde_json's
//! deserializer walks the span once: the members that count are kept (a string borrowed from the
//! text when it has no escape; any other value as the `Value` a parse makes of it, which is
//! rare), `discoveryState` is reduced to its two facts, and everything else is skipped. The
//! names are kept in order, a name given twice once at its first place, and a member given twice
//! counts by its last value: what a parsed `Value` holds. [`Entry::judge`] then judges these
//! exactly as it judges a `Value` ([`Entry::from_value_sharing`]).

use std::borrow::Cow;
use std::collections::HashSet;
use std::fmt;

use serde::de::value::{MapAccessDeserializer, SeqAccessDeserializer};
use serde::de::{self, Deserialize, DeserializeSeed, Deserializer, IgnoredAny, MapAccess};
use serde::de::{SeqAccess, Visitor};
use serde_json::{Number, Value};

use super::{Entry, Facts, Field, FieldLists, Member, REGISTRATION_NOT_OFFERED_AT};

/// An entry with more names than this finds its repeated names in a set, not by a scan of the
/// names so far (which would be quadratic in a crafted entry).
const SCANNED_NAMES: usize = 32;

impl Entry {
    /// The entry `key_str` whose value is the JSON `text` (a span of a file serde_json parsed),
    /// its field list shared through `lists` with the other entries read: what
    /// [`Entry::from_value_sharing`] makes of `text` parsed, without the parse. Text that does
    /// not parse reads as `null`, as it did.
    pub fn from_json_sharing(
        key_str: &str,
        text: &str,
        now_ms: i64,
        lists: &mut FieldLists,
    ) -> Self {
        let read = Read::of(text).unwrap_or_default();
        let fields = lists.of(read.names.iter().map(|name| &**name));
        Self::judge(key_str, &read.facts(), fields, now_ms, lists)
    }
}

/// A member's value kept from the text.
enum Kept<'de> {
    Str(Cow<'de, str>),
    /// Never a string.
    Other(Value),
}

impl Kept<'_> {
    fn member(&self) -> Member<'_> {
        match self {
            Kept::Str(s) => Member::Str(s),
            Kept::Other(v) => Member::Other(v),
        }
    }
}

/// What was read of one entry's text.
#[derive(Default)]
struct Read<'de> {
    members: [Option<Kept<'de>>; Field::COUNT],
    /// `discoveryState` was there: whether its `registrationNotOfferedAt` is (and not `null`).
    discovery: Option<bool>,
    /// The member names, in order, each once.
    names: Vec<Cow<'de, str>>,
    /// The names, once there are more than [`SCANNED_NAMES`].
    name_set: Option<HashSet<Cow<'de, str>, foldhash::fast::RandomState>>,
    is_object: bool,
}

impl<'de> Read<'de> {
    fn of(text: &'de str) -> Option<Self> {
        let mut de = serde_json::Deserializer::from_str(text);
        let read = de.deserialize_any(EntryVisitor).ok()?;
        de.end().ok()?;
        Some(read)
    }

    fn facts(&self) -> Facts<'_> {
        let mut members = [None; Field::COUNT];
        for (slot, kept) in members.iter_mut().zip(&self.members) {
            *slot = kept.as_ref().map(Kept::member);
        }
        Facts {
            members,
            discovery_state: self.discovery.is_some(),
            registration_not_offered: self.discovery == Some(true),
            is_object: self.is_object,
        }
    }

    /// Notes a member's name, unless it was given before (it keeps its first place).
    fn note_name(&mut self, name: Cow<'de, str>) {
        if let Some(set) = &mut self.name_set {
            if set.insert(name.clone()) {
                self.names.push(name);
            }
            return;
        }
        if self.names.contains(&name) {
            return;
        }
        self.names.push(name);
        if self.names.len() > SCANNED_NAMES {
            self.name_set = Some(self.names.iter().cloned().collect());
        }
    }
}

/// Visitor methods for the values a visitor does not look into: each ends it with `$out`.
macro_rules! scalars_give {
    ($out:expr) => {
        fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
            Ok($out)
        }
        fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
            Ok($out)
        }
        fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
            Ok($out)
        }
        fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
            Ok($out)
        }
        fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
            Ok($out)
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok($out)
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            while seq.next_element::<IgnoredAny>()?.is_some() {}
            Ok($out)
        }
    };
}

/// An entry: an object's members read, any other value none.
struct EntryVisitor;

impl<'de> Visitor<'de> for EntryVisitor {
    type Value = Read<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an mcpOAuth entry")
    }

    scalars_give!(Read::default());

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Read<'de>, A::Error> {
        let mut read = Read {
            is_object: true,
            ..Read::default()
        };
        while let Some(name) = map.next_key_seed(Name)? {
            if name == "discoveryState" {
                read.discovery = Some(map.next_value_seed(Discovery)?);
            } else if let Some(field) = Field::named(&name) {
                read.members[field as usize] = Some(map.next_value_seed(Keep)?);
            } else {
                map.next_value::<IgnoredAny>()?;
            }
            read.note_name(name);
        }
        Ok(read)
    }
}

/// A member's name, borrowed from the text when it has no escape.
struct Name;

impl<'de> DeserializeSeed<'de> for Name {
    type Value = Cow<'de, str>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Cow<'de, str>, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for Name {
    type Value = Cow<'de, str>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a member name")
    }
    fn visit_borrowed_str<E: de::Error>(self, s: &'de str) -> Result<Self::Value, E> {
        Ok(Cow::Borrowed(s))
    }
    fn visit_str<E: de::Error>(self, s: &str) -> Result<Self::Value, E> {
        Ok(Cow::Owned(s.to_owned()))
    }
    fn visit_string<E: de::Error>(self, s: String) -> Result<Self::Value, E> {
        Ok(Cow::Owned(s))
    }
}

/// The value of a member that counts, as [`Kept`].
struct Keep;

impl<'de> DeserializeSeed<'de> for Keep {
    type Value = Kept<'de>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Kept<'de>, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Keep {
    type Value = Kept<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_borrowed_str<E: de::Error>(self, s: &'de str) -> Result<Self::Value, E> {
        Ok(Kept::Str(Cow::Borrowed(s)))
    }
    fn visit_str<E: de::Error>(self, s: &str) -> Result<Self::Value, E> {
        Ok(Kept::Str(Cow::Owned(s.to_owned())))
    }
    fn visit_string<E: de::Error>(self, s: String) -> Result<Self::Value, E> {
        Ok(Kept::Str(Cow::Owned(s)))
    }
    fn visit_bool<E: de::Error>(self, b: bool) -> Result<Self::Value, E> {
        Ok(Kept::Other(Value::Bool(b)))
    }
    fn visit_i64<E: de::Error>(self, n: i64) -> Result<Self::Value, E> {
        Ok(Kept::Other(Value::Number(n.into())))
    }
    fn visit_u64<E: de::Error>(self, n: u64) -> Result<Self::Value, E> {
        Ok(Kept::Other(Value::Number(n.into())))
    }
    /// As `Value`'s own visitor: a float that is no `Number` (never, from parsed text) is null.
    fn visit_f64<E: de::Error>(self, n: f64) -> Result<Self::Value, E> {
        Ok(Kept::Other(
            Number::from_f64(n).map_or(Value::Null, Value::Number),
        ))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Kept::Other(Value::Null))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        Value::deserialize(SeqAccessDeserializer::new(seq)).map(Kept::Other)
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        Value::deserialize(MapAccessDeserializer::new(map)).map(Kept::Other)
    }
}

/// `discoveryState`: whether it is an object whose `registrationNotOfferedAt` (the last one
/// given) is not `null`.
struct Discovery;

impl<'de> DeserializeSeed<'de> for Discovery {
    type Value = bool;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<bool, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Discovery {
    type Value = bool;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("discoveryState")
    }

    scalars_give!(false);

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<bool, A::Error> {
        let mut not_offered = false;
        while let Some(name) = map.next_key_seed(Name)? {
            if name == REGISTRATION_NOT_OFFERED_AT {
                not_offered = map.next_value::<Option<IgnoredAny>>()?.is_some();
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(not_offered)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::entry::{PlaceholderShape, TokenState};

    const NOW: i64 = 1_780_315_200_000;

    /// Names of members, the ones that count among them (some spelt with escapes).
    const NAMES: &[&str] = &[
        "accessToken",
        "refreshToken",
        "expiresAt",
        "scope",
        "serverName",
        "serverUrl",
        "clientId",
        "clientSecret",
        "discoveryState",
        "redirectUri",
        "stepUpScope",
        "access\\u0054oken",
        "discovery\\u0053tate",
        "tokenType",
        "é\\\"",
        "",
    ];

    /// Values of every JSON type, of the shapes the judgement looks at.
    const VALUES: &[&str] = &[
        "\"\"",
        "\"a\"",
        "\"tok\\u0065n\"",
        "\"read write read\"",
        "\"  \"",
        "\"https://h/mcp\"",
        "\"1780315300000\"",
        "\" 1780315100000 \"",
        "\"soon\"",
        "0",
        "1",
        "-1",
        "1.5",
        "1780315200000",
        "1780315260000",
        "1780315600000",
        "1e3",
        "-0.0",
        "18446744073709551615",
        "null",
        "true",
        "false",
        "[]",
        "[\"read\", 1]",
        "{}",
        "{\"registrationNotOfferedAt\": null}",
        "{\"registrationNotOfferedAt\": 1780315200000}",
        "{\"registrationNotOfferedAt\": 0, \"registrationNotOfferedAt\": null}",
        "{\"registrationNotOfferedAt\": null, \"x\": [1, {\"y\": 2}], \"registrationNotOfferedAt\": \"\"}",
        "{\"authorizationServerUrl\": \"https://as\", \"nested\": {\"accessToken\": \"no\"}}",
    ];

    /// What the `Value` path makes of `text`, and what the reader of the text makes of it, the same.
    fn same_entry(key: &str, text: &str, lists: &mut FieldLists) -> Option<Entry> {
        let value: Value = serde_json::from_str(text).ok()?;
        let want = Entry::from_value(key, &value, NOW);
        let got = Entry::from_json_sharing(key, text, NOW, lists);
        assert_eq!(format!("{got:?}"), format!("{want:?}"), "{text}");
        Some(got)
    }

    /// Thousands of random entries (members of every kind, given twice, escaped, whitespace
    /// between) and of values that are not objects: each judged the same as its parsed `Value`.
    /// The corpus reaches every token state and placeholder shape (the test is not vacuous).
    #[test]
    fn reads_every_entry_as_its_parsed_value_reads() {
        let mut rng = crate::test_rng::Rng::new(0x2545_f491_4f6c_dd1d);
        let mut next = |n: usize| rng.below(n);
        let mut lists = FieldLists::default();
        let mut tokens = HashSet::new();
        let mut shapes = HashSet::new();
        let (mut objects, mut not_offered, mut secrets) = (0, 0, 0);
        for round in 0..6000 {
            let text = if round % 10 == 0 {
                VALUES[next(VALUES.len())].to_string()
            } else {
                let members: Vec<String> = (0..next(9))
                    .map(|_| {
                        let space = [" ", "", "\n  "][next(3)];
                        format!(
                            "{space}\"{}\"{space}:{space}{}",
                            NAMES[next(NAMES.len())],
                            VALUES[next(VALUES.len())]
                        )
                    })
                    .collect();
                format!("{{{}}}", members.join(","))
            };
            let key = ["s|0123456789abcdef", "plain", "a|b|fedcba9876543210"][next(3)];
            let entry = same_entry(key, &text, &mut lists).expect("the corpus is JSON");
            tokens.insert(format!("{:?}", entry.token));
            shapes.insert(format!("{:?}", entry.shape));
            objects += usize::from(!entry.malformed);
            not_offered += usize::from(entry.registration_not_offered);
            secrets += usize::from(entry.access_token.is_some());
        }
        assert_eq!(tokens.len(), 4, "{tokens:?}");
        assert_eq!(shapes.len(), 6, "{shapes:?}");
        assert!(objects > 4000 && not_offered > 100 && secrets > 1000);
    }

    /// Names beyond [`SCANNED_NAMES`], some given twice: kept once each, in first place.
    #[test]
    fn many_names_keep_their_first_places() {
        let mut lists = FieldLists::default();
        let members: Vec<String> = (0..200)
            .map(|i| format!("\"n{}\":{i}", i % 70))
            .chain(["\"accessToken\":\"a\"".into(), "\"n3\":null".into()])
            .collect();
        let text = format!("{{{}}}", members.join(","));
        let entry = same_entry("k", &text, &mut lists).unwrap();
        assert_eq!(entry.fields.len(), 71);
        assert_eq!(&*entry.fields[69], "n69");
        assert_eq!(&*entry.fields[70], "accessToken");
        assert_eq!(entry.token, TokenState::Valid);
    }

    /// Text that is not JSON (never given: a span of a parsed file) reads as `null` did.
    #[test]
    fn text_that_does_not_parse_is_an_entry_that_is_not_an_object() {
        let mut lists = FieldLists::default();
        for text in ["{\"accessToken\":\"a\"", "{\"accessToken\":\"a\"} x", ""] {
            let entry = Entry::from_json_sharing("k", text, NOW, &mut lists);
            let want = Entry::from_value("k", &Value::Null, NOW);
            assert_eq!(format!("{entry:?}"), format!("{want:?}"));
            assert_eq!(entry.shape, Some(PlaceholderShape::NotAnObject));
        }
    }
}
