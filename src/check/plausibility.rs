//! Whether a value can be what its indicator says: the unit fits the kind of
//! indicator, satisfaction and rates stay in range, costs are capped, targets
//! can fail and can be met.

use rust_decimal::Decimal;

use super::{Findings, Mark, Rule, Scope, tables, units};
use crate::codes::{
    AMOUNT_UNIT, BARE_NUMBER, CANNOT_BE_MET, CANNOT_FAIL, COST_NOT_AMOUNT, COST_NOT_CAPPED,
    COUNT_UNIT, MISSING_UNIT, OPERATOR_SPELLING, RATE_AT_LEAST_100, RATE_UNIT, SATISFACTION_RANGE,
    UNKNOWN_UNIT,
};
use crate::contract::Measure;
use crate::diag::{Diagnostic, Quote};
use crate::model::{Document, IndicatorValue, Located, Op, Quantity, Shape};

const MONEY_UNITS: &[&str] = &["元", "万元", "亿元"];

/// A unit of money, alone or per something (`元/人`, `万元/公里`).
fn is_money(unit: &str) -> bool {
    let base = unit.split_once('/').map_or(unit, |(base, _)| base);
    MONEY_UNITS.contains(&base)
}

/// The lowest satisfaction target a reviewer accepts.
const SATISFACTION_FLOOR: u32 = 70;

/// What an indicator measures, as its name tells.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Satisfaction,
    Rate,
    Count,
    Amount,
    Other,
}

fn kind_of(name: &str) -> Kind {
    if name.contains("满意") {
        Kind::Satisfaction
    } else if name.contains("及时") || name.ends_with('性') {
        Kind::Other
    } else if name.contains('率') && !name.contains("效率") {
        Kind::Rate
    } else if [
        "次数", "人数", "数量", "个数", "期数", "天数", "份数", "人次", "场次", "件数",
    ]
    .iter()
    .any(|w| name.contains(w))
    {
        Kind::Count
    } else if ["成本", "经费", "费用", "价格", "资金", "金额"]
        .iter()
        .any(|w| name.contains(w))
    {
        Kind::Amount
    } else {
        Kind::Other
    }
}

/// One value with what the rules need to know about it.
struct Subject<'a> {
    name: &'a str,
    value: &'a Located<IndicatorValue>,
    is_cost: bool,
    /// Under a 二级 whose values must have a unit.
    is_measured: bool,
    scope: &'a str,
}

pub(super) fn check(document: &Document, findings: &mut Findings) {
    for (scope, table) in tables(document) {
        let columns = findings.target_columns(scope, table);
        for (_, level2, indicator) in table.indicators() {
            let measure = findings.measure(scope, &level2.name.value);
            let is_cost = measure.is_some_and(Measure::is_money_cost);
            let is_measured = measure.is_some_and(Measure::is_measured);
            for value in columns.iter().filter_map(|&c| indicator.values.get(c)) {
                let subject = Subject {
                    name: indicator.name.value.trim(),
                    value,
                    is_cost,
                    is_measured,
                    scope: scope.name(),
                };
                check_value(&subject, findings);
            }
        }
    }
    let functions = document.department_target.iter().flat_map(|t| &t.functions);
    for target in functions.flat_map(|f| &f.works).flat_map(|w| &w.targets) {
        let name = target.name.value.trim();
        let subject = Subject {
            name,
            value: &target.value,
            is_cost: false,
            is_measured: false,
            scope: Scope::Department.name(),
        };
        check_value(&subject, findings);
    }
}

fn check_value(subject: &Subject, findings: &mut Findings) {
    spelling(subject, findings);
    match &subject.value.value.shape {
        Shape::Quantity(quantity) => {
            unit(subject, quantity, findings);
            range(subject, quantity, findings);
            if subject.is_cost {
                cost(subject, quantity, findings);
            }
        }
        Shape::Qualitative if subject.is_cost => {
            report(
                findings,
                subject,
                COST_NOT_AMOUNT,
                format!(
                    "成本指标{}的指标值{}不是金额或比率",
                    Quote(&subject.name),
                    Quote(&text(subject))
                ),
            );
        }
        _ => {}
    }
}

fn text<'a>(subject: &'a Subject) -> &'a str {
    subject.value.value.as_str()
}

fn report<'f>(
    findings: &'f mut Findings,
    subject: &Subject,
    rule: &'static Rule,
    message: String,
) -> &'f mut Diagnostic {
    findings
        .add(rule, subject.value.loc, message)
        .about(text(subject))
        .about(subject.name)
        .about(subject.scope)
}

/// `>=`, `≧` and their kin, anywhere in the value, with the usual form.
fn spelling(subject: &Subject, findings: &mut Findings) {
    let value = text(subject);
    let variants = [
        (">=", "≥"),
        ("≧", "≥"),
        ("<=", "≤"),
        ("≦", "≤"),
        ("＞＝", "≥"),
        ("＜＝", "≤"),
    ];
    if let Some((written, usual)) = variants.iter().find(|(w, _)| value.contains(w)) {
        let suggestion = value.replace(written, usual);
        let message = format!(
            "指标值{value}中的{written}宜写作{usual}",
            usual = Quote(&usual),
            written = Quote(&written),
            value = Quote(&value)
        );
        report(findings, subject, OPERATOR_SPELLING, message).hint(format!(
            "write {suggestion} (the data file is never changed by jixiao)",
            suggestion = Quote(&suggestion)
        ));
    }
}

fn unit(subject: &Subject, quantity: &Quantity, findings: &mut Findings) {
    let unit = quantity.unit.as_str();
    let (name, value) = (subject.name, text(subject));
    let is_money = is_money(unit);
    match kind_of(name) {
        Kind::Satisfaction | Kind::Rate if !unit.is_empty() && unit != "%" => {
            report(
                findings,
                subject,
                RATE_UNIT,
                format!(
                    "比率类指标{name}的指标值{value}不是百分比",
                    value = Quote(&value),
                    name = Quote(&name)
                ),
            );
            return;
        }
        Kind::Count if unit == "%" || is_money => {
            report(
                findings,
                subject,
                COUNT_UNIT,
                format!(
                    "数量类指标{name}的指标值{value}应以计数单位表示",
                    value = Quote(&value),
                    name = Quote(&name)
                ),
            );
            return;
        }
        Kind::Amount if !unit.is_empty() && unit != "%" && !is_money => {
            report(
                findings,
                subject,
                AMOUNT_UNIT,
                format!(
                    "金额类指标{name}的指标值{value}不是以元或万元表示",
                    value = Quote(&value),
                    name = Quote(&name)
                ),
            );
            return;
        }
        _ => {}
    }
    let counted = subject.is_measured || kind_of(name) != Kind::Other;
    if unit.is_empty() && counted {
        report(
            findings,
            subject,
            BARE_NUMBER,
            format!(
                "指标{name}的指标值{value}只有数字，没有计量单位",
                value = Quote(&value),
                name = Quote(&name)
            ),
        )
        .hint(format!(
            "write what is counted or measured, e.g. {}, {}, {}",
            Quote(format!("{value}次")),
            Quote(format!("{value}%")),
            Quote(format!("{value}万元"))
        ));
    } else if unit.is_empty() {
        report(
            findings,
            subject,
            MISSING_UNIT,
            format!(
                "指标{name}的指标值{value}没有计量单位",
                value = Quote(&value),
                name = Quote(&name)
            ),
        );
    } else if !units::KNOWN.contains(&unit) && !is_money {
        report(
            findings,
            subject,
            UNKNOWN_UNIT,
            format!(
                "指标{name}的指标值{value}的单位{unit}不常见",
                unit = Quote(&unit),
                value = Quote(&value),
                name = Quote(&name)
            ),
        );
    }
}

fn range(subject: &Subject, quantity: &Quantity, findings: &mut Findings) {
    let (name, value) = (subject.name, text(subject));
    let hundred = Decimal::from(100);
    let percent = quantity.unit == "%";
    let lower_bound = matches!(quantity.op, Op::AtLeast | Op::Above);
    if quantity.number.is_zero() && lower_bound {
        report(
            findings,
            subject,
            CANNOT_FAIL,
            format!(
                "指标{name}的目标{value}必然达成",
                value = Quote(&value),
                name = Quote(&name)
            ),
        );
    }
    let kind = kind_of(name);
    if kind == Kind::Satisfaction && (percent || quantity.unit.is_empty()) {
        let too_low = quantity.number < Decimal::from(SATISFACTION_FLOOR);
        let not_floor = !matches!(quantity.op, Op::AtLeast | Op::Above);
        if too_low || quantity.number > hundred || not_floor || quantity.number == hundred {
            report(
                findings,
                subject,
                SATISFACTION_RANGE,
                format!(
                    "满意度指标{name}的目标{value}不是{SATISFACTION_FLOOR}%–100%之间的下限", value = Quote(&value), name = Quote(&name)
                ),
            )
            .hint("a satisfaction target is a floor below 100%, e.g. ≥90%: a survey never finds everyone satisfied");
            return;
        }
    }
    if matches!(kind, Kind::Satisfaction | Kind::Rate) && percent {
        if quantity.number > hundred && !matches!(quantity.op, Op::AtMost | Op::Below) {
            report(
                findings,
                subject,
                CANNOT_BE_MET,
                format!(
                    "比率{name}的目标{value}超过100%",
                    value = Quote(&value),
                    name = Quote(&name)
                ),
            );
        } else if quantity.number == hundred && quantity.op == Op::AtLeast {
            let message = format!(
                "比率{name}的目标{value}只能等于100%",
                value = Quote(&value),
                name = Quote(&name)
            );
            report(findings, subject, RATE_AT_LEAST_100, message).hint("write =100%");
        }
    }
}

fn cost(subject: &Subject, quantity: &Quantity, findings: &mut Findings) {
    let (name, value) = (subject.name, text(subject));
    let is_money = is_money(&quantity.unit);
    if is_money && matches!(quantity.op, Op::AtLeast | Op::Above) {
        let message = format!(
            "成本指标{name}的目标{value}是下限，成本应设上限",
            value = Quote(&value),
            name = Quote(&name)
        );
        report(findings, subject, COST_NOT_CAPPED, message)
            .hint("a cost target caps spending: ≤ or <");
    } else if !is_money && quantity.unit != "%" {
        report(
            findings,
            subject,
            COST_NOT_AMOUNT,
            format!(
                "成本指标{name}的指标值{value}不是金额或比率",
                value = Quote(&value),
                name = Quote(&name)
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::check::testing::*;

    #[test]
    fn only_value_columns_are_held_to_value_rules() {
        let yaml = good_with(("产出指标", "成本指标", "线路租用成本", "≤4万元"))
            .replace(
                "columns: [年度指标值]",
                "columns: [绩效指标描述, 指标值, 指标值确定依据]",
            )
            .replace("values: ['", "values: ['描述', '")
            .replace("']}\n", "', '年初工作安排']}\n");
        assert!(codes(&yaml).is_empty(), "{:?}", codes(&yaml));
    }

    #[test]
    fn timeliness_is_not_a_count() {
        assert!(codes_with(("产出指标", "时效指标", "制作期数完成及时性", "=100%")).is_empty());
    }

    #[test]
    fn rates_are_percentages() {
        assert_eq!(
            codes_with(("产出指标", "质量指标", "各县区覆盖率", "≥90元")),
            ["rate-unit"]
        );
        assert!(codes_with(("产出指标", "质量指标", "各县区覆盖率", "≥90%")).is_empty());
        assert!(codes_with(("效益指标", "社会效益指标", "会议组织效率", "≥2次")).is_empty());
    }

    #[test]
    fn amounts_are_in_yuan() {
        assert_eq!(
            codes_with(("产出指标", "数量指标", "代表活动经费", "≥20人")),
            ["amount-unit"]
        );
        assert!(codes_with(("产出指标", "数量指标", "代表活动经费", "≥20万元")).is_empty());
    }

    #[test]
    fn counts_are_counted() {
        assert_eq!(
            codes_with(("产出指标", "数量指标", "参会人数", "≥90%")),
            ["count-unit"]
        );
        assert!(codes_with(("产出指标", "数量指标", "参会人数", "≥500人")).is_empty());
    }

    #[test]
    fn numbers_need_a_unit() {
        assert_eq!(
            codes_with(("产出指标", "数量指标", "专题课题调研次数", "12")),
            ["bare-number"]
        );
        assert_eq!(
            codes_with(("满意度指标", "服务对象满意度指标", "代表满意度", "≥95")),
            ["bare-number"]
        );
        assert_eq!(
            codes_with(("效益指标", "社会效益指标", "服务水平", "3")),
            ["missing-unit"]
        );
        assert!(codes_with(("产出指标", "数量指标", "专题课题调研次数", "12次")).is_empty());
    }

    #[test]
    fn the_units_of_real_tables_are_known() {
        for value in [
            "≥12处",
            "≥1.8万人",
            "≥3座",
            "≥20公里",
            "≥500亩",
            "≥30户",
            "≥4期",
            "≥6场",
            "≤550元/人",
        ] {
            let row = ("产出指标", "数量指标", "建设数量", value);
            let row = if value.contains('元') {
                ("产出指标", "成本指标", "人均成本", value)
            } else {
                row
            };
            assert!(codes_with(row).is_empty(), "{value}: {:?}", codes_with(row));
        }
    }

    #[test]
    fn uncommon_units_are_questioned() {
        assert_eq!(
            codes_with(("产出指标", "数量指标", "租赁汽车数量", "≥20量")),
            ["unknown-unit"]
        );
        assert!(codes_with(("产出指标", "数量指标", "租赁汽车数量", "≥20辆")).is_empty());
    }

    #[test]
    fn satisfaction_stays_in_a_sane_range() {
        assert_eq!(
            codes_with(("满意度指标", "服务对象满意度指标", "群众满意度", "≥50%")),
            ["satisfaction-range"]
        );
        assert_eq!(
            codes_with(("满意度指标", "服务对象满意度指标", "群众满意度", "≤95%")),
            ["satisfaction-range"]
        );
        assert!(codes_with(("满意度指标", "服务对象满意度指标", "群众满意度", "≥80%")).is_empty());
        for not_a_floor in ["=100%", "100%", "≥100%", "＝１００％", "95%"] {
            assert_eq!(
                codes_with((
                    "满意度指标",
                    "服务对象满意度指标",
                    "群众满意度",
                    not_a_floor
                )),
                ["satisfaction-range"],
                "{not_a_floor}"
            );
        }
        assert_eq!(
            codes_with(("满意度指标", "服务对象满意度指标", "群众满意度", "≥５０％")),
            ["satisfaction-range"]
        );
        assert!(
            codes_with(("满意度指标", "服务对象满意度指标", "群众满意度", "≥９５％")).is_empty()
        );
    }

    #[test]
    fn costs_are_capped_amounts() {
        assert_eq!(
            codes_with(("产出指标", "成本指标", "订阅杂志价格", "≥5万元")),
            ["cost-not-capped"]
        );
        assert!(codes_with(("产出指标", "成本指标", "订阅杂志价格", "≤5万元")).is_empty());
        assert_eq!(
            codes_with(("产出指标", "成本指标", "系统维护及时性", "及时")),
            ["cost-not-amount"]
        );
    }

    #[test]
    fn targets_can_fail_and_can_be_met() {
        assert_eq!(
            codes_with(("产出指标", "数量指标", "汇编发放份数", "≥0份")),
            ["cannot-fail"]
        );
        assert_eq!(
            codes_with(("产出指标", "质量指标", "验收合格率", "≥120%")),
            ["cannot-be-met"]
        );
        assert_eq!(
            codes_with(("产出指标", "质量指标", "验收合格率", "≥100%")),
            ["rate-at-least-100"]
        );
        assert!(codes_with(("产出指标", "质量指标", "验收合格率", "=100%")).is_empty());
    }

    #[test]
    fn operator_variants_get_the_usual_form() {
        let report = report(&good_with((
            "产出指标",
            "数量指标",
            "区人代会次数",
            ">=1次",
        )));
        let d = &report.diagnostics[0];
        assert_eq!(d.code, "operator-spelling");
        assert!(d.hint.as_deref().unwrap().contains("≥1次"));
        assert_eq!(
            codes_with((
                "满意度指标",
                "服务对象满意度指标",
                "群众满意度",
                "满意≧95%以上"
            )),
            ["operator-spelling"]
        );
    }

    /// The codes of `yaml` checked with the national form's framework given
    /// a 二级 成本目标 of the kind `cost`, as a form that calls it so declares.
    fn codes_with_kinds(yaml: &str) -> Vec<String> {
        let mut forms = forms();
        let framework = &mut forms
            .contracts
            .get_mut("national")
            .unwrap()
            .rules
            .indicators;
        framework
            .categories
            .get_mut("产出指标")
            .unwrap()
            .push("成本目标".to_owned());
        framework
            .kinds
            .insert("成本目标".to_owned(), crate::contract::Measure::Cost);
        let document = document(yaml);
        crate::check::check(std::path::Path::new("t.yaml"), &document, &forms)
            .diagnostics
            .iter()
            .map(|d| d.code.to_string())
            .collect()
    }

    #[test]
    fn cost_rules_follow_the_kind_the_form_declares_not_the_name() {
        let floor = good_with(("产出指标", "成本目标", "亩均建设成本", "≥280元/亩"));
        assert!(codes_with_kinds(&floor).contains(&"cost-not-capped".to_owned()));
        assert!(
            !codes(&floor).contains(&"cost-not-capped".to_owned()),
            "no kind, no rule"
        );
        let social = good_with(("成本指标", "社会成本指标", "施工噪声", "≤70分贝"));
        assert!(!codes(&social).contains(&"cost-not-amount".to_owned()));
        let economic = good_with(("成本指标", "经济成本指标", "施工时长", "≤2小时/次"));
        assert!(codes(&economic).contains(&"cost-not-amount".to_owned()));
    }

    #[test]
    fn only_the_columns_of_targets_are_judged() {
        let yaml = |columns: &str| {
            with_rows(&GOOD_ROWS[..GOOD_ROWS.len() - 1])
                .replace("columns: [年度指标值]", columns)
                .replace("values: [", "values: ['88%', ")
                + "        - name: 满意度指标\n          groups:\n            - name: 服务对象满意度指标\n              items:\n                - {name: 参训代表满意度, values: ['88%', '≥90%']}\n"
        };
        let last_year = yaml("columns: [上年度实际水平, 年度指标值]");
        assert!(codes(&last_year).is_empty(), "{:?}", codes(&last_year));
        let two_targets = yaml("columns: [半年指标值, 年度指标值]");
        assert!(codes(&two_targets).contains(&"satisfaction-range".to_owned()));
    }
}
