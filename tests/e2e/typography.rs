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
        let headings = bookmarks(&pdf(seed));
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
                // The table goes on here: its column header, not the next
                // table's title, follows the line.
                let next = page
                    .iter()
                    .position(|l| l.ends_with("（续表）"))
                    .map(|i| &page[i + 1]);
                assert!(
                    next.is_some_and(|l| !is_heading(&headings, l)),
                    "{seed} p.{}: headed （续表） but the table ended on the page before: {page:?}",
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
                !is_heading(&headings, last)
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
    // 部门单位 is one term.
    assert_eq!(
        wuxi[..3],
        [
            "无锡市人民代表大会常务委员会",
            "办公室（本级）2022年部门单位",
            "整体支出预算绩效目标表"
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

/// Whether a printed line is one of the headings `bookmarks` gives: a
/// bookmark may name a project after the printed title (`…表：会议费`).
fn is_heading(headings: &[String], line: &str) -> bool {
    headings.iter().any(|h| {
        h == line
            || h.strip_prefix(line)
                .is_some_and(|rest| rest.starts_with('：'))
    })
}

/// The titles of a PDF's bookmarks, depth first.
fn bookmarks(pdf: &Path) -> Vec<String> {
    bookmark_paths(pdf)
        .into_iter()
        .map(|path| path.last().cloned().unwrap_or_default())
        .collect()
}

/// Each bookmark as the titles from the outline's top down to it.
fn bookmark_paths(pdf: &Path) -> Vec<Vec<String>> {
    fn walk(items: &serde_json::Value, above: &[String], paths: &mut Vec<Vec<String>>) {
        for item in items.as_array().into_iter().flatten() {
            let mut path = above.to_vec();
            path.push(item["title"].as_str().unwrap_or_default().to_owned());
            paths.push(path.clone());
            walk(&item["kids"], &path, paths);
        }
    }
    let out = tool(
        "qpdf",
        &["--json", "--json-key=outlines", pdf.to_str().unwrap()],
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut paths = Vec::new();
    walk(&json["outlines"], &[], &mut paths);
    paths
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
    // Ten projects' tables share one printed title; each bookmark names
    // its project.
    let wuxi = bookmarks(&pdf("wuxi-rd"));
    assert_eq!(
        wuxi.iter()
            .filter(|t| t.starts_with("无锡市市级项目预算绩效目标表："))
            .count(),
        10,
        "{wuxi:?}"
    );
    for seed in SEEDS {
        assert!(bookmarks(&pdf(seed)).len() >= 2, "{seed} has no bookmarks");
    }
}

/// No two bookmarks under one parent are alike (一、项目概述 is one under
/// each project's 项目经费情况说明).
#[test]
fn no_two_bookmarks_are_alike() {
    let mut pdfs: Vec<PathBuf> = SEEDS.iter().map(|s| pdf(s)).collect();
    pdfs.push(built().out.join("2023/example-office.pdf"));
    pdfs.push(long_tables_pdf().clone());
    pdfs.extend(synthetic_pdfs().iter().cloned());
    for pdf in pdfs {
        let marks = bookmark_paths(&pdf);
        let mut seen = std::collections::BTreeSet::new();
        let twice: Vec<&Vec<String>> = marks.iter().filter(|m| !seen.insert(*m)).collect();
        assert!(
            twice.is_empty(),
            "{}: {twice:?} twice in {marks:?}",
            pdf.display()
        );
    }
}

/// Who issued a document stands on its first page, and when, where the
/// data says.
#[test]
fn the_first_page_names_the_issuer_and_the_date() {
    let squeezed = |pdf: &Path| squeezed_pages(pdf).into_iter().next().unwrap();
    for seed in SEEDS {
        let data = std::fs::read_to_string(root().join(format!("data/2022/{seed}.yaml"))).unwrap();
        let department = data
            .lines()
            .find_map(|l| l.strip_prefix("department: "))
            .unwrap()
            .trim_matches('\'');
        let page = squeezed(&pdf(seed));
        assert!(
            page.contains(department),
            "{seed}: no {department} on p.1: {page}"
        );
    }
    let example = squeezed(&built().out.join("2023/example-office.pdf"));
    assert!(
        example.contains("某市某局") && example.contains("2023年2月20日"),
        "{example}"
    );
    let info =
        String::from_utf8(tool("pdfinfo", &[pdf("chengde-rd").to_str().unwrap()]).stdout).unwrap();
    assert!(info.contains("承德市人大常委会"), "the PDF title: {info}");
}

/// Each page of `pdftotext -bbox`'s output, its words with their boxes.
fn bbox_pages(pdf: &Path) -> Vec<String> {
    let out = tool("pdftotext", &["-bbox", pdf.to_str().unwrap(), "-"]);
    let html = String::from_utf8(out.stdout).unwrap();
    html.split("<page").skip(1).map(str::to_owned).collect()
}

/// A number attribute of a `pdftotext -bbox` tag.
fn attr(tag: &str, name: &str) -> f64 {
    tag.split(&format!(r#"{name}=""#))
        .nth(1)
        .and_then(|r| r.split('"').next())
        .and_then(|v| v.parse().ok())
        .unwrap()
}

/// The document title never stands alone on page 1 (with its issuer and
/// date): a first table that does not fit below it starts there and goes on.
#[test]
fn the_title_never_stands_alone_on_page_1() {
    let mut pdfs: Vec<PathBuf> = SEEDS.iter().map(|s| pdf(s)).collect();
    pdfs.extend(synthetic_pdfs().iter().cloned());
    for pdf in pdfs {
        let first = &layout_lines(&pdf)[0];
        let text = first.iter().filter(|(height, _)| *height < 20.0).count();
        assert!(text >= 4, "{} p.1 holds only {first:?}", pdf.display());
    }
}

/// A label (总体绩效目标, 可持续影响指标, 其中：财政资金, 计划开始日期,
/// 指标值确定依据) fits its column or wraps between words: never with its
/// last character alone on a line.
#[test]
fn no_label_leaves_one_character_alone_on_a_line() {
    const ENDS: [&str; 8] = [
        "指标", "目标", "经费", "资金", "拨款", "日期", "依据", "委会",
    ];
    let hanzi = |line: &str| {
        let mut chars = line.chars();
        chars
            .next()
            .is_some_and(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
            && chars.next().is_none()
    };
    let mut pdfs: Vec<PathBuf> = SEEDS.iter().map(|s| pdf(s)).collect();
    pdfs.push(built().out.join("2023/example-office.pdf"));
    pdfs.extend(synthetic_pdfs().iter().cloned());
    for pdf in pdfs {
        let text = pdf_text(&pdf);
        let lines: Vec<&str> = text.lines().map(str::trim).collect();
        for pair in lines.windows(2) {
            let joined = format!("{}{}", pair[0], pair[1]);
            assert!(
                // 东莞's 绩效指标 stands one character a line, as designed.
                !(hanzi(pair[1])
                    && pair[0].chars().count() > 1
                    && ENDS.iter().any(|end| joined.ends_with(end))),
                "{}: {:?} / {:?}",
                pdf.display(),
                pair[0],
                pair[1]
            );
        }
    }
}

/// The lines of each page as `pdftotext -bbox` reads them: their
/// height and text, the page number left out.
fn layout_lines(pdf: &Path) -> Vec<Vec<(f64, String)>> {
    bbox_pages(pdf)
        .iter()
        .map(|page| {
            // Words by baseline (to a tenth of a point), left to right: one
            // line set in two faces is one line.
            let mut lines: std::collections::BTreeMap<i64, Vec<(f64, f64, String)>> =
                Default::default();
            for word in page.split("<word").skip(1) {
                let (head, rest) = word.split_once('>').unwrap();
                let text = rest.split("</word>").next().unwrap();
                let (top, bottom) = (attr(head, "yMin"), attr(head, "yMax"));
                lines
                    .entry((bottom * 10.0).round() as i64)
                    .or_default()
                    .push((attr(head, "xMin"), bottom - top, html_text(text)));
            }
            lines
                .into_values()
                .map(|mut words| {
                    words.sort_by(|a, b| a.0.total_cmp(&b.0));
                    let height = words.iter().map(|w| w.1).fold(0.0, f64::max);
                    (height, words.into_iter().map(|w| w.2).collect::<String>())
                })
                .filter(|(_, text)| text.trim_matches('—').parse::<u32>().is_err())
                .collect()
        })
        .collect()
}

/// The body on the 公文 grid: a full line holds 28 characters of 三号, a
/// page of running text 22 lines (GB/T 9704), with nothing hanging into
/// the margin. 承德's first pages are its narrative.
#[test]
fn body_lines_hold_28_characters_and_a_narrative_page_22_lines() {
    let pages = layout_lines(&pdf("chengde-rd"));
    let body = |line: &(f64, String)| (15.0..20.0).contains(&line.0);
    // Digits and Latin letters are narrower, and of two punctuation marks
    // side by side (》，) one is set half wide (标点挤压): lines of hanzi
    // and single full-width marks only.
    let punctuation = |c: char| "，。、；：？！“”‘’（）《》〔〕【】".contains(c);
    let plain = |text: &str| {
        let chars: Vec<char> = text.chars().collect();
        chars.iter().all(|c| !c.is_ascii())
            && !chars
                .windows(2)
                .any(|p| punctuation(p[0]) && punctuation(p[1]))
    };
    let widest = pages[1..3]
        .iter()
        .flatten()
        .filter(|l| body(l) && plain(&l.1))
        .max_by_key(|(_, text)| text.chars().count())
        .unwrap();
    assert_eq!(widest.1.chars().count(), 28, "{widest:?}");
    for page in &pages[1..3] {
        let lines = page.iter().filter(|l| body(l)).count();
        assert_eq!(lines, 22, "{page:?}");
    }
    // Headings stand two characters in, as a paragraph's first line does.
    let first = &bbox_pages(&pdf("chengde-rd"))[0];
    let left = |start: &str| {
        first
            .split("<word")
            .find(|w| w.split_once('>').is_some_and(|(_, t)| t.starts_with(start)))
            .map(|w| attr(w, "xMin"))
            .unwrap_or_else(|| panic!("no {start} on p.1"))
    };
    let (heading, paragraph) = (left("一、总体绩效目标"), left("2022年是党的二十大"));
    assert!(
        (heading - paragraph).abs() < 0.5,
        "一、 at {heading:.1} pt, the paragraph's first line at {paragraph:.1} pt"
    );
}

/// A page that a table goes on to opens with the table's caption and
/// （续表）, in one wording for one table, in every form.
#[test]
fn every_continuation_page_opens_with_its_tables_caption() {
    let mut continued = 0;
    let mut pdfs: Vec<PathBuf> = SEEDS.iter().map(|s| pdf(s)).collect();
    pdfs.push(long_tables_pdf().clone());
    pdfs.extend(synthetic_pdfs().iter().cloned());
    for pdf in &pdfs {
        let seed = pdf.display();
        let headings = bookmarks(pdf);
        let mut last: Option<String> = None;
        for (number, page) in layout_lines(pdf).iter().enumerate().skip(1) {
            let Some((height, first)) = page.first() else {
                continue;
            };
            // A table's text is 五号; a page that opens with it is a
            // table going on from the page before.
            if *height < 13.0 {
                assert!(
                    first.ends_with("（续表）"),
                    "{seed} p.{} opens a table without its caption: {:?}",
                    number + 1,
                    &page[..3.min(page.len())]
                );
                if let Some(before) = &last {
                    assert_eq!(
                        before,
                        first,
                        "{seed} p.{}: one table, two captions",
                        number + 1
                    );
                }
                last = Some(first.clone());
                continued += 1;
            }
            if page.iter().any(|(_, l)| is_heading(&headings, l)) {
                last = None;
            }
        }
    }
    assert!(continued >= 10, "only {continued} continuation pages");
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
    let y_max = |word: &str| attr(word, "yMax");
    bbox_pages(pdf)
        .iter()
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

/// The PDFs of a synthetic corpus of every form (`jixiao synth`), built once.
fn synthetic_pdfs() -> &'static Vec<PathBuf> {
    static PDFS: std::sync::OnceLock<Vec<PathBuf>> = std::sync::OnceLock::new();
    PDFS.get_or_init(|| {
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
        files(&out)
            .into_iter()
            .filter(|(name, _)| name.ends_with(".pdf"))
            .map(|(name, _)| out.join(name))
            .collect()
    })
}

/// A table kept whole because its height bound said it fits (lib/gov.typ,
/// `table-rows`) would run past the foot of the page if the bound
/// were wrong. No text of the seeds or of a synthetic corpus of every form
/// goes below the text block (A4, 35 mm bottom margin).
#[test]
fn no_table_runs_past_the_foot_of_the_page() {
    let foot = 841.89 - 35.0 * 72.0 / 25.4 + 1.0;
    let mut pdfs: Vec<PathBuf> = SEEDS.iter().map(|s| pdf(s)).collect();
    pdfs.extend(synthetic_pdfs().iter().cloned());
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

/// The 二级 groups of the long tables below: marker in each row's name, 二级
/// label, 一级 label. Each row is named 项目P<marker>第N行, so that a page's
/// text tells which rows of which table it holds.
const LONG_TABLE_GROUPS: [(&str, &str, &str); 4] = [
    ("数量", "数量指标", "产出指标"),
    ("质量", "质量指标", "产出指标"),
    ("效益", "社会效益指标", "效益指标"),
    ("满意", "服务对象满意度指标", "满意度指标"),
];

/// The indicator groups of project `p` as YAML, `sizes` rows in each group
/// of `LONG_TABLE_GROUPS`, each row named 项目P<marker>第N行 with `columns`
/// values.
fn marked_groups(p: usize, sizes: [usize; 4], columns: usize) -> String {
    let mut yaml = String::new();
    let mut family = "";
    for ((marker, level2, level1), size) in LONG_TABLE_GROUPS.iter().zip(sizes) {
        if *level1 != family {
            yaml += &format!("        - name: {level1}\n          groups:\n");
            family = level1;
        }
        yaml += &format!("            - name: {level2}\n              items:\n");
        for n in 1..=size {
            let value = if *marker == "满意" {
                "≥90%".to_owned()
            } else {
                format!("≥{n}项")
            };
            let values = vec![value; columns].join(", ");
            yaml += &format!(
                "                - {{name: 项目{p}{marker}第{n}行, values: [{values}]}}\n"
            );
        }
    }
    yaml
}

/// A `wuxi-rd` disclosure of 30 short project tables (4 to 8 rows) set one
/// after another, so that tables that fit a page meet a page's foot
/// everywhere; rows are named as in `long_tables`.
fn short_tables() -> String {
    let mut yaml = String::from(
        "form: wuxi-rd\nyear: 2023\ntitle: 某市测试局2023年度部门单位整体支出预算绩效目标表\n\
         department: 某市测试局\ndepartment_target:\n  functions:\n    - name: 检验短表格的分页\n      works:\n\
         \x20       - name: 编制测试文件\n          targets:\n            - {name: 完成测试, value: 1次}\nprojects:\n",
    );
    for p in 1..=30 {
        let sizes = [1 + p % 3, 1 + p % 2, 1 + p * 7 % 3, 1];
        yaml += &format!(
            "  - name: 测试项目{p}\n    supervisor: 某市测试局\n    start: 2023年\n    end: 2023年\n    indicators:\n      columns: [半年指标值, 全年指标值]\n      groups:\n"
        );
        yaml += &marked_groups(p, sizes, 2);
    }
    yaml
}

fn short_tables_pdf() -> &'static PathBuf {
    static PDF: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    PDF.get_or_init(|| built_pdf("short", &short_tables()))
}

/// Tables that fit a page and meet its foot: each moves whole, or, where
/// the room left is more than a quarter of the block, starts there and
/// takes at least four rows on to the next page; a page before a table's
/// continuation is at most a quarter blank.
#[test]
fn a_short_table_fills_its_page_or_moves_whole_and_never_leaves_rows_alone() {
    let pdf = short_tables_pdf();
    let by_page = rows_by_page(&squeezed_pages(pdf));
    let blank: Vec<f64> = text_bottoms(pdf)
        .iter()
        .map(|bottom| (841.89 - 35.0 * 72.0 / 25.4 - bottom) / (225.0 * 72.0 / 25.4))
        .collect();
    let mut split = 0;
    for project in 1..=30 {
        let (on_page, pages) = pages_of(&by_page, project);
        assert!(!pages.is_empty(), "项目{project} printed no rows");
        if pages.len() > 1 {
            split += 1;
            let (first, last) = (pages[0], *pages.last().unwrap());
            assert_at_least_four_rows_on(last, &on_page, project);
            assert!(
                blank[first] <= 0.25,
                "项目{project}: p.{} {:.0}% blank before its continuation",
                first + 1,
                blank[first] * 100.0
            );
        }
    }
    // Whole tables moved on leave at most what the next one needs: no
    // page but the last is more than half blank.
    for (page, share) in blank.iter().enumerate().take(blank.len() - 1) {
        assert!(
            *share <= 0.5,
            "p.{} is {:.0}% blank",
            page + 1,
            share * 100.0
        );
    }
    assert!(split >= 1, "no short table was split");
}

/// A `national` disclosure of 24 projects whose tables run from one page to
/// two and a half, with groups of 1 to 17 rows, so that their ends fall
/// everywhere on a page.
fn long_tables() -> String {
    let mut yaml = String::from(
        "form: national\nyear: 2023\ndate: 2023-02-20\ntitle: 某市测试局2023年度预算绩效目标\n\
         department: 某市测试局\npreamble:\n  - 本文件检验长表格的分页。\nprojects:\n",
    );
    for p in 1..=24 {
        let sizes = [3 + p * 7 % 13, 2 + p * 11 % 17, 1 + p * 5 % 9, 1 + p % 3];
        yaml += &format!(
            "  - name: 测试项目{p}\n    goal: 完成测试项目{p}的年度任务{}。\n    indicators:\n      columns: [年度指标值]\n      groups:\n",
            "，保障各项工作".repeat(p % 5)
        );
        yaml += &marked_groups(p, sizes, 1);
    }
    yaml
}

/// How many rows of `project` each page holds, and the pages that hold any.
fn pages_of(
    by_page: &[std::collections::BTreeMap<(u32, &'static str), usize>],
    project: u32,
) -> (Vec<usize>, Vec<usize>) {
    let on_page: Vec<usize> = by_page
        .iter()
        .map(|rows| {
            rows.iter()
                .filter(|((p, _), _)| *p == project)
                .map(|(_, n)| n)
                .sum()
        })
        .collect();
    let pages = (0..on_page.len()).filter(|&i| on_page[i] > 0).collect();
    (on_page, pages)
}

/// That `project`'s table has four rows or more on page `last` (counted
/// from 0), the last it runs on to.
fn assert_at_least_four_rows_on(last: usize, on_page: &[usize], project: u32) {
    assert!(
        on_page[last] >= 4,
        "项目{project}: {} rows alone on p.{}",
        on_page[last],
        last + 1
    );
}

/// Each page's text with all white space taken out.
fn squeezed_pages(pdf: &Path) -> Vec<String> {
    pdf_text(pdf)
        .split('\u{c}')
        .map(|page| page.chars().filter(|c| !c.is_whitespace()).collect())
        .collect()
}

/// The rows of each project on each page: (project, marker) → rows, by page.
fn rows_by_page(pages: &[String]) -> Vec<std::collections::BTreeMap<(u32, &'static str), usize>> {
    pages
        .iter()
        .map(|page| {
            let mut rows = std::collections::BTreeMap::new();
            for part in page.split("项目").skip(1) {
                let digits: String = part.chars().take_while(char::is_ascii_digit).collect();
                let rest = &part[digits.len()..];
                if let Some((marker, ..)) =
                    LONG_TABLE_GROUPS.iter().find(|(m, ..)| rest.starts_with(m))
                {
                    *rows.entry((digits.parse().unwrap(), *marker)).or_default() += 1;
                }
            }
            rows
        })
        .collect()
}

/// The PDF of the data file `yaml`, built as `data/2023/{name}.yaml`.
fn built_pdf(name: &str, yaml: &str) -> PathBuf {
    let data = scratch(&format!("typography-{name}-data"));
    std::fs::create_dir_all(data.join("2023")).unwrap();
    std::fs::write(data.join(format!("2023/{name}.yaml")), yaml).unwrap();
    let out = scratch(&format!("typography-{name}-out"));
    let run = build_into(&data, &out, &[]);
    assert!(run.status.success(), "{}", stderr_of(&run));
    out.join(format!("2023/{name}.pdf"))
}

fn long_tables_pdf() -> &'static PathBuf {
    static PDF: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    PDF.get_or_init(|| built_pdf("long", &long_tables()))
}

/// A table that runs on to another page takes at least four of its rows
/// there: official documents move rows rather than leave one to three
/// alone on a page (Typst has no widow control for rows; lib/gov.typ
/// `glue-tail`).
#[test]
fn no_table_continues_onto_a_page_for_fewer_than_four_rows() {
    let by_page = rows_by_page(&squeezed_pages(long_tables_pdf()));
    let mut continued = 0;
    for project in 1..=24 {
        let (on_page, pages) = pages_of(&by_page, project);
        assert!(!pages.is_empty(), "项目{project} printed no rows");
        if pages.len() > 1 {
            continued += 1;
            let last = *pages.last().unwrap();
            assert_at_least_four_rows_on(last, &on_page, project);
        }
    }
    assert!(
        continued >= 8,
        "only {continued} tables run on to another page"
    );
}

/// A 一级 or 二级 group that runs on to another page is named on that page:
/// it is set in units a page may break between, each carrying its labels,
/// and those on one page are one cell (lib/gov.typ `join-groups`).
#[test]
fn every_page_names_the_groups_of_the_rows_on_it() {
    let pages = squeezed_pages(long_tables_pdf());
    let by_page = rows_by_page(&pages);
    // 效益指标 is also the end of 社会效益指标.
    let named = |page: &str, label: &str| {
        page.matches(label).count()
            - if label == "效益指标" {
                page.matches("社会效益指标").count()
            } else {
                0
            }
    };
    for (number, (page, rows)) in pages.iter().zip(&by_page).enumerate() {
        for (_, label, _) in &LONG_TABLE_GROUPS[..3] {
            let tables = rows.keys().filter(|(_, m)| group_of(m).1 == *label).count();
            assert!(
                named(page, label) >= tables,
                "p.{}: rows of {tables} tables' {label} but {} labels: {page}",
                number + 1,
                named(page, label)
            );
        }
        for label in ["产出指标", "效益指标"] {
            let mut tables: Vec<u32> = rows
                .keys()
                .filter(|(_, m)| group_of(m).2 == label)
                .map(|(p, _)| *p)
                .collect();
            tables.dedup();
            assert!(
                named(page, label) >= tables.len(),
                "p.{}: rows of {} tables' {label} but {} labels: {page}",
                number + 1,
                tables.len(),
                named(page, label)
            );
        }
    }
    let split = LONG_TABLE_GROUPS
        .iter()
        .flat_map(|(m, ..)| (1..=24).map(move |p| (p, *m)))
        .filter(|key| by_page.iter().filter(|rows| rows.contains_key(key)).count() > 1)
        .count();
    assert!(split >= 4, "only {split} groups run on to another page");
}

fn group_of(marker: &str) -> (&'static str, &'static str, &'static str) {
    *LONG_TABLE_GROUPS
        .iter()
        .find(|(m, ..)| *m == marker)
        .unwrap()
}

/// The words of each page as `pdftotext -bbox` reads them: top, bottom,
/// text and middle (across), the page number left out.
fn page_words(pdf: &Path) -> Vec<Vec<(f64, f64, String, f64)>> {
    let foot = 841.89 - 35.0 * 72.0 / 25.4 + 1.0;
    bbox_pages(pdf)
        .iter()
        .map(|page| {
            page.split("<word")
                .skip(1)
                .map(|word| {
                    let (head, rest) = word.split_once('>').unwrap();
                    let text = html_text(rest.split("</word>").next().unwrap());
                    let middle = (attr(head, "xMin") + attr(head, "xMax")) / 2.0;
                    (
                        attr(head, "yMin"),
                        attr(head, "yMax"),
                        text.trim().to_owned(),
                        middle,
                    )
                })
                .filter(|(top, ..)| *top < foot)
                .collect()
        })
        .collect()
}

/// The names of every 一级 group of a document, from the data it published
/// beside its PDF: a group whose items are groups themselves.
fn level1_names(pdf: &Path) -> std::collections::BTreeSet<String> {
    fn walk(json: &serde_json::Value, names: &mut std::collections::BTreeSet<String>) {
        match json {
            serde_json::Value::Object(map) => {
                if let Some(groups) = map.get("groups").and_then(|g| g.as_array()) {
                    for g in groups {
                        if g.get("groups").is_some_and(|s| s.is_array())
                            && let Some(name) = g.get("name").and_then(|n| n.as_str())
                        {
                            names.insert(name.to_owned());
                        }
                    }
                }
                map.values().for_each(|v| walk(v, names));
            }
            serde_json::Value::Array(items) => items.iter().for_each(|v| walk(v, names)),
            _ => {}
        }
    }
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(pdf.with_extension("json")).unwrap())
            .unwrap();
    let mut names = Default::default();
    walk(&json, &mut names);
    names
}

/// The PDFs the pagination tests read: the seeds, the 2023 example, the
/// long and short tables and a synthetic corpus of every form.
fn paginated_pdfs() -> Vec<PathBuf> {
    let mut pdfs: Vec<PathBuf> = SEEDS.iter().map(|s| pdf(s)).collect();
    pdfs.push(built().out.join("2023/example-office.pdf"));
    pdfs.push(long_tables_pdf().clone());
    pdfs.push(short_tables_pdf().clone());
    pdfs.extend(synthetic_pdfs().iter().cloned());
    pdfs
}

/// A 一级 group has one label cell on each page it is on: on no page does
/// one table (from its column header 一级指标 down to the next) name a 一级
/// group twice. Long groups are set in units a page may break between, and
/// the units on one page are one cell (lib/gov.typ `join-groups`).
#[test]
fn no_page_names_a_level1_group_twice_in_one_table() {
    let mut checked = 0;
    for pdf in paginated_pdfs() {
        let names = level1_names(&pdf);
        for (number, words) in page_words(&pdf).iter().enumerate() {
            // The table parts on the page, each opening with its column
            // header: its top and the middles of its 一级 and 二级 columns.
            let middle = |name: &str, below: f64| {
                words
                    .iter()
                    .filter(|w| w.2 == name && (w.0 - below).abs() < 20.0)
                    .map(|w| w.3)
                    .next()
            };
            let mut heads: Vec<(f64, f64, Option<f64>)> = words
                .iter()
                .filter(|w| w.2 == "一级指标")
                .map(|w| (w.0, w.3, middle("二级指标", w.0)))
                .collect();
            heads.sort_by(|a, b| a.0.total_cmp(&b.0));
            let mut seen = std::collections::BTreeMap::new();
            for (top, _, text, x) in words.iter().filter(|w| names.contains(&w.2)) {
                let part = heads.iter().filter(|h| h.0 < *top).count();
                // A 二级 label such as 服务对象 / 满意度指标 ends like a 一级 one.
                let Some(&(_, level1, level2)) = part.checked_sub(1).map(|p| &heads[p]) else {
                    continue;
                };
                if level2.is_some_and(|l2| (x - l2).abs() < (x - level1).abs()) {
                    continue;
                }
                *seen.entry((part, text.as_str())).or_insert(0) += 1;
                checked += 1;
            }
            let twice: Vec<_> = seen.iter().filter(|(_, n)| **n > 1).collect();
            assert!(
                twice.is_empty(),
                "{} p.{}: a 一级 label more than once in one table (part, name → cells): {twice:?}",
                pdf.display(),
                number + 1
            );
        }
    }
    assert!(checked > 500, "only {checked} 一级 labels read");
}

/// The height of the first unit of a table on a page it goes on to: the
/// words below its column header (the lines down to the row of 一级指标,
/// 名称 or 序号 and whatever stands beside it), as far as no gap of a rule
/// and its insets (9 pt) parts them.
fn first_unit_height(words: &[(f64, f64, String, f64)]) -> Option<f64> {
    let header = words
        .iter()
        .filter(|w| COLUMN_HEADINGS.contains(&w.2.as_str()) || w.2 == "指标值")
        .map(|w| w.1)
        .fold(None, |m: Option<f64>, y| Some(m.map_or(y, |m| m.max(y))))?;
    let mut spans: Vec<(f64, f64)> = words
        .iter()
        .filter(|w| w.0 > header + 1.0)
        .map(|w| (w.0, w.1))
        .collect();
    spans.sort_by(|a, b| a.0.total_cmp(&b.0));
    let (top, mut bottom) = *spans.first()?;
    for (from, to) in spans {
        if from > bottom + 9.0 {
            break;
        }
        bottom = bottom.max(to);
    }
    // A row's text stands 5 pt inside its rules, above and below.
    Some(bottom - top + 10.0)
}

/// No page before a table's continuation ends more than a quarter blank
/// unless the unit that opens the continuation (a row, a group that stays
/// whole) is taller than the room left: a table goes on filling its page.
#[test]
fn no_page_before_a_continuation_is_more_than_a_quarter_blank_unless_the_next_unit_is_taller() {
    let foot = 841.89 - 35.0 * 72.0 / 25.4;
    let block = 225.0 * 72.0 / 25.4;
    let mut continued = 0;
    for pdf in paginated_pdfs() {
        let lines = layout_lines(&pdf);
        let words = page_words(&pdf);
        let bottoms = text_bottoms(&pdf);
        for page in 1..lines.len() {
            let opens = lines[page]
                .first()
                .is_some_and(|(_, l)| l.ends_with("（续表）"));
            if !opens {
                continue;
            }
            continued += 1;
            let blank = foot - bottoms[page - 1];
            if blank <= block / 4.0 {
                continue;
            }
            let unit = first_unit_height(&words[page]).unwrap_or(0.0);
            assert!(
                unit > blank,
                "{} p.{} is {:.0}% blank ({blank:.0} pt) before its table goes on, but the next unit is {unit:.0} pt high",
                pdf.display(),
                page,
                blank / block * 100.0
            );
        }
    }
    assert!(continued >= 30, "only {continued} continuation pages");
}
