//! Map keys for [`super::Pretty`]: a string as a string, any other kind as serde_json writes
//! it as a key.

use std::io::Write;

use serde::ser::{self, Impossible, Serialize};
use serde_json::Error;

use super::Pretty;

/// A map key: a string as a string; any other kind as serde_json writes it as a key (quoted
/// numbers and booleans, or its error), found by having serde_json write a one-member object.
pub(super) struct KeySerializer<'a, W> {
    pub(super) ser: &'a mut Pretty<W>,
}

impl<W: Write> KeySerializer<'_, W> {
    fn by_serde_json(self, key: &(impl Serialize + ?Sized)) -> Result<(), Error> {
        struct OneMember<'k, K: ?Sized>(&'k K);
        impl<K: Serialize + ?Sized> Serialize for OneMember<'_, K> {
            fn serialize<S: ser::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                use ser::SerializeMap;
                let mut map = s.serialize_map(Some(1))?;
                map.serialize_entry(self.0, &())?;
                map.end()
            }
        }
        let object = serde_json::to_string(&OneMember(key))?;
        // `{KEY:null}`: the key as serde_json writes it, compact or pretty alike.
        let key = &object[1..object.len() - ":null}".len()];
        let key: String = serde_json::from_str(key)?;
        self.ser.key_string(&key)
    }
}

macro_rules! key_by_serde_json {
    ($($method:ident: $t:ty),* $(,)?) => {
        $(fn $method(self, v: $t) -> Result<(), Error> {
            self.by_serde_json(&v)
        })*
    };
}

impl<W: Write> ser::Serializer for KeySerializer<'_, W> {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = Impossible<(), Error>;
    type SerializeTuple = Impossible<(), Error>;
    type SerializeTupleStruct = Impossible<(), Error>;
    type SerializeTupleVariant = Impossible<(), Error>;
    type SerializeMap = Impossible<(), Error>;
    type SerializeStruct = Impossible<(), Error>;
    type SerializeStructVariant = Impossible<(), Error>;

    fn serialize_str(self, v: &str) -> Result<(), Error> {
        self.ser.key_string(v)
    }
    fn serialize_char(self, v: char) -> Result<(), Error> {
        self.ser.key_string(v.encode_utf8(&mut [0; 4]))
    }
    fn serialize_unit_variant(self, _: &'static str, _: u32, v: &'static str) -> Result<(), Error> {
        self.ser.key_string(v)
    }
    fn serialize_newtype_struct<T: ?Sized + Serialize>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        value.serialize(self)
    }
    key_by_serde_json!(
        serialize_bool: bool, serialize_i8: i8, serialize_i16: i16, serialize_i32: i32,
        serialize_i64: i64, serialize_i128: i128, serialize_u8: u8, serialize_u16: u16,
        serialize_u32: u32, serialize_u64: u64, serialize_u128: u128, serialize_f32: f32,
        serialize_f64: f64, serialize_bytes: &[u8],
    );
    fn serialize_none(self) -> Result<(), Error> {
        self.by_serde_json(&None::<()>)
    }
    fn serialize_some<T: ?Sized + Serialize>(self, value: &T) -> Result<(), Error> {
        self.by_serde_json(&Some(value))
    }
    fn serialize_unit(self) -> Result<(), Error> {
        self.by_serde_json(&())
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<(), Error> {
        self.by_serde_json(&())
    }
    fn serialize_newtype_variant<T: ?Sized + Serialize>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<(), Error> {
        Err(ser::Error::custom("key must be a string"))
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq, Error> {
        Err(ser::Error::custom("key must be a string"))
    }
    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, Error> {
        Err(ser::Error::custom("key must be a string"))
    }
    fn serialize_tuple_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleStruct, Error> {
        Err(ser::Error::custom("key must be a string"))
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, Error> {
        Err(ser::Error::custom("key must be a string"))
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap, Error> {
        Err(ser::Error::custom("key must be a string"))
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Self::SerializeStruct, Error> {
        Err(ser::Error::custom("key must be a string"))
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, Error> {
        Err(ser::Error::custom("key must be a string"))
    }
}
