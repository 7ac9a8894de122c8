//! Indicator values (指标值), parsed once when the data is read.
//!
//! An approved value is published exactly as written, so the text is kept;
//! the checks work on its shape: a comparison with a number and a unit
//! (`≥90%`, `=200人次`, `3次`), a qualitative word (`及时`, `良好或以上`), or
//! a free sentence.

use std::fmt;
use std::str::FromStr;

use rust_decimal::Decimal;

/// A comparison in a target; `None` when the value is a bare number (`3次`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    AtLeast,
    AtMost,
    Equal,
    Above,
    Below,
    None,
}

/// An indicator value as written, and what it says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IndicatorValue {
    text: String,
    pub shape: Shape,
}

/// What a value says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Shape {
    /// An empty cell.
    Blank,
    /// `op number unit`: `≥90%`, `=200人次`, `1350`.
    Quantity(Quantity),
    /// A short word or phrase without numbers: 及时, 有效, 良好或以上.
    Qualitative,
    /// Anything else: a sentence, a range, a description.
    Free,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Quantity {
    pub op: Op,
    pub number: Decimal,
    /// What follows the number, e.g. `%`, `人次`, `万元`; empty if nothing does.
    pub unit: String,
    /// The operator as written when it is a variant (`>=`, `≧`), so that the
    /// usual form can be suggested.
    pub variant: Option<&'static str>,
}

/// The operators and how they are also written; the first form is the usual one.
const OPERATORS: &[(&str, Op, Option<&str>)] = &[
    ("≥", Op::AtLeast, None),
    (">=", Op::AtLeast, Some("≥")),
    ("≧", Op::AtLeast, Some("≥")),
    ("＞＝", Op::AtLeast, Some("≥")),
    ("≤", Op::AtMost, None),
    ("<=", Op::AtMost, Some("≤")),
    ("≦", Op::AtMost, Some("≤")),
    ("＜＝", Op::AtMost, Some("≤")),
    ("=", Op::Equal, None),
    ("＝", Op::Equal, Some("=")),
    (">", Op::Above, None),
    ("＞", Op::Above, Some(">")),
    ("<", Op::Below, None),
    ("＜", Op::Below, Some("<")),
];

/// Longest qualitative value: longer text without numbers is a sentence.
const QUALITATIVE_MAX_CHARS: usize = 8;

impl IndicatorValue {
    pub fn as_str(&self) -> &str {
        &self.text
    }

    pub fn quantity(&self) -> Option<&Quantity> {
        match &self.shape {
            Shape::Quantity(q) => Some(q),
            _ => None,
        }
    }
}

impl FromStr for IndicatorValue {
    type Err = std::convert::Infallible;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Ok(Self {
            text: text.to_owned(),
            shape: shape_of(text.trim()),
        })
    }
}

impl fmt::Display for IndicatorValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// Any text is an indicator value: it is read, never refused.
impl<'de> serde::Deserialize<'de> for IndicatorValue {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Ok(text.parse().unwrap_or_else(|never| match never {}))
    }
}

impl serde::Serialize for IndicatorValue {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

fn shape_of(text: &str) -> Shape {
    if text.is_empty() {
        return Shape::Blank;
    }
    let text = &half_width(text);
    if let Some(quantity) = quantity_of(text) {
        return Shape::Quantity(quantity);
    }
    let short = text.chars().count() <= QUALITATIVE_MAX_CHARS;
    let plain = text
        .chars()
        .all(|c| !c.is_ascii_digit() && !c.is_ascii_punctuation() && !"，。；：、".contains(c));
    if short && plain {
        Shape::Qualitative
    } else {
        Shape::Free
    }
}

/// The text with full-width digits, decimal point and per cent sign read as
/// their ASCII forms (`≥５０％` is `≥50%`), for reading the value only:
/// the value is still printed as written.
fn half_width(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '０'..='９' => char::from(b'0' + (c as u32 - '０' as u32) as u8),
            '％' => '%',
            '．' => '.',
            c => c,
        })
        .collect()
}

fn quantity_of(text: &str) -> Option<Quantity> {
    let (op, variant, rest) = OPERATORS
        .iter()
        .find_map(|(written, op, variant)| {
            text.strip_prefix(written).map(|rest| (*op, *variant, rest))
        })
        .unwrap_or((Op::None, None, text));
    let rest = rest.trim_start();
    let digits = rest
        .char_indices()
        .take_while(|(_, c)| c.is_ascii_digit() || *c == '.')
        .last()?
        .0
        + 1;
    let number = Decimal::from_str_exact(&rest[..digits]).ok()?;
    let unit = rest[digits..].trim();
    let is_year = digits == 4 && unit.starts_with('年');
    if is_year {
        return None;
    }
    let unit_is_plain = unit.chars().count() <= 6
        && unit
            .chars()
            .all(|c| !c.is_ascii_digit() && !"，。；、（(".contains(c));
    unit_is_plain.then(|| Quantity {
        op,
        number,
        unit: unit.to_owned(),
        variant,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn quantity(text: &str) -> Quantity {
        text.parse::<IndicatorValue>()
            .unwrap()
            .quantity()
            .cloned()
            .unwrap_or_else(|| panic!("{text} is not a quantity"))
    }

    fn shape(text: &str) -> Shape {
        text.parse::<IndicatorValue>().unwrap().shape
    }

    #[test]
    fn comparisons_numbers_and_units() {
        let q = quantity("≥90%");
        assert_eq!(
            (q.op, q.number, q.unit.as_str(), q.variant),
            (Op::AtLeast, Decimal::from(90), "%", None)
        );
        let q = quantity("=200人次");
        assert_eq!((q.op, q.unit.as_str()), (Op::Equal, "人次"));
        let q = quantity("≤36.50万元");
        assert_eq!(
            (q.number.to_string().as_str(), q.unit.as_str()),
            ("36.50", "万元")
        );
        let q = quantity("1350");
        assert_eq!((q.op, q.unit.as_str()), (Op::None, ""));
        assert_eq!(quantity(">90%").op, Op::Above);
        assert_eq!(quantity("<5天").op, Op::Below);
    }

    #[test]
    fn operator_variants_are_read_and_remembered() {
        for (text, op, usual) in [
            (">=1次", Op::AtLeast, "≥"),
            ("≧95%", Op::AtLeast, "≥"),
            ("<=10%", Op::AtMost, "≤"),
            ("≦5%", Op::AtMost, "≤"),
        ] {
            let q = quantity(text);
            assert_eq!((q.op, q.variant), (op, Some(usual)), "{text}");
        }
    }

    #[test]
    fn words_and_sentences() {
        for word in ["及时", "有效", "良好或以上", "按时", "长期"] {
            assert_eq!(shape(word), Shape::Qualitative, "{word}");
        }
        for sentence in [
            "由各乡镇、街道负责组织人大代表开展活动，原则上每年不少于2次活动",
            "1至5个",
            "2022年1月至12月",
            "2022年全年",
            "2022年",
            "满意≧95%以上",
        ] {
            assert_eq!(shape(sentence), Shape::Free, "{sentence}");
        }
        assert_eq!(shape(""), Shape::Blank);
        assert_eq!(shape("  "), Shape::Blank);
    }

    #[test]
    fn full_width_digits_and_per_cent_are_numbers() {
        let q = quantity("≥５０％");
        assert_eq!(
            (q.op, q.number, q.unit.as_str()),
            (Op::AtLeast, Decimal::from(50), "%")
        );
        let q = quantity("≥95％");
        assert_eq!((q.number, q.unit.as_str()), (Decimal::from(95), "%"));
        let q = quantity("１２．５万元");
        assert_eq!(
            (q.number.to_string().as_str(), q.unit.as_str()),
            ("12.5", "万元")
        );
        assert_eq!(
            "≥５０％".parse::<IndicatorValue>().unwrap().as_str(),
            "≥５０％"
        );
    }

    #[test]
    fn the_text_is_kept_as_written() {
        let value: IndicatorValue = "≧95% ".parse().unwrap();
        assert_eq!(value.as_str(), "≧95% ");
    }
}
