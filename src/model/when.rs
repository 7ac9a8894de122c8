//! Planned start and end times, written as a date (`2022-01-01`) or a year
//! (`2022年`) depending on the form.

use std::fmt;
use std::str::FromStr;

use super::Date;

/// A point in time as the form writes it; it prints exactly as written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct When {
    text: String,
    pub kind: WhenKind,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WhenKind {
    Date(Date),
    Year(u16),
}

/// Why a piece of text is neither a date nor a year.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
#[error("“{0}” is not a date: write YYYY-MM-DD (2022-01-01) or a year (2022年)")]
pub struct WhenError(String);

impl When {
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The year it falls in.
    pub fn year(&self) -> u16 {
        match self.kind {
            WhenKind::Date(date) => date.year,
            WhenKind::Year(year) => year,
        }
    }
}

impl FromStr for When {
    type Err = WhenError;

    fn from_str(text: &str) -> Result<Self, WhenError> {
        let year = text
            .strip_suffix('年')
            .filter(|y| y.len() == 4 && y.bytes().all(|b| b.is_ascii_digit()))
            .and_then(|y| y.parse().ok());
        let kind = match year {
            Some(year) => WhenKind::Year(year),
            None => WhenKind::Date(text.parse().map_err(|_| WhenError(text.to_owned()))?),
        };
        Ok(Self {
            text: text.to_owned(),
            kind,
        })
    }
}

impl fmt::Display for When {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

super::text_serde!(When, super::Refused::Date);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_years_keep_their_text() {
        let date: When = "2022-12-31".parse().unwrap();
        assert_eq!((date.as_str(), date.year()), ("2022-12-31", 2022));
        let year: When = "2024年".parse().unwrap();
        assert_eq!((year.as_str(), year.kind), ("2024年", WhenKind::Year(2024)));
    }

    #[test]
    fn other_text_is_refused() {
        for bad in ["2022", "22年", "2022年底", "2022-13-01", "明年"] {
            assert!(bad.parse::<When>().is_err(), "{bad} was accepted");
        }
    }
}
