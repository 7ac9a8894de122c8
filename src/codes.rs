//! Every code a finding can carry, from every stage, in one catalogue.
//!
//! `jixiao rules` lists it, SARIF's rules array describes it, and waivers
//! name it: a [`Diagnostic`](crate::diag::Diagnostic) can only be made from
//! an entry here, so no stage reports a code the catalogue does not know.
//! The review rules (stage `check`) do the part of a finance-bureau
//! reviewer's 完整性、相关性、适当性、可行性 review a program can. Codes are
//! stable: data files name them in waivers.

use std::fmt;

use serde::{Deserialize, Serialize};

/// How much a finding matters: an error stops its document, a warning is shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Warning,
    Error,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Warning => "warning",
            Self::Error => "error",
        })
    }
}

/// Where in the pipeline a finding arises, which says what fixes it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    /// Reading a data file: YAML, its shape against the form's contract.
    Load,
    /// Opening the run: the templates folder, forms, their templates, fonts.
    Setup,
    /// The review rules over a loaded document.
    Check(Family),
    /// The template engine writing a document's Typst.
    Render,
    /// Typst laying out a document.
    Typeset,
    /// Planning and writing the output folder.
    Publish,
}

impl Stage {
    /// The name `jixiao rules` shows: the family, for a review rule.
    pub fn name(self) -> &'static str {
        match self {
            Self::Load => "load",
            Self::Setup => "setup",
            Self::Check(family) => family.name(),
            Self::Render => "render",
            Self::Typeset => "typeset",
            Self::Publish => "publish",
        }
    }
}

/// What a review rule looks at.
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

/// An entry of the catalogue: a code and what it means.
#[derive(Debug, PartialEq, Eq)]
pub struct Rule {
    pub code: &'static str,
    pub stage: Stage,
    pub severity: Severity,
    /// Whether a data file may acknowledge it with a waiver: a finding about
    /// what the document says may be, one that stops it being read or
    /// typeset may not.
    pub waivable: bool,
    /// What it finds, in the users' language.
    pub summary: &'static str,
}

macro_rules! rules {
    ($($name:ident: $code:literal, $stage:expr, $severity:ident, $waivable:literal, $summary:literal;)*) => {
        $(pub static $name: &Rule = &Rule {
            code: $code,
            stage: $stage,
            severity: Severity::$severity,
            waivable: $waivable,
            summary: $summary,
        };)*

        /// Every rule, in the order `jixiao rules` lists them.
        pub static RULES: &[&Rule] = &[$($name),*];
    };
}

use Stage::{Check, Load, Publish, Render, Setup, Typeset};

rules! {
    YAML_SYNTAX: "yaml-syntax", Load, Error, false, "数据文件不是合法的 YAML（缩进、引号、括号等）";
    EMPTY_FILE: "empty-file", Load, Error, false, "数据文件为空";
    NOT_A_DATA_FILE: "not-a-data-file", Load, Error, false, "数据文件夹中的文件无法作为数据文件读取（名称、类型或链接）";
    UNREADABLE: "unreadable", Load, Error, false, "数据文件无法读取（权限不够，或读取时已被删除）";
    NOT_UTF8: "not-utf8", Load, Error, false, "数据文件不是 UTF-8 编码（如 GBK），或含有不成字的字节";
    FILE_TOO_LARGE: "file-too-large", Load, Error, false, "数据文件超过允许的大小";
    LINE_TOO_LONG: "line-too-long", Load, Error, false, "数据文件中有一行超过允许的长度";
    DUPLICATE_KEY: "duplicate-key", Load, Error, false, "同一层级中同一个键写了两次";
    UNKNOWN_KEY: "unknown-key", Load, Error, false, "表式不认识的键（字段名拼写有误或不属于本表式）";
    MISSING_FIELD: "missing-field", Load, Error, false, "缺少表式要求填写的字段";
    WRONG_TYPE: "wrong-type", Load, Error, false, "字段的值类型不对（如应为列表却写了文字）";
    BAD_AMOUNT: "bad-amount", Load, Error, false, "金额不是规范的非负十进制数";
    BAD_DATE: "bad-date", Load, Error, false, "日期或期间不是有效的日期";
    WRONG_UNIT: "wrong-unit", Load, Error, false, "金额单位与表式印出的单位（元或万元）不一致";
    BAD_CHOICE: "bad-choice", Load, Error, false, "选项字段的值不是表式列出的选项之一";
    FILLED_BLANK: "filled-blank", Load, Error, false, "表格中按表式应为“——”的格子填写了内容";
    UNPRINTED_FIELD: "unprinted-field", Load, Warning, true, "数据文件填写了本表式不印出的字段，公开文本中不会出现";
    FORM_FILE: "form-file", Setup, Error, false, "表式文件 form.yaml 有误，使用该表式的数据文件都无法检查";
    FORM_UNPROVED: "form-unproved", Setup, Warning, false, "由表式生成的示例文件无法读取，模板未在该示例上验证（检查通过不能保证生成成功）";
    SETUP: "setup", Setup, Error, false, "模板文件夹或字体无法使用（无法开始检查或生成）";
    TEMPLATE: "template", Render, Error, false, "模板有误，无法生成排版源文件";
    TYPST: "typst", Typeset, Error, false, "Typst 排版出错（模板或排版库中的错误）";
    MISSING_GLYPH: "missing-glyph", Typeset, Error, false, "文字中有已安装字体都没有的字符，无法印出";
    LIMIT: "limit", Typeset, Error, false, "超出资源上限（数据文件的别名展开、单份文件的排版时间或内存）";
    TYPESET: "typeset", Typeset, Error, false, "排版进程意外中止";
    OUTPUT_CLASH: "output-clash", Publish, Error, false, "数据文件的名称无法作为公开文件的名称，或与另一份文件的输出冲突";
    NOT_BUILT: "not-built", Publish, Error, false, "分片生成时本文件没有按当前数据生成";
    IO: "io", Publish, Error, false, "写出公开文件失败（磁盘已满、权限等）";
    UNKNOWN_FORM: "unknown-form", Check(Family::Structure), Error, false, "数据文件指定的表式（form）不存在";
    BAD_YEAR: "bad-year", Check(Family::Structure), Error, true, "预算年度不是合理的四位年份";
    UNKNOWN_COLUMN: "unknown-column", Check(Family::Structure), Error, true, "指标表的列不是本表式声明的列，无法知道它是目标值、上年实际还是说明";
    VALUE_COUNT: "value-count", Check(Family::Structure), Error, true, "指标值个数与表格声明的指标值列数不一致";
    MISSING_VALUE: "missing-value", Check(Family::Structure), Error, true, "指标在表式规定必填的列中没有填写指标值";
    UNKNOWN_RULE: "unknown-rule", Check(Family::Structure), Error, false, "豁免（waiver）引用了不存在的规则代码";
    UNUSED_WAIVER: "unused-waiver", Check(Family::Structure), Warning, false, "豁免（waiver）没有对应的问题，可能已过时";
    BUDGET_SUM: "budget-sum", Check(Family::Money), Error, true, "人员经费、公用经费、项目经费之和不等于财政拨款总额";
    FUNDS_SUM: "funds-sum", Check(Family::Money), Error, true, "项目资金的来源（财政资金、上年结转、其他资金）之和不等于资金总额";
    FORM_SUM: "form-sum", Check(Family::Money), Error, true, "表式声明的合计不等于其各项之和";
    PROJECTS_SUM: "projects-sum", Check(Family::Money), Error, true, "各项目资金之和不等于部门项目经费或文中所述的项目资金总额";
    UNKNOWN_CATEGORY: "unknown-category", Check(Family::Tree), Error, true, "一级或二级指标不属于本表式的指标体系";
    BLANK_CATEGORY: "blank-category", Check(Family::Tree), Error, true, "一级或二级指标名称为空";
    MISSING_FAMILY: "missing-family", Check(Family::Tree), Error, true, "指标表缺少产出、效益或满意度等必备的一级指标";
    EMPTY_INDICATOR: "empty-indicator", Check(Family::Tree), Warning, true, "列出的二级指标下没有填写具体指标或指标值";
    RATE_UNIT: "rate-unit", Check(Family::Plausibility), Error, true, "比率类指标的指标值不是百分比";
    AMOUNT_UNIT: "amount-unit", Check(Family::Plausibility), Error, true, "金额类指标的指标值单位不是元或万元";
    COUNT_UNIT: "count-unit", Check(Family::Plausibility), Error, true, "数量类指标的指标值单位是百分比或金额";
    MISSING_UNIT: "missing-unit", Check(Family::Plausibility), Warning, true, "数值型指标值没有计量单位";
    UNKNOWN_UNIT: "unknown-unit", Check(Family::Plausibility), Warning, true, "指标值的计量单位不常见，可能有误";
    SATISFACTION_RANGE: "satisfaction-range", Check(Family::Plausibility), Error, true, "满意度指标值不在合理范围（70%–100%）或不是下限";
    COST_NOT_CAPPED: "cost-not-capped", Check(Family::Plausibility), Error, true, "成本指标以金额表示却没有设定上限（应为≤或<）";
    COST_NOT_AMOUNT: "cost-not-amount", Check(Family::Plausibility), Warning, true, "成本指标的指标值不是金额或比率";
    CANNOT_FAIL: "cannot-fail", Check(Family::Plausibility), Error, true, "指标值设定为≥0等必然达成的目标";
    CANNOT_BE_MET: "cannot-be-met", Check(Family::Plausibility), Error, true, "比率类指标值超过100%，无法达成";
    OPERATOR_SPELLING: "operator-spelling", Check(Family::Plausibility), Warning, true, "比较符号写法不规范（如>=、≧），建议使用≥、≤";
    RATE_AT_LEAST_100: "rate-at-least-100", Check(Family::Plausibility), Warning, true, "比率写作≥100%，实际只能等于100%";
    REPEATED_INDICATOR: "repeated-indicator", Check(Family::Repetition), Error, true, "同一张指标表中三级指标重复";
    PLACEHOLDER: "placeholder", Check(Family::Repetition), Error, true, "文本中留有模板占位内容（如“目标内容1”）";
    NAMED_AFTER_CATEGORY: "named-after-category", Check(Family::Repetition), Error, true, "三级指标名称与其一级或二级指标相同，没有具体内容";
    UNBALANCED_PUNCTUATION: "unbalanced-punctuation", Check(Family::Repetition), Warning, true, "括号或书名号不成对";
    STRAY_PUNCTUATION: "stray-punctuation", Check(Family::Repetition), Warning, true, "文本首尾有多余的标点或空格";
    DOCUMENT_NUMBER: "document-number", Check(Family::Repetition), Warning, true, "文号的年份应使用六角括号〔〕";
    YEAR_OUTSIDE: "year-outside", Check(Family::Time), Error, true, "时效指标中的年份不在预算年度内";
    PERIOD_OUTSIDE: "period-outside", Check(Family::Time), Error, true, "项目实施期间不包含预算年度";
    START_AFTER_END: "start-after-end", Check(Family::Time), Error, true, "项目开始时间晚于完成时间";
    PART_EXCEEDS_WHOLE: "part-exceeds-whole", Check(Family::Time), Error, true, "半年（或年度）指标值超过全年（或实施周期）指标值";
    BLANK_TEXT: "blank-text", Check(Family::Text), Error, true, "必填的文字（标题、部门、项目名称）为空或只有空白、不可见字符";
    INVISIBLE_CHARACTER: "invisible-character", Check(Family::Text), Error, true, "文字中含有控制字符、零宽字符或改变文字方向的字符";
    BARE_NUMBER: "bare-number", Check(Family::Plausibility), Error, true, "数量、质量、时效、成本或比率类指标的指标值只有数字，没有计量单位";
    MEANINGLESS_INDICATOR: "meaningless-indicator", Check(Family::Content), Error, true, "三级指标没有内容：只是数字、分值、单个字，或只重复其上级指标";
    SAME_VALUE_EVERYWHERE: "same-value-everywhere", Check(Family::Content), Error, true, "指标表每一行的指标值都相同，没有针对各指标设定";
    TIMELINESS_NO_TIME: "timeliness-no-time", Check(Family::Content), Error, true, "时效指标的指标值没有写明时间、期限或期间";
    COST_ABOVE_FUNDS: "cost-above-funds", Check(Family::Content), Error, true, "成本指标的上限超过项目自身的资金总额";
    GOAL_CONTRADICTS_INDICATOR: "goal-contradicts-indicator", Check(Family::Content), Warning, true, "年度目标中的数字与同单位的数量指标不一致";
    UNMEASURABLE_GOAL: "unmeasurable-goal", Check(Family::Content), Warning, true, "项目目标没有可衡量的内容（数字、日期、比率或具体产出）";
    COPIED_TABLE: "copied-table", Check(Family::Content), Warning, true, "同一文件中两个项目的指标表完全相同";
    LONG_TERM_EQUALS_ANNUAL: "long-term-equals-annual", Check(Family::Content), Warning, true, "长期（实施周期）指标表与年度指标表完全相同";
    COPIED_FROM_LAST_YEAR: "copied-from-last-year", Check(Family::History), Warning, true, "指标表与本部门上一年度的完全相同";
    LOWERED_TARGET: "lowered-target", Check(Family::History), Warning, true, "同一指标的目标比上一年度降低";
}
/// The entry with this code.
pub fn rule(code: &str) -> Option<&'static Rule> {
    RULES.iter().copied().find(|r| r.code == code)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::Code;

    /// The tests where each code must be shown to be reported: the rule
    /// families' (which also show it not firing on a correct document), the
    /// loader's, and the end-to-end ones for what only a build can find.
    const TESTS: &[&str] = &[
        include_str!("check/structure.rs"),
        include_str!("check/money.rs"),
        include_str!("check/tree.rs"),
        include_str!("check/plausibility.rs"),
        include_str!("check/repetition.rs"),
        include_str!("check/time.rs"),
        include_str!("check/text.rs"),
        include_str!("check/content.rs"),
        include_str!("check/history.rs"),
        include_str!("check/waivers.rs"),
        include_str!("load.rs"),
        include_str!("contract/validate.rs"),
        include_str!("publish/plan.rs"),
        include_str!("pipeline/locate.rs"),
        include_str!("pipeline/proof.rs"),
        include_str!("../tests/e2e/attacks.rs"),
        include_str!("../tests/e2e/bad.rs"),
        include_str!("../tests/e2e/check.rs"),
        include_str!("../tests/e2e/contracts.rs"),
        include_str!("../tests/e2e/forms.rs"),
        include_str!("../tests/e2e/robust.rs"),
        include_str!("../tests/e2e/shards.rs"),
        include_str!("../tests/e2e/world.rs"),
        include_str!("../tests/e2e/escape.rs"),
        include_str!(
            "../tests/e2e/snapshots/e2e__bad__every_broken_input_gets_a_located_error_quickly.snap"
        ),
    ];

    #[test]
    fn the_readme_documents_every_rule() {
        let readme = include_str!("../README.md");
        for rule in RULES {
            assert!(
                readme.contains(&Code(rule.code).to_string()),
                "README.md lacks {}",
                rule.code
            );
        }
    }

    #[test]
    fn every_rule_has_a_test_that_expects_it() {
        let tests: Vec<&str> = TESTS
            .iter()
            .map(|s| s.split_once("#[cfg(test)]").map_or(*s, |(_, t)| t))
            .collect();
        let missing: Vec<&str> = RULES
            .iter()
            .map(|r| r.code)
            .filter(|code| {
                let (quoted, shown) = (format!("\"{code}\""), format!("[{code}]"));
                !tests
                    .iter()
                    .any(|t| t.contains(&quoted) || t.contains(&shown))
            })
            .collect();
        assert!(missing.is_empty(), "no test expects {missing:?}");
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
