//! What a cell shows: a stored number with its number format applied.
//!
//! A workbook stores `921.83` as the nearest binary float and shows it
//! through a format (`0.00`, `#,##0.0000`, `0%`); an office means what it
//! sees. Excel shows at most 15 significant digits, so the float is read
//! as its 15-digit decimal first and rounded to the format's places in
//! exact decimal arithmetic: 921.8299999999999 shows, and is, 921.83.

use rust_decimal::{Decimal, RoundingStrategy};

/// The format of Excel's built-in number format ids that are not dates.
pub fn builtin(id: u32) -> Option<&'static str> {
    Some(match id {
        0 => "General",
        1 => "0",
        2 => "0.00",
        3 => "#,##0",
        4 => "#,##0.00",
        9 => "0%",
        10 => "0.00%",
        11 => "0.00E+00",
        37 | 38 => "#,##0 ;(#,##0)",
        39 | 40 => "#,##0.00;(#,##0.00)",
        14 => "yyyy-mm-dd",
        49 => "@",
        _ => return None,
    })
}

/// The decimal a float stands for, at the 15 significant digits a
/// spreadsheet shows; none for what is not a finite number.
pub fn decimal(value: f64) -> Option<Decimal> {
    if !value.is_finite() {
        return None;
    }
    let written = format!("{value:.14e}");
    Decimal::from_scientific(&written)
        .ok()
        .map(|d| d.normalize())
}

/// The text a number shows in the format `code`.
pub fn number(value: f64, code: &str) -> String {
    let Some(exact) = decimal(value) else {
        return value.to_string();
    };
    let section = first_section(code);
    let pattern = Pattern::of(section);
    if pattern.general {
        return plain(exact);
    }
    let scaled = if pattern.percent {
        exact * Decimal::ONE_HUNDRED
    } else {
        exact
    };
    let rounded =
        scaled.round_dp_with_strategy(pattern.max_places, RoundingStrategy::MidpointAwayFromZero);
    let mut digits = format!("{:.*}", pattern.max_places as usize, rounded.abs());
    trim_optional_places(&mut digits, pattern.min_places);
    if pattern.grouped {
        digits = group(&digits);
    }
    let sign = if rounded.is_sign_negative() && !rounded.is_zero() {
        "-"
    } else {
        ""
    };
    format!("{}{sign}{digits}{}", pattern.prefix, pattern.suffix)
}

/// A decimal written plainly, as the General format shows it.
pub fn plain(value: Decimal) -> String {
    let text = value.normalize().to_string();
    if text == "-0" { "0".to_owned() } else { text }
}

/// The text a date shows in the format `code` (yyyy, m, mm, d, dd, and
/// literal text such as 年月日).
pub fn date(ymd: (u16, u8, u8), code: &str) -> String {
    let (year, month, day) = ymd;
    let section = first_section(code);
    let mut out = String::new();
    let chars: Vec<char> = section.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let run = chars[i..]
            .iter()
            .take_while(|&&d| d.eq_ignore_ascii_case(&c))
            .count();
        match c.to_ascii_lowercase() {
            'y' => out.push_str(&if run <= 2 {
                format!("{:02}", year % 100)
            } else {
                format!("{year:04}")
            }),
            'm' => out.push_str(&if run == 1 {
                month.to_string()
            } else {
                format!("{month:02}")
            }),
            'd' => out.push_str(&if run == 1 {
                day.to_string()
            } else {
                format!("{day:02}")
            }),
            '"' => {
                let literal: String = chars[i + 1..].iter().take_while(|&&d| d != '"').collect();
                i += literal.chars().count() + 2;
                out.push_str(&literal);
                continue;
            }
            '\\' => {
                if let Some(next) = chars.get(i + 1) {
                    out.push(*next);
                }
                i += 2;
                continue;
            }
            '[' => {
                i += chars[i..].iter().take_while(|&&d| d != ']').count() + 1;
                continue;
            }
            'h' | 's' => {}
            _ => out.push_str(&chars[i..i + run].iter().collect::<String>()),
        }
        i += run;
    }
    out
}

/// Whether a format shows dates.
pub fn is_date(code: &str) -> bool {
    let mut quoted = false;
    let mut bracket = false;
    for c in first_section(code).chars() {
        match c {
            '"' => quoted = !quoted,
            '[' if !quoted => bracket = true,
            ']' if !quoted => bracket = false,
            'y' | 'Y' | 'd' | 'D' | 'm' | 'M' if !quoted && !bracket => return true,
            _ => {}
        }
    }
    false
}

/// The part of a format for positive numbers.
fn first_section(code: &str) -> &str {
    let mut quoted = false;
    for (i, c) in code.char_indices() {
        match c {
            '"' => quoted = !quoted,
            ';' if !quoted => return &code[..i],
            _ => {}
        }
    }
    code
}

/// A number format read into what shapes the digits.
#[derive(Debug, Default)]
struct Pattern {
    general: bool,
    percent: bool,
    grouped: bool,
    min_places: u32,
    max_places: u32,
    prefix: String,
    suffix: String,
}

impl Pattern {
    fn of(section: &str) -> Self {
        let mut pattern = Pattern::default();
        let trimmed = section.trim();
        if trimmed.is_empty() || trimmed.eq_ignore_ascii_case("general") || trimmed == "@" {
            pattern.general = true;
            return pattern;
        }
        let chars: Vec<char> = section.chars().collect();
        let (mut seen_digits, mut after_point) = (false, false);
        let mut i = 0;
        while i < chars.len() {
            let c = chars[i];
            let literal = |pattern: &mut Pattern, text: &str| {
                if seen_digits {
                    pattern.suffix.push_str(text);
                } else {
                    pattern.prefix.push_str(text);
                }
            };
            match c {
                '0' | '#' | '?' => {
                    seen_digits = true;
                    if after_point {
                        pattern.max_places += 1;
                        if c == '0' {
                            pattern.min_places = pattern.max_places;
                        }
                    }
                }
                '.' if !after_point => {
                    after_point = true;
                    seen_digits = true;
                }
                ',' if seen_digits && !after_point => pattern.grouped = true,
                '%' => {
                    pattern.percent = true;
                    literal(&mut pattern, "%");
                }
                '"' => {
                    let text: String = chars[i + 1..].iter().take_while(|&&d| d != '"').collect();
                    i += text.chars().count() + 1;
                    literal(&mut pattern, &text);
                }
                '\\' => {
                    if let Some(next) = chars.get(i + 1) {
                        literal(&mut pattern, &next.to_string());
                    }
                    i += 1;
                }
                '_' | '*' => i += 1,
                '[' => i += chars[i..].iter().take_while(|&&d| d != ']').count(),
                'E' | 'e' => {
                    pattern.general = true;
                    return pattern;
                }
                c => literal(&mut pattern, &c.to_string()),
            }
            i += 1;
        }
        if !seen_digits {
            pattern.general = true;
        }
        pattern
    }
}

/// Drops trailing zeros past the places a format requires (`#` places).
fn trim_optional_places(digits: &mut String, min_places: u32) {
    let Some(point) = digits.find('.') else {
        return;
    };
    let keep = point + 1 + min_places as usize;
    while digits.len() > keep && digits.ends_with('0') {
        digits.pop();
    }
    if digits.ends_with('.') {
        digits.pop();
    }
}

/// Thousands separators in the whole part.
fn group(digits: &str) -> String {
    let (whole, fraction) = digits.split_at(digits.find('.').unwrap_or(digits.len()));
    let mut out = String::new();
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out + fraction
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_float_shows_the_decimal_its_format_asks_for() {
        assert_eq!(number(921.8299999999999, "0.00"), "921.83");
        assert_eq!(number(921.8299999999999, "General"), "921.83");
        assert_eq!(number(10606.7522, "0.0000"), "10606.7522");
        assert_eq!(number(105.0, "0.00"), "105.00");
        assert_eq!(number(0.95, "0%"), "95%");
        assert_eq!(number(0.955, "0.0%"), "95.5%");
        assert_eq!(number(1449000.0, "#,##0.00"), "1,449,000.00");
        assert_eq!(number(2.5, "0.0#"), "2.5");
        assert_eq!(number(2.555, "0.0#"), "2.56");
        assert_eq!(number(36.5, "0.00\"万元\""), "36.50万元");
        assert_eq!(
            number(1.005, "0.00"),
            "1.01",
            "rounded as shown, not as stored"
        );
        assert_eq!(number(3.0, "General"), "3");
        assert_eq!(number(12.0, "0.00;[Red]-0.00"), "12.00");
    }

    #[test]
    fn dates_show_as_their_format_writes_them() {
        assert!(is_date("yyyy-mm-dd") && is_date("yyyy\"年\"m\"月\"d\"日\""));
        assert!(!is_date("0.00") && !is_date("[Red]0.00") && !is_date("\"d\"0"));
        assert_eq!(date((2023, 2, 5), "yyyy-mm-dd"), "2023-02-05");
        assert_eq!(
            date((2023, 2, 5), "yyyy\"年\"m\"月\"d\"日\""),
            "2023年2月5日"
        );
        assert_eq!(date((2023, 2, 5), "yyyy/m/d;@"), "2023/2/5");
    }
}
