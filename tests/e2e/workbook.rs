//! `jixiao import` and `jixiao export`: workbooks in the long layout, as
//! budget systems export them, into data files that `check` and `build`
//! take; and a data folder out to a workbook and back, byte for byte.

use std::path::Path;
use std::process::Output;

use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};

use crate::common::*;

fn run(args: &[&str]) -> Output {
    jixiao(args)
}

fn ok(args: &[&str]) -> String {
    let run = run(args);
    assert!(
        run.status.success(),
        "jixiao {args:?} failed:\n{}{}",
        String::from_utf8_lossy(&run.stdout),
        stderr_of(&run)
    );
    String::from_utf8_lossy(&run.stdout).into_owned()
}

fn s(path: &Path) -> &str {
    path.to_str().unwrap()
}

fn yaml_files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    if !dir.exists() {
        return Vec::new();
    }
    files(dir)
        .into_iter()
        .filter(|(name, _)| name.ends_with(".yaml"))
        .collect()
}

/// Exports `data`, imports the workbook into a fresh folder, builds both,
/// and finds every PDF the same.
fn round_trip(name: &str, data: &str, templates: &[&str], original_out: &Path) {
    let dir = scratch(name);
    let xlsx = dir.join("data.xlsx");
    let mut args = vec!["export", "--data", data, "--xlsx", s(&xlsx)];
    args.extend(templates);
    ok(&args);
    let imported = dir.join("data");
    let mut args = vec!["import", s(&xlsx), "--out", s(&imported)];
    args.extend(templates);
    ok(&args);
    let original: Vec<String> = yaml_files(&root().join(data))
        .into_iter()
        .map(|(n, _)| n)
        .collect();
    let back: Vec<String> = yaml_files(&imported).into_iter().map(|(n, _)| n).collect();
    assert_eq!(original, back, "the same data files come back");
    let out = dir.join("out");
    let built = build_into(&imported, &out, templates);
    assert!(built.status.success(), "{}", stderr_of(&built));
    let pdfs: Vec<(String, Vec<u8>)> = files(original_out)
        .into_iter()
        .filter(|(n, _)| n.ends_with(".pdf"))
        .collect();
    assert!(!pdfs.is_empty());
    for (pdf, bytes) in pdfs {
        let again = std::fs::read(out.join(&pdf)).unwrap_or_default();
        assert!(again == bytes, "{pdf} differs after export and import");
    }
    let mut args = vec!["import", s(&xlsx), "--out", s(&imported)];
    args.extend(templates);
    let twice = ok(&args);
    let (files, sum) = twice.trim_end().rsplit_once('\n').unwrap();
    assert!(
        files.lines().all(|l| l.starts_with("unchanged ")),
        "{twice}"
    );
    let unchanged = format!("0 new, 0 replaced, {} unchanged", original.len());
    assert!(sum.ends_with(&unchanged), "{twice}");
}

#[test]
fn every_document_of_data_comes_back_from_its_export_byte_for_byte() {
    round_trip("workbook-data", "data", &[], &built().out);
}

#[test]
fn the_county_form_comes_back_from_its_export_byte_for_byte() {
    let templates = ["--templates", "tests/fixtures/county-form/templates"];
    let original = build(
        "workbook-county-original",
        "tests/fixtures/county-form/data",
        &templates,
    );
    round_trip(
        "workbook-county",
        "tests/fixtures/county-form/data",
        &templates,
        &original.out,
    );
}

/// Forms whose tables have columns of their own (上年度实际水平, 参考标准,
/// 本年度计划水平) and a fixed money grid come back too.
#[test]
fn forms_with_their_own_columns_and_grids_come_back_from_their_export() {
    for fixture in ["province-form", "grid-form"] {
        let templates = format!("tests/fixtures/{fixture}/templates");
        let data = format!("tests/fixtures/{fixture}/data");
        let templates = ["--templates", templates.as_str()];
        let original = build(&format!("workbook-{fixture}-original"), &data, &templates);
        round_trip(
            &format!("workbook-{fixture}"),
            &data,
            &templates,
            &original.out,
        );
    }
}

const HEADINGS: [&str; 11] = [
    "预算单位",
    "预算年度",
    "标题",
    "项目名称",
    "资金总额",
    "金额单位",
    "开始时间",
    "一级指标",
    "二级指标",
    "三级指标",
    "年度指标值",
];

/// One department's project, a row per 三级指标: the amount and the date
/// as numbers with their formats, the rate as a per-cent number.
struct Department {
    name: &'static str,
    amount: (f64, &'static str),
    project: &'static str,
}

const DEPARTMENTS: [Department; 2] = [
    Department {
        name: "某市某局",
        amount: (921.829_999_999_999_9, "0.00"),
        project: "信息系统运行维护",
    },
    Department {
        name: "某市某所",
        amount: (10606.7522, "0.0000"),
        project: "办公设备购置",
    },
];

const INDICATORS: [(&str, &str, &str, &str); 4] = [
    ("产出指标", "数量指标", "运维系统数量", "=6个"),
    ("产出指标", "质量指标", "系统可用率", "0.99"),
    ("效益指标", "社会效益指标", "业务连续性", "有效保障"),
    ("满意度指标", "服务对象满意度指标", "使用人员满意度", "≥90%"),
];

/// A long-layout workbook as a budget system writes it; `change` alters a
/// cell before it is saved (row, column, text).
fn long_workbook(path: &Path, change: Option<(u32, u16, &str)>, merge: bool) {
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.set_name("项目绩效").unwrap();
    for (col, heading) in HEADINGS.iter().enumerate() {
        sheet.write_string(0, col as u16, *heading).unwrap();
    }
    let date = Format::new().set_num_format("yyyy\"年\"m\"月\"d\"日\"");
    let percent = Format::new().set_num_format("0%");
    let mut row = 1;
    for department in &DEPARTMENTS {
        for (level1, level2, name, value) in INDICATORS {
            sheet.write_string(row, 0, department.name).unwrap();
            sheet.write_number(row, 1, 2023).unwrap();
            sheet
                .write_string(row, 2, format!("{}2023年项目支出绩效目标", department.name))
                .unwrap();
            sheet.write_string(row, 3, department.project).unwrap();
            let amount = Format::new().set_num_format(department.amount.1);
            sheet
                .write_number_with_format(row, 4, department.amount.0, &amount)
                .unwrap();
            sheet.write_string(row, 5, "万元").unwrap();
            let start = ExcelDateTime::from_ymd(2023, 1, 1).unwrap();
            sheet
                .write_datetime_with_format(row, 6, &start, &date)
                .unwrap();
            sheet.write_string(row, 7, level1).unwrap();
            sheet.write_string(row, 8, level2).unwrap();
            sheet.write_string(row, 9, name).unwrap();
            match value.parse::<f64>() {
                Ok(rate) => sheet
                    .write_number_with_format(row, 10, rate, &percent)
                    .unwrap(),
                Err(_) => sheet.write_string(row, 10, value).unwrap(),
            };
            row += 1;
        }
    }
    if let Some((row, col, text)) = change {
        sheet.write_string(row, col, text).unwrap();
    }
    if merge {
        sheet
            .merge_range(4, 7, 5, 7, "满意度指标", &Format::new())
            .unwrap();
    }
    workbook.save(path).unwrap();
}

fn import_into(dir: &Path, workbook: &Path, extra: &[&str]) -> Output {
    let out = dir.join("data");
    let mut args = vec![
        "import",
        s(workbook),
        "--form",
        "national",
        "--out",
        s(&out),
    ];
    args.extend(extra);
    run(&args)
}

#[test]
fn a_long_workbook_is_taken_as_its_cells_show() {
    let dir = scratch("workbook-long");
    let xlsx = dir.join("targets.xlsx");
    long_workbook(&xlsx, None, false);
    let first = import_into(&dir, &xlsx, &[]);
    assert!(first.status.success(), "{}", stderr_of(&first));
    let written = yaml_files(&dir.join("data"));
    let names: Vec<&str> = written.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["2023/某市某局.yaml", "2023/某市某所.yaml"]);
    let bureau = String::from_utf8(written[0].1.clone()).unwrap();
    for expected in [
        "total: '921.83'",
        "start: '2023-01-01'",
        "- '99%'",
        "- name: '运维系统数量'",
        "department: '某市某局'",
    ] {
        assert!(bureau.contains(expected), "{expected} missing:\n{bureau}");
    }
    let institute = String::from_utf8(written[1].1.clone()).unwrap();
    assert!(institute.contains("total: '10606.7522'"), "{institute}");
    let data = dir.join("data");
    ok(&["check", "--data", s(&data)]);
    let again = import_into(&dir, &xlsx, &[]);
    assert!(again.status.success());
    assert_eq!(
        yaml_files(&data),
        written,
        "the same workbook writes the same bytes"
    );
}

#[test]
fn a_changed_workbook_never_silently_replaces_a_data_file() {
    let dir = scratch("workbook-overwrite");
    let xlsx = dir.join("targets.xlsx");
    long_workbook(&xlsx, None, false);
    assert!(import_into(&dir, &xlsx, &[]).status.success());
    let before = yaml_files(&dir.join("data"));
    long_workbook(&xlsx, Some((1, 9, "运维系统台数")), false);
    let refused = import_into(&dir, &xlsx, &[]);
    assert!(!refused.status.success());
    let error = stderr_of(&refused);
    assert!(
        error.contains("--force") && error.contains("+ ") && error.contains("运维系统台数"),
        "{error}"
    );
    assert_eq!(yaml_files(&dir.join("data")), before, "nothing was written");
    let forced = import_into(&dir, &xlsx, &["--force"]);
    assert!(forced.status.success(), "{}", stderr_of(&forced));
    let said = String::from_utf8_lossy(&forced.stdout);
    assert!(
        said.contains("replaced") && said.contains("- name: '运维系统台数'"),
        "{said}"
    );
}

/// A broken workbook's error, which must name `cell` and write nothing.
fn refused_at(name: &str, change: Option<(u32, u16, &str)>, merge: bool, cell: &str, words: &str) {
    let dir = scratch(name);
    let xlsx = dir.join("targets.xlsx");
    long_workbook(&xlsx, change, merge);
    let run = import_into(&dir, &xlsx, &[]);
    assert!(!run.status.success());
    let error = stderr_of(&run);
    assert!(
        error.contains(&format!("{cell}: ")) && error.contains(words),
        "{error}"
    );
    assert!(
        yaml_files(&dir.join("data")).is_empty(),
        "nothing is written"
    );
}

#[test]
fn a_bad_amount_is_an_error_at_its_cell() {
    refused_at(
        "workbook-bad-amount",
        Some((2, 4, "36.5万元")),
        false,
        "项目绩效!E3",
        "资金总额",
    );
}

#[test]
fn a_missing_department_name_is_an_error_at_its_cell() {
    refused_at(
        "workbook-no-department",
        Some((3, 0, " ")),
        false,
        "项目绩效!A4",
        "department name",
    );
}

#[test]
fn an_unknown_heading_is_an_error_at_its_cell() {
    refused_at(
        "workbook-unknown-heading",
        Some((0, 11, "联系电话")),
        false,
        "项目绩效!L1",
        "联系电话",
    );
}

#[test]
fn a_merged_cell_over_two_departments_is_an_error_at_its_cell() {
    refused_at(
        "workbook-merged",
        None,
        true,
        "项目绩效!H5",
        "two departments",
    );
}

#[test]
fn data_that_check_would_refuse_is_an_error_at_its_cell() {
    refused_at(
        "workbook-review-error",
        Some((2, 10, "0.99")),
        false,
        "项目绩效!K3",
        "“0.99”只有数字，没有计量单位 [bare-number]",
    );
}

/// The long layout as CSV text.
fn csv_text() -> String {
    let mut text = HEADINGS.join(",") + "\n";
    for department in &DEPARTMENTS {
        for (level1, level2, name, value) in INDICATORS {
            let value = if value == "0.99" { "99%" } else { value };
            let amount = if department.amount.1 == "0.00" {
                "921.83"
            } else {
                "10606.7522"
            };
            text.push_str(&format!(
                "{},2023,{}2023年项目支出绩效目标,{},{amount},万元,2023-01-01,{level1},{level2},{name},{value}\n",
                department.name, department.name, department.project
            ));
        }
    }
    text
}

#[test]
fn csv_in_gbk_and_in_utf8_with_a_bom_give_the_files_the_workbook_gives() {
    let dir = scratch("workbook-csv");
    let text = csv_text();
    let (gbk, _, _) = encoding_rs::GBK.encode(&text);
    let bom = [b"\xEF\xBB\xBF".as_slice(), text.as_bytes()].concat();
    let mut results = Vec::new();
    for (kind, bytes) in [("gbk", gbk.into_owned()), ("bom", bom)] {
        let folder = dir.join(kind);
        std::fs::create_dir_all(&folder).unwrap();
        let csv = folder.join("targets.csv");
        std::fs::write(&csv, bytes).unwrap();
        let run = import_into(&folder, &csv, &[]);
        assert!(run.status.success(), "{kind}: {}", stderr_of(&run));
        results.push(yaml_files(&folder.join("data")));
    }
    assert_eq!(results[0], results[1]);
    assert_eq!(results[0].len(), 2);
    let text = String::from_utf8(results[0][0].1.clone()).unwrap();
    assert!(
        text.contains("total: '921.83'") && text.contains("department: '某市某局'"),
        "{text}"
    );
}

/// The data files' text without their comment lines, which name the workbook.
fn contents(files: Vec<(String, Vec<u8>)>) -> Vec<(String, String)> {
    files
        .into_iter()
        .map(|(name, bytes)| {
            let text = String::from_utf8(bytes).unwrap();
            let kept: Vec<&str> = text.lines().filter(|l| !l.starts_with('#')).collect();
            (name, kept.join("\n"))
        })
        .collect()
}

/// `workbook` saved again by LibreOffice as `kind` into `folder`.
fn libreoffice(workbook: &Path, kind: &str, folder: &Path) -> std::path::PathBuf {
    let profile = folder.join("profile");
    let profile = format!("-env:UserInstallation=file://{}", s(&profile));
    let args = [
        "--headless",
        &profile,
        "--convert-to",
        kind,
        "--outdir",
        s(folder),
        s(workbook),
    ];
    let convert = tool("soffice", &args);
    assert!(convert.status.success(), "{}", stderr_of(&convert));
    let stem = workbook.file_stem().unwrap().to_str().unwrap();
    folder.join(format!("{stem}.{kind}"))
}

/// The long workbook saved again by LibreOffice, as an office saves it:
/// shared strings, its own styles and number formats, dates as serial
/// numbers; as .xlsx, .ods and .xls.
#[test]
fn workbooks_saved_by_libreoffice_give_the_same_data_files() {
    let dir = scratch("workbook-libreoffice");
    let source = dir.join("targets.xlsx");
    long_workbook(&source, None, false);
    let direct = dir.join("direct");
    assert!(import_into(&direct, &source, &[]).status.success());
    let expected = contents(yaml_files(&direct.join("data")));
    for kind in ["xlsx", "ods", "xls"] {
        let saved = dir.join(kind);
        let workbook = libreoffice(&source, kind, &saved);
        let run = import_into(&saved, &workbook, &[]);
        assert!(run.status.success(), "{kind}: {}", stderr_of(&run));
        let got = contents(yaml_files(&saved.join("data")));
        assert_eq!(got, expected, "{kind}");
    }
}

/// A `.xls` as LibreOffice saves it shows its numbers in their formats:
/// read from its BIFF records, which calamine does not hand over.
#[test]
fn a_xls_cell_shows_its_number_format() {
    let dir = scratch("workbook-xls-formats");
    let source = dir.join("formats.xlsx");
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.set_name("格式").unwrap();
    let cells: [(f64, Option<&str>, &str); 7] = [
        (0.95, Some("0%"), "95%"),
        (0.985, Some("0.0%"), "98.5%"),
        (921.829_999_999_999_9, Some("0.00"), "921.83"),
        (10606.7522, Some("0.0000"), "10606.7522"),
        (36.0, Some("0.00"), "36.00"),
        (1449000.0, Some("#,##0.00"), "1,449,000.00"),
        (12.5, None, "12.5"),
    ];
    for (row, (value, code, _)) in cells.iter().enumerate() {
        let format = code.map_or_else(Format::new, |c| Format::new().set_num_format(c));
        sheet
            .write_number_with_format(row as u32, 0, *value, &format)
            .unwrap();
    }
    let date = Format::new().set_num_format("yyyy\"年\"m\"月\"d\"日\"");
    let start = ExcelDateTime::from_ymd(2023, 3, 5).unwrap();
    sheet
        .write_datetime_with_format(7, 0, &start, &date)
        .unwrap();
    workbook.save(&source).unwrap();
    let xls = libreoffice(&source, "xls", &dir.join("xls"));
    let grids = jixiao::workbook::read_workbook(&xls).unwrap();
    let shown: Vec<&str> = (0..8).map(|row| grids[0].cell(row, 0)).collect();
    let mut expected: Vec<&str> = cells.iter().map(|(_, _, shown)| *shown).collect();
    expected.push("2023年3月5日");
    assert_eq!(grids[0].name, "格式");
    assert_eq!(shown, expected);
    assert_eq!(grids[0].date(7, 0), Some("2023-03-05"));
}

/// A project's sheet laid out like the printed 申报表: label cells with
/// their values beside them, and the indicator rows under their headings,
/// 一级 and 二级 merged over their rows.
fn form_sheet(
    workbook: &mut Workbook,
    name: &str,
    project: &str,
    amount: f64,
    indicators: &[(&str, &str, &str, &str)],
) {
    let sheet = workbook.add_worksheet();
    sheet.set_name(name).unwrap();
    let plain = Format::new();
    sheet
        .merge_range(0, 0, 0, 4, &format!("{project}绩效目标表"), &plain)
        .unwrap();
    for (row, label, value) in [
        (1, "部门名称", "某市某局"),
        (2, "标题", "某市某局2023年度预算绩效目标"),
        (3, "项目名称", project),
        (4, "金额单位", "万元"),
    ] {
        sheet.write_string(row, 0, label).unwrap();
        sheet.write_string(row, 1, value).unwrap();
    }
    sheet.write_string(1, 2, "预算年度：").unwrap();
    sheet.write_number(1, 3, 2023).unwrap();
    sheet.write_string(3, 2, "资金总额（万元）").unwrap();
    sheet
        .write_number_with_format(3, 3, amount, &Format::new().set_num_format("0.00"))
        .unwrap();
    for (col, heading) in ["一级指标", "二级指标", "三级指标", "年度指标值"]
        .iter()
        .enumerate()
    {
        sheet.write_string(5, col as u16 + 1, *heading).unwrap();
    }
    let last = 5 + indicators.len() as u32;
    sheet
        .merge_range(5, 0, last, 0, "绩效指标", &plain)
        .unwrap();
    let mut start = 6;
    for (i, (level1, level2, name, value)) in indicators.iter().enumerate() {
        let row = 6 + i as u32;
        sheet.write_string(row, 2, *level2).unwrap();
        sheet.write_string(row, 3, *name).unwrap();
        sheet.write_string(row, 4, *value).unwrap();
        let next = indicators.get(i + 1).map(|n| n.0);
        if next != Some(*level1) {
            if row > start {
                sheet.merge_range(start, 1, row, 1, level1, &plain).unwrap();
            } else {
                sheet.write_string(row, 1, *level1).unwrap();
            }
            start = row + 1;
        }
    }
}

#[test]
fn sheets_laid_out_like_the_printed_form_are_read_by_their_labels() {
    let dir = scratch("workbook-form-layout");
    let xlsx = dir.join("申报表.xlsx");
    let mut workbook = Workbook::new();
    let rows = [
        ("产出指标", "数量指标", "运维系统数量", "=6个"),
        ("产出指标", "质量指标", "系统可用率", "≥99%"),
        ("效益指标", "社会效益指标", "业务连续性", "有效保障"),
        ("满意度指标", "服务对象满意度指标", "使用人员满意度", "≥90%"),
    ];
    form_sheet(&mut workbook, "项目1", "信息系统运行维护", 36.5, &rows);
    form_sheet(&mut workbook, "项目2", "办公设备购置", 12.0, &rows);
    workbook.save(&xlsx).unwrap();
    let run = import_into(&dir, &xlsx, &[]);
    assert!(run.status.success(), "{}", stderr_of(&run));
    let written = yaml_files(&dir.join("data"));
    assert_eq!(written.len(), 1, "one department");
    let text = String::from_utf8(written[0].1.clone()).unwrap();
    for expected in [
        "- name: '信息系统运行维护'\n    title: '信息系统运行维护绩效目标表'",
        "- name: '办公设备购置'",
        "total: '36.50'",
        "total: '12.00'",
        "- name: '产出指标'\n          groups:\n            - name: '数量指标'",
        "- name: '质量指标'",
    ] {
        assert!(text.contains(expected), "{expected} missing:\n{text}");
    }
    assert_eq!(text.matches("- name: '产出指标'").count(), 2, "{text}");
    let expected = contents(written);
    for kind in ["xlsx", "ods"] {
        let saved = dir.join(kind);
        let workbook = libreoffice(&xlsx, kind, &saved);
        let run = import_into(&saved, &workbook, &[]);
        assert!(run.status.success(), "{kind}: {}", stderr_of(&run));
        let got = contents(yaml_files(&saved.join("data")));
        assert_eq!(
            got, expected,
            "{kind}: merged ranges as LibreOffice saves them"
        );
    }
}
