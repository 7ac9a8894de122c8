//! Forms are data: the `national` form for offices without a regional one,
//! and a form added from a folder outside the built-in set, with no Rust.

use crate::common::*;

fn yaml_texts(path: &str) -> Vec<String> {
    let text = std::fs::read_to_string(root().join(path)).unwrap();
    text.lines()
        .filter_map(|l| l.split_once("{name: "))
        .flat_map(|(_, rest)| {
            let (name, values) = rest.split_once(", values: [").unwrap();
            let values = values.trim_end_matches("]}").split(", ").map(str::to_owned);
            std::iter::once(name.to_owned())
                .chain(values)
                .collect::<Vec<_>>()
        })
        .map(|s| normalize(&s))
        .collect()
}

#[test]
fn the_national_form_publishes_every_indicator() {
    let cells = yaml_texts("data/2023/example-office.yaml");
    assert_eq!(cells.len(), 18, "{cells:?}");
    let pdf = pdf_content(&built().out.join("2023/example-office.pdf"));
    let (share, missing) = fidelity(&cells, &pdf);
    assert_eq!(share, 1.0, "missing from the PDF: {missing:?}");
    for heading in [
        "项目支出绩效目标申报表",
        "部门整体支出绩效目标申报表",
        "36.50",
    ] {
        assert!(normalize(&pdf).contains(heading), "{heading} missing");
    }
    let html = std::fs::read_to_string(built().out.join("2023/example-office.html")).unwrap();
    let (share, missing) = fidelity(&cells, &html_text(&html));
    assert_eq!(share, 1.0, "missing from the HTML: {missing:?}");
}

const EXTRA_DATA: &str = "tests/fixtures/extra-form/data";
const EXTRA_TEMPLATES: &str = "tests/fixtures/extra-form/templates";

#[test]
fn a_form_is_added_by_a_folder_without_rust() {
    let built = build("extra-form", EXTRA_DATA, &["--templates", EXTRA_TEMPLATES]);
    let text = normalize(&pdf_content(&built.out.join("listed.pdf")));
    for expected in ["信息系统运行维护", "运维系统数量:=6个", "系统可用率:≥99%"]
    {
        assert!(
            text.contains(&normalize(expected)),
            "{expected} missing from {text}"
        );
    }
}

#[test]
fn without_its_folder_the_added_form_is_unknown() {
    let run = jixiao(&["check", "--data", EXTRA_DATA, "--format", "json"]);
    assert!(!run.status.success());
    let findings: serde_json::Value = serde_json::from_slice(&run.stdout).unwrap();
    assert_eq!(findings[0]["code"], "unknown-form");
    let run = jixiao(&[
        "check",
        "--data",
        EXTRA_DATA,
        "--templates",
        EXTRA_TEMPLATES,
    ]);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
}

#[test]
fn a_project_templates_folder_overrides_a_built_in_file() {
    let dir = scratch("override");
    std::fs::create_dir_all(dir.join("templates/lib")).unwrap();
    let css = std::fs::read_to_string(root().join("templates/lib/web.css")).unwrap();
    std::fs::write(
        dir.join("templates/lib/web.css"),
        format!("{css}\n/* office override */\n"),
    )
    .unwrap();
    let templates = dir.join("templates");
    let built = build(
        "override-build",
        "data",
        &["--templates", templates.to_str().unwrap()],
    );
    let html = std::fs::read_to_string(built.out.join("2023/example-office.html")).unwrap();
    assert!(html.contains("/* office override */"));
}
