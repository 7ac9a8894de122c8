//! Planned start and end times and periods, written as a date
//! (`2022-01-01`, `2022年1月1日`), a year (`2022年`, `2022年度`), a month
//! (`2022年6月`) or months of a year (`2021年1月至12月`), as the form writes
//! them.

use std::fmt;
use std::str::FromStr;

use super::Date;
use crate::diag::Quote;

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
    /// Months `from..=to` of a year; one month when they are equal.
    Months {
        year: u16,
        from: u8,
        to: u8,
    },
}

/// Why a piece of text is not a date or period.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "{} is not a date: write YYYY-MM-DD (2022-01-01), a year (2022年, 2022年度), a month (2022年6月) or months (2022年1月至12月)",
    Quote(.0)
)]
pub struct WhenError(String);

impl When {
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The year it falls in.
    pub fn year(&self) -> u16 {
        match self.kind {
            WhenKind::Date(date) => date.year,
            WhenKind::Year(year) | WhenKind::Months { year, .. } => year,
        }
    }
}

impl FromStr for When {
    type Err = WhenError;

    fn from_str(text: &str) -> Result<Self, WhenError> {
        let kind = match text.parse::<Date>() {
            Ok(date) => Some(WhenKind::Date(date)),
            Err(_) => chinese(text),
        };
        Ok(Self {
            text: text.to_owned(),
            kind: kind.ok_or_else(|| WhenError(text.to_owned()))?,
        })
    }
}

/// A time written the Chinese way: 2022年, 2022年度, 2022年6月,
/// 2022年1月至12月 (or 1-12月, 1～12月), 2022年6月30日.
fn chinese(text: &str) -> Option<WhenKind> {
    let (year, rest) = text.split_once('年')?;
    let year: u16 = (year.len() == 4 && year.bytes().all(|b| b.is_ascii_digit()))
        .then(|| year.parse().ok())??;
    if rest.is_empty() || rest == "度" {
        return Some(WhenKind::Year(year));
    }
    let number = |s: &str| -> Option<u8> {
        (!s.is_empty() && s.len() <= 2 && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse().ok())?
    };
    let month = |s: &str| number(s).filter(|m| (1..=12).contains(m));
    let separator = ["至", "-", "～", "~", "—"]
        .iter()
        .find_map(|sep| rest.split_once(sep));
    if let Some((first, last)) = separator {
        let from = month(first.strip_suffix('月').unwrap_or(first))?;
        let to = month(last.strip_suffix('月')?).filter(|to| *to >= from)?;
        return Some(WhenKind::Months { year, from, to });
    }
    let (first, rest) = rest.split_once('月')?;
    let from = month(first)?;
    match rest {
        "" | "份" => Some(WhenKind::Months {
            year,
            from,
            to: from,
        }),
        _ => {
            let date = format!(
                "{year:04}-{from:02}-{:02}",
                number(rest.strip_suffix('日')?)?
            );
            date.parse().ok().map(WhenKind::Date)
        }
    }
}

impl fmt::Display for When {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

super::text_serde!(When);

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
    fn periods_are_read_the_chinese_way() {
        let kind = |text: &str| text.parse::<When>().unwrap().kind;
        assert_eq!(kind("2021年度"), WhenKind::Year(2021));
        assert_eq!(
            kind("2021年1月至12月"),
            WhenKind::Months {
                year: 2021,
                from: 1,
                to: 12
            }
        );
        assert_eq!(
            kind("2022年6月"),
            WhenKind::Months {
                year: 2022,
                from: 6,
                to: 6
            }
        );
        assert_eq!(
            kind("2022年3-5月"),
            WhenKind::Months {
                year: 2022,
                from: 3,
                to: 5
            }
        );
        assert_eq!(
            kind("2022年6月30日"),
            WhenKind::Date("2022-06-30".parse().unwrap())
        );
        assert_eq!("2021年度".parse::<When>().unwrap().as_str(), "2021年度");
    }

    #[test]
    fn other_text_is_refused() {
        for bad in [
            "2022",
            "22年",
            "2022年底",
            "2022-13-01",
            "明年",
            "2022年13月",
            "2022年5月至3月",
            "2022年2月30日",
        ] {
            assert!(bad.parse::<When>().is_err(), "{bad} was accepted");
        }
    }
}
