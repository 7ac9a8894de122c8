//! `jixiao check` on broken data: every error names file, line and column.

use crate::common::*;

fn data_with(name: &str, yaml: &str) -> std::path::PathBuf {
    let dir = scratch(name);
    std::fs::write(dir.join("broken.yaml"), yaml).unwrap();
    dir
}

const SYNTAX_ERROR: &str = "form: dongguan-rd\nyear: 2022\ntitle: 标题\n  department: 某部门\n";

#[test]
fn a_syntax_error_names_file_line_and_column() {
    let dir = data_with("check-syntax", SYNTAX_ERROR);
    let run = jixiao(&["check", "--data", dir.to_str().unwrap()]);
    assert!(!run.status.success());
    let stderr = String::from_utf8(run.stderr).unwrap();
    let expected = format!(
        "{}:4:13: error[yaml-syntax]",
        dir.join("broken.yaml").display()
    );
    assert!(
        stderr.contains(&expected),
        "wanted {expected} in:\n{stderr}"
    );
    assert!(stderr.contains("error["), "{stderr}");
}

#[test]
fn json_findings_have_the_documented_shape() {
    let dir = data_with(
        "check-json",
        "form: dongguan-rd\nyear: 2022\ntitle: t\ndepartment: d\ntitel: x\n",
    );
    let run = jixiao(&["check", "--data", dir.to_str().unwrap(), "--format", "json"]);
    assert!(!run.status.success());
    let findings: serde_json::Value = serde_json::from_slice(&run.stdout).unwrap();
    let finding = &findings.as_array().unwrap()[0];
    assert_eq!(finding["line"], 5);
    assert_eq!(finding["column"], 1);
    assert_eq!(finding["severity"], "error");
    assert_eq!(finding["code"], "unknown-key");
    assert!(finding["file"].as_str().unwrap().ends_with("broken.yaml"));
    assert!(finding["message"].as_str().unwrap().contains("titel"));
}

#[test]
fn the_real_data_checks_clean() {
    let run = jixiao(&["check", "--format", "json"]);
    let findings: serde_json::Value = serde_json::from_slice(&run.stdout).unwrap();
    let errors: Vec<_> = findings
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["severity"] == "error")
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    assert!(run.status.success());
}

#[test]
fn a_broken_file_does_not_stop_the_others() {
    let dir = data_with("build-partial", SYNTAX_ERROR);
    std::fs::copy(
        root().join("data/2022/dongguan-rd.yaml"),
        dir.join("good.yaml"),
    )
    .unwrap();
    let out = dir.join("out");
    let run = jixiao(&[
        "build",
        "--data",
        dir.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(!run.status.success());
    assert!(out.join("good.pdf").is_file() && out.join("good.html").is_file());
    assert!(!out.join("broken.pdf").exists());
    let summary = String::from_utf8(run.stdout).unwrap();
    assert!(
        summary.contains("built 1, up to date 0, failed 1"),
        "{summary}"
    );
    assert!(summary.contains("broken.yaml"), "{summary}");
}
