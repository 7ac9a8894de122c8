//! The document's own shape: its form, its year, its tables' columns.

use super::Mark;
use super::{Findings, Forms, tables};
use crate::codes::{BAD_YEAR, MISSING_VALUE, UNKNOWN_FORM, VALUE_COUNT};
use crate::diag::Quote;
use crate::model::{Document, IndicatorTable, Shape};

pub(super) fn check(document: &Document, forms: &Forms, findings: &mut Findings) {
    let form = &document.form;
    if forms.get(&form.value).is_none() {
        findings
            .add(
                UNKNOWN_FORM,
                form.loc,
                format!("表式{}不存在", Quote(&form.value)),
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
                format!("预算年度{}不是合理的年份", Quote(&year.value)),
            )
            .hint("write the four-digit budget year, e.g. 2022");
    }
    for (scope, table) in tables(document) {
        required_columns(scope, table, findings);
        for (_, _, indicator) in table.indicators() {
            if indicator.values.len() != table.columns.len() {
                findings
                    .add(
                        VALUE_COUNT,
                        indicator.name.loc,
                        format!(
                            "指标{}有{}个指标值，但表格声明了{}个指标值列",
                            Quote(&indicator.name.value),
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

/// Every column the form requires has a value for every indicator, and
/// the table has every such column: a missing one is found at the
/// indicator's line (or the table's columns, when the column is absent).
fn required_columns(scope: super::Scope, table: &IndicatorTable, findings: &mut Findings) {
    let Some(framework) = findings.framework(scope) else {
        return;
    };
    let headings: Vec<&str> = table.columns.iter().map(|c| c.value.trim()).collect();
    for (heading, _) in framework.columns.iter().filter(|(_, c)| c.required) {
        if !headings.contains(&heading.as_str()) {
            let loc = table.columns.first().map_or(Default::default(), |c| c.loc);
            findings
                .add(
                    MISSING_VALUE,
                    loc,
                    format!(
                        "指标表没有表式规定必填的{heading}列",
                        heading = Quote(&heading)
                    ),
                )
                .hint(format!(
                    "add '{heading}' to `columns` and give every indicator a value in it"
                ))
                .about(heading.clone())
                .about(scope.name());
        }
    }
    for (i, heading) in headings.iter().enumerate() {
        if !framework.is_required(heading) {
            continue;
        }
        for (_, _, indicator) in table.indicators() {
            // A missing value altogether is `value-count`'s.
            let blank = indicator.values.get(i).map(|v| &v.value.shape);
            if blank == Some(&Shape::Blank) {
                findings
                    .add(
                        MISSING_VALUE,
                        indicator.name.loc,
                        format!(
                            "指标{}没有填写{heading}，表式规定该列必填",
                            Quote(&indicator.name.value),
                            heading = Quote(&heading)
                        ),
                    )
                    .hint(format!(
                        "write its value under {heading}, in the same place of `values`"
                    ))
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
