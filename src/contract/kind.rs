//! What each type of field takes, in one place: how a scalar of it is read
//! and why one is refused, how a message names the type, and the plainest
//! value of it. The loader's walk of a data file, the workbook import and
//! a form's samples all ask here, so that a data file, a workbook cell and
//! a sample are read by the same rule. A new type of field is a variant of
//! [`Kind`] with its arms here, its name in form.yaml (spec.rs) and how the
//! editor's schema marks it (schema.rs).

use rust_decimal::Decimal;

use super::Kind;
use crate::codes::{BAD_AMOUNT, BAD_DATE, Rule};
use crate::model::{Date, Money, Unit, When};

/// Why a scalar is not a value of its field's type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BadValue<'k> {
    /// Written as the type, but wrong (an amount with a sign, 2023-02-30):
    /// the type's own words, under its rule.
    Malformed {
        rule: &'static Rule,
        message: String,
    },
    /// Not a value of the type at all: said as what the field should be.
    NotThisKind,
    /// Not one of a choice's options, which are these.
    NotAnOption(&'k [String]),
}

impl Kind {
    /// Whether a value of this type is one scalar, rather than a list,
    /// record, grid or table the walks descend into.
    pub fn is_scalar(&self) -> bool {
        matches!(
            self,
            Kind::Text
                | Kind::Value
                | Kind::Money(_)
                | Kind::Unit
                | Kind::Date
                | Kind::Period
                | Kind::Year
                | Kind::Choice(_)
        )
    }

    /// A scalar's text read as this type: the amount it states when it is
    /// money, or why it is not of this type. The text is never changed:
    /// it is published as written.
    pub fn read(&self, text: &str) -> Result<Option<Decimal>, BadValue<'_>> {
        let malformed = |rule, error: &dyn std::fmt::Display| BadValue::Malformed {
            rule,
            message: error.to_string(),
        };
        match self {
            Kind::Text | Kind::Value => Ok(None),
            Kind::Money(_) => match text.parse::<Money>() {
                Ok(money) => Ok(Some(money.value())),
                Err(e) => Err(malformed(BAD_AMOUNT, &e)),
            },
            Kind::Date => text
                .parse::<Date>()
                .map(|_| None)
                .map_err(|e| malformed(BAD_DATE, &e)),
            Kind::Period => text
                .parse::<When>()
                .map(|_| None)
                .map_err(|e| malformed(BAD_DATE, &e)),
            Kind::Unit => [Unit::Yuan, Unit::TenThousandYuan]
                .iter()
                .any(|u| u.as_str() == text)
                .then_some(None)
                .ok_or(BadValue::NotThisKind),
            // Whether the year is plausible is the review rule bad-year's to say.
            Kind::Year => text
                .parse::<u16>()
                .map(|_| None)
                .map_err(|_| BadValue::NotThisKind),
            Kind::Choice(options) => options
                .iter()
                .any(|o| o == text)
                .then_some(None)
                .ok_or(BadValue::NotAnOption(options)),
            _ => Err(BadValue::NotThisKind),
        }
    }

    /// What a value of this type is, as a message says what a field
    /// should be.
    pub fn describe(&self) -> &'static str {
        match self {
            Kind::Text | Kind::Value => "a piece of text",
            Kind::Paragraphs | Kind::Values => "a list of texts",
            Kind::Money(_) => "an amount",
            Kind::Unit => "元 or 万元",
            Kind::Date => "a date, YYYY-MM-DD",
            Kind::Period => "a date or a period (2022-01-01, 2022年, 2021年度)",
            Kind::Year => "a four-digit year",
            Kind::Choice(_) => "one of the form's choices",
            Kind::Record(_) | Kind::Indicators => "keys and values (a mapping)",
            Kind::Grid(_) => "the grid's rows, each with its cells (`财政拨款: {金额: 100.00}`)",
            Kind::Blank => "left out (the cell is ——)",
            Kind::List(_) => "a list (`- ` before each item)",
        }
    }

    /// The plainest value of a scalar type, as a data file writes it: what
    /// a form's samples are filled with, so that a sample that fails is
    /// the template's fault, not the data's. A choice's is its first option.
    pub fn example(&self) -> Option<&str> {
        match self {
            Kind::Text | Kind::Value => Some("示例"),
            Kind::Money(_) => Some("1.00"),
            Kind::Unit => Some(Unit::TenThousandYuan.as_str()),
            Kind::Date => Some("2023-01-01"),
            Kind::Period => Some("2023年"),
            Kind::Year => Some("2023"),
            Kind::Choice(options) => options.first().map(String::as_str),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all_scalar_kinds() -> Vec<Kind> {
        vec![
            Kind::Text,
            Kind::Value,
            Kind::Money(None),
            Kind::Unit,
            Kind::Date,
            Kind::Period,
            Kind::Year,
            Kind::Choice(vec!["是".to_owned(), "否".to_owned()]),
        ]
    }

    #[test]
    fn every_scalar_type_reads_its_own_example() {
        for kind in all_scalar_kinds() {
            assert!(kind.is_scalar(), "{kind:?}");
            let example = kind.example().unwrap_or_else(|| panic!("{kind:?}"));
            assert!(kind.read(example).is_ok(), "{kind:?} refuses {example}");
        }
        assert_eq!(Kind::Paragraphs.example(), None);
        assert!(!Kind::Blank.is_scalar());
    }

    #[test]
    fn each_type_refuses_what_it_is_not_with_its_own_rule() {
        let malformed = |kind: Kind, text| match kind.read(text) {
            Err(BadValue::Malformed { rule, .. }) => rule.code,
            other => panic!("{kind:?} {text}: {other:?}"),
        };
        assert_eq!(malformed(Kind::Money(None), "-5.00"), "bad-amount");
        assert_eq!(malformed(Kind::Date, "2023-02-30"), "bad-date");
        assert_eq!(malformed(Kind::Period, "2023年13月"), "bad-date");
        assert_eq!(Kind::Year.read("65536"), Err(BadValue::NotThisKind));
        assert_eq!(Kind::Year.read("二〇二三"), Err(BadValue::NotThisKind));
        assert_eq!(Kind::Unit.read("美元"), Err(BadValue::NotThisKind));
        let choice = Kind::Choice(vec!["是".to_owned(), "否".to_owned()]);
        assert_eq!(
            choice.read("不"),
            Err(BadValue::NotAnOption(&["是".to_owned(), "否".to_owned()]))
        );
        assert_eq!(
            Kind::Money(None).read("1449000.00"),
            Ok(Some(Decimal::new(144_900_000, 2)))
        );
    }
}
