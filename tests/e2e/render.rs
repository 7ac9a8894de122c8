//! The Typst that each real data file renders to, as snapshots for review:
//! a change to a form or to the data shows up as a diff of the generated source.

use std::path::Path;

use jixiao::contract::{load_forms, view};
use jixiao::load::load_file;
use jixiao::render::{Page, Renderer};
use jixiao::templates::TemplateStore;

fn rendered(data: &str) -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let store = TemplateStore::built_in();
    let forms = load_forms(&store).unwrap();
    let parsed = load_file(&root.join(data), &forms).unwrap();
    let form = &parsed.document.form.value;
    let view = view(&parsed.document, &parsed.extras, forms.get(form));
    let page = Page {
        date: "2022-06-30".to_owned(),
        index: "../index.html".to_owned(),
        pdf: "doc.pdf".to_owned(),
    };
    Renderer::new(&store, &forms)
        .unwrap()
        .render(form, &view, &page)
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
    insta::assert_snapshot!(rendered("data/2023/example-office.yaml"));
}
