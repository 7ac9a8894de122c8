//! What indicators and goals say, as a reviewer reads them (完整性、相关性、
//! 适当性、可行性; 财预〔2021〕101号 on indicators): a 三级指标 must name a
//! concrete thing, each row its own target, a 时效 target a time, a cost cap
//! no more than the money there is; a goal must say something measurable and
//! not contradict its own table; and a document must not copy a table from
//! one project into another.

use std::collections::BTreeMap;

use rust_decimal::Decimal;

use super::Mark;
use super::{Findings, Scope, tables, units};
use crate::codes::{
    COPIED_TABLE, COST_ABOVE_FUNDS, GOAL_CONTRADICTS_INDICATOR, LONG_TERM_EQUALS_ANNUAL,
    MEANINGLESS_INDICATOR, SAME_VALUE_EVERYWHERE, TIMELINESS_NO_TIME, UNMEASURABLE_GOAL,
};
use crate::contract::Measure;
use crate::diag::Quote;
use crate::model::{
    Document, IndicatorTable, IndicatorValue, Loc, Located, Op, Project, Shape, Text, Unit,
};

pub(super) fn check(document: &Document, findings: &mut Findings) {
    for (scope, table) in tables(document) {
        meaningless(scope, table, findings);
        same_everywhere(scope, table, findings);
        timeliness(scope, table, findings);
    }
    for (index, project) in document.projects.iter().enumerate() {
        let own: Vec<&IndicatorTable> = std::iter::once(&project.indicators)
            .chain(
                document
                    .extra_tables
                    .iter()
                    .filter(|t| t.project == Some(index))
                    .map(|t| &t.table),
            )
            .collect();
        cost_above_funds(project, &own, findings);
        goal_against_indicators(project, findings);
        for goal in [&project.goal, &project.overall_goal].into_iter().flatten() {
            unmeasurable(project, goal, findings);
        }
    }
    copied(document, findings);
}

/// A 三级指标 that names nothing: a bare number or score, one character,
/// or its category's own words (数量 under 数量指标). 服务对象满意度 under
/// 服务对象满意度指标 is the wording of the Ministry's own sample tables, and
/// names what it measures.
fn meaningless(scope: Scope, table: &IndicatorTable, findings: &mut Findings) {
    for (level1, level2, indicator) in table.indicators() {
        let name = indicator.name.value.trim();
        if name.is_empty() {
            continue;
        }
        let stem = |c: &str| c.trim().trim_end_matches("指标").to_owned();
        let categories = [level1.name.value.trim(), level2.name.value.trim()];
        let why = if is_number(name.trim_end_matches(['分', '%', '％'])) {
            Some("只是一个数字或分值")
        } else if name.chars().count() == 1 {
            Some("只有一个字")
        } else if !name.contains("满意")
            && categories
                .iter()
                .any(|c| !c.is_empty() && *c != name && stem(c) == name)
        {
            Some("只是重复了上级指标的名称")
        } else {
            None
        };
        if let Some(why) = why {
            findings
                .add(
                    MEANINGLESS_INDICATOR,
                    indicator.name.loc,
                    format!("三级指标{name}{why}，没有说明衡量什么", name = Quote(&name)),
                )
                .hint("name the concrete output or effect measured, e.g. 培训人次, 验收合格率, 群众满意度")
                .about(name)
                .about(scope.name());
        }
    }
}

fn is_number(text: &str) -> bool {
    let digits: String = text
        .chars()
        .map(|c| match c {
            '０'..='９' => char::from(b'0' + (c as u32 - '０' as u32) as u8),
            c => c,
        })
        .collect();
    !digits.is_empty() && digits.parse::<Decimal>().is_ok()
}

/// The fewest rows a table needs before one value on all of them says the
/// values were not set row by row.
const SAME_VALUE_ROWS: usize = 3;

/// One value on every row of a value column.
fn same_everywhere(scope: Scope, table: &IndicatorTable, findings: &mut Findings) {
    for column in findings.target_columns(scope, table) {
        let values: Vec<_> = table
            .indicators()
            .filter_map(|(_, _, i)| i.values.get(column))
            .filter(|v| v.value.shape != Shape::Blank)
            .collect();
        let Some(first) = values.first() else {
            continue;
        };
        let same = values
            .iter()
            .all(|v| v.value.as_str().trim() == first.value.as_str().trim());
        if values.len() >= SAME_VALUE_ROWS && same {
            let value = first.value.as_str().trim();
            findings
                .add(
                    SAME_VALUE_EVERYWHERE,
                    first.loc,
                    format!("指标表{}列的{}个指标值都是{value}", Quote(&table.columns[column].value), values.len(), value = Quote(&value)),
                )
                .hint("set each indicator's own target: a count in its unit, a rate in %, a date for timeliness")
                .about(value)
                .about(scope.name());
            return;
        }
    }
}

/// Words that name a time, a deadline or a period, or promptness itself.
const TIME_WORDS: &[&str] = &[
    "年", "月", "日", "天", "周", "季", "小时", "分钟", "时限", "期限", "期间", "前", "底", "以内",
    "之内", "截止", "及时", "按时", "准时", "如期", "按期", "限时", "实时", "当日", "当天", "同步",
    "定期",
];

/// A 时效 target that names no time: `100`, `完成`, `≥90` say nothing of when.
fn timeliness(scope: Scope, table: &IndicatorTable, findings: &mut Findings) {
    let columns = findings.target_columns(scope, table);
    for (_, level2, indicator) in table.indicators() {
        if findings.measure(scope, &level2.name.value) != Some(Measure::Timeliness) {
            continue;
        }
        let name = indicator.name.value.trim();
        for value in columns.iter().filter_map(|&c| indicator.values.get(c)) {
            let text = value.value.as_str().trim();
            let names_time = TIME_WORDS.iter().any(|w| text.contains(w));
            let of_time = ["率", "及时", "按时", "准时", "按期"]
                .iter()
                .any(|w| name.contains(w));
            let rate = value.value.quantity().is_some_and(|q| q.unit == "%") && of_time;
            if text.is_empty() || names_time || rate {
                continue;
            }
            findings
                .add(
                    TIMELINESS_NO_TIME,
                    value.loc,
                    format!("时效指标{name}的指标值{text}没有写明时间、期限或期间", text = Quote(&text), name = Quote(&name)),
                )
                .hint("write when: 2023年12月底前, ≤30个工作日, 及时; or a rate of it, 按时完成率 ≥95%")
                .about(text)
                .about(name)
                .about(scope.name());
        }
    }
}

/// An amount in `unit` (元, 万元, 亿元) in 元.
fn in_yuan(number: Decimal, unit: &str) -> Option<Decimal> {
    let factor = match unit {
        "元" => 1,
        "万元" => 10_000,
        "亿元" => 100_000_000,
        _ => return None,
    };
    number.checked_mul(Decimal::from(factor))
}

/// A cost cap above all the money the project has.
fn cost_above_funds(project: &Project, own: &[&IndicatorTable], findings: &mut Findings) {
    let Some(funds) = &project.funds else { return };
    let unit = funds.unit.value;
    let Some(total) = in_yuan(funds.total.value.value(), unit.as_str()) else {
        return;
    };
    let scope = Scope::Project(&project.name.value);
    for table in own {
        let columns = findings.target_columns(scope, table);
        for (_, level2, indicator) in table.indicators() {
            let measure = findings.measure(scope, &level2.name.value);
            if !measure.is_some_and(Measure::is_money_cost) {
                continue;
            }
            for value in columns.iter().filter_map(|&c| indicator.values.get(c)) {
                let Some(q) = value.value.quantity() else {
                    continue;
                };
                let capped = matches!(q.op, Op::AtMost | Op::Below | Op::Equal | Op::None);
                let Some(cap) = in_yuan(q.number, &q.unit) else {
                    continue;
                };
                if capped && cap > total {
                    let name = indicator.name.value.trim();
                    findings
                        .add(
                            COST_ABOVE_FUNDS,
                            value.loc,
                            format!(
                                "成本指标{name}的{}超过项目{}的资金总额{}{}",
                                Quote(&value.value),
                                Quote(&project.name.value),
                                funds.total.value,
                                Unit::as_str(unit), name = Quote(&name)
                            ),
                        )
                        .hint("a cost cap is at most the project's funds, in the same unit: is the unit (元/万元) right?")
                        .about(value.value.as_str())
                        .about(name)
                        .about(project.name.value.as_str());
                }
            }
        }
    }
}

/// The numbers a text writes with a unit: `新建12处` gives 12 处.
fn counted(text: &str) -> Vec<(Decimal, &'static str)> {
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let mut found = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let start = chars[i].0;
        let mut end = i;
        while end < chars.len() && (chars[end].1.is_ascii_digit() || chars[end].1 == '.') {
            end += 1;
        }
        if end > i {
            let after = chars.get(end).map_or(text.len(), |c| c.0);
            let number = text[start..after].trim_end_matches('.').parse::<Decimal>();
            if let (Ok(number), Some(unit)) = (number, units::leading(&text[after..])) {
                found.push((number, unit));
            }
            i = end;
        } else {
            i += 1;
        }
    }
    found
}

/// A 数量 indicator's name, value and number.
type Counted<'a> = (&'a str, &'a Located<IndicatorValue>, Decimal);

/// A goal whose number for a unit differs from the one 数量 indicator in
/// that unit: the goal says 12 处, the indicator 5 处.
fn goal_against_indicators(project: &Project, findings: &mut Findings) {
    let Some(goal) = &project.goal else { return };
    let mut in_goal: BTreeMap<&str, Vec<Decimal>> = BTreeMap::new();
    for (number, unit) in counted(&goal.value) {
        in_goal.entry(unit).or_default().push(number);
    }
    let table = &project.indicators;
    let scope = Scope::Project(&project.name.value);
    let columns = findings.target_columns(scope, table);
    let mut in_table: BTreeMap<&str, Vec<Counted>> = BTreeMap::new();
    for (_, level2, indicator) in table.indicators() {
        if findings.measure(scope, &level2.name.value) != Some(Measure::Quantity) {
            continue;
        }
        for value in columns.iter().filter_map(|&c| indicator.values.get(c)) {
            if let Some(q) = value.value.quantity()
                && let Some(unit) = units::KNOWN
                    .iter()
                    .copied()
                    .find(|u| *u == q.unit && *u != "%")
            {
                in_table.entry(unit).or_default().push((
                    indicator.name.value.trim(),
                    value,
                    q.number,
                ));
            }
        }
    }
    for (unit, numbers) in in_goal {
        let ([said], Some([(name, value, target)])) =
            (numbers.as_slice(), in_table.get(unit).map(Vec::as_slice))
        else {
            continue;
        };
        if said != target {
            findings
                .add(
                    GOAL_CONTRADICTS_INDICATOR,
                    value.loc,
                    format!(
                        "年度目标写的是{said}{unit}（{}），数量指标{name}却是{}",
                        Quote(&goal.value),
                        Quote(&value.value),
                        name = Quote(&name)
                    ),
                )
                .hint(
                    "make the goal and the indicator say the same number, or name what each counts",
                )
                .about(value.value.as_str())
                .about(*name)
                .about(project.name.value.as_str());
        }
    }
}

/// A goal that states nothing that could be checked at the year's end.
fn unmeasurable(project: &Project, goal: &Text, findings: &mut Findings) {
    let text = goal.value.trim();
    if text.is_empty() || is_measurable(text) {
        return;
    }
    findings
        .add(UNMEASURABLE_GOAL, goal.loc, format!("目标{}没有可衡量的内容", Quote(text)))
        .hint("say what will be done by when, in numbers: 新建供水工程12处，受益1.8万人，2023年12月底前完工")
        .about(text)
        .about(project.name.value.as_str());
}

/// Chinese numerals, as in 三次, 两个.
const NUMERALS: &str = "一二两三四五六七八九十百千万";

fn is_measurable(text: &str) -> bool {
    let chars: Vec<char> = text.chars().collect();
    let numeral_counted = chars.windows(2).any(|w| {
        NUMERALS.contains(w[0]) && units::leading(&w[1].to_string()).is_some() && w[1] != '年'
    });
    text.chars()
        .any(|c| c.is_ascii_digit() || ('０'..='９').contains(&c) || c == '%' || c == '％')
        || numeral_counted
        || (text.contains('《') && text.contains('》'))
}

/// A table's rows, for comparing tables: the column headings aside.
pub(super) fn rows(table: &IndicatorTable) -> Vec<(String, String, String, Vec<String>)> {
    table
        .indicators()
        .map(|(l1, l2, i)| {
            (
                l1.name.value.trim().to_owned(),
                l2.name.value.trim().to_owned(),
                i.name.value.trim().to_owned(),
                i.values
                    .iter()
                    .map(|v| v.value.as_str().trim().to_owned())
                    .collect(),
            )
        })
        .collect()
}

/// The same table in two projects, or a project's long-term table equal to
/// its annual one.
fn copied(document: &Document, findings: &mut Findings) {
    let projects: Vec<_> = document
        .projects
        .iter()
        .map(|p| (p, rows(&p.indicators)))
        .collect();
    for (index, (project, own)) in projects.iter().enumerate() {
        if own.is_empty() {
            continue;
        }
        if let Some((first, _)) = projects[..index].iter().find(|(_, other)| other == own) {
            let at = table_place(&project.indicators, project);
            findings
                .add(
                    COPIED_TABLE,
                    at,
                    format!("项目{}的指标表与项目{}的完全相同", Quote(&project.name.value), Quote(&first.name.value)),
                )
                .hint("each project's targets are its own: set the indicators this project will deliver")
                .about(project.name.value.as_str());
        }
    }
    for extra in &document.extra_tables {
        let Some(project) = extra.project.and_then(|i| document.projects.get(i)) else {
            continue;
        };
        let own = rows(&extra.table);
        if !own.is_empty() && own == rows(&project.indicators) {
            let at = table_place(&extra.table, project);
            findings
                .add(
                    LONG_TERM_EQUALS_ANNUAL,
                    at,
                    format!("项目{}的{}与年度指标表完全相同", Quote(&project.name.value), extra.title),
                )
                .hint("the whole period's targets are larger than one year's: set them for the whole period")
                .about(extra.title.as_str())
                .about(project.name.value.as_str());
        }
    }
}

/// Where a finding about a whole table of `project` is placed: its column
/// headings, or the project's name when it has none.
fn table_place(table: &IndicatorTable, project: &Project) -> Loc {
    table.columns.first().map_or(project.name.loc, |c| c.loc)
}

#[cfg(test)]
mod tests {
    use crate::check::testing::*;

    #[test]
    fn an_indicator_must_name_something() {
        for name in ["88", "20分", "人", "数量", "社会效益"] {
            let level2 = if name == "社会效益" {
                "社会效益指标"
            } else {
                "数量指标"
            };
            let level1 = if name == "社会效益" {
                "效益指标"
            } else {
                "产出指标"
            };
            assert!(
                codes_with((level1, level2, name, "≥3次"))
                    .contains(&"meaningless-indicator".to_owned()),
                "{name}"
            );
        }
        assert!(codes_with(("产出指标", "数量指标", "培训人次", "≥300人次")).is_empty());
    }

    #[test]
    fn one_value_on_every_row_is_an_error() {
        let rows: Vec<_> = GOOD_ROWS
            .iter()
            .map(|&(a, b, c, _)| (a, b, c, "100"))
            .collect();
        let codes = codes(&with_rows(&rows));
        assert!(
            codes.contains(&"same-value-everywhere".to_owned()),
            "{codes:?}"
        );
        assert_eq!(
            codes
                .iter()
                .filter(|c| *c == "same-value-everywhere")
                .count(),
            1
        );
    }

    #[test]
    fn a_timeliness_target_names_a_time() {
        assert_eq!(
            codes_with(("产出指标", "时效指标", "工程完工时间", "100")),
            ["bare-number", "timeliness-no-time"]
        );
        assert_eq!(
            codes_with(("产出指标", "时效指标", "工程完工时间", "完成")),
            ["timeliness-no-time"]
        );
        for good in ["2022年12月底前", "≤30个工作日", "及时", "按时完成"] {
            assert!(
                codes_with(("产出指标", "时效指标", "工程完工时间", good)).is_empty(),
                "{good}"
            );
        }
        assert!(codes_with(("产出指标", "时效指标", "按时完成率", "≥95%")).is_empty());
    }

    fn with_funds(rows: &[(&str, &str, &str, &str)], goal: &str) -> String {
        with_rows(rows).replace(
            "  - name: 项目甲\n",
            &format!(
                "  - name: 项目甲\n    goal: {goal}\n    funds: {{unit: 万元, total: 36.50}}\n"
            ),
        )
    }

    #[test]
    fn a_cost_cap_is_within_the_project_s_funds() {
        let mut rows = GOOD_ROWS.to_vec();
        rows[3] = ("产出指标", "成本指标", "运维成本", "≤40万元");
        assert!(codes(&with_funds(&rows, "运维系统6个")).contains(&"cost-above-funds".to_owned()));
        rows[3] = ("产出指标", "成本指标", "运维成本", "≤365000元");
        assert!(codes(&with_funds(&rows, "运维系统6个")).is_empty());
        rows[3] = ("产出指标", "成本指标", "运维成本", "≤365001元");
        assert!(codes(&with_funds(&rows, "运维系统6个")).contains(&"cost-above-funds".to_owned()));
    }

    #[test]
    fn a_goal_agrees_with_its_count_in_the_same_unit() {
        let mut rows = GOOD_ROWS.to_vec();
        rows[0] = ("产出指标", "数量指标", "新建供水工程", "≥5处");
        let yaml = with_funds(&rows, "2023年新建供水工程12处，受益1.8万人");
        assert_eq!(codes(&yaml), ["goal-contradicts-indicator"]);
        let yaml = with_funds(&rows, "2023年新建供水工程5处，受益1.8万人");
        assert!(codes(&yaml).is_empty());
        let yaml = with_funds(&rows, "新建12处、改造5处");
        assert!(
            codes(&yaml).is_empty(),
            "two numbers in the unit: which is which is unclear"
        );
    }

    #[test]
    fn a_goal_says_something_measurable() {
        assert_eq!(
            codes(&with_funds(GOOD_ROWS, "全面完成项目，搞好提质改造")),
            ["unmeasurable-goal"]
        );
        for good in [
            "培训两次",
            "完成《某规划》编制",
            "覆盖率达到95%",
            "12月底前完工",
        ] {
            assert!(codes(&with_funds(GOOD_ROWS, good)).is_empty(), "{good}");
        }
    }

    fn two_projects(second: &[(&str, &str, &str, &str)]) -> String {
        let first = with_rows(GOOD_ROWS);
        let second = with_rows(second);
        let tail = second
            .split_once("projects:\n")
            .unwrap()
            .1
            .replace("项目甲", "项目乙");
        format!("{first}{tail}")
    }

    #[test]
    fn a_long_term_table_equal_to_the_annual_one_is_found() {
        let mut document = document(&with_rows(GOOD_ROWS));
        let table = document.projects[0].indicators.clone();
        document.extra_tables.push(crate::model::ExtraTable {
            project: Some(0),
            title: "长期绩效指标".to_owned(),
            table,
        });
        let found = crate::check::check(std::path::Path::new("t.yaml"), &document, &forms());
        let codes: Vec<&str> = found.diagnostics.iter().map(|d| d.code.as_ref()).collect();
        assert_eq!(codes, ["long-term-equals-annual"]);
    }

    #[test]
    fn a_table_copied_into_a_second_project_is_found() {
        assert_eq!(codes(&two_projects(GOOD_ROWS)), ["copied-table"]);
        let mut rows = GOOD_ROWS.to_vec();
        rows[0] = ("产出指标", "数量指标", "培训次数", "≥4次");
        assert!(codes(&two_projects(&rows)).is_empty());
    }
}
