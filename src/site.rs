//! The site index: one page listing every department's disclosure by year,
//! with links to its PDF, web page and data, searchable by any part of a
//! name (人大常委会 finds 人民代表大会常务委员会), amounts in one unit.
//!
//! Unlike the documents, the index is plain HTML from a minijinja template
//! (`templates/site/index.html.j2`) with HTML escaping, styled by the same
//! stylesheet as the department pages.

use std::collections::BTreeMap;

use minijinja::value::{Serde, Value};
use minijinja::{AutoEscape, Environment, UndefinedBehavior, context};
use serde::Serialize;

use crate::templates::TemplateStore;

/// The template of the index page.
pub const INDEX_TEMPLATE: &str = "site/index.html.j2";
const STYLESHEET: &str = "lib/web.css";

/// One published disclosure, as the index lists it.
#[derive(Clone, Debug, Serialize, serde::Deserialize)]
pub struct Entry {
    pub year: u16,
    pub department: String,
    pub title: String,
    /// How many projects it sets targets for.
    pub projects: usize,
    /// The department's total budget as the document states it, in 万元,
    /// exact, with thousands separators (`1,449.00`); none where the
    /// document states no budget.
    pub total: Option<String>,
    /// Links relative to the index.
    pub pdf: String,
    pub html: String,
    pub json: String,
}

/// The index page for `entries`.
pub fn render_index(store: &TemplateStore, entries: &[Entry]) -> Result<String, minijinja::Error> {
    let text = |path: &str| {
        store
            .get(path)
            .map(|f| String::from_utf8_lossy(&f.bytes).into_owned())
    };
    let template = text(INDEX_TEMPLATE).ok_or_else(|| {
        minijinja::Error::new(
            minijinja::ErrorKind::TemplateNotFound,
            format!("{INDEX_TEMPLATE} is missing"),
        )
    })?;
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.set_auto_escape_callback(|_| AutoEscape::Html);
    env.add_template_owned(INDEX_TEMPLATE, template)?;
    let mut years: BTreeMap<std::cmp::Reverse<u16>, Vec<&Entry>> = BTreeMap::new();
    for entry in entries {
        years
            .entry(std::cmp::Reverse(entry.year))
            .or_default()
            .push(entry);
    }
    let years: Vec<_> = years
        .into_iter()
        .map(|(year, mut entries)| {
            entries.sort_by_cached_key(|e| pinyin_order(&e.department));
            context! { year => year.0, entries => Value::from(Serde(entries)) }
        })
        .collect();
    let css = text(STYLESHEET).unwrap_or_default();
    env.get_template(INDEX_TEMPLATE)?
        .render(context! { years, css, count => entries.len() })
}

/// A name's place in 拼音 order: GB2312 lists its 3,755 common hanzi by
/// pinyin, so its bytes sort names the way a Chinese reader looks them up.
fn pinyin_order(name: &str) -> Vec<u8> {
    encoding_rs::GBK.encode(name).0.into_owned()
}

/// An amount in 万元, exact: at least two decimals, no trailing zeros
/// beyond them, thousands separated: 296.0000 → `296.00`, 1449.5 →
/// `1,449.50`, 0.12345 → `0.12345`.
pub fn wan_yuan(amount: rust_decimal::Decimal) -> String {
    let text = amount.normalize().to_string();
    let (whole, fraction) = text.split_once('.').unwrap_or((&text, ""));
    let fraction = format!("{fraction:0<2}");
    let digits: Vec<char> = whole.chars().collect();
    let mut grouped = String::new();
    for (i, c) in digits.iter().enumerate() {
        if i > 0
            && (digits.len() - i).is_multiple_of(3)
            && c.is_ascii_digit()
            && digits[i - 1].is_ascii_digit()
        {
            grouped.push(',');
        }
        grouped.push(*c);
    }
    format!("{grouped}.{fraction}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(year: u16, department: &str) -> Entry {
        Entry {
            year,
            department: department.to_owned(),
            title: format!("{department}<script>"),
            projects: 3,
            total: Some("10.00".to_owned()),
            pdf: format!("{year}/a.pdf"),
            html: format!("{year}/a.html"),
            json: format!("{year}/a.json"),
        }
    }

    #[test]
    fn amounts_are_exact_in_wan_yuan_with_separators() {
        let d = |s: &str| s.parse::<rust_decimal::Decimal>().unwrap();
        assert_eq!(wan_yuan(d("296.0000")), "296.00");
        assert_eq!(wan_yuan(d("921.83")), "921.83");
        assert_eq!(wan_yuan(d("1449.5")), "1,449.50");
        assert_eq!(wan_yuan(d("0.123456")), "0.123456");
        assert_eq!(wan_yuan(d("1234567.1")), "1,234,567.10");
    }

    #[test]
    fn departments_are_listed_in_pinyin_order() {
        let html = render_index(
            &TemplateStore::built_in(),
            &[
                entry(2022, "无锡局"),
                entry(2022, "东莞局"),
                entry(2022, "承德局"),
            ],
        )
        .unwrap();
        let at = |name: &str| html.find(&format!(">{name}<")).unwrap();
        assert!(at("承德局") < at("东莞局") && at("东莞局") < at("无锡局"));
    }

    #[test]
    fn years_come_newest_first_and_text_is_escaped() {
        let html = render_index(
            &TemplateStore::built_in(),
            &[entry(2022, "乙局"), entry(2023, "甲局")],
        )
        .unwrap();
        assert!(html.find("2023").unwrap() < html.find("2022").unwrap());
        assert!(html.contains("甲局&lt;script&gt;"));
        assert!(!html.contains("甲局<script>"));
        assert!(html.contains(r#"href="2023&#x2f;a.pdf""#));
    }
}
