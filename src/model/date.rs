//! Calendar dates written as `YYYY-MM-DD`.

use crate::diag::Quote;
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
#[error("{} is not a date: write it as YYYY-MM-DD, e.g. 2022-01-01", Quote(.0))]
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

impl Date {
    /// The UTC date of a Unix time, as `SOURCE_DATE_EPOCH` gives it.
    pub fn from_unix_seconds(seconds: i64) -> Option<Self> {
        // Howard Hinnant's days-to-civil algorithm.
        let days = seconds.div_euclid(86_400) + 719_468;
        let era = days.div_euclid(146_097);
        let day_of_era = days - era * 146_097;
        let year_of_era =
            (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
        let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
        let shifted_month = (5 * day_of_year + 2) / 153;
        let day = (day_of_year - (153 * shifted_month + 2) / 5 + 1) as u8;
        let month = if shifted_month < 10 {
            shifted_month + 3
        } else {
            shifted_month - 9
        } as u8;
        let year = year_of_era + era * 400 + i64::from(month <= 2);
        if !(1..=9999).contains(&year) {
            return None;
        }
        Some(Self {
            year: u16::try_from(year).ok()?,
            month,
            day,
        })
    }

    /// 1 January of a year.
    pub fn new_year(year: u16) -> Self {
        Self {
            year,
            month: 1,
            day: 1,
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
        if parts.next().is_some() || year == 0 || !(1..=12).contains(&month) {
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
    fn unix_times_become_utc_dates() {
        assert_eq!(
            Date::from_unix_seconds(0).unwrap().to_string(),
            "1970-01-01"
        );
        assert_eq!(
            Date::from_unix_seconds(1_700_000_000).unwrap().to_string(),
            "2023-11-14"
        );
        assert_eq!(
            Date::from_unix_seconds(951_782_400).unwrap().to_string(),
            "2000-02-29"
        );
        assert_eq!(
            Date::from_unix_seconds(1_709_251_199).unwrap().to_string(),
            "2024-02-29"
        );
    }

    #[test]
    fn the_year_0000_is_no_date() {
        assert!("0000-01-01".parse::<Date>().is_err());
        assert!("0001-01-01".parse::<Date>().is_ok());
    }

    #[test]
    fn a_unix_time_past_the_years_a_document_can_print_is_refused() {
        assert_eq!(
            Date::from_unix_seconds(253_402_300_799)
                .unwrap()
                .to_string(),
            "9999-12-31"
        );
        assert_eq!(Date::from_unix_seconds(253_402_300_800), None);
        assert_eq!(Date::from_unix_seconds(-62_135_596_801), None);
        assert_eq!(Date::from_unix_seconds(i64::MAX), None);
    }

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
