//! The rules `jixiao check` holds a document to, each with a stable code.
//!
//! A finance-bureau reviewer looks at 完整性、相关性、适当性、可行性 before a
//! target is approved; these rules do the part of that review a program can.
//! Codes are stable: data files name them in waivers.

use crate::diag::Severity;

/// What a rule looks at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Family {
    /// The document's own shape: its form, year, table columns, waivers.
    Structure,
    /// Parts that must add up to totals.
    Money,
    /// The indicator tree against the form's framework.
    Tree,
    /// Whether a value can be what its indicator says.
    Plausibility,
    /// The same thing twice, placeholders and leftovers.
    Repetition,
    /// Years and dates.
    Time,
    /// Text that prints as nothing, or not as it reads.
    Text,
    /// What an indicator or a goal says: whether it can be measured, and
    /// whether the document contradicts or copies itself.
    Content,
    /// A document against the same department's previous year.
    History,
}

impl Family {
    pub fn name(self) -> &'static str {
        match self {
            Self::Structure => "structure",
            Self::Money => "money",
            Self::Tree => "tree",
            Self::Plausibility => "plausibility",
            Self::Repetition => "repetition",
            Self::Time => "time",
            Self::Text => "text",
            Self::Content => "content",
            Self::History => "history",
        }
    }
}

/// A rule of the catalogue.
#[derive(Debug, PartialEq, Eq)]
pub struct Rule {
    pub code: &'static str,
    pub family: Family,
    pub severity: Severity,
    /// What it finds, in the users' language.
    pub summary: &'static str,
}

macro_rules! rules {
    ($($name:ident: $code:literal, $family:ident, $severity:ident, $summary:literal;)*) => {
        $(pub static $name: &Rule = &Rule {
            code: $code,
            family: Family::$family,
            severity: Severity::$severity,
            summary: $summary,
        };)*

        /// Every rule, in the order `jixiao rules` lists them.
        pub static RULES: &[&Rule] = &[$($name),*];
    };
}

rules! {
    UNKNOWN_FORM: "unknown-form", Structure, Error, "数据文件指定的表式（form）不存在";
    BAD_YEAR: "bad-year", Structure, Error, "预算年度不是合理的四位年份";
    VALUE_COUNT: "value-count", Structure, Error, "指标值个数与表格声明的指标值列数不一致";
    UNKNOWN_RULE: "unknown-rule", Structure, Error, "豁免（waiver）引用了不存在的规则代码";
    UNUSED_WAIVER: "unused-waiver", Structure, Warning, "豁免（waiver）没有对应的问题，可能已过时";
    BUDGET_SUM: "budget-sum", Money, Error, "人员经费、公用经费、项目经费之和不等于财政拨款总额";
    FUNDS_SUM: "funds-sum", Money, Error, "项目资金的来源（财政资金、上年结转、其他资金）之和不等于资金总额";
    PROJECTS_SUM: "projects-sum", Money, Error, "各项目资金之和不等于部门项目经费或文中所述的项目资金总额";
    UNKNOWN_CATEGORY: "unknown-category", Tree, Error, "一级或二级指标不属于本表式的指标体系";
    BLANK_CATEGORY: "blank-category", Tree, Error, "一级或二级指标名称为空";
    MISSING_FAMILY: "missing-family", Tree, Error, "指标表缺少产出、效益或满意度等必备的一级指标";
    EMPTY_INDICATOR: "empty-indicator", Tree, Warning, "列出的二级指标下没有填写具体指标或指标值";
    RATE_UNIT: "rate-unit", Plausibility, Error, "比率类指标的指标值不是百分比";
    AMOUNT_UNIT: "amount-unit", Plausibility, Error, "金额类指标的指标值单位不是元或万元";
    COUNT_UNIT: "count-unit", Plausibility, Error, "数量类指标的指标值单位是百分比或金额";
    MISSING_UNIT: "missing-unit", Plausibility, Warning, "数值型指标值没有计量单位";
    UNKNOWN_UNIT: "unknown-unit", Plausibility, Warning, "指标值的计量单位不常见，可能有误";
    SATISFACTION_RANGE: "satisfaction-range", Plausibility, Error, "满意度指标值不在合理范围（70%–100%）或不是下限";
    COST_NOT_CAPPED: "cost-not-capped", Plausibility, Error, "成本指标以金额表示却没有设定上限（应为≤或<）";
    COST_NOT_AMOUNT: "cost-not-amount", Plausibility, Warning, "成本指标的指标值不是金额或比率";
    CANNOT_FAIL: "cannot-fail", Plausibility, Error, "指标值设定为≥0等必然达成的目标";
    CANNOT_BE_MET: "cannot-be-met", Plausibility, Error, "比率类指标值超过100%，无法达成";
    OPERATOR_SPELLING: "operator-spelling", Plausibility, Warning, "比较符号写法不规范（如>=、≧），建议使用≥、≤";
    RATE_AT_LEAST_100: "rate-at-least-100", Plausibility, Warning, "比率写作≥100%，实际只能等于100%";
    REPEATED_INDICATOR: "repeated-indicator", Repetition, Error, "同一张指标表中三级指标重复";
    PLACEHOLDER: "placeholder", Repetition, Error, "文本中留有模板占位内容（如“目标内容1”）";
    NAMED_AFTER_CATEGORY: "named-after-category", Repetition, Error, "三级指标名称与其一级或二级指标相同，没有具体内容";
    UNBALANCED_PUNCTUATION: "unbalanced-punctuation", Repetition, Warning, "括号或书名号不成对";
    STRAY_PUNCTUATION: "stray-punctuation", Repetition, Warning, "文本首尾有多余的标点或空格";
    DOCUMENT_NUMBER: "document-number", Repetition, Warning, "文号的年份应使用六角括号〔〕";
    YEAR_OUTSIDE: "year-outside", Time, Error, "时效指标中的年份不在预算年度内";
    PERIOD_OUTSIDE: "period-outside", Time, Error, "项目实施期间不包含预算年度";
    START_AFTER_END: "start-after-end", Time, Error, "项目开始时间晚于完成时间";
    PART_EXCEEDS_WHOLE: "part-exceeds-whole", Time, Error, "半年（或年度）指标值超过全年（或实施周期）指标值";
    BLANK_TEXT: "blank-text", Text, Error, "必填的文字（标题、部门、项目名称）为空或只有空白、不可见字符";
    INVISIBLE_CHARACTER: "invisible-character", Text, Error, "文字中含有控制字符、零宽字符或改变文字方向的字符";
    BARE_NUMBER: "bare-number", Plausibility, Error, "数量、质量、时效、成本或比率类指标的指标值只有数字，没有计量单位";
    MEANINGLESS_INDICATOR: "meaningless-indicator", Content, Error, "三级指标没有内容：只是数字、分值、单个字，或只重复其上级指标";
    SAME_VALUE_EVERYWHERE: "same-value-everywhere", Content, Error, "指标表每一行的指标值都相同，没有针对各指标设定";
    TIMELINESS_NO_TIME: "timeliness-no-time", Content, Error, "时效指标的指标值没有写明时间、期限或期间";
    COST_ABOVE_FUNDS: "cost-above-funds", Content, Error, "成本指标的上限超过项目自身的资金总额";
    GOAL_CONTRADICTS_INDICATOR: "goal-contradicts-indicator", Content, Warning, "年度目标中的数字与同单位的数量指标不一致";
    UNMEASURABLE_GOAL: "unmeasurable-goal", Content, Warning, "项目目标没有可衡量的内容（数字、日期、比率或具体产出）";
    COPIED_TABLE: "copied-table", Content, Warning, "同一文件中两个项目的指标表完全相同";
    LONG_TERM_EQUALS_ANNUAL: "long-term-equals-annual", Content, Warning, "长期（实施周期）指标表与年度指标表完全相同";
    COPIED_FROM_LAST_YEAR: "copied-from-last-year", History, Warning, "指标表与本部门上一年度的完全相同";
    LOWERED_TARGET: "lowered-target", History, Warning, "同一指标的目标比上一年度降低";
}

/// The rule with this code.
pub fn rule(code: &str) -> Option<&'static Rule> {
    RULES.iter().copied().find(|r| r.code == code)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The test modules of the rule families, where each rule must be shown
    /// to fire (and not to fire on a correct document).
    const TESTS: &[&str] = &[
        include_str!("structure.rs"),
        include_str!("money.rs"),
        include_str!("tree.rs"),
        include_str!("plausibility.rs"),
        include_str!("repetition.rs"),
        include_str!("time.rs"),
        include_str!("text.rs"),
        include_str!("content.rs"),
        include_str!("history.rs"),
        include_str!("waivers.rs"),
    ];

    #[test]
    fn the_readme_documents_every_rule() {
        let readme = include_str!("../../README.md");
        for rule in RULES {
            assert!(
                readme.contains(&format!("`{}`", rule.code)),
                "README.md lacks {}",
                rule.code
            );
        }
    }

    #[test]
    fn every_rule_has_a_test_that_expects_it() {
        let tests: Vec<&str> = TESTS
            .iter()
            .filter_map(|s| s.split_once("#[cfg(test)]").map(|(_, t)| t))
            .collect();
        for rule in RULES {
            let quoted = format!("\"{}\"", rule.code);
            assert!(
                tests.iter().any(|t| t.contains(&quoted)),
                "no test expects {}",
                rule.code
            );
        }
    }

    #[test]
    fn codes_are_unique_and_well_formed() {
        let mut codes: Vec<&str> = RULES.iter().map(|r| r.code).collect();
        assert!(codes.iter().all(|c| {
            c.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        }));
        codes.sort();
        codes.dedup();
        assert_eq!(codes.len(), RULES.len());
        assert_eq!(rule("budget-sum"), Some(BUDGET_SUM));
    }
}
