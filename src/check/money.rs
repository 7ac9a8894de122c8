//! Parts that must add up to totals, exactly, in the document's own unit.

use rust_decimal::Decimal;

use super::Mark;
use super::{DEPARTMENT, Findings, Rule};
use crate::codes::{BUDGET_SUM, FUNDS_SUM, PROJECTS_SUM};
use crate::contract::Contract;
use crate::diag::Quote;
use crate::model::{Budget, Document, Located, Money, Project, Unit};

pub(super) fn check(document: &Document, form: Option<&Contract>, findings: &mut Findings) {
    budget(document, findings);
    let own = |total: &str| form.is_some_and(|f| f.sums.iter().any(|s| s.total == total));
    let declared = Declared {
        total: own("projects.funds.total"),
        annual: own("projects.funds.annual.total"),
    };
    for project in &document.projects {
        funds(project, declared, findings);
    }
    projects_against_budget(document, findings);
    projects_against_stated_total(document, findings);
}

fn sum<'a>(parts: impl IntoIterator<Item = &'a Located<Money>>) -> Decimal {
    parts.into_iter().map(|m| m.value.value()).sum()
}

/// Reports `total` unless its parts add up to it exactly.
fn must_add_up(
    findings: &mut Findings,
    rule: &'static Rule,
    total: &Located<Money>,
    parts: Decimal,
    scope: &str,
    message: impl FnOnce() -> String,
) {
    if parts != total.value.value() {
        findings
            .add(rule, total.loc, message())
            .about(total.value.to_string())
            .about(scope);
    }
}

fn budget_of(document: &Document) -> Option<&Budget> {
    document.department_target.as_ref()?.budget.as_ref()
}

fn budget(document: &Document, findings: &mut Findings) {
    let Some(budget) = budget_of(document) else {
        return;
    };
    let parts = sum([&budget.personnel, &budget.public, &budget.projects]);
    must_add_up(
        findings,
        BUDGET_SUM,
        &budget.total,
        parts,
        DEPARTMENT,
        || {
            format!(
                "财政拨款总额{}不等于人员经费{}、公用经费{}、项目经费{}之和{}",
                budget.total.value,
                budget.personnel.value,
                budget.public.value,
                budget.projects.value,
                parts
            )
        },
    );
}

/// Which of the project's funds totals the form adds up itself, from the
/// sources it names (`sums:` with `projects.funds.total`): the common
/// sources (财政资金 + 其他资金) are then not the whole, and `form-sum`
/// holds the total instead of `funds-sum`.
#[derive(Clone, Copy)]
struct Declared {
    total: bool,
    annual: bool,
}

fn funds(project: &Project, declared: Declared, findings: &mut Findings) {
    let Some(funds) = &project.funds else { return };
    let name = project.name.value.as_str();
    if let Some(fiscal) = funds.fiscal.as_ref().filter(|_| !declared.total) {
        let parts = sum([Some(fiscal), funds.other.as_ref()].into_iter().flatten());
        must_add_up(findings, FUNDS_SUM, &funds.total, parts, name, || {
            format!(
                "项目{name}资金总额{}不等于财政资金与其他资金之和{parts}",
                funds.total.value,
                name = Quote(&name)
            )
        });
    }
    if let Some(annual) = funds.annual.as_ref().filter(|_| !declared.annual) {
        let parts = sum([&annual.appropriation, &annual.carryover, &annual.other]);
        must_add_up(findings, FUNDS_SUM, &annual.total, parts, name, || {
            format!(
                "项目{name}年度资金申请总额{}不等于当年财政拨款、上年结转和其他资金之和{parts}",
                annual.total.value,
                name = Quote(&name)
            )
        });
    }
}

/// The projects' totals in the unit of `unit`, if every project states one.
fn projects_total(document: &Document, unit: Unit) -> Option<Decimal> {
    if document.projects.is_empty() {
        return None;
    }
    document
        .projects
        .iter()
        .map(|p| {
            p.funds
                .as_ref()
                .map(|f| f.unit.value.convert(f.total.value.value(), unit))
        })
        .sum()
}

fn projects_against_budget(document: &Document, findings: &mut Findings) {
    let Some(budget) = budget_of(document) else {
        return;
    };
    let Some(total) = projects_total(document, budget.unit.value) else {
        return;
    };
    must_add_up(
        findings,
        PROJECTS_SUM,
        &budget.projects,
        total,
        DEPARTMENT,
        || {
            format!(
                "项目经费{}不等于各项目资金之和{}",
                budget.projects.value,
                total.normalize()
            )
        },
    );
}

/// A preamble that states the projects' total (…涉及项目预算资金296.00万元)
/// must state the sum of the projects.
fn projects_against_stated_total(document: &Document, findings: &mut Findings) {
    for paragraph in &document.preamble {
        for (stated, unit) in stated_amounts(&paragraph.value) {
            let Some(total) = projects_total(document, unit) else {
                return;
            };
            if total != stated {
                findings
                    .add(
                        PROJECTS_SUM,
                        paragraph.loc,
                        format!(
                            "文中所述项目资金{stated}不等于各项目资金之和{}",
                            total.normalize()
                        ),
                    )
                    .about(stated.to_string())
                    .about(DEPARTMENT);
            }
        }
    }
}

/// Amounts a text gives as the projects' funds: a number in 元 or 万元 right
/// after 项目资金, 项目预算资金 or 项目经费.
fn stated_amounts(text: &str) -> Vec<(Decimal, Unit)> {
    let mut found = Vec::new();
    for marker in ["项目预算资金", "项目资金", "项目经费"] {
        for (start, _) in text.match_indices(marker) {
            let rest = &text[start + marker.len()..];
            let digits: String = rest
                .chars()
                .take_while(|c| c.is_ascii_digit() || *c == '.')
                .collect();
            let after = &rest[digits.len()..];
            let unit = if after.starts_with("万元") {
                Unit::TenThousandYuan
            } else if after.starts_with('元') {
                Unit::Yuan
            } else {
                continue;
            };
            if let Ok(amount) = Decimal::from_str_exact(&digits) {
                found.push((amount, unit));
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use crate::check::testing::*;

    const HEAD: &str = "form: national\nyear: 2022\ntitle: t\ndepartment: d\n";

    fn budget(total: &str) -> String {
        format!(
            "{HEAD}department_target:\n  budget: {{unit: 万元, total: {total}, personnel: 712.32, public: 104.52, projects: 105.00}}\n"
        )
    }

    #[test]
    fn a_budget_split_must_add_up_exactly() {
        assert_eq!(codes(&budget("921.84")), Vec::<&str>::new());
        let report = report(&budget("921.83"));
        let d = &report.diagnostics[0];
        assert_eq!(d.code, "budget-sum");
        assert!(
            d.message.contains("921.83") && d.message.contains("921.84"),
            "{}",
            d.message
        );
    }

    fn project(name: &str, funds: &str) -> String {
        format!(
            "  - name: {name}\n    funds: {funds}\n    indicators: {{columns: [年度指标值], groups: []}}\n"
        )
    }

    #[test]
    fn project_funds_must_add_up() {
        let good = format!(
            "{HEAD}projects:\n{}",
            project(
                "甲",
                "{unit: 元, total: 1200000.00, fiscal: 1000000, other: 200000}"
            )
        );
        assert!(
            !codes(&good).contains(&"funds-sum".to_owned()),
            "{:?}",
            codes(&good)
        );
        let bad = good.replace("other: 200000", "other: 20000");
        assert!(codes(&bad).contains(&"funds-sum".to_owned()));
        let annual = format!(
            "{HEAD}projects:\n{}",
            project(
                "甲",
                "{unit: 元, total: 10, annual: {total: 10, appropriation: 6, carryover: 3, other: 0}}"
            )
        );
        assert!(codes(&annual).contains(&"funds-sum".to_owned()));
        assert!(
            !codes(&annual.replace("carryover: 3", "carryover: 4"))
                .contains(&"funds-sum".to_owned())
        );
    }

    #[test]
    fn projects_must_add_up_to_the_department_s_project_funds() {
        let projects = format!(
            "projects:\n{}{}",
            project("甲", "{unit: 万元, total: 100.00, fiscal: 100.00}"),
            project("乙", "{unit: 元, total: 50000, fiscal: 50000}")
        );
        let good = format!("{}{projects}", budget("921.84"));
        assert!(
            !codes(&good).contains(&"projects-sum".to_owned()),
            "{:?}",
            codes(&good)
        );
        let bad = good.replace("total: 50000, fiscal: 50000", "total: 60000, fiscal: 60000");
        assert!(codes(&bad).contains(&"projects-sum".to_owned()));
    }

    #[test]
    fn a_stated_projects_total_must_match() {
        let projects = format!(
            "projects:\n{}",
            project("甲", "{unit: 元, total: 2960000, fiscal: 2960000}")
        );
        let good = format!(
            "{HEAD}preamble: [编报绩效目标的项目1个，涉及项目预算资金296.00万元。]\n{projects}"
        );
        assert!(
            !codes(&good).contains(&"projects-sum".to_owned()),
            "{:?}",
            codes(&good)
        );
        assert!(
            codes(&good.replace("296.00万元", "269.00万元")).contains(&"projects-sum".to_owned())
        );
    }
}
