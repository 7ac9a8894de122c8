//! Amounts of money, exact and as written.
//!
//! An approved document says `1449000.00`, and that is what must be printed:
//! the amount keeps its original text for publishing and an exact decimal for
//! arithmetic. A binary float never touches it.

use std::fmt;
use std::str::FromStr;

use rust_decimal::Decimal;

/// An amount as written (`921.83`, `1449000.00`, `0`) with its exact value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Money {
    text: String,
    value: Decimal,
}

/// Why a piece of text is not an amount.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "“{0}” is not an amount: write digits with at most one decimal point, without unit, sign or thousands separators (e.g. 1449000.00)"
)]
pub struct MoneyError(String);

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
        let error = || MoneyError(text.to_owned());
        let (whole, fraction) = text.split_once('.').unwrap_or((text, "0"));
        let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        if !digits(whole) || !digits(fraction) {
            return Err(error());
        }
        let value = Decimal::from_str_exact(text).map_err(|_| error())?;
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
}
