//! The web pages in a real browser (Debian's headless Chromium): on a 375 px
//! phone the page never scrolls sideways, wide tables scroll inside their own
//! box, and screenshots at 375 px and 1280 px are kept for review.

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
    let dom = chromium(
        &dir.join("profile"),
        &[
            "--allow-file-access-from-files",
            "--virtual-time-budget=10000",
            "--dump-dom",
            &url(&wrapper),
        ],
    );
    let line = dom
        .split(r#"<pre id="layout">"#)
        .nth(1)
        .and_then(|rest| rest.split("</pre>").next())
        .unwrap_or_else(|| panic!("no layout for {name}:\n{dom}"));
    let numbers: Vec<u32> = line
        .split(|c: char| !c.is_ascii_digit())
        .filter(|s| !s.is_empty())
        .map(|n| n.parse().unwrap())
        .collect();
    (numbers[0], numbers[1], numbers[2])
}

fn pages() -> Vec<(String, PathBuf)> {
    let out = &built().out;
    let mut pages = vec![("index".to_owned(), out.join("index.html"))];
    for name in [
        "dongguan-rd",
        "wuxi-rd",
        "chengde-rd",
        "panzhihua-renhe-rd",
        "shanghai-songjiang-rd",
    ] {
        pages.push((name.to_owned(), out.join(format!("2022/{name}.html"))));
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
fn wide_tables_scroll_inside_their_own_box() {
    let (_, _, wrap) = layout(&built().out.join("2022/wuxi-rd.html"), 375, "wuxi-wrap");
    assert!(wrap > 0, "the table box does not scroll");
    let (scroll, client, wrap) = layout(&built().out.join("2022/wuxi-rd.html"), 1280, "wuxi-wide");
    assert!(
        scroll <= client && wrap == 0,
        "at 1280 px: {scroll} {client} {wrap}"
    );
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
