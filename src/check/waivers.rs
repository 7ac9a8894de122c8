//! Waivers: findings a data file acknowledges, so that an approved document
//! with a known flaw is still published verbatim.
//!
//! A waiver names a rule, what the finding is about (`where`) and why. A
//! waiver that no longer matches anything is reported, so that stale ones do
//! not pile up; one that names no rule is an error.

use std::path::Path;

use super::Report;
use crate::codes::{UNKNOWN_RULE, UNUSED_WAIVER, rule};
use crate::diag::{Diagnostic, Quote};
use crate::model::{Document, Waiver};

pub(super) fn apply(path: &Path, document: &Document, findings: Vec<Diagnostic>) -> Report {
    let mut used = vec![false; document.waivers.len()];
    let mut report = Report::default();
    for finding in findings {
        let waiver = document.waivers.iter().position(|w| covers(w, &finding));
        match waiver {
            Some(index) => {
                used[index] = true;
                let mut diagnostic = finding;
                diagnostic.waiver = Some(document.waivers[index].why.value.clone());
                report.waived.push(diagnostic);
            }
            None => report.diagnostics.push(finding),
        }
    }
    for (waiver, used) in document.waivers.iter().zip(used) {
        let code = &waiver.code;
        let found = match rule(&code.value) {
            None => Diagnostic::new(
                UNKNOWN_RULE,
                path,
                code.loc,
                format!("没有代码为{}的规则", Quote(&code.value)),
            )
            .with_hint("`jixiao rules` lists the codes"),
            Some(rule) if !rule.waivable => Diagnostic::new(
                UNKNOWN_RULE,
                path,
                code.loc,
                format!(
                    "{}的问题不能豁免：它使文件无法读取或排版",
                    Quote(&code.value)
                ),
            )
            .with_hint("correct the data instead; `jixiao rules` says which codes can be waived"),
            Some(_) if used => continue,
            Some(_) => Diagnostic::new(
                UNUSED_WAIVER,
                path,
                code.loc,
                format!(
                    "豁免{}（{}）没有对应的问题",
                    Quote(&code.value),
                    waiver.place.value
                ),
            )
            .with_hint("remove the waiver, or correct its `where` to the value the finding names"),
        };
        report.diagnostics.push(found);
    }
    report
}

fn covers(waiver: &Waiver, finding: &Diagnostic) -> bool {
    waiver.code.value == finding.code && finding.subjects.contains(&waiver.place.value)
}

#[cfg(test)]
mod tests {
    use crate::check::testing::*;

    fn waived(yaml: &str, waivers: &str) -> crate::check::Report {
        report(&format!("{yaml}waivers:\n{waivers}"))
    }

    #[test]
    fn a_waiver_moves_its_finding_aside_with_its_reason() {
        let yaml = good_with(("产出指标", "数量指标", "培训次数", "≥3次"));
        assert_eq!(codes(&yaml), ["repeated-indicator"]);
        let report = waived(
            &yaml,
            "  - {code: repeated-indicator, where: 培训次数, why: 批复原文如此}\n",
        );
        assert!(report.diagnostics.is_empty(), "{:?}", report.diagnostics);
        assert_eq!(report.waived.len(), 1);
        assert_eq!(report.waived[0].waiver.as_deref(), Some("批复原文如此"));
        assert_eq!(report.waived[0].code, "repeated-indicator");
    }

    #[test]
    fn a_waiver_may_name_the_project() {
        let yaml = good_with(("产出指标", "数量指标", "培训次数", "≥3次"));
        let report = waived(
            &yaml,
            "  - {code: repeated-indicator, where: 项目甲, why: 原文}\n",
        );
        assert!(report.diagnostics.is_empty());
    }

    #[test]
    fn a_waiver_for_something_else_waives_nothing() {
        let yaml = good_with(("产出指标", "数量指标", "培训次数", "≥3次"));
        let report = waived(
            &yaml,
            "  - {code: repeated-indicator, where: 别的指标, why: 原文}\n",
        );
        let codes: Vec<_> = report.diagnostics.iter().map(|d| d.code.as_ref()).collect();
        assert_eq!(codes, ["repeated-indicator", "unused-waiver"]);
    }

    #[test]
    fn a_waiver_must_name_a_rule() {
        let report = waived(
            &with_rows(GOOD_ROWS),
            "  - {code: no-such-rule, where: x, why: y}\n",
        );
        let d = &report.diagnostics[0];
        assert_eq!(d.code, "unknown-rule");
        assert_eq!(
            d.loc.line,
            report_line_of_waivers(&with_rows(GOOD_ROWS)) + 1
        );
    }

    fn report_line_of_waivers(yaml: &str) -> u32 {
        yaml.lines().count() as u32 + 1
    }
}
