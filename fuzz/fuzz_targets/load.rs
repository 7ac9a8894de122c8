//! Any bytes as a data file: loading, checking and rendering must never
//! panic or hang, whatever the file holds.

#![no_main]

use std::path::Path;
use std::sync::OnceLock;

use jixiao::check::{Forms, check, load_forms};
use jixiao::render::{Page, Renderer};
use jixiao::templates::TemplateStore;
use libfuzzer_sys::fuzz_target;

fn shared() -> &'static (Forms, Renderer) {
    static SHARED: OnceLock<(Forms, Renderer)> = OnceLock::new();
    SHARED.get_or_init(|| {
        let store = TemplateStore::built_in();
        (load_forms(&store).expect("built-in forms load"), Renderer::new(&store).expect("templates load"))
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let path = Path::new("fuzz.yaml");
    let Ok(document) = jixiao::load::parse(path, text) else { return };
    let (forms, renderer) = shared();
    let _ = check(path, &document, forms);
    let page = Page { date: "2022-01-01".to_owned(), index: "index.html".to_owned() };
    let _ = renderer.render(&document, &page);
});
