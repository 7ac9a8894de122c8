//! The seeds as an office would attach them: tables that break like a 公文,
//! titles cut between words, no space between digits and hanzi, GB/T 9704
//! page numbers, and a PDF whose bookmarks and tags carry its structure.
//! Read back from the real PDFs with poppler and qpdf.

use std::path::{Path, PathBuf};

use crate::common::*;

const SEEDS: [&str; 5] = [
    "chengde-rd",
    "dongguan-rd",
    "panzhihua-renhe-rd",
    "shanghai-songjiang-rd",
    "wuxi-rd",
];

fn pdf(seed: &str) -> PathBuf {
    built().out.join(format!("2022/{seed}.pdf"))
}

/// Each page's lines, page numbers and blank lines left out.
fn pages(pdf: &Path) -> Vec<Vec<String>> {
    pdf_text(pdf)
        .split('\u{c}')
        .map(|page| {
            page.lines()
                .map(str::trim)
                .filter(|l| !l.is_empty() && !is_page_number(l))
                .map(str::to_owned)
                .collect::<Vec<_>>()
        })
        .filter(|page| !page.is_empty())
        .collect()
}

/// The words of a column header that a table repeats on every page it is on.
const COLUMN_HEADINGS: [&str; 4] = ["一级指标", "序号", "名称", "绩效指标"];

#[test]
fn a_continued_table_names_itself_at_the_top_of_every_continuation_page() {
    let mut continued = 0;
    for seed in SEEDS {
        for (number, page) in pages(&pdf(seed)).iter().enumerate() {
            let first = &page[0];
            assert!(
                !COLUMN_HEADINGS.contains(&first.as_str()),
                "{seed} p.{}: starts with its column header and no table name: {page:?}",
                number + 1
            );
            let top = page[..2.min(page.len())].concat();
            let marks = page.concat().matches("（续表）").count();
            if marks > 0 {
                continued += 1;
                assert!(
                    top.contains("（续表）") && marks == 1,
                    "{seed} p.{}: （续表） off the top of the page: {page:?}",
                    number + 1
                );
            }
        }
    }
    assert!(continued >= 10, "only {continued} continuation pages");
}

#[test]
fn no_page_ends_with_a_heading_or_a_table_header_alone() {
    for seed in SEEDS {
        let headings = bookmarks(&pdf(seed));
        for (number, page) in pages(&pdf(seed)).iter().enumerate() {
            let last = page.last().unwrap();
            assert!(
                !headings.contains(last)
                    && !COLUMN_HEADINGS.contains(&last.as_str())
                    && !["指标值", "三级指标", "二级指标", "（2022年度）", "2022年度"]
                        .contains(&last.as_str()),
                "{seed} p.{} ends with {last:?}: {page:?}",
                number + 1
            );
        }
    }
}

#[test]
fn titles_break_between_words_into_balanced_lines() {
    let wuxi = &pages(&pdf("wuxi-rd"))[0];
    assert_eq!(
        wuxi[..3],
        [
            "无锡市人民代表大会常务委员会",
            "办公室（本级）2022年部门",
            "单位整体支出预算绩效目标表"
        ]
    );
    let dongguan = &pages(&pdf("dongguan-rd"))[0];
    assert_eq!(
        dongguan[..2],
        [
            "2022年东莞市人民代表大会常务委员会",
            "办公室部门整体支出绩效目标批复情况"
        ]
    );
}

/// The numbers the data writes straight before a hanzi: 2022年, 379名.
fn numbers_before_hanzi(data: &str) -> Vec<String> {
    let chars: Vec<char> = data.chars().collect();
    let hanzi = |c: char| ('\u{4e00}'..='\u{9fff}').contains(&c);
    let mut found = Vec::new();
    for (at, pair) in chars.windows(2).enumerate() {
        if pair[0].is_ascii_digit() && hanzi(pair[1]) {
            let start = chars[..at]
                .iter()
                .rposition(|c| !c.is_ascii_digit())
                .map_or(0, |p| p + 1);
            found.push(chars[start..=at + 1].iter().collect());
        }
    }
    found
}

#[test]
fn digits_and_hanzi_are_set_without_a_space_between_them() {
    for seed in SEEDS {
        let data = std::fs::read_to_string(root().join(format!("data/2022/{seed}.yaml"))).unwrap();
        // Comments and waivers' reasons are not printed.
        let data: String = data
            .lines()
            .filter(|l| !l.trim_start().starts_with('#') && !l.contains("why:"))
            .map(|l| l.split(" # ").next().unwrap_or(l))
            .collect::<Vec<_>>()
            .join("\n");
        let text: String = pdf_content(&pdf(seed)).lines().collect();
        let numbers = numbers_before_hanzi(&data);
        let spaced: Vec<&String> = numbers
            .iter()
            .filter(|n| !text.contains(n.as_str()))
            .collect();
        assert!(
            numbers.len() >= 3 && spaced.is_empty(),
            "{seed}: {spaced:?} of {numbers:?}"
        );
    }
}

/// The horizontal middle of the page number on `page`, and the page width.
fn page_number_x(pdf: &Path, page: u32) -> (f64, f64) {
    let n = page.to_string();
    let out = tool(
        "pdftotext",
        &["-bbox", "-f", &n, "-l", &n, pdf.to_str().unwrap(), "-"],
    );
    let html = String::from_utf8(out.stdout).unwrap();
    let number = |attrs: &str, name: &str| -> f64 {
        attrs
            .split(&format!(r#"{name}=""#))
            .nth(1)
            .and_then(|r| r.split('"').next())
            .and_then(|v| v.parse().ok())
            .unwrap()
    };
    let width = number(html.split("<page").nth(1).unwrap(), "width");
    let word = html
        .split("<word")
        .skip(1)
        .filter(|w| {
            w.split('>')
                .nth(1)
                .is_some_and(|t| t.starts_with(&format!("{n}<")))
        })
        .max_by(|a, b| number(a, "yMin").total_cmp(&number(b, "yMin")))
        .unwrap_or_else(|| panic!("no page number on page {page}"));
    ((number(word, "xMin") + number(word, "xMax")) / 2.0, width)
}

#[test]
fn page_numbers_sit_at_the_outer_edge() {
    let chengde = pdf("chengde-rd");
    for page in [1, 2, 3, 4] {
        let (x, width) = page_number_x(&chengde, page);
        if page % 2 == 1 {
            assert!(x > width * 0.7, "page {page}: number at {x} of {width}");
        } else {
            assert!(x < width * 0.3, "page {page}: number at {x} of {width}");
        }
    }
}

/// The titles of a PDF's bookmarks, depth first.
fn bookmarks(pdf: &Path) -> Vec<String> {
    fn walk(items: &serde_json::Value, titles: &mut Vec<String>) {
        for item in items.as_array().into_iter().flatten() {
            titles.push(item["title"].as_str().unwrap_or_default().to_owned());
            walk(&item["kids"], titles);
        }
    }
    let out = tool(
        "qpdf",
        &["--json", "--json-key=outlines", pdf.to_str().unwrap()],
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut titles = Vec::new();
    walk(&json["outlines"], &mut titles);
    titles
}

#[test]
fn every_pdf_has_bookmarks_for_its_title_sections_and_tables() {
    let chengde = bookmarks(&pdf("chengde-rd"));
    assert_eq!(chengde[0], "2022年部门整体绩效目标");
    for wanted in [
        "一、总体绩效目标",
        "1、2022年度会议费项目绩效目标表",
        "8、2022年人大立法经费项目绩效目标表",
    ] {
        assert!(
            chengde.iter().any(|t| t == wanted),
            "{wanted} not in {chengde:?}"
        );
    }
    let wuxi = bookmarks(&pdf("wuxi-rd"));
    assert_eq!(
        wuxi.iter()
            .filter(|t| *t == "无锡市市级项目预算绩效目标表")
            .count(),
        10,
        "{wuxi:?}"
    );
    for seed in SEEDS {
        assert!(bookmarks(&pdf(seed)).len() >= 2, "{seed} has no bookmarks");
    }
}

/// How often each structure tag occurs in the PDF's tag tree.
fn tag_count(pdf: &Path, tag: &str) -> usize {
    let out = tool("pdfinfo", &["-struct", pdf.to_str().unwrap()]);
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| l.trim_start().split([' ', ':']).next() == Some(tag))
        .count()
}

#[test]
fn headings_and_row_headers_are_tagged_as_such() {
    for seed in SEEDS {
        assert_eq!(tag_count(&pdf(seed), "H1"), 1, "{seed}");
        assert!(tag_count(&pdf(seed), "TH") > 0, "{seed}");
    }
    let chengde = pdf("chengde-rd");
    assert!(tag_count(&chengde, "H2") >= 10 && tag_count(&chengde, "H3") >= 8);
    let out = tool("pdfinfo", &["-struct", pdf("wuxi-rd").to_str().unwrap()]);
    let rows = String::from_utf8_lossy(&out.stdout)
        .matches("/Scope /Row")
        .count();
    assert!(
        rows >= 40,
        "项目名称, 主管部门, 开始时间, 完成时间 of 10 projects: {rows}"
    );
}

/// The lowest point of any text on each page but its page number, in
/// points from the top, read back with `pdftotext -bbox`.
fn text_bottoms(pdf: &Path) -> Vec<f64> {
    let out = tool("pdftotext", &["-bbox", pdf.to_str().unwrap(), "-"]);
    let html = String::from_utf8(out.stdout).unwrap();
    let y_max = |word: &str| -> f64 {
        word.split(r#"yMax=""#)
            .nth(1)
            .and_then(|r| r.split('"').next())
            .and_then(|v| v.parse().ok())
            .unwrap()
    };
    html.split("<page")
        .skip(1)
        .map(|page| {
            let words: Vec<&str> = page.split("<word").skip(1).collect();
            let number = words.iter().map(|w| y_max(w)).fold(0.0, f64::max);
            words
                .iter()
                .map(|w| y_max(w))
                .filter(|&y| y < number - 1.0)
                .fold(0.0, f64::max)
        })
        .collect()
}

/// A table kept whole because its height bound said it fits (lib/gov.typ,
/// `table-height-bounds`) would run past the foot of the page if the bound
/// were wrong. No text of the seeds or of a synthetic corpus of every form
/// goes below the text block (A4, 35 mm bottom margin).
#[test]
fn no_table_runs_past_the_foot_of_the_page() {
    let data = scratch("typography-synth-data");
    let run = jixiao(&[
        "synth",
        "--departments",
        "30",
        "--seed",
        "7",
        "--out",
        data.to_str().unwrap(),
    ]);
    assert!(run.status.success());
    let out = scratch("typography-synth-out");
    let run = build_into(&data, &out, &[]);
    assert!(run.status.success(), "{}", stderr_of(&run));
    let foot = 841.89 - 35.0 * 72.0 / 25.4 + 1.0;
    let mut pdfs: Vec<PathBuf> = SEEDS.iter().map(|s| pdf(s)).collect();
    pdfs.extend(
        files(&out)
            .into_iter()
            .filter(|(name, _)| name.ends_with(".pdf"))
            .map(|(name, _)| out.join(name)),
    );
    assert!(pdfs.len() > 30);
    for pdf in pdfs {
        for (page, bottom) in text_bottoms(&pdf).into_iter().enumerate() {
            assert!(
                bottom <= foot,
                "{} p.{}: text down to {bottom:.1} pt, the text block ends at {foot:.1}",
                pdf.display(),
                page + 1
            );
        }
    }
}
