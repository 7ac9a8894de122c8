//! Checks on loaded documents that the YAML types alone cannot express.

use std::path::Path;

use crate::diag::Diagnostic;
use crate::model::{Document, IndicatorTable};

/// Findings about one document; `forms` are the names of the available forms.
pub fn check(path: &Path, document: &Document, forms: &[&str]) -> Vec<Diagnostic> {
    let mut found = Vec::new();
    check_form(path, document, forms, &mut found);
    check_year(path, document, &mut found);
    let department_table = document
        .department_target
        .as_ref()
        .and_then(|t| t.indicators.as_ref());
    let project_tables = document.projects.iter().map(|p| &p.indicators);
    for table in department_table.into_iter().chain(project_tables) {
        check_table(path, table, &mut found);
    }
    found
}

fn check_form(path: &Path, document: &Document, forms: &[&str], found: &mut Vec<Diagnostic>) {
    let form = &document.form;
    if !forms.contains(&form.value.as_str()) {
        found.push(
            Diagnostic::error(
                path,
                form.loc,
                "unknown-form",
                format!("there is no form “{}”", form.value),
            )
            .with_hint(format!("the forms are: {}", forms.join(", "))),
        );
    }
}

fn check_year(path: &Path, document: &Document, found: &mut Vec<Diagnostic>) {
    let year = &document.year;
    if !(2000..=2100).contains(&year.value) {
        found.push(
            Diagnostic::error(
                path,
                year.loc,
                "bad-year",
                format!("{} is not a plausible budget year", year.value),
            )
            .with_hint("write the four-digit budget year, e.g. 2022"),
        );
    }
}

/// Each indicator has exactly one value per declared value column.
fn check_table(path: &Path, table: &IndicatorTable, found: &mut Vec<Diagnostic>) {
    let columns = table.columns.len();
    for (_, _, indicator) in table.indicators() {
        if indicator.values.len() != columns {
            found.push(
                Diagnostic::error(
                    path,
                    indicator.name.loc,
                    "value-count",
                    format!(
                        "the indicator “{}” has {} values, but the table declares {} value columns",
                        indicator.name.value,
                        indicator.values.len(),
                        columns
                    ),
                )
                .with_hint("give one value per column of `columns`, in the same order; write \"\" for a blank cell"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::parse;

    const DOC: &str = "form: dongguan-rd\nyear: 2022\ntitle: t\ndepartment: d\n";

    fn findings(extra: &str) -> Vec<Diagnostic> {
        let path = Path::new("t.yaml");
        let doc = parse(path, &format!("{DOC}{extra}")).unwrap();
        check(path, &doc, &["dongguan-rd"])
    }

    #[test]
    fn a_plain_document_passes() {
        assert!(findings("").is_empty());
    }

    #[test]
    fn an_unknown_form_is_named_with_the_choices() {
        let path = Path::new("t.yaml");
        let doc = parse(path, &DOC.replace("dongguan-rd", "dongguan")).unwrap();
        let found = check(path, &doc, &["dongguan-rd"]);
        assert_eq!(found[0].code, "unknown-form");
        assert_eq!((found[0].loc.line, found[0].loc.column), (1, 7));
        assert!(found[0].hint.as_deref().unwrap().contains("dongguan-rd"));
    }

    #[test]
    fn implausible_years_are_errors() {
        let path = Path::new("t.yaml");
        let doc = parse(path, &DOC.replace("2022", "22")).unwrap();
        assert_eq!(check(path, &doc, &["dongguan-rd"])[0].code, "bad-year");
    }

    #[test]
    fn each_indicator_needs_one_value_per_column() {
        let table = "department_target:\n  indicators:\n    columns: [实施周期指标值, 年度指标值]\n    groups:\n      - name: 产出指标\n        groups:\n          - name: 数量指标\n            items:\n              - {name: 次数, values: [3次]}\n";
        let found = findings(table);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].code, "value-count");
        assert_eq!(found[0].loc.line, 13);
    }
}
