//! Any bytes as a data file: loading, checking, rendering and reporting must
//! never panic or hang, whatever the file holds.

#![no_main]

use std::path::Path;
use std::sync::OnceLock;

use jixiao::check::{Forms, check, load_forms};
use jixiao::contract::view;
use jixiao::render::{Page, Renderer};
use jixiao::templates::TemplateStore;
use libfuzzer_sys::fuzz_target;

fn shared() -> &'static (Forms, Renderer) {
    static SHARED: OnceLock<(Forms, Renderer)> = OnceLock::new();
    SHARED.get_or_init(|| {
        let store = TemplateStore::built_in();
        let forms = load_forms(&store).expect("built-in forms load");
        let renderer = Renderer::new(&store, &forms).expect("templates load");
        (forms, renderer)
    })
}

fuzz_target!(|data: &[u8]| {
    let path = Path::new("fuzz.yaml");
    let (forms, renderer) = shared();
    let parsed = match jixiao::load::parse_bytes(path, data, forms) {
        Ok(parsed) => parsed,
        Err(found) => {
            let _ = jixiao::diag::to_json(&found);
            return;
        }
    };
    let document = &parsed.document;
    let report = check(path, document, forms);
    let _ = jixiao::diag::to_json(&report.diagnostics);
    for diagnostic in &report.diagnostics {
        let _ = diagnostic.to_string();
    }
    let page = Page {
        date: "2022-01-01".to_owned(),
        index: "index.html".to_owned(),
        pdf: "t.pdf".to_owned(),
    };
    if let Some(contract) = forms.get(&document.form.value) {
        let view = view(document, &parsed.extras, &contract.fields);
        let _ = renderer.render(&contract.name, &view, &page);
    }
});
