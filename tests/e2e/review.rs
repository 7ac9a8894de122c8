//! `jixiao check` on the five seed files finds their real defects, at the
//! lines where they stand, and the seed files acknowledge each one.

use std::path::PathBuf;

use jixiao::commands;
use jixiao::diag::Diagnostic;
use jixiao::pipeline::Project;

fn report() -> Vec<Diagnostic> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let project = Project {
        data: root.join("data"),
        templates: None,
        font_dirs: Vec::new(),
    };
    commands::check(&project, &[]).unwrap()
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
    ("dongguan-rd.yaml", 49, "bare-number", "专题课题调研次数"),
    ("chengde-rd.yaml", 315, "satisfaction-range", "≥100%"),
    (
        "panzhihua-renhe-rd.yaml",
        183,
        "meaningless-indicator",
        "数量",
    ),
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
    assert!(has(
        "shanghai-songjiang-rd.yaml",
        "unmeasurable-goal",
        "按照计划执行"
    ));
}

const COUNTY_TEMPLATES: &str = "tests/fixtures/county-form/templates";
const COUNTY: &str = "tests/fixtures/county-form/data/2023/county-water.yaml";

/// `jixiao check --format json` of data files, and the codes found.
fn codes_of(data: &std::path::Path, files: &[&std::path::Path]) -> Vec<String> {
    let mut args = vec![
        "check",
        "--data",
        data.to_str().unwrap(),
        "--templates",
        COUNTY_TEMPLATES,
        "--format",
        "json",
    ];
    args.extend(files.iter().map(|f| f.to_str().unwrap()));
    let run = crate::common::jixiao(&args);
    let found: serde_json::Value = serde_json::from_slice(&run.stdout).unwrap();
    found
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn a_clean_well_written_document_gets_no_finding_at_all() {
    let county = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(COUNTY);
    let data = county.parent().unwrap().parent().unwrap();
    assert_eq!(codes_of(data, &[]), Vec::<String>::new());
    let national = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("data/2023/example-office.yaml");
    assert_eq!(
        codes_of(national.parent().unwrap(), &[]),
        Vec::<String>::new()
    );
}

/// The county table a reviewer would refuse, as the issue found it: bare
/// numbers for 三级指标, 100 on every row, satisfaction 100, a 时效 target
/// with no time, a goal with nothing measurable, the long-term table equal
/// to the annual one.
#[test]
fn the_county_table_a_reviewer_would_refuse_is_refused() {
    let dir = crate::common::scratch("refused-county");
    std::fs::create_dir_all(dir.join("2023")).unwrap();
    let text =
        std::fs::read_to_string(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(COUNTY)).unwrap();
    let (head, _) = text.split_once("    long_term:").unwrap();
    let table = "      columns: [指标值]\n      groups:\n        - name: 产出指标\n          groups:\n            - name: 数量指标\n              items:\n                - {name: '88', values: ['100']}\n            - name: 时效指标\n              items:\n                - {name: '68', values: ['100']}\n        - name: 效益指标\n          groups:\n            - name: 社会效益指标\n              items:\n                - {name: '20', values: ['100']}\n        - name: 满意度指标\n          groups:\n            - name: 服务对象满意度指标\n              items:\n                - {name: 群众满意度, values: ['100']}\n";
    let bad = format!("{head}    long_term:\n{table}    indicators:\n{table}")
        .replace(
            "goal: 2023年新建或改造供水工程12处，受益人口1.8万人。",
            "goal: 全面完成农村饮水项目，搞好提质改造",
        )
        .replace(
            "overall_goal: 三年内全县农村自来水普及率达到92%以上。",
            "overall_goal: 全面完成……项目,搞好提质改造",
        );
    std::fs::write(dir.join("2023/county-water.yaml"), bad).unwrap();
    let codes = codes_of(&dir, &[]);
    for code in [
        "meaningless-indicator",
        "same-value-everywhere",
        "satisfaction-range",
        "timeliness-no-time",
        "bare-number",
        "unmeasurable-goal",
        "long-term-equals-annual",
    ] {
        assert!(
            codes.iter().any(|c| c == code),
            "{code} not found in {codes:?}"
        );
    }
}

#[test]
fn a_table_copied_from_last_year_and_a_lowered_target_are_warned_of() {
    let dir = crate::common::scratch("history");
    for year in ["2022", "2023"] {
        std::fs::create_dir_all(dir.join(year)).unwrap();
    }
    let text =
        std::fs::read_to_string(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(COUNTY)).unwrap();
    let last_year = text.replace("year: 2023", "year: 2022");
    std::fs::write(dir.join("2022/county-water.yaml"), &last_year).unwrap();
    std::fs::write(dir.join("2023/county-water.yaml"), &text).unwrap();
    let this_year = dir.join("2023/county-water.yaml");
    let codes = codes_of(&dir, &[&this_year]);
    assert_eq!(codes, ["copied-from-last-year"]);
    let lowered = text.replacen("values: [≥12处]", "values: [≥10处]", 1);
    std::fs::write(&this_year, lowered).unwrap();
    let run = crate::common::jixiao(&[
        "check",
        "--data",
        dir.to_str().unwrap(),
        "--templates",
        COUNTY_TEMPLATES,
        this_year.to_str().unwrap(),
    ]);
    let errors = String::from_utf8_lossy(&run.stderr);
    let line = errors
        .lines()
        .find(|l| l.contains("lowered-target"))
        .unwrap_or_else(|| panic!("{errors}"));
    assert!(
        line.contains("≥10处")
            && line.contains("≥12处")
            && line.contains("2022/county-water.yaml:"),
        "{line}"
    );
}

#[test]
fn check_reads_only_the_files_named_and_speaks_sarif() {
    let dongguan = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("data/2022/dongguan-rd.yaml");
    let run = crate::common::jixiao(&["check", "--format", "sarif", dongguan.to_str().unwrap()]);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let sarif: serde_json::Value = serde_json::from_slice(&run.stdout).unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    let run = &sarif["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    assert!(rules.iter().any(|r| r["id"] == "bare-number"));
    let results = run["results"].as_array().unwrap();
    assert!(!results.is_empty());
    for result in results {
        let uri = result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            .as_str()
            .unwrap();
        assert_eq!(uri, "data/2022/dongguan-rd.yaml");
        assert!(
            result["locations"][0]["physicalLocation"]["region"]["startLine"]
                .as_u64()
                .unwrap()
                > 0
        );
    }
    assert!(
        results
            .iter()
            .any(|r| r["suppressions"][0]["justification"].is_string())
    );
}
