//! Nothing in the data can change a document: text full of Typst, Jinja,
//! HTML and YAML metacharacters, in every kind of text field, comes out
//! literally in the PDF's text and the web page's text, never as markup.

mod common;

use std::path::Path;
use std::sync::OnceLock;

use common::*;
use jixiao::load::parse;
use jixiao::render::{Page, Renderer};
use jixiao::templates::TemplateStore;
use jixiao::typeset::Typesetter;
use proptest::prelude::*;

fn typesetter() -> &'static (Renderer, Typesetter) {
    static SHARED: OnceLock<(Renderer, Typesetter)> = OnceLock::new();
    SHARED.get_or_init(|| {
        let store = TemplateStore::built_in();
        (
            Renderer::new(&store).unwrap(),
            Typesetter::new(&store, &[]).unwrap(),
        )
    })
}

/// A document with `text` in its title, department, preamble, goal, project
/// name, indicator name and indicator value.
fn document(text: &str) -> String {
    let q = serde_json::to_string(text).unwrap();
    format!(
        "form: national\nyear: 2022\ntitle: {q}\ndepartment: {q}\npreamble: [{q}]\ndepartment_target:\n  goals: [{q}]\nprojects:\n  - name: {q}\n    goal: {q}\n    indicators:\n      columns: [年度指标值]\n      groups:\n        - name: 产出指标\n          groups:\n            - name: 数量指标\n              items:\n                - {{name: {q}, values: [{q}]}}\n"
    )
}

/// The PDF and HTML of a document with `text` everywhere, or the errors.
fn publish(text: &str) -> Result<(Vec<u8>, String), String> {
    let (renderer, typesetter) = typesetter();
    let document = parse(Path::new("t.yaml"), &document(text)).map_err(|d| d.to_string())?;
    let page = Page {
        date: "2022-01-01".to_owned(),
        index: "index.html".to_owned(),
    };
    let main = renderer
        .render(&document, &page)
        .map_err(|e| e.to_string())?;
    let typeset = typesetter
        .typeset(&main)
        .map_err(|problems| format!("{problems:?}"))?;
    Ok((typeset.pdf, typeset.html))
}

fn pdf_to_text(pdf: &[u8]) -> String {
    let dir = std::env::temp_dir().join(format!(
        "jixiao-escape-{}-{:?}",
        std::process::id(),
        std::thread::current().id()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("t.pdf");
    std::fs::write(&path, pdf).unwrap();
    pdf_content(&path)
}

/// Text made of metacharacters of every language the pipeline speaks.
fn hostile_text() -> impl Strategy<Value = String> {
    let metacharacters = prop::sample::select(vec![
        "#",
        "$",
        "[",
        "]",
        "{",
        "}",
        "{{",
        "}}",
        "{%",
        "%}",
        "{#",
        "#}",
        "<script>alert(1)</script>",
        "<b>",
        "</p>",
        "&amp;",
        "&",
        "<",
        ">",
        "\"",
        "'",
        "\\",
        "\\\"",
        "`",
        "*",
        "_",
        "=",
        "-",
        "+",
        "/",
        "//",
        "/*",
        "@",
        "~",
        "<!--",
        "-->",
        "#set page(width: 1pt)",
        "#read(\"/etc/passwd\")",
        "$x^2$",
        ":",
        ": ",
        "- ",
        "? ",
        "|",
        ">-",
        "&x",
        "*x",
        "!!binary",
        "%",
        "\\u{41}",
        "\\n",
        "{{ doc.title }}",
        "{% raw %}",
        "#{",
        "](",
        "中文",
        "〔2022〕",
        "≥90%",
        "（",
        "）",
        " ",
        ";",
        "#\"",
    ]);
    let plain = "[a-zA-Z0-9\u{4e00}-\u{4e80}]{1,4}";
    prop::collection::vec(
        prop_oneof![3 => metacharacters.prop_map(str::to_owned), 1 => plain],
        1..8,
    )
    .prop_map(|pieces| pieces.concat())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 40, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn hostile_text_is_printed_as_itself(text in hostile_text()) {
        let (pdf, html) = publish(&text).map_err(TestCaseError::fail)?;
        let wanted = normalize(&text);
        prop_assume!(!wanted.is_empty());
        let pdf_text = normalize(&pdf_to_text(&pdf));
        prop_assert!(pdf_text.matches(&wanted).count() >= 7, "PDF lacks {wanted:?}: {pdf_text}");
        let html_text = normalize(&html_text(&html));
        prop_assert!(html_text.matches(&wanted).count() >= 7, "HTML lacks {wanted:?}");
        prop_assert!(!html.contains("<script") && !html.contains("<b>") && !html.contains("</p></p>"));
    }

    #[test]
    fn any_text_is_published_or_refused_with_an_error(text in "\\PC{0,12}") {
        match publish(&text) {
            Ok((_, html)) => prop_assert!(!html.contains("<script")),
            Err(message) => prop_assert!(!message.is_empty()),
        }
    }
}
