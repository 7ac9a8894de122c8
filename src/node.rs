//! A data file as a tree of YAML values exactly as written, each with its
//! line and column: what a form's contract is checked against before
//! anything is typed, so that every missing or misspelt key of a file is
//! found in one run.
//!
//! serde-saphyr parses it (with its limits, duplicate-key and tag rules);
//! a plain scalar it would read as a number or a boolean (`1449000.00`,
//! `true`) is taken back as the text the file writes, from its span.

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::{Spanned, Tagged};

use crate::diag::Code;
use crate::model::Loc;

mod typed;

pub use typed::{ModelError, from_node};

/// A value and where it is written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Node {
    pub loc: Loc,
    pub value: Value,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Value {
    /// Nothing written after the key, or `~`, `null`.
    Null,
    /// Any scalar, as its text.
    Scalar(String),
    List(Vec<Node>),
    Map(Vec<(Key, Node)>),
}

/// A mapping key and where it is written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Key {
    pub name: String,
    pub loc: Loc,
}

impl Node {
    /// The value under `key`, if this is a mapping that has it.
    pub fn get(&self, key: &str) -> Option<&Node> {
        match &self.value {
            Value::Map(entries) => entries.iter().find(|(k, _)| k.name == key).map(|(_, v)| v),
            _ => None,
        }
    }

    pub fn as_text(&self) -> Option<&str> {
        match &self.value {
            Value::Scalar(text) => Some(text),
            _ => None,
        }
    }

    /// Whether nothing is written: null, an empty list or mapping.
    pub fn is_empty(&self) -> bool {
        match &self.value {
            Value::Null => true,
            Value::List(items) => items.is_empty(),
            Value::Map(entries) => entries.is_empty(),
            Value::Scalar(_) => false,
        }
    }
}

/// Why a text is not a tree of plain values.
#[derive(Debug, thiserror::Error)]
pub enum ParseError {
    #[error(transparent)]
    Yaml(#[from] serde_saphyr::Error),
    /// A value written with an explicit tag (`!!binary`, `!!int`, even
    /// `!!str`): its text may not be what the tag makes of it, so what a
    /// reviewer reads and what is printed could differ; a disclosure needs
    /// none.
    #[error("the tag {} is not allowed: a data file writes its values as plain text", Code(.tag))]
    Tag { tag: String, loc: Loc },
}

/// Parses YAML text into a tree, with the loader's options and limits.
pub fn parse(text: &str, options: serde_saphyr::Options) -> Result<Node, ParseError> {
    let raw: Spanned<Tagged<Raw>> = serde_saphyr::from_str_with_options(text, options)?;
    resolve(text, raw)
}

/// A node as serde-saphyr hands it over, with the tag written on it.
type RawNode = Spanned<Tagged<Raw>>;

/// What serde-saphyr hands over, before plain scalars get their text back.
enum Raw {
    Null,
    Text(String),
    /// A plain scalar serde read as a number or boolean.
    Typed,
    List(Vec<RawNode>),
    Map(Vec<(Spanned<String>, RawNode)>),
}

fn resolve(source: &str, raw: RawNode) -> Result<Node, ParseError> {
    let loc = Loc::from(raw.referenced);
    let Tagged(value, tag) = raw.value;
    if let Some(tag) = tag {
        return Err(ParseError::Tag { tag, loc });
    }
    let value = match value {
        Raw::Null => Value::Null,
        Raw::Text(text) => Value::Scalar(text),
        Raw::Typed => Value::Scalar(written(source, &raw.referenced)),
        Raw::List(items) => Value::List(
            items
                .into_iter()
                .map(|i| resolve(source, i))
                .collect::<Result<_, _>>()?,
        ),
        Raw::Map(entries) => Value::Map(
            entries
                .into_iter()
                .map(|(key, value)| {
                    let key = Key {
                        loc: Loc::from(key.referenced),
                        name: key.value,
                    };
                    Ok((key, resolve(source, value)?))
                })
                .collect::<Result<_, ParseError>>()?,
        ),
    };
    Ok(Node { loc, value })
}

/// The scalar's own text in the source.
fn written(source: &str, location: &serde_saphyr::Location) -> String {
    let span = location.span();
    let range = span
        .byte_offset()
        .zip(span.byte_len())
        .and_then(|(start, len)| {
            let start = usize::try_from(start).ok()?;
            Some(start..start.checked_add(usize::try_from(len).ok()?)?)
        });
    range
        .and_then(|r| source.get(r))
        .map(|text| text.trim().to_owned())
        .unwrap_or_default()
}

impl<'de> Deserialize<'de> for Raw {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(RawVisitor)
    }
}

struct RawVisitor;

impl<'de> Visitor<'de> for RawVisitor {
    type Value = Raw;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a YAML value")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Raw, E> {
        Ok(Raw::Text(v.to_owned()))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Raw, E> {
        Ok(Raw::Text(v))
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Raw, E> {
        Ok(Raw::Typed)
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Raw, E> {
        Ok(Raw::Typed)
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Raw, E> {
        Ok(Raw::Typed)
    }

    fn visit_i128<E: de::Error>(self, _: i128) -> Result<Raw, E> {
        Ok(Raw::Typed)
    }

    fn visit_u128<E: de::Error>(self, _: u128) -> Result<Raw, E> {
        Ok(Raw::Typed)
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Raw, E> {
        Ok(Raw::Typed)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Raw, E> {
        Ok(Raw::Null)
    }

    fn visit_none<E: de::Error>(self) -> Result<Raw, E> {
        Ok(Raw::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Raw, D::Error> {
        deserializer.deserialize_any(self)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Raw, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Raw::List(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Raw, A::Error> {
        let mut entries = Vec::new();
        while let Some(entry) = map.next_entry()? {
            entries.push(entry);
        }
        Ok(Raw::Map(entries))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree(text: &str) -> Node {
        parse(text, serde_saphyr::Options::default()).unwrap()
    }

    #[test]
    fn scalars_keep_the_text_the_file_writes() {
        let node = tree("total: 1449000.00\nyear: 2022\nflag: true\nname: '0.10'\nnothing:\n");
        let text = |key| node.get(key).unwrap().as_text().map(str::to_owned);
        assert_eq!(text("total").as_deref(), Some("1449000.00"));
        assert_eq!(text("year").as_deref(), Some("2022"));
        assert_eq!(text("flag").as_deref(), Some("true"));
        assert_eq!(text("name").as_deref(), Some("0.10"));
        assert_eq!(node.get("nothing").unwrap().value, Value::Null);
    }

    #[test]
    fn a_tag_that_changes_a_value_is_refused_at_its_place() {
        let refused = |text: &str| match parse(text, serde_saphyr::Options::default()) {
            Err(ParseError::Tag { tag, loc }) => Some((tag, loc.line)),
            _ => None,
        };
        let binary = refused("a: x\ntitle: !!binary 5Lic6I6e\n").unwrap();
        assert!(binary.0.contains("binary") && binary.1 == 2, "{binary:?}");
        assert!(refused("a:\n  - !!int 3\n").is_some());
        assert!(refused("a: !!str 3\n").is_some());
        assert!(refused("b: ! x\n").is_some());
        assert!(refused("c: plain\nd: 'quoted'\n").is_none());
    }

    #[test]
    fn every_value_and_key_has_its_place() {
        let node = tree("a:\n  - x: 1.50\n    y: [b, 2.0]\n");
        let item = match &node.get("a").unwrap().value {
            Value::List(items) => &items[0],
            other => panic!("{other:?}"),
        };
        assert_eq!(item.loc, Loc::new(2, 5));
        let Value::Map(entries) = &item.value else {
            panic!()
        };
        assert_eq!(
            (entries[1].0.name.as_str(), entries[1].0.loc),
            ("y", Loc::new(3, 5))
        );
        let Value::List(values) = &entries[1].1.value else {
            panic!()
        };
        assert_eq!(
            (values[1].as_text(), values[1].loc),
            (Some("2.0"), Loc::new(3, 12))
        );
    }
}
