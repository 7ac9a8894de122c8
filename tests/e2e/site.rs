//! Publishing-grade output: archival PDFs with metadata, the same bytes on
//! every build, checksums, data as JSON, an index of every department, and
//! a failed department that leaves its previous outputs alone.

use std::path::Path;

use crate::common::*;

fn pdfs(dir: &Path) -> Vec<std::path::PathBuf> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .map(Result::unwrap)
        .filter(|e| e.path().extension().is_some_and(|x| x == "pdf"))
        .map(|e| e.into_path())
        .collect()
}

#[test]
fn every_pdf_passes_qpdf_and_declares_pdf_a_2b_and_pdf_ua_1() {
    let mut checked = 0;
    for pdf in pdfs(&built().out) {
        let path = pdf.to_str().unwrap();
        let qpdf = tool("qpdf", &["--check", path]);
        assert!(
            String::from_utf8_lossy(&qpdf.stdout).contains("No syntax or stream encoding errors")
        );
        let meta = String::from_utf8(tool("pdfinfo", &["-meta", path]).stdout).unwrap();
        for needle in [
            "<pdfaid:part>2</pdfaid:part>",
            "<pdfaid:conformance>B</pdfaid:conformance>",
            "<pdfuaid:part>1</pdfuaid:part>",
            "<rdf:li>zh-CN</rdf:li>",
        ] {
            assert!(meta.contains(needle), "{path} lacks {needle}");
        }
        let info = String::from_utf8(tool("pdfinfo", &[path]).stdout).unwrap();
        for field in [
            "Title:",
            "Author:",
            "Subject:",
            "Keywords:",
            "CreationDate:",
        ] {
            assert!(
                info.lines()
                    .any(|l| l.starts_with(field) && l.len() > field.len() + 4),
                "{path} lacks {field}\n{info}"
            );
        }
        assert!(
            info.contains("Tagged:          yes"),
            "{path} is not tagged"
        );
        checked += 1;
    }
    assert_eq!(checked, 6);
}

#[test]
fn the_document_date_comes_from_the_data_then_source_date_epoch() {
    let info =
        |pdf: &Path| String::from_utf8(tool("pdfinfo", &[pdf.to_str().unwrap()]).stdout).unwrap();
    assert!(
        info(&built().out.join("2023/example-office.pdf")).contains("Mon Feb 20 00:00:00 2023")
    );
    assert!(info(&built().out.join("2022/dongguan-rd.pdf")).contains("Sat Jan  1 00:00:00 2022"));
    let out = scratch("epoch");
    let run = std::process::Command::new(env!("CARGO_BIN_EXE_jixiao"))
        .args(["build", "--data", "data", "--out", out.to_str().unwrap()])
        .env("SOURCE_DATE_EPOCH", "1656547200")
        .current_dir(root())
        .output()
        .unwrap();
    assert!(run.status.success());
    assert!(info(&out.join("2022/dongguan-rd.pdf")).contains("Thu Jun 30 00:00:00 2022"));
}

#[test]
fn the_same_inputs_give_the_same_bytes() {
    let one = build("repro-one", "data", &["--force"]);
    let two = build("repro-two", "data", &["--force"]);
    let (one, two) = (files(&one.out), files(&two.out));
    assert!(one.len() >= 17, "{} files", one.len());
    for ((name_one, bytes_one), (name_two, bytes_two)) in one.iter().zip(&two) {
        assert_eq!(name_one, name_two);
        assert!(
            bytes_one == bytes_two,
            "{name_one} differs between two builds"
        );
    }
}

#[test]
fn sha256sums_covers_every_published_file_and_checks() {
    let out = &built().out;
    assert_checksums_describe(out);
}

#[test]
fn each_document_has_its_validated_data_as_json() {
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(built().out.join("2022/dongguan-rd.json")).unwrap())
            .unwrap();
    assert_eq!(json["department"], "东莞市人民代表大会常务委员会办公室");
    assert_eq!(
        json["department_target"]["other_tasks"][0]["amount"],
        "1449000.00"
    );
    assert_eq!(
        json["department_target"]["indicators"]["groups"][0]["groups"][1]["items"][0]["values"][0],
        "≥90%"
    );
}

/// The `href`s of an HTML page, entities decoded.
fn hrefs(html: &str) -> Vec<String> {
    html.split("href=\"")
        .skip(1)
        .filter_map(|rest| {
            rest.split_once('"')
                .map(|(href, _)| html_text(href).trim().to_owned())
        })
        .collect()
}

#[test]
fn the_index_lists_every_department_and_every_link_resolves() {
    let out = &built().out;
    let index = std::fs::read_to_string(out.join("index.html")).unwrap();
    for department in [
        "东莞市人民代表大会常务委员会办公室",
        "攀枝花市仁和区人大常委会办公室",
        "承德市人大常委会",
        "上海市松江区人民代表大会常务委员会办公室",
        "无锡市人民代表大会常务委员会办公室",
    ] {
        assert!(index.contains(department), "{department} not listed");
    }
    assert!(index.contains("2022年度") && index.contains(r#"type="search""#));
    // The amount is the department's budget as its document states it, and
    // nothing else: not a sum of project funds (松江's 296.00) nor of 东莞's
    // other tasks, which are not projects either.
    assert!(index.contains("部门预算：文件所列的部门年度财政拨款总额"));
    for (department, projects, budget) in [
        ("承德市人大常委会", 8, None),
        ("东莞市人民代表大会常务委员会办公室", 0, None),
        ("攀枝花市仁和区人大常委会办公室", 6, Some("921.83")),
        ("上海市松江区人民代表大会常务委员会办公室", 5, None),
        ("无锡市人民代表大会常务委员会办公室", 10, None),
    ] {
        let row = index
            .split("<tr ")
            .find(|row| row.contains(&format!(r#"data-label="部门（单位）">{department}<"#)))
            .unwrap_or_else(|| panic!("no row for {department}"));
        assert!(
            row.contains(&format!(r#"data-label="项目数">{projects}<"#)),
            "{department}: {row}"
        );
        let amount = match budget {
            Some(budget) => format!(r#"data-label="部门预算（万元）">{budget}<"#),
            None => "未列部门预算".to_owned(),
        };
        assert!(row.contains(&amount), "{department}: {row}");
    }
    let links = hrefs(&index);
    assert_eq!(links.len(), 6 * 4, "{links:?}");
    for link in &links {
        assert!(out.join(link).is_file(), "{link} does not resolve");
    }
    let page = std::fs::read_to_string(out.join("2022/dongguan-rd.html")).unwrap();
    let back: Vec<String> = hrefs(&page);
    assert_eq!(back, ["../index.html", "dongguan-rd.pdf"]);
    assert!(out.join("2022").join(&back[0]).is_file());
}

#[test]
fn a_failing_department_keeps_its_previous_outputs_and_fails_the_build() {
    let data = scratch("keep-data");
    copy_seed("dongguan-rd.yaml", &data.join("good.yaml"));
    copy_seed("wuxi-rd.yaml", &data.join("other.yaml"));
    let out = scratch("keep-out");
    let build = || build_into(&data, &out, &["--force", "--format", "json"]);
    assert!(build().status.success());
    let before = files(&out);
    let yaml = std::fs::read_to_string(data.join("good.yaml")).unwrap();
    std::fs::write(
        data.join("good.yaml"),
        yaml.replace("year: 2022", "year: [2022"),
    )
    .unwrap();
    let run = build();
    assert!(!run.status.success());
    let summary = summary_of(&run);
    assert!(
        counts(&summary).2 == 1 && findings_of(&summary).contains("good.yaml"),
        "{summary}"
    );
    let after = files(&out);
    let kept = |name: &str| {
        before.iter().find(|(n, _)| n == name) == after.iter().find(|(n, _)| n == name)
    };
    for name in ["good.pdf", "good.html", "good.json", "SHA256SUMS"] {
        assert!(kept(name), "{name} changed");
    }
    assert!(after.iter().all(|(name, _)| !name.contains(".tmp")));
}

/// Every `<h2>` of a page names what it heads: no two are alike (ten of
/// 无锡's projects share one printed title, and each heading names its
/// project).
#[test]
fn no_two_headings_of_a_page_are_alike() {
    let out = &built().out;
    for page in [
        "2022/wuxi-rd",
        "2022/panzhihua-renhe-rd",
        "2022/shanghai-songjiang-rd",
        "2023/example-office",
    ] {
        let html = std::fs::read_to_string(out.join(format!("{page}.html"))).unwrap();
        let headings: Vec<String> = html
            .split("<h2")
            .skip(1)
            .filter_map(|h| {
                h.split_once('>')
                    .and_then(|(_, rest)| rest.split_once("</h2>"))
            })
            .map(|(text, _)| html_text(text).trim().to_owned())
            .collect();
        let mut seen = std::collections::BTreeSet::new();
        let twice: Vec<&String> = headings.iter().filter(|h| !seen.insert(*h)).collect();
        assert!(
            headings.len() >= 3 && twice.is_empty(),
            "{page}: {twice:?} in {headings:?}"
        );
    }
}
