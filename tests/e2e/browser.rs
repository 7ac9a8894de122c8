//! The web pages in a real browser (Debian's headless Chromium): on a 375 px
//! phone no page and no table scrolls sideways (rows become cards), axe-core
//! finds nothing against WCAG 2.0/2.1 A and AA at 375 and 1280 px, the index
//! searches by any part of a name, and screenshots at 375 px and 1280 px are
//! kept for review.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::*;

/// Runs headless Chromium with the flags this machine's closed network needs.
fn chromium(profile: &Path, args: &[&str]) -> String {
    let output = Command::new("timeout")
        .arg("90")
        .arg("chromium")
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
        ])
        .args([
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .output()
        .expect("chromium runs (make test installs it)");
    assert!(
        output.status.success(),
        "chromium failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn url(path: &Path) -> String {
    format!("file://{}", path.canonicalize().unwrap().display())
}

/// How the page lays out in a frame `width` px wide: the page's own
/// scrolling width and client width, and how far its widest table box scrolls.
fn layout(page: &Path, width: u32, name: &str) -> (u32, u32, u32) {
    let dir = scratch(&format!("browser-{name}"));
    let wrapper = dir.join("wrapper.html");
    std::fs::write(
        &wrapper,
        format!(
            r#"<!DOCTYPE html><html><body style="margin:0">
<iframe id="page" src="{}" style="width:{width}px;height:900px;border:0"></iframe>
<script>
document.getElementById("page").addEventListener("load", function () {{
  var doc = this.contentDocument, root = doc.documentElement, wraps = 0;
  doc.querySelectorAll(".table-wrap").forEach(function (w) {{ wraps = Math.max(wraps, w.scrollWidth - w.clientWidth); }});
  var out = document.createElement("pre");
  out.id = "layout";
  out.textContent = "layout " + root.scrollWidth + " " + root.clientWidth + " " + wraps;
  document.body.appendChild(out);
}});
</script></body></html>"#,
            url(page)
        ),
    )
    .unwrap();
    let line = framed(&dir, &wrapper, "layout");
    let numbers: Vec<u32> = line
        .split(|c: char| !c.is_ascii_digit())
        .filter(|s| !s.is_empty())
        .map(|n| n.parse().unwrap())
        .collect();
    (numbers[0], numbers[1], numbers[2])
}

/// What the wrapper page `wrapper`, which frames a page and measures it
/// from outside, writes into its `<pre id="{id}">`.
fn framed(dir: &Path, wrapper: &Path, id: &str) -> String {
    let dom = chromium(
        &dir.join("profile"),
        &[
            "--allow-file-access-from-files",
            "--virtual-time-budget=10000",
            "--dump-dom",
            &url(wrapper),
        ],
    );
    dom.split(&format!(r#"<pre id="{id}">"#))
        .nth(1)
        .and_then(|rest| rest.split("</pre>").next())
        .unwrap_or_else(|| panic!("no {id} in {}:\n{dom}", wrapper.display()))
        .to_owned()
}

fn pages() -> Vec<(String, PathBuf)> {
    let out = &built().out;
    let mut pages = vec![("index".to_owned(), out.join("index.html"))];
    for name in [
        "2022/dongguan-rd",
        "2022/wuxi-rd",
        "2022/chengde-rd",
        "2022/panzhihua-renhe-rd",
        "2022/shanghai-songjiang-rd",
        "2023/example-office",
    ] {
        pages.push((name.replace('/', "-"), out.join(format!("{name}.html"))));
    }
    pages
}

#[test]
fn no_page_scrolls_sideways_on_a_phone() {
    for (name, page) in pages() {
        let (scroll, client, _) = layout(&page, 375, &name);
        assert!(client > 300, "{name}: client width {client}");
        assert!(
            scroll <= client,
            "{name} scrolls sideways at 375 px: {scroll} > {client}"
        );
    }
}

#[test]
fn no_table_scrolls_sideways_on_a_phone_or_a_desktop() {
    for (name, page) in pages() {
        for width in [375, 1280] {
            let (scroll, client, wrap) = layout(&page, width, &format!("{name}-{width}-wrap"));
            assert!(
                scroll <= client && wrap == 0,
                "{name} at {width} px: page {scroll}/{client}, a table box scrolls {wrap} px"
            );
        }
    }
}

/// The WCAG 2.0/2.1 A and AA violations axe-core finds on `page` in a
/// window `width` px wide, as `rule: element` lines.
fn axe(page: &Path, width: u32, name: &str) -> Vec<String> {
    let dir = scratch(&format!("axe-{name}-{width}"));
    let axe = root().join("target/axe/node_modules/axe-core/axe.min.js");
    std::fs::copy(&axe, dir.join("axe.min.js"))
        .expect("axe-core is installed (make test installs it)");
    std::fs::copy(
        root().join("tests/e2e/axe-runner.js"),
        dir.join("axe-runner.js"),
    )
    .unwrap();
    let html = std::fs::read_to_string(page).unwrap().replace(
        "</body>",
        r#"<script src="axe.min.js"></script><script src="axe-runner.js"></script></body>"#,
    );
    let copy = dir.join("page.html");
    std::fs::write(&copy, html).unwrap();
    let dom = chromium(
        &dir.join("profile"),
        &[
            &format!("--window-size={width},900"),
            "--virtual-time-budget=30000",
            "--dump-dom",
            &url(&copy),
        ],
    );
    let json = dom
        .split(r#"<script type="application/json" id="axe-results">"#)
        .nth(1)
        .and_then(|rest| rest.split("</script>").next())
        .unwrap_or_else(|| panic!("axe gave no result for {name} at {width} px"));
    let result: serde_json::Value = serde_json::from_str(json).unwrap();
    assert_eq!(result["ok"], true, "{result}");
    result["violations"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|v| {
            let id = v["id"].as_str().unwrap_or_default().to_owned();
            v["nodes"]
                .as_array()
                .into_iter()
                .flatten()
                .map(move |n| format!("{id}: {}", n["target"]))
        })
        .collect()
}

#[test]
fn axe_finds_no_wcag_a_or_aa_violation_on_any_page_at_375_or_1280_px() {
    let mut found = Vec::new();
    for (name, page) in pages() {
        for width in [375, 1280] {
            found.extend(
                axe(&page, width, &name)
                    .into_iter()
                    .map(|v| format!("{name} at {width} px: {v}")),
            );
        }
    }
    assert!(found.is_empty(), "{}", found.join("\n"));
}

/// What the index shows after typing `query` into its search box: the
/// count line and the departments still listed.
fn search(query: &str, name: &str) -> (String, Vec<String>) {
    search_at(query, 1280, name)
}

/// `search` in a window `width` px wide, counting the rows a reader sees
/// (a row with no box on screen is not shown, whatever its `hidden`).
fn search_at(query: &str, width: u32, name: &str) -> (String, Vec<String>) {
    let dir = scratch(&format!("search-{name}"));
    let html = std::fs::read_to_string(built().out.join("index.html")).unwrap().replace(
        "</body>",
        &format!(
            r#"<script>
var input = document.getElementById("search");
input.value = {query:?};
input.dispatchEvent(new Event("input"));
var out = document.createElement("pre");
out.id = "found";
out.textContent = document.getElementById("status").textContent + "\n" +
  Array.prototype.filter.call(document.querySelectorAll("tbody tr"), function (r) {{ return r.getClientRects().length > 0; }})
    .map(function (r) {{ return r.cells[0].textContent; }}).join("\n");
document.body.appendChild(out);
</script></body>"#
        ),
    );
    let copy = dir.join("index.html");
    std::fs::write(&copy, html).unwrap();
    let dom = chromium(
        &dir.join("profile"),
        &[
            &format!("--window-size={width},900"),
            "--virtual-time-budget=5000",
            "--dump-dom",
            &url(&copy),
        ],
    );
    let text = dom
        .split(r#"<pre id="found">"#)
        .nth(1)
        .and_then(|rest| rest.split("</pre>").next())
        .unwrap_or_else(|| panic!("no search result:\n{dom}"))
        .to_owned();
    let mut lines = text.lines().map(str::to_owned);
    let status = lines.next().unwrap_or_default();
    (status, lines.collect())
}

#[test]
fn the_index_finds_a_department_by_any_part_of_its_name() {
    let (status, found) = search("人大常委会", "abbreviation");
    assert_eq!(found.len(), 5, "{status}: {found:?}");
    assert!(status.contains("找到 5"), "{status}");
    let (_, found) = search("无锡市人大", "city");
    assert_eq!(found, ["无锡市人民代表大会常务委员会办公室"]);
    let (status, found) = search("不存在的局", "none");
    assert!(found.is_empty() && status.contains("没有"), "{status}");
}

/// On a phone the index is a list of cards (`display: block`), which must
/// not show a card the search has hidden.
#[test]
fn the_index_search_hides_the_cards_that_do_not_match_on_a_phone() {
    let (status, found) = search_at("松江", 375, "phone");
    assert!(status.contains("找到 1"), "{status}");
    assert_eq!(
        found,
        ["上海市松江区人民代表大会常务委员会办公室"],
        "{status}"
    );
}

/// Without JavaScript the index is a plain list: no search box that does
/// nothing. The index is framed with scripts off, and measured from outside.
#[test]
fn without_javascript_the_index_shows_no_search_box() {
    let dir = scratch("search-no-script");
    std::fs::copy(built().out.join("index.html"), dir.join("index.html")).unwrap();
    let wrapper = dir.join("wrapper.html");
    std::fs::write(
        &wrapper,
        r#"<!DOCTYPE html><html><body>
<iframe id="page" sandbox="allow-same-origin" src="index.html" style="width:375px;height:900px"></iframe>
<script>
document.getElementById("page").addEventListener("load", function () {
  var doc = this.contentDocument, form = doc.querySelector("form.search"), out = document.createElement("pre");
  out.id = "box";
  out.textContent = "box " + (form ? form.getClientRects().length : -1) + " rows " + doc.querySelectorAll("tbody tr").length;
  document.body.appendChild(out);
});
</script></body></html>"#,
    )
    .unwrap();
    assert_eq!(framed(&dir, &wrapper, "box"), "box 0 rows 6");
}

#[test]
fn screenshots_at_phone_and_desktop_width() {
    let dir = root().join("target/screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    for (name, page) in [
        ("index", built().out.join("index.html")),
        ("dongguan-rd", built().out.join("2022/dongguan-rd.html")),
    ] {
        for width in [375, 1280] {
            let png = dir.join(format!("{name}-{width}.png"));
            let _ = std::fs::remove_file(&png);
            let profile = scratch(&format!("shot-{name}-{width}"));
            chromium(
                &profile,
                &[
                    &format!("--window-size={width},1600"),
                    &format!("--screenshot={}", png.display()),
                    &url(&page),
                ],
            );
            let size = std::fs::metadata(&png).map(|m| m.len()).unwrap_or(0);
            assert!(size > 20_000, "{} is {size} bytes", png.display());
        }
    }
}
