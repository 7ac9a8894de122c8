//! `jixiao check` on the five seed files finds their real defects, at the
//! lines where they stand, and the seed files acknowledge each one.

use std::path::PathBuf;

use jixiao::diag::Diagnostic;
use jixiao::publish::{Project, check_project};

fn report() -> Vec<Diagnostic> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let project = Project {
        data: root.join("data"),
        templates: None,
        font_dirs: Vec::new(),
    };
    check_project(&project).unwrap()
}

/// Known defects of the published seeds: file, line, code and a word of the message.
const DEFECTS: &[(&str, u32, &str, &str)] = &[
    ("panzhihua-renhe-rd.yaml", 13, "budget-sum", "921.84"),
    (
        "dongguan-rd.yaml",
        54,
        "repeated-indicator",
        "专题课题调研次数",
    ),
    ("dongguan-rd.yaml", 58, "repeated-indicator", "二类培训期数"),
    ("dongguan-rd.yaml", 46, "blank-category", "产出指标"),
    ("chengde-rd.yaml", 332, "rate-unit", "≥90元"),
    ("chengde-rd.yaml", 43, "placeholder", "目标内容1"),
    ("chengde-rd.yaml", 205, "cost-not-capped", "订阅杂志价格"),
    ("panzhihua-renhe-rd.yaml", 189, "year-outside", "2021年"),
    ("wuxi-rd.yaml", 167, "cannot-fail", "≥0份"),
    ("wuxi-rd.yaml", 69, "missing-family", "效益指标"),
];

#[test]
fn the_seeds_real_defects_are_found_where_they_stand() {
    let report = report();
    for (file, line, code, word) in DEFECTS {
        let found = report.iter().any(|d| {
            d.file.ends_with(file)
                && d.loc.line == *line
                && d.code == *code
                && d.message.contains(word)
        });
        assert!(found, "{file}:{line} {code} ({word}) not found");
    }
}

#[test]
fn every_error_in_the_seeds_is_acknowledged_with_a_reason() {
    let report = report();
    let errors: Vec<String> = report
        .iter()
        .filter(|d| d.is_error())
        .map(ToString::to_string)
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    let reasons: Vec<&str> = report.iter().filter_map(|d| d.waiver.as_deref()).collect();
    assert!(reasons.len() >= 40, "{} waived", reasons.len());
    assert!(reasons.iter().all(|why| why.chars().count() >= 8));
}

#[test]
fn warnings_point_out_what_reviewers_would_question() {
    let report = report();
    let has = |file: &str, code: &str, word: &str| {
        report.iter().any(|d| {
            !d.is_waived() && d.file.ends_with(file) && d.code == code && d.message.contains(word)
        })
    };
    assert!(has("chengde-rd.yaml", "unknown-unit", "≥20量"));
    assert!(has(
        "shanghai-songjiang-rd.yaml",
        "operator-spelling",
        ">=1次"
    ));
    assert!(has(
        "panzhihua-renhe-rd.yaml",
        "unbalanced-punctuation",
        "〈预算监督"
    ));
    assert!(has(
        "panzhihua-renhe-rd.yaml",
        "document-number",
        "攀仁委办[2014]126号"
    ));
    assert!(has("dongguan-rd.yaml", "missing-unit", "专题课题调研次数"));
}
