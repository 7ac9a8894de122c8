//! The Typst that each real data file renders to, as snapshots for review:
//! a change to a form or to the data shows up as a diff of the generated source.

use std::path::Path;

use jixiao::load::load_file;
use jixiao::render::{Page, Renderer};
use jixiao::templates::TemplateStore;

fn rendered(data: &str) -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let document = load_file(&root.join(data)).unwrap();
    let page = Page {
        date: "2022-06-30".to_owned(),
        index: "../index.html".to_owned(),
    };
    Renderer::new(&TemplateStore::built_in())
        .unwrap()
        .render(&document, &page)
        .unwrap()
}

#[test]
fn dongguan_rd() {
    insta::assert_snapshot!(rendered("data/2022/dongguan-rd.yaml"));
}

#[test]
fn wuxi_rd() {
    insta::assert_snapshot!(rendered("data/2022/wuxi-rd.yaml"));
}

#[test]
fn chengde_rd() {
    insta::assert_snapshot!(rendered("data/2022/chengde-rd.yaml"));
}

#[test]
fn panzhihua_renhe_rd() {
    insta::assert_snapshot!(rendered("data/2022/panzhihua-renhe-rd.yaml"));
}

#[test]
fn shanghai_songjiang_rd() {
    insta::assert_snapshot!(rendered("data/2022/shanghai-songjiang-rd.yaml"));
}

#[test]
fn national() {
    insta::assert_snapshot!(rendered("tests/fixtures/national/2023/example-office.yaml"));
}
