//! The indicator tree against the form's framework: known categories, none
//! blank, the required families present, no category listed empty.

use super::Mark;
use super::{Findings, Framework, Scope, tables};
use crate::codes::{
    BLANK_CATEGORY, EMPTY_INDICATOR, MISSING_FAMILY, UNKNOWN_CATEGORY, UNKNOWN_COLUMN,
};
use crate::diag::Quote;
use crate::model::{Document, IndicatorTable, Loc, Shape};

pub(super) fn check(document: &Document, findings: &mut Findings) {
    for (scope, table) in tables(document) {
        let Some(framework) = findings.framework(scope) else {
            continue;
        };
        columns(scope, table, framework, findings);
        categories(scope, table, framework, findings);
        families(scope, table, framework, findings);
        empty(scope, table, findings);
    }
}

/// Each column a table heads, against the columns its form declares: a
/// column the form does not know has no role, and no rule could tell a
/// target from last year's actual in it.
fn columns(scope: Scope, table: &IndicatorTable, framework: &Framework, findings: &mut Findings) {
    for column in &table.columns {
        let heading = column.value.trim();
        if framework.role(heading).is_none() {
            let known: Vec<&str> = framework.columns.keys().map(String::as_str).collect();
            findings
                .add(
                    UNKNOWN_COLUMN,
                    column.loc,
                    format!("{heading}不是本表式指标表的列", heading = Quote(&heading)),
                )
                .hint(format!("the form's columns are: {}", known.join(", ")))
                .about(heading)
                .about(scope.name());
        }
    }
}

fn categories(
    scope: Scope,
    table: &IndicatorTable,
    framework: &Framework,
    findings: &mut Findings,
) {
    for level1 in &table.groups {
        let name = level1.name.value.trim();
        let allowed = framework.categories.get(name);
        if name.is_empty() {
            findings
                .add(
                    BLANK_CATEGORY,
                    level1.name.loc,
                    "一级指标名称为空".to_owned(),
                )
                .about(scope.name());
        } else if allowed.is_none() {
            findings
                .add(
                    UNKNOWN_CATEGORY,
                    level1.name.loc,
                    format!("{name}不是本表式的一级指标", name = Quote(&name)),
                )
                .hint(format!("the form's 一级指标 are: {}", keys(framework)))
                .about(name)
                .about(scope.name());
        }
        for level2 in &level1.groups {
            let sub = level2.name.value.trim();
            if sub.is_empty() {
                findings
                    .add(
                        BLANK_CATEGORY,
                        level2.name.loc,
                        format!("{name}下的二级指标名称为空", name = Quote(&name)),
                    )
                    .about(name)
                    .about(scope.name());
            } else if let Some(allowed) = allowed.filter(|a| !a.iter().any(|c| c == sub)) {
                findings
                    .add(
                        UNKNOWN_CATEGORY,
                        level2.name.loc,
                        format!(
                            "{sub}不是{name}下的二级指标",
                            name = Quote(&name),
                            sub = Quote(&sub)
                        ),
                    )
                    .hint(format!(
                        "under {name} the form allows: {}",
                        allowed.join(", ")
                    ))
                    .about(sub)
                    .about(scope.name());
            }
        }
    }
}

fn keys(framework: &Framework) -> String {
    framework
        .categories
        .keys()
        .cloned()
        .collect::<Vec<_>>()
        .join(", ")
}

fn families(scope: Scope, table: &IndicatorTable, framework: &Framework, findings: &mut Findings) {
    let loc = table.columns.first().map_or(Loc::default(), |c| c.loc);
    for family in &framework.required {
        let present = table
            .groups
            .iter()
            .any(|g| g.name.value.trim() == family && g.groups.iter().any(|s| !s.items.is_empty()));
        if !present {
            findings
                .add(
                    MISSING_FAMILY,
                    loc,
                    format!(
                        "{}的指标表缺少一级指标{family}",
                        describe(scope),
                        family = Quote(&family)
                    ),
                )
                .about(family.clone())
                .about(scope.name());
        }
    }
}

fn describe(scope: Scope) -> String {
    match scope {
        Scope::Department => "部门整体支出".to_owned(),
        Scope::Project(name) => format!("项目{name}", name = Quote(&name)),
    }
}

/// A 二级 category listed with nothing in it: no indicator, or only blank ones.
fn empty(scope: Scope, table: &IndicatorTable, findings: &mut Findings) {
    for level1 in &table.groups {
        for level2 in &level1.groups {
            let blank = level2.items.iter().all(|i| {
                i.name.value.trim().is_empty()
                    && i.values.iter().all(|v| v.value.shape == Shape::Blank)
            });
            if blank {
                findings
                    .add(
                        EMPTY_INDICATOR,
                        level2.name.loc,
                        format!(
                            "二级指标{}下没有填写具体指标",
                            Quote(&level2.name.value.trim())
                        ),
                    )
                    .about(level2.name.value.trim())
                    .about(scope.name());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::check::testing::*;

    #[test]
    fn the_good_table_passes() {
        assert!(
            codes(&with_rows(GOOD_ROWS)).is_empty(),
            "{:?}",
            codes(&with_rows(GOOD_ROWS))
        );
    }

    #[test]
    fn a_column_the_form_does_not_declare_is_named() {
        let yaml =
            with_rows(GOOD_ROWS).replace("columns: [年度指标值]", "columns: [本年度计划指标值]");
        assert_eq!(codes(&yaml), ["unknown-column"]);
        assert!(codes(&with_rows(GOOD_ROWS)).is_empty());
    }

    #[test]
    fn categories_must_belong_to_the_framework() {
        assert_eq!(
            codes(&good_with(("产出指标", "速度指标", "完成天数", "≤5天"))),
            ["unknown-category"]
        );
        assert_eq!(
            codes(&good_with(("项目完成", "数量指标", "完成数", "≥5个"))),
            ["unknown-category"]
        );
        assert_eq!(
            codes(&good_with((
                "效益指标",
                "服务对象满意度指标",
                "代表满意度",
                "≥95%"
            ))),
            ["unknown-category"]
        );
    }

    #[test]
    fn blank_categories_are_errors() {
        assert_eq!(
            codes(&good_with(("产出指标", "", "会议次数", "3次"))),
            ["blank-category"]
        );
        assert_eq!(
            codes(&good_with(("", "数量指标", "会议次数", "3次"))),
            ["blank-category"]
        );
    }

    #[test]
    fn output_benefit_and_satisfaction_must_be_present() {
        let without_benefit: Vec<_> = GOOD_ROWS
            .iter()
            .copied()
            .filter(|r| r.0 != "效益指标")
            .collect();
        let report = report(&with_rows(&without_benefit));
        let codes: Vec<_> = report.diagnostics.iter().map(|d| d.code.as_ref()).collect();
        assert_eq!(codes, ["missing-family"]);
        assert!(report.diagnostics[0].message.contains("效益指标"));
    }

    #[test]
    fn a_category_listed_empty_is_reported() {
        assert_eq!(
            codes(&good_with(("效益指标", "生态效益指标", "", ""))),
            ["empty-indicator"]
        );
    }
}
