//! Forms are contracts: whatever passes `check` builds, every example data
//! file validates under its form's JSON Schema in a real validator, and a
//! form with fields, rows, two indicator tables and sign-offs of its own is
//! added without Rust.

use std::path::{Path, PathBuf};

use crate::common::*;
use jixiao::node::{Node, Value};
use jixiao::pipeline::{Input, Session};
use jixiao::render::Page;
use jixiao::templates::TemplateStore;
use jixiao::typeset::Typesetter;
use serde_json::Value as Json;

const COUNTY_TEMPLATES: &str = "tests/fixtures/county-form/templates";
const COUNTY_DATA: &str = "tests/fixtures/county-form/data";
const GRID_TEMPLATES: &str = "tests/fixtures/grid-form/templates";

/// Every example: the real data files and the county and grid fixtures,
/// with the templates folder each needs.
fn examples() -> Vec<(PathBuf, Option<&'static str>)> {
    let mut all: Vec<(PathBuf, Option<&str>)> = walkdir::WalkDir::new(root().join("data"))
        .into_iter()
        .map(Result::unwrap)
        .filter(|e| e.path().extension().is_some_and(|x| x == "yaml"))
        .map(|e| (e.into_path(), None))
        .collect();
    all.sort();
    all.push((
        root().join(COUNTY_DATA).join("2023/county-water.yaml"),
        Some(COUNTY_TEMPLATES),
    ));
    all.push((
        root().join("tests/fixtures/grid-form/data/2024/parks.yaml"),
        Some(GRID_TEMPLATES),
    ));
    all
}

/// A data file as JSON, every scalar as the text the file writes (the
/// year as a number): JSON is YAML, so variants can be written back.
fn as_json(node: &Node, key: &str) -> Json {
    match &node.value {
        Value::Null => Json::Null,
        Value::Scalar(text) if key == "year" => text
            .parse::<u64>()
            .map_or_else(|_| Json::String(text.clone()), Json::from),
        Value::Scalar(text) => Json::String(text.clone()),
        Value::List(items) => Json::Array(items.iter().map(|i| as_json(i, "")).collect()),
        Value::Map(entries) => Json::Object(
            entries
                .iter()
                .map(|(k, v)| (k.name.clone(), as_json(v, &k.name)))
                .collect(),
        ),
    }
}

/// The first occurrence of every key path (list positions counted as one),
/// as the indices to reach it.
fn paths(json: &Json) -> Vec<Vec<PathStep>> {
    let mut seen = std::collections::BTreeSet::new();
    let mut found = Vec::new();
    walk(
        json,
        &mut Vec::new(),
        &mut String::new(),
        &mut seen,
        &mut found,
    );
    found
}

#[derive(Clone, Debug)]
enum PathStep {
    Key(String),
    Index(usize),
}

fn walk(
    json: &Json,
    at: &mut Vec<PathStep>,
    pattern: &mut String,
    seen: &mut std::collections::BTreeSet<String>,
    found: &mut Vec<Vec<PathStep>>,
) {
    match json {
        Json::Object(map) => {
            for (key, value) in map {
                let before = pattern.len();
                pattern.push_str(&format!(".{key}"));
                at.push(PathStep::Key(key.clone()));
                if seen.insert(pattern.clone()) {
                    found.push(at.clone());
                }
                walk(value, at, pattern, seen, found);
                at.pop();
                pattern.truncate(before);
            }
        }
        Json::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                let before = pattern.len();
                pattern.push_str("[]");
                at.push(PathStep::Index(i));
                walk(item, at, pattern, seen, found);
                at.pop();
                pattern.truncate(before);
            }
        }
        _ => {}
    }
}

/// The variant of `json` with the key at `path` removed, or emptied.
fn variant(json: &Json, path: &[PathStep], remove: bool) -> Json {
    let mut copy = json.clone();
    let (last, parents) = path.split_last().unwrap();
    let mut here = &mut copy;
    for step in parents {
        here = match step {
            PathStep::Key(k) => &mut here[k.as_str()],
            PathStep::Index(i) => &mut here[*i],
        };
    }
    let PathStep::Key(key) = last else {
        unreachable!("paths end at keys")
    };
    let object = here.as_object_mut().unwrap();
    if remove {
        object.remove(key);
    } else if let Some(value) = object.get_mut(key) {
        *value = match value {
            Json::Array(_) => Json::Array(Vec::new()),
            Json::Object(_) => Json::Object(serde_json::Map::new()),
            _ => Json::String(String::new()),
        };
    }
    copy
}

struct Pipeline {
    session: Session,
    typesetter: Typesetter,
}

impl Pipeline {
    fn new(templates: Option<&str>) -> Self {
        let store = TemplateStore::load(templates.map(|t| root().join(t)).as_deref()).unwrap();
        let session = Session::with_store(Path::new(""), store, &[]).unwrap();
        Self {
            typesetter: Typesetter::new(&session.setup).unwrap(),
            session,
        }
    }

    /// `None` when `check` refuses the text; else whether it built, and why not.
    fn check_then_build(&self, text: &str) -> Option<Result<(), String>> {
        let input = Input::from_bytes(Path::new("variant.yaml"), text.as_bytes().to_vec());
        let loaded = self.session.load(input).ok()?;
        if self.session.check(&loaded).iter().any(|d| d.is_error()) {
            return None;
        }
        let page = Page {
            date: "2023-01-01".to_owned(),
            index: "index.html".to_owned(),
            pdf: "t.pdf".to_owned(),
        };
        let built = self
            .session
            .render(&loaded, &page)
            .map_err(|found| format!("{found:?}"))
            .and_then(|main| {
                self.session
                    .typeset(&loaded, &page, &main, |main| self.typesetter.typeset(main))
                    .map(|_| ())
                    .map_err(|found| format!("{found:?}"))
            });
        Some(built)
    }
}

#[test]
fn whenever_check_passes_a_variant_of_an_example_build_succeeds() {
    let mut checked = 0;
    let mut built = 0;
    for (file, templates) in examples() {
        let pipeline = Pipeline::new(templates);
        let text = std::fs::read_to_string(&file).unwrap();
        let node = jixiao::node::parse(&text, serde_saphyr::Options::default()).unwrap();
        let json = as_json(&node, "");
        let variants: Vec<(String, String)> = paths(&json)
            .iter()
            .flat_map(|path| {
                [true, false].map(|remove| {
                    let how = if remove { "without" } else { "with an empty" };
                    (
                        format!("{} {how} {path:?}", file.display()),
                        serde_json::to_string(&variant(&json, path, remove)).unwrap(),
                    )
                })
            })
            .collect();
        checked += variants.len();
        let failures: Vec<String> = std::thread::scope(|scope| {
            let halves: Vec<_> = variants
                .chunks(variants.len().div_ceil(2).max(1))
                .map(|chunk| {
                    let pipeline = &pipeline;
                    scope.spawn(move || {
                        chunk
                            .iter()
                            .filter_map(|(name, text)| match pipeline.check_then_build(text)? {
                                Ok(()) => Some(Ok(())),
                                Err(why) => Some(Err(format!("{name}: {why}"))),
                            })
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            halves
                .into_iter()
                .flat_map(|h| h.join().unwrap())
                .filter_map(|r| {
                    if r.is_ok() {
                        built += 1;
                    }
                    r.err()
                })
                .collect()
        });
        assert!(
            failures.is_empty(),
            "passed check, failed to build:\n{}",
            failures.join("\n")
        );
    }
    println!("{checked} variants; {built} passed check and built");
    assert!(
        checked > 400 && built > 100,
        "{checked} variants, {built} built"
    );
}

/// Validates `instance` (JSON) under `schema` with Python's jsonschema, the
/// reference implementation of JSON Schema 2020-12; the errors, if any.
fn validate(schema: &Path, instance: &Json, name: &str) -> Vec<String> {
    let dir = scratch(&format!("schema-instance-{name}"));
    let file = dir.join("instance.json");
    std::fs::write(&file, serde_json::to_vec(instance).unwrap()).unwrap();
    let script = "import json, sys, jsonschema\n\
        schema = json.load(open(sys.argv[1]))\n\
        jsonschema.Draft202012Validator.check_schema(schema)\n\
        errors = list(jsonschema.Draft202012Validator(schema).iter_errors(json.load(open(sys.argv[2]))))\n\
        print('\\n'.join(f'{list(e.absolute_path)}: {e.message}' for e in errors))\n";
    let run = std::process::Command::new("python3")
        .args([
            "-c",
            script,
            schema.to_str().unwrap(),
            file.to_str().unwrap(),
        ])
        .output()
        .expect("python3 runs (make test installs jsonschema)");
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    String::from_utf8_lossy(&run.stdout)
        .lines()
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect()
}

/// The data file as the YAML language server reads it: YAML 1.2 values.
fn as_editor_reads(file: &Path) -> Json {
    serde_saphyr::from_str(&std::fs::read_to_string(file).unwrap()).unwrap()
}

#[test]
fn every_example_validates_under_its_form_schema_and_a_wrong_file_does_not() {
    let schemas = scratch("schemas");
    for templates in [COUNTY_TEMPLATES, GRID_TEMPLATES] {
        let out = schemas.to_str().unwrap();
        let run = jixiao(&["schema", "--templates", templates, "--out", out]);
        assert!(run.status.success(), "{}", stderr_of(&run));
    }
    for (i, (file, _)) in examples().into_iter().enumerate() {
        let instance = as_editor_reads(&file);
        let form = instance["form"].as_str().unwrap().to_owned();
        let first = std::fs::read_to_string(&file)
            .unwrap()
            .lines()
            .next()
            .unwrap_or_default()
            .to_owned();
        assert_eq!(
            first,
            format!("# yaml-language-server: $schema=../../schemas/{form}.schema.json"),
            "{}",
            file.display()
        );
        let schema = schemas.join(format!("{form}.schema.json"));
        let errors = validate(&schema, &instance, &format!("good-{i}"));
        assert!(errors.is_empty(), "{}: {errors:?}", file.display());
        let mut wrong = instance.clone();
        wrong.as_object_mut().unwrap().remove("title");
        wrong["titel"] = Json::from("x");
        wrong["year"] = Json::from("二〇二二");
        let errors = validate(&schema, &wrong, &format!("bad-{i}"));
        assert!(errors.len() >= 3, "{}: {errors:?}", file.display());
    }
    let grid = root().join("tests/fixtures/grid-form/data/2024/parks.yaml");
    let mut wrong = as_editor_reads(&grid);
    let sources = &mut wrong["projects"][0]["sources"];
    sources["单位自筹"]["上年"] = Json::from("5.00");
    sources["合计"].as_object_mut().unwrap().remove("本年");
    sources["合计 "] = Json::from("x");
    let errors = validate(&schemas.join("city-grid.schema.json"), &wrong, "bad-grid");
    assert_eq!(
        errors.len(),
        3,
        "a filled —— cell, a missing cell, a row the grid lacks: {errors:?}"
    );
}

#[test]
fn a_county_form_with_its_own_fields_is_added_without_rust() {
    let built = build("county", COUNTY_DATA, &["--templates", COUNTY_TEMPLATES]);
    let pdf = normalize(&pdf_content(&built.out.join("2023/county-water.pdf")));
    let html = normalize(&html_text(
        &std::fs::read_to_string(built.out.join("2023/county-water.html")).unwrap(),
    ));
    for printed in [
        "430000-101",
        "张某",
        "☑延续",
        "☐新增",
        "2023年度",
        "120.00",
        "80.50",
        "项目已列入县农村供水保障规划",
        "汛期暂停",
        "长期绩效指标",
        "≥36处",
        "年度绩效指标",
        "≥12处",
        "经审核，绩效目标合理，同意。",
        "赵某",
        "填报人：李某",
    ] {
        assert!(
            pdf.contains(&normalize(printed)),
            "{printed} is not in the PDF"
        );
        assert!(
            html.contains(&normalize(printed)),
            "{printed} is not in the page"
        );
    }
    let json: Json =
        serde_json::from_slice(&std::fs::read(built.out.join("2023/county-water.json")).unwrap())
            .unwrap();
    assert_eq!(json["projects"][0]["superior"], "120.00");
    assert_eq!(json["projects"][0]["schedule"][1]["note"], "汛期暂停");
    assert_eq!(json["finance_review"]["signer"], "赵某");
}

/// `jixiao check` of the county example as `edit` changes it.
fn check_county(
    name: &str,
    edit: impl Fn(String) -> String,
    extra: &[&str],
) -> std::process::Output {
    let dir = scratch(name);
    std::fs::create_dir_all(dir.join("2023")).unwrap();
    let text =
        std::fs::read_to_string(root().join(COUNTY_DATA).join("2023/county-water.yaml")).unwrap();
    std::fs::write(dir.join("2023/county-water.yaml"), edit(text)).unwrap();
    let mut args = vec![
        "check",
        "--data",
        dir.to_str().unwrap(),
        "--templates",
        COUNTY_TEMPLATES,
    ];
    args.extend(extra);
    jixiao(&args)
}

#[test]
fn the_rules_read_a_form_s_own_indicator_tables() {
    let run = check_county(
        "county-rules",
        |text| text.replacen("values: [≥36处]", "values: [≥0处]", 1),
        &["--format", "json"],
    );
    let found: Json = serde_json::from_slice(&run.stdout).unwrap();
    let codes: Vec<&str> = found
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["code"].as_str())
        .collect();
    assert!(codes.contains(&"cannot-fail"), "{codes:?}");
}

#[test]
fn a_missing_required_field_is_reported_with_its_path_and_the_others_too() {
    let run = check_county(
        "county-missing",
        |text| {
            text.replace("    leader: 张某\n", "")
                .replace("filler: 李某\n", "")
                .replace(
                    "    necessity:\n      - 全县仍有部分行政村供水保障水平不高，需巩固提升。\n",
                    "",
                )
        },
        &[],
    );
    assert!(!run.status.success());
    let errors = stderr_of(&run);
    for path in [
        "`filler`",
        "`projects[0].leader`",
        "`projects[0].necessity`",
    ] {
        assert!(errors.contains(path), "{path} not reported:\n{errors}");
    }
}

#[test]
fn forms_are_listed_and_a_new_file_starts_from_the_form() {
    let run = jixiao(&["forms", "--templates", COUNTY_TEMPLATES]);
    let listed = String::from_utf8_lossy(&run.stdout).into_owned();
    for form in [
        "chengde-rd",
        "dongguan-rd",
        "national",
        "panzhihua-renhe-rd",
        "shanghai-songjiang-rd",
        "wuxi-rd",
    ] {
        let line = listed
            .lines()
            .find(|l| l.starts_with(form))
            .unwrap_or_else(|| panic!("{listed}"));
        assert!(line.ends_with("(built in)"), "{line}");
    }
    assert!(
        listed
            .lines()
            .any(|l| l.starts_with("hunan-county") && l.contains("county-form")),
        "{listed}"
    );
    let dir = scratch("new-file");
    let file = dir.join("data/2026/my-office.yaml");
    let schemas = dir.join("schemas");
    let run = jixiao(&[
        "new",
        "--templates",
        COUNTY_TEMPLATES,
        "--form",
        "hunan-county",
        "--schemas",
        schemas.to_str().unwrap(),
        file.to_str().unwrap(),
    ]);
    assert!(run.status.success(), "{}", stderr_of(&run));
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(
        text.starts_with(
            "# yaml-language-server: $schema=../../schemas/hunan-county.schema.json\n"
        ),
        "{text}"
    );
    for field in [
        "项目负责人",
        "项目实施进度计划",
        "长期绩效指标",
        "财政局审核意见",
        "可选：新增、延续",
    ] {
        assert!(text.contains(field), "{field} missing:\n{text}");
    }
    let again = jixiao(&["new", "--form", "national", file.to_str().unwrap()]);
    assert!(!again.status.success() && stderr_of(&again).contains("exists already"));
}

/// Values the loader takes and refuses, set into the 2023 example where a
/// project's start, amount and the year stand: the editor (the schema under
/// jsonschema, as the YAML language server validates) marks exactly those
/// `check` refuses.
#[test]
fn the_editor_marks_the_values_the_loader_refuses() {
    let schemas = scratch("schemas-agree");
    let run = jixiao(&["schema", "--out", schemas.to_str().unwrap()]);
    assert!(run.status.success(), "{}", stderr_of(&run));
    let file = root().join("data/2023/example-office.yaml");
    let base = as_editor_reads(&file);
    let form = base["form"].as_str().unwrap().to_owned();
    let schema = schemas.join(format!("{form}.schema.json"));
    let cases: [(&str, Json, bool); 11] = [
        ("period", Json::from("2023年1-12月"), true),
        ("period", Json::from("2023年1～3月"), true),
        ("period", Json::from("2023年1月至12月"), true),
        ("period", Json::from("2023年13月"), false),
        ("period", Json::from("2023年第一季度"), false),
        ("amount", serde_json::json!(36.5), true),
        ("amount", Json::from("36.50"), true),
        ("amount", serde_json::json!(-36.5), false),
        ("amount", Json::from("1,234.00"), false),
        ("year", Json::from(2023), true),
        ("year", Json::from(20230), false),
    ];
    for (i, (what, value, takes)) in cases.into_iter().enumerate() {
        let mut instance = base.clone();
        let project = &mut instance["projects"][0];
        match what {
            "period" => project["start"] = value.clone(),
            "amount" => project["funds"]["total"] = value.clone(),
            _ => instance["year"] = value.clone(),
        }
        let marked = !validate(&schema, &instance, &format!("agree-{i}")).is_empty();
        assert_eq!(marked, !takes, "the editor on {what} {value}");
        let yaml = serde_json::to_string(&instance).unwrap();
        let dir = scratch(&format!("agree-data-{i}"));
        std::fs::write(dir.join("x.yaml"), &yaml).unwrap();
        let checked = jixiao(&["check", "--data", dir.to_str().unwrap(), "--format", "json"]);
        let found: Json = serde_json::from_slice(&checked.stdout).unwrap();
        let load_codes = ["bad-date", "bad-amount", "wrong-type", "bad-year"];
        let refused = found
            .as_array()
            .unwrap()
            .iter()
            .any(|f| load_codes.contains(&f["code"].as_str().unwrap_or_default()));
        assert_eq!(refused, !takes, "the loader on {what} {value}: {found}");
    }
}
