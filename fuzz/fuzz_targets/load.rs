//! Any bytes as a data file: loading, checking, rendering and reporting must
//! never panic or hang, whatever the file holds. The stages are the ones
//! `check` and `build` run (see `jixiao::pipeline`).

#![no_main]

use std::path::Path;
use std::sync::OnceLock;

use jixiao::pipeline::{Input, Session};
use jixiao::render::Page;
use jixiao::templates::TemplateStore;
use libfuzzer_sys::fuzz_target;

fn session() -> &'static Session {
    static SESSION: OnceLock<Session> = OnceLock::new();
    SESSION.get_or_init(|| {
        Session::with_store(Path::new(""), TemplateStore::built_in(), &[])
            .expect("the built-in templates and forms load")
    })
}

fuzz_target!(|data: &[u8]| {
    let session = session();
    let loaded = match session.load(Input::from_bytes(Path::new("fuzz.yaml"), data.to_vec())) {
        Ok(loaded) => loaded,
        Err(found) => {
            let _ = jixiao::diag::to_json(&found);
            return;
        }
    };
    let found = session.check(&loaded);
    let _ = jixiao::diag::to_json(&found);
    for diagnostic in &found {
        let _ = diagnostic.to_string();
    }
    let page = Page {
        date: "2022-01-01".to_owned(),
        index: "index.html".to_owned(),
        pdf: "t.pdf".to_owned(),
    };
    let _ = session.render(&loaded, &page);
});
