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
        "--format",
        "json",
    ]);
    assert!(!run.status.success());
    assert!(out.join("good.pdf").is_file() && out.join("good.html").is_file());
    assert!(!out.join("broken.pdf").exists());
    let summary = summary_of(&run);
    assert_eq!(counts(&summary), (1, 0, 1), "{summary}");
    assert!(findings_of(&summary).contains("broken.yaml"), "{summary}");
}

/// `jixiao check` of the data folder `data` with the templates folder
/// `templates`, in `format` (human, json or sarif).
fn check_in(
    data: &std::path::Path,
    templates: &std::path::Path,
    format: &str,
) -> std::process::Output {
    jixiao(&[
        "check",
        "--data",
        data.to_str().unwrap(),
        "--templates",
        templates.to_str().unwrap(),
        "--format",
        format,
    ])
}

/// `check --format json` and SARIF of a project whose templates are broken.
fn check_formats(dir: &std::path::Path) -> (std::process::Output, serde_json::Value, String) {
    let (data, templates) = (dir.join("data"), dir.join("templates"));
    let json = check_in(&data, &templates, "json");
    let found = serde_json::from_slice(&json.stdout).unwrap();
    let sarif = String::from_utf8(check_in(&data, &templates, "sarif").stdout).unwrap();
    (json, found, sarif)
}

#[test]
fn a_broken_form_or_template_is_a_finding_at_its_place_in_every_format() {
    let dir = one_form_project("check-broken-form", "mine", "= {{ doc.title }}\n");
    let form = dir.join("templates/forms/mine/form.yaml");
    std::fs::write(&form, "description: 我的表式\nprints:\n  nonsense: 1\n").unwrap();
    let (run, found, sarif) = check_formats(&dir);
    assert_eq!(run.status.code(), Some(1), "{}", stderr_of(&run));
    let finding = &found.as_array().unwrap()[0];
    assert_eq!(finding["code"], "form-file", "{found}");
    assert!(
        finding["file"]
            .as_str()
            .unwrap()
            .ends_with("forms/mine/form.yaml")
    );
    assert!(finding["line"].as_u64().unwrap() >= 2, "{found}");
    assert!(sarif.contains("\"ruleId\": \"form-file\""), "{sarif}");

    std::fs::remove_file(&form).unwrap();
    let template = dir.join("templates/forms/mine/main.typ.j2");
    std::fs::write(&template, "= {{ doc.title }}\n{% if doc.year %}\nno end\n").unwrap();
    let (run, found, _) = check_formats(&dir);
    assert_eq!(run.status.code(), Some(1), "{}", stderr_of(&run));
    let finding = &found.as_array().unwrap()[0];
    assert_eq!(finding["code"], "template", "{found}");
    assert!(finding["file"].as_str().unwrap().ends_with("main.typ.j2"));

    std::fs::write(&template, "= {{ doc.title }}\n").unwrap();
    std::fs::write(dir.join("templates/fonts.yaml"), "body: [一, 二\n").unwrap();
    let (run, found, sarif) = check_formats(&dir);
    assert_eq!(run.status.code(), Some(1), "{}", stderr_of(&run));
    assert_eq!(found[0]["code"], "setup", "{found}");
    assert!(
        found[0]["file"]
            .as_str()
            .unwrap()
            .ends_with("templates/fonts.yaml")
    );
    assert!(sarif.contains("\"id\": \"setup\""), "{sarif}");
}

/// The county fixture in a scratch folder, its template and data edited.
fn county_with(name: &str, template: (&str, &str), data: (&str, &str)) -> std::path::PathBuf {
    let dir = scratch(name);
    let fixture = root().join("tests/fixtures/county-form");
    let copy = |relative: &str, edit: (&str, &str)| {
        let text = std::fs::read_to_string(fixture.join(relative)).unwrap();
        assert!(text.contains(edit.0), "{relative} lacks {}", edit.0);
        let path = dir.join(relative);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text.replace(edit.0, edit.1)).unwrap();
    };
    let form = "templates/forms/hunan-county/form.yaml";
    std::fs::create_dir_all(dir.join(form).parent().unwrap()).unwrap();
    std::fs::copy(fixture.join(form), dir.join(form)).unwrap();
    copy("templates/forms/hunan-county/main.typ.j2", template);
    copy("data/2023/county-water.yaml", data);
    dir
}

fn check_county(dir: &std::path::Path) -> std::process::Output {
    check_in(&dir.join("data"), &dir.join("templates"), "human")
}

fn build_county(dir: &std::path::Path) -> std::process::Output {
    let templates = dir.join("templates");
    build_into(
        &dir.join("data"),
        &dir.join("out"),
        &["--templates", templates.to_str().unwrap()],
    )
}

#[test]
fn a_typst_error_in_a_branch_no_data_file_takes_is_found_by_check() {
    let phone = r#"{{ p.leader_phone or "" }}"#;
    let broken = r#"{% if p.leader_phone %}nosuchfn(){% else %}""{% endif %}"#;
    let line_of_phone = "    leader_phone: 0731-1111111\n";
    let dir = county_with("check-branch", (phone, broken), (line_of_phone, ""));
    assert!(
        build_county(&dir).status.success(),
        "the data takes the other branch"
    );
    let run = check_county(&dir);
    assert_eq!(run.status.code(), Some(1), "{}", stderr_of(&run));
    let expected = "main.typ.j2:20:0: error[typst]: unknown variable: nosuchfn";
    assert!(stderr_of(&run).contains(expected), "{}", stderr_of(&run));

    let taken = county_with("check-branch-taken", (phone, broken), ("", ""));
    assert!(!build_county(&taken).status.success());
    assert_eq!(check_county(&taken).status.code(), Some(1));
}

#[test]
fn a_character_no_font_has_is_found_by_check_at_its_place() {
    let dir = county_with("check-glyph", ("", ""), ("leader: 张某", "leader: 张某🫠"));
    let run = check_county(&dir);
    assert_eq!(run.status.code(), Some(1), "{}", stderr_of(&run));
    let errors = stderr_of(&run);
    assert!(
        errors.contains("county-water.yaml:22:15: error[missing-glyph]")
            && errors.contains("U+1FAE0"),
        "{errors}"
    );
    assert!(!build_county(&dir).status.success());
}

/// `jixiao check --format json` of the province fixture with its data file
/// edited by `edit`: the codes found.
fn province_codes(name: &str, edit: (&str, &str)) -> Vec<String> {
    let found = fixture_findings("province-form", "2024/river.yaml", name, edit);
    found.into_iter().map(|(code, _)| code).collect()
}

/// `jixiao check --format json` of the fixture `fixture` with its data file
/// `file` edited by `edit`: each finding's code and line.
fn fixture_findings(
    fixture: &str,
    file: &str,
    name: &str,
    edit: (&str, &str),
) -> Vec<(String, u64)> {
    let fixture = root().join("tests/fixtures").join(fixture);
    let dir = scratch(name);
    let data = dir.join(file);
    std::fs::create_dir_all(data.parent().unwrap()).unwrap();
    let text = std::fs::read_to_string(fixture.join("data").join(file)).unwrap();
    assert!(text.contains(edit.0), "the fixture lacks {}", edit.0);
    std::fs::write(&data, text.replacen(edit.0, edit.1, 1)).unwrap();
    let run = check_in(&dir, &fixture.join("templates"), "json");
    let found: serde_json::Value = serde_json::from_slice(&run.stdout).unwrap();
    let findings = found.as_array().unwrap().iter();
    findings
        .map(|f| {
            let code = f["code"].as_str().unwrap().to_owned();
            (code, f["line"].as_u64().unwrap_or_default())
        })
        .collect()
}

#[test]
fn a_form_of_another_shape_is_judged_by_what_it_declares() {
    assert!(
        province_codes("province-clean", ("", "")).is_empty(),
        "the clean file: last year's 88% and 72分贝, a 社会成本 in 分贝, a 成本目标 in 万元"
    );
    let new_project = ("kind: 延续\n    last_budget: 980.00\n", "kind: 新增\n");
    assert!(
        province_codes("province-new", new_project).is_empty(),
        "a new project has no last year"
    );
    let planted = [
        (
            "'≤28万元'",
            "'≥28万元'",
            "cost-not-capped",
            "a floor on a cost named 成本目标",
        ),
        (
            "每公里清淤成本, values: ['26万元', '≤28万元'",
            "每公里清淤成本, values: ['26万元', '≤70分贝'",
            "cost-not-amount",
            "a cost of kind cost not in money",
        ),
        (
            "values: ['88%', '≥90%'",
            "values: ['88%', '88%'",
            "satisfaction-range",
            "88% as this year's plan",
        ),
        (
            "本年度计划水平, 参考标准]",
            "本年度计划指标值, 参考标准]",
            "unknown-column",
            "a column the form does not declare",
        ),
        (
            "    last_budget: 980.00\n",
            "",
            "missing-field",
            "a continued project without last year's budget",
        ),
        (
            "{unit: 万元, total: 486.35, fiscal: 486.35}",
            "{unit: 元, total: 4863500.00, fiscal: 4863500.00}",
            "wrong-unit",
            "amounts switched to 元 in a form printed in 万元",
        ),
        (
            "    local: 186.35\n",
            "    local: 121.244\n",
            "form-sum",
            "sources that do not add up to 资金总额",
        ),
        (
            "    costing_total: 486.35\n",
            "    costing_total: 999.00\n",
            "form-sum",
            "a 合计 of 999 over rows summing to 486.35",
        ),
    ];
    for (i, (from, to, code, what)) in planted.into_iter().enumerate() {
        let codes = province_codes(&format!("province-planted-{i}"), (from, to));
        assert!(codes.contains(&code.to_owned()), "{what}: {codes:?}");
    }
}

/// The findings of the grid fixture with its data file edited by `edit`.
fn grid_findings(name: &str, edit: (&str, &str)) -> Vec<(String, u64)> {
    fixture_findings("grid-form", "2024/parks.yaml", name, edit)
}

#[test]
fn a_form_with_a_fixed_grid_is_judged_by_what_it_declares() {
    let clean = grid_findings("grid-clean", ("", ""));
    assert!(
        clean.is_empty(),
        "the clean file: its own fund sources, a grid with —— cells, no 一级 column: {clean:?}"
    );
    let built = build(
        "grid-built",
        "tests/fixtures/grid-form/data",
        &["--templates", "tests/fixtures/grid-form/templates"],
    );
    let pdf = pdf_content(&built.out.join("2024/parks.pdf"));
    assert!(pdf.contains("——") && pdf.contains("上年结转"), "{pdf}");
    assert!(
        !pdf.contains("一级指标") && pdf.contains("二级指标"),
        "the 一级 column is not printed: {pdf}"
    );
    let planted = [
        (
            "合计: {本年: 500.00",
            "合计: {本年: 510.00",
            "form-sum",
            18,
            "a 合计 of 510 over rows summing to 500",
        ),
        (
            "单位自筹: {本年: 20.00, 说明",
            "单位自筹: {本年: 20.00, 上年: 5.00, 说明",
            "filled-blank",
            16,
            "a —— cell filled",
        ),
        (
            "上级补助: {本年: 100.00, 上年: 90.00, ",
            "上级补助: {本年: 100.00, ",
            "missing-field",
            15,
            "a required cell left out",
        ),
        (
            "    last_budget: 420.00\n",
            "",
            "missing-field",
            7,
            "a project that is not new without last year's budget",
        ),
        (
            "'≥8座'",
            "''",
            "missing-value",
            27,
            "no value in the required 本年度计划水平 column",
        ),
        (
            "columns: [上年度实际水平, 本年度计划水平, 指标内容（计算公式）]",
            "columns: [上年度实际水平, 指标内容（计算公式）, 本年度计划值]",
            "missing-value",
            21,
            "a table without the required 本年度计划水平 column",
        ),
        (
            "total: 500.00, fiscal",
            "total: 520.00, fiscal",
            "form-sum",
            12,
            "a total that is not its sources' sum",
        ),
    ];
    for (i, (from, to, code, line, what)) in planted.into_iter().enumerate() {
        let found = grid_findings(&format!("grid-planted-{i}"), (from, to));
        assert!(
            found.contains(&(code.to_owned(), line)),
            "{what}: {found:?}"
        );
        assert!(
            found.iter().all(|(c, _)| c != "funds-sum"),
            "the form's own sources are not the common ones: {found:?}"
        );
    }
}
