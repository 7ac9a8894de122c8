//! The same thing twice, and what should not have been left in: repeated
//! indicators, placeholders, indicators named after their own category,
//! stray and unbalanced punctuation, document numbers in the wrong brackets.

use std::collections::HashSet;

use super::{Findings, Mark, Rule, tables, texts};
use crate::codes::{
    DOCUMENT_NUMBER, NAMED_AFTER_CATEGORY, PLACEHOLDER, REPEATED_INDICATOR, STRAY_PUNCTUATION,
    UNBALANCED_PUNCTUATION,
};
use crate::diag::{Diagnostic, Quote};
use crate::model::{Document, Loc};

pub(super) fn check(document: &Document, findings: &mut Findings) {
    indicators(document, findings);
    for (text, loc, scope) in texts(document) {
        placeholder(text, loc, scope, findings);
        unbalanced(text, loc, scope, findings);
        stray(text, loc, scope, findings);
        document_number(text, loc, scope, findings);
    }
}

fn indicators(document: &Document, findings: &mut Findings) {
    for (scope, table) in tables(document) {
        let mut seen = HashSet::new();
        for (level1, level2, indicator) in table.indicators() {
            let name = indicator.name.value.trim();
            if name.is_empty() {
                continue;
            }
            if !seen.insert(name) {
                findings
                    .add(
                        REPEATED_INDICATOR,
                        indicator.name.loc,
                        format!("三级指标{name}在同一张表中重复出现", name = Quote(&name)),
                    )
                    .about(name)
                    .about(scope.name());
            }
            if [&level1.name.value, &level2.name.value]
                .iter()
                .any(|c| c.trim() == name)
            {
                findings
                    .add(
                        NAMED_AFTER_CATEGORY,
                        indicator.name.loc,
                        format!(
                            "三级指标{name}只重复了其上级指标的名称",
                            name = Quote(&name)
                        ),
                    )
                    .hint("name the concrete thing measured")
                    .about(name)
                    .about(scope.name());
            }
        }
    }
}

/// Template text that was never filled in.
const PLACEHOLDERS: &[&str] = &[
    "目标内容",
    "请填写",
    "此处填写",
    "XXX",
    "xxx",
    "×××",
    "（示例）",
];

/// Reports a finding about a piece of text.
fn report<'f>(
    findings: &'f mut Findings,
    rule: &'static Rule,
    loc: Loc,
    text: &str,
    scope: &str,
    message: String,
) -> &'f mut Diagnostic {
    findings.add(rule, loc, message).about(text).about(scope)
}

fn placeholder(text: &str, loc: Loc, scope: &str, findings: &mut Findings) {
    if let Some(found) = PLACEHOLDERS.iter().find(|p| text.contains(*p)) {
        report(
            findings,
            PLACEHOLDER,
            loc,
            text,
            scope,
            format!(
                "{text}是未填写的模板内容（{found}）",
                found = Quote(&found),
                text = Quote(&text)
            ),
        );
    }
}

const PAIRS: &[(char, char)] = &[
    ('（', '）'),
    ('(', ')'),
    ('《', '》'),
    ('〈', '〉'),
    ('〔', '〕'),
    ('【', '】'),
    ('[', ']'),
    ('“', '”'),
];

fn unbalanced(text: &str, loc: Loc, scope: &str, findings: &mut Findings) {
    let mut open: Vec<char> = Vec::new();
    let mut broken = None;
    for c in text.chars() {
        if let Some((o, _)) = PAIRS.iter().find(|(o, _)| *o == c) {
            open.push(*o);
        } else if let Some((o, _)) = PAIRS.iter().find(|(_, close)| *close == c)
            && open.pop() != Some(*o)
        {
            broken = Some(c);
            break;
        }
    }
    if let Some(c) = broken.or_else(|| open.last().copied()) {
        report(
            findings,
            UNBALANCED_PUNCTUATION,
            loc,
            text,
            scope,
            format!("{}中的{c}没有配对", Quote(text), c = Quote(&c)),
        );
    }
}

fn stray(text: &str, loc: Loc, scope: &str, findings: &mut Findings) {
    let trailing = text.ends_with(['、', '，', '；', ',']);
    let spaced = text != text.trim() && !text.trim().is_empty();
    if trailing || spaced {
        report(
            findings,
            STRAY_PUNCTUATION,
            loc,
            text,
            scope,
            format!("{}首尾有多余的标点或空格", Quote(text)),
        );
    }
}

/// A document number written 攀人办[2019]53号 instead of 攀人办〔2019〕53号.
fn document_number(text: &str, loc: Loc, scope: &str, findings: &mut Findings) {
    let chars: Vec<char> = text.chars().collect();
    for (i, window) in chars.windows(6).enumerate() {
        let [open, a, b, c, d, close] = window else {
            continue;
        };
        let year = [a, b, c, d].iter().all(|x| x.is_ascii_digit());
        let wrong = matches!(
            (open, close),
            ('[', ']') | ('【', '】') | ('(', ')') | ('（', '）')
        );
        let issuer = i > 0 && !chars[i - 1].is_ascii();
        let numbered = chars[i + 6..]
            .iter()
            .take_while(|c| c.is_ascii_digit())
            .count()
            > 0;
        if year && wrong && issuer && numbered {
            let number: String = chars[i.saturating_sub(4)..(i + 10).min(chars.len())]
                .iter()
                .collect();
            report(
                findings,
                DOCUMENT_NUMBER,
                loc,
                text,
                scope,
                format!(
                    "文号{number}的年份应写在六角括号〔〕中",
                    number = Quote(&number)
                ),
            )
            .hint(format!("write 〔{a}{b}{c}{d}〕"));
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::check::testing::*;

    #[test]
    fn an_indicator_twice_in_one_table_is_an_error() {
        assert_eq!(
            codes(&good_with(("产出指标", "数量指标", "培训次数", "≥3次"))),
            ["repeated-indicator"]
        );
    }

    #[test]
    fn an_indicator_named_after_its_category_is_an_error() {
        assert_eq!(
            codes(&good_with((
                "效益指标",
                "生态效益指标",
                "生态效益指标",
                "显著增强"
            ))),
            ["named-after-category"]
        );
    }

    #[test]
    fn placeholders_left_in_are_errors() {
        let yaml = with_rows(GOOD_ROWS).replace(
            "  - name: 项目甲\n",
            "  - name: 项目甲\n    goal: 1.目标内容1\n",
        );
        assert_eq!(codes(&yaml), ["placeholder"]);
    }

    #[test]
    fn unbalanced_brackets_are_found() {
        assert_eq!(
            codes(&good_with((
                "产出指标",
                "质量指标",
                "按照〈预算监督法》执行",
                "达标"
            ))),
            ["unbalanced-punctuation"]
        );
        assert!(
            codes(&good_with((
                "产出指标",
                "质量指标",
                "按照《预算监督法》执行",
                "达标"
            )))
            .is_empty()
        );
        assert_eq!(
            codes(&good_with((
                "产出指标",
                "质量指标",
                "保障（机关运转",
                "达标"
            ))),
            ["unbalanced-punctuation"]
        );
    }

    #[test]
    fn stray_punctuation_and_spaces_are_found() {
        assert_eq!(
            codes(&good_with((
                "效益指标",
                "社会效益指标",
                "机要工作水平",
                "提高、"
            ))),
            ["stray-punctuation"]
        );
        assert_eq!(
            codes(&good_with((
                "效益指标",
                "社会效益指标",
                "机要工作水平 ",
                "提高"
            ))),
            ["stray-punctuation"]
        );
    }

    #[test]
    fn document_numbers_take_hexagonal_brackets() {
        let report = report(&good_with((
            "产出指标",
            "成本指标",
            "会议标准",
            "根据攀仁委办[2014]126号文件规定",
        )));
        let d = &report.diagnostics[0];
        assert_eq!(d.code, "document-number");
        assert!(d.hint.as_deref().unwrap().contains("〔2014〕"));
        assert!(
            codes(&good_with((
                "产出指标",
                "成本指标",
                "会议标准",
                "根据攀仁委办〔2014〕126号文件规定"
            )))
            .is_empty()
        );
    }
}
