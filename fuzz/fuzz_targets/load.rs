//! Any bytes as a data file: loading, checking, rendering and reporting must
//! never panic or hang, whatever the file holds.

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
        (
            load_forms(&store).expect("built-in forms load"),
            Renderer::new(&store).expect("templates load"),
        )
    })
}

fuzz_target!(|data: &[u8]| {
    let path = Path::new("fuzz.yaml");
    let document = match jixiao::load::parse_bytes(path, data) {
        Ok(document) => document,
        Err(diagnostic) => {
            let _ = diagnostic.to_string();
            return;
        }
    };
    let (forms, renderer) = shared();
    let report = check(path, &document, forms);
    let _ = jixiao::diag::to_json(&report.diagnostics);
    for diagnostic in &report.diagnostics {
        let _ = diagnostic.to_string();
    }
    let page = Page {
        date: "2022-01-01".to_owned(),
        index: "index.html".to_owned(),
    };
    let _ = renderer.render(&document, &page);
});
