//! The typed model read from the tree the contract has checked, so that a
//! data file is parsed once: every scalar is handed over as the text the
//! file writes, and the model's own types parse it (a year as a number, an
//! amount as a decimal).
//!
//! [`Located`](crate::model::Located) asks for a struct named [`LOCATED`];
//! this deserializer answers it with the value's line and column and the
//! value.

use std::fmt;

use serde::de::value::{BorrowedStrDeserializer, SeqDeserializer};
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

use super::{Key, Node, Value};
use crate::model::{LOCATED, LOCATED_FIELDS, Loc};

/// The typed value of a tree.
pub fn from_node<'de, T: de::Deserialize<'de>>(node: &'de Node) -> Result<T, ModelError> {
    T::deserialize(NodeDeserializer(node)).map_err(|e| e.at(node.loc))
}

/// A value the model's types refused, at the innermost place known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelError {
    pub message: String,
    pub loc: Option<Loc>,
}

impl ModelError {
    /// The error placed at `loc`, unless a value inside already placed it.
    fn at(mut self, loc: Loc) -> Self {
        self.loc.get_or_insert(loc);
        self
    }
}

impl fmt::Display for ModelError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ModelError {}

impl de::Error for ModelError {
    fn custom<M: fmt::Display>(message: M) -> Self {
        Self {
            message: message.to_string(),
            loc: None,
        }
    }
}

struct NodeDeserializer<'de>(&'de Node);

impl<'de> NodeDeserializer<'de> {
    fn scalar(&self, expected: &str) -> Result<&'de str, ModelError> {
        match &self.0.value {
            Value::Scalar(text) => Ok(text),
            _ => Err(self.wrong(expected)),
        }
    }

    fn wrong(&self, expected: &str) -> ModelError {
        let found = match &self.0.value {
            Value::Null => "nothing",
            Value::Scalar(_) => "a single value",
            Value::List(_) => "a list",
            Value::Map(_) => "keys and values",
        };
        <ModelError as de::Error>::custom(format!("expected {expected}, found {found}"))
            .at(self.0.loc)
    }

    fn parsed<T: std::str::FromStr>(&self, expected: &str) -> Result<T, ModelError> {
        self.scalar(expected)?
            .parse()
            .map_err(|_| self.wrong(expected))
    }
}

/// The numbers the model reads, each parsed from the text as written.
macro_rules! numbers {
    ($($method:ident $visit:ident $type:ty),* $(,)?) => {
        $(fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ModelError> {
            let number: $type = self.parsed(concat!("a whole number (", stringify!($type), ")"))?;
            visitor.$visit(number)
        })*
    };
}

impl<'de> Deserializer<'de> for NodeDeserializer<'de> {
    type Error = ModelError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ModelError> {
        match &self.0.value {
            Value::Null => visitor.visit_unit(),
            Value::Scalar(text) => visitor.visit_borrowed_str(text),
            Value::List(items) => visitor.visit_seq(Items(items.iter())),
            Value::Map(entries) => visitor.visit_map(Entries::new(entries)),
        }
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ModelError> {
        let flag = match self.scalar("true or false")? {
            "true" | "True" | "TRUE" => true,
            "false" | "False" | "FALSE" => false,
            _ => return Err(self.wrong("true or false")),
        };
        visitor.visit_bool(flag)
    }

    numbers! {
        deserialize_u8 visit_u8 u8,
        deserialize_u16 visit_u16 u16,
        deserialize_u32 visit_u32 u32,
        deserialize_u64 visit_u64 u64,
        deserialize_i8 visit_i8 i8,
        deserialize_i16 visit_i16 i16,
        deserialize_i32 visit_i32 i32,
        deserialize_i64 visit_i64 i64,
    }

    fn deserialize_f32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ModelError> {
        let number = self.parsed("a number")?;
        visitor.visit_f32(number)
    }

    fn deserialize_f64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ModelError> {
        let number = self.parsed("a number")?;
        visitor.visit_f64(number)
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ModelError> {
        let text = self.scalar("a piece of text")?;
        visitor.visit_borrowed_str(text)
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ModelError> {
        self.deserialize_str(visitor)
    }

    fn deserialize_char<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ModelError> {
        self.deserialize_str(visitor)
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ModelError> {
        self.deserialize_str(visitor)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ModelError> {
        match self.0.value {
            Value::Null => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ModelError> {
        match self.0.value {
            Value::Null => visitor.visit_unit(),
            _ => Err(self.wrong("nothing")),
        }
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ModelError> {
        match &self.0.value {
            Value::List(_) => self.deserialize_any(visitor),
            _ => Err(self.wrong("a list")),
        }
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ModelError> {
        match &self.0.value {
            Value::Map(_) => self.deserialize_any(visitor),
            _ => Err(self.wrong("keys and values")),
        }
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, ModelError> {
        if name == LOCATED {
            return visitor.visit_map(Placed::new(self.0));
        }
        self.deserialize_map(visitor)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, ModelError> {
        let text = self.scalar("one of the listed words")?;
        let variant = BorrowedStrDeserializer::<ModelError>::new(text);
        visitor.visit_enum(variant)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, ModelError> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ModelError> {
        visitor.visit_unit()
    }

    serde::forward_to_deserialize_any! {
        i128 u128 bytes byte_buf unit_struct tuple tuple_struct
    }
}

// An error is placed where it comes out: at the value a mapping's entry,
// a list's item, a located value or the whole tree hands over (see `at`),
// so that a refusal by the model's type after reading the text (an amount,
// a date) has its place too.

/// A mapping's entries, keys by name.
struct Entries<'de> {
    entries: std::slice::Iter<'de, (Key, Node)>,
    value: Option<&'de Node>,
}

impl<'de> Entries<'de> {
    fn new(entries: &'de [(Key, Node)]) -> Self {
        Self {
            entries: entries.iter(),
            value: None,
        }
    }
}

impl<'de> MapAccess<'de> for Entries<'de> {
    type Error = ModelError;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, ModelError> {
        let Some((key, value)) = self.entries.next() else {
            return Ok(None);
        };
        self.value = Some(value);
        let name = BorrowedStrDeserializer::<ModelError>::new(&key.name);
        seed.deserialize(name).map(Some).map_err(|e| e.at(key.loc))
    }

    fn next_value_seed<S: DeserializeSeed<'de>>(
        &mut self,
        seed: S,
    ) -> Result<S::Value, ModelError> {
        let value = self
            .value
            .take()
            .ok_or_else(|| de::Error::custom("a value was asked for before its key"))?;
        seed.deserialize(NodeDeserializer(value))
            .map_err(|e| e.at(value.loc))
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.entries.len())
    }
}

/// A list's items.
struct Items<'de>(std::slice::Iter<'de, Node>);

impl<'de> SeqAccess<'de> for Items<'de> {
    type Error = ModelError;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, ModelError> {
        let Some(item) = self.0.next() else {
            return Ok(None);
        };
        seed.deserialize(NodeDeserializer(item))
            .map(Some)
            .map_err(|e| e.at(item.loc))
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.0.len())
    }
}

/// A located value's two fields: its place, as (line, column), and itself.
struct Placed<'de> {
    node: &'de Node,
    next: usize,
}

impl<'de> Placed<'de> {
    const fn new(node: &'de Node) -> Self {
        Self { node, next: 0 }
    }
}

impl<'de> MapAccess<'de> for Placed<'de> {
    type Error = ModelError;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, ModelError> {
        let Some(&field) = LOCATED_FIELDS.get(self.next) else {
            return Ok(None);
        };
        let name = BorrowedStrDeserializer::<ModelError>::new(field);
        seed.deserialize(name).map(Some)
    }

    fn next_value_seed<S: DeserializeSeed<'de>>(
        &mut self,
        seed: S,
    ) -> Result<S::Value, ModelError> {
        self.next += 1;
        if self.next == 1 {
            let Loc { line, column } = self.node.loc;
            seed.deserialize(SeqDeserializer::new([line, column].into_iter()))
        } else {
            seed.deserialize(NodeDeserializer(self.node))
                .map_err(|e| e.at(self.node.loc))
        }
    }
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    use super::*;
    use crate::model::{Located, Money};

    fn tree(text: &str) -> Node {
        super::super::parse(text, serde_saphyr::Options::default()).unwrap()
    }

    #[derive(Debug, Deserialize)]
    struct Record {
        year: Located<u16>,
        total: Located<Money>,
        #[serde(default)]
        names: Vec<Located<String>>,
        note: Option<String>,
        #[serde(default)]
        flag: bool,
    }

    #[test]
    fn every_value_is_read_from_the_text_the_file_writes_with_its_place() {
        let node = tree(
            "year: 2022\ntotal: 1449000.00\nnames: [甲, '0.10']\nnote:\nextra: {a: 1}\nflag: true\n",
        );
        let record: Record = from_node(&node).unwrap();
        assert_eq!(record.year.value, 2022);
        assert_eq!(record.year.loc, Loc::new(1, 7));
        assert_eq!(record.total.value.to_string(), "1449000.00");
        assert_eq!(record.total.loc, Loc::new(2, 8));
        let names: Vec<(&str, Loc)> = record
            .names
            .iter()
            .map(|n| (n.value.as_str(), n.loc))
            .collect();
        assert_eq!(names, [("甲", Loc::new(3, 9)), ("0.10", Loc::new(3, 12))]);
        assert_eq!(record.note, None);
        assert!(record.flag);
    }

    #[test]
    fn a_value_the_model_refuses_is_placed_where_it_is_written() {
        let node = tree("year: 2022\ntotal: 12,5\n");
        let error = from_node::<Record>(&node).unwrap_err();
        assert_eq!(error.loc, Some(Loc::new(2, 8)), "{error:?}");
        let node = tree("year: [1]\ntotal: 1\n");
        let error = from_node::<Record>(&node).unwrap_err();
        assert_eq!(error.loc, Some(Loc::new(1, 7)), "{error:?}");
        assert!(error.message.contains("whole number"), "{error:?}");
    }
}
