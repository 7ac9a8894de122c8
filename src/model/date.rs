//! Calendar dates written as `YYYY-MM-DD`.

use std::fmt;
use std::str::FromStr;

/// A valid calendar date; it prints as it is written, `2022-01-01`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Date {
    pub year: u16,
    pub month: u8,
    pub day: u8,
}

/// Why a piece of text is not a date.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
#[error("“{0}” is not a date: write it as YYYY-MM-DD, e.g. 2022-01-01")]
pub struct DateError(String);

impl Date {
    fn days_in_month(year: u16, month: u8) -> u8 {
        let leap =
            (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400);
        match month {
            2 if leap => 29,
            2 => 28,
            4 | 6 | 9 | 11 => 30,
            _ => 31,
        }
    }
}

impl FromStr for Date {
    type Err = DateError;

    fn from_str(text: &str) -> Result<Self, DateError> {
        let error = || DateError(text.to_owned());
        let mut parts = text.split('-');
        let mut field = |len: usize| {
            parts
                .next()
                .filter(|p| p.len() == len && p.bytes().all(|b| b.is_ascii_digit()))
                .and_then(|p| p.parse::<u16>().ok())
                .ok_or_else(error)
        };
        let (year, month, day) = (field(4)?, field(2)?, field(2)?);
        if parts.next().is_some() || !(1..=12).contains(&month) {
            return Err(error());
        }
        let (month, day) = (month as u8, day as u8);
        if day == 0 || day > Self::days_in_month(year, month) {
            return Err(error());
        }
        Ok(Self { year, month, day })
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

super::text_serde!(Date);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_and_prints_iso_dates() {
        let date: Date = "2022-01-01".parse().unwrap();
        assert_eq!((date.year, date.month, date.day), (2022, 1, 1));
        assert_eq!(date.to_string(), "2022-01-01");
        assert!("2024-02-29".parse::<Date>().is_ok());
    }

    #[test]
    fn rejects_impossible_or_oddly_written_dates() {
        for bad in [
            "2022-02-29",
            "2022-13-01",
            "2022-00-10",
            "2022-1-1",
            "2022/01/01",
            "2022-01-01x",
            "2022-01-01-01",
            "",
        ] {
            assert!(bad.parse::<Date>().is_err(), "{bad} was accepted");
        }
    }
}
