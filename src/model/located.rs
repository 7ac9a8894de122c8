//! Values that remember where they were written.
//!
//! Every finding must point at a line and column of the data file, so the
//! location is captured once, when the YAML is read, and travels with the value
//! through checking and rendering.

use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A 1-based line and column in a data file; `0:0` when the place is unknown.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
pub struct Loc {
    pub line: u32,
    pub column: u32,
}

impl Loc {
    pub const fn new(line: u32, column: u32) -> Self {
        Self { line, column }
    }
}

impl fmt::Display for Loc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.column)
    }
}

impl From<serde_saphyr::Location> for Loc {
    fn from(location: serde_saphyr::Location) -> Self {
        let clamp = |n: u64| u32::try_from(n).unwrap_or(u32::MAX);
        Self::new(clamp(location.line()), clamp(location.column()))
    }
}

/// A value and the place in the data file it came from.
///
/// It serializes as the bare value: templates and published JSON never see
/// locations.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Located<T> {
    pub value: T,
    pub loc: Loc,
}

impl<T> Located<T> {
    pub const fn new(value: T, loc: Loc) -> Self {
        Self { value, loc }
    }
}

impl<T> std::ops::Deref for Located<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.value
    }
}

/// The struct name by which a located value asks a deserializer for its
/// place as well as its value; a data file's tree answers it.
pub const LOCATED: &str = "$jixiao::Located";
/// The two fields of a located value: its place, as (line, column), then itself.
pub const LOCATED_FIELDS: &[&str] = &["loc", "value"];

/// A located value comes from a data file's tree, which knows the place
/// ([`crate::node::from_node`]).
impl<'de, T: Deserialize<'de>> Deserialize<'de> for Located<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_struct(LOCATED, LOCATED_FIELDS, LocatedVisitor(PhantomData))
    }
}

struct LocatedVisitor<T>(PhantomData<T>);

impl<'de, T: Deserialize<'de>> Visitor<'de> for LocatedVisitor<T> {
    type Value = Located<T>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a value of a data file, with its place")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Located<T>, A::Error> {
        let mut loc = None;
        let mut value = None;
        while let Some(key) = map.next_key::<&str>()? {
            match key {
                "loc" => {
                    let (line, column): (u32, u32) = map.next_value()?;
                    loc = Some(Loc::new(line, column));
                }
                "value" => value = Some(map.next_value()?),
                other => return Err(de::Error::unknown_field(other, LOCATED_FIELDS)),
            }
        }
        let value = value.ok_or_else(|| de::Error::missing_field("value"))?;
        Ok(Located::new(value, loc.unwrap_or_default()))
    }
}

impl<T: Serialize> Serialize for Located<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.value.serialize(serializer)
    }
}

/// Text exactly as written in the data file.
pub type Text = Located<String>;
