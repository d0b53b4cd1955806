//! The bytes `serde_json::to_writer_pretty` writes, with the invisible characters escaped as
//! [`super::escape_invisible`] escapes them, made by a serializer of our own.
//!
//! serde_json looks up every byte of every string in its escape table and hands each piece to
//! its writer in a call of its own; a 1,000-entry report is 1.45 MB, nearly all of it strings,
//! and its serialisation was the largest part of `check --format json` (issue 15). Here a string
//! with nothing to escape (tested with one pass that has no branch per byte) is written whole,
//! and invisible characters are escaped on the way, so the report needs no later pass for them
//! (serde_json writes only ASCII outside strings, so every such character is in a string).
//!
//! The layout is serde_json's `PrettyFormatter` with its two-space indent: `[]` and `{}` for
//! empty containers, otherwise one element or member per line, `": "` after a key. Numbers are
//! written as serde_json writes them (integers in decimal; floats by serde_json itself); map
//! keys that are not strings, by serde_json too. `tests` compare both on every kind of value.

use std::io::Write;

use serde::ser::{self, Serialize};
use serde_json::Error;

/// Writes `value` to `out` as `serde_json::to_writer_pretty` then
/// [`super::escape_invisible`] would (no newline at the end).
#[cfg(test)]
pub fn write<W: Write>(out: W, value: &(impl Serialize + ?Sized)) -> Result<(), Error> {
    write_edited(out, value, &super::Edits::none())
}

/// [`write`], then `edits` applied to the text: each string edited as it is written
/// ([`edit`]).
pub fn write_edited<W: Write>(
    out: W,
    value: &(impl Serialize + ?Sized),
    edits: &super::Edits,
) -> Result<(), Error> {
    let mut ser = Pretty {
        out,
        indent: 0,
        scratch: String::new(),
        edits: edit::StringEdits::of(edits),
        plain_keys: [(0, 0); 256],
        command_value: false,
    };
    value.serialize(&mut ser)
}

struct Pretty<W> {
    out: W,
    /// The depth of the container being written.
    indent: usize,
    /// Where [`ser::Serializer::collect_str`] formats its value: one buffer for the run (the
    /// default made a `String` per value, and every action's `file` and `pointer` is one).
    scratch: String,
    /// What each string gets on its way out; `None` for nothing.
    edits: Option<edit::StringEdits>,
    /// Field names found [`Pretty::plain_key`], by address and length.
    plain_keys: [(usize, usize); 256],
    /// Whether the value being written is that of a member whose string is a command
    /// ([`edit::is_command_field`]): set after such a key, taken by the string that follows,
    /// cleared by any other value.
    command_value: bool,
}

impl<W: Write> Pretty<W> {
    fn put(&mut self, bytes: &[u8]) -> Result<(), Error> {
        self.out.write_all(bytes).map_err(Error::io)
    }

    /// A line break and the indent of the current depth.
    fn new_line(&mut self) -> Result<(), Error> {
        self.line_break(false)
    }

    /// A line break (after a comma when `comma`) and the indent of the current depth, in one
    /// write up to 32 levels deep: a member was two or three writes (issue 15).
    fn line_break(&mut self, comma: bool) -> Result<(), Error> {
        const BREAK: [u8; 66] = {
            let mut b = [b' '; 66];
            b[0] = b',';
            b[1] = b'\n';
            b
        };
        let from = if comma { 0 } else { 1 };
        let mut n = self.indent * 2;
        if n <= BREAK.len() - 2 {
            return self.put(&BREAK[from..2 + n]);
        }
        self.put(&BREAK[from..2])?;
        while n > 0 {
            let take = n.min(BREAK.len() - 2);
            self.put(&BREAK[2..2 + take])?;
            n -= take;
        }
        Ok(())
    }

    /// `open` of a container; `None` when it was empty and is closed already.
    fn open(&mut self, open: u8, close: u8, len: Option<usize>) -> Result<State, Error> {
        self.command_value = false;
        self.put(&[open])?;
        if len == Some(0) {
            self.put(&[close])?;
            return Ok(State::Empty);
        }
        self.indent += 1;
        Ok(State::First)
    }

    fn close(&mut self, state: State, close: u8) -> Result<(), Error> {
        match state {
            State::Empty => Ok(()),
            State::First => {
                self.indent -= 1;
                self.put(&[close])
            }
            State::Rest => {
                self.indent -= 1;
                self.new_line()?;
                self.put(&[close])
            }
        }
    }

    /// What comes before an element or a member: a comma after the first, then its own line.
    fn next_item(&mut self, state: &mut State) -> Result<(), Error> {
        let comma = *state == State::Rest;
        *state = State::Rest;
        self.line_break(comma)
    }

    /// What comes before a struct member's value: [`Pretty::next_item`], the key as a string
    /// and `": "`, in one write when the key is [`Pretty::plain_key`] (a member was five
    /// writes).
    fn member_start(&mut self, state: &mut State, key: &'static str) -> Result<(), Error> {
        const ROOM: usize = 128;
        let indent = self.indent * 2;
        if indent + key.len() + 6 > ROOM || !self.plain_key(key) {
            self.next_item(state)?;
            self.key_string(key)?;
            return self.put(b": ");
        }
        let comma = *state == State::Rest;
        *state = State::Rest;
        let mut line = [b' '; ROOM];
        let mut n = 0;
        if comma {
            line[0] = b',';
            n = 1;
        }
        line[n] = b'\n';
        n += 1 + indent; // the indent: spaces already
        line[n] = b'"';
        n += 1;
        line[n..n + key.len()].copy_from_slice(key.as_bytes());
        n += key.len();
        line[n..n + 3].copy_from_slice(b"\": ");
        self.put(&line[..n + 3])?;
        self.command_value = self.pastes() && edit::is_command_field(key);
        Ok(())
    }

    /// Whether a field name is written as it is: it needs no escape and the edits do not
    /// change it. Remembered by address: a field name is static, so the same address is the
    /// same text (the test per member was ~40 instructions, 20,000 times a report; issue 15).
    fn plain_key(&mut self, key: &'static str) -> bool {
        // Field names lie side by side in the binary: their addresses mixed by a multiply.
        let mixed = (key.as_ptr() as u64 ^ key.len() as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        let at = (mixed >> 56) as usize % self.plain_keys.len();
        if self.plain_keys[at] == (key.as_ptr() as usize, key.len()) {
            return true;
        }
        let plain = !needs_a_look(key.as_bytes())
            && !self
                .edits
                .as_ref()
                .is_some_and(|edits| edits.may_change(key));
        if plain {
            self.plain_keys[at] = (key.as_ptr() as usize, key.len());
        }
        plain
    }

    /// Whether the strings of command members get the run's flags.
    fn pastes(&self) -> bool {
        self.edits.as_ref().is_some_and(edit::StringEdits::pastes)
    }

    /// A map key (or a variant's name as one): a string, after which the value may be a
    /// command's.
    fn key_string(&mut self, key: &str) -> Result<(), Error> {
        self.string(key)?;
        self.command_value = self.pastes() && edit::is_command_field(key);
        Ok(())
    }

    /// A JSON string: serde_json's escapes (quote, backslash, control characters) and
    /// [`super::escape_invisible`]'s, then the run's [`Pretty::edits`].
    fn string(&mut self, s: &str) -> Result<(), Error> {
        let command = std::mem::take(&mut self.command_value);
        if let Some(edits) = &mut self.edits {
            return edits.write(&mut self.out, s, command).map_err(Error::io);
        }
        self.put(b"\"")?;
        if needs_a_look(s.as_bytes()) {
            escape(&mut self.out, s).map_err(Error::io)?;
        } else {
            self.put(s.as_bytes())?;
        }
        self.put(b"\"")
    }

    /// An integer in decimal, as serde_json (itoa) writes it.
    fn integer(&mut self, n: impl std::fmt::Display) -> Result<(), Error> {
        write!(self.out, "{n}").map_err(Error::io)
    }

    /// What serde_json writes for a float (the shortest form that reads back, `null` when not
    /// finite): written by serde_json.
    fn float(&mut self, value: &impl Serialize) -> Result<(), Error> {
        serde_json::to_writer(&mut self.out, value)
    }
}

/// The text of string `s` in a JSON document (no quotes), when it holds something to look at
/// ([`needs_a_look`]): ASCII is passed byte by byte, and only a character that begins with a
/// lead byte an invisible one has (see [`super::invisible_at`]) is decoded.
fn escape(out: &mut impl Write, s: &str) -> std::io::Result<()> {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let bytes = s.as_bytes();
    let mut copied = 0;
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        // 16 bytes with nothing to look at are passed with one test (a message is hundreds of
        // bytes with an escape or two).
        if let Some(block) = bytes.get(i..i + 16)
            && !block.iter().fold(false, |any, &b| any | escape_byte(b))
        {
            i += 16;
            continue;
        }
        let (short, len): (&[u8], usize) = match b {
            b'"' => (b"\\\"", 1),
            b'\\' => (b"\\\\", 1),
            b'\n' => (b"\\n", 1),
            b'\r' => (b"\\r", 1),
            b'\t' => (b"\\t", 1),
            0x08 => (b"\\b", 1),
            0x0c => (b"\\f", 1),
            0x00..0x20 | 0x7f => (b"", 1),
            0xc2 | 0xd8 | 0xe2 | 0xef if super::invisible_at(bytes, i) => {
                (b"", if b < 0xe0 { 2 } else { 3 })
            }
            _ => {
                i += 1;
                continue;
            }
        };
        out.write_all(&bytes[copied..i])?;
        if short.is_empty() {
            // `\u` and four lowercase hex digits, as both serde_json and escape_invisible write.
            let n = s[i..].chars().next().map_or(0, u32::from);
            let digits = [3, 2, 1, 0].map(|k| HEX[((n >> (4 * k)) & 0xf) as usize]);
            out.write_all(b"\\u")?;
            out.write_all(&digits)?;
        } else {
            out.write_all(short)?;
        }
        i += len;
        copied = i;
    }
    out.write_all(&bytes[copied..])
}

/// Whether `bytes` holds anything [`Pretty::string`] may have to escape: a quote, a backslash,
/// a control character, DEL or a byte of a non-ASCII character.
fn needs_a_look(bytes: &[u8]) -> bool {
    any_in_blocks(bytes, |b| u8::from(escape_byte(b))) != 0
}

/// Whether byte `b` of a string needs [`escape`] to look at it.
fn escape_byte(b: u8) -> bool {
    (b < 0x20) | (b == b'"') | (b == b'\\') | (b >= 0x7f)
}

/// The bits `bits` gives any byte of `bytes`, or-ed. Tested 32 bytes at a time with no branch
/// inside a block (the compiler makes each a few vector operations): a string shorter than a
/// block is tested padded with spaces (no bit for a space), a longer one's last bytes as the
/// block that ends it (overlapping the one before), so no byte is tested one at a time. The
/// byte-by-byte fold over every string was the largest part of writing a report (issue 15);
/// most strings are a few dozen bytes.
#[inline(always)]
fn any_in_blocks(bytes: &[u8], bits: impl Fn(u8) -> u8 + Copy) -> u8 {
    const BLOCK: usize = 32;
    let block_bits = |block: &[u8; BLOCK]| block.iter().fold(0, |any, &b| any | bits(b));
    let Some(last) = bytes.len().checked_sub(BLOCK) else {
        let mut padded = [b' '; BLOCK];
        padded[..bytes.len()].copy_from_slice(bytes);
        return block_bits(&padded);
    };
    let blocks = bytes.chunks_exact(BLOCK);
    let any = blocks.fold(0, |any, block| {
        any | block_bits(block.try_into().expect("a whole block"))
    });
    any | block_bits(bytes[last..].try_into().expect("a whole block"))
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    /// Written as `[]` or `{}` already.
    Empty,
    /// Open, nothing in it yet.
    First,
    /// Open, with something in it.
    Rest,
}

/// A container being written; `variant` when it is the value of a `{"Variant": ...}` object.
struct Compound<'a, W> {
    ser: &'a mut Pretty<W>,
    state: State,
    variant: bool,
}

impl<W: Write> Compound<'_, W> {
    fn end_with(self, close: u8) -> Result<(), Error> {
        self.ser.close(self.state, close)?;
        if self.variant {
            self.ser.close(State::Rest, b'}')?;
        }
        Ok(())
    }

    fn element(&mut self, value: &(impl Serialize + ?Sized)) -> Result<(), Error> {
        self.ser.next_item(&mut self.state)?;
        value.serialize(&mut *self.ser)
    }

    fn key(&mut self, key: &(impl Serialize + ?Sized)) -> Result<(), Error> {
        self.ser.next_item(&mut self.state)?;
        key.serialize(KeySerializer {
            ser: &mut *self.ser,
        })
    }

    fn value(&mut self, value: &(impl Serialize + ?Sized)) -> Result<(), Error> {
        self.ser.put(b": ")?;
        value.serialize(&mut *self.ser)?;
        self.ser.command_value = false;
        Ok(())
    }
}

impl<'a, W: Write> ser::Serializer for &'a mut Pretty<W> {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = Compound<'a, W>;
    type SerializeTuple = Compound<'a, W>;
    type SerializeTupleStruct = Compound<'a, W>;
    type SerializeTupleVariant = Compound<'a, W>;
    type SerializeMap = Compound<'a, W>;
    type SerializeStruct = Compound<'a, W>;
    type SerializeStructVariant = Compound<'a, W>;

    fn serialize_bool(self, v: bool) -> Result<(), Error> {
        self.put(if v { b"true" } else { b"false" })
    }
    fn serialize_i8(self, v: i8) -> Result<(), Error> {
        self.integer(v)
    }
    fn serialize_i16(self, v: i16) -> Result<(), Error> {
        self.integer(v)
    }
    fn serialize_i32(self, v: i32) -> Result<(), Error> {
        self.integer(v)
    }
    fn serialize_i64(self, v: i64) -> Result<(), Error> {
        self.integer(v)
    }
    fn serialize_i128(self, v: i128) -> Result<(), Error> {
        self.integer(v)
    }
    fn serialize_u8(self, v: u8) -> Result<(), Error> {
        self.integer(v)
    }
    fn serialize_u16(self, v: u16) -> Result<(), Error> {
        self.integer(v)
    }
    fn serialize_u32(self, v: u32) -> Result<(), Error> {
        self.integer(v)
    }
    fn serialize_u64(self, v: u64) -> Result<(), Error> {
        self.integer(v)
    }
    fn serialize_u128(self, v: u128) -> Result<(), Error> {
        self.integer(v)
    }
    fn serialize_f32(self, v: f32) -> Result<(), Error> {
        self.float(&v)
    }
    fn serialize_f64(self, v: f64) -> Result<(), Error> {
        self.float(&v)
    }
    fn serialize_char(self, v: char) -> Result<(), Error> {
        self.string(v.encode_utf8(&mut [0; 4]))
    }
    fn serialize_str(self, v: &str) -> Result<(), Error> {
        self.string(v)
    }
    fn collect_str<T: ?Sized + std::fmt::Display>(self, value: &T) -> Result<(), Error> {
        use std::fmt::Write as _;
        let mut text = std::mem::take(&mut self.scratch);
        text.clear();
        write!(text, "{value}").map_err(ser::Error::custom)?;
        let written = self.string(&text);
        self.scratch = text;
        written
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<(), Error> {
        use ser::SerializeSeq;
        let mut seq = self.serialize_seq(Some(v.len()))?;
        for b in v {
            seq.serialize_element(b)?;
        }
        seq.end()
    }
    fn serialize_none(self) -> Result<(), Error> {
        self.put(b"null")
    }
    fn serialize_some<T: ?Sized + Serialize>(self, value: &T) -> Result<(), Error> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<(), Error> {
        self.put(b"null")
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<(), Error> {
        self.put(b"null")
    }
    fn serialize_unit_variant(self, _: &'static str, _: u32, v: &'static str) -> Result<(), Error> {
        self.string(v)
    }
    fn serialize_newtype_struct<T: ?Sized + Serialize>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: ?Sized + Serialize>(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        let state = self.open(b'{', b'}', None)?;
        let mut object = Compound {
            ser: self,
            state,
            variant: false,
        };
        object.key(variant)?;
        object.value(value)?;
        object.end_with(b'}')
    }
    fn serialize_seq(self, len: Option<usize>) -> Result<Compound<'a, W>, Error> {
        let state = self.open(b'[', b']', len)?;
        Ok(Compound {
            ser: self,
            state,
            variant: false,
        })
    }
    fn serialize_tuple(self, len: usize) -> Result<Compound<'a, W>, Error> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_struct(self, _: &'static str, len: usize) -> Result<Compound<'a, W>, Error> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Compound<'a, W>, Error> {
        self.variant_open(variant)?;
        let mut seq = self.serialize_seq(Some(len))?;
        seq.variant = true;
        Ok(seq)
    }
    fn serialize_map(self, len: Option<usize>) -> Result<Compound<'a, W>, Error> {
        let state = self.open(b'{', b'}', len)?;
        Ok(Compound {
            ser: self,
            state,
            variant: false,
        })
    }
    fn serialize_struct(self, _: &'static str, len: usize) -> Result<Compound<'a, W>, Error> {
        self.serialize_map(Some(len))
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Compound<'a, W>, Error> {
        self.variant_open(variant)?;
        let mut map = self.serialize_map(Some(len))?;
        map.variant = true;
        Ok(map)
    }
}

impl<W: Write> Pretty<W> {
    /// `{`, the variant's name as the one key, `": "`: what a tuple or struct variant's value
    /// follows (closed by [`Compound::end_with`]).
    fn variant_open(&mut self, variant: &str) -> Result<(), Error> {
        let mut state = self.open(b'{', b'}', None)?;
        self.next_item(&mut state)?;
        self.key_string(variant)?;
        self.put(b": ")
    }
}

/// The four kinds of sequence serde knows, written alike: elements, then `]`.
macro_rules! sequence {
    ($($kind:ident :: $method:ident),*) => {$(
        impl<W: Write> ser::$kind for Compound<'_, W> {
            type Ok = ();
            type Error = Error;
            fn $method<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<(), Error> {
                self.element(value)
            }
            fn end(self) -> Result<(), Error> {
                self.end_with(b']')
            }
        }
    )*};
}

sequence!(
    SerializeSeq::serialize_element,
    SerializeTuple::serialize_element,
    SerializeTupleStruct::serialize_field,
    SerializeTupleVariant::serialize_field
);

impl<W: Write> ser::SerializeMap for Compound<'_, W> {
    type Ok = ();
    type Error = Error;
    fn serialize_key<T: ?Sized + Serialize>(&mut self, key: &T) -> Result<(), Error> {
        self.key(key)
    }
    fn serialize_value<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<(), Error> {
        self.value(value)
    }
    fn end(self) -> Result<(), Error> {
        self.end_with(b'}')
    }
}

/// Structs and struct variants, written alike: `"field": value` members, then `}`.
macro_rules! structure {
    ($($kind:ident),*) => {$(
        impl<W: Write> ser::$kind for Compound<'_, W> {
            type Ok = ();
            type Error = Error;
            fn serialize_field<T: ?Sized + Serialize>(
                &mut self,
                key: &'static str,
                value: &T,
            ) -> Result<(), Error> {
                self.ser.member_start(&mut self.state, key)?;
                value.serialize(&mut *self.ser)?;
                self.ser.command_value = false;
                Ok(())
            }
            fn end(self) -> Result<(), Error> {
                self.end_with(b'}')
            }
        }
    )*};
}

structure!(SerializeStruct, SerializeStructVariant);

mod edit;
mod key;
mod look;
use key::KeySerializer;

#[cfg(test)]
mod tests;
