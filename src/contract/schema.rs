//! A form's contract as a JSON Schema (2020-12), for the YAML language
//! server: completion, hover help in Chinese and validation as the office
//! types, in VS Code, Neovim or JetBrains.

use serde_json::{Map, Value as Json, json};

use super::{Contract, Field, Kind};

/// Where the schema of a form is written: `<dir>/<form>.schema.json`.
pub fn schema_file(form: &str) -> String {
    format!("{form}.schema.json")
}

/// The JSON Schema of a data file in the form.
pub fn json_schema(contract: &Contract) -> Json {
    let mut schema = object(&contract.fields, &contract.name);
    let map = schema.as_object_mut().expect("an object schema");
    map.insert(
        "$schema".into(),
        json!("https://json-schema.org/draft/2020-12/schema"),
    );
    map.insert(
        "$id".into(),
        json!(format!("urn:jixiao:form:{}", contract.name)),
    );
    map.insert(
        "title".into(),
        json!(format!("{}（jixiao 表式）", contract.name)),
    );
    map.insert("description".into(), json!(contract.description));
    schema
}

fn object(fields: &[Field], form: &str) -> Json {
    let mut properties = Map::new();
    for field in fields {
        properties.insert(field.key.clone(), property(field, form));
    }
    let required: Vec<&str> = fields
        .iter()
        .filter(|f| f.required)
        .map(|f| f.key.as_str())
        .collect();
    json!({
        "type": "object",
        "properties": properties,
        "required": required,
        "additionalProperties": false,
    })
}

/// How an amount is written, in `check`'s words: the editor's message
/// whether the amount is a string or a number.
const MONEY_WORDS: &str = "金额写作不带单位、不带千分位的非负数，最多15位整数、6位小数，如 36.50";

/// A month, 1 to 12, with or without its leading zero.
const MONTH: &str = "(0?[1-9]|1[0-2])";

/// A year a date may have: 0001 to 9999, as `Date` reads it.
const DATE_YEAR: &str = "([1-9][0-9]{3}|0[1-9][0-9]{2}|00[1-9][0-9]|000[1-9])";

/// A leap year (divisible by 4, and by 400 where it ends a century), the
/// only years with a 29 February.
const LEAP_YEAR: &str =
    "([0-9]{2}(0[48]|[2468][048]|[13579][26])|(0[48]|[2468][048]|[13579][26])00)";

/// The separators the loader reads between two months of a span.
const TO: &str = "(至|-|～|~|—)";

/// A calendar date as the loader reads it, so that the editor marks
/// 2023-02-30 as `check` does: the days each month has, 29 February in leap
/// years only. `month` and `day` write a number (two digits, or one or two),
/// `sep` and `end` what stands between and after the parts.
fn calendar(month: fn(u8) -> String, day: fn(u8) -> String, sep: [&str; 2], end: &str) -> String {
    let [ym, md] = sep;
    let days = |months: &[u8], days: &[u8]| {
        let months: Vec<String> = months.iter().map(|&m| month(m)).collect();
        let days: Vec<String> = days.iter().map(|&d| day(d)).collect();
        format!("({}){md}({}){end}", months.join("|"), days.join("|"))
    };
    let all: Vec<u8> = (1..=12).collect();
    let most: Vec<u8> = (1..=12).filter(|&m| m != 2).collect();
    let long = [1, 3, 5, 7, 8, 10, 12];
    format!(
        "({DATE_YEAR}{ym}({}|{}|{})|{LEAP_YEAR}{ym}{}{md}29{end})",
        days(&all, &(1..=28).collect::<Vec<_>>()),
        days(&most, &[29, 30]),
        days(&long, &[31]),
        month(2),
    )
}

fn two_digits(n: u8) -> String {
    format!("{n:02}")
}

/// A number as the Chinese forms write it: 6 or 06.
fn one_or_two_digits(n: u8) -> String {
    if n < 10 {
        format!("0?{n}")
    } else {
        n.to_string()
    }
}

/// Months `from` to a later month of a year (1-12月, 1月至12月), as the
/// loader reads them: never backwards (12-1月).
fn month_span() -> String {
    let spans: Vec<String> = (1..=12u8)
        .map(|from| {
            let to: Vec<String> = (from..=12).map(one_or_two_digits).collect();
            format!("{}月?{TO}({})月", one_or_two_digits(from), to.join("|"))
        })
        .collect();
    format!("({})", spans.join("|"))
}

/// What the loader takes as a period: a date, a year, a year's month, day
/// or span of months (2023年1月至12月, 2023年1-12月, 2023年1～3月).
fn period_pattern() -> String {
    let iso = calendar(two_digits, two_digits, ["-", "-"], "");
    let chinese = calendar(one_or_two_digits, one_or_two_digits, ["年", "月"], "日");
    format!(
        "^({iso}|{chinese}|[0-9]{{4}}年(度|{MONTH}月份?|{})?)$",
        month_span()
    )
}

fn date_pattern() -> String {
    format!("^{}$", calendar(two_digits, two_digits, ["-", "-"], ""))
}

fn property(field: &Field, form: &str) -> Json {
    let mut schema = match &field.kind {
        Kind::Text | Kind::Value => json!({ "type": ["string", "number", "boolean"] }),
        Kind::Paragraphs | Kind::Values => {
            json!({ "type": "array", "items": { "type": ["string", "number", "boolean"] } })
        }
        Kind::Money(_) => json!({
            "anyOf": [
                {
                    "type": "string",
                    "pattern": r"^[0-9]{1,15}(\.[0-9]{1,6})?$",
                    "patternErrorMessage": MONEY_WORDS,
                },
                { "type": "number", "minimum": 0, "maximum": 999_999_999_999_999_i64 },
            ],
            "errorMessage": MONEY_WORDS,
            "examples": ["36.50"],
        }),
        Kind::Unit => json!({ "enum": ["元", "万元"] }),
        Kind::Date => json!({
            "type": "string",
            "pattern": date_pattern(),
            "patternErrorMessage": "日期写作 YYYY-MM-DD，如 2023-02-20（须是日历上有的日子）",
            "examples": ["2023-02-20"],
        }),
        Kind::Period => json!({
            "type": "string",
            "pattern": period_pattern(),
            "patternErrorMessage": "写作日期或期间，如 2023-01-01、2023年、2023年度、2023年6月、2023年1月至12月、2023年1-12月",
            "examples": ["2023年1月至12月"],
        }),
        Kind::Year => json!({
            "type": "integer",
            "minimum": 1000,
            "maximum": 9999,
            "errorMessage": "预算年度写作四位数字，如 2023",
            "examples": [2023],
        }),
        Kind::Choice(options) => json!({ "enum": options }),
        Kind::Record(_) | Kind::Grid(_) | Kind::Indicators => {
            object(&field.children().unwrap_or_default(), form)
        }
        Kind::Blank => json!({
            "not": {},
            "errorMessage": "此格按表式为“——”，不填写",
        }),
        Kind::List(children) => json!({ "type": "array", "items": object(children, form) }),
    };
    if field.key == "form" && field.role == super::Role::Meta {
        schema = json!({ "const": form });
    }
    let map = schema.as_object_mut().expect("an object schema");
    map.insert("title".into(), json!(field.title));
    let mut description = if field.description.is_empty() {
        field.title.clone()
    } else {
        format!("{}：{}", field.title, field.description)
    };
    if let Kind::Money(Some(unit)) = field.kind {
        description.push_str(&format!("（单位：{}）", unit.as_str()));
    }
    if field.kind == Kind::Blank {
        description.push_str("：——（按表式不填写）");
    }
    if !field.printed {
        description.push_str("（本表式不打印此项）");
    }
    map.insert("description".into(), json!(description));
    schema
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Date, When};

    /// Every way a date or period is written, right and wrong: the years
    /// around leap-year rules, months and days one past each end, both
    /// notations, every separator.
    fn candidates() -> Vec<String> {
        let years = [
            "0000", "0001", "0004", "0400", "1900", "2000", "2023", "2024", "2100",
        ];
        let numbers = |n: u8| [format!("{n}"), format!("{n:02}")];
        let mut all = Vec::new();
        for y in years {
            all.extend([format!("{y}年"), format!("{y}年度"), format!("{y}年底")]);
            for m in 0..=13u8 {
                for d in 0..=32u8 {
                    all.push(format!("{y}-{m:02}-{d:02}"));
                    for (mm, dd) in numbers(m).into_iter().zip(numbers(d)) {
                        all.push(format!("{y}年{mm}月{dd}日"));
                    }
                }
                for mm in numbers(m) {
                    all.extend([format!("{y}年{mm}月"), format!("{y}年{mm}月份")]);
                    for t in 0..=13u8 {
                        for sep in ["至", "-", "～", "~", "—", "到"] {
                            all.push(format!("{y}年{mm}{sep}{t}月"));
                            all.push(format!("{y}年{mm}月{sep}{t}月"));
                        }
                    }
                }
            }
        }
        all.extend(["2023-2-20", "2023-02-20 ", "23-02-20", "2023年1月至12月份"].map(String::from));
        all
    }

    #[test]
    fn the_schema_takes_exactly_the_periods_and_dates_the_loader_reads() {
        let period = regex::Regex::new(&period_pattern()).unwrap();
        let date = regex::Regex::new(&date_pattern()).unwrap();
        let (mut periods, mut dates) = (0, 0);
        for text in candidates() {
            let read = text.parse::<When>().is_ok();
            assert_eq!(period.is_match(&text), read, "period {text}");
            assert_eq!(
                date.is_match(&text),
                text.parse::<Date>().is_ok(),
                "date {text}"
            );
            periods += usize::from(read);
            dates += usize::from(text.parse::<Date>().is_ok());
        }
        assert!(
            periods > 20_000 && dates > 2_900,
            "{periods} periods, {dates} dates"
        );
        for refused in [
            "2023-02-30",
            "2023-02-29",
            "2023年2月30日",
            "2023年12-1月",
            "2023年13月",
        ] {
            assert!(!period.is_match(refused), "{refused}");
        }
        assert!(period.is_match("2024-02-29") && period.is_match("2023年1～3月"));
    }
}
