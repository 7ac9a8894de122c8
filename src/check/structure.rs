//! The document's own shape: its form, its year, its tables' columns.

use super::Mark;
use super::{Findings, Forms, tables};
use crate::codes::{BAD_YEAR, UNKNOWN_FORM, VALUE_COUNT};
use crate::model::Document;

pub(super) fn check(document: &Document, forms: &Forms, findings: &mut Findings) {
    let form = &document.form;
    if forms.get(&form.value).is_none() {
        findings
            .add(
                UNKNOWN_FORM,
                form.loc,
                format!("表式“{}”不存在", form.value),
            )
            .hint(format!("the forms are: {}", forms.names().join(", ")))
            .about(form.value.clone());
    }
    let year = &document.year;
    if !(2000..=2100).contains(&year.value) {
        findings
            .add(
                BAD_YEAR,
                year.loc,
                format!("预算年度“{}”不是合理的年份", year.value),
            )
            .hint("write the four-digit budget year, e.g. 2022");
    }
    for (scope, table) in tables(document) {
        for (_, _, indicator) in table.indicators() {
            if indicator.values.len() != table.columns.len() {
                findings
                    .add(
                        VALUE_COUNT,
                        indicator.name.loc,
                        format!(
                            "指标“{}”有{}个指标值，但表格声明了{}个指标值列",
                            indicator.name.value,
                            indicator.values.len(),
                            table.columns.len()
                        ),
                    )
                    .hint("give one value per column of `columns`, in the same order; write '' for a blank cell")
                    .about(indicator.name.value.clone())
                    .about(scope.name());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::check::testing::*;

    const DOC: &str = "form: national\nyear: 2022\ntitle: t\ndepartment: d\n";

    #[test]
    fn a_plain_document_passes() {
        assert!(codes(DOC).is_empty(), "{:?}", codes(DOC));
    }

    #[test]
    fn an_unknown_form_is_named_with_the_choices() {
        let report = report(&DOC.replace("national", "nation"));
        let d = &report.diagnostics[0];
        assert_eq!(
            (d.code.as_ref(), d.loc.line, d.loc.column),
            ("unknown-form", 1, 7)
        );
        assert!(d.hint.as_deref().unwrap().contains("national"));
    }

    #[test]
    fn implausible_years_are_errors() {
        assert_eq!(codes(&DOC.replace("2022", "22")), ["bad-year"]);
    }

    #[test]
    fn each_indicator_needs_one_value_per_column() {
        let yaml = with_rows(GOOD_ROWS).replacen("values: ['≥2次']", "values: ['≥2次', '≥4次']", 1);
        let report = report(&yaml);
        assert_eq!(
            report
                .diagnostics
                .iter()
                .map(|d| d.code.as_ref())
                .collect::<Vec<_>>(),
            ["value-count"]
        );
        assert_eq!(report.diagnostics[0].loc.line, 14);
    }
}
