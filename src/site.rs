//! The site index: one page listing every department's disclosure by year,
//! with links to its PDF, web page and data, searchable by name.
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
    pub projects: usize,
    /// The total amount with its unit, e.g. `921.83 万元`.
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
            entries.sort_by(|a, b| a.department.cmp(&b.department));
            context! { year => year.0, entries => Value::from(Serde(entries)) }
        })
        .collect();
    let css = text(STYLESHEET).unwrap_or_default();
    env.get_template(INDEX_TEMPLATE)?
        .render(context! { years, css, count => entries.len() })
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
            total: Some("10.00 万元".to_owned()),
            pdf: format!("{year}/a.pdf"),
            html: format!("{year}/a.html"),
            json: format!("{year}/a.json"),
        }
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
