//! Years and dates: timeliness targets inside the budget year, project
//! periods that contain it and start before they end, half-year (or yearly)
//! targets no larger than full-year (or whole-period) ones.

use super::Mark;
use super::{Findings, Scope, tables};
use crate::codes::{PART_EXCEEDS_WHOLE, PERIOD_OUTSIDE, START_AFTER_END, YEAR_OUTSIDE};
use crate::contract::{ColumnRole, Measure};
use crate::diag::Quote;
use crate::model::{Document, IndicatorTable, Project, Shape, WhenKind};

pub(super) fn check(document: &Document, findings: &mut Findings) {
    let year = document.year.value;
    for (scope, table) in tables(document) {
        for (_, level2, indicator) in table.indicators() {
            if findings.measure(scope, &level2.name.value) != Some(Measure::Timeliness) {
                continue;
            }
            for value in findings
                .target_columns(scope, table)
                .into_iter()
                .filter_map(|c| indicator.values.get(c))
            {
                let outside: Vec<u16> = years_in(value.value.as_str())
                    .into_iter()
                    .filter(|y| *y != year)
                    .collect();
                if let Some(other) = outside.first() {
                    findings
                        .add(
                            YEAR_OUTSIDE,
                            value.loc,
                            format!(
                                "时效指标{}的{}写的是{other}年，不是预算年度{year}年",
                                Quote(&indicator.name.value),
                                Quote(&value.value)
                            ),
                        )
                        .about(value.value.as_str())
                        .about(indicator.name.value.as_str())
                        .about(scope.name());
                }
            }
        }
        part_and_whole(scope, table, findings);
    }
    for project in &document.projects {
        period(project, year, findings);
    }
}

/// Four-digit years written as 2022年.
fn years_in(text: &str) -> Vec<u16> {
    let chars: Vec<char> = text.chars().collect();
    chars
        .windows(5)
        .enumerate()
        .filter(|(i, w)| {
            w[4] == '年'
                && w[..4].iter().all(char::is_ascii_digit)
                && (*i == 0 || !chars[i - 1].is_ascii_digit())
        })
        .filter_map(|(_, w)| w[..4].iter().collect::<String>().parse().ok())
        .collect()
}

fn period(project: &Project, year: u16, findings: &mut Findings) {
    let (Some(start), Some(end)) = (&project.start, &project.end) else {
        return;
    };
    let name = project.name.value.as_str();
    let after = match (start.value.kind, end.value.kind) {
        (WhenKind::Date(s), WhenKind::Date(e)) => s > e,
        _ => start.value.year() > end.value.year(),
    };
    if after {
        findings
            .add(
                START_AFTER_END,
                start.loc,
                format!(
                    "项目{name}开始于{}，晚于完成时间{}",
                    start.value,
                    end.value,
                    name = Quote(&name)
                ),
            )
            .about(start.value.as_str())
            .about(name);
    } else if !(start.value.year()..=end.value.year()).contains(&year) {
        findings
            .add(
                PERIOD_OUTSIDE,
                start.loc,
                format!(
                    "项目{name}的实施期间{}至{}不包含预算年度{year}年",
                    start.value,
                    end.value,
                    name = Quote(&name)
                ),
            )
            .about(start.value.as_str())
            .about(name);
    }
}

/// The column pairs where one part is a share of the other, by role.
const PART_WHOLE: &[(ColumnRole, ColumnRole)] = &[
    (ColumnRole::HalfYear, ColumnRole::Target),
    (ColumnRole::Target, ColumnRole::PeriodTarget),
];

fn part_and_whole(scope: Scope, table: &IndicatorTable, findings: &mut Findings) {
    let column = |role| findings.column(scope, table, role);
    let pairs: Vec<(usize, usize)> = PART_WHOLE
        .iter()
        .filter_map(|&(part, whole)| Some((column(part)?, column(whole)?)))
        .collect();
    for (part, whole) in pairs.into_iter().filter(|(p, w)| p != w) {
        for (_, _, indicator) in table.indicators() {
            let (Some(p), Some(w)) = (indicator.values.get(part), indicator.values.get(whole))
            else {
                continue;
            };
            let (Shape::Quantity(pq), Shape::Quantity(wq)) = (&p.value.shape, &w.value.shape)
            else {
                continue;
            };
            if pq.unit == wq.unit && pq.number > wq.number {
                findings
                    .add(
                        PART_EXCEEDS_WHOLE,
                        p.loc,
                        format!(
                            "指标{}的{}{}超过{}{}",
                            Quote(&indicator.name.value),
                            table.columns[part].value,
                            Quote(&p.value),
                            table.columns[whole].value,
                            Quote(&w.value)
                        ),
                    )
                    .about(p.value.as_str())
                    .about(indicator.name.value.as_str())
                    .about(scope.name());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::years_in;
    use crate::check::testing::*;

    #[test]
    fn years_are_read_from_text() {
        assert_eq!(years_in("2021年1月至12月"), [2021]);
        assert_eq!(
            years_in("区十三届人大二次会议预计于2022年1月至3月召开"),
            [2022]
        );
        assert!(years_in("12022年").is_empty());
    }

    #[test]
    fn timeliness_targets_fall_in_the_budget_year() {
        assert_eq!(
            codes(&good_with((
                "产出指标",
                "时效指标",
                "工作计划",
                "2021年1月至12月"
            ))),
            ["year-outside"]
        );
        assert!(
            codes(&good_with((
                "产出指标",
                "时效指标",
                "工作计划",
                "2022年1月至12月"
            )))
            .is_empty()
        );
    }

    fn dated(start: &str, end: &str) -> String {
        with_rows(GOOD_ROWS).replace(
            "  - name: 项目甲\n",
            &format!("  - name: 项目甲\n    start: {start}\n    end: {end}\n"),
        )
    }

    #[test]
    fn a_project_starts_before_it_ends_and_spans_the_budget_year() {
        assert!(codes(&dated("2022-01-01", "2022-12-31")).is_empty());
        assert!(codes(&dated("2022年", "2024年")).is_empty());
        assert_eq!(
            codes(&dated("2022-12-31", "2022-01-01")),
            ["start-after-end"]
        );
        assert_eq!(
            codes(&dated("2023-01-01", "2023-12-31")),
            ["period-outside"]
        );
    }

    fn two_columns(part: &str, whole: &str) -> String {
        with_rows(GOOD_ROWS)
            .replace(
                "columns: [年度指标值]",
                "columns: [半年（程） 指标值, 全年（程） 指标值]",
            )
            .replace("']}\n", "', '']}\n")
            .replace(
                "values: ['≥2次', '']",
                &format!("values: ['{part}', '{whole}']"),
            )
    }

    #[test]
    fn a_half_year_target_does_not_exceed_the_full_year() {
        assert!(codes(&two_columns("=1次", "=2次")).is_empty());
        assert_eq!(codes(&two_columns("=3次", "=2次")), ["part-exceeds-whole"]);
    }
}
