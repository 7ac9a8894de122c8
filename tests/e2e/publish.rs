//! End to end over the real `data/`: every seed's text is in its PDF and its
//! HTML page, the pages look like official documents, and `--emit-typst`
//! gives a folder that compiles on its own to the same PDF.

use crate::common::*;

/// Each data file and the published document it transcribes.
const SEEDS: &[(&str, &str)] = &[
    ("2022/wuxi-rd", "000_0dda62e1c6d8e6d3.txt"),
    ("2022/chengde-rd", "001_82546e0ef50f3629.txt"),
    ("2022/panzhihua-renhe-rd", "002_b088b343cd787761.txt"),
    ("2022/shanghai-songjiang-rd", "003_66527bd42e637b45.txt"),
    ("2022/dongguan-rd", "004_fbc369268786ce8e.txt"),
];

const REQUIRED: f64 = 0.98;

fn seed(name: &str) -> String {
    std::fs::read_to_string(root().join("tests/seeds").join(name)).unwrap()
}

/// A PDF's text as a reader follows it from page to page: without page
/// numbers, and on a page a table goes on to, without the caption
/// (…（续表）) and the column header it repeats (lines the page before holds
/// too), so that a row that breaks across pages reads as one.
fn reading_text(pdf: &std::path::Path) -> String {
    let text = pdf_text(pdf);
    let pages: Vec<Vec<&str>> = text
        .split('\u{c}')
        .map(|page| page.lines().filter(|l| !is_page_number(l)).collect())
        .collect();
    let mut read = Vec::new();
    for (i, page) in pages.iter().enumerate() {
        let mut lines = &page[..];
        if i > 0
            && let Some(caption) = lines.iter().take(2).position(|l| l.ends_with("（续表）"))
        {
            lines = &lines[caption + 1..];
            while lines.first().is_some_and(|l| pages[i - 1].contains(l)) {
                lines = &lines[1..];
            }
        }
        read.extend_from_slice(lines);
    }
    read.join("\n")
}

#[test]
fn every_seed_s_text_is_in_its_pdf() {
    for (doc, seed_file) in SEEDS {
        let cells = seed_cells(&seed(seed_file));
        let text = reading_text(&built().out.join(format!("{doc}.pdf")));
        let (share, missing) = fidelity(&cells, &text);
        println!(
            "{doc}.pdf: {:.1}% of {} cells; missing: {missing:?}",
            share * 100.0,
            cells.len()
        );
        assert!(
            share >= REQUIRED,
            "{doc}.pdf has {:.1}% of the seed's cells; missing: {missing:#?}",
            share * 100.0
        );
    }
}

#[test]
fn every_seed_s_text_is_in_its_html_page() {
    for (doc, seed_file) in SEEDS {
        let cells = seed_cells(&seed(seed_file));
        let html = std::fs::read_to_string(built().out.join(format!("{doc}.html"))).unwrap();
        let (share, missing) = fidelity(&cells, &html_text(&html));
        println!(
            "{doc}.html: {:.1}% of {} cells; missing: {missing:?}",
            share * 100.0,
            cells.len()
        );
        assert!(
            share >= REQUIRED,
            "{doc}.html has {:.1}% of the seed's cells; missing: {missing:#?}",
            share * 100.0
        );
    }
}

#[test]
fn the_measure_notices_missing_text() {
    let cells = seed_cells(&seed("004_fbc369268786ce8e.txt"));
    let text = pdf_content(&built().out.join("2022/dongguan-rd.pdf"));
    let half: String = text.chars().take(text.chars().count() / 2).collect();
    let (share, _) = fidelity(&cells, &half);
    assert!(share < REQUIRED, "half the text still scored {share}");
}

#[test]
fn pdfs_are_a4_with_the_chosen_cjk_fonts_and_metadata() {
    let pdf = built().out.join("2022/dongguan-rd.pdf");
    let info = String::from_utf8(tool("pdfinfo", &[pdf.to_str().unwrap()]).stdout).unwrap();
    assert!(
        info.contains("595.276 x 841.89") || info.contains("(A4)"),
        "{info}"
    );
    assert!(info.contains("Title:") && info.contains("东莞"), "{info}");
    let pages: usize = info
        .lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .and_then(|n| n.trim().parse().ok())
        .unwrap();
    assert!(pages >= 3, "{pages} pages");
    let fonts = String::from_utf8(tool("pdffonts", &[pdf.to_str().unwrap()]).stdout).unwrap();
    assert!(
        fonts.contains("CJK") || fonts.contains("FangSong") || fonts.contains("XiaoBiaoSong"),
        "{fonts}"
    );
    assert!(
        !fonts.contains("CJKJP") && !fonts.contains("CJKTC"),
        "non-SC faces used:\n{fonts}"
    );
}

#[test]
fn every_page_has_a_page_number() {
    let text = pdf_text(&built().out.join("2022/dongguan-rd.pdf"));
    let pages: Vec<&str> = text
        .split('\u{c}')
        .filter(|p| !p.trim().is_empty())
        .collect();
    for (i, page) in pages.iter().enumerate() {
        let number = format!("— {} —", i + 1);
        assert!(page.contains(&number), "page {} lacks “{number}”", i + 1);
    }
}

#[test]
fn page_one_is_not_blank() {
    let pdf = built().out.join("2022/dongguan-rd.pdf");
    let png = scratch("page-one").join("p");
    tool(
        "pdftoppm",
        &[
            "-r",
            "30",
            "-gray",
            "-f",
            "1",
            "-l",
            "1",
            pdf.to_str().unwrap(),
            png.to_str().unwrap(),
        ],
    );
    let file = std::fs::read_dir(png.parent().unwrap())
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let image = std::fs::read(file).unwrap();
    let dark = image
        .iter()
        .rev()
        .take(200_000)
        .filter(|&&b| b < 128)
        .count();
    assert!(dark > 500, "page 1 has only {dark} dark pixels");
}

#[test]
fn html_pages_are_standalone_chinese_pages() {
    let html = std::fs::read_to_string(built().out.join("2022/dongguan-rd.html")).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"), "{}", &html[..80]);
    assert!(html.contains(r#"<html lang="zh-CN">"#));
    assert!(html.contains(
        "<title>2022年东莞市人民代表大会常务委员会办公室部门整体支出绩效目标批复情况</title>"
    ));
    assert!(html.contains(r#"<meta name="viewport""#));
    assert!(html.contains("<style>") && html.contains("@media print"));
    assert!(html.contains("<th"), "no header cells");
    assert!(html.contains("rowspan=") && html.contains("colspan="));
    assert!(html.contains(r#"<div class="table-wrap" tabindex="0" role="region" aria-label="#));
}

#[test]
fn money_is_published_as_written() {
    let text = normalize(&pdf_text(&built().out.join("2022/dongguan-rd.pdf")));
    for amount in ["1449000.00", "271500.00", "80000.00", "20000.00"] {
        assert!(text.contains(amount), "{amount} missing");
    }
}
