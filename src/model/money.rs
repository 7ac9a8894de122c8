//! Amounts of money, exact and as written.
//!
//! An approved document says `1449000.00`, and that is what must be printed:
//! the amount keeps its original text for publishing and an exact decimal for
//! arithmetic. A binary float never touches it.

use std::fmt;
use std::str::FromStr;

use crate::diag::Quote;
use rust_decimal::Decimal;

/// An amount as written (`921.83`, `1449000.00`, `0`) with its exact value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Money {
    text: String,
    value: Decimal,
}

/// The most integer digits an amount may have: 999 trillion, far above any
/// budget, while sums of many amounts and the ×10000 between 元 and 万元 stay
/// well inside an exact decimal's 28 digits and can never overflow.
const MAX_WHOLE_DIGITS: usize = 15;

/// The most fraction digits an amount may have; dividing by 10000 for 万元
/// adds four more and the result must still be exact.
const MAX_FRACTION_DIGITS: usize = 6;

/// Why a piece of text is not an amount.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    #[error(
        "{} is not an amount: write digits with at most one decimal point, without unit, sign or thousands separators (e.g. 1449000.00)",
        Quote(.0)
    )]
    NotAnAmount(String),
    #[error(
        "{} has too many digits for an amount: at most {MAX_WHOLE_DIGITS} before the decimal point and {MAX_FRACTION_DIGITS} after it; is it mistyped, or should the unit be 万元?",
        Quote(.0)
    )]
    TooManyDigits(String),
}

impl Money {
    /// The amount exactly as the data file writes it.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    pub fn value(&self) -> Decimal {
        self.value
    }
}

impl FromStr for Money {
    type Err = MoneyError;

    fn from_str(text: &str) -> Result<Self, MoneyError> {
        let not_an_amount = || MoneyError::NotAnAmount(text.to_owned());
        let (whole, fraction) = text.split_once('.').unwrap_or((text, "0"));
        let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        if !digits(whole) || !digits(fraction) {
            return Err(not_an_amount());
        }
        if whole.len() > MAX_WHOLE_DIGITS || fraction.len() > MAX_FRACTION_DIGITS {
            return Err(MoneyError::TooManyDigits(text.to_owned()));
        }
        let value = Decimal::from_str_exact(text).map_err(|_| not_an_amount())?;
        Ok(Self {
            text: text.to_owned(),
            value,
        })
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

super::text_serde!(Money);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_text_as_written() {
        let money: Money = "1449000.00".parse().unwrap();
        assert_eq!(money.as_str(), "1449000.00");
        assert_eq!(money.value(), Decimal::new(144900000, 2));
    }

    #[test]
    fn adds_exactly() {
        let parts: Vec<Money> = ["712.32", "104.52", "105.00"]
            .iter()
            .map(|s| s.parse().unwrap())
            .collect();
        let sum: Decimal = parts.iter().map(Money::value).sum();
        assert_eq!(sum.to_string(), "921.84");
    }

    #[test]
    fn rejects_what_is_not_a_plain_amount() {
        for bad in [
            "", "1,000", "12万元", "-5", "1.2.3", ".5", "5.", "1e3", "abc",
        ] {
            assert!(bad.parse::<Money>().is_err(), "{bad} was accepted");
        }
    }

    #[test]
    fn the_largest_amounts_still_add_and_convert_exactly() {
        let largest: Money = "999999999999999.999999".parse().unwrap();
        let sum: Decimal = std::iter::repeat_n(largest.value(), 1000).sum();
        assert_eq!(sum.to_string(), "999999999999999999.999000");
        let yuan = sum * Decimal::from(10_000);
        assert_eq!(yuan / Decimal::from(10_000), sum);
    }

    #[test]
    fn refuses_amounts_too_long_to_add_safely() {
        for long in [
            "1000000000000000",
            "79228162514264337593543950335",
            "1.0000001",
        ] {
            assert_eq!(
                long.parse::<Money>(),
                Err(MoneyError::TooManyDigits(long.to_owned())),
            );
        }
    }
}
